//! Where rows that leave memory go: a temporary file in the `--log` format, and the fast
//! formatting that writing a million lines of it needs.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{Chunk, EntryRef, Peers, from_millis, millis};
use crate::log::{Direction, format_entry};

/// [`format_entry`] with the date and time formatted once per second rather than once per line.
///
/// Eviction formats every line it spools, and formatting the time is most of the cost of
/// [`format_entry`]. So the line's parts around the milliseconds are cached per second, taken
/// from [`format_entry`] itself; text and peer labels without control characters are copied as
/// they are. Anything else, or a layout this does not recognise, goes through [`format_entry`].
#[derive(Debug, Default)]
pub(super) struct LineFormatter {
    /// The cached second (Unix time) and the parts of its line before and after the
    /// milliseconds, e.g. `2026-11-26 09:41:02.` and ` +0800`.
    second: Option<(i64, String, String)>,
}

impl LineFormatter {
    pub(super) fn format(&mut self, out: &mut String, entry: &EntryRef<'_>) {
        let (at, direction, peer, text) = (entry.at, entry.direction, entry.peer_label, entry.text);
        let ms = millis(at);
        let (second, milli) = (ms.div_euclid(1000), ms.rem_euclid(1000));
        if !(is_plain(peer) && is_plain(text)) {
            return format_entry(out, at, direction, peer, text);
        }
        if self
            .second
            .as_ref()
            .is_none_or(|(cached, _, _)| *cached != second)
        {
            self.second = None;
            let mut probe = String::new();
            format_entry(
                &mut probe,
                from_millis(second * 1000),
                Direction::Info,
                "",
                "",
            );
            let parts = probe
                .strip_suffix(" -- \n")
                .and_then(|s| s.split_once(".000 "));
            if let Some((head, tail)) = parts {
                self.second = Some((second, format!("{head}."), format!(" {tail}")));
            }
        }
        let Some((_, head, tail)) = &self.second else {
            return format_entry(out, at, direction, peer, text);
        };
        out.push_str(head);
        let digits = [milli / 100, milli / 10 % 10, milli % 10];
        out.extend(digits.map(|d| char::from(b'0' + d as u8)));
        out.push_str(tail);
        out.push(' ');
        out.push_str(direction.marker());
        if !peer.is_empty() {
            out.push(' ');
            out.push_str(peer);
        }
        out.push(' ');
        out.push_str(text);
        out.push('\n');
    }
}

/// Whether [`format_entry`] writes `s` unchanged: no control characters (C0, DEL, C1), which
/// it escapes, and no `\n`, which it writes as `\\n`.
fn is_plain(s: &str) -> bool {
    let bytes = s.as_bytes();
    // Printable ASCII, the common case, checked without branches so that it vectorises.
    if bytes
        .iter()
        .fold(true, |plain, &b| plain & (0x20..0x7F).contains(&b))
    {
        return true;
    }
    !bytes.iter().enumerate().any(|(i, &b)| {
        b < 0x20 || b == 0x7F || (b == 0xC2 && matches!(bytes.get(i + 1), Some(0x80..=0x9F)))
    })
}

/// Where evicted rows go: a temporary file, created on first use. On Unix its name is removed
/// as soon as it is open, so it leaves nothing behind even when the process is killed; elsewhere
/// it is deleted on drop.
#[derive(Debug)]
pub(super) struct Spool {
    dir: PathBuf,
    file: Option<(PathBuf, File)>,
    /// Bytes and lines of the file that are complete; a failed write is cut back to this.
    committed: u64,
    lines: u64,
    /// Set when a failed write could not be cut back: the file can no longer be trusted to end
    /// at a line boundary, so nothing more is appended.
    broken: bool,
    error: Option<String>,
    lost_rows: u64,
    lost_bytes: u64,
    /// Rows lost since the last line that made it into the file; written as a marker line
    /// before the next rows that do.
    gap: Option<Gap>,
    line: String,
    formatter: LineFormatter,
}

#[derive(Debug, Clone, Copy)]
struct Gap {
    /// The first lost row's time, so the marker sorts where the rows were.
    at: SystemTime,
    rows: u64,
    bytes: u64,
}

impl Gap {
    fn format(&self, out: &mut String, error: Option<&str>) {
        let why = error.unwrap_or("unknown error");
        let text = format!(
            "history: {} lines ({} bytes) are missing here: the spool could not be written ({why})",
            self.rows, self.bytes
        );
        format_entry(out, self.at, Direction::Info, "", &text);
    }
}

/// Makes spool names unique within the process; the pid makes them unique between processes.
static SPOOL_SEQ: AtomicU64 = AtomicU64::new(0);

impl Spool {
    pub(super) fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            file: None,
            committed: 0,
            lines: 0,
            broken: false,
            error: None,
            lost_rows: 0,
            lost_bytes: 0,
            gap: None,
            line: String::new(),
            formatter: LineFormatter::default(),
        }
    }

    /// Appends `chunk`'s entries, or counts them as lost and remembers why.
    pub(super) fn write_chunk(&mut self, chunk: &Chunk, peers: &Peers) {
        if chunk.records.is_empty() {
            return;
        }
        match self.try_write(chunk, peers) {
            Ok(lines) => {
                self.lines += lines;
                self.gap = None;
            }
            Err(err) => {
                self.error = Some(err.to_string());
                let rows = chunk.records.len() as u64;
                let bytes = chunk.text.len() as u64;
                self.lost_rows += rows;
                self.lost_bytes += bytes;
                let first = chunk.entry(0, peers).map_or(UNIX_EPOCH, |entry| entry.at);
                let gap = self.gap.get_or_insert(Gap {
                    at: first,
                    rows: 0,
                    bytes: 0,
                });
                gap.rows += rows;
                gap.bytes += bytes;
            }
        }
    }

    fn try_write(&mut self, chunk: &Chunk, peers: &Peers) -> io::Result<u64> {
        if self.broken {
            return Err(io::Error::other(
                "an earlier write failed and the spool could not be repaired",
            ));
        }
        if self.file.is_none() {
            self.file = Some(create_spool(&self.dir)?);
        }
        let Some((path, file)) = &self.file else {
            return Err(io::Error::other("spool not open"));
        };
        let mut out = BufWriter::with_capacity(64 << 10, file);
        let mut lines = 0;
        let written = (|| -> io::Result<u64> {
            if let Some(gap) = &self.gap {
                self.line.clear();
                gap.format(&mut self.line, self.error.as_deref());
                out.write_all(self.line.as_bytes())?;
                lines += 1;
            }
            for entry in chunk.entries(peers) {
                self.line.clear();
                self.formatter.format(&mut self.line, &entry);
                out.write_all(self.line.as_bytes())?;
                lines += 1;
            }
            out.flush()?;
            Ok(file.metadata()?.len())
        })();
        match written {
            Ok(end) => {
                self.committed = end;
                Ok(lines)
            }
            Err(err) => {
                // Discard what is still buffered, and cut what this chunk wrote, so that the
                // spool still ends at a line boundary.
                let _ = out.into_parts();
                if file.set_len(self.committed).is_err() {
                    self.broken = true;
                }
                Err(io::Error::new(
                    err.kind(),
                    format!("writing history spool {}: {err}", path.display()),
                ))
            }
        }
    }

    /// Rows and bytes that could not be spooled.
    pub(super) fn lost(&self) -> (u64, u64) {
        (self.lost_rows, self.lost_bytes)
    }

    pub(super) fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    pub(super) fn path(&self) -> Option<&Path> {
        self.file.as_ref().map(|(path, _)| path.as_path())
    }

    /// What [`Spool::copy_to`] would write, taken now, for writing later on another thread
    /// while this spool goes on growing: a second handle to the file, how much of it is
    /// complete, and the marker line for a gap.
    pub(super) fn snapshot(&self) -> io::Result<SpoolSnapshot> {
        let file = match &self.file {
            Some((path, file)) => Some((path.clone(), file.try_clone()?)),
            None => None,
        };
        let gap = self.gap.map(|gap| {
            let mut line = String::new();
            gap.format(&mut line, self.error.as_deref());
            line
        });
        Ok(SpoolSnapshot {
            file,
            committed: self.committed,
            lines: self.lines,
            gap,
        })
    }

    /// Copies the complete part of the spool to `out`, then a marker line for rows lost since
    /// its last line; returns the number of lines.
    pub(super) fn copy_to(&self, out: &mut impl Write) -> io::Result<u64> {
        let mut lines = 0;
        if let Some((path, file)) = &self.file {
            // The file is opened for appending, so moving the read position does not disturb
            // later writes. Reading through the handle also works if a temp cleaner unlinked it.
            let mut reader = file;
            reader.seek(SeekFrom::Start(0))?;
            let copied = io::copy(&mut reader.take(self.committed), out)?;
            if copied != self.committed {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("history spool {} is shorter than written", path.display()),
                ));
            }
            lines += self.lines;
        }
        if let Some(gap) = &self.gap {
            let mut line = String::new();
            gap.format(&mut line, self.error.as_deref());
            out.write_all(line.as_bytes())?;
            lines += 1;
        }
        Ok(lines)
    }
}

/// The spool as it was at [`Spool::snapshot`].
#[derive(Debug)]
pub(super) struct SpoolSnapshot {
    file: Option<(PathBuf, File)>,
    committed: u64,
    lines: u64,
    gap: Option<String>,
}

impl SpoolSnapshot {
    /// Bytes [`SpoolSnapshot::copy_to`] copies from the file.
    pub(super) fn len(&self) -> u64 {
        self.committed
    }

    /// Like [`Spool::copy_to`]. Reads with positioned reads, so the live spool's handle (which
    /// shares the file offset) is not disturbed; `progress` gets the bytes copied so far.
    pub(super) fn copy_to(
        &self,
        out: &mut impl Write,
        mut progress: impl FnMut(u64),
    ) -> io::Result<u64> {
        let mut lines = 0;
        if let Some((path, file)) = &self.file {
            let mut buf = vec![0u8; 1 << 20];
            let mut done = 0u64;
            while done < self.committed {
                let want = usize::try_from(self.committed - done)
                    .unwrap_or(usize::MAX)
                    .min(buf.len());
                let n = read_at(file, &mut buf[..want], done)?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("history spool {} is shorter than written", path.display()),
                    ));
                }
                out.write_all(&buf[..n])?;
                done += n as u64;
                progress(done);
            }
            lines += self.lines;
        }
        if let Some(gap) = &self.gap {
            out.write_all(gap.as_bytes())?;
            lines += 1;
        }
        Ok(lines)
    }
}

#[cfg(unix)]
pub(crate) fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
pub(crate) fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

impl Drop for Spool {
    fn drop(&mut self) {
        if let Some((path, _)) = &self.file {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Creates a new spool file that nobody else can read: it holds the session's traffic.
fn create_spool(dir: &Path) -> io::Result<(PathBuf, File)> {
    create_private_file(dir, "history", "log")
}

/// Creates a new file in `dir` that nobody else can read, opened to read and append, and
/// (on Unix) already unlinked, so nothing is left on disk however the process ends.
pub(crate) fn create_private_file(
    dir: &Path,
    what: &str,
    extension: &str,
) -> io::Result<(PathBuf, File)> {
    let mut options = OpenOptions::new();
    options.read(true).append(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut attempts = 0;
    loop {
        let seq = SPOOL_SEQ.fetch_add(1, Ordering::Relaxed);
        let name = format!("tcptalk-{what}-{}-{seq}.{extension}", std::process::id());
        let path = dir.join(name);
        attempts += 1;
        match options.open(&path) {
            Ok(file) => {
                // The open handle keeps the data; without a name nothing is left on disk
                // however the process ends (SIGKILL, a crash, power loss).
                #[cfg(unix)]
                std::fs::remove_file(&path)?;
                return Ok((path, file));
            }
            // Left over from an earlier process with the same pid: take the next number.
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists && attempts < 100 => {}
            Err(err) => {
                return Err(io::Error::new(
                    err.kind(),
                    format!("creating {what} spool {}: {err}", path.display()),
                ));
            }
        }
    }
}

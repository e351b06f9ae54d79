//! The history model shared by the GUI and the CLI: every entry (time, direction, client, text)
//! in arrival order, bounded in memory, with nothing lost.
//!
//! A debugging session can run for days and a device can flood a line every millisecond, so the
//! history must neither grow without bound nor drop what it can no longer hold:
//!
//! - **Compact.** Entries are stored in chunks: one text buffer per chunk plus one 16-byte record
//!   per entry. A million lines are a few dozen allocations, not a million `String`s.
//! - **Random access.** The view draws only the rows on screen, so [`History::get`] finds a row
//!   by index without walking the history.
//! - **Bounded.** When the chunks outgrow [`HistoryLimits::max_bytes`], the oldest whole chunks
//!   leave memory.
//! - **Nothing lost.** Whatever leaves memory (evicted or cleared) is appended to a spool file in
//!   the `--log` format ([`crate::log::format_entry`]), so [`History::save_all`] always writes
//!   the whole session, and [`History::evicted`] tells the window how much is no longer shown. If
//!   the spool cannot be written, the rows are counted as lost, the error is kept for the window
//!   to show, and a marker line in the spool says where the gap is.

pub(crate) mod spool;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::log::Direction;
use spool::{LineFormatter, Spool, SpoolSnapshot};

/// How much history stays in memory. Part of the user's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryLimits {
    /// Upper bound for [`History::memory_bytes`]: entry texts, their records and peer labels.
    /// Only the chunk being filled is kept when it alone is larger (a huge single entry).
    pub max_bytes: usize,
}

impl Default for HistoryLimits {
    /// 64 MiB: about 800,000 lines of 60 bytes, far more than anyone scrolls through, yet small
    /// next to what a GUI process uses anyway.
    fn default() -> Self {
        Self {
            max_bytes: 64 << 20,
        }
    }
}

/// A client (or server) that entries can name, from [`History::add_peer`].
///
/// Entries store this 4-byte handle instead of the label, so a million lines from one client
/// hold its label once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeerRef(u32);

impl PeerRef {
    /// For entries that belong to no peer ("server listening on ...").
    pub const NONE: PeerRef = PeerRef(u32::MAX);
}

/// One entry, borrowed from the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryRef<'a> {
    /// When the entry was pushed, to the millisecond.
    pub at: SystemTime,
    pub direction: Direction,
    pub peer: PeerRef,
    /// The peer's label, empty for [`PeerRef::NONE`].
    pub peer_label: &'a str,
    pub text: &'a str,
}

/// Rows and bytes (of entry text) that are no longer in memory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evicted {
    /// Rows evicted or cleared since the history was created.
    pub rows: u64,
    pub bytes: u64,
    /// Of those, the rows the spool could not take (see [`History::spool_error`]): they are in
    /// the `--log` file if there is one, and nowhere else.
    pub lost_rows: u64,
    pub lost_bytes: u64,
}

/// The history of one window. See the module docs.
#[derive(Debug)]
pub struct History {
    limits: HistoryLimits,
    /// Oldest first. Only the last chunk takes new entries. Shared with snapshots, which a
    /// save writes out while this history goes on: only the last chunk can still change, and
    /// it is copied (at most 256 KiB) if a snapshot holds it when an entry comes.
    chunks: VecDeque<Arc<Chunk>>,
    /// Sum of [`Chunk::memory`] over `chunks`, kept so that checking the limit on every push
    /// costs nothing.
    chunk_memory: usize,
    peers: Peers,
    total_rows: u64,
    total_bytes: u64,
    evicted_rows: u64,
    evicted_bytes: u64,
    spool: Spool,
}

/// Chunks take new entries until their text or their records are full, whichever comes first.
/// A chunk is at most 256 KiB of text, and at most an eighth of the limit, so that eviction frees
/// memory in steps that are small next to the limit, and spooling one chunk (formatting ~4,000
/// lines) costs a window well under a millisecond: with 1 MiB chunks an eviction inside a frame
/// pushed the flood's p99 frame time to 6 ms.
const MAX_CHUNK_TEXT: usize = 256 << 10;
const MIN_CHUNK_TEXT: usize = 4 << 10;
/// Records per chunk are sized for lines of this many bytes; shorter lines fill the records
/// first and the spare text capacity is returned when the chunk is sealed.
const TYPICAL_LINE: usize = 64;

/// One entry's fixed-size part. Its text runs from `start` to the next record's `start` (or the
/// end of the chunk's text), so no length is stored.
#[derive(Debug, Clone, Copy)]
struct Record {
    /// Unix time in milliseconds, shifted left by 2, with the direction in the low 2 bits.
    at_dir: i64,
    start: u32,
    peer: u32,
}

const _: () = assert!(std::mem::size_of::<Record>() == 16);

/// Timestamps are clamped to this many milliseconds either side of 1970 (about ±73 million years) so
/// that the shift in [`Record::at_dir`] cannot overflow.
const MAX_MS: i64 = i64::MAX >> 2;

#[derive(Debug)]
struct Chunk {
    /// Absolute number of this chunk's first row (rows pushed before it).
    first_row: u64,
    text: String,
    records: Vec<Record>,
    text_cap: usize,
    rows_cap: usize,
}

/// A copy with the same capacities, so that [`Chunk::memory`] (what the history counts for it)
/// does not change when a chunk a snapshot shares is copied to take more entries.
impl Clone for Chunk {
    fn clone(&self) -> Self {
        let mut text = String::with_capacity(self.text.capacity());
        text.push_str(&self.text);
        let mut records = Vec::with_capacity(self.records.capacity());
        records.extend_from_slice(&self.records);
        Chunk {
            first_row: self.first_row,
            text,
            records,
            text_cap: self.text_cap,
            rows_cap: self.rows_cap,
        }
    }
}

impl Chunk {
    fn with_caps(first_row: u64, text_cap: usize, rows_cap: usize) -> Self {
        Self {
            first_row,
            text: String::with_capacity(text_cap),
            records: Vec::with_capacity(rows_cap),
            text_cap,
            rows_cap,
        }
    }

    fn fits(&self, len: usize) -> bool {
        self.records.len() < self.rows_cap && self.text.len() + len <= self.text_cap
    }

    fn memory(&self) -> usize {
        self.text.capacity() + self.records.capacity() * std::mem::size_of::<Record>()
    }

    /// Gives back capacity this chunk will never use, once it takes no more entries.
    fn seal(&mut self) {
        if self.text.capacity() - self.text.len() > self.text.capacity() / 8 {
            self.text.shrink_to_fit();
        }
        if self.records.capacity() - self.records.len() > self.records.capacity() / 8 {
            self.records.shrink_to_fit();
        }
    }

    fn entry<'a>(&'a self, k: usize, peers: &'a Peers) -> Option<EntryRef<'a>> {
        let record = self.records.get(k)?;
        let end = self
            .records
            .get(k + 1)
            .map_or(self.text.len(), |next| next.start as usize);
        let (at, direction) = unpack_time(record.at_dir);
        Some(EntryRef {
            at,
            direction,
            peer: PeerRef(record.peer),
            peer_label: peers.label(PeerRef(record.peer)),
            text: self.text.get(record.start as usize..end)?,
        })
    }

    fn entries<'a>(&'a self, peers: &'a Peers) -> impl Iterator<Item = EntryRef<'a>> + 'a {
        (0..self.records.len()).filter_map(move |k| self.entry(k, peers))
    }
}

/// Peer labels, all in one buffer.
#[derive(Debug, Default, Clone)]
struct Peers {
    labels: String,
    /// End of each label in `labels`; label `i` starts where label `i - 1` ends.
    ends: Vec<usize>,
}

impl Peers {
    fn label(&self, peer: PeerRef) -> &str {
        let i = peer.0 as usize;
        let Some(&end) = self.ends.get(i) else {
            return "";
        };
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.labels.get(start..end).unwrap_or("")
    }

    fn memory(&self) -> usize {
        self.labels.capacity() + self.ends.capacity() * std::mem::size_of::<usize>()
    }
}

impl Default for History {
    fn default() -> Self {
        Self::new(HistoryLimits::default())
    }
}

impl History {
    /// Creates an empty history that spools to the system's temporary directory.
    pub fn new(limits: HistoryLimits) -> Self {
        Self::with_spool_dir(limits, std::env::temp_dir())
    }

    /// Creates an empty history whose spool file (created only once something is evicted) goes
    /// in `dir`, for users whose temporary directory is small or shared.
    pub fn with_spool_dir(limits: HistoryLimits, dir: PathBuf) -> Self {
        Self {
            limits,
            chunks: VecDeque::new(),
            chunk_memory: 0,
            peers: Peers::default(),
            total_rows: 0,
            total_bytes: 0,
            evicted_rows: 0,
            evicted_bytes: 0,
            spool: Spool::new(dir),
        }
    }

    pub fn limits(&self) -> HistoryLimits {
        self.limits
    }

    /// Changes the limit; lowering it evicts at once.
    pub fn set_limits(&mut self, limits: HistoryLimits) {
        self.limits = limits;
        self.enforce_limit();
    }

    /// Registers a label such as `#3 127.0.0.1:50312` for entries to refer to.
    ///
    /// Labels are never evicted, since spooled entries and [`History::save_all`] still need
    /// them. Past 4 billion peers, new ones get [`PeerRef::NONE`].
    pub fn add_peer(&mut self, label: &str) -> PeerRef {
        let Ok(id) = u32::try_from(self.peers.ends.len()) else {
            return PeerRef::NONE;
        };
        if id == PeerRef::NONE.0 {
            return PeerRef::NONE;
        }
        self.peers.labels.push_str(label);
        self.peers.ends.push(self.peers.labels.len());
        PeerRef(id)
    }

    /// The label given to [`History::add_peer`]; empty for [`PeerRef::NONE`].
    pub fn peer_label(&self, peer: PeerRef) -> &str {
        self.peers.label(peer)
    }

    /// Appends one entry. `at` is kept to the millisecond.
    ///
    /// `text` is stored as given; it may contain `\n` (a multi-line message the user sent), which
    /// the spool writes as `\n` like the session log does. A text larger than a chunk gets a
    /// chunk of its own: an entry is never cut here (cutting for display is the view's business,
    /// see [`History::preview`]).
    pub fn push(&mut self, at: SystemTime, direction: Direction, peer: PeerRef, text: &str) {
        let at_dir = pack_time(at, direction);
        let needs_chunk = self
            .chunks
            .back()
            .is_none_or(|chunk| !chunk.fits(text.len()));
        if needs_chunk {
            if let Some(full) = self.chunks.back_mut().map(Arc::make_mut) {
                self.chunk_memory -= full.memory();
                full.seal();
                self.chunk_memory += full.memory();
            }
            let (text_cap, rows_cap) = self.chunk_caps();
            let chunk = if text.len() > text_cap {
                Chunk::with_caps(self.total_rows, text.len(), 1)
            } else {
                Chunk::with_caps(self.total_rows, text_cap, rows_cap)
            };
            self.chunk_memory += chunk.memory();
            self.chunks.push_back(Arc::new(chunk));
        }
        let Some(chunk) = self.chunks.back_mut().map(Arc::make_mut) else {
            return; // just pushed
        };
        // Fits in u32: a chunk's text is at most MAX_CHUNK_TEXT, except a single-entry chunk,
        // whose only entry starts at 0.
        let start = chunk.text.len() as u32;
        chunk.text.push_str(text);
        chunk.records.push(Record {
            at_dir,
            start,
            peer: peer.0,
        });
        self.total_rows += 1;
        self.total_bytes += text.len() as u64;
        self.enforce_limit();
    }

    /// Rows in memory; [`History::get`] takes `0..len()`.
    pub fn len(&self) -> usize {
        (self.total_rows - self.evicted_rows) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Absolute number of row 0 (counting every row ever pushed from 0): the number of rows no
    /// longer in memory.
    pub fn first_row(&self) -> u64 {
        self.evicted_rows
    }

    /// Rows ever pushed.
    pub fn total_rows(&self) -> u64 {
        self.total_rows
    }

    /// Bytes of entry text ever pushed.
    pub fn total_bytes(&self) -> u64 {
        self.total_bytes
    }

    /// What is no longer in memory, for the window to say so.
    pub fn evicted(&self) -> Evicted {
        Evicted {
            rows: self.evicted_rows,
            bytes: self.evicted_bytes,
            lost_rows: self.spool.lost().0,
            lost_bytes: self.spool.lost().1,
        }
    }

    /// The last error writing the spool, if any. It stays set once rows were lost.
    pub fn spool_error(&self) -> Option<&str> {
        self.spool.error()
    }

    /// Where the spool file was created, once something has been evicted into it. On Unix the
    /// name is already gone (the data lives on in the open file); elsewhere the file is deleted
    /// when the history is dropped.
    pub fn spool_path(&self) -> Option<&Path> {
        self.spool.path()
    }

    /// Memory held for entries: text and record capacities, peer labels and the chunk list.
    pub fn memory_bytes(&self) -> usize {
        self.chunk_memory
            + self.peers.memory()
            + self.chunks.capacity() * std::mem::size_of::<Chunk>()
    }

    /// Row `i` of those in memory (absolute row [`History::first_row`] + `i`).
    pub fn get(&self, i: usize) -> Option<EntryRef<'_>> {
        let row = self.first_row().checked_add(i as u64)?;
        // The last chunk whose first row is at most `row`.
        let c = self.chunks.partition_point(|chunk| chunk.first_row <= row);
        let chunk = self.chunks.get(c.checked_sub(1)?)?;
        chunk.entry(usize::try_from(row - chunk.first_row).ok()?, &self.peers)
    }

    /// Row `i`'s text cut to at most `max_chars` characters (at a character boundary), with the
    /// full text's size in bytes, so a view can show a huge entry as a line and its size.
    pub fn preview(&self, i: usize, max_chars: usize) -> Option<(&str, usize)> {
        let text = self.get(i)?.text;
        let cut = text
            .char_indices()
            .nth(max_chars)
            .map_or(text.len(), |(at, _)| at);
        Some((&text[..cut], text.len()))
    }

    /// The rows in memory, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = EntryRef<'_>> {
        self.chunks
            .iter()
            .flat_map(|chunk| chunk.entries(&self.peers))
    }

    /// Empties the view. The rows go to the spool like evicted ones (no byte is lost:
    /// [`History::save_all`] still writes them) and are counted in [`History::evicted`], so
    /// `first_row() + len() == total_rows()` always holds.
    pub fn clear(&mut self) {
        while self.evict_front() {}
    }

    /// Writes the whole session to `path` in the `--log` format: the spool, then the rows in
    /// memory. Returns the number of lines written: [`History::total_rows`], plus one marker line
    /// per gap if the spool lost rows.
    pub fn save_all(&self, path: &Path) -> io::Result<u64> {
        let mut out = BufWriter::new(File::create(path)?);
        let mut lines = self.spool.copy_to(&mut out)?;
        let mut line = String::new();
        let mut formatter = LineFormatter::default();
        for entry in self.iter() {
            line.clear();
            formatter.format(&mut line, &entry);
            out.write_all(line.as_bytes())?;
            lines += 1;
        }
        out.flush()?;
        Ok(lines)
    }

    /// Everything [`History::save_all`] would write, taken now, so that the writing (seconds
    /// for a large history) can happen on another thread while this history goes on taking
    /// entries. Shares the chunks rather than copying them: no memory to speak of, and
    /// microseconds under whatever lock guards this history.
    pub fn snapshot(&self) -> io::Result<HistorySnapshot> {
        Ok(HistorySnapshot {
            spool: self.spool.snapshot()?,
            chunks: self.chunks.iter().cloned().collect(),
            peers: self.peers.clone(),
            rows: self.len() as u64,
        })
    }

    /// Text and record capacity for a new chunk under the current limit.
    fn chunk_caps(&self) -> (usize, usize) {
        let text_cap = (self.limits.max_bytes / 8).clamp(MIN_CHUNK_TEXT, MAX_CHUNK_TEXT);
        (text_cap, text_cap / TYPICAL_LINE)
    }

    fn enforce_limit(&mut self) {
        while self.memory_bytes() > self.limits.max_bytes && self.chunks.len() > 1 {
            self.evict_front();
        }
    }

    /// Moves the oldest chunk to the spool. Returns false if there was none.
    fn evict_front(&mut self) -> bool {
        let Some(chunk) = self.chunks.pop_front() else {
            return false;
        };
        self.spool.write_chunk(&chunk, &self.peers);
        self.chunk_memory -= chunk.memory();
        self.evicted_rows += chunk.records.len() as u64;
        self.evicted_bytes += chunk.text.len() as u64;
        true
    }
}

/// The whole history as it was at [`History::snapshot`].
#[derive(Debug)]
pub struct HistorySnapshot {
    spool: SpoolSnapshot,
    chunks: Vec<Arc<Chunk>>,
    peers: Peers,
    /// Rows in `chunks`.
    rows: u64,
}

/// How far [`HistorySnapshot::save`] has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SaveProgress {
    /// Bytes of the spool copied, of `spool_bytes`.
    pub spool_done: u64,
    pub spool_bytes: u64,
    /// Rows from memory written, of `rows`.
    pub rows_done: u64,
    pub rows: u64,
}

impl SaveProgress {
    /// Done so far, from 0 to 1, counting a spooled byte and an in-memory row alike by an
    /// average line's length.
    pub fn fraction(&self) -> f32 {
        const LINE: u64 = 80;
        let total = self.spool_bytes + self.rows * LINE;
        if total == 0 {
            return 1.0;
        }
        (self.spool_done + self.rows_done * LINE) as f32 / total as f32
    }
}

impl HistorySnapshot {
    /// The absolute numbers of the entries in memory (not those spooled) that `matches`
    /// accepts, oldest first. `progress(done, total)` is called every few thousand entries
    /// and may return false to stop early.
    pub fn find(
        &self,
        mut matches: impl FnMut(&EntryRef<'_>) -> bool,
        mut progress: impl FnMut(u64, u64, &[u64]) -> bool,
    ) -> Vec<u64> {
        const EVERY: u64 = 16_384;
        let mut found = Vec::new();
        let mut done = 0u64;
        for chunk in &self.chunks {
            for (k, entry) in chunk.entries(&self.peers).enumerate() {
                if matches(&entry) {
                    found.push(chunk.first_row + k as u64);
                }
                done += 1;
                if done.is_multiple_of(EVERY) && !progress(done, self.rows, &found) {
                    return found;
                }
            }
        }
        progress(done, self.rows, &found);
        found
    }

    /// Writes the snapshot to `path` like [`History::save_all`]; `progress` is called every
    /// few thousand lines. Returns the number of lines written.
    pub fn save(&self, path: &Path, mut progress: impl FnMut(SaveProgress)) -> io::Result<u64> {
        let mut state = SaveProgress {
            spool_bytes: self.spool.len(),
            rows: self.rows,
            ..SaveProgress::default()
        };
        let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
        let mut lines = self.spool.copy_to(&mut out, |done| {
            state.spool_done = done;
            progress(state);
        })?;
        let mut line = String::new();
        let mut formatter = LineFormatter::default();
        for entry in self
            .chunks
            .iter()
            .flat_map(|chunk| chunk.entries(&self.peers))
        {
            line.clear();
            formatter.format(&mut line, &entry);
            out.write_all(line.as_bytes())?;
            lines += 1;
            state.rows_done += 1;
            if state.rows_done.is_multiple_of(4096) {
                progress(state);
            }
        }
        out.flush()?;
        progress(state);
        Ok(lines)
    }
}

/// Unix time in whole milliseconds, rounded towards 1970 and clamped to `±MAX_MS`.
fn millis(at: SystemTime) -> i64 {
    let ms = match at.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).unwrap_or(MAX_MS),
        Err(before) => i64::try_from(before.duration().as_millis()).map_or(-MAX_MS, |ms| -ms),
    };
    ms.clamp(-MAX_MS, MAX_MS)
}

fn from_millis(ms: i64) -> SystemTime {
    let offset = Duration::from_millis(ms.unsigned_abs());
    let at = if ms >= 0 {
        UNIX_EPOCH.checked_add(offset)
    } else {
        UNIX_EPOCH.checked_sub(offset)
    };
    // A time that came from a SystemTime converts back; the fallback is for the clamped extremes.
    at.unwrap_or(UNIX_EPOCH)
}

fn pack_time(at: SystemTime, direction: Direction) -> i64 {
    let code = match direction {
        Direction::Received => 0,
        Direction::Sent => 1,
        Direction::Info => 2,
    };
    (millis(at) << 2) | code
}

fn unpack_time(at_dir: i64) -> (SystemTime, Direction) {
    let direction = match at_dir & 3 {
        0 => Direction::Received,
        1 => Direction::Sent,
        _ => Direction::Info,
    };
    (from_millis(at_dir >> 2), direction)
}

//! Every byte a session received and sent, kept in a private spool file so that it can be
//! exported later: as a `.pcap` of the whole session (see [`crate::pcap`]) or as the raw bytes
//! one connection received. The history holds decoded text; this holds the bytes themselves.
//!
//! One record per read or send: time (µs since the Unix epoch), connection, direction, length,
//! bytes. The file is unlinked as soon as it is made (nothing stays on disk however the process
//! ends) and bounded: past its limit further traffic is counted as not kept, never written.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::history::spool::{create_private_file, read_at};
use crate::pcap::Way;

const HEADER: usize = 8 + 8 + 1 + 4;

/// The spool being written.
#[derive(Debug)]
pub struct RawLog {
    writer: BufWriter<File>,
    reader: File,
    len: u64,
    limit: u64,
    /// Bytes of traffic not kept because the limit was reached.
    dropped: u64,
}

/// One read or send.
#[derive(Debug, Clone, Copy)]
pub struct RawRecord<'a> {
    pub at: SystemTime,
    pub conn: u64,
    pub way: Way,
    pub data: &'a [u8],
}

/// What was written up to [`RawLog::snapshot`], to read on another thread.
#[derive(Debug)]
pub struct RawSnapshot {
    file: File,
    len: u64,
}

impl RawLog {
    /// A new spool in `dir`, keeping at most `limit` bytes.
    pub fn new(dir: &Path, limit: u64) -> io::Result<RawLog> {
        let (_, file) = create_private_file(dir, "raw", "bin")?;
        Ok(RawLog {
            reader: file.try_clone()?,
            writer: BufWriter::with_capacity(256 * 1024, file),
            len: 0,
            limit,
            dropped: 0,
        })
    }

    pub fn append(&mut self, at: SystemTime, conn: u64, way: Way, data: &[u8]) -> io::Result<()> {
        let size = (HEADER + data.len()) as u64;
        if self.len + size > self.limit {
            self.dropped += data.len() as u64;
            return Ok(());
        }
        let micros = at
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_micros() as u64;
        let mut header = [0u8; HEADER];
        header[..8].copy_from_slice(&micros.to_le_bytes());
        header[8..16].copy_from_slice(&conn.to_le_bytes());
        header[16] = u8::from(way == Way::Out);
        header[17..].copy_from_slice(&(data.len() as u32).to_le_bytes());
        self.writer.write_all(&header)?;
        self.writer.write_all(data)?;
        self.len += size;
        Ok(())
    }

    /// Bytes of traffic not kept because the spool was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Everything written so far, readable while writing goes on (the file is appended to, and
    /// reads name their offset).
    pub fn snapshot(&mut self) -> io::Result<RawSnapshot> {
        self.writer.flush()?;
        Ok(RawSnapshot {
            file: self.reader.try_clone()?,
            len: self.len,
        })
    }
}

impl RawSnapshot {
    /// Calls `each` for every record, oldest first.
    pub fn for_each(
        &self,
        mut each: impl FnMut(RawRecord<'_>) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut offset = 0u64;
        let mut header = [0u8; HEADER];
        let mut data = Vec::new();
        while offset < self.len {
            read_exact_at(&self.file, &mut header, offset)?;
            let micros = u64::from_le_bytes(header[..8].try_into().unwrap_or_default());
            let conn = u64::from_le_bytes(header[8..16].try_into().unwrap_or_default());
            let way = if header[16] == 1 { Way::Out } else { Way::In };
            let len = u32::from_le_bytes(header[17..].try_into().unwrap_or_default()) as usize;
            data.resize(len, 0);
            read_exact_at(&self.file, &mut data, offset + HEADER as u64)?;
            each(RawRecord {
                at: UNIX_EPOCH + Duration::from_micros(micros),
                conn,
                way,
                data: &data,
            })?;
            offset += (HEADER + len) as u64;
        }
        Ok(())
    }
}

fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        let n = read_at(file, buf, offset)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "raw spool cut short",
            ));
        }
        buf = &mut buf[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_come_back_in_order_and_the_limit_holds() {
        let mut log = RawLog::new(&std::env::temp_dir(), 100).expect("spool");
        let t = UNIX_EPOCH + Duration::from_micros(1_700_000_000_123_456);
        log.append(t, 7, Way::In, b"hello").expect("append");
        log.append(t, 8, Way::Out, "你好".as_bytes())
            .expect("append");
        log.append(t, 7, Way::In, &[0u8; 80])
            .expect("over the limit");
        assert_eq!(log.dropped(), 80);
        let snapshot = log.snapshot().expect("snapshot");
        log.append(t, 9, Way::In, b"after").expect("append");
        let mut seen = Vec::new();
        snapshot
            .for_each(|record| {
                seen.push((record.conn, record.way, record.data.to_vec(), record.at));
                Ok(())
            })
            .expect("read");
        assert_eq!(
            seen,
            [
                (7, Way::In, b"hello".to_vec(), t),
                (8, Way::Out, "你好".as_bytes().to_vec(), t)
            ]
        );
    }
}

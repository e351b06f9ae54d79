//! Exports of what a session saw, from its raw spool (`tcptalk_core::rawlog`): the whole session
//! as a `.pcap` for Wireshark, or the raw bytes one connection received. Written on a blocking
//! thread from a snapshot, while the session goes on.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use tcptalk_core::pcap::{Flow, PcapWriter, Way};
use tcptalk_core::rawlog::{RawLog, RawSnapshot};
use tcptalk_net::ConnId;

use super::Task;
use crate::{Command, PeerId};

/// Traffic a window's session keeps for exports: a gibibyte, then the newest is not kept.
pub(crate) const RAW_LIMIT: u64 = 1 << 30;

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// Every read and send of the session so far, as a `.pcap`.
    Pcap,
    /// The bytes this connection received, exactly as they came.
    Received(PeerId),
}

impl Task {
    /// A read or send: into the raw spool (for exports) and the live capture, if any.
    pub(super) fn wire(&mut self, conn: ConnId, way: Way, at: SystemTime, data: &[u8]) {
        if let Some(raw) = &mut self.raw
            && let Err(err) = raw.append(at, conn.0, way, data)
        {
            tracing::warn!(%err, "raw spool stopped");
            self.raw = None;
        }
        self.capture(conn, way, at, data);
    }

    pub(super) fn start_export(&mut self, path: PathBuf, what: Export) {
        let snapshot = match self.raw.as_mut().map(RawLog::snapshot) {
            Some(Ok(snapshot)) => snapshot,
            Some(Err(err)) => return self.export_done(path, Err(err.to_string())),
            None => return self.export_done(path, Err("nothing was kept to export".into())),
        };
        let addrs = self.addrs.clone();
        let loopback = self.loopback.clone();
        self.runtime.spawn_blocking(move || {
            let result = export(&snapshot, &addrs, &path, what).map_err(|err| err.to_string());
            let _ = loopback.send(Command::ExportDone { path, result });
        });
    }

    fn export_done(&mut self, path: PathBuf, result: Result<u64, String>) {
        let _ = self.loopback.send(Command::ExportDone { path, result });
    }
}

fn export(
    snapshot: &RawSnapshot,
    addrs: &HashMap<ConnId, (SocketAddr, SocketAddr)>,
    path: &Path,
    what: Export,
) -> std::io::Result<u64> {
    let out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut bytes = 0u64;
    match what {
        Export::Pcap => {
            let mut writer = PcapWriter::new(out)?;
            let mut flows: HashMap<u64, Flow> = HashMap::new();
            snapshot.for_each(|record| {
                let Some(&(local, peer)) = addrs.get(&ConnId(record.conn)) else {
                    return Ok(());
                };
                let flow = flows
                    .entry(record.conn)
                    .or_insert_with(|| Flow::new(local, peer));
                bytes += record.data.len() as u64;
                writer.segment(flow, record.way, record.at, record.data)
            })?;
            writer.flush()?;
        }
        Export::Received(conn) => {
            let mut out = out;
            snapshot.for_each(|record| {
                if record.conn == conn.0 && record.way == Way::In {
                    bytes += record.data.len() as u64;
                    out.write_all(record.data)?;
                }
                Ok(())
            })?;
            out.flush()?;
        }
    }
    Ok(bytes)
}

//! `--pcap FILE` / 抓包: every read and every send written as it happens to a `.pcap` with
//! synthetic IP/TCP headers (see `tcptalk_core::pcap`), one packet per read or message, with
//! its real time. Written by the session's task, buffered, flushed when the task is idle.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::time::SystemTime;

use tcptalk_core::pcap::{Flow, PcapWriter, Way};
use tcptalk_net::ConnId;

use super::Task;
use crate::{SessionEvent, Target};

/// A capture being written.
#[derive(Debug)]
pub(crate) struct Capture {
    writer: PcapWriter<BufWriter<File>>,
    flows: HashMap<ConnId, Flow>,
}

impl Capture {
    pub(crate) fn start(file: File) -> std::io::Result<Capture> {
        Ok(Capture {
            writer: PcapWriter::new(BufWriter::with_capacity(256 * 1024, file))?,
            flows: HashMap::new(),
        })
    }
}

impl Task {
    /// Writes `data` that went `way` on `conn` at `at` to the capture, if one runs.
    pub(super) fn capture(&mut self, conn: ConnId, way: Way, at: SystemTime, data: &[u8]) {
        let Some(capture) = &mut self.capture else {
            return;
        };
        let flow = match capture.flows.entry(conn) {
            std::collections::hash_map::Entry::Occupied(flow) => flow.into_mut(),
            std::collections::hash_map::Entry::Vacant(slot) => {
                let addrs = self
                    .shared
                    .lock()
                    .peers
                    .get(conn)
                    .map(|peer| (peer.conn.local_addr(), peer.conn.peer_addr()));
                let Some((local, peer)) = addrs else { return };
                slot.insert(Flow::new(local, peer))
            }
        };
        if let Err(err) = capture.writer.segment(flow, way, at, data) {
            self.capture_failed(err);
        }
    }

    /// What was sent to `to` (a message to several peers: a segment to each), to the raw
    /// spool and the capture.
    pub(super) fn capture_sent(&mut self, to: &[ConnId], at: SystemTime, data: &[u8]) {
        for conn in to {
            self.wire(*conn, Way::Out, at, data);
        }
    }

    /// The connections `to` names now, for a stream sent to them.
    pub(super) fn capture_targets(&self, to: Target) -> Vec<ConnId> {
        match to {
            Target::One(id) => vec![id],
            Target::All => self.shared.lock().peers.ids(),
        }
    }

    pub(super) fn forget_capture_flow(&mut self, conn: ConnId) {
        if let Some(capture) = &mut self.capture {
            capture.flows.remove(&conn);
        }
    }

    pub(super) fn flush_capture(&mut self) {
        if let Some(capture) = &mut self.capture
            && let Err(err) = capture.writer.flush()
        {
            self.capture_failed(err);
        }
    }

    /// The capture stops at the first failure; the front end hears of it once.
    fn capture_failed(&mut self, err: std::io::Error) {
        self.capture = None;
        let error = err.to_string();
        tracing::warn!(%error, "cannot write the capture");
        self.pending_capture_error = Some(error);
    }

    /// Tells the front end about a capture that failed, once.
    pub(super) async fn report_capture_error(&mut self) -> Result<(), super::Gone> {
        if let Some(error) = self.pending_capture_error.take() {
            self.emit(SessionEvent::CaptureFailed { error }).await?;
        }
        Ok(())
    }
}

//! The file transfer's task: read a chunk, hash it, hand it to each peer as it reads.
//!
//! Memory stays bounded for any file size: one chunk in hand, and each connection's write queue
//! is bounded by the engine (sending waits while a peer does not read). Sending to all clients,
//! one that holds the transfer up for [`crate::SLOW_PEER_GRACE`] is disconnected, as for stdin.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use sha2::{Digest, Sha256};
use tcptalk_net::Connection;
use tokio::io::AsyncReadExt;
use tokio_util::sync::CancellationToken;

use super::{FileStatus, JobId, JobStatus};
use crate::{Command, Notice, SessionEvent, SessionHandle, Target};

/// Bytes read from the file at a time.
const CHUNK: usize = 256 * 1024;
/// A file to a UDP peer goes in datagrams of this size: they fit an Ethernet frame, so none is
/// cut into IP fragments (where losing one fragment loses the whole datagram).
const FILE_DATAGRAM: usize = 1400;
/// How often a `FileProgress` event goes to the front end (a window reads the status anyway).
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// How often the end of a transfer looks whether the last bytes have left.
const DRAIN_CHECK: Duration = Duration::from_millis(5);

/// Why a file was not sent (whole). The `Display` text is meant for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    #[error("cannot open {path}: {why}")]
    Open { path: PathBuf, why: String },
    #[error("{path} is a folder, not a file")]
    Folder { path: PathBuf },
    #[error("cannot read {path} after {sent} bytes: {why}")]
    Read {
        path: PathBuf,
        sent: u64,
        why: String,
    },
    #[error("nobody to send to: not connected")]
    NoPeer,
    #[error("the connection closed after {sent} bytes")]
    PeerLeft { sent: u64 },
    #[error("cancelled after {sent} bytes")]
    Cancelled { sent: u64 },
}

/// A file sent whole.
struct Sent {
    size: u64,
    sha256: String,
    elapsed: Duration,
}

pub(crate) async fn run(
    session: SessionHandle,
    job: JobId,
    to: Target,
    path: PathBuf,
    cancel: CancellationToken,
) {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let result = send(&session, job, to, &path, &name, &cancel).await;
    let event = match result {
        Ok(sent) => {
            session.note(Notice::FileSent {
                name: name.clone(),
                size: sent.size,
                sha256: sent.sha256.clone(),
                elapsed: sent.elapsed,
            });
            SessionEvent::FileSent {
                job,
                name,
                size: sent.size,
                sha256: sent.sha256,
                elapsed: sent.elapsed,
            }
        }
        Err(error) => {
            session.note(Notice::FileFailed {
                name: name.clone(),
                error: error.clone(),
            });
            SessionEvent::FileFailed { job, name, error }
        }
    };
    session.command(Command::JobEnded { job, event });
}

/// One chunk of the file to `conn`: as it is on a stream, in [`FILE_DATAGRAM`]s on UDP.
async fn deliver_file_chunk(
    session: &SessionHandle,
    to: Target,
    conn: &tcptalk_net::Connection,
    chunk: &bytes::Bytes,
) -> bool {
    if conn.transport() != tcptalk_net::Transport::Udp {
        return deliver(session, to, conn, chunk.clone()).await;
    }
    let mut start = 0;
    while start < chunk.len() {
        let end = (start + FILE_DATAGRAM).min(chunk.len());
        if !deliver(session, to, conn, chunk.slice(start..end)).await {
            return false;
        }
        start = end;
    }
    true
}

async fn send(
    session: &SessionHandle,
    job: JobId,
    to: Target,
    path: &Path,
    name: &str,
    cancel: &CancellationToken,
) -> Result<Sent, FileError> {
    let open_error = |err: std::io::Error| FileError::Open {
        path: path.to_path_buf(),
        why: err.to_string(),
    };
    let mut file = tokio::fs::File::open(path).await.map_err(open_error)?;
    let metadata = file.metadata().await.map_err(open_error)?;
    if metadata.is_dir() {
        return Err(FileError::Folder {
            path: path.to_path_buf(),
        });
    }
    let mut conns = session.connections(to);
    if conns.is_empty() {
        return Err(FileError::NoPeer);
    }
    let started = Instant::now();
    session.shared.lock().jobs.insert(
        job,
        JobStatus::File(FileStatus {
            name: name.to_string(),
            size: metadata.len(),
            sent: 0,
            started,
        }),
    );
    let mut hasher = Sha256::new();
    let mut buf = BytesMut::with_capacity(CHUNK);
    let mut sent = 0u64;
    let mut reported = Instant::now();
    loop {
        buf.reserve(CHUNK);
        let read = tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(FileError::Cancelled { sent }),
            read = file.read_buf(&mut buf) => read,
        };
        let read = read.map_err(|err| FileError::Read {
            path: path.to_path_buf(),
            sent,
            why: err.to_string(),
        })?;
        if read == 0 {
            break;
        }
        let chunk = buf.split().freeze();
        hasher.update(&chunk);
        let mut kept = Vec::with_capacity(conns.len());
        for conn in conns {
            let delivered = tokio::select! {
                biased;
                () = cancel.cancelled() => return Err(FileError::Cancelled { sent }),
                delivered = deliver_file_chunk(session, to, &conn, &chunk) => delivered,
            };
            if delivered {
                kept.push(conn);
            }
        }
        conns = kept;
        if conns.is_empty() {
            return Err(FileError::PeerLeft { sent });
        }
        sent += read as u64;
        session.update_job(job, |status| {
            if let JobStatus::File(status) = status {
                status.sent = sent;
            }
        });
        if reported.elapsed() >= PROGRESS_EVERY {
            reported = Instant::now();
            let total = metadata.len();
            session.command(Command::JobEvent(SessionEvent::FileProgress {
                job,
                sent,
                total,
            }));
        }
    }
    // Sent means written to the socket, not only queued: a close right after must not cut the
    // end off. Sending to all, a client that stops reading here is dropped after the grace, as
    // during the transfer.
    let draining = Instant::now();
    while conns
        .iter()
        .any(|conn| !conn.is_closed() && conn.queued_bytes() > 0)
    {
        if to == Target::All && draining.elapsed() >= crate::SLOW_PEER_GRACE {
            for conn in conns
                .iter()
                .filter(|c| !c.is_closed() && c.queued_bytes() > 0)
            {
                session.command(Command::DropSlow {
                    peer: conn.id(),
                    queued: conn.queued_bytes(),
                });
            }
            conns.retain(|conn| conn.queued_bytes() == 0);
            break;
        }
        tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(FileError::Cancelled { sent }),
            () = tokio::time::sleep(DRAIN_CHECK) => {}
        }
    }
    if conns.iter().all(Connection::is_closed) {
        return Err(FileError::PeerLeft { sent });
    }
    Ok(Sent {
        size: sent,
        sha256: format!("{:x}", hasher.finalize()),
        elapsed: started.elapsed(),
    })
}

/// One chunk to one peer: waiting for it to read, or (sending to all) dropping it after
/// [`crate::SLOW_PEER_GRACE`].
async fn deliver(
    session: &SessionHandle,
    to: Target,
    conn: &Connection,
    chunk: bytes::Bytes,
) -> bool {
    match to {
        Target::One(_) => conn.send(chunk).await.is_ok(),
        Target::All => session.send_or_drop_slow(conn, chunk).await,
    }
}

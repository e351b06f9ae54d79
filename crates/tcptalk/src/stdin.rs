//! stdin to the peer(s) in the terminal mode: read by us and sent as a stream, or (a client's
//! file or pipe, see [`crate::bulk`]) handed to the connection to send by itself.

use bytes::BytesMut;
use tcptalk_net::ZeroCopySource;
use tcptalk_session::{PeerId, SessionHandle, Target};
use tokio::io::AsyncReadExt;
use tokio::sync::watch;

use crate::datagrams::Pieces;
use crate::progress::StdinProgress;

const STDIN_CHUNK: usize = 256 * 1024;
/// How often a zero-copy transfer's progress line looks at the connection's count.
const PROGRESS_POLL: std::time::Duration = std::time::Duration::from_millis(100);
/// How long a zero-copy transfer's count may stand still before its progress line gives up.
const PROGRESS_STALL: std::time::Duration = std::time::Duration::from_secs(5);

/// Sends stdin to every connected client. Reading waits for the first client, so
/// `tcptalk server --no-gui --once < file` hands the file to whoever connects first. At the end
/// of input that carried data, each client gets a FIN (like ncat); an empty stdin (`/dev/null`
/// in scripts and CI) means "only receive", and clients may go on sending.
///
/// With `fin_at_eof` false (an `--every` timer runs), the end of stdin sends no FIN.
pub async fn to_clients(
    session: SessionHandle,
    mut first_client: watch::Receiver<bool>,
    fin_at_eof: bool,
    datagrams: bool,
) {
    if first_client.wait_for(|connected| *connected).await.is_err() {
        return;
    }
    let mut stdin = tokio::io::stdin();
    let mut buf = BytesMut::with_capacity(STDIN_CHUNK);
    let mut sent_anything = false;
    let mut progress = StdinProgress::detect();
    let mut pieces = Pieces::new(datagrams);
    loop {
        buf.reserve(STDIN_CHUNK);
        match stdin.read_buf(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(read) => {
                sent_anything = true;
                for piece in pieces.push(buf.split().freeze()) {
                    session.send_stream(Target::All, piece).await;
                }
                if let Some(progress) = &mut progress {
                    progress.add(read);
                }
            }
        }
    }
    if let Some(rest) = pieces.finish() {
        session.send_stream(Target::All, rest).await;
    }
    if let Some(progress) = &mut progress {
        progress.finish();
    }
    if sent_anything && fin_at_eof {
        session.shutdown_write(Target::All);
    }
}

/// Sends stdin to the server; at end of input, half-closes so the server knows we are done
/// while its answer can still arrive (unless an `--every` timer decides that: `fin_at_eof`).
/// A file on stdin shows its progress on stderr when that is a terminal.
pub async fn to_server(
    session: SessionHandle,
    peer: PeerId,
    fin_at_eof: bool,
    datagrams: bool,
    zero_copy: Option<ZeroCopySource>,
) {
    if let Some(source) = zero_copy {
        let conn = session.connection(peer);
        let before = conn.as_ref().map_or(0, |conn| conn.counts().sent);
        if let Err(err) = session.send_from(peer, source).await {
            tracing::debug!(%err, "stdin not sent");
            return;
        }
        if let (Some(progress), Some(conn)) = (StdinProgress::detect(), &conn) {
            follow_progress(progress, conn, before).await;
        }
        // The FIN waits in the connection until the source is at its end.
        if fin_at_eof {
            session.shutdown_write(Target::One(peer));
        }
        return;
    }
    let mut stdin = tokio::io::stdin();
    let mut buf = BytesMut::with_capacity(STDIN_CHUNK);
    let mut progress = StdinProgress::detect();
    let mut pieces = Pieces::new(datagrams);
    loop {
        buf.reserve(STDIN_CHUNK);
        match stdin.read_buf(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(read) => {
                for piece in pieces.push(buf.split().freeze()) {
                    if session.send_stream(Target::One(peer), piece).await == 0 {
                        return;
                    }
                }
                if let Some(progress) = &mut progress {
                    progress.add(read);
                }
            }
        }
    }
    if let Some(rest) = pieces.finish() {
        session.send_stream(Target::One(peer), rest).await;
    }
    if let Some(progress) = &mut progress {
        progress.finish();
    }
    if fin_at_eof {
        session.shutdown_write(Target::One(peer));
    }
}

/// Shows a zero-copy transfer's progress from the connection's count (the bytes never pass
/// through us), before the FIN goes, so the last line is out before the peer can end the
/// run. Stops when every byte went, the connection closed, or nothing moved for
/// [`PROGRESS_STALL`] (the file could not be read, or the peer stopped reading; the FIN that
/// follows still waits for the source's end).
async fn follow_progress(mut progress: StdinProgress, conn: &tcptalk_net::Connection, before: u64) {
    let mut moved = (0, std::time::Instant::now());
    loop {
        let closed = conn.is_closed();
        let sent = conn.counts().sent.saturating_sub(before);
        progress.set(sent);
        if closed || progress.is_complete() {
            break;
        }
        if sent != moved.0 {
            moved = (sent, std::time::Instant::now());
        } else if moved.1.elapsed() >= PROGRESS_STALL {
            break;
        }
        tokio::time::sleep(PROGRESS_POLL).await;
    }
    progress.finish();
}

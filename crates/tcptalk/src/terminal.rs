//! `--no-gui`: the server and the client in the terminal, like ncat, on the same engine as the
//! windows.
//!
//! Received bytes go to stdout exactly as they arrived (escaped only when stdout is a terminal,
//! so a peer cannot rewrite the user's screen); stdin goes to the peer(s); what happens goes to
//! stderr, as lines for people or as JSON for scripts.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;
use bytes::{Bytes, BytesMut};
use tcptalk_core::TerminalEscaper;
use tcptalk_net::{
    ClientConfig, CloseReason, ConnId, Connection, Event, NetError, SendError, ServerConfig,
    event_channel, spawn_client, spawn_server,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use tokio::sync::{mpsc, watch};

use crate::record::{IDLE, Recorder};
use crate::report::{self, Reporter};

/// How the process ends, mapped to an exit code by `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything went as asked.
    Done,
    /// The network failed us: could not listen or connect, or the connection broke.
    Failed,
}

const STDIN_CHUNK: usize = 64 * 1024;

/// Where received bytes go: stdout, exact for a pipe, escaped per connection for a terminal.
struct Output {
    stdout: tokio::io::Stdout,
    escapers: Option<HashMap<ConnId, TerminalEscaper>>,
    scratch: Vec<u8>,
    /// Set when the reader of stdout went away; we then stop writing but keep running.
    broken: bool,
}

impl Output {
    fn new() -> Self {
        let escape = std::io::stdout().is_terminal();
        Output {
            stdout: tokio::io::stdout(),
            escapers: escape.then(HashMap::new),
            scratch: Vec::new(),
            broken: false,
        }
    }

    async fn write(&mut self, conn: ConnId, data: &[u8]) -> anyhow::Result<()> {
        if self.broken {
            return Ok(());
        }
        let result = match &mut self.escapers {
            Some(escapers) => {
                self.scratch.clear();
                escapers
                    .entry(conn)
                    .or_default()
                    .escape(data, &mut self.scratch);
                self.stdout.write_all(&self.scratch).await
            }
            None => self.stdout.write_all(data).await,
        };
        self.check(result)
    }

    /// Flushes an escaper's held-back bytes when its connection ends.
    async fn finish(&mut self, conn: ConnId) -> anyhow::Result<()> {
        if let Some(mut escaper) = self.escapers.as_mut().and_then(|e| e.remove(&conn)) {
            self.scratch.clear();
            escaper.finish(&mut self.scratch);
            if !self.broken {
                let result = self.stdout.write_all(&self.scratch).await;
                self.check(result)?;
            }
        }
        if self.broken {
            return Ok(());
        }
        let result = self.stdout.flush().await;
        self.check(result)
    }

    fn check(&mut self, result: std::io::Result<()>) -> anyhow::Result<()> {
        match result {
            Ok(()) => Ok(()),
            // `tcptalk ... | head` is a normal way to use us: not an error.
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => {
                self.broken = true;
                Ok(())
            }
            Err(err) => Err(err).context("cannot write to stdout"),
        }
    }
}

/// Connections the server has now; stdin goes to each.
type Clients = Arc<Mutex<HashMap<ConnId, Connection>>>;

fn snapshot(clients: &Clients) -> Vec<Connection> {
    clients
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .values()
        .cloned()
        .collect()
}

pub async fn run_server(
    config: ServerConfig,
    once: bool,
    mut reporter: Reporter,
    recorder: Recorder,
) -> anyhow::Result<Outcome> {
    let (tx, mut events) = event_channel(1024);
    let server = spawn_server(&tokio::runtime::Handle::current(), config, tx);
    let clients: Clients = Arc::default();
    let (first_client_tx, first_client) = watch::channel(false);
    let mut stdin_task = None;
    let mut output = Output::new();
    let mut stopping = false;
    let (notes_tx, mut notes) = mpsc::unbounded_channel::<String>();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut idle_tick = tokio::time::interval(IDLE);
    loop {
        let event = tokio::select! {
            event = events.recv() => event,
            _ = &mut ctrl_c, if !stopping => {
                reporter.note("interrupted: closing every client");
                stopping = true;
                server.stop();
                continue;
            }
            _ = idle_tick.tick(), if recorder.is_active() => {
                // Events still waiting mean the peer was not quiet; we were only busy.
                if events.is_empty() {
                    recorder.flush_idle();
                }
                continue;
            }
            Some(note) = notes.recv() => {
                reporter.warning_text(&note);
                recorder.info(&note);
                continue;
            }
        };
        let Some(event) = event else { break };
        match event {
            Event::Listening { local } => {
                reporter.listening(local);
                recorder.info(&format!("listening on {local}"));
                stdin_task = Some(tokio::spawn(stdin_to_clients(
                    clients.clone(),
                    first_client.clone(),
                    recorder.clone(),
                    notes_tx.clone(),
                )));
            }
            Event::ListenFailed { error } => {
                reporter.error(&error);
                recorder.info(&format!("error: {error}"));
                return Ok(Outcome::Failed);
            }
            Event::Connected { conn } => {
                let (id, addr) = (conn.id(), conn.peer_addr());
                // In the list before anyone hears of it: stdin typed after "connected"
                // must reach this client.
                clients
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(id, conn);
                let _ = first_client_tx.send(true);
                reporter.connected(id, addr);
                recorder.connected(id, addr);
            }
            Event::Received { conn, data } => {
                recorder.received(conn, &data);
                output.write(conn, &data).await?;
            }
            Event::Closed {
                conn,
                reason,
                counts,
            } => {
                output.finish(conn).await?;
                recorder.closed(conn, &format!("{reason}, {}", report::moved(counts)));
                let addr = clients
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&conn)
                    .map(|c| c.peer_addr());
                reporter.disconnected(conn, addr, &reason, counts);
                if once && !stopping {
                    stopping = true;
                    server.stop();
                }
            }
            Event::Stopped => break,
            Event::Warning { error } => reporter.warning(&error),
            Event::Sent { .. } => {}
            other => tracing::debug!(?other, "ignored event"),
        }
    }
    if let Some(task) = stdin_task {
        task.abort();
    }
    Ok(Outcome::Done)
}

/// Sends stdin to every connected client. Reading waits for the first client, so
/// `tcptalk server --no-gui --once < file` hands the file to whoever connects first. At the end
/// of input that carried data, each client gets a FIN (like ncat); an empty stdin (`/dev/null`
/// in scripts and CI) means "only receive", and clients may go on sending.
async fn stdin_to_clients(
    clients: Clients,
    mut first_client: watch::Receiver<bool>,
    recorder: Recorder,
    notes: mpsc::UnboundedSender<String>,
) {
    if first_client.wait_for(|connected| *connected).await.is_err() {
        return;
    }
    let mut stdin = tokio::io::stdin();
    let mut buf = BytesMut::with_capacity(STDIN_CHUNK);
    let mut sent_anything = false;
    loop {
        buf.reserve(STDIN_CHUNK);
        match stdin.read_buf(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                sent_anything = true;
                let chunk = buf.split().freeze();
                recorder.sent(None, &chunk);
                for conn in snapshot(&clients) {
                    send_or_drop_slow(&conn, chunk.clone(), &notes).await;
                }
            }
        }
    }
    if sent_anything {
        for conn in snapshot(&clients) {
            let _ = conn.shutdown_write().await;
        }
    }
}

/// How long one client that does not read may hold up what stdin sends to everyone.
const SLOW_CLIENT_GRACE: Duration = Duration::from_secs(2);

/// Sends a broadcast chunk to one client. A client that has not read for
/// [`SLOW_CLIENT_GRACE`] is disconnected (and the user told) rather than allowed to stall every
/// other client, or to get a stream with a hole in it.
async fn send_or_drop_slow(conn: &Connection, chunk: Bytes, notes: &mpsc::UnboundedSender<String>) {
    match conn.try_send(chunk.clone()) {
        // A client that left in the meantime simply misses the chunk.
        Ok(()) | Err(SendError::Closed) => {}
        Err(_) => {
            if tokio::time::timeout(SLOW_CLIENT_GRACE, conn.send(chunk))
                .await
                .is_err()
            {
                let _ = notes.send(format!(
                    "client {} {} has not read for {} s ({} bytes waiting): disconnecting it",
                    conn.id(),
                    conn.peer_addr(),
                    SLOW_CLIENT_GRACE.as_secs(),
                    conn.queued_bytes()
                ));
                conn.close();
            }
        }
    }
}

pub async fn run_client(
    config: ClientConfig,
    mut reporter: Reporter,
    recorder: Recorder,
) -> anyhow::Result<Outcome> {
    let (tx, mut events) = event_channel(1024);
    let client = spawn_client(&tokio::runtime::Handle::current(), config, tx);
    let mut output = Output::new();
    let mut stdin_task: Option<tokio::task::JoinHandle<()>> = None;
    let mut interrupted = false;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut idle_tick = tokio::time::interval(IDLE);
    let outcome = loop {
        let event = tokio::select! {
            event = events.recv() => event,
            _ = &mut ctrl_c, if !interrupted => {
                reporter.note("interrupted: disconnecting");
                interrupted = true;
                client.cancel();
                continue;
            }
            _ = idle_tick.tick(), if recorder.is_active() => {
                // Events still waiting mean the peer was not quiet; we were only busy.
                if events.is_empty() {
                    recorder.flush_idle();
                }
                continue;
            }
        };
        let Some(event) = event else {
            break Outcome::Failed;
        };
        match event {
            Event::Connecting { target } => {
                reporter.connecting(&target);
                recorder.info(&format!("connecting to {target}"));
            }
            Event::ConnectFailed { error } => {
                if matches!(error, NetError::Cancelled { .. }) && interrupted {
                    break Outcome::Done;
                }
                reporter.error(&error);
                recorder.info(&format!("error: {error}"));
                break Outcome::Failed;
            }
            Event::Connected { conn } => {
                reporter.connected(conn.id(), conn.peer_addr());
                reporter.local(conn.local_addr());
                recorder.connected(conn.id(), conn.peer_addr());
                stdin_task = Some(tokio::spawn(stdin_to_server(conn, recorder.clone())));
            }
            Event::Received { conn, data } => {
                recorder.received(conn, &data);
                output.write(conn, &data).await?;
            }
            Event::Closed {
                conn,
                reason,
                counts,
            } => {
                output.finish(conn).await?;
                recorder.closed(conn, &format!("{reason}, {}", report::moved(counts)));
                reporter.disconnected(conn, None, &reason, counts);
                break match reason {
                    CloseReason::ClosedByPeer | CloseReason::ClosedByUs => Outcome::Done,
                    _ => Outcome::Failed,
                };
            }
            Event::Warning { error } => reporter.warning(&error),
            _ => {}
        }
    };
    if let Some(task) = stdin_task {
        task.abort();
    }
    Ok(outcome)
}

/// Sends stdin to the server; at end of input, half-closes so the server knows we are done
/// while its answer can still arrive.
async fn stdin_to_server(conn: Connection, recorder: Recorder) {
    let mut stdin = tokio::io::stdin();
    let mut buf = BytesMut::with_capacity(STDIN_CHUNK);
    loop {
        buf.reserve(STDIN_CHUNK);
        match stdin.read_buf(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let chunk: Bytes = buf.split().freeze();
                recorder.sent(Some(conn.id()), &chunk);
                if conn.send(chunk).await.is_err() {
                    return;
                }
            }
        }
    }
    let _ = conn.shutdown_write().await;
}

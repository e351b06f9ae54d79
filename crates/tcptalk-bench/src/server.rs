//! The server under test as a child process: tcptalk's terminal server or ncat, started on
//! 127.0.0.1, watched through what it prints on stderr, killed when dropped.
//!
//! The "accepted" point is when the server has really called `accept` for every client, not
//! when the clients' `connect`s returned (the kernel completes handshakes on its own, into the
//! listen backlog). tcptalk says so with a `--json` `connected` event per client. ncat is
//! watched through `/proc` instead (its listening socket in `/proc/net/tcp`, then its open
//! fds): its `-v` messages would do, but with `-v` it accepts so slowly on this machine that
//! clients' SYNs are dropped and retried after a second, which would measure `-v`, not ncat.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::time::Instant;

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStderr, ChildStdin, Command};
use tokio::sync::watch;

use crate::procfs;

/// ncat's `-m`: far above what its `select()` loop can serve (FD_SETSIZE, 1024).
const NCAT_MAX_CONNS: &str = "20000";
/// How often `/proc` is polled where the server does not tell us.
const POLL: Duration = Duration::from_millis(5);
/// How often bounds are re-checked while waiting for events.
const RECHECK: Duration = Duration::from_millis(100);

/// Which program serves the clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerKind {
    /// `tcptalk server --no-gui --json --bind 127.0.0.1 --port 0`
    Tcptalk { bin: PathBuf },
    /// `ncat -l -k -m 20000 127.0.0.1 PORT`, which sends its stdin to every client.
    Ncat { bin: PathBuf },
}

impl ServerKind {
    pub fn name(&self) -> &'static str {
        match self {
            ServerKind::Tcptalk { .. } => "tcptalk",
            ServerKind::Ncat { .. } => "ncat",
        }
    }
}

/// What the server has said so far on stderr.
#[derive(Debug, Clone, Default)]
pub struct ServerState {
    /// The port it listens on, once it says so.
    pub port: Option<u16>,
    /// Clients it has reported accepted (tcptalk's `connected` events; ncat says nothing).
    pub connected: usize,
    /// Clients it has seen leave.
    pub disconnected: usize,
    /// Warnings and errors it reported (for tcptalk: failed `accept`s, e.g. out of fds).
    pub warnings: usize,
    pub first_warning: Option<String>,
    /// Lines that were neither events nor expected chatter (e.g. tracing output).
    pub other_lines: usize,
    pub first_other_line: Option<String>,
    /// Its stderr closed: the process has ended (or closed stderr).
    pub ended: bool,
}

/// A running server; killed on drop (`kill_on_drop`), or by [`ServerProcess::stop`].
#[derive(Debug)]
pub struct ServerProcess {
    kind: ServerKind,
    child: Child,
    pid: u32,
    stdin: Option<ChildStdin>,
    state: watch::Receiver<ServerState>,
    /// Open fds once listening: with ncat, each accepted client adds one.
    fds_when_listening: usize,
}

impl ServerProcess {
    /// Starts the server listening on 127.0.0.1 and waits (at most `timeout`) until it says it
    /// listens.
    pub async fn start(kind: &ServerKind, timeout: Duration) -> anyhow::Result<ServerProcess> {
        let (mut command, known_port) = match kind {
            ServerKind::Tcptalk { bin } => {
                let mut command = Command::new(bin);
                command.args([
                    "server",
                    "--no-gui",
                    "--json",
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    "0",
                ]);
                (command, None)
            }
            ServerKind::Ncat { bin } => {
                let port = free_port().context("cannot find a free port for ncat")?;
                let mut command = Command::new(bin);
                command.args(["-l", "-k", "-m", NCAT_MAX_CONNS, "127.0.0.1"]);
                command.arg(port.to_string());
                (command, Some(port))
            }
        };
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command
            .spawn()
            .with_context(|| format!("cannot start {command:?}"))?;
        let pid = child.id().context("the server exited at once")?;
        let stdin = child.stdin.take();
        let stderr = child.stderr.take().context("no stderr pipe")?;
        let (tx, state) = watch::channel(ServerState::default());
        tokio::spawn(watch_stderr(stderr, kind.clone(), tx.clone()));
        if let Some(port) = known_port {
            tokio::spawn(watch_listening(port, tx));
        }
        let mut server = ServerProcess {
            kind: kind.clone(),
            child,
            pid,
            stdin,
            state,
            fds_when_listening: 0,
        };
        server.wait_listening(timeout).await?;
        server.fds_when_listening = procfs::open_fds(pid).unwrap_or(0);
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn kind(&self) -> &ServerKind {
        &self.kind
    }

    pub fn state(&self) -> ServerState {
        self.state.borrow().clone()
    }

    async fn wait_listening(&mut self, timeout: Duration) -> anyhow::Result<u16> {
        let waited = tokio::time::timeout(
            timeout,
            self.state.wait_for(|s| s.port.is_some() || s.ended),
        )
        .await
        .is_ok();
        let state = self.state();
        match (waited, state.port) {
            (true, Some(port)) => Ok(port),
            (false, _) => bail!("{} did not start listening within {timeout:?}", self.name()),
            _ => bail!(
                "{} ended before listening: {}",
                self.name(),
                state
                    .first_warning
                    .or(state.first_other_line)
                    .unwrap_or_default()
            ),
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> anyhow::Result<u16> {
        self.state
            .borrow()
            .port
            .context("the server is not listening")
    }

    /// How many clients the server has accepted so far.
    pub fn accepted(&self) -> usize {
        match self.kind {
            ServerKind::Tcptalk { .. } => self.state.borrow().connected,
            ServerKind::Ncat { .. } => procfs::open_fds(self.pid)
                .unwrap_or(0)
                .saturating_sub(self.fds_when_listening),
        }
    }

    /// Waits until the server has accepted `n` clients, it ends, `timeout` passes, or the
    /// count has not moved for `stall`; returns how many it has accepted.
    ///
    /// The stall bound matters: a client whose handshake overflowed the listen backlog may
    /// never be accepted (the kernel drops the half-open request after a few SYN-ACK retries,
    /// while the client believes it is connected).
    pub async fn wait_accepted(&mut self, n: usize, timeout: Duration, stall: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        let mut last = (self.accepted(), Instant::now());
        loop {
            let count = self.accepted();
            let now = Instant::now();
            if count >= n || self.state.borrow().ended || now >= deadline {
                return count;
            }
            if count != last.0 {
                last = (count, now);
            } else if now - last.1 >= stall {
                return count;
            }
            match self.kind {
                // Woken by each event; the timeout only re-checks the bounds.
                ServerKind::Tcptalk { .. } => {
                    let _ = tokio::time::timeout(RECHECK, self.state.changed()).await;
                }
                ServerKind::Ncat { .. } => tokio::time::sleep(POLL).await,
            }
        }
    }

    /// Writes `data` to the server's stdin, which both servers send to every client.
    pub async fn write_stdin(&mut self, data: &[u8]) -> anyhow::Result<()> {
        let stdin = self.stdin.as_mut().context("stdin already closed")?;
        stdin
            .write_all(data)
            .await
            .context("cannot write to the server's stdin")?;
        stdin
            .flush()
            .await
            .context("cannot write to the server's stdin")
    }

    /// Kills the server and waits for it to be gone.
    pub async fn stop(mut self) {
        drop(self.stdin.take());
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }

    fn name(&self) -> &'static str {
        self.kind.name()
    }
}

/// Reads the server's stderr line by line and keeps `ServerState` up to date.
async fn watch_stderr(stderr: ChildStderr, kind: ServerKind, tx: watch::Sender<ServerState>) {
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        tx.send_modify(|state| match kind {
            ServerKind::Tcptalk { .. } => on_tcptalk_line(state, &line),
            ServerKind::Ncat { .. } => on_ncat_line(state, &line),
        });
    }
    tx.send_modify(|state| state.ended = true);
}

/// For servers that do not say when they listen: polls `/proc/net/tcp` until `port` is in
/// LISTEN state, then sets `ServerState::port`. Bounded by the caller's wait and by the
/// server's end.
async fn watch_listening(port: u16, tx: watch::Sender<ServerState>) {
    loop {
        if tx.borrow().ended || tx.is_closed() {
            return;
        }
        if procfs::is_listening(port) {
            tx.send_modify(|state| state.port = Some(port));
            return;
        }
        tokio::time::sleep(POLL).await;
    }
}

fn on_tcptalk_line(state: &mut ServerState, line: &str) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
        other_line(state, line);
        return;
    };
    match value["event"].as_str() {
        Some("listening") => {
            state.port = value["port"].as_u64().and_then(|p| u16::try_from(p).ok());
        }
        Some("connected") => state.connected += 1,
        Some("disconnected") => state.disconnected += 1,
        Some("warning" | "error") => {
            state.warnings += 1;
            if state.first_warning.is_none() {
                state.first_warning = value["message"].as_str().map(str::to_string);
            }
        }
        _ => other_line(state, line),
    }
}

fn on_ncat_line(state: &mut ServerState, line: &str) {
    // Without -v, ncat prints only problems.
    state.warnings += 1;
    if state.first_warning.is_none() {
        state.first_warning = Some(line.to_string());
    }
}

fn other_line(state: &mut ServerState, line: &str) {
    state.other_lines += 1;
    if state.first_other_line.is_none() {
        state.first_other_line = Some(line.to_string());
    }
}

/// A port on 127.0.0.1 that was free a moment ago (bind port 0, read it, let it go), for
/// programs that cannot report the port they picked themselves.
pub fn free_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
    Ok(listener.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcptalk_events_are_counted() {
        let mut state = ServerState::default();
        on_tcptalk_line(
            &mut state,
            r#"{"event":"listening","addr":"127.0.0.1:4321","port":4321}"#,
        );
        on_tcptalk_line(
            &mut state,
            r#"{"event":"connected","peer":1,"addr":"127.0.0.1:5000"}"#,
        );
        on_tcptalk_line(
            &mut state,
            r#"{"event":"connected","peer":2,"addr":"127.0.0.1:5001"}"#,
        );
        on_tcptalk_line(
            &mut state,
            r#"{"event":"warning","message":"cannot accept a new client: Too many open files"}"#,
        );
        on_tcptalk_line(&mut state, "2026-01-01 WARN accept failed");
        assert_eq!(state.port, Some(4321));
        assert_eq!(state.connected, 2);
        assert_eq!(state.warnings, 1);
        assert_eq!(state.other_lines, 1);
        assert!(state.first_warning.is_some_and(|w| w.contains("Too many")));
    }
}

//! `--no-gui`: the server and the client in the terminal, like ncat, on the same session layer
//! as the windows.
//!
//! Received bytes go to stdout as each read arrives, exactly as they came (decoded and escaped
//! only when stdout is a terminal, so a peer cannot rewrite the user's screen); stdin goes to
//! the peer(s); what happens goes to stderr, as lines for people or as JSON for scripts. What a
//! connection means (labels, lines for `--log`, who gets stdin, what to do about a client that
//! does not read) is the session's business, as it is for the windows.

use std::collections::HashMap;
use std::io::IsTerminal;

use anyhow::Context;
use tcptalk_core::{StreamDecoder, TerminalEscaper, TextEncoding};
use tcptalk_net::{
    ClientConfig, ClientTransport, CloseReason, NetError, ServerConfig, ServerTransport, Transport,
};
use tcptalk_session::{
    PeerId, Session, SessionConfig, SessionEvent, SessionHandle, SharedLog, Target, View,
};
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;

use crate::args::{AutoReply, AutoSend};
use crate::bulk::{self, Needs, Way};
use crate::report::Reporter;

/// How the process ends, mapped to an exit code by `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything went as asked.
    Done,
    /// The network failed us: could not listen or connect, or the connection broke.
    Failed,
}

/// What a terminal run needs besides the network settings.
#[derive(Debug)]
pub struct Terminal {
    pub reporter: Reporter,
    pub log: Option<SharedLog>,
    pub encoding: TextEncoding,
    /// `--send` / `--send-hex`, once or `--every` MS.
    pub auto_send: Option<AutoSend>,
    /// `--rules FILE`.
    pub auto_reply: Option<AutoReply>,
    /// `--framing`: the frames rules match and `--log` lines are cut into.
    pub framing: tcptalk_core::Framing,
    /// `--pcap FILE`, opened.
    pub capture: Option<std::fs::File>,
    /// `--no-zero-copy`.
    pub no_zero_copy: bool,
    /// The open file limit, for a server to say how many clients it has room for.
    pub fd_limit: Option<u64>,
}

impl Terminal {
    /// Sends the `--send` message to `to` (once, or starts its timer); `true` when a timer
    /// now decides when the sending side is done.
    fn start_auto_send(&mut self, session: &SessionHandle, to: Target) -> bool {
        let Some(auto) = &self.auto_send else {
            return false;
        };
        match auto.schedule {
            Some(schedule) => match session.start_periodic(to, &auto.message, schedule) {
                Ok(_) => true,
                Err(err) => {
                    self.reporter
                        .warning_text(&format!("--send not sent: {err}"));
                    false
                }
            },
            None => {
                match session.send(to, &auto.message) {
                    Ok(report) => {
                        for (peer, error) in report.failed {
                            self.reporter
                                .warning_text(&format!("--send not sent to {peer}: {error}"));
                        }
                    }
                    Err(err) => self
                        .reporter
                        .warning_text(&format!("--send not sent: {err}")),
                }
                false
            }
        }
    }

    /// Whether a timer, not the end of stdin, ends what we send.
    fn timer_decides(&self) -> bool {
        self.auto_send
            .as_ref()
            .is_some_and(|auto| auto.schedule.is_some())
    }

    /// What decides whether bytes may skip us (see [`crate::bulk`]); asked before
    /// [`Terminal::session`] takes the capture file.
    fn needs(&self, not_plain_tcp: bool) -> Needs {
        Needs {
            plain_asked: self.no_zero_copy,
            session_sees_bytes: self.log.is_some()
                || self.auto_reply.is_some()
                || self.capture.is_some(),
            own_message: self.auto_send.is_some(),
            not_plain_tcp,
        }
    }

    fn session(&mut self) -> Session {
        let view = View {
            framing: self.framing.clone(),
            ..View::text(self.encoding)
        };
        let config = SessionConfig::terminal(view, self.log.clone());
        let session = Session::spawn(&tokio::runtime::Handle::current(), config);
        if let Some(reply) = &self.auto_reply {
            session.set_rules(Some(reply.book.clone()));
        }
        if let Some(file) = self.capture.take() {
            session.set_capture(Some(file));
        }
        session
    }
}

/// How a read is made safe for a terminal, per connection.
#[derive(Debug)]
enum Shown {
    /// UTF-8: control bytes escaped, everything else as it came.
    Utf8(TerminalEscaper),
    /// Another encoding: decoded to the terminal's UTF-8, control characters and invalid bytes
    /// escaped.
    Decoded(StreamDecoder),
}

/// Where received bytes go: stdout, exact for a pipe, made safe per connection for a terminal.
struct Output {
    stdout: tokio::io::Stdout,
    /// `Some` when stdout is a terminal.
    shown: Option<HashMap<PeerId, Shown>>,
    encoding: TextEncoding,
    scratch: Vec<u8>,
    text: String,
    /// Written, not yet handed to stdout: reads that arrived together go out in one write.
    pending: Vec<u8>,
    /// Set when the reader of stdout went away; we then stop writing but keep running.
    broken: bool,
}

/// Past this much waiting output, it is written even while more reads are queued.
const PENDING_LIMIT: usize = 256 * 1024;

impl Output {
    fn new(encoding: TextEncoding) -> Self {
        let terminal = std::io::stdout().is_terminal();
        Output {
            stdout: tokio::io::stdout(),
            shown: terminal.then(HashMap::new),
            encoding,
            scratch: Vec::new(),
            text: String::new(),
            pending: Vec::new(),
            broken: false,
        }
    }

    /// Adds one read to what goes to stdout. The loops call [`Output::flush`] whenever no
    /// more events wait, so a prompt with no line end (`login: `) reaches whoever waits for
    /// it at once (std's stdout is line-buffered), while a burst of reads (a UDP flood: one
    /// event per datagram) costs one write, not one per datagram.
    async fn write(&mut self, peer: PeerId, data: &[u8]) -> anyhow::Result<()> {
        if self.broken {
            return Ok(());
        }
        let encoding = self.encoding;
        match &mut self.shown {
            None => self.pending.extend_from_slice(data),
            Some(shown) => {
                let shown = shown.entry(peer).or_insert_with(|| match encoding {
                    TextEncoding::Utf8 => Shown::Utf8(TerminalEscaper::new()),
                    other => Shown::Decoded(StreamDecoder::new(other)),
                });
                match shown {
                    Shown::Utf8(escaper) => escaper.escape(data, &mut self.pending),
                    Shown::Decoded(decoder) => {
                        self.text.clear();
                        decoder.decode(data, &mut self.text);
                        self.pending.extend_from_slice(self.text.as_bytes());
                    }
                }
            }
        }
        if self.pending.len() >= PENDING_LIMIT {
            self.flush().await?;
        }
        Ok(())
    }

    /// Hands what waits to stdout and flushes it.
    async fn flush(&mut self) -> anyhow::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        if self.broken {
            self.pending.clear();
            return Ok(());
        }
        let result = self.stdout.write_all(&self.pending).await;
        self.pending.clear();
        self.check(result)?;
        let flushed = self.stdout.flush().await;
        self.check(flushed)
    }

    /// Shows what a connection's escaper or decoder held back when it ends.
    async fn finish(&mut self, peer: PeerId) -> anyhow::Result<()> {
        self.flush().await?;
        self.scratch.clear();
        match self.shown.as_mut().and_then(|shown| shown.remove(&peer)) {
            Some(Shown::Utf8(mut escaper)) => escaper.finish(&mut self.scratch),
            Some(Shown::Decoded(mut decoder)) => {
                self.text.clear();
                decoder.finish(&mut self.text);
                self.scratch.extend_from_slice(self.text.as_bytes());
            }
            None => {}
        }
        if self.broken {
            return Ok(());
        }
        let result = self.stdout.write_all(&self.scratch).await;
        self.check(result)?;
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

pub async fn run_server(
    mut config: ServerConfig,
    once: bool,
    mut terminal: Terminal,
) -> anyhow::Result<Outcome> {
    let transport = match &config.transport {
        ServerTransport::Tcp => Transport::Tcp,
        ServerTransport::Tls(tls) => {
            terminal.reporter.certificate(&tls.certificate);
            Transport::Tls
        }
        ServerTransport::Udp(_) => Transport::Udp,
    };
    let keepalive = config.keepalive.filter(|_| transport != Transport::Udp);
    let receive = terminal.needs(transport != Transport::Tcp).receive(once);
    let mut receive_way = bulk::describe(&receive, |sink| sink.path());
    if let Way::ZeroCopy(sink) = receive {
        config.receive_into = Some(sink);
    }
    let mut session = terminal.session();
    session.listen(config);
    let (first_client_tx, first_client) = watch::channel(false);
    let mut stdin_task = None;
    let mut output = Output::new(terminal.encoding);
    let mut stopping = false;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        if !session.has_events() {
            output.flush().await?;
        }
        let event = tokio::select! {
            event = session.recv() => event,
            _ = &mut ctrl_c, if !stopping => {
                terminal.reporter.note("interrupted: closing every client");
                stopping = true;
                session.stop();
                continue;
            }
        };
        let Some(event) = event else { break };
        let reporter = &mut terminal.reporter;
        match event {
            SessionEvent::Listening { local } => {
                reporter.listening(local, transport, keepalive.as_ref());
                if let (Some(limit), true) = (terminal.fd_limit, transport != Transport::Udp) {
                    reporter.capacity(limit, descriptors_in_use());
                }
                bulk::say(reporter, "from the client to stdout", receive_way.take());
                stdin_task = Some(tokio::spawn(crate::stdin::to_clients(
                    session.handle(),
                    first_client.clone(),
                    !terminal.timer_decides(),
                    transport == Transport::Udp,
                )));
            }
            SessionEvent::ListenFailed { error } => {
                reporter.error(&error);
                return Ok(Outcome::Failed);
            }
            SessionEvent::Connected {
                peer, addr, tls, ..
            } => {
                let _ = first_client_tx.send(true);
                reporter.connected(peer, addr);
                if let Some(tls) = &tls {
                    reporter.tls(peer, tls);
                }
                terminal.start_auto_send(&session.handle(), Target::One(peer));
            }
            SessionEvent::Received { peer, data } => output.write(peer, &data).await?,
            SessionEvent::Disconnected {
                peer,
                addr,
                reason,
                counts,
                ..
            } => {
                output.finish(peer).await?;
                reporter.disconnected(peer, Some(addr), &reason, counts);
                if once && !stopping {
                    stopping = true;
                    session.stop();
                }
            }
            SessionEvent::SlowPeerDropped {
                peer,
                label,
                queued,
            } => reporter.warning_text(&format!(
                "client {peer} {label} has not read for {} s ({queued} bytes waiting): disconnecting it",
                tcptalk_session::SLOW_PEER_GRACE.as_secs()
            )),
            SessionEvent::Stopped => break,
            SessionEvent::PeriodicEnded { sent, end, .. } => {
                reporter.note(&periodic_ended(sent, end));
            }
            SessionEvent::PeriodicPaused { peer, .. } => {
                reporter.note(&format!("--every paused: {peer} is not reading"));
            }
            SessionEvent::PeriodicResumed { .. } => reporter.note("--every resumed"),
            SessionEvent::Warning { error } => reporter.warning(&error),
            SessionEvent::LogFailed { error } => {
                reporter.warning_text(&format!("cannot write the log: {error}"));
            }
            SessionEvent::CaptureFailed { error } => {
                reporter.warning_text(&format!("cannot write the capture, it stopped: {error}"));
            }
            _ => {}
        }
    }
    output.flush().await?;
    if let Some(task) = stdin_task {
        task.abort();
    }
    Ok(Outcome::Done)
}

pub async fn run_client(
    mut config: ClientConfig,
    label: String,
    reconnect: bool,
    mut terminal: Terminal,
) -> anyhow::Result<Outcome> {
    let datagrams = matches!(config.transport, ClientTransport::Udp(_));
    let keepalive = config.keepalive.filter(|_| !datagrams);
    let needs = terminal.needs(!matches!(config.transport, ClientTransport::Tcp));
    let receive = needs.receive(true);
    let mut receive_way = Some(bulk::describe(&receive, |sink| sink.path()));
    if let Way::ZeroCopy(sink) = receive {
        config.receive_into = Some(sink);
    }
    let mut session = terminal.session();
    session.connect_with(config, label, reconnect);
    let mut output = Output::new(terminal.encoding);
    let mut stdin_task: Option<tokio::task::JoinHandle<()>> = None;
    let mut interrupted = false;
    let mut server: Option<PeerId> = None;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let outcome = loop {
        if !session.has_events() {
            output.flush().await?;
        }
        let event = tokio::select! {
            event = session.recv() => event,
            _ = &mut ctrl_c, if !interrupted => {
                terminal.reporter.note("interrupted: disconnecting");
                interrupted = true;
                session.stop();
                continue;
            }
        };
        let Some(event) = event else {
            break if interrupted {
                Outcome::Done
            } else {
                Outcome::Failed
            };
        };
        let reporter = &mut terminal.reporter;
        match event {
            SessionEvent::Connecting { target, .. } => reporter.connecting(&target),
            SessionEvent::Reconnecting { after, .. } => reporter.reconnecting(after),
            SessionEvent::ConnectFailed { error, .. } => {
                if matches!(error, NetError::Cancelled { .. }) && interrupted {
                    break Outcome::Done;
                }
                reporter.error(&error);
                // With --reconnect a failure is followed by the next try, not the end.
                if reconnect && !matches!(error, NetError::Cancelled { .. }) {
                    continue;
                }
                break Outcome::Failed;
            }
            SessionEvent::Connected {
                peer,
                addr,
                local,
                tls,
                ..
            } => {
                reporter.connected(peer, addr);
                reporter.local(local, keepalive.as_ref());
                if let Some(way) = receive_way.take() {
                    bulk::say(reporter, "from the server to stdout", way);
                }
                if let Some(tls) = &tls {
                    reporter.tls(peer, tls);
                }
                server = Some(peer);
                let timer = terminal.start_auto_send(&session.handle(), Target::One(peer));
                let way = needs.send();
                let described = bulk::describe(&way, |source| source.path());
                bulk::say(&mut terminal.reporter, "stdin to the server", described);
                let source = match way {
                    Way::ZeroCopy(source) => Some(source),
                    _ => None,
                };
                stdin_task = Some(tokio::spawn(crate::stdin::to_server(
                    session.handle(),
                    peer,
                    !timer,
                    datagrams,
                    source,
                )));
            }
            SessionEvent::PeriodicEnded { sent, end, .. } => {
                reporter.note(&periodic_ended(sent, end));
                // `--count` reached: done sending, as at the end of stdin.
                if let (tcptalk_session::PeriodicEnd::Done, Some(peer)) = (end, server) {
                    if let Some(task) = stdin_task.take() {
                        task.abort();
                    }
                    session.shutdown_write(Target::One(peer));
                }
            }
            SessionEvent::PeriodicPaused { peer, .. } => {
                reporter.note(&format!("--every paused: {peer} is not reading"));
            }
            SessionEvent::PeriodicResumed { .. } => reporter.note("--every resumed"),
            SessionEvent::Received { peer, data } => output.write(peer, &data).await?,
            SessionEvent::Disconnected {
                peer,
                reason,
                counts,
                ..
            } => {
                output.finish(peer).await?;
                reporter.disconnected(peer, None, &reason, counts);
                if reconnect && reason != CloseReason::ClosedByUs && !interrupted {
                    if let Some(task) = stdin_task.take() {
                        task.abort();
                    }
                    continue;
                }
                break match reason {
                    CloseReason::ClosedByPeer | CloseReason::ClosedByUs => Outcome::Done,
                    _ => Outcome::Failed,
                };
            }
            SessionEvent::Warning { error } => reporter.warning(&error),
            SessionEvent::LogFailed { error } => {
                reporter.warning_text(&format!("cannot write the log: {error}"));
            }
            SessionEvent::CaptureFailed { error } => {
                reporter.warning_text(&format!("cannot write the capture, it stopped: {error}"));
            }
            _ => {}
        }
    };
    output.flush().await?;
    if let Some(task) = stdin_task {
        task.abort();
    }
    // The session flushed `--log` before it reported the end.
    Ok(outcome)
}

/// Descriptors open now (stdin, stdout, the listener, the runtime's own…); `None` without
/// `/proc`.
fn descriptors_in_use() -> Option<u64> {
    let entries = std::fs::read_dir("/proc/self/fd").ok()?;
    u64::try_from(entries.count()).ok()
}

fn periodic_ended(sent: u64, end: tcptalk_session::PeriodicEnd) -> String {
    let why = match end {
        tcptalk_session::PeriodicEnd::Done => "done",
        tcptalk_session::PeriodicEnd::Stopped => "stopped",
        tcptalk_session::PeriodicEnd::NoPeer => "the peer left",
    };
    format!("--every: sent the message {sent} times ({why})")
}

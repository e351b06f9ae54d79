//! The session's task: engine events in, history and log and front-end events out.
//!
//! One task per session, on the engine's runtime. It waits on the front end's commands (first,
//! so that a change of view applies to the bytes after it), on the events of each engine server
//! or client it started (a client that is closing and the next one can overlap), and on the
//! idle flush of partial lines.

use std::future::poll_fn;
use std::sync::Arc;
use std::task::Poll;
use std::time::Instant;

use tcptalk_core::history::PeerRef;
use tcptalk_core::log::Direction;
use tcptalk_net::{
    ClientHandle, Event, EventReceiver, NetError, ServerHandle, ServerTransport, Transport,
    event_channel, spawn_server,
};
use tokio::runtime::Handle;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

mod capture;
mod engine;
mod export;

pub use export::Export;
mod reconnect;
mod record;
mod replies;

use crate::assemble::{Stream, Streams};
use crate::jobs::{self, JobId};

use crate::{
    Attempt, Command, Notice, SessionConfig, SessionEvent, SharedLog, SharedState, Target, Waker,
};

/// Engine events that may wait for this task per server or client.
const ENGINE_EVENTS: usize = 1024;

/// An engine server or client this session started.
struct Source {
    events: EventReceiver,
    control: Control,
    /// What a server speaks, for its "listening" notice.
    transport: Transport,
    /// A TLS server's own certificate, shown once it listens.
    certificate: Option<tcptalk_net::tls::CertSummary>,
    /// The user stopped it: what it still reports is recorded, but its failures are not news.
    retired: bool,
}

enum Control {
    Server(ServerHandle),
    Client {
        handle: ClientHandle,
        attempt: Attempt,
        label: String,
        /// The server, as the history names it.
        peer: PeerRef,
        connected: bool,
        /// Kept for a reconnect: `Some` when reconnect is on.
        retry: Option<Box<reconnect::Retry>>,
    },
}

/// The front end is gone.
struct Gone;

pub(crate) struct Task {
    commands: mpsc::UnboundedReceiver<Command>,
    /// For the background save to report back. Apart from `commands`, whose closing says the
    /// front end is gone.
    loopback: mpsc::UnboundedSender<Command>,
    internal: mpsc::UnboundedReceiver<Command>,
    events: mpsc::Sender<SessionEvent>,
    shared: SharedState,
    waker: Arc<Waker>,
    runtime: Handle,
    sources: Vec<Source>,
    streams: Streams,
    idle_check: Option<Instant>,
    /// Since when the idle flush has been waiting for queued events.
    idle_deferred: Option<Instant>,
    log: Option<SharedLog>,
    keep_history: bool,
    forward_received: bool,
    /// Lines of the read being handled, reused between reads.
    lines: Vec<String>,
    /// The front end dropped its handle: stop everything and end once it has stopped.
    closing: bool,
    /// Periodic sends and file transfers running, each stopped by its token.
    jobs: std::collections::HashMap<JobId, CancellationToken>,
    /// Auto-reply rules and their framing.
    replies: replies::Replies,
    /// `--pcap` / 抓包, while it runs.
    capture: Option<capture::Capture>,
    /// A capture failure the front end has not heard of yet.
    pending_capture_error: Option<String>,
    /// Every byte received and sent, for exports (a window's session only).
    raw: Option<tcptalk_core::rawlog::RawLog>,
    /// Each connection's local and peer address, for exports.
    addrs: std::collections::HashMap<
        tcptalk_net::ConnId,
        (std::net::SocketAddr, std::net::SocketAddr),
    >,
    /// Clients' next tries, when reconnect is on and they failed or were lost.
    pending_reconnects: Vec<reconnect::Pending>,
}

impl Task {
    pub(crate) fn new(
        config: SessionConfig,
        commands: mpsc::UnboundedReceiver<Command>,
        events: mpsc::Sender<SessionEvent>,
        shared: SharedState,
        waker: Arc<Waker>,
        runtime: Handle,
    ) -> Self {
        let (loopback, internal) = mpsc::unbounded_channel();
        Task {
            commands,
            loopback,
            internal,
            events,
            shared,
            waker,
            runtime,
            sources: Vec::new(),
            streams: Streams::new(config.view.clone()),
            idle_check: None,
            idle_deferred: None,
            log: config.log,
            keep_history: config.keep_history,
            forward_received: config.forward_received,
            lines: Vec::new(),
            closing: false,
            jobs: std::collections::HashMap::new(),
            replies: replies::Replies::new(config.view.framing.clone()),
            capture: None,
            pending_capture_error: None,
            raw: if config.keep_history {
                tcptalk_core::rawlog::RawLog::new(&std::env::temp_dir(), export::RAW_LIMIT)
                    .map_err(|err| tracing::warn!(%err, "no raw spool: exports are off"))
                    .ok()
            } else {
                None
            },
            addrs: std::collections::HashMap::new(),
            pending_reconnects: Vec::new(),
        }
    }

    /// Whether arriving bytes become lines at all: not for a terminal without `--log`, whose
    /// bytes only go to stdout (so a bulk transfer costs no decoding).
    fn records(&self) -> bool {
        self.keep_history || self.log.is_some()
    }

    pub(crate) async fn run(mut self) {
        loop {
            let next_reconnect = self.next_reconnect();
            let step = tokio::select! {
                biased;
                command = self.commands.recv(), if !self.closing => match command {
                    Some(command) => self.on_command(command).await,
                    None => {
                        self.close_all();
                        Ok(())
                    }
                },
                Some(command) = self.internal.recv() => self.on_command(command).await,
                (index, event) = next_event(&mut self.sources), if !self.sources.is_empty() => {
                    self.on_engine_event(index, event).await
                }
                () = sleep_until(self.idle_check), if self.idle_check.is_some() => {
                    self.flush_idle();
                    Ok(())
                }
                () = sleep_until(self.replies.deadline), if self.replies.deadline.is_some() => {
                    self.poll_rules();
                    Ok(())
                }
                () = sleep_until(next_reconnect), if next_reconnect.is_some() => {
                    self.reconnect_due();
                    Ok(())
                }
            };
            if step.is_err() && !self.closing {
                self.close_all();
            }
            if self.closing && self.sources.is_empty() {
                self.flush_log();
                self.flush_capture();
                return;
            }
            if self.commands.is_empty() && self.sources.iter().all(|s| s.events.is_empty()) {
                self.flush_log();
                self.flush_capture();
            }
            if self.report_capture_error().await.is_err() && !self.closing {
                self.close_all();
            }
            self.waker.wake();
        }
    }

    fn close_all(&mut self) {
        self.closing = true;
        self.pending_reconnects.clear();
        for job in self.jobs.values() {
            job.cancel();
        }
        for source in &self.sources {
            match &source.control {
                Control::Server(handle) => handle.stop(),
                Control::Client { handle, .. } => handle.cancel(),
            }
        }
    }

    /// A job's stop token (cancelled with the session, too).
    fn add_job(&mut self, job: JobId) -> CancellationToken {
        let cancel = CancellationToken::new();
        if self.closing {
            cancel.cancel();
        }
        self.jobs.insert(job, cancel.clone());
        cancel
    }

    /// What a job talks to the session through: the internal channel, which does not keep the
    /// session alive once its front end has gone.
    fn job_handle(&self) -> crate::SessionHandle {
        crate::SessionHandle {
            commands: self.loopback.clone(),
            shared: self.shared.clone(),
            waker: self.waker.clone(),
            search_cancel: Arc::default(),
        }
    }

    async fn emit(&mut self, event: SessionEvent) -> Result<(), Gone> {
        if self.closing {
            return Ok(());
        }
        // Everything logged before a connection event is on disk when the front end hears of
        // it: a terminal run may end right after "disconnected".
        if !matches!(event, SessionEvent::Received { .. }) {
            self.flush_log();
        }
        self.events.send(event).await.map_err(|_| Gone)
    }

    async fn on_command(&mut self, command: Command) -> Result<(), Gone> {
        match command {
            Command::Listen(config) => {
                let (sender, events) = event_channel(ENGINE_EVENTS);
                let (transport, certificate) = match &config.transport {
                    ServerTransport::Tcp => (Transport::Tcp, None),
                    ServerTransport::Tls(tls) => (Transport::Tls, Some(tls.certificate.clone())),
                    ServerTransport::Udp(_) => (Transport::Udp, None),
                };
                let handle = spawn_server(&self.runtime, config, sender);
                self.sources.push(Source {
                    events,
                    control: Control::Server(handle),
                    transport,
                    certificate,
                    retired: false,
                });
            }
            Command::Connect {
                config,
                label,
                attempt,
                reconnect,
            } => {
                let retry = reconnect.then(|| Box::new(reconnect::Retry::first(config.clone())));
                self.start_client(config, label, attempt, retry);
            }
            Command::Stop => {
                let mut cancelled: Vec<(crate::Attempt, PeerRef, String)> = self
                    .pending_reconnects
                    .drain(..)
                    .map(|p| (p.attempt, PeerRef::NONE, p.label))
                    .collect();
                for source in self.sources.iter_mut().filter(|s| !s.retired) {
                    source.retired = true;
                    match &source.control {
                        Control::Server(handle) => handle.stop(),
                        Control::Client {
                            handle,
                            attempt,
                            label,
                            peer,
                            connected,
                            ..
                        } => {
                            handle.cancel();
                            // Not twice: a failed try whose retry was waiting is said above.
                            if !connected && !cancelled.iter().any(|(a, _, _)| a == attempt) {
                                cancelled.push((*attempt, *peer, label.clone()));
                            }
                        }
                    }
                }
                for (attempt, peer, target) in cancelled {
                    self.notice(
                        peer,
                        Notice::ConnectCancelled {
                            target: target.clone(),
                        },
                    );
                    // Said now: the engine's own word of the cancel is not passed on.
                    let error = NetError::Cancelled { target };
                    self.emit(SessionEvent::ConnectFailed { attempt, error })
                        .await?;
                }
            }
            Command::Disconnect(id) => {
                if let Some(peer) = self.shared.lock().peers.get(id) {
                    peer.conn.close();
                }
            }
            Command::ShutdownWrite(to) => {
                let conns: Vec<_> = {
                    let shared = self.shared.lock();
                    match to {
                        Target::All => shared.peers.peers().map(|p| p.conn.clone()).collect(),
                        Target::One(id) => shared
                            .peers
                            .get(id)
                            .map(|p| p.conn.clone())
                            .into_iter()
                            .collect(),
                    }
                };
                for conn in conns {
                    // Behind whatever is queued, and without holding up the session while a
                    // peer that does not read keeps the queue full; a closed one needs no FIN.
                    self.runtime.spawn(async move {
                        let _ = conn.shutdown_write().await;
                    });
                }
            }
            Command::SetView(view) => {
                let framing = view.framing.clone();
                let reframed = self.streams.framing() != &framing;
                let rest = self.streams.set_view(view);
                self.record_pieces(rest);
                self.replies.set_framing(framing.clone());
                if reframed {
                    self.notice(PeerRef::NONE, Notice::Reframed { framing });
                }
            }
            Command::SetLimits(limits) => self.shared.lock().transcript.set_limits(limits),
            Command::SetLog(log) => {
                self.flush_log();
                self.log = log;
            }
            Command::Noted { text, at } => {
                self.log_only(Direction::Info, PeerRef::NONE, text, at);
            }
            Command::Sent {
                peer,
                shown,
                at,
                to,
                data,
            } => {
                self.capture_sent(&to, at, &data);
                self.log_only(Direction::Sent, peer, shown, at);
            }
            Command::SentStream { to, data } => {
                if self.capture.is_some() || self.raw.is_some() {
                    let conns = self.capture_targets(to);
                    self.capture_sent(&conns, std::time::SystemTime::now(), &data);
                }
                if self.records() {
                    let stream = Stream::Sent(match to {
                        Target::All => None,
                        Target::One(id) => Some(id),
                    });
                    self.push_stream(stream, &data);
                }
            }
            Command::DropSlow { peer, queued } => {
                let dropped = self
                    .shared
                    .lock()
                    .peers
                    .get(peer)
                    .filter(|p| !p.conn.is_closed())
                    .map(|p| {
                        p.conn.close();
                        (p.history, p.addr, p.label.clone())
                    });
                if let Some((history, addr, label)) = dropped {
                    let waited = crate::SLOW_PEER_GRACE;
                    self.notice(
                        history,
                        Notice::SlowPeerDropped {
                            addr,
                            waited,
                            queued,
                        },
                    );
                    self.emit(SessionEvent::SlowPeerDropped {
                        peer,
                        label,
                        queued,
                    })
                    .await?;
                }
            }
            Command::StartPeriodic {
                job,
                to,
                out,
                schedule,
            } => {
                let cancel = self.add_job(job);
                let session = self.job_handle();
                self.runtime
                    .spawn(jobs::run_periodic(session, job, to, out, schedule, cancel));
            }
            Command::SendFile { job, to, path } => {
                let cancel = self.add_job(job);
                let session = self.job_handle();
                self.runtime
                    .spawn(jobs::run_file(session, job, to, path, cancel));
            }
            Command::StopJob(job) => {
                if let Some(cancel) = self.jobs.get(&job) {
                    cancel.cancel();
                }
            }
            Command::JobEvent(event) => self.emit(event).await?,
            Command::JobEnded { job, event } => {
                self.jobs.remove(&job);
                self.shared.lock().jobs.remove(&job);
                self.emit(event).await?;
            }
            Command::SetRules(book) => self.replies.set_book(book),
            Command::Export { path, what } => self.start_export(path, what),
            Command::ExportDone { path, result } => match result {
                Ok(bytes) => {
                    let notice = Notice::Exported {
                        path: path.clone(),
                        bytes,
                    };
                    self.notice(PeerRef::NONE, notice);
                    self.emit(SessionEvent::Exported { path, bytes }).await?;
                }
                Err(error) => {
                    let notice = Notice::ExportFailed {
                        path: path.clone(),
                        error: error.clone(),
                    };
                    self.notice(PeerRef::NONE, notice);
                    self.emit(SessionEvent::ExportFailed { path, error })
                        .await?;
                }
            },
            Command::SetCapture(file) => {
                self.flush_capture();
                self.capture = match file.map(capture::Capture::start).transpose() {
                    Ok(capture) => capture,
                    Err(err) => {
                        self.emit(SessionEvent::CaptureFailed {
                            error: err.to_string(),
                        })
                        .await?;
                        None
                    }
                };
            }
            Command::Clear => self.shared.lock().transcript.clear(),
            Command::Save(path) => self.start_save(path),
            Command::SaveDone { path, result } => {
                self.shared.lock().saving = None;
                match result {
                    Ok(lines) => {
                        self.notice(
                            PeerRef::NONE,
                            Notice::Saved {
                                path: path.clone(),
                                lines,
                            },
                        );
                        self.emit(SessionEvent::Saved { path, lines }).await?;
                    }
                    Err(error) => {
                        let notice = Notice::SaveFailed {
                            path: path.clone(),
                            error: error.clone(),
                        };
                        self.notice(PeerRef::NONE, notice);
                        self.emit(SessionEvent::SaveFailed { path, error }).await?;
                    }
                }
            }
        }
        Ok(())
    }
}

async fn next_event(sources: &mut [Source]) -> (usize, Option<Event>) {
    poll_fn(|cx| {
        for (index, source) in sources.iter_mut().enumerate() {
            if let Poll::Ready(event) = source.events.poll_recv(cx) {
                return Poll::Ready((index, event));
            }
        }
        Poll::Pending
    })
    .await
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}

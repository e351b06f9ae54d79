//! What a connection means to a tcptalk user, written once for every front end.
//!
//! How this fits: the engine (`tcptalk-net`) moves bytes and knows nothing of lines, labels or
//! logs. The front ends (the windows in `tcptalk-gui`, the terminal mode in `tcptalk`) only
//! draw and turn what the user does into calls. In between, one [`Session`] per server or
//! client window (or terminal run) owns, on the engine's runtime:
//!
//! - the connections and their labels ([`Registry`]; IPv4 peers of a dual-stack listener show
//!   as plain IPv4), with live byte counters;
//! - decoding (an encoding per session, switchable while running) and line / hex / partial-line
//!   assembly of what arrives ([`View`]);
//! - the bounded history ([`Transcript`]) with its spool, which a window reads under a short
//!   lock for the rows it shows: received bytes go in here, off the UI thread, so how much
//!   arrives never changes what a frame costs;
//! - the `--log` writer ([`SharedLog`]), in one format for every front end;
//! - sending: to one peer or all, as a message ([`SessionHandle::send`], never waits, never sends in
//!   part) or as a stream ([`SessionHandle::send_stream`], waits for a slow peer; a peer that holds up
//!   a broadcast for [`SLOW_PEER_GRACE`] is disconnected);
//! - saving the history in the background, with progress.
//!
//! A front end gives commands through [`Session`]'s methods and gets [`SessionEvent`]s: data
//! only, with peer ids, never live handles, so a front end's logic can be tested by feeding it
//! events.

mod assemble;
mod event;
mod jobs;
mod log;
mod notice;
mod rates;
mod registry;
mod rules;
mod saved;
mod search;
mod send;
mod task;
mod transcript;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use bytes::Bytes;
use tcptalk_core::SaveProgress;
use tcptalk_core::history::HistoryLimits;
use tcptalk_net::{ByteCounts, ClientConfig, ServerConfig};
use tokio::runtime::Handle;
use tokio::sync::mpsc;

pub use assemble::{HEX_BYTES_PER_LINE, HEX_MARK, IDLE_FLUSH, MAX_LINE_CHARS, View};
pub use event::SessionEvent;
pub use jobs::{FileError, FileStatus, JobId, JobStatus, PeriodicEnd, PeriodicStatus};
pub use log::SharedLog;
pub use notice::Notice;
pub use rates::{PEER_SECONDS, Rates, SESSION_SECONDS, Second};
pub use registry::{PeerId, PeerStatus, Registry, plain_addr};
pub use rules::{MatchKind, Rule, RuleBook, RulesError};
pub use saved::{BookError, CommandBook, SavedCommand, config_dir, default_book_path};
pub use search::{BadQuery, SearchQuery, SearchState};
pub use send::{SLOW_PEER_GRACE, SendReport, Target};
pub use task::Export;
pub use tcptalk_core::{BodyFormat, Checksum, ComposeError, LineEnd, Message, Schedule};

pub use transcript::{DISPLAY_CHARS, Row, Transcript};

/// How a session records and reports.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub view: View,
    pub limits: HistoryLimits,
    /// Keep a history a window can show and save. The terminal keeps none: its history is
    /// stdout and `--log`.
    pub keep_history: bool,
    pub log: Option<SharedLog>,
    /// Hand every read to the front end as [`SessionEvent::Received`] (the terminal writes
    /// them to stdout); a window reads the history instead.
    pub forward_received: bool,
    /// Events that may wait for the front end before the session waits (and the engine, and
    /// TCP, hold the peer back). Each forwarded read can carry 256 KiB, so keep it small when
    /// forwarding.
    pub event_capacity: usize,
}

impl SessionConfig {
    /// A window's session: a history, no forwarded bytes.
    pub fn window(view: View, limits: HistoryLimits, log: Option<SharedLog>) -> Self {
        SessionConfig {
            view,
            limits,
            keep_history: true,
            log,
            forward_received: false,
            event_capacity: 4096,
        }
    }

    /// The terminal's session: every read forwarded, `--log` if given, no history.
    pub fn terminal(view: View, log: Option<SharedLog>) -> Self {
        SessionConfig {
            view,
            limits: HistoryLimits::default(),
            keep_history: false,
            log,
            forward_received: true,
            event_capacity: 64,
        }
    }
}

/// What the session shares with its front end, behind one lock: the history and the
/// connections. The session holds the lock only to add a read's lines (or a notice); a window
/// holds it only to copy the rows it shows.
#[derive(Debug)]
pub struct Shared {
    transcript: Transcript,
    peers: Registry,
    view: View,
    saving: Option<SaveProgress>,
    keep_history: bool,
    /// Periodic sends and file transfers running, and how far each has come.
    jobs: std::collections::BTreeMap<JobId, JobStatus>,
    /// A server is listening (a timer sending to all clients then waits for one).
    listening: bool,
    /// What the session's counters add up, since the start or the last reset.
    totals: TotalsState,
    /// Bytes per second of the whole session.
    rates: Rates,
    /// The search of the history, while one is set.
    search: Option<SearchState>,
}

/// The session's running counters: bytes of closed connections (the open ones are read live)
/// and messages, and what they were at the last reset.
#[derive(Debug, Clone, Copy)]
struct TotalsState {
    closed: ByteCounts,
    received_messages: u64,
    sent_messages: u64,
    /// Bytes counted at the last reset, taken off.
    base: ByteCounts,
    since: std::time::SystemTime,
}

impl Default for TotalsState {
    fn default() -> Self {
        TotalsState {
            closed: ByteCounts::default(),
            received_messages: 0,
            sent_messages: 0,
            base: ByteCounts::default(),
            since: std::time::SystemTime::now(),
        }
    }
}

/// RX / TX of a whole session (every connection, open or closed) since it started or since
/// [`SessionHandle::reset_counters`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub received_bytes: u64,
    pub sent_bytes: u64,
    /// History entries received (lines, or frames of the view).
    pub received_messages: u64,
    /// Messages sent (once each, however many clients got them).
    pub sent_messages: u64,
    pub since: std::time::SystemTime,
}

impl Shared {
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    pub fn peers(&self) -> &Registry {
        &self.peers
    }

    /// How bytes are decoded and shown, and messages encoded.
    pub fn view(&self) -> View {
        self.view.clone()
    }

    /// How far a save of the history has come, while one runs.
    pub fn saving(&self) -> Option<SaveProgress> {
        self.saving
    }

    /// The search of the history: what it found so far, how far it has got.
    pub fn search(&self) -> Option<&SearchState> {
        self.search.as_ref()
    }

    /// Bytes per second of the whole session, for the last hour.
    pub fn rates(&self) -> &Rates {
        &self.rates
    }

    /// Bytes per second of one connection, for the last ten minutes.
    pub fn peer_rates(&self, peer: PeerId) -> Option<&Rates> {
        self.peers.rates(peer)
    }

    /// The session's RX / TX counters.
    pub fn totals(&self) -> Totals {
        let live = self.peers.live_counts();
        let t = &self.totals;
        Totals {
            received_bytes: (t.closed.received + live.received).saturating_sub(t.base.received),
            sent_bytes: (t.closed.sent + live.sent).saturating_sub(t.base.sent),
            received_messages: t.received_messages,
            sent_messages: t.sent_messages,
            since: t.since,
        }
    }

    /// How far a periodic send or file transfer has come, while it runs.
    pub fn job(&self, job: JobId) -> Option<&JobStatus> {
        self.jobs.get(&job)
    }
}

/// A handle to [`Shared`], cheap to clone.
#[derive(Debug, Clone)]
pub struct SharedState(Arc<Mutex<Shared>>);

impl SharedState {
    fn new(shared: Shared) -> Self {
        SharedState(Arc::new(Mutex::new(shared)))
    }

    /// Locks for reading (hold it briefly: the session waits to add lines meanwhile).
    pub fn lock(&self) -> MutexGuard<'_, Shared> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Tells a sleeping front end that something changed, at most once until it looks again.
#[derive(Default)]
struct Waker {
    wake: OnceLock<Box<dyn Fn() + Send + Sync>>,
    /// Set when woken; cleared by [`SessionHandle::begin_frame`]. While set, further changes do not
    /// wake again: a flood of reads costs the UI one wake per frame, not one per read.
    pending: AtomicBool,
}

impl std::fmt::Debug for Waker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waker")
            .field("set", &self.wake.get().is_some())
            .field("pending", &self.pending.load(Ordering::Relaxed))
            .finish()
    }
}

impl Waker {
    fn wake(&self) {
        if let Some(wake) = self.wake.get()
            && !self.pending.swap(true, Ordering::AcqRel)
        {
            wake();
        }
    }
}

/// One [`SessionHandle::connect`]: the events about it carry it, so a front end that cancelled
/// and connected again can tell the old attempt's news from the new one's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Attempt(u64);

impl Attempt {
    fn next() -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Attempt(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// Commands from the front end to the session's task.
#[derive(Debug)]
enum Command {
    Listen(ServerConfig),
    Connect {
        config: ClientConfig,
        label: String,
        attempt: Attempt,
        reconnect: bool,
    },
    Stop,
    Disconnect(PeerId),
    ShutdownWrite(Target),
    SetView(View),
    SetLimits(HistoryLimits),
    SetLog(Option<SharedLog>),
    /// A notice [`SessionHandle::note`] put in the history: the log gets it too.
    Noted {
        text: String,
        at: std::time::SystemTime,
    },
    /// A message [`SessionHandle::send`] handed to `peer` (or a group) and put in the history:
    /// the log gets it too.
    Sent {
        peer: tcptalk_core::history::PeerRef,
        shown: String,
        at: std::time::SystemTime,
        /// Who got it and the bytes, for a capture.
        to: Vec<PeerId>,
        data: Bytes,
    },
    /// Bytes [`SessionHandle::send_stream`] is sending: recorded line by line.
    SentStream {
        to: Target,
        data: Bytes,
    },
    DropSlow {
        peer: PeerId,
        queued: u64,
    },
    StartPeriodic {
        job: JobId,
        to: Target,
        out: send::Outgoing,
        schedule: Schedule,
    },
    SendFile {
        job: JobId,
        to: Target,
        path: PathBuf,
    },
    StopJob(JobId),
    /// From a job's task: pass this on.
    JobEvent(SessionEvent),
    /// From a job's task: it is over, and this says how.
    JobEnded {
        job: JobId,
        event: SessionEvent,
    },
    SetRules(Option<Arc<RuleBook>>),
    SetCapture(Option<std::fs::File>),
    Export {
        path: PathBuf,
        what: Export,
    },
    ExportDone {
        path: PathBuf,
        result: Result<u64, String>,
    },
    Clear,
    Save(PathBuf),
    SaveDone {
        path: PathBuf,
        result: Result<u64, String>,
    },
}

/// One server or client session: its events, and (through `Deref`) the [`SessionHandle`] that
/// gives it commands. Once it and every handle are dropped, its server or client stops.
#[derive(Debug)]
pub struct Session {
    handle: SessionHandle,
    events: mpsc::Receiver<SessionEvent>,
}

/// Gives a session commands; cheap to clone, for a task that sends while another one waits for
/// the session's events (the terminal's stdin).
#[derive(Debug, Clone)]
pub struct SessionHandle {
    commands: mpsc::UnboundedSender<Command>,
    shared: SharedState,
    waker: Arc<Waker>,
    /// Stops the search running, if any.
    search_cancel: Arc<Mutex<Option<Arc<AtomicBool>>>>,
}

impl std::ops::Deref for Session {
    type Target = SessionHandle;

    fn deref(&self) -> &SessionHandle {
        &self.handle
    }
}

impl Session {
    /// Starts a session's task on `runtime`. It does nothing until told to listen or connect.
    pub fn spawn(runtime: &Handle, config: SessionConfig) -> Session {
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (event_tx, events) = mpsc::channel(config.event_capacity.max(1));
        let shared = SharedState::new(Shared {
            transcript: Transcript::new(config.limits),
            peers: Registry::default(),
            view: config.view.clone(),
            saving: None,
            keep_history: config.keep_history,
            jobs: std::collections::BTreeMap::new(),
            listening: false,
            totals: TotalsState::default(),
            rates: Rates::new(SESSION_SECONDS),
            search: None,
        });
        let waker = Arc::new(Waker::default());
        let task = task::Task::new(
            config,
            command_rx,
            event_tx,
            shared.clone(),
            waker.clone(),
            runtime.clone(),
        );
        runtime.spawn(task.run());
        Session {
            handle: SessionHandle {
                commands,
                shared,
                waker,
                search_cancel: Arc::default(),
            },
            events,
        }
    }

    /// A handle for sending from elsewhere.
    pub fn handle(&self) -> SessionHandle {
        self.handle.clone()
    }

    /// The next event if one is waiting; never waits.
    pub fn try_recv(&mut self) -> Option<SessionEvent> {
        self.events.try_recv().ok()
    }

    /// Whether an event is waiting, so a front end can batch its output until none is.
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    /// The next event; `None` once the session has ended.
    pub async fn recv(&mut self) -> Option<SessionEvent> {
        self.events.recv().await
    }
}

impl SessionHandle {
    /// Called (once) with what wakes the front end, e.g. a repaint request. It is called at most
    /// once between two [`SessionHandle::begin_frame`] calls.
    pub fn set_waker(&self, wake: impl Fn() + Send + Sync + 'static) {
        let _ = self.waker.wake.set(Box::new(wake));
    }

    /// The front end is looking now: the next change wakes it again.
    pub fn begin_frame(&self) {
        self.waker.pending.store(false, Ordering::Release);
    }

    fn command(&self, command: Command) {
        // The task only ends once this handle is gone.
        let _ = self.commands.send(command);
    }

    /// Listens as `config` says; [`SessionEvent::Listening`] or `ListenFailed` follows.
    pub fn listen(&self, config: ServerConfig) {
        self.command(Command::Listen(config));
    }

    /// Connects as `config` says; the history and the log call the server `label`. The
    /// events about this attempt carry the returned [`Attempt`].
    pub fn connect(&self, config: ClientConfig, label: String) -> Attempt {
        self.connect_with(config, label, false)
    }

    /// Like [`SessionHandle::connect`]; with `reconnect`, a failed or lost connection is tried
    /// again after 1 s, doubling to 30 s ([`SessionEvent::Reconnecting`] says when), until it
    /// connects or [`SessionHandle::stop`] cancels it. Every try carries the same attempt.
    pub fn connect_with(&self, config: ClientConfig, label: String, reconnect: bool) -> Attempt {
        let attempt = Attempt::next();
        self.command(Command::Connect {
            config,
            label,
            attempt,
            reconnect,
        });
        attempt
    }

    /// Stops the server (closing every client), or closes or cancels the client's connection.
    /// A client session may connect again at once.
    pub fn stop(&self) {
        self.command(Command::Stop);
    }

    /// Closes one connection.
    pub fn disconnect(&self, peer: PeerId) {
        self.command(Command::Disconnect(peer));
    }

    /// Sends FIN after what was sent before: "nothing more from us", still reading.
    pub fn shutdown_write(&self, to: Target) {
        self.command(Command::ShutdownWrite(to));
    }

    /// Shows bytes arriving from now on this way; messages are encoded in its encoding.
    pub fn set_view(&self, view: View) {
        let mut shared = self.shared.lock();
        if shared.view == view {
            return;
        }
        shared.view = view.clone();
        drop(shared);
        self.command(Command::SetView(view));
    }

    pub fn set_limits(&self, limits: HistoryLimits) {
        self.command(Command::SetLimits(limits));
    }

    /// Copies every entry from now on to `log` (or stops logging).
    pub fn set_log(&self, log: Option<SharedLog>) {
        self.command(Command::SetLog(log));
    }

    /// Records a notice of the front end's own: in the history at once (a window shows it in
    /// its next frame), and in the log.
    pub fn note(&self, notice: Notice) {
        let at = std::time::SystemTime::now();
        let text = notice.log_text();
        {
            let mut shared = self.shared.lock();
            if shared.keep_history {
                let none = tcptalk_core::history::PeerRef::NONE;
                shared.transcript.push_notice(at, none, notice);
            }
        }
        self.command(Command::Noted { text, at });
    }

    /// Answers what arrives with `book`'s rules from now on (or stops answering). Each rule
    /// is offered the frames the view's framing cuts from each connection's bytes (a line, an
    /// idle-gap frame, a read, ...), the same frames the history shows.
    pub fn set_rules(&self, book: Option<Arc<RuleBook>>) {
        self.command(Command::SetRules(book));
    }

    /// Writes every read and every send from now on to `file` as a `.pcap` for Wireshark
    /// (or stops, with `None`); [`SessionEvent::CaptureFailed`] if writing fails.
    pub fn set_capture(&self, file: Option<std::fs::File>) {
        self.command(Command::SetCapture(file));
    }

    /// Writes what the session saw so far to `path`, in the background: the whole session as
    /// a `.pcap`, or the raw bytes one connection received. [`SessionEvent::Exported`] or
    /// `ExportFailed` follows. (A window's session keeps every byte for this, up to 1 GiB.)
    pub fn export(&self, path: PathBuf, what: Export) {
        self.command(Command::Export { path, what });
    }

    /// Counts RX / TX from zero again (connections' own counts stay as they are).
    pub fn reset_counters(&self) {
        let mut shared = self.shared.lock();
        let live = shared.peers.live_counts();
        let totals = &mut shared.totals;
        totals.base = ByteCounts {
            received: totals.closed.received + live.received,
            sent: totals.closed.sent + live.sent,
        };
        totals.received_messages = 0;
        totals.sent_messages = 0;
        totals.since = std::time::SystemTime::now();
    }

    /// Empties the history view; a save still writes everything.
    pub fn clear_history(&self) {
        self.command(Command::Clear);
    }

    /// Writes the whole history to `path` in the background; `SaveProgress` events, then
    /// `Saved` or `SaveFailed`, follow.
    pub fn save_history(&self, path: PathBuf) {
        self.command(Command::Save(path));
    }

    /// The history and the connections.
    pub fn shared(&self) -> &SharedState {
        &self.shared
    }
}

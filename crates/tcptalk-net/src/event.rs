//! What the engine tells a front end, and the channel it tells it through.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::{Semaphore, mpsc};

use crate::connection::{ConnId, Connection};
use crate::counters::ByteCounts;
use crate::error::NetError;

/// Why a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The peer closed its side in an orderly way (FIN).
    ClosedByPeer,
    /// The peer reset the connection (RST), e.g. it was killed or aborted.
    Reset,
    /// We closed it: the user disconnected it, or the server stopped.
    ClosedByUs,
    /// A UDP source that went quiet for the idle time the user set was forgotten.
    Idle,
    /// Reading or writing failed for another reason.
    Error(String),
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseReason::ClosedByPeer => f.write_str("closed by peer"),
            CloseReason::Reset => f.write_str("reset by peer"),
            CloseReason::ClosedByUs => f.write_str("closed by us"),
            CloseReason::Idle => f.write_str("forgotten after being idle"),
            CloseReason::Error(why) => write!(f, "error: {why}"),
        }
    }
}

impl CloseReason {
    /// A short machine-friendly name, used by `--json` output.
    pub fn code(&self) -> &'static str {
        match self {
            CloseReason::ClosedByPeer => "closed_by_peer",
            CloseReason::Reset => "reset",
            CloseReason::ClosedByUs => "closed_by_us",
            CloseReason::Idle => "idle",
            CloseReason::Error(_) => "error",
        }
    }
}

/// Everything the engine reports. A front end reacts to these and nothing else.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event {
    /// The server is listening; `local` carries the real port when port 0 was asked for.
    Listening { local: SocketAddr },
    /// The server could not start; nothing is listening.
    ListenFailed { error: NetError },
    /// The server stopped: its port is free again and all its connections are closed.
    Stopped,
    /// The client started to connect (resolving and trying each address).
    Connecting { target: String },
    /// The client could not connect (refused, timed out, cancelled, unresolved...).
    ConnectFailed { error: NetError },
    /// A connection is up: accepted by a server or made by a client. The handle sends on it.
    Connected { conn: Connection },
    /// Bytes arrived, in order, exactly as read.
    Received { conn: ConnId, data: Bytes },
    /// The peer sent FIN: it will send nothing more but may still read. Only reported for
    /// connections made with `half_close`; others close at the peer's FIN.
    PeerFinished { conn: ConnId },
    /// Bytes were handed to the operating system for sending.
    Sent { conn: ConnId, bytes: usize },
    /// The connection ended; no more events come for it. `counts` are its final byte counts,
    /// so whoever reports the end can say exactly how much went each way.
    Closed {
        conn: ConnId,
        reason: CloseReason,
        counts: ByteCounts,
    },
    /// A problem that does not stop anything, e.g. a failed `accept` (out of file descriptors).
    Warning { error: NetError },
}

/// Received bytes that may wait in the event channel at once. The channel also caps the
/// number of events, but an event can carry up to 256 KiB, so without a byte budget a front end
/// that falls behind (a slow stdout, a busy window) would let a flood pile up hundreds of MiB.
pub const RECEIVED_BYTES_BUDGET: usize = 8 << 20;

/// The sending half of the event channel, with an optional wake-up for a UI.
///
/// The channel is bounded on purpose, in events and in received bytes: when a front end falls
/// behind, the reading tasks wait and TCP flow control slows the peer, instead of memory
/// growing without bound.
#[derive(Clone)]
pub struct EventSender {
    tx: mpsc::Sender<Event>,
    budget: Arc<Semaphore>,
    wake: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl fmt::Debug for EventSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventSender")
            .field("capacity", &self.tx.capacity())
            .field("budget", &self.budget.available_permits())
            .field("wake", &self.wake.is_some())
            .finish()
    }
}

/// The receiving half: hands out events in order and gives their bytes back to the budget.
#[derive(Debug)]
pub struct EventReceiver {
    rx: mpsc::Receiver<Event>,
    budget: Arc<Semaphore>,
}

/// Creates an event channel holding at most `capacity` undelivered events and at most
/// [`RECEIVED_BYTES_BUDGET`] undelivered received bytes.
pub fn event_channel(capacity: usize) -> (EventSender, EventReceiver) {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    let budget = Arc::new(Semaphore::new(RECEIVED_BYTES_BUDGET));
    (
        EventSender {
            tx,
            budget: budget.clone(),
            wake: None,
        },
        EventReceiver { rx, budget },
    )
}

/// How much of the budget an event holds.
fn budget_cost(event: &Event) -> usize {
    match event {
        Event::Received { data, .. } => data.len().min(RECEIVED_BYTES_BUDGET),
        _ => 0,
    }
}

impl EventReceiver {
    /// The next event, waiting for one; `None` once every sender is gone.
    pub async fn recv(&mut self) -> Option<Event> {
        let event = self.rx.recv().await;
        self.release(event.as_ref());
        event
    }

    /// Polls for the next event, for a task that waits on several receivers at once (a session
    /// with a connection that is closing while the next one starts).
    pub fn poll_recv(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<Event>> {
        let polled = self.rx.poll_recv(cx);
        if let std::task::Poll::Ready(event) = &polled {
            self.release(event.as_ref());
        }
        polled
    }

    /// The next event if one is waiting: for UI threads, which must never wait.
    pub fn try_recv(&mut self) -> Result<Event, mpsc::error::TryRecvError> {
        let event = self.rx.try_recv();
        self.release(event.as_ref().ok());
        event
    }

    /// True when no event is waiting. A front end that shows a partial line once its peer has
    /// been quiet must check this first: bytes still waiting here arrived while the front end
    /// was busy, so the peer was not quiet at all, and flushing would cut a line in two.
    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }

    /// Waits for the next event from a thread outside the runtime.
    pub fn blocking_recv(&mut self) -> Option<Event> {
        let event = self.rx.blocking_recv();
        self.release(event.as_ref());
        event
    }

    fn release(&self, event: Option<&Event>) {
        let cost = event.map_or(0, budget_cost);
        if cost > 0 {
            self.budget.add_permits(cost);
        }
    }
}

impl EventSender {
    /// Calls `wake` after every event, e.g. `egui::Context::request_repaint`, so a UI that
    /// sleeps while nothing happens still sees events at once.
    pub fn with_waker(mut self, wake: impl Fn() + Send + Sync + 'static) -> Self {
        self.wake = Some(Arc::new(wake));
        self
    }

    /// Delivers an event, waiting while the channel is full or its byte budget is spent.
    /// Returns `false` when the front end has gone away, which tells the caller to stop.
    pub(crate) async fn emit(&self, event: Event) -> bool {
        let cost = budget_cost(&event);
        if cost > 0 {
            // `cost` is at most the budget, which fits in u32.
            let permits = u32::try_from(cost).unwrap_or(u32::MAX);
            match self.budget.acquire_many(permits).await {
                // Given back by the receiver when it takes the event.
                Ok(permit) => permit.forget(),
                Err(_) => return false,
            }
        }
        let delivered = match self.tx.send(event).await {
            Ok(()) => true,
            Err(_) => {
                self.budget.add_permits(cost);
                false
            }
        };
        if let Some(wake) = &self.wake {
            wake();
        }
        delivered
    }

    /// True when the receiving front end has dropped its end.
    pub(crate) fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

//! How the windows talk to the network engine: an event channel that wakes the right window,
//! and a budget so a flood of events never freezes a frame.

use std::time::{Duration, Instant};

use egui::{Context, ViewportId};
use tcptalk_net::EventReceiver;
use tcptalk_net::{EventSender, event_channel};

/// Undelivered events the engine may queue before its readers wait (and TCP slows the peer).
const EVENT_CAPACITY: usize = 1024;
/// At most this many events are handled in one frame...
const MAX_EVENTS_PER_FRAME: usize = 4096;
/// ...and for at most this long; the rest waits for the next frame, which is requested at once.
const MAX_TIME_PER_FRAME: Duration = Duration::from_millis(8);
/// A partial line (no line end yet) is shown once its peer has been quiet this long.
pub const IDLE_FLUSH: Duration = Duration::from_millis(100);
/// Longest line the assembler keeps before it shows it in pieces.
pub const MAX_LINE_CHARS: usize = 16 * 1024;

/// An event channel whose every event repaints `viewport` (and the root viewport, which draws
/// immediate child viewports).
pub fn channel(ctx: &Context, viewport: ViewportId) -> (EventSender, EventReceiver) {
    let (sender, events) = event_channel(EVENT_CAPACITY);
    let ctx = ctx.clone();
    let sender = sender.with_waker(move || {
        ctx.request_repaint_of(viewport);
        if viewport != ViewportId::ROOT {
            ctx.request_repaint_of(ViewportId::ROOT);
        }
    });
    (sender, events)
}

/// Counts the work done in one frame.
#[derive(Debug)]
pub struct Budget {
    started: Instant,
    events: usize,
}

impl Budget {
    pub fn start() -> Self {
        Budget {
            started: Instant::now(),
            events: 0,
        }
    }

    /// Counts one more event; true when the frame has done enough.
    pub fn spent(&mut self) -> bool {
        self.events += 1;
        self.events > MAX_EVENTS_PER_FRAME || self.started.elapsed() > MAX_TIME_PER_FRAME
    }
}

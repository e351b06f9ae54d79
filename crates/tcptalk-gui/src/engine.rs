//! How the windows talk to the network engine: an event channel that wakes the right window,
//! and a budget so a flood of events never freezes a frame.

use std::time::{Duration, Instant};

use bytes::Bytes;
use egui::{Context, ViewportId};
use tcptalk_core::LineAssembler;
use tcptalk_net::EventReceiver;
use tcptalk_net::{EventSender, event_channel};

/// Undelivered events the engine may queue before its readers wait (and TCP slows the peer).
const EVENT_CAPACITY: usize = 1024;
/// At most this many events are handled in one frame...
const MAX_EVENTS_PER_FRAME: usize = 4096;
/// ...and for at most about this long; the rest waits for the next frame, which is requested at
/// once. With layout and a due eviction (`History::make_room`) a frame under a flood then costs
/// 2–4 ms of CPU (BENCHMARKS.md, "The GUI: flood into the window"); a million lines still take
/// under a second when frames follow each other without waiting, about 6 s at 60 frames a
/// second.
const MAX_TIME_PER_FRAME: Duration = Duration::from_micros(1500);
/// Received bytes are turned into lines in pieces of this size (about 0.1 ms of work), with the
/// time checked between pieces, so one large read (up to 256 KiB) cannot push a frame far past
/// its budget.
pub const PIECE: usize = 8 * 1024;
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
    /// `None` for [`Budget::unlimited`].
    started: Option<Instant>,
    events: usize,
}

impl Budget {
    pub fn start() -> Self {
        Budget {
            started: Some(Instant::now()),
            events: 0,
        }
    }

    /// A budget that is never spent, for work that must be done at once.
    pub fn unlimited() -> Self {
        Budget {
            started: None,
            events: 0,
        }
    }

    /// Counts one more event; true when the frame has done enough.
    pub fn spent(&mut self) -> bool {
        self.events += 1;
        self.started.is_some() && self.events > MAX_EVENTS_PER_FRAME || self.over()
    }

    /// True when the frame's time is up.
    pub fn over(&self) -> bool {
        self.started
            .is_some_and(|started| started.elapsed() > MAX_TIME_PER_FRAME)
    }
}

/// Turns `data` into history lines in pieces of [`PIECE`], handing each line to `record`, until
/// it is used up or the frame's time is over. Returns what is left for the next frame.
pub fn assemble_in_pieces(
    assembler: &mut LineAssembler,
    mut data: Bytes,
    budget: &Budget,
    scratch: &mut Vec<String>,
    mut record: impl FnMut(&str),
) -> Option<Bytes> {
    let now = Instant::now();
    loop {
        let piece = data.split_to(PIECE.min(data.len()));
        assembler.push(&piece, now, scratch);
        for line in scratch.drain(..) {
            record(&line);
        }
        if data.is_empty() {
            return None;
        }
        if budget.over() {
            return Some(data);
        }
    }
}

//! How the windows talk to the network engine.
//!
//! Between the engine and a window sits one small task per server or client session, on the
//! engine's runtime: it turns each connection's arriving bytes into history lines (decoding,
//! splitting at line ends, escaping control characters, showing a partial line once its peer
//! has been quiet) and hands the window finished lines in batches, in order with the engine's
//! other events. The UI thread then only copies lines into the history, a bounded amount per
//! frame, so a flood costs it as little as possible and a frame never waits on the network.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use egui::{Context, ViewportId};
use tcptalk_core::{LineAssembler, TextEncoding, to_hex};
use tcptalk_net::{ConnId, Event, EventReceiver, EventSender, event_channel};
use tokio::runtime::Handle;
use tokio::sync::{mpsc, watch};

/// Undelivered events the engine may queue before its readers wait (and TCP slows the peer).
const EVENT_CAPACITY: usize = 1024;
/// Messages (line batches and events) waiting for the window. A batch holds the lines of one
/// read (at most 256 KiB, up to 1 MiB of text when every byte shows as `\xNN`), so this bounds
/// what waits here to 4–16 MiB; beyond it the task stops taking engine events, the engine stops
/// reading, and TCP holds the peer back. A frame takes in two or three batches at most, so
/// more would only hold memory.
pub const INGESTED_CAPACITY: usize = 16;
/// At most this many messages are handled in one frame...
const MAX_EVENTS_PER_FRAME: usize = 4096;
/// ...and for at most about this long; the rest waits for the next frame, which is requested at
/// once. With layout and a due eviction (`History::make_room`) a frame under a flood then costs
/// 2–4 ms of CPU (BENCHMARKS.md, "The GUI: flood into the window").
const MAX_TIME_PER_FRAME: Duration = Duration::from_micros(1500);
/// Lines copied into the history between two looks at the clock.
const LINES_PER_CLOCK_CHECK: usize = 256;
/// A partial line (no line end yet) is shown once its peer has been quiet this long.
pub const IDLE_FLUSH: Duration = Duration::from_millis(100);
/// Longest line the assembler keeps before it shows it in pieces.
pub const MAX_LINE_CHARS: usize = 16 * 1024;
/// With 十六进制显示, each read is one line of hex, cut every this many bytes: 1,541
/// characters, under what a history row shows before cutting (`DISPLAY_CHARS`).
pub const HEX_BYTES_PER_LINE: usize = 512;
/// What marks a line of hex, received or sent, so it is never mistaken for text.
pub const HEX_MARK: &str = "[HEX] ";

/// How arriving bytes are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    /// The text encoding, also when showing hex (for when it is switched off).
    pub encoding: TextEncoding,
    /// 十六进制显示: every read as hex bytes (`[HEX] 48 65 6C`), one line per read, instead
    /// of decoded text split at line ends. What a device's protocol looks like, byte for byte.
    pub hex: bool,
}

/// What the window gets from its session.
#[derive(Debug)]
pub enum Ingested {
    /// An engine event; never [`Event::Received`], whose bytes come as [`Ingested::Lines`].
    Event(Event),
    /// Finished lines of one connection, in arrival order.
    Lines { conn: ConnId, lines: LineBatch },
}

/// Lines in one buffer, so a batch of thousands is two allocations, not thousands.
#[derive(Debug)]
pub struct LineBatch {
    text: String,
    ends: Vec<usize>,
    /// When their bytes arrived.
    at: SystemTime,
    /// Lines already taken by the window.
    taken: usize,
}

impl LineBatch {
    fn new(at: SystemTime) -> Self {
        LineBatch {
            text: String::new(),
            ends: Vec::new(),
            at,
            taken: 0,
        }
    }

    fn push(&mut self, line: &str) {
        self.text.push_str(line);
        self.ends.push(self.text.len());
    }

    /// When the bytes of these lines arrived.
    pub fn at(&self) -> SystemTime {
        self.at
    }

    /// The next line not taken yet.
    pub fn next_line(&mut self) -> Option<&str> {
        let end = *self.ends.get(self.taken)?;
        let start = match self.taken {
            0 => 0,
            i => self.ends[i - 1],
        };
        self.taken += 1;
        self.text.get(start..end)
    }
}

/// The window's end of a session: finished lines and events, and how to show bytes.
#[derive(Debug)]
pub struct Ingest {
    messages: mpsc::Receiver<Ingested>,
    view: watch::Sender<View>,
}

impl Ingest {
    /// The next message if one is waiting; never waits.
    pub fn try_recv(&mut self) -> Option<Ingested> {
        self.messages.try_recv().ok()
    }

    /// Shows bytes arriving from now on this way.
    pub fn set_view(&self, view: View) {
        self.view.send_if_modified(|current| {
            let changed = *current != view;
            *current = view;
            changed
        });
    }
}

/// Starts the task between a new session's engine events and the window drawn in `viewport`.
/// Give the returned sender to `spawn_server` / `spawn_client`.
pub fn start(
    runtime: &Handle,
    ctx: &Context,
    viewport: ViewportId,
    view: View,
) -> (EventSender, Ingest) {
    let (sender, events) = event_channel(EVENT_CAPACITY);
    let (messages_tx, messages) = mpsc::channel(INGESTED_CAPACITY);
    let (view_tx, view_rx) = watch::channel(view);
    let ctx = ctx.clone();
    let wake = move || {
        ctx.request_repaint_of(viewport);
        // The root viewport draws immediate child viewports.
        if viewport != ViewportId::ROOT {
            ctx.request_repaint_of(ViewportId::ROOT);
        }
    };
    let task = Assembly {
        events,
        out: messages_tx,
        view: view_rx,
        assemblers: HashMap::new(),
        scratch: Vec::new(),
        idle_check: None,
    };
    runtime.spawn(task.run(wake));
    (
        sender,
        Ingest {
            messages,
            view: view_tx,
        },
    )
}

/// The task: one line assembler per connection.
struct Assembly {
    events: EventReceiver,
    out: mpsc::Sender<Ingested>,
    view: watch::Receiver<View>,
    assemblers: HashMap<ConnId, LineAssembler>,
    scratch: Vec<String>,
    /// When to look for partial lines whose peer has gone quiet.
    idle_check: Option<Instant>,
}

/// The window is gone; the task ends.
struct Closed;

impl Assembly {
    async fn run(mut self, wake: impl Fn()) {
        let mut view_open = true;
        loop {
            let step = tokio::select! {
                // A change of view the window made before bytes arrived applies to them.
                biased;
                changed = self.view.changed(), if view_open => match changed {
                    Ok(()) => self.on_view_changed().await,
                    Err(_) => {
                        view_open = false;
                        Ok(false)
                    }
                },
                event = self.events.recv() => match event {
                    Some(event) => self.on_event(event).await,
                    // The engine is done with this session.
                    None => return,
                },
                () = sleep_until(self.idle_check), if self.idle_check.is_some() => {
                    self.flush_idle().await
                }
            };
            match step {
                Ok(true) => wake(),
                Ok(false) => {}
                Err(Closed) => return,
            }
        }
    }

    /// Handles one engine event; true if the window got something.
    async fn on_event(&mut self, event: Event) -> Result<bool, Closed> {
        match event {
            Event::Received { conn, data } => {
                let now = Instant::now();
                let View { encoding, hex } = *self.view.borrow();
                if hex {
                    for piece in data.chunks(HEX_BYTES_PER_LINE) {
                        self.scratch.push(format!("{HEX_MARK}{}", to_hex(piece)));
                    }
                    return self.send_lines(conn, SystemTime::now()).await;
                }
                let assembler = self
                    .assemblers
                    .entry(conn)
                    .or_insert_with(|| LineAssembler::new(encoding, MAX_LINE_CHARS));
                assembler.push(&data, now, &mut self.scratch);
                if assembler.has_pending() && self.idle_check.is_none() {
                    self.idle_check = Some(now + IDLE_FLUSH);
                }
                self.send_lines(conn, SystemTime::now()).await
            }
            Event::Connected { ref conn } => {
                let encoding = self.view.borrow().encoding;
                self.assemblers
                    .insert(conn.id(), LineAssembler::new(encoding, MAX_LINE_CHARS));
                self.send(Ingested::Event(event)).await?;
                Ok(true)
            }
            Event::Closed { conn, .. } => {
                self.finish(conn).await?;
                self.send(Ingested::Event(event)).await?;
                Ok(true)
            }
            Event::Stopped => {
                let conns: Vec<ConnId> = self.assemblers.keys().copied().collect();
                for conn in conns {
                    self.finish(conn).await?;
                }
                self.send(Ingested::Event(event)).await?;
                Ok(true)
            }
            event => {
                self.send(Ingested::Event(event)).await?;
                Ok(true)
            }
        }
    }

    /// The encoding or 十六进制显示 changed. Text waiting for its line end is shown first, so
    /// it is not shown in the new way; further bytes are.
    async fn on_view_changed(&mut self) -> Result<bool, Closed> {
        let View { encoding, hex } = *self.view.borrow_and_update();
        let mut sent = false;
        let conns: Vec<ConnId> = self.assemblers.keys().copied().collect();
        for conn in conns {
            let Some(assembler) = self.assemblers.get_mut(&conn) else {
                continue;
            };
            if hex {
                if let Some(rest) = assembler.finish() {
                    self.scratch.push(rest);
                    sent |= self.send_lines(conn, SystemTime::now()).await?;
                }
            } else {
                assembler.set_encoding(encoding);
            }
        }
        Ok(sent)
    }

    /// The connection ended: what it sent after its last line end becomes a line.
    async fn finish(&mut self, conn: ConnId) -> Result<(), Closed> {
        if let Some(mut assembler) = self.assemblers.remove(&conn)
            && let Some(rest) = assembler.finish()
        {
            self.scratch.push(rest);
            self.send_lines(conn, SystemTime::now()).await?;
        }
        Ok(())
    }

    /// Shows partial lines whose peer has been quiet for [`IDLE_FLUSH`].
    async fn flush_idle(&mut self) -> Result<bool, Closed> {
        self.idle_check = None;
        // Events still waiting mean the peer was not quiet; we were only busy.
        if !self.events.is_empty() {
            self.idle_check = Some(Instant::now() + IDLE_FLUSH / 4);
            return Ok(false);
        }
        let now = Instant::now();
        let mut sent = false;
        let mut waiting = false;
        let conns: Vec<ConnId> = self.assemblers.keys().copied().collect();
        for conn in conns {
            let Some(assembler) = self.assemblers.get_mut(&conn) else {
                continue;
            };
            match assembler.take_idle(now, IDLE_FLUSH) {
                Some(line) => {
                    self.scratch.push(line);
                    sent |= self.send_lines(conn, SystemTime::now()).await?;
                }
                None => waiting |= assembler.has_pending(),
            }
        }
        if waiting {
            self.idle_check = Some(now + IDLE_FLUSH / 4);
        }
        Ok(sent)
    }

    /// Sends the lines in `scratch` as one batch; true if there were any.
    async fn send_lines(&mut self, conn: ConnId, at: SystemTime) -> Result<bool, Closed> {
        if self.scratch.is_empty() {
            return Ok(false);
        }
        let mut lines = LineBatch::new(at);
        for line in self.scratch.drain(..) {
            lines.push(&line);
        }
        self.send(Ingested::Lines { conn, lines }).await?;
        Ok(true)
    }

    async fn send(&self, message: Ingested) -> Result<(), Closed> {
        self.out.send(message).await.map_err(|_| Closed)
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
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

    /// Counts one more message; true when the frame has done enough.
    pub fn spent(&mut self) -> bool {
        self.events += 1;
        self.events > MAX_EVENTS_PER_FRAME || self.over()
    }

    /// True when the frame's time is up.
    pub fn over(&self) -> bool {
        self.started.elapsed() > MAX_TIME_PER_FRAME
    }
}

/// Hands the batch's lines to `record` until it is used up or the frame's time is over.
/// Returns the batch if lines are left for the next frame.
pub fn take_lines(
    mut lines: LineBatch,
    budget: &Budget,
    mut record: impl FnMut(&str, SystemTime),
) -> Option<LineBatch> {
    let at = lines.at();
    let mut count = 0;
    while let Some(line) = lines.next_line() {
        record(line, at);
        count += 1;
        if count % LINES_PER_CLOCK_CHECK == 0 && budget.over() {
            return (lines.taken < lines.ends.len()).then_some(lines);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_gives_back_its_lines_in_order() {
        let mut batch = LineBatch::new(SystemTime::UNIX_EPOCH);
        for line in ["one", "", "三"] {
            batch.push(line);
        }
        let mut got = Vec::new();
        while let Some(line) = batch.next_line() {
            got.push(line.to_string());
        }
        assert_eq!(got, ["one", "", "三"]);
    }

    #[test]
    fn lines_left_when_the_frame_is_over_come_next_frame() {
        let mut batch = LineBatch::new(SystemTime::UNIX_EPOCH);
        for i in 0..1000 {
            batch.push(&i.to_string());
        }
        let over = Budget {
            started: Instant::now() - Duration::from_secs(1),
            events: 0,
        };
        let mut got = Vec::new();
        let rest =
            take_lines(batch, &over, |line, _| got.push(line.to_string())).expect("lines left");
        assert_eq!(got.len(), LINES_PER_CLOCK_CHECK);
        let fresh = Budget::start();
        assert!(take_lines(rest, &fresh, |line, _| got.push(line.to_string())).is_none());
        let expected: Vec<String> = (0..1000).map(|i: i32| i.to_string()).collect();
        assert_eq!(got, expected);
    }
}

//! Auto-reply: each connection's received bytes cut into frames by the view's framing, each
//! frame offered to the rules, a match answered on that connection (after its delay).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use bytes::Bytes;
use tcptalk_core::{Frame, Framer, Framing, display_safe, to_hex};
use tcptalk_net::ConnId;

use super::Task;
use crate::assemble::HEX_MARK;
use crate::rules::RuleBook;
use crate::send::Outgoing;
use crate::{SessionHandle, Target};

/// Longest frame a rule is offered; longer ones come in pieces.
const MAX_RULE_FRAME: usize = 64 * 1024;
/// Delayed replies that may wait at once: a peer flooding a rule with a delay cannot pile up
/// sleeping replies without bound.
const MAX_DELAYED: usize = 1024;

/// The rules in force and where each connection's framing has got to.
#[derive(Debug, Default)]
pub(crate) struct Replies {
    book: Option<Arc<RuleBook>>,
    framing: Framing,
    framers: HashMap<ConnId, Framer>,
    /// The earliest idle-gap deadline of any framer.
    pub(crate) deadline: Option<Instant>,
    /// Delayed replies waiting now.
    delayed: Arc<AtomicUsize>,
    /// A delayed reply was dropped for [`MAX_DELAYED`] (said once).
    said_full: bool,
}

impl Replies {
    pub(crate) fn new(framing: Framing) -> Self {
        Replies {
            framing,
            ..Replies::default()
        }
    }

    /// New rules (or none).
    pub(crate) fn set_book(&mut self, book: Option<Arc<RuleBook>>) {
        self.book = book;
    }

    /// Frames are cut this way from the next byte on (the view's framing changed).
    pub(crate) fn set_framing(&mut self, framing: Framing) {
        if framing != self.framing {
            self.framing = framing;
            self.framers.clear();
            self.deadline = None;
        }
    }

    fn update_deadline(&mut self) {
        self.deadline = self.framers.values().filter_map(Framer::deadline).min();
    }
}

impl Task {
    /// Offers what `conn` sent to the rules.
    pub(super) fn offer_to_rules(&mut self, conn: ConnId, data: &[u8]) {
        if self.replies.book.is_none() {
            return;
        }
        let framing = self.replies.framing.clone();
        let mut frames = Vec::new();
        self.replies
            .framers
            .entry(conn)
            .or_insert_with(|| Framer::new(framing, MAX_RULE_FRAME))
            .push(data, Instant::now(), &mut frames);
        self.replies.update_deadline();
        self.answer(conn, frames);
    }

    /// Closes idle-gap frames whose gap has passed.
    pub(super) fn poll_rules(&mut self) {
        let now = Instant::now();
        let mut due = Vec::new();
        for (conn, framer) in &mut self.replies.framers {
            let mut frames = Vec::new();
            framer.poll(now, &mut frames);
            if !frames.is_empty() {
                due.push((*conn, frames));
            }
        }
        self.replies.update_deadline();
        for (conn, frames) in due {
            self.answer(conn, frames);
        }
    }

    /// A connection ended: nothing can be answered on it any more.
    pub(super) fn forget_rules(&mut self, conn: ConnId) {
        self.replies.framers.remove(&conn);
        self.replies.update_deadline();
    }

    fn answer(&mut self, conn: ConnId, frames: Vec<Frame>) {
        let Some(book) = self.replies.book.clone() else {
            return;
        };
        for frame in frames {
            let Some((index, reply, delay)) = book.answer(&frame.bytes) else {
                continue;
            };
            if reply.is_empty() {
                continue;
            }
            let hex = book.rules.get(index).is_some_and(|rule| rule.hex);
            let shown = if hex {
                format!("{HEX_MARK}{}", to_hex(&reply))
            } else {
                display_safe(&String::from_utf8_lossy(&reply))
            };
            let out = Outgoing {
                data: Bytes::from(reply),
                shown,
            };
            let session = self.job_handle();
            if delay.is_zero() {
                send_reply(&session, conn, &out);
            } else if self.replies.delayed.load(Ordering::Relaxed) >= MAX_DELAYED {
                if !std::mem::replace(&mut self.replies.said_full, true) {
                    self.notice(
                        tcptalk_core::history::PeerRef::NONE,
                        crate::Notice::Text(format!(
                            "auto-reply: {MAX_DELAYED} delayed replies are already waiting; more are dropped until they go out"
                        )),
                    );
                }
            } else {
                let delayed = self.replies.delayed.clone();
                delayed.fetch_add(1, Ordering::Relaxed);
                self.runtime.spawn(async move {
                    tokio::time::sleep(delay).await;
                    send_reply(&session, conn, &out);
                    delayed.fetch_sub(1, Ordering::Relaxed);
                });
            }
        }
    }
}

fn send_reply(session: &SessionHandle, conn: ConnId, out: &Outgoing) {
    let delivery = session.deliver(Target::One(conn), out);
    for (_, peer, error) in delivery.failed {
        // A peer that left before a delayed reply is no news.
        if error != tcptalk_net::SendError::Closed {
            session.note(crate::Notice::SendFailed { peer, error });
        }
    }
}

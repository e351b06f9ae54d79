//! Sending: to one peer or to all, as a message or as a stream, and what to do about a peer
//! that does not read.
//!
//! Two ways, for two kinds of front end:
//! - [`SessionHandle::send`], for a window (and timers): never waits. Each peer's queue takes the whole message or
//!   none of it, so a message is never sent in part; a peer whose queue is full is reported.
//!   The message is one history entry, shown as typed (or as hex).
//! - [`SessionHandle::send_stream`], for the terminal's stdin: waits while a peer does not read (TCP
//!   flow control all the way back to stdin). Sending to everyone, a peer that has not read for
//!   [`SLOW_PEER_GRACE`] is disconnected rather than allowed to stall every other client, or to
//!   get a stream with a hole in it. The bytes are recorded line by line, like received ones.
//! - [`SessionHandle::send_from`], for the terminal's bulk transfers: a file or pipe handed to
//!   the connection, which sends it without the bytes ever reaching us.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use tcptalk_core::log::Direction;
use tcptalk_core::{ComposeError, Composed, Message};
use tcptalk_net::{Connection, SendError, ZeroCopySource};

use crate::assemble::HEX_MARK;
use crate::{Command, PeerId, SessionHandle};

/// How long one peer that does not read may hold up what is sent to everyone.
pub const SLOW_PEER_GRACE: Duration = Duration::from_secs(2);

/// Whom to send to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Every connection of the session (a client session has one).
    All,
    One(PeerId),
}

/// A composed message ready to go: its bytes, and how the history shows it.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub(crate) data: Bytes,
    pub(crate) shown: String,
}

impl Outgoing {
    pub(crate) fn new(composed: &Composed) -> Self {
        Outgoing {
            data: Bytes::from(composed.wire()),
            shown: composed.shown(HEX_MARK),
        }
    }
}

/// What [`SessionHandle::send`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendReport {
    /// Peers that took the whole message.
    pub sent: usize,
    /// Peers that took none of it, with their labels and why.
    pub failed: Vec<(String, SendError)>,
}

/// What one delivery did, with the ids a periodic send needs to wait for a full peer.
#[derive(Debug, Default)]
pub(crate) struct Delivery {
    pub(crate) sent: usize,
    /// Whom `to` named that is not connected (a chosen client that left).
    pub(crate) missing: usize,
    pub(crate) failed: Vec<(PeerId, String, SendError)>,
}

impl SessionHandle {
    /// Sends a message without waiting (for a window). It is composed in the session's
    /// encoding; a mistake in it (hex, an escape) sends nothing and says where. See the module
    /// docs.
    pub fn send(&self, to: Target, message: &Message) -> Result<SendReport, ComposeError> {
        let out = match self.compose(message) {
            // On UDP an empty message means something: an empty datagram.
            Err(ComposeError::Empty) if self.all_datagrams(to) => Outgoing {
                data: Bytes::new(),
                shown: String::new(),
            },
            composed => composed?,
        };
        let delivery = self.deliver(to, &out);
        for (_, peer, error) in &delivery.failed {
            self.note(crate::Notice::SendFailed {
                peer: peer.clone(),
                error: error.clone(),
            });
        }
        Ok(SendReport {
            sent: delivery.sent,
            failed: delivery
                .failed
                .into_iter()
                .map(|(_, label, error)| (label, error))
                .collect(),
        })
    }

    /// Whether everyone `to` names is a UDP peer (and someone is).
    fn all_datagrams(&self, to: Target) -> bool {
        let conns = self.connections(to);
        !conns.is_empty()
            && conns
                .iter()
                .all(|conn| conn.transport() == tcptalk_net::Transport::Udp)
    }

    /// `message` as bytes in the session's encoding now.
    pub(crate) fn compose(&self, message: &Message) -> Result<Outgoing, ComposeError> {
        let encoding = self.shared.lock().view.encoding;
        Ok(Outgoing::new(&message.compose(encoding)?))
    }

    /// Hands `out` to each peer `to` names that has room for all of it, and records it once in
    /// the history (as sent to the one peer, or to a group).
    pub(crate) fn deliver(&self, to: Target, out: &Outgoing) -> Delivery {
        let mut shared = self.shared.lock();
        let mut delivery = Delivery::default();
        let mut reached = Vec::new();
        let peers = &shared.peers;
        let ids = match to {
            Target::All => peers.ids(),
            Target::One(id) => vec![id],
        };
        for id in ids {
            let Some(peer) = peers.get(id) else {
                delivery.missing += 1;
                delivery
                    .failed
                    .push((id, id.to_string(), SendError::Closed));
                continue;
            };
            match peer.conn.try_send(out.data.clone()) {
                Ok(()) => reached.push(id),
                Err(error) => delivery.failed.push((id, peer.label.clone(), error)),
            }
        }
        delivery.sent = reached.len();
        let single = match reached.as_slice() {
            [one] => peers.get(*one).map(|peer| peer.history),
            _ => None,
        };
        let at = SystemTime::now();
        for id in &reached {
            shared.peers.touch(*id, at);
        }
        if !reached.is_empty() {
            shared.totals.sent_messages += 1;
        }
        // Into the history here, under the lock the session takes to add what arrives: an
        // answer to this message can never be shown before it.
        let peer = match reached.len() {
            0 => None,
            1 => single,
            several => Some(shared.transcript.group(several)),
        };
        if let Some(peer) = peer {
            if shared.keep_history {
                shared
                    .transcript
                    .push(at, Direction::Sent, peer, &out.shown);
            }
            drop(shared);
            self.command(Command::Sent {
                peer,
                shown: out.shown.clone(),
                at,
                to: reached,
                data: out.data.clone(),
            });
        }
        delivery
    }

    /// Sends bytes of a stream, waiting while a peer does not read (for the terminal). Returns
    /// how many peers got them. See the module docs for a peer that holds up a broadcast.
    pub async fn send_stream(&self, to: Target, data: Bytes) -> usize {
        if data.is_empty() {
            return 0;
        }
        let conns = self.connections(to);
        // Recorded before it leaves, so an echo can never be logged before what it echoes.
        self.command(Command::SentStream {
            to,
            data: data.clone(),
        });
        let mut reached = 0;
        for conn in conns {
            let sent = match to {
                Target::One(_) => conn.send(data.clone()).await.is_ok(),
                Target::All => self.send_or_drop_slow(&conn, data.clone()).await,
            };
            reached += usize::from(sent);
        }
        reached
    }

    /// Sends what `source` holds to `peer` straight from its file or pipe, after what was sent
    /// before (see [`tcptalk_net::ZeroCopySource`]). The bytes never pass through the
    /// session, so they reach no history, log or capture: a front end takes this way only
    /// when none of those is wanted. Their count is the connection's, as always.
    pub async fn send_from(&self, peer: PeerId, source: ZeroCopySource) -> Result<(), SendError> {
        match self.connections(Target::One(peer)).into_iter().next() {
            Some(conn) => conn.send_from(source).await,
            None => Err(SendError::Closed),
        }
    }

    /// `peer`'s connection, while it is open: its counts go on being readable after it
    /// closes (a [`send_from`] transfer's progress is read from them).
    ///
    /// [`send_from`]: SessionHandle::send_from
    pub fn connection(&self, peer: PeerId) -> Option<Connection> {
        self.connections(Target::One(peer)).into_iter().next()
    }

    /// The open connections `to` names, now.
    pub(crate) fn connections(&self, to: Target) -> Vec<Connection> {
        let shared = self.shared.lock();
        let peers = shared.peers();
        match to {
            // One being closed (a slow peer just dropped) is not waited for again.
            Target::All => peers
                .peers()
                .filter(|peer| !peer.conn.is_closed())
                .map(|peer| peer.conn.clone())
                .collect(),
            Target::One(id) => peers
                .get(id)
                .map(|peer| peer.conn.clone())
                .into_iter()
                .collect(),
        }
    }

    pub(crate) async fn send_or_drop_slow(&self, conn: &Connection, data: Bytes) -> bool {
        match conn.try_send(data.clone()) {
            Ok(()) => true,
            // A peer that left in the meantime simply misses it.
            Err(SendError::Closed) => false,
            Err(_) => match tokio::time::timeout(SLOW_PEER_GRACE, conn.send(data)).await {
                Ok(sent) => sent.is_ok(),
                Err(_) => {
                    self.command(Command::DropSlow {
                        peer: conn.id(),
                        queued: conn.queued_bytes(),
                    });
                    false
                }
            },
        }
    }
}

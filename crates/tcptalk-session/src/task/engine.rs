//! What the engine reports, made into history, log and front-end events: listening,
//! connecting, connections coming and going, bytes arriving and leaving.

use tcptalk_core::history::PeerRef;
use tcptalk_net::{Event, NetError, Transport};

use super::{Control, Gone, Task};
use crate::assemble::Stream;
use crate::registry::{Peer, plain_addr};
use crate::{Attempt, Notice, SessionEvent};

impl Task {
    pub(super) async fn on_engine_event(
        &mut self,
        index: usize,
        event: Option<Event>,
    ) -> Result<(), Gone> {
        let Some(event) = event else {
            self.sources.remove(index);
            return Ok(());
        };
        let retired = self.sources.get(index).is_some_and(|s| s.retired);
        match event {
            Event::Listening { local } => {
                self.shared.lock().listening = true;
                let (transport, certificate) =
                    self.sources.get(index).map_or((Transport::Tcp, None), |s| {
                        (s.transport, s.certificate.clone())
                    });
                self.notice(PeerRef::NONE, Notice::Listening { local, transport });
                if let Some(certificate) = certificate {
                    self.notice(PeerRef::NONE, Notice::Certificate { certificate });
                }
                self.emit(SessionEvent::Listening { local }).await?;
            }
            Event::ListenFailed { error } => {
                self.notice(
                    PeerRef::NONE,
                    Notice::ListenFailed {
                        error: error.clone(),
                    },
                );
                self.emit(SessionEvent::ListenFailed { error }).await?;
            }
            Event::Stopped => {
                self.shared.lock().listening = false;
                let rest = self.streams.finish_all();
                self.record_pieces(rest);
                self.notice(PeerRef::NONE, Notice::Stopped);
                self.emit(SessionEvent::Stopped).await?;
            }
            Event::Connecting { target } => {
                let peer = self.client_peer(index);
                self.notice(
                    peer,
                    Notice::Connecting {
                        target: target.clone(),
                    },
                );
                if let (false, Some(attempt)) = (retired, self.attempt(index)) {
                    self.emit(SessionEvent::Connecting { attempt, target })
                        .await?;
                }
            }
            Event::ConnectFailed { error } => {
                let cancelled = matches!(error, NetError::Cancelled { .. });
                // A cancel the user asked for was noted when asked.
                if !(retired && matches!(error, NetError::Cancelled { .. })) {
                    let peer = self.client_peer(index);
                    self.notice(
                        peer,
                        Notice::ConnectFailed {
                            error: error.clone(),
                        },
                    );
                }
                if let (false, Some(attempt)) = (retired, self.attempt(index)) {
                    self.emit(SessionEvent::ConnectFailed { attempt, error })
                        .await?;
                }
                if !cancelled {
                    self.schedule_reconnect(index).await?;
                }
            }
            Event::Connected { conn } => self.on_connected(index, conn).await?,
            Event::Received { conn, data } => {
                let transport = {
                    let now = std::time::SystemTime::now();
                    let mut shared = self.shared.lock();
                    shared.rates.add_received(now, data.len());
                    shared.peers.get_mut(conn).map(|peer| {
                        peer.last_activity = now;
                        peer.rates.add_received(now, data.len());
                        peer.conn.transport()
                    })
                };
                // A UDP source the user just dropped may still have had a datagram on its way.
                let Some(transport) = transport else {
                    return Ok(());
                };
                self.wire(
                    conn,
                    tcptalk_core::pcap::Way::In,
                    std::time::SystemTime::now(),
                    &data,
                );
                if self.records() {
                    if transport == Transport::Udp {
                        self.push_datagram(conn, &data);
                    } else {
                        self.push_stream(Stream::Received(conn), &data);
                    }
                }
                // After recording, so an answer is never shown before what it answers.
                self.offer_to_rules(conn, &data);
                if self.forward_received {
                    self.emit(SessionEvent::Received { peer: conn, data })
                        .await?;
                }
            }
            Event::PeerFinished { conn } => {
                self.emit(SessionEvent::PeerFinished { peer: conn }).await?;
            }
            Event::Sent { conn, bytes } => {
                let now = std::time::SystemTime::now();
                let mut shared = self.shared.lock();
                shared.rates.add_sent(now, bytes);
                if let Some(peer) = shared.peers.get_mut(conn) {
                    peer.rates.add_sent(now, bytes);
                }
            }
            Event::Closed {
                conn,
                reason,
                counts,
            } => {
                let rest = self.streams.finish(conn);
                self.record_pieces(rest);
                self.forget_rules(conn);
                self.forget_capture_flow(conn);
                let lost = reason != tcptalk_net::CloseReason::ClosedByUs;
                let peer = {
                    let mut shared = self.shared.lock();
                    shared.totals.closed.received += counts.received;
                    shared.totals.closed.sent += counts.sent;
                    shared.peers.remove(conn)
                };
                if let Some(peer) = peer {
                    let notice = Notice::Disconnected {
                        addr: peer.addr,
                        reason: reason.clone(),
                        counts,
                    };
                    self.notice(peer.history, notice);
                    self.emit(SessionEvent::Disconnected {
                        peer: conn,
                        addr: peer.addr,
                        label: peer.label,
                        reason,
                        counts,
                    })
                    .await?;
                }
                if lost {
                    self.schedule_reconnect(index).await?;
                }
            }
            Event::Warning { error } => {
                self.notice(
                    PeerRef::NONE,
                    Notice::Warning {
                        error: error.clone(),
                    },
                );
                self.emit(SessionEvent::Warning { error }).await?;
            }
            other => tracing::debug!(?other, "engine event not used by sessions"),
        }
        Ok(())
    }

    /// The attempt a client source is for (`None` for a server).
    fn attempt(&self, index: usize) -> Option<Attempt> {
        match self.sources.get(index).map(|s| &s.control) {
            Some(Control::Client { attempt, .. }) => Some(*attempt),
            _ => None,
        }
    }

    /// The history's name for a client source's server ([`PeerRef::NONE`] for a server).
    fn client_peer(&self, index: usize) -> PeerRef {
        match self.sources.get(index).map(|s| &s.control) {
            Some(Control::Client { peer, .. }) => *peer,
            _ => PeerRef::NONE,
        }
    }

    async fn on_connected(
        &mut self,
        index: usize,
        conn: tcptalk_net::Connection,
    ) -> Result<(), Gone> {
        let id = conn.id();
        let addr = plain_addr(conn.peer_addr());
        let local = plain_addr(conn.local_addr());
        if self.raw.is_some() {
            self.addrs.insert(id, (conn.local_addr(), conn.peer_addr()));
        }
        let retired = self.sources.get(index).is_some_and(|s| s.retired);
        let (client, attempt) = match self.sources.get_mut(index).map(|s| &mut s.control) {
            Some(Control::Client {
                label,
                peer,
                connected,
                attempt,
                retry,
                ..
            }) => {
                *connected = true;
                if let Some(retry) = retry {
                    retry.connected();
                }
                (Some((label.clone(), *peer)), Some(*attempt))
            }
            _ => (None, None),
        };
        let label = {
            let mut shared = self.shared.lock();
            let (label, history) = match client {
                Some(known) => known,
                None => {
                    let label = addr.to_string();
                    let history = shared.transcript.add_peer(&label);
                    (label, history)
                }
            };
            // In the registry before anyone hears of it: a send right after "connected"
            // must reach this peer.
            let now = std::time::SystemTime::now();
            shared.peers.insert(Peer {
                conn,
                label: label.clone(),
                addr,
                history,
                since: now,
                last_activity: now,
                rates: crate::Rates::new(crate::PEER_SECONDS),
            });
            label
        };
        let (history, tls, transport) = self
            .shared
            .lock()
            .peers
            .get(id)
            .map_or((None, None, Transport::Tcp), |p| {
                (Some(p.history), p.conn.tls().cloned(), p.conn.transport())
            });
        self.notice(
            history.unwrap_or(PeerRef::NONE),
            Notice::Connected {
                addr,
                tls: tls.clone(),
            },
        );
        if retired && attempt.is_some() {
            // Cancelled meanwhile: the engine closes it; only its end is reported.
            return Ok(());
        }
        self.emit(SessionEvent::Connected {
            peer: id,
            attempt,
            addr,
            local,
            label,
            transport,
            tls,
        })
        .await
    }
}

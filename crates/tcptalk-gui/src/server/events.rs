//! The server window's side of the engine: its events, handled a bounded amount per frame, and
//! received bytes turned into history lines.

use std::time::Instant;

use bytes::Bytes;
use tcptalk_core::LineAssembler;
use tcptalk_net::{ConnId, Event};

use super::{Peer, Phase, ServerWindow, Target, plain_addr};
use crate::engine;

impl ServerWindow {
    /// Handles the engine's events, a bounded amount per frame. Returns true when every event
    /// that had arrived was handled (none waits for the next frame).
    pub(super) fn handle_events(&mut self, ctx: &egui::Context) -> bool {
        let mut budget = engine::Budget::start();
        // A due eviction happens here, counted in this frame's budget.
        self.pane.history_mut().make_room();
        loop {
            if budget.spent() {
                ctx.request_repaint();
                return false;
            }
            if let Some((conn, data)) = self.carry.take() {
                self.on_received(conn, data, &budget);
                continue;
            }
            let Some(session) = &mut self.session else {
                return true;
            };
            match session.events.try_recv() {
                Ok(Event::Received { conn, data }) => self.on_received(conn, data, &budget),
                Ok(event) => self.on_event(event),
                Err(_) => return true,
            }
        }
    }

    /// Turns received bytes into history lines, in pieces; what the frame has no time for is
    /// kept for the next one.
    fn on_received(&mut self, conn: ConnId, data: Bytes, budget: &engine::Budget) {
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        let history_peer = peer.peer;
        let pane = &mut self.pane;
        let rest =
            engine::assemble_in_pieces(&mut peer.lines, data, budget, &mut self.scratch, |line| {
                pane.record_received(history_peer, line)
            });
        if let Some(rest) = rest {
            self.carry = Some((conn, rest));
        }
    }

    fn on_event(&mut self, event: Event) {
        let lang = self.pane.lang;
        let texts = lang.texts();
        match event {
            Event::Listening { local } => {
                if let Some(session) = &mut self.session
                    && session.phase == Phase::Starting
                {
                    session.phase = Phase::Listening(local);
                }
                self.pane.notice = None;
                self.pane.info(&lang.listening(plain_addr(local)));
            }
            Event::ListenFailed { error } => {
                self.session = None;
                self.pane
                    .problem(lang.listen_failed(&lang.net_error(&error)));
            }
            Event::Stopped => {
                self.session = None;
                self.target = Target::All;
                for (_, peer) in std::mem::take(&mut self.peers) {
                    self.finish_peer(peer);
                }
                self.pane.info(texts.server_stopped);
            }
            Event::Connected { conn } => {
                let peer_addr = plain_addr(conn.peer_addr());
                let name = peer_addr.to_string();
                self.pane.info(&lang.client_joined(peer_addr));
                let peer = self.pane.history_mut().add_peer(&name);
                let lines = LineAssembler::new(self.pane.encoding, engine::MAX_LINE_CHARS);
                self.peers.insert(
                    conn.id(),
                    Peer {
                        conn,
                        name,
                        peer,
                        lines,
                    },
                );
            }
            Event::Received { conn, data } => {
                self.on_received(conn, data, &engine::Budget::unlimited());
            }
            Event::Closed {
                conn,
                reason,
                counts,
            } => {
                if let Some(peer) = self.peers.remove(&conn) {
                    let addr = plain_addr(peer.conn.peer_addr());
                    self.finish_peer(peer);
                    self.pane.info(&lang.client_left(addr, &reason, counts));
                }
                if self.target == Target::One(conn) {
                    self.target = Target::All;
                }
            }
            Event::Warning { error } => self.pane.info(&lang.warning(&error)),
            // Client-side events never come from a server.
            _ => {}
        }
    }

    /// Shows what a leaving client sent after its last line end.
    fn finish_peer(&mut self, mut peer: Peer) {
        if let Some(line) = peer.lines.finish() {
            self.pane.record_received(peer.peer, &line);
        }
    }

    /// Shows partial lines once their client has been quiet for a moment. Only call it when
    /// every arrived event was handled: bytes still waiting are not quiet.
    pub(super) fn flush_idle_lines(&mut self, ctx: &egui::Context) {
        let now = Instant::now();
        let mut waiting = false;
        let mut ready = Vec::new();
        for peer in self.peers.values_mut() {
            if !peer.lines.has_pending() {
                continue;
            }
            match peer.lines.take_idle(now, engine::IDLE_FLUSH) {
                Some(line) => ready.push((peer.peer, line)),
                None => waiting = true,
            }
        }
        for (peer, line) in ready {
            self.pane.record_received(peer, &line);
        }
        if waiting {
            ctx.request_repaint_after(engine::IDLE_FLUSH);
        }
    }
}

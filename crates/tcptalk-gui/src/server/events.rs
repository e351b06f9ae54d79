//! The server window's side of the engine: finished lines and events, handled a bounded amount
//! per frame.

use tcptalk_net::{ConnId, Event};

use super::{Peer, Phase, ServerWindow, Target, plain_addr};
use crate::engine::{self, Ingested, LineBatch};

impl ServerWindow {
    /// Handles what the session delivered, a bounded amount per frame.
    pub(super) fn handle_events(&mut self, ctx: &egui::Context) {
        let mut budget = engine::Budget::start();
        // A due eviction happens here, counted in this frame's budget.
        self.pane.history_mut().make_room();
        loop {
            if budget.spent() {
                ctx.request_repaint();
                return;
            }
            if let Some((conn, lines)) = self.carry.take() {
                self.on_lines(conn, lines, &budget);
                continue;
            }
            let Some(session) = &mut self.session else {
                return;
            };
            match session.ingest.try_recv() {
                Some(Ingested::Lines { conn, lines }) => self.on_lines(conn, lines, &budget),
                Some(Ingested::Event(event)) => self.on_event(event),
                None => return,
            }
        }
    }

    /// Copies a client's lines into the history; what the frame has no time for is kept for
    /// the next one.
    fn on_lines(&mut self, conn: ConnId, lines: LineBatch, budget: &engine::Budget) {
        let Some(peer) = self.peers.get(&conn) else {
            return;
        };
        let history_peer = peer.peer;
        let pane = &mut self.pane;
        let rest = engine::take_lines(lines, budget, |line, at| {
            pane.record_received(history_peer, line, at);
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
                self.peers.clear();
                self.pane.info(texts.server_stopped);
            }
            Event::Connected { conn } => {
                let peer_addr = plain_addr(conn.peer_addr());
                let name = peer_addr.to_string();
                self.pane.info(&lang.client_joined(peer_addr));
                let peer = self.pane.history_mut().add_peer(&name);
                self.peers.insert(conn.id(), Peer { conn, name, peer });
            }
            Event::Closed {
                conn,
                reason,
                counts,
            } => {
                if let Some(peer) = self.peers.remove(&conn) {
                    let addr = plain_addr(peer.conn.peer_addr());
                    self.pane.info(&lang.client_left(addr, &reason, counts));
                }
                if self.target == Target::One(conn) {
                    self.target = Target::All;
                }
            }
            Event::Warning { error } => self.pane.info(&lang.warning(&error)),
            // Client-side events never come from a server, and received bytes come as lines.
            _ => {}
        }
    }
}

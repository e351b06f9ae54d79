//! The server window's side of its session: the few events that change what the window shows
//! (listening, clients coming and going, failures). Received lines never come this way: the
//! session puts them in the history, which the window reads as it draws.

use tcptalk_session::SessionEvent;

use super::{Phase, ServerWindow, Target};

impl ServerWindow {
    /// Handles every event the session has for the window; there are few, so all of them.
    pub(super) fn handle_events(&mut self) {
        while let Some(event) = self.pane.session.try_recv() {
            if let Some(event) = self.pane.on_event(event) {
                self.on_event(event);
            }
        }
    }

    fn on_event(&mut self, event: SessionEvent) {
        let lang = self.pane.lang;
        match event {
            SessionEvent::Listening { local } => {
                if self.phase == Some(Phase::Starting) {
                    self.phase = Some(Phase::Listening(local));
                }
                self.pane.notice = None;
            }
            SessionEvent::ListenFailed { error } => {
                self.phase = None;
                self.pane
                    .show_problem(lang.listen_failed(&lang.net_error(&error)));
            }
            SessionEvent::Stopped => {
                self.phase = None;
                self.target = Target::All;
                self.peers.clear();
            }
            SessionEvent::Connected { peer, label, .. } => {
                self.peers.insert(peer, label);
            }
            SessionEvent::Disconnected { peer, .. } => {
                self.peers.remove(&peer);
                if self.target == Target::One(peer) {
                    self.target = Target::All;
                }
            }
            // Client-side events never come from a server session, and warnings are in the
            // history already.
            _ => {}
        }
    }
}

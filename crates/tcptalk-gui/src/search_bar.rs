//! 搜索 / Search (Ctrl+F): a row above the history while open. The session searches in the
//! background; the row shows how far it has got and how many it found, and 上一个 / 下一个
//! scroll the history to each match.

use egui::{Key, Modifiers, Ui};
use tcptalk_core::log::Direction;
use tcptalk_session::SearchQuery;

use crate::pane::Pane;

/// The search row's state.
#[derive(Debug, Default)]
pub(crate) struct SearchBar {
    pub(crate) open: bool,
    pub(crate) query: SearchQuery,
    /// The query the session searches for now.
    running: Option<SearchQuery>,
    /// Which match 上一个 / 下一个 is at.
    current: Option<usize>,
    focus: bool,
    /// 只显示匹配: the history shows only the entries found.
    pub(crate) only_matches: bool,
}

impl Pane {
    /// Opens the search row (as Ctrl+F does) and searches for `text`.
    pub fn search_history(&mut self, text: &str) {
        self.search.open = true;
        self.search.query.text = text.to_string();
        self.start_search();
    }

    /// How many matches the search has found, and whether it has finished.
    pub fn search_matches(&self) -> Option<(usize, bool)> {
        let shared = self.session.shared().lock();
        let state = shared.search()?;
        Some((state.matches.len(), state.finished))
    }

    fn start_search(&mut self) {
        let query = self.search.query.clone();
        if self.search.running.as_ref() == Some(&query) {
            return;
        }
        self.search.current = None;
        match self.session.search(query.clone()) {
            Ok(()) => {
                self.search.running = Some(query);
                self.notice = None;
            }
            Err(error) => {
                self.search.running = None;
                self.show_problem(self.lang.search_error(&error.to_string()));
            }
        }
    }

    /// Ticks 只显示匹配 or not.
    pub fn show_only_matches(&mut self, only: bool) {
        self.search.only_matches = only;
    }

    /// 下一个 (`forward`) or 上一个: scrolls the history to that match.
    pub fn next_match(&mut self, forward: bool) {
        let row = {
            let shared = self.session.shared().lock();
            let Some(state) = shared.search() else { return };
            let count = state.matches.len();
            if count == 0 {
                return;
            }
            let next = match (self.search.current, forward) {
                (None, true) => 0,
                (None, false) => count - 1,
                (Some(at), true) => (at + 1) % count,
                (Some(at), false) => (at + count - 1) % count,
            };
            self.search.current = Some(next);
            if self.search.only_matches {
                Some(next)
            } else {
                shared.transcript().row_of_entry(state.matches[next])
            }
        };
        if let Some(row) = row {
            self.scroll_history_to_row(row.saturating_sub(2));
        }
    }

    /// Ctrl+F opens the row; Esc in it closes it.
    pub(crate) fn search_shortcut(&mut self, ui: &Ui) {
        if ui.input_mut(|input| input.consume_key(Modifiers::COMMAND, Key::F)) {
            self.search.open = true;
            self.search.focus = true;
        }
    }

    /// 搜索 [text] [☐十六进制] [☐区分大小写] [方向▼] [上一个] [下一个] 3/100
    pub(crate) fn search_row(&mut self, ui: &mut Ui) {
        if !self.search.open {
            return;
        }
        let lang = self.lang;
        let texts = lang.search_texts();
        // Only the counts: the matches themselves may be a million entries.
        let (found, status) = {
            let shared = self.session.shared().lock();
            match shared.search() {
                Some(state) => (
                    state.matches.len(),
                    Some((state.done, state.total, state.finished)),
                ),
                None => (0, None),
            }
        };
        // Who can be searched for: the connected peers (a few hundred at most in the menu).
        let peers: Vec<String> = {
            let shared = self.session.shared().lock();
            let registry = shared.peers();
            registry
                .ids()
                .into_iter()
                .take(200)
                .filter_map(|id| registry.label(id).map(str::to_string))
                .collect()
        };
        let mut close = false;
        // Wraps in a narrow window rather than push its last buttons out of sight.
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(texts.search);
            let id = self.id("search-text");
            let field = egui::TextEdit::singleline(&mut self.search.query.text)
                .id(id)
                .hint_text(texts.hint)
                .desired_width(110.0);
            let response = ui.add(field).labelled_by(label.id);
            if std::mem::take(&mut self.search.focus) {
                response.request_focus();
            }
            if response.has_focus() && ui.input(|input| input.key_pressed(Key::Escape)) {
                close = true;
            }
            let enter = response.lost_focus() && ui.input(|input| input.key_pressed(Key::Enter));
            ui.checkbox(&mut self.search.query.hex, texts.hex);
            ui.checkbox(&mut self.search.query.case_sensitive, texts.case);
            let label = ui.label(texts.direction);
            egui::ComboBox::from_id_salt(self.id("search-direction"))
                .selected_text(lang.search_direction(self.search.query.direction))
                .width(56.0)
                .show_ui(ui, |ui| {
                    for choice in [
                        None,
                        Some(Direction::Received),
                        Some(Direction::Sent),
                        Some(Direction::Info),
                    ] {
                        ui.selectable_value(
                            &mut self.search.query.direction,
                            choice,
                            lang.search_direction(choice),
                        );
                    }
                })
                .response
                .labelled_by(label.id);
            if !peers.is_empty() {
                let label = ui.label(texts.peer);
                let selected = self
                    .search
                    .query
                    .peer
                    .clone()
                    .unwrap_or_else(|| lang.search_direction(None).to_string());
                egui::ComboBox::from_id_salt(self.id("search-peer"))
                    .selected_text(selected)
                    .show_ui(ui, |ui| {
                        ui.selectable_value(
                            &mut self.search.query.peer,
                            None,
                            lang.search_direction(None),
                        );
                        for peer in &peers {
                            ui.selectable_value(
                                &mut self.search.query.peer,
                                Some(peer.clone()),
                                peer.as_str(),
                            );
                        }
                    })
                    .response
                    .labelled_by(label.id);
            }
            ui.checkbox(&mut self.search.only_matches, texts.only_matches)
                .on_hover_text(texts.only_matches_hint);
            if ui.button(texts.previous).clicked() {
                self.next_match(false);
            }
            if ui.button(texts.next).clicked() || enter {
                self.next_match(true);
            }
            if let Some((done, total, finished)) = status {
                let at = self.search.current.map_or(0, |at| at + 1);
                ui.label(lang.search_status(at, found, done, total, finished));
                if !finished {
                    ui.ctx()
                        .request_repaint_after(std::time::Duration::from_millis(50));
                }
            }
            if ui
                .small_button(texts.close_word)
                .on_hover_text(texts.close)
                .clicked()
            {
                close = true;
            }
        });
        if close {
            self.search.open = false;
            self.search.query = SearchQuery::default();
        }
        self.start_search();
    }
}

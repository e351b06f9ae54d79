//! What the server and client windows have in common: language, history, the message being
//! typed, the encoding, and the way 历史信息 / 发送的信息 and the status bar are laid out.

use egui::{Align, Id, Layout, RichText, Ui, Vec2};
use tcptalk_core::{TextEncoding, display_safe};

use crate::Lang;
use crate::record::{Direction, Recorder};
use crate::widgets::{self, ERROR_TEXT, InputAction};

/// Height kept below the message box for the send row.
const SEND_ROW: f32 = 34.0;
/// Frame margins and strokes a group box adds around its content, top and bottom together.
const GROUP_CHROME: f32 = 8.0 * 2.0 + 4.0 * 2.0 + 4.0;

#[derive(Debug)]
pub(crate) struct Pane {
    pub lang: Lang,
    pub recorder: Recorder,
    pub message: String,
    pub encoding: TextEncoding,
    /// A short problem shown in red in the status bar (e.g. a bad port), cleared on success.
    pub notice: Option<String>,
    /// "server" or "client": keeps ids of the two windows apart in one process.
    name: &'static str,
    focus_message: bool,
}

impl Pane {
    pub fn new(name: &'static str, lang: Lang, encoding: TextEncoding) -> Self {
        Pane {
            lang,
            recorder: Recorder::default(),
            message: String::new(),
            encoding,
            notice: None,
            name,
            focus_message: false,
        }
    }

    pub fn id(&self, what: &str) -> Id {
        Id::unique((self.name, what))
    }

    /// A notice in the history (and the log).
    pub fn info(&mut self, text: String) {
        self.recorder.info(text);
    }

    /// A problem: in the history and in red in the status bar.
    pub fn problem(&mut self, text: String) {
        self.notice = Some(text.clone());
        self.recorder.info(text);
    }

    /// Records a message the user sent, as one entry whatever it contains.
    pub fn record_sent(&mut self, peer: &str, prefix: &str, message: &str) {
        let text = format!("{prefix}{}", display_safe(message));
        self.recorder.record(Direction::Sent, peer, text);
    }

    /// Records a line that arrived (already display-safe, from the line assembler).
    pub fn record_received(&mut self, peer: &str, prefix: &str, line: &str) {
        self.recorder
            .record(Direction::Received, peer, format!("{prefix}{line}"));
    }

    /// After a send: the input is emptied and keeps (or gets back) the focus.
    pub fn message_sent(&mut self) {
        self.message.clear();
        self.focus_message = true;
    }

    /// Keeps the focus in the input (e.g. after the send button took it).
    pub fn refocus_message(&mut self) {
        self.focus_message = true;
    }

    /// Draws 历史信息 and 发送的信息, sharing the height left above the send row.
    pub fn show_boxes(&mut self, ui: &mut Ui) -> InputAction {
        if let Some(err) = self.recorder.take_log_error() {
            let text = format!("{}{err}", self.lang.texts().log_failed);
            self.problem(text);
        }
        let texts = self.lang.texts();
        let label_height =
            ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
        let chrome = 2.0 * (label_height + GROUP_CHROME + ui.spacing().item_spacing.y);
        let each = ((ui.available_height() - SEND_ROW - chrome) / 2.0).max(40.0);

        ui.horizontal(|ui| {
            ui.label(texts.history);
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                let small = |text: &str| egui::Button::new(RichText::new(text).small());
                if ui.add(small(texts.clear)).clicked() {
                    self.recorder.history.clear();
                }
                if ui.add(small(texts.copy_all)).clicked() {
                    ui.ctx().copy_text(self.recorder.history.to_text());
                }
            });
        });
        let history_id = format!("{}-history", self.name);
        widgets::group_box(ui, |ui| {
            ui.set_width(ui.available_width());
            widgets::history_view(ui, &history_id, &self.recorder.history, self.lang, each);
        });

        let label = ui.label(texts.message);
        let message_id = self.id("message");
        let action = widgets::group_box(ui, |ui| {
            let size = Vec2::new(ui.available_width(), each);
            egui::ScrollArea::vertical()
                .id_salt(self.id("message-scroll"))
                .max_height(each)
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    widgets::message_input(
                        ui,
                        message_id,
                        &mut self.message,
                        &label,
                        texts.hint_message,
                        size,
                    )
                })
                .inner
        });
        if self.focus_message {
            self.focus_message = false;
            ui.memory_mut(|memory| memory.request_focus(message_id));
        }
        action
    }

    /// The status bar: 连接状态： and its icon, then `middle` (progress, counts), the last
    /// problem in red, and on the right the encoding and language selectors.
    pub fn status_bar(&mut self, ui: &mut Ui, connected: bool, middle: impl FnOnce(&mut Ui)) {
        // The right part's width from the last frame, to push it against the right edge while
        // keeping each label before its selector.
        let right_id = self.id("status-right-width");
        let right_width: f32 = ui.data(|data| data.get_temp(right_id)).unwrap_or(230.0);
        ui.horizontal(|ui| {
            ui.label(self.lang.texts().status);
            widgets::status_icon(ui, connected, self.lang);
            middle(ui);
            let room = ui.available_width() - right_width - ui.spacing().item_spacing.x;
            if let Some(notice) = &self.notice
                && room > 20.0
            {
                let height = ui.spacing().interact_size.y;
                ui.allocate_ui_with_layout(
                    Vec2::new(room, height),
                    Layout::left_to_right(Align::Center),
                    |ui| {
                        ui.add(
                            egui::Label::new(RichText::new(notice).color(ERROR_TEXT)).truncate(),
                        )
                        .on_hover_text(notice);
                    },
                );
            }
            ui.add_space((ui.available_width() - right_width).max(0.0));
            let right = ui.horizontal(|ui| {
                let mut encoding = self.encoding;
                let id = format!("{}-encoding", self.name);
                widgets::encoding_selector(ui, &id, self.lang, &mut encoding);
                self.encoding = encoding;
                let mut lang = self.lang;
                widgets::language_selector(ui, &format!("{}-lang", self.name), &mut lang);
                self.lang = lang;
            });
            let width = right.response.rect.width();
            if (width - right_width).abs() > 0.5 {
                ui.data_mut(|data| data.insert_temp(right_id, width));
                ui.ctx().request_repaint();
            }
        });
    }
}

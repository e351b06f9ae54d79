//! What the server and client windows have in common: language, history, the message being
//! typed, the encoding, and the way 历史信息 / 发送的信息 and the status bar are laid out.

use std::path::PathBuf;
use std::time::SystemTime;

use egui::{Align, Id, Layout, RichText, Ui, Vec2};
use tcptalk_core::history::{HistoryLimits, PeerRef};
use tcptalk_core::{TextEncoding, display_safe};

use crate::Lang;
use crate::history::{History, Side, default_save_path};
use crate::record::{Direction, Recorder};
use crate::widgets::{self, ERROR_TEXT, InputAction};

/// Height kept below the message box for the send row.
const SEND_ROW: f32 = 34.0;
/// Frame margins and strokes a group box adds around its content, top and bottom together.
const GROUP_CHROME: f32 = 8.0 * 2.0 + 4.0 * 2.0 + 4.0;
/// Width of the 保存到： field.
const SAVE_PATH_WIDTH: f32 = 130.0;

#[derive(Debug)]
pub(crate) struct Pane {
    pub lang: Lang,
    pub recorder: Recorder,
    pub message: String,
    pub encoding: TextEncoding,
    /// A short problem shown in red in the status bar (e.g. a bad port), cleared on success.
    pub notice: Option<String>,
    /// Where 保存历史 writes; empty means a new file in the current directory.
    pub save_path: String,
    /// A scroll position asked for from outside (benchmarks, tests): the history shows this
    /// display row at the top in the next frame.
    pub scroll_to_row: Option<usize>,
    side: Side,
    focus_message: bool,
}

impl Pane {
    pub fn new(side: Side, lang: Lang, encoding: TextEncoding, limits: HistoryLimits) -> Self {
        Pane {
            lang,
            recorder: Recorder::new(History::new(side, lang, limits)),
            message: String::new(),
            encoding,
            notice: None,
            save_path: String::new(),
            scroll_to_row: None,
            side,
            focus_message: false,
        }
    }

    /// "server" or "client": keeps ids of the two windows apart in one process.
    fn side_name(&self) -> &'static str {
        match self.side {
            Side::Server => "server",
            Side::Client => "client",
        }
    }

    pub fn id(&self, what: &str) -> Id {
        Id::unique((self.side_name(), what))
    }

    pub fn history(&self) -> &History {
        &self.recorder.history
    }

    pub fn history_mut(&mut self) -> &mut History {
        &mut self.recorder.history
    }

    /// A notice in the history (and the log).
    pub fn info(&mut self, text: &str) {
        self.recorder.info(text);
    }

    /// A problem: in the history and in red in the status bar.
    pub fn problem(&mut self, text: String) {
        self.recorder.info(&text);
        self.notice = Some(text);
    }

    /// Records a message the user sent, as one entry whatever it contains.
    pub fn record_sent(&mut self, peer: PeerRef, message: &str) {
        self.recorder
            .record(Direction::Sent, peer, &display_safe(message));
    }

    /// Records a line that arrived (already display-safe, from the line assembler).
    pub fn record_received(&mut self, peer: PeerRef, line: &str) {
        self.recorder.record(Direction::Received, peer, line);
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

    /// At the start of a frame: rows are worded in the window's current language.
    pub fn begin_frame(&mut self) {
        let lang = self.lang;
        self.recorder.history.set_lang(lang);
    }

    /// At the end of a frame: the log gets this frame's entries.
    pub fn end_frame(&mut self) {
        self.recorder.flush();
    }

    /// 保存历史: writes the whole session, also what is no longer in memory, and says where.
    pub fn save_history(&mut self) {
        let lang = self.lang;
        let typed = self.save_path.trim();
        let path = if typed.is_empty() {
            default_save_path(self.side, SystemTime::now())
        } else {
            let path = PathBuf::from(typed);
            std::path::absolute(&path).unwrap_or(path)
        };
        match self.recorder.history.save_all(&path) {
            Ok(lines) => {
                self.notice = None;
                self.info(&lang.saved(lines, &path));
            }
            Err(err) => self.problem(lang.save_failed(&path, &err)),
        }
    }

    /// 复制全部: what is in memory, and a word about what is not.
    fn copy_all(&mut self, ui: &Ui) {
        let history = &self.recorder.history;
        ui.ctx().copy_text(history.to_text());
        let text = self.lang.copied(history.len(), history.evicted().rows);
        self.info(&text);
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
        let evicted = self.recorder.history.evicted();
        let spool_error = self.recorder.history.spool_error().map(str::to_string);
        let banner = (evicted.rows > 0).then(|| {
            self.lang
                .not_in_memory(evicted.rows, evicted.bytes, self.recorder.has_log())
        });
        let lost = spool_error.map(|why| {
            self.lang
                .history_lost(evicted.lost_rows, evicted.lost_bytes, &why)
        });
        let banners = usize::from(banner.is_some()) + usize::from(lost.is_some());
        let chrome = 2.0 * (label_height + GROUP_CHROME + ui.spacing().item_spacing.y)
            + banners as f32 * label_height;
        let each = ((ui.available_height() - SEND_ROW - chrome) / 2.0).max(40.0);

        let mut save = false;
        let mut copy = false;
        let save_path_id = self.id("save-path");
        ui.horizontal(|ui| {
            ui.label(texts.history);
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                let small = |text: &str| egui::Button::new(RichText::new(text).small());
                if ui.add(small(texts.clear)).clicked() {
                    self.recorder.history.clear();
                }
                copy = ui.add(small(texts.copy_all)).clicked();
                save = ui.add(small(texts.save_history)).clicked();
                let field = egui::TextEdit::singleline(&mut self.save_path)
                    .id(save_path_id)
                    .hint_text(RichText::new(texts.hint_save_path).small())
                    .font(egui::TextStyle::Small)
                    .desired_width(SAVE_PATH_WIDTH.min(ui.available_width() / 2.0));
                let response = ui.add(field);
                let label = ui.label(RichText::new(texts.save_to).small());
                let response = response.labelled_by(label.id);
                if response.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter)) {
                    save = true;
                }
            });
        });
        if save {
            self.save_history();
        }
        if copy {
            self.copy_all(ui);
        }
        if let Some(banner) = &banner {
            ui.add(egui::Label::new(RichText::new(banner).small()).truncate())
                .on_hover_text(banner);
        }
        if let Some(lost) = &lost {
            ui.add(egui::Label::new(RichText::new(lost).small().color(ERROR_TEXT)).truncate())
                .on_hover_text(lost);
        }
        let history_id = format!("{}-history", self.side_name());
        let scroll_to_row = self.scroll_to_row.take();
        widgets::group_box(ui, |ui| {
            ui.set_width(ui.available_width());
            widgets::history_view(
                ui,
                &history_id,
                &self.recorder.history,
                self.lang,
                each,
                scroll_to_row,
            );
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
                let id = format!("{}-encoding", self.side_name());
                widgets::encoding_selector(ui, &id, self.lang, &mut encoding);
                self.encoding = encoding;
                let mut lang = self.lang;
                widgets::language_selector(ui, &format!("{}-lang", self.side_name()), &mut lang);
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

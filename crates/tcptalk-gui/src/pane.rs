//! What the server and client windows have in common: language, history, the message being
//! typed, the encoding, and the way 历史信息 / 发送的信息 and the status bar are laid out.

use std::path::PathBuf;
use std::time::SystemTime;

use egui::{Align, Id, Layout, RichText, Ui, Vec2};
use tcptalk_core::TextEncoding;
use tcptalk_core::history::HistoryLimits;
use tcptalk_session::{Notice, Session, SessionConfig, SessionEvent, SharedLog, Target, View};
use tokio::runtime::Handle;

use crate::Lang;
use crate::rows::{HistoryView, Side, default_save_path};
use crate::sending::SendTools;
use crate::widgets::{self, InputAction};

/// Height kept below the message box for the send row.
const SEND_ROW: f32 = 34.0;
/// Frame margins and strokes a group box adds around its content, top and bottom together.
const GROUP_CHROME: f32 = 8.0 * 2.0 + 4.0 * 2.0 + 4.0;
/// The message box's height until the user drags the split: about three lines, so the history
/// gets most of the window (the tutorial split it in half).
pub(crate) const DEFAULT_MESSAGE_HEIGHT: f32 = 64.0;
const MIN_BOX_HEIGHT: f32 = 40.0;
/// The strip between the history and the message box that is dragged to resize them.
const SPLIT_HEIGHT: f32 = 8.0;
/// Width of the 保存到： field.
const SAVE_PATH_WIDTH: f32 = 130.0;
/// Narrower than this a path field shows too little to be worth its room: a few characters,
/// enough to see that a path is there and to scroll through it.
const MIN_SAVE_PATH_WIDTH: f32 = 24.0;

/// The part of a window both windows share. Reach it through `ServerWindow::pane` /
/// `ClientWindow::pane_mut` to type a message or read the notice as a person would see them.
#[derive(Debug)]
pub struct Pane {
    pub(crate) lang: Lang,
    /// The window's session: its connections and its history live there, off the UI thread.
    pub(crate) session: Session,
    /// The `--log` file, if any (only to say in the banner that old lines are in it).
    logging: bool,
    /// 保存历史 is writing in the background; its progress is shown.
    saving: Option<PathBuf>,
    pub(crate) message: String,
    pub(crate) encoding: TextEncoding,
    /// 十六进制发送: the message is hex text (`48 65 6C`, `0x48,0x65`) for the bytes to send.
    pub(crate) hex_send: bool,
    /// 十六进制显示: received bytes are shown as hex, one line per read.
    pub(crate) hex_view: bool,
    /// A short problem shown in red in the status bar (e.g. a bad port), cleared on success.
    pub(crate) notice: Option<String>,
    /// Where 保存历史 writes; empty means a new file in the current directory.
    pub(crate) save_path: String,
    /// A scroll position asked for from outside (benchmarks, tests): the history shows this
    /// display row at the top in the next frame.
    scroll_to_row: Option<usize>,
    pub(crate) side: Side,
    focus_message: bool,
    /// 行尾, 校验, 定时发送, 发送文件, 常用指令 and Up / Down recall.
    pub(crate) tools: SendTools,
    /// 分帧: how what arrives is cut into history entries.
    pub(crate) framing: crate::framing::FramingChoice,
    /// 时间戳: how each row shows its time.
    pub(crate) times: crate::rows::TimeStyle,
    /// 自动回复: the rules and their panel.
    pub(crate) replies: crate::replies::Replies,
    /// 抓包 writes here, while it runs.
    pub(crate) capturing: Option<PathBuf>,
    /// 速率: the live rate graph.
    pub(crate) graph: crate::rate_graph::RateGraph,
    /// 搜索: the search row.
    pub(crate) search: crate::search_bar::SearchBar,
    /// 自动换行: long rows wrap at the edge of the history (else it scrolls sideways).
    pub(crate) wrap: bool,
    /// Height of the 发送的信息 box; the history takes the rest. Dragged at the split.
    pub(crate) message_height: f32,
    /// Which tab of its kind this is (1 for the window's own), so that two servers in one
    /// window keep their widgets apart.
    tab: usize,
}

impl Pane {
    /// 自动换行 and the split as remembered (a height of 0: the default).
    pub(crate) fn with_layout(mut self, wrap: bool, message_height: u32) -> Self {
        self.wrap = wrap;
        if message_height > 0 {
            self.message_height = message_height as f32;
        }
        self
    }

    /// The message box's height as remembered.
    pub(crate) fn remembered_message_height(&self) -> u32 {
        self.message_height.round().max(0.0) as u32
    }

    pub(crate) fn new(
        runtime: &Handle,
        side: Side,
        lang: Lang,
        encoding: TextEncoding,
        limits: HistoryLimits,
    ) -> Self {
        let view = View::text(encoding);
        let session = Session::spawn(runtime, SessionConfig::window(view, limits, None));
        Pane {
            lang,
            session,
            logging: false,
            saving: None,
            message: String::new(),
            encoding,
            hex_send: false,
            hex_view: false,
            notice: None,
            save_path: String::new(),
            scroll_to_row: None,
            wrap: true,
            message_height: DEFAULT_MESSAGE_HEIGHT,
            tab: 1,
            side,
            focus_message: false,
            tools: SendTools::default(),
            framing: crate::framing::FramingChoice::default(),
            times: crate::rows::TimeStyle::default(),
            replies: crate::replies::Replies::default(),
            capturing: None,
            graph: crate::rate_graph::RateGraph::default(),
            search: crate::search_bar::SearchBar::default(),
        }
    }

    /// "server" or "client": keeps ids of the two windows apart in one process.
    pub(crate) fn side_name(&self) -> &'static str {
        match self.side {
            Side::Server => "server",
            Side::Client => "client",
        }
    }

    /// Starts with 十六进制发送 and 十六进制显示 ticked or not (remembered between runs).
    pub(crate) fn with_hex(mut self, hex_send: bool, hex_view: bool) -> Self {
        self.hex_send = hex_send;
        self.hex_view = hex_view;
        self.sync_view();
        self
    }

    /// Tells the session how bytes are shown now (it applies to those arriving after).
    fn sync_view(&mut self) {
        let framing = self.framing.framing(self.hex_view, self.lang);
        self.session.set_view(View {
            encoding: self.encoding,
            hex: self.hex_view,
            framing,
        });
    }

    /// Copies every history entry to `log`.
    pub(crate) fn set_log(&mut self, log: Option<SharedLog>) {
        self.logging = log.is_some();
        self.session.set_log(log);
    }

    /// How many bytes of history stay in memory; what falls out goes to the spool (and the
    /// log), and 保存历史 still writes it.
    pub fn set_history_limit(&mut self, max_bytes: usize) {
        self.session.set_limits(HistoryLimits { max_bytes });
    }

    /// Shows display row `row` of the history at the top in the next frame, and stops
    /// following new rows (as if the user had scrolled there). For benchmarks and tests.
    pub fn scroll_history_to_row(&mut self, row: usize) {
        self.scroll_to_row = Some(row);
    }

    /// Replaces the text in 发送的信息, as if typed.
    pub fn set_message(&mut self, text: &str) {
        self.message = text.to_string();
    }

    /// The text in 发送的信息 (kept when a send was refused).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The problem shown in red in the status bar, if any.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Sets where 保存历史 writes (the 保存到： field).
    pub fn set_save_path(&mut self, path: &str) {
        self.save_path = path.to_string();
    }

    /// Whether 保存历史 is writing in the background.
    pub fn is_saving(&self) -> bool {
        self.saving.is_some()
    }

    /// Whether 十六进制发送 is ticked.
    pub fn hex_send(&self) -> bool {
        self.hex_send
    }

    /// Ticks 十六进制显示 or not.
    pub fn set_hex_view(&mut self, hex: bool) {
        self.hex_view = hex;
    }

    /// Whether 十六进制显示 is ticked.
    pub fn hex_view(&self) -> bool {
        self.hex_view
    }

    pub(crate) fn id(&self, what: &str) -> Id {
        Id::unique((self.side_name(), self.tab, what))
    }

    /// Ctrl+L clears the history (as 清空), Ctrl+S saves it (as 保存历史), Ctrl+Shift+C copies
    /// it all (as 复制全部): the keys of terminals and editors, for keyboard-only use.
    fn history_shortcuts(&mut self, ui: &mut Ui) {
        use egui::{Key, Modifiers};
        let (clear, save, copy) = ui.input_mut(|input| {
            (
                input.consume_key(Modifiers::COMMAND, Key::L),
                input.consume_key(Modifiers::COMMAND, Key::S),
                input.consume_key(Modifiers::COMMAND | Modifiers::SHIFT, Key::C),
            )
        });
        if clear {
            self.session.clear_history();
        }
        if save {
            self.save_history();
        }
        if copy {
            self.copy_all(ui);
        }
    }

    /// Makes this the `n`th session of its kind in a window (see [`crate::tabs`]).
    pub(crate) fn set_tab(&mut self, n: usize) {
        self.tab = n;
    }

    /// The history as this window shows it, read under the session's lock: hold it briefly.
    pub fn history(&self) -> HistoryView<'_> {
        HistoryView {
            shared: self.session.shared().lock(),
            side: self.side,
            lang: self.lang,
            times: self.times,
        }
    }

    /// A problem: in the history and in red in the status bar.
    pub(crate) fn problem(&mut self, text: String) {
        self.session.note(Notice::Text(text.clone()));
        self.notice = Some(text);
    }

    /// A problem the session has already recorded: only shown in red.
    pub(crate) fn show_problem(&mut self, text: String) {
        self.notice = Some(text);
    }

    /// What the window shows of the session's events that both windows have (saving, the
    /// log); returns the event if it is not one of those.
    pub(crate) fn on_event(&mut self, event: SessionEvent) -> Option<SessionEvent> {
        let lang = self.lang;
        match event {
            SessionEvent::SaveProgress { .. } => {}
            SessionEvent::Saved { .. } => {
                self.saving = None;
                self.notice = None;
            }
            SessionEvent::SaveFailed { path, error } => {
                self.saving = None;
                self.notice = Some(lang.save_failed(&path, &error));
            }
            SessionEvent::Exported { .. } => self.notice = None,
            SessionEvent::ExportFailed { path, error } => {
                self.notice = Some(lang.capture_failed(&format!("{}: {error}", path.display())));
            }
            SessionEvent::CaptureFailed { error } => {
                self.capturing = None;
                self.notice = Some(lang.capture_failed(&error));
            }
            SessionEvent::LogFailed { error } => {
                self.logging = false;
                self.notice = Some(format!("{}{error}", lang.texts().log_failed));
            }
            other => return self.on_job_event(other),
        }
        None
    }

    /// After a send: the input is emptied and keeps (or gets back) the focus.
    pub(crate) fn message_sent(&mut self) {
        self.message.clear();
        self.focus_message = true;
    }

    /// Keeps the focus in the input (e.g. after the send button took it).
    pub(crate) fn refocus_message(&mut self) {
        self.focus_message = true;
    }

    /// At the start of a frame: the session may wake the window again.
    pub(crate) fn begin_frame(&mut self) {
        self.session.begin_frame();
    }

    /// At the end of a frame: the session hears of a changed encoding or hex view.
    pub(crate) fn end_frame(&mut self) {
        self.sync_view();
    }

    /// 保存历史 (as if clicked): the session writes the whole session in the background, also what is no
    /// longer in memory, and the history says where when it is done.
    pub fn save_history(&mut self) {
        if self.saving.is_some() {
            return;
        }
        let typed = self.save_path.trim();
        let path = if typed.is_empty() {
            default_save_path(self.side, SystemTime::now())
        } else {
            let path = PathBuf::from(typed);
            std::path::absolute(&path).unwrap_or(path)
        };
        self.saving = Some(path.clone());
        self.session.save_history(path);
    }

    /// 复制全部: what is in memory, and a word about what is not.
    fn copy_all(&mut self, ui: &Ui) {
        let (text, rows, evicted) = {
            let history = self.history();
            (history.to_text(), history.len(), history.evicted().rows)
        };
        ui.ctx().copy_text(text);
        let text = self.lang.copied(rows, evicted);
        self.session.note(Notice::Text(text));
    }

    /// Draws 历史信息 and 发送的信息, sharing the height left above the send row.
    pub(crate) fn show_boxes(&mut self, ui: &mut Ui, to: Option<Target>) -> InputAction {
        self.take_picked();
        self.saved_shortcuts(ui, to);
        self.search_shortcut(ui);
        self.history_shortcuts(ui);
        let texts = self.lang.texts();
        let label_height =
            ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
        let (evicted, spool_error, saving) = {
            let shared = self.session.shared().lock();
            let transcript = shared.transcript();
            let error = transcript.spool_error().map(str::to_string);
            (transcript.evicted(), error, shared.saving())
        };
        let banner = (evicted.rows > 0).then(|| {
            self.lang
                .not_in_memory(evicted.rows, evicted.bytes, self.logging)
        });
        let lost = spool_error.map(|why| {
            self.lang
                .history_lost(evicted.lost_rows, evicted.lost_bytes, &why)
        });
        let banners = usize::from(banner.is_some())
            + usize::from(lost.is_some())
            + usize::from(self.search.open);
        let chrome = 2.0 * (label_height + GROUP_CHROME + ui.spacing().item_spacing.y)
            + banners as f32 * label_height;
        let tools = Pane::tool_rows_height(ui);
        let both = (ui.available_height() - SEND_ROW - tools - chrome - SPLIT_HEIGHT)
            .max(2.0 * MIN_BOX_HEIGHT);
        let message_height = self
            .message_height
            .clamp(MIN_BOX_HEIGHT, both - MIN_BOX_HEIGHT);
        let history_height = both - message_height;

        let mut save = false;
        let mut copy = false;
        let save_path_id = self.id("save-path");
        ui.horizontal(|ui| {
            ui.label(texts.history);
            let tick = egui::Checkbox::new(&mut self.hex_view, texts.hex_view);
            ui.add(tick).on_hover_text(texts.hex_view_hint);
            self.display_options(ui);
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                let small = |text: &str| egui::Button::new(RichText::new(text).small());
                if ui.add(small(texts.clear)).on_hover_text("Ctrl+L").clicked() {
                    self.session.clear_history();
                }
                copy = ui
                    .add(small(texts.copy_all))
                    .on_hover_text("Ctrl+Shift+C")
                    .clicked();
                if let (Some(progress), Some(_)) = (saving, &self.saving) {
                    ui.add(
                        egui::ProgressBar::new(progress.fraction())
                            .desired_width(60.0)
                            .show_percentage(),
                    )
                    .on_hover_text(texts.save_history);
                    ui.ctx()
                        .request_repaint_after(std::time::Duration::from_millis(100));
                } else {
                    save = ui
                        .add(small(texts.save_history))
                        .on_hover_text("Ctrl+S")
                        .clicked();
                }
                self.export_menu(ui);
                // 保存到 and its field take what the row has left. When that is too little for
                // both (the default width, a long translation) the label gives way and the field
                // says what it is in its hint, its tooltip and its accessible name, rather than
                // the label drawing over the controls on the left.
                let save_to = RichText::new(texts.save_to).small();
                let label_width = egui::WidgetText::from(save_to.clone())
                    .into_galley(
                        ui,
                        Some(egui::TextWrapMode::Extend),
                        f32::INFINITY,
                        egui::TextStyle::Small,
                    )
                    .size()
                    .x;
                let spacing = ui.spacing().item_spacing.x;
                let spare = ui.available_width() - spacing;
                let labelled = spare - label_width - spacing >= MIN_SAVE_PATH_WIDTH;
                let field_width = if labelled {
                    spare - label_width - spacing
                } else {
                    spare
                };
                if field_width >= MIN_SAVE_PATH_WIDTH {
                    let hint = if labelled {
                        texts.hint_save_path
                    } else {
                        texts.save_to
                    };
                    let field = egui::TextEdit::singleline(&mut self.save_path)
                        .id(save_path_id)
                        .hint_text(RichText::new(hint).small())
                        .font(egui::TextStyle::Small)
                        .desired_width(field_width.min(SAVE_PATH_WIDTH));
                    let mut response = ui.add(field).on_hover_text(format!(
                        "{} {}",
                        texts.save_to,
                        if self.save_path.is_empty() {
                            texts.hint_save_path
                        } else {
                            &self.save_path
                        }
                    ));
                    if labelled {
                        let label = ui.label(save_to);
                        response = response.labelled_by(label.id);
                    } else {
                        response = response.accessible_name(texts.save_to);
                    }
                    if response.lost_focus()
                        && ui.input(|input| input.key_pressed(egui::Key::Enter))
                    {
                        save = true;
                    }
                }
            });
        });
        if save {
            self.save_history();
        }
        if copy {
            self.copy_all(ui);
        }
        self.search_row(ui);
        if let Some(banner) = &banner {
            ui.add(egui::Label::new(RichText::new(banner).small()).truncate())
                .on_hover_text(banner);
        }
        if let Some(lost) = &lost {
            ui.add(
                egui::Label::new(
                    RichText::new(lost)
                        .small()
                        .color(ui.visuals().error_fg_color),
                )
                .truncate(),
            )
            .on_hover_text(lost);
        }
        let history_id = format!("{}-{}-history", self.side_name(), self.tab);
        let scroll_to_row = self.scroll_to_row.take();
        widgets::group_box(ui, |ui| {
            ui.set_width(ui.available_width());
            widgets::history_view(
                ui,
                &history_id,
                self.session.shared(),
                widgets::HistoryLook {
                    side: self.side,
                    lang: self.lang,
                    times: self.times,
                    wrap: self.wrap,
                },
                history_height,
                scroll_to_row,
                self.search.open && self.search.only_matches,
            );
        });

        if let Some(height) = widgets::split_handle(
            ui,
            self.id("split"),
            message_height,
            (MIN_BOX_HEIGHT, both - MIN_BOX_HEIGHT),
            self.lang.layout_texts().split,
        ) {
            self.message_height = height;
        }
        let label = ui
            .horizontal(|ui| {
                let label = ui.label(texts.message);
                ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                    let tick = egui::Checkbox::new(&mut self.hex_send, texts.hex_send);
                    ui.add(tick).on_hover_text(texts.hex_send_hint);
                    self.send_options(ui);
                });
                label
            })
            .inner;
        let hint = if self.hex_send {
            texts.hint_hex
        } else {
            texts.hint_message
        };
        let message_id = self.id("message");
        let action = widgets::group_box(ui, |ui| {
            let size = Vec2::new(ui.available_width(), message_height);
            egui::ScrollArea::vertical()
                .id_salt(self.id("message-scroll"))
                .max_height(message_height)
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    widgets::message_input(ui, message_id, &mut self.message, &label, hint, size)
                })
                .inner
        });
        if self.focus_message {
            self.focus_message = false;
            ui.memory_mut(|memory| memory.request_focus(message_id));
        }
        if let Some(step) = action.recall {
            self.recall(step);
        }
        self.tool_rows(ui, to);
        action
    }

    /// The 常用指令 panel at the window's right edge, when it is open. Call before the
    /// central panel.
    pub(crate) fn saved_side_panel(&mut self, ui: &mut Ui, to: Option<Target>) {
        self.replies_side_panel(ui);
        if !self.tools.show_saved {
            return;
        }
        egui::Panel::right(self.id("saved-panel"))
            .resizable(true)
            .default_size(crate::sending::SAVED_PANEL_WIDTH)
            .min_size(160.0)
            .show(ui, |ui| self.saved_panel(ui, to));
    }

    /// [收 12.3 KB/5 发 300 B/2]: bytes / messages each way; a click shows or hides the rate
    /// graph (which has 计数清零).
    fn counters(&mut self, ui: &mut Ui) {
        let totals = self.session.shared().lock().totals();
        let lang = self.lang;
        let button = egui::Button::new(RichText::new(lang.totals(&totals)).small())
            .selected(self.graph.show);
        if ui
            .add(button)
            .on_hover_text(lang.totals_detail(&totals))
            .clicked()
        {
            self.graph.show = !self.graph.show;
        }
    }

    /// The status bar: 连接状态： and its icon, then `middle` (progress, counts), the last
    /// problem in red, and on the right the encoding and language selectors.
    pub(crate) fn status_bar(
        &mut self,
        ui: &mut Ui,
        connected: bool,
        middle: impl FnOnce(&mut Ui),
    ) {
        // The right part's width from the last frame, to push it against the right edge while
        // keeping each label before its selector.
        let right_id = self.id("status-right-width");
        let right_width: f32 = ui.data(|data| data.get_temp(right_id)).unwrap_or(230.0);
        ui.horizontal(|ui| {
            ui.label(self.lang.texts().status);
            widgets::status_icon(ui, connected, self.lang);
            middle(ui);
            // A problem needs the room more: the counters give way while one is shown.
            if self.notice.is_none() {
                self.counters(ui);
            }
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
                            egui::Label::new(
                                RichText::new(notice).color(ui.visuals().error_fg_color),
                            )
                            .truncate(),
                        )
                        .on_hover_text(notice);
                    },
                );
            }
            ui.add_space((ui.available_width() - right_width).max(0.0));
            let right = ui.horizontal(|ui| {
                let mut encoding = self.encoding;
                let id = format!("{}-{}-encoding", self.side_name(), self.tab);
                widgets::encoding_selector(ui, &id, self.lang, &mut encoding);
                self.encoding = encoding;
                let mut lang = self.lang;
                widgets::language_selector(
                    ui,
                    &format!("{}-{}-lang", self.side_name(), self.tab),
                    &mut lang,
                );
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

//! Drawing the sending tools. Every control gets its label as its accessible name (a label
//! before a field is tied to it with `labelled_by`), so tests and screen readers find them by
//! the words on screen.

use egui::{Key, RichText, Ui};
use tcptalk_core::{Checksum, LineEnd};
use tcptalk_session::{JobStatus, Target};

use super::Picked;
use crate::pane::Pane;

/// Width of the 常用指令 panel.
pub(crate) const SAVED_PANEL_WIDTH: f32 = 240.0;
/// A window at least this wide keeps its size when 常用指令 opens.
const WIDE_ENOUGH: f32 = 820.0;
/// Width of the 间隔 and 次数 fields.
const NUMBER_WIDTH: f32 = 56.0;
const SHORTCUT_KEYS: [Key; 9] = [
    Key::Num1,
    Key::Num2,
    Key::Num3,
    Key::Num4,
    Key::Num5,
    Key::Num6,
    Key::Num7,
    Key::Num8,
    Key::Num9,
];

impl Pane {
    /// [常用指令] [☐转义]: drawn right to left in the row above the box, left of 十六进制发送.
    pub(crate) fn send_options(&mut self, ui: &mut Ui) {
        let texts = self.lang.send_texts();
        if !self.hex_send {
            let tick = egui::Checkbox::new(&mut self.tools.escapes, texts.escapes);
            ui.add(tick).on_hover_text(texts.escapes_hint);
        }
        let saved = egui::Button::new(texts.saved_commands).selected(self.tools.show_saved);
        if ui.add(saved).on_hover_text(texts.saved_hint).clicked() {
            self.toggle_saved_panel(ui.ctx());
        }
        let replies = self.lang.reply_texts();
        let button = egui::Button::new(replies.auto_reply).selected(self.replies.show);
        if ui
            .add(button)
            .on_hover_text(replies.auto_reply_hint)
            .clicked()
        {
            self.replies.show = !self.replies.show;
        }
    }

    /// Opens or closes 常用指令. Opening widens a narrow window by the panel's width (and
    /// closing gives that back), so the rest of the window keeps its room.
    fn toggle_saved_panel(&mut self, ctx: &egui::Context) {
        self.tools.show_saved = !self.tools.show_saved;
        let size = ctx.input(|input| input.viewport().inner_rect.map(|rect| rect.size()));
        let Some(size) = size else { return };
        let grow = egui::vec2(SAVED_PANEL_WIDTH, 0.0);
        if self.tools.show_saved && size.x < WIDE_ENOUGH {
            self.tools.widened = true;
            ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(size + grow));
        } else if !self.tools.show_saved && std::mem::take(&mut self.tools.widened) {
            ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(size - grow));
        }
    }

    /// 行尾 [无▼] 校验 [无▼]
    fn framing_row(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        let texts = lang.send_texts();
        let label = ui.label(texts.line_end);
        let mut line_end = self.tools.line_end;
        egui::ComboBox::from_id_salt(self.id("line-end"))
            .selected_text(lang.line_end_name(line_end))
            .width(100.0)
            .show_ui(ui, |ui| {
                for choice in LineEnd::ALL {
                    ui.selectable_value(&mut line_end, choice, lang.line_end_name(choice));
                }
            })
            .response
            .labelled_by(label.id)
            .on_hover_text(texts.line_end_hint);
        self.tools.line_end = line_end;
        let label = ui.label(texts.checksum);
        let mut checksum = self.tools.checksum;
        egui::ComboBox::from_id_salt(self.id("checksum"))
            .selected_text(lang.checksum_name(checksum))
            .width(130.0)
            .show_ui(ui, |ui| {
                for choice in Checksum::ALL {
                    ui.selectable_value(&mut checksum, choice, lang.checksum_name(choice));
                }
            })
            .response
            .labelled_by(label.id)
            .on_hover_text(texts.checksum_hint);
        self.tools.checksum = checksum;
    }

    /// Height of [`Pane::tool_rows`], for the layout.
    pub(crate) fn tool_rows_height(ui: &Ui) -> f32 {
        3.0 * (ui.spacing().interact_size.y + ui.spacing().item_spacing.y) + 4.0
    }

    /// 行尾 [无▼] 校验 [无▼]
    /// 定时发送 间隔(毫秒)[1000] 次数[  ] [开始] 已发送 N 次
    /// 文件：[path] [浏览…] [发送文件] (or the progress and 取消发送)
    ///
    /// `to` is where sending goes now (`None`: nobody to send to).
    pub(crate) fn tool_rows(&mut self, ui: &mut Ui, to: Option<Target>) {
        let lang = self.lang;
        let texts = lang.send_texts();
        let (periodic, file) = {
            let shared = self.session.shared().lock();
            let periodic = self.tools.periodic.and_then(|job| match shared.job(job) {
                Some(JobStatus::Periodic(status)) => Some(status.clone()),
                _ => None,
            });
            let file = self.tools.file_job.and_then(|job| match shared.job(job) {
                Some(JobStatus::File(status)) => Some(status.clone()),
                _ => None,
            });
            (periodic, file)
        };
        let running = self.tools.periodic.is_some();
        ui.horizontal(|ui| self.framing_row(ui));
        ui.horizontal(|ui| {
            ui.label(RichText::new(texts.periodic).strong())
                .on_hover_text(texts.periodic_hint);
            let label = ui.label(texts.every_ms);
            let id = self.id("every");
            let field = egui::TextEdit::singleline(&mut self.tools.every_text)
                .id(id)
                .desired_width(NUMBER_WIDTH);
            ui.add_enabled(!running, field).labelled_by(label.id);
            let label = ui.label(texts.count);
            let id = self.id("count");
            let field = egui::TextEdit::singleline(&mut self.tools.count_text)
                .id(id)
                .hint_text(texts.count_hint)
                .desired_width(NUMBER_WIDTH);
            ui.add_enabled(!running, field).labelled_by(label.id);
            if running {
                if ui.button(texts.stop_periodic).clicked() {
                    self.stop_periodic();
                }
                if let Some(status) = &periodic {
                    let text = lang.periodic_status(
                        status.sent,
                        status.count,
                        status.paused_on.as_deref(),
                    );
                    ui.label(text);
                }
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_millis(100));
            } else {
                let button = ui.add_enabled(to.is_some(), egui::Button::new(texts.start_periodic));
                if button.clicked()
                    && let Some(to) = to
                {
                    self.start_periodic(to);
                }
            }
        });
        ui.horizontal(|ui| {
            let label = ui.label(texts.file);
            // While it runs, the bar's own text (bytes, rate, time left) is its name.
            if let Some(status) = &file {
                let progress = status.progress();
                let bar = egui::ProgressBar::new(progress.fraction().unwrap_or(0.0))
                    .text(lang.file_progress(&progress))
                    .desired_width((ui.available_width() - 90.0).max(80.0));
                ui.add(bar);
                if ui.button(texts.cancel_file).clicked() {
                    self.cancel_file();
                }
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_millis(100));
                return;
            }
            let sending = self.tools.file_job.is_some();
            let buttons = 2.0 * 80.0;
            let id = self.id("file-path");
            let field = egui::TextEdit::singleline(&mut self.tools.file_path)
                .id(id)
                .hint_text(texts.file_hint)
                .desired_width((ui.available_width() - buttons).max(60.0));
            ui.add_enabled(!sending, field).labelled_by(label.id);
            if ui.button(texts.browse).clicked() {
                self.pick(ui.ctx(), Picked::FileToSend, None);
            }
            let button =
                ui.add_enabled(to.is_some() && !sending, egui::Button::new(texts.send_file));
            if button.clicked()
                && let Some(to) = to
            {
                self.send_file(to);
            }
        });
    }

    /// The 常用指令 panel: each command a button that sends it, with its framing shown, and
    /// buttons to reorder, delete, add, import and export.
    pub(crate) fn saved_panel(&mut self, ui: &mut Ui, to: Option<Target>) {
        let lang = self.lang;
        let texts = lang.send_texts();
        // The toggle already says 常用指令; a heading with the same words would be a second
        // control of that name for a screen reader.
        ui.add_space(6.0);
        ui.label(RichText::new(texts.saved_hint).small());
        ui.horizontal(|ui| {
            let label = ui.label(texts.command_name);
            let id = self.id("command-name");
            let field = egui::TextEdit::singleline(&mut self.tools.command_name)
                .id(id)
                .desired_width(ui.available_width());
            ui.add(field).labelled_by(label.id);
        });
        if ui
            .button(texts.add_command)
            .on_hover_text(texts.add_command_hint)
            .clicked()
        {
            self.add_saved_command();
        }
        ui.separator();
        let commands = self.tools.book.commands();
        if commands.is_empty() {
            ui.label(RichText::new(texts.no_commands).weak());
        }
        let mut send = None;
        let mut shift = None;
        let mut delete = None;
        egui::ScrollArea::vertical()
            .id_salt(self.id("saved-list"))
            .max_height((ui.available_height() - 40.0).max(60.0))
            .show(ui, |ui| {
                for (index, command) in commands.iter().enumerate() {
                    ui.horizontal(|ui| {
                        let key = if index < SHORTCUT_KEYS.len() {
                            format!("{} ", index + 1)
                        } else {
                            String::new()
                        };
                        let button = egui::Button::new(format!("{key}{}", command.name));
                        let detail = describe(lang, &command.message);
                        if ui
                            .add_enabled(to.is_some(), button)
                            .on_hover_text(&detail)
                            .clicked()
                        {
                            send = Some(index);
                        }
                        let small = |text: &str| egui::Button::new(RichText::new(text).small());
                        if ui.add(small(texts.move_up)).clicked() {
                            shift = Some((index, -1));
                        }
                        if ui.add(small(texts.move_down)).clicked() {
                            shift = Some((index, 1));
                        }
                        if ui.add(small(texts.delete)).clicked() {
                            delete = Some(index);
                        }
                    });
                    ui.label(
                        RichText::new(describe(lang, &command.message))
                            .small()
                            .weak(),
                    );
                }
            });
        ui.separator();
        ui.horizontal(|ui| {
            if ui.button(texts.import).clicked() {
                self.pick(ui.ctx(), Picked::Import, None);
            }
            if ui.button(texts.export).clicked() {
                self.pick(ui.ctx(), Picked::Export, Some("commands.toml"));
            }
        });
        if let (Some(index), Some(to)) = (send, to) {
            self.send_saved(index, to);
        }
        if let Some((index, by)) = shift {
            self.tools.book.change(|book| book.shift(index, by));
        }
        if let Some(index) = delete {
            self.tools.book.change(|book| {
                if index < book.commands.len() {
                    book.commands.remove(index);
                }
            });
        }
    }

    /// Alt+1 … Alt+9 send saved commands 1 to 9.
    pub(crate) fn saved_shortcuts(&mut self, ui: &Ui, to: Option<Target>) {
        let Some(to) = to else { return };
        let pressed = ui.input_mut(|input| {
            SHORTCUT_KEYS
                .iter()
                .position(|&key| input.consume_key(egui::Modifiers::ALT, key))
        });
        if let Some(index) = pressed {
            self.send_saved(index, to);
        }
    }
}

/// `HEX · CRC-16/MODBUS · CRLF`: how a saved command is framed, under its name.
fn describe(lang: crate::Lang, message: &tcptalk_core::Message) -> String {
    let mut parts = vec![message.body.clone()];
    if message.format == tcptalk_core::BodyFormat::Hex {
        parts.push("HEX".into());
    }
    if message.checksum != Checksum::None {
        parts.push(lang.checksum_name(message.checksum).into());
    }
    if message.line_end != LineEnd::None {
        parts.push(lang.line_end_name(message.line_end).into());
    }
    let mut text = parts.join(" · ");
    if text.chars().count() > 60 {
        text = text.chars().take(57).collect::<String>() + "…";
    }
    text
}

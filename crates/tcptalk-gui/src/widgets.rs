//! Pieces both windows draw the same way: the status icon, the history view, the message
//! input, the selectors in the status bar.

use std::sync::Arc;

use egui::{
    Align, Color32, Galley, Id, Key, Layout, Modifiers, Response, RichText, ScrollArea, Sense,
    Stroke, TextEdit, TextStyle, TextWrapMode, Ui, Vec2, WidgetInfo, WidgetText,
};
use tcptalk_core::TextEncoding;

use crate::Lang;
use crate::rows::{Side, TimeStyle, row_text};

/// Side of the status icon, as the tutorial scales its pictures (20×20).
const ICON_SIZE: f32 = 20.0;

/// Qt-like colours: white text boxes with a grey border on a light grey window.
const BOX_FILL: Color32 = Color32::WHITE;
const BOX_STROKE: Color32 = Color32::from_gray(170);
const ERROR_TEXT: Color32 = Color32::from_rgb(190, 30, 30);

/// Light and framed like the tutorial's Qt widgets: text fields and buttons get a visible
/// grey border.
pub fn tutorial_style(style: &mut egui::Style) {
    let border = Stroke::new(1.0, BOX_STROKE);
    style.visuals.widgets.inactive.bg_stroke = border;
    style.visuals.widgets.noninteractive.bg_stroke = Stroke::new(1.0, Color32::from_gray(200));
    style.visuals.extreme_bg_color = BOX_FILL;
    style.visuals.error_fg_color = ERROR_TEXT;
}

/// The same framed look in the dark: boxes darker than the window, borders that show, and a
/// red that reads on dark grey.
pub fn tutorial_dark_style(style: &mut egui::Style) {
    style.visuals.widgets.inactive.bg_stroke = Stroke::new(1.0, Color32::from_gray(95));
    style.visuals.widgets.noninteractive.bg_stroke = Stroke::new(1.0, Color32::from_gray(75));
    style.visuals.extreme_bg_color = Color32::from_gray(18);
    style.visuals.error_fg_color = Color32::from_rgb(255, 110, 100);
}

/// Draws the tutorial's status picture: a red cross (nobody connected) or a green check.
/// Screen readers and tests read it as 已连接 / 未连接.
pub fn status_icon(ui: &mut Ui, connected: bool, lang: Lang) -> Response {
    let (rect, response) = ui.allocate_exact_size(Vec2::splat(ICON_SIZE), Sense::hover());
    let label = if connected {
        lang.texts().connected
    } else {
        lang.texts().not_connected
    };
    response.widget_info(|| WidgetInfo::labeled(egui::Role::Image, true, label));
    if ui.is_rect_visible(rect) {
        let painter = ui.painter();
        let r = rect.shrink(3.0);
        if connected {
            let stroke = Stroke::new(2.5, Color32::from_rgb(30, 150, 40));
            painter.line_segment(
                [
                    r.left_center() + Vec2::new(0.0, 1.0),
                    r.center_bottom() + Vec2::new(-2.0, -1.0),
                ],
                stroke,
            );
            painter.line_segment(
                [r.center_bottom() + Vec2::new(-2.0, -1.0), r.right_top()],
                stroke,
            );
        } else {
            let stroke = Stroke::new(2.5, Color32::from_rgb(210, 30, 30));
            painter.line_segment([r.left_top(), r.right_bottom()], stroke);
            painter.line_segment([r.right_top(), r.left_bottom()], stroke);
        }
    }
    response.on_hover_text(label)
}

/// Width of `text` in the body font, for lining up labels and buttons.
pub fn text_width(ui: &Ui, text: &str) -> f32 {
    WidgetText::from(text)
        .into_galley(
            ui,
            Some(TextWrapMode::Extend),
            f32::INFINITY,
            TextStyle::Body,
        )
        .size()
        .x
}

/// One row of a field that fills what is left and controls flush right (`端口：[8899][TCP]
/// [启动服务器]`), laid out left to right so that Tab and a screen reader meet the field before
/// the buttons, as they are read. (A right-to-left layout would register the buttons first.)
///
/// `field` gets the width to give the field; the controls' width is known only once they are
/// drawn, so it is remembered under `id` and a changed width redraws the frame before it is shown.
pub fn field_then_controls<R>(
    ui: &mut Ui,
    id: Id,
    field: impl FnOnce(&mut Ui, f32) -> R,
    controls: impl FnOnce(&mut Ui),
) -> R {
    let remembered: Option<f32> = ui.data(|data| data.get_temp(id));
    let gap = ui.spacing().item_spacing.x;
    let field_width = (ui.available_width() - remembered.unwrap_or(0.0) - gap).max(24.0);
    let result = field(ui, field_width);
    let width = ui.horizontal(controls).response.rect.width();
    if remembered.is_none_or(|old| (old - width).abs() > 0.5) {
        ui.data_mut(|data| data.insert_temp(id, width));
        ui.ctx()
            .request_discard("the controls right of a field changed width");
    }
    result
}

/// Height of one history row: the taller of Latin and Chinese text in the body font.
fn row_height(ui: &Ui) -> f32 {
    WidgetText::from("国Ag")
        .into_galley(
            ui,
            Some(TextWrapMode::Extend),
            f32::INFINITY,
            TextStyle::Body,
        )
        .size()
        .y
        .max(ui.text_style_height(&TextStyle::Body))
}

/// A titled box like the tutorial's QGroupBox: the title above, a framed area below.
pub fn group_box<R>(ui: &mut Ui, add: impl FnOnce(&mut Ui) -> R) -> R {
    egui::Frame::group(ui.style())
        .inner_margin(8.0)
        .show(ui, |ui| {
            egui::Frame::new()
                .fill(ui.visuals().extreme_bg_color)
                .stroke(ui.visuals().widgets.inactive.bg_stroke)
                .inner_margin(4.0)
                .show(ui, add)
                .inner
        })
        .inner
}

/// How the history shows its rows.
#[derive(Debug, Clone, Copy)]
pub struct HistoryLook {
    pub side: Side,
    pub lang: Lang,
    pub times: TimeStyle,
    /// Long rows wrap at the box's edge; otherwise they run on and the box scrolls sideways.
    pub wrap: bool,
}

/// The history view: every row selectable and copyable, only visible rows drawn, and it
/// follows new rows unless the user scrolled up. `scroll_to_row` puts that display row at the
/// top (and stops following) for benchmarks and tests.
///
/// The history is the session's, shared: it is locked once to count the rows and once to copy
/// the text of those on screen, never while laying them out. With `only_matches`, the rows are
/// the first rows of the entries the search found (the others are hidden, not dropped).
pub fn history_view(
    ui: &mut Ui,
    id: &str,
    history: &tcptalk_session::SharedState,
    look: HistoryLook,
    height: f32,
    scroll_to_row: Option<usize>,
    only_matches: bool,
) {
    let row_height = row_height(ui);
    let rows = {
        let shared = history.lock();
        match (only_matches, shared.search()) {
            (true, Some(search)) => search.matches.len(),
            _ => shared.transcript().row_count(),
        }
    };
    ui.set_min_height(height);
    let area = if look.wrap {
        ScrollArea::vertical()
    } else {
        ScrollArea::both()
    };
    let mut area = area
        .id_salt(id)
        .auto_shrink([false, false])
        .max_height(height)
        .stick_to_bottom(scroll_to_row.is_none());
    let step = row_height + ui.spacing().item_spacing.y;
    if let Some(row) = scroll_to_row {
        area = area.vertical_scroll_offset(row as f32 * step);
    }
    if look.wrap {
        area.show_viewport(ui, |ui, viewport| {
            wrapped_rows(ui, history, look, only_matches, rows, step, viewport);
        });
        return;
    }
    area.show_rows(ui, row_height, rows, |ui, range| {
        ui.spacing_mut().item_spacing.x = 0.0;
        let texts = visible_texts(history, look, only_matches, range);
        for text in &texts {
            let label = egui::Label::new(text.as_str())
                .selectable(true)
                .wrap_mode(TextWrapMode::Extend);
            ui.allocate_ui_with_layout(
                Vec2::new(ui.available_width(), row_height),
                Layout::left_to_right(Align::Center),
                |ui| ui.add(label),
            );
        }
    });
}

/// The text of display rows `range`, copied under one short lock.
fn visible_texts(
    history: &tcptalk_session::SharedState,
    look: HistoryLook,
    only_matches: bool,
    range: std::ops::Range<usize>,
) -> Vec<String> {
    let shared = history.lock();
    let transcript = shared.transcript();
    let matches = shared.search().filter(|_| only_matches);
    range
        .filter_map(|index| {
            let index = match matches {
                Some(search) => transcript.row_of_entry(*search.matches.get(index)?)?,
                None => index,
            };
            let row = transcript.row(index)?;
            let mut text = String::new();
            row_text(look.side, look.lang, look.times, &row, &mut text);
            Some(text)
        })
        .collect()
}

/// Wrapped rows differ in height, and measuring a million of them to place the scroll bar is
/// what a frame cannot afford. So the scroll bar counts rows (each `step` tall), as a terminal's
/// scrollback does: the row at the top of the view is the one the bar points at, drawn with
/// the rows after it at their wrapped heights. At the bottom the view is laid out from the
/// last row up, so the newest row is always whole, however much it wraps.
fn wrapped_rows(
    ui: &mut Ui,
    history: &tcptalk_session::SharedState,
    look: HistoryLook,
    only_matches: bool,
    rows: usize,
    step: f32,
    viewport: egui::Rect,
) {
    let content = ui.max_rect();
    let gap = ui.spacing().item_spacing.y;
    let width = ui.available_width().max(40.0);
    let fits = (viewport.height() / step).ceil() as usize + 1;
    let lay_out = |ui: &Ui, range: std::ops::Range<usize>| -> Vec<(Arc<Galley>, f32)> {
        visible_texts(history, look, only_matches, range)
            .into_iter()
            .map(|text| {
                let galley = WidgetText::from(text).into_galley(
                    ui,
                    Some(TextWrapMode::Wrap),
                    width,
                    TextStyle::Body,
                );
                let height = galley.size().y.max(step - gap);
                (galley, height)
            })
            .collect()
    };
    // The newest rows are measured in every frame: how much taller than `step` each they are
    // makes the content taller, so that the oldest of them can be scrolled to.
    let tail_start = rows.saturating_sub(fits);
    let tail = lay_out(ui, tail_start..rows);
    let tail_height: f32 = tail.iter().map(|(_, height)| height + gap).sum();
    let excess = (tail_height - tail.len() as f32 * step).max(0.0);
    let full = rows as f32 * step + excess;
    ui.set_min_height(full);
    let at_bottom = viewport.max.y >= full - step * 0.5;
    if at_bottom {
        if tail_start == 0 && tail_height <= viewport.height() {
            return place_rows(ui, content, &tail, 0.0, gap);
        }
        let mut top = full.max(viewport.max.y);
        let mut start = tail.len();
        while start > 0 && top > viewport.min.y {
            start -= 1;
            top -= tail[start].1 + gap;
        }
        return place_rows(ui, content, &tail[start..], top, gap);
    }
    let first = ((viewport.min.y / step).floor().max(0.0) as usize).min(rows);
    let shown = lay_out(ui, first..(first + fits).min(rows));
    place_rows(ui, content, &shown, first as f32 * step, gap);
}

fn place_rows(ui: &mut Ui, content: egui::Rect, rows: &[(Arc<Galley>, f32)], mut y: f32, gap: f32) {
    for (galley, height) in rows {
        let rect = egui::Rect::from_min_size(
            content.left_top() + Vec2::new(0.0, y),
            Vec2::new(content.width(), *height),
        );
        let builder = egui::UiBuilder::new()
            .max_rect(rect)
            .layout(Layout::left_to_right(Align::Min));
        ui.scope_builder(builder, |ui| {
            ui.add(egui::Label::new(galley.clone()).selectable(true))
        });
        y += height + gap;
    }
}

/// The strip between the history and the message box: drag it (or focus it with Tab and press
/// Up / Down) to give one more room and the other less. Returns the message box's new height
/// when it moved. `name` is what a screen reader says.
pub fn split_handle(
    ui: &mut Ui,
    id: Id,
    below: f32,
    (least, most): (f32, f32),
    name: &str,
) -> Option<f32> {
    let size = Vec2::new(ui.available_width(), 8.0);
    let (_, rect) = ui.allocate_space(size);
    let response = ui.interact(rect, id, Sense::click_and_drag());
    response.widget_info(|| WidgetInfo::labeled(egui::Role::Splitter, true, name));
    let mut height = below;
    if response.dragged() {
        height -= response.drag_delta().y;
    }
    if response.has_focus() {
        // Up / Down move the split, not the focus to the widget above or below (egui's
        // default for arrow keys), so each press is one more line.
        ui.memory_mut(|memory| {
            let keep = egui::EventFilter {
                vertical_arrows: true,
                ..Default::default()
            };
            memory.set_focus_lock_filter(response.id, keep);
        });
        let step = ui.text_style_height(&TextStyle::Body);
        ui.input(|input| {
            if input.key_pressed(Key::ArrowUp) {
                height += step;
            }
            if input.key_pressed(Key::ArrowDown) {
                height -= step;
            }
        });
    }
    let hot = response.hovered() || response.dragged() || response.has_focus();
    if hot {
        ui.ctx().set_cursor_icon(egui::CursorIcon::ResizeRow);
    }
    let stroke = if hot {
        ui.visuals().widgets.active.fg_stroke
    } else {
        ui.visuals().widgets.noninteractive.bg_stroke
    };
    let y = rect.center().y;
    let grip = rect.center().x;
    ui.painter()
        .hline((grip - 20.0)..=(grip + 20.0), y - 1.5, stroke);
    ui.painter()
        .hline((grip - 20.0)..=(grip + 20.0), y + 1.5, stroke);
    let height = height.clamp(least, most.max(least));
    (height != below).then_some(height)
}

/// What the message input asked for this frame.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct InputAction {
    /// Enter was pressed in the input: send.
    pub send: bool,
    /// Up or Down in a one-line message: bring back an earlier (or later) one.
    pub recall: Option<crate::sending::RecallStep>,
}

/// The multi-line message input: Enter sends, Shift+Enter starts a new line.
pub fn message_input(
    ui: &mut Ui,
    id: Id,
    text: &mut String,
    label: &Response,
    hint: &str,
    size: Vec2,
) -> InputAction {
    let has_focus = ui.memory(|memory| memory.has_focus(id));
    let send = has_focus && ui.input_mut(take_enter_keys);
    // Like a shell: Up and Down walk through earlier messages, unless the message has several
    // lines to move between.
    let recall = (has_focus && !text.contains('\n'))
        .then(|| {
            ui.input_mut(|input| {
                if input.consume_key(Modifiers::NONE, Key::ArrowUp) {
                    Some(crate::sending::RecallStep::Older)
                } else if input.consume_key(Modifiers::NONE, Key::ArrowDown) {
                    Some(crate::sending::RecallStep::Newer)
                } else {
                    None
                }
            })
        })
        .flatten();
    let edit = TextEdit::multiline(text)
        .id(id)
        .hint_text(RichText::new(hint).weak())
        .return_key(egui::KeyboardShortcut::new(Modifiers::SHIFT, Key::Enter))
        .frame(egui::Frame::NONE)
        .desired_width(f32::INFINITY);
    ui.add_sized(size, edit).labelled_by(label.id);
    InputAction { send, recall }
}

/// Takes a plain Enter (send) out of this frame's input, and turns Ctrl+Enter into
/// Shift+Enter, so both start a new line in the input.
fn take_enter_keys(input: &mut egui::InputState) -> bool {
    let mut send = false;
    input.events.retain_mut(|event| {
        let egui::Event::Key {
            key: Key::Enter,
            pressed,
            modifiers,
            ..
        } = event
        else {
            return true;
        };
        if modifiers.is_none() {
            send |= *pressed;
            return false;
        }
        if modifiers.command && !modifiers.shift {
            *modifiers = Modifiers::SHIFT;
        }
        true
    });
    send
}

/// The encoding selector: how received bytes are decoded and sent text encoded.
pub fn encoding_selector(ui: &mut Ui, id: &str, lang: Lang, encoding: &mut TextEncoding) {
    let label = ui.label(lang.texts().encoding);
    egui::ComboBox::from_id_salt(id)
        .selected_text(encoding_name(*encoding))
        .width(70.0)
        .show_ui(ui, |ui| {
            for choice in TextEncoding::ALL {
                ui.selectable_value(encoding, choice, encoding_name(choice));
            }
        })
        .response
        .labelled_by(label.id);
}

/// "GBK" is the name people with GBK devices look for; GB18030 is its superset.
pub fn encoding_name(encoding: TextEncoding) -> &'static str {
    match encoding {
        TextEncoding::Utf8 => "UTF-8",
        TextEncoding::Gb18030 => "GBK",
    }
}

/// 主题：跟随系统 / 浅色 / 深色, for the whole process (both windows share one context). Drawn
/// in a right-to-left layout: the selector first, so that its label ends up before it.
pub fn theme_selector_right_to_left(ui: &mut Ui, id: &str, lang: Lang) {
    use egui::ThemePreference;
    let texts = lang.layout_texts();
    let name = |choice: ThemePreference| match choice {
        ThemePreference::System => texts.theme_system,
        ThemePreference::Light => texts.theme_light,
        ThemePreference::Dark => texts.theme_dark,
    };
    let mut choice = ui.ctx().options(|options| options.theme_preference);
    let before = choice;
    let selector = egui::ComboBox::from_id_salt(id)
        .selected_text(name(choice))
        .width(70.0)
        .show_ui(ui, |ui| {
            for option in [
                ThemePreference::System,
                ThemePreference::Light,
                ThemePreference::Dark,
            ] {
                ui.selectable_value(&mut choice, option, name(option));
            }
        })
        .response;
    let label = ui.label(texts.theme);
    selector.labelled_by(label.id);
    if choice != before {
        ui.ctx().set_theme(choice);
    }
}

/// The language selector.
pub fn language_selector(ui: &mut Ui, id: &str, lang: &mut Lang) {
    let label = ui.label(lang.texts().language);
    egui::ComboBox::from_id_salt(id)
        .selected_text(lang.name())
        .width(70.0)
        .show_ui(ui, |ui| {
            for choice in [Lang::Zh, Lang::En] {
                ui.selectable_value(lang, choice, choice.name());
            }
        })
        .response
        .labelled_by(label.id);
}

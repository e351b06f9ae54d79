//! Pieces both windows draw the same way: the status icon, the history view, the message
//! input, the selectors in the status bar.

use egui::{
    Align, Color32, Id, Key, Layout, Modifiers, Response, RichText, ScrollArea, Sense, Stroke,
    TextEdit, TextStyle, TextWrapMode, Ui, Vec2, WidgetInfo, WidgetText,
};
use tcptalk_core::TextEncoding;

use crate::Lang;
use crate::rows::{Side, TimeStyle, row_text};

/// Side of the status icon, as the tutorial scales its pictures (20×20).
const ICON_SIZE: f32 = 20.0;

/// Qt-like colours: white text boxes with a grey border on a light grey window.
pub const BOX_FILL: Color32 = Color32::WHITE;
pub const BOX_STROKE: Color32 = Color32::from_gray(170);
pub const ERROR_TEXT: Color32 = Color32::from_rgb(190, 30, 30);

/// Light and framed like the tutorial's Qt widgets: text fields and buttons get a visible
/// grey border.
pub fn tutorial_style(style: &mut egui::Style) {
    let border = Stroke::new(1.0, BOX_STROKE);
    style.visuals.widgets.inactive.bg_stroke = border;
    style.visuals.widgets.noninteractive.bg_stroke = Stroke::new(1.0, Color32::from_gray(200));
    style.visuals.extreme_bg_color = BOX_FILL;
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
                .fill(BOX_FILL)
                .stroke(Stroke::new(1.0, BOX_STROKE))
                .inner_margin(4.0)
                .show(ui, add)
                .inner
        })
        .inner
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
    (side, lang, times): (Side, Lang, TimeStyle),
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
    let mut area = ScrollArea::both()
        .id_salt(id)
        .auto_shrink([false, false])
        .max_height(height)
        .stick_to_bottom(scroll_to_row.is_none());
    if let Some(row) = scroll_to_row {
        let step = row_height + ui.spacing().item_spacing.y;
        area = area.vertical_scroll_offset(row as f32 * step);
    }
    area.show_rows(ui, row_height, rows, |ui, range| {
        ui.spacing_mut().item_spacing.x = 0.0;
        let texts: Vec<String> = {
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
                    row_text(side, lang, times, &row, &mut text);
                    Some(text)
                })
                .collect()
        };
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
        .hint_text(RichText::new(hint).color(Color32::from_gray(160)))
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

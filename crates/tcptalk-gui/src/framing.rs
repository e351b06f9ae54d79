//! 分帧 / Framing: how the history cuts what arrives into entries (and what auto-reply rules
//! see). A display choice only: the bytes on the wire and in a save stay as they came.
//!
//! 自动 / Auto keeps the tutorial's behaviour: text split at line ends, hex one entry per read.
//! The other choices are the session's framings; an idle gap, a delimiter and a length header
//! take their value from a small field next to the menu, checked before it applies.

use std::time::Duration;

use egui::Ui;
use tcptalk_core::{Framing, LengthPrefix};

use crate::Lang;

/// Which framing the menu shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FramingKind {
    #[default]
    Auto,
    Line,
    Chunk,
    IdleGap,
    Delimiter,
    Length,
}

impl FramingKind {
    const ALL: [FramingKind; 6] = [
        FramingKind::Auto,
        FramingKind::Line,
        FramingKind::Chunk,
        FramingKind::IdleGap,
        FramingKind::Delimiter,
        FramingKind::Length,
    ];
}

/// The framing menu and its value fields.
#[derive(Debug, Clone)]
pub(crate) struct FramingChoice {
    pub(crate) kind: FramingKind,
    pub(crate) idle_ms: String,
    pub(crate) delimiter: String,
    /// `len:2be`-style, as the terminal's `--framing len:…` takes it.
    pub(crate) length: String,
    /// The framing in force (the last valid one).
    applied: Framing,
    /// Why the typed value is not used, if it is not.
    pub(crate) problem: Option<String>,
    /// The value field has the focus: what is typed applies when the user leaves it, so
    /// typing `500` does not re-frame at 5 and at 50 on the way.
    editing: bool,
}

impl Default for FramingChoice {
    fn default() -> Self {
        FramingChoice {
            kind: FramingKind::Auto,
            idle_ms: "50".into(),
            delimiter: "0D 0A".into(),
            length: "2be".into(),
            applied: Framing::Line,
            problem: None,
            editing: false,
        }
    }
}

impl FramingChoice {
    /// The framing for the session: `Auto` follows the hex view.
    pub(crate) fn framing(&mut self, hex: bool, lang: Lang) -> Framing {
        if self.editing {
            return self.applied.clone();
        }
        let wanted = match self.kind {
            FramingKind::Auto if hex => Ok(Framing::Chunk),
            FramingKind::Auto | FramingKind::Line => Ok(Framing::Line),
            FramingKind::Chunk => Ok(Framing::Chunk),
            FramingKind::IdleGap => match self.idle_ms.trim().parse::<u64>() {
                Ok(ms) if (1..=3_600_000).contains(&ms) => {
                    Ok(Framing::IdleGap(Duration::from_millis(ms)))
                }
                _ => Err(lang.bad_idle_gap(&self.idle_ms)),
            },
            FramingKind::Delimiter => match tcptalk_core::parse_hex(&self.delimiter) {
                Ok(bytes) if !bytes.is_empty() => Ok(Framing::Delimiter(bytes)),
                Ok(_) => Err(lang.bad_delimiter("")),
                Err(err) => Err(lang.bad_delimiter(&lang.hex_error(&err))),
            },
            FramingKind::Length => match format!("len:{}", self.length.trim()).parse() {
                Ok(framing @ Framing::LengthPrefixed(LengthPrefix { .. })) => Ok(framing),
                _ => Err(lang.bad_length(&self.length)),
            },
        };
        match wanted {
            Ok(framing) => {
                self.applied = framing;
                self.problem = None;
            }
            Err(why) => self.problem = Some(why),
        }
        self.applied.clone()
    }

    /// [分帧：自动 ▾]: a menu of the framings, the value field of the one chosen, and
    /// (below a line) `extra`, for the other display options.
    pub(crate) fn menu(
        &mut self,
        ui: &mut Ui,
        id: egui::Id,
        lang: Lang,
        extra: impl FnOnce(&mut Ui),
    ) {
        let title = lang.framing_menu_title(self.kind);
        // Stays open while choosing and typing the value; a click outside closes it.
        let config = egui::containers::menu::MenuConfig::new()
            .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside);
        let (button, _) = egui::containers::menu::MenuButton::new(title)
            .config(config)
            .ui(ui, |ui| {
                let mut kind = self.kind;
                for choice in FramingKind::ALL {
                    ui.selectable_value(&mut kind, choice, lang.framing_name(choice))
                        .on_hover_text(lang.framing_hint(choice));
                }
                self.kind = kind;
                self.value_field(ui, id, lang);
                ui.separator();
                extra(ui);
            });
        button.on_hover_text(
            self.problem
                .as_deref()
                .unwrap_or(lang.framing_hint(self.kind)),
        );
    }

    /// The value an idle gap, a delimiter or a length header needs, labelled by what it is.
    fn value_field(&mut self, ui: &mut Ui, id: egui::Id, lang: Lang) {
        let texts = lang.framing_texts();
        let (field, hint) = match self.kind {
            FramingKind::IdleGap => (&mut self.idle_ms, texts.idle_ms),
            FramingKind::Delimiter => (&mut self.delimiter, texts.delimiter),
            FramingKind::Length => (&mut self.length, texts.length),
            _ => {
                self.editing = false;
                return;
            }
        };
        ui.horizontal(|ui| {
            let label = ui.label(lang.framing_value_label(self.kind));
            let edit = egui::TextEdit::singleline(field)
                .id(id.with("value"))
                .desired_width(80.0);
            let color = if self.problem.is_some() {
                ui.visuals().error_fg_color
            } else {
                ui.visuals().text_color()
            };
            let response = ui
                .add(edit.text_color(color))
                .labelled_by(label.id)
                .on_hover_text(hint);
            self.editing = response.has_focus();
        });
        if let Some(problem) = &self.problem {
            ui.colored_label(ui.visuals().error_fg_color, problem);
        }
    }
}

impl crate::pane::Pane {
    /// [☑时间戳] [分帧：自动 ⏷]; the menu also holds 相对 (the time since the previous line).
    pub(crate) fn display_options(&mut self, ui: &mut Ui) {
        use crate::rows::TimeStyle;
        let texts = self.lang.framing_texts();
        let mut on = self.times != TimeStyle::Off;
        ui.checkbox(&mut on, texts.timestamps)
            .on_hover_text(texts.timestamps_hint);

        let mut relative = self.times == TimeStyle::SincePrevious;
        let id = self.id("framing");
        let lang = self.lang;
        let wrap = &mut self.wrap;
        self.framing.menu(ui, id, lang, |ui| {
            ui.checkbox(&mut relative, texts.relative)
                .on_hover_text(texts.relative_hint);
            let layout = lang.layout_texts();
            ui.checkbox(wrap, layout.wrap)
                .on_hover_text(layout.wrap_hint);
        });
        self.times = match (on, relative) {
            (false, _) => TimeStyle::Off,
            (true, false) => TimeStyle::Clock,
            (true, true) => TimeStyle::SincePrevious,
        };
    }

    /// Sets how 时间戳 shows times (as its tick boxes do).
    pub fn set_time_style(&mut self, times: crate::rows::TimeStyle) {
        self.times = times;
    }

    /// Picks 分帧 (with its value, for an idle gap `ms`, a delimiter in hex, or a length
    /// header such as `2be`), as in its menu and field.
    pub fn set_framing(&mut self, kind: crate::FramingKind, value: &str) {
        self.framing.kind = kind;
        match kind {
            crate::FramingKind::IdleGap => self.framing.idle_ms = value.to_string(),
            crate::FramingKind::Delimiter => self.framing.delimiter = value.to_string(),
            crate::FramingKind::Length => self.framing.length = value.to_string(),
            _ => {}
        }
    }

    /// Why the typed framing value is not used, if it is not.
    pub fn framing_problem(&self) -> Option<&str> {
        self.framing.problem.as_deref()
    }
}

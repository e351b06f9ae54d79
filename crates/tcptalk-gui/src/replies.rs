//! 自动回复 / Auto-reply: the window's rules, edited in a side panel, checked as they are
//! typed (a regex that does not compile is shown in red at its rule), applied by the session
//! to each frame of the current 分帧, and kept between runs in a TOML file (the format the
//! terminal's `--rules FILE` reads), written only when every rule is valid so a typo never
//! loses the file.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use egui::{RichText, Ui};
use tcptalk_session::{MatchKind, Rule, RuleBook};

use crate::pane::Pane;

const KINDS: [MatchKind; 5] = [
    MatchKind::Exact,
    MatchKind::Contains,
    MatchKind::Starts,
    MatchKind::Ends,
    MatchKind::Regex,
];

/// One rule as typed.
#[derive(Debug, Clone)]
pub(crate) struct RuleDraft {
    pub(crate) kind: MatchKind,
    pub(crate) pattern: String,
    pub(crate) reply: String,
    pub(crate) hex: bool,
    pub(crate) delay_ms: String,
    pub(crate) enabled: bool,
}

impl Default for RuleDraft {
    fn default() -> Self {
        RuleDraft {
            kind: MatchKind::Exact,
            pattern: String::new(),
            reply: String::new(),
            hex: false,
            delay_ms: "0".into(),
            enabled: true,
        }
    }
}

impl RuleDraft {
    fn from_rule(rule: &Rule) -> Self {
        RuleDraft {
            kind: rule.kind,
            pattern: rule.pattern.clone(),
            reply: rule.reply.clone(),
            hex: rule.hex,
            delay_ms: rule.delay.as_millis().to_string(),
            enabled: rule.enabled,
        }
    }

    fn compile(&self) -> Result<Rule, String> {
        let delay =
            self.delay_ms.trim().parse::<u64>().map_err(|_| {
                format!("delay '{}' is not whole milliseconds", self.delay_ms.trim())
            })?;
        let mut rule = Rule::new(
            self.kind,
            &self.pattern,
            &self.reply,
            self.hex,
            Duration::from_millis(delay),
        )?;
        rule.enabled = self.enabled;
        Ok(rule)
    }
}

/// The rules panel's state.
#[derive(Debug, Default)]
pub(crate) struct Replies {
    pub(crate) drafts: Vec<RuleDraft>,
    /// Why each draft does not compile, by index.
    problems: Vec<Option<String>>,
    /// What the session uses: the last book in which every rule compiled.
    book: Option<Arc<RuleBook>>,
    pub(crate) show: bool,
    /// To the one thread that writes the rules file, in order (the newest text wins).
    writer: Option<std::sync::mpsc::Sender<String>>,
}

/// The thread that keeps the rules file: it writes the newest text it has been sent, whole
/// (a new file renamed over the old one), so a crash or a burst of edits never leaves a file
/// that the next start refuses. A failure is only logged: the rules still work this run.
fn rules_writer(path: PathBuf) -> std::sync::mpsc::Sender<String> {
    let (sender, texts) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        while let Ok(mut text) = texts.recv() {
            while let Ok(newer) = texts.try_recv() {
                text = newer;
            }
            if let Some(folder) = path.parent() {
                let _ = std::fs::create_dir_all(folder);
            }
            let mut temp = path.as_os_str().to_owned();
            temp.push(".new");
            let written = std::fs::write(&temp, text).and_then(|()| std::fs::rename(&temp, &path));
            if let Err(err) = written {
                tracing::warn!(%err, path = %path.display(), "rules not saved");
            }
        }
    });
    sender
}

impl Pane {
    /// Keeps this window's rules in `path` (loaded now; a missing file is no rules).
    pub fn set_rules_file(&mut self, path: PathBuf) {
        match RuleBook::load(&path) {
            Ok(book) => {
                self.replies.drafts = book.rules.iter().map(RuleDraft::from_rule).collect();
                self.replies.writer = Some(rules_writer(path));
                self.apply_rules(false);
            }
            Err(tcptalk_session::RulesError::Read { .. }) if !path.exists() => {
                self.replies.writer = Some(rules_writer(path));
            }
            Err(error) => {
                let text = self.lang.rules_error(&error.to_string());
                self.show_problem(text);
            }
        }
    }

    /// Reads rules from a TOML file (the `--rules` format) in place of these.
    pub fn import_rules(&mut self, path: PathBuf) {
        match RuleBook::load(&path) {
            Ok(book) => {
                self.replies.drafts = book.rules.iter().map(RuleDraft::from_rule).collect();
                self.apply_rules(true);
                self.notice = None;
            }
            Err(error) => {
                let text = self.lang.rules_error(&error.to_string());
                self.problem(text);
            }
        }
    }

    /// Writes the rules in force to a TOML file.
    pub fn export_rules(&mut self, path: &std::path::Path) {
        let text = self
            .replies
            .book
            .as_ref()
            .map(|b| b.to_toml())
            .unwrap_or_default();
        if let Err(error) = std::fs::write(path, text) {
            let text = self
                .lang
                .rules_error(&format!("{}: {error}", path.display()));
            self.problem(text);
        }
    }

    /// Adds a rule, as 添加规则 and typing into its fields would.
    pub fn add_rule(
        &mut self,
        kind: MatchKind,
        pattern: &str,
        reply: &str,
        hex: bool,
        delay_ms: u64,
    ) {
        self.replies.drafts.push(RuleDraft {
            kind,
            pattern: pattern.into(),
            reply: reply.into(),
            hex,
            delay_ms: delay_ms.to_string(),
            enabled: true,
        });
        self.apply_rules(true);
    }

    /// How many times rule `index` has answered.
    pub fn rule_hits(&self, index: usize) -> Option<u64> {
        Some(self.replies.book.as_ref()?.rules.get(index)?.hits())
    }

    /// Why rule `index` is not used, if it is not.
    pub fn rule_problem(&self, index: usize) -> Option<&str> {
        self.replies.problems.get(index)?.as_deref()
    }

    /// Compiles the drafts; if every one is valid, the session uses them (and, with `save`,
    /// the file gets them). Otherwise the last valid rules stay in force.
    fn apply_rules(&mut self, save: bool) {
        let compiled: Vec<Result<Rule, String>> =
            self.replies.drafts.iter().map(RuleDraft::compile).collect();
        self.replies.problems = compiled.iter().map(|r| r.as_ref().err().cloned()).collect();
        if compiled.iter().any(Result::is_err) {
            return;
        }
        let rules = compiled.into_iter().filter_map(Result::ok).collect();
        let book = Arc::new(RuleBook { rules });
        let empty = book.rules.is_empty();
        self.session.set_rules((!empty).then(|| book.clone()));
        if save && let Some(writer) = &self.replies.writer {
            let _ = writer.send(book.to_toml());
        }
        self.replies.book = Some(book);
    }

    /// The 自动回复 panel at the window's right edge, when open. Call before the central panel.
    pub(crate) fn replies_side_panel(&mut self, ui: &mut Ui) {
        if !self.replies.show {
            return;
        }
        egui::Panel::right(self.id("replies-panel"))
            .resizable(true)
            .default_size(300.0)
            .min_size(200.0)
            .show(ui, |ui| self.replies_panel(ui));
    }

    fn replies_panel(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        let texts = lang.reply_texts();
        ui.add_space(6.0);
        ui.label(
            RichText::new(lang.rules_framing(&self.session.shared().lock().view().framing)).small(),
        );
        let mut changed = false;
        let mut delete = None;
        let hits: Vec<Option<u64>> = (0..self.replies.drafts.len())
            .map(|i| self.rule_hits(i))
            .collect();
        let base = self.id("rule");
        egui::ScrollArea::vertical()
            .id_salt(self.id("rules-list"))
            .max_height((ui.available_height() - 40.0).max(60.0))
            .show(ui, |ui| {
                for (index, draft) in self.replies.drafts.iter_mut().enumerate() {
                    let id = base.with(index);
                    ui.horizontal(|ui| {
                        // "规则 1": on or off, and the name its menu and field are read by.
                        let tick = ui.checkbox(&mut draft.enabled, lang.rule_name(index + 1));
                        changed |= tick.changed();
                        let mut kind = draft.kind;
                        egui::ComboBox::from_id_salt(id.with("kind"))
                            .selected_text(lang.match_kind(kind))
                            .width(60.0)
                            .show_ui(ui, |ui| {
                                for choice in KINDS {
                                    ui.selectable_value(&mut kind, choice, lang.match_kind(choice));
                                }
                            })
                            .response
                            .labelled_by(tick.id);
                        changed |= kind != draft.kind;
                        draft.kind = kind;
                        let field = egui::TextEdit::singleline(&mut draft.pattern)
                            .hint_text(texts.pattern)
                            .desired_width(ui.available_width());
                        changed |= ui
                            .add(field)
                            .labelled_by(tick.id)
                            .on_hover_text(texts.pattern)
                            .changed();
                    });
                    ui.horizontal(|ui| {
                        let label = ui.label(texts.reply);
                        let field =
                            egui::TextEdit::singleline(&mut draft.reply).desired_width(90.0);
                        changed |= ui.add(field).labelled_by(label.id).changed();
                        changed |= ui.checkbox(&mut draft.hex, texts.hex).changed();
                        let label = ui.label(texts.delay);
                        let field =
                            egui::TextEdit::singleline(&mut draft.delay_ms).desired_width(36.0);
                        changed |= ui.add(field).labelled_by(label.id).changed();
                        if let Some(Some(hits)) = hits.get(index) {
                            ui.label(lang.rule_hits(*hits));
                        }
                        if ui.small_button(texts.delete).clicked() {
                            delete = Some(index);
                        }
                    });
                    if let Some(Some(problem)) = self.replies.problems.get(index) {
                        ui.colored_label(ui.visuals().error_fg_color, problem);
                    }
                    ui.separator();
                }
            });
        if let Some(index) = delete {
            self.replies.drafts.remove(index);
            changed = true;
        }
        ui.horizontal(|ui| {
            if ui.button(texts.add).clicked() {
                self.replies.drafts.push(RuleDraft::default());
            }
            if ui.button(texts.import).clicked() {
                self.pick(ui.ctx(), crate::sending::Picked::ImportRules, None);
            }
            if ui.button(texts.export).clicked() {
                self.pick(
                    ui.ctx(),
                    crate::sending::Picked::ExportRules,
                    Some("rules.toml"),
                );
            }
        });
        if changed {
            self.apply_rules(true);
        }
        // The hit counters move while data arrives.
        ui.ctx().request_repaint_after(Duration::from_millis(500));
    }
}

//! The sending tools both windows have: line end (行尾), checksum (校验), escapes (转义),
//! periodic send (定时发送), send a file (发送文件), saved commands (常用指令) and Up / Down
//! recall of earlier messages. What each does lives in the session; here is only what the
//! window keeps (the fields a person fills in, which job is theirs) and how a click becomes a
//! session command.

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use tcptalk_core::{BodyFormat, Checksum, LineEnd, Message, Schedule};
use tcptalk_session::{CommandBook, JobId, JobStatus, SavedCommand, SessionEvent, Target};

use crate::pane::Pane;

mod ui;

pub(crate) use ui::SAVED_PANEL_WIDTH;

/// How many earlier messages Up / Down can bring back.
const RECALL_LIMIT: usize = 100;

/// The saved commands, shared by the windows of one process and kept in a file (when it has
/// one): every change is written at once, in the background.
#[derive(Debug, Clone, Default)]
pub struct SharedBook {
    book: Arc<Mutex<CommandBook>>,
    /// To the one thread that writes the file, in order (the newest book wins).
    writer: Option<mpsc::Sender<CommandBook>>,
    /// Problems writing the file, for the window to show.
    errors: Arc<Mutex<Vec<String>>>,
}

impl SharedBook {
    /// The book kept at `path` (loaded now; a missing file is an empty book). A file with a
    /// mistake is not overwritten: the book starts empty, in memory only, and says why.
    pub fn open(path: PathBuf) -> (SharedBook, Option<tcptalk_session::BookError>) {
        match CommandBook::load(&path) {
            Ok(book) => {
                let errors: Arc<Mutex<Vec<String>>> = Arc::default();
                let (writer, books) = mpsc::channel::<CommandBook>();
                let report = errors.clone();
                // Ends when the last SharedBook is dropped.
                std::thread::spawn(move || {
                    while let Ok(mut book) = books.recv() {
                        while let Ok(newer) = books.try_recv() {
                            book = newer;
                        }
                        if let Err(err) = book.save(&path) {
                            tracing::warn!(%err, "saved commands not written");
                            if let Ok(mut errors) = report.lock() {
                                errors.push(err.to_string());
                            }
                        }
                    }
                });
                let shared = SharedBook {
                    book: Arc::new(Mutex::new(book)),
                    writer: Some(writer),
                    errors,
                };
                (shared, None)
            }
            Err(err) => (SharedBook::default(), Some(err)),
        }
    }

    /// A copy of the commands now.
    pub fn commands(&self) -> Vec<SavedCommand> {
        self.lock().commands.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CommandBook> {
        self.book
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Changes the book and writes it (off the UI thread).
    pub(crate) fn change(&self, edit: impl FnOnce(&mut CommandBook)) {
        let copy = {
            let mut book = self.lock();
            edit(&mut book);
            book.clone()
        };
        if let Some(writer) = &self.writer {
            let _ = writer.send(copy);
        }
    }

    fn take_error(&self) -> Option<String> {
        self.errors.lock().ok().and_then(|mut errors| errors.pop())
    }
}

/// What a native file dialog chose, arriving from its own thread.
#[derive(Debug)]
pub(crate) enum Picked {
    FileToSend(PathBuf),
    Import(PathBuf),
    Export(PathBuf),
    ImportRules(PathBuf),
    ExportRules(PathBuf),
}

/// Up / Down through earlier messages, like a shell.
#[derive(Debug, Default)]
struct Recall {
    past: Vec<String>,
    /// Where Up has got to (an index into `past`), while browsing.
    at: Option<usize>,
    /// What was typed before browsing began, given back past the newest.
    draft: String,
}

/// The sending tools' state in one window.
#[derive(Debug)]
pub(crate) struct SendTools {
    pub(crate) line_end: LineEnd,
    pub(crate) checksum: Checksum,
    pub(crate) escapes: bool,
    pub(crate) every_text: String,
    pub(crate) count_text: String,
    pub(crate) periodic: Option<JobId>,
    pub(crate) file_path: String,
    pub(crate) file_job: Option<JobId>,
    pub(crate) book: SharedBook,
    pub(crate) command_name: String,
    pub(crate) show_saved: bool,
    /// Opening 常用指令 widened the window (closing it narrows it again).
    widened: bool,
    recall: Recall,
    picked_tx: mpsc::Sender<Picked>,
    picked: mpsc::Receiver<Picked>,
}

impl Default for SendTools {
    fn default() -> Self {
        let (picked_tx, picked) = mpsc::channel();
        SendTools {
            line_end: LineEnd::None,
            checksum: Checksum::None,
            escapes: false,
            every_text: "1000".into(),
            count_text: String::new(),
            periodic: None,
            file_path: String::new(),
            file_job: None,
            book: SharedBook::default(),
            command_name: String::new(),
            show_saved: false,
            widened: false,
            recall: Recall::default(),
            picked_tx,
            picked,
        }
    }
}

/// Which way Up / Down moves through earlier messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecallStep {
    Older,
    Newer,
}

impl Pane {
    /// The message in 发送的信息 as the tools frame it.
    pub(crate) fn typed_message(&self) -> Message {
        Message {
            body: self.message.clone(),
            format: if self.hex_send {
                BodyFormat::Hex
            } else {
                BodyFormat::Text
            },
            escapes: self.tools.escapes,
            line_end: self.tools.line_end,
            checksum: self.tools.checksum,
        }
    }

    /// 发送信息 to `to`: a mistake in the message sends nothing and says where; sent, the box
    /// is emptied and the message can be recalled with Up.
    pub(crate) fn send_typed(&mut self, to: Target) {
        let message = self.typed_message();
        if self.send_message(to, &message, true) {
            self.remember(message.body);
            self.message_sent();
        }
    }

    /// Sends `message` now; whether anyone got it. With `quiet_if_empty`, a message with no
    /// bytes (hex text of only separators) does nothing and says nothing, like an empty box.
    fn send_message(&mut self, to: Target, message: &Message, quiet_if_empty: bool) -> bool {
        let lang = self.lang;
        match self.session.send(to, message) {
            Ok(report) => {
                // The session recorded the failures; the last one is shown in red.
                match report.failed.last() {
                    Some((peer, error)) => self.show_problem(lang.send_failed(peer, error)),
                    None => self.notice = None,
                }
                report.sent > 0
            }
            Err(tcptalk_core::ComposeError::Empty) if quiet_if_empty => false,
            Err(error) => {
                self.problem(lang.compose_error(&error));
                false
            }
        }
    }

    fn remember(&mut self, text: String) {
        let recall = &mut self.tools.recall;
        recall.at = None;
        if recall.past.last() != Some(&text) {
            recall.past.push(text);
            if recall.past.len() > RECALL_LIMIT {
                recall.past.remove(0);
            }
        }
    }

    /// Up / Down in the message box: an earlier (or later) message replaces what is typed.
    pub fn recall(&mut self, step: RecallStep) {
        let recall = &mut self.tools.recall;
        if recall.past.is_empty() {
            return;
        }
        let at = match (step, recall.at) {
            (RecallStep::Older, None) => {
                recall.draft = self.message.clone();
                recall.past.len() - 1
            }
            (RecallStep::Older, Some(at)) => at.saturating_sub(1),
            (RecallStep::Newer, None) => return,
            (RecallStep::Newer, Some(at)) if at + 1 >= recall.past.len() => {
                recall.at = None;
                self.message = std::mem::take(&mut recall.draft);
                return;
            }
            (RecallStep::Newer, Some(at)) => at + 1,
        };
        recall.at = Some(at);
        self.message = recall.past[at].clone();
    }

    /// 定时发送 → 开始: the typed message to `to` on the timer the fields give.
    pub(crate) fn start_periodic(&mut self, to: Target) {
        let lang = self.lang;
        if self.tools.periodic.is_some() {
            return;
        }
        let schedule = match Schedule::parse(&self.tools.every_text, &self.tools.count_text) {
            Ok(schedule) => schedule,
            Err(error) => {
                self.problem(lang.schedule_error(&error));
                return;
            }
        };
        match self
            .session
            .start_periodic(to, &self.typed_message(), schedule)
        {
            Ok(job) => {
                self.tools.periodic = Some(job);
                self.notice = None;
            }
            Err(error) => self.problem(lang.compose_error(&error)),
        }
    }

    /// 定时发送 → 停止.
    pub fn stop_periodic(&mut self) {
        if let Some(job) = self.tools.periodic {
            self.session.stop_job(job);
        }
    }

    /// Whether a periodic send of this window runs.
    pub fn periodic_running(&self) -> bool {
        self.tools.periodic.is_some()
    }

    /// How many times the running periodic send has sent.
    pub fn periodic_sent(&self) -> Option<u64> {
        let job = self.tools.periodic?;
        match self.session.shared().lock().job(job) {
            Some(JobStatus::Periodic(status)) => Some(status.sent),
            _ => None,
        }
    }

    /// 发送文件: the file in the 文件： field to `to`.
    pub(crate) fn send_file(&mut self, to: Target) {
        let lang = self.lang;
        if self.tools.file_job.is_some() {
            return;
        }
        let typed = self.tools.file_path.trim();
        if typed.is_empty() {
            self.problem(lang.no_file_chosen().to_string());
            return;
        }
        let path = PathBuf::from(typed);
        self.notice = None;
        self.tools.file_job = Some(self.session.send_file(to, path));
    }

    /// 取消发送.
    pub fn cancel_file(&mut self) {
        if let Some(job) = self.tools.file_job {
            self.session.stop_job(job);
        }
    }

    /// Whether a file transfer of this window runs.
    pub fn file_sending(&self) -> bool {
        self.tools.file_job.is_some()
    }

    /// Sets the 文件： field, as if typed or chosen in the dialog.
    pub fn set_file_path(&mut self, path: &str) {
        self.tools.file_path = path.to_string();
    }

    /// Sets 间隔(毫秒) and 次数, as if typed.
    pub fn set_periodic_fields(&mut self, every_ms: &str, count: &str) {
        self.tools.every_text = every_ms.to_string();
        self.tools.count_text = count.to_string();
    }

    /// Chooses 行尾, as in its menu.
    pub fn set_line_end(&mut self, line_end: LineEnd) {
        self.tools.line_end = line_end;
    }

    /// Chooses 校验, as in its menu.
    pub fn set_checksum(&mut self, checksum: Checksum) {
        self.tools.checksum = checksum;
    }

    /// Ticks 转义 or not.
    pub fn set_escapes(&mut self, escapes: bool) {
        self.tools.escapes = escapes;
    }

    /// Uses `book` for 常用指令 (the app gives both windows the one kept in the config folder).
    pub fn set_command_book(&mut self, book: SharedBook) {
        self.tools.book = book;
    }

    /// Shows or hides the 常用指令 panel.
    pub fn show_saved_commands(&mut self, show: bool) {
        self.tools.show_saved = show;
    }

    /// The saved commands, in their order.
    pub fn saved_commands(&self) -> Vec<SavedCommand> {
        self.tools.book.commands()
    }

    /// 添加当前消息: the typed message, with its framing, saved under the name typed.
    pub(crate) fn add_saved_command(&mut self) {
        let lang = self.lang;
        let name = self.tools.command_name.trim().to_string();
        if name.is_empty() {
            self.problem(lang.command_needs_name().to_string());
            return;
        }
        let message = self.typed_message();
        let encoding = self.encoding;
        if let Err(error) = message.compose(encoding) {
            self.problem(lang.compose_error(&error));
            return;
        }
        self.tools
            .book
            .change(|book| book.commands.push(SavedCommand { name, message }));
        self.tools.command_name.clear();
        self.notice = None;
    }

    /// Sends saved command `index` (a click, or Alt+1…9).
    pub(crate) fn send_saved(&mut self, index: usize, to: Target) {
        if let Some(command) = self.tools.book.commands().get(index) {
            self.send_message(to, &command.message, false);
        }
    }

    /// Reads commands from a file a person wrote (or exported) and adds them after these.
    pub fn import_commands(&mut self, path: PathBuf) {
        let lang = self.lang;
        match CommandBook::load(&path) {
            Ok(more) => {
                let count = more.commands.len();
                self.tools.book.change(|book| book.extend(more));
                self.session
                    .note(tcptalk_session::Notice::Text(lang.imported(count, &path)));
                self.notice = None;
            }
            Err(error) => self.problem(lang.book_error(&error)),
        }
    }

    /// Writes the commands to a file; the history says so.
    pub fn export_commands(&mut self, path: PathBuf) {
        let lang = self.lang;
        let book = CommandBook {
            commands: self.tools.book.commands(),
        };
        match book.save(&path) {
            Ok(()) => {
                let text = lang.exported(book.commands.len(), &path);
                self.session.note(tcptalk_session::Notice::Text(text));
            }
            Err(error) => self.problem(lang.book_error(&error)),
        }
    }

    /// Opens a native file dialog on its own thread (the frame goes on); its choice arrives
    /// in a later frame.
    /// `save_as`: a save dialog with this file name, else an open dialog.
    pub(crate) fn pick(
        &self,
        ctx: &egui::Context,
        make: fn(PathBuf) -> Picked,
        save_as: Option<&'static str>,
    ) {
        let tx = self.tools.picked_tx.clone();
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let dialog = rfd::FileDialog::new();
            let chosen = match save_as {
                Some(name) => dialog
                    .add_filter("TOML", &["toml"])
                    .set_file_name(name)
                    .save_file(),
                None => dialog.pick_file(),
            };
            if let Some(path) = chosen {
                let _ = tx.send(make(path));
                ctx.request_repaint();
            }
        });
    }

    /// Applies what a dialog chose, and shows a problem writing the commands file.
    pub(crate) fn take_picked(&mut self) {
        while let Ok(picked) = self.tools.picked.try_recv() {
            match picked {
                Picked::FileToSend(path) => self.tools.file_path = path.display().to_string(),
                Picked::Import(path) => self.import_commands(path),
                Picked::Export(path) => self.export_commands(path),
                Picked::ImportRules(path) => self.import_rules(path),
                Picked::ExportRules(path) => self.export_rules(&path),
            }
        }
        if let Some(error) = self.tools.book.take_error() {
            let text = self.lang.book_error_text(&error);
            self.problem(text);
        }
    }

    /// The events of this window's jobs; returns those that are not.
    pub(crate) fn on_job_event(&mut self, event: SessionEvent) -> Option<SessionEvent> {
        let lang = self.lang;
        match event {
            SessionEvent::PeriodicEnded { job, .. } if self.tools.periodic == Some(job) => {
                self.tools.periodic = None;
            }
            SessionEvent::FileSent { job, .. } if self.tools.file_job == Some(job) => {
                self.tools.file_job = None;
            }
            SessionEvent::FileFailed { job, name, error } if self.tools.file_job == Some(job) => {
                self.tools.file_job = None;
                if !matches!(error, tcptalk_session::FileError::Cancelled { .. }) {
                    self.show_problem(lang.file_failed(&name, &error));
                }
            }
            SessionEvent::PeriodicPaused { .. }
            | SessionEvent::PeriodicResumed { .. }
            | SessionEvent::FileProgress { .. } => {}
            other => return Some(other),
        }
        None
    }
}

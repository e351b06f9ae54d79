//! 导出 / Export: what the session saw, as a `.pcap` so far or a live capture from now on, and
//! the raw bytes each connection received. The session writes them off the UI thread; the
//! window only picks the paths and shows the menu.

use std::path::PathBuf;
use std::time::SystemTime;

use egui::{RichText, Ui};
use tcptalk_session::Notice;

use crate::pane::Pane;

impl Pane {
    /// 抓包 / 停止抓包 (as if clicked): every read and send from now on goes to a `.pcap`
    /// (the 保存到： path if it ends in `.pcap`, else a new file in the current directory)
    /// until stopped; the history says where.
    pub fn toggle_capture(&mut self) {
        let lang = self.lang;
        if let Some(path) = self.capturing.take() {
            self.session.set_capture(None);
            self.session.note(Notice::Text(lang.capture_saved(&path)));
            return;
        }
        let typed = self.save_path.trim();
        let path = if typed.ends_with(".pcap") {
            PathBuf::from(typed)
        } else {
            crate::rows::default_capture_path(self.side, SystemTime::now())
        };
        let path = std::path::absolute(&path).unwrap_or(path);
        // Creating the file is quick; writing it is the session's, off this thread.
        match std::fs::File::create(&path) {
            Ok(file) => {
                self.session.set_capture(Some(file));
                self.session.note(Notice::Text(lang.capture_started(&path)));
                self.capturing = Some(path);
                self.notice = None;
            }
            Err(error) => {
                self.problem(lang.capture_failed(&format!("{}: {error}", path.display())))
            }
        }
    }

    /// [导出 ⏷]: the session so far as a `.pcap`, a live capture from now on, and the raw
    /// bytes each connection received.
    pub(crate) fn export_menu(&mut self, ui: &mut Ui) {
        let texts = self.lang.capture_texts();
        let peers: Vec<(tcptalk_session::PeerId, String)> = {
            let shared = self.session.shared().lock();
            let registry = shared.peers();
            registry
                .ids()
                .into_iter()
                .take(20)
                .filter_map(|id| Some((id, registry.label(id)?.to_string())))
                .collect()
        };
        let title = if self.capturing.is_some() {
            texts.menu_capturing
        } else {
            texts.menu
        };
        ui.menu_button(RichText::new(title).small(), |ui| {
            if ui
                .button(texts.export_pcap)
                .on_hover_text(texts.export_pcap_hint)
                .clicked()
            {
                self.export_pcap();
                ui.close();
            }
            let (word, hint) = match &self.capturing {
                Some(_) => (texts.stop, texts.stop_hint),
                None => (texts.start, texts.start_hint),
            };
            if ui.button(word).on_hover_text(hint).clicked() {
                self.toggle_capture();
                ui.close();
            }
            ui.separator();
            for (id, label) in &peers {
                if ui.button(self.lang.raw_of(label)).clicked() {
                    self.export_received(*id, label);
                    ui.close();
                }
            }
        });
    }

    /// 导出 pcap（到现在为止）: every read and send of the session so far, to the 保存到 path if
    /// it ends in `.pcap`, else a new file in the current directory.
    pub fn export_pcap(&mut self) {
        let typed = self.save_path.trim();
        let path = if typed.ends_with(".pcap") {
            PathBuf::from(typed)
        } else {
            crate::rows::default_capture_path(self.side, SystemTime::now())
        };
        let path = std::path::absolute(&path).unwrap_or(path);
        self.session.export(path, tcptalk_session::Export::Pcap);
    }

    /// 原始数据：the bytes `peer` sent, exactly, to a new file in the current directory.
    pub fn export_received(&mut self, peer: tcptalk_session::PeerId, label: &str) {
        let safe: String = label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let what = format!("raw-{safe}");
        let path = crate::rows::default_path(self.side, SystemTime::now(), &what, "bin");
        self.session
            .export(path, tcptalk_session::Export::Received(peer));
    }

    /// Where 抓包 writes, while it runs.
    pub fn capture_path(&self) -> Option<&std::path::Path> {
        self.capturing.as_deref()
    }
}

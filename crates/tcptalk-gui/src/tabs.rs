//! Several sessions in one window, as tabs: a second server on another port, a client to
//! another device, each with its own settings, history and session (what NetAssistant, sokit
//! and Packet Sender users keep open side by side).
//!
//! A window's first tab is the window itself (服务器 or 客户端, the tutorial's), remembered
//! between runs; tabs added with ＋ start from the defaults and are not remembered. Only the
//! tab shown is drawn; the others go on receiving in their sessions, off the UI thread, and
//! cost a frame nothing.

use std::path::PathBuf;

use egui::{Align, Layout, Ui, ViewportId};
use tokio::runtime::Handle;

use crate::Lang;
use crate::client::ClientWindow;
use crate::pacer::FramePacer;
use crate::sending::SharedBook;
use crate::server::ServerWindow;
use crate::settings::{SavedTab, Settings};
use tcptalk_session::SharedLog;

/// One session of a window.
#[derive(Debug)]
pub enum Page {
    Server(Box<ServerWindow>),
    Client(Box<ClientWindow>),
}

impl Page {
    fn show(&mut self, ui: &mut Ui) {
        match self {
            Page::Server(server) => server.show(ui),
            Page::Client(client) => client.show(ui),
        }
    }

    fn lang(&self) -> Lang {
        match self {
            Page::Server(server) => server.lang(),
            Page::Client(client) => client.lang(),
        }
    }

    fn set_lang(&mut self, lang: Lang) {
        match self {
            Page::Server(server) => server.set_lang(lang),
            Page::Client(client) => client.set_lang(lang),
        }
    }

    fn shutdown(&mut self) {
        match self {
            Page::Server(server) => server.shutdown(),
            Page::Client(client) => client.shutdown(),
        }
    }

    /// Makes a new page the `n`th of its kind in the window `setup` describes: drawn there,
    /// paced and logged with the others, sharing the saved commands, its own rules file.
    fn join(&mut self, setup: &TabSetup, n: usize) {
        let pane = match self {
            Page::Server(server) => {
                server.set_viewport(setup.viewport);
                server.set_pacer(setup.pacer.clone());
                server.set_log(setup.log.clone());
                server.pane_mut()
            }
            Page::Client(client) => {
                client.set_viewport(setup.viewport);
                client.set_pacer(setup.pacer.clone());
                client.set_log(setup.log.clone());
                client.pane_mut()
            }
        };
        pane.set_tab(n);
        if let Some(book) = &setup.book {
            pane.set_command_book(book.clone());
        }
        if let Some(folder) = &setup.rules_folder {
            let file = format!("{}-{n}-rules.toml", pane.side_name());
            pane.set_rules_file(folder.join(file));
        }
    }

    pub fn is_server(&self) -> bool {
        matches!(self, Page::Server(_))
    }

    /// What the tab says besides its name: where it listens, or that it is connected.
    fn state(&self) -> Option<String> {
        match self {
            Page::Server(server) => server.local_addr().map(|addr| format!(":{}", addr.port())),
            Page::Client(client) => client.is_connected().then(|| "●".to_string()),
        }
    }
}

/// What new tabs share with the window they open in.
#[derive(Debug, Clone)]
pub struct TabSetup {
    pub runtime: Handle,
    pub viewport: ViewportId,
    pub(crate) pacer: FramePacer,
    pub log: Option<SharedLog>,
    pub book: Option<SharedBook>,
    /// Where each tab's auto-reply rules are kept (`server-2-rules.toml` …).
    pub rules_folder: Option<PathBuf>,
}

impl TabSetup {
    /// New tabs on `runtime`, drawn in `viewport`, with nothing shared yet.
    pub fn new(runtime: Handle, viewport: ViewportId) -> Self {
        TabSetup {
            runtime,
            viewport,
            pacer: FramePacer::default(),
            log: None,
            book: None,
            rules_folder: None,
        }
    }
}

/// A window's sessions and which one is shown.
#[derive(Debug)]
pub struct SessionTabs {
    /// Each page with its number among the pages of its kind (服务器 1, 服务器 2 …).
    pages: Vec<(usize, Page)>,
    active: usize,
    /// Numbers already given, so a closed 服务器 2 is not followed by another 服务器 2.
    servers: usize,
    clients: usize,
    setup: TabSetup,
}

impl SessionTabs {
    pub fn new(first: Page, setup: TabSetup) -> Self {
        let (servers, clients) = if first.is_server() { (1, 0) } else { (0, 1) };
        SessionTabs {
            pages: vec![(1, first)],
            active: 0,
            servers,
            clients,
            setup,
        }
    }

    pub fn len(&self) -> usize {
        self.pages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    pub fn active(&self) -> usize {
        self.active
    }

    pub fn select(&mut self, index: usize) {
        if index < self.pages.len() {
            self.active = index;
        }
    }

    pub fn page(&self, index: usize) -> Option<&Page> {
        self.pages.get(index).map(|(_, page)| page)
    }

    pub fn page_mut(&mut self, index: usize) -> Option<&mut Page> {
        self.pages.get_mut(index).map(|(_, page)| page)
    }

    /// The window's own (first) page.
    pub fn first_mut(&mut self) -> &mut Page {
        &mut self.pages[0].1
    }

    pub fn first(&self) -> &Page {
        &self.pages[0].1
    }

    pub fn pages_mut(&mut self) -> impl Iterator<Item = &mut Page> {
        self.pages.iter_mut().map(|(_, page)| page)
    }

    /// The tab's name as the tab bar shows it: 服务器 2.
    pub fn name(&self, index: usize, lang: Lang) -> Option<String> {
        let (n, page) = self.pages.get(index)?;
        Some(lang.tab_name(page.is_server(), *n))
    }

    /// Opens a new session in a tab of its own and shows it.
    pub fn add(&mut self, server: bool, lang: Lang) {
        self.add_with(server, lang, &Settings::default());
    }

    fn add_with(&mut self, server: bool, lang: Lang, settings: &Settings) {
        let runtime = self.setup.runtime.clone();
        let (n, mut page) = if server {
            self.servers += 1;
            let window = ServerWindow::from_settings(runtime, lang, settings);
            (self.servers, Page::Server(Box::new(window)))
        } else {
            self.clients += 1;
            let window = ClientWindow::from_settings(runtime, lang, settings);
            (self.clients, Page::Client(Box::new(window)))
        };
        page.join(&self.setup, n);
        self.pages.push((n, page));
        self.active = self.pages.len() - 1;
    }

    /// Whether this is the server window's tab bar (its own first tab is a server).
    fn is_server_window(&self) -> bool {
        self.first().is_server()
    }

    /// The added tabs (all but the first), as they are remembered.
    pub fn saved(&self) -> Vec<SavedTab> {
        self.pages
            .iter()
            .skip(1)
            .map(|(_, page)| {
                let mut settings = Settings::default();
                match page {
                    Page::Server(server) => server.save(&mut settings),
                    Page::Client(client) => client.save(&mut settings),
                }
                SavedTab {
                    in_server_window: self.is_server_window(),
                    server: page.is_server(),
                    settings,
                }
            })
            .collect()
    }

    /// Opens again the tabs of `saved` that were in this window's tab bar; the first tab
    /// stays shown.
    pub fn restore(&mut self, saved: &[SavedTab], lang: Lang) {
        let mine = self.is_server_window();
        for tab in saved.iter().filter(|tab| tab.in_server_window == mine) {
            self.add_with(tab.server, lang, &tab.settings);
        }
        self.active = 0;
    }

    /// Ends the tab's session and removes it; the window's own first tab stays.
    pub fn close(&mut self, index: usize) {
        if index == 0 || index >= self.pages.len() {
            return;
        }
        let (_, mut page) = self.pages.remove(index);
        page.shutdown();
        if self.active >= index {
            self.active = self.active.saturating_sub(1);
        }
    }

    pub fn shutdown(&mut self) {
        for page in self.pages_mut() {
            page.shutdown();
        }
    }

    /// A language chosen in any tab, if it differs from `current`.
    pub fn changed_lang(&self, current: Lang) -> Option<Lang> {
        self.pages
            .iter()
            .map(|(_, page)| page.lang())
            .find(|lang| *lang != current)
    }

    pub fn set_lang(&mut self, lang: Lang) {
        for page in self.pages_mut() {
            page.set_lang(lang);
        }
    }

    /// The tab bar, then the tab shown.
    pub fn show(&mut self, ui: &mut Ui, lang: Lang) {
        let id = egui::Id::unique(("tabs", self.setup.viewport));
        egui::Panel::top(id).show(ui, |ui| self.tab_bar(ui, lang));
        self.keys(ui);
        if let Some((_, page)) = self.pages.get_mut(self.active) {
            page.show(ui);
        }
    }

    /// Ctrl+Tab / Ctrl+Shift+Tab go to the next / previous tab.
    fn keys(&mut self, ui: &Ui) {
        let count = self.pages.len();
        if count < 2 {
            return;
        }
        let (next, previous) = ui.input_mut(|input| {
            let previous = input.consume_key(
                egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
                egui::Key::Tab,
            );
            let next = input.consume_key(egui::Modifiers::COMMAND, egui::Key::Tab);
            (next, previous)
        });
        if next {
            self.active = (self.active + 1) % count;
        } else if previous {
            self.active = (self.active + count - 1) % count;
        }
    }

    fn tab_bar(&mut self, ui: &mut Ui, lang: Lang) {
        let texts = lang.layout_texts();
        let mut close = None;
        let mut add = None;
        ui.horizontal(|ui| {
            ui.label(texts.tabs);
            for index in 0..self.pages.len() {
                let Some(name) = self.name(index, lang) else {
                    continue;
                };
                let text = match self.pages[index].1.state() {
                    Some(state) => format!("{name} {state}"),
                    None => name.clone(),
                };
                let tab = ui.selectable_label(self.active == index, text);
                // Read as the tab's name, whatever its state says beside it, and as *selected*
                // (ARIA's aria-selected): a selectable label writes AccessKit's checked state,
                // which a screen reader reads as a checked toggle.
                tab.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Tab, true, &name));
                ui.ctx().accesskit_node_builder(tab.id, |node| {
                    node.clear_toggled();
                    node.set_selected(self.active == index);
                });
                if tab.clicked() {
                    self.active = index;
                }
                if index > 0 {
                    let button = ui.small_button("×").on_hover_text(texts.close_tab);
                    let label = format!("{} {name}", texts.close_tab);
                    button.widget_info(|| {
                        egui::WidgetInfo::labeled(egui::Role::Button, true, &label)
                    });
                    if button.clicked() {
                        close = Some(index);
                    }
                }
            }
            ui.menu_button(texts.new_session, |ui| {
                if ui.button(texts.new_server).clicked() {
                    add = Some(true);
                }
                if ui.button(texts.new_client).clicked() {
                    add = Some(false);
                }
            })
            .response
            .on_hover_text(texts.new_session_hint)
            .widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::Button, true, texts.new_session_hint)
            });
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                let id = format!("theme-{:?}", self.setup.viewport);
                crate::widgets::theme_selector_right_to_left(ui, &id, lang);
            });
        });
        if let Some(index) = close {
            self.close(index);
        }
        if let Some(server) = add {
            self.add(server, lang);
        }
    }
}

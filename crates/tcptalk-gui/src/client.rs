//! The client window (客户端): 服务器IP / 端口 with 连接服务器 / 断开连接, 历史信息,
//! 发送的信息, 发送信息, 连接状态.
//!
//! The two buttons are mutually exclusive as the tutorial's §6 wants, but driven by the
//! engine's events: 断开连接 is usable while connecting (it cancels) and while connected;
//! 连接服务器 only when neither. Typed input is checked before connecting, a failed connect
//! says why, and sending with nobody connected is explained instead of crashing.

use egui::{Align, Layout, Ui, Vec2, ViewportId};
use tcptalk_core::history::PeerRef;
use tcptalk_core::{parse_host, parse_port};
use tcptalk_net::{
    ByteCounts, ClientConfig, ClientHandle, CloseReason, Connection, Event, NetError, spawn_client,
};
use tokio::runtime::Handle;

use crate::engine::{Ingest, Ingested, LineBatch};
use crate::history::{History, Side};
use crate::pane::{Outgoing, Pane};
use crate::record::SharedLog;
use crate::settings::{DEFAULT_HOST, DEFAULT_PORT, Settings, parse_encoding};
use crate::widgets::text_width;
use crate::{Lang, engine};

/// One connection attempt and, if it succeeds, the connection.
#[derive(Debug)]
struct Session {
    handle: ClientHandle,
    ingest: Ingest,
    phase: Phase,
    /// `host:port` as typed, for history lines and the log.
    target: String,
    /// The same, registered in the history.
    peer: PeerRef,
    /// Bytes each way, once the connection has ended.
    final_counts: Option<ByteCounts>,
}

#[derive(Debug)]
enum Phase {
    Connecting,
    Connected(Connection),
}

/// The client window. Build it with [`ClientWindow::new`] and call [`ClientWindow::show`] in
/// each frame.
#[derive(Debug)]
pub struct ClientWindow {
    runtime: Handle,
    pane: Pane,
    host_text: String,
    port_text: String,
    session: Option<Session>,
    /// Sessions the user ended (断开连接) whose last events are still arriving: what they
    /// received before the end is still shown, nothing else.
    retiring: Vec<Session>,
    connect_on_start: bool,
    started: bool,
    viewport: ViewportId,
    /// Lines the last frame had no time for: (retiring session index or `None` for the
    /// current one, lines). Handled before any later message.
    carry: Option<(Option<usize>, LineBatch)>,
}

impl ClientWindow {
    /// A client window with the tutorial's 127.0.0.1 and 8899, engine work going to `runtime`.
    pub fn new(runtime: Handle, lang: Lang) -> Self {
        Self::from_settings(runtime, lang, &Settings::default())
    }

    /// A client window filled from remembered settings.
    pub fn from_settings(runtime: Handle, lang: Lang, settings: &Settings) -> Self {
        let or_default = |text: &str, default: &str| {
            if text.trim().is_empty() {
                default.to_string()
            } else {
                text.to_string()
            }
        };
        ClientWindow {
            runtime,
            pane: Pane::new(
                Side::Client,
                lang,
                parse_encoding(&settings.client_encoding),
                settings.history_limits(),
            )
            .with_hex(settings.client_hex_send, settings.client_hex_view),
            host_text: or_default(&settings.client_host, DEFAULT_HOST),
            port_text: or_default(&settings.client_port, DEFAULT_PORT),
            session: None,
            retiring: Vec::new(),
            connect_on_start: false,
            started: false,
            viewport: ViewportId::ROOT,
            carry: None,
        }
    }

    /// What both windows share: the message being typed, the notice, the history.
    pub fn pane(&self) -> &Pane {
        &self.pane
    }

    pub fn pane_mut(&mut self) -> &mut Pane {
        &mut self.pane
    }

    pub fn set_host(&mut self, host: &str) {
        self.host_text = host.to_string();
    }

    pub fn set_port(&mut self, port: u16) {
        self.port_text = port.to_string();
    }

    /// Starts connecting at the first frame, as if 连接服务器 had been clicked.
    pub fn connect_on_start(&mut self) {
        self.connect_on_start = true;
    }

    /// Copies every history entry to `log`.
    pub fn set_log(&mut self, log: Option<SharedLog>) {
        self.pane.recorder.set_log(log);
    }

    /// The viewport this window is drawn in, so engine events wake the right one.
    pub fn set_viewport(&mut self, viewport: ViewportId) {
        self.viewport = viewport;
    }

    pub fn lang(&self) -> Lang {
        self.pane.lang
    }

    pub fn set_lang(&mut self, lang: Lang) {
        self.pane.lang = lang;
    }

    pub fn history(&self) -> &History {
        self.pane.history()
    }

    pub fn is_connected(&self) -> bool {
        matches!(
            self.session,
            Some(Session {
                phase: Phase::Connected(_),
                ..
            })
        )
    }

    pub fn is_connecting(&self) -> bool {
        matches!(
            self.session,
            Some(Session {
                phase: Phase::Connecting,
                ..
            })
        )
    }

    /// Writes what should be remembered into `settings`.
    pub fn save(&self, settings: &mut Settings) {
        settings.client_host = self.host_text.clone();
        settings.client_port = self.port_text.clone();
        settings.client_encoding = self.pane.encoding.label().into();
        settings.client_hex_send = self.pane.hex_send;
        settings.client_hex_view = self.pane.hex_view;
    }

    /// Closes the connection (at exit, or when the window is closed).
    pub fn shutdown(&mut self) {
        if let Some(session) = &self.session {
            session.handle.cancel();
        }
    }

    /// Draws the window and handles what happened since the last frame.
    pub fn show(&mut self, ui: &mut Ui) {
        if !self.started {
            self.started = true;
            if self.connect_on_start {
                self.connect(ui.ctx());
            }
        }
        self.pane.begin_frame();
        self.handle_events(ui.ctx());

        let lang = self.pane.lang;
        let connected = self.is_connected();
        let connecting = self.is_connecting();
        let target = self.session.as_ref().map(|s| s.target.clone());
        let queued = match &self.session {
            Some(Session {
                phase: Phase::Connected(conn),
                ..
            }) => conn.queued_bytes(),
            _ => 0,
        };
        egui::Panel::bottom(self.pane.id("status")).show(ui, |ui| {
            self.pane.status_bar(ui, connected, |ui| {
                if connecting && let Some(target) = &target {
                    ui.spinner();
                    ui.label(lang.connecting(target));
                }
                if queued > 0 {
                    ui.label(
                        egui::RichText::new(lang.queued(queued)).color(crate::widgets::ERROR_TEXT),
                    );
                }
            });
        });
        egui::CentralPanel::default().show(ui, |ui| {
            self.top_grid(ui);
            let action = self.pane.show_boxes(ui);
            if action.send {
                self.send();
            }
            ui.add_space(4.0);
            ui.vertical_centered(|ui| {
                let button = ui
                    .add_enabled(connected, egui::Button::new(lang.texts().send))
                    .on_disabled_hover_text(lang.texts().send_disabled_client);
                if button.clicked() {
                    self.send();
                    self.pane.refocus_message();
                }
            });
        });
        if let Some(session) = &self.session {
            session.ingest.set_view(self.pane.view());
        }
        self.pane.end_frame();
    }

    /// 服务器IP：[127.0.0.1][连接服务器]
    /// 端口：    [8899     ][断开连接]
    fn top_grid(&mut self, ui: &mut Ui) {
        let texts = self.pane.lang.texts();
        let idle = self.session.is_none();
        let label_width = text_width(ui, texts.server_ip).max(text_width(ui, texts.port)) + 8.0;
        let padding = 2.0 * ui.spacing().button_padding.x;
        let button_width =
            text_width(ui, texts.connect).max(text_width(ui, texts.disconnect)) + padding + 8.0;
        let mut connect = false;
        let mut disconnect = false;
        let row = |ui: &mut Ui, label: &str, text: &mut String, id: &str, button: &str| {
            let mut clicked = false;
            let mut entered = false;
            ui.horizontal(|ui| {
                let label = ui.label(label);
                ui.add_space((label_width - label.rect.width()).max(0.0));
                ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                    let enabled = if button == texts.connect { idle } else { !idle };
                    clicked = ui
                        .add_enabled(
                            enabled,
                            egui::Button::new(button).min_size(Vec2::new(button_width, 0.0)),
                        )
                        .clicked();
                    let field = egui::TextEdit::singleline(text)
                        .id(self.pane.id(id))
                        .desired_width(ui.available_width());
                    let response = ui.add_enabled(idle, field).labelled_by(label.id);
                    entered = response.lost_focus()
                        && ui.input(|input| input.key_pressed(egui::Key::Enter));
                });
            });
            (clicked, entered)
        };
        let (clicked, entered) = row(
            ui,
            texts.server_ip,
            &mut self.host_text,
            "host",
            texts.connect,
        );
        connect |= clicked || (entered && idle);
        let (clicked, entered) = row(
            ui,
            texts.port,
            &mut self.port_text,
            "port",
            texts.disconnect,
        );
        disconnect |= clicked;
        connect |= entered && idle;
        if connect {
            self.connect(ui.ctx());
        } else if disconnect {
            self.disconnect();
        }
    }

    /// 连接服务器: checks what was typed, then asks the engine to connect.
    fn connect(&mut self, ctx: &egui::Context) {
        if self.session.is_some() {
            return;
        }
        let lang = self.pane.lang;
        let host = match parse_host(&self.host_text) {
            Ok(host) => host,
            Err(err) => {
                self.pane.problem(lang.bad_host(&lang.input_error(&err)));
                return;
            }
        };
        let port = match parse_port(&self.port_text, false) {
            Ok(port) => port,
            Err(err) => {
                self.pane.problem(lang.bad_port(&lang.input_error(&err)));
                return;
            }
        };
        self.pane.notice = None;
        let (sender, ingest) = engine::start(&self.runtime, ctx, self.viewport, self.pane.view());
        let target = host.with_port(port);
        let peer = self.pane.history_mut().add_peer(&target);
        let handle = spawn_client(
            &self.runtime,
            ClientConfig::new(host.as_lookup_str(), port),
            sender,
        );
        self.session = Some(Session {
            handle,
            ingest,
            phase: Phase::Connecting,
            target,
            peer,
            final_counts: None,
        });
    }

    /// 断开连接: closes the connection, or cancels connecting. The window is ready to connect
    /// again at once; the old connection's last events are still read.
    fn disconnect(&mut self) {
        let Some(session) = self.session.take() else {
            return;
        };
        session.handle.cancel();
        // Bytes of this session still waiting from the last frame now belong to it as a
        // retiring session.
        if let Some((index @ None, _)) = &mut self.carry {
            *index = Some(self.retiring.len());
        }
        let texts = self.pane.lang.texts();
        match session.phase {
            Phase::Connected(_) => self.pane.info(texts.connection_closed),
            Phase::Connecting => self.pane.info(texts.connect_cancelled),
        }
        self.retiring.push(session);
    }

    /// 发送信息: sends the whole message as one entry; an empty message does nothing.
    fn send(&mut self) {
        if self.pane.message.is_empty() {
            return;
        }
        let lang = self.pane.lang;
        let texts = lang.texts();
        let Some(Session {
            phase: Phase::Connected(conn),
            target,
            peer,
            ..
        }) = &self.session
        else {
            self.pane.problem(texts.nothing_sent_no_server.to_string());
            return;
        };
        let (peer, target) = (*peer, target.clone());
        let conn = conn.clone();
        let (data, shown) = match self.pane.outgoing() {
            Outgoing::Bytes { data, shown } => (data, shown),
            Outgoing::Nothing | Outgoing::Refused => return,
        };
        match conn.try_send(data) {
            Ok(()) => {
                self.pane.record_sent(peer, &shown);
                self.pane.notice = None;
                self.pane.message_sent();
            }
            Err(err) => {
                self.pane.problem(lang.send_failed(&target, &err));
            }
        }
    }

    /// Handles what the sessions delivered, a bounded amount per frame.
    fn handle_events(&mut self, ctx: &egui::Context) {
        let mut budget = engine::Budget::start();
        // A due eviction happens here, counted in this frame's budget.
        self.pane.history_mut().make_room();
        if let Some((index, lines)) = self.carry.take() {
            self.on_lines(index, lines, &budget);
        }
        // The sessions the user ended first: their messages came before the current ones.
        let mut index = 0;
        while index < self.retiring.len() {
            let mut done = false;
            loop {
                if budget.spent() || self.carry.is_some() {
                    ctx.request_repaint();
                    return;
                }
                let Some(message) = self.retiring[index].ingest.try_recv() else {
                    break;
                };
                match message {
                    Ingested::Lines { lines, .. } => self.on_lines(Some(index), lines, &budget),
                    Ingested::Event(event) => done |= self.on_retiring_event(index, event),
                }
            }
            if done {
                let session = self.retiring.remove(index);
                if let Some(counts) = session.final_counts {
                    let lang = self.pane.lang;
                    self.pane.info(&lang.connection_totals(counts));
                }
            } else {
                index += 1;
            }
        }
        loop {
            if budget.spent() || self.carry.is_some() {
                ctx.request_repaint();
                return;
            }
            let Some(session) = &mut self.session else {
                return;
            };
            match session.ingest.try_recv() {
                Some(Ingested::Lines { lines, .. }) => self.on_lines(None, lines, &budget),
                Some(Ingested::Event(event)) => self.on_event(event),
                None => return,
            }
        }
    }

    /// An event of a session the user ended. Returns true when it was its last.
    fn on_retiring_event(&mut self, index: usize, event: Event) -> bool {
        match event {
            Event::Closed { counts, .. } => {
                if let Some(session) = self.retiring.get_mut(index) {
                    session.final_counts = Some(counts);
                }
                true
            }
            Event::ConnectFailed { .. } => true,
            _ => false,
        }
    }

    /// Copies lines of the current session (`None`) or a retiring one into the history; what
    /// the frame has no time for is kept for the next one.
    fn on_lines(&mut self, index: Option<usize>, lines: LineBatch, budget: &engine::Budget) {
        let session = match index {
            None => self.session.as_ref(),
            Some(i) => self.retiring.get(i),
        };
        let Some(session) = session else {
            return;
        };
        let peer = session.peer;
        let pane = &mut self.pane;
        let rest = engine::take_lines(lines, budget, |line, at| {
            pane.record_received(peer, line, at);
        });
        if let Some(rest) = rest {
            self.carry = Some((index, rest));
        }
    }

    fn on_event(&mut self, event: Event) {
        let lang = self.pane.lang;
        let texts = lang.texts();
        match event {
            Event::Connecting { target } => {
                self.pane.info(&lang.connecting(&target));
            }
            Event::ConnectFailed { error } => {
                self.session = None;
                if !matches!(error, NetError::Cancelled { .. }) {
                    self.pane
                        .problem(lang.connect_failed(&lang.net_error(&error)));
                }
            }
            Event::Connected { conn } => {
                if let Some(session) = &mut self.session {
                    session.phase = Phase::Connected(conn);
                }
                self.pane.notice = None;
                self.pane.info(texts.connected_to_server);
            }
            Event::Closed { reason, counts, .. } => {
                self.session = None;
                self.pane.info(texts.connection_closed);
                if !matches!(reason, CloseReason::ClosedByPeer | CloseReason::ClosedByUs) {
                    self.pane.info(&lang.close_detail(&reason));
                }
                self.pane.info(&lang.connection_totals(counts));
            }
            Event::Warning { error } => self.pane.info(&lang.warning(&error)),
            _ => {}
        }
    }
}

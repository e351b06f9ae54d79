//! The client window (客户端): 服务器IP / 端口 with 连接服务器 / 断开连接, 历史信息,
//! 发送的信息, 发送信息, 连接状态.
//!
//! The two buttons are mutually exclusive as the tutorial's §6 wants, but driven by the
//! engine's events: 断开连接 is usable while connecting (it cancels) and while connected;
//! 连接服务器 only when neither. Typed input is checked before connecting, a failed connect
//! says why, and sending with nobody connected is explained instead of crashing.

use egui::{Ui, Vec2, ViewportId};
use tcptalk_core::{parse_host, parse_port};
use tcptalk_net::ClientConfig;
use tcptalk_session::{Attempt, PeerId, SessionEvent, SharedLog, Target};
use tokio::runtime::Handle;

use crate::Lang;
use crate::pacer::FramePacer;
use crate::pane::Pane;
use crate::rows::{HistoryView, Side};
use crate::settings::{DEFAULT_HOST, DEFAULT_PORT, Settings, parse_encoding, parse_transport};
use crate::transport::TransportForm;
use crate::widgets::text_width;

/// Where the client stands, as its session's events said.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    /// Connecting to `host:port` as typed. Only this attempt's events count: one cancelled
    /// before may still report.
    Connecting {
        target: String,
        attempt: Attempt,
    },
    Connected {
        peer: PeerId,
        target: String,
    },
    /// Reconnect is on: `attempt` is tried again at `at`.
    Reconnecting {
        target: String,
        attempt: Attempt,
        at: std::time::Instant,
    },
}

/// The client window. Build it with [`ClientWindow::new`] and call [`ClientWindow::show`] in
/// each frame.
#[derive(Debug)]
pub struct ClientWindow {
    pane: Pane,
    host_text: String,
    port_text: String,
    /// `None` while neither connecting nor connected. A connection the user ended (断开连接)
    /// may still report its last bytes and its close: the session records them.
    phase: Option<Phase>,
    connect_on_start: bool,
    started: bool,
    viewport: ViewportId,
    pacer: FramePacer,
    transport: TransportForm,
    /// What the TLS handshake of the current connection settled.
    tls: Option<std::sync::Arc<tcptalk_net::tls::TlsInfo>>,
    /// The window's attempt and its target, for reconnects (`None` once the user
    /// disconnected).
    last_attempt: Option<Attempt>,
    last_target: String,
    /// The user typed into 端口 (or the command line gave one): the port no longer follows the
    /// server window's.
    port_chosen: bool,
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
            pane: Pane::new(
                &runtime,
                Side::Client,
                lang,
                parse_encoding(&settings.client_encoding),
                settings.history_limits(),
            )
            .with_hex(settings.client_hex_send, settings.client_hex_view)
            .with_layout(settings.client_wrap, settings.client_message_height),
            host_text: or_default(&settings.client_host, DEFAULT_HOST),
            port_text: or_default(&settings.client_port, DEFAULT_PORT),
            phase: None,
            connect_on_start: false,
            started: false,
            viewport: ViewportId::ROOT,
            pacer: FramePacer::default(),
            transport: TransportForm::with_kind(parse_transport(&settings.client_transport)),
            tls: None,
            last_attempt: None,
            last_target: String::new(),
            port_chosen: false,
        }
    }

    /// The transport form (TCP / UDP / TLS and their options).
    pub fn transport_mut(&mut self) -> &mut TransportForm {
        &mut self.transport
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

    /// A port the user chose: it stays, whatever the server window does.
    pub fn set_port(&mut self, port: u16) {
        self.port_text = port.to_string();
        self.port_chosen = true;
    }

    /// With both windows open, 端口 follows the server window's (the tutorial's test: start the
    /// server, then connect) until the user types a port of their own.
    pub fn follow_server_port(&mut self, port: u16) {
        if !self.port_chosen && self.phase.is_none() && self.port_text.parse() != Ok(port) {
            self.port_text = port.to_string();
        }
    }

    pub fn port_text(&self) -> &str {
        &self.port_text
    }

    /// Starts connecting at the first frame, as if 连接服务器 had been clicked.
    pub fn connect_on_start(&mut self) {
        self.connect_on_start = true;
    }

    /// Copies every history entry to `log`.
    pub fn set_log(&mut self, log: Option<SharedLog>) {
        self.pane.set_log(log);
    }

    /// The viewport this window is drawn in, so the session wakes the right one.
    pub fn set_viewport(&mut self, viewport: ViewportId) {
        self.viewport = viewport;
    }

    /// Shares the frame pacing of the process's windows (see [`crate::pacer`]).
    pub(crate) fn set_pacer(&mut self, pacer: FramePacer) {
        self.pacer = pacer;
    }

    pub fn lang(&self) -> Lang {
        self.pane.lang
    }

    pub fn set_lang(&mut self, lang: Lang) {
        self.pane.lang = lang;
    }

    /// The history as this window shows it (hold it briefly: it locks the session's).
    pub fn history(&self) -> HistoryView<'_> {
        self.pane.history()
    }

    pub fn is_connected(&self) -> bool {
        matches!(self.phase, Some(Phase::Connected { .. }))
    }

    pub fn is_connecting(&self) -> bool {
        matches!(self.phase, Some(Phase::Connecting { .. }))
    }

    /// Writes what should be remembered into `settings`.
    pub fn save(&self, settings: &mut Settings) {
        settings.client_host = self.host_text.clone();
        settings.client_port = self.port_text.clone();
        settings.client_wrap = self.pane.wrap;
        settings.client_message_height = self.pane.remembered_message_height();
        settings.client_encoding = self.pane.encoding.label().into();
        settings.client_hex_send = self.pane.hex_send;
        settings.client_hex_view = self.pane.hex_view;
        settings.client_transport = self.transport.kind.to_string();
    }

    /// Closes the connection (at exit, or when the window is closed).
    pub fn shutdown(&mut self) {
        self.pane.session.stop();
    }

    /// Draws the window and handles what happened since the last frame.
    pub fn show(&mut self, ui: &mut Ui) {
        if !self.started {
            self.started = true;
            let wake = self.pacer.waker(ui.ctx(), self.viewport);
            self.pane.session.set_waker(wake);
            if self.connect_on_start {
                self.connect();
            }
        }
        self.pane.begin_frame();
        self.handle_events();

        let lang = self.pane.lang;
        let connected = self.is_connected();
        let connecting = self.is_connecting();
        let target = match &self.phase {
            Some(Phase::Connecting { target, .. }) => Some(target.clone()),
            _ => None,
        };
        let queued = match &self.phase {
            Some(Phase::Connected { peer, .. }) => {
                let shared = self.pane.session.shared().lock();
                shared
                    .peers()
                    .status(*peer)
                    .map_or(0, |status| status.queued)
            }
            _ => 0,
        };
        let reconnect_at = match &self.phase {
            Some(Phase::Reconnecting { at, .. }) => Some(*at),
            _ => None,
        };
        let mut cancel_reconnect = false;
        egui::Panel::bottom(self.pane.id("status")).show(ui, |ui| {
            self.pane.status_bar(ui, connected, |ui| {
                if connecting && let Some(target) = &target {
                    ui.spinner();
                    ui.label(lang.connecting(target));
                }
                if let Some(at) = reconnect_at {
                    let left = at.saturating_duration_since(std::time::Instant::now());
                    let seconds = u64::try_from(left.as_millis().div_ceil(1000)).unwrap_or(0);
                    ui.label(lang.reconnecting_in(seconds));
                    cancel_reconnect = ui.button(lang.transport_texts().cancel_reconnect).clicked();
                    ui.ctx()
                        .request_repaint_after(std::time::Duration::from_millis(250));
                }
                if queued > 0 {
                    ui.label(
                        egui::RichText::new(lang.queued(queued)).color(ui.visuals().error_fg_color),
                    );
                }
            });
        });
        if cancel_reconnect {
            self.disconnect();
        }
        let to = self.send_target();
        if self.pane.graph.show {
            let server: Vec<(PeerId, String)> = match &self.phase {
                Some(Phase::Connected { peer, target }) => vec![(*peer, target.clone())],
                _ => Vec::new(),
            };
            self.pane.rate_graph_panel(ui, &server);
        }
        self.pane.saved_side_panel(ui, to);
        egui::CentralPanel::default().show(ui, |ui| {
            self.top_grid(ui);
            let action = self.pane.show_boxes(ui, to);
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
        self.pane.end_frame();
    }

    /// 服务器IP：[127.0.0.1][连接服务器]
    /// 端口：    [8899     ][断开连接]
    fn top_grid(&mut self, ui: &mut Ui) {
        let texts = self.pane.lang.texts();
        let idle = self.phase.is_none();
        let label_width = text_width(ui, texts.server_ip).max(text_width(ui, texts.port)) + 8.0;
        let padding = 2.0 * ui.spacing().button_padding.x;
        let button_width =
            text_width(ui, texts.connect).max(text_width(ui, texts.disconnect)) + padding + 8.0;
        let mut connect = false;
        let mut disconnect = false;
        let lang = self.pane.lang;
        let transport_id = self.pane.id("transport");
        let row = |ui: &mut Ui,
                   label: &str,
                   text: &mut String,
                   id: &str,
                   button: &str,
                   transport: Option<&mut TransportForm>| {
            let mut clicked = false;
            let mut entered = false;
            let mut typed = false;
            ui.horizontal(|ui| {
                let label = ui.label(label);
                ui.add_space((label_width - label.rect.width()).max(0.0));
                let field_id = self.pane.id(id);
                let row_id = field_id.with("row");
                crate::widgets::field_then_controls(
                    ui,
                    row_id,
                    |ui, width| {
                        let field = egui::TextEdit::singleline(text)
                            .id(field_id)
                            .desired_width(width);
                        let response = ui.add_enabled(idle, field).labelled_by(label.id);
                        typed = response.changed();
                        entered = response.lost_focus()
                            && ui.input(|input| input.key_pressed(egui::Key::Enter));
                    },
                    |ui| {
                        if let Some(transport) = transport {
                            transport.selector(ui, lang, transport_id, idle);
                        }
                        let enabled = if button == texts.connect { idle } else { !idle };
                        let button =
                            egui::Button::new(button).min_size(Vec2::new(button_width, 0.0));
                        clicked = ui.add_enabled(enabled, button).clicked();
                    },
                );
            });
            (clicked, entered, typed)
        };
        let (clicked, entered, _) = row(
            ui,
            texts.server_ip,
            &mut self.host_text,
            "host",
            texts.connect,
            None,
        );
        connect |= clicked || (entered && idle);
        let (clicked, entered, typed) = row(
            ui,
            texts.port,
            &mut self.port_text,
            "port",
            texts.disconnect,
            Some(&mut self.transport),
        );
        let options = self.pane.id("transport-options");
        self.transport
            .options_row(ui, lang, Side::Client, options, idle);
        if self.is_connected() {
            crate::transport::tls_summary(ui, lang, self.tls.as_deref(), None);
        }
        self.port_chosen |= typed;
        disconnect |= clicked;
        connect |= entered && idle;
        if connect {
            self.connect();
        } else if disconnect {
            self.disconnect();
        }
    }

    /// 连接服务器: checks what was typed, then asks the session to connect.
    fn connect(&mut self) {
        if self.phase.is_some() {
            return;
        }
        let lang = self.pane.lang;
        // `192.168.1.20:502` or `[::1]:8899` typed or pasted into 服务器IP, as nc and a
        // browser take it: the port moves into 端口, and both fields show what is used.
        if let Ok(tcptalk_core::HostPort {
            host,
            port: Some(port),
        }) = tcptalk_core::parse_host_port(&self.host_text, false)
        {
            self.host_text = host.to_string();
            self.port_text = port.to_string();
            self.port_chosen = true;
        }
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
        let ip = match &host {
            tcptalk_core::Host::Ip(ip) => Some(*ip),
            _ => None,
        };
        let transport = match self.transport.client(lang, ip) {
            Ok(transport) => transport,
            Err(why) => {
                self.pane.problem(why);
                return;
            }
        };
        self.pane.notice = None;
        let target = host.with_port(port);
        let mut config = ClientConfig::new(host.as_lookup_str(), port);
        config.transport = transport;
        config.keepalive = self.transport.client_keepalive();
        config.local = self.transport.local_ip();
        let attempt =
            self.pane
                .session
                .connect_with(config, target.clone(), self.transport.reconnect);
        self.last_attempt = Some(attempt);
        self.last_target = target.clone();
        self.phase = Some(Phase::Connecting { target, attempt });
    }

    /// 断开连接: closes the connection, or cancels connecting. The window is ready to connect
    /// again at once; the session still records the old connection's last bytes and its end.
    fn disconnect(&mut self) {
        self.last_attempt = None;
        if self.phase.take().is_some() {
            self.pane.session.stop();
        }
    }

    /// 发送信息: sends the whole message as one entry; an empty message does nothing, except
    /// on UDP, where it is an empty datagram.
    fn send(&mut self) {
        if self.pane.message.is_empty() && self.transport.kind != tcptalk_net::Transport::Udp {
            return;
        }
        match self.send_target() {
            Some(to) => self.pane.send_typed(to),
            None => {
                let text = self.pane.lang.texts().nothing_sent_no_server.to_string();
                self.pane.problem(text);
            }
        }
    }

    /// 定时发送 → 开始, as if clicked.
    pub fn start_periodic(&mut self) {
        if let Some(to) = self.send_target() {
            self.pane.start_periodic(to);
        }
    }

    /// The server, while connected.
    fn send_target(&self) -> Option<Target> {
        match &self.phase {
            Some(Phase::Connected { peer, .. }) => Some(Target::One(*peer)),
            _ => None,
        }
    }

    /// Handles every event the session has for the window; there are few, so all of them.
    fn handle_events(&mut self) {
        while let Some(event) = self.pane.session.try_recv() {
            if let Some(event) = self.pane.on_event(event) {
                self.on_event(event);
            }
        }
    }

    fn reconnecting(&self, attempt: Attempt) -> bool {
        matches!(&self.phase, Some(Phase::Reconnecting { attempt: a, .. }) if *a == attempt)
    }

    /// Whether the window is connecting, in `attempt`.
    fn connecting(&self, attempt: Attempt) -> bool {
        matches!(&self.phase, Some(Phase::Connecting { attempt: a, .. }) if *a == attempt)
    }

    fn on_event(&mut self, event: SessionEvent) {
        let lang = self.pane.lang;
        match event {
            SessionEvent::ConnectFailed { attempt, error } if self.connecting(attempt) => {
                self.phase = None;
                self.pane
                    .show_problem(lang.connect_failed(&lang.net_error(&error)));
            }
            // After the failure or the end it follows: the window is idle by then, unless the
            // user has clicked 断开连接 since (the attempt is no longer the window's).
            SessionEvent::Reconnecting { attempt, after }
                if self.phase.is_none() && self.last_attempt == Some(attempt) =>
            {
                self.phase = Some(Phase::Reconnecting {
                    target: self.last_target.clone(),
                    attempt,
                    at: std::time::Instant::now() + after,
                });
            }
            SessionEvent::Connecting { attempt, .. } if self.reconnecting(attempt) => {
                if let Some(Phase::Reconnecting { target, .. }) = self.phase.take() {
                    self.phase = Some(Phase::Connecting { target, attempt });
                }
            }
            SessionEvent::Connected {
                peer,
                label,
                attempt: Some(attempt),
                tls,
                ..
            } if self.connecting(attempt) => {
                self.tls = tls;
                self.phase = Some(Phase::Connected {
                    peer,
                    target: label,
                });
                self.pane.notice = None;
            }
            SessionEvent::Disconnected { peer, .. } => {
                if matches!(&self.phase, Some(Phase::Connected { peer: p, .. }) if *p == peer) {
                    self.phase = None;
                }
            }
            _ => {}
        }
    }
}

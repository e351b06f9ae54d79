//! The server window (服务器): 端口 + 启动服务器, 历史信息, 发送的信息, 发送信息, 连接状态.
//!
//! Unlike the tutorial, which keeps only its newest socket, every client is listed and can be
//! written to alone or together with the others, and a failed listen says why instead of
//! disabling the button anyway.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use egui::{Align, Layout, ScrollArea, Ui, Vec2, ViewportId};
use tcptalk_core::parse_port;
use tcptalk_net::{BindAddr, ConnId, ServerConfig, Transport};
use tcptalk_session::{SharedLog, SharedState, Target as SendTarget};
use tokio::runtime::Handle;

use crate::Lang;
use crate::pacer::FramePacer;
use crate::pane::Pane;
use crate::rows::{HistoryView, Side};
use crate::settings::{DEFAULT_PORT, Settings, parse_encoding, parse_transport};
use crate::transport::TransportForm;
use crate::widgets::text_width;

mod events;

/// Where the server stands, as its session's events said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Starting,
    Listening(SocketAddr),
    Stopping,
}

/// Where 发送信息 sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    All,
    One(ConnId),
}

/// The server window. Build it with [`ServerWindow::new`] and call [`ServerWindow::show`] in
/// each frame.
#[derive(Debug)]
pub struct ServerWindow {
    pane: Pane,
    port_text: String,
    bind: BindAddr,
    /// `None` while not listening.
    phase: Option<Phase>,
    /// Connected clients and their labels (`ip:port`), from the session's events; their live
    /// counts are read from the session.
    peers: BTreeMap<ConnId, String>,
    target: Target,
    listen_on_start: bool,
    started: bool,
    viewport: ViewportId,
    pacer: FramePacer,
    transport: TransportForm,
    /// A TLS server's own certificate, shown while it listens.
    certificate: Option<tcptalk_net::tls::CertSummary>,
}

impl ServerWindow {
    /// A server window with the tutorial's port (8899), engine work going to `runtime`.
    pub fn new(runtime: Handle, lang: Lang) -> Self {
        Self::from_settings(runtime, lang, &Settings::default())
    }

    /// A server window filled from remembered settings.
    pub fn from_settings(runtime: Handle, lang: Lang, settings: &Settings) -> Self {
        let encoding = parse_encoding(&settings.server_encoding);
        ServerWindow {
            pane: Pane::new(
                &runtime,
                Side::Server,
                lang,
                encoding,
                settings.history_limits(),
            )
            .with_hex(settings.server_hex_send, settings.server_hex_view)
            .with_layout(settings.server_wrap, settings.server_message_height),
            port_text: if settings.server_port.trim().is_empty() {
                DEFAULT_PORT.into()
            } else {
                settings.server_port.clone()
            },
            bind: BindAddr::Any,
            phase: None,
            peers: BTreeMap::new(),
            target: Target::All,
            listen_on_start: false,
            started: false,
            viewport: ViewportId::ROOT,
            pacer: FramePacer::default(),
            transport: TransportForm::with_kind(parse_transport(&settings.server_transport)),
            certificate: None,
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

    /// Fills the port field.
    pub fn set_port(&mut self, port: u16) {
        self.port_text = port.to_string();
    }

    /// Listen on this address instead of every address: an IP, or a name to resolve.
    pub fn set_bind(&mut self, bind: Option<&str>) {
        self.bind = match bind.map(str::trim) {
            None | Some("") => BindAddr::Any,
            Some(text) => match text.trim_matches(['[', ']']).parse::<IpAddr>() {
                Ok(ip) => BindAddr::Ip(ip),
                Err(_) => BindAddr::Host(text.to_string()),
            },
        };
    }

    /// Starts listening at the first frame, as if 启动服务器 had been clicked.
    pub fn listen_on_start(&mut self) {
        self.listen_on_start = true;
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

    /// Where the server listens, once it does.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        match self.phase? {
            Phase::Listening(addr) => Some(addr),
            _ => None,
        }
    }

    /// The port a client should connect to: where the server listens, else what 端口 says.
    pub fn port_for_clients(&self) -> Option<u16> {
        match self.local_addr() {
            Some(addr) => Some(addr.port()),
            None => self.port_text.trim().parse().ok().filter(|port| *port != 0),
        }
    }

    pub fn client_count(&self) -> usize {
        self.peers.len()
    }

    /// Writes what should be remembered into `settings`.
    pub fn save(&self, settings: &mut Settings) {
        settings.server_port = self.port_text.clone();
        settings.server_wrap = self.pane.wrap;
        settings.server_message_height = self.pane.remembered_message_height();
        settings.server_encoding = self.pane.encoding.label().into();
        settings.server_hex_send = self.pane.hex_send;
        settings.server_hex_view = self.pane.hex_view;
        settings.server_transport = self.transport.kind.to_string();
    }

    /// Stops the server (at exit).
    pub fn shutdown(&mut self) {
        self.pane.session.stop();
    }

    /// Draws the window and handles what happened since the last frame.
    pub fn show(&mut self, ui: &mut Ui) {
        if !self.started {
            self.started = true;
            let wake = self.pacer.waker(ui.ctx(), self.viewport);
            self.pane.session.set_waker(wake);
            if self.listen_on_start {
                self.start();
            }
        }
        self.pane.begin_frame();
        self.handle_events();

        let lang = self.pane.lang;
        let connected = !self.peers.is_empty();
        let phase = self.phase;
        let id_salt = self.pane.id("status");
        let peers = &self.peers;
        let shared = self.pane.session.shared().clone();
        let target = &mut self.target;
        egui::Panel::bottom(id_salt).show(ui, |ui| {
            let count = peers.len();
            self.pane.status_bar(ui, connected, |ui| {
                if count > 0 {
                    let list = id_salt.with("clients");
                    ui.menu_button(lang.clients_header(count), |ui| {
                        client_table(ui, list, lang, peers, &shared, target);
                    });
                }
                if phase == Some(Phase::Stopping) {
                    ui.spinner();
                    ui.label(lang.texts().stopping);
                }
            });
        });
        let to = self.send_target();
        if self.pane.graph.show {
            let clients: Vec<(ConnId, String)> = self
                .peers
                .iter()
                .map(|(id, name)| (*id, name.clone()))
                .collect();
            self.pane.rate_graph_panel(ui, &clients);
        }
        self.pane.saved_side_panel(ui, to);
        egui::CentralPanel::default().show(ui, |ui| {
            self.top_row(ui);
            let action = self.pane.show_boxes(ui, to);
            if action.send {
                self.send();
            }
            self.send_row(ui);
        });
        self.pane.end_frame();
    }

    /// 端口：[8899][启动服务器][停止服务器]
    fn top_row(&mut self, ui: &mut Ui) {
        let texts = self.pane.lang.texts();
        let idle = self.phase.is_none();
        let can_stop = self.phase.is_some_and(|phase| phase != Phase::Stopping);
        let mut start = false;
        let mut stop = false;
        ui.horizontal(|ui| {
            let label = ui.label(texts.port);
            let lang = self.pane.lang;
            let transport_id = self.pane.id("transport");
            let port_id = self.pane.id("port");
            let entered = crate::widgets::field_then_controls(
                ui,
                self.pane.id("port-row"),
                |ui, width| {
                    let field = egui::TextEdit::singleline(&mut self.port_text)
                        .id(port_id)
                        .desired_width(width);
                    let response = ui.add_enabled(idle, field).labelled_by(label.id);
                    response.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter))
                },
                |ui| {
                    self.transport.selector(ui, lang, transport_id, idle);
                    start = ui
                        .add_enabled(idle, egui::Button::new(texts.start_server))
                        .clicked();
                    stop = ui
                        .add_enabled(can_stop, egui::Button::new(texts.stop_server))
                        .clicked();
                },
            );
            start |= entered && idle;
        });
        let options = self.pane.id("transport-options");
        self.transport
            .options_row(ui, self.pane.lang, Side::Server, options, idle);
        if matches!(self.phase, Some(Phase::Listening(_))) {
            let own = self.certificate.as_ref();
            crate::transport::tls_summary(ui, self.pane.lang, None, own);
        }
        if start {
            self.start();
        }
        if stop {
            self.stop();
        }
    }

    /// 发送给：[全部客户端] [发送信息] [断开此客户端]; 发送信息 sits in the middle, as in the
    /// tutorial.
    fn send_row(&mut self, ui: &mut Ui) {
        let texts = self.pane.lang.texts();
        let can_send = !self.peers.is_empty();
        let mut send = false;
        let mut disconnect = None;
        ui.add_space(4.0);
        ui.columns(3, |columns| {
            columns[0].horizontal(|ui| {
                let label = ui.label(texts.send_to);
                let selected = self.target_name();
                let width = (ui.available_width() - 4.0).clamp(60.0, 170.0);
                egui::ComboBox::from_id_salt(self.pane.id("send-to"))
                    .selected_text(selected)
                    .width(width)
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut self.target, Target::All, texts.all_clients);
                        let row_height = ui.spacing().interact_size.y;
                        let ids: Vec<ConnId> = self.peers.keys().copied().collect();
                        ScrollArea::vertical().max_height(240.0).show_rows(
                            ui,
                            row_height,
                            ids.len(),
                            |ui, range| {
                                for id in &ids[range] {
                                    if let Some(name) = self.peers.get(id) {
                                        ui.selectable_value(
                                            &mut self.target,
                                            Target::One(*id),
                                            name.as_str(),
                                        );
                                    }
                                }
                            },
                        );
                    })
                    .response
                    .labelled_by(label.id);
            });
            columns[1].vertical_centered(|ui| {
                let button = ui
                    .add_enabled(can_send, egui::Button::new(texts.send))
                    .on_disabled_hover_text(texts.send_disabled_server);
                send = button.clicked();
            });
            columns[2].with_layout(Layout::right_to_left(Align::Center), |ui| {
                if let Target::One(id) = self.target {
                    let width = text_width(ui, texts.disconnect_client);
                    let button = egui::Button::new(texts.disconnect_client)
                        .min_size(Vec2::new(width.min(ui.available_width()), 0.0));
                    if ui.add(button).clicked() {
                        disconnect = Some(id);
                    }
                }
            });
        });
        if send {
            self.send();
            self.pane.refocus_message();
        }
        if let Some(id) = disconnect {
            self.pane.session.disconnect(id);
        }
    }

    fn target_name(&self) -> String {
        match self.target {
            Target::All => self.pane.lang.texts().all_clients.to_string(),
            Target::One(id) => self.peers.get(&id).cloned().unwrap_or_default(),
        }
    }

    /// 启动服务器: checks the port, then asks the engine to listen. The outcome arrives as an
    /// event; the button stays usable if listening fails.
    fn start(&mut self) {
        if self.phase.is_some() {
            return;
        }
        let lang = self.pane.lang;
        let port = match parse_port(&self.port_text, true) {
            Ok(port) => port,
            Err(err) => {
                self.pane.problem(lang.bad_port(&lang.input_error(&err)));
                return;
            }
        };
        let transport = match self.transport.server(lang) {
            Ok(transport) => transport,
            Err(why) => {
                self.pane.problem(why);
                return;
            }
        };
        self.pane.notice = None;
        let bind = match self.transport.local_ip() {
            Some(ip) => BindAddr::Ip(ip),
            None => self.bind.clone(),
        };
        self.certificate = match &transport {
            tcptalk_net::ServerTransport::Tls(tls) => Some(tls.certificate.clone()),
            _ => None,
        };
        let mut config = ServerConfig::new(bind, port);
        config.transport = transport;
        config.keepalive = self.transport.server_keepalive();
        self.pane.session.listen(config);
        self.phase = Some(Phase::Starting);
    }

    fn stop(&mut self) {
        if self.phase.is_some() {
            self.pane.session.stop();
            self.phase = Some(Phase::Stopping);
        }
    }

    /// 发送信息: to the chosen client or to all; an empty message does nothing, except on UDP,
    /// where it is an empty datagram.
    fn send(&mut self) {
        if self.pane.message.is_empty() && self.transport.kind != Transport::Udp {
            return;
        }
        match self.send_target() {
            Some(to) => self.pane.send_typed(to),
            None => {
                let text = self.pane.lang.texts().nothing_sent_no_client.to_string();
                self.pane.problem(text);
            }
        }
    }

    /// 定时发送 → 开始, as if clicked: the typed message to the chosen client or to all.
    pub fn start_periodic(&mut self) {
        if let Some(to) = self.send_target() {
            self.pane.start_periodic(to);
        }
    }

    /// Where sending goes now: the chosen client or all; `None` with nobody connected.
    fn send_target(&self) -> Option<SendTarget> {
        if self.peers.is_empty() {
            return None;
        }
        Some(match self.target {
            Target::All => SendTarget::All,
            Target::One(id) => SendTarget::One(id),
        })
    }
}

/// The connected clients: address and bytes each way; a click picks where to send. Only the
/// rows on screen are drawn, so thousands of clients cost nothing.
fn client_table(
    ui: &mut Ui,
    id: egui::Id,
    lang: Lang,
    peers: &BTreeMap<ConnId, String>,
    shared: &SharedState,
    target: &mut Target,
) {
    let texts = lang.texts();
    let name_width = 170.0;
    let number_width = 80.0;
    let row_height = ui.spacing().interact_size.y;
    let now = std::time::SystemTime::now();
    // "3 s ago" moves on while the list is open.
    ui.ctx()
        .request_repaint_after(std::time::Duration::from_secs(1));
    ui.horizontal(|ui| {
        ui.add_sized([name_width, row_height], egui::Label::new(texts.col_client));
        ui.add_sized(
            [number_width, row_height],
            egui::Label::new(lang.col_since()),
        );
        ui.add_sized(
            [number_width, row_height],
            egui::Label::new(lang.col_last_activity()),
        );
        ui.add_sized(
            [number_width, row_height],
            egui::Label::new(texts.col_received),
        );
        ui.add_sized([number_width, row_height], egui::Label::new(texts.col_sent));
        ui.add_sized(
            [number_width, row_height],
            egui::Label::new(texts.col_queued),
        );
    });
    ui.separator();
    let ids: Vec<ConnId> = peers.keys().copied().collect();
    ScrollArea::vertical()
        .id_salt(id)
        .max_height(240.0)
        .show_rows(ui, row_height, ids.len(), |ui, range| {
            let statuses: Vec<_> = {
                let shared = shared.lock();
                ids[range]
                    .iter()
                    .filter_map(|id| shared.peers().status(*id))
                    .collect()
            };
            for peer in statuses {
                let (id, counts) = (&peer.id, peer.counts);
                ui.horizontal(|ui| {
                    let selected = *target == Target::One(*id);
                    let pick = ui.add_sized(
                        [name_width, row_height],
                        egui::Button::selectable(selected, peer.label.as_str()),
                    );
                    if pick.clicked() {
                        *target = Target::One(*id);
                    }
                    ui.add_sized(
                        [number_width, row_height],
                        egui::Label::new(lang.clock_time(peer.since)),
                    );
                    ui.add_sized(
                        [number_width, row_height],
                        egui::Label::new(lang.ago(peer.last_activity, now)),
                    );
                    ui.add_sized(
                        [number_width, row_height],
                        egui::Label::new(counts.received.to_string()),
                    );
                    ui.add_sized(
                        [number_width, row_height],
                        egui::Label::new(counts.sent.to_string()),
                    );
                    let queued = peer.queued;
                    let text = egui::RichText::new(queued.to_string());
                    let text = if queued > 0 {
                        text.color(ui.visuals().error_fg_color)
                    } else {
                        text
                    };
                    ui.add_sized([number_width, row_height], egui::Label::new(text))
                        .on_hover_text(lang.queued(queued));
                });
            }
        });
}

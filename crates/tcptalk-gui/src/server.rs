//! The server window (服务器): 端口 + 启动服务器, 历史信息, 发送的信息, 发送信息, 连接状态.
//!
//! Unlike the tutorial, which keeps only its newest socket, every client is listed and can be
//! written to alone or together with the others, and a failed listen says why instead of
//! disabling the button anyway.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use egui::{Align, Layout, ScrollArea, Ui, Vec2, ViewportId};
use tcptalk_core::history::PeerRef;
use tcptalk_core::parse_port;
use tcptalk_net::{BindAddr, ConnId, Connection, ServerConfig, ServerHandle, spawn_server};
use tokio::runtime::Handle;

use crate::engine::{Ingest, LineBatch};
use crate::history::{History, Side};
use crate::pane::{Outgoing, Pane};
use crate::record::SharedLog;
use crate::settings::{DEFAULT_PORT, Settings, parse_encoding};
use crate::widgets::text_width;
use crate::{Lang, engine};

mod events;

/// A running (or starting, or stopping) server and its events.
#[derive(Debug)]
struct Session {
    handle: ServerHandle,
    ingest: Ingest,
    phase: Phase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Starting,
    Listening(SocketAddr),
    Stopping,
}

/// One connected client.
#[derive(Debug)]
struct Peer {
    conn: Connection,
    /// `ip:port`, as every history line about this client shows it.
    name: String,
    /// The same, registered in the history once.
    peer: PeerRef,
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
    runtime: Handle,
    pane: Pane,
    port_text: String,
    bind: BindAddr,
    session: Option<Session>,
    peers: BTreeMap<ConnId, Peer>,
    target: Target,
    listen_on_start: bool,
    started: bool,
    viewport: ViewportId,
    /// Lines the last frame had no time for; handled before any later message, so order is
    /// kept.
    carry: Option<(ConnId, LineBatch)>,
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
            runtime,
            pane: Pane::new(Side::Server, lang, encoding, settings.history_limits())
                .with_hex(settings.server_hex_send, settings.server_hex_view),
            port_text: if settings.server_port.trim().is_empty() {
                DEFAULT_PORT.into()
            } else {
                settings.server_port.clone()
            },
            bind: BindAddr::Any,
            session: None,
            peers: BTreeMap::new(),
            target: Target::All,
            listen_on_start: false,
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

    /// Where the server listens, once it does.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        match self.session.as_ref()?.phase {
            Phase::Listening(addr) => Some(addr),
            _ => None,
        }
    }

    pub fn client_count(&self) -> usize {
        self.peers.len()
    }

    /// Writes what should be remembered into `settings`.
    pub fn save(&self, settings: &mut Settings) {
        settings.server_port = self.port_text.clone();
        settings.server_encoding = self.pane.encoding.label().into();
        settings.server_hex_send = self.pane.hex_send;
        settings.server_hex_view = self.pane.hex_view;
    }

    /// Stops the server (at exit).
    pub fn shutdown(&mut self) {
        if let Some(session) = &self.session {
            session.handle.stop();
        }
    }

    /// Draws the window and handles what happened since the last frame.
    pub fn show(&mut self, ui: &mut Ui) {
        if !self.started {
            self.started = true;
            if self.listen_on_start {
                self.start(ui.ctx());
            }
        }
        self.pane.begin_frame();
        self.handle_events(ui.ctx());

        let lang = self.pane.lang;
        let connected = !self.peers.is_empty();
        let phase = self.session.as_ref().map(|session| session.phase);
        let id_salt = self.pane.id("status");
        let peers = &self.peers;
        let target = &mut self.target;
        egui::Panel::bottom(id_salt).show(ui, |ui| {
            let count = peers.len();
            self.pane.status_bar(ui, connected, |ui| {
                if count > 0 {
                    let list = id_salt.with("clients");
                    ui.menu_button(lang.clients_header(count), |ui| {
                        client_table(ui, list, lang, peers, target);
                    });
                }
                if phase == Some(Phase::Stopping) {
                    ui.spinner();
                    ui.label(lang.texts().stopping);
                }
            });
        });
        egui::CentralPanel::default().show(ui, |ui| {
            self.top_row(ui);
            let action = self.pane.show_boxes(ui);
            if action.send {
                self.send();
            }
            self.send_row(ui);
        });
        if let Some(session) = &self.session {
            session.ingest.set_view(self.pane.view());
        }
        self.pane.end_frame();
    }

    /// 端口：[8899][启动服务器][停止服务器]
    fn top_row(&mut self, ui: &mut Ui) {
        let texts = self.pane.lang.texts();
        let idle = self.session.is_none();
        let can_stop = self
            .session
            .as_ref()
            .is_some_and(|session| session.phase != Phase::Stopping);
        let mut start = false;
        let mut stop = false;
        ui.horizontal(|ui| {
            let label = ui.label(texts.port);
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                stop = ui
                    .add_enabled(can_stop, egui::Button::new(texts.stop_server))
                    .clicked();
                start = ui
                    .add_enabled(idle, egui::Button::new(texts.start_server))
                    .clicked();
                let field = egui::TextEdit::singleline(&mut self.port_text)
                    .id(self.pane.id("port"))
                    .desired_width(ui.available_width());
                let response = ui.add_enabled(idle, field).labelled_by(label.id);
                if response.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter)) {
                    start = idle;
                }
            });
        });
        if start {
            self.start(ui.ctx());
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
                                    if let Some(peer) = self.peers.get(id) {
                                        ui.selectable_value(
                                            &mut self.target,
                                            Target::One(*id),
                                            peer.name.as_str(),
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
        if let Some(id) = disconnect
            && let Some(peer) = self.peers.get(&id)
        {
            peer.conn.close();
        }
    }

    fn target_name(&self) -> String {
        match self.target {
            Target::All => self.pane.lang.texts().all_clients.to_string(),
            Target::One(id) => self
                .peers
                .get(&id)
                .map_or_else(String::new, |peer| peer.name.clone()),
        }
    }

    /// 启动服务器: checks the port, then asks the engine to listen. The outcome arrives as an
    /// event; the button stays usable if listening fails.
    fn start(&mut self, ctx: &egui::Context) {
        if self.session.is_some() {
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
        self.pane.notice = None;
        let (sender, ingest) = engine::start(&self.runtime, ctx, self.viewport, self.pane.view());
        let config = ServerConfig::new(self.bind.clone(), port);
        let handle = spawn_server(&self.runtime, config, sender);
        self.session = Some(Session {
            handle,
            ingest,
            phase: Phase::Starting,
        });
    }

    fn stop(&mut self) {
        if let Some(session) = &mut self.session {
            session.handle.stop();
            session.phase = Phase::Stopping;
        }
    }

    /// 发送信息: to the chosen client or to all; an empty message does nothing.
    fn send(&mut self) {
        let lang = self.pane.lang;
        let texts = lang.texts();
        if self.pane.message.is_empty() {
            return;
        }
        if self.peers.is_empty() {
            self.pane.problem(texts.nothing_sent_no_client.to_string());
            return;
        }
        let (data, shown) = match self.pane.outgoing() {
            Outgoing::Bytes { data, shown } => (data, shown),
            Outgoing::Nothing | Outgoing::Refused => return,
        };
        let targets: Vec<ConnId> = match self.target {
            Target::All => self.peers.keys().copied().collect(),
            Target::One(id) => vec![id],
        };
        let mut sent_to = Vec::new();
        let mut failures = Vec::new();
        for id in &targets {
            let Some(peer) = self.peers.get(id) else {
                continue;
            };
            match peer.conn.try_send(data.clone()) {
                Ok(()) => sent_to.push(peer),
                Err(err) => failures.push(lang.send_failed(&peer.name, &err)),
            }
        }
        // One receiver is named; several are counted (the log lists them).
        let receiver = match sent_to.as_slice() {
            [] => None,
            [peer] => Some(peer.peer),
            several => {
                let names: Vec<&str> = several.iter().map(|peer| peer.name.as_str()).collect();
                Some(self.pane.recorder.history.group(&names))
            }
        };
        let failed = !failures.is_empty();
        for failure in failures {
            self.pane.problem(failure);
        }
        let Some(receiver) = receiver else {
            return;
        };
        self.pane.record_sent(receiver, &shown);
        if failed {
            // Sent to some: the input is emptied, the red notice about the others stays.
            self.pane.message_sent();
            return;
        }
        self.pane.notice = None;
        self.pane.message_sent();
    }
}

/// The connected clients: address and bytes each way; a click picks where to send. Only the
/// rows on screen are drawn, so thousands of clients cost nothing.
fn client_table(
    ui: &mut Ui,
    id: egui::Id,
    lang: Lang,
    peers: &BTreeMap<ConnId, Peer>,
    target: &mut Target,
) {
    let texts = lang.texts();
    let name_width = 180.0;
    let number_width = 95.0;
    let row_height = ui.spacing().interact_size.y;
    ui.horizontal(|ui| {
        ui.add_sized([name_width, row_height], egui::Label::new(texts.col_client));
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
            for id in &ids[range] {
                let Some(peer) = peers.get(id) else {
                    continue;
                };
                let counts = peer.conn.counts();
                ui.horizontal(|ui| {
                    let selected = *target == Target::One(*id);
                    let pick = ui.add_sized(
                        [name_width, row_height],
                        egui::Button::selectable(selected, peer.name.as_str()),
                    );
                    if pick.clicked() {
                        *target = Target::One(*id);
                    }
                    ui.add_sized(
                        [number_width, row_height],
                        egui::Label::new(counts.received.to_string()),
                    );
                    ui.add_sized(
                        [number_width, row_height],
                        egui::Label::new(counts.sent.to_string()),
                    );
                    let queued = peer.conn.queued_bytes();
                    let text = egui::RichText::new(queued.to_string());
                    let text = if queued > 0 {
                        text.color(crate::widgets::ERROR_TEXT)
                    } else {
                        text
                    };
                    ui.add_sized([number_width, row_height], egui::Label::new(text))
                        .on_hover_text(lang.queued(queued));
                });
            }
        });
}

/// An IPv4 client of the dual-stack listener shows as `127.0.0.1:50312`, not as the
/// IPv4-mapped `[::ffff:127.0.0.1]:50312` the socket reports.
fn plain_addr(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(IpAddr::V4(v4), v6.port()),
            None => addr,
        },
        SocketAddr::V4(_) => addr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_ipv4_clients_show_as_ipv4() {
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:50312".parse().expect("address");
        assert_eq!(plain_addr(mapped).to_string(), "127.0.0.1:50312");
        let v6: SocketAddr = "[::1]:50312".parse().expect("address");
        assert_eq!(plain_addr(v6), v6);
    }
}

//! 传输方式: the TCP / UDP / TLS selector next to the address fields, and the one row of
//! options under it that the chosen transport needs. What is typed here becomes the engine's
//! settings only on 启动服务器 / 连接服务器, where files are read and every mistake is said in
//! words before anything starts.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use egui::Ui;
use tcptalk_net::tls::{self, CertSummary, TlsClientOptions, TlsInfo, TlsServerOptions};
use tcptalk_net::{
    ClientTransport, Interface, Keepalive, Multicast, ServerTransport, Transport, UdpOptions,
};

use crate::Lang;
use crate::rows::Side;

/// What the command line chose (`tcptalk server --udp`, `client --tls --insecure`), for the
/// form to start with.
#[derive(Debug, Clone)]
pub struct TransportPreset {
    /// `None`: the remembered choice stays.
    pub kind: Option<Transport>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub ca: Option<PathBuf>,
    pub insecure: bool,
    pub broadcast: bool,
    pub multicast: Option<IpAddr>,
    pub idle: Option<Duration>,
    pub local_port: Option<u16>,
    pub keepalive: bool,
    pub reconnect: bool,
}

impl Default for TransportPreset {
    fn default() -> Self {
        TransportPreset {
            kind: None,
            cert: None,
            key: None,
            ca: None,
            insecure: false,
            broadcast: false,
            multicast: None,
            idle: None,
            local_port: None,
            keepalive: true,
            reconnect: false,
        }
    }
}

/// What the user has chosen and typed.
#[derive(Debug)]
pub struct TransportForm {
    pub kind: Transport,
    pub keepalive: bool,
    /// The server's bind address or the client's local address; `None`: any / automatic.
    pub local: Option<Interface>,
    pub idle_text: String,
    pub broadcast: bool,
    pub group_text: String,
    pub multicast_iface: Option<Interface>,
    pub ttl_text: String,
    pub multicast_loop: bool,
    pub local_port_text: String,
    pub cert_text: String,
    pub key_text: String,
    pub ca_text: String,
    pub insecure: bool,
    /// A client connects again after a failure or a lost connection.
    pub reconnect: bool,
    interfaces: Vec<Interface>,
}

impl Default for TransportForm {
    fn default() -> Self {
        TransportForm {
            kind: Transport::Tcp,
            keepalive: true,
            local: None,
            idle_text: tcptalk_net::DEFAULT_UDP_IDLE.as_secs().to_string(),
            broadcast: false,
            group_text: String::new(),
            multicast_iface: None,
            ttl_text: String::new(),
            multicast_loop: true,
            local_port_text: String::new(),
            cert_text: String::new(),
            key_text: String::new(),
            ca_text: String::new(),
            insecure: false,
            reconnect: false,
            interfaces: tcptalk_net::interfaces(),
        }
    }
}

fn path(text: &str) -> Option<PathBuf> {
    let text = text.trim();
    (!text.is_empty()).then(|| PathBuf::from(text))
}

impl TransportForm {
    /// The form with `kind` chosen (remembered from the last run).
    pub fn with_kind(kind: Transport) -> Self {
        TransportForm {
            kind,
            ..TransportForm::default()
        }
    }

    /// Fills the form from the command line.
    pub fn apply(&mut self, preset: &TransportPreset) {
        let text = |p: &Option<PathBuf>| {
            p.as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        };
        if let Some(kind) = preset.kind {
            self.kind = kind;
        }
        self.cert_text = text(&preset.cert);
        self.key_text = text(&preset.key);
        self.ca_text = text(&preset.ca);
        self.insecure = preset.insecure;
        self.broadcast = preset.broadcast;
        self.group_text = preset.multicast.map(|g| g.to_string()).unwrap_or_default();
        if let Some(idle) = preset.idle {
            self.idle_text = idle.as_secs().to_string();
        }
        self.local_port_text = preset.local_port.map(|p| p.to_string()).unwrap_or_default();
        self.keepalive = preset.keepalive;
        self.reconnect = preset.reconnect;
    }

    /// The TCP / UDP / TLS selector.
    pub fn selector(&mut self, ui: &mut Ui, lang: Lang, id: egui::Id, enabled: bool) {
        let texts = lang.transport_texts();
        ui.add_enabled_ui(enabled, |ui| {
            egui::ComboBox::from_id_salt(id)
                .selected_text(self.kind.to_string())
                .width(56.0)
                .show_ui(ui, |ui| {
                    for kind in [Transport::Tcp, Transport::Udp, Transport::Tls] {
                        ui.selectable_value(&mut self.kind, kind, kind.to_string());
                    }
                })
                .response
                .on_hover_text(texts.transport_hint)
                .widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::ComboBox, true, texts.transport)
                });
        });
    }

    /// The options of the chosen transport, in one row.
    pub fn options_row(
        &mut self,
        ui: &mut Ui,
        lang: Lang,
        side: Side,
        id: egui::Id,
        enabled: bool,
    ) {
        let texts = lang.transport_texts();
        ui.add_enabled_ui(enabled, |ui| {
            ui.horizontal_wrapped(|ui| {
                let local_label = match side {
                    Side::Server => texts.bind,
                    Side::Client => texts.local,
                };
                let any = match side {
                    Side::Server => texts.any_address,
                    Side::Client => texts.automatic,
                };
                let label = ui.label(local_label);
                interface_combo(ui, id.with("local"), &self.interfaces, &mut self.local, any)
                    .labelled_by(label.id);
                match (self.kind, side) {
                    (Transport::Tcp, _) => {
                        ui.checkbox(&mut self.keepalive, texts.keepalive)
                            .on_hover_text(lang.keepalive_timing(&Keepalive::default()));
                        if side == Side::Client {
                            ui.checkbox(&mut self.reconnect, texts.reconnect)
                                .on_hover_text(texts.reconnect_hint);
                        }
                    }
                    (Transport::Udp, Side::Server) => {
                        let label = ui.label(texts.idle).on_hover_text(texts.idle_hint);
                        ui.add(egui::TextEdit::singleline(&mut self.idle_text).desired_width(40.0))
                            .labelled_by(label.id);
                        ui.checkbox(&mut self.broadcast, texts.broadcast);
                        self.multicast_menu(ui, lang, side, id);
                    }
                    (Transport::Udp, Side::Client) => {
                        let label = ui.label(texts.local_port);
                        ui.add(
                            egui::TextEdit::singleline(&mut self.local_port_text)
                                .hint_text(texts.local_port_hint)
                                .desired_width(60.0),
                        )
                        .labelled_by(label.id);
                        ui.checkbox(&mut self.broadcast, texts.broadcast);
                        self.multicast_menu(ui, lang, side, id);
                    }
                    (Transport::Tls, Side::Server) => {
                        ui.menu_button(texts.certificate, |ui| {
                            self.cert_fields(ui, lang);
                            let label = ui.label(texts.require_client_cert);
                            ui.add(egui::TextEdit::singleline(&mut self.ca_text))
                                .labelled_by(label.id);
                        });
                        let summary = if self.cert_text.trim().is_empty() {
                            texts.self_signed
                        } else {
                            self.cert_text.trim()
                        };
                        ui.weak(summary);
                    }
                    (Transport::Tls, Side::Client) => {
                        let label = ui.label(texts.ca_file);
                        ui.add_enabled(
                            !self.insecure,
                            egui::TextEdit::singleline(&mut self.ca_text)
                                .hint_text(texts.system_roots)
                                .desired_width(64.0),
                        )
                        .on_hover_text(texts.ca_hint)
                        .labelled_by(label.id);
                        ui.checkbox(&mut self.insecure, texts.insecure);
                        ui.menu_button(texts.client_cert, |ui| self.cert_fields(ui, lang));
                        ui.checkbox(&mut self.reconnect, texts.reconnect)
                            .on_hover_text(texts.reconnect_hint);
                    }
                }
            });
            // While connected the TLS line under this row says "not verified" itself.
            if self.kind == Transport::Tls && side == Side::Client && self.insecure && enabled {
                ui.colored_label(ui.visuals().error_fg_color, texts.insecure_warning);
            }
        });
    }

    fn cert_fields(&mut self, ui: &mut Ui, lang: Lang) {
        let texts = lang.transport_texts();
        let label = ui.label(texts.cert_file);
        ui.add(egui::TextEdit::singleline(&mut self.cert_text).hint_text(texts.self_signed))
            .labelled_by(label.id);
        let label = ui.label(texts.key_file);
        ui.add(egui::TextEdit::singleline(&mut self.key_text))
            .labelled_by(label.id);
    }

    fn multicast_menu(&mut self, ui: &mut Ui, lang: Lang, side: Side, id: egui::Id) {
        let texts = lang.transport_texts();
        ui.menu_button(texts.multicast, |ui| {
            if side == Side::Server {
                let label = ui.label(texts.group);
                ui.add(egui::TextEdit::singleline(&mut self.group_text).hint_text("239.1.2.3"))
                    .labelled_by(label.id);
            }
            let label = ui.label(texts.interface);
            interface_combo(
                ui,
                id.with("multicast-iface"),
                &self.interfaces,
                &mut self.multicast_iface,
                texts.automatic,
            )
            .labelled_by(label.id);
            let label = ui.label(texts.ttl);
            ui.add(egui::TextEdit::singleline(&mut self.ttl_text).hint_text("1"))
                .labelled_by(label.id);
            ui.checkbox(&mut self.multicast_loop, texts.multicast_loop);
        });
    }

    fn keepalive(&self) -> Option<Keepalive> {
        self.keepalive.then(Keepalive::default)
    }

    fn udp_options(&self, lang: Lang, group: Option<IpAddr>) -> Result<UdpOptions, String> {
        let texts = lang.transport_texts();
        let multicast = match group {
            Some(group) if group.is_multicast() => Some(
                Multicast::new(group, self.multicast_iface.clone())
                    .map_err(|e| lang.net_error(&e))?,
            ),
            Some(group) => {
                let error = tcptalk_net::NetError::NotMulticast { addr: group };
                return Err(lang.net_error(&error));
            }
            None => None,
        };
        let ttl = match self.ttl_text.trim() {
            "" => None,
            text => Some(
                text.parse::<u32>()
                    .ok()
                    .filter(|ttl| (1..=255).contains(ttl))
                    .ok_or_else(|| lang.bad_number(texts.ttl, text))?,
            ),
        };
        Ok(UdpOptions {
            broadcast: self.broadcast,
            multicast,
            multicast_ttl: ttl,
            multicast_loop: self.multicast_loop,
            ..UdpOptions::default()
        })
    }

    /// The server's transport, with every file read now. The error is worded for the window.
    pub fn server(&self, lang: Lang) -> Result<ServerTransport, String> {
        let texts = lang.transport_texts();
        match self.kind {
            Transport::Tcp => Ok(ServerTransport::Tcp),
            Transport::Udp => {
                let group = match self.group_text.trim() {
                    "" => None,
                    text => Some(
                        text.parse::<IpAddr>()
                            .map_err(|_| lang.bad_number(texts.group, text))?,
                    ),
                };
                let mut options = self.udp_options(lang, group)?;
                let idle = self.idle_text.trim();
                options.idle = idle
                    .parse::<u64>()
                    .ok()
                    .filter(|s| (1..=86_400).contains(s))
                    .map(Duration::from_secs)
                    .ok_or_else(|| lang.bad_number(texts.idle, idle))?;
                Ok(ServerTransport::Udp(options))
            }
            Transport::Tls => {
                let options = TlsServerOptions {
                    cert: path(&self.cert_text),
                    key: path(&self.key_text),
                    self_signed_dir: tcptalk_session::config_dir().map(|dir| dir.join("tls")),
                    client_ca: path(&self.ca_text),
                };
                tls::server(&options)
                    .map(ServerTransport::Tls)
                    .map_err(|e| lang.tls_setup_error(&e))
            }
        }
    }

    /// The client's transport to `host` (a multicast group on UDP is sent to, not joined).
    pub fn client(&self, lang: Lang, host: Option<IpAddr>) -> Result<ClientTransport, String> {
        let texts = lang.transport_texts();
        match self.kind {
            Transport::Tcp => Ok(ClientTransport::Tcp),
            Transport::Udp => {
                let group = host.filter(IpAddr::is_multicast);
                let mut options = self.udp_options(lang, group)?;
                options.local_port = match self.local_port_text.trim() {
                    "" => None,
                    text => Some(
                        text.parse::<u16>()
                            .map_err(|_| lang.bad_number(texts.local_port, text))?,
                    ),
                };
                Ok(ClientTransport::Udp(options))
            }
            Transport::Tls => {
                let options = TlsClientOptions {
                    ca: path(&self.ca_text).filter(|_| !self.insecure),
                    insecure: self.insecure,
                    cert: path(&self.cert_text),
                    key: path(&self.key_text),
                };
                tls::client(&options)
                    .map(ClientTransport::Tls)
                    .map_err(|e| lang.tls_setup_error(&e))
            }
        }
    }

    pub fn server_keepalive(&self) -> Option<Keepalive> {
        self.keepalive()
    }

    pub fn client_keepalive(&self) -> Option<Keepalive> {
        self.keepalive()
    }

    /// The chosen local address, if any.
    pub fn local_ip(&self) -> Option<IpAddr> {
        self.local.as_ref().map(|i| i.addr)
    }
}

/// A list of this machine's interfaces and addresses, with "any" first.
fn interface_combo(
    ui: &mut Ui,
    id: egui::Id,
    interfaces: &[Interface],
    chosen: &mut Option<Interface>,
    any: &str,
) -> egui::Response {
    let shown = chosen
        .as_ref()
        .map_or_else(|| any.to_string(), ToString::to_string);
    egui::ComboBox::from_id_salt(id)
        .selected_text(shown)
        .width(90.0)
        .show_ui(ui, |ui| {
            ui.selectable_value(chosen, None, any);
            for iface in interfaces {
                ui.selectable_value(chosen, Some(iface.clone()), iface.to_string());
            }
        })
        .response
}

/// What a TLS connection (or a TLS server's own certificate) is, with the full SHA-256
/// fingerprint on a line of its own: the history row is cut at the window's edge, and this is
/// what a user compares with `openssl x509 -fingerprint -sha256`. Selectable, to copy.
pub fn tls_summary(ui: &mut Ui, lang: Lang, info: Option<&TlsInfo>, own: Option<&CertSummary>) {
    let (head, cert) = match (info, own) {
        (Some(info), _) => {
            let head = format!("{} · {}", info.version, info.cipher);
            let head = if info.verified {
                head
            } else {
                format!("{head} · {}", lang.transport_texts().not_verified)
            };
            (head, info.peer_certificate.as_ref())
        }
        (None, Some(own)) => (
            lang.transport_texts().own_certificate.to_string(),
            Some(own),
        ),
        (None, None) => return,
    };
    // The validity only for our own certificate: a peer's line must fit the 600 px window
    // (the full details are on hover and in the history).
    let head = match (cert, info) {
        (Some(cert), None) => format!(
            "{head} · {} · {}",
            cert.subject,
            lang.valid_until(&cert.not_after)
        ),
        (Some(cert), Some(_)) => format!("{head} · {}", cert.subject),
        (None, _) => head,
    };
    let head = egui::RichText::new(head).size(11.0);
    let head = if info.is_some_and(|i| !i.verified) {
        head.color(ui.visuals().error_fg_color)
    } else {
        head.weak()
    };
    ui.add(egui::Label::new(head).selectable(true));
    if let Some(cert) = cert {
        // Two lines of 16 bytes each: whole at the window's 600 px, and easy to compare.
        let (first, second) = cert.sha256.split_at(cert.sha256.len().min(48));
        let line = format!(
            "SHA-256 {first}\n        {}",
            second.trim_start_matches(':')
        );
        let text = egui::RichText::new(line).monospace().size(10.5);
        ui.add(egui::Label::new(text).selectable(true))
            .on_hover_text(cert.to_string());
    }
}

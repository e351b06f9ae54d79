//! What the windows remember between runs (eframe persistence): the last host, ports,
//! encodings and language. Runtime handles never go in here.

use serde::{Deserialize, Serialize};
use tcptalk_core::TextEncoding;
use tcptalk_core::history::HistoryLimits;

use crate::Lang;

/// The tutorial's defaults.
pub const DEFAULT_PORT: &str = "8899";
pub const DEFAULT_HOST: &str = "127.0.0.1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// `None` follows the system's language.
    pub lang: Option<Lang>,
    pub server_port: String,
    pub client_host: String,
    pub client_port: String,
    /// Encoding names as `TextEncoding`'s `FromStr` reads them.
    pub server_encoding: String,
    pub client_encoding: String,
    /// 十六进制发送 and 十六进制显示 ticked in each window.
    pub server_hex_send: bool,
    pub client_hex_send: bool,
    pub server_hex_view: bool,
    pub client_hex_view: bool,
    /// History each window keeps in memory, in MiB; older lines go to a spool file (and the
    /// `--log` file) and 保存历史 still writes them. 0 keeps only the newest chunk.
    pub history_limit_mib: u64,
    /// 传输方式 of each window: TCP, UDP or TLS.
    pub server_transport: String,
    pub client_transport: String,
    /// 主题: "system" (follow the desktop), "light" or "dark".
    pub theme: String,
    /// 自动换行 in each window's history.
    pub server_wrap: bool,
    pub client_wrap: bool,
    /// Height of each window's message box in points (where the split was left); 0 for the
    /// default.
    pub server_message_height: u32,
    pub client_message_height: u32,
    /// The client window's position and size (x, y, width, height) when both windows are
    /// open; eframe itself keeps the first window's.
    pub client_window: Option<[i32; 4]>,
    /// The tabs added to the windows (＋), opened again at the next start with their own
    /// settings; each window's own first tab is the fields above.
    pub tabs: Vec<SavedTab>,
}

/// One added tab, as it is remembered: whose tab bar it was in, what it is, and its settings
/// (the server or client fields of a [`Settings`] of its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedTab {
    /// In the server window's tab bar (the window whose own first tab is a server), or the
    /// client window's.
    pub in_server_window: bool,
    pub server: bool,
    pub settings: Settings,
}

/// The default of [`Settings::history_limit_mib`]: the core's default (64 MiB, about 800,000
/// lines of 60 bytes per window; a test keeps the two equal).
pub const DEFAULT_HISTORY_MIB: u64 = 64;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lang: None,
            server_port: DEFAULT_PORT.into(),
            client_host: DEFAULT_HOST.into(),
            client_port: DEFAULT_PORT.into(),
            server_encoding: TextEncoding::Utf8.label().into(),
            client_encoding: TextEncoding::Utf8.label().into(),
            server_hex_send: false,
            client_hex_send: false,
            server_hex_view: false,
            client_hex_view: false,
            history_limit_mib: DEFAULT_HISTORY_MIB,
            server_transport: "TCP".into(),
            client_transport: "TCP".into(),
            theme: "system".into(),
            server_wrap: true,
            client_wrap: true,
            server_message_height: 0,
            client_message_height: 0,
            client_window: None,
            tabs: Vec::new(),
        }
    }
}

impl Settings {
    /// [`Settings::history_limit_mib`] as the history takes it.
    pub fn history_limits(&self) -> HistoryLimits {
        let max_bytes =
            usize::try_from(self.history_limit_mib.saturating_mul(1 << 20)).unwrap_or(usize::MAX);
        HistoryLimits { max_bytes }
    }
}

/// Reads a remembered theme; anything unknown follows the system.
pub fn parse_theme(name: &str) -> egui::ThemePreference {
    match name {
        "light" => egui::ThemePreference::Light,
        "dark" => egui::ThemePreference::Dark,
        _ => egui::ThemePreference::System,
    }
}

/// The name [`parse_theme`] reads back.
pub fn theme_name(theme: egui::ThemePreference) -> &'static str {
    match theme {
        egui::ThemePreference::Light => "light",
        egui::ThemePreference::Dark => "dark",
        egui::ThemePreference::System => "system",
    }
}

/// Reads a remembered transport name; anything unknown means TCP.
pub fn parse_transport(name: &str) -> tcptalk_net::Transport {
    match name {
        "UDP" => tcptalk_net::Transport::Udp,
        "TLS" => tcptalk_net::Transport::Tls,
        _ => tcptalk_net::Transport::Tcp,
    }
}

/// Reads a remembered encoding name; anything unknown means UTF-8.
pub fn parse_encoding(name: &str) -> TextEncoding {
    name.parse().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_take_defaults() {
        let settings: Settings =
            serde_json::from_str(r#"{"client_host":"10.0.0.2"}"#).expect("valid json");
        assert_eq!(settings.client_host, "10.0.0.2");
        assert_eq!(settings.server_port, DEFAULT_PORT);
        assert_eq!(settings.lang, None);
        assert_eq!(settings.history_limits(), HistoryLimits::default());
    }

    #[test]
    fn encoding_names_round_trip() {
        for encoding in TextEncoding::ALL {
            assert_eq!(parse_encoding(encoding.label()), encoding);
        }
        assert_eq!(parse_encoding("EBCDIC"), TextEncoding::Utf8);
    }

    #[test]
    fn theme_names_round_trip() {
        use egui::ThemePreference;
        for theme in [
            ThemePreference::System,
            ThemePreference::Light,
            ThemePreference::Dark,
        ] {
            assert_eq!(parse_theme(theme_name(theme)), theme);
        }
        assert_eq!(parse_theme("solarized"), ThemePreference::System);
    }

    #[test]
    fn transport_names_round_trip() {
        use tcptalk_net::Transport;
        for transport in [Transport::Tcp, Transport::Udp, Transport::Tls] {
            assert_eq!(parse_transport(&transport.to_string()), transport);
        }
        assert_eq!(parse_transport("SCTP"), Transport::Tcp);
    }
}

//! What the windows remember between runs (eframe persistence): the last host, ports,
//! encodings and language. Runtime handles never go in here.

use serde::{Deserialize, Serialize};
use tcptalk_core::TextEncoding;

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
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lang: None,
            server_port: DEFAULT_PORT.into(),
            client_host: DEFAULT_HOST.into(),
            client_port: DEFAULT_PORT.into(),
            server_encoding: TextEncoding::Utf8.label().into(),
            client_encoding: TextEncoding::Utf8.label().into(),
        }
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
    }

    #[test]
    fn encoding_names_round_trip() {
        for encoding in TextEncoding::ALL {
            assert_eq!(parse_encoding(encoding.label()), encoding);
        }
        assert_eq!(parse_encoding("EBCDIC"), TextEncoding::Utf8);
    }
}

//! A message as a person writes it (text or hex, escapes, a line end, a checksum) and the
//! bytes it stands for, composed once for every front end and every way of sending (once, on a
//! timer, from a saved command, `--send`).
//!
//! On the wire a message is `payload, checksum, line end`: the checksum covers the payload only
//! and sits *before* the line end, as line-based device protocols have it (`$GPGGA,...*47\r\n`
//! style, or a sum byte before CR LF); with no line end (Modbus RTU) the checksum simply ends the
//! frame. The history shows the checksum apart from the payload, in brackets:
//! `[HEX] 01 03 00 0A 00 02 [E4 09]`, `AT+RST [5C] \r\n`.

use crate::checksum::{Checksum, LineEnd};
use crate::decode::TextEncoding;
use crate::escape::display_safe;
use crate::hex::{HexError, parse_hex, to_hex};

/// How the body of a message is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BodyFormat {
    /// Text, sent in the session's encoding.
    #[default]
    Text,
    /// Hex digits spelling the bytes (`01 03 00 0A`, `0x01,0x03`).
    Hex,
}

/// A message before it is sent: what the user typed and how it should be framed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    pub body: String,
    pub format: BodyFormat,
    /// In text, `\r \n \t \0 \xNN \\` stand for those bytes (so a control byte can be typed
    /// without switching to hex). Off, a backslash is just a backslash.
    pub escapes: bool,
    pub line_end: LineEnd,
    pub checksum: Checksum,
}

impl Message {
    /// Plain text, sent as typed.
    pub fn text(body: impl Into<String>) -> Self {
        Message {
            body: body.into(),
            ..Message::default()
        }
    }

    /// Hex text for exact bytes.
    pub fn hex(body: impl Into<String>) -> Self {
        Message {
            body: body.into(),
            format: BodyFormat::Hex,
            ..Message::default()
        }
    }

    pub fn with_line_end(mut self, line_end: LineEnd) -> Self {
        self.line_end = line_end;
        self
    }

    pub fn with_checksum(mut self, checksum: Checksum) -> Self {
        self.checksum = checksum;
        self
    }

    pub fn with_escapes(mut self, escapes: bool) -> Self {
        self.escapes = escapes;
        self
    }

    /// The bytes this message stands for, text encoded in `encoding`. Every byte or none: a
    /// mistake anywhere refuses the whole message and says where.
    pub fn compose(&self, encoding: TextEncoding) -> Result<Composed, ComposeError> {
        let payload = match self.format {
            BodyFormat::Hex => parse_hex(&self.body)?,
            BodyFormat::Text if self.escapes => unescape(&self.body, encoding)?,
            BodyFormat::Text => encoding.encode(&self.body),
        };
        if payload.is_empty() && self.line_end == LineEnd::None {
            return Err(ComposeError::Empty);
        }
        let check = self.checksum.of(&payload);
        let text = match self.format {
            BodyFormat::Text if !self.escapes => Some(self.body.clone()),
            BodyFormat::Text => Some(decode_all(&payload, encoding)),
            BodyFormat::Hex => None,
        };
        Ok(Composed {
            payload,
            check,
            line_end: self.line_end,
            text,
        })
    }
}

/// Why a message cannot be sent. The `Display` text is meant for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ComposeError {
    #[error("{0}")]
    Hex(#[from] HexError),
    #[error("{0}")]
    Escape(#[from] EscapeError),
    /// No bytes at all (empty hex, or empty text with no line end).
    #[error("the message is empty")]
    Empty,
}

/// A mistake in a text escape, with its position counted in characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EscapeError {
    #[error(
        "\"\\{ch}\" at character {position} is not an escape: use \\r \\n \\t \\0 \\xNN or \\\\ for a backslash"
    )]
    Unknown { ch: char, position: usize },
    #[error("\"\\x\" at character {position} needs two hex digits, such as \\x1B")]
    ShortHex { position: usize },
    #[error("a lone \"\\\" ends the message at character {position}: write \\\\ for a backslash")]
    Trailing { position: usize },
}

/// Text with escapes to bytes: the text between escapes in `encoding`, each escape as its byte.
fn unescape(text: &str, encoding: TextEncoding) -> Result<Vec<u8>, EscapeError> {
    let mut out = Vec::with_capacity(text.len());
    let mut plain = String::new();
    let mut chars = text.chars().zip(1..);
    while let Some((c, position)) = chars.next() {
        if c != '\\' {
            plain.push(c);
            continue;
        }
        let byte = match chars.next() {
            None => return Err(EscapeError::Trailing { position }),
            Some(('r', _)) => b'\r',
            Some(('n', _)) => b'\n',
            Some(('t', _)) => b'\t',
            Some(('0', _)) => 0,
            Some(('\\', _)) => b'\\',
            Some(('x' | 'X', _)) => {
                let high = chars.next().and_then(|(c, _)| c.to_digit(16));
                let low = chars.next().and_then(|(c, _)| c.to_digit(16));
                match (high, low) {
                    (Some(high), Some(low)) => u8::try_from(high << 4 | low)
                        .map_err(|_| EscapeError::ShortHex { position })?,
                    _ => return Err(EscapeError::ShortHex { position }),
                }
            }
            Some((ch, _)) => return Err(EscapeError::Unknown { ch, position }),
        };
        out.extend_from_slice(&encoding.encode(&plain));
        plain.clear();
        out.push(byte);
    }
    out.extend_from_slice(&encoding.encode(&plain));
    Ok(out)
}

/// Bytes back to text for showing (invalid bytes as `\xNN`, as arriving ones are shown).
fn decode_all(bytes: &[u8], encoding: TextEncoding) -> String {
    let mut decoder = crate::decode::StreamDecoder::new(encoding);
    let mut text = String::new();
    decoder.decode(bytes, &mut text);
    decoder.finish(&mut text);
    text
}

/// A composed message: exactly the bytes that go on the wire, kept in their three parts so the
/// history can show the checksum apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub payload: Vec<u8>,
    /// The checksum's bytes (empty for none).
    pub check: Vec<u8>,
    pub line_end: LineEnd,
    /// The payload as text, for a text message (`None` for hex).
    text: Option<String>,
}

impl Composed {
    /// Every byte, in wire order: payload, checksum, line end.
    pub fn wire(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(self.payload.len() + self.check.len() + self.line_end.bytes().len());
        out.extend_from_slice(&self.payload);
        out.extend_from_slice(&self.check);
        out.extend_from_slice(self.line_end.bytes());
        out
    }

    /// How the history shows it, in `hex_mark` + hex for a hex message. A text message shows
    /// its text (control characters as visible escapes, typed line breaks as line breaks),
    /// then ` [checksum hex]`, then the line end written as escapes (`\r\n`), so every byte
    /// sent is on the screen.
    pub fn shown(&self, hex_mark: &str) -> String {
        let mut out = match &self.text {
            // A line break typed in the text stays one (the history shows it as rows).
            Some(text) => display_safe(text),
            None => format!("{hex_mark}{}", to_hex(&self.payload)),
        };
        if !self.check.is_empty() {
            out.push_str(" [");
            out.push_str(&to_hex(&self.check));
            out.push(']');
        }
        let end = self.line_end.bytes();
        if !end.is_empty() {
            out.push(' ');
            if self.text.is_some() {
                out.push_str(&display_safe(&String::from_utf8_lossy(end)).replace('\n', "\\n"));
            } else {
                out.push_str(&to_hex(end));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UTF8: TextEncoding = TextEncoding::Utf8;

    #[test]
    fn modbus_request_gets_its_crc_low_byte_first_and_shows_it_apart() {
        let message = Message::hex("01 03 00 0A 00 02").with_checksum(Checksum::Crc16Modbus);
        let composed = message.compose(UTF8).expect("valid");
        assert_eq!(
            composed.wire(),
            [0x01, 0x03, 0x00, 0x0A, 0x00, 0x02, 0xE4, 0x09]
        );
        assert_eq!(composed.shown("[HEX] "), "[HEX] 01 03 00 0A 00 02 [E4 09]");
    }

    #[test]
    fn checksum_sits_before_the_line_end_and_covers_the_payload_only() {
        let message = Message::text("AT")
            .with_checksum(Checksum::Xor8)
            .with_line_end(LineEnd::CrLf);
        let composed = message.compose(UTF8).expect("valid");
        assert_eq!(composed.wire(), [b'A', b'T', b'A' ^ b'T', b'\r', b'\n']);
        assert_eq!(composed.shown("[HEX] "), "AT [15] \\r\\n");
        let hex = Message::hex("41 54").with_line_end(LineEnd::Lf);
        assert_eq!(
            hex.compose(UTF8).expect("valid").shown("[HEX] "),
            "[HEX] 41 54 0A"
        );
    }

    #[test]
    fn escapes_stand_for_their_bytes_and_text_keeps_its_encoding() {
        let message = Message::text(r"你\r\n\t\0\x1B\\x").with_escapes(true);
        let composed = message.compose(TextEncoding::Gb18030).expect("valid");
        assert_eq!(
            composed.wire(),
            [0xC4, 0xE3, b'\r', b'\n', b'\t', 0, 0x1B, b'\\', b'x']
        );
        // Without escapes, a backslash is a backslash (a Windows path stays a path).
        let path = Message::text(r"C:\new").compose(UTF8).expect("valid");
        assert_eq!(path.wire(), br"C:\new");
    }

    #[test]
    fn a_bad_escape_names_its_position_and_sends_nothing() {
        let bad = |text: &str| {
            Message::text(text)
                .with_escapes(true)
                .compose(UTF8)
                .expect_err("refused")
        };
        assert_eq!(
            bad(r"ab\q"),
            ComposeError::Escape(EscapeError::Unknown {
                ch: 'q',
                position: 3
            })
        );
        assert_eq!(
            bad(r"\x1"),
            ComposeError::Escape(EscapeError::ShortHex { position: 1 })
        );
        assert_eq!(
            bad(r"\xZZ"),
            ComposeError::Escape(EscapeError::ShortHex { position: 1 })
        );
        assert_eq!(
            bad("末尾\\"),
            ComposeError::Escape(EscapeError::Trailing { position: 3 })
        );
        assert!(bad(r"\q").to_string().contains("\\xNN"));
    }

    #[test]
    fn hex_mistakes_and_empty_messages_are_refused() {
        let odd = Message::hex("01 0").compose(UTF8).expect_err("odd");
        assert!(odd.to_string().contains("character 4"), "{odd}");
        assert_eq!(Message::hex(" ").compose(UTF8), Err(ComposeError::Empty));
        assert_eq!(Message::text("").compose(UTF8), Err(ComposeError::Empty));
        // A bare line end is a message (an empty line).
        let newline = Message::text("").with_line_end(LineEnd::Lf);
        assert_eq!(newline.compose(UTF8).expect("valid").wire(), b"\n");
    }
}

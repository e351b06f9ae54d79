//! Streaming decoding of peer bytes into display-safe text.
//!
//! TCP delivers a byte stream, not messages: "中" (E4 B8 AD) may arrive as E4 B8 in one read and
//! AD in the next. Decoding each read on its own, as the seed did (`"..." + m_tcp->readAll()`),
//! turns that into replacement characters. [`StreamDecoder`] keeps the decoder state between reads
//! (one per peer) so split characters come out whole.
//!
//! Invalid bytes are a fact the user of a debugging tool needs to see, so instead of U+FFFD they
//! are shown as `\xNN`, one escape per byte, exactly the bytes that were wrong.

use std::fmt;
use std::str::FromStr;

use encoding_rs::{Decoder, DecoderResult, Encoding, GB18030, UTF_8};

use crate::escape::{escape_char_for_display, push_byte_escape};
use crate::input::InputError;

/// The text encodings a user can choose for what they send and how what arrives is read.
///
/// GBK is decoded and encoded as GB18030, its superset: every GBK byte sequence decodes the same,
/// and GB18030 can encode every Unicode character, so sending never has to fail or substitute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum TextEncoding {
    #[default]
    Utf8,
    Gb18030,
}

impl TextEncoding {
    /// Every choice, in the order a menu should list them.
    pub const ALL: [TextEncoding; 2] = [TextEncoding::Utf8, TextEncoding::Gb18030];

    /// The name to show in a menu or a status line. [`FromStr`] accepts it back.
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Gb18030 => "GBK/GB18030",
        }
    }

    /// Encodes `text` for sending.
    ///
    /// Both encodings represent every `char` with one exception: the private-use U+E5E5, which
    /// the WHATWG GB18030 encoder leaves unmapped and encoding_rs writes as the HTML reference
    /// `&#58853;`. Returning an error for a character nobody types would burden every caller.
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            TextEncoding::Utf8 => text.as_bytes().to_vec(),
            TextEncoding::Gb18030 => GB18030.encode(text).0.into_owned(),
        }
    }

    fn encoding_rs(self) -> &'static Encoding {
        match self {
            TextEncoding::Utf8 => UTF_8,
            TextEncoding::Gb18030 => GB18030,
        }
    }
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for TextEncoding {
    type Err = InputError;

    /// Accepts the names people use on the command line, in any case: `utf8`, `utf-8`, `gbk`,
    /// `gb18030`, `gb2312`, `cp936`, and the [`TextEncoding::label`]s.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "utf8" | "utf-8" => Ok(TextEncoding::Utf8),
            "gbk" | "gb18030" | "gb2312" | "cp936" | "gbk/gb18030" => Ok(TextEncoding::Gb18030),
            _ => Err(InputError::UnknownEncoding {
                input: text.trim().to_owned(),
            }),
        }
    }
}

/// Whether decoded control characters are escaped for display or kept for further processing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Controls {
    Escape,
    /// For [`crate::lines::LineAssembler`], which must see the raw `\r` before `\n` and escapes
    /// each finished line itself.
    Keep,
}

/// Decodes one peer's byte stream, read by read, into display-safe text.
///
/// Output rules: valid text is appended as decoded, with control characters escaped as
/// [`crate::escape::display_safe`] does (so a NUL is visible and nothing after it is lost); each
/// byte of an invalid or incomplete sequence is appended as `\xNN`.
///
/// Malformed sequences may begin in an earlier read (the decoder has already consumed those
/// bytes), so the last few consumed bytes are remembered to show them exactly. encoding_rs
/// bounds a malformed sequence plus the bytes read after it at 6; the window is larger, so in
/// practice every byte is shown. Should that bound ever be exceeded, the bytes still known are
/// shown followed by U+FFFD rather than silently dropped.
pub struct StreamDecoder {
    encoding: TextEncoding,
    decoder: Decoder,
    recent: RecentBytes,
    controls: Controls,
    /// Reused between calls so that decoding a read does not allocate.
    scratch: String,
}

impl fmt::Debug for StreamDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamDecoder")
            .field("encoding", &self.encoding)
            .field("controls", &self.controls)
            .finish_non_exhaustive()
    }
}

impl StreamDecoder {
    /// Creates a decoder for one stream. A BOM is decoded like any other character: in the
    /// middle of a TCP conversation it is data, not a signature.
    pub fn new(encoding: TextEncoding) -> Self {
        Self::with_controls(encoding, Controls::Escape)
    }

    pub(crate) fn with_controls(encoding: TextEncoding, controls: Controls) -> Self {
        Self {
            encoding,
            decoder: encoding.encoding_rs().new_decoder_without_bom_handling(),
            recent: RecentBytes::default(),
            controls,
            scratch: String::new(),
        }
    }

    /// The encoding this decoder reads.
    pub fn encoding(&self) -> TextEncoding {
        self.encoding
    }

    /// Appends the text of `bytes` to `out`. The start of a character that the next read may
    /// complete is held back inside the decoder.
    pub fn decode(&mut self, bytes: &[u8], out: &mut String) {
        self.run(bytes, out, false);
    }

    /// Ends the stream: appends any held-back incomplete sequence as `\xNN` escapes. The decoder
    /// is then ready for a new stream.
    pub fn finish(&mut self, out: &mut String) {
        self.run(&[], out, true);
        self.decoder = self
            .encoding
            .encoding_rs()
            .new_decoder_without_bom_handling();
        self.recent = RecentBytes::default();
    }

    fn run(&mut self, mut src: &[u8], out: &mut String, last: bool) {
        loop {
            // The worst case for this input; only `None` on arithmetic overflow, in which case
            // the OutputFull arm below keeps going with whatever room we have.
            let room = self
                .decoder
                .max_utf8_buffer_length_without_replacement(src.len())
                .unwrap_or(64 * 1024);
            self.scratch.clear();
            self.scratch.reserve(room);
            let (result, read) =
                self.decoder
                    .decode_to_string_without_replacement(src, &mut self.scratch, last);
            let (consumed, rest) = src.split_at(read.min(src.len()));
            self.recent.remember(consumed);
            src = rest;
            self.append_decoded(out);
            match result {
                DecoderResult::InputEmpty => return,
                DecoderResult::OutputFull => {}
                DecoderResult::Malformed(len, extra) => self.append_malformed(len, extra, out),
            }
        }
    }

    fn append_decoded(&self, out: &mut String) {
        match self.controls {
            Controls::Keep => out.push_str(&self.scratch),
            Controls::Escape => {
                out.reserve(self.scratch.len());
                for c in self.scratch.chars() {
                    escape_char_for_display(c, out);
                }
            }
        }
    }

    /// Shows the `len` malformed bytes, which end `extra` bytes before the end of everything
    /// consumed so far (encoding_rs's contract for `DecoderResult::Malformed`).
    fn append_malformed(&self, len: u8, extra: u8, out: &mut String) {
        let wanted = usize::from(len);
        let known = self.recent.ending_before(usize::from(extra), wanted);
        for &byte in known {
            push_byte_escape(byte, out);
        }
        if known.len() < wanted {
            out.push(char::REPLACEMENT_CHARACTER);
        }
    }
}

/// The last few bytes the decoder consumed, across reads.
#[derive(Debug, Default, Clone)]
struct RecentBytes {
    buf: [u8; RecentBytes::CAPACITY],
    len: usize,
}

impl RecentBytes {
    /// More than the 6 that encoding_rs documents as the most a malformed report can reach back.
    const CAPACITY: usize = 8;

    fn remember(&mut self, bytes: &[u8]) {
        if bytes.len() >= Self::CAPACITY {
            self.buf
                .copy_from_slice(&bytes[bytes.len() - Self::CAPACITY..]);
            self.len = Self::CAPACITY;
            return;
        }
        let keep = self.len.min(Self::CAPACITY - bytes.len());
        self.buf.copy_within(self.len - keep..self.len, 0);
        self.buf[keep..keep + bytes.len()].copy_from_slice(bytes);
        self.len = keep + bytes.len();
    }

    /// Up to `len` bytes ending `skip` bytes before the newest one; fewer if the window does
    /// not reach that far back.
    fn ending_before(&self, skip: usize, len: usize) -> &[u8] {
        let end = self.len.saturating_sub(skip);
        &self.buf[end.saturating_sub(len)..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(encoding: TextEncoding, bytes: &[u8]) -> String {
        decode_chunks(encoding, &[bytes])
    }

    fn decode_chunks(encoding: TextEncoding, chunks: &[&[u8]]) -> String {
        let mut decoder = StreamDecoder::new(encoding);
        let mut out = String::new();
        for chunk in chunks {
            decoder.decode(chunk, &mut out);
        }
        decoder.finish(&mut out);
        out
    }

    fn decode_byte_by_byte(encoding: TextEncoding, bytes: &[u8]) -> String {
        let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
        decode_chunks(encoding, &chunks)
    }

    /// Every way of cutting `bytes` into up to three reads must give the single-read result.
    fn assert_chunking_invariant(encoding: TextEncoding, bytes: &[u8]) {
        let whole = decode_all(encoding, bytes);
        for first in 0..=bytes.len() {
            for second in first..=bytes.len() {
                let chunks = [&bytes[..first], &bytes[first..second], &bytes[second..]];
                assert_eq!(
                    decode_chunks(encoding, &chunks),
                    whole,
                    "{encoding} {bytes:02X?} split at {first}, {second}"
                );
            }
        }
        assert_eq!(decode_byte_by_byte(encoding, bytes), whole);
    }

    /// What UTF-8 decoding must give, built independently from std's own UTF-8 validator, whose
    /// invalid chunks are the same "maximal subparts" encoding_rs reports.
    fn reference_utf8(bytes: &[u8]) -> String {
        let mut out = String::new();
        for chunk in bytes.utf8_chunks() {
            out.push_str(&crate::escape::display_safe(chunk.valid()));
            for &byte in chunk.invalid() {
                push_byte_escape(byte, &mut out);
            }
        }
        out
    }

    #[test]
    fn labels_and_names() {
        assert_eq!(TextEncoding::default(), TextEncoding::Utf8);
        assert_eq!(TextEncoding::Utf8.label(), "UTF-8");
        assert_eq!(TextEncoding::Gb18030.to_string(), "GBK/GB18030");
        for name in ["utf8", "UTF-8", " Utf-8 "] {
            assert_eq!(name.parse(), Ok(TextEncoding::Utf8), "{name}");
        }
        for name in ["gbk", "GBK", "gb18030", "GB2312", "cp936", "GBK/GB18030"] {
            assert_eq!(name.parse(), Ok(TextEncoding::Gb18030), "{name}");
        }
        for encoding in TextEncoding::ALL {
            assert_eq!(encoding.label().parse(), Ok(encoding));
        }
    }

    #[test]
    fn unknown_encoding_name_is_an_error() {
        assert_eq!(
            "latin1".parse::<TextEncoding>(),
            Err(InputError::UnknownEncoding {
                input: "latin1".to_owned()
            })
        );
    }

    #[test]
    fn encode_utf8_and_gbk() {
        assert_eq!(TextEncoding::Utf8.encode("中"), [0xE4, 0xB8, 0xAD]);
        assert_eq!(TextEncoding::Gb18030.encode("中"), [0xD6, 0xD0]);
        assert_eq!(TextEncoding::Gb18030.encode("ab"), b"ab");
    }

    #[test]
    fn gb18030_encoding_is_total() {
        // Outside GBK: needs GB18030's four-byte form, but must not be replaced.
        let text = "€😀\u{10FFFF}\u{FFFF}";
        let bytes = TextEncoding::Gb18030.encode(text);
        assert_eq!(bytes.len(), 2 + 4 + 4 + 4);
        assert_eq!(decode_all(TextEncoding::Gb18030, &bytes), text);
    }

    #[test]
    fn gb18030_unmapped_private_use_character_becomes_a_reference() {
        assert_eq!(TextEncoding::Gb18030.encode("\u{E5E5}"), b"&#58853;");
    }

    /// Turns decoder output back into bytes: `\xNN` is the byte itself, any other character its
    /// GB18030 encoding. Only meaningful for inputs without backslashes.
    fn gb18030_bytes_behind(text: &str) -> Option<Vec<u8>> {
        let mut bytes = Vec::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if let Some(escape) = rest.strip_prefix("\\x") {
                bytes.push(u8::from_str_radix(escape.get(..2)?, 16).ok()?);
                rest = escape.get(2..)?;
            } else {
                bytes.extend(TextEncoding::Gb18030.encode(c.encode_utf8(&mut [0; 4])));
                rest = &rest[c.len_utf8()..];
            }
        }
        Some(bytes)
    }

    #[test]
    fn gb18030_shows_exactly_the_bytes_that_arrived() {
        // Digits, ASCII, lead bytes, and a byte that is never valid: enough to break two- and
        // four-byte forms in every position, including the ones encoding_rs rereads.
        const ALPHABET: [u8; 8] = [0x30, 0x39, b'A', 0x81, 0x90, 0xD6, 0xFE, 0xFF];
        for a in ALPHABET {
            for b in ALPHABET {
                for c in ALPHABET {
                    for d in ALPHABET {
                        let bytes = [a, b, c, d];
                        for split in 0..=bytes.len() {
                            let (head, tail) = bytes.split_at(split);
                            let mut decoder =
                                StreamDecoder::with_controls(TextEncoding::Gb18030, Controls::Keep);
                            let mut text = String::new();
                            decoder.decode(head, &mut text);
                            decoder.decode(tail, &mut text);
                            decoder.finish(&mut text);
                            assert_eq!(
                                gb18030_bytes_behind(&text).as_deref(),
                                Some(&bytes[..]),
                                "{bytes:02X?} split at {split} gave {text:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn utf8_chinese_byte_by_byte() {
        let text = "中文测试，你好";
        assert_eq!(
            decode_byte_by_byte(TextEncoding::Utf8, text.as_bytes()),
            text
        );
    }

    #[test]
    fn utf8_character_split_across_reads() {
        assert_eq!(
            decode_chunks(TextEncoding::Utf8, &[b"\xE4\xB8", b"\xAD"]),
            "中"
        );
    }

    #[test]
    fn gbk_byte_by_byte() {
        assert_eq!(
            decode_byte_by_byte(TextEncoding::Gb18030, &[0xD6, 0xD0]),
            "中"
        );
        let bytes = TextEncoding::Gb18030.encode("中文测试");
        assert_eq!(bytes.len(), 8);
        assert_eq!(
            decode_byte_by_byte(TextEncoding::Gb18030, &bytes),
            "中文测试"
        );
    }

    #[test]
    fn invalid_utf8_is_visible() {
        assert_eq!(decode_all(TextEncoding::Utf8, b"\xff\xfe"), "\\xFF\\xFE");
    }

    #[test]
    fn nul_is_visible_and_nothing_after_it_is_lost() {
        assert_eq!(decode_all(TextEncoding::Utf8, b"a\0b"), "a\\0b");
        assert_eq!(decode_all(TextEncoding::Gb18030, b"a\0b"), "a\\0b");
    }

    #[test]
    fn terminal_controls_are_escaped_newlines_kept() {
        assert_eq!(
            decode_all(TextEncoding::Utf8, b"\x1b[31mred\r\nnext\tcol\n"),
            "\\x1B[31mred\\r\nnext\tcol\n"
        );
    }

    #[test]
    fn mixed_valid_and_invalid() {
        assert_eq!(
            decode_all(TextEncoding::Utf8, b"ok\xE4\xB8!\xFF\xE4\xB8\xAD\x80z"),
            "ok\\xE4\\xB8!\\xFF中\\x80z"
        );
    }

    #[test]
    fn malformed_sequence_starting_in_an_earlier_read() {
        assert_eq!(
            decode_chunks(TextEncoding::Utf8, &[b"x\xF0\x9F", b"\x98", b"!"]),
            "x\\xF0\\x9F\\x98!"
        );
    }

    #[test]
    fn incomplete_tail_is_shown_on_finish() {
        let mut decoder = StreamDecoder::new(TextEncoding::Utf8);
        let mut out = String::new();
        decoder.decode(b"ok\xE4\xB8", &mut out);
        assert_eq!(out, "ok");
        decoder.finish(&mut out);
        assert_eq!(out, "ok\\xE4\\xB8");
        // A finished decoder starts a fresh stream: no stale state, no stale bytes.
        decoder.decode("中".as_bytes(), &mut out);
        decoder.finish(&mut out);
        assert_eq!(out, "ok\\xE4\\xB8中");
    }

    #[test]
    fn gbk_lead_byte_before_ascii_keeps_the_ascii() {
        // D6 is a lead byte; '\n' cannot be its trail, so only D6 is bad and '\n' survives.
        assert_eq!(decode_all(TextEncoding::Gb18030, b"\xD6\nA"), "\\xD6\nA");
        assert_eq!(decode_all(TextEncoding::Gb18030, b"\xD6"), "\\xD6");
    }

    #[test]
    fn gb18030_broken_four_byte_sequences() {
        // 81 30 81 starts a four-byte form; 41 breaks it. Only 81 is bad, the rest is
        // reread: "0", then 81 41 is a valid GBK pair.
        let gbk_8141 = decode_all(TextEncoding::Gb18030, &[0x81, 0x41]);
        assert_eq!(
            decode_all(TextEncoding::Gb18030, &[0x81, 0x30, 0x81, 0x41, 0x42]),
            format!("\\x810{gbk_8141}B")
        );
        assert_eq!(
            decode_all(TextEncoding::Gb18030, &[0x81, 0x30, 0xFF, 0x42]),
            "\\x810\\xFFB"
        );
        assert_eq!(
            decode_all(TextEncoding::Gb18030, &[0x81, 0x30, 0x81]),
            "\\x81\\x30\\x81"
        );
        // A valid four-byte form that decodes to the C1 control U+0080: escaped like any other.
        assert_eq!(
            decode_all(TextEncoding::Gb18030, &[0x81, 0x30, 0x81, 0x30]),
            "\\u{80}"
        );
    }

    #[test]
    fn utf8_matches_an_independent_reference_for_all_short_inputs() {
        // Bytes chosen to hit every branch of UTF-8 validation: ASCII, controls, continuation
        // ranges, every restricted lead byte, and bytes that are never valid.
        const ALPHABET: [u8; 14] = [
            0x00, b'A', 0x0A, 0x80, 0x90, 0x9B, 0xA0, 0xBF, 0xC2, 0xE0, 0xED, 0xF0, 0xF4, 0xFF,
        ];
        for a in ALPHABET {
            for b in ALPHABET {
                for c in ALPHABET {
                    for d in ALPHABET {
                        let bytes = [a, b, c, d];
                        let expected = reference_utf8(&bytes);
                        assert_eq!(decode_all(TextEncoding::Utf8, &bytes), expected);
                        let (head, tail) = bytes.split_at(2);
                        assert_eq!(decode_chunks(TextEncoding::Utf8, &[head, tail]), expected);
                        assert_eq!(decode_byte_by_byte(TextEncoding::Utf8, &bytes), expected);
                    }
                }
            }
        }
    }

    #[test]
    fn chunking_never_changes_the_result() {
        let mut utf8 = "héllo 中文\r\n".as_bytes().to_vec();
        utf8.extend_from_slice(b"\xE4\xB8\x00\xF0\x9F\x98\x80\xFF\xC2\x9B\xED\xA0\x80z\xE4");
        assert_chunking_invariant(TextEncoding::Utf8, &utf8);

        let mut gbk = TextEncoding::Gb18030.encode("中文测试😀\n");
        gbk.extend_from_slice(&[0x81, 0x30, 0x81, 0x41, 0xD6, 0x0A, 0x81, 0x30, 0xFF, 0x00]);
        gbk.extend_from_slice(&[0xFE, 0x39, 0xFE, 0x39, 0x80, 0xD6]);
        assert_chunking_invariant(TextEncoding::Gb18030, &gbk);
    }

    #[test]
    fn large_read_decodes_in_one_call() {
        let text = "中文测试，你好\n".repeat(10_000);
        assert_eq!(decode_all(TextEncoding::Utf8, text.as_bytes()), text);
    }

    #[test]
    fn recent_bytes_keeps_the_newest() {
        let mut recent = RecentBytes::default();
        recent.remember(b"abc");
        recent.remember(b"defgh");
        recent.remember(b"ij");
        assert_eq!(recent.ending_before(0, 8), b"cdefghij");
        assert_eq!(recent.ending_before(2, 3), b"fgh");
        recent.remember(b"0123456789");
        assert_eq!(recent.ending_before(0, 3), b"789");
        // Asking further back than remembered gives what is known, never a panic.
        assert_eq!(recent.ending_before(6, 4), b"23");
        assert_eq!(recent.ending_before(20, 4), b"");
    }
}

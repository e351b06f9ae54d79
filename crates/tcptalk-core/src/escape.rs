//! Making what a peer sends harmless to show.
//!
//! A peer controls every byte we display. Shown raw, `ESC [ 2 J` clears the user's terminal, a
//! C1 `CSI` (U+009B, or the lone byte 0x9B on an 8-bit terminal) does the same in fewer bytes, and
//! a NUL can cut a C-string-minded widget short so that whatever follows silently disappears. So
//! control characters are rewritten as visible escapes, and everything else (ASCII text, Chinese,
//! emoji) passes through untouched.
//!
//! One rule serves both the terminal ([`TerminalEscaper`], on raw bytes) and the GUI
//! ([`display_safe`], on decoded text):
//!
//! | what arrives                               | shown as            |
//! |--------------------------------------------|---------------------|
//! | `\n`, `\t`                                 | unchanged           |
//! | NUL                                        | `\0`                |
//! | carriage return                            | `\r`                |
//! | other C0 controls (0x01–0x1F), DEL (0x7F)  | `\xNN`, e.g. `\x1B` |
//! | C1 control *characters* U+0080–U+009F      | `\u{NN}`, e.g. `\u{9B}` |
//! | a lone *byte* 0x80–0x9F (terminal only)    | `\xNN`, e.g. `\x9B` |
//!
//! C1 characters get `\u{..}` rather than `\x..` so that the character U+009B (bytes C2 9B) and
//! an invalid stray byte 0x9B stay distinguishable, matching how the decoder shows invalid bytes
//! (`\xFF`). Hex digits are uppercase everywhere, like [`crate::hex::to_hex`].
//!
//! Backslashes a peer sends are *not* doubled: `\x1B` typed literally by a peer looks the same as
//! an escaped ESC. Doubling them would make every Windows path unreadable, and the hex view is
//! there for the cases where the exact bytes matter.

use std::fmt::Write as _;

/// Whether `c` is a control character that must not reach a terminal or a text widget as is.
///
/// Tab and line feed are layout rather than control: every display handles them sanely, and
/// escaping them would make ordinary multi-line text unreadable.
fn is_hidden_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// Appends `c` to `out`, or its visible escape if it is a control character (see the module
/// docs for the exact forms).
pub fn escape_char_for_display(c: char, out: &mut String) {
    if !is_hidden_control(c) {
        out.push(c);
        return;
    }
    match c {
        '\0' => out.push_str("\\0"),
        '\r' => out.push_str("\\r"),
        // C0 and DEL are single bytes in every encoding we support, so `\xNN` is their byte.
        '\u{0}'..='\u{7F}' => push_byte_escape(c as u8, out),
        // Writing to a String cannot fail.
        _ => {
            let _ = write!(out, "\\u{{{:X}}}", u32::from(c));
        }
    }
}

/// Returns `text` with every control character except `\n` and `\t` replaced by a visible
/// escape, for showing peer text in a widget that would otherwise interpret or truncate it.
pub fn display_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        escape_char_for_display(c, &mut out);
    }
    out
}

/// Appends `\xNN` (uppercase hex) for one byte.
pub(crate) fn push_byte_escape(byte: u8, out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    out.push_str("\\x");
    out.push(char::from(DIGITS[usize::from(byte >> 4)]));
    out.push(char::from(DIGITS[usize::from(byte & 0x0F)]));
}

/// Escapes raw peer bytes for a UTF-8 terminal, one read at a time.
///
/// It is stateful because the C1 control U+009B travels as the two bytes C2 9B, and a read may
/// end right after the C2: judging each read alone would let the pair through whenever the
/// network splits it. An incomplete UTF-8 sequence at the end of a read is therefore held back
/// (at most 3 bytes) until the next call or [`TerminalEscaper::finish`].
///
/// Bytes that are not valid UTF-8 pass through unchanged unless they are in 0x80–0x9F, which an
/// 8-bit terminal reads as C1 controls; a UTF-8 terminal shows the others as U+FFFD, which is
/// harmless. Validation is strict (no overlong forms, no surrogates, nothing above U+10FFFF), so
/// a byte 0x9B can only pass when it is the second byte of a real character like U+06DB.
#[derive(Debug, Default, Clone)]
pub struct TerminalEscaper {
    /// Bytes of a UTF-8 sequence that is valid so far but not complete.
    pending: [u8; 4],
    pending_len: usize,
}

impl TerminalEscaper {
    /// Creates an escaper with nothing held back.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends the escaped form of `input` to `out`, holding back the start of a character that
    /// the next read may complete.
    pub fn escape(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let mut rest = input;
        while let Some((&first, tail)) = rest.split_first() {
            if self.pending_len == 0 {
                // Fast path for the common case: a run of plain printable ASCII is copied at once.
                let plain = rest
                    .iter()
                    .take_while(|&&b| matches!(b, 0x20..=0x7E | b'\n' | b'\t'))
                    .count();
                if plain > 0 {
                    out.extend_from_slice(&rest[..plain]);
                    rest = &rest[plain..];
                    continue;
                }
            }
            self.push_byte(first, out);
            rest = tail;
        }
    }

    /// Writes out a character left incomplete at the end of the stream (for example when the
    /// connection closes), escaping any of its bytes that would act as C1 controls.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        self.flush_broken_sequence(out);
    }

    fn push_byte(&mut self, byte: u8, out: &mut Vec<u8>) {
        if self.pending_len == 0 {
            self.push_byte_at_boundary(byte, out);
            return;
        }
        let lead = self.pending[0];
        if continuation_range(lead, self.pending_len).contains(&byte) {
            self.pending[self.pending_len] = byte;
            self.pending_len += 1;
            if self.pending_len == sequence_len(lead) {
                self.emit_complete_sequence(out);
            }
        } else {
            self.flush_broken_sequence(out);
            self.push_byte_at_boundary(byte, out);
        }
    }

    /// Handles a byte that arrives where a new character may begin.
    fn push_byte_at_boundary(&mut self, byte: u8, out: &mut Vec<u8>) {
        match byte {
            0x00..=0x7F => push_escaped_char(char::from(byte), out),
            0xC2..=0xF4 => {
                self.pending[0] = byte;
                self.pending_len = 1;
            }
            0x80..=0x9F => push_lone_byte_escape(byte, out),
            // 0xA0..=0xC1 and 0xF5..=0xFF: invalid, but no terminal treats them as control.
            _ => out.push(byte),
        }
    }

    fn emit_complete_sequence(&mut self, out: &mut Vec<u8>) {
        let bytes = &self.pending[..self.pending_len];
        match std::str::from_utf8(bytes)
            .ok()
            .and_then(|s| s.chars().next())
        {
            Some(c) => push_escaped_char(c, out),
            // Unreachable given the validation above, but never drop peer bytes.
            None => out.extend_from_slice(bytes),
        }
        self.pending_len = 0;
    }

    /// Writes out a held-back sequence that turned out not to be a character.
    ///
    /// Its lead byte (0xC2–0xF4) is harmless; its continuation bytes are now stray bytes, and
    /// those in 0x80–0x9F must be escaped like any other stray C1 byte.
    fn flush_broken_sequence(&mut self, out: &mut Vec<u8>) {
        let held = self.pending;
        let held_len = self.pending_len;
        self.pending_len = 0;
        if let Some((&lead, continuation)) = held[..held_len].split_first() {
            out.push(lead);
            for &byte in continuation {
                if (0x80..=0x9F).contains(&byte) {
                    push_lone_byte_escape(byte, out);
                } else {
                    out.push(byte);
                }
            }
        }
    }
}

/// Total length of the UTF-8 sequence that `lead` (0xC2–0xF4) starts.
fn sequence_len(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

/// Which byte may follow at `index` (1-based within the sequence) after `lead`, per the
/// well-formed UTF-8 table in the Unicode standard (Table 3-7). The narrower second-byte ranges
/// are what exclude overlong forms, surrogates and code points above U+10FFFF.
fn continuation_range(lead: u8, index: usize) -> std::ops::RangeInclusive<u8> {
    match (lead, index) {
        (0xE0, 1) => 0xA0..=0xBF,
        (0xED, 1) => 0x80..=0x9F,
        (0xF0, 1) => 0x90..=0xBF,
        (0xF4, 1) => 0x80..=0x8F,
        _ => 0x80..=0xBF,
    }
}

fn push_escaped_char(c: char, out: &mut Vec<u8>) {
    if is_hidden_control(c) {
        let mut escaped = String::with_capacity(8);
        escape_char_for_display(c, &mut escaped);
        out.extend_from_slice(escaped.as_bytes());
    } else {
        let mut buf = [0; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
}

fn push_lone_byte_escape(byte: u8, out: &mut Vec<u8>) {
    let mut escaped = String::with_capacity(4);
    push_byte_escape(byte, &mut escaped);
    out.extend_from_slice(escaped.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escape_all(input: &[u8]) -> Vec<u8> {
        let mut escaper = TerminalEscaper::new();
        let mut out = Vec::new();
        escaper.escape(input, &mut out);
        escaper.finish(&mut out);
        out
    }

    fn escape_in_chunks(chunks: &[&[u8]]) -> Vec<u8> {
        let mut escaper = TerminalEscaper::new();
        let mut out = Vec::new();
        for chunk in chunks {
            escaper.escape(chunk, &mut out);
        }
        escaper.finish(&mut out);
        out
    }

    #[test]
    fn display_safe_keeps_text_newlines_and_tabs() {
        assert_eq!(display_safe("hello\tworld\n中文"), "hello\tworld\n中文");
    }

    #[test]
    fn display_safe_makes_nul_visible_and_keeps_what_follows() {
        assert_eq!(display_safe("a\0b"), "a\\0b");
    }

    #[test]
    fn display_safe_escapes_c0_del_and_cr() {
        assert_eq!(display_safe("\x1b[2J"), "\\x1B[2J");
        assert_eq!(display_safe("a\rb"), "a\\rb");
        assert_eq!(display_safe("\x07\x7f"), "\\x07\\x7F");
    }

    #[test]
    fn display_safe_writes_c1_characters_as_code_points() {
        assert_eq!(display_safe("\u{9b}31m\u{85}"), "\\u{9B}31m\\u{85}");
    }

    #[test]
    fn display_safe_leaves_markup_as_text() {
        // Escaping is about control characters; markup is shown literally by never
        // interpreting it, so it must survive unchanged here.
        assert_eq!(display_safe("<h1>hi</h1>"), "<h1>hi</h1>");
    }

    #[test]
    fn escape_char_for_display_appends() {
        let mut out = String::from(">");
        escape_char_for_display('\u{1b}', &mut out);
        escape_char_for_display('中', &mut out);
        assert_eq!(out, ">\\x1B中");
    }

    #[test]
    fn terminal_passes_printable_ascii_newline_and_tab() {
        assert_eq!(escape_all(b"GET / HTTP/1.0\n\tx"), b"GET / HTTP/1.0\n\tx");
    }

    #[test]
    fn terminal_escapes_c0_controls_and_del() {
        assert_eq!(
            escape_all(b"\x1b[2J\r\n\0\x7f\x08"),
            b"\\x1B[2J\\r\n\\0\\x7F\\x08"
        );
    }

    #[test]
    fn terminal_escapes_utf8_c1_controls() {
        assert_eq!(escape_all("\u{9b}2J".as_bytes()), b"\\u{9B}2J");
        assert_eq!(escape_all(&[0xC2, 0x80, 0xC2, 0x9F]), b"\\u{80}\\u{9F}");
    }

    #[test]
    fn terminal_keeps_c2_sequences_that_are_not_controls() {
        assert_eq!(escape_all("©\u{a0}".as_bytes()), "©\u{a0}".as_bytes());
    }

    #[test]
    fn terminal_escapes_utf8_c1_split_across_reads() {
        assert_eq!(escape_in_chunks(&[b"x\xC2", b"\x9B2J"]), b"x\\u{9B}2J");
    }

    #[test]
    fn terminal_escapes_lone_c1_bytes() {
        assert_eq!(escape_all(b"\x9b2J\x80"), b"\\x9B2J\\x80");
    }

    #[test]
    fn terminal_escapes_c1_bytes_after_a_broken_lead() {
        // E0 needs A0..BF next, so E0 9B is not a character and 9B is a stray CSI.
        assert_eq!(escape_all(b"\xE0\x9B"), b"\xE0\\x9B");
        // F0 90 is a valid start, but '!' breaks it: 90 becomes a stray byte.
        assert_eq!(escape_all(b"\xF0\x90!"), b"\xF0\\x90!");
        // Cut off by the end of the stream.
        assert_eq!(escape_all(b"\xF0\x90\x80"), b"\xF0\\x90\\x80");
    }

    #[test]
    fn terminal_rejects_overlong_and_surrogate_forms() {
        // C0 80 is an overlong NUL; ED A0 80 a surrogate. Their continuation bytes are strays.
        assert_eq!(escape_all(b"\xC0\x80"), b"\xC0\\x80");
        assert_eq!(escape_all(b"\xED\xA0\x80"), b"\xED\xA0\\x80");
    }

    #[test]
    fn terminal_passes_c1_byte_inside_a_real_character() {
        // U+06DB is DB 9B: the 9B is a continuation byte of a genuine character.
        assert_eq!(escape_all("\u{6db}".as_bytes()), "\u{6db}".as_bytes());
    }

    #[test]
    fn terminal_passes_other_invalid_bytes_unchanged() {
        assert_eq!(escape_all(b"\xFF\xFE\xA0"), b"\xFF\xFE\xA0");
    }

    #[test]
    fn terminal_passes_chinese_split_at_every_point() {
        let text = "中文测试，你好\u{1F600}";
        let bytes = text.as_bytes();
        for split in 0..=bytes.len() {
            let (a, b) = bytes.split_at(split);
            assert_eq!(escape_in_chunks(&[a, b]), bytes, "split at {split}");
        }
        let one_by_one: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(escape_in_chunks(&one_by_one), bytes);
    }

    #[test]
    fn terminal_output_does_not_depend_on_chunking() {
        let input: &[u8] = b"a\x1b\xC2\x9B\xE4\xB8\xAD\xE4\xB8!\x9B\xF0\x9F\x98\x80\r\n\xC2";
        let whole = escape_all(input);
        for first in 0..=input.len() {
            for second in first..=input.len() {
                let chunks = [&input[..first], &input[first..second], &input[second..]];
                assert_eq!(
                    escape_in_chunks(&chunks),
                    whole,
                    "splits at {first}, {second}"
                );
            }
        }
    }

    #[test]
    fn terminal_finish_flushes_a_held_lead_byte() {
        let mut escaper = TerminalEscaper::new();
        let mut out = Vec::new();
        escaper.escape(b"ok\xE4\xB8", &mut out);
        assert_eq!(out, b"ok");
        escaper.finish(&mut out);
        assert_eq!(out, b"ok\xE4\xB8");
        // After finish the escaper starts clean.
        escaper.escape(b"\x9b", &mut out);
        assert_eq!(out, b"ok\xE4\xB8\\x9B");
    }
}

//! Turning a peer's arriving bytes into history lines.
//!
//! Reads do not line up with anything the peer meant: one read may hold three lines, and one
//! line may take ten reads. The history shows lines, so [`LineAssembler`] (one per peer) keeps
//! the unfinished tail between reads. Where a line ends is purely a display choice: the bytes
//! are untouched, and every decoded character ends up in exactly one emitted line.
//!
//! A peer that never sends `\n` (a prompt, a device streaming binary) must neither hide its data
//! forever nor grow memory without bound, hence [`LineAssembler::take_idle`] and the line cap.

use std::time::{Duration, Instant};

use crate::decode::{Controls, StreamDecoder, TextEncoding};
use crate::escape::escape_char_for_display;

/// Splits one peer's stream into display-safe lines.
///
/// Lines end at `\n`; a `\r` right before it is dropped so CRLF peers (Windows tools, telnet,
/// HTTP) look like everyone else. Emitted lines never contain `\n`; other control characters are
/// escaped as [`crate::escape::display_safe`] does, so a `\r` that does not end a line (a
/// progress counter redrawing itself) shows as `\r` instead of being lost.
#[derive(Debug)]
pub struct LineAssembler {
    decoder: StreamDecoder,
    /// Decoded text after the last emitted line, with control characters still raw.
    pending: String,
    /// Characters in `pending`, tracked to avoid rescanning it on every read.
    pending_chars: usize,
    max_line_chars: usize,
    last_arrival: Option<Instant>,
    /// Reused between reads so that decoding does not allocate.
    decoded: String,
}

impl LineAssembler {
    /// Creates an assembler for one peer.
    ///
    /// `max_line_chars` bounds the pending text: a line longer than that is emitted in pieces
    /// of `max_line_chars` decoded characters (escapes make the shown piece longer). A cap of 0
    /// is treated as 1.
    pub fn new(encoding: TextEncoding, max_line_chars: usize) -> Self {
        Self {
            decoder: StreamDecoder::with_controls(encoding, Controls::Keep),
            pending: String::new(),
            pending_chars: 0,
            max_line_chars: max_line_chars.max(1),
            last_arrival: None,
            decoded: String::new(),
        }
    }

    /// Decodes one read and appends every line it completes to `lines`; the rest stays pending.
    ///
    /// `now` is when the bytes arrived, for [`LineAssembler::take_idle`]. Passing it in keeps
    /// this type free of clocks and its tests deterministic.
    pub fn push(&mut self, bytes: &[u8], now: Instant, lines: &mut Vec<String>) {
        if bytes.is_empty() {
            return;
        }
        self.last_arrival = Some(now);
        let mut decoded = std::mem::take(&mut self.decoded);
        decoded.clear();
        self.decoder.decode(bytes, &mut decoded);
        self.absorb(&decoded, lines);
        self.decoded = decoded;
    }

    /// Returns the pending partial line if there is one and nothing arrived for `idle`.
    ///
    /// This is how a prompt like `login: ` (no newline) becomes visible. Its continuation, if
    /// any, will start a new line. A character split across reads stays inside the decoder and
    /// is not affected.
    pub fn take_idle(&mut self, now: Instant, idle: Duration) -> Option<String> {
        let quiet_for = now.saturating_duration_since(self.last_arrival?);
        if quiet_for >= idle && !self.pending.is_empty() {
            Some(self.take_pending())
        } else {
            None
        }
    }

    /// Ends the stream (the connection closed): returns everything still pending, including an
    /// incomplete character shown as `\xNN` escapes. The assembler is then ready for a new
    /// stream.
    pub fn finish(&mut self) -> Option<String> {
        self.flush_decoder();
        self.last_arrival = None;
        (!self.pending.is_empty()).then(|| self.take_pending())
    }

    /// Whether a partial line is waiting for its `\n` (or for [`LineAssembler::take_idle`]).
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Switches how further bytes are decoded.
    ///
    /// Bytes of an unfinished character in the old encoding cannot be completed by the new one,
    /// so they are shown as `\xNN` at the end of the pending text rather than reinterpreted.
    pub fn set_encoding(&mut self, encoding: TextEncoding) {
        if encoding == self.decoder.encoding() {
            return;
        }
        self.flush_decoder();
        self.decoder = StreamDecoder::with_controls(encoding, Controls::Keep);
    }

    /// The encoding further bytes are decoded with.
    pub fn encoding(&self) -> TextEncoding {
        self.decoder.encoding()
    }

    /// Appends whatever the decoder still holds to the pending text.
    ///
    /// That tail is only escapes for bad bytes (and, for GB18030, re-read digits), so it cannot
    /// contain a `\n`; the cap is not applied to it so that it is never split from its line.
    fn flush_decoder(&mut self) {
        let mut tail = String::new();
        self.decoder.finish(&mut tail);
        self.pending_chars += tail.chars().count();
        self.pending.push_str(&tail);
    }

    /// Splits decoded text at `\n` and appends the pieces to the pending line. Whole runs are
    /// copied at once (a flood is mostly short ASCII lines), not character by character.
    fn absorb(&mut self, mut text: &str, lines: &mut Vec<String>) {
        while !text.is_empty() {
            let (segment, rest, ends_line) = match text.find('\n') {
                Some(at) => (&text[..at], &text[at + 1..], true),
                None => (text, "", false),
            };
            self.append_capped(segment, lines);
            if ends_line {
                if self.pending.ends_with('\r') {
                    self.pending.pop();
                }
                lines.push(self.take_pending());
            }
            text = rest;
        }
    }

    /// Appends `segment` (no `\n` in it) to the pending line, emitting the pending line each
    /// time it holds `max_line_chars` characters and another one arrives, so a line of exactly
    /// the cap followed by its `\n` stays one line instead of becoming that line plus an empty
    /// one.
    fn append_capped(&mut self, mut segment: &str, lines: &mut Vec<String>) {
        while !segment.is_empty() {
            if self.pending_chars >= self.max_line_chars {
                lines.push(self.take_pending());
            }
            let room = self.max_line_chars - self.pending_chars;
            let (len, chars) = prefix_of_chars(segment, room);
            self.pending.push_str(&segment[..len]);
            self.pending_chars += chars;
            segment = &segment[len..];
        }
    }

    fn take_pending(&mut self) -> String {
        self.pending_chars = 0;
        if !may_need_escapes(&self.pending) {
            let line = self.pending.as_str().to_owned();
            self.pending.clear();
            return line;
        }
        let mut line = String::with_capacity(self.pending.len());
        for c in self.pending.chars() {
            // `\n` cannot be pending (it ends lines), but a line must never hold one, whatever
            // the decoder's flush produced.
            if c == '\n' {
                line.push_str("\\n");
            } else {
                escape_char_for_display(c, &mut line);
            }
        }
        self.pending.clear();
        line
    }
}

/// The byte length and character count of the first `n` characters of `text` (or all of it).
fn prefix_of_chars(text: &str, n: usize) -> (usize, usize) {
    if text.len() <= n {
        // No more characters than bytes, so all of it fits.
        let chars = if text.is_ascii() {
            text.len()
        } else {
            text.chars().count()
        };
        return (text.len(), chars);
    }
    match text.char_indices().nth(n) {
        Some((at, _)) => (at, n),
        None => (text.len(), text.chars().count()),
    }
}

/// False when `text` certainly has no character [`escape_char_for_display`] would change: no
/// C0 control but tab, no DEL, and no 0xC2 byte (which starts every C1 control U+0080–U+009F,
/// and a few harmless characters such as `°` that then take the slow path).
fn may_need_escapes(text: &str) -> bool {
    text.bytes()
        .any(|b| (b < 0x20 && b != b'\t') || b == 0x7F || b == 0xC2)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIG: usize = 1 << 20;

    fn lines_of_chunks(encoding: TextEncoding, chunks: &[&[u8]], cap: usize) -> Vec<String> {
        let now = Instant::now();
        let mut assembler = LineAssembler::new(encoding, cap);
        let mut lines = Vec::new();
        for chunk in chunks {
            assembler.push(chunk, now, &mut lines);
        }
        lines.extend(assembler.finish());
        lines
    }

    fn lines_of(bytes: &[u8]) -> Vec<String> {
        lines_of_chunks(TextEncoding::Utf8, &[bytes], BIG)
    }

    #[test]
    fn splits_at_newlines_and_keeps_empty_lines() {
        assert_eq!(lines_of(b"a\n\nb\n"), ["a", "", "b"]);
    }

    #[test]
    fn crlf_is_a_line_end_but_a_lone_cr_is_data() {
        assert_eq!(lines_of(b"one\r\ntwo\rthree\r\n"), ["one", "two\\rthree"]);
        assert_eq!(lines_of(b"\r\r\n"), ["\\r"]);
    }

    #[test]
    fn crlf_split_across_reads() {
        let lines = lines_of_chunks(TextEncoding::Utf8, &[b"one\r", b"\ntwo\n"], BIG);
        assert_eq!(lines, ["one", "two"]);
    }

    #[test]
    fn lines_are_display_safe() {
        assert_eq!(lines_of(b"\x1b[2Jx\0y\n"), ["\\x1B[2Jx\\0y"]);
        assert_eq!(lines_of(b"bad \xFF\n"), ["bad \\xFF"]);
    }

    #[test]
    fn partial_line_stays_pending_until_its_newline() {
        let now = Instant::now();
        let mut assembler = LineAssembler::new(TextEncoding::Utf8, BIG);
        let mut lines = Vec::new();
        assembler.push(b"hel", now, &mut lines);
        assert!(lines.is_empty());
        assert!(assembler.has_pending());
        assembler.push(b"lo\nwor", now, &mut lines);
        assert_eq!(lines, ["hello"]);
        assert!(assembler.has_pending());
        assert_eq!(assembler.finish().as_deref(), Some("wor"));
        assert!(!assembler.has_pending());
        assert_eq!(assembler.finish(), None);
    }

    #[test]
    fn character_split_across_reads_is_one_character() {
        let lines = lines_of_chunks(TextEncoding::Utf8, &[b"\xE4\xB8", b"\xAD\n"], BIG);
        assert_eq!(lines, ["中"]);
        let gbk = TextEncoding::Gb18030.encode("中文\n");
        let one_by_one: Vec<&[u8]> = gbk.chunks(1).collect();
        assert_eq!(
            lines_of_chunks(TextEncoding::Gb18030, &one_by_one, BIG),
            ["中文"]
        );
    }

    #[test]
    fn idle_partial_line_is_released_after_the_delay() {
        let start = Instant::now();
        let idle = Duration::from_millis(100);
        let mut assembler = LineAssembler::new(TextEncoding::Utf8, BIG);
        let mut lines = Vec::new();
        assert_eq!(assembler.take_idle(start, idle), None);
        assembler.push(b"login: ", start, &mut lines);
        assert_eq!(
            assembler.take_idle(start + Duration::from_millis(99), idle),
            None
        );
        assert_eq!(
            assembler.take_idle(start + idle, idle).as_deref(),
            Some("login: ")
        );
        assert!(!assembler.has_pending());
        assert_eq!(assembler.take_idle(start + idle * 2, idle), None);
    }

    #[test]
    fn new_bytes_restart_the_idle_delay() {
        let start = Instant::now();
        let idle = Duration::from_millis(100);
        let mut assembler = LineAssembler::new(TextEncoding::Utf8, BIG);
        let mut lines = Vec::new();
        assembler.push(b"a", start, &mut lines);
        assembler.push(b"b", start + Duration::from_millis(80), &mut lines);
        assert_eq!(
            assembler.take_idle(start + Duration::from_millis(150), idle),
            None
        );
        assert_eq!(
            assembler
                .take_idle(start + Duration::from_millis(180), idle)
                .as_deref(),
            Some("ab")
        );
    }

    #[test]
    fn idle_does_not_break_a_split_character() {
        let start = Instant::now();
        let idle = Duration::from_millis(100);
        let mut assembler = LineAssembler::new(TextEncoding::Utf8, BIG);
        let mut lines = Vec::new();
        assembler.push(b"x\xE4\xB8", start, &mut lines);
        assert_eq!(
            assembler.take_idle(start + idle, idle).as_deref(),
            Some("x")
        );
        // Only the incomplete character is held, and it is not a visible partial line.
        assert!(!assembler.has_pending());
        assembler.push(b"\xAD\n", start + idle * 2, &mut lines);
        assert_eq!(lines, ["中"]);
    }

    #[test]
    fn long_line_is_emitted_in_capped_pieces() {
        let lines = lines_of_chunks(TextEncoding::Utf8, &[b"abcdefg", b"h"], 3);
        assert_eq!(lines, ["abc", "def", "gh"]);
        // Characters, not bytes: three Chinese characters are 9 bytes but one piece.
        let lines = lines_of_chunks(TextEncoding::Utf8, &["中文测试".as_bytes()], 3);
        assert_eq!(lines, ["中文测", "试"]);
    }

    #[test]
    fn line_exactly_at_the_cap_is_not_followed_by_an_empty_line() {
        assert_eq!(
            lines_of_chunks(TextEncoding::Utf8, &[b"abc\ndef\n"], 3),
            ["abc", "def"]
        );
    }

    #[test]
    fn pending_memory_stays_bounded_without_newlines() {
        let now = Instant::now();
        let mut assembler = LineAssembler::new(TextEncoding::Utf8, 100);
        let mut lines = Vec::new();
        for _ in 0..1000 {
            assembler.push(&[b'x'; 37], now, &mut lines);
            assert!(assembler.pending.chars().count() <= 100);
        }
        assert_eq!(lines.len(), 369);
        assert!(lines.iter().all(|line| line.len() == 100));
    }

    #[test]
    fn finish_shows_an_incomplete_character() {
        assert_eq!(lines_of(b"end\xE4\xB8"), ["end\\xE4\\xB8"]);
        assert_eq!(lines_of(b"\xE4"), ["\\xE4"]);
    }

    #[test]
    fn set_encoding_switches_and_keeps_held_bytes_visible() {
        let now = Instant::now();
        let mut assembler = LineAssembler::new(TextEncoding::Utf8, BIG);
        let mut lines = Vec::new();
        assembler.push("中\n".as_bytes(), now, &mut lines);
        assembler.push(b"x\xE4", now, &mut lines);
        assembler.set_encoding(TextEncoding::Gb18030);
        assert_eq!(assembler.encoding(), TextEncoding::Gb18030);
        assembler.push(&[0xD6, 0xD0, b'\n'], now, &mut lines);
        assert_eq!(lines, ["中", "x\\xE4中"]);
        // Setting the same encoding again changes nothing, not even held bytes.
        assembler.push(&[0xD6], now, &mut lines);
        assembler.set_encoding(TextEncoding::Gb18030);
        assembler.push(&[0xD0, b'\n'], now, &mut lines);
        assert_eq!(lines.last().map(String::as_str), Some("中"));
    }

    #[test]
    fn nothing_is_dropped_or_duplicated_under_any_chunking() {
        let text = "第一行\r\n\nsecond line\tok\r\n\x1b[1m粗体\x1b[0m\r\n中文测试，你好\nno newline at end";
        let bytes = text.as_bytes();
        let expected = crate::escape::display_safe(&text.replace("\r\n", "\n"));
        for first in 0..=bytes.len() {
            for second in first..=bytes.len() {
                let chunks = [&bytes[..first], &bytes[first..second], &bytes[second..]];
                let lines = lines_of_chunks(TextEncoding::Utf8, &chunks, BIG);
                assert_eq!(lines.join("\n"), expected, "splits at {first}, {second}");
            }
        }
    }

    #[test]
    fn nothing_is_dropped_with_invalid_bytes_and_gbk() {
        let mut bytes = TextEncoding::Gb18030.encode("甲\r\n乙\n");
        bytes.extend_from_slice(&[0xD6, b'\n', 0x81, 0x30, 0xFF, b'\n', 0xD6, 0xD0]);
        let whole = lines_of_chunks(TextEncoding::Gb18030, &[&bytes], BIG);
        assert_eq!(whole, ["甲", "乙", "\\xD6", "\\x810\\xFF", "中"]);
        for split in 0..=bytes.len() {
            let (a, b) = bytes.split_at(split);
            let lines = lines_of_chunks(TextEncoding::Gb18030, &[a, b], BIG);
            assert_eq!(lines, whole, "split at {split}");
        }
    }

    /// The rule written the slow, obvious way: one character at a time. The assembler copies
    /// runs at once and skips escaping clean lines; it must still give exactly this.
    fn reference_lines(text: &str, cap: usize) -> Vec<String> {
        let mut lines = Vec::new();
        let mut pending: Vec<char> = Vec::new();
        let escape = |pending: &mut Vec<char>| {
            let mut line = String::new();
            for c in pending.drain(..) {
                escape_char_for_display(c, &mut line);
            }
            line
        };
        for c in text.chars() {
            if c == '\n' {
                if pending.last() == Some(&'\r') {
                    pending.pop();
                }
                lines.push(escape(&mut pending));
                continue;
            }
            if pending.len() >= cap {
                lines.push(escape(&mut pending));
            }
            pending.push(c);
        }
        if !pending.is_empty() {
            lines.push(escape(&mut pending));
        }
        lines
    }

    #[test]
    fn runs_copied_at_once_give_the_same_lines_as_one_character_at_a_time() {
        let pieces = [
            "a",
            "bc",
            "\n",
            "\r\n",
            "\r",
            "中",
            "文字",
            "\t",
            "\u{1b}[2J",
            "\0",
            "\u{9b}",
            "°",
            "\u{7f}",
            "😀",
            "long run of plain ascii text ",
            "é",
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        for round in 0..400 {
            let mut text = String::new();
            for _ in 0..next(40) {
                text.push_str(pieces[next(pieces.len())]);
            }
            let cap = [1, 2, 3, 5, 8, 64, BIG][round % 7];
            let bytes = text.as_bytes();
            let cut = next(bytes.len() + 1);
            let chunks = [&bytes[..cut], &bytes[cut..]];
            assert_eq!(
                lines_of_chunks(TextEncoding::Utf8, &chunks, cap),
                reference_lines(&text, cap),
                "{text:?}, cap {cap}, cut at {cut}"
            );
        }
    }
}

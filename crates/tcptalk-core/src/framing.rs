//! Framing: where one message of a byte stream ends, as a display (and auto-reply) choice.
//!
//! TCP delivers a stream; a device's protocol has messages. Reads do not line up with them
//! (one "packet" arrives in two reads, two in one), so the user picks how to cut: per read, per
//! line, after a quiet gap, at a delimiter, or by a length header. The bytes on the wire and
//! in the saved raw data stay as they came; framing only decides what one history entry (or
//! one auto-reply match) is.
//!
//! A [`Framer`] is fed reads with their arrival time and hands out [`Frame`]s, each stamped at
//! its *first* byte. The idle-gap framing measures the gap between bytes, so it needs
//! [`Framer::poll`] at [`Framer::deadline`] to close a frame when nothing more comes.

use std::time::{Duration, Instant};

/// How a byte stream is cut into frames.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Framing {
    /// Each read is a frame, as the socket delivered it.
    #[default]
    Chunk,
    /// A line ends at LF, CRLF or a lone CR; the frame holds the line without its end.
    Line,
    /// A frame ends when no byte has come for this long.
    IdleGap(Duration),
    /// A frame ends after these bytes (which stay in the frame, as they are part of it).
    Delimiter(Vec<u8>),
    /// Each frame starts with a length header.
    LengthPrefixed(LengthPrefix),
}

/// A length header: 1, 2 or 4 bytes, big or little endian, counting the header itself or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LengthPrefix {
    pub width: u8,
    pub big_endian: bool,
    /// The length counts the header's own bytes too.
    pub includes_header: bool,
}

impl LengthPrefix {
    /// The frame length (header included) the header in `head` announces, once `head` holds
    /// the whole header. A length below the header's own size (with `includes_header`) is
    /// taken as a header alone, so a bad length can never stall the stream.
    fn frame_len(&self, head: &[u8]) -> Option<usize> {
        let width = usize::from(self.width);
        let header = head.get(..width)?;
        let mut value: u64 = 0;
        for i in 0..width {
            let byte = if self.big_endian {
                header[i]
            } else {
                header[width - 1 - i]
            };
            value = value << 8 | u64::from(byte);
        }
        let value = usize::try_from(value).unwrap_or(usize::MAX);
        Some(if self.includes_header {
            value.max(width)
        } else {
            value.saturating_add(width)
        })
    }
}

/// A framing written as on the command line and in rule files: `chunk`, `line`, `idle:MS`,
/// `delim:HEX` (`delim:0D0A`), `len:W[be|le][+header]` (`len:2be`, `len:4le+header`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown framing '{input}': use chunk, line, idle:MS (idle:50), delim:HEX (delim:0D0A) or len:1|2|4[be|le][+header] (len:2be)"
)]
pub struct UnknownFraming {
    pub input: String,
}

impl std::str::FromStr for Framing {
    type Err = UnknownFraming;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let refuse = || UnknownFraming {
            input: text.trim().to_string(),
        };
        let lower = text.trim().to_ascii_lowercase();
        let (kind, arg) = lower.split_once(':').unwrap_or((lower.as_str(), ""));
        match (kind, arg) {
            ("chunk" | "read", "") => Ok(Framing::Chunk),
            ("line", "") => Ok(Framing::Line),
            ("idle", ms) => match ms.parse::<u64>() {
                Ok(ms) if (1..=3_600_000).contains(&ms) => {
                    Ok(Framing::IdleGap(Duration::from_millis(ms)))
                }
                _ => Err(refuse()),
            },
            ("delim", hex) => match crate::hex::parse_hex(hex) {
                Ok(bytes) if !bytes.is_empty() => Ok(Framing::Delimiter(bytes)),
                _ => Err(refuse()),
            },
            ("len", spec) => {
                let (spec, includes_header) = match spec.strip_suffix("+header") {
                    Some(spec) => (spec, true),
                    None => (spec, false),
                };
                let (width, big_endian) = match spec {
                    "1" | "1be" | "1le" => (1, true),
                    "2" | "2be" => (2, true),
                    "2le" => (2, false),
                    "4" | "4be" => (4, true),
                    "4le" => (4, false),
                    _ => return Err(refuse()),
                };
                Ok(Framing::LengthPrefixed(LengthPrefix {
                    width,
                    big_endian,
                    includes_header,
                }))
            }
            _ => Err(refuse()),
        }
    }
}

impl std::fmt::Display for Framing {
    /// The spelling [`Framing`]'s `FromStr` reads: `line`, `idle:50`, `delim:0D0A`, `len:2be`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Framing::Chunk => f.write_str("chunk"),
            Framing::Line => f.write_str("line"),
            Framing::IdleGap(gap) => write!(f, "idle:{}", gap.as_millis()),
            Framing::Delimiter(bytes) => {
                f.write_str("delim:")?;
                bytes.iter().try_for_each(|b| write!(f, "{b:02X}"))
            }
            Framing::LengthPrefixed(prefix) => write!(
                f,
                "len:{}{}{}",
                prefix.width,
                if prefix.big_endian { "be" } else { "le" },
                if prefix.includes_header {
                    "+header"
                } else {
                    ""
                }
            ),
        }
    }
}

/// One frame, stamped when its first byte arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub bytes: Vec<u8>,
    pub at: Instant,
    /// The frame was closed early: it hit the size limit, or the stream ended mid-frame.
    pub cut: bool,
    /// The line end a line frame ended with (`\n`, `\r\n`, `\r`), kept apart from `bytes`
    /// so a hex view can still show every byte; empty for other framings.
    pub end: &'static [u8],
}

/// Cuts one stream into frames.
#[derive(Debug)]
pub struct Framer {
    framing: Framing,
    /// Longest frame; a longer one is handed out in pieces (`cut`), so a peer that never sends
    /// a delimiter cannot grow it without bound.
    max_frame: usize,
    pending: Vec<u8>,
    /// When the first byte of `pending` arrived.
    first_at: Option<Instant>,
    /// When the last byte arrived (for the idle gap).
    last_at: Option<Instant>,
    /// Bytes still to come of a length-prefixed frame longer than `max_frame`.
    oversized: usize,
}

impl Framer {
    pub fn new(framing: Framing, max_frame: usize) -> Self {
        Framer {
            framing,
            max_frame: max_frame.max(1),
            pending: Vec::new(),
            first_at: None,
            last_at: None,
            oversized: 0,
        }
    }

    pub fn framing(&self) -> &Framing {
        &self.framing
    }

    /// Bytes waiting for the end of their frame.
    pub fn pending(&self) -> &[u8] {
        &self.pending
    }

    /// Feeds one read that arrived at `now`; the frames it completes go to `out`.
    pub fn push(&mut self, bytes: &[u8], now: Instant, out: &mut Vec<Frame>) {
        if let Framing::IdleGap(gap) = self.framing
            && self
                .last_at
                .is_some_and(|last| now.duration_since(last) >= gap)
        {
            self.close(false, out);
        }
        if bytes.is_empty() {
            return;
        }
        if self.pending.is_empty() {
            self.first_at = Some(now);
        }
        self.last_at = Some(now);
        match &self.framing {
            Framing::Chunk => {
                self.pending.extend_from_slice(bytes);
                while !self.pending.is_empty() {
                    self.cut_at(self.pending.len().min(self.max_frame), false, out);
                }
            }
            Framing::IdleGap(_) => {
                self.pending.extend_from_slice(bytes);
                while self.pending.len() >= self.max_frame {
                    self.cut_at(self.max_frame, true, out);
                }
            }
            Framing::Line => self.push_lines(bytes, out),
            Framing::Delimiter(delimiter) => {
                let delimiter = delimiter.clone();
                self.push_delimited(bytes, &delimiter, out);
            }
            Framing::LengthPrefixed(prefix) => {
                let prefix = *prefix;
                self.pending.extend_from_slice(bytes);
                loop {
                    if self.oversized > 0 {
                        // A frame too long to hold goes out in pieces of `max_frame`.
                        let take = self.pending.len().min(self.oversized).min(self.max_frame);
                        if take == 0 || (take < self.max_frame && take < self.oversized) {
                            break;
                        }
                        self.cut_at(take, true, out);
                        self.oversized -= take;
                        continue;
                    }
                    let Some(len) = prefix.frame_len(&self.pending) else {
                        break;
                    };
                    if len > self.max_frame {
                        self.oversized = len;
                        continue;
                    }
                    if self.pending.len() < len {
                        break;
                    }
                    self.cut_at(len, false, out);
                }
            }
        }
    }

    fn push_lines(&mut self, bytes: &[u8], out: &mut Vec<Frame>) {
        for &byte in bytes {
            // A CR waits for the next byte: CRLF is one line end, CR then anything else ends
            // the line at the CR.
            if self.pending.last() == Some(&b'\r') && byte != b'\n' {
                self.pending.pop();
                self.cut_line(b"\r", out);
            }
            if byte == b'\n' {
                let end: &'static [u8] = if self.pending.last() == Some(&b'\r') {
                    self.pending.pop();
                    b"\r\n"
                } else {
                    b"\n"
                };
                self.cut_line(end, out);
                continue;
            }
            if self.pending.is_empty() && self.first_at.is_none() {
                self.first_at = self.last_at;
            }
            self.pending.push(byte);
            if self.pending.len() >= self.max_frame && byte != b'\r' {
                self.cut_at(self.max_frame, true, out);
            }
        }
    }

    fn push_delimited(&mut self, bytes: &[u8], delimiter: &[u8], out: &mut Vec<Frame>) {
        if delimiter.is_empty() {
            self.pending.extend_from_slice(bytes);
            self.cut_at(self.pending.len(), false, out);
            return;
        }
        for &byte in bytes {
            if self.pending.is_empty() && self.first_at.is_none() {
                self.first_at = self.last_at;
            }
            self.pending.push(byte);
            if self.pending.ends_with(delimiter) {
                self.cut_at(self.pending.len(), false, out);
            } else if self.pending.len() >= self.max_frame {
                self.cut_at(self.max_frame, true, out);
            }
        }
    }

    /// Hands out what is pending as a line that ended with `end`.
    fn cut_line(&mut self, end: &'static [u8], out: &mut Vec<Frame>) {
        self.cut_at(self.pending.len(), false, out);
        if let Some(frame) = out.last_mut() {
            frame.end = end;
        }
    }

    /// Hands out the first `len` bytes as a frame (even none, for an empty line).
    fn cut_at(&mut self, len: usize, cut: bool, out: &mut Vec<Frame>) {
        let at = self.first_at.or(self.last_at).unwrap_or_else(Instant::now);
        let rest = self.pending.split_off(len.min(self.pending.len()));
        let bytes = std::mem::replace(&mut self.pending, rest);
        out.push(Frame {
            bytes,
            at,
            cut,
            end: b"",
        });
        // What remains began arriving with the read being cut.
        self.first_at = if self.pending.is_empty() {
            None
        } else {
            self.last_at
        };
    }

    /// Closes the frame in progress, if any.
    fn close(&mut self, cut: bool, out: &mut Vec<Frame>) {
        if !self.pending.is_empty() {
            let len = self.pending.len();
            self.cut_at(len, cut, out);
        }
        self.first_at = None;
    }

    /// When [`Framer::poll`] may close a frame: the end of the idle gap after the last byte.
    pub fn deadline(&self) -> Option<Instant> {
        match self.framing {
            Framing::IdleGap(gap) if !self.pending.is_empty() => {
                self.last_at.map(|last| last + gap)
            }
            _ => None,
        }
    }

    /// Closes an idle-gap frame once the gap has passed at `now`.
    pub fn poll(&mut self, now: Instant, out: &mut Vec<Frame>) {
        if self.deadline().is_some_and(|deadline| now >= deadline) {
            self.close(false, out);
        }
    }

    /// Hands out what is pending now, cut short (a partial line shown after a quiet spell).
    pub fn flush(&mut self, out: &mut Vec<Frame>) {
        self.close(true, out);
    }

    /// When the last byte arrived.
    pub fn last_arrival(&self) -> Option<Instant> {
        self.last_at
    }

    /// The stream ended: what is left is a frame of its own (cut short, except for an idle
    /// gap or a read, which end with the stream anyway).
    pub fn finish(&mut self, out: &mut Vec<Frame>) {
        let cut = !matches!(self.framing, Framing::IdleGap(_) | Framing::Chunk);
        self.close(cut, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = 1 << 16;

    fn frames(framer: &mut Framer, reads: &[&[u8]], start: Instant) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for read in reads {
            framer.push(read, start, &mut out);
        }
        out.into_iter().map(|frame| frame.bytes).collect()
    }

    #[test]
    fn idle_gap_measures_between_bytes_and_stamps_the_first_byte() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut framer = Framer::new(Framing::IdleGap(ms(50)), MAX);
        let mut out = Vec::new();
        framer.push(b"AB", t0, &mut out);
        framer.push(b"CD", t0 + ms(10), &mut out);
        assert!(out.is_empty());
        assert_eq!(framer.deadline(), Some(t0 + ms(60)));
        framer.poll(t0 + ms(59), &mut out);
        assert!(out.is_empty());
        framer.push(b"EF", t0 + ms(210), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].bytes.as_slice(), out[0].at), (&b"ABCD"[..], t0));
        framer.poll(t0 + ms(260), &mut out);
        assert_eq!(
            (out[1].bytes.as_slice(), out[1].at),
            (&b"EF"[..], t0 + ms(210))
        );
        assert_eq!(framer.deadline(), None);
    }

    #[test]
    fn a_length_prefixed_stream_split_at_every_byte_gives_the_same_frames() {
        let layouts = [
            LengthPrefix {
                width: 1,
                big_endian: true,
                includes_header: false,
            },
            LengthPrefix {
                width: 2,
                big_endian: true,
                includes_header: false,
            },
            LengthPrefix {
                width: 2,
                big_endian: false,
                includes_header: true,
            },
            LengthPrefix {
                width: 4,
                big_endian: true,
                includes_header: true,
            },
            LengthPrefix {
                width: 4,
                big_endian: false,
                includes_header: false,
            },
        ];
        for prefix in layouts {
            let mut stream = Vec::new();
            let mut expected = Vec::new();
            for body in [&b"hello"[..], b"", b"\x00\x01\x02", &[0xAB; 300]] {
                let width = usize::from(prefix.width);
                let len = body.len() + if prefix.includes_header { width } else { 0 };
                let bytes = (len as u32).to_be_bytes();
                let mut header = bytes[4 - width..].to_vec();
                if !prefix.big_endian {
                    header.reverse();
                }
                if width == 1 && len > 255 {
                    continue;
                }
                let mut frame = header;
                frame.extend_from_slice(body);
                stream.extend_from_slice(&frame);
                expected.push(frame);
            }
            let t0 = Instant::now();
            let whole = frames(
                &mut Framer::new(Framing::LengthPrefixed(prefix), MAX),
                &[&stream],
                t0,
            );
            let bytes: Vec<&[u8]> = stream.chunks(1).collect();
            let split = frames(
                &mut Framer::new(Framing::LengthPrefixed(prefix), MAX),
                &bytes,
                t0,
            );
            assert_eq!(whole, expected, "{prefix:?}");
            assert_eq!(split, expected, "{prefix:?}");
        }
    }

    #[test]
    fn lines_end_at_lf_crlf_or_a_lone_cr_even_across_reads() {
        let t0 = Instant::now();
        let mut framer = Framer::new(Framing::Line, MAX);
        let got = frames(&mut framer, &[b"one\r", b"\ntwo\rthree\n\nfo", b"ur"], t0);
        assert_eq!(got, [&b"one"[..], b"two", b"three", b""]);
        let mut ends = Framer::new(Framing::Line, MAX);
        let mut out = Vec::new();
        ends.push(b"a\r\nb\nc\rd", t0, &mut out);
        let ends: Vec<&[u8]> = out.iter().map(|frame| frame.end).collect();
        assert_eq!(ends, [&b"\r\n"[..], b"\n", b"\r"]);
        assert_eq!(framer.pending(), b"four");
        let mut out = Vec::new();
        framer.finish(&mut out);
        assert_eq!((out[0].bytes.as_slice(), out[0].cut), (&b"four"[..], true));
    }

    #[test]
    fn framings_are_read_as_written() {
        let ms = Duration::from_millis;
        assert_eq!("line".parse(), Ok(Framing::Line));
        assert_eq!(" Chunk ".parse(), Ok(Framing::Chunk));
        assert_eq!("idle:50".parse(), Ok(Framing::IdleGap(ms(50))));
        assert_eq!("delim:0D0A".parse(), Ok(Framing::Delimiter(vec![13, 10])));
        assert_eq!(
            "len:4le+header".parse(),
            Ok(Framing::LengthPrefixed(LengthPrefix {
                width: 4,
                big_endian: false,
                includes_header: true
            }))
        );
        for framing in [
            "chunk",
            "line",
            "idle:50",
            "delim:0D0A",
            "len:2be",
            "len:4le+header",
        ] {
            let parsed: Framing = framing.parse().expect(framing);
            assert_eq!(parsed.to_string(), framing);
        }
        for bad in ["", "idle", "idle:0", "delim:", "delim:0G", "len:3", "lines"] {
            let err = bad.parse::<Framing>().expect_err(bad);
            assert!(err.to_string().contains("idle:MS"), "{err}");
        }
    }

    #[test]
    fn delimiters_stay_in_their_frame_and_long_frames_are_cut() {
        let t0 = Instant::now();
        let mut framer = Framer::new(Framing::Delimiter(b"\x03\x04".to_vec()), 8);
        let got = frames(&mut framer, &[b"\x02ab\x03", b"\x04\x02cd\x03\x04xyz"], t0);
        assert_eq!(got, [&b"\x02ab\x03\x04"[..], b"\x02cd\x03\x04"]);
        let mut out = Vec::new();
        framer.push(b"0123456789", t0, &mut out);
        assert_eq!(out[0].bytes, b"xyz01234");
        assert!(out[0].cut);
        // A length header announcing more than a frame may hold: pieces, then in step again.
        let prefix = LengthPrefix {
            width: 1,
            big_endian: true,
            includes_header: false,
        };
        let mut long = Framer::new(Framing::LengthPrefixed(prefix), 4);
        let got = frames(&mut long, &[b"\x05abcde\x01z"], t0);
        assert_eq!(got, [&b"\x05abc"[..], b"de", b"\x01z"]);
        // Each read is a frame, long ones in pieces.
        let mut chunks = Framer::new(Framing::Chunk, 4);
        assert_eq!(
            frames(&mut chunks, &[b"abcdef", b"g"], t0),
            [&b"abcd"[..], b"ef", b"g"]
        );
    }
}

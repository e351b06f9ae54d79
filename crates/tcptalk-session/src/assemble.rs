//! Arriving (and, in the terminal, sent) bytes to history lines, per stream.
//!
//! Reads do not line up with lines: one read may hold three, one line may take ten reads. Each
//! stream (a connection's received bytes, or what stdin sent) keeps a
//! [`LineAssembler`] for its unfinished tail, shows a partial line once the stream has been
//! quiet for [`IDLE_FLUSH`], and what is left when the connection ends. With 十六进制显示 /
//! hex view each read is instead one line of hex (cut every [`HEX_BYTES_PER_LINE`] bytes).
//!
//! The other framings of [`View::framing`] (an idle gap, a delimiter, a length header, or
//! lines shown in hex) cut received bytes with a [`Framer`]: one history entry per frame, as
//! hex or as text decoded in the session's encoding (a character split between two frames
//! stays whole). Sent streams are always shown as lines.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tcptalk_core::{
    Frame, Framer, Framing, LineAssembler, StreamDecoder, TextEncoding, display_safe, to_hex,
};
use tcptalk_net::ConnId;

/// A partial line (no line end yet) is shown once its stream has been quiet this long.
pub const IDLE_FLUSH: Duration = Duration::from_millis(100);
/// Longest line kept whole; a longer one is shown in pieces of this many characters.
pub const MAX_LINE_CHARS: usize = 16 * 1024;
/// With the hex view, each read is one line of hex, cut every this many bytes: 1,541
/// characters, under what a history row shows before cutting.
pub const HEX_BYTES_PER_LINE: usize = 512;
/// What marks a line of hex, received or sent, so it is never mistaken for text.
pub const HEX_MARK: &str = "[HEX] ";

/// How arriving bytes are shown (and logged), and cut into the frames auto-reply rules see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// The text encoding, also when showing hex (for when it is switched off).
    pub encoding: TextEncoding,
    /// Frames as hex bytes (`[HEX] 48 65 6C`) instead of decoded text: what a device's
    /// protocol looks like, byte for byte.
    pub hex: bool,
    /// Where one entry ends. [`View::default`] and [`View::text`] are lines, [`View::hex`]
    /// one entry per read.
    pub framing: Framing,
}

impl Default for View {
    fn default() -> Self {
        View::text(TextEncoding::default())
    }
}

impl View {
    /// Text split at line ends.
    pub fn text(encoding: TextEncoding) -> View {
        View {
            encoding,
            hex: false,
            framing: Framing::Line,
        }
    }

    /// Hex, one entry per read.
    pub fn hex(encoding: TextEncoding) -> View {
        View {
            encoding,
            hex: true,
            framing: Framing::Chunk,
        }
    }

    /// Whether received bytes go through a [`Framer`] rather than the line assembler or the
    /// plain hex dump.
    fn frames(&self) -> bool {
        !matches!(
            (&self.framing, self.hex),
            (Framing::Line, false) | (Framing::Chunk, true)
        )
    }
}

/// One entry's text from a stream that is shown on its own (a partial line after a quiet
/// spell, what is left at the end, an idle-gap frame), with when it began to arrive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Piece {
    pub(crate) stream: Stream,
    pub(crate) text: String,
    pub(crate) at: Instant,
}

/// What [`Streams::push`] did besides adding lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pushed {
    /// The stream holds bytes not shown yet (for the idle flush).
    pub(crate) pending: bool,
    /// When the first of the added lines began to arrive, if before this read: a frame is
    /// stamped at its first byte. The other lines began with this read.
    pub(crate) first_at: Option<Instant>,
}

/// Longest frame shown as one entry (longer ones come in pieces).
const MAX_FRAME: usize = 64 * 1024;

/// A received stream being framed: the framer and the decoder for its text.
#[derive(Debug)]
struct Framed {
    framer: Framer,
    decoder: StreamDecoder,
}

/// Which stream bytes belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Stream {
    Received(ConnId),
    /// Bytes sent as a stream (the terminal's stdin) to one connection or to all (`None`).
    Sent(Option<ConnId>),
}

/// Line assembly for every stream of a session.
#[derive(Debug, Default)]
pub(crate) struct Streams {
    view: View,
    assemblers: HashMap<Stream, LineAssembler>,
    framed: HashMap<ConnId, Framed>,
}

impl Streams {
    pub(crate) fn new(view: View) -> Self {
        Streams {
            view,
            assemblers: HashMap::new(),
            framed: HashMap::new(),
        }
    }

    pub(crate) fn framing(&self) -> &Framing {
        &self.view.framing
    }

    /// How one frame is shown: hex of every byte (a line's end too), or its text.
    fn show(view: &View, framed: &mut Framed, frame: &Frame, lines: &mut Vec<String>) {
        if view.hex {
            let mut bytes = frame.bytes.clone();
            bytes.extend_from_slice(frame.end);
            if bytes.is_empty() {
                lines.push(HEX_MARK.trim_end().to_string());
            }
            for piece in bytes.chunks(HEX_BYTES_PER_LINE) {
                lines.push(format!("{HEX_MARK}{}", to_hex(piece)));
            }
        } else {
            let mut text = String::new();
            framed.decoder.decode(&frame.bytes, &mut text);
            lines.push(display_safe(&text));
        }
    }

    fn push_framed(
        &mut self,
        conn: ConnId,
        bytes: &[u8],
        now: Instant,
        lines: &mut Vec<String>,
    ) -> Pushed {
        let view = &self.view;
        let framed = self.framed.entry(conn).or_insert_with(|| Framed {
            framer: Framer::new(view.framing.clone(), MAX_FRAME),
            decoder: StreamDecoder::new(view.encoding),
        });
        let mut frames = Vec::new();
        framed.framer.push(bytes, now, &mut frames);
        for frame in &frames {
            Streams::show(view, framed, frame, lines);
        }
        Pushed {
            // Only what the idle flush can close (see `has_pending`).
            pending: !framed.framer.pending().is_empty()
                && matches!(framed.framer.framing(), Framing::Line | Framing::IdleGap(_)),
            first_at: frames.first().map(|frame| frame.at),
        }
    }

    /// Frames shown as pieces, each stamped at its first byte.
    fn pieces(view: &View, framed: &mut Framed, conn: ConnId, frames: &[Frame]) -> Vec<Piece> {
        let mut out = Vec::new();
        for frame in frames {
            let mut lines = Vec::new();
            Streams::show(view, framed, frame, &mut lines);
            out.extend(lines.into_iter().map(|text| Piece {
                stream: Stream::Received(conn),
                text,
                at: frame.at,
            }));
        }
        out
    }

    /// What a framed stream shows once it has been quiet: an idle-gap frame whose gap has
    /// passed, a partial line after [`IDLE_FLUSH`]. Partial delimited or length-prefixed
    /// frames wait for the rest (or the end of the connection).
    fn take_idle_frames(&mut self, now: Instant) -> Vec<Piece> {
        let mut out = Vec::new();
        for (conn, framed) in &mut self.framed {
            let mut frames = Vec::new();
            match framed.framer.framing() {
                Framing::IdleGap(_) => framed.framer.poll(now, &mut frames),
                Framing::Line
                    if framed
                        .framer
                        .last_arrival()
                        .is_some_and(|last| now.duration_since(last) >= IDLE_FLUSH) =>
                {
                    framed.framer.flush(&mut frames);
                }
                _ => {}
            }
            out.extend(Streams::pieces(&self.view, framed, *conn, &frames));
        }
        out
    }

    fn finish_framed(&mut self, conn: ConnId, now: Instant) -> Vec<Piece> {
        let Some(mut framed) = self.framed.remove(&conn) else {
            return Vec::new();
        };
        let mut frames = Vec::new();
        framed.framer.finish(&mut frames);
        let mut out = Streams::pieces(&self.view, &mut framed, conn, &frames);
        let mut rest = String::new();
        framed.decoder.finish(&mut rest);
        if !rest.is_empty() {
            out.push(Piece {
                stream: Stream::Received(conn),
                text: display_safe(&rest),
                at: frames.last().map_or(now, |frame| frame.at),
            });
        }
        out
    }

    /// Appends the lines `bytes` completes on `stream` to `lines`; see [`Pushed`].
    pub(crate) fn push(
        &mut self,
        stream: Stream,
        bytes: &[u8],
        now: Instant,
        lines: &mut Vec<String>,
    ) -> Pushed {
        if let Stream::Received(conn) = stream {
            if self.view.frames() {
                return self.push_framed(conn, bytes, now, lines);
            }
            if self.view.hex {
                for piece in bytes.chunks(HEX_BYTES_PER_LINE) {
                    lines.push(format!("{HEX_MARK}{}", to_hex(piece)));
                }
                return Pushed {
                    pending: false,
                    first_at: None,
                };
            }
        }
        let encoding = self.view.encoding;
        let assembler = self
            .assemblers
            .entry(stream)
            .or_insert_with(|| LineAssembler::new(encoding, MAX_LINE_CHARS));
        assembler.push(bytes, now, lines);
        Pushed {
            pending: assembler.has_pending(),
            first_at: None,
        }
    }

    /// Whether any stream holds a partial line the idle flush may show.
    pub(crate) fn has_pending(&self) -> bool {
        // Only what the idle flush can close: a partial line, an idle-gap frame. A partial
        // delimited or length-prefixed frame waits for its bytes without any timer.
        self.assemblers.values().any(LineAssembler::has_pending)
            || self.framed.values().any(|f| {
                !f.framer.pending().is_empty()
                    && matches!(f.framer.framing(), Framing::Line | Framing::IdleGap(_))
            })
    }

    /// Partial lines of streams quiet for [`IDLE_FLUSH`], with their streams.
    pub(crate) fn take_idle(&mut self, now: Instant) -> Vec<Piece> {
        let mut idle: Vec<Piece> = self
            .assemblers
            .iter_mut()
            .filter_map(|(stream, a)| {
                let text = a.take_idle(now, IDLE_FLUSH)?;
                Some(Piece {
                    stream: *stream,
                    text,
                    at: now,
                })
            })
            .collect();
        idle.extend(self.take_idle_frames(now));
        idle
    }

    /// The connection ended: what each of its streams holds after its last line end.
    pub(crate) fn finish(&mut self, conn: ConnId) -> Vec<Piece> {
        let now = Instant::now();
        let mut rest: Vec<Piece> = [Stream::Received(conn), Stream::Sent(Some(conn))]
            .into_iter()
            .filter_map(|stream| {
                let mut assembler = self.assemblers.remove(&stream)?;
                let text = assembler.finish()?;
                Some(Piece {
                    stream,
                    text,
                    at: now,
                })
            })
            .collect();
        rest.extend(self.finish_framed(conn, now));
        rest
    }

    /// What a connection's received stream holds after its last frame end, now: the end of
    /// a datagram ends an entry.
    pub(crate) fn finish_received(&mut self, conn: ConnId) -> Vec<Piece> {
        let now = Instant::now();
        let mut rest: Vec<Piece> = self
            .assemblers
            .remove(&Stream::Received(conn))
            .and_then(|mut assembler| assembler.finish())
            .map(|text| Piece {
                stream: Stream::Received(conn),
                text,
                at: now,
            })
            .into_iter()
            .collect();
        rest.extend(self.finish_framed(conn, now));
        rest
    }

    /// Every stream ends (the broadcast stream too, when the server stops).
    pub(crate) fn finish_all(&mut self) -> Vec<Piece> {
        let now = Instant::now();
        let mut rest: Vec<Piece> = self
            .assemblers
            .drain()
            .filter_map(|(stream, mut a)| {
                let text = a.finish()?;
                Some(Piece {
                    stream,
                    text,
                    at: now,
                })
            })
            .collect();
        let conns: Vec<ConnId> = self.framed.keys().copied().collect();
        for conn in conns {
            rest.extend(self.finish_framed(conn, now));
        }
        rest
    }

    /// Shows bytes arriving from now on `view`'s way. Text waiting for its line end is shown
    /// before the hex view starts, so it is not shown twice; a new encoding applies to the
    /// bytes after the change.
    pub(crate) fn set_view(&mut self, view: View) -> Vec<Piece> {
        let now = Instant::now();
        let old = std::mem::replace(&mut self.view, view.clone());
        let mut rest = Vec::new();
        // A new framing (or hex on or off for frames) starts with the next byte: what the old
        // one held back is shown now.
        if old.framing != view.framing || old.hex != view.hex {
            let conns: Vec<ConnId> = self.framed.keys().copied().collect();
            for conn in conns {
                rest.extend(self.finish_framed(conn, now));
            }
        }
        if view.frames() || (view.hex && !old.hex) {
            for (stream, assembler) in self.assemblers.iter_mut() {
                if matches!(stream, Stream::Received(_))
                    && let Some(text) = assembler.finish()
                {
                    rest.push(Piece {
                        stream: *stream,
                        text,
                        at: now,
                    });
                }
            }
        }
        for assembler in self.assemblers.values_mut() {
            assembler.set_encoding(view.encoding);
        }
        if old.encoding != view.encoding {
            for framed in self.framed.values_mut() {
                framed.decoder = StreamDecoder::new(view.encoding);
            }
        }
        rest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> ConnId {
        ConnId(7)
    }

    /// Pieces as (stream, text), to compare.
    fn plain(pieces: Vec<Piece>) -> Vec<(Stream, String)> {
        pieces.into_iter().map(|p| (p.stream, p.text)).collect()
    }

    #[test]
    fn hex_view_is_one_line_per_read_and_text_waiting_is_shown_first() {
        let mut streams = Streams::new(View::default());
        let mut lines = Vec::new();
        let now = Instant::now();
        streams.push(Stream::Received(conn()), b"abc\nhalf", now, &mut lines);
        assert_eq!(lines, ["abc"]);
        let rest = plain(streams.set_view(View::hex(TextEncoding::Utf8)));
        assert_eq!(rest, [(Stream::Received(conn()), "half".to_string())]);
        lines.clear();
        streams.push(Stream::Received(conn()), b"\x01\x02\n", now, &mut lines);
        assert_eq!(lines, ["[HEX] 01 02 0A"]);
    }

    #[test]
    fn a_new_encoding_applies_to_later_bytes() {
        let mut streams = Streams::new(View::default());
        let mut lines = Vec::new();
        let now = Instant::now();
        streams.push(Stream::Received(conn()), "中\n".as_bytes(), now, &mut lines);
        streams.set_view(View::text(TextEncoding::Gb18030));
        streams.push(
            Stream::Received(conn()),
            &[0xD6, 0xD0, b'\n'],
            now,
            &mut lines,
        );
        assert_eq!(lines, ["中", "中"]);
    }

    #[test]
    fn framed_views_show_one_entry_per_frame_in_hex_or_text() {
        let now = Instant::now();
        let ms = Duration::from_millis;
        // Lines in hex keep their line ends on screen.
        let mut streams = Streams::new(View {
            framing: Framing::Line,
            ..View::hex(TextEncoding::Utf8)
        });
        let mut lines = Vec::new();
        streams.push(Stream::Received(conn()), b"AB\r\nC", now, &mut lines);
        assert_eq!(lines, ["[HEX] 41 42 0D 0A"]);
        // A partial line shows after a quiet spell, as in the text view.
        assert!(streams.has_pending());
        assert_eq!(
            plain(streams.take_idle(now + IDLE_FLUSH)),
            [(Stream::Received(conn()), "[HEX] 43".to_string())]
        );
        // An idle gap in text, a Chinese character split between reads kept whole.
        let mut streams = Streams::new(View {
            framing: Framing::IdleGap(ms(30)),
            ..View::text(TextEncoding::Utf8)
        });
        let mut lines = Vec::new();
        let bytes = "温度".as_bytes();
        streams.push(Stream::Received(conn()), &bytes[..2], now, &mut lines);
        streams.push(
            Stream::Received(conn()),
            &bytes[2..],
            now + ms(5),
            &mut lines,
        );
        assert!(lines.is_empty());
        assert!(streams.take_idle(now + ms(20)).is_empty());
        let idle = streams.take_idle(now + ms(40));
        assert_eq!(idle[0].at, now, "stamped at its first byte");
        assert_eq!(
            plain(idle),
            [(Stream::Received(conn()), "温度".to_string())]
        );
        // A new framing shows what the old one held back, then starts afresh.
        streams.push(
            Stream::Received(conn()),
            b"\x02half",
            now + ms(50),
            &mut lines,
        );
        let rest = plain(streams.set_view(View {
            framing: Framing::Delimiter(vec![0x03]),
            ..View::text(TextEncoding::Utf8)
        }));
        assert_eq!(rest, [(Stream::Received(conn()), "\\x02half".to_string())]);
        streams.push(Stream::Received(conn()), b"\x02a\x03\x02b", now, &mut lines);
        assert_eq!(lines, ["\\x02a\\x03"]);
        assert_eq!(
            plain(streams.finish(conn())),
            [(Stream::Received(conn()), "\\x02b".to_string())]
        );
    }

    #[test]
    fn quiet_partial_lines_and_the_end_of_a_connection_show_what_is_left() {
        let mut streams = Streams::new(View::default());
        let mut lines = Vec::new();
        let start = Instant::now();
        streams.push(Stream::Received(conn()), b"login: ", start, &mut lines);
        streams.push(Stream::Sent(None), b"typed", start, &mut lines);
        assert!(lines.is_empty());
        assert!(streams.has_pending());
        assert!(streams.take_idle(start + IDLE_FLUSH / 2).is_empty());
        let mut idle = plain(streams.take_idle(start + IDLE_FLUSH));
        idle.sort_by_key(|(_, line)| line.clone());
        assert_eq!(
            idle,
            [
                (Stream::Received(conn()), "login: ".to_string()),
                (Stream::Sent(None), "typed".to_string())
            ]
        );
        streams.push(Stream::Received(conn()), b"tail", start, &mut lines);
        assert_eq!(
            plain(streams.finish(conn())),
            [(Stream::Received(conn()), "tail".to_string())]
        );
        assert!(!streams.has_pending());
    }
}

//! Arriving (and, in the terminal, sent) bytes to history lines, per stream.
//!
//! Reads do not line up with lines: one read may hold three, one line may take ten reads. Each
//! stream (a connection's received bytes, or what stdin sent) keeps a
//! [`LineAssembler`] for its unfinished tail, shows a partial line once the stream has been
//! quiet for [`IDLE_FLUSH`], and what is left when the connection ends. With 十六进制显示 /
//! hex view each read is instead one line of hex (cut every [`HEX_BYTES_PER_LINE`] bytes).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tcptalk_core::{LineAssembler, TextEncoding, to_hex};
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

/// How arriving bytes are shown (and logged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct View {
    /// The text encoding, also when showing hex (for when it is switched off).
    pub encoding: TextEncoding,
    /// Every read as hex bytes (`[HEX] 48 65 6C`), one line per read, instead of decoded text
    /// split at line ends: what a device's protocol looks like, byte for byte.
    pub hex: bool,
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
}

impl Streams {
    pub(crate) fn new(view: View) -> Self {
        Streams {
            view,
            assemblers: HashMap::new(),
        }
    }

    /// Appends the lines `bytes` completes on `stream` to `lines`. Returns whether the stream
    /// now holds a partial line (for the idle flush).
    pub(crate) fn push(
        &mut self,
        stream: Stream,
        bytes: &[u8],
        now: Instant,
        lines: &mut Vec<String>,
    ) -> bool {
        if self.view.hex && matches!(stream, Stream::Received(_)) {
            for piece in bytes.chunks(HEX_BYTES_PER_LINE) {
                lines.push(format!("{HEX_MARK}{}", to_hex(piece)));
            }
            return false;
        }
        let encoding = self.view.encoding;
        let assembler = self
            .assemblers
            .entry(stream)
            .or_insert_with(|| LineAssembler::new(encoding, MAX_LINE_CHARS));
        assembler.push(bytes, now, lines);
        assembler.has_pending()
    }

    /// Whether any stream holds a partial line the idle flush may show.
    pub(crate) fn has_pending(&self) -> bool {
        self.assemblers.values().any(LineAssembler::has_pending)
    }

    /// Partial lines of streams quiet for [`IDLE_FLUSH`], with their streams.
    pub(crate) fn take_idle(&mut self, now: Instant) -> Vec<(Stream, String)> {
        self.assemblers
            .iter_mut()
            .filter_map(|(stream, a)| a.take_idle(now, IDLE_FLUSH).map(|line| (*stream, line)))
            .collect()
    }

    /// The connection ended: what each of its streams holds after its last line end.
    pub(crate) fn finish(&mut self, conn: ConnId) -> Vec<(Stream, String)> {
        [Stream::Received(conn), Stream::Sent(Some(conn))]
            .into_iter()
            .filter_map(|stream| {
                let mut assembler = self.assemblers.remove(&stream)?;
                assembler.finish().map(|line| (stream, line))
            })
            .collect()
    }

    /// Every stream ends (the broadcast stream too, when the server stops).
    pub(crate) fn finish_all(&mut self) -> Vec<(Stream, String)> {
        self.assemblers
            .drain()
            .filter_map(|(stream, mut a)| a.finish().map(|line| (stream, line)))
            .collect()
    }

    /// Shows bytes arriving from now on `view`'s way. Text waiting for its line end is shown
    /// before the hex view starts, so it is not shown twice; a new encoding applies to the
    /// bytes after the change.
    pub(crate) fn set_view(&mut self, view: View) -> Vec<(Stream, String)> {
        let old = std::mem::replace(&mut self.view, view);
        let mut rest = Vec::new();
        if view.hex && !old.hex {
            for (stream, assembler) in self.assemblers.iter_mut() {
                if matches!(stream, Stream::Received(_))
                    && let Some(line) = assembler.finish()
                {
                    rest.push((*stream, line));
                }
            }
        }
        for assembler in self.assemblers.values_mut() {
            assembler.set_encoding(view.encoding);
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

    #[test]
    fn hex_view_is_one_line_per_read_and_text_waiting_is_shown_first() {
        let mut streams = Streams::new(View::default());
        let mut lines = Vec::new();
        let now = Instant::now();
        streams.push(Stream::Received(conn()), b"abc\nhalf", now, &mut lines);
        assert_eq!(lines, ["abc"]);
        let rest = streams.set_view(View {
            hex: true,
            ..View::default()
        });
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
        streams.set_view(View {
            encoding: TextEncoding::Gb18030,
            hex: false,
        });
        streams.push(
            Stream::Received(conn()),
            &[0xD6, 0xD0, b'\n'],
            now,
            &mut lines,
        );
        assert_eq!(lines, ["中", "中"]);
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
        let mut idle = streams.take_idle(start + IDLE_FLUSH);
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
            streams.finish(conn()),
            [(Stream::Received(conn()), "tail".to_string())]
        );
        assert!(!streams.has_pending());
    }
}

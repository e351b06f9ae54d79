//! What stdin becomes on the wire: on a stream, each read as it came; on UDP, one datagram per
//! line with its newline, since a datagram is a message and a read of a pipe is not.

use bytes::{Bytes, BytesMut};
use tcptalk_net::MAX_DATAGRAM;

#[derive(Debug)]
pub struct Pieces {
    datagrams: bool,
    /// The start of a line whose newline has not come yet.
    partial: BytesMut,
}

impl Pieces {
    pub fn new(datagrams: bool) -> Self {
        Pieces {
            datagrams,
            partial: BytesMut::new(),
        }
    }

    /// The pieces `read` completes. A line longer than a datagram goes in datagram-sized parts.
    pub fn push(&mut self, read: Bytes) -> Vec<Bytes> {
        if !self.datagrams {
            return vec![read];
        }
        self.partial.extend_from_slice(&read);
        let mut out = Vec::new();
        while let Some(end) = self.partial.iter().position(|&b| b == b'\n') {
            let mut line = self.partial.split_to(end + 1);
            while line.len() > MAX_DATAGRAM {
                out.push(line.split_to(MAX_DATAGRAM).freeze());
            }
            out.push(line.freeze());
        }
        while self.partial.len() > MAX_DATAGRAM {
            out.push(self.partial.split_to(MAX_DATAGRAM).freeze());
        }
        out
    }

    /// At the end of input: the last line if it had no newline.
    pub fn finish(&mut self) -> Option<Bytes> {
        (!self.partial.is_empty()).then(|| self.partial.split().freeze())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_line_is_one_datagram_with_its_newline() {
        let mut pieces = Pieces::new(true);
        assert_eq!(
            pieces.push(Bytes::from_static(b"a\nb")),
            vec![Bytes::from_static(b"a\n")]
        );
        assert_eq!(
            pieces.push(Bytes::from_static(b"c\n\nd")),
            vec![Bytes::from_static(b"bc\n"), Bytes::from_static(b"\n")]
        );
        assert_eq!(pieces.finish(), Some(Bytes::from_static(b"d")));
        assert_eq!(pieces.finish(), None);
    }

    #[test]
    fn a_line_longer_than_a_datagram_goes_in_parts() {
        let mut pieces = Pieces::new(true);
        let mut long = vec![b'x'; MAX_DATAGRAM + 10];
        long.push(b'\n');
        let out = pieces.push(Bytes::from(long));
        assert_eq!(
            out.iter().map(Bytes::len).collect::<Vec<_>>(),
            [MAX_DATAGRAM, 11]
        );
    }

    #[test]
    fn a_stream_sends_reads_as_they_came() {
        let mut pieces = Pieces::new(false);
        assert_eq!(
            pieces.push(Bytes::from_static(b"a\nb")),
            vec![Bytes::from_static(b"a\nb")]
        );
        assert_eq!(pieces.finish(), None);
    }
}

//! Captures for Wireshark: what a session saw, as a classic `.pcap` file with synthetic IP and
//! TCP headers, one packet per read (or per message sent) with its real time.
//!
//! tcptalk reads and writes through the operating system's sockets, so it never sees the
//! packets themselves; what it can write is what the application saw: each read as one TCP
//! segment from the peer, each send as one segment to it, with sequence numbers that follow
//! the bytes, so Wireshark's "Follow TCP stream" and `tshark -z follow,tcp,...` show exactly
//! the stream. Link type `LINKTYPE_RAW` (IPv4 or IPv6 packets without a link layer); the IP
//! and TCP checksums are real, so no tool flags the packets as broken.

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::time::{SystemTime, UNIX_EPOCH};

/// Raw IP packets, no link layer.
const LINKTYPE_RAW: u32 = 101;
/// Largest payload in one synthetic segment: an IPv4 packet is at most 65,535 bytes.
pub const MAX_SEGMENT: usize = 65_535 - 20 - 20;

/// Which way a segment went, seen from tcptalk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    /// From the peer to us.
    In,
    /// From us to the peer.
    Out,
}

/// One TCP connection's two addresses and where each direction's sequence numbers are.
#[derive(Debug, Clone, Copy)]
pub struct Flow {
    pub local: SocketAddr,
    pub peer: SocketAddr,
    /// Next sequence number of what we send, and of what the peer sends.
    out_seq: u32,
    in_seq: u32,
}

impl Flow {
    /// A flow whose first bytes each way start at sequence number 1 (as Wireshark shows
    /// relative numbers anyway).
    pub fn new(local: SocketAddr, peer: SocketAddr) -> Self {
        Flow {
            local,
            peer,
            out_seq: 1,
            in_seq: 1,
        }
    }
}

/// Writes a `.pcap` stream.
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    out: W,
    packet: Vec<u8>,
}

impl<W: Write> PcapWriter<W> {
    /// Starts a capture: writes the file header.
    pub fn new(mut out: W) -> io::Result<Self> {
        let mut header = Vec::with_capacity(24);
        header.extend_from_slice(&0xA1B2_C3D4u32.to_le_bytes());
        header.extend_from_slice(&2u16.to_le_bytes());
        header.extend_from_slice(&4u16.to_le_bytes());
        header.extend_from_slice(&0i32.to_le_bytes());
        header.extend_from_slice(&0u32.to_le_bytes());
        header.extend_from_slice(&262_144u32.to_le_bytes()); // snap length: whole packets
        header.extend_from_slice(&LINKTYPE_RAW.to_le_bytes());
        out.write_all(&header)?;
        Ok(PcapWriter {
            out,
            packet: Vec::with_capacity(MAX_SEGMENT + 80),
        })
    }

    /// Writes `payload` going `way` on `flow` at `at`, in segments of at most
    /// [`MAX_SEGMENT`] bytes, and moves the flow's sequence numbers on.
    pub fn segment(
        &mut self,
        flow: &mut Flow,
        way: Way,
        at: SystemTime,
        payload: &[u8],
    ) -> io::Result<()> {
        for piece in payload.chunks(MAX_SEGMENT) {
            let (from, to, seq, ack) = match way {
                Way::In => (flow.peer, flow.local, flow.in_seq, flow.out_seq),
                Way::Out => (flow.local, flow.peer, flow.out_seq, flow.in_seq),
            };
            self.packet.clear();
            build_packet(&mut self.packet, from, to, seq, ack, piece);
            let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
            let len = self.packet.len() as u32;
            let mut record = [0u8; 16];
            record[..4].copy_from_slice(&(since.as_secs() as u32).to_le_bytes());
            record[4..8].copy_from_slice(&since.subsec_micros().to_le_bytes());
            record[8..12].copy_from_slice(&len.to_le_bytes());
            record[12..].copy_from_slice(&len.to_le_bytes());
            self.out.write_all(&record)?;
            self.out.write_all(&self.packet)?;
            let advance = piece.len() as u32;
            match way {
                Way::In => flow.in_seq = flow.in_seq.wrapping_add(advance),
                Way::Out => flow.out_seq = flow.out_seq.wrapping_add(advance),
            }
        }
        Ok(())
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// An IPv4 or IPv6 packet (by the addresses; an IPv4-mapped IPv6 address counts as IPv4)
/// holding a TCP segment with PSH and ACK set.
fn build_packet(
    out: &mut Vec<u8>,
    from: SocketAddr,
    to: SocketAddr,
    seq: u32,
    ack: u32,
    payload: &[u8],
) {
    let tcp_len = 20 + payload.len();
    let mut tcp = Vec::with_capacity(tcp_len);
    tcp.extend_from_slice(&from.port().to_be_bytes());
    tcp.extend_from_slice(&to.port().to_be_bytes());
    tcp.extend_from_slice(&seq.to_be_bytes());
    tcp.extend_from_slice(&ack.to_be_bytes());
    tcp.push(5 << 4); // header length: 5 words
    tcp.push(0x18); // PSH, ACK
    tcp.extend_from_slice(&65_535u16.to_be_bytes()); // window
    tcp.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent pointer
    tcp.extend_from_slice(payload);
    match (v4(from.ip()), v4(to.ip())) {
        (Some(src), Some(dst)) => {
            let mut pseudo = Vec::with_capacity(12);
            pseudo.extend_from_slice(&src);
            pseudo.extend_from_slice(&dst);
            pseudo.extend_from_slice(&[0, 6]);
            pseudo.extend_from_slice(&(tcp_len as u16).to_be_bytes());
            let sum = checksum(&[&pseudo, &tcp]);
            tcp[16..18].copy_from_slice(&sum.to_be_bytes());
            let total = (20 + tcp_len) as u16;
            let mut ip = vec![0x45, 0];
            ip.extend_from_slice(&total.to_be_bytes());
            ip.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0]); // id, DF, TTL 64, TCP
            ip.extend_from_slice(&src);
            ip.extend_from_slice(&dst);
            let sum = checksum(&[&ip]);
            ip[10..12].copy_from_slice(&sum.to_be_bytes());
            out.extend_from_slice(&ip);
        }
        _ => {
            let (src, dst) = (v6(from.ip()), v6(to.ip()));
            let mut pseudo = Vec::with_capacity(40);
            pseudo.extend_from_slice(&src);
            pseudo.extend_from_slice(&dst);
            pseudo.extend_from_slice(&(tcp_len as u32).to_be_bytes());
            pseudo.extend_from_slice(&[0, 0, 0, 6]);
            let sum = checksum(&[&pseudo, &tcp]);
            tcp[16..18].copy_from_slice(&sum.to_be_bytes());
            out.extend_from_slice(&[0x60, 0, 0, 0]);
            out.extend_from_slice(&(tcp_len as u16).to_be_bytes());
            out.extend_from_slice(&[6, 64]); // next header TCP, hop limit
            out.extend_from_slice(&src);
            out.extend_from_slice(&dst);
        }
    }
    out.extend_from_slice(&tcp);
}

fn v4(ip: IpAddr) -> Option<[u8; 4]> {
    match ip {
        IpAddr::V4(v4) => Some(v4.octets()),
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(|v4| v4.octets()),
    }
}

fn v6(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    }
}

/// The Internet checksum (RFC 1071) over the parts, as if they were one buffer.
fn checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    let mut odd: Option<u8> = None;
    for part in parts {
        for &byte in *part {
            match odd.take() {
                Some(high) => sum += u32::from(u16::from_be_bytes([high, byte])),
                None => odd = Some(byte),
            }
        }
    }
    if let Some(high) = odd {
        sum += u32::from(u16::from_be_bytes([high, 0]));
    }
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_header_and_a_segment_are_laid_out_as_pcap_has_them() {
        let mut writer = PcapWriter::new(Vec::new()).expect("header");
        let local: SocketAddr = "127.0.0.1:8899".parse().expect("addr");
        let peer: SocketAddr = "[::ffff:127.0.0.1]:50312".parse().expect("addr");
        let mut flow = Flow::new(local, peer);
        writer
            .segment(&mut flow, Way::In, UNIX_EPOCH, b"hi")
            .expect("written");
        writer
            .segment(&mut flow, Way::Out, UNIX_EPOCH, b"ok!")
            .expect("written");
        let bytes = writer.into_inner();
        assert_eq!(&bytes[..4], &[0xD4, 0xC3, 0xB2, 0xA1]);
        assert_eq!(&bytes[20..24], &101u32.to_le_bytes());
        // Record header, then an IPv4 packet of 20 + 20 + 2 bytes with a valid checksum.
        assert_eq!(&bytes[32..36], &42u32.to_le_bytes());
        let ip = &bytes[40..60];
        assert_eq!(ip[0], 0x45);
        assert_eq!(checksum(&[ip]), 0, "the IP header sums to zero");
        assert_eq!(&bytes[60..62], &50312u16.to_be_bytes(), "from the peer");
        // The second segment acknowledges the peer's 2 bytes.
        let second = 40 + 42 + 16;
        assert_eq!(&bytes[second + 24..second + 28], &1u32.to_be_bytes());
        assert_eq!(&bytes[second + 28..second + 32], &3u32.to_be_bytes());
        // Big payloads go in several segments.
        let mut flow = Flow::new(local, "[::1]:9".parse().expect("addr"));
        let mut big = PcapWriter::new(Vec::new()).expect("header");
        big.segment(&mut flow, Way::Out, UNIX_EPOCH, &vec![0; MAX_SEGMENT + 1])
            .expect("written");
        let bytes = big.into_inner();
        assert_eq!(bytes.len(), 24 + 2 * (16 + 40 + 20) + MAX_SEGMENT + 1);
    }
}

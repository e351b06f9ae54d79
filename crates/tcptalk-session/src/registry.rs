//! The session's connections: who is connected, under which label, and their live counters.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::SystemTime;

use tcptalk_core::history::PeerRef;
use tcptalk_net::{ByteCounts, ConnId, Connection};

/// A connection's id in the session; ids are unique within the process.
pub type PeerId = ConnId;

/// One connection.
#[derive(Debug)]
pub(crate) struct Peer {
    pub(crate) conn: Connection,
    /// `127.0.0.1:50312` on a server, the target as typed (`127.0.0.1:8899`) on a client:
    /// what every history line and the log call this peer.
    pub(crate) label: String,
    pub(crate) addr: SocketAddr,
    pub(crate) history: PeerRef,
    pub(crate) since: SystemTime,
    /// When bytes last came from it or went to it.
    pub(crate) last_activity: SystemTime,
    pub(crate) rates: crate::Rates,
}

/// A connection as a front end sees it: data, read under the session's lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerStatus {
    pub id: PeerId,
    pub label: String,
    pub addr: SocketAddr,
    pub counts: ByteCounts,
    /// Bytes accepted for sending that the peer has not taken yet.
    pub queued: u64,
    /// When it connected.
    pub since: SystemTime,
    /// When bytes last came from it or went to it.
    pub last_activity: SystemTime,
}

/// The connections of one session, in the order they came.
#[derive(Debug, Default)]
pub struct Registry {
    peers: BTreeMap<PeerId, Peer>,
}

impl Registry {
    pub(crate) fn insert(&mut self, peer: Peer) {
        self.peers.insert(peer.conn.id(), peer);
    }

    pub(crate) fn remove(&mut self, id: PeerId) -> Option<Peer> {
        self.peers.remove(&id)
    }

    pub(crate) fn get(&self, id: PeerId) -> Option<&Peer> {
        self.peers.get(&id)
    }

    /// Notes that bytes just came from or went to `id`.
    pub(crate) fn touch(&mut self, id: PeerId, at: SystemTime) {
        if let Some(peer) = self.peers.get_mut(&id) {
            peer.last_activity = at;
        }
    }

    pub(crate) fn get_mut(&mut self, id: PeerId) -> Option<&mut Peer> {
        self.peers.get_mut(&id)
    }

    /// Bytes per second of one connection.
    pub fn rates(&self, id: PeerId) -> Option<&crate::Rates> {
        self.peers.get(&id).map(|peer| &peer.rates)
    }

    /// Bytes received and sent by the connections open now.
    pub(crate) fn live_counts(&self) -> ByteCounts {
        let mut total = ByteCounts::default();
        for peer in self.peers.values() {
            let counts = peer.conn.counts();
            total.received += counts.received;
            total.sent += counts.sent;
        }
        total
    }

    pub(crate) fn peers(&self) -> impl Iterator<Item = &Peer> {
        self.peers.values()
    }

    pub fn len(&self) -> usize {
        self.peers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.peers.is_empty()
    }

    /// Every connection's id, oldest first.
    pub fn ids(&self) -> Vec<PeerId> {
        self.peers.keys().copied().collect()
    }

    pub fn label(&self, id: PeerId) -> Option<&str> {
        self.peers.get(&id).map(|peer| peer.label.as_str())
    }

    /// The connection's label, address and live counts.
    pub fn status(&self, id: PeerId) -> Option<PeerStatus> {
        let peer = self.peers.get(&id)?;
        Some(PeerStatus {
            id,
            label: peer.label.clone(),
            addr: peer.addr,
            counts: peer.conn.counts(),
            queued: peer.conn.queued_bytes(),
            since: peer.since,
            last_activity: peer.last_activity,
        })
    }
}

pub use tcptalk_net::plain_addr;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_ipv4_clients_show_as_ipv4() {
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:50312".parse().expect("address");
        assert_eq!(plain_addr(mapped).to_string(), "127.0.0.1:50312");
        let v6: SocketAddr = "[::1]:50312".parse().expect("address");
        assert_eq!(plain_addr(v6), v6);
    }
}

//! Settings that shape a socket before it carries anything: TCP keepalive, UDP broadcast and
//! multicast, and the machine's interfaces a user picks from.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};

use crate::error::NetError;

/// TCP keepalive: after `idle` without traffic the kernel probes every `interval`, and gives
/// the connection up after `retries` unanswered probes, so a peer that vanished (unplugged,
/// powered off) is noticed instead of looking connected for ever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalive {
    pub idle: Duration,
    pub interval: Duration,
    pub retries: u32,
}

impl Default for Keepalive {
    /// A dead peer is noticed within 60 + 5 × 10 = 110 s.
    fn default() -> Self {
        Keepalive {
            idle: Duration::from_secs(60),
            interval: Duration::from_secs(10),
            retries: 5,
        }
    }
}

impl Keepalive {
    /// Idle time before the first probe; the interval and count stay the defaults.
    pub fn after(idle: Duration) -> Self {
        Keepalive {
            idle,
            ..Keepalive::default()
        }
    }

    pub(crate) fn apply(&self, stream: &tokio::net::TcpStream) {
        let keepalive = TcpKeepalive::new()
            .with_time(self.idle)
            .with_interval(self.interval)
            .with_retries(self.retries);
        if let Err(err) = SockRef::from(stream).set_tcp_keepalive(&keepalive) {
            tracing::debug!(%err, "cannot set TCP keepalive");
        }
    }
}

impl fmt::Display for Keepalive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "keepalive: first probe after {} s idle, then every {} s, given up after {} probes",
            self.idle.as_secs(),
            self.interval.as_secs(),
            self.retries
        )
    }
}

/// One address of one network interface of this machine.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Interface {
    /// `eth0`, `lo`.
    pub name: String,
    /// The interface index (what an IPv6 multicast join names the interface by).
    pub index: u32,
    pub addr: IpAddr,
}

impl fmt::Display for Interface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.addr)
    }
}

/// This machine's interfaces and their addresses, loopback first, for a list to pick from.
pub fn interfaces() -> Vec<Interface> {
    let mut list: Vec<Interface> = match if_addrs::get_if_addrs() {
        Ok(found) => found
            .into_iter()
            .map(|iface| Interface {
                index: iface.index.unwrap_or(0),
                addr: iface.ip(),
                name: iface.name,
            })
            .collect(),
        Err(err) => {
            tracing::warn!(%err, "cannot list the network interfaces");
            Vec::new()
        }
    };
    list.sort_by_key(|i| (!i.addr.is_loopback(), i.addr.is_ipv6(), i.index, i.addr));
    list
}

/// A multicast group to join, on one interface or the one the routing table picks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Multicast {
    pub group: IpAddr,
    pub interface: Option<Interface>,
}

impl Multicast {
    /// Checks that `group` is a multicast address, so a typo is a message, not a silent
    /// unicast socket.
    pub fn new(group: IpAddr, interface: Option<Interface>) -> Result<Self, NetError> {
        if !group.is_multicast() {
            return Err(NetError::NotMulticast { addr: group });
        }
        Ok(Multicast { group, interface })
    }
}

/// How a UDP socket behaves beyond its addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpOptions {
    /// Allow sending to broadcast addresses (`SO_BROADCAST`).
    pub broadcast: bool,
    /// A server joins this group; a client sends to it (which needs no join) and uses its
    /// interface for sending.
    pub multicast: Option<Multicast>,
    /// Hops a multicast datagram may travel (the kernel's default is 1: this link only).
    pub multicast_ttl: Option<u32>,
    /// Whether our own multicast datagrams come back to this machine's listeners.
    pub multicast_loop: bool,
    /// A server forgets a source it has not heard from (nor sent to) for this long.
    pub idle: Duration,
    /// The client's own port; `None` lets the system choose.
    pub local_port: Option<u16>,
}

/// Sources quiet for this long are forgotten when the user sets nothing else.
pub const DEFAULT_UDP_IDLE: Duration = Duration::from_secs(60);

impl Default for UdpOptions {
    fn default() -> Self {
        UdpOptions {
            broadcast: false,
            multicast: None,
            multicast_ttl: None,
            multicast_loop: true,
            idle: DEFAULT_UDP_IDLE,
            local_port: None,
        }
    }
}

impl UdpOptions {
    /// Sets broadcast, TTL, loopback and the outgoing multicast interface on `socket`.
    pub(crate) fn apply_sending(&self, socket: &socket2::Socket) -> std::io::Result<()> {
        if self.broadcast {
            socket.set_broadcast(true)?;
        }
        let v4 = matches!(socket.local_addr()?.as_socket(), Some(a) if a.is_ipv4());
        if v4 {
            if let Some(ttl) = self.multicast_ttl {
                socket.set_multicast_ttl_v4(ttl)?;
            }
            socket.set_multicast_loop_v4(self.multicast_loop)?;
            if let Some(Interface {
                addr: IpAddr::V4(addr),
                ..
            }) = self.multicast.as_ref().and_then(|m| m.interface.as_ref())
            {
                socket.set_multicast_if_v4(addr)?;
            }
        } else {
            if let Some(hops) = self.multicast_ttl {
                socket.set_multicast_hops_v6(hops)?;
            }
            socket.set_multicast_loop_v6(self.multicast_loop)?;
            if let Some(iface) = self.multicast.as_ref().and_then(|m| m.interface.as_ref()) {
                socket.set_multicast_if_v6(iface.index)?;
            }
        }
        Ok(())
    }

    /// Joins the multicast group, if any, on the chosen interface.
    pub(crate) fn join(&self, socket: &socket2::Socket) -> Result<(), NetError> {
        let Some(multicast) = &self.multicast else {
            return Ok(());
        };
        let joined = match (multicast.group, &multicast.interface) {
            (IpAddr::V4(group), iface) => {
                let on = match iface {
                    Some(Interface {
                        addr: IpAddr::V4(addr),
                        ..
                    }) => *addr,
                    Some(other) => {
                        return Err(NetError::InvalidAddress {
                            input: other.to_string(),
                            reason: format!("an IPv4 group ({group}) needs an IPv4 interface"),
                        });
                    }
                    None => Ipv4Addr::UNSPECIFIED,
                };
                socket.join_multicast_v4(&group, &on)
            }
            (IpAddr::V6(group), iface) => {
                socket.join_multicast_v6(&group, iface.as_ref().map_or(0, |i| i.index))
            }
        };
        joined.map_err(|err| {
            NetError::io(
                format!(
                    "cannot join multicast group {}{}",
                    multicast.group,
                    multicast
                        .interface
                        .as_ref()
                        .map(|i| format!(" on {i}"))
                        .unwrap_or_default()
                ),
                err,
            )
        })
    }
}

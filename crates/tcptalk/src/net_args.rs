//! The command line's transport flags (`--udp`, `--tls` and what goes with them) and how they
//! become the engine's settings. TLS files are read here, before anything starts, so a
//! missing or wrong file is one clear line and exit 1 with nothing half-started.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use tcptalk_net::tls::{self, TlsClientOptions, TlsServerOptions};
use tcptalk_net::{ClientTransport, Interface, Keepalive, Multicast, ServerTransport, UdpOptions};

/// Broadcast and multicast, for a UDP server or client.
#[derive(Debug, Clone, Args)]
pub struct UdpArgs {
    /// Allow sending to broadcast addresses (with --udp).
    #[arg(long, requires = "udp")]
    pub broadcast: bool,

    /// A multicast group: a server joins it, a client sends to it (no join needed) (with --udp).
    #[arg(long, value_name = "GROUP", requires = "udp")]
    pub multicast: Option<IpAddr>,

    /// The interface for the group, by name (eth0) or address (see `tcptalk interfaces`)
    /// [default: the routing table's choice]
    #[arg(long, value_name = "IFACE", requires = "multicast")]
    pub iface: Option<String>,

    /// Hops a multicast datagram may travel [default: 1, this link only]
    #[arg(long, value_name = "N", requires = "udp")]
    pub ttl: Option<u32>,

    /// Do not deliver our own multicast datagrams to listeners on this machine.
    #[arg(long, requires = "udp")]
    pub no_multicast_loop: bool,
}

/// How the server talks: TCP, UDP or TLS.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Transport")]
pub struct ServerNetArgs {
    /// UDP instead of TCP: every source heard from is a client; each datagram is one entry.
    #[arg(long, conflicts_with = "tls")]
    pub udp: bool,

    /// TLS over TCP. Without --cert/--key, a self-signed certificate made on first use and kept
    /// in the configuration folder.
    #[arg(long)]
    pub tls: bool,

    /// The server's certificate (PEM, the chain after it) (with --tls).
    #[arg(long, value_name = "FILE", requires_all = ["tls", "key"])]
    pub cert: Option<PathBuf>,

    /// The certificate's private key (PEM) (with --tls).
    #[arg(long, value_name = "FILE", requires_all = ["tls", "cert"])]
    pub key: Option<PathBuf>,

    /// Require client certificates signed by a CA in FILE (with --tls).
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub ca: Option<PathBuf>,

    /// Forget a UDP source after this many seconds without datagrams [default: 60]
    #[arg(long, value_name = "SECONDS", requires = "udp", value_parser = parse_seconds)]
    pub idle: Option<Duration>,

    /// TCP keepalive: the idle seconds before the first probe, or `off` [default: 60]
    #[arg(long, value_name = "SECONDS|off", value_parser = parse_keepalive)]
    pub keepalive: Option<KeepaliveArg>,

    #[command(flatten)]
    pub udp_options: UdpArgs,
}

/// How the client talks: TCP, UDP or TLS, and from where.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Transport")]
pub struct ClientNetArgs {
    /// UDP instead of TCP: each message (in the terminal, each line of stdin) is one datagram.
    #[arg(long, conflicts_with = "tls")]
    pub udp: bool,

    /// TLS over TCP, verifying the server against the system's roots (or --ca).
    #[arg(long)]
    pub tls: bool,

    /// Trust the server's certificate without checking it (self-signed devices). The
    /// connection is encrypted, but who is at the other end is not verified.
    #[arg(long, requires = "tls", conflicts_with = "ca")]
    pub insecure: bool,

    /// Verify the server against the CA certificates in FILE instead of the system's roots.
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub ca: Option<PathBuf>,

    /// A client certificate (PEM) for servers that ask for one (with --tls).
    #[arg(long, value_name = "FILE", requires_all = ["tls", "key"])]
    pub cert: Option<PathBuf>,

    /// The client certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires_all = ["tls", "cert"])]
    pub key: Option<PathBuf>,

    /// Connect from this local address (picks the interface) [default: the routing table's]
    #[arg(long, value_name = "ADDR")]
    pub local: Option<IpAddr>,

    /// After a failed or lost connection, connect again: 1 s later, doubling to 30 s between
    /// tries, until connected or Ctrl-C.
    #[arg(long)]
    pub reconnect: bool,

    /// The UDP client's own port [default: any free one]
    #[arg(long, value_name = "PORT", requires = "udp")]
    pub local_port: Option<u16>,

    /// TCP keepalive: the idle seconds before the first probe, or `off` [default: 60]
    #[arg(long, value_name = "SECONDS|off", value_parser = parse_keepalive)]
    pub keepalive: Option<KeepaliveArg>,

    #[command(flatten)]
    pub udp_options: UdpArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepaliveArg {
    Off,
    After(Duration),
}

fn keepalive(arg: Option<KeepaliveArg>) -> Option<Keepalive> {
    match arg {
        None => Some(Keepalive::default()),
        Some(KeepaliveArg::Off) => None,
        Some(KeepaliveArg::After(idle)) => Some(Keepalive::after(idle)),
    }
}

fn parse_keepalive(text: &str) -> Result<KeepaliveArg, String> {
    if text.trim().eq_ignore_ascii_case("off") {
        return Ok(KeepaliveArg::Off);
    }
    parse_seconds(text).map(KeepaliveArg::After)
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    match text.trim().parse::<u64>() {
        Ok(secs) if (1..=86_400).contains(&secs) => Ok(Duration::from_secs(secs)),
        _ => Err(format!(
            "'{text}' is not a number of seconds from 1 to 86400"
        )),
    }
}

impl UdpArgs {
    fn options(&self) -> anyhow::Result<UdpOptions> {
        let multicast = match self.multicast {
            Some(group) => {
                let interface = match &self.iface {
                    Some(name) => Some(find_interface(name, group.is_ipv4())?),
                    None => None,
                };
                Some(Multicast::new(group, interface).context("--multicast")?)
            }
            None => None,
        };
        Ok(UdpOptions {
            broadcast: self.broadcast,
            multicast,
            multicast_ttl: self.ttl,
            multicast_loop: !self.no_multicast_loop,
            ..UdpOptions::default()
        })
    }
}

/// An interface named by `eth0` or by one of its addresses, of the group's IP version.
fn find_interface(text: &str, v4: bool) -> anyhow::Result<Interface> {
    let all = tcptalk_net::interfaces();
    let by_addr = text.parse::<IpAddr>().ok();
    all.iter()
        .find(|i| match by_addr {
            Some(addr) => i.addr == addr,
            None => i.name == text && i.addr.is_ipv4() == v4,
        })
        .cloned()
        .with_context(|| {
            let known: Vec<String> = all.iter().map(ToString::to_string).collect();
            format!(
                "--iface: no interface '{text}' with an IPv{} address; this machine has: {}",
                if v4 { 4 } else { 6 },
                known.join(", ")
            )
        })
}

impl ServerNetArgs {
    pub fn transport(&self) -> anyhow::Result<ServerTransport> {
        if self.udp {
            let mut options = self.udp_options.options()?;
            if let Some(idle) = self.idle {
                options.idle = idle;
            }
            return Ok(ServerTransport::Udp(options));
        }
        if self.udp_options.multicast.is_some() || self.udp_options.broadcast {
            anyhow::bail!("--multicast and --broadcast are for --udp");
        }
        if !self.tls {
            return Ok(ServerTransport::Tcp);
        }
        let options = TlsServerOptions {
            cert: self.cert.clone(),
            key: self.key.clone(),
            self_signed_dir: tcptalk_session::config_dir().map(|dir| dir.join("tls")),
            client_ca: self.ca.clone(),
        };
        Ok(ServerTransport::Tls(tls::server(&options)?))
    }

    pub fn keepalive(&self) -> Option<Keepalive> {
        keepalive(self.keepalive)
    }
}

impl ClientNetArgs {
    pub fn transport(&self) -> anyhow::Result<ClientTransport> {
        if self.udp {
            let mut options = self.udp_options.options()?;
            options.local_port = self.local_port;
            return Ok(ClientTransport::Udp(options));
        }
        if !self.tls {
            return Ok(ClientTransport::Tcp);
        }
        let options = TlsClientOptions {
            ca: self.ca.clone(),
            insecure: self.insecure,
            cert: self.cert.clone(),
            key: self.key.clone(),
        };
        Ok(ClientTransport::Tls(tls::client(&options)?))
    }

    pub fn keepalive(&self) -> Option<Keepalive> {
        keepalive(self.keepalive)
    }
}

#[cfg(feature = "gui")]
impl ServerNetArgs {
    /// What the server window's form starts with.
    pub fn preset(&self) -> tcptalk_gui::transport::TransportPreset {
        tcptalk_gui::transport::TransportPreset {
            kind: kind(self.udp, self.tls),
            cert: self.cert.clone(),
            key: self.key.clone(),
            ca: self.ca.clone(),
            broadcast: self.udp_options.broadcast,
            multicast: self.udp_options.multicast,
            idle: self.idle,
            keepalive: self.keepalive != Some(KeepaliveArg::Off),
            ..Default::default()
        }
    }
}

#[cfg(feature = "gui")]
impl ClientNetArgs {
    /// What the client window's form starts with.
    pub fn preset(&self) -> tcptalk_gui::transport::TransportPreset {
        tcptalk_gui::transport::TransportPreset {
            kind: kind(self.udp, self.tls),
            cert: self.cert.clone(),
            key: self.key.clone(),
            ca: self.ca.clone(),
            insecure: self.insecure,
            broadcast: self.udp_options.broadcast,
            local_port: self.local_port,
            reconnect: self.reconnect,
            keepalive: self.keepalive != Some(KeepaliveArg::Off),
            ..Default::default()
        }
    }
}

/// The transport the flags ask for; `None` (no flag) keeps the window's remembered one.
#[cfg(feature = "gui")]
fn kind(udp: bool, tls: bool) -> Option<tcptalk_net::Transport> {
    match (udp, tls) {
        (true, _) => Some(tcptalk_net::Transport::Udp),
        (_, true) => Some(tcptalk_net::Transport::Tls),
        _ => None,
    }
}

/// `tcptalk interfaces`: what `--iface`, `--bind` and `--local` can name.
pub fn print_interfaces() {
    for iface in tcptalk_net::interfaces() {
        println!("{}\t{}\t(index {})", iface.name, iface.addr, iface.index);
    }
}

//! `HOST:PORT` in one piece, as nc, ncat, ssh and URLs have taught people to write it.
//!
//! The windows have a host field and a port field, and there a port in the host field is a
//! mistake worth pointing out ([`InputError::HostIncludesPort`]). A command line has one word
//! for both, so there the same text is a complete answer. Which forms mean what is decided here,
//! once; each front end only chooses the wording of the errors.

use std::net::{IpAddr, Ipv6Addr};

use super::{Host, InputError, parse_host, parse_port};

/// A host as typed, and the port written into it, if any.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostPort {
    pub host: Host,
    /// `None` when the text was a host alone: the port comes from elsewhere (a flag, a field,
    /// the default).
    pub port: Option<u16>,
}

/// Parses a host with an optional port: `HOST`, `HOST:PORT`, `[v6]`, `[v6]:PORT`, or a bare
/// IPv6 literal such as `::1`.
///
/// A bare IPv6 literal is always a host alone: with more than one colon and no brackets there
/// is no telling `::1:80` apart from the address `::1:80`, so the brackets are what asks for a
/// port (RFC 3986 writes it the same way). `allow_zero` is as for [`parse_port`]. The errors are
/// those of [`parse_host`] and [`parse_port`] for the part that is wrong; never
/// [`InputError::HostIncludesPort`], since a port is welcome here.
pub fn parse_host_port(text: &str, allow_zero: bool) -> Result<HostPort, InputError> {
    let trimmed = text.trim();
    if let Some(inside) = trimmed.strip_prefix('[') {
        let bad_ipv6 = || InputError::InvalidIpv6 {
            input: trimmed.to_owned(),
        };
        let (address, rest) = inside.split_once(']').ok_or_else(bad_ipv6)?;
        let ip = address.parse::<Ipv6Addr>().map_err(|_| bad_ipv6())?;
        let host = Host::Ip(IpAddr::V6(ip));
        return match rest {
            "" => Ok(HostPort { host, port: None }),
            _ => {
                let port = rest.strip_prefix(':').ok_or_else(bad_ipv6)?;
                Ok(HostPort {
                    host,
                    port: Some(parse_port(port, allow_zero)?),
                })
            }
        };
    }
    match trimmed.split_once(':') {
        Some((host, port)) if !port.contains(':') => Ok(HostPort {
            host: parse_host(host)?,
            port: Some(parse_port(port, allow_zero)?),
        }),
        // No colon, or several (a bare IPv6 literal): a host alone.
        _ => Ok(HostPort {
            host: parse_host(trimmed)?,
            port: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn v4(port: Option<u16>) -> Result<HostPort, InputError> {
        Ok(HostPort {
            host: Host::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            port,
        })
    }

    fn v6(port: Option<u16>) -> Result<HostPort, InputError> {
        Ok(HostPort {
            host: Host::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)),
            port,
        })
    }

    #[test]
    fn host_alone() {
        assert_eq!(parse_host_port("127.0.0.1", false), v4(None));
        assert_eq!(parse_host_port(" 127.0.0.1 ", false), v4(None));
        assert_eq!(
            parse_host_port("localhost", false),
            Ok(HostPort {
                host: Host::Name("localhost".into()),
                port: None
            })
        );
    }

    #[test]
    fn host_with_its_port() {
        assert_eq!(parse_host_port("127.0.0.1:8899", false), v4(Some(8899)));
        assert_eq!(parse_host_port("127.0.0.1:８８９９", false), v4(Some(8899)));
        assert_eq!(
            parse_host_port("example.com:443", false),
            Ok(HostPort {
                host: Host::Name("example.com".into()),
                port: Some(443)
            })
        );
    }

    #[test]
    fn ipv6_bare_is_a_host_and_brackets_take_a_port() {
        assert_eq!(parse_host_port("::1", false), v6(None));
        assert_eq!(parse_host_port("[::1]", false), v6(None));
        assert_eq!(parse_host_port("[::1]:8899", false), v6(Some(8899)));
        // Eight groups: an address, not ::1 with a port.
        assert!(matches!(
            parse_host_port("fe80::1:80", false),
            Ok(HostPort { port: None, .. })
        ));
    }

    #[test]
    fn the_wrong_part_is_reported() {
        assert_eq!(
            parse_host_port("127.0.0.1:", false),
            Err(InputError::EmptyPort)
        );
        assert_eq!(
            parse_host_port("127.0.0.1:abc", false),
            Err(InputError::PortNotANumber {
                input: "abc".into()
            })
        );
        assert_eq!(
            parse_host_port("127.0.0.1:0", false),
            Err(InputError::PortZero)
        );
        assert_eq!(parse_host_port("127.0.0.1:0", true), v4(Some(0)));
        assert_eq!(parse_host_port(":8899", false), Err(InputError::EmptyHost));
        assert_eq!(
            parse_host_port("999.1.1.1:80", false),
            Err(InputError::InvalidIpv4 {
                input: "999.1.1.1".into()
            })
        );
        assert_eq!(parse_host_port("[::1]:", false), Err(InputError::EmptyPort));
        for input in [
            "[::1",
            "[::1]8899",
            "[localhost]:80",
            "[::g]:80",
            "1.2.3.4:5:6",
        ] {
            assert_eq!(
                parse_host_port(input, false),
                Err(InputError::InvalidIpv6 {
                    input: input.into()
                }),
                "{input}"
            );
        }
    }

    #[test]
    fn never_says_the_port_is_unwelcome() {
        for input in ["127.0.0.1:8080", "localhost:80", "[::1]:8080"] {
            assert!(parse_host_port(input, false).is_ok(), "{input}");
        }
    }
}

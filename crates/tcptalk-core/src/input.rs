//! Parsing what a person types into a port field, a host field or a command-line flag.
//!
//! The seed app read its port with `ui->port->text().toUShort()`, which yields 0 for "abc" and
//! for "70000" alike, so a typo silently became port 0. Here every rejection is an
//! [`InputError`] whose message names the input and says what would be accepted, so the GUI can
//! show it next to the field and the CLI can print it as is.
//!
//! Chinese input methods commonly produce full-width digits (`８０８０`) and ideographic spaces
//! (U+3000); both are accepted in ports because the person meant the obvious thing.
//!
//! A command line writes the host and the port in one word (`HOST:PORT`, `[::1]:8899`):
//! [`parse_host_port`] reads that form for every front end.

mod host_port;

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use host_port::{HostPort, parse_host_port};

/// The largest host name DNS can carry, without the optional trailing dot (RFC 1035 §2.3.4).
const MAX_HOST_NAME_LEN: usize = 253;
/// The largest label (the text between dots) DNS can carry.
const MAX_LABEL_LEN: usize = 63;

/// Why something a person typed was rejected. The `Display` text is meant to be shown to them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    #[error("no port given; enter a number from 1 to 65535")]
    EmptyPort,
    #[error("\"{input}\" is not a port number; a port is a whole number such as 8080")]
    PortNotANumber { input: String },
    #[error("port \"{input}\" is too large; the largest port is 65535")]
    PortOutOfRange { input: String },
    #[error("port 0 is not a valid port to connect to; use a number from 1 to 65535")]
    PortZero,
    #[error("no host given; enter an address such as 127.0.0.1 or a name such as localhost")]
    EmptyHost,
    #[error("\"{input}\" is not a valid IPv4 address; it should look like 192.168.1.10")]
    InvalidIpv4 { input: String },
    #[error("\"{input}\" is not a valid IPv6 address; it should look like ::1 or [fe80::1]")]
    InvalidIpv6 { input: String },
    #[error("\"{input}\" includes a port; enter the host and the port in their own fields")]
    HostIncludesPort { input: String },
    #[error("\"{input}\" is not a valid host name: {reason}")]
    InvalidHostName {
        input: String,
        reason: HostNameProblem,
    },
    #[error("unknown text encoding \"{input}\"; use utf-8 or gbk")]
    UnknownEncoding { input: String },
}

/// What exactly is wrong with a host name, so the message can point at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HostNameProblem {
    #[error("it is {len} characters long, more than the 253 DNS allows")]
    TooLong { len: usize },
    #[error("it has an empty part between dots")]
    EmptyLabel,
    #[error("the part \"{label}\" is longer than the 63 characters DNS allows between dots")]
    LabelTooLong { label: String },
    #[error("the part \"{label}\" starts or ends with '-'")]
    LabelEdgeHyphen { label: String },
    #[error("it contains a space")]
    Space,
    #[error(
        "it contains {ch:?}; only ASCII letters, digits, '-' and '.' are allowed \
         (write international names in their xn-- form)"
    )]
    InvalidChar { ch: char },
}

/// Where to connect: an IP address, or a name still to be resolved.
///
/// Names are kept as typed and resolved later by the network engine, because resolution is I/O
/// and may give several addresses to try.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    Ip(IpAddr),
    Name(String),
}

impl Host {
    /// The text to hand to a resolver together with a port (e.g. tokio's `lookup_host((s, port))`):
    /// IPv6 without brackets, names as typed.
    pub fn as_lookup_str(&self) -> String {
        self.to_string()
    }

    /// `host:port` as people write it, with brackets around IPv6 (`[::1]:8080`) so the port is
    /// not mistaken for part of the address.
    pub fn with_port(&self, port: u16) -> String {
        match self {
            Host::Ip(IpAddr::V6(ip)) => format!("[{ip}]:{port}"),
            other => format!("{other}:{port}"),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Ip(ip) => ip.fmt(f),
            Host::Name(name) => f.write_str(name),
        }
    }
}

/// Parses a port typed by a person.
///
/// `allow_zero` is for the server side, where port 0 asks the OS for any free port; a client
/// cannot connect to port 0. Whitespace (including U+3000) around the number is ignored and
/// full-width digits count as digits; a sign, a decimal point or anything else is rejected.
pub fn parse_port(text: &str, allow_zero: bool) -> Result<u16, InputError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(InputError::EmptyPort);
    }
    let not_a_number = || InputError::PortNotANumber {
        input: trimmed.to_owned(),
    };
    let mut value: u32 = 0;
    for c in trimmed.chars() {
        let digit = ascii_digit_value(c).ok_or_else(not_a_number)?;
        // Saturate instead of overflowing, then keep checking the remaining characters so that
        // "99999x" is reported as not a number rather than too large.
        value = value.saturating_mul(10).saturating_add(digit);
    }
    let port = u16::try_from(value).map_err(|_| InputError::PortOutOfRange {
        input: trimmed.to_owned(),
    })?;
    if port == 0 && !allow_zero {
        return Err(InputError::PortZero);
    }
    Ok(port)
}

/// The value of an ASCII or full-width (U+FF10..U+FF19) decimal digit.
fn ascii_digit_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(u32::from(c) - u32::from('0')),
        '０'..='９' => Some(u32::from(c) - u32::from('０')),
        _ => None,
    }
}

/// Parses a host typed by a person: an IPv4 address, an IPv6 address (brackets optional), or a
/// DNS host name.
///
/// Text made only of digits and dots is always judged as IPv4, so "999.1.1.1" is reported as a
/// bad address rather than accepted as a name the resolver would then fail on.
pub fn parse_host(text: &str) -> Result<Host, InputError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(InputError::EmptyHost);
    }
    if let Some(inside) = trimmed.strip_prefix('[') {
        return inside
            .strip_suffix(']')
            .and_then(|address| address.parse::<Ipv6Addr>().ok())
            .map(|ip| Host::Ip(IpAddr::V6(ip)))
            .ok_or_else(|| invalid_ipv6_or_port(trimmed));
    }
    if trimmed.contains(':') {
        return trimmed
            .parse::<Ipv6Addr>()
            .map(|ip| Host::Ip(IpAddr::V6(ip)))
            .map_err(|_| invalid_ipv6_or_port(trimmed));
    }
    if trimmed.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return trimmed
            .parse::<Ipv4Addr>()
            .map(|ip| Host::Ip(IpAddr::V4(ip)))
            .map_err(|_| InputError::InvalidIpv4 {
                input: trimmed.to_owned(),
            });
    }
    check_host_name(trimmed).map_err(|reason| InputError::InvalidHostName {
        input: trimmed.to_owned(),
        reason,
    })?;
    Ok(Host::Name(trimmed.to_owned()))
}

/// Parses the host and port fields of a client, where port 0 is not allowed.
pub fn parse_socket_target(host: &str, port: &str) -> Result<(Host, u16), InputError> {
    Ok((parse_host(host)?, parse_port(port, false)?))
}

/// Chooses between "bad IPv6" and "you typed host:port here", which is the likelier mistake when
/// the text ends in `:digits` after something that is not itself IPv6.
fn invalid_ipv6_or_port(text: &str) -> InputError {
    let host_part = text.rsplit_once(':').and_then(|(host, port)| {
        let port_is_number = !port.is_empty() && port.chars().all(|c| c.is_ascii_digit());
        port_is_number.then_some(host)
    });
    let host_is_plausible = host_part.is_some_and(|host| {
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        host.parse::<Ipv6Addr>().is_ok() || (!host.contains(':') && !host.is_empty())
    });
    if host_is_plausible && (text.starts_with('[') || text.matches(':').count() == 1) {
        InputError::HostIncludesPort {
            input: text.to_owned(),
        }
    } else {
        InputError::InvalidIpv6 {
            input: text.to_owned(),
        }
    }
}

/// Checks a DNS host name (RFC 1123 letters-digits-hyphen labels). An optional trailing dot
/// marks a fully qualified name and is allowed.
fn check_host_name(name: &str) -> Result<(), HostNameProblem> {
    if let Some(ch) = name
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !matches!(c, '-' | '.'))
    {
        return Err(if ch.is_whitespace() {
            HostNameProblem::Space
        } else {
            HostNameProblem::InvalidChar { ch }
        });
    }
    // Only ASCII remains, so byte lengths are character counts.
    let without_root = name.strip_suffix('.').unwrap_or(name);
    if without_root.len() > MAX_HOST_NAME_LEN {
        return Err(HostNameProblem::TooLong {
            len: without_root.len(),
        });
    }
    for label in without_root.split('.') {
        if label.is_empty() {
            return Err(HostNameProblem::EmptyLabel);
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(HostNameProblem::LabelTooLong {
                label: label.to_owned(),
            });
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(HostNameProblem::LabelEdgeHyphen {
                label: label.to_owned(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_a_number(input: &str) -> Result<u16, InputError> {
        Err(InputError::PortNotANumber {
            input: input.to_owned(),
        })
    }

    fn out_of_range(input: &str) -> Result<u16, InputError> {
        Err(InputError::PortOutOfRange {
            input: input.to_owned(),
        })
    }

    fn name(text: &str) -> Result<Host, InputError> {
        Ok(Host::Name(text.to_owned()))
    }

    fn bad_name(input: &str, reason: HostNameProblem) -> Result<Host, InputError> {
        Err(InputError::InvalidHostName {
            input: input.to_owned(),
            reason,
        })
    }

    #[test]
    fn port_plain_and_padded() {
        assert_eq!(parse_port("8080", false), Ok(8080));
        assert_eq!(parse_port("  80\t", false), Ok(80));
        assert_eq!(parse_port("1", false), Ok(1));
        assert_eq!(parse_port("65535", false), Ok(65535));
        assert_eq!(parse_port("0080", false), Ok(80));
    }

    #[test]
    fn port_from_a_chinese_ime() {
        assert_eq!(parse_port("８０８０", false), Ok(8080));
        assert_eq!(parse_port("\u{3000}８0８0\u{3000}", false), Ok(8080));
    }

    #[test]
    fn port_empty() {
        assert_eq!(parse_port("", true), Err(InputError::EmptyPort));
        assert_eq!(parse_port(" \u{3000} ", true), Err(InputError::EmptyPort));
    }

    #[test]
    fn port_not_a_number() {
        assert_eq!(parse_port("abc", false), not_a_number("abc"));
        assert_eq!(parse_port("-1", false), not_a_number("-1"));
        assert_eq!(parse_port("+80", false), not_a_number("+80"));
        assert_eq!(parse_port("8a", false), not_a_number("8a"));
        assert_eq!(parse_port("80.0", false), not_a_number("80.0"));
        assert_eq!(parse_port("8 0", false), not_a_number("8 0"));
        // Other scripts' digits are not decimal digits a socket understands.
        assert_eq!(parse_port("٨٠", false), not_a_number("٨٠"));
    }

    #[test]
    fn port_too_large_never_overflows() {
        assert_eq!(parse_port("65536", false), out_of_range("65536"));
        assert_eq!(parse_port("70000", false), out_of_range("70000"));
        assert_eq!(
            parse_port("99999999999", false),
            out_of_range("99999999999")
        );
        let huge = "9".repeat(400);
        assert_eq!(parse_port(&huge, false), out_of_range(&huge));
    }

    #[test]
    fn port_too_long_with_a_letter_is_not_a_number() {
        assert_eq!(parse_port("99999999x", false), not_a_number("99999999x"));
    }

    #[test]
    fn port_zero_only_where_allowed() {
        assert_eq!(parse_port("0", false), Err(InputError::PortZero));
        assert_eq!(parse_port("000", false), Err(InputError::PortZero));
        assert_eq!(parse_port("0", true), Ok(0));
    }

    #[test]
    fn port_messages_name_the_input() {
        let message = |text| parse_port(text, false).map_err(|e| e.to_string());
        assert!(matches!(message("abc"), Err(m) if m.contains("\"abc\"")));
        assert!(matches!(message("70000"), Err(m) if m.contains("70000") && m.contains("65535")));
        assert!(matches!(message("0"), Err(m) if m.contains("port 0 is not a valid port")));
    }

    #[test]
    fn host_ipv4() {
        let expected = Ok(Host::Ip(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 10))));
        assert_eq!(parse_host(" 192.168.1.10 "), expected);
        assert_eq!(
            parse_host("0.0.0.0"),
            Ok(Host::Ip(IpAddr::V4(Ipv4Addr::UNSPECIFIED)))
        );
    }

    #[test]
    fn host_bad_ipv4() {
        for input in [
            "999.1.1.1",
            "1.2.3",
            "1.2.3.4.",
            "1..2.3",
            "123",
            "01.2.3.4",
        ] {
            assert_eq!(
                parse_host(input),
                Err(InputError::InvalidIpv4 {
                    input: input.to_owned()
                }),
                "{input}"
            );
        }
    }

    #[test]
    fn host_ipv6_with_or_without_brackets() {
        let loopback = Ok(Host::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)));
        assert_eq!(parse_host("::1"), loopback);
        assert_eq!(parse_host("[::1]"), loopback);
        assert_eq!(parse_host(" [::1] "), loopback);
        assert!(matches!(
            parse_host("fe80::1:2"),
            Ok(Host::Ip(IpAddr::V6(_)))
        ));
    }

    #[test]
    fn host_bad_ipv6() {
        for input in [
            "::g",
            "1:2:3:4:5:6:7:8:9",
            "[::1",
            "[localhost]",
            "fe80::1%eth0",
        ] {
            assert_eq!(
                parse_host(input),
                Err(InputError::InvalidIpv6 {
                    input: input.to_owned()
                }),
                "{input}"
            );
        }
    }

    #[test]
    fn host_with_a_port_says_so() {
        for input in ["127.0.0.1:8080", "localhost:80", "[::1]:8080"] {
            assert_eq!(
                parse_host(input),
                Err(InputError::HostIncludesPort {
                    input: input.to_owned()
                }),
                "{input}"
            );
        }
    }

    #[test]
    fn host_names() {
        assert_eq!(parse_host("localhost"), name("localhost"));
        assert_eq!(parse_host("example.com."), name("example.com."));
        assert_eq!(parse_host("my-host-1.lan"), name("my-host-1.lan"));
        assert_eq!(parse_host("xn--fiqs8s.cn"), name("xn--fiqs8s.cn"));
        assert_eq!(parse_host("1.2.3.a"), name("1.2.3.a"));
    }

    #[test]
    fn host_name_problems() {
        assert_eq!(
            parse_host("host name"),
            bad_name("host name", HostNameProblem::Space)
        );
        assert_eq!(
            parse_host("a_b"),
            bad_name("a_b", HostNameProblem::InvalidChar { ch: '_' })
        );
        assert_eq!(
            parse_host("中国.cn"),
            bad_name("中国.cn", HostNameProblem::InvalidChar { ch: '中' })
        );
        assert_eq!(
            parse_host("a..b"),
            bad_name("a..b", HostNameProblem::EmptyLabel)
        );
        assert_eq!(
            parse_host(".a"),
            bad_name(".a", HostNameProblem::EmptyLabel)
        );
        assert_eq!(
            parse_host("-a.com"),
            bad_name(
                "-a.com",
                HostNameProblem::LabelEdgeHyphen {
                    label: "-a".to_owned()
                }
            )
        );
        assert_eq!(
            parse_host("a-.com"),
            bad_name(
                "a-.com",
                HostNameProblem::LabelEdgeHyphen {
                    label: "a-".to_owned()
                }
            )
        );
    }

    #[test]
    fn host_name_length_limits() {
        let label_63 = "a".repeat(63);
        assert_eq!(parse_host(&label_63), name(&label_63));
        let label_64 = "a".repeat(64);
        assert_eq!(
            parse_host(&label_64),
            bad_name(
                &label_64,
                HostNameProblem::LabelTooLong {
                    label: label_64.clone()
                }
            )
        );
        // 4 labels of 63 plus 3 dots = 255 characters; 253 is the limit.
        let too_long = [label_63.as_str(); 4].join(".");
        assert_eq!(
            parse_host(&too_long),
            bad_name(&too_long, HostNameProblem::TooLong { len: 255 })
        );
        let just_fits = format!("{}.{}.{}.{}", label_63, label_63, label_63, "a".repeat(61));
        assert_eq!(just_fits.len(), 253);
        assert_eq!(parse_host(&just_fits), name(&just_fits));
        let with_root = format!("{just_fits}.");
        assert_eq!(parse_host(&with_root), name(&with_root));
    }

    #[test]
    fn host_empty() {
        assert_eq!(parse_host("  "), Err(InputError::EmptyHost));
    }

    #[test]
    fn host_display_and_lookup() {
        let v6 = Host::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST));
        assert_eq!(v6.to_string(), "::1");
        assert_eq!(v6.as_lookup_str(), "::1");
        assert_eq!(v6.with_port(8080), "[::1]:8080");
        let v4 = Host::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(v4.with_port(80), "127.0.0.1:80");
        let named = Host::Name("localhost".to_owned());
        assert_eq!(named.as_lookup_str(), "localhost");
        assert_eq!(named.with_port(7), "localhost:7");
    }

    #[test]
    fn socket_target_combines_both_checks() {
        assert_eq!(
            parse_socket_target("localhost", "８０"),
            Ok((Host::Name("localhost".to_owned()), 80))
        );
        assert_eq!(
            parse_socket_target("127.0.0.1", "0"),
            Err(InputError::PortZero)
        );
        assert_eq!(parse_socket_target("", "80"), Err(InputError::EmptyHost));
    }

    #[test]
    fn host_name_message_explains_the_reason() {
        let message = parse_host("a_b").map_err(|e| e.to_string());
        assert!(matches!(message, Err(m) if m.contains("\"a_b\"") && m.contains("'_'")));
    }
}

//! What a rejected host or port is called in the terminal.
//!
//! [`InputError`]'s own text is written for the windows ("enter the host and the port in their
//! own fields"), where there is a field to point at. In a terminal the fix is something to
//! type, so each message here names the command-line form that works. Which inputs are wrong
//! is decided once in `tcptalk-core`; only the words differ.

use tcptalk_core::InputError;

/// Where on the command line the rejected text was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The client's `HOST`, `HOST:PORT` or `[v6]:PORT`.
    ClientTarget,
    /// The client's positional `PORT` or `--port`.
    ClientPort,
    /// The server's `--port`.
    ServerPort,
    /// The server's `--bind`.
    Bind,
}

/// How to give a client its port, the same words in every message that needs them.
pub const CLIENT_PORT_FORMS: &str =
    "give the port as `tcptalk client HOST PORT`, `HOST:PORT` or `--port PORT`";

/// The message for `error`, rejected at `place`, in terminal words.
pub fn input_error(place: Place, error: &InputError) -> String {
    use Place::*;
    let port_hint = match place {
        ClientTarget | ClientPort => format!("; {CLIENT_PORT_FORMS}"),
        ServerPort | Bind => String::new(),
    };
    match error {
        InputError::EmptyPort => match place {
            ClientTarget => format!("no port after the ':'{port_hint}"),
            _ => format!("no port given; give a number from 1 to 65535{port_hint}"),
        },
        InputError::PortNotANumber { input } => {
            format!("\"{input}\" is not a port number; a port is a whole number such as 8899")
        }
        InputError::PortOutOfRange { input } => {
            format!("port \"{input}\" is too large; the largest port is 65535")
        }
        InputError::PortZero => {
            "port 0 is not a port to connect to; give a number from 1 to 65535".into()
        }
        InputError::EmptyHost => match place {
            Bind => "no address given; give --bind an address such as 0.0.0.0 or ::, \
                     or leave --bind out to listen on every interface"
                .into(),
            _ => "no host given; give an address such as 127.0.0.1 or a name such as \
                  localhost, as `tcptalk client HOST PORT`"
                .into(),
        },
        InputError::InvalidIpv4 { input } => {
            format!("\"{input}\" is not a valid IPv4 address; it should look like 192.168.1.10")
        }
        InputError::InvalidIpv6 { input } => match place {
            Bind => format!(
                "\"{input}\" is not a valid IPv6 address; it should look like :: or fe80::1, \
                 and the port goes in --port PORT"
            ),
            _ => format!(
                "\"{input}\" is not a valid IPv6 address; it should look like ::1, and with a \
                 port in brackets, [::1]:8899 (or `tcptalk client ::1 8899`)"
            ),
        },
        InputError::HostIncludesPort { input } => match place {
            Bind => format!(
                "\"{input}\" includes a port; give --bind the address alone and the port as \
                 --port PORT"
            ),
            _ => format!("\"{input}\" includes a port where none belongs{port_hint}"),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every terminal message must be free of the windows' wording.
    #[test]
    fn no_window_words() {
        let errors = [
            InputError::EmptyPort,
            InputError::PortNotANumber { input: "x".into() },
            InputError::PortOutOfRange {
                input: "70000".into(),
            },
            InputError::PortZero,
            InputError::EmptyHost,
            InputError::InvalidIpv4 {
                input: "1.2".into(),
            },
            InputError::InvalidIpv6 {
                input: "::g".into(),
            },
            InputError::HostIncludesPort {
                input: "a:1".into(),
            },
        ];
        for place in [
            Place::ClientTarget,
            Place::ClientPort,
            Place::ServerPort,
            Place::Bind,
        ] {
            for error in &errors {
                let text = input_error(place, error);
                assert!(!text.contains("field"), "{place:?} {error:?}: {text}");
                assert!(!text.contains("enter "), "{place:?} {error:?}: {text}");
            }
        }
    }

    #[test]
    fn a_missing_client_port_names_the_forms() {
        let text = input_error(Place::ClientTarget, &InputError::EmptyPort);
        assert!(text.contains(CLIENT_PORT_FORMS), "{text}");
        let text = input_error(Place::ClientPort, &InputError::EmptyPort);
        assert!(text.starts_with("no port"), "{text}");
    }
}

//! Which way bulk bytes take in the terminal: straight between stdin / stdout and the socket
//! (`sendfile` / `splice`, see [`tcptalk_net::ZeroCopySource`]) when nothing of ours needs to
//! see them, else read and written by us (the plain path, the same bytes).
//!
//! Something needs the bytes when `--log`, `--rules`, `--pcap` or `--send` is given, when the
//! connection is TLS or UDP, or when stdout is a terminal (received bytes are made safe to
//! show). A server's stdin always goes the plain way: it goes to every client, and a
//! broadcast needs the bytes in hand. A server splices what it receives only with `--once`:
//! each client's pipe costs two descriptors, which would halve how many clients it can hold.
//! `--no-zero-copy` takes the plain path always (to compare, or to rule it out).

use std::io::IsTerminal;
use std::os::fd::AsFd;

use tcptalk_net::{ZeroCopyPath, ZeroCopySink, ZeroCopySource};

use crate::report::Reporter;

/// What the terminal run asks for that decides the way, known before connecting.
#[derive(Debug, Clone, Copy)]
pub struct Needs {
    /// `--no-zero-copy`.
    pub plain_asked: bool,
    /// `--log`, `--rules` or `--pcap`: the session must see every byte.
    pub session_sees_bytes: bool,
    /// `--send` / `--send-hex`: a message of ours joins stdin's bytes.
    pub own_message: bool,
    /// TLS or UDP.
    pub not_plain_tcp: bool,
}

/// The way one direction takes.
#[derive(Debug)]
pub enum Way<T> {
    ZeroCopy(T),
    /// Through us, and why.
    Plain(&'static str),
    /// Through us, and not worth a word: a person at the terminal, or `/dev/null`, where
    /// no bulk transfer comes or goes.
    Quiet,
}

impl Needs {
    fn plain_because(&self) -> Option<&'static str> {
        if self.plain_asked {
            Some("--no-zero-copy")
        } else if self.not_plain_tcp {
            Some("TLS and UDP need the bytes")
        } else if self.session_sees_bytes {
            Some("--log, --rules or --pcap needs the bytes")
        } else {
            None
        }
    }

    /// Where received bytes go: stdout itself, when it is a pipe or a file.
    pub fn receive(&self, one_peer: bool) -> Way<ZeroCopySink> {
        let stdout = std::io::stdout();
        if stdout.is_terminal() {
            return Way::Quiet;
        }
        if let Some(why) = self.plain_because() {
            return Way::Plain(why);
        }
        if !one_peer {
            return Way::Plain("a server without --once keeps two descriptors per client free");
        }
        match stdout
            .as_fd()
            .try_clone_to_owned()
            .and_then(ZeroCopySink::new)
        {
            Ok(Some(sink)) => Way::ZeroCopy(sink),
            Ok(None) => Way::Quiet,
            Err(err) => {
                tracing::debug!(%err, "stdout cannot take splice");
                Way::Plain("stdout cannot take splice")
            }
        }
    }

    /// How stdin goes to the one peer: from the file or pipe itself. Made per connection
    /// (with `--reconnect` each one goes on from where stdin is).
    pub fn send(&self) -> Way<ZeroCopySource> {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            return Way::Quiet;
        }
        if let Some(why) = self.plain_because() {
            return Way::Plain(why);
        }
        if self.own_message {
            return Way::Plain("--send joins the bytes");
        }
        match stdin
            .as_fd()
            .try_clone_to_owned()
            .and_then(ZeroCopySource::new)
        {
            Ok(Some(source)) => Way::ZeroCopy(source),
            Ok(None) => Way::Quiet,
            Err(err) => {
                tracing::debug!(%err, "stdin cannot be sent by sendfile or splice");
                Way::Plain("stdin cannot be sent by sendfile or splice")
            }
        }
    }
}

/// Which way a direction takes, as it is told: the system call, or `copy` and why; `None`
/// when not worth a word ([`Way::Quiet`]).
pub fn describe<T>(
    way: &Way<T>,
    path: impl Fn(&T) -> ZeroCopyPath,
) -> Option<(String, Option<&'static str>)> {
    match way {
        Way::ZeroCopy(zero) => Some((path(zero).to_string(), None)),
        Way::Plain(why) => Some(("copy".to_string(), Some(why))),
        Way::Quiet => None,
    }
}

/// Says which way a direction took (see [`describe`]); `direction` is "stdin to the server",
/// "from the client to stdout" and the like.
pub fn say(reporter: &mut Reporter, direction: &str, way: Option<(String, Option<&'static str>)>) {
    if let Some((path, why)) = way {
        reporter.path(direction, &path, why);
    }
}

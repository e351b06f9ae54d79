//! The command line, as clap sees it. Values are checked here, with the same parsers the
//! windows use, so a bad port or address stops the program before anything starts (exit 2).

use std::path::PathBuf;

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use tcptalk_core::{Checksum, Framing, Host, HostPort, LineEnd, Message, Schedule, TextEncoding};

use crate::wording::{CLIENT_PORT_FORMS, Place, input_error};

/// TCP chat and network-debugging tool: a server window and a client window that talk to each
/// other and to any TCP program. With no command, opens both windows.
#[derive(Debug, Parser)]
#[command(name = "tcptalk", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Language of the windows (default: from the system locale).
    #[arg(long, global = true, value_enum)]
    pub lang: Option<LangArg>,

    /// Theme of the windows: system (follow the desktop), light or dark [default: as last time]
    #[arg(long, global = true, value_enum)]
    pub theme: Option<ThemeArg>,

    /// How the windows are drawn: software (on the CPU, no OpenGL driver loaded) or gl
    /// (OpenGL, for very large windows on a real GPU) [default: software]
    #[arg(long, global = true, value_enum)]
    pub renderer: Option<RendererArg>,

    /// Append every history entry (time, direction, client, text) to FILE as it appears.
    #[arg(long, global = true, value_name = "FILE")]
    pub log: Option<PathBuf>,

    /// How peer text is decoded in the windows, the log and a terminal (and the windows' typed
    /// text encoded): utf-8, gbk or gb18030. A pipe or file, and the peer from stdin, still get
    /// the exact bytes. [default: utf-8]
    #[arg(long, global = true, value_name = "ENCODING", value_parser = parse_encoding)]
    pub encoding: Option<TextEncoding>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Listen for clients (window 服务器, or the terminal with --no-gui).
    Server(ServerArgs),
    /// Connect to a server (window 客户端, or the terminal with --no-gui).
    Client(ClientArgs),
    /// List this machine's network interfaces and addresses (for --iface, --bind, --local).
    Interfaces,
    /// Write the manual page or a shell's completions to stdout, for packaging.
    #[command(hide = true)]
    Generate {
        #[arg(value_enum)]
        artifact: crate::generate::Artifact,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ThemeArg {
    System,
    Light,
    Dark,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RendererArg {
    Software,
    Gl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    Zh,
    En,
}

#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Address to listen on: an IPv4/IPv6 literal or a host name [default: all interfaces]
    #[arg(long, value_name = "ADDR", value_parser = parse_bind)]
    pub bind: Option<Host>,

    /// Port to listen on; 0 picks a free one and reports it [default: 8899]
    #[arg(short, long, value_name = "PORT", allow_hyphen_values = true, value_parser = parse_listen_port)]
    pub port: Option<u16>,

    /// Open the window already listening.
    #[arg(long, conflicts_with = "no_gui")]
    pub listen: bool,

    /// Run in the terminal: received bytes to stdout, stdin to every client, events to stderr.
    #[arg(long)]
    pub no_gui: bool,

    /// Exit after the first client has disconnected and all its bytes are written out.
    #[arg(long, requires = "no_gui")]
    pub once: bool,

    /// Events on stderr as one JSON object per line.
    #[arg(long, requires = "no_gui")]
    pub json: bool,

    #[command(flatten)]
    pub net: crate::net_args::ServerNetArgs,

    #[command(flatten)]
    pub sending: SendArgs,
}

#[derive(Debug, Args)]
pub struct ClientArgs {
    /// Server to connect to: an IPv4/IPv6 literal or a host name, with its port if wanted
    /// (HOST:PORT, [v6]:PORT; a bare ::1 is a host) [default: 127.0.0.1]
    #[arg(value_name = "HOST", value_parser = parse_connect_target)]
    pub target: Option<HostPort>,

    /// Server port, after the host as nc and ncat take it (--port wins over it) [default: 8899]
    #[arg(value_name = "PORT", value_parser = parse_connect_port)]
    pub port_after_host: Option<u16>,

    /// Server port; wins over a port given with the host [default: 8899]
    #[arg(short, long, value_name = "PORT", allow_hyphen_values = true, value_parser = parse_connect_port)]
    pub port: Option<u16>,

    /// Open the window already connecting.
    #[arg(long, conflicts_with = "no_gui")]
    pub connect: bool,

    /// Run in the terminal: stdin to the server, the server's bytes to stdout.
    #[arg(long)]
    pub no_gui: bool,

    /// Events on stderr as one JSON object per line.
    #[arg(long, requires = "no_gui")]
    pub json: bool,

    /// Give up connecting after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, value_parser = parse_timeout)]
    pub timeout: f64,

    #[command(flatten)]
    pub net: crate::net_args::ClientNetArgs,

    #[command(flatten)]
    pub sending: SendArgs,
}

/// A message the terminal sends by itself, once or on a timer (with `--no-gui`).
#[derive(Debug, Args)]
#[command(next_help_heading = "Sending, answering and capturing (with --no-gui)")]
pub struct SendArgs {
    /// Send TEXT on connect (a server: to each client as it connects). \r \n \t \0 \xNN
    /// stand for those bytes, \\ for a backslash. stdin is still sent too.
    #[arg(
        long,
        value_name = "TEXT",
        conflicts_with = "send_hex",
        requires = "no_gui"
    )]
    pub send: Option<String>,

    /// Like --send, with the bytes written as hex: "01 03 00 0A 00 02".
    #[arg(long, value_name = "HEX", value_parser = parse_hex_text, requires = "no_gui")]
    pub send_hex: Option<String>,

    /// Line end after the message: none, lf, cr or crlf [default: none]
    #[arg(long, value_name = "EOL", value_parser = parse_line_end)]
    pub eol: Option<LineEnd>,

    /// Checksum appended to the message, before the line end: none, sum8, xor8, crc8,
    /// crc16-modbus (low byte first), crc16-ccitt, crc32
    #[arg(long, value_name = "NAME", value_parser = parse_checksum)]
    pub checksum: Option<Checksum>,

    /// Send the message again every MS milliseconds (a grid from the first send: lateness does
    /// not add up). Without --count it goes on until Ctrl-C or the peer leaves.
    #[arg(long, value_name = "MS", allow_hyphen_values = true, value_parser = parse_every)]
    pub every: Option<Duration>,

    /// Answer what arrives with the auto-reply rules in FILE (TOML, see the README); a bad
    /// file stops tcptalk naming the rule, its line and why.
    #[arg(long, value_name = "FILE", requires = "no_gui")]
    pub rules: Option<PathBuf>,

    /// How received bytes are cut into the frames --rules match and --log writes: line,
    /// chunk (each read), idle:MS, delim:HEX, len:1|2|4[be|le][+header] [default: line]
    #[arg(long, value_name = "FRAMING", value_parser = parse_framing, requires = "no_gui")]
    pub framing: Option<Framing>,

    /// Write every read and every send to FILE as a .pcap (synthetic IP/TCP headers, one
    /// packet per read, real times) that Wireshark and tshark open.
    #[arg(long, value_name = "FILE", requires = "no_gui")]
    pub pcap: Option<PathBuf>,

    /// Always read and write the bytes ourselves: never move them straight between stdin /
    /// stdout and the socket with sendfile or splice (what Linux allows when stdin or stdout
    /// is a file or a pipe and nothing else needs to see the bytes). The same bytes either way.
    #[arg(long, requires = "no_gui")]
    pub no_zero_copy: bool,

    /// Stop after N sends; a client then closes as at the end of stdin.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = parse_count, requires = "every")]
    pub count: Option<u64>,
}

/// `--rules` read and checked.
#[derive(Debug, Clone)]
pub struct AutoReply {
    pub book: std::sync::Arc<tcptalk_session::RuleBook>,
}

impl SendArgs {
    /// The rules of `--rules`, read now so that a bad file stops everything before it starts.
    pub fn auto_reply(&self) -> Result<Option<AutoReply>, String> {
        let Some(path) = &self.rules else {
            return Ok(None);
        };
        let book =
            tcptalk_session::RuleBook::load(path).map_err(|err| format!("--rules: {err}"))?;
        Ok(Some(AutoReply {
            book: std::sync::Arc::new(book),
        }))
    }
}

/// The message of `--send` / `--send-hex` and how often it goes.
#[derive(Debug, Clone)]
pub struct AutoSend {
    pub message: Message,
    /// `None`: once, on connect.
    pub schedule: Option<Schedule>,
}

impl SendArgs {
    /// What to send by itself, if anything; a framing flag without a message is an error.
    pub fn auto_send(&self) -> Result<Option<AutoSend>, String> {
        let message = match (&self.send, &self.send_hex) {
            (Some(text), _) => Message::text(text.clone()).with_escapes(true),
            (None, Some(hex)) => Message::hex(hex.clone()),
            (None, None) => {
                let framing = self.eol.is_some() || self.checksum.is_some() || self.every.is_some();
                return if framing {
                    Err("--eol, --checksum and --every apply to a message: give --send TEXT or --send-hex HEX".into())
                } else {
                    Ok(None)
                };
            }
        };
        let message = message
            .with_line_end(self.eol.unwrap_or_default())
            .with_checksum(self.checksum.unwrap_or_default());
        // Escapes and hex do not depend on the encoding: checked now, before anything starts.
        message
            .compose(TextEncoding::Utf8)
            .map_err(|err| format!("--send: {err}"))?;
        let schedule = self.every.map(|every| Schedule {
            every,
            count: self.count,
        });
        Ok(Some(AutoSend { message, schedule }))
    }
}

pub const DEFAULT_PORT: u16 = 8899;
pub const DEFAULT_HOST: &str = "127.0.0.1";

/// Where the client connects, from its `HOST`, `PORT` and `--port` together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientTarget {
    /// `None`: the default (the terminal) or the remembered one (the windows).
    pub host: Option<Host>,
    pub port: Option<u16>,
    /// Said on stderr when two ports were given and `--port` won, so nobody wonders which.
    pub note: Option<String>,
}

impl ClientArgs {
    /// The host and port, however they were written. `--port` wins over a port given with the
    /// host, as an explicit flag should (with a note); two different ports both given with the
    /// host (`HOST:80 90`) are an error, since neither is more explicit than the other.
    pub fn target(&self) -> Result<ClientTarget, String> {
        let host = self.target.as_ref().map(|target| target.host.clone());
        let written = self.target.as_ref().and_then(|target| target.port);
        let (given, how) = match (written, self.port_after_host) {
            (Some(a), Some(b)) if a != b => {
                return Err(format!(
                    "two ports given, {a} with the host and {b} after it: give one; {CLIENT_PORT_FORMS}"
                ));
            }
            (Some(port), _) => (Some(port), "HOST:PORT"),
            (None, port) => (port, "HOST PORT"),
        };
        let note = match (self.port, given) {
            (Some(flag), Some(other)) if flag != other => Some(format!(
                "using port {flag} from --port, not {other} from {how}: --port wins when both are given"
            )),
            _ => None,
        };
        Ok(ClientTarget {
            host,
            port: self.port.or(given),
            note,
        })
    }
}

fn parse_listen_port(text: &str) -> Result<u16, String> {
    tcptalk_core::parse_port(text, true).map_err(|err| input_error(Place::ServerPort, &err))
}

fn parse_connect_port(text: &str) -> Result<u16, String> {
    tcptalk_core::parse_port(text, false).map_err(|err| input_error(Place::ClientPort, &err))
}

fn parse_bind(text: &str) -> Result<Host, String> {
    tcptalk_core::parse_host(text).map_err(|err| input_error(Place::Bind, &err))
}

fn parse_connect_target(text: &str) -> Result<HostPort, String> {
    tcptalk_core::parse_host_port(text, false).map_err(|err| input_error(Place::ClientTarget, &err))
}

fn parse_encoding(text: &str) -> Result<TextEncoding, String> {
    text.parse::<TextEncoding>().map_err(|err| err.to_string())
}

fn parse_hex_text(text: &str) -> Result<String, String> {
    match tcptalk_core::parse_hex(text) {
        Ok(bytes) if bytes.is_empty() => Err("no hex bytes in it".into()),
        Ok(_) => Ok(text.to_string()),
        Err(err) => Err(err.to_string()),
    }
}

fn parse_line_end(text: &str) -> Result<LineEnd, String> {
    text.parse()
        .map_err(|err: tcptalk_core::UnknownLineEnd| err.to_string())
}

fn parse_checksum(text: &str) -> Result<Checksum, String> {
    text.parse()
        .map_err(|err: tcptalk_core::UnknownChecksum| err.to_string())
}

fn parse_framing(text: &str) -> Result<Framing, String> {
    text.parse()
        .map_err(|err: tcptalk_core::UnknownFraming| err.to_string())
}

fn parse_every(text: &str) -> Result<Duration, String> {
    tcptalk_core::parse_interval_ms(text).map_err(|err| err.to_string())
}

fn parse_count(text: &str) -> Result<u64, String> {
    match tcptalk_core::parse_count(text) {
        Ok(Some(count)) => Ok(count),
        Ok(None) => Err("give a number of sends, 1 or more".into()),
        Err(err) => Err(err.to_string()),
    }
}

fn parse_timeout(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs <= 86_400.0 => Ok(secs),
        _ => Err(format!(
            "'{text}' is not a timeout: give a number of seconds above 0 and at most 86400, such as 2.5"
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv6Addr};

    use super::*;

    fn target(args: &[&str]) -> Result<ClientTarget, String> {
        let cli = Cli::try_parse_from(["tcptalk", "client"].iter().chain(args))
            .map_err(|err| err.to_string())?;
        match cli.command {
            Some(Command::Client(client)) => client.target(),
            other => panic!("not a client: {other:?}"),
        }
    }

    /// The window launch reads the same words: `tcptalk client [::1]:9000` fills both fields.
    #[test]
    fn the_window_gets_host_and_port_from_one_word() {
        let v6 = Some(Host::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)));
        assert_eq!(
            target(&["[::1]:9000"]),
            Ok(ClientTarget {
                host: v6.clone(),
                port: Some(9000),
                note: None
            })
        );
        assert_eq!(
            target(&["::1"]),
            Ok(ClientTarget {
                host: v6,
                port: None,
                note: None
            })
        );
        // Nothing given: the window keeps what it remembers.
        assert_eq!(
            target(&[]),
            Ok(ClientTarget {
                host: None,
                port: None,
                note: None
            })
        );
    }

    #[test]
    fn port_flag_wins_and_says_so() {
        let got = target(&["localhost", "80", "--port", "90"]).expect("parses");
        assert_eq!(got.port, Some(90));
        let note = got.note.expect("a note");
        assert!(note.contains("using port 90 from --port, not 80"), "{note}");
        // The same port twice is no conflict, and needs no note.
        let got = target(&["localhost:80", "80", "-p", "80"]).expect("parses");
        assert_eq!((got.port, got.note), (Some(80), None));
    }

    #[test]
    fn two_different_positional_ports_are_refused() {
        let err = target(&["localhost:80", "90"]).expect_err("refused");
        assert!(err.contains("two ports given"), "{err}");
        assert!(err.contains(CLIENT_PORT_FORMS), "{err}");
    }
}

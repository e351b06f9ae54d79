//! The command line, as clap sees it. Values are checked here, with the same parsers the
//! windows use, so a bad port or address stops the program before anything starts (exit 2).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use tcptalk_core::{Host, TextEncoding};

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
}

#[derive(Debug, Args)]
pub struct ClientArgs {
    /// Server to connect to: an IPv4/IPv6 literal or a host name [default: 127.0.0.1]
    #[arg(value_name = "HOST", value_parser = parse_connect_host)]
    pub host: Option<Host>,

    /// Server port [default: 8899]
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
}

pub const DEFAULT_PORT: u16 = 8899;
pub const DEFAULT_HOST: &str = "127.0.0.1";

fn parse_listen_port(text: &str) -> Result<u16, String> {
    tcptalk_core::parse_port(text, true).map_err(|err| err.to_string())
}

fn parse_connect_port(text: &str) -> Result<u16, String> {
    tcptalk_core::parse_port(text, false).map_err(|err| err.to_string())
}

fn parse_bind(text: &str) -> Result<Host, String> {
    tcptalk_core::parse_host(text).map_err(|err| err.to_string())
}

fn parse_connect_host(text: &str) -> Result<Host, String> {
    tcptalk_core::parse_host(text).map_err(|err| err.to_string())
}

fn parse_encoding(text: &str) -> Result<TextEncoding, String> {
    text.parse::<TextEncoding>().map_err(|err| err.to_string())
}

fn parse_timeout(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs <= 86_400.0 => Ok(secs),
        _ => Err(format!(
            "'{text}' is not a timeout: give a number of seconds above 0 and at most 86400, such as 2.5"
        )),
    }
}

//! The `tcptalk` binary: parses the command line and hands over to the windows
//! (`tcptalk-gui`) or to the terminal mode, both built on `tcptalk-net`.

mod args;
mod bulk;
mod datagrams;
mod generate;
mod net_args;
mod progress;
mod report;
mod stdin;
mod terminal;
mod wording;

use std::io::IsTerminal;
use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tcptalk_core::Host;
use tcptalk_net::{BindAddr, ClientConfig, ServerConfig};
use tcptalk_session::SharedLog;

use crate::args::{Cli, ClientArgs, Command, DEFAULT_HOST, DEFAULT_PORT, ServerArgs};
use crate::report::Reporter;
use crate::terminal::{Outcome, Terminal};

fn main() -> ExitCode {
    // clap prints its own message and exits with 2 on bad arguments.
    let cli = Cli::parse();
    init_tracing();
    let fd_limit = raise_fd_limit();
    match run(cli, fd_limit) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(1),
        Err(err) => {
            eprintln!("tcptalk: error: {err:#}");
            ExitCode::from(1)
        }
    }
}

/// Our own warnings, and only errors from the window stack: winit, eframe and the font loaders
/// warn on every normal start under Xvfb or a remote desktop (XSETTINGS, a 0 mm display), which
/// says nothing to a user. `RUST_LOG` shows everything again (`RUST_LOG=warn`, `=debug`).
const DEFAULT_LOG_FILTER: &str = "error,tcptalk=warn,tcptalk_core=warn,tcptalk_net=warn,\
    tcptalk_session=warn,tcptalk_gui=warn";

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_LOG_FILTER));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// A server with 10,000 clients needs more descriptors than the usual soft limit of 1,024;
/// take what the hard limit allows.
/// Returns the limit now in force, which a terminal server turns into how many clients it has
/// room for.
fn raise_fd_limit() -> Option<u64> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => {
            tracing::debug!(limit, "open file limit");
            Some(limit)
        }
        Err(err) => {
            tracing::debug!(%err, "cannot raise the open file limit");
            rlimit::getrlimit(rlimit::Resource::NOFILE)
                .ok()
                .map(|(soft, _)| soft)
        }
    }
}

fn run(cli: Cli, fd_limit: Option<u64>) -> anyhow::Result<Outcome> {
    match cli.command {
        Some(Command::Interfaces) => {
            net_args::print_interfaces();
            Ok(Outcome::Done)
        }
        Some(Command::Generate { artifact }) => {
            generate::to_stdout(artifact).context("cannot write to stdout")?;
            Ok(Outcome::Done)
        }
        Some(Command::Server(args)) if args.no_gui => {
            let config = server_config(&args)?;
            let mut terminal =
                terminal_setup(args.json, cli.log.as_deref(), cli.encoding, &args.sending)?;
            terminal.fd_limit = fd_limit;
            block_on(terminal::run_server(config, args.once, terminal))?
        }
        Some(Command::Client(args)) if args.no_gui => {
            let target = client_target(&args);
            let (config, label) = client_config(&args, &target)?;
            let mut terminal =
                terminal_setup(args.json, cli.log.as_deref(), cli.encoding, &args.sending)?;
            if let Some(note) = &target.note {
                terminal.reporter.note(note);
            }
            let reconnect = args.net.reconnect;
            block_on(terminal::run_client(config, label, reconnect, terminal))?
        }
        command => gui::run(
            command,
            cli.lang,
            cli.theme,
            cli.renderer,
            cli.encoding,
            cli.log,
        ),
    }
}

/// `--send` and its framing, and `--rules`, or exit 2 as clap does for a bad argument.
fn auto_send(args: &args::SendArgs) -> (Option<args::AutoSend>, Option<args::AutoReply>) {
    match args
        .auto_send()
        .and_then(|send| Ok((send, args.auto_reply()?)))
    {
        Ok(auto) => auto,
        Err(why) => usage_error(why),
    }
}

/// The client's host and port from its arguments, or exit 2 as clap does for a bad argument.
fn client_target(args: &ClientArgs) -> args::ClientTarget {
    args.target().unwrap_or_else(|why| usage_error(why))
}

/// Arguments that clap accepted one by one but that do not fit together: the same message
/// and exit code (2) as clap's own.
fn usage_error(why: String) -> ! {
    use clap::CommandFactory;
    Cli::command()
        .error(clap::error::ErrorKind::ArgumentConflict, why)
        .exit()
}

/// `--pcap FILE`, created now so that a path that cannot be written stops everything first.
fn open_capture(path: Option<&std::path::Path>) -> anyhow::Result<Option<std::fs::File>> {
    path.map(|path| {
        std::fs::File::create(path)
            .with_context(|| format!("cannot create the capture file {}", path.display()))
    })
    .transpose()
}

fn terminal_setup(
    json: bool,
    log: Option<&std::path::Path>,
    encoding: Option<tcptalk_core::TextEncoding>,
    sending: &args::SendArgs,
) -> anyhow::Result<Terminal> {
    let (auto_send, auto_reply) = auto_send(sending);
    let log = match log {
        Some(path) => Some(
            SharedLog::open(path)
                .with_context(|| format!("cannot open the log file {}", path.display()))?,
        ),
        None => None,
    };
    Ok(Terminal {
        reporter: Reporter::new(json),
        log,
        encoding: encoding.unwrap_or_default(),
        auto_send,
        auto_reply,
        framing: sending
            .framing
            .clone()
            .unwrap_or(tcptalk_core::Framing::Line),
        capture: open_capture(sending.pcap.as_deref())?,
        no_zero_copy: sending.no_zero_copy,
        fd_limit: None,
    })
}

/// Runs the terminal mode to its end. The runtime is then dropped without waiting for its
/// blocking threads: one of them may sit in a `read` of stdin that never returns.
fn block_on<F: std::future::Future>(future: F) -> anyhow::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("tcptalk-net")
        .enable_all()
        .build()
        .context("cannot start the network runtime")?;
    let output = runtime.block_on(future);
    runtime.shutdown_background();
    Ok(output)
}

fn server_config(args: &ServerArgs) -> anyhow::Result<ServerConfig> {
    let bind = match &args.bind {
        None => BindAddr::Any,
        Some(Host::Ip(ip)) => BindAddr::Ip(*ip),
        Some(Host::Name(name)) => BindAddr::Host(name.clone()),
    };
    // A client's FIN ends its connection (as with ncat), so `--once` ends when it leaves.
    let mut config = ServerConfig::new(bind, args.port.unwrap_or(DEFAULT_PORT));
    config.transport = args.net.transport()?;
    config.keepalive = args.net.keepalive();
    Ok(config)
}

/// The client's settings, and what the history and the log call the server: the target as
/// given (`127.0.0.1:8899`), as the client window calls it.
fn client_config(
    args: &ClientArgs,
    target: &args::ClientTarget,
) -> anyhow::Result<(ClientConfig, String)> {
    let port = target.port.unwrap_or(DEFAULT_PORT);
    let (host, label) = match &target.host {
        None => (DEFAULT_HOST.to_string(), format!("{DEFAULT_HOST}:{port}")),
        Some(host @ Host::Ip(IpAddr::V6(ip))) => (ip.to_string(), host.with_port(port)),
        Some(host) => (host.as_lookup_str(), host.with_port(port)),
    };
    let mut config = ClientConfig::new(host, port);
    config.connect_timeout = Duration::from_secs_f64(args.timeout);
    // With data piped in, the server's FIN must not cut our upload short: keep sending until
    // stdin ends. A person at a terminal wants to see the server leave at once instead.
    config.half_close = !std::io::stdin().is_terminal();
    config.transport = args.net.transport()?;
    config.keepalive = args.net.keepalive();
    config.local = args.net.local;
    Ok((config, label))
}

#[cfg(feature = "gui")]
mod gui {
    use std::path::PathBuf;

    use tcptalk_core::TextEncoding;
    use tcptalk_gui::{Lang, Launch, Windows};

    use crate::args::{Command, LangArg, RendererArg, ThemeArg};
    use crate::terminal::Outcome;

    pub fn run(
        command: Option<Command>,
        lang: Option<LangArg>,
        theme: Option<ThemeArg>,
        renderer: Option<RendererArg>,
        encoding: Option<TextEncoding>,
        log: Option<PathBuf>,
    ) -> anyhow::Result<Outcome> {
        let mut launch = Launch {
            windows: Windows::Both,
            bind: None,
            server_port: None,
            listen: false,
            host: None,
            client_port: None,
            connect: false,
            lang: lang.map(|lang| match lang {
                LangArg::Zh => Lang::Zh,
                LangArg::En => Lang::En,
            }),
            encoding,
            log,
            server_transport: Default::default(),
            client_transport: Default::default(),
            theme: theme.map(|theme| match theme {
                ThemeArg::System => tcptalk_gui::ThemePreference::System,
                ThemeArg::Light => tcptalk_gui::ThemePreference::Light,
                ThemeArg::Dark => tcptalk_gui::ThemePreference::Dark,
            }),
            renderer: match renderer {
                None | Some(RendererArg::Software) => tcptalk_gui::Renderer::Software,
                Some(RendererArg::Gl) => tcptalk_gui::Renderer::Gl,
            },
        };
        match command {
            None | Some(Command::Interfaces | Command::Generate { .. }) => {}
            Some(Command::Server(args)) => {
                launch.windows = Windows::Server;
                launch.bind = args.bind.map(|host| host.to_string());
                launch.server_port = args.port;
                launch.listen = args.listen;
                launch.server_transport = args.net.preset();
            }
            Some(Command::Client(args)) => {
                launch.windows = Windows::Client;
                let target = crate::client_target(&args);
                if let Some(note) = &target.note {
                    eprintln!("tcptalk: {note}");
                }
                launch.host = target.host.map(|host| host.to_string());
                launch.client_port = target.port;
                launch.connect = args.connect;
                launch.client_transport = args.net.preset();
            }
        }
        tcptalk_gui::run(launch)?;
        Ok(Outcome::Done)
    }
}

#[cfg(not(feature = "gui"))]
mod gui {
    use std::path::PathBuf;

    use tcptalk_core::TextEncoding;

    use crate::args::{Command, LangArg, RendererArg, ThemeArg};
    use crate::terminal::Outcome;

    pub fn run(
        _command: Option<Command>,
        _lang: Option<LangArg>,
        _theme: Option<ThemeArg>,
        _renderer: Option<RendererArg>,
        _encoding: Option<TextEncoding>,
        _log: Option<PathBuf>,
    ) -> anyhow::Result<Outcome> {
        anyhow::bail!(
            "this tcptalk was built without windows; use `tcptalk server --no-gui` or `tcptalk client --no-gui`"
        )
    }
}

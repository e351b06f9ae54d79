//! `tcptalk-bench`: parses the command line and runs a benchmark from the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use tcptalk_bench::fanout::{self, FanoutConfig, FanoutReport};
use tcptalk_bench::genfile;
use tcptalk_bench::server::{ServerKind, free_port};

/// Benchmarks for tcptalk's terminal mode, on loopback only. Figures are printed, not asserted.
#[derive(Debug, Parser)]
#[command(name = "tcptalk-bench", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// N clients connect; one line on the server's stdin; time until every client has it.
    Fanout(FanoutArgs),
    /// Write SIZE MiB of deterministic pseudo-random bytes to PATH (input of the bulk bench).
    GenFile {
        /// Size in MiB.
        #[arg(long)]
        size_mib: u64,
        /// Same seed, same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        path: PathBuf,
    },
    /// Print a TCP port on 127.0.0.1 that is free right now.
    FreePort,
    /// One of `fanout --procs`'s client processes (started by it, not by hand).
    #[command(hide = true)]
    FanoutWorker(WorkerArgs),
    /// The real `tcptalk server` window (on $DISPLAY, e.g. Xvfb): a flood of lines, then a
    /// steady stream; time after the last byte, frames per second, CPU, memory.
    GuiWindow(GuiWindowArgs),
}

#[derive(Debug, clap::Args)]
struct GuiWindowArgs {
    /// The tcptalk executable [default: $TCPTALK_BIN, else `tcptalk` next to this binary]
    #[arg(long, value_name = "PATH")]
    bin: Option<PathBuf>,
    /// Lines of the flood.
    #[arg(long, default_value_t = 1_000_000)]
    lines: u64,
    /// Bytes per line, the newline included.
    #[arg(long, default_value_t = 60)]
    line_len: usize,
    /// MB/s of the steady stream (0: none).
    #[arg(long, default_value_t = 10.0)]
    stream_mbps: f64,
    /// Seconds of the steady stream.
    #[arg(long, default_value_t = 30.0)]
    stream_secs: f64,
    /// Upper bound of each wait, in seconds.
    #[arg(long, default_value_t = 120.0)]
    timeout: f64,
    /// The window's `--renderer` (software, gl) [default: tcptalk's own]
    #[arg(long, value_name = "NAME")]
    renderer: Option<String>,
    /// Resize the window to WIDTHxHEIGHT pixels before the flood (needs xdotool)
    /// [default: the window's own size]
    #[arg(long, value_name = "WxH", value_parser = parse_window_size)]
    window_size: Option<(u32, u32)>,
}

/// `1920x1080` as (1920, 1080).
fn parse_window_size(text: &str) -> Result<(u32, u32), String> {
    let bad = || format!("{text:?}: give the size as WIDTHxHEIGHT, e.g. 1920x1080");
    let (width, height) = text.split_once(['x', 'X']).ok_or_else(bad)?;
    let width: u32 = width.trim().parse().map_err(|_| bad())?;
    let height: u32 = height.trim().parse().map_err(|_| bad())?;
    if width < 200 || height < 200 {
        return Err(format!("{text:?}: at least 200x200"));
    }
    Ok((width, height))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ServerArg {
    Tcptalk,
    Ncat,
}

#[derive(Debug, clap::Args)]
struct WorkerArgs {
    #[arg(long)]
    addr: std::net::SocketAddr,
    #[arg(long)]
    clients: usize,
    #[arg(long, default_value_t = 1)]
    sources: usize,
    #[arg(long, default_value_t = 0)]
    first: usize,
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    #[arg(long)]
    line: String,
    #[arg(long, default_value_t = 60.0)]
    timeout: f64,
}

#[derive(Debug, clap::Args)]
struct FanoutArgs {
    /// Which server to measure.
    #[arg(long, value_enum, default_value_t = ServerArg::Tcptalk)]
    server: ServerArg,
    /// The server's executable [default: $TCPTALK_BIN, else `tcptalk` next to this binary,
    /// else `tcptalk` on PATH; `ncat` on PATH for ncat]
    #[arg(long, value_name = "PATH")]
    bin: Option<PathBuf>,
    /// How many clients connect.
    #[arg(long, default_value_t = 50)]
    clients: usize,
    /// The line sent to every client (a newline is added).
    #[arg(long, default_value = "hello fan-out")]
    line: String,
    /// While connecting, at most N clients opened but not yet accepted by the server; keep it
    /// below the server's listen backlog [default: 256 for tcptalk (backlog 1024), 8 for ncat
    /// (backlog 10)]
    #[arg(long, value_name = "N")]
    connect_concurrency: Option<usize>,
    /// Upper bound of each phase, in seconds.
    #[arg(long, default_value_t = 60.0)]
    timeout: f64,
    /// Lower the server's soft fd limit to N once it runs (shows what happens when it runs out).
    #[arg(long, value_name = "N")]
    server_nofile: Option<u64>,
    /// Connect from N loopback source addresses in turn (127.1.0.1, 127.1.0.2, …), each with
    /// its own ephemeral ports [default: 1, the kernel's choice]
    #[arg(long, value_name = "N", default_value_t = 1)]
    sources: usize,
    /// Hold the clients in N worker processes, each with its own fd limit, rather than in
    /// this one [default: 1, this one]
    #[arg(long, value_name = "N", default_value_t = 1)]
    procs: usize,
    /// Print only the table row, not the header (for scripts that join several runs).
    #[arg(long)]
    no_header: bool,
}

fn gui_window_main(args: GuiWindowArgs) -> anyhow::Result<()> {
    let bin = match args.bin {
        Some(bin) => bin,
        None => default_tcptalk(),
    };
    let config = tcptalk_bench::gui_window::WindowConfig {
        bin,
        lines: args.lines,
        line_len: args.line_len,
        stream_rate: (args.stream_mbps * 1e6) as u64,
        stream_time: Duration::from_secs_f64(args.stream_secs),
        scratch_dir: std::env::temp_dir(),
        timeout: Duration::from_secs_f64(args.timeout),
        renderer: args.renderer,
        window_size: args.window_size,
    };
    tcptalk_bench::gui_window::run(&config)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Fanout(args) => fanout_main(args),
        Command::GuiWindow(args) => gui_window_main(args).map(|()| true),
        Command::GenFile {
            size_mib,
            seed,
            path,
        } => genfile::write_file(&path, size_mib * 1024 * 1024, seed)
            .with_context(|| format!("cannot write {}", path.display()))
            .map(|()| true),
        Command::FreePort => free_port().context("cannot bind 127.0.0.1:0").map(|port| {
            println!("{port}");
            true
        }),
        Command::FanoutWorker(args) => worker_main(args).map(|()| true),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) => {
            eprintln!("tcptalk-bench: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs the fan-out bench; `Ok(false)` when some client did not get the line.
fn fanout_main(args: FanoutArgs) -> anyhow::Result<bool> {
    let limit = fanout::raise_fd_limit(args.clients.div_ceil(args.procs.max(1)))?;
    let server = match args.server {
        ServerArg::Tcptalk => ServerKind::Tcptalk {
            bin: args.bin.unwrap_or_else(default_tcptalk),
        },
        ServerArg::Ncat => ServerKind::Ncat {
            bin: args.bin.unwrap_or_else(|| PathBuf::from("ncat")),
        },
    };
    if args.server == ServerArg::Ncat && args.clients > 1000 {
        eprintln!(
            "tcptalk-bench: note: ncat serves clients with select(), so at most ~1,020 \
             (FD_SETSIZE 1024 minus its own fds); expect it to fail above that"
        );
    }
    let config = FanoutConfig {
        server,
        clients: args.clients,
        line: args.line,
        connect_concurrency: args.connect_concurrency.unwrap_or(match args.server {
            ServerArg::Tcptalk => 256,
            ServerArg::Ncat => 8,
        }),
        timeout: Duration::try_from_secs_f64(args.timeout).context("bad --timeout")?,
        server_nofile: args.server_nofile,
        sources: args.sources,
        procs: args.procs.max(1),
    };
    eprintln!(
        "tcptalk-bench: fanout: {} clients to {} (fd limit {limit}, inherited by the server)",
        config.clients,
        config.server.name()
    );
    // One thread for the clients: the other core is the server's.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    let report = runtime.block_on(fanout::run(&config))?;
    print_report(&report, !args.no_header);
    Ok(report.complete())
}

fn worker_main(args: WorkerArgs) -> anyhow::Result<()> {
    fanout::raise_fd_limit(args.clients)?;
    let config = tcptalk_bench::fanout_worker::WorkerConfig {
        addr: args.addr,
        clients: args.clients,
        sources: args.sources,
        first: args.first,
        concurrency: args.concurrency,
        line: args.line,
        timeout: Duration::try_from_secs_f64(args.timeout).context("bad --timeout")?,
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?
        .block_on(tcptalk_bench::fanout_worker::run(&config))
}

fn print_report(report: &FanoutReport, header: bool) {
    if header {
        println!("{}", FanoutReport::HEADER);
    }
    println!("{}", report.row());
    let server = &report.server;
    let mb = |kib: u64| kib as f64 * 1024.0 / 1e6;
    eprintln!(
        "tcptalk-bench: {server}: fd limit {}/{} (soft/hard), {} fds open at the end; \
         RSS {:.1} MB listening, {:.1} MB with {} idle clients ({:.1} KB each), \
         {:.1} MB after the fan-out; CPU during the fan-out {:.2} s",
        report.server_nofile.0,
        report.server_nofile.1,
        report.server_fds,
        mb(report.memory_start.now_kib),
        mb(report.memory_idle.now_kib),
        report.accepted,
        mb(report
            .memory_idle
            .now_kib
            .saturating_sub(report.memory_start.now_kib))
            * 1000.0
            / report.accepted.max(1) as f64,
        mb(report.memory.now_kib),
        report.fanout_cpu.as_secs_f64(),
    );
    if report.connect_errors > 0 {
        eprintln!(
            "tcptalk-bench: {} of {} connects failed: {}",
            report.connect_errors,
            report.clients,
            report.first_connect_error.as_deref().unwrap_or("?")
        );
    }
    if report.accepted < report.connected {
        eprintln!(
            "tcptalk-bench: {server} accepted only {} of {} connected clients",
            report.accepted, report.connected
        );
    }
    if report.wrong_line > 0 {
        eprintln!(
            "tcptalk-bench: {} clients got a different line",
            report.wrong_line
        );
    }
    if report.server_warnings > 0 || report.first_server_warning.is_some() {
        eprintln!(
            "tcptalk-bench: {server} printed {} warnings; first: {}",
            report.server_warnings,
            report.first_server_warning.as_deref().unwrap_or("?")
        );
    }
    for note in &report.notes {
        eprintln!("tcptalk-bench: note: {note}");
    }
}

/// `$TCPTALK_BIN`, else `tcptalk` in the same directory as this executable (cargo puts both
/// in `target/<profile>/`), else `tcptalk` on PATH.
fn default_tcptalk() -> PathBuf {
    if let Some(bin) = std::env::var_os("TCPTALK_BIN").filter(|bin| !bin.is_empty()) {
        return PathBuf::from(bin);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("tcptalk")))
        .filter(|candidate: &PathBuf| Path::is_file(candidate))
        .unwrap_or_else(|| PathBuf::from("tcptalk"))
}

#[cfg(test)]
mod tests {
    use super::parse_window_size;

    #[test]
    fn a_window_size_is_width_x_height_and_a_bad_one_says_how_to_write_it() {
        assert_eq!(parse_window_size("1920x1080"), Ok((1920, 1080)));
        assert_eq!(parse_window_size("800X600"), Ok((800, 600)));
        for bad in ["1920", "x1080", "1920x", "axb", "-1x600"] {
            let message = parse_window_size(bad).expect_err(bad);
            assert!(message.contains("WIDTHxHEIGHT"), "{bad}: {message}");
        }
        let small = parse_window_size("100x100").expect_err("too small");
        assert!(small.contains("at least 200x200"), "{small}");
    }
}

//! `gui-flood`: the "Flood into the GUI" benchmark (see `tcptalk_bench::gui_flood`). Parses
//! the command line, runs the bench, prints the figures.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tcptalk_bench::gui_flood::{self, FloodConfig};

/// A client floods tcptalk's server window (headless, real engine, real socket on 127.0.0.1);
/// prints the time until the last line is in the history, frame times and peak memory.
#[derive(Debug, Parser)]
#[command(name = "gui-flood", version, about, long_about = None)]
struct Args {
    /// Lines the client sends.
    #[arg(long, default_value_t = 1_000_000)]
    lines: u64,
    /// Bytes per line, the newline included.
    #[arg(long, default_value_t = 60)]
    line_len: usize,
    /// The window's history limit in MiB [default: the window's default setting].
    #[arg(long, value_name = "MIB")]
    history_mib: Option<usize>,
    /// Frames of the scroll phase.
    #[arg(long, default_value_t = 200)]
    scroll_frames: usize,
    /// Upper bound of the flood phase, in seconds.
    #[arg(long, default_value_t = 60.0)]
    timeout: f64,
    /// Skip saving the history and comparing every line with what was sent.
    #[arg(long)]
    no_verify: bool,
    /// Where the saved history goes for the check [default: the temporary directory].
    #[arg(long, value_name = "DIR")]
    scratch_dir: Option<PathBuf>,
    /// Run at most this many frames a second, as a real window does at the display's refresh
    /// rate (60 for most screens) [default: a frame as soon as one is asked for].
    #[arg(long, value_name = "N")]
    fps: Option<u32>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) => {
            eprintln!("gui-flood: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> anyhow::Result<bool> {
    let config = FloodConfig {
        lines: args.lines,
        line_len: args.line_len,
        history_limit: args.history_mib.map(|mib| mib << 20),
        scroll_frames: args.scroll_frames,
        timeout: Duration::try_from_secs_f64(args.timeout).context("bad --timeout")?,
        verify: !args.no_verify,
        scratch_dir: args.scratch_dir.unwrap_or_else(std::env::temp_dir),
        frame_interval: args
            .fps
            .filter(|&fps| fps > 0)
            .map(|fps| Duration::from_secs_f64(1.0 / f64::from(fps))),
        ..FloodConfig::default()
    };
    let report = gui_flood::run(&config)?;
    print!("{}", gui_flood::describe(&report));
    Ok(report.complete())
}

//! "The real window": the real `tcptalk server` binary in a real window (on whatever `DISPLAY`
//! says: Xvfb with Mesa's software renderer in `scripts/bench-gui-window.sh`), a real socket on
//! 127.0.0.1, and what a user gets.
//!
//! The window runs with `TCPTALK_BENCH_DIR` set, so it reports every frame it draws (time,
//! history rows, the frame's cost) and saves its history when asked (see the GUI's probe).
//!
//! 1. **flood**: one client writes `lines` lines of `line_len` bytes as fast as the socket takes
//!    them. Measured: the time from the last byte written to the first frame whose history
//!    holds every line, the frames per second drawn meanwhile, their cost, the window's peak
//!    RSS. Then the history is saved through the window and every line is checked, in order,
//!    in the saved file and in `--log`.
//! 2. **stream**: a second client sends lines at a steady rate (10 MB/s by default) for a
//!    while. Measured: the window's CPU use over the stream, the frames per second, and how
//!    far the history lags the socket at the end.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail, ensure};

use crate::procfs;
use crate::server::free_port;

/// What to run.
#[derive(Debug, Clone)]
pub struct WindowConfig {
    pub bin: PathBuf,
    pub lines: u64,
    /// Bytes per line, the `\n` included (at least 24).
    pub line_len: usize,
    /// Bytes per second of the steady stream; 0 skips it.
    pub stream_rate: u64,
    pub stream_time: Duration,
    /// Where the window's files go (deleted afterwards).
    pub scratch_dir: PathBuf,
    /// Upper bound of each wait.
    pub timeout: Duration,
    /// Passed as `--renderer`, to compare the CPU renderer with OpenGL in one run.
    pub renderer: Option<String>,
    /// Physical pixels to resize the window to (with `xdotool`) before the flood: what the
    /// renderer costs in a maximized window, not only at the default size.
    pub window_size: Option<(u32, u32)>,
}

/// One frame the window reported.
#[derive(Debug, Clone, Copy)]
struct Frame {
    /// Unix time in ms.
    at_ms: u64,
    rows: u64,
    saving: bool,
    cost_us: u64,
    /// The window's size in physical pixels.
    size: (u32, u32),
}

/// `frames.tsv`, read as it grows.
struct Frames {
    reader: BufReader<File>,
    partial: String,
    all: Vec<Frame>,
}

impl Frames {
    fn open(path: &Path, timeout: Duration) -> anyhow::Result<Frames> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(file) = File::open(path) {
                return Ok(Frames {
                    reader: BufReader::new(file),
                    partial: String::new(),
                    all: Vec::new(),
                });
            }
            ensure!(
                Instant::now() < deadline,
                "the window wrote no {}",
                path.display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Reads the frames reported since the last call.
    fn poll(&mut self) -> anyhow::Result<()> {
        loop {
            let n = self.reader.read_line(&mut self.partial)?;
            if n == 0 || !self.partial.ends_with('\n') {
                return Ok(());
            }
            let text: Vec<&str> = self.partial.trim_end().split('\t').collect();
            let fields: Vec<u64> = text.iter().map(|f| f.parse().unwrap_or(0)).collect();
            let size = text
                .get(7)
                .and_then(|f| f.split_once('x'))
                .map_or((0, 0), |(w, h)| {
                    (w.parse().unwrap_or(0), h.parse().unwrap_or(0))
                });
            if let [at_ms, _, rows, saving, cost_us, ..] = fields[..] {
                self.all.push(Frame {
                    at_ms,
                    rows,
                    saving: saving != 0,
                    cost_us,
                    size,
                });
            }
            self.partial.clear();
        }
    }

    fn last(&self) -> Option<Frame> {
        self.all.last().copied()
    }

    /// Waits for the first frame (after `after` frames) that `done` accepts.
    fn wait_for(
        &mut self,
        after: usize,
        timeout: Duration,
        what: &str,
        done: impl Fn(&Frame) -> bool,
    ) -> anyhow::Result<Frame> {
        let deadline = Instant::now() + timeout;
        let mut seen = after;
        loop {
            self.poll()?;
            if let Some(frame) = self.all.iter().skip(seen).find(|f| done(f)) {
                return Ok(*frame);
            }
            seen = self.all.len();
            ensure!(
                Instant::now() < deadline,
                "timed out waiting for {what}; last frame {:?}",
                self.last()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// Resizes the window of process `pid` as a window manager would (`xdotool windowsize`).
fn resize(pid: u32, (width, height): (u32, u32)) -> anyhow::Result<()> {
    let found = Command::new("xdotool")
        .args([
            "search",
            "--sync",
            "--onlyvisible",
            "--pid",
            &pid.to_string(),
        ])
        .output()
        .context("run xdotool (apt-get install xdotool) to resize the window")?;
    let window = String::from_utf8_lossy(&found.stdout)
        .lines()
        .next()
        .map(str::to_string)
        .context("xdotool found no window of the tcptalk process")?;
    let resized = Command::new("xdotool")
        .args([
            "windowsize",
            &window,
            &width.to_string(),
            &height.to_string(),
        ])
        .status()
        .context("run xdotool windowsize")?;
    ensure!(resized.success(), "xdotool windowsize failed: {resized}");
    Ok(())
}

/// Kills the window when dropped, however the bench ends.
struct Window(Child);

impl Drop for Window {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Line `i` of the flood: its number, then filler, `len` bytes with the `\n`.
fn flood_line(i: u64, len: usize) -> String {
    let mut line = format!("flood {i:09} ");
    while line.len() < len - 1 {
        line.push(char::from(b'a' + (line.len() % 26) as u8));
    }
    line
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Frames drawn between two times, per second, and their cost p50 / p99 in ms.
fn frame_figures(frames: &[Frame], from_ms: u64, to_ms: u64) -> (f64, f64, f64, usize) {
    let inside: Vec<&Frame> = frames
        .iter()
        .filter(|f| f.at_ms >= from_ms && f.at_ms <= to_ms)
        .collect();
    let secs = (to_ms.saturating_sub(from_ms)).max(1) as f64 / 1000.0;
    let mut costs: Vec<u64> = inside.iter().map(|f| f.cost_us).collect();
    costs.sort_unstable();
    (
        inside.len() as f64 / secs,
        percentile(&costs, 0.5) as f64 / 1000.0,
        percentile(&costs, 0.99) as f64 / 1000.0,
        inside.len(),
    )
}

/// Checks that the lines received from `peer` in a `--log`-format file are the flood, in
/// order.
fn check_file(path: &Path, peer: &str, config: &WindowConfig, what: &str) -> anyhow::Result<()> {
    let file = BufReader::new(File::open(path).with_context(|| format!("open {what}"))?);
    let marker = format!(" <- {peer} ");
    let mut next = 0u64;
    for line in file.lines() {
        let line = line?;
        let Some((_, text)) = line.split_once(&marker) else {
            continue;
        };
        if next < config.lines {
            let want = flood_line(next, config.line_len);
            ensure!(
                text == want,
                "{what}: line {next} is {text:?}, not {want:?}"
            );
        }
        next += 1;
    }
    ensure!(
        next >= config.lines,
        "{what} has {next} of {} lines",
        config.lines
    );
    Ok(())
}

/// Runs both phases and prints the figures.
pub fn run(config: &WindowConfig) -> anyhow::Result<()> {
    ensure!(config.line_len >= 24, "lines of at least 24 bytes");
    ensure!(
        std::env::var_os("DISPLAY").is_some(),
        "no DISPLAY: run it under Xvfb (scripts/bench-gui-window.sh)"
    );
    let dir = config
        .scratch_dir
        .join(format!("tcptalk-gui-window-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run_in(config, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run_in(config: &WindowConfig, dir: &Path) -> anyhow::Result<()> {
    let port = free_port()?;
    let log = dir.join("flood.log");
    let mut command = Command::new(&config.bin);
    if let Some(renderer) = &config.renderer {
        command.args(["--renderer", renderer]);
    }
    let child = command
        .args([
            "server",
            "--listen",
            "--lang",
            "zh",
            "--port",
            &port.to_string(),
            "--log",
        ])
        .arg(&log)
        .env("TCPTALK_BENCH_DIR", dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("start {}", config.bin.display()))?;
    let window = Window(child);
    let pid = window.0.id();
    let mut frames = Frames::open(&dir.join("frames.tsv"), config.timeout)?;
    // The first history row is "listening on [::]:PORT" (or the reason it could not listen).
    frames.wait_for(0, config.timeout, "the window to listen", |f| f.rows >= 1)?;
    if let Some(size) = config.window_size {
        resize(pid, size)?;
        frames.wait_for(0, config.timeout, "the window to take its new size", |f| {
            f.size == size
        })?;
    }
    let idle_rss = procfs::memory(pid)?.now_kib;

    // 1. The flood.
    let mut data = Vec::with_capacity(config.lines as usize * config.line_len);
    for i in 0..config.lines {
        data.extend_from_slice(flood_line(i, config.line_len).as_bytes());
        data.push(b'\n');
    }
    let mut client = TcpStream::connect(("127.0.0.1", port))?;
    let peer = client.local_addr()?.to_string();
    let connected = frames.wait_for(0, config.timeout, "the client in the history", |f| {
        f.rows >= 2
    })?;
    let base = connected.rows;
    let cpu_before = procfs::cpu_time(pid)?;
    let first_ms = now_ms();
    client.write_all(&data)?;
    let last_ms = now_ms();
    let all_in = frames.wait_for(0, config.timeout, "every line in the history", |f| {
        f.rows >= base + config.lines
    })?;
    let cpu_flood = procfs::cpu_time(pid)?.saturating_sub(cpu_before);
    let peak = procfs::memory(pid)?.peak_kib;
    let (fps, p50, p99, count) = frame_figures(&frames.all, first_ms, all_in.at_ms);
    let mb = data.len() as f64 / 1e6;
    let (width, height) = all_in.size;
    println!(
        "machine: {} CPUs, DISPLAY={}; window {width}x{height} pixels",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::env::var("DISPLAY").unwrap_or_default()
    );
    println!(
        "flood: {} lines x {} B ({mb:.0} MB) into the real window: written in {:.2} s, every line in the history {:.3} s after the last byte",
        config.lines,
        config.line_len,
        (last_ms - first_ms) as f64 / 1000.0,
        all_in.at_ms.saturating_sub(last_ms) as f64 / 1000.0
    );
    println!(
        "flood: {count} frames drawn, {fps:.1} frames/s, frame cost p50 {p50:.1} ms p99 {p99:.1} ms; window CPU {:.2} s; RSS idle {:.1} MB, peak {:.1} MB",
        cpu_flood.as_secs_f64(),
        idle_rss as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    drop(client);
    let gone = frames.wait_for(0, config.timeout, "the client leaving", |f| {
        f.rows > all_in.rows
    })?;

    // Save through the window, then check the saved file and the log.
    let saved = dir.join("saved.log");
    let request = dir.join("save-request.tmp");
    std::fs::write(&request, saved.display().to_string())?;
    std::fs::rename(&request, dir.join("save-request"))?;
    let seen = frames.all.len();
    let started = frames.wait_for(seen, config.timeout, "the save to start", |f| f.saving)?;
    let started_at = frames
        .all
        .iter()
        .position(|f| f.at_ms >= started.at_ms)
        .unwrap_or(seen);
    let done = frames.wait_for(started_at, config.timeout, "the save to end", |f| !f.saving)?;
    println!(
        "save: the whole history ({} rows) saved by the window in {:.2} s, frames went on meanwhile",
        gone.rows,
        done.at_ms.saturating_sub(started.at_ms) as f64 / 1000.0
    );
    println!(
        "save: window peak RSS over the flood and the save {:.1} MB",
        procfs::memory(pid)?.peak_kib as f64 / 1024.0
    );
    check_file(&saved, &peer, config, "the saved history")?;
    check_file(&log, &peer, config, "--log")?;
    println!("check: every flood line in order in the saved history and in --log");

    // 2. The steady stream.
    if config.stream_rate == 0 {
        return Ok(());
    }
    let mut client = TcpStream::connect(("127.0.0.1", port))?;
    let joined = frames.wait_for(0, config.timeout, "the second client", |f| {
        f.rows > done.rows
    })?;
    let tick = Duration::from_millis(10);
    let per_tick = (config.stream_rate as f64 * tick.as_secs_f64()) as usize / config.line_len;
    ensure!(
        per_tick > 0,
        "stream rate too low for lines of {} B",
        config.line_len
    );
    let mut chunk = Vec::new();
    for i in 0..per_tick as u64 {
        chunk.extend_from_slice(flood_line(i, config.line_len).as_bytes());
        chunk.push(b'\n');
    }
    let cpu_before = procfs::cpu_time(pid)?;
    let start = Instant::now();
    let start_ms = now_ms();
    let mut sent_lines = 0u64;
    let mut next = start;
    while start.elapsed() < config.stream_time {
        client.write_all(&chunk)?;
        sent_lines += per_tick as u64;
        next += tick;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    let end_ms = now_ms();
    let elapsed = start.elapsed();
    let cpu = procfs::cpu_time(pid)?.saturating_sub(cpu_before);
    let caught_up = frames.wait_for(0, config.timeout, "the stream in the history", |f| {
        f.rows >= joined.rows + sent_lines
    })?;
    let (fps, p50, p99, _) = frame_figures(&frames.all, start_ms, end_ms);
    let rate = sent_lines as f64 * config.line_len as f64 / elapsed.as_secs_f64() / 1e6;
    println!(
        "stream: {rate:.1} MB/s for {:.0} s: window CPU {:.1} % of one core, {fps:.1} frames/s (cost p50 {p50:.1} ms p99 {p99:.1} ms), history caught up {:.3} s after the last byte",
        elapsed.as_secs_f64(),
        100.0 * cpu.as_secs_f64() / elapsed.as_secs_f64(),
        caught_up.at_ms.saturating_sub(end_ms) as f64 / 1000.0
    );
    if caught_up.at_ms.saturating_sub(end_ms) > 1000 {
        bail!("the window fell behind the stream");
    }
    Ok(())
}

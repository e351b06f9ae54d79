//! "Flood into the GUI": a real client floods the real server window with lines, headless.
//!
//! The window is tcptalk's own [`ServerWindow`], driven by an [`egui::Context`] directly: no
//! eframe, no GPU, but every frame is the app's whole frame (events, history, layout) plus
//! egui's tessellation into triangles, so the frame times are what the app costs on the CPU
//! before a renderer gets the triangles. The engine is the real one, on its own threads, and
//! the client is a plain [`TcpStream`] in a thread of this process that writes lines as fast
//! as the socket takes them, over 127.0.0.1.
//!
//! Frames are run the way eframe runs them, minus vsync: at once while the app asks for
//! another frame (it does while events are waiting), else when the engine wakes the context.
//!
//! Each frame is timed twice: wall-clock (`Instant`), and the CPU time the UI thread really got
//! (`CLOCK_THREAD_CPUTIME_ID`). On a 2-core machine the engine's threads and
//! the client thread compete with the UI thread, so the wall-clock time includes waiting for a
//! core; the CPU time is the frame's own cost.
//!
//! Phases:
//! 1. **flood**: from the first byte written to the frame after which the history holds every
//!    line (in memory or spooled). Each frame's CPU time (`run_ui` + `tessellate`) is recorded.
//! 2. **scroll**: `scroll_frames` frames, each jumping to the next of evenly spaced rows across
//!    the whole in-memory history (the worst case: every frame lays out new rows).
//! 3. **check**: every line is counted (in memory + spooled), then the history is saved with
//!    保存历史's code and each flood line is compared, in order, with what was sent.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use egui::{Pos2, RawInput, Rect, Vec2, ViewportId};
use tcptalk_gui::{Lang, ServerWindow, setup_context};
use tcptalk_net::Runtime;

use crate::procfs;

/// What to run.
#[derive(Debug, Clone)]
pub struct FloodConfig {
    /// Lines the client sends.
    pub lines: u64,
    /// Bytes per line, the `\n` included (at least 16).
    pub line_len: usize,
    /// The window's history limit in bytes; `None` keeps the default setting.
    pub history_limit: Option<usize>,
    /// Frames of the scroll phase.
    pub scroll_frames: usize,
    /// Upper bound of the flood phase.
    pub timeout: Duration,
    /// Save the history afterwards and compare every line with what was sent.
    pub verify: bool,
    /// Where the saved history goes for the check (deleted afterwards).
    pub scratch_dir: PathBuf,
    /// Window size in points.
    pub size: Vec2,
    /// Frames no closer together than this (a real window waits for the display's vsync,
    /// 1/60 s at 60 Hz); `None` runs each frame as soon as the app asks for it.
    pub frame_interval: Option<Duration>,
}

impl Default for FloodConfig {
    fn default() -> Self {
        FloodConfig {
            lines: 1_000_000,
            line_len: 60,
            history_limit: None,
            scroll_frames: 200,
            timeout: Duration::from_secs(60),
            verify: true,
            scratch_dir: std::env::temp_dir(),
            size: Vec2::new(600.0, 500.0),
            frame_interval: None,
        }
    }
}

/// Frame CPU times of one phase.
#[derive(Debug, Clone, Default)]
pub struct FrameStats {
    pub frames: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub total: Duration,
}

impl FrameStats {
    fn of(mut times: Vec<Duration>) -> Self {
        times.sort_unstable();
        let at = |q: f64| {
            let i = ((times.len() as f64 - 1.0) * q).round() as usize;
            times.get(i).copied().unwrap_or_default()
        };
        FrameStats {
            frames: times.len(),
            p50: at(0.50),
            p99: at(0.99),
            max: times.last().copied().unwrap_or_default(),
            total: times.iter().sum(),
        }
    }
}

/// The calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`, nanoseconds).
fn thread_cpu_time() -> Duration {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(now.tv_sec).unwrap_or(0),
        u32::try_from(now.tv_nsec).unwrap_or(0),
    )
}

/// One frame's times.
#[derive(Debug, Clone, Copy, Default)]
struct FrameTime {
    wall: Duration,
    cpu: Duration,
}

/// Wall-clock and CPU time statistics of one phase.
#[derive(Debug, Clone, Default)]
pub struct PhaseStats {
    pub wall: FrameStats,
    /// The UI thread's own CPU time per frame.
    pub cpu: FrameStats,
}

impl PhaseStats {
    fn of(times: &[FrameTime]) -> Self {
        PhaseStats {
            wall: FrameStats::of(times.iter().map(|t| t.wall).collect()),
            cpu: FrameStats::of(times.iter().map(|t| t.cpu).collect()),
        }
    }
}

/// What one run measured.
#[derive(Debug, Clone)]
pub struct FloodReport {
    pub lines: u64,
    pub line_len: usize,
    /// From the first byte written to the end of the frame that took in the last line.
    pub elapsed: Duration,
    /// Lines taken in by the window (in memory + spooled) at the end.
    pub received: u64,
    pub in_memory_rows: usize,
    pub spooled_rows: u64,
    pub spooled_bytes: u64,
    pub lost_rows: u64,
    pub history_memory: usize,
    pub history_limit: usize,
    /// `VmHWM` of this process (window, engine, client thread) after the scroll phase.
    pub peak_rss_kib: u64,
    pub flood: PhaseStats,
    pub scroll: PhaseStats,
    /// Lines of the saved history checked against what was sent (0 when not verified).
    pub verified_lines: u64,
    /// CPU time of this process during the flood phase (all threads: window, engine, client).
    pub flood_cpu: Duration,
}

impl FloodReport {
    /// All lines arrived, none lost, and (when verified) every one was in the saved file.
    pub fn complete(&self) -> bool {
        self.received == self.lines && self.lost_rows == 0
    }
}

/// A headless window: the context, the window, and the frame loop.
struct Headless {
    ctx: egui::Context,
    window: ServerWindow,
    wake: mpsc::Receiver<()>,
    started: Instant,
    size: Vec2,
    /// When the app wants its next frame.
    next: Option<Instant>,
    /// See [`FloodConfig::frame_interval`].
    frame_interval: Option<Duration>,
    last_frame: Option<Instant>,
}

impl Headless {
    fn new(window: ServerWindow, size: Vec2, frame_interval: Option<Duration>) -> Self {
        let ctx = egui::Context::default();
        setup_context(&ctx);
        let (tx, wake) = mpsc::channel();
        ctx.set_request_repaint_callback(move |_| {
            let _ = tx.send(());
        });
        Headless {
            ctx,
            window,
            wake,
            started: Instant::now(),
            size,
            next: Some(Instant::now()),
            frame_interval,
            last_frame: None,
        }
    }

    /// Runs one frame; returns its times (`run_ui` + `tessellate`).
    fn frame(&mut self) -> FrameTime {
        if let (Some(interval), Some(last)) = (self.frame_interval, self.last_frame) {
            let due = last + interval;
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
        }
        self.last_frame = Some(Instant::now());
        let input = RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, self.size)),
            time: Some(self.started.elapsed().as_secs_f64()),
            predicted_dt: 1.0 / 60.0,
            ..Default::default()
        };
        let cpu_before = thread_cpu_time();
        let began = Instant::now();
        let window = &mut self.window;
        let mut output = self.ctx.run_ui(input, |ui| window.show(ui));
        let shapes = std::mem::take(&mut output.shapes);
        let primitives = self.ctx.tessellate(shapes, output.pixels_per_point);
        let wall = began.elapsed();
        let cpu = thread_cpu_time().saturating_sub(cpu_before);
        std::hint::black_box(primitives);
        // No renderer takes the font atlas' updates.
        output.textures_delta.clear();
        let delay = output
            .viewport_output
            .get(&ViewportId::ROOT)
            .map_or(Duration::MAX, |viewport| viewport.repaint_delay);
        self.next = Instant::now().checked_add(delay);
        FrameTime { wall, cpu }
    }

    /// Waits until the app wants a frame (asked for one, or the engine woke it), at most until
    /// `deadline`; true if a frame is due.
    fn wait(&mut self, deadline: Instant) -> bool {
        loop {
            let now = Instant::now();
            if self.next.is_some_and(|next| next <= now) {
                return true;
            }
            if now >= deadline {
                return false;
            }
            let until = self.next.map_or(deadline, |next| next.min(deadline));
            match self.wake.recv_timeout(until - now) {
                Ok(()) => {
                    while self.wake.try_recv().is_ok() {}
                    return true;
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return true,
            }
        }
    }

    /// Runs frames until `done` holds, at most for `timeout`; returns each frame's time.
    fn run_until(
        &mut self,
        timeout: Duration,
        mut done: impl FnMut(&ServerWindow) -> bool,
    ) -> anyhow::Result<Vec<FrameTime>> {
        let deadline = Instant::now() + timeout;
        let mut times = Vec::new();
        while !done(&self.window) {
            if Instant::now() >= deadline {
                bail!("timed out after {timeout:?}");
            }
            if self.wait(deadline) {
                times.push(self.frame());
            }
        }
        Ok(times)
    }
}

/// Line `i` of the flood, `line_len` bytes with its `\n`: `flood 0000042 abcabc...`.
pub fn flood_line(i: u64, line_len: usize, out: &mut Vec<u8>) {
    let start = out.len();
    let _ = write!(out, "flood {i:07} ");
    let filler = b"abcdefghijklmnopqrstuvwxyz".iter().cycle();
    let room = (line_len - 1).saturating_sub(out.len() - start);
    out.extend(filler.take(room));
    out.truncate(start + line_len - 1);
    out.push(b'\n');
}

/// Runs the benchmark. Loopback only; every thread and socket it starts ends with it.
pub fn run(config: &FloodConfig) -> anyhow::Result<FloodReport> {
    ensure!(config.line_len >= 16, "lines must be at least 16 bytes");
    let runtime = Runtime::new().context("cannot start the engine runtime")?;
    let mut window = ServerWindow::new(runtime.handle().clone(), Lang::Zh);
    window.set_bind(Some("127.0.0.1"));
    window.set_port(0);
    window.listen_on_start();
    if let Some(limit) = config.history_limit {
        window.pane_mut().set_history_limit(limit);
    }
    let history_limit = window.history().limits().max_bytes;
    let mut gui = Headless::new(window, config.size, config.frame_interval);
    gui.run_until(Duration::from_secs(10), |w| w.local_addr().is_some())
        .context("the window did not start listening")?;
    let port = gui.window.local_addr().map_or(0, |addr| addr.port());

    // The client connects, then waits for the window to list it before the clock starts.
    let first_byte = Arc::new(OnceLock::<Instant>::new());
    let (go, start) = mpsc::channel::<()>();
    let (stop, stopped) = mpsc::channel::<()>();
    let stream = TcpStream::connect(("127.0.0.1", port)).context("cannot connect")?;
    let writer = {
        let first_byte = first_byte.clone();
        let (lines, line_len) = (config.lines, config.line_len);
        std::thread::Builder::new()
            .name("flood-client".into())
            .spawn(move || flood(stream, lines, line_len, &first_byte, &start, &stopped))
            .context("cannot start the client thread")?
    };
    let result = measure(&mut gui, config, history_limit, &first_byte, &go);
    let _ = stop.send(());
    drop(go);
    let written = writer
        .join()
        .map_err(|_| anyhow::anyhow!("the client thread panicked"))?;
    gui.window.shutdown();
    let report = result?;
    written.context("the client failed")?;
    Ok(report)
}

/// The client: waits for `start`, writes the lines, then keeps the connection open until
/// `stop` (so the window's last history line is the flood's).
fn flood(
    mut stream: TcpStream,
    lines: u64,
    line_len: usize,
    first_byte: &OnceLock<Instant>,
    start: &mpsc::Receiver<()>,
    stop: &mpsc::Receiver<()>,
) -> anyhow::Result<()> {
    if start.recv().is_err() {
        return Ok(());
    }
    let per_buffer = ((64 << 10) / line_len).max(1) as u64;
    let mut buffer = Vec::with_capacity(per_buffer as usize * line_len);
    let mut i = 0;
    while i < lines {
        buffer.clear();
        let end = (i + per_buffer).min(lines);
        for line in i..end {
            flood_line(line, line_len, &mut buffer);
        }
        first_byte.get_or_init(Instant::now);
        stream.write_all(&buffer).context("writing the flood")?;
        i = end;
    }
    let _ = stop.recv();
    Ok(())
}

fn measure(
    gui: &mut Headless,
    config: &FloodConfig,
    history_limit: usize,
    first_byte: &OnceLock<Instant>,
    go: &mpsc::Sender<()>,
) -> anyhow::Result<FloodReport> {
    gui.run_until(Duration::from_secs(10), |w| w.client_count() == 1)
        .context("the window did not list the client")?;
    // Let the window settle (the status bar measures itself in its first frames).
    for _ in 0..5 {
        gui.frame();
    }
    let before = gui.window.history().total_rows();
    let target = before + config.lines;
    let pid = std::process::id();
    let cpu_before = procfs::cpu_time(pid)?;
    go.send(()).context("the client thread is gone")?;
    let flood_times = gui
        .run_until(config.timeout, |w| w.history().total_rows() >= target)
        .context("the flood did not arrive in time")?;
    let done = Instant::now();
    let flood_cpu = procfs::cpu_time(pid)?.saturating_sub(cpu_before);
    let elapsed = first_byte
        .get()
        .map_or(Duration::ZERO, |first| done.duration_since(*first));

    // Scroll across the whole history in memory, top to bottom.
    let rows = gui.window.history().row_count();
    let mut scroll_times = Vec::with_capacity(config.scroll_frames);
    for k in 0..config.scroll_frames {
        let row = if config.scroll_frames > 1 {
            k * rows.saturating_sub(1) / (config.scroll_frames - 1)
        } else {
            0
        };
        gui.window.pane_mut().scroll_history_to_row(row);
        scroll_times.push(gui.frame());
    }
    let peak_rss_kib = procfs::memory(pid)?.peak_kib;

    // The history is the session's, behind its lock: read, then let go before saving.
    let (evicted, in_memory, total) = {
        let history = gui.window.history();
        (history.evicted(), history.len(), history.total_rows())
    };
    ensure!(
        evicted.rows + in_memory as u64 == total,
        "rows in memory + spooled ({in_memory} + {}) != rows pushed ({total})",
        evicted.rows,
    );
    let received = total - before;
    let verified_lines = if config.verify {
        verify(gui, config)?
    } else {
        0
    };
    let history = gui.window.history();
    Ok(FloodReport {
        lines: config.lines,
        line_len: config.line_len,
        elapsed,
        received,
        in_memory_rows: history.len(),
        spooled_rows: evicted.rows,
        spooled_bytes: evicted.bytes,
        lost_rows: evicted.lost_rows,
        history_memory: history.memory_bytes(),
        history_limit,
        peak_rss_kib,
        flood: PhaseStats::of(&flood_times),
        scroll: PhaseStats::of(&scroll_times),
        verified_lines,
        flood_cpu,
    })
}

/// Saves the history as 保存历史 does and checks that the flood's lines are all in the file,
/// in order, exactly as sent. Returns how many were checked.
fn verify(gui: &Headless, config: &FloodConfig) -> anyhow::Result<u64> {
    let path = config
        .scratch_dir
        .join(format!("tcptalk-gui-flood-{}.log", std::process::id()));
    struct Remove(PathBuf);
    impl Drop for Remove {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    let _remove = Remove(path.clone());
    let (saved, total) = {
        let history = gui.window.history();
        let saved = history
            .save_all(&path)
            .with_context(|| format!("saving the history to {}", path.display()))?;
        (saved, history.total_rows())
    };
    ensure!(
        saved == total,
        "saved {saved} lines, the history has {total}"
    );
    let file = std::fs::File::open(&path)?;
    let mut expected = Vec::with_capacity(config.line_len);
    let mut next = 0u64;
    for line in BufReader::with_capacity(1 << 20, file).lines() {
        let line = line?;
        // `<time> <- <peer> <text>`: received lines only.
        let Some((_, rest)) = line.split_once(" <- ") else {
            continue;
        };
        let Some((_, text)) = rest.split_once(' ') else {
            bail!("malformed line in the saved history: {line}");
        };
        expected.clear();
        flood_line(next, config.line_len, &mut expected);
        let want = &expected[..expected.len() - 1];
        ensure!(
            text.as_bytes() == want,
            "line {next} differs: got {text:?}, sent {:?}",
            String::from_utf8_lossy(want)
        );
        next += 1;
    }
    ensure!(
        next == config.lines,
        "the saved history has {next} of {} lines",
        config.lines
    );
    Ok(next)
}

/// The report as a few lines of text.
pub fn describe(report: &FloodReport) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mb = |b: u64| b as f64 / 1e6;
    let frames = |phase: &PhaseStats| {
        let wall = &phase.wall;
        let mut text = format!(
            "{} frames; wall p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            wall.frames,
            ms(wall.p50),
            ms(wall.p99),
            ms(wall.max)
        );
        let cpu = &phase.cpu;
        text.push_str(&format!(
            "; UI thread CPU p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            ms(cpu.p50),
            ms(cpu.p99),
            ms(cpu.max)
        ));
        text
    };
    format!(
        "flood: {} lines x {} bytes ({:.1} MB) in {:.3} s from the first byte to the last line \
         in the history ({:.0} lines/s); process CPU {:.2} s\n\
         frames during the flood: {}\n\
         frames scrolling the history ({} rows in memory): {}\n\
         history: {} lines taken in, {} in memory ({:.1} MB of {:.1} MB allowed), {} spooled \
         ({:.1} MB), {} lost; saved and checked: {} lines\n\
         peak RSS (VmHWM, whole process): {:.1} MB\n",
        report.lines,
        report.line_len,
        mb(report.lines * report.line_len as u64),
        report.elapsed.as_secs_f64(),
        report.lines as f64 / report.elapsed.as_secs_f64().max(1e-9),
        report.flood_cpu.as_secs_f64(),
        frames(&report.flood),
        report.in_memory_rows,
        frames(&report.scroll),
        report.received,
        report.in_memory_rows,
        mb(report.history_memory as u64),
        mb(report.history_limit as u64),
        report.spooled_rows,
        mb(report.spooled_bytes),
        report.lost_rows,
        report.verified_lines,
        report.peak_rss_kib as f64 * 1024.0 / 1e6,
    )
}

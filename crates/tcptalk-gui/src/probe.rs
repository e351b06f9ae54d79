//! Instrumentation for benchmarks of the real window: with `TCPTALK_BENCH_DIR=DIR` set, the
//! server window reports each frame it draws and saves its history on request, so a benchmark
//! can drive the real binary in a real window (under Xvfb) and see what a user sees.
//!
//! - `DIR/frames.tsv` gets one line per frame: Unix time in ms, frame number, history rows
//!   ever recorded, whether a save is running (0/1), the previous frame's cost in µs as
//!   eframe measured it (building, painting and swapping), and for 搜索 the matches found so
//!   far and whether it has finished (0/1), and the window's size in physical pixels
//!   (`WIDTHxHEIGHT`, so a benchmark that resizes the window knows when it took).
//! - A file `DIR/save-request` holding a path makes the window save its history there, as
//!   保存历史 does, in the background.
//! - A file `DIR/request` holds lines that do what a person would: `show-saved` opens the
//!   常用指令 panel; `periodic MS COUNT EOL TEXT` types TEXT, sets 行尾 (none/lf/cr/crlf),
//!   间隔 and 次数 (`-` for no limit) and clicks 开始; `stop-periodic` clicks 停止;
//!   `show-graph` opens 速率; `hex-view` ticks 十六进制显示; `framing idle MS` (or `line`,
//!   `chunk`) picks 分帧; `search TEXT` opens 搜索 and searches.
//!
//! The writing happens on a thread of its own; a frame only sends one short line to it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::server::ServerWindow;

/// The environment variable that turns the probe on.
pub const BENCH_DIR_VAR: &str = "TCPTALK_BENCH_DIR";

#[derive(Debug)]
pub(crate) struct Probe {
    lines: mpsc::Sender<String>,
    save_request: Arc<Mutex<Option<PathBuf>>>,
    requests: Arc<Mutex<Vec<String>>>,
    frame: u64,
}

impl Probe {
    /// A probe if [`BENCH_DIR_VAR`] names a directory it can write in.
    pub(crate) fn from_env(ctx: &egui::Context) -> Option<Probe> {
        let dir = PathBuf::from(std::env::var_os(BENCH_DIR_VAR)?);
        let mut out = match File::create(dir.join("frames.tsv")) {
            Ok(file) => BufWriter::new(file),
            Err(err) => {
                tracing::warn!(%err, dir = %dir.display(), "benchmark probe off");
                return None;
            }
        };
        let (lines, rx) = mpsc::channel::<String>();
        let save_request = Arc::new(Mutex::new(None));
        let request = save_request.clone();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let more = requests.clone();
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("tcptalk-bench-probe".into())
            .spawn(move || {
                let request_file = dir.join("save-request");
                let requests_file = dir.join("request");
                loop {
                    match rx.recv_timeout(Duration::from_millis(50)) {
                        Ok(line) => {
                            let _ = out.write_all(line.as_bytes());
                            // Everything else that is waiting, then one flush.
                            while let Ok(line) = rx.try_recv() {
                                let _ = out.write_all(line.as_bytes());
                            }
                            let _ = out.flush();
                        }
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                    if let Ok(path) = std::fs::read_to_string(&request_file) {
                        let _ = std::fs::remove_file(&request_file);
                        if let Ok(mut slot) = request.lock() {
                            *slot = Some(PathBuf::from(path.trim()));
                        }
                        ctx.request_repaint();
                    }
                    if let Ok(text) = std::fs::read_to_string(&requests_file) {
                        let _ = std::fs::remove_file(&requests_file);
                        if let Ok(mut list) = more.lock() {
                            list.extend(text.lines().map(str::to_string));
                        }
                        ctx.request_repaint();
                    }
                }
            });
        if let Err(err) = spawned {
            tracing::warn!(%err, "benchmark probe off");
            return None;
        }
        Some(Probe {
            lines,
            save_request,
            requests,
            frame: 0,
        })
    }

    /// Reports the frame just drawn, and starts a save that was asked for.
    pub(crate) fn frame(
        &mut self,
        ctx: &egui::Context,
        server: &mut ServerWindow,
        frame_cost: Option<f32>,
    ) {
        self.frame += 1;
        let request = self
            .save_request
            .lock()
            .ok()
            .and_then(|mut slot| slot.take());
        if let Some(path) = request {
            let pane = server.pane_mut();
            pane.set_save_path(&path.display().to_string());
            pane.save_history();
        }
        let requests = self
            .requests
            .lock()
            .map(|mut list| std::mem::take(&mut *list))
            .unwrap_or_default();
        for request in requests {
            apply(server, &request);
        }
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let rows = server.history().total_rows();
        let saving = u8::from(server.pane().is_saving());
        let cost_us = frame_cost.map_or(0, |s| (s.max(0.0) * 1e6) as u64);
        let (found, finished) = server.pane().search_matches().unwrap_or((0, false));
        let size = ctx.viewport_rect().size() * ctx.pixels_per_point();
        let _ = self.lines.send(format!(
            "{ms}\t{}\t{rows}\t{saving}\t{cost_us}\t{found}\t{}\t{}x{}\n",
            self.frame,
            u8::from(finished),
            size.x.round(),
            size.y.round()
        ));
    }
}

/// Does what a `DIR/request` line asks, as the clicks it stands for would.
fn apply(server: &mut ServerWindow, request: &str) {
    let mut words = request.splitn(5, ' ');
    match words.next() {
        Some("show-saved") => server.pane_mut().show_saved_commands(true),
        Some("stop-periodic") => server.pane_mut().stop_periodic(),
        Some("show-graph") => server.pane_mut().show_rate_graph(true),
        Some("search") => {
            let text: Vec<&str> = words.collect();
            server.pane_mut().search_history(&text.join(" "));
        }
        Some("hex-view") => server.pane_mut().set_hex_view(true),
        Some("framing") => {
            let kind = match words.next() {
                Some("idle") => crate::FramingKind::IdleGap,
                Some("chunk") => crate::FramingKind::Chunk,
                _ => crate::FramingKind::Line,
            };
            let value = words.next().unwrap_or("");
            server.pane_mut().set_framing(kind, value);
        }
        Some("periodic") => {
            let every = words.next().unwrap_or("1000");
            let count = words.next().filter(|count| *count != "-").unwrap_or("");
            let line_end = words.next().and_then(|eol| eol.parse().ok());
            let text = words.next().unwrap_or("");
            let pane = server.pane_mut();
            pane.set_message(text);
            pane.set_periodic_fields(every, count);
            if let Some(line_end) = line_end {
                pane.set_line_end(line_end);
            }
            server.start_periodic();
        }
        _ => tracing::warn!(request, "unknown benchmark request"),
    }
}

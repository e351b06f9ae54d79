//! Instrumentation for benchmarks of the real window: with `TCPTALK_BENCH_DIR=DIR` set, the
//! server window reports each frame it draws and saves its history on request, so a benchmark
//! can drive the real binary in a real window (under Xvfb) and see what a user sees.
//!
//! - `DIR/frames.tsv` gets one line per frame: Unix time in ms, frame number, history rows
//!   ever recorded, whether a save is running (0/1), and the previous frame's cost in µs as
//!   eframe measured it (building, painting and swapping).
//! - A file `DIR/save-request` holding a path makes the window save its history there, as
//!   保存历史 does, in the background.
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
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("tcptalk-bench-probe".into())
            .spawn(move || {
                let request_file = dir.join("save-request");
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
                }
            });
        if let Err(err) = spawned {
            tracing::warn!(%err, "benchmark probe off");
            return None;
        }
        Some(Probe {
            lines,
            save_request,
            frame: 0,
        })
    }

    /// Reports the frame just drawn, and starts a save that was asked for.
    pub(crate) fn frame(&mut self, server: &mut ServerWindow, frame_cost: Option<f32>) {
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
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let rows = server.history().total_rows();
        let saving = u8::from(server.pane().is_saving());
        let cost_us = frame_cost.map_or(0, |s| (s.max(0.0) * 1e6) as u64);
        let _ = self.lines.send(format!(
            "{ms}\t{}\t{rows}\t{saving}\t{cost_us}\n",
            self.frame
        ));
    }
}

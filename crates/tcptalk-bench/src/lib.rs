//! Benchmarks for tcptalk that print figures and assert nothing.
//!
//! How this fits: tcptalk itself is a binary, so the benchmarks drive the real executable as a
//! separate process, exactly as a user or a script would (`tcptalk server --no-gui --json`), and
//! compare it with the same job done by ncat. The `tcptalk-bench` binary only parses arguments
//! and calls this library; `scripts/bench-*.sh` run it with the sizes the figures in
//! `BENCHMARKS.md` come from, and the tests run it at smoke size so it does not rot.
//!
//! The GUI is measured twice: as a user gets it, the real binary in a real window under Xvfb
//! (`gui-window`, module [`gui_window`]), and in-process (`gui-flood`, module `gui_flood` with
//! the default `gui` feature), the server window headless on a bare `egui::Context`, which
//! separates the app's own cost from the renderer's.
//!
//! Loopback only: every socket here connects to or listens on 127.0.0.1.

pub mod fanout;
pub mod fanout_worker;
pub mod genfile;
#[cfg(feature = "gui")]
pub mod gui_flood;
pub mod gui_window;
pub mod procfs;
pub mod server;

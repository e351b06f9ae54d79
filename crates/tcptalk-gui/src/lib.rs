//! tcptalk's windows: the tutorial's TCP server window (服务器) and client window (客户端),
//! rebuilt with egui and freed of the tutorial's faults.
//!
//! How this fits: the windows never touch a socket. Each window has a `tcptalk-session`
//! [`tcptalk_session::Session`] on the engine's tokio threads ([`tcptalk_net::Runtime`]): it
//! takes arriving bytes into the window's history, off the UI thread, and the window reads only
//! the rows it shows, under a short lock, so how much arrives never changes what a frame costs.
//! A window turns clicks into session commands (listen, connect, send, which never waits) and
//! shows the session's few events (connected, disconnected, failures). A session wakes its
//! window at most once per frame, and while data streams no sooner than the last frame's cost
//! allows ([`pacer`]); with nothing happening the windows do not repaint.
//!
//! The binary calls [`run`]; tests build [`ServerWindow`] and [`ClientWindow`] directly and
//! drive them with `egui_kittest`.

mod app;
mod client;
mod exports;
mod fonts;
mod framing;
mod i18n;
mod pacer;
mod pane;
mod probe;
mod rate_graph;
mod replies;
mod rows;
mod search_bar;
mod sending;
mod server;
mod settings;
mod signals;
pub mod tabs;
pub mod transport;
mod widgets;

use std::path::PathBuf;

pub use app::{TcptalkApp, setup_context};
pub use client::ClientWindow;
pub use egui::ThemePreference;
pub use fonts::{
    BUNDLED_CJK_FONT, SystemFont, find_system_cjk_font, install_bundled_font, install_fonts,
};
pub use framing::FramingKind;
pub use i18n::Texts;
pub use pane::Pane;
pub use rows::{HistoryView, Side, TimeStyle};
pub use sending::{RecallStep, SharedBook};
pub use server::ServerWindow;
pub use settings::{SavedTab, Settings};
pub use tcptalk_session::{DISPLAY_CHARS, SharedLog};

/// Which windows to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Windows {
    /// The server window and the client window, in one process (the tutorial's test).
    Both,
    Server,
    Client,
}

/// The language of the windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Lang {
    /// The tutorial's wording.
    Zh,
    En,
}

/// What the command line asked for. Given values override remembered ones.
#[derive(Debug, Clone)]
pub struct Launch {
    pub windows: Windows,
    /// Address the server listens on (default: every address).
    pub bind: Option<String>,
    pub server_port: Option<u16>,
    /// Start listening at once.
    pub listen: bool,
    pub host: Option<String>,
    pub client_port: Option<u16>,
    /// Start connecting at once.
    pub connect: bool,
    /// Overrides the system's language.
    pub lang: Option<Lang>,
    /// Overrides the remembered encoding of both windows.
    pub encoding: Option<tcptalk_core::TextEncoding>,
    /// Append every history entry to this file.
    pub log: Option<PathBuf>,
    /// The transports the windows start with (`--udp`, `--tls` …).
    pub server_transport: transport::TransportPreset,
    pub client_transport: transport::TransportPreset,
    /// Overrides the remembered 主题 (`--theme`).
    pub theme: Option<egui::ThemePreference>,
    /// How the windows are drawn (`--renderer`).
    pub renderer: Renderer,
}

/// How the windows are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Renderer {
    /// On the CPU, shown with shared-memory images (as the seed's Qt apps draw): no OpenGL
    /// driver is loaded. Where the only OpenGL is Mesa's llvmpipe (a VM, a remote desktop,
    /// Xvfb), that driver and LLVM alone keep ~70 MB resident in an idle window.
    #[default]
    Software,
    /// With OpenGL, for very large windows on a real GPU.
    Gl,
}

/// Why the windows could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GuiError {
    #[error("cannot start the network engine: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("cannot open the log file {}: {source}", path.display())]
    Log {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// eframe's error can hold a non-`Send` OpenGL error, so only its text is kept.
    #[error("cannot open the windows: {0}")]
    Window(String),
}

/// Opens the windows `launch` asks for and returns when the user closes them.
pub fn run(launch: Launch) -> Result<(), GuiError> {
    app::run(launch)
}

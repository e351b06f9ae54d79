//! Ctrl+C in the terminal that started the windows, or SIGTERM (a logout, `kill`, a service
//! manager), closes them as the close button does: the sessions end, the settings, tabs and
//! window places are saved, and the process exits 0. Without this a signal killed the process
//! on the spot and lost everything changed since eframe's last autosave (every 30 s). A second
//! signal while closing quits at once, as a stuck program's user expects.

use egui::{ViewportCommand, ViewportId};

/// Watches for the signals on the engine's runtime (the UI thread never waits on them).
pub(crate) fn close_on_signal(runtime: &tokio::runtime::Handle, ctx: egui::Context) {
    runtime.spawn(async move {
        let Some(first) = next_signal().await else {
            return;
        };
        tracing::info!(signal = first, "closing the windows");
        ctx.send_viewport_cmd_to(ViewportId::ROOT, ViewportCommand::Close);
        ctx.request_repaint_of(ViewportId::ROOT);
        if let Some(second) = next_signal().await {
            tracing::warn!(
                signal = second,
                "a second signal while closing: quitting now"
            );
            std::process::exit(128 + second);
        }
    });
}

/// The number of the next SIGINT or SIGTERM; `None` if they cannot be watched.
#[cfg(unix)]
async fn next_signal() -> Option<i32> {
    use tokio::signal::unix::{SignalKind, signal};
    let watched = signal(SignalKind::interrupt()).and_then(|interrupt| {
        signal(SignalKind::terminate()).map(|terminate| (interrupt, terminate))
    });
    let (mut interrupt, mut terminate) = match watched {
        Ok(pair) => pair,
        Err(err) => {
            tracing::warn!(%err, "cannot watch SIGINT / SIGTERM; a signal ends the windows unsaved");
            return None;
        }
    };
    tokio::select! {
        _ = interrupt.recv() => Some(SignalKind::interrupt().as_raw_value()),
        _ = terminate.recv() => Some(SignalKind::terminate().as_raw_value()),
    }
}

/// Ctrl+C only, where there are no Unix signals.
#[cfg(not(unix))]
async fn next_signal() -> Option<i32> {
    tokio::signal::ctrl_c().await.ok().map(|()| 2)
}

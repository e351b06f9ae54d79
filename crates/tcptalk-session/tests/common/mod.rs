//! Helpers shared by the session tests: a runtime, a window's session, bounded waits for events.
#![allow(dead_code)]

use std::time::Duration;

use tcptalk_core::history::HistoryLimits;
use tcptalk_net::{BindAddr, ServerConfig};
use tcptalk_session::{Session, SessionConfig, SessionEvent, View};

/// How long a wait may take before the test fails: generous for a loaded 2-core machine.
pub const WAIT: Duration = Duration::from_secs(60);

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A window's session (history kept, nothing logged) on the current runtime.
pub fn window_session(view: View) -> Session {
    let config = SessionConfig::window(view, HistoryLimits::default(), None);
    Session::spawn(&tokio::runtime::Handle::current(), config)
}

/// The next event that `pick` accepts, skipping others, within [`WAIT`].
pub async fn wait_for<T>(
    session: &mut Session,
    mut pick: impl FnMut(SessionEvent) -> Option<T>,
) -> T {
    let found = async {
        loop {
            let event = session.recv().await.expect("session ended");
            if let Some(found) = pick(event) {
                return found;
            }
        }
    };
    tokio::time::timeout(WAIT, found)
        .await
        .expect("event in time")
}

/// Listens on every address, a free port; returns the port.
pub async fn listening(session: &mut Session) -> u16 {
    session.listen(ServerConfig::new(BindAddr::Any, 0));
    wait_for(session, |event| match event {
        SessionEvent::Listening { local } => Some(local.port()),
        SessionEvent::ListenFailed { error } => panic!("listen failed: {error}"),
        _ => None,
    })
    .await
}

//! Automatic reconnect for a client (off unless asked for): after a failed connect or a lost
//! connection the same attempt is tried again, 1 s later, then 2, 4 … up to 30 s between
//! tries, until it connects or the user stops it. A connection that was up starts again at 1 s.

use std::time::{Duration, Instant};

use tcptalk_net::{ClientConfig, ClientTransport, Transport, event_channel, spawn_client};

use super::{Control, ENGINE_EVENTS, Gone, Source, Task};
use crate::{Attempt, Notice, SessionEvent};

/// The wait before the first try again.
pub const FIRST_WAIT: Duration = Duration::from_secs(1);
/// The longest wait between tries.
pub const MAX_WAIT: Duration = Duration::from_secs(30);

/// What a client needs to be tried again, and how long the next wait is.
#[derive(Debug)]
pub(crate) struct Retry {
    config: ClientConfig,
    wait: Duration,
}

impl Retry {
    pub(crate) fn first(config: ClientConfig) -> Self {
        Retry {
            config,
            wait: FIRST_WAIT,
        }
    }
}

/// A try that is waiting for its time.
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) at: Instant,
    pub(crate) attempt: Attempt,
    pub(crate) label: String,
    retry: Box<Retry>,
}

impl Task {
    /// Starts a client source for `attempt`.
    pub(super) fn start_client(
        &mut self,
        config: ClientConfig,
        label: String,
        attempt: Attempt,
        retry: Option<Box<Retry>>,
    ) {
        let (sender, events) = event_channel(ENGINE_EVENTS);
        let transport = match &config.transport {
            ClientTransport::Tcp => Transport::Tcp,
            ClientTransport::Tls(_) => Transport::Tls,
            ClientTransport::Udp(_) => Transport::Udp,
        };
        let handle = spawn_client(&self.runtime, config, sender);
        let peer = self.shared.lock().transcript.add_peer(&label);
        self.sources.push(Source {
            events,
            control: Control::Client {
                handle,
                attempt,
                label,
                peer,
                connected: false,
                retry,
            },
            transport,
            certificate: None,
            retired: false,
        });
    }

    /// After source `index` failed to connect or (`lost`) lost its connection: schedules its
    /// next try when reconnect is on, says so, and returns true.
    pub(super) async fn schedule_reconnect(
        &mut self,
        index: usize,
        lost: bool,
    ) -> Result<bool, Gone> {
        let Some(source) = self.sources.get_mut(index).filter(|s| !s.retired) else {
            return Ok(false);
        };
        let Control::Client {
            retry,
            attempt,
            label,
            peer,
            ..
        } = &mut source.control
        else {
            return Ok(false);
        };
        let Some(retry) = retry.take() else {
            return Ok(false);
        };
        let after = if lost { FIRST_WAIT } else { retry.wait };
        let (attempt, peer) = (*attempt, *peer);
        self.pending_reconnect = Some(Pending {
            at: Instant::now() + after,
            attempt,
            label: label.clone(),
            retry: Box::new(Retry {
                config: retry.config,
                wait: (after * 2).min(MAX_WAIT),
            }),
        });
        self.notice(peer, Notice::Reconnecting { after });
        self.emit(SessionEvent::Reconnecting { attempt, after })
            .await?;
        Ok(true)
    }

    /// The waiting try's time has come.
    pub(super) fn reconnect_now(&mut self) {
        if let Some(pending) = self.pending_reconnect.take() {
            let config = pending.retry.config.clone();
            self.start_client(config, pending.label, pending.attempt, Some(pending.retry));
        }
    }
}

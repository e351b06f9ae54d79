//! Automatic reconnect for a client (off unless asked for): after a failed connect or a lost
//! connection the same attempt is tried again, 1 s later, then 2, 4 … up to 30 s between
//! tries, until it connects or the user stops it. A connection that stayed up for
//! [`STEADY`] starts again at 1 s; one that a server closes at once keeps backing off.

use std::time::{Duration, Instant};

use tcptalk_net::{ClientConfig, ClientTransport, Transport, event_channel, spawn_client};

use super::{Control, ENGINE_EVENTS, Gone, Source, Task};
use crate::{Attempt, Notice, SessionEvent};

/// The wait before the first try again.
pub const FIRST_WAIT: Duration = Duration::from_secs(1);
/// The longest wait between tries.
pub const MAX_WAIT: Duration = Duration::from_secs(30);
/// A connection up this long was a real one: the next wait after losing it is 1 s again.
pub const STEADY: Duration = Duration::from_secs(5);

/// What a client needs to be tried again, and how long the next wait is.
#[derive(Debug)]
pub(crate) struct Retry {
    config: ClientConfig,
    wait: Duration,
    /// When this try's connection came up, if it did.
    connected_at: Option<Instant>,
}

impl Retry {
    pub(crate) fn first(config: ClientConfig) -> Self {
        Retry {
            config,
            wait: FIRST_WAIT,
            connected_at: None,
        }
    }

    pub(crate) fn connected(&mut self) {
        self.connected_at = Some(Instant::now());
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

    /// After source `index` failed to connect or lost its connection: schedules its next try
    /// when reconnect is on, says so (after the failure or the end was said), and returns true.
    pub(super) async fn schedule_reconnect(&mut self, index: usize) -> Result<bool, Gone> {
        if self.closing {
            return Ok(false);
        }
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
        let steady = retry.connected_at.is_some_and(|at| at.elapsed() >= STEADY);
        let after = if steady { FIRST_WAIT } else { retry.wait };
        let (attempt, peer) = (*attempt, *peer);
        // One pending try per attempt: a session may have several clients reconnecting.
        self.pending_reconnects.retain(|p| p.attempt != attempt);
        self.pending_reconnects.push(Pending {
            at: Instant::now() + after,
            attempt,
            label: label.clone(),
            retry: Box::new(Retry {
                config: retry.config,
                wait: (after * 2).min(MAX_WAIT),
                connected_at: None,
            }),
        });
        self.notice(peer, Notice::Reconnecting { after });
        self.emit(SessionEvent::Reconnecting { attempt, after })
            .await?;
        Ok(true)
    }

    /// When the next waiting try is due.
    pub(super) fn next_reconnect(&self) -> Option<Instant> {
        self.pending_reconnects.iter().map(|p| p.at).min()
    }

    /// Starts the tries whose time has come.
    pub(super) fn reconnect_due(&mut self) {
        if self.closing {
            self.pending_reconnects.clear();
            return;
        }
        let now = Instant::now();
        let (due, waiting): (Vec<Pending>, Vec<Pending>) =
            std::mem::take(&mut self.pending_reconnects)
                .into_iter()
                .partition(|p| p.at <= now);
        self.pending_reconnects = waiting;
        for pending in due {
            let config = pending.retry.config.clone();
            self.start_client(config, pending.label, pending.attempt, Some(pending.retry));
        }
    }
}

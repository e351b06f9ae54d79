//! The periodic send's task: a fixed grid of deadlines, a pause for a peer that does not read.

use std::time::Duration;

use tcptalk_core::Schedule;
use tcptalk_net::SendError;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{JobId, JobStatus};
use crate::send::Outgoing;
use crate::{Command, Notice, PeerId, SessionEvent, SessionHandle, Target};

/// How often a paused timer tries the full peer again.
const PAUSE_RETRY: Duration = Duration::from_millis(20);
/// How far behind its grid the timer may fall (a busy machine) and still catch up by sending
/// at once; further behind, it starts a new grid from now rather than send a burst.
const CATCH_UP_LIMIT: Duration = Duration::from_millis(100);

/// Why a periodic send ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodicEnd {
    /// It sent as many times as asked.
    Done,
    /// The user stopped it.
    Stopped,
    /// There is no one to send to any more (the connection or the chosen client is gone, or
    /// the server stopped).
    NoPeer,
}

pub(crate) async fn run(
    session: SessionHandle,
    job: JobId,
    to: Target,
    out: Outgoing,
    schedule: Schedule,
    cancel: CancellationToken,
) {
    let mut sent = 0u64;
    let mut next = Instant::now();
    let end = loop {
        tokio::select! {
            biased;
            () = cancel.cancelled() => break PeriodicEnd::Stopped,
            () = tokio::time::sleep_until(next) => {}
        }
        let delivery = session.deliver(to, &out);
        let full: Vec<(PeerId, String)> = delivery
            .failed
            .iter()
            .filter(|(_, _, error)| matches!(error, SendError::Full { .. }))
            .map(|(id, label, _)| (*id, label.clone()))
            .collect();
        let mut reached = delivery.sent > 0;
        if !reached && full.is_empty() && !waits_for_clients(&session, to) {
            break PeriodicEnd::NoPeer;
        }
        if !full.is_empty() {
            match wait_for_room(&session, job, &out, &full, &cancel).await {
                Some(late) => reached |= late,
                None => break PeriodicEnd::Stopped,
            }
            next = Instant::now();
        }
        if reached {
            sent += 1;
            session.update_job(job, |status| {
                if let JobStatus::Periodic(status) = status {
                    status.sent = sent;
                }
            });
        }
        if schedule.count.is_some_and(|count| sent >= count) {
            break PeriodicEnd::Done;
        }
        next += schedule.every;
        let now = Instant::now();
        if next + CATCH_UP_LIMIT < now {
            next = now;
        }
    };
    session.note(Notice::PeriodicEnded { sent, end });
    session.command(Command::JobEnded {
        job,
        event: SessionEvent::PeriodicEnded { job, sent, end },
    });
}

/// With nobody connected, a server's timer to all clients waits for one; anything else ends.
fn waits_for_clients(session: &SessionHandle, to: Target) -> bool {
    to == Target::All && session.shared.lock().listening
}

/// Tries the message again for each peer that was full until it takes it or leaves. `None`
/// when stopped meanwhile; otherwise whether any of them got it.
async fn wait_for_room(
    session: &SessionHandle,
    job: JobId,
    out: &Outgoing,
    full: &[(PeerId, String)],
    cancel: &CancellationToken,
) -> Option<bool> {
    let label = full
        .first()
        .map(|(_, label)| label.clone())
        .unwrap_or_default();
    session.note(Notice::PeriodicPaused {
        peer: label.clone(),
    });
    session.update_job(job, |status| {
        if let JobStatus::Periodic(status) = status {
            status.paused_on = Some(label.clone());
        }
    });
    session.command(Command::JobEvent(SessionEvent::PeriodicPaused {
        job,
        peer: label,
    }));
    let mut waiting: Vec<PeerId> = full.iter().map(|(id, _)| *id).collect();
    let mut reached = false;
    while !waiting.is_empty() {
        tokio::select! {
            biased;
            () = cancel.cancelled() => return None,
            () = tokio::time::sleep(PAUSE_RETRY) => {}
        }
        let mut still = Vec::new();
        for id in waiting {
            let delivery = session.deliver(Target::One(id), out);
            reached |= delivery.sent > 0;
            let is_full = delivery
                .failed
                .iter()
                .any(|(_, _, error)| matches!(error, SendError::Full { .. }));
            if is_full {
                still.push(id);
            }
        }
        waiting = still;
    }
    session.note(Notice::PeriodicResumed);
    session.update_job(job, |status| {
        if let JobStatus::Periodic(status) = status {
            status.paused_on = None;
        }
    });
    session.command(Command::JobEvent(SessionEvent::PeriodicResumed { job }));
    Some(reached)
}

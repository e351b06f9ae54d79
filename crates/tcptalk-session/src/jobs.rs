//! Sending that goes on by itself: a periodic send (定时发送) or a file (发送文件), each a task
//! of its own on the engine's runtime, started and stopped through the session.
//!
//! A job reaches the session through the session's internal channel, never through the front
//! end's: a job still running never keeps a session alive whose front end has gone (the session
//! cancels its jobs when it closes). How far a job has come is in [`crate::Shared::job`], for a
//! window to read in its frame, so a timer at 1 ms costs the front end no events.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tcptalk_core::{ComposeError, Message, Schedule, TransferProgress};

use crate::{Command, SessionHandle, Target};

mod file;
mod periodic;

pub use file::FileError;
pub(crate) use file::run as run_file;
pub use periodic::PeriodicEnd;
pub(crate) use periodic::run as run_periodic;

/// One periodic send or file transfer; the events and the status about it carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(u64);

impl JobId {
    fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        JobId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// How far a job has come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobStatus {
    Periodic(PeriodicStatus),
    File(FileStatus),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodicStatus {
    pub every: Duration,
    pub count: Option<u64>,
    /// Times the message went out.
    pub sent: u64,
    /// The peer that stopped reading, while the timer waits for it.
    pub paused_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStatus {
    /// The file's name (without its folder).
    pub name: String,
    pub size: u64,
    /// Bytes handed to the connection(s) so far.
    pub sent: u64,
    pub started: Instant,
}

impl FileStatus {
    pub fn progress(&self) -> TransferProgress {
        TransferProgress {
            done: self.sent,
            total: Some(self.size),
            elapsed: self.started.elapsed(),
        }
    }
}

impl SessionHandle {
    /// Sends `message` to `to` every `schedule.every`, `schedule.count` times or until
    /// [`SessionHandle::stop_job`]. The message is composed once, now: a mistake in it is
    /// returned and nothing starts. The first send is at once; later ones keep to a fixed grid
    /// from the start, so lateness does not add up. A peer that stops reading pauses the timer
    /// (a notice says so) until it reads again: nothing piles up in memory. A client session's
    /// timer ends when its connection does, a server's when the chosen client leaves or (sending
    /// to all) the server stops. [`crate::SessionEvent::PeriodicEnded`] follows.
    pub fn start_periodic(
        &self,
        to: Target,
        message: &Message,
        schedule: Schedule,
    ) -> Result<JobId, ComposeError> {
        let out = self.compose(message)?;
        let job = JobId::next();
        self.shared.lock().jobs.insert(
            job,
            JobStatus::Periodic(PeriodicStatus {
                every: schedule.every,
                count: schedule.count,
                sent: 0,
                paused_on: None,
            }),
        );
        self.command(Command::StartPeriodic {
            job,
            to,
            out,
            schedule,
        });
        Ok(job)
    }

    /// Sends the file at `path` to `to`, in chunks as the peer reads (any size, in bounded
    /// memory), with its SHA-256 computed on the way. The history gets one entry with the
    /// file's name, size and SHA-256; [`crate::SessionEvent::FileSent`] or `FileFailed`
    /// follows (a missing or unreadable file fails at once, saying so).
    pub fn send_file(&self, to: Target, path: PathBuf) -> JobId {
        let job = JobId::next();
        self.command(Command::SendFile { job, to, path });
        job
    }

    /// Stops a periodic send or cancels a file transfer (what was already handed to the
    /// connection still goes out).
    pub fn stop_job(&self, job: JobId) {
        self.command(Command::StopJob(job));
    }

    /// Updates a job's status (from the job's own task).
    pub(crate) fn update_job(&self, job: JobId, update: impl FnOnce(&mut JobStatus)) {
        if let Some(status) = self.shared.lock().jobs.get_mut(&job) {
            update(status);
        }
    }
}

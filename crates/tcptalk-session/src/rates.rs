//! Bytes per second, received and sent, for the last hour: what a live rate graph draws.
//!
//! The session adds each read and each write (as the engine reports it written) to the bucket
//! of its second; nothing runs on a timer, so an idle session costs nothing, and a window that
//! does not show the graph never reads it.

use std::collections::VecDeque;
use std::time::{SystemTime, UNIX_EPOCH};

/// How many seconds a session keeps: an hour.
pub const SESSION_SECONDS: usize = 3600;
/// How many seconds each connection keeps: ten minutes.
pub const PEER_SECONDS: usize = 600;

/// One second's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Second {
    /// Seconds since the Unix epoch.
    pub at: u64,
    pub received: u64,
    pub sent: u64,
}

/// Per-second byte counts, oldest first, bounded.
#[derive(Debug, Clone, Default)]
pub struct Rates {
    seconds: VecDeque<Second>,
    keep: usize,
}

impl Rates {
    pub fn new(keep: usize) -> Self {
        Rates {
            seconds: VecDeque::new(),
            keep: keep.max(1),
        }
    }

    fn bucket(&mut self, now: SystemTime) -> &mut Second {
        let at = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if self.seconds.back().is_none_or(|last| last.at < at) {
            self.seconds.push_back(Second {
                at,
                ..Second::default()
            });
            while self.seconds.len() > self.keep {
                self.seconds.pop_front();
            }
        }
        // A clock stepped back lands in the newest second rather than going back in time.
        self.seconds
            .back_mut()
            .unwrap_or_else(|| unreachable!("a second was just pushed"))
    }

    pub(crate) fn add_received(&mut self, now: SystemTime, bytes: usize) {
        self.bucket(now).received += bytes as u64;
    }

    pub(crate) fn add_sent(&mut self, now: SystemTime, bytes: usize) {
        self.bucket(now).sent += bytes as u64;
    }

    /// The seconds with traffic, oldest first (quiet seconds in between are not stored: they
    /// are zero).
    pub fn seconds(&self) -> impl Iterator<Item = &Second> {
        self.seconds.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bytes_land_in_their_second_and_old_seconds_go() {
        let t0 = UNIX_EPOCH + Duration::from_secs(1000);
        let mut rates = Rates::new(3);
        rates.add_received(t0, 10);
        rates.add_received(t0 + Duration::from_millis(900), 5);
        rates.add_sent(t0 + Duration::from_secs(1), 7);
        let got: Vec<Second> = rates.seconds().copied().collect();
        assert_eq!(
            got,
            [
                Second {
                    at: 1000,
                    received: 15,
                    sent: 0
                },
                Second {
                    at: 1001,
                    received: 0,
                    sent: 7
                }
            ]
        );
        for s in 2..10 {
            rates.add_sent(t0 + Duration::from_secs(s), 1);
        }
        assert_eq!(rates.seconds().count(), 3);
        assert_eq!(rates.seconds().next().map(|s| s.at), Some(1007));
    }
}

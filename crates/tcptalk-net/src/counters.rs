//! Byte counters, per connection and in total, both directions.
//!
//! Atomics rather than events, so a window can show live figures for 10,000 connections
//! without an event per read.

use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters shared between a connection's task and whoever watches it.
#[derive(Debug, Default)]
pub struct Counters {
    received: AtomicU64,
    sent: AtomicU64,
}

/// A snapshot of [`Counters`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ByteCounts {
    pub received: u64,
    pub sent: u64,
}

impl Counters {
    pub(crate) fn add_received(&self, n: usize) {
        self.received.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub(crate) fn add_sent(&self, n: usize) {
        self.sent.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> ByteCounts {
        ByteCounts {
            received: self.received.load(Ordering::Relaxed),
            sent: self.sent.load(Ordering::Relaxed),
        }
    }
}

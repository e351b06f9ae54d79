//! How far a transfer has come, as both front ends show it: bytes, rate, time left.

use std::time::Duration;

/// A transfer of `total` bytes (if known) that has sent `done` in `elapsed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferProgress {
    pub done: u64,
    pub total: Option<u64>,
    pub elapsed: Duration,
}

impl TransferProgress {
    /// Bytes per second so far (0 before any time has passed).
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs <= 0.0 {
            0.0
        } else {
            self.done as f64 / secs
        }
    }

    /// 0.0 to 1.0, when the size is known.
    pub fn fraction(&self) -> Option<f32> {
        self.total.map(|total| {
            if total == 0 {
                1.0
            } else {
                (self.done as f64 / total as f64).clamp(0.0, 1.0) as f32
            }
        })
    }

    /// Time left at the rate so far, when the size is known and something has been sent.
    pub fn remaining(&self) -> Option<Duration> {
        let total = self.total?;
        let rate = self.rate();
        if rate <= 0.0 {
            return None;
        }
        let left = total.saturating_sub(self.done) as f64 / rate;
        Duration::try_from_secs_f64(left).ok()
    }
}

impl TransferProgress {
    /// `12.0 MB of 1.07 GB (1%) · 85.0 MB/s · 0:11 left`, in English (the terminal's, and the
    /// English window's, wording).
    pub fn describe(&self) -> String {
        let done = human_bytes(self.done);
        let rate = human_bytes(self.rate() as u64);
        match (self.total, self.fraction()) {
            (Some(total), Some(fraction)) => {
                let left = self.remaining().map(clock).unwrap_or_else(|| "?".into());
                format!(
                    "{done} of {} ({:.0}%) · {rate}/s · {left} left",
                    human_bytes(total),
                    fraction * 100.0
                )
            }
            _ => format!("{done} · {rate}/s"),
        }
    }
}

/// `12 B`, `3.4 KB`, `56.7 MB`, `1.07 GB`: bytes as file managers show sizes (powers of 1000).
pub fn human_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if bytes < 1000 {
        format!("{bytes} B")
    } else if bytes < 1_000_000 {
        format!("{:.1} KB", b / 1e3)
    } else if bytes < 1_000_000_000 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.2} GB", b / 1e9)
    }
}

/// `0:07`, `1:02:03`: a duration as a clock shows it.
pub fn clock(duration: Duration) -> String {
    let secs = duration.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_fraction_and_time_left() {
        let progress = TransferProgress {
            done: 50 << 20,
            total: Some(200 << 20),
            elapsed: Duration::from_secs(2),
        };
        assert_eq!(progress.rate(), (25 << 20) as f64);
        assert_eq!(progress.fraction(), Some(0.25));
        assert_eq!(progress.remaining(), Some(Duration::from_secs(6)));
        let unknown = TransferProgress {
            total: None,
            ..progress
        };
        assert_eq!(unknown.remaining(), None);
        assert_eq!(
            progress.describe(),
            "52.4 MB of 209.7 MB (25%) · 26.2 MB/s · 0:06 left"
        );
        assert_eq!(human_bytes(812), "812 B");
        assert_eq!(human_bytes(3_400), "3.4 KB");
        assert_eq!(human_bytes(60_000_000), "60.0 MB");
        assert_eq!(human_bytes(1 << 30), "1.07 GB");
        assert_eq!(clock(Duration::from_secs(7)), "0:07");
        assert_eq!(clock(Duration::from_secs(3723)), "1:02:03");
    }
}

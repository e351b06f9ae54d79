//! How often a session may wake the windows while data streams.
//!
//! On a software renderer (a VM, a remote desktop: Mesa's llvmpipe) one frame of a busy window
//! costs tens of milliseconds, and redrawing as fast as reads arrive would keep a core busy
//! drawing instead of taking bytes in. So a wake from arriving data asks for a frame no sooner
//! than 1/30 s (half a 60 Hz display's rate: plenty for a scrolling log, and it halves what
//! the renderer costs while data streams) and no sooner than twice what the last frame took.
//! Measured under Xvfb with 10 MB/s streaming in (BENCHMARKS.md): at 1/60 s the window used
//! 74 % of a core at 46 frames/s. The first event after a quiet spell is shown at most one
//! interval late; what the user does (typing, scrolling) repaints at once, as egui does.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use egui::{Context, ViewportId};

/// The shortest interval between two frames that arriving data asks for: 30 frames/s.
const DATA_INTERVAL: Duration = Duration::from_micros(33_333);
/// However slow frames get, a change shows within this.
const LONGEST_WAIT: Duration = Duration::from_millis(250);

/// The last frame's cost, shared between the UI thread and the sessions' wakers.
#[derive(Debug, Default, Clone)]
pub struct FramePacer {
    last_frame_us: Arc<AtomicU64>,
}

impl FramePacer {
    /// What the last frame cost (eframe's `frame.info().cpu_usage`: building, painting, and
    /// swapping the frame).
    pub fn frame_took(&self, took: Duration) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.last_frame_us.store(micros, Ordering::Relaxed);
    }

    /// How long a wake waits before its frame.
    pub fn delay(&self) -> Duration {
        let last = Duration::from_micros(self.last_frame_us.load(Ordering::Relaxed));
        (last * 2).clamp(DATA_INTERVAL, LONGEST_WAIT)
    }

    /// A waker for a session whose window is drawn in `viewport`.
    pub fn waker(&self, ctx: &Context, viewport: ViewportId) -> impl Fn() + Send + Sync + 'static {
        let pacer = self.clone();
        let ctx = ctx.clone();
        move || {
            let delay = pacer.delay();
            ctx.request_repaint_after_for(delay, viewport);
            // The root viewport draws immediate child viewports.
            if viewport != ViewportId::ROOT {
                ctx.request_repaint_after_for(delay, ViewportId::ROOT);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wakes_wait_at_least_a_thirtieth_and_twice_a_slow_frame() {
        let pacer = FramePacer::default();
        assert_eq!(pacer.delay(), DATA_INTERVAL);
        pacer.frame_took(Duration::from_millis(40));
        assert_eq!(pacer.delay(), Duration::from_millis(80));
        pacer.frame_took(Duration::from_secs(3));
        assert_eq!(pacer.delay(), LONGEST_WAIT);
    }
}

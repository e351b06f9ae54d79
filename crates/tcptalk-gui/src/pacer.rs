//! How often a session may wake the windows while data streams.
//!
//! On a software renderer (a VM, a remote desktop: Mesa's llvmpipe) one frame of a busy window
//! costs tens of milliseconds, and redrawing as fast as reads arrive would keep a core busy
//! drawing instead of taking bytes in. So a wake asks for a frame no sooner than the display's
//! rate allows (1/60 s), and no sooner than the last frame took: frames then use at most about
//! half of one core however fast data comes. The first event after a quiet spell is shown at
//! most one interval late.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use egui::{Context, ViewportId};

/// The display's frame interval at 60 Hz.
const DISPLAY_INTERVAL: Duration = Duration::from_micros(16_667);
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
        last.clamp(DISPLAY_INTERVAL, LONGEST_WAIT)
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
    fn wakes_wait_for_the_display_and_for_slow_frames() {
        let pacer = FramePacer::default();
        assert_eq!(pacer.delay(), DISPLAY_INTERVAL);
        pacer.frame_took(Duration::from_millis(40));
        assert_eq!(pacer.delay(), Duration::from_millis(40));
        pacer.frame_took(Duration::from_secs(3));
        assert_eq!(pacer.delay(), LONGEST_WAIT);
    }
}

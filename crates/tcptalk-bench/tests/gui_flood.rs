//! The "Flood into the GUI" bench at smoke size (20,000 lines, a small history limit so the
//! spool is used too), so it does not rot. Only completion and correctness are asserted, never
//! a figure. Loopback only; bounded by the bench's own timeouts.
#![cfg(feature = "gui")]

use std::time::Duration;

use tcptalk_bench::gui_flood::{self, FloodConfig};

#[test]
fn gui_flood_smoke_takes_in_and_saves_every_line() {
    let config = FloodConfig {
        lines: 20_000,
        history_limit: Some(256 << 10),
        scroll_frames: 20,
        timeout: Duration::from_secs(60),
        ..FloodConfig::default()
    };
    let report = gui_flood::run(&config).expect("the bench runs");
    println!("{}", gui_flood::describe(&report));
    assert!(report.complete(), "{report:?}");
    assert_eq!(report.received, 20_000);
    assert_eq!(report.verified_lines, 20_000);
    assert!(
        report.spooled_rows > 0,
        "the small limit spools: {report:?}"
    );
    assert_eq!(report.scroll.wall.frames, 20);
    assert!(report.peak_rss_kib > 0);
}

#[test]
fn flood_lines_have_the_asked_length() {
    let mut out = Vec::new();
    gui_flood::flood_line(42, 60, &mut out);
    assert_eq!(out.len(), 60);
    assert!(out.starts_with(b"flood 0000042 abc"));
    assert_eq!(out.last(), Some(&b'\n'));
}

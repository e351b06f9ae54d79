//! Pushes 1,000,000 lines of 60 bytes into a [`History`] and prints how long it took and how
//! much memory the history holds: with the default limit (the oldest lines go to the spool),
//! with a small limit (nearly all of them do) and with a limit that keeps everything.
//!
//! ```text
//! cargo run --release -p tcptalk-core --example history_flood
//! ```

use std::time::{Duration, Instant, SystemTime};

use tcptalk_core::{Direction, History, HistoryLimits};

const ROWS: u64 = 1_000_000;

fn main() {
    run("default limit (64 MiB)", HistoryLimits::default());
    run("4 MiB limit", HistoryLimits { max_bytes: 4 << 20 });
    run(
        "no eviction",
        HistoryLimits {
            max_bytes: usize::MAX,
        },
    );
    if let Some(peak) = peak_rss_kib() {
        println!("process peak RSS: {:.1} MiB", peak as f64 / 1024.0);
    }
}

fn run(name: &str, limits: HistoryLimits) {
    let mut history = History::new(limits);
    let peer = history.add_peer("#1 127.0.0.1:50312");
    let start = SystemTime::now();
    // "row 0000042 xxx...": 60 bytes, the row number written in place so that making the
    // lines costs next to nothing next to pushing them.
    let mut line = *b"row 0000000 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    let began = Instant::now();
    for row in 0..ROWS {
        let mut n = row;
        for digit in line[4..11].iter_mut().rev() {
            *digit = b'0' + (n % 10) as u8;
            n /= 10;
        }
        let text = std::str::from_utf8(&line).unwrap_or_default();
        let at = start + Duration::from_millis(row);
        history.push(at, Direction::Received, peer, text);
    }
    let elapsed = began.elapsed();
    let evicted = history.evicted();
    println!(
        "{name}: {ROWS} x 60-byte lines in {:.3} s; in memory: {} rows, {:.1} MiB \
         (memory_bytes); evicted to the spool: {} rows, {} bytes; lost: {}",
        elapsed.as_secs_f64(),
        history.len(),
        history.memory_bytes() as f64 / (1 << 20) as f64,
        evicted.rows,
        evicted.bytes,
        evicted.lost_rows,
    );
}

/// The process's peak resident memory, where the OS tells it (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::spool::LineFormatter;
use super::*;
use crate::log::format_entry;

/// A directory of its own per test, removed afterwards.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "tcptalk-history-test-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create test dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn at(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(1_764_150_062_000 + ms)
}

/// Row `i` of the flood: 60 bytes that say which row they are.
fn row_text(i: u64) -> String {
    let text = format!("row {i:07} {}", "x".repeat(48));
    assert_eq!(text.len(), 60);
    text
}

fn limits(max_bytes: usize) -> HistoryLimits {
    HistoryLimits { max_bytes }
}

/// One expected entry: (time, direction, peer label, text).
type Expected = (SystemTime, Direction, String, String);

fn log_line(entry: &Expected) -> String {
    let mut line = String::new();
    format_entry(&mut line, entry.0, entry.1, &entry.2, &entry.3);
    line
}

/// Checks every row in memory against `expected`, that `save_all` writes exactly `expected`
/// (in the session log format), and that the memory counter matches the capacities.
fn check_all(history: &History, expected: &[Expected], dir: &TempDir) {
    let first = usize::try_from(history.first_row()).expect("first row");
    assert_eq!(history.total_rows(), expected.len() as u64);
    assert_eq!(first + history.len(), expected.len());
    for i in 0..history.len() {
        let got = history.get(i).expect("row in memory");
        let want = &expected[first + i];
        assert_eq!((got.at, got.direction), (want.0, want.1), "row {i}");
        assert_eq!((got.peer_label, got.text), (&*want.2, &*want.3), "row {i}");
    }
    assert!(history.get(history.len()).is_none());
    let path = dir.0.join("saved.log");
    let written = history.save_all(&path).expect("save_all");
    let saved = std::fs::read_to_string(&path).expect("read saved");
    let want: String = expected.iter().map(log_line).collect();
    assert_eq!(written, expected.len() as u64);
    assert_eq!(saved, want);
    // A snapshot saved later (as the windows do, off their thread) writes the same file, and
    // its progress ends at everything done.
    let snapshot = history.snapshot().expect("snapshot");
    let mut last = None;
    let path = dir.0.join("snapshot.log");
    let written = snapshot
        .save(&path, |p| last = Some(p))
        .expect("save snapshot");
    assert_eq!(written, expected.len() as u64);
    assert_eq!(std::fs::read_to_string(&path).expect("read snapshot"), want);
    let last = last.expect("progress reported");
    assert_eq!(
        (last.spool_done, last.rows_done),
        (last.spool_bytes, last.rows)
    );
    assert!((last.fraction() - 1.0).abs() < 1e-6);
    let capacities: usize = history.chunks.iter().map(|chunk| chunk.memory()).sum();
    assert_eq!(history.chunk_memory, capacities);
}

#[test]
fn a_million_lines_under_a_small_limit_are_all_kept_in_order() {
    const ROWS: u64 = 1_000_000;
    const LIMIT: usize = 4 << 20;
    let dir = TempDir::new("million");
    let mut history = History::with_spool_dir(limits(LIMIT), dir.0.clone());
    let peer = history.add_peer("#1 127.0.0.1:50312");
    for i in 0..ROWS {
        history.push(at(i), Direction::Received, peer, &row_text(i));
        if i % 10_000 == 0 {
            assert!(
                history.memory_bytes() <= LIMIT,
                "{}",
                history.memory_bytes()
            );
        }
    }
    let evicted = history.evicted();
    assert_eq!(history.len() as u64 + evicted.rows, ROWS);
    assert_eq!(history.first_row(), evicted.rows);
    assert!(evicted.rows > ROWS * 9 / 10, "{evicted:?}");
    assert_eq!((evicted.lost_rows, history.spool_error()), (0, None));
    assert_eq!(history.total_bytes(), ROWS * 60);
    assert_eq!(evicted.bytes, evicted.rows * 60);
    assert!(history.memory_bytes() <= LIMIT);

    let first = history.first_row();
    let samples = (0..history.len()).step_by(997).chain([history.len() - 1]);
    for i in samples {
        let entry = history.get(i).expect("row in memory");
        assert_eq!(entry.text, row_text(first + i as u64));
        assert_eq!(entry.at, at(first + i as u64));
        assert_eq!(entry.peer_label, "#1 127.0.0.1:50312");
    }

    let path = dir.0.join("all.log");
    assert_eq!(history.save_all(&path).expect("save_all"), ROWS);
    let saved = std::fs::read_to_string(&path).expect("read saved");
    let mut count = 0;
    for (i, line) in saved.lines().enumerate() {
        let i = i as u64;
        let text = row_text(i);
        assert!(
            line.ends_with(&format!(" <- #1 127.0.0.1:50312 {text}")),
            "{i}: {line}"
        );
        if i.is_multiple_of(49_999) {
            let want = (
                at(i),
                Direction::Received,
                "#1 127.0.0.1:50312".into(),
                text,
            );
            assert_eq!(format!("{line}\n"), log_line(&want), "line {i}");
        }
        count += 1;
    }
    assert_eq!(count, ROWS);
}

#[test]
fn rows_are_found_across_chunk_boundaries() {
    let dir = TempDir::new("boundaries");
    // 64 KiB: chunks of 8 KiB of text and 128 records, so both kinds of "full" happen.
    let mut history = History::with_spool_dir(limits(64 << 10), dir.0.clone());
    let peer = history.add_peer("#2 [::1]:4000");
    let mut expected = Vec::new();
    for i in 0..3000u64 {
        // Empty lines, short ones (records fill first), long ones (text fills first), and
        // multi-byte characters.
        let text = match i % 4 {
            0 => String::new(),
            1 => format!("{i}"),
            2 => format!("{i} {}", "数据".repeat((i % 50) as usize)),
            _ => format!("{i} {}", "y".repeat((i % 300) as usize)),
        };
        let direction = [Direction::Received, Direction::Sent, Direction::Info][(i % 3) as usize];
        history.push(at(i), direction, peer, &text);
        expected.push((at(i), direction, "#2 [::1]:4000".to_string(), text));
        if i == 100 {
            check_all(&history, &expected, &dir);
        }
    }
    assert!(history.chunks.len() > 3 && history.first_row() > 0);
    check_all(&history, &expected, &dir);
}

#[test]
fn an_entry_bigger_than_a_chunk_gets_its_own_chunk() {
    let dir = TempDir::new("big");
    let mut history = History::with_spool_dir(limits(64 << 10), dir.0.clone());
    let big = "大".repeat(5000); // 15,000 bytes: about twice a chunk's 8 KiB
    let mut expected = Vec::new();
    for (i, text) in ["a", &big, "b"].into_iter().enumerate() {
        history.push(at(i as u64), Direction::Received, PeerRef::NONE, text);
        expected.push((
            at(i as u64),
            Direction::Received,
            String::new(),
            text.to_string(),
        ));
    }
    assert_eq!(history.len(), 3);
    assert_eq!(history.get(1).map(|e| e.text), Some(big.as_str()));
    assert_eq!(history.chunks.len(), 3);
    assert_eq!(
        history.preview(1, 10),
        Some(("大大大大大大大大大大", 15_000))
    );
    assert_eq!(history.preview(0, 10), Some(("a", 1)));
    check_all(&history, &expected, &dir);

    // Bigger than the whole limit: it stays until the next entry, then goes to the spool.
    let huge = "z".repeat(100 << 10);
    history.push(at(3), Direction::Sent, PeerRef::NONE, &huge);
    expected.push((at(3), Direction::Sent, String::new(), huge.clone()));
    assert_eq!((history.len(), history.first_row()), (1, 3));
    assert_eq!(history.get(0).map(|e| e.text.len()), Some(huge.len()));
    history.push(at(4), Direction::Sent, PeerRef::NONE, "after");
    expected.push((at(4), Direction::Sent, String::new(), "after".to_string()));
    assert_eq!((history.len(), history.first_row()), (1, 4));
    assert!(history.memory_bytes() <= 64 << 10);
    check_all(&history, &expected, &dir);
}

#[test]
fn out_of_range_rows_are_none() {
    let dir = TempDir::new("range");
    let mut history = History::with_spool_dir(limits(64 << 10), dir.0.clone());
    assert!(history.get(0).is_none() && history.preview(0, 5).is_none());
    for i in 0..3 {
        history.push(at(i), Direction::Info, PeerRef::NONE, "x");
    }
    assert!(history.get(2).is_some());
    assert!(history.get(3).is_none());
    assert!(history.get(usize::MAX).is_none());
    history.clear();
    assert!(history.get(0).is_none());
    assert!(history.is_empty());
}

#[test]
fn peers_directions_and_milliseconds_are_kept() {
    let mut history = History::default();
    let one = history.add_peer("#1 127.0.0.1:50312");
    let two = history.add_peer("#2 10.0.0.7:61000");
    let empty = history.add_peer("");
    assert_eq!(history.peer_label(two), "#2 10.0.0.7:61000");
    assert_eq!(history.peer_label(PeerRef::NONE), "");
    let precise = at(123) + Duration::from_micros(456);
    let before_1970 = UNIX_EPOCH - Duration::from_millis(1_500);
    let pushed = [
        (precise, Direction::Received, one, "你好"),
        (at(999), Direction::Sent, two, "收到"),
        (before_1970, Direction::Info, PeerRef::NONE, "listening"),
        (at(1000), Direction::Received, empty, ""),
    ];
    for (time, direction, peer, text) in pushed {
        history.push(time, direction, peer, text);
    }
    let got: Vec<_> = history.iter().collect();
    assert_eq!(got.len(), 4);
    assert_eq!(got[0].at, at(123), "cut to the millisecond");
    assert_eq!(
        (got[0].peer, got[0].peer_label),
        (one, "#1 127.0.0.1:50312")
    );
    assert_eq!(
        (got[1].direction, got[1].peer_label),
        (Direction::Sent, "#2 10.0.0.7:61000")
    );
    assert_eq!(got[1].at, at(999));
    assert_eq!(
        (got[2].at, got[2].direction),
        (before_1970, Direction::Info)
    );
    assert_eq!((got[2].peer, got[2].peer_label), (PeerRef::NONE, ""));
    assert_eq!((got[3].text, got[3].peer_label), ("", ""));
    assert_eq!(history.get(1), Some(got[1]));
}

#[test]
fn cleared_rows_go_to_the_spool_and_are_saved() {
    let dir = TempDir::new("clear");
    let mut history = History::with_spool_dir(limits(1 << 20), dir.0.clone());
    let mut expected = Vec::new();
    for i in 0..12u64 {
        if i == 10 {
            history.clear();
            assert_eq!((history.len(), history.first_row()), (0, 10));
            assert_eq!(history.evicted().rows, 10);
            assert_eq!(history.chunk_memory, 0);
        }
        history.push(
            at(i),
            Direction::Received,
            PeerRef::NONE,
            &format!("line {i}"),
        );
        expected.push((
            at(i),
            Direction::Received,
            String::new(),
            format!("line {i}"),
        ));
    }
    assert_eq!(history.get(0).map(|e| e.text), Some("line 10"));
    check_all(&history, &expected, &dir);
}

#[test]
fn spool_leaves_nothing_on_disk_even_while_in_use() {
    let dir = TempDir::new("drop");
    let mut history = History::with_spool_dir(limits(1 << 20), dir.0.clone());
    assert!(history.spool_path().is_none(), "created only when needed");
    history.push(at(0), Direction::Received, PeerRef::NONE, "secret");
    history.clear();
    let path = history.spool_path().expect("spool").to_path_buf();
    assert!(path.starts_with(&dir.0));
    // Unlinked at once on Unix: a killed process leaves no traffic behind in the temp dir...
    #[cfg(unix)]
    {
        let left: Vec<_> = std::fs::read_dir(&dir.0).expect("dir").collect();
        assert!(left.is_empty(), "{left:?}");
    }
    // ...and the spooled line is still there to save.
    let saved = dir.0.join("saved.log");
    assert_eq!(history.save_all(&saved).expect("save"), 1);
    let text = std::fs::read_to_string(&saved).expect("read");
    assert!(text.ends_with(" <- secret\n"), "{text:?}");
    drop(history);
    assert!(!path.exists());
}

#[test]
fn lost_rows_are_counted_shown_and_marked_in_the_saved_file() {
    let dir = TempDir::new("lost");
    let missing = dir.0.join("not-yet");
    let mut history = History::with_spool_dir(limits(64 << 10), missing.clone());
    let mut i = 0;
    while history.evicted().rows == 0 {
        history.push(at(i), Direction::Received, PeerRef::NONE, &row_text(i));
        i += 1;
    }
    let lost = history.evicted();
    assert_eq!((lost.lost_rows, lost.lost_bytes), (lost.rows, lost.bytes));
    let error = history.spool_error().expect("error is kept");
    assert!(error.contains("creating history spool"), "{error}");

    let path = dir.0.join("saved.log");
    let written = history.save_all(&path).expect("save_all");
    let saved = std::fs::read_to_string(&path).expect("read saved");
    let lines: Vec<&str> = saved.lines().collect();
    assert_eq!(written, history.len() as u64 + 1);
    assert_eq!(lines.len() as u64, written);
    let marker = format!(
        "history: {} lines ({} bytes) are missing",
        lost.rows, lost.bytes
    );
    assert!(lines[0].contains(&marker), "{}", lines[0]);
    assert!(lines[1].ends_with(&row_text(lost.rows)), "{}", lines[1]);

    // Once the spool can be written again, the gap is marked in it and nothing more is lost.
    std::fs::create_dir_all(&missing).expect("create spool dir");
    let evicted_before = lost.rows;
    while history.evicted().rows == evicted_before {
        history.push(at(i), Direction::Received, PeerRef::NONE, &row_text(i));
        i += 1;
    }
    assert_eq!(history.evicted().lost_rows, lost.rows);
    let written = history.save_all(&path).expect("save_all");
    let saved = std::fs::read_to_string(&path).expect("read saved");
    let lines: Vec<&str> = saved.lines().collect();
    assert_eq!(written, i - lost.rows + 1);
    assert_eq!(lines.len() as u64, written);
    assert!(lines[0].contains(&marker), "{}", lines[0]);
    for (k, line) in lines[1..].iter().enumerate() {
        assert!(line.ends_with(&row_text(lost.rows + k as u64)), "{line}");
    }
}

#[test]
fn lowering_the_limit_evicts_at_once() {
    let dir = TempDir::new("lower");
    let mut history = History::with_spool_dir(HistoryLimits::default(), dir.0.clone());
    for i in 0..40_000 {
        history.push(at(i), Direction::Received, PeerRef::NONE, &row_text(i));
    }
    assert_eq!(history.evicted().rows, 0);
    history.set_limits(limits(16 << 10));
    assert_eq!(history.chunks.len(), 1, "only the chunk being filled stays");
    assert!(history.evicted().rows > 30_000);
    let path = dir.0.join("saved.log");
    assert_eq!(history.save_all(&path).expect("save_all"), 40_000);
}

#[test]
fn spooled_lines_are_exactly_session_log_lines() {
    let mut formatter = LineFormatter::default();
    let times = [
        at(0),
        at(7),
        at(999),
        at(1000),
        at(86_400_123),
        UNIX_EPOCH,
        UNIX_EPOCH - Duration::from_millis(1),
        UNIX_EPOCH - Duration::from_millis(1_500),
    ];
    let texts = [
        "plain",
        "",
        "你好 tab\there",
        "two\nlines",
        "esc \u{1b}[2J nul \0 del \u{7f}",
        "c1 \u{9b} and U+06DB \u{6db}",
        "cr\r",
    ];
    for (n, time) in times.into_iter().enumerate() {
        for text in texts {
            for peer in ["", "#3 127.0.0.1:50312", "bad\u{1b}peer"] {
                let direction = [Direction::Received, Direction::Sent, Direction::Info][n % 3];
                let entry = EntryRef {
                    at: time,
                    direction,
                    peer: PeerRef::NONE,
                    peer_label: peer,
                    text,
                };
                let mut got = String::new();
                formatter.format(&mut got, &entry);
                let want = log_line(&(time, direction, peer.to_string(), text.to_string()));
                assert_eq!(got, want);
            }
        }
    }
}

#[test]
fn a_snapshot_of_the_chunk_being_filled_keeps_the_memory_count_right() {
    let mut history = History::new(limits(64 << 20));
    let peer = history.add_peer("127.0.0.1:1");
    for round in 0..3u64 {
        for i in 0..3000 {
            history.push(
                at(i),
                Direction::Received,
                peer,
                &row_text(round * 3000 + i),
            );
            if i % 1000 == 0 {
                let _shared = history.snapshot().expect("snapshot");
            }
        }
        let capacities: usize = history.chunks.iter().map(|chunk| chunk.memory()).sum();
        assert_eq!(history.chunk_memory, capacities, "round {round}");
    }
}

#[test]
fn a_snapshot_saves_the_history_as_it_was_while_it_goes_on() {
    let dir = TempDir::new("snapshot");
    let mut history = History::with_spool_dir(limits(16 << 10), dir.0.clone());
    let peer = history.add_peer("127.0.0.1:1");
    for i in 0..2000 {
        history.push(at(i), Direction::Received, peer, &row_text(i));
    }
    assert!(history.first_row() > 0, "some rows are spooled");
    let snapshot = history.snapshot().expect("snapshot");
    // The history goes on: more rows, evictions, even a clear.
    for i in 2000..4000 {
        history.push(at(i), Direction::Received, peer, &row_text(i));
    }
    // Copying the shared chunk being filled kept the memory count right.
    let capacities: usize = history.chunks.iter().map(|chunk| chunk.memory()).sum();
    assert_eq!(history.chunk_memory, capacities);
    history.clear();
    let path = dir.0.join("then.log");
    assert_eq!(snapshot.save(&path, |_| {}).expect("save"), 2000);
    let saved = std::fs::read_to_string(&path).expect("read");
    let texts: Vec<&str> = saved
        .lines()
        .filter_map(|l| l.split_once(" <- 127.0.0.1:1 ").map(|x| x.1))
        .collect();
    let want: Vec<String> = (0..2000).map(row_text).collect();
    assert_eq!(texts, want);
}

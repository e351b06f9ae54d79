//! The session's history as a view reads it: the core's compact, bounded
//! [`tcptalk_core::History`], plus display rows, the recipients of a message to everyone, and
//! the notices behind event entries.
//!
//! Each entry is stored once, in the core's chunks: time, direction, a 4-byte peer handle and
//! the text (a received line, a sent message, a notice's English text). Whatever a window puts
//! in front of it (`[127.0.0.1:50312] 客户端发送消息为：`) follows from the window, the entry and
//! the language, and is made only for the few rows on screen.
//!
//! A view draws only the rows on screen, which needs every row to be one line high. A
//! multi-line message (only sent messages have line breaks: received lines are split at `\n`)
//! therefore takes several display rows. Those entries are rare, so they alone are indexed
//! ([`Transcript::row`] finds any display row with one binary search over them). A long entry
//! is shown cut to its first [`DISPLAY_CHARS`] characters and its full size.
//!
//! What leaves memory (the oldest chunks, or everything on clear) goes to the core's spool, so
//! a save still writes every line; the indexes here forget what left.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::time::SystemTime;

use tcptalk_core::history::{EntryRef, Evicted, History, HistoryLimits, HistorySnapshot, PeerRef};
use tcptalk_core::log::Direction;

use crate::notice::Notice;

/// How many characters of one entry a view shows.
pub const DISPLAY_CHARS: usize = 2000;

/// A multi-line entry in memory.
#[derive(Debug, Clone, Copy)]
struct MultiLine {
    /// Absolute entry number (counting every entry ever pushed).
    entry: u64,
    /// Extra rows of all multi-line entries pushed before this one.
    extra_before: u64,
    /// Rows this entry takes beyond its first.
    extra: u64,
}

/// One display row, borrowed from the transcript.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    /// The entry the row belongs to.
    pub entry: EntryRef<'a>,
    /// This row's line of the entry's shown text.
    pub line: &'a str,
    /// The entry's first row, which gets the words in front.
    pub first: bool,
    /// Set on the last row of an entry cut for display: the entry's full size in bytes.
    pub cut_total_bytes: Option<usize>,
    /// For an event entry, what happened, so a view can word it in its own language.
    pub notice: Option<&'a Notice>,
    /// For a message sent to several peers at once, how many.
    pub recipients: Option<usize>,
    /// When the entry before this one was recorded (on an entry's first row), for showing
    /// the time since the previous line.
    pub previous_at: Option<std::time::SystemTime>,
}

/// A session's history. See the module docs.
#[derive(Debug)]
pub struct Transcript {
    entries: History,
    /// Peers that stand for "all N peers", by N: one label per count ever used, so a session
    /// with 10,000 clients coming and going holds a few thousand labels at most, not one list of
    /// addresses per message.
    groups: HashMap<usize, PeerRef>,
    group_sizes: HashMap<PeerRef, usize>,
    /// Event entries in memory, by absolute entry number, oldest first.
    notices: VecDeque<(u64, Notice)>,
    multi_lines: VecDeque<MultiLine>,
    /// Extra rows of every multi-line entry ever pushed, and of those no longer in memory.
    extra_total: u64,
    extra_evicted: u64,
}

impl Transcript {
    /// An empty transcript that keeps at most `limits.max_bytes` in memory.
    pub fn new(limits: HistoryLimits) -> Self {
        Transcript {
            entries: History::new(limits),
            groups: HashMap::new(),
            group_sizes: HashMap::new(),
            notices: VecDeque::new(),
            multi_lines: VecDeque::new(),
            extra_total: 0,
            extra_evicted: 0,
        }
    }

    /// How much stays in memory; lowering it evicts at once.
    pub fn set_limits(&mut self, limits: HistoryLimits) {
        self.entries.set_limits(limits);
        self.forget_evicted();
    }

    pub fn limits(&self) -> HistoryLimits {
        self.entries.limits()
    }

    /// Registers a peer (`127.0.0.1:50312`) for entries to name.
    pub fn add_peer(&mut self, label: &str) -> PeerRef {
        self.entries.add_peer(label)
    }

    /// A peer standing for `count` peers at once (a message sent to every client), labelled
    /// `all(N)` in the log.
    pub fn group(&mut self, count: usize) -> PeerRef {
        if let Some(peer) = self.groups.get(&count) {
            return *peer;
        }
        let peer = self.entries.add_peer(&format!("all({count})"));
        self.groups.insert(count, peer);
        self.group_sizes.insert(peer, count);
        peer
    }

    pub fn peer_label(&self, peer: PeerRef) -> &str {
        self.entries.peer_label(peer)
    }

    /// Appends an entry stamped with `at`.
    pub fn push(&mut self, at: SystemTime, direction: Direction, peer: PeerRef, text: &str) {
        let entry = self.entries.total_rows();
        self.entries.push(at, direction, peer, text);
        let shown = cut_at(text, DISPLAY_CHARS);
        let extra = shown.bytes().filter(|&b| b == b'\n').count() as u64;
        if extra > 0 {
            self.multi_lines.push_back(MultiLine {
                entry,
                extra_before: self.extra_total,
                extra,
            });
            self.extra_total += extra;
        }
        self.forget_evicted();
    }

    /// Appends an event entry: its English text, and the notice for views to word.
    pub fn push_notice(&mut self, at: SystemTime, peer: PeerRef, notice: Notice) {
        let entry = self.entries.total_rows();
        self.push(at, Direction::Info, peer, &notice.log_text());
        if self.entries.total_rows() > entry && entry >= self.entries.first_row() {
            self.notices.push_back((entry, notice));
        }
    }

    /// Drops the indexes of entries that left memory.
    fn forget_evicted(&mut self) {
        let first = self.entries.first_row();
        while let Some(front) = self.multi_lines.front() {
            if front.entry >= first {
                break;
            }
            self.extra_evicted = front.extra_before + front.extra;
            self.multi_lines.pop_front();
        }
        while self
            .notices
            .front()
            .is_some_and(|(entry, _)| *entry < first)
        {
            self.notices.pop_front();
        }
    }

    /// Entries in memory.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries ever pushed, in memory or not.
    pub fn total_rows(&self) -> u64 {
        self.entries.total_rows()
    }

    /// Entry `index` of those in memory.
    pub fn get(&self, index: usize) -> Option<EntryRef<'_>> {
        self.entries.get(index)
    }

    /// The notice behind entry `index` (of those in memory), if it is an event.
    pub fn notice(&self, index: usize) -> Option<&Notice> {
        let entry = self.entries.first_row() + index as u64;
        let at = self.notices.partition_point(|(e, _)| *e < entry);
        match self.notices.get(at) {
            Some((e, notice)) if *e == entry => Some(notice),
            _ => None,
        }
    }

    /// How many peers `peer` stands for, if it is a group from [`Transcript::group`].
    pub fn recipients(&self, peer: PeerRef) -> Option<usize> {
        self.group_sizes.get(&peer).copied()
    }

    /// Display rows of the entries in memory.
    pub fn row_count(&self) -> usize {
        self.entries.len() + (self.extra_total - self.extra_evicted) as usize
    }

    /// Display row `index` (of [`Transcript::row_count`]).
    pub fn row(&self, index: usize) -> Option<Row<'_>> {
        let (entry_index, line) = self.locate(index as u64)?;
        let entry = self.entries.get(entry_index)?;
        let shown = cut_at(entry.text, DISPLAY_CHARS);
        let cut = shown.len() < entry.text.len();
        let mut lines = shown.split('\n');
        let text = lines.nth(line)?;
        let last = lines.next().is_none();
        let notice = match entry.direction {
            Direction::Info => self.notice(entry_index),
            _ => None,
        };
        Some(Row {
            entry,
            line: text,
            first: line == 0,
            cut_total_bytes: (cut && last).then_some(entry.text.len()),
            notice,
            recipients: self.recipients(entry.peer),
            previous_at: if line == 0 {
                entry_index
                    .checked_sub(1)
                    .and_then(|previous| self.entries.get(previous))
                    .map(|previous| previous.at)
            } else {
                None
            },
        })
    }

    /// The display row where entry `entry` (an absolute number, as a search gives) begins, if
    /// it is still in memory.
    pub fn row_of_entry(&self, entry: u64) -> Option<usize> {
        let first = self.entries.first_row();
        let index = entry.checked_sub(first)?;
        if index >= self.entries.len() as u64 {
            return None;
        }
        let before = self.multi_lines.partition_point(|m| m.entry < entry);
        let extra = match before.checked_sub(1).and_then(|i| self.multi_lines.get(i)) {
            Some(m) => (m.extra_before + m.extra).saturating_sub(self.extra_evicted),
            None => 0,
        };
        usize::try_from(index + extra).ok()
    }

    /// Entry index (in memory) and line within it of display row `row`.
    fn locate(&self, row: u64) -> Option<(usize, usize)> {
        let first = self.entries.first_row();
        let start = |m: &MultiLine| (m.entry - first) + (m.extra_before - self.extra_evicted);
        let after = self.multi_lines.partition_point(|m| start(m) <= row);
        let (entry, line) = match after.checked_sub(1).and_then(|i| self.multi_lines.get(i)) {
            None => (row, 0),
            Some(m) => {
                let at = start(m);
                if row <= at + m.extra {
                    (m.entry - first, row - at)
                } else {
                    (m.entry - first + (row - at - m.extra), 0)
                }
            }
        };
        Some((usize::try_from(entry).ok()?, usize::try_from(line).ok()?))
    }

    /// The entries in memory, oldest first, each with its notice if it is an event.
    pub fn iter(&self) -> impl Iterator<Item = (EntryRef<'_>, Option<&Notice>)> + '_ {
        (0..self.len()).filter_map(|i| {
            let entry = self.get(i)?;
            let notice = match entry.direction {
                Direction::Info => self.notice(i),
                _ => None,
            };
            Some((entry, notice))
        })
    }

    /// What is no longer in memory.
    pub fn evicted(&self) -> Evicted {
        self.entries.evicted()
    }

    /// Why the spool could not be written, if it could not.
    pub fn spool_error(&self) -> Option<&str> {
        self.entries.spool_error()
    }

    pub fn memory_bytes(&self) -> usize {
        self.entries.memory_bytes()
    }

    /// The whole session (spooled and in memory) as it is now, to save on another thread.
    pub fn snapshot(&self) -> io::Result<HistorySnapshot> {
        self.entries.snapshot()
    }

    /// Empties the view. Nothing is lost: the entries go to the spool and a save still writes
    /// them.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.forget_evicted();
    }
}

/// `text` cut to at most `max_chars` characters.
fn cut_at(text: &str, max_chars: usize) -> &str {
    if text.len() <= max_chars {
        return text;
    }
    let end = text
        .char_indices()
        .nth(max_chars)
        .map_or(text.len(), |(at, _)| at);
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transcript() -> Transcript {
        Transcript::new(HistoryLimits::default())
    }

    fn rows(transcript: &Transcript) -> Vec<(String, bool)> {
        (0..transcript.row_count())
            .map(|i| {
                let row = transcript.row(i).expect("row");
                (row.line.to_string(), row.first)
            })
            .collect()
    }

    #[test]
    fn a_message_to_all_names_a_count_and_counts_share_one_label() {
        let mut t = transcript();
        let three = t.group(3);
        assert_eq!(t.group(3), three);
        assert_ne!(t.group(4), three);
        t.push(SystemTime::now(), Direction::Sent, three, "大家好");
        let row = t.row(0).expect("row");
        assert_eq!(row.recipients, Some(3));
        assert_eq!(row.entry.peer_label, "all(3)");
        // Churn does not grow the labels: 10,000 messages to between 1 and 100 peers.
        let before = t.memory_bytes();
        for i in 0..10_000 {
            let group = t.group(1 + i % 100);
            t.push(SystemTime::now(), Direction::Sent, group, "x");
        }
        assert_eq!(t.groups.len(), 100);
        assert!(t.memory_bytes() - before < 1 << 20);
    }

    #[test]
    fn notices_are_found_by_their_row_and_forgotten_with_it() {
        let mut t = Transcript::new(HistoryLimits { max_bytes: 0 });
        let peer = t.add_peer("127.0.0.1:1");
        let addr = "127.0.0.1:1".parse().expect("addr");
        for i in 0..3000 {
            if i % 10 == 0 {
                t.push_notice(
                    SystemTime::now(),
                    peer,
                    Notice::Connected { addr, tls: None },
                );
            } else {
                t.push(
                    SystemTime::now(),
                    Direction::Received,
                    peer,
                    &"y".repeat(50),
                );
            }
        }
        assert!(t.evicted().rows > 0, "the tiny limit evicts");
        let first = t.evicted().rows;
        for i in 0..t.len() {
            let absolute = first + i as u64;
            let row = t.row(i).expect("row");
            assert_eq!(
                row.notice.is_some(),
                absolute.is_multiple_of(10),
                "row {absolute}"
            );
            if let Some(notice) = row.notice {
                assert_eq!(row.line, notice.log_text());
            }
        }
        assert!(t.notices.len() <= t.len() / 10 + 1);
    }

    #[test]
    fn multi_line_entry_is_one_entry_of_several_rows() {
        let mut t = transcript();
        let peer = t.add_peer("s");
        t.push(SystemTime::now(), Direction::Received, peer, "before");
        t.push(SystemTime::now(), Direction::Sent, peer, "a\n\nb\n");
        t.push(SystemTime::now(), Direction::Sent, peer, "next");
        t.push(SystemTime::now(), Direction::Sent, peer, "x\ny");
        assert_eq!(t.len(), 4);
        assert_eq!(t.row_count(), 8);
        let expected = [
            ("before", true),
            ("a", true),
            ("", false),
            ("b", false),
            ("", false),
            ("next", true),
            ("x", true),
            ("y", false),
        ];
        let got = rows(&t);
        let got: Vec<(&str, bool)> = got.iter().map(|(s, f)| (s.as_str(), *f)).collect();
        assert_eq!(got, expected);
        assert!(t.row(8).is_none());
    }

    #[test]
    fn rows_stay_right_when_old_entries_leave_memory() {
        let mut t = Transcript::new(HistoryLimits { max_bytes: 0 });
        let peer = t.add_peer("s");
        let mut expected = Vec::new();
        for i in 0..5000 {
            let text = if i % 7 == 0 {
                format!("multi {i}\nsecond {i}")
            } else {
                format!("line {i} {}", "x".repeat(40))
            };
            t.push(SystemTime::now(), Direction::Sent, peer, &text);
            expected.push(text);
        }
        let first = t.evicted().rows as usize;
        assert!(first > 0, "the tiny limit evicts");
        let mut want = Vec::new();
        for text in &expected[first..] {
            for (k, line) in text.split('\n').enumerate() {
                want.push((line.to_string(), k == 0));
            }
        }
        assert_eq!(rows(&t), want);
        t.clear();
        assert_eq!(t.row_count(), 0);
        t.push(SystemTime::now(), Direction::Sent, peer, "p\nq");
        assert_eq!(rows(&t), [("p".into(), true), ("q".into(), false)]);
    }

    #[test]
    fn long_entry_is_cut_for_display_but_kept_whole() {
        let mut t = transcript();
        let long = "长".repeat(DISPLAY_CHARS + 500);
        t.push(SystemTime::now(), Direction::Info, PeerRef::NONE, &long);
        let row = t.row(0).expect("a row");
        assert_eq!(row.line.chars().count(), DISPLAY_CHARS);
        assert_eq!(row.cut_total_bytes, Some(long.len()));
        let mut lines = "first\n".to_string();
        lines.push_str(&"x".repeat(DISPLAY_CHARS * 2));
        lines.push_str("\nthird");
        t.push(SystemTime::now(), Direction::Info, PeerRef::NONE, &lines);
        assert_eq!(t.row_count(), 3);
        assert_eq!(t.row(1).map(|r| r.line), Some("first"));
        assert_eq!(t.row(2).and_then(|r| r.cut_total_bytes), Some(lines.len()));
    }
}

//! The history behind 历史信息: the core's compact, bounded [`tcptalk_core::History`], plus
//! what the view needs on top of it (display rows and the words in front of each entry).
//!
//! Each entry is stored once, in the core's chunks: time, direction, a 4-byte peer handle and
//! the text as it arrived (a received line, a sent message, a notice). The words the tutorial
//! puts in front of it (`[127.0.0.1:50312] 客户端发送消息为：`) are not stored: they follow from
//! the window (server or client), the direction, the peer and the language, and are made only
//! for the few rows on screen. So a million lines are a few dozen allocations, and switching
//! the language changes every row at once.
//!
//! The view draws only the rows on screen (`ScrollArea::show_rows`), which needs every row to
//! be one line high. A multi-line message (only messages the user sent have line breaks:
//! received lines are split at `\n`) therefore shows as several display rows, the words in
//! front on the first. Those entries are rare, so they alone are indexed
//! ([`History::row`] finds any display row with one binary search over them). A long entry is
//! shown cut to its first [`DISPLAY_CHARS`] characters and its full size; it is never laid out
//! whole.
//!
//! What leaves memory (the oldest chunks, or everything on 清空) goes to the core's spool, so
//! [`History::save_all`] still writes every line; [`History::evicted`] says how much that is.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use tcptalk_core::history::{EntryRef, Evicted, History as Entries, HistoryLimits, PeerRef};
use tcptalk_core::log::Direction;

use crate::Lang;

/// How many characters of one entry the view shows.
pub const DISPLAY_CHARS: usize = 2000;

/// Whose history it is: the words in front of an entry depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The server window: `[peer] 客户端发送消息为：` / `[peer] 服务器端发送消息为：`.
    Server,
    /// The client window: `服务器端发送消息为：` / `客户端发送消息为：`.
    Client,
}

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

/// One display row, borrowed from the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row<'a> {
    /// The entry the row belongs to.
    pub entry: EntryRef<'a>,
    /// This row's line of the entry's shown text.
    pub line: &'a str,
    /// The entry's first row, which gets the words in front.
    pub first: bool,
    /// Set on the last row of an entry cut for display: the entry's full size in bytes.
    pub cut_total_bytes: Option<usize>,
}

/// The history of one window. See the module docs.
#[derive(Debug)]
pub struct History {
    entries: Entries,
    side: Side,
    /// The language rows are worded in; the window keeps it in step with its own.
    lang: Lang,
    /// Peers that stand for "all N clients": the label lists their addresses (for the log and
    /// the saved file), the view says how many.
    groups: HashMap<PeerRef, usize>,
    /// The last group, reused while the same clients are connected.
    last_group: Option<(String, PeerRef)>,
    multi_lines: VecDeque<MultiLine>,
    /// Extra rows of every multi-line entry ever pushed, and of those no longer in memory.
    extra_total: u64,
    extra_evicted: u64,
    /// The largest step by which one push grew the memory held (a new chunk), for
    /// [`History::make_room`].
    largest_growth: usize,
}

impl History {
    /// An empty history that keeps at most `limits.max_bytes` in memory.
    pub fn new(side: Side, lang: Lang, limits: HistoryLimits) -> Self {
        History {
            entries: Entries::new(limits),
            side,
            lang,
            groups: HashMap::new(),
            last_group: None,
            multi_lines: VecDeque::new(),
            extra_total: 0,
            extra_evicted: 0,
            largest_growth: 0,
        }
    }

    pub(crate) fn set_lang(&mut self, lang: Lang) {
        self.lang = lang;
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

    /// A peer standing for all of `names` at once (a message sent to every client).
    pub fn group(&mut self, names: &[&str]) -> PeerRef {
        let label = names.join(",");
        if let Some((last, peer)) = &self.last_group
            && *last == label
        {
            return *peer;
        }
        let peer = self.entries.add_peer(&label);
        self.groups.insert(peer, names.len());
        self.last_group = Some((label, peer));
        peer
    }

    pub fn peer_label(&self, peer: PeerRef) -> &str {
        self.entries.peer_label(peer)
    }

    /// Appends an entry stamped with `at`.
    pub fn push(&mut self, at: SystemTime, direction: Direction, peer: PeerRef, text: &str) {
        let entry = self.entries.total_rows();
        let before = self.entries.memory_bytes();
        self.entries.push(at, direction, peer, text);
        let growth = self.entries.memory_bytes().saturating_sub(before);
        self.largest_growth = self.largest_growth.max(growth);
        let shown = cut_at(text, DISPLAY_CHARS);
        let extra = memchr_count(b'\n', shown.as_bytes()) as u64;
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

    /// Evicts now what the next new chunk would evict, so that it happens where the caller
    /// chooses (at the start of a frame, inside its time budget) rather than in the middle of a
    /// frame's work. Evicting a full chunk formats and writes thousands of lines to the spool
    /// (about 2 ms for a 1 MiB chunk), as much as a whole frame should cost.
    pub fn make_room(&mut self) {
        let limits = self.entries.limits();
        let room = limits.max_bytes.saturating_sub(self.entries.memory_bytes());
        if self.largest_growth == 0 || room >= self.largest_growth {
            return;
        }
        self.entries.set_limits(HistoryLimits {
            max_bytes: limits.max_bytes.saturating_sub(self.largest_growth),
        });
        self.entries.set_limits(limits);
        self.forget_evicted();
    }

    /// Drops the index of multi-line entries that left memory.
    fn forget_evicted(&mut self) {
        let first = self.entries.first_row();
        while let Some(front) = self.multi_lines.front() {
            if front.entry >= first {
                break;
            }
            self.extra_evicted = front.extra_before + front.extra;
            self.multi_lines.pop_front();
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

    /// Display rows of the entries in memory.
    pub fn row_count(&self) -> usize {
        self.entries.len() + (self.extra_total - self.extra_evicted) as usize
    }

    /// Display row `index` (of [`History::row_count`]).
    pub fn row(&self, index: usize) -> Option<Row<'_>> {
        let (entry_index, line) = self.locate(index as u64)?;
        let entry = self.entries.get(entry_index)?;
        let shown = cut_at(entry.text, DISPLAY_CHARS);
        let cut = shown.len() < entry.text.len();
        let mut lines = shown.split('\n');
        let text = lines.nth(line)?;
        let last = lines.next().is_none();
        Some(Row {
            entry,
            line: text,
            first: line == 0,
            cut_total_bytes: (cut && last).then_some(entry.text.len()),
        })
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

    /// The words in front of `entry` in this window and language.
    pub fn prefix(&self, entry: &EntryRef<'_>, out: &mut String) {
        let texts = self.lang.texts();
        let bracket = |out: &mut String, who: &str| {
            out.push('[');
            out.push_str(who);
            out.push_str("] ");
        };
        match (self.side, entry.direction) {
            (_, Direction::Info) => {}
            (Side::Server, Direction::Received) => {
                bracket(out, entry.peer_label);
                out.push_str(texts.client_says);
            }
            (Side::Server, Direction::Sent) => {
                match self.groups.get(&entry.peer) {
                    Some(&count) => bracket(out, &self.lang.to_all(count)),
                    None => bracket(out, entry.peer_label),
                }
                out.push_str(texts.server_says);
            }
            (Side::Client, Direction::Received) => out.push_str(texts.server_says),
            (Side::Client, Direction::Sent) => out.push_str(texts.client_says),
        }
    }

    /// Entry `index` as the window shows it, in full (words in front, then the text).
    pub fn entry(&self, index: usize) -> Option<String> {
        let entry = self.entries.get(index)?;
        let mut out = String::new();
        self.prefix(&entry, &mut out);
        out.push_str(entry.text);
        Some(out)
    }

    /// Every entry in memory as the window shows it, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = String> + '_ {
        (0..self.len()).filter_map(|i| self.entry(i))
    }

    /// Whether an entry in memory, as shown, contains `needle` (for tests).
    pub fn contains(&self, needle: &str) -> bool {
        let mut shown = String::new();
        self.entries.iter().any(|entry| {
            shown.clear();
            self.prefix(&entry, &mut shown);
            shown.push_str(entry.text);
            shown.contains(needle)
        })
    }

    /// The entries in memory as the window shows them, one per line, for 复制全部.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for entry in self.entries.iter() {
            self.prefix(&entry, &mut out);
            out.push_str(entry.text);
            out.push('\n');
        }
        out
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

    /// Writes the whole session (spooled and in memory) to `path` in the `--log` format;
    /// returns the number of lines.
    pub fn save_all(&self, path: &Path) -> io::Result<u64> {
        self.entries.save_all(path)
    }

    /// Empties the view. Nothing is lost: the entries go to the spool and
    /// [`History::save_all`] still writes them.
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

fn memchr_count(needle: u8, haystack: &[u8]) -> usize {
    haystack.iter().filter(|&&b| b == needle).count()
}

/// A file name for 保存历史 when the user gave none: in the current directory, stamped with
/// the time so an earlier save is never overwritten.
pub fn default_save_path(side: Side, now: SystemTime) -> PathBuf {
    let local: chrono::DateTime<chrono::Local> = now.into();
    let who = match side {
        Side::Server => "server",
        Side::Client => "client",
    };
    let name = format!(
        "tcptalk-{who}-history-{}.log",
        local.format("%Y%m%d-%H%M%S")
    );
    std::env::current_dir().map_or_else(|_| PathBuf::from(&name), |dir| dir.join(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(side: Side) -> History {
        History::new(side, Lang::Zh, HistoryLimits::default())
    }

    fn rows(history: &History) -> Vec<(String, bool)> {
        (0..history.row_count())
            .map(|i| {
                let row = history.row(i).expect("row");
                (row.line.to_string(), row.first)
            })
            .collect()
    }

    #[test]
    fn words_in_front_follow_window_direction_and_language() {
        let mut server = history(Side::Server);
        let peer = server.add_peer("127.0.0.1:50312");
        server.push(SystemTime::now(), Direction::Received, peer, "你好");
        server.push(SystemTime::now(), Direction::Sent, peer, "收到");
        server.push(
            SystemTime::now(),
            Direction::Info,
            PeerRef::NONE,
            "服务器已停止",
        );
        assert_eq!(
            server.entries().collect::<Vec<_>>(),
            [
                "[127.0.0.1:50312] 客户端发送消息为：你好",
                "[127.0.0.1:50312] 服务器端发送消息为：收到",
                "服务器已停止",
            ]
        );
        server.set_lang(Lang::En);
        assert_eq!(
            server.entry(0).as_deref(),
            Some("[127.0.0.1:50312] Client says: 你好")
        );

        let mut client = history(Side::Client);
        let peer = client.add_peer("127.0.0.1:8899");
        client.push(SystemTime::now(), Direction::Received, peer, "hello");
        client.push(SystemTime::now(), Direction::Sent, peer, "hi");
        assert_eq!(
            client.entries().collect::<Vec<_>>(),
            ["服务器端发送消息为：hello", "客户端发送消息为：hi"]
        );
    }

    #[test]
    fn a_message_to_all_clients_counts_them_and_its_label_lists_them() {
        let mut server = history(Side::Server);
        let all = server.group(&["127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"]);
        assert_eq!(
            server.group(&["127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"]),
            all
        );
        server.push(SystemTime::now(), Direction::Sent, all, "大家好");
        assert_eq!(
            server.entry(0).as_deref(),
            Some("[全部 3 个客户端] 服务器端发送消息为：大家好")
        );
        assert_eq!(
            server.peer_label(all),
            "127.0.0.1:1,127.0.0.1:2,127.0.0.1:3"
        );
    }

    #[test]
    fn multi_line_entry_is_one_entry_of_several_rows() {
        let mut client = history(Side::Client);
        let peer = client.add_peer("s");
        client.push(SystemTime::now(), Direction::Received, peer, "before");
        client.push(SystemTime::now(), Direction::Sent, peer, "a\n\nb\n");
        client.push(SystemTime::now(), Direction::Sent, peer, "next");
        client.push(SystemTime::now(), Direction::Sent, peer, "x\ny");
        assert_eq!(client.len(), 4);
        assert_eq!(client.row_count(), 8);
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
        let got = rows(&client);
        let got: Vec<(&str, bool)> = got.iter().map(|(s, f)| (s.as_str(), *f)).collect();
        assert_eq!(got, expected);
        assert!(client.row(8).is_none());
        assert_eq!(
            client.entry(1).as_deref(),
            Some("客户端发送消息为：a\n\nb\n")
        );
    }

    #[test]
    fn rows_stay_right_when_old_entries_leave_memory() {
        let mut client = History::new(Side::Client, Lang::En, HistoryLimits { max_bytes: 0 });
        let peer = client.add_peer("s");
        let mut expected = Vec::new();
        for i in 0..5000 {
            let text = if i % 7 == 0 {
                format!("multi {i}\nsecond {i}")
            } else {
                format!("line {i} {}", "x".repeat(40))
            };
            client.push(SystemTime::now(), Direction::Sent, peer, &text);
            expected.push(text);
        }
        let first = client.evicted().rows as usize;
        assert!(first > 0, "the tiny limit evicts");
        let mut want = Vec::new();
        for text in &expected[first..] {
            for (k, line) in text.split('\n').enumerate() {
                want.push((line.to_string(), k == 0));
            }
        }
        assert_eq!(rows(&client), want);
        client.clear();
        assert_eq!(client.row_count(), 0);
        client.push(SystemTime::now(), Direction::Sent, peer, "p\nq");
        assert_eq!(rows(&client), [("p".into(), true), ("q".into(), false)]);
    }

    #[test]
    fn make_room_evicts_before_the_next_chunk_would() {
        let limit = 256 << 10;
        let mut history = History::new(Side::Server, Lang::En, HistoryLimits { max_bytes: limit });
        let peer = history.add_peer("127.0.0.1:1");
        let line = "x".repeat(59);
        let mut pushed = 0;
        while history.evicted().rows == 0 {
            history.push(SystemTime::now(), Direction::Received, peer, &line);
            pushed += 1;
            assert!(pushed < 100_000, "the limit never evicted");
        }
        history.make_room();
        assert!(history.memory_bytes() + history.largest_growth <= limit);
        // Up to and including the push that starts a new chunk, nothing more is evicted.
        let evicted = history.evicted().rows;
        for _ in 0..100_000 {
            let before = history.memory_bytes();
            history.push(SystemTime::now(), Direction::Received, peer, &line);
            assert_eq!(history.evicted().rows, evicted);
            if history.memory_bytes() > before {
                break;
            }
        }
        assert_eq!(history.row_count() as u64, history.total_rows() - evicted);
    }

    #[test]
    fn long_entry_is_cut_for_display_but_kept_whole() {
        let mut client = history(Side::Client);
        let long = "长".repeat(DISPLAY_CHARS + 500);
        client.push(SystemTime::now(), Direction::Info, PeerRef::NONE, &long);
        let row = client.row(0).expect("a row");
        assert_eq!(row.line.chars().count(), DISPLAY_CHARS);
        assert_eq!(row.cut_total_bytes, Some(long.len()));
        assert_eq!(client.to_text(), format!("{long}\n"));
        // A multi-line entry cut in its second line: only the shown lines are rows.
        let mut lines = "first\n".to_string();
        lines.push_str(&"x".repeat(DISPLAY_CHARS * 2));
        lines.push_str("\nthird");
        client.push(SystemTime::now(), Direction::Info, PeerRef::NONE, &lines);
        assert_eq!(client.row_count(), 3);
        assert_eq!(client.row(1).map(|r| r.line), Some("first"));
        assert_eq!(
            client.row(2).and_then(|r| r.cut_total_bytes),
            Some(lines.len())
        );
    }
}

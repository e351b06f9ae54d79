//! The history model behind 历史信息: entries in arrival order, split into display rows.
//!
//! The view draws only the rows on screen (`ScrollArea::show_rows`), which needs every row to
//! be one line high; so an entry with line breaks (a multi-line message) becomes several rows,
//! and a very long entry is cut for display to its first [`DISPLAY_CHARS`] characters with a
//! note of its full size. The full text stays in the entry for copying and saving.
//!
//! The interface is kept narrow (push, len, row, entries) so a more compact model can replace
//! this one without touching the windows.

/// How many characters of one entry the view shows.
pub const DISPLAY_CHARS: usize = 2000;

/// One history entry: a line the user sees as a unit (a received line, a sent message, a notice).
#[derive(Debug, Clone)]
struct Entry {
    text: String,
    /// Byte length of the shown part of `text` (all of it unless it is longer than
    /// [`DISPLAY_CHARS`] characters).
    shown: usize,
}

/// A display row: one line of one entry.
#[derive(Debug, Clone, Copy)]
struct RowRef {
    entry: u32,
    start: u32,
    end: u32,
    /// The entry's last row, when the entry was cut for display.
    cut: bool,
}

/// One row as the view draws it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row<'a> {
    pub text: &'a str,
    /// Set on the last shown row of an entry cut for display: the entry's full size in bytes.
    pub cut_total_bytes: Option<usize>,
}

/// The history of one window.
#[derive(Debug, Default, Clone)]
pub struct History {
    entries: Vec<Entry>,
    rows: Vec<RowRef>,
}

impl History {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one entry. Line breaks in it start new display rows of the same entry.
    pub fn push(&mut self, text: String) {
        let shown = text
            .char_indices()
            .nth(DISPLAY_CHARS)
            .map_or(text.len(), |(at, _)| at);
        let entry = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        let cut = shown < text.len();
        let mut start = 0;
        for line in text[..shown].split('\n') {
            let end = start + line.len();
            self.rows.push(RowRef {
                entry,
                start: start as u32,
                end: end as u32,
                cut: false,
            });
            start = end + 1;
        }
        if let Some(last) = self.rows.last_mut() {
            last.cut = cut;
        }
        self.entries.push(Entry { text, shown });
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of display rows.
    pub fn row_count(&self) -> usize {
        self.rows.len()
    }

    /// Display row `index`, if there is one.
    pub fn row(&self, index: usize) -> Option<Row<'_>> {
        let row = self.rows.get(index)?;
        let entry = self.entries.get(row.entry as usize)?;
        let text = entry.text[..entry.shown].get(row.start as usize..row.end as usize)?;
        Some(Row {
            text,
            cut_total_bytes: row.cut.then_some(entry.text.len()),
        })
    }

    /// Entry `index` in full.
    pub fn entry(&self, index: usize) -> Option<&str> {
        self.entries.get(index).map(|entry| entry.text.as_str())
    }

    /// Every entry in full, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|entry| entry.text.as_str())
    }

    /// Whether any entry contains `needle` (for tests and find).
    pub fn contains(&self, needle: &str) -> bool {
        self.entries().any(|entry| entry.contains(needle))
    }

    /// The whole history as text, one entry per line, for copying or saving.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for entry in self.entries() {
            out.push_str(entry);
            out.push('\n');
        }
        out
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.rows.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_entry_is_one_row() {
        let mut history = History::new();
        history.push("成功连接到服务器".into());
        assert_eq!(history.len(), 1);
        assert_eq!(history.row_count(), 1);
        assert_eq!(
            history.row(0),
            Some(Row {
                text: "成功连接到服务器",
                cut_total_bytes: None
            })
        );
    }

    #[test]
    fn multi_line_entry_is_one_entry_of_several_rows() {
        let mut history = History::new();
        history.push("客户端发送消息为：line1 多行\nline2 第二行".into());
        history.push("next".into());
        assert_eq!(history.len(), 2);
        assert_eq!(history.row_count(), 3);
        assert_eq!(
            history.row(0).map(|r| r.text),
            Some("客户端发送消息为：line1 多行")
        );
        assert_eq!(history.row(1).map(|r| r.text), Some("line2 第二行"));
        assert_eq!(history.row(2).map(|r| r.text), Some("next"));
        assert_eq!(
            history.entry(0),
            Some("客户端发送消息为：line1 多行\nline2 第二行")
        );
        assert_eq!(history.row(3), None);
    }

    #[test]
    fn empty_lines_keep_their_rows() {
        let mut history = History::new();
        history.push("a\n\nb\n".into());
        let rows: Vec<&str> = (0..history.row_count())
            .filter_map(|i| history.row(i))
            .map(|r| r.text)
            .collect();
        assert_eq!(rows, ["a", "", "b", ""]);
    }

    #[test]
    fn long_entry_is_cut_for_display_but_kept_whole() {
        let mut history = History::new();
        let long = "长".repeat(DISPLAY_CHARS + 500);
        history.push(long.clone());
        let row = history.row(0).expect("a row");
        assert_eq!(row.text.chars().count(), DISPLAY_CHARS);
        assert_eq!(row.cut_total_bytes, Some(long.len()));
        assert_eq!(history.entry(0), Some(long.as_str()));
        assert_eq!(history.to_text(), format!("{long}\n"));
    }
}

//! How a window words its history: the words in front of each entry, and each notice in the
//! window's language.
//!
//! The session stores each entry once, with its English text for the log. What the tutorial
//! puts in front of it (`[127.0.0.1:50312] 客户端发送消息为：`) and how an event reads
//! (`新的客户端已连接：…`) follow from the window (server or client), the entry and the
//! language, so they are made only for the rows on screen, and switching the language changes
//! every row at once.

use std::path::{Path, PathBuf};
use std::sync::MutexGuard;
use std::time::SystemTime;

use tcptalk_core::history::{EntryRef, Evicted, HistoryLimits};
use tcptalk_core::log::Direction;
use tcptalk_net::CloseReason;
use tcptalk_session::{Notice, Row, Shared};

use crate::Lang;

/// How 时间戳 shows when each entry arrived (or was sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum TimeStyle {
    Off,
    /// `[10:21:17.968]`, local time to the millisecond.
    #[default]
    Clock,
    /// `[+0.125]`, seconds since the entry before.
    SincePrevious,
}

/// `[10:21:17.968] 收← ` (or `[+0.125] 发→ `): when, and which way, at a glance.
pub fn stamp(
    style: TimeStyle,
    lang: Lang,
    at: SystemTime,
    previous: Option<SystemTime>,
    direction: Direction,
    out: &mut String,
) {
    use std::fmt::Write as _;
    match style {
        TimeStyle::Off => return,
        TimeStyle::Clock => {
            let local: chrono::DateTime<chrono::Local> = at.into();
            let _ = write!(out, "[{}] ", local.format("%H:%M:%S%.3f"));
        }
        TimeStyle::SincePrevious => {
            let since = previous
                .and_then(|previous| at.duration_since(previous).ok())
                .unwrap_or_default();
            let _ = write!(out, "[+{:.3}] ", since.as_secs_f64());
        }
    }
    let mark = match (lang, direction) {
        (Lang::Zh, Direction::Received) => "收← ",
        (Lang::Zh, Direction::Sent) => "发→ ",
        (Lang::En, Direction::Received) => "RX← ",
        (Lang::En, Direction::Sent) => "TX→ ",
        (_, Direction::Info) => "",
    };
    out.push_str(mark);
}

/// Whose history it is: the words in front of an entry depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The server window: `[peer] 客户端发送消息为：` / `[peer] 服务器端发送消息为：`.
    Server,
    /// The client window: `服务器端发送消息为：` / `客户端发送消息为：`.
    Client,
}

/// The words in front of an entry in this window and language. `recipients` is set for a
/// message sent to several clients at once.
pub fn prefix(
    side: Side,
    lang: Lang,
    entry: &EntryRef<'_>,
    recipients: Option<usize>,
    out: &mut String,
) {
    let texts = lang.texts();
    let bracket = |out: &mut String, who: &str| {
        out.push('[');
        out.push_str(who);
        out.push_str("] ");
    };
    match (side, entry.direction) {
        (_, Direction::Info) => {}
        (Side::Server, Direction::Received) => {
            bracket(out, entry.peer_label);
            out.push_str(texts.client_says);
        }
        (Side::Server, Direction::Sent) => {
            match recipients {
                Some(count) => bracket(out, &lang.to_all(count)),
                None => bracket(out, entry.peer_label),
            }
            out.push_str(texts.server_says);
        }
        (Side::Client, Direction::Received) => out.push_str(texts.server_says),
        (Side::Client, Direction::Sent) => out.push_str(texts.client_says),
    }
}

/// A notice as this window says it.
pub fn notice_text(side: Side, lang: Lang, notice: &Notice) -> String {
    let texts = lang.texts();
    match notice {
        Notice::Listening { local, transport } => {
            lang.listening(*local) + &lang.transport_suffix(*transport)
        }
        Notice::Certificate { certificate } => lang.certificate(certificate),
        Notice::ListenFailed { error } => lang.listen_failed(&lang.net_error(error)),
        Notice::Stopped => texts.server_stopped.to_string(),
        Notice::Connecting { target } => lang.connecting(target),
        Notice::ConnectFailed { error } => lang.connect_failed(&lang.net_error(error)),
        Notice::ConnectCancelled { .. } => texts.connect_cancelled.to_string(),
        Notice::Reconnecting { after } => lang.reconnecting_in(after.as_secs()),
        Notice::Connected { addr, tls } => {
            let joined = match side {
                Side::Server => lang.client_joined(*addr),
                Side::Client => texts.connected_to_server.to_string(),
            };
            match tls {
                Some(tls) => match lang {
                    Lang::Zh => format!("{joined}：{}", lang.tls_info(tls)),
                    Lang::En => format!("{joined}: {}", lang.tls_info(tls)),
                },
                None => joined,
            }
        }
        Notice::Disconnected {
            addr,
            reason,
            counts,
        } => match side {
            Side::Server => lang.client_left(*addr, reason, *counts),
            Side::Client => {
                let mut text = texts.connection_closed.to_string();
                if !matches!(reason, CloseReason::ClosedByPeer | CloseReason::ClosedByUs) {
                    text.push_str(&lang.close_detail(reason));
                }
                text.push_str(match lang {
                    Lang::Zh => "，",
                    Lang::En => ". ",
                });
                text.push_str(&lang.connection_totals(*counts));
                text
            }
        },
        Notice::SlowPeerDropped {
            addr,
            waited,
            queued,
        } => match lang {
            Lang::Zh => format!(
                "客户端 {addr} {} 秒没有读取数据（{queued} 字节等待发送），已断开它",
                waited.as_secs_f32()
            ),
            Lang::En => format!(
                "Client {addr} did not read for {} s ({queued} bytes waiting): disconnected it",
                waited.as_secs_f32()
            ),
        },
        Notice::SendFailed { peer, error } => lang.send_failed(peer, error),
        Notice::Warning { error } => lang.warning(error),
        Notice::Saved { path, lines } => lang.saved(*lines, path),
        Notice::SaveFailed { path, error } => lang.save_failed(path, error),
        Notice::LogFailed { error } => format!("{}{error}", texts.log_failed),
        Notice::PeriodicPaused { peer } => lang.periodic_paused(peer),
        Notice::PeriodicResumed => lang.periodic_resumed().to_string(),
        Notice::PeriodicEnded { sent, end } => lang.periodic_ended(*sent, *end),
        Notice::FileSent {
            name,
            size,
            sha256,
            elapsed,
        } => lang.file_sent(name, *size, sha256, *elapsed),
        Notice::FileFailed { name, error } => lang.file_failed(name, error),
        Notice::Reframed { framing } => lang.reframed(framing),
        Notice::Exported { path, bytes } => lang.exported_traffic(*bytes, path),
        Notice::ExportFailed { path, error } => {
            lang.capture_failed(&format!("{}: {error}", path.display()))
        }
        Notice::Text(text) => text.clone(),
        other => other.log_text(),
    }
}

/// A display row as the window shows it: the words in front on an entry's first row, the
/// notice worded, and the size of an entry cut for display.
pub fn row_text(side: Side, lang: Lang, times: TimeStyle, row: &Row<'_>, out: &mut String) {
    if row.first {
        let entry = &row.entry;
        stamp(times, lang, entry.at, row.previous_at, entry.direction, out);
    }
    if let Some(notice) = row.notice {
        if row.first {
            out.push_str(&notice_text(side, lang, notice));
        }
        return;
    }
    if row.first {
        prefix(side, lang, &row.entry, row.recipients, out);
    }
    out.push_str(row.line);
    if let Some(total) = row.cut_total_bytes {
        out.push_str(&lang.truncated(total));
    }
}

/// A window's history as it shows it, read under the session's lock: for tests, copying and
/// counts. Hold it briefly.
#[derive(Debug)]
pub struct HistoryView<'a> {
    pub(crate) shared: MutexGuard<'a, Shared>,
    pub(crate) side: Side,
    pub(crate) lang: Lang,
    pub(crate) times: TimeStyle,
}

impl HistoryView<'_> {
    /// Entry `index` (of those in memory) in full, as the window shows it.
    pub fn entry(&self, index: usize) -> Option<String> {
        let transcript = self.shared.transcript();
        let entry = transcript.get(index)?;
        if let Some(notice) = transcript.notice(index) {
            return Some(notice_text(self.side, self.lang, notice));
        }
        let mut out = String::new();
        let recipients = transcript.recipients(entry.peer);
        prefix(self.side, self.lang, &entry, recipients, &mut out);
        out.push_str(entry.text);
        Some(out)
    }

    /// Every entry in memory as the window shows it, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = String> + '_ {
        (0..self.len()).filter_map(|i| self.entry(i))
    }

    /// Whether an entry in memory, as shown, contains `needle`.
    pub fn contains(&self, needle: &str) -> bool {
        self.entries().any(|entry| entry.contains(needle))
    }

    /// The entries in memory as the window shows them, one per line, for 复制全部.
    /// Every entry in memory with its time stamp, as 复制全部 copies it.
    pub fn to_text(&self) -> String {
        let transcript = self.shared.transcript();
        let mut out = String::new();
        let mut previous = None;
        for (index, entry) in self.entries().enumerate() {
            if let Some(at) = transcript.get(index) {
                stamp(
                    self.times,
                    self.lang,
                    at.at,
                    previous,
                    at.direction,
                    &mut out,
                );
                previous = Some(at.at);
            }
            out.push_str(&entry);
            out.push('\n');
        }
        out
    }

    pub fn len(&self) -> usize {
        self.shared.transcript().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn total_rows(&self) -> u64 {
        self.shared.transcript().total_rows()
    }

    pub fn row_count(&self) -> usize {
        self.shared.transcript().row_count()
    }

    pub fn limits(&self) -> HistoryLimits {
        self.shared.transcript().limits()
    }

    pub fn evicted(&self) -> Evicted {
        self.shared.transcript().evicted()
    }

    pub fn memory_bytes(&self) -> usize {
        self.shared.transcript().memory_bytes()
    }

    /// Writes the whole session to `path` in the `--log` format, here and now (the window's
    /// 保存历史 does it in the background); returns the number of lines.
    pub fn save_all(&self, path: &Path) -> std::io::Result<u64> {
        self.shared.transcript().snapshot()?.save(path, |_| {})
    }
}

/// A file name for 保存历史 when the user gave none: in the current directory, stamped with
/// the time so an earlier save is never overwritten.
pub fn default_save_path(side: Side, now: SystemTime) -> PathBuf {
    default_path(side, now, "history", "log")
}

/// A new capture file in the current directory, named after the window and the time.
pub fn default_capture_path(side: Side, now: SystemTime) -> PathBuf {
    default_path(side, now, "capture", "pcap")
}

/// `tcptalk-server-WHAT-20261202-031500.EXT` in the current directory.
pub(crate) fn default_path(side: Side, now: SystemTime, what: &str, extension: &str) -> PathBuf {
    let local: chrono::DateTime<chrono::Local> = now.into();
    let who = match side {
        Side::Server => "server",
        Side::Client => "client",
    };
    let name = format!(
        "tcptalk-{who}-{what}-{}.{extension}",
        local.format("%Y%m%d-%H%M%S")
    );
    std::env::current_dir().map_or_else(|_| PathBuf::from(&name), |dir| dir.join(&name))
}

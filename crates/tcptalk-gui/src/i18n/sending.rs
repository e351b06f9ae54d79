//! The words of the sending tools (行尾, 校验, 定时发送, 发送文件, 常用指令), in both languages.

use std::path::Path;
use std::time::Duration;

use tcptalk_core::{Checksum, ComposeError, EscapeError, LineEnd, ScheduleError, clock};
use tcptalk_session::{BookError, FileError, PeriodicEnd};

use super::human_size;
use crate::Lang;

/// Fixed texts of the sending tools in one language.
#[derive(Debug)]
pub struct SendTexts {
    pub line_end: &'static str,
    pub line_end_hint: &'static str,
    pub checksum: &'static str,
    pub checksum_hint: &'static str,
    pub escapes: &'static str,
    pub escapes_hint: &'static str,
    pub periodic: &'static str,
    pub periodic_hint: &'static str,
    pub every_ms: &'static str,
    pub count: &'static str,
    pub count_hint: &'static str,
    pub start_periodic: &'static str,
    pub stop_periodic: &'static str,
    pub file: &'static str,
    pub file_hint: &'static str,
    pub browse: &'static str,
    pub send_file: &'static str,
    pub cancel_file: &'static str,
    pub saved_commands: &'static str,
    pub saved_hint: &'static str,
    pub command_name: &'static str,
    pub add_command: &'static str,
    pub add_command_hint: &'static str,
    pub move_up: &'static str,
    pub move_down: &'static str,
    pub delete: &'static str,
    pub import: &'static str,
    pub export: &'static str,
    pub no_commands: &'static str,
    pub none: &'static str,
}

const ZH: SendTexts = SendTexts {
    line_end: "行尾",
    line_end_hint: "每条消息末尾加上的字节（校验码在它之前）",
    checksum: "校验",
    checksum_hint: "自动加在消息之后、行尾之前；只计算消息本身。CRC-16/MODBUS 低字节在前，其余高字节在前",
    escapes: "转义",
    escapes_hint: "文本中 \\r \\n \\t \\0 \\xNN 表示对应字节，\\\\ 表示反斜杠",
    periodic: "定时发送",
    periodic_hint: "按间隔重复发送当前消息；对方不读取时暂停",
    every_ms: "间隔(毫秒)",
    count: "次数",
    count_hint: "不限",
    start_periodic: "开始",
    stop_periodic: "停止",
    file: "文件：",
    file_hint: "文件路径",
    browse: "浏览…",
    send_file: "发送文件",
    cancel_file: "取消发送",
    saved_commands: "常用指令",
    saved_hint: "保存的消息：点一下发送，Alt+数字键 1-9 也可以",
    command_name: "名称",
    add_command: "添加当前消息",
    add_command_hint: "把发送框里的消息连同行尾、校验、十六进制设置保存为一条指令",
    move_up: "上移",
    move_down: "下移",
    delete: "删除",
    import: "导入…",
    export: "导出…",
    no_commands: "还没有常用指令：在发送框里写好消息，填上名称，点“添加当前消息”。",
    none: "无",
};

const EN: SendTexts = SendTexts {
    line_end: "Line end",
    line_end_hint: "Bytes added at the end of each message (after the checksum)",
    checksum: "Checksum",
    checksum_hint: "Appended after the message and before the line end; covers the message only. CRC-16/MODBUS low byte first, the others high byte first",
    escapes: "Escapes",
    escapes_hint: "In text, \\r \\n \\t \\0 \\xNN stand for those bytes and \\\\ for a backslash",
    periodic: "Repeat",
    periodic_hint: "Send the message again and again; pauses while the peer does not read",
    every_ms: "Every (ms)",
    count: "Times",
    count_hint: "no limit",
    start_periodic: "Start",
    stop_periodic: "Stop",
    file: "File:",
    file_hint: "path of a file",
    browse: "Browse…",
    send_file: "Send file",
    cancel_file: "Cancel sending",
    saved_commands: "Saved commands",
    saved_hint: "Saved messages: click to send, or Alt+1 to Alt+9",
    command_name: "Name",
    add_command: "Add current message",
    add_command_hint: "Save the message in the box, with its line end, checksum and hex setting, as a command",
    move_up: "Up",
    move_down: "Down",
    delete: "Delete",
    import: "Import…",
    export: "Export…",
    no_commands: "No saved commands yet: write a message in the box, give it a name, click Add current message.",
    none: "None",
};

impl Lang {
    pub fn send_texts(self) -> &'static SendTexts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// A line end as a menu shows it.
    pub fn line_end_name(self, line_end: LineEnd) -> &'static str {
        match line_end {
            LineEnd::None => self.send_texts().none,
            LineEnd::Lf => "LF (\\n)",
            LineEnd::Cr => "CR (\\r)",
            LineEnd::CrLf => "CRLF (\\r\\n)",
        }
    }

    /// A checksum as a menu shows it.
    pub fn checksum_name(self, checksum: Checksum) -> &'static str {
        match checksum {
            Checksum::None => self.send_texts().none,
            Checksum::Sum8 => "SUM8",
            Checksum::Xor8 => "XOR8",
            Checksum::Crc8 => "CRC-8",
            Checksum::Crc16Modbus => "CRC-16/MODBUS",
            Checksum::Crc16Ccitt => "CRC-16/CCITT",
            Checksum::Crc32 => "CRC-32",
        }
    }

    /// Why a message cannot be sent; nothing of it was.
    pub fn compose_error(self, error: &ComposeError) -> String {
        match (self, error) {
            (_, ComposeError::Hex(hex)) => self.bad_hex(&self.hex_error(hex)),
            (Lang::En, other) => format!("Nothing was sent: {other}"),
            (Lang::Zh, ComposeError::Empty) => "消息是空的，没有发送".to_string(),
            (Lang::Zh, ComposeError::Escape(escape)) => {
                let why = match escape {
                    EscapeError::Unknown { ch, position } => format!(
                        "第 {position} 个字符处的“\\{ch}”不是转义：可用 \\r \\n \\t \\0 \\xNN，反斜杠写 \\\\"
                    ),
                    EscapeError::ShortHex { position } => {
                        format!("第 {position} 个字符处的“\\x”后面要有两位十六进制数字，如 \\x1B")
                    }
                    EscapeError::Trailing { position } => {
                        format!("第 {position} 个字符是单独的“\\”：反斜杠写 \\\\")
                    }
                    other => other.to_string(),
                };
                format!("转义有误，没有发送：{why}")
            }
            (Lang::Zh, other) => format!("没有发送：{other}"),
        }
    }

    /// A bad interval or count for 定时发送.
    pub fn schedule_error(self, error: &ScheduleError) -> String {
        match (self, error) {
            (Lang::En, other) => format!("Not started: {other}"),
            (Lang::Zh, ScheduleError::Interval { input }) => {
                format!("间隔“{input}”不对，没有开始：请填 1 到 86400000（一天）之间的整数毫秒")
            }
            (Lang::Zh, ScheduleError::Count { input }) => {
                format!("次数“{input}”不对，没有开始：请填 1 或更大的整数，留空表示不限")
            }
            (Lang::Zh, other) => other.to_string(),
        }
    }

    /// 已发送 12 次 / 12 of 50 sent, and why it waits.
    pub fn periodic_status(self, sent: u64, count: Option<u64>, paused_on: Option<&str>) -> String {
        let mut text = match (self, count) {
            (Lang::Zh, Some(count)) => format!("已发送 {sent}/{count} 次"),
            (Lang::Zh, None) => format!("已发送 {sent} 次"),
            (Lang::En, Some(count)) => format!("{sent} of {count} sent"),
            (Lang::En, None) => format!("{sent} sent"),
        };
        if let Some(peer) = paused_on {
            text.push_str(&match self {
                Lang::Zh => format!("，暂停：{peer} 没有读取"),
                Lang::En => format!(", paused: {peer} is not reading"),
            });
        }
        text
    }

    pub fn periodic_paused(self, peer: &str) -> String {
        match self {
            Lang::Zh => format!("定时发送暂停：{peer} 没有读取数据（它读取后继续）"),
            Lang::En => format!("Repeat paused: {peer} is not reading (resumes when it reads)"),
        }
    }

    pub fn periodic_resumed(self) -> &'static str {
        match self {
            Lang::Zh => "定时发送继续",
            Lang::En => "Repeat resumed",
        }
    }

    pub fn periodic_ended(self, sent: u64, end: PeriodicEnd) -> String {
        match self {
            Lang::Zh => {
                let why = match end {
                    PeriodicEnd::Done => "已完成",
                    PeriodicEnd::Stopped => "已停止",
                    PeriodicEnd::NoPeer => "没有可发送的对象",
                };
                format!("定时发送结束（{why}），共发送 {sent} 次")
            }
            Lang::En => {
                let why = match end {
                    PeriodicEnd::Done => "done",
                    PeriodicEnd::Stopped => "stopped",
                    PeriodicEnd::NoPeer => "nobody to send to",
                };
                format!("Repeat ended ({why}) after {sent} sends")
            }
        }
    }

    /// 12.0 MB / 1.07 GB · 85.0 MB/s · 剩余 0:11
    pub fn file_progress(self, progress: &tcptalk_core::TransferProgress) -> String {
        let done = human_size(progress.done);
        let total = progress.total.map(human_size).unwrap_or_default();
        let rate = human_size(progress.rate() as u64);
        let left = progress
            .remaining()
            .map(clock)
            .unwrap_or_else(|| "?".into());
        match self {
            Lang::Zh => format!("{done} / {total} · {rate}/s · 剩余 {left}"),
            Lang::En => progress.describe(),
        }
    }

    pub fn file_sent(self, name: &str, size: u64, sha256: &str, elapsed: Duration) -> String {
        let secs = elapsed.as_secs_f64();
        match self {
            Lang::Zh => format!(
                "已发送文件 {name}：{size} 字节（{}），用时 {secs:.1} 秒，SHA-256 {sha256}",
                human_size(size)
            ),
            Lang::En => format!(
                "Sent file {name}: {size} bytes ({}) in {secs:.1} s, SHA-256 {sha256}",
                human_size(size)
            ),
        }
    }

    pub fn file_error(self, error: &FileError) -> String {
        match (self, error) {
            (Lang::En, other) => other.to_string(),
            (Lang::Zh, FileError::Open { path, why }) => {
                format!("打不开 {}：{why}", path.display())
            }
            (Lang::Zh, FileError::Folder { path }) => {
                format!("{} 是文件夹，不是文件", path.display())
            }
            (Lang::Zh, FileError::Read { path, sent, why }) => {
                format!(
                    "读取 {} 时出错（已发送 {sent} 字节）：{why}",
                    path.display()
                )
            }
            (Lang::Zh, FileError::NoPeer) => "没有连接，无处发送".to_string(),
            (Lang::Zh, FileError::PeerLeft { sent }) => {
                format!("发送了 {sent} 字节后连接断开")
            }
            (Lang::Zh, FileError::Cancelled { sent }) => format!("已取消，已发送 {sent} 字节"),
            (Lang::Zh, other) => other.to_string(),
        }
    }

    pub fn file_failed(self, name: &str, error: &FileError) -> String {
        let why = self.file_error(error);
        match self {
            Lang::Zh => format!("文件 {name} 没有完整发送：{why}"),
            Lang::En => format!("File {name} was not sent whole: {why}"),
        }
    }

    pub fn no_file_chosen(self) -> &'static str {
        match self {
            Lang::Zh => "请先填写或浏览选择要发送的文件",
            Lang::En => "Type or browse for the file to send first",
        }
    }

    pub fn command_needs_name(self) -> &'static str {
        match self {
            Lang::Zh => "请先给指令起个名称",
            Lang::En => "Give the command a name first",
        }
    }

    pub fn book_error(self, error: &BookError) -> String {
        match self {
            Lang::Zh => format!("常用指令文件有误：{error}"),
            Lang::En => format!("Saved commands: {error}"),
        }
    }

    pub fn book_error_text(self, why: &str) -> String {
        match self {
            Lang::Zh => format!("常用指令没有保存：{why}"),
            Lang::En => format!("Saved commands not written: {why}"),
        }
    }

    pub fn imported(self, count: usize, path: &Path) -> String {
        match self {
            Lang::Zh => format!("已从 {} 导入 {count} 条指令", path.display()),
            Lang::En => format!("Imported {count} commands from {}", path.display()),
        }
    }

    pub fn exported(self, count: usize, path: &Path) -> String {
        match self {
            Lang::Zh => format!("已导出 {count} 条指令到 {}", path.display()),
            Lang::En => format!("Exported {count} commands to {}", path.display()),
        }
    }
}

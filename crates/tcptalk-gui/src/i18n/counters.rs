//! The words of the counters: RX / TX in the status bar, and the client list's times.

use std::time::{Duration, SystemTime};

use tcptalk_session::Totals;

use super::human_size;
use crate::Lang;

#[derive(Debug)]
pub struct CaptureTexts {
    pub menu: &'static str,
    pub menu_capturing: &'static str,
    pub export_pcap: &'static str,
    pub export_pcap_hint: &'static str,
    pub start: &'static str,
    pub start_hint: &'static str,
    pub stop: &'static str,
    pub stop_hint: &'static str,
}

const CAPTURE_ZH: CaptureTexts = CaptureTexts {
    menu: "导出",
    menu_capturing: "导出（抓包中）",
    export_pcap: "导出 pcap（到现在为止）",
    export_pcap_hint: "把本次收发的每次读写存成 .pcap，Wireshark 和 tshark 可打开；保存到：填 .pcap 路径则写到那里",
    start: "抓包（从现在起）",
    start_hint: "从现在起把收发的每次读写存成 .pcap（Wireshark 可打开）；保存到：填 .pcap 路径则写到那里",
    stop: "停止抓包",
    stop_hint: "停止并保存 .pcap 文件",
};

const CAPTURE_EN: CaptureTexts = CaptureTexts {
    menu: "Export",
    menu_capturing: "Export (capturing)",
    export_pcap: "Export pcap (so far)",
    export_pcap_hint: "Every read and send of this session so far as a .pcap Wireshark and tshark open (to the Save to: path if it ends in .pcap)",
    start: "Capture (from now on)",
    start_hint: "From now on, write every read and send to a .pcap Wireshark opens (to the Save to: path if it ends in .pcap)",
    stop: "Stop capture",
    stop_hint: "Stop, and keep the .pcap file",
};

impl Lang {
    pub fn capture_texts(self) -> &'static CaptureTexts {
        match self {
            Lang::Zh => &CAPTURE_ZH,
            Lang::En => &CAPTURE_EN,
        }
    }

    /// 原始数据：127.0.0.1:50312 — the raw bytes a connection received.
    pub fn raw_of(self, peer: &str) -> String {
        match self {
            Lang::Zh => format!("收到的原始数据：{peer}"),
            Lang::En => format!("Raw bytes received: {peer}"),
        }
    }

    pub fn exported_traffic(self, bytes: u64, path: &std::path::Path) -> String {
        match self {
            Lang::Zh => format!("已导出 {bytes} 字节的收发数据到 {}", path.display()),
            Lang::En => format!("Exported {bytes} bytes of traffic to {}", path.display()),
        }
    }

    pub fn capture_started(self, path: &std::path::Path) -> String {
        match self {
            Lang::Zh => format!("开始抓包，写入 {}", path.display()),
            Lang::En => format!("Capturing to {}", path.display()),
        }
    }

    pub fn capture_saved(self, path: &std::path::Path) -> String {
        match self {
            Lang::Zh => format!("抓包已停止，文件在 {}", path.display()),
            Lang::En => format!("Capture stopped, the file is {}", path.display()),
        }
    }

    pub fn capture_failed(self, why: &str) -> String {
        match self {
            Lang::Zh => format!("抓包失败，已停止：{why}"),
            Lang::En => format!("Capture failed and stopped: {why}"),
        }
    }

    /// `收 12.3 KB/5 发 300 B/2` / `RX 12.3 KB/5 TX 300 B/2`: bytes / messages, short enough
    /// for the status bar of the tutorial's 600-pixel window.
    pub fn totals(self, totals: &Totals) -> String {
        let (rx, tx) = (
            human_size(totals.received_bytes),
            human_size(totals.sent_bytes),
        );
        let (received, sent) = (totals.received_messages, totals.sent_messages);
        match self {
            Lang::Zh => format!("收 {rx}/{received} 发 {tx}/{sent}"),
            Lang::En => format!("RX {rx}/{received} TX {tx}/{sent}"),
        }
    }

    /// The hover text of the counters: exact bytes and since when.
    pub fn totals_detail(self, totals: &Totals) -> String {
        let since: chrono::DateTime<chrono::Local> = totals.since.into();
        let since = since.format("%H:%M:%S");
        match self {
            Lang::Zh => format!(
                "自 {since} 起：收到 {} 字节、{} 条，发送 {} 字节、{} 条。点击显示速率曲线",
                totals.received_bytes,
                totals.received_messages,
                totals.sent_bytes,
                totals.sent_messages
            ),
            Lang::En => format!(
                "Since {since}: received {} bytes in {} entries, sent {} bytes in {} messages. Click for the rate graph",
                totals.received_bytes,
                totals.received_messages,
                totals.sent_bytes,
                totals.sent_messages
            ),
        }
    }

    pub fn col_since(self) -> &'static str {
        match self {
            Lang::Zh => "连接时间",
            Lang::En => "Since",
        }
    }

    pub fn col_last_activity(self) -> &'static str {
        match self {
            Lang::Zh => "最后活动",
            Lang::En => "Last active",
        }
    }

    /// `09:41:02`
    pub fn clock_time(self, at: SystemTime) -> String {
        let local: chrono::DateTime<chrono::Local> = at.into();
        local.format("%H:%M:%S").to_string()
    }

    /// `3 秒前` / `3 s ago`, `刚刚` / `now`.
    pub fn ago(self, at: SystemTime, now: SystemTime) -> String {
        let secs = now.duration_since(at).unwrap_or(Duration::ZERO).as_secs();
        match (self, secs) {
            (Lang::Zh, 0) => "刚刚".into(),
            (Lang::En, 0) => "now".into(),
            (Lang::Zh, s) if s < 3600 => format!("{s} 秒前"),
            (Lang::En, s) if s < 3600 => format!("{s} s ago"),
            (Lang::Zh, s) => format!("{} 分钟前", s / 60),
            (Lang::En, s) => format!("{} min ago", s / 60),
        }
    }
}

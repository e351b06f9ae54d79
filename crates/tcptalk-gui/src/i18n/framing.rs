//! The words of 分帧 / Framing, in both languages.

use tcptalk_core::Framing;

use crate::Lang;
use crate::framing::FramingKind;

#[derive(Debug)]
pub struct FramingTexts {
    pub framing: &'static str,
    pub idle_ms: &'static str,
    pub delimiter: &'static str,
    pub length: &'static str,
    pub timestamps: &'static str,
    pub timestamps_hint: &'static str,
    pub relative: &'static str,
    pub relative_hint: &'static str,
}

const ZH: FramingTexts = FramingTexts {
    framing: "分帧",
    idle_ms: "空闲多少毫秒算一帧结束",
    delimiter: "帧结尾的字节（十六进制），如 0D 0A",
    length: "长度头：1、2 或 4 字节，be 高字节在前 / le 低字节在前，加 +header 表示长度包含头本身，如 2be、4le+header",
    timestamps: "时间戳",
    timestamps_hint: "每条前显示时间（精确到毫秒）和方向：收← 收到，发→ 发出",
    relative: "相对",
    relative_hint: "显示距上一条的秒数，而不是时刻",
};

const EN: FramingTexts = FramingTexts {
    framing: "Framing",
    idle_ms: "Milliseconds of quiet that end a frame",
    delimiter: "Bytes that end a frame (hex), such as 0D 0A",
    length: "Length header: 1, 2 or 4 bytes, be (high byte first) or le, +header if the length counts the header, e.g. 2be, 4le+header",
    timestamps: "Timestamps",
    timestamps_hint: "Show each entry's time (to the millisecond) and direction: RX← received, TX→ sent",
    relative: "Relative",
    relative_hint: "Seconds since the entry before instead of the time of day",
};

impl Lang {
    pub fn framing_texts(self) -> &'static FramingTexts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    pub fn framing_name(self, kind: FramingKind) -> &'static str {
        match (self, kind) {
            (Lang::Zh, FramingKind::Auto) => "自动",
            (Lang::Zh, FramingKind::Line) => "按行",
            (Lang::Zh, FramingKind::Chunk) => "按读取",
            (Lang::Zh, FramingKind::IdleGap) => "空闲间隔",
            (Lang::Zh, FramingKind::Delimiter) => "分隔符",
            (Lang::Zh, FramingKind::Length) => "长度前缀",
            (Lang::En, FramingKind::Auto) => "Auto",
            (Lang::En, FramingKind::Line) => "Lines",
            (Lang::En, FramingKind::Chunk) => "Per read",
            (Lang::En, FramingKind::IdleGap) => "Idle gap",
            (Lang::En, FramingKind::Delimiter) => "Delimiter",
            (Lang::En, FramingKind::Length) => "Length prefix",
        }
    }

    pub fn framing_hint(self, kind: FramingKind) -> &'static str {
        match (self, kind) {
            (Lang::Zh, FramingKind::Auto) => "文本按行；十六进制显示时每次读取一条",
            (Lang::Zh, FramingKind::Line) => "遇到 LF、CRLF 或 CR 结束一条",
            (Lang::Zh, FramingKind::Chunk) => "套接字每次读到的数据一条（TCP 不保留“包”的边界）",
            (Lang::Zh, FramingKind::IdleGap) => {
                "字节之间空闲超过设定的毫秒数就结束一帧，时间记在第一个字节"
            }
            (Lang::Zh, FramingKind::Delimiter) => "遇到设定的结尾字节结束一帧",
            (Lang::Zh, FramingKind::Length) => "每帧以长度头开始",
            (Lang::En, FramingKind::Auto) => "Text by lines; with Show hex, one entry per read",
            (Lang::En, FramingKind::Line) => "An entry ends at LF, CRLF or CR",
            (Lang::En, FramingKind::Chunk) => {
                "One entry per read of the socket (TCP keeps no packet boundaries)"
            }
            (Lang::En, FramingKind::IdleGap) => {
                "A frame ends after this many ms with no byte; stamped at its first byte"
            }
            (Lang::En, FramingKind::Delimiter) => "A frame ends with these bytes",
            (Lang::En, FramingKind::Length) => "Each frame starts with a length header",
        }
    }

    /// The menu button: 分帧：自动 / Framing: Auto.
    pub fn framing_menu_title(self, kind: FramingKind) -> String {
        match self {
            Lang::Zh => format!("分帧：{}", self.framing_name(kind)),
            Lang::En => format!("Framing: {}", self.framing_name(kind)),
        }
    }

    /// The label of the value field of a framing that needs one.
    pub fn framing_value_label(self, kind: FramingKind) -> &'static str {
        match (self, kind) {
            (Lang::Zh, FramingKind::IdleGap) => "空闲(毫秒)",
            (Lang::Zh, FramingKind::Delimiter) => "分隔符(十六进制)",
            (Lang::Zh, FramingKind::Length) => "长度头",
            (Lang::En, FramingKind::IdleGap) => "Idle (ms)",
            (Lang::En, FramingKind::Delimiter) => "Delimiter (hex)",
            (Lang::En, FramingKind::Length) => "Length header",
            (_, _) => "",
        }
    }

    /// The history's word when the framing changes.
    pub fn reframed(self, framing: &Framing) -> String {
        let how = match (self, framing) {
            (Lang::Zh, Framing::Chunk) => "按读取".to_string(),
            (Lang::Zh, Framing::Line) => "按行".to_string(),
            (Lang::Zh, Framing::IdleGap(gap)) => format!("空闲间隔 {} 毫秒", gap.as_millis()),
            (Lang::Zh, Framing::Delimiter(_)) => format!("分隔符（{framing}）"),
            (Lang::Zh, Framing::LengthPrefixed(_)) => format!("长度前缀（{framing}）"),
            (Lang::En, _) => framing.to_string(),
        };
        match self {
            Lang::Zh => format!("从现在起，收到的数据{how}分帧"),
            Lang::En => format!("From now on, what arrives is cut into frames by: {how}"),
        }
    }

    pub fn bad_idle_gap(self, typed: &str) -> String {
        match self {
            Lang::Zh => format!(
                "空闲间隔“{}”不对：请填 1 到 3600000 之间的整数毫秒",
                typed.trim()
            ),
            Lang::En => format!(
                "Idle gap '{}' is not used: give whole milliseconds from 1 to 3600000",
                typed.trim()
            ),
        }
    }

    pub fn bad_delimiter(self, why: &str) -> String {
        match self {
            Lang::Zh => format!("分隔符要写成十六进制字节，如 0D 0A {why}"),
            Lang::En => format!("Write the delimiter as hex bytes, such as 0D 0A {why}"),
        }
    }

    pub fn bad_length(self, typed: &str) -> String {
        match self {
            Lang::Zh => format!(
                "长度头“{}”不对：写 1、2be、2le、4be、4le，可加 +header",
                typed.trim()
            ),
            Lang::En => format!(
                "Length header '{}' is not used: write 1, 2be, 2le, 4be or 4le, with +header if it counts itself",
                typed.trim()
            ),
        }
    }
}

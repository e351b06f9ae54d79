//! The words of 速率 / Rates, in both languages.

use crate::Lang;

#[derive(Debug)]
pub struct GraphTexts {
    pub button: &'static str,
    pub button_hint: &'static str,
    pub of: &'static str,
    pub whole_session: &'static str,
    pub span: &'static str,
    pub reset: &'static str,
    pub reset_hint: &'static str,
    pub x_axis: &'static str,
    pub y_axis: &'static str,
    pub received: &'static str,
    pub sent: &'static str,
}

const ZH: GraphTexts = GraphTexts {
    button: "速率",
    button_hint: "显示每秒收发的字节数曲线",
    of: "对象",
    whole_session: "全部",
    span: "时间",
    reset: "计数清零",
    reset_hint: "状态栏的收发计数从零开始",
    x_axis: "秒（0 = 现在）",
    y_axis: "字节/秒",
    received: "收",
    sent: "发",
};

const EN: GraphTexts = GraphTexts {
    button: "Rates",
    button_hint: "Show a graph of bytes per second received and sent",
    of: "Of",
    whole_session: "All",
    span: "Span",
    reset: "Reset counts",
    reset_hint: "Count RX / TX in the status bar from zero",
    x_axis: "seconds (0 = now)",
    y_axis: "bytes/s",
    received: "RX",
    sent: "TX",
};

impl Lang {
    pub fn graph_texts(self) -> &'static GraphTexts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    pub fn graph_span(self, seconds: u64) -> String {
        match (self, seconds) {
            (Lang::Zh, s) if s >= 3600 => format!("{} 小时", s / 3600),
            (Lang::Zh, s) if s >= 60 => format!("{} 分钟", s / 60),
            (Lang::Zh, s) => format!("{s} 秒"),
            (Lang::En, s) if s >= 3600 => format!("{} h", s / 3600),
            (Lang::En, s) if s >= 60 => format!("{} min", s / 60),
            (Lang::En, s) => format!("{s} s"),
        }
    }
}

//! The words of 搜索 / Search, in both languages.

use tcptalk_core::log::Direction;

use crate::Lang;

#[derive(Debug)]
pub struct SearchTexts {
    pub search: &'static str,
    pub hint: &'static str,
    pub hex: &'static str,
    pub case: &'static str,
    pub direction: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub close: &'static str,
    pub close_word: &'static str,
    pub only_matches: &'static str,
    pub peer: &'static str,
    pub only_matches_hint: &'static str,
}

const ZH: SearchTexts = SearchTexts {
    search: "搜索",
    hint: "Ctrl+F",
    hex: "十六进制",
    case: "区分大小写",
    direction: "方向",
    previous: "上一个",
    next: "下一个",
    close: "关闭搜索（Esc）",
    close_word: "关闭",
    only_matches: "只显示匹配",
    peer: "对方",
    only_matches_hint: "历史里只显示找到的条目（其余的只是隐藏，没有删除）",
};

const EN: SearchTexts = SearchTexts {
    search: "Search",
    hint: "Ctrl+F",
    hex: "Hex",
    case: "Match case",
    direction: "Direction",
    previous: "Previous",
    next: "Next",
    close: "Close search (Esc)",
    close_word: "Close",
    only_matches: "Only matches",
    peer: "Peer",
    only_matches_hint: "Show only the entries found (the others are hidden, not dropped)",
};

impl Lang {
    pub fn search_texts(self) -> &'static SearchTexts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    pub fn search_direction(self, direction: Option<Direction>) -> &'static str {
        match (self, direction) {
            (Lang::Zh, None) => "全部",
            (Lang::Zh, Some(Direction::Received)) => "收",
            (Lang::Zh, Some(Direction::Sent)) => "发",
            (Lang::Zh, Some(Direction::Info)) => "事件",
            (Lang::En, None) => "All",
            (Lang::En, Some(Direction::Received)) => "RX",
            (Lang::En, Some(Direction::Sent)) => "TX",
            (Lang::En, Some(Direction::Info)) => "Events",
        }
    }

    /// `3/100` when done, `3/100（搜索中 45%）` while it runs.
    pub fn search_status(
        self,
        at: usize,
        found: usize,
        done: u64,
        total: u64,
        finished: bool,
    ) -> String {
        let mut text = format!("{at}/{found}");
        if !finished {
            let percent = (done * 100).checked_div(total).unwrap_or(0);
            text.push_str(&match self {
                Lang::Zh => format!("（搜索中 {percent}%）"),
                Lang::En => format!(" (searching, {percent}%)"),
            });
        }
        text
    }

    pub fn search_error(self, why: &str) -> String {
        match self {
            Lang::Zh => format!("无法搜索：{why}"),
            Lang::En => format!("Cannot search: {why}"),
        }
    }
}

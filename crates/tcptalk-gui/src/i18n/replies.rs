//! The words of 自动回复 / Auto-reply, in both languages.

use tcptalk_core::Framing;
use tcptalk_session::MatchKind;

use crate::Lang;

#[derive(Debug)]
pub struct ReplyTexts {
    pub auto_reply: &'static str,
    pub auto_reply_hint: &'static str,
    pub pattern: &'static str,
    pub reply: &'static str,
    pub hex: &'static str,
    pub delay: &'static str,
    pub delete: &'static str,
    pub add: &'static str,
    pub import: &'static str,
    pub export: &'static str,
}

const ZH: ReplyTexts = ReplyTexts {
    auto_reply: "自动回复",
    auto_reply_hint: "收到的一帧符合规则时自动回复；第一条符合的规则回复",
    pattern: "匹配内容（正则时为正则表达式，可用 $1 取捕获）",
    reply: "回复",
    hex: "十六进制",
    delay: "延时(毫秒)",
    delete: "删除",
    add: "添加规则",
    import: "导入规则…",
    export: "导出规则…",
};

const EN: ReplyTexts = ReplyTexts {
    auto_reply: "Auto-reply",
    auto_reply_hint: "Answer a received frame that matches a rule; the first matching rule answers",
    pattern: "Pattern (a regex for Regex; $1 in the reply is its first capture)",
    reply: "Reply",
    hex: "Hex",
    delay: "Delay (ms)",
    delete: "Delete",
    add: "Add rule",
    import: "Import rules…",
    export: "Export rules…",
};

impl Lang {
    pub fn reply_texts(self) -> &'static ReplyTexts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    pub fn match_kind(self, kind: MatchKind) -> &'static str {
        match (self, kind) {
            (Lang::Zh, MatchKind::Exact) => "等于",
            (Lang::Zh, MatchKind::Contains) => "包含",
            (Lang::Zh, MatchKind::Starts) => "开头是",
            (Lang::Zh, MatchKind::Ends) => "结尾是",
            (Lang::Zh, MatchKind::Regex) => "正则",
            (Lang::En, MatchKind::Exact) => "Exact",
            (Lang::En, MatchKind::Contains) => "Contains",
            (Lang::En, MatchKind::Starts) => "Starts",
            (Lang::En, MatchKind::Ends) => "Ends",
            (Lang::En, MatchKind::Regex) => "Regex",
        }
    }

    /// Which frames the rules see, at the top of the panel.
    pub fn rules_framing(self, framing: &Framing) -> String {
        match self {
            Lang::Zh => {
                format!("规则匹配当前分帧（{framing}）收到的每一帧：按行时为一行（不含行尾）")
            }
            Lang::En => format!(
                "Rules match each frame of the current framing ({framing}): with lines, a line without its end"
            ),
        }
    }

    /// `规则 1` / `Rule 1`.
    pub fn rule_name(self, number: usize) -> String {
        match self {
            Lang::Zh => format!("规则 {number}"),
            Lang::En => format!("Rule {number}"),
        }
    }

    pub fn rule_hits(self, hits: u64) -> String {
        match self {
            Lang::Zh => format!("命中 {hits}"),
            Lang::En => format!("{hits} hits"),
        }
    }

    pub fn rules_error(self, why: &str) -> String {
        match self {
            Lang::Zh => format!("自动回复规则有误：{why}"),
            Lang::En => format!("Auto-reply rules: {why}"),
        }
    }
}

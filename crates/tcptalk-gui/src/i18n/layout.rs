//! The words of the window's layout: the split, wrapping, the theme and the session tabs.

use crate::Lang;

#[derive(Debug)]
pub struct LayoutTexts {
    /// What a screen reader says for the strip between the history and the message box.
    pub split: &'static str,
    pub wrap: &'static str,
    pub wrap_hint: &'static str,
    pub theme: &'static str,
    pub theme_system: &'static str,
    pub theme_light: &'static str,
    pub theme_dark: &'static str,
    pub new_session: &'static str,
    pub new_session_hint: &'static str,
    pub new_server: &'static str,
    pub new_client: &'static str,
    pub close_tab: &'static str,
    pub tabs: &'static str,
}

const ZH: LayoutTexts = LayoutTexts {
    split: "拖动调整历史信息与发送框的高度",
    wrap: "自动换行",
    wrap_hint: "长行在边缘换行；不勾选时长行不折断，可左右滚动",
    theme: "主题：",
    theme_system: "跟随系统",
    theme_light: "浅色",
    theme_dark: "深色",
    new_session: "＋",
    new_session_hint: "新建会话：再开一个服务器或客户端（标签页）",
    new_server: "新建服务器",
    new_client: "新建客户端",
    close_tab: "关闭此会话",
    tabs: "会话",
};

const EN: LayoutTexts = LayoutTexts {
    split: "Drag to share the height between the history and the message box",
    wrap: "Wrap",
    wrap_hint: "Long rows wrap at the edge; unticked they run on and the history scrolls sideways",
    theme: "Theme:",
    theme_system: "System",
    theme_light: "Light",
    theme_dark: "Dark",
    new_session: "+",
    new_session_hint: "New session: another server or client, in a tab",
    new_server: "New server",
    new_client: "New client",
    close_tab: "Close this session",
    tabs: "Sessions",
};

impl Lang {
    pub fn layout_texts(self) -> &'static LayoutTexts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// The name of the `n`th tab of a kind (1-based): 服务器 2, 客户端 3.
    pub fn tab_name(self, server: bool, n: usize) -> String {
        let texts = self.texts();
        let kind = if server {
            texts.server_title
        } else {
            texts.client_title
        };
        format!("{kind} {n}")
    }
}

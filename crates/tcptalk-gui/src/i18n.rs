//! Every word the windows show, in Chinese (the tutorial's wording) and English.
//!
//! Fixed texts are fields of [`Texts`]; texts with a value in them are methods of [`Lang`], so
//! each language can put the value where its grammar wants it. Nothing else in the crate holds
//! user-visible wording, which keeps the two languages complete and in step.

use std::net::SocketAddr;

use tcptalk_core::{HexError, InputError};
use tcptalk_net::{ByteCounts, CloseReason, NetError, SendError};

use crate::Lang;

mod counters;
mod framing;
mod graph;
mod layout;
mod replies;
mod search;
mod sending;
mod transport;
mod transport_form;

/// Fixed texts of one language.
#[derive(Debug)]
pub struct Texts {
    pub server_title: &'static str,
    pub client_title: &'static str,
    pub port: &'static str,
    pub start_server: &'static str,
    pub stop_server: &'static str,
    pub server_ip: &'static str,
    pub connect: &'static str,
    pub disconnect: &'static str,
    pub history: &'static str,
    pub message: &'static str,
    pub send: &'static str,
    pub status: &'static str,
    pub connected: &'static str,
    pub not_connected: &'static str,
    /// Client history: the connection is up (the tutorial's line).
    pub connected_to_server: &'static str,
    /// Client history: the connection ended (the tutorial's line).
    pub connection_closed: &'static str,
    /// Prefix of what the server sent (the tutorial's wording).
    pub server_says: &'static str,
    /// Prefix of what a client sent (the tutorial's wording).
    pub client_says: &'static str,
    pub connect_cancelled: &'static str,
    pub server_stopped: &'static str,
    pub stopping: &'static str,
    pub send_to: &'static str,
    pub all_clients: &'static str,
    pub disconnect_client: &'static str,
    pub clients_header: &'static str,
    pub col_client: &'static str,
    pub col_received: &'static str,
    pub col_sent: &'static str,
    pub encoding: &'static str,
    pub language: &'static str,
    pub copy_all: &'static str,
    pub clear: &'static str,
    pub nothing_sent_no_server: &'static str,
    pub nothing_sent_no_client: &'static str,
    pub send_disabled_client: &'static str,
    pub send_disabled_server: &'static str,
    pub hint_message: &'static str,
    pub hint_hex: &'static str,
    pub hex_send: &'static str,
    pub hex_send_hint: &'static str,
    pub hex_view: &'static str,
    pub hex_view_hint: &'static str,
    pub log_failed: &'static str,
    pub save_history: &'static str,
    pub save_to: &'static str,
    pub hint_save_path: &'static str,
    pub col_queued: &'static str,
}

const ZH: Texts = Texts {
    server_title: "服务器",
    client_title: "客户端",
    port: "端口：",
    start_server: "启动服务器",
    stop_server: "停止服务器",
    server_ip: "服务器IP：",
    connect: "连接服务器",
    disconnect: "断开连接",
    history: "历史信息",
    message: "发送的信息",
    send: "发送信息",
    status: "连接状态：",
    connected: "已连接",
    not_connected: "未连接",
    connected_to_server: "成功连接到服务器",
    connection_closed: "连接已断开",
    server_says: "服务器端发送消息为：",
    client_says: "客户端发送消息为：",
    connect_cancelled: "已取消连接",
    server_stopped: "服务器已停止，端口已释放",
    stopping: "正在停止…",
    send_to: "发送给：",
    all_clients: "全部客户端",
    disconnect_client: "断开此客户端",
    clients_header: "已连接的客户端",
    col_client: "客户端",
    col_received: "收到（字节）",
    col_sent: "发出（字节）",
    encoding: "编码：",
    language: "语言：",
    copy_all: "复制全部",
    clear: "清空",
    nothing_sent_no_server: "未连接到服务器，消息没有发送",
    nothing_sent_no_client: "没有已连接的客户端，消息没有发送",
    send_disabled_client: "先连接服务器才能发送",
    send_disabled_server: "有客户端连接后才能发送",
    hint_message: "回车发送，Shift+回车换行",
    hint_hex: "十六进制字节，如 48 65 6C 6C 6F 或 0x48,0x65；回车发送",
    hex_send: "十六进制发送",
    hex_send_hint: "把输入的十六进制（如 48 65 6C 或 0x0D,0x0A）按字节原样发送",
    hex_view: "十六进制显示",
    hex_view_hint: "把收到的数据按字节显示为十六进制，每次收到的数据一行",
    log_failed: "写入日志文件失败，之后不再记录：",
    save_history: "保存历史",
    save_to: "保存到：",
    hint_save_path: "留空则存到当前目录",
    col_queued: "待发送（字节）",
};

const EN: Texts = Texts {
    server_title: "Server",
    client_title: "Client",
    port: "Port:",
    start_server: "Start server",
    stop_server: "Stop server",
    server_ip: "Server IP:",
    connect: "Connect",
    disconnect: "Disconnect",
    history: "History",
    message: "Message to send",
    send: "Send",
    status: "Connection status:",
    connected: "Connected",
    not_connected: "Not connected",
    connected_to_server: "Connected to server",
    connection_closed: "Connection closed",
    server_says: "Server says: ",
    client_says: "Client says: ",
    connect_cancelled: "Connecting cancelled",
    server_stopped: "Server stopped; the port is free again",
    stopping: "Stopping…",
    send_to: "Send to:",
    all_clients: "All clients",
    disconnect_client: "Disconnect this client",
    clients_header: "Connected clients",
    col_client: "Client",
    col_received: "Received (bytes)",
    col_sent: "Sent (bytes)",
    encoding: "Encoding:",
    language: "Language:",
    copy_all: "Copy all",
    clear: "Clear",
    nothing_sent_no_server: "Not connected to a server: nothing was sent",
    nothing_sent_no_client: "No client is connected: nothing was sent",
    send_disabled_client: "Connect to a server first",
    send_disabled_server: "Waiting for a client to connect",
    hint_message: "Enter sends, Shift+Enter starts a new line",
    hint_hex: "Hex bytes such as 48 65 6C 6C 6F or 0x48,0x65; Enter sends",
    hex_send: "Send hex",
    hex_send_hint: "Send the bytes the typed hex spells (48 65 6C or 0x0D,0x0A), exactly",
    hex_view: "Show hex",
    hex_view_hint: "Show received bytes as hex, one line per read",
    log_failed: "Writing the log file failed; logging stopped: ",
    save_history: "Save",
    save_to: "Save to:",
    hint_save_path: "empty: current folder",
    col_queued: "Queued (bytes)",
};

impl Lang {
    /// The language of the system's locale: Chinese when `LC_ALL`, `LC_MESSAGES` or `LANG`
    /// (the first one set, as POSIX orders them) starts with `zh`, English otherwise.
    pub fn from_env() -> Lang {
        Lang::from_locale_vars(|name| std::env::var(name).ok())
    }

    /// [`Lang::from_env`] with the environment passed in, for tests.
    pub fn from_locale_vars(var: impl Fn(&str) -> Option<String>) -> Lang {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .filter_map(var)
            .find(|value| !value.is_empty());
        match locale {
            Some(value) if value.to_ascii_lowercase().starts_with("zh") => Lang::Zh,
            _ => Lang::En,
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// The language's own name, for the language selector.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Zh => "中文",
            Lang::En => "English",
        }
    }

    pub fn listening(self, local: SocketAddr) -> String {
        let any = local.ip().is_unspecified();
        match (self, any) {
            (Lang::Zh, true) => format!(
                "服务器已启动，正在监听端口 {}（本机所有地址，{local}）",
                local.port()
            ),
            (Lang::Zh, false) => format!("服务器已启动，正在监听 {local}"),
            (Lang::En, true) => format!(
                "Server started, listening on port {} (every address of this machine, {local})",
                local.port()
            ),
            (Lang::En, false) => format!("Server started, listening on {local}"),
        }
    }

    pub fn listen_failed(self, why: &str) -> String {
        match self {
            Lang::Zh => format!("启动服务器失败：{why}"),
            Lang::En => format!("Could not start the server: {why}"),
        }
    }

    pub fn connecting(self, target: &str) -> String {
        match self {
            Lang::Zh => format!("正在连接 {target}…"),
            Lang::En => format!("Connecting to {target}…"),
        }
    }

    pub fn connect_failed(self, why: &str) -> String {
        match self {
            Lang::Zh => format!("连接服务器失败：{why}"),
            Lang::En => format!("Could not connect: {why}"),
        }
    }

    pub fn client_joined(self, peer: SocketAddr) -> String {
        match self {
            Lang::Zh => format!("新的客户端已连接：{peer}"),
            Lang::En => format!("Client connected: {peer}"),
        }
    }

    /// A client left; exact byte counts, so they can be checked against what the peer moved.
    pub fn client_left(self, peer: SocketAddr, reason: &CloseReason, counts: ByteCounts) -> String {
        let why = self.close_reason(reason);
        let moved = self.moved(counts);
        match self {
            Lang::Zh => format!("客户端已断开：{peer}（{why}；{moved}）"),
            Lang::En => format!("Client disconnected: {peer} ({why}; {moved})"),
        }
    }

    /// "收到 12 字节，发送 3 字节" for one connection, in exact bytes.
    pub fn moved(self, counts: ByteCounts) -> String {
        let ByteCounts { received, sent } = counts;
        match self {
            Lang::Zh => format!("收到 {received} 字节，发送 {sent} 字节"),
            Lang::En => format!("received {received} bytes, sent {sent} bytes"),
        }
    }

    /// The client window's line after a connection ended.
    pub fn connection_totals(self, counts: ByteCounts) -> String {
        let moved = self.moved(counts);
        match self {
            Lang::Zh => format!("本次连接共{moved}"),
            Lang::En => format!("This connection {moved}"),
        }
    }

    /// A client's own line after [`Texts::connection_closed`], when the reason is worth saying.
    pub fn close_detail(self, reason: &CloseReason) -> String {
        let why = self.close_reason(reason);
        match self {
            Lang::Zh => format!("（原因：{why}）"),
            Lang::En => format!("(reason: {why})"),
        }
    }

    pub fn close_reason(self, reason: &CloseReason) -> String {
        match (self, reason) {
            (Lang::Zh, CloseReason::ClosedByPeer) => "对方关闭了连接".into(),
            (Lang::Zh, CloseReason::Reset) => "连接被对方重置".into(),
            (Lang::Zh, CloseReason::ClosedByUs) => "本端关闭了连接".into(),
            (Lang::Zh, CloseReason::Idle) => "长时间没有数据，已忘记这个来源".into(),
            (Lang::Zh, CloseReason::Error(why)) => format!("出错：{why}"),
            (Lang::En, CloseReason::ClosedByPeer) => "closed by the peer".into(),
            (Lang::En, CloseReason::Reset) => "reset by the peer".into(),
            (Lang::En, CloseReason::ClosedByUs) => "closed by us".into(),
            (Lang::En, CloseReason::Error(why)) => format!("error: {why}"),
            (_, other) => other.to_string(),
        }
    }

    pub fn to_all(self, count: usize) -> String {
        match self {
            Lang::Zh => format!("全部 {count} 个客户端"),
            Lang::En => format!("all {count} clients"),
        }
    }

    pub fn clients_header(self, count: usize) -> String {
        let header = self.texts().clients_header;
        match self {
            Lang::Zh => format!("{header}（{count}）"),
            Lang::En => format!("{header} ({count})"),
        }
    }

    pub fn send_failed(self, peer: &str, error: &SendError) -> String {
        match (self, error) {
            (Lang::Zh, SendError::Full { queued }) => format!(
                "{peer} 没有在读取数据：已有 {queued} 字节排队等待发送，这条消息没有发送（一个字节也没有发出），请稍后再试"
            ),
            (Lang::Zh, _) => format!("{peer} 的连接已断开，消息没有发送"),
            (Lang::En, SendError::Full { queued }) => format!(
                "{peer} is not reading: {queued} bytes are queued for it, so this message was not sent (not even in part); try again later"
            ),
            (Lang::En, _) => format!("the connection to {peer} is closed: nothing was sent"),
        }
    }

    pub fn truncated(self, total_bytes: usize) -> String {
        match self {
            Lang::Zh => format!("…（共 {total_bytes} 字节）"),
            Lang::En => format!("… ({total_bytes} bytes)"),
        }
    }

    pub fn warning(self, error: &NetError) -> String {
        let why = self.net_error(error);
        match self {
            Lang::Zh => format!("警告：{why}"),
            Lang::En => format!("Warning: {why}"),
        }
    }

    /// Explains a network failure in this language.
    pub fn net_error(self, error: &NetError) -> String {
        match self {
            Lang::En => error.to_string(),
            Lang::Zh => match error {
                NetError::AddrInUse { addr } => format!(
                    "端口 {} 已被占用（另一个程序或另一个 tcptalk 正在监听它），请换一个端口或先关闭那个程序",
                    addr.port()
                ),
                NetError::PermissionDenied { addr } => format!(
                    "没有权限使用端口 {}（1024 以下的端口需要管理员权限），请使用 1024 以上的端口",
                    addr.port()
                ),
                NetError::AddrNotAvailable { addr } => {
                    format!("本机没有地址 {}", addr.ip())
                }
                NetError::Refused { addr } => {
                    format!("{addr} 拒绝连接：那里没有服务器在监听（服务器启动了吗？端口对吗？）")
                }
                NetError::TimedOut { target, after } => {
                    format!("连接 {target} 超时（{} 秒内没有回应）", after.as_secs_f32())
                }
                NetError::NameNotResolved { host, reason } => {
                    format!("无法解析主机名“{host}”：{reason}")
                }
                NetError::Unreachable { addr } => format!("网络不可达：{addr}"),
                NetError::InvalidAddress { input, reason } => {
                    format!("地址“{input}”无效：{reason}")
                }
                NetError::Cancelled { target } => format!("已取消连接 {target}"),
                NetError::Io { context, source } => format!("{context}：{source}"),
                other => self
                    .transport_error(other)
                    .unwrap_or_else(|| other.to_string()),
            },
        }
    }

    /// Explains why a typed port or host was rejected, in this language.
    pub fn input_error(self, error: &InputError) -> String {
        match self {
            Lang::En => error.to_string(),
            Lang::Zh => match error {
                InputError::EmptyPort => "没有填写端口，请填 1 到 65535 之间的数字".into(),
                InputError::PortNotANumber { input } => {
                    format!("“{input}”不是端口号，端口是 8899 这样的整数")
                }
                InputError::PortOutOfRange { input } => {
                    format!("端口“{input}”太大，最大是 65535")
                }
                InputError::PortZero => "不能连接到端口 0，请填 1 到 65535 之间的数字".into(),
                InputError::EmptyHost => {
                    "没有填写服务器地址，请填 127.0.0.1 这样的 IP 或 localhost 这样的主机名".into()
                }
                InputError::InvalidIpv4 { input } => {
                    format!("“{input}”不是有效的 IPv4 地址，应该像 192.168.1.10 这样")
                }
                InputError::InvalidIpv6 { input } => {
                    format!("“{input}”不是有效的 IPv6 地址，应该像 ::1 或 [fe80::1] 这样")
                }
                InputError::HostIncludesPort { input } => {
                    format!("“{input}”里带了端口，请把地址和端口分别填在两个输入框里")
                }
                InputError::InvalidHostName { input, reason } => {
                    format!("“{input}”不是有效的主机名：{reason}")
                }
                other => other.to_string(),
            },
        }
    }

    /// Why hex text in 发送的信息 is not bytes, pointing at the character.
    pub fn hex_error(self, error: &HexError) -> String {
        match self {
            Lang::En => error.to_string(),
            Lang::Zh => match error {
                HexError::OddDigits { count, position } => format!(
                    "从第 {position} 个字符开始的一组有 {count} 个十六进制数字，每个字节要正好两位（写 0A，不要写 A）"
                ),
                HexError::InvalidChar { ch, position } => format!(
                    "第 {position} 个字符“{}”不是十六进制数字（0-9、A-F）、空格或逗号",
                    ch.escape_debug()
                ),
                HexError::MissingDigits { position } => {
                    format!("第 {position} 个字符处的“0x”后面没有十六进制数字")
                }
                other => other.to_string(),
            },
        }
    }

    /// Hex that could not be sent: nothing of it was.
    pub fn bad_hex(self, why: &str) -> String {
        match self {
            Lang::Zh => format!("十六进制有误，没有发送：{why}"),
            Lang::En => format!("Invalid hex, nothing was sent: {why}"),
        }
    }

    /// "The port is wrong: …" for the server's port field.
    pub fn bad_port(self, why: &str) -> String {
        match self {
            Lang::Zh => format!("端口有误：{why}"),
            Lang::En => format!("Invalid port: {why}"),
        }
    }

    pub fn bad_host(self, why: &str) -> String {
        match self {
            Lang::Zh => format!("服务器IP有误：{why}"),
            Lang::En => format!("Invalid server IP: {why}"),
        }
    }

    /// 保存历史 worked.
    pub fn saved(self, lines: u64, path: &std::path::Path) -> String {
        match self {
            Lang::Zh => format!("已保存全部 {lines} 行历史到 {}", path.display()),
            Lang::En => format!("Saved all {lines} lines of history to {}", path.display()),
        }
    }

    pub fn save_failed(self, path: &std::path::Path, why: &str) -> String {
        match self {
            Lang::Zh => format!("保存历史到 {} 失败：{why}", path.display()),
            Lang::En => format!("Could not save the history to {}: {why}", path.display()),
        }
    }

    /// Above the history once old lines have left memory.
    pub fn not_in_memory(self, rows: u64, bytes: u64, logged: bool) -> String {
        let size = human_size(bytes);
        match (self, logged) {
            (Lang::Zh, false) => {
                format!("有 {rows} 行（{size}）已不在内存中，“保存历史”会把它们一起写入文件")
            }
            (Lang::Zh, true) => format!(
                "有 {rows} 行（{size}）已不在内存中，它们在日志文件里，“保存历史”也会写入它们"
            ),
            (Lang::En, false) => format!(
                "{rows} lines ({size}) are no longer in memory; Save history writes them too"
            ),
            (Lang::En, true) => format!(
                "{rows} lines ({size}) are no longer in memory; they are in the log, and Save history writes them too"
            ),
        }
    }

    /// The spool could not take some rows: they are only in the log, if there is one.
    pub fn history_lost(self, rows: u64, bytes: u64, why: &str) -> String {
        let size = human_size(bytes);
        match self {
            Lang::Zh => format!(
                "有 {rows} 行（{size}）无法写入临时文件，只在日志文件中（如果开了 --log）：{why}"
            ),
            Lang::En => format!(
                "{rows} lines ({size}) could not be written to the spool file and are only in the --log file, if any: {why}"
            ),
        }
    }

    /// 复制全部 copies what is in memory.
    pub fn copied(self, rows: usize, not_in_memory: u64) -> String {
        match (self, not_in_memory) {
            (Lang::Zh, 0) => format!("已复制全部 {rows} 行历史到剪贴板"),
            (Lang::Zh, older) => format!(
                "已复制内存中的 {rows} 行历史到剪贴板；更早的 {older} 行不在内存中，请用“保存历史”"
            ),
            (Lang::En, 0) => format!("Copied all {rows} lines of history to the clipboard"),
            (Lang::En, older) => format!(
                "Copied the {rows} lines in memory to the clipboard; {older} older lines are not in memory, use Save history"
            ),
        }
    }

    /// Bytes waiting to be sent to a peer that is slow to read.
    pub fn queued(self, bytes: u64) -> String {
        let size = human_size(bytes);
        match self {
            Lang::Zh => format!("待发送 {size}"),
            Lang::En => format!("{size} queued"),
        }
    }

    pub fn log_opened(self, path: &std::path::Path) -> String {
        match self {
            Lang::Zh => format!("历史信息同时记录到文件 {}", path.display()),
            Lang::En => format!("History is also written to {}", path.display()),
        }
    }
}

pub use tcptalk_core::human_bytes as human_size;

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_string())
        }
    }

    #[test]
    fn chinese_locale_gives_chinese() {
        assert_eq!(
            Lang::from_locale_vars(env(&[("LANG", "zh_CN.UTF-8")])),
            Lang::Zh
        );
        assert_eq!(
            Lang::from_locale_vars(env(&[("LC_ALL", "zh_TW")])),
            Lang::Zh
        );
    }

    #[test]
    fn lc_all_wins_over_lang() {
        let vars = env(&[("LC_ALL", "en_US.UTF-8"), ("LANG", "zh_CN.UTF-8")]);
        assert_eq!(Lang::from_locale_vars(vars), Lang::En);
        let vars = env(&[("LC_ALL", ""), ("LC_MESSAGES", "zh_CN"), ("LANG", "C")]);
        assert_eq!(Lang::from_locale_vars(vars), Lang::Zh);
    }

    #[test]
    fn no_locale_gives_english() {
        assert_eq!(Lang::from_locale_vars(env(&[])), Lang::En);
        assert_eq!(
            Lang::from_locale_vars(env(&[("LANG", "C.UTF-8")])),
            Lang::En
        );
    }

    #[test]
    fn clients_header_uses_each_languages_brackets() {
        assert_eq!(Lang::Zh.clients_header(3), "已连接的客户端（3）");
        assert_eq!(Lang::En.clients_header(3), "Connected clients (3)");
    }
}

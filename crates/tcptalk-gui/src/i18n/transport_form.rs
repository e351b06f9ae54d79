//! The words of the transport row (传输方式: TCP / UDP / TLS and their options).

use crate::Lang;

#[derive(Debug)]
pub struct TransportTexts {
    pub transport: &'static str,
    pub transport_hint: &'static str,
    pub keepalive: &'static str,
    pub bind: &'static str,
    pub local: &'static str,
    pub any_address: &'static str,
    pub automatic: &'static str,
    pub idle: &'static str,
    pub idle_hint: &'static str,
    pub broadcast: &'static str,
    pub multicast: &'static str,
    pub group: &'static str,
    pub interface: &'static str,
    pub ttl: &'static str,
    pub multicast_loop: &'static str,
    pub local_port: &'static str,
    pub local_port_hint: &'static str,
    pub certificate: &'static str,
    pub cert_file: &'static str,
    pub key_file: &'static str,
    pub self_signed: &'static str,
    pub require_client_cert: &'static str,
    pub ca_file: &'static str,
    pub ca_hint: &'static str,
    pub system_roots: &'static str,
    pub insecure: &'static str,
    pub insecure_warning: &'static str,
    pub client_cert: &'static str,
    pub reconnect: &'static str,
    pub reconnect_hint: &'static str,
    pub cancel_reconnect: &'static str,
    pub own_certificate: &'static str,
    pub not_verified: &'static str,
}

const ZH: TransportTexts = TransportTexts {
    transport: "传输方式",
    transport_hint: "TCP、UDP，或 TCP 上的 TLS（加密）",
    keepalive: "TCP 保活",
    bind: "绑定",
    local: "本地地址",
    any_address: "所有地址",
    automatic: "自动",
    idle: "空闲忘记(秒)",
    idle_hint: "一个来源这么久没有数据，就不再把它算作客户端",
    broadcast: "允许广播",
    multicast: "组播…",
    group: "组播地址",
    interface: "网卡",
    ttl: "TTL",
    multicast_loop: "本机也收到自己发的组播",
    local_port: "本地端口",
    local_port_hint: "留空：由系统选择",
    certificate: "证书…",
    cert_file: "证书文件 (PEM)",
    key_file: "私钥文件 (PEM)",
    self_signed: "留空：使用自签名证书（第一次使用时生成并保存）",
    require_client_cert: "要求客户端证书，CA 文件：",
    ca_file: "CA 文件",
    ca_hint: "留空：用系统的根证书验证服务器",
    system_roots: "系统根证书",
    insecure: "信任任何证书",
    insecure_warning: "注意：不验证服务器——连接是加密的，但无法确认对方是谁",
    client_cert: "客户端证书…",
    reconnect: "自动重连",
    reconnect_hint: "连接失败或断开后自动再连：等 1 秒，然后每次加倍，最多 30 秒",
    cancel_reconnect: "取消重连",
    own_certificate: "本机证书",
    not_verified: "未验证服务器身份",
};

const EN: TransportTexts = TransportTexts {
    transport: "Transport",
    transport_hint: "TCP, UDP, or TLS (encrypted) over TCP",
    keepalive: "TCP keepalive",
    bind: "Bind",
    local: "Local address",
    any_address: "all addresses",
    automatic: "automatic",
    idle: "Forget after (s)",
    idle_hint: "A source quiet this long no longer counts as a client",
    broadcast: "Allow broadcast",
    multicast: "Multicast…",
    group: "Group",
    interface: "Interface",
    ttl: "TTL",
    multicast_loop: "Deliver our multicast to this machine too",
    local_port: "Local port",
    local_port_hint: "empty: the system picks one",
    certificate: "Certificate…",
    cert_file: "Certificate file (PEM)",
    key_file: "Key file (PEM)",
    self_signed: "empty: a self-signed certificate (made once and kept)",
    require_client_cert: "Require client certificates, CA file:",
    ca_file: "CA file",
    ca_hint: "empty: verify the server with the system's roots",
    system_roots: "system roots",
    insecure: "Trust any certificate",
    insecure_warning: "Warning: the server is not verified: encrypted, but to whom is unknown",
    client_cert: "Client certificate…",
    reconnect: "Reconnect",
    reconnect_hint: "After a failed or lost connection, connect again: 1 s, doubling up to 30 s",
    cancel_reconnect: "Cancel reconnect",
    own_certificate: "This server's certificate",
    not_verified: "server NOT verified",
};

impl Lang {
    pub fn transport_texts(self) -> &'static TransportTexts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// The keepalive timing, shown on hover.
    pub fn keepalive_timing(self, keepalive: &tcptalk_net::Keepalive) -> String {
        match self {
            Lang::Zh => format!(
                "空闲 {} 秒后开始探测，每 {} 秒一次，{} 次没有回应就断开",
                keepalive.idle.as_secs(),
                keepalive.interval.as_secs(),
                keepalive.retries
            ),
            Lang::En => keepalive.to_string(),
        }
    }

    pub fn bad_number(self, what: &str, input: &str) -> String {
        match self {
            Lang::Zh => format!("{what}“{input}”不是有效的数字"),
            Lang::En => format!("{what}: '{input}' is not a valid number"),
        }
    }

    pub fn valid_until(self, when: &str) -> String {
        match self {
            Lang::Zh => format!("有效期至 {when}"),
            Lang::En => format!("valid until {when}"),
        }
    }

    pub fn reconnecting_in(self, seconds: u64) -> String {
        match self {
            Lang::Zh => format!("{seconds} 秒后重连…"),
            Lang::En => format!("reconnecting in {seconds} s…"),
        }
    }
}

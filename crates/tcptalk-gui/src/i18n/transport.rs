//! The words of UDP and TLS (传输方式), in both languages: notices, the handshake's outcome
//! and why one failed.

use tcptalk_net::tls::{CertSummary, TlsFailure, TlsInfo, TlsSetupError};
use tcptalk_net::{NetError, Transport};

use crate::Lang;

impl Lang {
    /// "(UDP)" after "listening on …" for anything but TCP.
    pub fn transport_suffix(self, transport: Transport) -> String {
        match transport {
            Transport::Tcp => String::new(),
            other => match self {
                Lang::Zh => format!("（{other}）"),
                Lang::En => format!(" ({other})"),
            },
        }
    }

    pub fn certificate(self, cert: &CertSummary) -> String {
        match self {
            Lang::Zh => format!(
                "TLS 证书：{}，有效期 {} 至 {}，SHA-256 指纹 {}",
                cert.subject, cert.not_before, cert.not_after, cert.sha256
            ),
            Lang::En => format!("TLS certificate: {cert}"),
        }
    }

    /// What a handshake settled, for the "connected" row.
    pub fn tls_info(self, info: &TlsInfo) -> String {
        let peer = match (&info.peer_certificate, self) {
            (Some(cert), Lang::Zh) => format!(
                "对方证书 {}，有效期 {} 至 {}，SHA-256 指纹 {}",
                cert.subject, cert.not_before, cert.not_after, cert.sha256
            ),
            (Some(cert), Lang::En) => format!("peer certificate {cert}"),
            (None, Lang::Zh) => "对方没有出示证书".into(),
            (None, Lang::En) => "no peer certificate".into(),
        };
        let unverified = match (info.verified, self) {
            (true, _) => "",
            (false, Lang::Zh) => "；注意，未验证：已选择信任任何证书，无法确认对方身份",
            (false, Lang::En) => "; NOT VERIFIED: any certificate is trusted",
        };
        match self {
            Lang::Zh => format!("{}，{}；{peer}{unverified}", info.version, info.cipher),
            Lang::En => format!("{}, {}; {peer}{unverified}", info.version, info.cipher),
        }
    }

    pub fn tls_failure(self, failure: &TlsFailure) -> String {
        if self == Lang::En {
            return failure.to_string();
        }
        match failure {
            TlsFailure::UnknownIssuer => {
                "证书的签发者不受信任（自签名的服务器请选择它的 CA 文件，或明确选择信任它）".into()
            }
            TlsFailure::Expired {
                not_after: Some(at),
            } => format!("证书已过期（有效期到 {at}）"),
            TlsFailure::Expired { not_after: None } => "证书已过期".into(),
            TlsFailure::NotYetValid {
                not_before: Some(at),
            } => {
                format!("证书尚未生效（从 {at} 起有效）")
            }
            TlsFailure::NotYetValid { not_before: None } => "证书尚未生效".into(),
            TlsFailure::NameMismatch { name } => format!("证书不是签发给“{name}”的（名称不符）"),
            TlsFailure::NotTls => "对方不是 TLS 服务（它说的不是 TLS）".into(),
            TlsFailure::ClosedDuringHandshake => {
                "对方在握手时关闭了连接（它可能不支持 TLS，或不接受我们的证书）".into()
            }
            TlsFailure::PeerRefused { alert } => format!("对方拒绝了握手（{alert}）"),
            TlsFailure::NoClientCertificate => "客户端没有出示证书，而这里要求证书".into(),
            other => other.to_string(),
        }
    }

    /// The Chinese words for the engine's UDP, TLS and out-of-descriptors errors; `None` for
    /// the others.
    pub(crate) fn transport_error(self, error: &NetError) -> Option<String> {
        Some(match error {
            NetError::PortUnreachable { addr } => {
                format!("{addr} 回复“端口不可达”：那个 UDP 端口上（还）没有程序在接收")
            }
            NetError::NotMulticast { addr } => format!(
                "{addr} 不是组播地址（IPv4 组播地址是 224.0.0.0 到 239.255.255.255，IPv6 的以 ff 开头）"
            ),
            NetError::BroadcastNotAllowed { addr } => {
                format!("发送到 {addr} 需要先勾选“允许广播”")
            }
            NetError::DatagramTooLong { addr, len } => {
                format!("发给 {addr} 的数据报太长（{len} 字节），网络无法传送")
            }
            NetError::Tls { target, failure } => {
                format!("与 {target} 的 TLS 握手失败：{}", self.tls_failure(failure))
            }
            NetError::TlsTimedOut { target, after } => format!(
                "与 {target} 的 TLS 握手在 {} 秒内没有完成：对方可能不是 TLS 服务",
                after.as_secs_f32()
            ),
            NetError::TlsSetup(setup) => self.tls_setup_error(setup),
            NetError::OutOfDescriptors { turned_away, limit } => format!(
                "文件描述符用完了{}：{turned_away} 个新客户端被拒绝（连上后立即关闭）；已连接的客户端照常服务，有客户端离开后会再接受新的",
                limit
                    .map(|limit| format!("（打开文件数上限为 {limit}）"))
                    .unwrap_or_default()
            ),
            _ => return None,
        })
    }

    pub fn tls_setup_error(self, error: &TlsSetupError) -> String {
        if self == Lang::En {
            return error.to_string();
        }
        match error {
            TlsSetupError::Missing { path, .. } => format!("找不到文件 {}", path.display()),
            TlsSetupError::NotPem { path, .. } => {
                format!("{} 不是 PEM 文件（没有有效的 -----BEGIN …----- 段）", path.display())
            }
            TlsSetupError::KeyMismatch { cert, key } => format!(
                "私钥 {} 与证书 {} 不匹配",
                key.display(),
                cert.display()
            ),
            TlsSetupError::CertWithoutKey => "证书和私钥要一起给出".into(),
            TlsSetupError::NoSystemRoots => {
                "本机没有可信的根证书（请安装 ca-certificates），请选择 CA 文件，或明确选择信任服务器".into()
            }
            other => other.to_string(),
        }
    }
}

//! What the terminal mode says on stderr: lines for people, or with `--json` one JSON object
//! per line for scripts. stdout is reserved for the peer's bytes.

use std::io::Write;
use std::net::SocketAddr;

use serde_json::{Value, json};
use tcptalk_net::tls::{CertSummary, TlsInfo};
use tcptalk_net::{ByteCounts, CloseReason, ConnId, Keepalive, NetError, Transport};

#[derive(Debug)]
pub struct Reporter {
    json: bool,
}

impl Reporter {
    pub fn new(json: bool) -> Self {
        Reporter { json }
    }

    fn emit(&mut self, human: impl FnOnce() -> String, machine: impl FnOnce() -> Value) {
        let line = if self.json {
            machine().to_string()
        } else {
            format!("tcptalk: {}", human())
        };
        // stderr going away must not take the transfer down with it.
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }

    /// The keepalive timing goes to `--json` only: a person reads it in `--help`.
    pub fn listening(
        &mut self,
        addr: SocketAddr,
        transport: Transport,
        keepalive: Option<&Keepalive>,
    ) {
        self.emit(
            || match transport {
                Transport::Tcp => format!("listening on {addr}"),
                other => format!("listening on {addr} ({other})"),
            },
            || {
                json!({"event": "listening", "addr": addr.to_string(), "port": addr.port(),
                       "transport": transport.to_string().to_lowercase(),
                       "keepalive": keepalive.map(keepalive_json)})
            },
        );
    }

    /// How many clients the open file limit leaves room for: one descriptor each, less those
    /// open now and the one the server keeps spare to turn clients away when it is full.
    pub fn capacity(&mut self, limit: u64, in_use: Option<u64>) {
        let clients = limit.saturating_sub(in_use.unwrap_or(0) + 1);
        self.emit(
            || {
                format!(
                    "room for {clients} clients at once (open file limit {limit}); past that, \
                     new ones are turned away and told so by a closed connection"
                )
            },
            || json!({"event": "capacity", "clients": clients, "fd_limit": limit}),
        );
    }

    pub fn connecting(&mut self, target: &str) {
        self.emit(
            || format!("connecting to {target}"),
            || json!({"event": "connecting", "target": target}),
        );
    }

    pub fn connected(&mut self, peer: ConnId, addr: SocketAddr) {
        self.emit(
            || format!("connected: {peer} {addr}"),
            || json!({"event": "connected", "peer": peer.0, "addr": addr.to_string()}),
        );
    }

    /// What the TLS handshake settled; the peer certificate's fingerprint is what a user
    /// compares with `openssl x509 -fingerprint -sha256`.
    pub fn tls(&mut self, peer: ConnId, info: &TlsInfo) {
        self.emit(
            || format!("tls: {peer} {info}"),
            || {
                let cert = info.peer_certificate.as_ref().map(certificate_json);
                json!({"event": "tls", "peer": peer.0, "version": info.version,
                       "cipher": info.cipher, "verified": info.verified, "certificate": cert})
            },
        );
    }

    /// A TLS server's own certificate.
    pub fn certificate(&mut self, cert: &CertSummary) {
        self.emit(
            || format!("certificate: {cert}"),
            || json!({"event": "certificate", "certificate": certificate_json(cert)}),
        );
    }

    pub fn reconnecting(&mut self, after: std::time::Duration) {
        self.emit(
            || format!("reconnecting in {} s", after.as_secs_f32()),
            || json!({"event": "reconnecting", "after_ms": after.as_millis() as u64}),
        );
    }

    /// The client's own address, and the keepalive timing its connection has.
    pub fn local(&mut self, addr: SocketAddr, keepalive: Option<&Keepalive>) {
        self.emit(
            || match keepalive {
                Some(keepalive) => format!("local address {addr}; {keepalive}"),
                None => format!("local address {addr}"),
            },
            || {
                json!({"event": "local", "addr": addr.to_string(),
                       "keepalive": keepalive.map(keepalive_json)})
            },
        );
    }

    /// The end of a connection, with exactly how many bytes went each way over it.
    pub fn disconnected(
        &mut self,
        peer: ConnId,
        addr: Option<SocketAddr>,
        reason: &CloseReason,
        counts: ByteCounts,
    ) {
        let addr_text = addr.map(|a| a.to_string());
        let moved = moved(counts);
        self.emit(
            || match &addr_text {
                Some(addr) => format!("disconnected: {peer} {addr} ({reason}), {moved}"),
                None => format!("disconnected ({reason}), {moved}"),
            },
            || {
                let mut value = json!({
                    "event": "disconnected",
                    "peer": peer.0,
                    "reason": reason.code(),
                    "detail": reason.to_string(),
                    "received": counts.received,
                    "sent": counts.sent,
                });
                if let Some(addr) = &addr_text {
                    value["addr"] = json!(addr);
                }
                value
            },
        );
    }

    pub fn error(&mut self, error: &NetError) {
        self.emit(
            || format!("error: {error}"),
            || json!({"event": "error", "message": error.to_string()}),
        );
    }

    pub fn warning(&mut self, error: &NetError) {
        self.emit(
            || format!("warning: {error}"),
            || json!({"event": "warning", "message": error.to_string()}),
        );
    }

    pub fn warning_text(&mut self, text: &str) {
        self.emit(
            || format!("warning: {text}"),
            || json!({"event": "warning", "message": text}),
        );
    }

    /// Which way bulk bytes take: `sendfile` or `splice` (zero-copy), or `copy` and why.
    pub fn path(&mut self, direction: &str, path: &str, why: Option<&str>) {
        self.emit(
            || match why {
                Some(why) => format!("{direction}: {path} ({why})"),
                None => format!("{direction}: {path} (zero-copy)"),
            },
            || json!({"event": "path", "direction": direction, "path": path, "why": why}),
        );
    }

    pub fn note(&mut self, text: &str) {
        self.emit(
            || text.to_string(),
            || json!({"event": "note", "message": text}),
        );
    }
}

/// "received 12 bytes, sent 3 bytes": exact figures, for comparing with what the peer moved.
pub fn moved(counts: ByteCounts) -> String {
    format!(
        "received {} bytes, sent {} bytes",
        counts.received, counts.sent
    )
}

fn keepalive_json(keepalive: &Keepalive) -> Value {
    json!({"idle_s": keepalive.idle.as_secs(), "interval_s": keepalive.interval.as_secs(),
           "retries": keepalive.retries})
}

fn certificate_json(cert: &CertSummary) -> Value {
    json!({"subject": cert.subject, "issuer": cert.issuer, "not_before": cert.not_before,
           "not_after": cert.not_after, "sha256": cert.sha256})
}

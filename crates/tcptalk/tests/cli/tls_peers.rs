//! Helpers for the TLS tests: certificates made by openssl (and, where openssl 3.0 cannot, by
//! rcgen), fingerprints as openssl prints them, and reading a child's stdout until a text.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{ChildStdout, Command};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::WAIT;

/// A self-signed EC certificate and key made by `openssl req`, for `cn` and the given
/// subjectAltName (`DNS:localhost,IP:127.0.0.1`).
pub fn openssl_cert(dir: &Path, name: &str, cn: &str, san: &str) -> (PathBuf, PathBuf) {
    let cert = dir.join(format!("{name}-cert.pem"));
    let key = dir.join(format!("{name}-key.pem"));
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "30"])
        .arg("-subj")
        .arg(format!("/CN={cn}"))
        .arg("-addext")
        .arg(format!("subjectAltName={san}"))
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "openssl req: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key)
}

/// A certificate for localhost that expired in 2021 (openssl 3.0's `req` only makes ones
/// valid from now).
pub fn expired_cert(dir: &Path) -> (PathBuf, PathBuf) {
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "expired.localhost");
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = params.self_signed(&key).expect("cert");
    let cert_path = dir.join("expired-cert.pem");
    let key_path = dir.join("expired-key.pem");
    std::fs::write(&cert_path, cert.pem()).expect("write cert");
    std::fs::write(&key_path, key.serialize_pem()).expect("write key");
    (cert_path, key_path)
}

/// `openssl x509 -fingerprint -sha256` of a PEM certificate: `AB:CD:…`.
pub fn openssl_fingerprint(cert: &Path) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(cert)
        .output()
        .expect("openssl x509");
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let (_, fingerprint) = text
        .split_once('=')
        .unwrap_or_else(|| panic!("no fingerprint in {text:?}"));
    fingerprint.to_string()
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`.
pub fn wait_for_port(port: u16) {
    let deadline = Instant::now() + WAIT;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A child's stdout read on a thread, so it can be waited for with a bound.
pub struct Output {
    rx: mpsc::Receiver<Vec<u8>>,
    pub seen: Vec<u8>,
}

impl Output {
    pub fn new(mut stdout: ChildStdout) -> Output {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Output {
            rx,
            seen: Vec::new(),
        }
    }

    /// Waits (bounded) until what was read contains `needle`.
    #[track_caller]
    pub fn expect(&mut self, needle: &str) {
        let deadline = Instant::now() + WAIT;
        while !String::from_utf8_lossy(&self.seen).contains(needle) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(bytes) => self.seen.extend_from_slice(&bytes),
                Err(_) => panic!(
                    "no {needle:?} on stdout; saw {:?}",
                    String::from_utf8_lossy(&self.seen)
                ),
            }
        }
    }
}

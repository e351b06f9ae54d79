//! Certificates as files a person has: PEM reading with errors that name the file, the
//! self-signed certificate a server makes on first use, and what a certificate says about
//! itself (subject, validity, fingerprint) in words.

use std::fmt;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

use super::TlsSetupError;

/// What kind of file is being read, for messages ("the key file … is not PEM").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PemKind {
    Certificate,
    Key,
    Ca,
}

impl fmt::Display for PemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PemKind::Certificate => "certificate",
            PemKind::Key => "private key",
            PemKind::Ca => "CA certificate",
        })
    }
}

fn read(kind: PemKind, path: &Path) -> Result<Vec<u8>, TlsSetupError> {
    std::fs::read(path).map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => TlsSetupError::Missing {
            kind,
            path: path.to_path_buf(),
        },
        _ => TlsSetupError::Unreadable {
            kind,
            path: path.to_path_buf(),
            reason: err.to_string(),
        },
    })
}

/// Every certificate in a PEM file, in order (a chain: the end entity first).
pub fn load_certificates(
    kind: PemKind,
    path: &Path,
) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let bytes = read(kind, path)?;
    let not_pem = || TlsSetupError::NotPem {
        kind,
        path: path.to_path_buf(),
    };
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| not_pem())?;
    if certs.is_empty() {
        return Err(not_pem());
    }
    Ok(certs)
}

/// The first private key in a PEM file (PKCS#8, PKCS#1 or SEC1).
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsSetupError> {
    let bytes = read(PemKind::Key, path)?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|_| TlsSetupError::NotPem {
        kind: PemKind::Key,
        path: path.to_path_buf(),
    })
}

/// The certificate and key a server uses when the user gives none: made once with `rcgen`
/// and kept in `dir`, so a client that trusted it (or pinned its fingerprint) trusts it again
/// on the next run. Returns the two paths and whether they were made just now.
pub fn self_signed_in(dir: &Path) -> Result<(PathBuf, PathBuf, bool), TlsSetupError> {
    let cert_path = dir.join("server-cert.pem");
    let key_path = dir.join("server-key.pem");
    if cert_path.exists() && key_path.exists() {
        return Ok((cert_path, key_path, false));
    }
    let cannot_save = |path: &Path, err: std::io::Error| TlsSetupError::CannotSave {
        path: path.to_path_buf(),
        reason: err.to_string(),
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|err| cannot_save(dir, err))?;
    let generated = generate_self_signed().map_err(TlsSetupError::Generate)?;
    // The key first and private, then the certificate: a certificate without its key is never
    // left behind for the next run to trip over.
    write_atomically(&key_path, generated.key.as_bytes(), 0o600)
        .map_err(|err| cannot_save(&key_path, err))?;
    write_atomically(&cert_path, generated.cert.as_bytes(), 0o644)
        .map_err(|err| cannot_save(&cert_path, err))?;
    tracing::info!(cert = %cert_path.display(), "made a self-signed certificate");
    Ok((cert_path, key_path, true))
}

struct Generated {
    cert: String,
    key: String,
}

/// A certificate for this machine's names (localhost, its loopback addresses, its host name),
/// valid from today for ten years.
fn generate_self_signed() -> Result<Generated, String> {
    let mut names = vec!["localhost".to_string(), "127.0.0.1".into(), "::1".into()];
    if let Ok(host) = std::fs::read_to_string("/etc/hostname") {
        let host = host.trim();
        if !host.is_empty() && !names.iter().any(|n| n == host) {
            names.push(host.to_string());
        }
    }
    let mut params = rcgen::CertificateParams::new(names).map_err(|e| e.to_string())?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "tcptalk self-signed");
    let today = chrono::Utc::now().date_naive();
    let (year, month, day) = (
        chrono::Datelike::year(&today),
        chrono::Datelike::month(&today),
        chrono::Datelike::day(&today),
    );
    let month = u8::try_from(month).unwrap_or(1);
    let day = u8::try_from(day).unwrap_or(1).min(28);
    params.not_before = rcgen::date_time_ymd(year, month, day);
    params.not_after = rcgen::date_time_ymd(year + 10, month, day);
    let key = rcgen::KeyPair::generate().map_err(|e| e.to_string())?;
    let cert = params.self_signed(&key).map_err(|e| e.to_string())?;
    Ok(Generated {
        cert: cert.pem(),
        key: key.serialize_pem(),
    })
}

/// A new file (never one that is there, nor a symlink's target) with `mode` from the start,
/// renamed into place.
fn write_atomically(path: &Path, contents: &[u8], mode: u32) -> std::io::Result<()> {
    let temp = path.with_extension("pem.partial");
    match std::fs::remove_file(&temp) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(err),
        _ => {}
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&temp)?;
    file.write_all(contents)?;
    file.sync_all()?;
    std::fs::rename(&temp, path)
}

/// What a certificate says about itself, as a user compares it with `openssl x509`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSummary {
    /// `CN=localhost, O=…` as OpenSSL prints it (RFC 4514 order of the certificate).
    pub subject: String,
    pub issuer: String,
    /// UTC, `2026-12-02 00:00:00 UTC`.
    pub not_before: String,
    pub not_after: String,
    /// SHA-256 of the DER certificate, `AB:CD:…`, as `openssl x509 -fingerprint -sha256`.
    pub sha256: String,
}

impl CertSummary {
    pub fn of(der: &[u8]) -> CertSummary {
        let sha256 = fingerprint(der);
        match x509_parser::parse_x509_certificate(der) {
            Ok((_, cert)) => CertSummary {
                subject: cert.subject().to_string(),
                issuer: cert.issuer().to_string(),
                not_before: utc(cert.validity().not_before.timestamp()),
                not_after: utc(cert.validity().not_after.timestamp()),
                sha256,
            },
            Err(err) => CertSummary {
                subject: format!("(unreadable: {err})"),
                issuer: String::new(),
                not_before: String::new(),
                not_after: String::new(),
                sha256,
            },
        }
    }

    pub fn is_self_signed(&self) -> bool {
        self.subject == self.issuer
    }
}

impl fmt::Display for CertSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, valid {} to {}, SHA-256 {}",
            self.subject, self.not_before, self.not_after, self.sha256
        )
    }
}

/// `AB:CD:…`: uppercase hex pairs joined by colons, exactly as OpenSSL prints a fingerprint.
pub fn fingerprint(der: &[u8]) -> String {
    let digest = Sha256::digest(der);
    let mut out = String::with_capacity(digest.len() * 3);
    for (i, byte) in digest.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push_str(&format!("{byte:02X}"));
    }
    out
}

pub(super) fn utc(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| format!("{seconds} s after 1970"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_certificate_is_made_once_and_kept() {
        let dir = std::env::temp_dir().join(format!("tcptalk-tls-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (cert, key, made) = self_signed_in(&dir).expect("made");
        assert!(made);
        let first = std::fs::read(&cert).expect("cert");
        let (_, _, made_again) = self_signed_in(&dir).expect("kept");
        assert!(!made_again);
        assert_eq!(std::fs::read(&cert).expect("cert"), first);
        let mode = std::fs::metadata(&key).expect("key").permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
            0o600
        );
        let der = load_certificates(PemKind::Certificate, &cert).expect("pem");
        let summary = CertSummary::of(&der[0]);
        assert_eq!(summary.subject, "CN=tcptalk self-signed");
        assert!(summary.is_self_signed());
        assert_eq!(summary.sha256.len(), 32 * 3 - 1);
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn a_file_that_is_not_pem_is_named_in_the_error() {
        let path = std::env::temp_dir().join(format!("tcptalk-notpem-{}", std::process::id()));
        std::fs::write(&path, "hello").expect("write");
        let err = load_certificates(PemKind::Certificate, &path).expect_err("not pem");
        assert!(err.to_string().contains("is not a PEM"), "{err}");
        let err = load_key(&path).expect_err("not pem");
        assert!(err.to_string().contains("private key"), "{err}");
        std::fs::remove_file(&path).expect("clean up");
        let err = load_key(&path).expect_err("missing");
        assert!(err.to_string().contains("not found"), "{err}");
    }
}

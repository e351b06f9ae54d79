//! TLS over TCP with rustls (the `ring` provider): what a server or client needs, built once
//! from files the user names, so that every mistake in them is found before anything starts;
//! the handshake; and what the handshake tells the user (version, cipher suite, the peer's
//! certificate) or, when it fails, why, in words.

mod certs;
mod insecure;
mod pinned;

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use rustls::{AlertDescription, CertificateError, RootCertStore};

pub use certs::{CertSummary, PemKind, fingerprint, load_certificates, load_key, self_signed_in};

/// A setting that cannot be used, found before anything starts.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum TlsSetupError {
    #[error("{kind} file {} not found", path.display())]
    Missing { kind: PemKind, path: PathBuf },
    #[error("cannot read the {kind} file {}: {reason}", path.display())]
    Unreadable {
        kind: PemKind,
        path: PathBuf,
        reason: String,
    },
    #[error("the {kind} file {} is not a PEM file (no valid -----BEGIN …----- block)", path.display())]
    NotPem { kind: PemKind, path: PathBuf },
    #[error("the private key {} does not belong to the certificate {}", key.display(), cert.display())]
    KeyMismatch { cert: PathBuf, key: PathBuf },
    #[error("the private key {} cannot be used: {reason}", path.display())]
    BadKey { path: PathBuf, reason: String },
    #[error("a certificate needs its private key, and a key its certificate: give both")]
    CertWithoutKey,
    #[error(
        "no trusted root certificates found on this system (install ca-certificates), so no server can be verified: give a CA file, or trust the server explicitly"
    )]
    NoSystemRoots,
    #[error("the CA file {} holds no usable CA certificate", path.display())]
    NoUsableCa { path: PathBuf },
    #[error("'{host}' is not a valid TLS server name")]
    BadServerName { host: String },
    #[error(
        "no configuration folder to keep a self-signed certificate in (HOME is not set): give a certificate and its key"
    )]
    NoConfigDir,
    #[error("cannot make a self-signed certificate: {0}")]
    Generate(String),
    #[error("cannot save the self-signed certificate to {}: {reason}", path.display())]
    CannotSave { path: PathBuf, reason: String },
    #[error("TLS setup failed: {0}")]
    Other(String),
}

/// How a TLS server gets its certificate, and whether it asks clients for theirs.
#[derive(Debug, Clone, Default)]
pub struct TlsServerOptions {
    /// The user's PEM certificate (chain) and key; without them, a self-signed one.
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    /// Where the self-signed certificate is kept between runs.
    pub self_signed_dir: Option<PathBuf>,
    /// Require a client certificate signed by a CA in this file.
    pub client_ca: Option<PathBuf>,
}

/// How a TLS client decides whether to trust the server, and what it shows of itself.
#[derive(Debug, Clone, Default)]
pub struct TlsClientOptions {
    /// Trust servers signed by the CAs in this file instead of the system's roots.
    pub ca: Option<PathBuf>,
    /// Trust any certificate (still encrypted; the window warns).
    pub insecure: bool,
    /// A client certificate and its key, for servers that ask for one.
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

/// A server's TLS settings, ready: its rustls config and what its own certificate says.
#[derive(Clone)]
pub struct TlsServer {
    pub(crate) config: Arc<rustls::ServerConfig>,
    /// This server's certificate, to show (a client compares the fingerprint).
    pub certificate: CertSummary,
    pub cert_path: PathBuf,
    /// True when the self-signed certificate was made on this start.
    pub generated: bool,
    pub requires_client_cert: bool,
}

impl fmt::Debug for TlsServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsServer")
            .field("certificate", &self.certificate)
            .field("cert_path", &self.cert_path)
            .finish_non_exhaustive()
    }
}

/// A client's TLS settings, ready.
#[derive(Clone)]
pub struct TlsClient {
    pub(crate) config: Arc<rustls::ClientConfig>,
    /// Any certificate is trusted: the connection is encrypted but the server not verified.
    pub insecure: bool,
}

impl fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsClient")
            .field("insecure", &self.insecure)
            .finish_non_exhaustive()
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn other(err: rustls::Error) -> TlsSetupError {
    TlsSetupError::Other(err.to_string())
}

/// A certificate chain and its key, checked to belong together.
fn certified(
    cert: &std::path::Path,
    key: &std::path::Path,
    provider: &rustls::crypto::CryptoProvider,
) -> Result<Arc<rustls::sign::CertifiedKey>, TlsSetupError> {
    let chain = load_certificates(PemKind::Certificate, cert)?;
    let der = load_key(key)?;
    rustls::sign::CertifiedKey::from_der(chain, der, provider)
        .map(Arc::new)
        .map_err(|err| match err {
            rustls::Error::InconsistentKeys(_) => TlsSetupError::KeyMismatch {
                cert: cert.to_path_buf(),
                key: key.to_path_buf(),
            },
            other => TlsSetupError::BadKey {
                path: key.to_path_buf(),
                reason: other.to_string(),
            },
        })
}

fn roots_from(path: &std::path::Path) -> Result<RootCertStore, TlsSetupError> {
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(load_certificates(PemKind::Ca, path)?);
    if added == 0 {
        return Err(TlsSetupError::NoUsableCa {
            path: path.to_path_buf(),
        });
    }
    Ok(roots)
}

/// Builds a server's TLS settings; nothing listens until this has succeeded.
pub fn server(options: &TlsServerOptions) -> Result<TlsServer, TlsSetupError> {
    let provider = provider();
    let (cert_path, key_path, generated) = match (&options.cert, &options.key) {
        (Some(cert), Some(key)) => (cert.clone(), key.clone(), false),
        (None, None) => {
            // Never a shared folder such as /tmp: another user could plant a key there.
            let dir = options
                .self_signed_dir
                .clone()
                .ok_or(TlsSetupError::NoConfigDir)?;
            self_signed_in(&dir)?
        }
        _ => return Err(TlsSetupError::CertWithoutKey),
    };
    let key = certified(&cert_path, &key_path, &provider)?;
    let certificate = CertSummary::of(key.cert.first().map_or(&[][..], |c| c.as_ref()));
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(other)?;
    let builder = match &options.client_ca {
        Some(ca) => {
            let pinned = load_certificates(PemKind::Ca, ca)?;
            let webpki =
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots_from(ca)?), provider)
                    .build()
                    .map_err(|err| TlsSetupError::Other(err.to_string()))?;
            let verifier = pinned::ClientCaFileVerifier::new(webpki, pinned);
            builder.with_client_cert_verifier(Arc::new(verifier))
        }
        None => builder.with_no_client_auth(),
    };
    let resolver = rustls::sign::SingleCertAndKey::from(key);
    let config = builder.with_cert_resolver(Arc::new(resolver));
    Ok(TlsServer {
        config: Arc::new(config),
        certificate,
        cert_path,
        generated,
        requires_client_cert: options.client_ca.is_some(),
    })
}

/// Builds a client's TLS settings; nothing connects until this has succeeded.
pub fn client(options: &TlsClientOptions) -> Result<TlsClient, TlsSetupError> {
    let provider = provider();
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(other)?;
    let builder = if options.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(insecure::TrustAnyCertificate::new(
                provider.clone(),
            )))
    } else {
        let (roots, pinned) = match &options.ca {
            Some(ca) => (roots_from(ca)?, load_certificates(PemKind::Ca, ca)?),
            None => (system_roots()?, Vec::new()),
        };
        let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider.clone(),
        )
        .build()
        .map_err(|err| TlsSetupError::Other(err.to_string()))?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(pinned::CaFileVerifier::new(webpki, pinned)))
    };
    let config = match (&options.cert, &options.key) {
        (Some(cert), Some(key)) => {
            let key = certified(cert, key, &provider)?;
            builder.with_client_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(key)))
        }
        (None, None) => builder.with_no_client_auth(),
        _ => return Err(TlsSetupError::CertWithoutKey),
    };
    Ok(TlsClient {
        config: Arc::new(config),
        insecure: options.insecure,
    })
}

fn system_roots() -> Result<RootCertStore, TlsSetupError> {
    let found = rustls_native_certs::load_native_certs();
    for error in &found.errors {
        tracing::debug!(%error, "a system certificate could not be read");
    }
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(found.certs);
    if roots.is_empty() {
        return Err(TlsSetupError::NoSystemRoots);
    }
    Ok(roots)
}

/// The name a client asks for and checks the certificate against: the host as typed, an IP
/// literal checked against the certificate's IP addresses.
pub(crate) fn server_name(host: &str) -> Result<ServerName<'static>, TlsSetupError> {
    let bare = host.trim().trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(bare.to_string()).map_err(|_| TlsSetupError::BadServerName {
        host: host.to_string(),
    })
}

/// What a finished handshake says: shown when a TLS connection comes up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInfo {
    /// `TLS 1.3`.
    pub version: String,
    /// `TLS13_AES_256_GCM_SHA384`.
    pub cipher: String,
    /// The peer's certificate; a server's clients usually have none.
    pub peer_certificate: Option<CertSummary>,
    /// False when the client trusted the server without checking (`--insecure`).
    pub verified: bool,
}

impl TlsInfo {
    fn of(conn: &rustls::CommonState, verified: bool) -> TlsInfo {
        let version = match conn.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3".to_string(),
            Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2".to_string(),
            Some(other) => format!("{other:?}"),
            None => "TLS".to_string(),
        };
        let cipher = conn
            .negotiated_cipher_suite()
            .map(|suite| {
                let suite = suite.suite();
                suite
                    .as_str()
                    .map_or_else(|| format!("{suite:?}"), str::to_string)
            })
            .unwrap_or_default();
        let peer_certificate = conn
            .peer_certificates()
            .and_then(|chain| chain.first())
            .map(|cert: &CertificateDer<'_>| CertSummary::of(cert));
        TlsInfo {
            version,
            cipher,
            peer_certificate,
            verified,
        }
    }
}

impl fmt::Display for TlsInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}", self.version, self.cipher)?;
        match &self.peer_certificate {
            Some(cert) => write!(f, "; certificate {cert}")?,
            None => f.write_str("; no peer certificate")?,
        }
        if !self.verified {
            f.write_str("; NOT VERIFIED (trusted without checking)")?;
        }
        Ok(())
    }
}

/// Why a handshake failed, in the words a user needs to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsFailure {
    UnknownIssuer,
    Expired { not_after: Option<String> },
    NotYetValid { not_before: Option<String> },
    NameMismatch { name: String },
    NotTls,
    ClosedDuringHandshake,
    PeerRefused { alert: String },
    NoClientCertificate,
    Other(String),
}

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsFailure::UnknownIssuer => f.write_str(
                "the certificate's issuer is not trusted (unknown issuer; for a self-signed server give its CA file, or trust it explicitly)",
            ),
            TlsFailure::Expired { not_after: Some(at) } => {
                write!(f, "the certificate has expired (it was valid until {at})")
            }
            TlsFailure::Expired { not_after: None } => f.write_str("the certificate has expired"),
            TlsFailure::NotYetValid { not_before: Some(at) } => {
                write!(f, "the certificate is not valid yet (valid from {at})")
            }
            TlsFailure::NotYetValid { not_before: None } => {
                f.write_str("the certificate is not valid yet")
            }
            TlsFailure::NameMismatch { name } => {
                write!(f, "the certificate is not for '{name}' (name mismatch)")
            }
            TlsFailure::NotTls => f.write_str("the peer does not speak TLS"),
            TlsFailure::ClosedDuringHandshake => f.write_str(
                "the peer closed the connection during the handshake (it may not speak TLS, or it refused our certificate)",
            ),
            TlsFailure::PeerRefused { alert } => {
                write!(f, "the peer refused the handshake ({alert})")
            }
            TlsFailure::NoClientCertificate => {
                f.write_str("the client sent no certificate, and one is required")
            }
            TlsFailure::Other(why) => f.write_str(why),
        }
    }
}

impl TlsFailure {
    /// Reads the rustls error out of a failed handshake's I/O error.
    pub(crate) fn of(err: &io::Error, name: &str) -> TlsFailure {
        if let Some(tls) = err
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return TlsFailure::of_rustls(tls, name);
        }
        match err.kind() {
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::BrokenPipe => TlsFailure::ClosedDuringHandshake,
            _ => TlsFailure::Other(err.to_string()),
        }
    }

    fn of_rustls(err: &rustls::Error, name: &str) -> TlsFailure {
        use rustls::Error as E;
        match err {
            E::InvalidCertificate(cert) => match cert {
                CertificateError::UnknownIssuer => TlsFailure::UnknownIssuer,
                CertificateError::Expired => TlsFailure::Expired { not_after: None },
                CertificateError::ExpiredContext { not_after, .. } => TlsFailure::Expired {
                    not_after: Some(certs::utc(unix_seconds(not_after))),
                },
                CertificateError::NotValidYet => TlsFailure::NotYetValid { not_before: None },
                CertificateError::NotValidYetContext { not_before, .. } => {
                    TlsFailure::NotYetValid {
                        not_before: Some(certs::utc(unix_seconds(not_before))),
                    }
                }
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => TlsFailure::NameMismatch {
                    name: name.to_string(),
                },
                CertificateError::BadSignature => {
                    TlsFailure::Other("the certificate's signature is not valid".into())
                }
                other => TlsFailure::Other(format!("the certificate is not acceptable: {other:?}")),
            },
            E::InvalidMessage(_) | E::InappropriateMessage { .. } => TlsFailure::NotTls,
            E::NoCertificatesPresented => TlsFailure::NoClientCertificate,
            E::AlertReceived(alert) => match alert {
                AlertDescription::CertificateRequired => TlsFailure::PeerRefused {
                    alert: "it requires a client certificate".into(),
                },
                AlertDescription::UnknownCA | AlertDescription::BadCertificate => {
                    TlsFailure::PeerRefused {
                        alert: "it does not trust our certificate".into(),
                    }
                }
                other => TlsFailure::PeerRefused {
                    alert: format!("alert {other:?}"),
                },
            },
            other => TlsFailure::Other(other.to_string()),
        }
    }
}

fn unix_seconds(time: &rustls::pki_types::UnixTime) -> i64 {
    i64::try_from(time.as_secs()).unwrap_or(i64::MAX)
}

/// A client's handshake over a connected stream.
pub(crate) async fn connect(
    tls: &TlsClient,
    host: &str,
    stream: tokio::net::TcpStream,
) -> Result<(tokio_rustls::TlsStream<tokio::net::TcpStream>, TlsInfo), TlsFailure> {
    let name = server_name(host).map_err(|err| TlsFailure::Other(err.to_string()))?;
    let connector = tokio_rustls::TlsConnector::from(tls.config.clone());
    let stream = connector
        .connect(name, stream)
        .await
        .map_err(|err| TlsFailure::of(&err, host))?;
    let info = TlsInfo::of(stream.get_ref().1, !tls.insecure);
    Ok((tokio_rustls::TlsStream::Client(stream), info))
}

/// A server's handshake with an accepted client.
pub(crate) async fn accept(
    tls: &TlsServer,
    stream: tokio::net::TcpStream,
) -> Result<(tokio_rustls::TlsStream<tokio::net::TcpStream>, TlsInfo), TlsFailure> {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls.config.clone());
    let stream = acceptor
        .accept(stream)
        .await
        .map_err(|err| TlsFailure::of(&err, ""))?;
    let info = TlsInfo::of(stream.get_ref().1, true);
    Ok((tokio_rustls::TlsStream::Server(stream), info))
}

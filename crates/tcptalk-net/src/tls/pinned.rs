//! A CA file that holds the server's own certificate trusts that server. Devices and test
//! servers are very often self-signed with `openssl req -x509`, which marks the certificate as
//! a CA; WebPKI then refuses it as an end entity ("CA used as end entity") although the user
//! named exactly that certificate. `openssl s_client -CAfile` and curl accept it, and so do we:
//! when the normal verification fails and the server's certificate is byte for byte one the
//! user gave, it is trusted after checking its validity period and name ourselves.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

#[derive(Debug)]
pub(super) struct CaFileVerifier {
    webpki: Arc<WebPkiServerVerifier>,
    pinned: Vec<CertificateDer<'static>>,
}

impl CaFileVerifier {
    pub(super) fn new(
        webpki: Arc<WebPkiServerVerifier>,
        pinned: Vec<CertificateDer<'static>>,
    ) -> Self {
        CaFileVerifier { webpki, pinned }
    }

    fn check_pinned(
        end_entity: &CertificateDer<'_>,
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> Result<(), rustls::Error> {
        check_validity(end_entity, now)?;
        let parsed = ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_name(&parsed, server_name)
    }
}

fn is_self_signed(cert: &CertificateDer<'_>) -> bool {
    x509_parser::parse_x509_certificate(cert)
        .is_ok_and(|(_, cert)| cert.subject().as_raw() == cert.issuer().as_raw())
}

/// The validity period, which WebPKI would have checked.
fn check_validity(end_entity: &CertificateDer<'_>, now: UnixTime) -> Result<(), rustls::Error> {
    let (_, cert) = x509_parser::parse_x509_certificate(end_entity)
        .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
    let now_secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    let to_unix = |secs: i64| {
        UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            u64::try_from(secs).unwrap_or(0),
        ))
    };
    let not_before = cert.validity().not_before.timestamp();
    let not_after = cert.validity().not_after.timestamp();
    if now_secs < not_before {
        return Err(CertificateError::NotValidYetContext {
            time: now,
            not_before: to_unix(not_before),
        }
        .into());
    }
    if now_secs > not_after {
        return Err(CertificateError::ExpiredContext {
            time: now,
            not_after: to_unix(not_after),
        }
        .into());
    }
    Ok(())
}

impl ServerCertVerifier for CaFileVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(verified) => Ok(verified),
            Err(err)
                if self
                    .pinned
                    .iter()
                    .any(|p| p.as_ref() == end_entity.as_ref()) =>
            {
                tracing::debug!(%err, "the server's certificate is one the user gave");
                Self::check_pinned(end_entity, server_name, now)?;
                Ok(ServerCertVerified::assertion())
            }
            // A self-signed certificate marked as a CA that nobody named: WebPKI's "CA used as
            // end entity" means, to the user, that its issuer (itself) is not trusted.
            Err(rustls::Error::InvalidCertificate(CertificateError::Other(_)))
                if is_self_signed(end_entity) =>
            {
                Err(CertificateError::UnknownIssuer.into())
            }
            Err(err) => Err(err),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// The same for a server that requires client certificates: a self-signed client
/// certificate named in the CA file is trusted, within its validity period.
#[derive(Debug)]
pub(super) struct ClientCaFileVerifier {
    webpki: Arc<dyn rustls::server::danger::ClientCertVerifier>,
    pinned: Vec<CertificateDer<'static>>,
}

impl ClientCaFileVerifier {
    pub(super) fn new(
        webpki: Arc<dyn rustls::server::danger::ClientCertVerifier>,
        pinned: Vec<CertificateDer<'static>>,
    ) -> Self {
        ClientCaFileVerifier { webpki, pinned }
    }
}

impl rustls::server::danger::ClientCertVerifier for ClientCaFileVerifier {
    fn offer_client_auth(&self) -> bool {
        self.webpki.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.webpki.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        self.webpki.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<rustls::server::danger::ClientCertVerified, rustls::Error> {
        match self
            .webpki
            .verify_client_cert(end_entity, intermediates, now)
        {
            Ok(verified) => Ok(verified),
            Err(err)
                if self
                    .pinned
                    .iter()
                    .any(|p| p.as_ref() == end_entity.as_ref()) =>
            {
                tracing::debug!(%err, "the client's certificate is one the user gave");
                check_validity(end_entity, now)?;
                Ok(rustls::server::danger::ClientCertVerified::assertion())
            }
            Err(err) => Err(err),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

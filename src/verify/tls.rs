//! Which registry certificates verify accepts, and the TLS connection that applies it.
//!
//! The chain is checked against the system's trust store (`SSL_CERT_FILE` replaces it,
//! as it does for OpenSSL), plus the certificates of `--ca-file` as extra roots. A
//! certificate the user names explicitly (in `--ca-file` or `SSL_CERT_FILE`) is also
//! accepted as the server's own certificate when the registry presents exactly it, for
//! its name and within its validity: the usual self-signed certificate (`openssl req
//! -x509`) is marked as a CA, which WebPKI refuses as a server certificate, while Go
//! (and so buildah) accepts a server certificate that is itself in the trust store.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme, StreamOwned};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
    TransportAdapter,
};

use crate::{Error, Result};

/// The certificates the user trusts explicitly.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// From `--ca-file`: extra roots, and accepted as the server's own certificate.
    pub extra: Vec<CertificateDer<'static>>,
    /// From `SSL_CERT_FILE` (already the roots): accepted as the server's own certificate.
    pub named: Vec<CertificateDer<'static>>,
}

impl Trust {
    /// Reads `ca_file` (bad input when it cannot be read or holds no certificate) and
    /// the file `SSL_CERT_FILE` names, if any.
    pub fn load(ca_file: Option<&Path>) -> Result<Trust> {
        let extra = match ca_file {
            Some(path) => read_pem(path, "`--ca-file`")?,
            None => Vec::new(),
        };
        let named = match std::env::var_os("SSL_CERT_FILE") {
            Some(path) if !path.is_empty() => read_pem(&PathBuf::from(path), "`SSL_CERT_FILE`")?,
            _ => Vec::new(),
        };
        Ok(Trust { extra, named })
    }

    fn pinned(&self, cert: &CertificateDer<'_>) -> bool {
        self.extra
            .iter()
            .chain(&self.named)
            .any(|c| c.as_ref() == cert.as_ref())
    }
}

fn read_pem(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>> {
    use crate::files::read::{read_existing, Kind};
    let text = read_existing(path, Kind::Certificates)
        .map_err(|e| Error {
            message: format!("{what}: {}", e.message),
            ..e
        })?
        .bytes;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&text)
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| {
            Error::usage(format!(
                "{what} `{}` is not a PEM certificate file: {e}",
                path.display()
            ))
            .with_help("name a PEM file (`-----BEGIN CERTIFICATE-----`)")
        })?;
    if certs.is_empty() {
        return Err(
            Error::usage(format!("{what} `{}` holds no certificate", path.display()))
                .with_help("name a PEM file (`-----BEGIN CERTIFICATE-----`)"),
        );
    }
    Ok(certs)
}

/// The TLS client configuration verify uses when it checks certificates.
pub fn client_config(trust: &Trust) -> Result<Arc<ClientConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let inner = rustls_platform_verifier::Verifier::new_with_extra_roots(
        trust.extra.iter().cloned(),
        provider.clone(),
    )
    .map_err(|e| Error::failed(format!("cannot load the system's trust store: {e}")))?;
    let verifier = Verifier {
        inner,
        trust: trust.clone(),
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::failed(format!("cannot set up TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

struct Verifier {
    inner: rustls_platform_verifier::Verifier,
    trust: Trust,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Verifier")
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let err =
            match self
                .inner
                .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
            {
                Ok(ok) => return Ok(ok),
                Err(err) => err,
            };
        if !self.trust.pinned(end_entity) {
            return Err(err);
        }
        let cert = rustls::server::ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_name(&cert, server_name)?;
        match validity(end_entity.as_ref()) {
            Some((from, until)) if (from..=until).contains(&now.as_secs()) => {
                Ok(ServerCertVerified::assertion())
            }
            Some(_) => Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::Expired,
            )),
            None => Err(err),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// One DER element: its tag, its content, and what follows it.
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// A certificate's validity (notBefore, notAfter) in Unix seconds.
fn validity(der: &[u8]) -> Option<(u64, u64)> {
    let (_, cert, _) = der_element(der)?;
    let (_, tbs, _) = der_element(cert)?;
    let mut rest = tbs;
    // [0] version (optional), serial, signature algorithm, issuer, validity.
    let (tag, _, after) = der_element(rest)?;
    if tag == 0xa0 {
        rest = after;
    }
    for _ in 0..3 {
        rest = der_element(rest)?.2;
    }
    let (_, validity, _) = der_element(rest)?;
    let (t1, from, more) = der_element(validity)?;
    let (t2, until, _) = der_element(more)?;
    Some((der_time(t1, from)?, der_time(t2, until)?))
}

/// UTCTime (`YYMMDDHHMMSSZ`, tag 0x17) or GeneralizedTime (`YYYYMMDDHHMMSSZ`, 0x18).
fn der_time(tag: u8, text: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(text).ok()?.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 if text.len() == 12 => {
            let yy: i64 = text[..2].parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &text[2..])
        }
        0x18 if text.len() == 14 => (text[..4].parse().ok()?, &text[4..]),
        _ => return None,
    };
    let field = |i: usize| -> Option<i64> { rest.get(i..i + 2)?.parse().ok() };
    let (month, day) = (field(0)?, field(2)?);
    let (hour, minute, second) = (field(4)?, field(6)?, field(8)?);
    // Days from 1970-01-01 to the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + hour * 3_600 + minute * 60 + second).ok()
}

/// Wraps https connections in TLS with [`client_config`]'s verifier (ureq's own
/// connector takes no custom verifier).
#[derive(Debug)]
pub struct TlsConnector {
    pub config: Arc<ClientConfig>,
}

impl<In: Transport> Connector<In> for TlsConnector {
    type Out = Either<In, TlsTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> std::result::Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else {
            return Ok(None);
        };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let host = details.uri.host().unwrap_or_default();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let name = ServerName::try_from(host.to_string())
            .map_err(|_| ureq::Error::Tls("invalid server name"))?;
        let mut conn = ClientConnection::new(self.config.clone(), name)?;
        let mut sock = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        sock.set_timeout(details.timeout);
        conn.complete_io(&mut sock)?;
        let buffers = LazyBuffers::new(
            details.config.input_buffer_size(),
            details.config.output_buffer_size(),
        );
        Ok(Some(Either::B(TlsTransport {
            buffers,
            stream: StreamOwned { conn, sock },
        })))
    }
}

pub struct TlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TlsTransport")
    }
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(
        &mut self,
        amount: usize,
        timeout: NextTimeout,
    ) -> std::result::Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> std::result::Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = self.stream.read(input)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `openssl req -x509 -days 30 -subj /CN=registry.test` (EC P-256): a CA
    /// certificate, as that command makes by default.
    const SELF_SIGNED: &str = include_str!("testdata/self-signed.pem");

    fn der() -> Vec<u8> {
        CertificateDer::from_pem_slice(SELF_SIGNED.as_bytes())
            .unwrap()
            .as_ref()
            .to_vec()
    }

    #[test]
    fn reads_the_validity_of_a_certificate() {
        let (from, until) = validity(&der()).unwrap();
        assert_eq!(until - from, 30 * 86_400);
        // Made in 2026.
        assert!((1_767_225_600..1_798_761_600).contains(&from), "{from}");
    }

    #[test]
    fn der_times_in_both_forms() {
        assert_eq!(der_time(0x17, b"700101000000Z"), Some(0));
        assert_eq!(der_time(0x17, b"261201233000Z"), Some(1_796_167_800));
        assert_eq!(der_time(0x18, b"20261201233000Z"), Some(1_796_167_800));
        assert_eq!(der_time(0x18, b"2026120123300Z"), None);
        assert_eq!(der_time(0x17, b"261201233000"), None);
    }

    #[test]
    fn a_truncated_certificate_has_no_validity() {
        let der = der();
        for n in [0, 1, 2, 10, 40, 100] {
            assert_eq!(validity(&der[..n]), None, "{n}");
        }
    }

    #[test]
    fn an_empty_or_certificate_less_ca_file_is_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = Trust::load(Some(&empty)).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.message.contains("holds no certificate"),
            "{}",
            err.message
        );
        let missing = dir.path().join("missing.pem");
        let err = Trust::load(Some(&missing)).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let good = dir.path().join("good.pem");
        std::fs::write(&good, SELF_SIGNED).unwrap();
        let trust = Trust::load(Some(&good)).unwrap();
        assert!(trust.pinned(&CertificateDer::from(der())));
    }
}

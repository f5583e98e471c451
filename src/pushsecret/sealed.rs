//! Sealed push-secret mode: the push Secret as a `bitnami.com/v1alpha1` SealedSecret,
//! which can be committed to git beside the values, because only the sealed-secrets
//! controller in the cluster holds the key that opens it. The controller turns it into
//! the same `kubernetes.io/dockerconfigjson` Secret that external mode writes in plain
//! text ([`PushSecret`]), under the same name.
//!
//! Each value is sealed as the controller's `HybridDecrypt` opens it
//! (bitnami-labs/sealed-secrets, `pkg/crypto/crypto.go`): a fresh 32-byte session key,
//! encrypted with RSA-OAEP (SHA-256, for the hash and MGF1) under the controller's
//! public key with the scope's label; then the two-byte big-endian length of that RSA
//! ciphertext, the RSA ciphertext, and the value under AES-256-GCM with the session key
//! and a zero 12-byte nonce (safe: the key seals one value only). The label binds the
//! value to where it may be unsealed: `NAMESPACE/NAME` (strict, kubeseal's default),
//! `NAMESPACE` (namespace-wide) or nothing (cluster-wide); the controller takes the
//! scope from the SealedSecret's own annotations.
//!
//! Everything here is pure but the randomness, which the caller passes in
//! ([`getrandom::SysRng`] in phib, a fixed source in tests), and the time the
//! certificate is checked at.

use std::time::SystemTime;

use aes_gcm::aead::Aead;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::Engine;
use rsa::pkcs8::DecodePublicKey;
use rsa::rand_core::TryCryptoRng;
use rsa::sha2::Sha256;
use rsa::Oaep;
use serde_json::{json, Map, Value};
use x509_cert::der::{pem, Decode, Encode};
use x509_cert::Certificate;
use zeroize::Zeroizing;

use super::{PushSecret, MANAGED_BY_LABEL, SECRET_TYPE};
use crate::{Error, Result};

/// The SealedSecret's `apiVersion`.
pub const API_VERSION: &str = "bitnami.com/v1alpha1";

/// The SealedSecret's `kind`.
pub const KIND: &str = "SealedSecret";

/// The annotation that makes a SealedSecret namespace-wide.
pub const NAMESPACE_WIDE_ANNOTATION: &str = "sealedsecrets.bitnami.com/namespace-wide";

/// The annotation that makes a SealedSecret cluster-wide.
pub const CLUSTER_WIDE_ANNOTATION: &str = "sealedsecrets.bitnami.com/cluster-wide";

/// The status condition the controller sets on each SealedSecret it handles
/// (`SealedSecretSynced` in its API types): `True` once the Secret is written, `False`
/// with the error as its message when unsealing or writing failed.
pub const SYNCED_CONDITION: &str = "Synced";

/// The resource kubectl reads SealedSecrets as.
pub const RESOURCE: &str = "sealedsecrets.bitnami.com";

/// The annotation that lets the controller take over an existing Secret of the same
/// name (one that external mode applied, say), which it otherwise refuses to touch.
pub const MANAGED_ANNOTATION: &str = "sealedsecrets.bitnami.com/managed";

/// The controller's Service name when none is given (kubeseal's `--controller-name`).
pub const CONTROLLER_NAME: &str = "sealed-secrets-controller";

/// The controller's namespace when none is given (kubeseal's `--controller-namespace`).
pub const CONTROLLER_NAMESPACE: &str = "kube-system";

/// Where the controller serves its current certificate, on its Service's first port.
pub const CERT_PATH: &str = "/v1/cert.pem";

/// The bytes of the one-time AES-256 session key.
const SESSION_KEY_BYTES: usize = 32;

/// The OID of `rsaEncryption`, the only key the controller seals with.
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";

/// How to get the certificate, for every refusal of one.
pub const FETCH_HELP: &str = "give the certificate of the sealed-secrets controller, as `kubeseal --fetch-cert > cert.pem` prints it (add `--controller-name` and `--controller-namespace` when the controller is not `sealed-secrets-controller` in `kube-system`)";

/// The API server's proxy path to the controller's certificate, as kubeseal fetches it
/// (`kubectl get --raw PATH`): the Service `name` in `namespace`, on its port
/// `port_name` (kubeseal takes the name of the Service's first port, `http` in the
/// controller's chart).
pub fn cert_proxy_path(namespace: &str, name: &str, port_name: &str) -> String {
    format!("/api/v1/namespaces/{namespace}/services/http:{name}:{port_name}/proxy{CERT_PATH}")
}

/// Where a SealedSecret may be unsealed, and so which label seals its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Only under its own name in its own namespace (kubeseal's default).
    #[default]
    Strict,
    /// Under any name in its own namespace.
    NamespaceWide,
    /// Under any name in any namespace.
    ClusterWide,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Strict, Scope::NamespaceWide, Scope::ClusterWide];

    /// The name kubeseal's `--scope` and phib's `--sealing-scope` take.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Strict => "strict",
            Scope::NamespaceWide => "namespace-wide",
            Scope::ClusterWide => "cluster-wide",
        }
    }

    /// The scope named `name` (see [`Scope::name`]); anything else is bad usage.
    pub fn from_name(name: &str) -> Result<Scope> {
        Scope::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| {
                Error::usage(format!(
                    "`--sealing-scope` `{name}` is not a sealing scope"
                ))
                .with_help(format!(
                    "use one of {} (the default `strict` binds the Secret to its name and namespace)",
                    Scope::ALL.map(|s| format!("`{}`", s.name())).join(", ")
                ))
            })
    }

    /// The RSA-OAEP label that binds a value to this scope.
    pub fn label(self, namespace: &str, name: &str) -> String {
        match self {
            Scope::Strict => format!("{namespace}/{name}"),
            Scope::NamespaceWide => namespace.to_string(),
            Scope::ClusterWide => String::new(),
        }
    }

    /// The annotation that tells the controller this scope (none for strict).
    pub fn annotation(self) -> Option<&'static str> {
        match self {
            Scope::Strict => None,
            Scope::NamespaceWide => Some(NAMESPACE_WIDE_ANNOTATION),
            Scope::ClusterWide => Some(CLUSTER_WIDE_ANNOTATION),
        }
    }

    /// The scope a SealedSecret declares in `metadata.annotations`, read as the
    /// controller reads it: cluster-wide first, and only the exact value `"true"`.
    pub fn of_document(doc: &Value) -> Scope {
        let annotations = &doc["metadata"]["annotations"];
        let set = |key: &str| annotations[key].as_str() == Some("true");
        if set(CLUSTER_WIDE_ANNOTATION) {
            Scope::ClusterWide
        } else if set(NAMESPACE_WIDE_ANNOTATION) {
            Scope::NamespaceWide
        } else {
            Scope::Strict
        }
    }
}

/// The controller's certificate, checked: an X.509 certificate holding an RSA public
/// key, valid at the time it was read.
#[derive(Clone)]
pub struct SealingCert {
    key: rsa::PublicKey,
    not_after: String,
}

impl std::fmt::Debug for SealingCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealingCert")
            .field("key_bits", &self.key_bits())
            .field("not_after", &self.not_after)
            .finish()
    }
}

impl SealingCert {
    /// Reads the first `CERTIFICATE` of the PEM text `pem` (as kubeseal does) and checks
    /// it at `now`. `origin` names where it came from in errors (say "`--sealing-cert`
    /// `cert.pem`"). Every refusal is bad input (exit 2), naming the problem and how to
    /// get the right certificate; nothing of the file is quoted.
    pub fn from_pem(pem: &[u8], origin: &str, now: SystemTime) -> Result<SealingCert> {
        let der = certificate_der(pem, origin)?;
        let cert = Certificate::from_der(&der).map_err(|e| {
            Error::usage(format!(
                "{origin} holds a `CERTIFICATE` that is not an X.509 certificate ({e})"
            ))
            .with_help(FETCH_HELP)
        })?;
        let tbs = cert.tbs_certificate();
        let spki = tbs.subject_public_key_info();
        let oid = spki.algorithm.oid.to_string();
        if oid != RSA_ENCRYPTION {
            return Err(Error::usage(format!(
                "{origin} holds {}, but the sealed-secrets controller seals with RSA keys: this is not its certificate",
                key_kind(&oid)
            ))
            .with_help(FETCH_HELP));
        }
        let key = spki
            .to_der()
            .ok()
            .and_then(|der| rsa::PublicKey::from_public_key_der(&der).ok())
            .ok_or_else(|| {
                Error::usage(format!(
                    "{origin} holds an RSA key that cannot seal (malformed, or smaller than {} or larger than {} bits)",
                    rsa::PublicKey::MIN_SIZE,
                    rsa::PublicKey::MAX_SIZE
                ))
                .with_help(FETCH_HELP)
            })?;
        let validity = tbs.validity();
        let not_before = validity.not_before.to_date_time().to_string();
        let not_after = validity.not_after.to_date_time().to_string();
        if now < validity.not_before.to_system_time() {
            return Err(
                Error::usage(format!("{origin} is not valid before {not_before}")).with_help(
                    format!("check this machine's clock (`date -u`); otherwise {FETCH_HELP}"),
                ),
            );
        }
        if now > validity.not_after.to_system_time() {
            return Err(
                Error::usage(format!("{origin} expired on {not_after}")).with_help(format!(
                    "the controller renews its certificate; {FETCH_HELP}"
                )),
            );
        }
        Ok(SealingCert { key, not_after })
    }

    /// When the certificate expires (RFC 3339, UTC).
    pub fn not_after(&self) -> &str {
        &self.not_after
    }

    /// The size of its RSA key, in bits (4096 for the controller's own keys).
    pub fn key_bits(&self) -> usize {
        use rsa::traits::PublicKeyParts;
        self.key.n().bit_width() as usize
    }
}

/// The DER bytes of the first `CERTIFICATE` block in `pem`.
fn certificate_der(pem: &[u8], origin: &str) -> Result<Vec<u8>> {
    let not_pem = |what: &str| {
        Error::usage(format!("{origin} is not a PEM certificate ({what})")).with_help(FETCH_HELP)
    };
    if pem.first() == Some(&0x30) {
        return Err(Error::usage(format!(
            "{origin} is not a PEM certificate (it looks like binary DER)"
        ))
        .with_help(
            "convert it with `openssl x509 -inform der -in FILE -out cert.pem`, or fetch it with `kubeseal --fetch-cert > cert.pem`",
        ));
    }
    let text = std::str::from_utf8(pem).map_err(|_| not_pem("not text"))?;
    let mut labels = Vec::new();
    for block in pem_blocks(text) {
        let (label, der) = pem::decode_vec(block.as_bytes()).map_err(|e| {
            Error::usage(format!(
                "{origin} has a PEM block that does not decode ({e})"
            ))
            .with_help(FETCH_HELP)
        })?;
        if label == "CERTIFICATE" {
            return Ok(der);
        }
        labels.push(label.to_string());
    }
    if labels.is_empty() {
        return Err(not_pem("no `-----BEGIN CERTIFICATE-----` block"));
    }
    let private = labels.iter().any(|l| l.contains("PRIVATE KEY"));
    let mut err = Error::usage(format!(
        "{origin} holds {}, not a `CERTIFICATE`",
        labels
            .iter()
            .map(|l| format!("a `{l}`"))
            .collect::<Vec<_>>()
            .join(" and ")
    ));
    err = if private {
        err.with_help(format!(
            "a private key belongs to the controller alone and must not be copied out of the cluster; {FETCH_HELP}"
        ))
    } else {
        err.with_help(FETCH_HELP)
    };
    Err(err)
}

/// The PEM blocks of `text`, each from its `-----BEGIN` line through its `-----END`
/// line; text around and between them (comments, as `openssl x509 -text` writes) is
/// skipped, as Go's `pem.Decode` skips it.
fn pem_blocks(text: &str) -> Vec<&str> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let from = &rest[start..];
        let Some(end) = from.find("-----END ") else {
            blocks.push(from);
            break;
        };
        let after = &from[end + "-----END ".len()..];
        let close = after
            .find("-----")
            .map(|i| end + "-----END ".len() + i + "-----".len())
            .unwrap_or(from.len());
        blocks.push(&from[..close]);
        rest = &from[close..];
    }
    blocks
}

/// What a key of algorithm `oid` is, for a refusal.
fn key_kind(oid: &str) -> String {
    match oid {
        "1.2.840.10045.2.1" => "an EC key".into(),
        "1.3.101.112" => "an Ed25519 key".into(),
        "1.3.101.113" => "an Ed448 key".into(),
        "1.2.840.113549.1.1.10" => "an RSA-PSS key (for signing only)".into(),
        "1.2.840.10040.4.1" => "a DSA key".into(),
        other => format!("a key of algorithm {other}"),
    }
}

/// Seals `value` for the SealedSecret `name` in `namespace` under `scope`: the
/// base64 text of `encryptedData`'s entry. Fresh randomness each time, so the same
/// value seals differently every run.
pub fn seal<R: TryCryptoRng + ?Sized>(
    value: &[u8],
    cert: &SealingCert,
    scope: Scope,
    namespace: &str,
    name: &str,
    rng: &mut R,
) -> Result<String> {
    let random_failed = |e: &dyn std::fmt::Display| {
        Error::failed(format!("the system's random number source failed: {e}"))
    };
    let mut session_key = Zeroizing::new([0u8; SESSION_KEY_BYTES]);
    rng.try_fill_bytes(session_key.as_mut())
        .map_err(|e| random_failed(&e))?;
    let label = scope.label(namespace, name);
    let rsa_ciphertext = cert
        .key
        .encrypt(
            rng,
            Oaep::<Sha256>::new_with_label(label.into_bytes()),
            session_key.as_ref(),
        )
        .map_err(|e| match e {
            rsa::Error::Rng => random_failed(&"no random bytes"),
            e => Error::bug(format!("RSA-OAEP refused a session key: {e}")),
        })?;
    let length = u16::try_from(rsa_ciphertext.len())
        .map_err(|_| Error::bug("an RSA ciphertext longer than 65535 bytes"))?;
    let cipher = Aes256Gcm::new_from_slice(session_key.as_ref())
        .map_err(|_| Error::bug("an AES-256 key that is not 32 bytes"))?;
    let aes_ciphertext = cipher
        .encrypt(&Nonce::default(), value)
        .map_err(|_| Error::bug("AES-GCM refused to seal a value"))?;
    let mut out = Vec::with_capacity(2 + rsa_ciphertext.len() + aes_ciphertext.len());
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&rsa_ciphertext);
    out.extend_from_slice(&aes_ciphertext);
    Ok(base64::engine::general_purpose::STANDARD.encode(out))
}

/// The SealedSecret of `secret`: named and placed as the Secret, scope annotations on
/// both (the controller reads the SealedSecret's own, kubeseal writes both), phib's
/// label on both, and `.dockerconfigjson` sealed; the template gives the Secret its
/// type. The same document as [`PushSecret::manifest`] once the controller unseals it.
pub fn sealed_secret<R: TryCryptoRng + ?Sized>(
    secret: &PushSecret,
    cert: &SealingCert,
    scope: Scope,
    rng: &mut R,
) -> Result<Value> {
    let dockerconfigjson = secret.dockerconfigjson();
    let sealed = seal(
        dockerconfigjson.expose().as_bytes(),
        cert,
        scope,
        &secret.namespace,
        &secret.name,
        rng,
    )?;
    let metadata = || {
        let (label, value) = MANAGED_BY_LABEL;
        let mut m = Map::new();
        m.insert("name".into(), json!(secret.name));
        m.insert("namespace".into(), json!(secret.namespace));
        m.insert("labels".into(), json!({ label: value }));
        if let Some(annotation) = scope.annotation() {
            m.insert("annotations".into(), json!({ annotation: "true" }));
        }
        Value::Object(m)
    };
    Ok(json!({
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": metadata(),
        "spec": {
            "encryptedData": { ".dockerconfigjson": sealed },
            "template": {
                "metadata": metadata(),
                "type": SECRET_TYPE,
            },
        },
    }))
}

/// [`sealed_secret`] as a YAML manifest (one document), ready for git and for
/// `kubectl apply -f`. Holds nothing secret.
pub fn manifest<R: TryCryptoRng + ?Sized>(
    secret: &PushSecret,
    cert: &SealingCert,
    scope: Scope,
    rng: &mut R,
) -> Result<String> {
    Ok(super::yaml::document(&sealed_secret(
        secret, cert, scope, rng,
    )?))
}

/// Whether `doc` is a SealedSecret (of any API version of the group).
pub fn is_sealed_secret(doc: &Value) -> bool {
    doc["kind"].as_str() == Some(KIND)
        && doc["apiVersion"]
            .as_str()
            .is_some_and(|v| v.starts_with("bitnami.com/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use std::time::{Duration, UNIX_EPOCH};

    const RSA_2048: &str = include_str!("../../tests/fixtures/sealed/rsa-2048.pem");
    const EC_P256: &str = include_str!("../../tests/fixtures/sealed/ec-p256.pem");
    const RSA_512: &str = include_str!("../../tests/fixtures/sealed/rsa-512.pem");
    const PUBLIC_KEY: &str = include_str!("../../tests/fixtures/sealed/rsa-public-key.pem");
    /// `rsa-2048.pem` is valid from 2026-12-07T05:16:29Z to 2036-12-04T05:16:29Z.
    const NOT_BEFORE: u64 = 1796620589;
    const NOT_AFTER: u64 = 2111980589;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn during() -> SystemTime {
        at(NOT_BEFORE + 86_400)
    }

    fn cert() -> SealingCert {
        SealingCert::from_pem(RSA_2048.as_bytes(), "`cert.pem`", during()).unwrap()
    }

    /// A counter, not random: the same bytes every run, so seals can be compared.
    struct Counter(u8);

    impl rsa::rand_core::TryRng for Counter {
        type Error = std::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            let mut b = [0; 4];
            self.try_fill_bytes(&mut b)?;
            Ok(u32::from_le_bytes(b))
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            let mut b = [0; 8];
            self.try_fill_bytes(&mut b)?;
            Ok(u64::from_le_bytes(b))
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            for b in dst {
                self.0 = self.0.wrapping_add(1);
                *b = self.0;
            }
            Ok(())
        }
    }
    impl TryCryptoRng for Counter {}

    /// A source that has run dry.
    struct Broken;

    #[derive(Debug)]
    struct Dry;
    impl std::fmt::Display for Dry {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("entropy source unavailable")
        }
    }
    impl std::error::Error for Dry {}

    impl rsa::rand_core::TryRng for Broken {
        type Error = Dry;
        fn try_next_u32(&mut self) -> Result<u32, Dry> {
            Err(Dry)
        }
        fn try_next_u64(&mut self) -> Result<u64, Dry> {
            Err(Dry)
        }
        fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Dry> {
            Err(Dry)
        }
    }
    impl TryCryptoRng for Broken {}

    fn push_secret() -> PushSecret {
        PushSecret {
            name: "primehub-image-builder-push".into(),
            namespace: "hub".into(),
            registry_endpoint: "https://reg.example.com:5000".into(),
            username: "robot$ci".into(),
            password: Secret::new("p@ss w:rd\"\\"),
        }
    }

    fn refused(pem: &[u8], now: SystemTime) -> Error {
        let err = SealingCert::from_pem(pem, "`cert.pem`", now).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{err:?}");
        assert!(err.message.starts_with("`cert.pem` "), "{}", err.message);
        assert!(err.help.is_some(), "{err:?}");
        err
    }

    #[test]
    fn a_controller_style_certificate_is_read() {
        let c = cert();
        assert_eq!(c.key_bits(), 2048);
        assert_eq!(c.not_after(), "2036-12-04T05:16:29Z");
        // With text around it, as `openssl x509 -text` prints, and CRLF line ends.
        let noisy = format!(
            "Certificate:\n  subject: x\n{}",
            RSA_2048.replace('\n', "\r\n")
        );
        SealingCert::from_pem(noisy.as_bytes(), "`cert.pem`", during()).unwrap();
        // The first certificate of several, as kubeseal takes it.
        let two = format!("{RSA_2048}{EC_P256}");
        SealingCert::from_pem(two.as_bytes(), "`cert.pem`", during()).unwrap();
        // A public key before it does not hide it.
        let after_key = format!("{PUBLIC_KEY}{RSA_2048}");
        SealingCert::from_pem(after_key.as_bytes(), "`cert.pem`", during()).unwrap();
    }

    #[test]
    fn text_that_is_not_pem_is_refused() {
        for text in [&b""[..], b"hello\n", b"\xff\xfe binary"] {
            let err = refused(text, during());
            assert!(
                err.message.contains("not a PEM certificate"),
                "{}",
                err.message
            );
            assert!(err.help.unwrap().contains("kubeseal --fetch-cert"));
        }
        let der = pem::decode_vec(RSA_2048.as_bytes()).unwrap().1;
        let err = refused(&der, during());
        assert!(err.message.contains("binary DER"), "{}", err.message);
        assert!(err.help.unwrap().contains("openssl x509 -inform der"));
        let broken = RSA_2048.replace("MII", "M!I");
        let err = refused(broken.as_bytes(), during());
        assert!(err.message.contains("does not decode"), "{}", err.message);
    }

    #[test]
    fn pem_that_is_not_a_certificate_is_refused() {
        let err = refused(PUBLIC_KEY.as_bytes(), during());
        assert_eq!(
            err.message,
            "`cert.pem` holds a `PUBLIC KEY`, not a `CERTIFICATE`"
        );
        let key =
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIC0q\n-----END PRIVATE KEY-----\n";
        let err = refused(key.as_bytes(), during());
        assert!(err.message.contains("`PRIVATE KEY`"), "{}", err.message);
        assert!(
            !err.message.contains("MC4C"),
            "no key material in the message"
        );
        assert!(err.help.unwrap().contains("must not be copied out"));
        // A CERTIFICATE block whose bytes are not a certificate.
        let fake = "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n";
        let err = refused(fake.as_bytes(), during());
        assert!(
            err.message.contains("not an X.509 certificate"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_key_that_is_not_rsa_is_refused() {
        let err = refused(EC_P256.as_bytes(), during());
        assert!(
            err.message.contains("holds an EC key") && err.message.contains("RSA"),
            "{}",
            err.message
        );
        let err = refused(RSA_512.as_bytes(), during());
        assert!(err.message.contains("cannot seal"), "{}", err.message);
    }

    #[test]
    fn certificates_outside_their_dates_are_refused() {
        let err = refused(RSA_2048.as_bytes(), at(NOT_AFTER + 1));
        assert_eq!(err.message, "`cert.pem` expired on 2036-12-04T05:16:29Z");
        assert!(err.help.unwrap().contains("kubeseal --fetch-cert"));
        let err = refused(RSA_2048.as_bytes(), at(NOT_BEFORE - 1));
        assert_eq!(
            err.message,
            "`cert.pem` is not valid before 2026-12-07T05:16:29Z"
        );
        assert!(err.help.unwrap().contains("clock"));
        // Both ends are inside.
        SealingCert::from_pem(RSA_2048.as_bytes(), "c", at(NOT_BEFORE)).unwrap();
        SealingCert::from_pem(RSA_2048.as_bytes(), "c", at(NOT_AFTER)).unwrap();
    }

    #[test]
    fn scopes_by_name_label_and_annotation() {
        for s in Scope::ALL {
            assert_eq!(Scope::from_name(s.name()).unwrap(), s);
        }
        assert_eq!(Scope::default(), Scope::Strict);
        let err = Scope::from_name("Strict").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.help.unwrap().contains("`namespace-wide`"));
        assert_eq!(Scope::Strict.label("hub", "push"), "hub/push");
        assert_eq!(Scope::NamespaceWide.label("hub", "push"), "hub");
        assert_eq!(Scope::ClusterWide.label("hub", "push"), "");
        assert_eq!(Scope::Strict.annotation(), None);
        for s in Scope::ALL {
            let mut doc = json!({"metadata": {}});
            if let Some(a) = s.annotation() {
                doc["metadata"]["annotations"] = json!({ a: "true" });
            }
            assert_eq!(Scope::of_document(&doc), s);
        }
        let both = json!({"metadata": {"annotations": {
            NAMESPACE_WIDE_ANNOTATION: "true", CLUSTER_WIDE_ANNOTATION: "true"}}});
        assert_eq!(Scope::of_document(&both), Scope::ClusterWide);
        let not_exact = json!({"metadata": {"annotations": {CLUSTER_WIDE_ANNOTATION: "True"}}});
        assert_eq!(Scope::of_document(&not_exact), Scope::Strict);
    }

    #[test]
    fn the_sealed_value_has_the_controllers_layout() {
        let c = cert();
        let value = b"{\"auths\":{}}";
        let text = seal(value, &c, Scope::Strict, "hub", "push", &mut Counter(0)).unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&text)
            .unwrap();
        // Length, RSA ciphertext of the key size, value plus the 16-byte GCM tag.
        assert_eq!(u16::from_be_bytes([bytes[0], bytes[1]]), 256);
        assert_eq!(bytes.len(), 2 + 256 + value.len() + 16);
        // The same randomness seals the same way; other randomness, a label or a
        // value change the result.
        let again = seal(value, &c, Scope::Strict, "hub", "push", &mut Counter(0)).unwrap();
        assert_eq!(text, again);
        let other_rng = seal(value, &c, Scope::Strict, "hub", "push", &mut Counter(7)).unwrap();
        assert_ne!(text, other_rng);
        let other_ns = seal(value, &c, Scope::Strict, "ml", "push", &mut Counter(0)).unwrap();
        assert_ne!(
            text[..100],
            other_ns[..100],
            "the label enters the RSA part"
        );
        let wide = seal(value, &c, Scope::NamespaceWide, "hub", "x", &mut Counter(0)).unwrap();
        let wide2 = seal(value, &c, Scope::NamespaceWide, "hub", "y", &mut Counter(0)).unwrap();
        assert_eq!(wide, wide2, "the name is not in a namespace-wide label");
        // With the system's randomness, two seals differ.
        let a = seal(
            value,
            &c,
            Scope::Strict,
            "hub",
            "push",
            &mut getrandom::SysRng,
        )
        .unwrap();
        let b = seal(
            value,
            &c,
            Scope::Strict,
            "hub",
            "push",
            &mut getrandom::SysRng,
        )
        .unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn a_failing_random_source_is_an_error() {
        let err = seal(b"x", &cert(), Scope::Strict, "hub", "push", &mut Broken).unwrap_err();
        assert_eq!(err.exit_code(), 1);
        assert!(
            err.message
                .contains("random number source failed: entropy source unavailable"),
            "{}",
            err.message
        );
    }

    #[test]
    fn the_document_golden_per_scope() {
        let s = push_secret();
        for scope in Scope::ALL {
            let doc = sealed_secret(&s, &cert(), scope, &mut Counter(0)).unwrap();
            let sealed = doc["spec"]["encryptedData"][".dockerconfigjson"]
                .as_str()
                .unwrap()
                .to_string();
            let meta = |indent: &str| {
                let mut m = format!(
                    "{indent}name: \"primehub-image-builder-push\"\n{indent}namespace: \"hub\"\n{indent}labels:\n{indent}  \"app.kubernetes.io/managed-by\": \"phib\"\n"
                );
                if let Some(a) = scope.annotation() {
                    m.push_str(&format!(
                        "{indent}annotations:\n{indent}  \"{a}\": \"true\"\n"
                    ));
                }
                m
            };
            let want = format!(
                "apiVersion: \"bitnami.com/v1alpha1\"\nkind: \"SealedSecret\"\nmetadata:\n{}spec:\n  encryptedData:\n    \".dockerconfigjson\": \"{sealed}\"\n  template:\n    metadata:\n{}    type: \"kubernetes.io/dockerconfigjson\"\n",
                meta("  "),
                meta("      "),
            );
            let text = manifest(&s, &cert(), scope, &mut Counter(0)).unwrap();
            assert_eq!(text, want, "{scope:?}");
            assert!(is_sealed_secret(&doc));
            assert_eq!(Scope::of_document(&doc), scope);
            // phib's own label, so `--secret-out` may replace it on the next run.
            assert!(super::super::is_own_manifest(&text));
            assert!(!text.contains("p@ss"));
        }
    }

    /// What is sealed is external mode's `.dockerconfigjson`, byte for byte: the
    /// sealed text is as long as that document plus the layout.
    #[test]
    fn the_sealed_value_is_external_modes_dockerconfigjson() {
        let s = push_secret();
        let doc = sealed_secret(&s, &cert(), Scope::Strict, &mut Counter(0)).unwrap();
        let sealed = base64::engine::general_purpose::STANDARD
            .decode(
                doc["spec"]["encryptedData"][".dockerconfigjson"]
                    .as_str()
                    .unwrap(),
            )
            .unwrap();
        let plain = s.dockerconfigjson();
        assert_eq!(sealed.len(), 2 + 256 + plain.expose().len() + 16);
        let direct = seal(
            plain.expose().as_bytes(),
            &cert(),
            Scope::Strict,
            "hub",
            "primehub-image-builder-push",
            &mut Counter(0),
        )
        .unwrap();
        assert_eq!(
            doc["spec"]["encryptedData"][".dockerconfigjson"].as_str(),
            Some(direct.as_str())
        );
    }

    #[test]
    fn the_cert_proxy_path_is_kubeseals() {
        assert_eq!(
            cert_proxy_path(CONTROLLER_NAMESPACE, CONTROLLER_NAME, "http"),
            "/api/v1/namespaces/kube-system/services/http:sealed-secrets-controller:http/proxy/v1/cert.pem"
        );
    }
}

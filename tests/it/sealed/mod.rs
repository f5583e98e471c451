//! Sealed push secrets (`phib::pushsecret::sealed`), proven by implementations that share
//! no code with phib: per test a fresh RSA key and self-signed certificate from the real
//! `openssl` (as the controller makes its own: 4096 bits, `O=sealed-secret`); the
//! SealedSecret phib seals with it unsealed by `tests/oracles/unseal.py`, once following
//! the controller's code with PyPI `cryptography` and once with PyPI `kubesealpy`, in
//! every scope, and refused where the scope does not allow the name or namespace it was
//! moved to; the documents validated by npm's `@kubernetes-models/sealed-secrets`
//! (`tests/oracles/validate_sealed.mjs`), which refuses broken ones; and the unsealed
//! Secret's `.dockerconfigjson` as the real buildah's authfile, pushing to a real
//! registry with htpasswd auth through the chart's build script. `render`: the same
//! through `phib render --secret-mode sealed` and the wizard's files; `fetch`: the
//! certificate fetched through a stand-in kubectl.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use base64::Engine;
use phib::pushsecret::sealed::{self, Scope, SealingCert};
use phib::pushsecret::PushSecret;
use phib::secret::Secret;
use serde_json::Value;

use crate::buildah::{self, Base, Case, Mode, Target, Transport};
use crate::util::*;

mod docs;
mod fetch;
mod render;

const E2E: &str =
    "end-to-end: needs openssl, the Python and npm oracles of ./scripts/test; run ./scripts/test";

/// A key pair as the controller holds it: the private key (the oracle's) and the
/// certificate (phib's).
pub struct Controller {
    dir: tempfile::TempDir,
}

impl Controller {
    pub fn new(bits: u32) -> Controller {
        let dir = tempdir();
        let r = run(
            Command::new(tool("openssl"))
                .current_dir(dir.path())
                .args(["req", "-x509", "-newkey"])
                .arg(format!("rsa:{bits}"))
                .args(["-nodes", "-keyout", "key.pem", "-out", "cert.pem"])
                .args(["-days", "30", "-subj", "/O=sealed-secret/CN=sealed-secret"]),
            b"",
        );
        r.expect_code(0);
        Controller { dir }
    }

    /// The certificate file, as `kubeseal --fetch-cert` would have written it.
    pub fn cert_path(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }

    pub fn key(&self) -> PathBuf {
        self.dir.path().join("key.pem")
    }

    pub fn cert(&self) -> SealingCert {
        let pem = std::fs::read(self.dir.path().join("cert.pem")).unwrap();
        SealingCert::from_pem(&pem, "`cert.pem`", SystemTime::now()).unwrap()
    }
}

fn push_secret(endpoint: &str, username: &str, password: &str) -> PushSecret {
    PushSecret {
        name: phib::pushsecret::DEFAULT_NAME.into(),
        namespace: phib::pushsecret::DEFAULT_NAMESPACE.into(),
        registry_endpoint: endpoint.into(),
        username: username.into(),
        password: Secret::new(password),
    }
}

/// phib's SealedSecret of `secret`, written to `dir/NAME`.
fn seal_to(
    dir: &Path,
    name: &str,
    secret: &PushSecret,
    cert: &SealingCert,
    scope: Scope,
) -> PathBuf {
    let text = sealed::manifest(secret, cert, scope, &mut getrandom::SysRng).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The venv `scripts/test` fills; a missing one is a failure, never a skip.
fn venv_python() -> PathBuf {
    let python = root().join("target/tools/venv/bin/python3");
    assert!(
        python.is_file(),
        "the oracle venv is missing: run ./scripts/test, which installs it"
    );
    python
}

pub const IMPLS: [&str; 2] = ["own", "kubesealpy"];

/// The oracle's run on `file` with `key`.
pub fn unseal(implementation: &str, key: &Path, file: &Path) -> Run {
    run(
        Command::new(venv_python())
            .arg(root().join("tests/oracles/unseal.py"))
            .args(["--impl", implementation])
            .arg(key)
            .arg(file),
        b"",
    )
}

/// The Secret the oracle unsealed, failing the test when it could not.
pub fn unsealed(implementation: &str, key: &Path, file: &Path) -> Value {
    let r = unseal(implementation, key, file);
    r.expect_code(0);
    serde_json::from_slice(&r.stdout).unwrap()
}

pub fn b64decode(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

/// A copy of the SealedSecret at `file`, moved to `namespace`/`name` as someone
/// applying it elsewhere would (the template follows), written beside it.
pub fn moved(file: &Path, namespace: &str, name: &str) -> PathBuf {
    let mut doc: Value = serde_yaml::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    for meta in ["/metadata", "/spec/template/metadata"] {
        let m = doc.pointer_mut(meta).unwrap();
        m["namespace"] = Value::from(namespace);
        m["name"] = Value::from(name);
    }
    let stem = file.file_stem().unwrap().to_string_lossy();
    let out = file.with_file_name(format!("{stem}-moved-to-{namespace}-{name}.yaml"));
    std::fs::write(&out, serde_yaml::to_string(&doc).unwrap()).unwrap();
    out
}

e2e!(
    sealed_secrets_unseal_with_the_controllers_format_in_every_scope,
    || {
        let _ = E2E;
        let controller = Controller::new(4096);
        let cert = controller.cert();
        assert_eq!(cert.key_bits(), 4096);
        let dir = tempdir();
        let secret = push_secret("https://reg.example.com:5000", "robot$ci", "p@ss w:rd\"\\#");
        for scope in Scope::ALL {
            let file = seal_to(
                dir.path(),
                &format!("{}.yaml", scope.name()),
                &secret,
                &cert,
                scope,
            );
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(!text.contains("p@ss"), "the password is sealed");
            for implementation in IMPLS {
                let got = unsealed(implementation, &controller.key(), &file);
                let label = format!("{scope:?} {implementation}");
                assert_eq!(got["kind"], "Secret", "{label}");
                assert_eq!(got["type"], "kubernetes.io/dockerconfigjson", "{label}");
                assert_eq!(
                    got["metadata"]["name"], "primehub-image-builder-push",
                    "{label}"
                );
                assert_eq!(got["metadata"]["namespace"], "hub", "{label}");
                assert_eq!(
                    got["metadata"]["labels"]["app.kubernetes.io/managed-by"], "phib",
                    "{label}"
                );
                let json = b64decode(got["data"][".dockerconfigjson"].as_str().unwrap());
                // External mode's document, byte for byte, and the login in it.
                assert_eq!(
                    json,
                    secret.dockerconfigjson().expose().as_bytes(),
                    "{label}"
                );
                let creds =
                    phib::verify::dockerconfig::pick(&json, "reg.example.com:5000", "t").unwrap();
                assert_eq!(creds.username, "robot$ci");
                assert_eq!(creds.password.expose(), "p@ss w:rd\"\\#");
            }
        }
    }
);

e2e!(a_sealed_secret_unseals_only_where_its_scope_allows, || {
    let controller = Controller::new(2048);
    let cert = controller.cert();
    let dir = tempdir();
    let secret = push_secret("ghcr.io", "me", "token");
    let strict = seal_to(dir.path(), "strict.yaml", &secret, &cert, Scope::Strict);
    let wide = seal_to(
        dir.path(),
        "wide.yaml",
        &secret,
        &cert,
        Scope::NamespaceWide,
    );
    let cluster = seal_to(
        dir.path(),
        "cluster.yaml",
        &secret,
        &cert,
        Scope::ClusterWide,
    );
    let name = "primehub-image-builder-push";
    // (file, where it was moved, whether the controller would unseal it there)
    let cases = [
        (&strict, moved(&strict, "other", name), false),
        (&strict, moved(&strict, "hub", "another-name"), false),
        (&strict, moved(&strict, "hub", name), true),
        (&wide, moved(&wide, "hub", "another-name"), true),
        (&wide, moved(&wide, "other", name), false),
        (&cluster, moved(&cluster, "other", "another-name"), true),
    ];
    for (from, to, opens) in &cases {
        for implementation in IMPLS {
            let r = unseal(implementation, &controller.key(), to);
            let label = format!("{} → {} ({implementation})", from.display(), to.display());
            if *opens {
                r.expect_code(0);
                let got: Value = serde_json::from_slice(&r.stdout).unwrap();
                let json = b64decode(got["data"][".dockerconfigjson"].as_str().unwrap());
                assert_eq!(
                    json,
                    secret.dockerconfigjson().expose().as_bytes(),
                    "{label}"
                );
            } else {
                assert_eq!(r.code, Some(1), "{label}: must not unseal\n{}", r.stderr);
                assert!(r.stderr.contains("cannot unseal"), "{label}: {}", r.stderr);
            }
        }
    }
    // Another controller's key opens none of them.
    let stranger = Controller::new(2048);
    for file in [&strict, &wide, &cluster] {
        for implementation in IMPLS {
            let r = unseal(implementation, &stranger.key(), file);
            assert_eq!(r.code, Some(1), "{}: {}", file.display(), r.stderr);
        }
    }
});

/// The npm schema validator's run on `files`.
pub fn validate(files: &[&Path]) -> Run {
    let prefix = root().join("target/tools/npm");
    assert!(
        prefix
            .join("node_modules/@kubernetes-models/sealed-secrets")
            .is_dir(),
        "the npm oracle is missing: run ./scripts/test, which installs it"
    );
    run(
        Command::new(tool("node"))
            .arg(root().join("tests/oracles/validate_sealed.mjs"))
            .arg(&prefix)
            .args(files),
        b"",
    )
}

e2e!(
    sealed_secrets_validate_against_the_sealed_secrets_schema,
    || {
        let controller = Controller::new(2048);
        let cert = controller.cert();
        let dir = tempdir();
        let secret = push_secret("https://reg.example.com", "u", "p");
        let files: Vec<PathBuf> = Scope::ALL
            .iter()
            .map(|s| {
                seal_to(
                    dir.path(),
                    &format!("{}.yaml", s.name()),
                    &secret,
                    &cert,
                    *s,
                )
            })
            .collect();
        let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
        let r = validate(&paths);
        r.expect_code(0);
        assert_eq!(
            r.stdout_str().matches("valid ").count(),
            3,
            "{}",
            r.stdout_str()
        );

        // Broken documents are refused, each for its reason.
        let wide = std::fs::read_to_string(&files[1]).unwrap();
        let external = dir.path().join("external.yaml");
        std::fs::write(&external, secret.manifest().expose()).unwrap();
        let broken = [
            (
                "no-data.yaml",
                wide.replace("  encryptedData:\n", "  encryptedDatum:\n"),
                "must have required property encryptedData",
            ),
            (
                // Unquoted, YAML 1.1 (kubectl's reader) makes the annotation a boolean.
                "bool.yaml",
                wide.replace(": \"true\"", ": true"),
                "must be string",
            ),
            (
                "unknown.yaml",
                wide.replace("  template:\n", "  tempalte:\n"),
                "unknown field `spec.tempalte`",
            ),
            (
                "version.yaml",
                wide.replace("bitnami.com/v1alpha1", "bitnami.com/v1"),
                "not a bitnami.com/v1alpha1 SealedSecret",
            ),
        ];
        for (name, text, why) in broken {
            assert_ne!(text, wide, "{name}: the edit applies");
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            let r = validate(&[&path]);
            assert_eq!(r.code, Some(1), "{name}: {}", r.stdout_str());
            assert!(r.stdout_str().contains(why), "{name}: {}", r.stdout_str());
        }
        let r = validate(&[&external]);
        assert_eq!(r.code, Some(1), "a plain Secret is no SealedSecret");
        assert!(r
            .stdout_str()
            .contains("not a bitnami.com/v1alpha1 SealedSecret"));
    }
);

// The whole way of the login: external mode's values through the chart, the Secret
// sealed by phib instead of written in plain text, unsealed by the oracle as the
// controller would, mounted into the chart's build script as buildah's authfile, and
// the push to a real htpasswd registry succeeds; the image pulls back with it.
e2e!(buildah_pushes_with_the_unsealed_secret, || {
    let base = Base::start();
    let target = Target::htpasswd(Transport::TrustedTls);
    let case = Case::new("4.1.0", Mode::External);
    let r = buildah::phib_render(&target, &case, &[]);
    r.phib.expect_code(0);
    let dir = r.dir.path();

    // The plain Secret external mode wrote names the Secret the values point at; it is
    // replaced by the sealed one and removed.
    let plain_path = dir.join("secret.yaml");
    let plain: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&plain_path).unwrap()).unwrap();
    let plain_json = b64decode(plain["data"][".dockerconfigjson"].as_str().unwrap());
    std::fs::remove_file(&plain_path).unwrap();
    let secret = PushSecret {
        name: plain["metadata"]["name"].as_str().unwrap().into(),
        namespace: plain["metadata"]["namespace"].as_str().unwrap().into(),
        ..push_secret(&target.endpoint(), buildah::USER, buildah::PASSWORD)
    };

    let controller = Controller::new(4096);
    let file = seal_to(
        dir,
        "sealed.yaml",
        &secret,
        &controller.cert(),
        Scope::Strict,
    );
    let got = unsealed("own", &controller.key(), &file);
    let unsealed_json = b64decode(got["data"][".dockerconfigjson"].as_str().unwrap());
    assert_eq!(
        unsealed_json, plain_json,
        "the same login as external mode's"
    );
    let unsealed_path = dir.join("unsealed.json");
    std::fs::write(&unsealed_path, serde_json::to_string(&got).unwrap()).unwrap();

    let m = buildah::helm_manifests(
        &buildah::chart_dir(case.chart),
        &dir.join("values.yaml"),
        case.release,
    );
    let authfile = buildah::mounted_secret(&m, Some(&unsealed_path))
        .expect("the unsealed Secret is the one `pushSecretName` names");
    let build = buildah::run_build(&m, &authfile, &base, &target);
    build.run.expect_code(0);
    let pushed = build.pushed.expect("the script names what it pushed");
    buildah::pull_back(&pushed, &authfile, &target);
});

//! Keyless push Secrets: every manifest phib writes for the External Secrets Operator
//! validates against the operator's schemas (npm `@kubernetes-models/external-secrets`
//! 2.0.0, which agrees with the v2.9.0 CRDs; unknown fields refused), and
//! for each generator the `.dockerconfigjson` template, filled with a sample of the
//! generator's documented outputs the way the operator's template engine fills it, is
//! an authfile real buildah pushes with, to a real registry on loopback.

mod cli;
mod flags;
mod gotemplate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use phib::pushsecret::refresh::{AwsAuth, AzureAuth, Identity, Refresh};
use phib::pushsecret::store::{FromStore, StoreKind};
use phib::registry::keyless::{aws, azure, github, google, quay, Generator};

use crate::registry::{Auth, Registry};
use crate::util::*;

/// Validates `files` with the External Secrets Operator's schemas
/// (`tests/oracles/validate-eso.mjs`, on the npm package `scripts/test` installs);
/// returns (success, its report).
fn validate(files: &[PathBuf]) -> (bool, String) {
    oracle_output(oracle("validate-eso.mjs").args(files))
}

/// One refresh per identity phib can write, pushing to `endpoint`.
pub fn every_refresh(endpoint: &str) -> Vec<Refresh> {
    let base = |identity: Identity, sa: Option<&str>| Refresh {
        name: "primehub-image-builder-push".into(),
        namespace: "hub".into(),
        registry_endpoint: endpoint.into(),
        identity,
        service_account: sa.map(str::to_string),
    };
    vec![
        base(
            Identity::Google {
                project: "acme".into(),
                cluster_project: "acme-gke".into(),
                cluster_location: "europe-west1".into(),
                cluster_name: "hub".into(),
                gcp_service_account: google::default_service_account("acme"),
            },
            Some("phib-image-builder"),
        ),
        base(
            Identity::Azure {
                registry_host: "acme.azurecr.io".into(),
                tenant_id: Some("11111111-2222-3333-4444-555555555555".into()),
                auth: AzureAuth::Workload {
                    client_id: "66666666-7777-8888-9999-000000000000".into(),
                },
            },
            Some("phib-image-builder"),
        ),
        base(
            Identity::Azure {
                registry_host: "acme.azurecr.io".into(),
                tenant_id: None,
                auth: AzureAuth::Managed {
                    identity_id: Some("66666666-7777-8888-9999-000000000000".into()),
                },
            },
            None,
        ),
        base(
            Identity::Aws {
                region: "us-east-1".into(),
                auth: AwsAuth::Operator,
            },
            None,
        ),
        base(
            Identity::Aws {
                region: "us-east-1".into(),
                auth: AwsAuth::Irsa {
                    role_arn: Some("arn:aws:iam::123456789012:role/phib-image-builder".into()),
                },
            },
            Some("phib-image-builder"),
        ),
        base(
            Identity::Quay {
                host: "quay.io".into(),
                robot: "acme+phib_image_builder".into(),
            },
            Some("phib-image-builder"),
        ),
        base(
            Identity::Github {
                app_id: "123456".into(),
                install_id: "7890123".into(),
                private_key_secret: ("github-app".into(), "key".into()),
                repositories: vec!["images".into()],
            },
            None,
        ),
    ]
}

fn store(endpoint: &str, username: &str, property: Option<&str>) -> FromStore {
    FromStore {
        name: "primehub-image-builder-push".into(),
        namespace: "hub".into(),
        registry_endpoint: endpoint.into(),
        store_kind: StoreKind::ClusterSecretStore,
        store_name: "vault".into(),
        remote_key: "primehub/registry".into(),
        remote_property: property.map(str::to_string),
        username: username.into(),
    }
}

/// Runs every keyless case of the command line; returns the manifest files.
fn cli_manifests(dir: &Path) -> Vec<PathBuf> {
    cli::ok_cases()
        .iter()
        .enumerate()
        .map(|(i, (what, args))| {
            let (r, manifest) = cli::render_case(dir, i, args);
            assert_eq!(r.code, Some(0), "{what}: {}", r.stderr);
            manifest
        })
        .collect()
}

e2e!(
    every_manifest_validates_against_the_operator_crds_and_a_wrong_one_does_not,
    || {
        let dir = tempdir();
        let mut files = Vec::new();
        let mut count = 0;
        for (i, r) in every_refresh("https://europe-west1-docker.pkg.dev")
            .iter()
            .enumerate()
        {
            let path = dir.path().join(format!("refresh-{i}.yaml"));
            std::fs::write(&path, r.manifests()).unwrap();
            count += r.documents().len();
            files.push(path);
        }
        for (i, s) in [
            store("docker.io", "acme", Some("token")),
            store("https://gcr.io", "_json_key", None),
        ]
        .iter()
        .enumerate()
        {
            let path = dir.path().join(format!("store-{i}.yaml"));
            std::fs::write(&path, s.manifests()).unwrap();
            count += 1;
            files.push(path);
        }
        let (ok, report) = validate(&files);
        assert!(ok, "{report}");
        assert_eq!(
            report.lines().filter(|l| l.starts_with("ok ")).count(),
            count,
            "{report}"
        );
        let cli = cli_manifests(dir.path());
        let (ok, report) = validate(&cli);
        assert!(ok, "{report}");
        for f in &cli {
            let line = format!("ok {}: ExternalSecret", f.display());
            assert!(report.contains(&line), "{report}");
        }

        // A misspelt field, a missing required one and a wrong enum are refused, each
        // named: the validator can fail.
        let bad = dir.path().join("bad.yaml");
        let refused = |doc: &serde_json::Value, expect: &str| {
            std::fs::write(&bad, serde_yaml::to_string(doc).unwrap()).unwrap();
            let (ok, report) = validate(std::slice::from_ref(&bad));
            assert!(!ok && report.contains(expect), "{expect}: {report}");
        };
        let gcr = every_refresh("https://gcr.io")[0].documents()[1].clone();
        assert_eq!(gcr["kind"], "GCRAccessToken");
        let mut doc = gcr.clone();
        doc["spec"]["projectId"] = "acme".into();
        refused(&doc, "/spec/projectId: unknown field");
        let mut doc = gcr;
        doc["spec"].as_object_mut().unwrap().remove("projectID");
        refused(&doc, "/spec: must have required property projectID");
        let mut es = store("docker.io", "acme", None).document();
        es["spec"]["secretStoreRef"]["kind"] = "Store".into();
        refused(
            &es,
            "/spec/secretStoreRef/kind: must be equal to one of the allowed values",
        );
    }
);

/// The sample outputs of `gen` as the template's data.
fn sample(gen: &Generator) -> BTreeMap<String, String> {
    gen.sample
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The login a filled `.dockerconfigjson` holds for `host`, decoded from `auth`.
fn login_of(config: &str, host: &str) -> (String, String) {
    let doc: serde_json::Value = serde_json::from_str(config).expect("valid JSON");
    let auth = doc["auths"][host]["auth"]
        .as_str()
        .expect("auth for the host");
    let raw = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, auth).unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (u, p) = raw.split_once(':').unwrap();
    (u.to_string(), p.to_string())
}

struct Buildah {
    dir: tempfile::TempDir,
}

impl Buildah {
    fn cmd(&self) -> Command {
        let mut cmd = Command::new(tool("buildah"));
        cmd.arg("--root")
            .arg(self.dir.path().join("root"))
            .arg("--runroot")
            .arg(self.dir.path().join("run"))
            .args(["--storage-driver", "vfs"])
            .env("XDG_RUNTIME_DIR", self.dir.path().join("xdg"))
            .env(
                "REGISTRY_AUTH_FILE",
                self.dir.path().join("no-such-auth.json"),
            );
        cmd
    }

    /// Builds a COPY-only image, as PrimeHub's build job does with `buildah bud`.
    fn new() -> Buildah {
        let b = Buildah { dir: tempdir() };
        let ctx = b.dir.path().join("ctx");
        std::fs::create_dir_all(&ctx).unwrap();
        std::fs::create_dir_all(b.dir.path().join("xdg")).unwrap();
        std::fs::write(ctx.join("hello.txt"), "built by phib's test\n").unwrap();
        std::fs::write(
            ctx.join("Containerfile"),
            "FROM scratch\nCOPY hello.txt /\n",
        )
        .unwrap();
        let out = b
            .cmd()
            .args(["bud", "--isolation", "chroot", "-t", "phib-test", "-f"])
            .arg(ctx.join("Containerfile"))
            .arg(&ctx)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "buildah bud: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        b
    }

    /// `buildah push --authfile FILE --format docker` as the build job runs it.
    fn push(&self, authfile: &Path, dest: &str) -> (bool, String) {
        let out = self
            .cmd()
            .args([
                "push",
                "--tls-verify=false",
                "--format",
                "docker",
                "--authfile",
            ])
            .arg(authfile)
            .arg("phib-test")
            .arg(format!("docker://{dest}"))
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

e2e!(buildah_pushes_with_each_generators_templated_secret, || {
    // The store's credential holds what breaks hand-written templates.
    const STORE_PASSWORD: &str = r#"p@ss w:rd"\x"#;
    let gens: [&Generator; 5] = [
        &google::GENERATOR,
        &azure::GENERATOR,
        &aws::GENERATOR,
        &quay::GENERATOR,
        &github::GENERATOR,
    ];
    // One registry, one user per generator: the login each sample stands for.
    let mut users: Vec<(String, String)> = Vec::new();
    let probe = every_refresh("https://127.0.0.1:1");
    let logins: Vec<(String, String)> = gens
        .iter()
        .map(|g| {
            let r = probe.iter().find(|r| r.generator().kind == g.kind).unwrap();
            login_of(&gotemplate::fill(&r.template(), &sample(g)), "127.0.0.1:1")
        })
        .collect();
    users.extend(logins.iter().cloned());
    users.push(("storeuser".into(), STORE_PASSWORD.into()));
    let user_refs: Vec<(&str, &str)> = users
        .iter()
        .map(|(u, p)| (u.as_str(), p.as_str()))
        .collect();
    let reg = Registry::start(Auth::Htpasswd(&user_refs), false);
    let host = reg.host();
    let endpoint = format!("http://{host}");
    let buildah = Buildah::new();
    let dir = tempdir();

    for (g, (user, _)) in gens.iter().zip(&logins) {
        let refreshes = every_refresh(&endpoint);
        let r = refreshes
            .iter()
            .find(|r| r.generator().kind == g.kind)
            .unwrap();
        let config = gotemplate::fill(&r.template(), &sample(g));
        assert_eq!(login_of(&config, &host).0, *user);
        let authfile = dir.path().join(format!("{}.json", g.kind));
        std::fs::write(&authfile, &config).unwrap();
        let (ok, err) = buildah.push(
            &authfile,
            &format!("{host}/team/{}:t1", g.kind.to_lowercase()),
        );
        assert!(
            ok,
            "{}: buildah push failed with {config}: {err}\n{}",
            g.kind,
            reg.log()
        );
    }

    let s = store(&format!("https://{host}"), "storeuser", None);
    let data = BTreeMap::from([("password".to_string(), STORE_PASSWORD.to_string())]);
    let config = gotemplate::fill(&s.template(), &data);
    let authfile = dir.path().join("store.json");
    std::fs::write(&authfile, &config).unwrap();
    let (ok, err) = buildah.push(&authfile, &format!("{host}/team/store:t1"));
    assert!(ok, "store: {err}");

    // The same template with a token the registry does not know is refused.
    let mut wrong = sample(&google::GENERATOR);
    wrong.insert("password".into(), "ya29.expired".into());
    let r = &every_refresh(&endpoint)[0];
    std::fs::write(&authfile, gotemplate::fill(&r.template(), &wrong)).unwrap();
    let (ok, err) = buildah.push(&authfile, &format!("{host}/team/refused:t1"));
    assert!(!ok && err.contains("unauthorized"), "{err}");
});

/// A stand-in kubectl (no cluster can run here) that records its arguments and answers
/// `get secret NAME` with `secret.json` when that file exists (NotFound before the
/// operator has synced), and `get externalsecret NAME` with `externalsecret.json`.
fn stand_in_kubectl(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let d = dir.display();
    let script = format!(
        r#"#!/bin/sh
echo "$*" >> '{d}/kubectl.log'
for name; do :; done
case "$1 $2" in
  "get secret") f='{d}/secret.json' ;;
  "get externalsecret") f='{d}/externalsecret.json' ;;
  *) echo "unexpected: $*" >&2; exit 3 ;;
esac
if [ -f "$f" ]; then cat "$f"; else echo "Error from server (NotFound): $2s \"$name\" not found" >&2; exit 1; fi
"#
    );
    let kubectl = bin.join("kubectl");
    std::fs::write(&kubectl, script).unwrap();
    std::fs::set_permissions(
        &kubectl,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    bin
}

e2e!(
    verify_says_what_waits_for_the_operator_then_checks_the_generated_secret_stub_cluster,
    || {
        let g = &google::GENERATOR;
        let login: Vec<(String, String)> =
            vec![("oauth2accesstoken".into(), sample(g)["password"].clone())];
        let users: Vec<(&str, &str)> = login
            .iter()
            .map(|(u, p)| (u.as_str(), p.as_str()))
            .collect();
        let reg = Registry::start(Auth::Htpasswd(&users), false);
        let host = reg.host();
        let dir = tempdir();
        let values = dir.path().join("values.yaml");
        std::fs::write(
        &values,
        format!(
            "customImage:\n  registryEndpoint: \"{host}\"\n  pushRepo: \"{host}/acme/images/builds\"\n  pushSecretName: \"primehub-image-builder-push\"\n  insecureSkipVerify: true\n"
        ),
    )
    .unwrap();
        let bin = stand_in_kubectl(dir.path());
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let verify = || {
            run(
                phib()
                    .args(["verify", "--timeout", "10", "--values"])
                    .arg(&values)
                    .env("PATH", &path),
                b"",
            )
        };

        // Applied, not synced yet: the ExternalSecret says why.
        let es = serde_json::json!({"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
        "metadata": {"name": "primehub-image-builder-push", "namespace": "hub"},
        "status": {"conditions": [{"type": "Ready", "status": "False", "reason": "SecretSyncedError",
            "message": "error processing spec.dataFrom[0].sourceRef.generatorRef"}]}});
        std::fs::write(dir.path().join("externalsecret.json"), es.to_string()).unwrap();
        let r = verify();
        r.expect_code(1);
        assert!(r.stderr.contains("does not exist yet: the External Secrets Operator has not synced the ExternalSecret `primehub-image-builder-push` (Ready False (SecretSyncedError: error processing"), "{}", r.stderr);
        assert!(
            r.stderr
                .contains("kubectl -n hub describe externalsecret primehub-image-builder-push"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("run `phib verify` again"), "{}", r.stderr);
        let log = std::fs::read_to_string(dir.path().join("kubectl.log")).unwrap();
        assert_eq!(
            log.lines().collect::<Vec<_>>(),
            // The Secret's name, from the values file, comes after `--`.
            [
                "get secret -n hub -o json -- primehub-image-builder-push",
                "get externalsecret -n hub -o json -- primehub-image-builder-push"
            ]
        );

        // The manifests file holds no login: verify says where the login will be.
        let file = dir.path().join("push-refresh.yaml");
        std::fs::write(&file, every_refresh(&host)[0].manifests()).unwrap();
        let r = run(
            phib()
                .args(["verify", "--values"])
                .arg(&values)
                .arg("--secret-file")
                .arg(&file)
                .env("PATH", &path),
            b"",
        );
        r.expect_code(2);
        assert!(
            r.stderr.contains(
                "holds the ExternalSecret `primehub-image-builder-push`, not credentials"
            ),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr
                .contains("run `phib verify` without `--secret-file`"),
            "{}",
            r.stderr
        );

        // Synced: the Secret the operator wrote from the template logs in and may push.
        let mut refresh = every_refresh(&host).remove(0);
        refresh.namespace = "hub".into();
        let config = gotemplate::fill(&refresh.template(), &sample(g));
        let data = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &config);
        let secret = serde_json::json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
        "metadata": {"name": "primehub-image-builder-push", "namespace": "hub",
            "ownerReferences": [{"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "name": "primehub-image-builder-push", "uid": "1"}]},
        "data": {".dockerconfigjson": data}});
        std::fs::write(dir.path().join("secret.json"), secret.to_string()).unwrap();
        let r = verify();
        r.expect_code(0);
        let out = r.stdout_str();
        assert!(out.contains("ok    login as `oauth2accesstoken`"), "{out}");
        assert!(
            out.contains("ok    push rights on `acme/images/builds`"),
            "{out}"
        );
        assert!(
            !out.contains(&sample(g)["password"]) && !r.stderr.contains(&sample(g)["password"])
        );
    }
);

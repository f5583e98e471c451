//! The certificate fetched from the cluster instead of a file (`--sealing-cert` left
//! out), as kubeseal fetches it: the name of the first port of the controller's
//! Service, then `/v1/cert.pem` through the API server's service proxy. No cluster can
//! run here: a stand-in kubectl answers as the API server would, records every call,
//! and the tests say so in their names. Last, `phib verify` on a push Secret whose
//! SealedSecret the controller has not unsealed.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::{unsealed, Controller};
use crate::util::*;

const PASSWORD: &str = "fetch3d-s3cret:pw";
const NAME: &str = "primehub-image-builder-push";

/// The stand-in: `$STUB/services/NS/NAME.json` answers `get service`, `$STUB/all.json`
/// `get services --all-namespaces`, `$STUB/raw/<path with / as _>` `get --raw`;
/// anything else is the API server's NotFound (or, for `--raw`, `$STUB/raw.err`).
const KUBECTL: &str = r#"#!/bin/sh
d="$STUB"
printf '%s\0' "$@" >> "$d/calls"; printf '\n' >> "$d/calls"
case "$1 $2" in
  "get service")
    ns="$4"; name="$8"
    f="$d/services/$ns/$name.json"
    if [ -f "$f" ]; then cat "$f"; exit 0; fi
    echo "Error from server (NotFound): services \"$name\" not found" >&2; exit 1 ;;
  "get services")
    if [ -f "$d/all.json" ]; then cat "$d/all.json"; exit 0; fi
    echo 'Error from server (Forbidden): services is forbidden' >&2; exit 1 ;;
esac
case "$2" in
  --raw=*)
    f="$d/raw/$(printf '%s' "${2#--raw=}" | tr '/' '_')"
    if [ -f "$f" ]; then cat "$f"; exit 0; fi
    if [ -f "$d/raw.err" ]; then cat "$d/raw.err" >&2; exit 1; fi
    echo 'Error from server (NotFound): the server could not find the requested resource' >&2; exit 1 ;;
esac
echo "unexpected: $*" >&2; exit 3
"#;

struct Cluster {
    dir: tempfile::TempDir,
}

impl Cluster {
    fn new() -> Cluster {
        let dir = tempdir();
        for sub in ["bin", "raw", "services", "work"] {
            fs::create_dir(dir.path().join(sub)).unwrap();
        }
        let kubectl = dir.path().join("bin/kubectl");
        fs::write(&kubectl, KUBECTL).unwrap();
        fs::set_permissions(
            &kubectl,
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        Cluster { dir }
    }

    /// The controller's Service `name` in `ns`, its first port named `port`, serving
    /// the certificate `cert`.
    fn controller(&self, ns: &str, name: &str, port: &str, cert: &Path) {
        let folder = self.dir.path().join("services").join(ns);
        fs::create_dir_all(&folder).unwrap();
        let service = json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns,
                "labels": {"app.kubernetes.io/name": "sealed-secrets"}},
            "spec": {"ports": [{"name": port, "port": 8080, "protocol": "TCP", "targetPort": "http"}]}});
        fs::write(folder.join(format!("{name}.json")), service.to_string()).unwrap();
        let path = format!("/api/v1/namespaces/{ns}/services/http:{name}:{port}/proxy/v1/cert.pem");
        fs::copy(
            cert,
            self.dir.path().join("raw").join(path.replace('/', "_")),
        )
        .unwrap();
    }

    /// What `kubectl get services --all-namespaces -l …` lists.
    fn listed(&self, services: &[(&str, &str)]) {
        let items: Vec<_> = services
            .iter()
            .map(|(name, ns)| json!({"metadata": {"name": name, "namespace": ns}}))
            .collect();
        fs::write(
            self.dir.path().join("all.json"),
            json!({"kind": "List", "items": items}).to_string(),
        )
        .unwrap();
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// `phib render ... --secret-mode sealed --secret-out push.sealed.yaml EXTRA` with
    /// the stand-in first on `PATH`.
    fn render(&self, extra: &[&str]) -> Run {
        let path = format!(
            "{}:{}",
            self.dir.path().join("bin").display(),
            std::env::var("PATH").unwrap()
        );
        run(
            phib()
                .current_dir(self.work())
                .env("PATH", path)
                .env("STUB", self.dir.path())
                .args([
                    "render",
                    "--registry",
                    "ghcr",
                    "--username",
                    "octo",
                    "--password-stdin",
                    "--push-repo-prefix",
                    "ghcr.io/octo",
                    "--secret-mode",
                    "sealed",
                    "--secret-out",
                    "push.sealed.yaml",
                ])
                .args(extra),
            format!("{PASSWORD}\n").as_bytes(),
        )
    }

    /// Each call's arguments.
    fn calls(&self) -> Vec<Vec<String>> {
        let text = fs::read_to_string(self.dir.path().join("calls")).unwrap_or_default();
        text.lines()
            .map(|l| l.split_terminator('\0').map(str::to_string).collect())
            .collect()
    }

    fn written(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.work())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/sealed").join(name)
}

e2e!(
    the_certificate_is_fetched_through_the_service_proxy_as_kubeseal_does_stub_cluster,
    || {
        let controller = Controller::new(4096);
        let c = Cluster::new();
        c.controller(
            "kube-system",
            "sealed-secrets-controller",
            "http",
            &controller.cert_path(),
        );
        let r = c.render(&[]);
        r.expect_code(0);
        assert!(!r.stderr.contains(PASSWORD), "{}", r.stderr);
        assert_eq!(
        c.calls(),
        [
            vec!["get", "service", "-n", "kube-system", "-o", "json", "--", "sealed-secrets-controller"],
            vec!["get", "--raw=/api/v1/namespaces/kube-system/services/http:sealed-secrets-controller:http/proxy/v1/cert.pem"],
        ]
    );
        // Sealed with the certificate the controller served: its key opens it.
        let got = unsealed("own", &controller.key(), &c.work().join("push.sealed.yaml"));
        assert_eq!(got["metadata"]["name"], NAME);
        let json = super::b64decode(got["data"][".dockerconfigjson"].as_str().unwrap());
        let creds = phib::verify::dockerconfig::pick(&json, "ghcr.io", "t").unwrap();
        assert_eq!(creds.password.expose(), PASSWORD);
    }
);

#[test]
fn a_controller_under_another_name_is_found_and_named_in_the_help_stub_cluster() {
    let c = Cluster::new();
    // The Helm chart names the Service after its release, and adds a metrics Service.
    c.controller(
        "kube-system",
        "sealed-secrets",
        "http",
        &fixture("rsa-2048.pem"),
    );
    c.listed(&[
        ("sealed-secrets", "kube-system"),
        ("sealed-secrets-metrics", "kube-system"),
    ]);
    let r = c.render(&[]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("phib: there is no Service `sealed-secrets-controller` in namespace `kube-system`: the sealed-secrets controller is not found there"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("help: the controller's Service is `sealed-secrets` in `kube-system` (its Helm chart names it after the release): add `--controller-name sealed-secrets --controller-namespace kube-system`"),
        "{}",
        r.stderr
    );
    assert!(c.written().is_empty(), "{:?}", c.written());

    // Named, it is fetched from there.
    let r = c.render(&["--controller-name", "sealed-secrets"]);
    r.expect_code(0);
    let calls = c.calls();
    assert_eq!(
        calls.last().unwrap(),
        &["get", "--raw=/api/v1/namespaces/kube-system/services/http:sealed-secrets:http/proxy/v1/cert.pem"]
    );
    assert_eq!(c.written(), ["push.sealed.yaml", "values.yaml"]);
    let doc: serde_json::Value =
        serde_yaml::from_str(&fs::read_to_string(c.work().join("push.sealed.yaml")).unwrap())
            .unwrap();
    assert_eq!(doc["kind"], "SealedSecret");
}

#[test]
fn nothing_listed_or_nothing_served_or_no_kubectl_each_write_nothing_stub_cluster() {
    // No controller anywhere it may look: the help names the flags.
    let c = Cluster::new();
    let r = c.render(&["--controller-namespace", "sealed-secrets"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("help: name the controller's Service with `--controller-name` and `--controller-namespace`"),
        "{}",
        r.stderr
    );
    assert!(c.written().is_empty());

    // The Service is there, the controller does not answer: an operation that failed.
    c.controller(
        "kube-system",
        "sealed-secrets-controller",
        "http",
        &fixture("rsa-2048.pem"),
    );
    fs::remove_dir_all(c.dir.path().join("raw")).unwrap();
    fs::write(
        c.dir.path().join("raw.err"),
        "Error from server (ServiceUnavailable): the server is currently unable to handle the request\n",
    )
    .unwrap();
    let r = c.render(&[]);
    r.expect_code(1);
    assert!(
        r.stderr.contains("the sealed-secrets controller `sealed-secrets-controller` (namespace `kube-system`) did not serve its certificate: Error from server (ServiceUnavailable)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--sealing-cert FILE"), "{}", r.stderr);
    assert!(c.written().is_empty());

    // It serves an expired certificate: refused as a file's would be.
    fs::create_dir(c.dir.path().join("raw")).unwrap();
    c.controller(
        "kube-system",
        "sealed-secrets-controller",
        "http",
        &fixture("rsa-2048-expired.pem"),
    );
    let r = c.render(&[]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("phib: the certificate the controller `sealed-secrets-controller` (namespace `kube-system`) served expired on 2026-12-05T05:16:29Z"),
        "{}",
        r.stderr
    );
    assert!(c.written().is_empty());

    // A name that is no Kubernetes name never reaches kubectl.
    let before = c.calls().len();
    let r = c.render(&["--controller-name", "-A"]);
    r.expect_code(2);
    assert_eq!(c.calls().len(), before);

    // No kubectl at all.
    let r = run(
        phib()
            .current_dir(c.work())
            .env("PATH", c.dir.path().join("work"))
            .args([
                "render",
                "--registry",
                "ghcr",
                "--username",
                "octo",
                "--password-stdin",
                "--push-repo-prefix",
                "ghcr.io/octo",
                "--secret-mode",
                "sealed",
                "--secret-out",
                "push.sealed.yaml",
            ]),
        b"pw\n",
    );
    r.expect_code(2);
    assert!(
        r.stderr.contains(
            "fetches the controller's certificate with kubectl, but `kubectl` is not on `PATH`"
        ),
        "{}",
        r.stderr
    );
    assert!(c.written().is_empty());
}

/// `phib verify` where the push Secret is not there yet: the SealedSecret of its name
/// says why (the controller's `Synced`), and how to seal it again.
#[test]
fn verify_names_a_sealed_secret_not_yet_unsealed_stub_cluster() {
    let dir = tempdir();
    let bin = dir.path().join("bin");
    fs::create_dir(&bin).unwrap();
    let sealed = json!({"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret",
        "metadata": {"name": NAME, "namespace": "hub"},
        "status": {"conditions": [{"type": "Synced", "status": "False",
            "message": "no key could decrypt secret (.dockerconfigjson)"}]}});
    fs::write(dir.path().join("sealed.json"), sealed.to_string()).unwrap();
    let script = format!(
        r#"#!/bin/sh
echo "$*" >> '{0}/kubectl.log'
case "$2" in
  secret) echo 'Error from server (NotFound): secrets "{NAME}" not found' >&2; exit 1 ;;
  externalsecret) echo 'error: the server doesn'"'"'t have a resource type "externalsecret"' >&2; exit 1 ;;
  sealedsecrets.bitnami.com) cat '{0}/sealed.json' ;;
  *) exit 3 ;;
esac
"#,
        dir.path().display()
    );
    fs::write(bin.join("kubectl"), script).unwrap();
    fs::set_permissions(
        bin.join("kubectl"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    fs::write(
        dir.path().join("values.yaml"),
        format!("customImage:\n  registryEndpoint: \"https://ghcr.io\"\n  pushRepoPrefix: \"ghcr.io/octo\"\n  pushSecretName: \"{NAME}\"\n"),
    )
    .unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let r = run(
        phib().current_dir(dir.path()).env("PATH", path).args([
            "verify",
            "--values",
            "values.yaml",
        ]),
        b"",
    );
    r.expect_code(1);
    assert!(
        r.stderr.contains(&format!(
            "phib: the push Secret `{NAME}` (namespace `hub`) does not exist yet: the sealed-secrets controller has not unsealed the SealedSecret `{NAME}` (Synced False (no key could decrypt secret (.dockerconfigjson)))"
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("seal it again with `phib render --secret-mode sealed`"),
        "{}",
        r.stderr
    );
    let log = fs::read_to_string(dir.path().join("kubectl.log")).unwrap();
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        [
            format!("get secret -n hub -o json -- {NAME}"),
            format!("get externalsecret -n hub -o json -- {NAME}"),
            format!("get sealedsecrets.bitnami.com -n hub -o json -- {NAME}"),
        ]
    );
}

//! `phib upgrade`, `phib show` and the helm plugin. Real helm renders the fixture chart
//! and meets an unreachable cluster; where a live cluster would be needed, a recording
//! stand-in for helm (tests ending in `_stub_cluster`) logs every argv and keeps a copy
//! of every `-f` file.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::util::*;

const NEW_PASSWORD: &str = "n3w-Pa55:w0rd";
const OLD_PASSWORD: &str = "0ld-Pa55-hunter2";

/// The values file phib would have written for a GHCR account (written by hand here).
fn new_values() -> String {
    format!(
        "domain: hub.example.com\ncustomImage:\n  registryEndpoint: \"ghcr.io\"\n  registryUsername: \"me\"\n  registryPassword: \"{NEW_PASSWORD}\"\n  pushRepo: \"ghcr.io/me/builds\"\n"
    )
}

/// What the release holds now: an ECR setup with a password and a push prefix.
fn old_release_values() -> Value {
    json!({
        "domain": "hub.example.com",
        "customImage": {
            "enabled": true,
            "registryEndpoint": "https://123.dkr.ecr.us-east-1.amazonaws.com",
            "registryUsername": "AWS",
            "registryPassword": OLD_PASSWORD,
            "pushRepoPrefix": "123.dkr.ecr.us-east-1.amazonaws.com/hub",
            "pushSecretName": "aws-registry",
            "insecureSkipVerify": true
        }
    })
}

/// A recording stand-in for helm.
struct Stub {
    dir: tempfile::TempDir,
    helm: PathBuf,
}

const STUB_SCRIPT: &str = r#"#!/bin/sh
# Records each call (argv, NUL-separated) and a copy of each -f file, then answers
# like helm would for a cluster that has the release described by the files here.
d="$STUB_DIR"
n=$(ls "$d/calls" | wc -l)
printf '%s\0' "$@" > "$d/calls/$n"
prev=""
for a in "$@"; do
  if [ "$prev" = "-f" ]; then
    cp "$a" "$d/copies/$n"
    printf '%s\n' "$a" >> "$d/fpaths"
    stat -c %a "$a" >> "$d/fmodes"
  fi
  prev="$a"
done
case "$1" in
  version) cat "$d/version" ;;
  list) cat "$d/list.json" ;;
  get) cat "$d/values.json" ;;
  repo) cat "$d/repos.json" ;;
  upgrade)
    if [ -n "${STUB_UPGRADE_SLEEP:-}" ]; then
      : > "$d/upgrade-started"
      sleep "$STUB_UPGRADE_SLEEP"
    fi
    if [ -f "$d/upgrade-fail" ]; then cat "$d/upgrade-fail" >&2; exit 1; fi
    echo "Release \"$2\" has been upgraded. Happy Helming!" ;;
  *) echo "Error: unknown command \"$1\" for \"helm\"" >&2; exit 1 ;;
esac
"#;

impl Stub {
    fn new() -> Stub {
        let dir = tempdir();
        let d = dir.path();
        fs::create_dir(d.join("calls")).unwrap();
        fs::create_dir(d.join("copies")).unwrap();
        fs::create_dir(d.join("bin")).unwrap();
        let helm = d.join("bin/helm");
        fs::write(&helm, STUB_SCRIPT).unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&helm, fs::Permissions::from_mode(0o755)).unwrap();
        let stub = Stub { dir, helm };
        stub.set("version", "v3.14.2+gc309b6f\n");
        stub.set_release("primehub-v4.1.0");
        stub.set("values.json", &old_release_values().to_string());
        stub.set(
            "repos.json",
            r#"[{"name":"infuseai","url":"https://charts.infuseai.io"}]"#,
        );
        stub
    }

    fn set(&self, name: &str, content: &str) {
        fs::write(self.dir.path().join(name), content).unwrap();
    }

    fn set_release(&self, chart: &str) {
        self.set(
            "list.json",
            &json!([{"name": "primehub", "namespace": "hub", "revision": "7",
                     "updated": "2026-11-01 10:00:00 +0000 UTC", "status": "deployed",
                     "chart": chart, "app_version": "v4.1.0"}])
            .to_string(),
        );
    }

    /// phib with this stub as its helm (through `HELM_BIN`, as helm sets it for plugins).
    fn phib(&self, dir: &Path) -> Command {
        let mut cmd = phib();
        cmd.current_dir(dir)
            .env("HELM_BIN", &self.helm)
            .env("STUB_DIR", self.dir.path());
        cmd
    }

    fn calls(&self) -> Vec<Vec<String>> {
        let mut calls: Vec<(usize, Vec<String>)> = fs::read_dir(self.dir.path().join("calls"))
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let n: usize = e.file_name().to_str().unwrap().parse().unwrap();
                let raw = fs::read_to_string(e.path()).unwrap();
                let args = raw.split_terminator('\0').map(str::to_string).collect();
                (n, args)
            })
            .collect();
        calls.sort();
        calls.into_iter().map(|(_, a)| a).collect()
    }

    fn upgrade_calls(&self) -> Vec<(usize, Vec<String>)> {
        self.calls()
            .into_iter()
            .enumerate()
            .filter(|(_, a)| a.first().map(String::as_str) == Some("upgrade"))
            .collect()
    }

    fn copy(&self, call: usize) -> String {
        fs::read_to_string(self.dir.path().join("copies").join(call.to_string())).unwrap()
    }

    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }
}

/// A work folder with `values.yaml` holding the new settings.
fn workdir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempdir();
    let values = dir.path().join("values.yaml");
    fs::write(&values, new_values()).unwrap();
    (dir, values)
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in [NEW_PASSWORD, OLD_PASSWORD] {
        assert!(!text.contains(secret), "a password in {what}:\n{text}");
    }
}

fn flag_value<'a>(args: &'a [String], flag: &str) -> Vec<&'a str> {
    args.windows(2)
        .filter(|w| w[0] == flag)
        .map(|w| w[1].as_str())
        .collect()
}

#[test]
fn upgrade_passes_only_the_block_pinned_with_removed_keys_null_stub_cluster() {
    let stub = Stub::new();
    let (dir, values) = workdir();
    let before = fs::read(&values).unwrap();
    let r = run(stub.phib(dir.path()).args(["upgrade", "--yes"]), b"");
    r.expect_code(0);

    let ups = stub.upgrade_calls();
    assert_eq!(ups.len(), 1, "{:?}", stub.calls());
    let (n, args) = &ups[0];
    let tmp = flag_value(args, "-f");
    assert_eq!(tmp.len(), 1, "exactly one -f: {args:?}");
    let tmp = tmp[0];
    assert_eq!(
        args,
        &[
            "upgrade",
            "primehub",
            "infuseai/primehub",
            "--namespace",
            "hub",
            "--reuse-values",
            "--version",
            "v4.1.0",
            "-f",
            tmp,
        ]
    );
    // The values file passed: only customImage, removed keys reset, written 0600.
    let passed: Value = serde_yaml::from_str(&stub.copy(*n)).unwrap();
    assert_eq!(
        passed.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["customImage"]
    );
    let block = &passed["customImage"];
    assert_eq!(block["registryPassword"], NEW_PASSWORD);
    assert_eq!(block["pushRepo"], "ghcr.io/me/builds");
    for removed in ["pushRepoPrefix", "enabled"] {
        assert!(
            block.as_object().unwrap().contains_key(removed),
            "{removed}"
        );
        assert_eq!(block[removed], Value::Null, "{removed}");
    }
    assert_eq!(
        block["pushSecretName"],
        "primehub-controller-custom-image-push-secret"
    );
    assert_eq!(block["insecureSkipVerify"], false);
    assert_eq!(stub.read("fmodes").trim(), "600");
    assert!(!Path::new(tmp).exists(), "temp file left behind: {tmp}");

    // No secret in any argv, nor in what phib printed.
    for call in stub.calls() {
        assert_no_secret("helm's argv", &call.join(" "));
        assert!(!call.iter().any(|a| a.starts_with("--set")), "{call:?}");
    }
    let out = r.stdout_str();
    assert_no_secret("stdout", &out);
    assert_no_secret("stderr", &r.stderr);
    assert!(out.contains("--version v4.1.0"), "{out}");
    assert!(out.contains("registryPassword: changed"), "{out}");
    assert!(out.contains("pushRepoPrefix: removed"), "{out}");
    assert!(out.contains("phib verify"), "{out}");
    assert!(
        out.contains("has been upgraded"),
        "helm's output is streamed: {out}"
    );
    assert_eq!(fs::read(&values).unwrap(), before);
}

#[test]
fn upgrade_asks_helm_for_the_release_in_the_given_namespace_stub_cluster() {
    let stub = Stub::new();
    stub.set_release("primehub-3.7.1");
    let (dir, _) = workdir();
    let r = run(
        stub.phib(dir.path()).args([
            "upgrade",
            "--yes",
            "--namespace",
            "prime",
            "--values",
            "values.yaml",
        ]),
        b"",
    );
    r.expect_code(0);
    let calls = stub.calls();
    let list = calls.iter().find(|a| a[0] == "list").unwrap();
    assert_eq!(flag_value(list, "-n"), ["prime"]);
    assert_eq!(flag_value(list, "-o"), ["json"]);
    let get = calls.iter().find(|a| a[0] == "get").unwrap();
    assert_eq!(&get[..3], ["get", "values", "primehub"]);
    assert_eq!(flag_value(get, "-n"), ["prime"]);
    let (_, up) = &stub.upgrade_calls()[0];
    assert_eq!(flag_value(up, "--namespace"), ["prime"]);
    assert_eq!(flag_value(up, "--version"), ["3.7.1"]);

    // `--version` overrides the pin.
    let stub = Stub::new();
    run(
        stub.phib(dir.path())
            .args(["upgrade", "--yes", "--version", "4.2.0"]),
        b"",
    )
    .expect_code(0);
    assert_eq!(
        flag_value(&stub.upgrade_calls()[0].1, "--version"),
        ["4.2.0"]
    );
}

#[test]
fn dry_run_runs_no_upgrade_stub_cluster() {
    let stub = Stub::new();
    let (dir, _) = workdir();
    let r = run(stub.phib(dir.path()).args(["upgrade", "--dry-run"]), b"");
    r.expect_code(0);
    assert!(stub.upgrade_calls().is_empty(), "{:?}", stub.calls());
    assert_eq!(
        stub.read("fpaths"),
        "",
        "no values file was even handed over"
    );
    let out = r.stdout_str();
    assert!(
        out.contains("upgrade primehub infuseai/primehub --namespace hub --reuse-values --version v4.1.0 -f TMPFILE"),
        "{out}"
    );
    assert!(out.contains("<redacted>"), "{out}");
    assert!(out.contains("nothing was run"), "{out}");
    assert_no_secret("stdout", &out);
}

#[test]
fn no_terminal_and_no_yes_exits_2_stub_cluster() {
    let stub = Stub::new();
    let (dir, _) = workdir();
    let r = run(stub.phib(dir.path()).args(["upgrade"]), b"y\n");
    r.expect_code(2);
    assert!(stub.upgrade_calls().is_empty());
    assert!(r.stderr.contains("--yes"), "{}", r.stderr);
    assert_no_secret("output", &format!("{}{}", r.stdout_str(), r.stderr));
}

#[test]
fn missing_release_is_explained_and_install_uses_the_whole_file_stub_cluster() {
    let stub = Stub::new();
    stub.set("list.json", "[]");
    let (dir, values) = workdir();
    let r = run(stub.phib(dir.path()).args(["upgrade", "--yes"]), b"");
    r.expect_code(1);
    assert!(
        r.stderr
            .contains("no release `primehub` in namespace `hub`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--install"), "{}", r.stderr);
    assert!(stub.upgrade_calls().is_empty());

    let r = run(
        stub.phib(dir.path())
            .args(["upgrade", "--yes", "--install"]),
        b"",
    );
    r.expect_code(0);
    let (n, args) = &stub.upgrade_calls()[0];
    assert_eq!(
        args,
        &[
            "upgrade",
            "--install",
            "primehub",
            "infuseai/primehub",
            "--namespace",
            "hub",
            "--create-namespace",
            "-f",
            "values.yaml",
        ]
    );
    assert_eq!(stub.copy(*n), fs::read_to_string(&values).unwrap());
    assert!(values.exists());
}

#[test]
fn unknown_chart_repository_names_the_repo_add_command_stub_cluster() {
    let stub = Stub::new();
    stub.set("repos.json", "[]");
    let (dir, _) = workdir();
    let r = run(stub.phib(dir.path()).args(["upgrade", "--yes"]), b"");
    r.expect_code(1);
    assert!(
        r.stderr
            .contains("helm repo add infuseai https://charts.infuseai.io"),
        "{}",
        r.stderr
    );
    assert!(stub.upgrade_calls().is_empty());
}

#[test]
fn helm_failure_is_exit_1_with_its_message_and_no_temp_file_stub_cluster() {
    let stub = Stub::new();
    stub.set(
        "upgrade-fail",
        "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress\n",
    );
    let (dir, values) = workdir();
    let before = fs::read(&values).unwrap();
    let r = run(stub.phib(dir.path()).args(["upgrade", "--yes"]), b"");
    r.expect_code(1);
    assert!(
        r.stderr.contains("phib: helm upgrade failed"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("another operation"), "{}", r.stderr);
    assert!(r.stderr.contains("help: "), "{}", r.stderr);
    let tmp = stub.read("fpaths");
    assert!(!tmp.is_empty());
    assert!(!Path::new(tmp.trim()).exists(), "temp file left behind");
    assert_eq!(fs::read(&values).unwrap(), before);
}

#[test]
fn ctrl_c_during_helm_removes_the_temp_file_stub_cluster() {
    use std::os::unix::process::CommandExt;
    let stub = Stub::new();
    let (dir, _) = workdir();
    let mut cmd = stub.phib(dir.path());
    cmd.args(["upgrade", "--yes"])
        .env("STUB_UPGRADE_SLEEP", "30")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        // Its own process group, as a terminal's foreground job: Ctrl-C reaches all.
        .process_group(0);
    let child = cmd.spawn().unwrap();
    let started = stub.dir.path().join("upgrade-started");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !started.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "helm was never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = Command::new("kill")
        .args(["-INT", "--", &format!("-{}", child.id())])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let tmp = stub.read("fpaths");
    assert!(
        !Path::new(tmp.trim()).exists(),
        "temp file left behind: {tmp}"
    );
}

#[test]
fn helm_2_is_refused_stub_cluster() {
    let stub = Stub::new();
    stub.set("version", "Client: v2.17.0+ga690bad\n");
    let (dir, _) = workdir();
    let r = run(stub.phib(dir.path()).args(["upgrade", "--yes"]), b"");
    r.expect_code(1);
    assert!(r.stderr.contains("helm 3 or newer"), "{}", r.stderr);
    assert_eq!(stub.calls().len(), 1, "only `helm version` was asked");
}

#[test]
fn missing_helm_is_exit_1_with_how_to_install() {
    let (dir, values) = workdir();
    let r = run(
        phib()
            .current_dir(dir.path())
            .env("PATH", dir.path())
            .args(["upgrade", "--yes"]),
        b"",
    );
    r.expect_code(1);
    assert!(r.stderr.contains("helm not found"), "{}", r.stderr);
    assert!(r.stderr.contains("help: install helm"), "{}", r.stderr);
    let r = run(
        phib().current_dir(dir.path()).args([
            "show",
            "--release",
            "primehub",
            "--helm",
            "/nonexistent/helm",
        ]),
        b"",
    );
    r.expect_code(1);
    assert!(r.stderr.contains("`/nonexistent/helm`"), "{}", r.stderr);
    assert_eq!(fs::read_to_string(values).unwrap(), new_values());
}

#[test]
fn bad_values_file_is_exit_2_before_helm_runs_stub_cluster() {
    let stub = Stub::new();
    let dir = tempdir();
    fs::write(dir.path().join("values.yaml"), "domain: x\n").unwrap();
    let r = run(stub.phib(dir.path()).args(["upgrade", "--yes"]), b"");
    r.expect_code(2);
    assert!(
        r.stderr.contains("customImage.registryEndpoint"),
        "{}",
        r.stderr
    );
    let r = run(
        stub.phib(dir.path())
            .args(["upgrade", "--yes", "--values", "nope.yaml"]),
        b"",
    );
    r.expect_code(2);
    assert!(r.stderr.contains("`nope.yaml`"), "{}", r.stderr);
    assert!(stub.calls().is_empty());
}

// ---- phib show ----

#[test]
fn show_prints_the_block_of_a_file_redacted() {
    let (dir, _) = workdir();
    let r = run(phib().current_dir(dir.path()).args(["show"]), b"");
    r.expect_code(0);
    let out = r.stdout_str();
    assert_no_secret("stdout", &out);
    let shown: Value = serde_yaml::from_str(&out).unwrap();
    assert_eq!(shown["customImage"]["registryPassword"], "<redacted>");
    assert_eq!(shown["customImage"]["pushRepo"], "ghcr.io/me/builds");
    assert!(shown.get("domain").is_none(), "only the block: {out}");

    let r = run(
        phib()
            .current_dir(dir.path())
            .args(["show", "--show-secrets"]),
        b"",
    );
    r.expect_code(0);
    assert!(r.stdout_str().contains(NEW_PASSWORD));
}

#[test]
fn show_query_prints_compact_matches_redacted() {
    let (dir, _) = workdir();
    let q = |query: &str, extra: &[&str]| {
        let mut cmd = phib();
        cmd.current_dir(dir.path())
            .args(["show", "--values", "values.yaml", "--query", query]);
        cmd.args(extra);
        run(&mut cmd, b"")
    };
    let r = q("$.customImage.pushRepo", &[]);
    r.expect_code(0);
    assert_eq!(r.stdout_str(), "\"ghcr.io/me/builds\"\n");

    let r = q("$.customImage", &[]);
    r.expect_code(0);
    let out = r.stdout_str();
    assert_eq!(out.lines().count(), 1, "{out}");
    assert_no_secret("stdout", &out);
    let block: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(block["registryPassword"], "<redacted>");

    let r = q("$..registryPassword", &[]);
    assert_eq!(r.stdout_str(), "\"<redacted>\"\n");
    // A filter cannot test a guess against the secret.
    let r = q(
        &format!("$..[?(@.registryPassword == '{NEW_PASSWORD}')]"),
        &[],
    );
    r.expect_code(0);
    assert_eq!(r.stdout_str(), "");

    let r = q("$..registryPassword", &["--show-secrets"]);
    assert_eq!(r.stdout_str(), format!("\"{NEW_PASSWORD}\"\n"));

    let r = q("$.customImage[", &[]);
    r.expect_code(2);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.contains("`--query` is not a valid JSONPath"),
        "{}",
        r.stderr
    );
}

#[test]
fn show_reads_a_live_release_stub_cluster() {
    let stub = Stub::new();
    let dir = tempdir();
    let r = run(
        stub.phib(dir.path())
            .args(["show", "--release", "primehub", "--namespace", "prime"]),
        b"",
    );
    r.expect_code(0);
    let out = r.stdout_str();
    assert_no_secret("stdout", &out);
    assert!(out.contains("pushSecretName: aws-registry"), "{out}");
    assert!(out.contains("<redacted>"), "{out}");
    assert_eq!(
        stub.calls().last().unwrap(),
        &["get", "values", "primehub", "-n", "prime", "-o", "json"]
    );

    let r = run(
        stub.phib(dir.path()).args([
            "show",
            "--release",
            "primehub",
            "--query",
            "$.customImage.pushRepoPrefix",
        ]),
        b"",
    );
    r.expect_code(0);
    assert_eq!(
        r.stdout_str(),
        "\"123.dkr.ecr.us-east-1.amazonaws.com/hub\"\n"
    );
    let r = run(
        stub.phib(dir.path()).args([
            "show",
            "--release",
            "primehub",
            "--show-secrets",
            "--query",
            "$..registryPassword",
        ]),
        b"",
    );
    assert_eq!(r.stdout_str(), format!("\"{OLD_PASSWORD}\"\n"));
}

// ---- with the real helm (end-to-end tier) ----

/// Real helm with its configuration, data and plugins in `home`, and no cluster.
fn real_helm(home: &Path) -> Command {
    let mut cmd = Command::new(tool("helm"));
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("HELM_") || k.starts_with("PHIB_") || k == "KUBECONFIG" {
            cmd.env_remove(&key);
        }
    }
    cmd.env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_PLUGINS", home.join("data/plugins"))
        .env("KUBECONFIG", "/nonexistent/phib-test-kubeconfig");
    cmd
}

/// The manifest of `kind` in `helm template` output.
fn manifest<'a>(rendered: &'a str, kind: &str) -> &'a str {
    rendered
        .split("\n---")
        .find(|doc| doc.contains(&format!("\nkind: {kind}\n")))
        .unwrap_or_else(|| panic!("no {kind} in:\n{rendered}"))
}

/// The `user:password` inside the rendered push Secret.
fn push_secret_auth(rendered: &str) -> String {
    let secret = manifest(rendered, "Secret");
    let b64 = secret
        .lines()
        .find_map(|l| l.trim().strip_prefix(".dockerconfigjson: "))
        .unwrap();
    let decode = |s: &str| -> String {
        let r = run(Command::new("base64").arg("-d"), s.as_bytes());
        r.expect_code(0);
        r.stdout_str()
    };
    let config: Value = serde_json::from_str(&decode(b64)).unwrap();
    let auths = config["auths"].as_object().unwrap();
    let auth = auths.values().next().unwrap()["auth"].as_str().unwrap();
    decode(auth)
}

/// What phib hands to `helm upgrade -f` for `values` (taken from a stand-in run).
fn passed_block(values: &str) -> String {
    let stub = Stub::new();
    let dir = tempdir();
    fs::write(dir.path().join("values.yaml"), values).unwrap();
    run(stub.phib(dir.path()).args(["upgrade", "--yes"]), b"").expect_code(0);
    let (n, _) = stub.upgrade_calls()[0];
    stub.copy(n)
}

/// `helm template` of the fixture chart with the release's old values and then the
/// file phib passes: what `--reuse-values` makes of them.
fn render_over_old_values(passed: &str) -> String {
    let dir = tempdir();
    let old = dir.path().join("old.json");
    fs::write(&old, old_release_values().to_string()).unwrap();
    let new = dir.path().join("passed.yaml");
    fs::write(&new, passed).unwrap();
    let mut cmd = real_helm(dir.path());
    cmd.arg("template").arg("primehub").arg(fixture_chart());
    cmd.arg("-f").arg(&old).arg("-f").arg(&new);
    let r = run(&mut cmd, b"");
    r.expect_code(0);
    r.stdout_str()
}

#[test]
#[cfg_attr(not(phib_e2e), ignore = "end-to-end: needs helm; run ./scripts/test")]
fn nulls_remove_the_old_password_from_the_rendered_release() {
    // Moving the password out of the values: a Secret of one's own, no credentials.
    let external = "customImage:\n  registryEndpoint: \"ghcr.io\"\n  pushRepo: \"ghcr.io/me/builds\"\n  pushSecretName: \"ghcr-push\"\n";
    let passed = passed_block(external);
    let rendered = render_over_old_values(&passed);
    let config = manifest(&rendered, "ConfigMap");
    assert!(
        !rendered.contains(OLD_PASSWORD),
        "old password survived:\n{rendered}"
    );
    assert!(!push_secret_auth(&rendered).contains(OLD_PASSWORD));
    assert!(config.contains("pushSecretName: ghcr-push"), "{config}");
    assert!(config.contains("pushRepo: ghcr.io/me/builds"), "{config}");
    assert!(
        !config.contains("pushRepoPrefix: 123"),
        "old prefix survived: {config}"
    );

    // The control: the same block without the nulls keeps the old password, which is
    // exactly what a plain `--reuse-values` upgrade would leave in the release.
    let mut without_nulls: Value = serde_yaml::from_str(&passed).unwrap();
    without_nulls["customImage"]
        .as_object_mut()
        .unwrap()
        .retain(|_, v| !v.is_null());
    let rendered = render_over_old_values(&without_nulls.to_string());
    assert!(manifest(&rendered, "ConfigMap").contains(OLD_PASSWORD));
}

#[test]
#[cfg_attr(not(phib_e2e), ignore = "end-to-end: needs helm; run ./scripts/test")]
fn switching_registry_renders_the_new_credentials_and_chart_defaults() {
    let rendered = render_over_old_values(&passed_block(&new_values()));
    let config = manifest(&rendered, "ConfigMap");
    assert!(!rendered.contains(OLD_PASSWORD), "{rendered}");
    assert_eq!(push_secret_auth(&rendered), format!("me:{NEW_PASSWORD}"));
    // Reset to the chart's defaults, not deleted: the controller needs pushSecretName.
    assert!(
        config.contains("pushSecretName: primehub-controller-custom-image-push-secret"),
        "{config}"
    );
    assert!(config.contains("insecureSkipVerify: false"), "{config}");
    assert!(!config.contains("aws-registry"), "{config}");
    assert!(!config.contains("amazonaws"), "{config}");
}

#[test]
#[cfg_attr(not(phib_e2e), ignore = "end-to-end: needs helm; run ./scripts/test")]
fn unreachable_cluster_is_exit_1_and_leaves_the_values_file_alone() {
    let home = tempdir();
    let (dir, values) = workdir();
    let before = fs::read(&values).unwrap();
    let mode_before = mode(&values);
    let listing = || {
        let mut names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    let files_before = listing();
    let mut cmd = phib();
    cmd.current_dir(dir.path())
        .env("HELM_CONFIG_HOME", home.path().join("config"))
        .env("HELM_DATA_HOME", home.path().join("data"))
        .env("HELM_CACHE_HOME", home.path().join("cache"))
        .args(["upgrade", "--yes", "--helm"])
        .arg(tool("helm"));
    let r = run(&mut cmd, b"");
    r.expect_code(1);
    assert!(r.stderr.starts_with("phib: "), "{}", r.stderr);
    assert!(r.stderr.contains("cluster unreachable"), "{}", r.stderr);
    assert!(
        r.stderr.contains("help: check that `KUBECONFIG`"),
        "{}",
        r.stderr
    );
    assert_no_secret("output", &format!("{}{}", r.stdout_str(), r.stderr));
    assert_eq!(fs::read(&values).unwrap(), before);
    assert_eq!(mode(&values), mode_before);
    assert_eq!(listing(), files_before, "no backup or temp file appeared");

    let mut cmd = phib();
    cmd.current_dir(dir.path())
        .env("HELM_CONFIG_HOME", home.path().join("config"))
        .env("HELM_BIN", tool("helm"))
        .args(["show", "--release", "primehub"]);
    let r = run(&mut cmd, b"");
    r.expect_code(1);
    assert!(r.stderr.contains("cluster unreachable"), "{}", r.stderr);
}

#[test]
#[cfg_attr(not(phib_e2e), ignore = "end-to-end: needs helm; run ./scripts/test")]
fn helm_plugin_install_makes_helm_phib_work() {
    let home = tempdir();
    let r = run(
        real_helm(home.path())
            .args(["plugin", "install"])
            .arg(root().join("helm-plugin")),
        b"",
    );
    r.expect_code(0);
    let r = run(real_helm(home.path()).args(["plugin", "list"]), b"");
    assert!(r.stdout_str().contains("phib"), "{}", r.stdout_str());

    // The launcher finds phib through PHIB_BIN ...
    let phib_bin = PathBuf::from(env!("CARGO_BIN_EXE_phib"));
    let r = run(
        real_helm(home.path())
            .env("PHIB_BIN", &phib_bin)
            .args(["phib", "--help"]),
        b"",
    );
    r.expect_code(0);
    assert!(r.stdout_str().contains("Usage: phib"), "{}", r.stdout_str());
    assert!(r.stdout_str().contains("upgrade"), "{}", r.stdout_str());

    // ... or on PATH; and helm's namespace and helm itself (HELM_BIN; no helm is on
    // this PATH) reach phib.
    let path = format!("{}:/usr/bin:/bin", phib_bin.parent().unwrap().display());
    let r = run(
        real_helm(home.path()).env("PATH", &path).args([
            "-n",
            "prime",
            "phib",
            "show",
            "--release",
            "primehub",
        ]),
        b"",
    );
    r.expect_code(1);
    assert!(
        r.stderr
            .contains("phib: cannot read the values of release `primehub` in namespace `prime`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("cluster unreachable"), "{}", r.stderr);
}

/// Runs `phib upgrade` with the stand-in helm in a real terminal (tmux), waits for the
/// confirmation prompt, sends `keys`, and returns phib's exit status and the screen.
fn upgrade_in_terminal(stub: &Stub, keys: &[&str]) -> (i32, String) {
    let tmux = tool("tmux");
    let (dir, _) = workdir();
    let d = dir.path();
    let script = d.join("run.sh");
    fs::create_dir(d.join("tmp")).unwrap();
    fs::write(
        &script,
        format!(
            "#!/bin/sh\ncd '{dir}'\nenv -i PATH=/usr/bin:/bin TERM=xterm HOME='{dir}' TMPDIR='{dir}/tmp' KUBECONFIG=/nonexistent HELM_BIN='{helm}' STUB_DIR='{stub}' '{phib}' upgrade\necho $? > '{dir}/exit'\nsleep 60\n",
            dir = d.display(),
            helm = stub.helm.display(),
            stub = stub.dir.path().display(),
            phib = env!("CARGO_BIN_EXE_phib"),
        ),
    )
    .unwrap();
    // A server of its own per run: reusing a socket races with the last kill-server.
    let session = d.file_name().unwrap().to_str().unwrap().replace('.', "_");
    let socket = format!("phib-test-{}-{session}", std::process::id());
    let tm = |args: &[&str]| {
        Command::new(&tmux)
            .args(["-L", &socket])
            .args(args)
            .output()
            .unwrap()
    };
    let out = tm(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "160",
        "-y",
        "50",
        "sh",
        script.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let screen = || {
        String::from_utf8_lossy(&tm(&["capture-pane", "-p", "-t", &session]).stdout).into_owned()
    };
    let wait_for = |what: &dyn Fn() -> bool, label: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !what() {
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {label}:\n{}",
                screen()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    wait_for(&|| screen().contains("run it?"), "the prompt");
    // Keys go in only once the prompt reads them raw: a Ctrl-C typed before that is a
    // signal, not a key, and the prompt would still be waiting.
    let tty =
        String::from_utf8(tm(&["display", "-p", "-t", &session, "#{pane_tty}"]).stdout).unwrap();
    let raw = || {
        let out = Command::new("stty")
            .args(["-a", "-F", tty.trim()])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).contains("-icanon")
    };
    wait_for(&raw, "the prompt to read keys");
    for key in keys {
        tm(&["send-keys", "-t", &session, key]);
    }
    let exit = d.join("exit");
    wait_for(
        &|| fs::read_to_string(&exit).is_ok_and(|s| s.ends_with('\n')),
        "phib to exit",
    );
    let code = fs::read_to_string(&exit).unwrap().trim().parse().unwrap();
    let shown = screen();
    tm(&["kill-server"]);
    // The temporary values file was shown in the command, and is gone.
    assert!(
        shown.contains(&format!("-f {}/tmp/phib-values-", d.display())),
        "{shown}"
    );
    let left: Vec<_> = fs::read_dir(d.join("tmp")).unwrap().collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
    (code, shown)
}

#[test]
#[cfg_attr(not(phib_e2e), ignore = "end-to-end: needs tmux; run ./scripts/test")]
fn confirmation_prompt_decides_and_ctrl_c_cleans_up_stub_cluster() {
    let stub = Stub::new();
    let (code, screen) = upgrade_in_terminal(&stub, &["n"]);
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("cancelled: nothing was run"), "{screen}");
    assert!(screen.contains("will run:"), "{screen}");
    assert_no_secret("the screen", &screen);

    let (code, screen) = upgrade_in_terminal(&stub, &["C-c"]);
    assert_eq!(code, 130, "{screen}");
    assert!(stub.upgrade_calls().is_empty(), "{:?}", stub.calls());

    let (code, screen) = upgrade_in_terminal(&stub, &["y"]);
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("has been upgraded"), "{screen}");
    assert_eq!(stub.upgrade_calls().len(), 1);
}

#[test]
#[cfg_attr(not(phib_e2e), ignore = "end-to-end: needs helm; run ./scripts/test")]
fn every_argv_phib_gives_the_stand_in_parses_with_the_real_helm() {
    // The stand-in accepts anything; the real helm must accept the same flags. Replayed
    // against no cluster, each call gets past flag parsing to a cluster or repository
    // error.
    let stub = Stub::new();
    let (dir, _) = workdir();
    run(stub.phib(dir.path()).args(["upgrade", "--yes"]), b"").expect_code(0);
    run(
        stub.phib(dir.path())
            .args(["show", "--release", "primehub"]),
        b"",
    )
    .expect_code(0);
    stub.set("list.json", "[]");
    run(
        stub.phib(dir.path())
            .args(["upgrade", "--yes", "--install"]),
        b"",
    )
    .expect_code(0);
    let calls = stub.calls();
    let kinds: Vec<&str> = calls.iter().map(|c| c[0].as_str()).collect();
    for kind in ["version", "list", "get", "repo", "upgrade"] {
        assert!(kinds.contains(&kind), "no `{kind}` call: {kinds:?}");
    }
    let home = tempdir();
    for call in &calls {
        // The temporary file is gone; any existing file will do for parsing.
        let args: Vec<&str> = call
            .iter()
            .map(|a| {
                if a.contains("phib-values-") {
                    "values.yaml"
                } else {
                    a.as_str()
                }
            })
            .collect();
        let mut cmd = real_helm(home.path());
        cmd.current_dir(dir.path()).args(&args);
        let r = run(&mut cmd, b"");
        let all = format!("{}{}", r.stdout_str(), r.stderr);
        assert!(
            !all.contains("unknown flag")
                && !all.contains("unknown command")
                && !all.contains("accepts"),
            "helm refused {args:?}:\n{all}"
        );
    }
}

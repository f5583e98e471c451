//! The classes of hostile input that reached phib's newer surfaces, as a table of
//! commands × inputs: names from a values file or the cluster that look like options
//! (`-A`, `--kubeconfig=…`), helm and kubectl error lines that echo a secret phib
//! already holds, and control characters in what the doctor reports. A new command is
//! attacked by adding one row. No cluster can run here: helm and kubectl are stand-ins
//! that record their arguments (the tests say so in their names).

use std::fs;
use std::path::Path;
use std::time::Duration;

use base64::Engine;

use super::files::run_bounded;
use super::{no_control, no_secret, Tally};
use crate::util::{phib, tempdir};

const PASSWORD: &str = "B0undary-Pa55w0rd";
const USER: &str = "robot$ci";

/// The forms of the password a careless helm or kubectl prints.
fn forms() -> Vec<String> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    vec![
        PASSWORD.to_string(),
        b64(PASSWORD),
        b64(&format!("{USER}:{PASSWORD}")),
    ]
}

/// A stand-in for helm and kubectl (one script, called by either name): it records
/// its arguments, answers from files in `$STUB_DIR`, and fails, echoing the password
/// in every form, for the call whose words start with `$STUB_FAIL`.
const STUB: &str = r#"#!/bin/sh
d="$STUB_DIR"
tool=$(basename "$0")
echo "$tool $*" >> "$d/calls"
# The call in words: the tool, its verb (and subverb) and the names after `--`.
key="$tool"; after=""; words=0
for a in "$@"; do
  if [ -n "$after" ]; then key="$key $a"; continue; fi
  case "$a" in
    --) after=1 ;;
    -*) words=9 ;;
    *) if [ $words -lt 2 ]; then key="$key $a"; words=$((words+1)); fi ;;
  esac
done
case "$key" in
  "$STUB_FAIL"*)
    echo "Error: cannot do it for $STUB_ECHO" >&2
    if [ -n "$STUB_ECHO_STDIN" ]; then cat >&2; fi
    exit 1 ;;
esac
case "$key" in
  "helm version"*) echo "v3.14.2+gc309b6f" ;;
  "helm list"*) cat "$d/list.json" ;;
  "helm history"*) echo '[{"revision": 1, "status": "deployed"}]' ;;
  "helm get values"*) cat "$d/values.json" ;;
  "helm get manifest"*) cat "$d/manifest.yaml" ;;
  "helm repo"*) echo '[{"name": "infuseai", "url": "https://charts.infuseai.io"}]' ;;
  "kubectl get secrets") cat "$d/secrets.json" ;;
  "kubectl get secret "*) echo 'Error from server (NotFound): secrets not found' >&2; exit 1 ;;
  "kubectl apply"*) cat > /dev/null; echo "secret/x configured" ;;
  "kubectl get"*) echo '{"items": []}' ;;
  "kubectl logs"*) echo '' ;;
  *) echo "unexpected: $tool $*" >&2; exit 3 ;;
esac
"#;

struct Stub {
    dir: tempfile::TempDir,
}

impl Stub {
    fn new(release: &str) -> Stub {
        let dir = tempdir();
        let d = dir.path();
        let bin = d.join("bin");
        fs::create_dir(&bin).unwrap();
        for tool in ["helm", "kubectl"] {
            crate::util::executable(&bin.join(tool), STUB);
        }
        let list = serde_json::json!([{"name": release, "namespace": "hub", "revision": "1",
            "status": "deployed", "chart": "primehub-v4.1.0", "app_version": "v4.1.0"}]);
        fs::write(d.join("list.json"), list.to_string()).unwrap();
        let values = serde_json::json!({"customImage": {
            "registryEndpoint": "https://reg.example.com", "registryUsername": USER,
            "registryPassword": PASSWORD, "pushRepoPrefix": "reg.example.com/team"}});
        fs::write(d.join("values.json"), values.to_string()).unwrap();
        fs::write(
            d.join("manifest.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: primehub-controller-config\ndata: {}\n",
        )
        .unwrap();
        fs::write(d.join("secrets.json"), r#"{"items": []}"#).unwrap();
        fs::write(
            d.join("values.yaml"),
            format!(
                "customImage:\n  registryEndpoint: https://reg.example.com\n  registryUsername: \"{USER}\"\n  registryPassword: {PASSWORD}\n  pushRepoPrefix: reg.example.com/team\n"
            ),
        )
        .unwrap();
        Stub { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// phib in the stub's folder, with the stand-ins first on `PATH`.
    fn phib(&self, fail: &str) -> std::process::Command {
        let mut cmd = phib();
        let d = self.path();
        cmd.current_dir(d)
            .env("PATH", format!("{}:/usr/bin:/bin", d.join("bin").display()))
            .env("STUB_DIR", d)
            .env("STUB_FAIL", fail)
            .env("STUB_ECHO", forms().join(" "));
        cmd
    }

    fn calls(&self) -> String {
        fs::read_to_string(self.path().join("calls")).unwrap_or_default()
    }
}

/// A flow that runs helm or kubectl, and the call of it that fails.
struct Flow {
    name: &'static str,
    args: &'static [&'static str],
    fail: &'static str,
    /// The failing call echoes what phib feeds it on standard input.
    echo_stdin: bool,
}

#[rustfmt::skip]
const FLOWS: &[Flow] = &[
    Flow { name: "upgrade: helm list fails", args: &["upgrade", "--dry-run"], fail: "helm list", echo_stdin: false },
    Flow { name: "upgrade: helm get values fails", args: &["upgrade", "--dry-run"], fail: "helm get values", echo_stdin: false },
    Flow { name: "upgrade: helm repo list fails", args: &["upgrade", "--dry-run"], fail: "helm repo", echo_stdin: false },
    Flow { name: "doctor: helm get manifest fails", args: &["doctor", "--no-registry-check"], fail: "helm get manifest", echo_stdin: false },
    Flow { name: "doctor: helm history fails", args: &["doctor", "--no-registry-check"], fail: "helm history", echo_stdin: false },
    Flow { name: "doctor: kubectl get secrets fails", args: &["doctor", "--no-registry-check"], fail: "kubectl get secrets", echo_stdin: false },
    Flow { name: "render --apply: kubectl apply fails", args: &["render", "--registry", "harbor", "--endpoint", "https://reg.example.com", "--username", USER, "--push-repo-prefix", "reg.example.com/team", "--values", "new.yaml", "--secret-mode", "external", "--apply"], fail: "kubectl apply", echo_stdin: true },
];

#[test]
fn helm_and_kubectl_error_lines_never_show_a_secret_stub_cluster() {
    let mut tally = Tally::new("secrets echoed by helm and kubectl");
    for flow in FLOWS {
        let stub = Stub::new("primehub");
        let mut cmd = stub.phib(flow.fail);
        cmd.args(flow.args).env("PHIB_REGISTRY_PASSWORD", PASSWORD);
        if flow.echo_stdin {
            cmd.env("STUB_ECHO_STDIN", "1");
        }
        let result = run_bounded(&mut cmd, Duration::from_secs(30)).and_then(|r| {
            let out = String::from_utf8_lossy(&r.stdout);
            if !stub
                .calls()
                .lines()
                .any(|c| key_of(c).starts_with(flow.fail))
            {
                return Err(format!(
                    "`{}` was never called:\n{}",
                    flow.fail,
                    stub.calls()
                ));
            }
            if r.code != Some(1) {
                return Err(format!("exit {:?}, not 1:\n{}", r.code, r.stderr));
            }
            let forms = forms();
            let forms: Vec<&str> = forms.iter().map(String::as_str).collect();
            no_secret("stderr", &r.stderr, &forms)?;
            no_secret("stdout", &out, &forms)?;
            // What helm said is still shown, with the secret hidden.
            if !r.stderr.contains("cannot do it for") {
                return Err(format!("helm's message is not quoted:\n{}", r.stderr));
            }
            Ok(())
        });
        tally.attempt(flow.name, result);
    }
    tally.finish();
}

/// A recorded call in the stand-in's words: the tool, its verb (and subverb), then the
/// names after `--`.
fn key_of(call: &str) -> String {
    let mut words = call.split(' ');
    let mut key = vec![words.next().unwrap_or_default().to_string()];
    let (mut verbs, mut after) = (0, false);
    for w in words {
        if after {
            key.push(w.to_string());
        } else if w == "--" {
            after = true;
        } else if w.starts_with('-') {
            verbs = 2;
        } else if verbs < 2 {
            key.push(w.to_string());
            verbs += 1;
        }
    }
    key.join(" ")
}

/// Names that a values file or the cluster hands phib and that helm or kubectl would
/// read as options.
const OPTION_LIKE: &[&str] = &[
    "-A",
    "--kubeconfig=/tmp/evil-kubeconfig",
    "-oyaml",
    "--all-namespaces",
    "-n=kube-system",
];

#[test]
fn names_from_files_and_the_cluster_never_become_options_stub_cluster() {
    let mut tally = Tally::new("option-like names");
    for name in OPTION_LIKE {
        // A `pushSecretName` in a values file, read by `phib verify` with kubectl.
        let stub = Stub::new("primehub");
        fs::write(
            stub.path().join("values.yaml"),
            format!(
                "customImage:\n  registryEndpoint: https://127.0.0.1:9\n  pushRepoPrefix: 127.0.0.1:9/team\n  pushSecretName: \"{name}\"\n"
            ),
        )
        .unwrap();
        let mut cmd = stub.phib("none");
        cmd.args(["verify", "--timeout", "1"]);
        tally.attempt(
            &format!("verify: pushSecretName {name}"),
            refused(&stub, &mut cmd, name),
        );

        // A release name in `helm list`, read by `phib doctor`.
        let stub = Stub::new(name);
        let mut cmd = stub.phib("none");
        cmd.args(["doctor", "--no-registry-check"]);
        tally.attempt(
            &format!("doctor: release {name}"),
            refused(&stub, &mut cmd, name),
        );

        // A Secret name given on the command line.
        let stub = Stub::new("primehub");
        let mut cmd = stub.phib("none");
        cmd.args(["show", "--release", name]);
        tally.attempt(
            &format!("show --release {name}"),
            refused(&stub, &mut cmd, name),
        );
    }
    tally.finish();
}

/// The command exits 2 and no stand-in got `name` as an argument of its own.
fn refused(stub: &Stub, cmd: &mut std::process::Command, name: &str) -> Result<(), String> {
    let r = run_bounded(cmd, Duration::from_secs(30))?;
    if r.code != Some(2) {
        return Err(format!("exit {:?}, not 2:\n{}", r.code, r.stderr));
    }
    for call in stub.calls().lines() {
        if call.split(' ').any(|w| w == name) {
            return Err(format!("passed as an argument: {call}"));
        }
    }
    Ok(())
}

/// Control characters planted in what the doctor reads offline: a `pushRepoPrefix`, a
/// key the chart ignores, a `buildJob` quantity, the controller ConfigMap's name and an
/// Image's URL. The text report escapes every one, as the JSON report does.
#[test]
fn the_doctors_report_shows_no_control_character() {
    let controls = ["\\e[2J", "\\e]0;owned\\a", "\\x9b31m", "\\r", "\\u202e"];
    let mut tally = Tally::new("control characters in the doctor's report");
    for c in controls {
        let dir = tempdir();
        let bundle = dir.path().join("bundle.yaml");
        fs::write(&bundle, bundle_with(c)).unwrap();
        for output in ["text", "json"] {
            let mut cmd = phib();
            cmd.args(["doctor", "--output", output, "--manifests"])
                .arg(&bundle);
            let result = run_bounded(&mut cmd, Duration::from_secs(20)).and_then(|r| {
                no_control("stdout", &String::from_utf8_lossy(&r.stdout))?;
                no_control("stderr", &r.stderr)?;
                if r.stdout.is_empty() {
                    return Err(format!("no report:\n{}", r.stderr));
                }
                Ok(())
            });
            tally.attempt(&format!("{output} report with {c}"), result);
        }
    }
    tally.finish();
}

/// A bundle whose strings hold `c` (a YAML double-quoted escape).
fn bundle_with(c: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: "primehub{c}-controller-config"
  labels:
    helm.sh/chart: primehub-v4.1.0
data:
  config.yaml: |
    customImage:
      registryEndpoint: "https://reg.example.com"
      pushRepoPrefix: "reg.example.com/team{c}"
      pushSecretName: "primehub-controller-custom-image-push-secret"
      "stale{c}Key": x
      buildJob:
        resources:
          requests:
            cpu: "1{c}"
---
apiVersion: primehub.io/v1alpha1
kind: Image
metadata:
  name: my-image
spec:
  url: "reg.example.com/team/my-image{c}:1"
  pullSecret: primehub-controller-custom-image-push-secret
"#
    )
}

/// A control character in any option of any command is refused before anything runs
/// (exit 2, no program started, nothing written), and the refusal shows none raw.
#[test]
fn every_command_refuses_control_characters_in_its_options() {
    let dir = tempdir();
    let d = dir.path();
    let bin = d.join("bin");
    fs::create_dir(&bin).unwrap();
    // helm and kubectl that would leave a mark if started.
    for tool in ["helm", "kubectl"] {
        let stub = format!("#!/bin/sh\ntouch {}/ran-{tool}\n", d.display());
        crate::util::executable(&bin.join(tool), &stub);
    }
    let mut tally = Tally::new("control characters in every command's options");
    let commands: &[&[&str]] = &[
        &["verify", "--namespace", "h\u{1b}[2Jub"],
        &["verify", "--secret-file", "s\u{7}.yaml"],
        &["verify", "--ca-file", "c\u{1b}.pem"],
        &["upgrade", "--chart", "x\u{7}", "--yes"],
        &["upgrade", "--version", "1\u{1b}[0m", "--yes"],
        &["upgrade", "--values", "v\u{1b}.yaml", "--yes"],
        &["show", "--query", "$.a\u{1b}[2J"],
        &["show", "--values", "v\u{9b}.yaml"],
        &["doctor", "--namespace", "h\u{1b}ub"],
        &[
            "doctor",
            "--chart-version",
            "4\u{7}",
            "--manifests",
            "m.yaml",
        ],
        &["wizard", "--values", "v\u{1b}.yaml"],
        &["wizard", "--chart-version", "4\u{1b}"],
    ];
    for args in commands {
        let r = run_bounded(
            phib()
                .current_dir(d)
                .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
                .args(*args),
            Duration::from_secs(20),
        );
        let result = r.map_err(|e| e.to_string()).and_then(|r| {
            if r.code != Some(2) {
                return Err(format!("exit {:?}: {}", r.code, r.stderr));
            }
            if !r.stderr.contains("control character") {
                return Err(format!("not said: {}", r.stderr));
            }
            no_control("stderr", &r.stderr)?;
            let ran: Vec<_> = fs::read_dir(d)
                .unwrap()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("ran-"))
                .collect();
            if !ran.is_empty() {
                return Err(format!("started {ran:?}"));
            }
            Ok(())
        });
        tally.attempt(&args.join(" "), result);
    }
    tally.finish();
}

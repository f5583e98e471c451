//! `phib upgrade`, `phib show` and the helm plugin. Real helm renders the fixture chart
//! and meets an unreachable cluster; where a live cluster would be needed, a recording
//! stand-in for helm (tests ending in `_stub_cluster`) logs every argv and keeps a copy
//! of every `-f` file.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::util::*;

mod real;
mod show;
mod terminal;
mod upgrade;

pub(crate) const NEW_PASSWORD: &str = "n3w-Pa55:w0rd";
pub(crate) const OLD_PASSWORD: &str = "0ld-Pa55-hunter2";

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

/// A recording stand-in for helm (also used by the external-mode tests).
pub(crate) struct Stub {
    dir: tempfile::TempDir,
    helm: PathBuf,
}

const STUB_SCRIPT: &str = r#"#!/bin/sh
# Records each call (argv, NUL-separated) and a copy of each -f file, then answers
# like helm would for a cluster that has the release described by the files here.
d="$STUB_DIR"
# The next free number, claimed atomically (noclobber): calls may come at once.
n=0; while ! (set -C; : > "$d/calls/$n") 2>/dev/null; do n=$((n+1)); done
printf '%s\0' "$@" > "$d/calls/$n"
prev=""
for a in "$@"; do
  if [ "$prev" = "-f" ]; then
    cp "$a" "$d/copies/$n"
    printf '%s\n' "$a" >> "$d/fpaths"
    stat -c %a "$a" >> "$d/fmodes"
  fi
  [ "$prev" = "-f" ] && f="$a"
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
    if [ -f "$d/upgrade-echo" ]; then
      # A careless helm: shows the -f file on both streams, and the login in base64.
      cat "$f"; cat "$f" >&2
      u=$(sed -n 's/.*registryUsername"\{0,1\}: *"\([^"]*\)".*/\1/p' "$f")
      p=$(sed -n 's/.*registryPassword"\{0,1\}: *"\([^"]*\)".*/\1/p' "$f")
      echo "auth $(printf '%s' "$u:$p" | base64 -w0) password $(printf '%s' "$p" | base64 -w0)"
      echo "Error: UPGRADE FAILED: cannot use $p ($(printf '%s' "$p" | base64 -w0))" >&2
      exit 1
    fi
    echo "Release \"$2\" has been upgraded. Happy Helming!" ;;
  *) echo "Error: unknown command \"$1\" for \"helm\"" >&2; exit 1 ;;
esac
"#;

impl Stub {
    pub(crate) fn new() -> Stub {
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

    pub(crate) fn set(&self, name: &str, content: &str) {
        fs::write(self.dir.path().join(name), content).unwrap();
    }

    pub(crate) fn set_release(&self, chart: &str) {
        self.set(
            "list.json",
            &json!([{"name": "primehub", "namespace": "hub", "revision": "7",
                     "updated": "2026-11-01 10:00:00 +0000 UTC", "status": "deployed",
                     "chart": chart, "app_version": "v4.1.0"}])
            .to_string(),
        );
    }

    /// The folder holding the stand-in `helm`, to put on `PATH`.
    pub(crate) fn bin(&self) -> &Path {
        self.helm.parent().unwrap()
    }

    /// The folder the stand-in records into (its `STUB_DIR`).
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// phib with this stub as its helm (through `HELM_BIN`, as helm sets it for plugins).
    pub(crate) fn phib(&self, dir: &Path) -> Command {
        let mut cmd = phib();
        cmd.current_dir(dir)
            .env("HELM_BIN", &self.helm)
            .env("STUB_DIR", self.dir.path());
        cmd
    }

    pub(crate) fn calls(&self) -> Vec<Vec<String>> {
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

    pub(crate) fn upgrade_calls(&self) -> Vec<(usize, Vec<String>)> {
        self.calls()
            .into_iter()
            .enumerate()
            .filter(|(_, a)| a.first().map(String::as_str) == Some("upgrade"))
            .collect()
    }

    pub(crate) fn copy(&self, call: usize) -> String {
        fs::read_to_string(self.dir.path().join("copies").join(call.to_string())).unwrap()
    }

    pub(crate) fn read(&self, name: &str) -> String {
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

pub(crate) fn flag_value<'a>(args: &'a [String], flag: &str) -> Vec<&'a str> {
    args.windows(2)
        .filter(|w| w[0] == flag)
        .map(|w| w[1].as_str())
        .collect()
}

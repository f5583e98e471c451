//! Latency: the live release is looked up in the background and within a bound. The
//! wizard asks its first question while the lookup runs; `render` waits at most the
//! bound; each way the lookup can come back empty is said in its own words (helm
//! missing, the cluster not answering, no such release). A cluster cannot run here: a
//! stand-in helm answers for it (or real helm meets a stand-in API server), and those
//! tests say so in their names.

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use phib::registry::Kind;
use serde_json::json;

use crate::pty::{strip_escapes, Pty, Screen, COLS, ROWS};
use crate::util::*;

/// A helm for a cluster whose `helm list` takes as long as the test says: it waits for
/// the file `go` when `list-gate` exists, sleeps `list-sleep` seconds when that exists,
/// fails with `list-error` when that exists, else prints `list.json`. It leaves
/// `list-started` and `list-done` behind, and logs each call's first word.
const HELM: &str = r#"#!/bin/sh
d="$STUB_DIR"
echo "$1" >> "$d/log"
case "$1" in
  version) echo "v3.14.2+gc309b6f" ;;
  list)
    : > "$d/list-started"
    if [ -f "$d/list-gate" ]; then
      i=0
      while [ ! -f "$d/go" ] && [ $i -lt 2400 ]; do sleep 0.05; i=$((i+1)); done
    fi
    if [ -f "$d/list-sleep" ]; then sleep "$(cat "$d/list-sleep")"; fi
    if [ -f "$d/list-error" ]; then cat "$d/list-error" >&2; exit 1; fi
    cat "$d/list.json"
    : > "$d/list-done" ;;
  *) echo "Error: unknown command \"$1\" for \"helm\"" >&2; exit 1 ;;
esac
"#;

struct Cluster {
    dir: tempfile::TempDir,
}

impl Cluster {
    /// A namespace `hub` with the release `primehub` of chart `chart`.
    fn new(chart: &str) -> Cluster {
        let dir = tempdir();
        let bin = dir.path().join("bin");
        fs::create_dir(&bin).unwrap();
        fs::write(bin.join("helm"), HELM).unwrap();
        fs::set_permissions(bin.join("helm"), fs::Permissions::from_mode(0o755)).unwrap();
        let c = Cluster { dir };
        c.set(
            "list.json",
            &json!([{"name": "primehub", "namespace": "hub", "revision": "2",
                     "status": "deployed", "chart": chart, "app_version": "v4.1.0"}])
            .to_string(),
        );
        c
    }

    fn set(&self, name: &str, content: &str) {
        fs::write(self.dir.path().join(name), content).unwrap();
    }

    fn has(&self, name: &str) -> bool {
        self.dir.path().join(name).exists()
    }

    fn bin(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    /// `PATH` with the stand-in helm and the shell's tools.
    fn path(&self) -> String {
        format!("{}:/usr/bin:/bin", self.bin().display())
    }

    /// Waits (at most 20 s) until the stand-in leaves `name`.
    fn wait_for(&self, name: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.has(name) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// `phib render` for a Harbor prefix (password on standard input) with this helm.
    fn render(&self, extra: &[&str], env: &[(&str, &str)]) -> Run {
        let dir = tempdir();
        let mut cmd = phib();
        cmd.current_dir(dir.path())
            .env("PATH", self.path())
            .env("STUB_DIR", self.dir.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.args(HARBOR).args(extra);
        run(&mut cmd, b"s3cret\n")
    }
}

const HARBOR: &[&str] = &[
    "render",
    "--registry",
    "harbor",
    "--endpoint",
    "https://harbor.example.com",
    "--push-repo-prefix",
    "harbor.example.com/team",
    "--username",
    "robot",
    "--password-stdin",
    "--stdout",
];

/// The line phib says when it assumes the newest chart: `because` and the rest.
fn assumed_because(stderr: &str) -> &str {
    stderr
        .lines()
        .find(|l| l.contains("the newest phib knows"))
        .and_then(|l| l.split_once(", because ").map(|(_, why)| why))
        .unwrap_or_else(|| panic!("no assumed chart said:\n{stderr}"))
}

/// Text as a paragraph: the terminal's line breaks and indents as single spaces.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn render_says_which_of_the_three_kept_it_from_the_live_release_stub_cluster() {
    // 1. No helm.
    let c = Cluster::new("primehub-v3.8.0");
    let empty = tempdir();
    let r = c.render(&[], &[("PATH", &empty.path().display().to_string())]);
    r.expect_code(0);
    assert!(
        assumed_because(&r.stderr).starts_with("helm not found on `PATH`;"),
        "{}",
        r.stderr
    );
    let r = c.render(&[], &[("HELM_BIN", "/nonexistent/helm")]);
    r.expect_code(0);
    assert!(
        assumed_because(&r.stderr).starts_with("helm not found at `/nonexistent/helm`;"),
        "{}",
        r.stderr
    );

    // 2. The cluster: no answer within the bound, or helm's connection error.
    c.set("list-sleep", "60");
    let r = c.render(&["--cluster-timeout", "1"], &[]);
    r.expect_code(0);
    assert!(
        assumed_because(&r.stderr).starts_with(
            "the cluster did not answer `helm list` within 1 s (`--cluster-timeout`);"
        ),
        "{}",
        r.stderr
    );
    assert!(!c.has("list-done"), "the stand-in was not stopped");
    let r = c.render(&[], &[("PHIB_CLUSTER_TIMEOUT", "1")]);
    assert!(
        assumed_because(&r.stderr).starts_with("the cluster did not answer `helm list` within 1 s"),
        "{}",
        r.stderr
    );
    fs::remove_file(c.dir.path().join("list-sleep")).unwrap();
    c.set(
        "list-error",
        "Error: Kubernetes cluster unreachable: Get \"https://10.1.2.3:6443/version\": dial tcp 10.1.2.3:6443: i/o timeout\n",
    );
    let r = c.render(&[], &[]);
    r.expect_code(0);
    assert!(
        assumed_because(&r.stderr).starts_with(
            "`helm list -n hub` failed: Kubernetes cluster unreachable: Get \"https://10.1.2.3:6443/version\": dial tcp 10.1.2.3:6443: i/o timeout;"
        ),
        "{}",
        r.stderr
    );
    fs::remove_file(c.dir.path().join("list-error")).unwrap();

    // 3. The cluster answered: no such release, none running PrimeHub.
    let r = c.render(&["--release", "other"], &[]);
    r.expect_code(0);
    assert!(
        assumed_because(&r.stderr).starts_with("there is no release `other` in namespace `hub`;"),
        "{}",
        r.stderr
    );
    c.set("list.json", "[]");
    let r = c.render(
        &[
            "--namespace",
            "ml",
            "--secret-mode",
            "external",
            "--secret-out",
            "s.yaml",
        ],
        &[],
    );
    r.expect_code(0);
    assert!(
        assumed_because(&r.stderr)
            .starts_with("no release in namespace `ml` runs a PrimeHub chart;"),
        "{}",
        r.stderr
    );

    // Every message names the way out.
    assert!(r.stderr.contains("pass `--chart-version`"), "{}", r.stderr);
}

#[test]
fn render_can_skip_the_cluster_stub_cluster() {
    let c = Cluster::new("primehub-v3.8.0");
    c.set("list-error", "Error: must not be asked\n");
    // `PHIB_NO_CLUSTER`, or a time limit of 0: not asked, and said so.
    let r = c.render(&[], &[("PHIB_NO_CLUSTER", "1")]);
    r.expect_code(0);
    assert!(
        assumed_because(&r.stderr)
            .starts_with("`PHIB_NO_CLUSTER` is set, so the cluster was not asked;"),
        "{}",
        r.stderr
    );
    let r = c.render(&["--cluster-timeout", "0"], &[]);
    r.expect_code(0);
    assert!(
        assumed_because(&r.stderr).starts_with("`--cluster-timeout` is 0"),
        "{}",
        r.stderr
    );
    // `--chart-version` with what the release's name would give (`--release`, or a
    // Secret of one's own): nothing to ask.
    let r = c.render(&["--chart-version", "3.9.0", "--release", "primehub"], &[]);
    r.expect_code(0);
    let r2 = c.render(
        &[
            "--chart-version",
            "3.9.0",
            "--secret-mode",
            "external",
            "--secret-out",
            "s.yaml",
        ],
        &[],
    );
    r2.expect_code(0);
    assert!(c.log().is_empty(), "helm was asked: {}", c.log());
    assert!(
        r.stderr
            .contains("values for PrimeHub chart 3.9.0 (`--chart-version`)"),
        "{}",
        r.stderr
    );
    // A bad limit is refused before anything happens.
    let r = c.render(&[], &[("PHIB_CLUSTER_TIMEOUT", "soon")]);
    r.expect_code(2);
    assert!(
        r.stderr
            .contains("`PHIB_CLUSTER_TIMEOUT` `soon` is not a whole number of seconds"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
}

/// A kubeconfig for real helm that points at `server`.
fn kubeconfig(dir: &Path, server: &str) -> PathBuf {
    let path = dir.join("kubeconfig");
    fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server}\n    insecure-skip-tls-verify: true\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\nusers:\n- name: u\n  user:\n    token: t\n"
        ),
    )
    .unwrap();
    path
}

// Real helm against a stand-in API server that takes the connection and never
// answers (a cluster behind a VPN that is down), and one that refuses it.
e2e!(
    real_helm_meets_a_silent_and_a_refusing_cluster_stub_cluster,
    || {
        let home = tempdir();
        let silent = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = silent.local_addr().unwrap().port();
        let held = std::thread::spawn(move || {
            // Holds every connection open without a word, until the test ends.
            let mut open = Vec::new();
            for conn in silent.incoming().take(8) {
                open.push(conn);
            }
        });
        let render = |kubeconfig: &Path, extra: &[&str]| {
            let dir = tempdir();
            let mut cmd = phib();
            cmd.current_dir(dir.path())
                .env("HOME", home.path())
                .env("HELM_BIN", tool("helm"))
                .env("KUBECONFIG", kubeconfig)
                .args(HARBOR)
                .args(extra);
            run(&mut cmd, b"s3cret\n")
        };
        let config = kubeconfig(home.path(), &format!("https://127.0.0.1:{port}"));
        let r = render(&config, &["--cluster-timeout", "1"]);
        r.expect_code(0);
        assert!(
            assumed_because(&r.stderr)
                .starts_with("the cluster did not answer `helm list` within 1 s"),
            "{}",
            r.stderr
        );
        // Nothing listens on port 1: helm's own connection error is quoted.
        let config = kubeconfig(home.path(), "https://127.0.0.1:1");
        let r = render(&config, &[]);
        r.expect_code(0);
        let why = assumed_because(&r.stderr);
        assert!(
            // (helm 3 writes "Kubernetes", helm 4 "kubernetes".)
            why.to_lowercase()
                .starts_with("`helm list -n hub` failed: kubernetes cluster unreachable")
                && why.contains("connection refused"),
            "{}",
            r.stderr
        );
        drop(held);
    }
);

/// Picks `kind` in the wizard's registry list.
fn pick(t: &mut Pty, kind: Kind) {
    let i = Kind::ALL.iter().position(|k| *k == kind).unwrap();
    t.expect("Which registry should PrimeHub push")
        .at("Registry:")
        .type_keys(&"j".repeat(i))
        .type_keys("\r");
}

/// Answers Docker Hub's questions after the user name, up to the chart line.
fn docker_hub_after_the_first(t: &mut Pty) {
    t.answer("Docker Hub access token", "dckr_pat_s3cret");
    t.answer("[docker.io/ann]", "");
    t.at("Change the advanced options?").type_keys("n\r");
}

/// Quits at the question after the chart line, and returns what the terminal shows
/// (its rows, scrollback included).
fn quit(mut t: Pty) -> String {
    t.expect("Where should the credentials live?")
        .at("PrimeHub's documented way")
        .type_keys("\x1b");
    let (code, transcript) = t.finish();
    let screen = Screen::of(&transcript, ROWS, COLS).text();
    assert_eq!(code, Some(130), "{}", strip_escapes(&transcript));
    screen
}

#[test]
fn the_wizard_asks_its_first_question_while_the_lookup_runs_stub_cluster() {
    let c = Cluster::new("primehub-v4.1.0");
    // `helm list` answers only when the test says so; the limit is far away.
    c.set("list-gate", "");
    let dir = tempdir();
    let stub_dir = c.dir.path().display().to_string();
    let mut t = Pty::spawn(
        dir.path(),
        &[],
        &c.path(),
        &[
            ("STUB_DIR", Some(&stub_dir)),
            ("PHIB_CLUSTER_TIMEOUT", Some("120")),
        ],
    );
    pick(&mut t, Kind::DockerHub);
    t.at("Docker Hub user name");
    // The first question was asked and answered while `helm list` was running.
    assert!(c.wait_for("list-started"), "the lookup never started");
    assert!(!c.has("list-done"));
    t.type_keys("Ann\r");
    docker_hub_after_the_first(&mut t);
    // Its answer is needed now: a progress line says what phib waits for.
    t.expect("waiting for the cluster (`helm list -n hub`, at most 120 s)");
    assert!(!c.has("list-done"));
    c.set("go", "");
    let screen = quit(t);
    assert!(c.has("list-done"));
    assert!(
        flat(&screen).contains(
            "Values for PrimeHub chart 4.1.0, the version of release `primehub` in namespace `hub`."
        ),
        "{screen}"
    );
    // The progress line was erased: it is on no row of the screen.
    assert!(!screen.contains("waiting for the cluster"), "{screen}");
}

/// The wizard on a terminal with this stand-in, answered up to its chart line.
fn wizard_chart_line(c: &Cluster, env: &[(&str, Option<&str>)], path: &str) -> String {
    let dir = tempdir();
    let stub_dir = c.dir.path().display().to_string();
    let mut all = vec![("STUB_DIR", Some(stub_dir.as_str()))];
    all.extend_from_slice(env);
    let mut t = Pty::spawn(dir.path(), &[], path, &all);
    pick(&mut t, Kind::DockerHub);
    t.answer("Docker Hub user name", "Ann");
    docker_hub_after_the_first(&mut t);
    let screen = flat(&quit(t));
    let start = screen
        .find("Values for PrimeHub chart")
        .unwrap_or_else(|| panic!("no chart line:\n{screen}"));
    let end = screen[start..]
        .find("Where should the credentials live?")
        .map_or(screen.len(), |e| start + e);
    screen[start..end].to_string()
}

#[test]
fn the_wizard_says_which_of_the_three_kept_it_from_the_live_release_stub_cluster() {
    let c = Cluster::new("primehub-v4.1.0");
    let empty = tempdir();
    let line = wizard_chart_line(&c, &[], &empty.path().display().to_string());
    assert!(
        line.starts_with(
            "Values for PrimeHub chart 4.1.0, the newest phib knows, because helm not found on `PATH`;"
        ),
        "{line}"
    );

    c.set("list-sleep", "60");
    let line = wizard_chart_line(&c, &[("PHIB_CLUSTER_TIMEOUT", Some("1"))], &c.path());
    assert!(
        line.contains(
            "the newest phib knows, because the cluster did not answer `helm list` within 1 s (`--cluster-timeout`);"
        ),
        "{line}"
    );
    fs::remove_file(c.dir.path().join("list-sleep")).unwrap();

    c.set("list.json", "[]");
    let line = wizard_chart_line(&c, &[], &c.path());
    assert!(
        line.contains(
            "the newest phib knows, because no release in namespace `hub` runs a PrimeHub chart;"
        ),
        "{line}"
    );
    assert!(line.contains("pass `--chart-version`"), "{line}");
}

// Live doctor reads at the same time what does not depend on each other; its report
// is the same, byte for byte, as when every call runs one after another
// (`PHIB_CLUSTER_CALLS=1`), for the text and the JSON form, with and without
// `--release` (which lets the release's own reads start at once).
e2e!(
    live_doctor_reports_the_same_bytes_one_call_at_a_time_stub_cluster,
    || {
        use crate::doctor::{live::Cluster, values_mode, with, OLD_PASSWORD};
        let c = Cluster::new("4.1.0", "primehub", "hub", &values_mode(), "");
        let old = with(
            values_mode(),
            &["customImage", "registryPassword"],
            json!(OLD_PASSWORD),
        );
        c.set_history(&[
            (1, "superseded", old.clone()),
            (2, "superseded", values_mode()),
            (3, "superseded", old),
            (4, "deployed", values_mode()),
        ]);
        for args in [
            &["--no-registry-check"][..],
            &["--no-registry-check", "--release", "primehub"],
            &["--no-registry-check", "--output", "json"],
        ] {
            let together = c.doctor(args, &[]);
            let one_by_one = c.doctor(args, &[("PHIB_CLUSTER_CALLS", "1")]);
            together.expect_code(0);
            let out = together.stdout_str();
            // Read at the same time, said newest first.
            assert!(
                out.contains("revisions 3, 1 of release `primehub`"),
                "{out}"
            );
            assert_eq!(out, one_by_one.stdout_str(), "{args:?}");
            assert_eq!(together.stderr, one_by_one.stderr, "{args:?}");
        }
        let r = c.doctor(&["--no-registry-check"], &[("PHIB_CLUSTER_CALLS", "many")]);
        r.expect_code(2);
        assert!(
            r.stderr
                .contains("`PHIB_CLUSTER_CALLS` `many` is not a number from 1 to 32"),
            "{}",
            r.stderr
        );
    }
);

/// `phib show` and `phib verify` take `--cluster-timeout` as render does: 0 asks the
/// cluster nothing (helm is never started); a limit that is no number is exit 2.
#[test]
fn show_and_verify_take_cluster_timeout_stub_cluster() {
    let c = Cluster::new("primehub-v3.8.0");
    c.set("list-error", "Error: must not be asked\n");
    let dir = tempdir();
    std::fs::write(
        dir.path().join("values.yaml"),
        "customImage:\n  enabled: true\n  registryEndpoint: https://harbor.example.com\n  pushRepoPrefix: harbor.example.com/team\n",
    )
    .unwrap();
    let phib_here = |args: &[&str]| {
        let mut cmd = phib();
        cmd.current_dir(dir.path())
            .env("PATH", c.path())
            .env("STUB_DIR", c.dir.path())
            .args(args);
        run(&mut cmd, b"")
    };
    let r = phib_here(&["show", "--cluster-timeout", "0"]);
    r.expect_code(0);
    assert!(
        r.stdout_str().contains("harbor.example.com/team"),
        "{}",
        r.stdout_str()
    );
    // No credentials in the block: verify stops at them, after its chart check.
    let r = phib_here(&["verify", "--cluster-timeout", "0", "--timeout", "1"]);
    assert_ne!(r.code, Some(0), "{}", r.stderr);
    assert!(c.log().is_empty(), "helm was asked: {}", c.log());
    for command in ["show", "verify"] {
        let r = phib_here(&[command, "--cluster-timeout", "soon"]);
        r.expect_code(2);
        assert!(r.stderr.contains("--cluster-timeout"), "{}", r.stderr);
    }
}

/// `phib render --helm PATH` asks the cluster with that helm, as `upgrade`, `show` and
/// `doctor` do: none is on `PATH` here.
#[test]
fn render_asks_with_the_helm_it_is_given_stub_cluster() {
    let c = Cluster::new("primehub-v3.8.0");
    let empty = tempdir();
    let helm = c.bin().join("helm").display().to_string();
    let r = c.render(
        &["--helm", &helm],
        &[("PATH", &format!("{}:/usr/bin:/bin", empty.path().display()))],
    );
    r.expect_code(0);
    assert!(
        r.stderr
            .contains("values for PrimeHub chart 3.8.0, the version of release `primehub`"),
        "{}",
        r.stderr
    );
    assert!(c.log().contains("list"), "helm was not asked: {}", c.log());
}

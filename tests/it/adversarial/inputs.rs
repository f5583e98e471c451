//! Hostile values and arguments: terminal control characters, a NEL in a password, a
//! password inside the endpoint URL, and the password variable that child processes
//! must not inherit.

use std::fs;
use std::path::Path;
use std::time::Duration;

use super::files::{render, run_bounded, PASSWORD};
use super::{no_control, no_secret, Tally};
use crate::util::{phib, tempdir};

#[test]
fn control_characters_from_values_and_arguments_are_escaped() {
    let mut tally = Tally::new("control characters");
    let controls = [
        "\u{1b}[2J",
        "\u{1b}]0;owned\u{7}",
        "\u{9b}31m",
        "\r",
        "\u{8}",
        "\u{7f}",
        "\u{202e}",
    ];
    for c in controls {
        let dir = tempdir();
        let d = dir.path();
        // In a values file, where verify and show name what they read.
        let esc = serde_json::to_string(c).unwrap();
        let esc = &esc[1..esc.len() - 1];
        fs::write(
            d.join("values.yaml"),
            format!(
                "customImage:\n  registryEndpoint: \"https://reg{esc}.example.com\"\n  registryUsername: u\n  registryPassword: p\n  pushRepoPrefix: \"reg.example.com/t{esc}\"\n"
            ),
        )
        .unwrap();
        // In arguments, which error messages quote.
        let runs: Vec<(String, std::process::Command)> = vec![
            ("verify".into(), {
                let mut cmd = phib();
                cmd.current_dir(d)
                    .args(["verify", "--timeout", "1", "--values", "values.yaml"]);
                cmd
            }),
            ("render --endpoint".into(), {
                let mut cmd = phib();
                cmd.current_dir(d)
                    .env("PHIB_REGISTRY_PASSWORD", PASSWORD)
                    .args([
                        "render",
                        "--registry",
                        "harbor",
                        "--endpoint",
                        &format!("reg{c}.example.com"),
                        "--username",
                        "u",
                        "--push-repo-prefix",
                        "reg.example.com/t",
                        "--stdout",
                    ]);
                cmd
            }),
            ("render --username".into(), {
                let mut cmd = render(d, &["--stdout", "--username"]);
                cmd.arg(format!("u{c}"));
                cmd
            }),
            ("render --values".into(), {
                let mut cmd = render(d, &["--values"]);
                cmd.arg(format!("missing{c}/values.yaml"));
                cmd
            }),
            ("show --values".into(), {
                let mut cmd = phib();
                cmd.current_dir(d)
                    .args(["show", "--values"])
                    .arg(format!("no{c}.yaml"));
                cmd
            }),
            ("upgrade --release".into(), {
                let mut cmd = phib();
                cmd.current_dir(d)
                    .env("HELM_BIN", "/nonexistent/helm")
                    .args([
                        "upgrade",
                        "--dry-run",
                        "--values",
                        "values.yaml",
                        "--release",
                    ])
                    .arg(format!("r{c}"));
                cmd
            }),
        ];
        for (what, mut cmd) in runs {
            let result = run_bounded(&mut cmd, Duration::from_secs(20)).and_then(|r| {
                no_control("stdout", &String::from_utf8_lossy(&r.stdout))?;
                no_control("stderr", &r.stderr)?;
                if r.code == Some(0) && what.starts_with("render") && what != "render --username" {
                    return Err("accepted".into());
                }
                Ok(())
            });
            tally.attempt(&format!("{what} with {c:?}"), result);
        }
    }
    tally.finish();
}

#[test]
fn a_password_with_nel_is_refused_before_the_chart_turns_it_into_a_space() {
    let dir = tempdir();
    let r = run_bounded(
        render(dir.path(), &["--values", "values.yaml"])
            .env("PHIB_REGISTRY_PASSWORD", "pa\u{85}ss"),
        Duration::from_secs(20),
    )
    .unwrap();
    r.expect_code(2);
    assert!(r.stderr.contains("NEL"), "{}", r.stderr);
    assert!(!dir.path().join("values.yaml").exists());
    assert!(!r.stderr.contains("pa\u{85}ss"));
}

const URL_PASSWORD: &str = "Url-Pa55w0rd";

#[test]
fn a_password_in_the_endpoint_url_is_refused_and_hidden_everywhere() {
    let dir = tempdir();
    let d = dir.path();
    // render refuses it, without echoing it.
    let mut cmd = phib();
    cmd.current_dir(d)
        .env("PHIB_REGISTRY_PASSWORD", PASSWORD)
        .args([
            "render",
            "--registry",
            "harbor",
            "--endpoint",
            &format!("https://bob:{URL_PASSWORD}@reg.example.com"),
            "--username",
            "u",
            "--push-repo-prefix",
            "reg.example.com/t",
            "--values",
            "values.yaml",
        ]);
    let r = run_bounded(&mut cmd, Duration::from_secs(20)).unwrap();
    r.expect_code(2);
    assert!(r.stderr.contains("user name or password"), "{}", r.stderr);
    no_secret("stderr", &r.stderr, &[URL_PASSWORD]).unwrap();
    assert!(!d.join("values.yaml").exists());

    // A file that holds one (written by hand): no command shows it.
    let text = format!(
        "customImage:\n  registryEndpoint: \"https://bob:{URL_PASSWORD}@reg.example.com\"\n  registryUsername: u\n  registryPassword: p\n  pushRepoPrefix: reg.example.com/t\nother:\n  url: \"https://{URL_PASSWORD}@git.example.com/x\"\n"
    );
    fs::write(d.join("values.yaml"), &text).unwrap();
    let stub = crate::helm::Stub::new();
    let mut runs: Vec<(&str, std::process::Command)> = Vec::new();
    for args in [
        vec!["show", "--values", "values.yaml"],
        vec!["show", "--values", "values.yaml", "--query", "$..*"],
        vec!["verify", "--timeout", "1", "--values", "values.yaml"],
    ] {
        let mut cmd = phib();
        cmd.current_dir(d).args(&args);
        runs.push((args[0], cmd));
    }
    runs.push((
        "render --check",
        render(d, &["--check", "--values", "values.yaml"]),
    ));
    let mut up = stub.phib(d);
    up.args(["upgrade", "--dry-run", "--values", "values.yaml"]);
    runs.push(("upgrade --dry-run", up));
    for (what, mut cmd) in runs {
        let r = run_bounded(&mut cmd, Duration::from_secs(20)).unwrap();
        let out = String::from_utf8_lossy(&r.stdout);
        no_secret(&format!("{what} stdout"), &out, &[URL_PASSWORD]).unwrap();
        no_secret(&format!("{what} stderr"), &r.stderr, &[URL_PASSWORD]).unwrap();
    }
    assert_eq!(fs::read_to_string(d.join("values.yaml")).unwrap(), text);
}

/// A stand-in that records its environment in `$RECORD/NAME.env`, then runs `$NEXT`
/// with its arguments (or answers like `kubectl apply`).
fn recording(bin: &Path, name: &str) {
    let script = format!(
        "#!/bin/sh\nenv > \"$RECORD/{name}.env.$$\"\nif [ -n \"$NEXT\" ]; then exec \"$NEXT\" \"$@\"; fi\ncat > /dev/null\necho \"secret/x configured\"\n"
    );
    let p = bin.join(name);
    fs::write(&p, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
}

fn recorded(dir: &Path, name: &str) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("{name}.env"))
        })
        .map(|e| fs::read_to_string(e.path()).unwrap())
        .collect()
}

#[test]
fn helm_and_kubectl_do_not_inherit_the_password_variable_stub_cluster() {
    let dir = tempdir();
    let d = dir.path();
    let bin = d.join("bin");
    let record = d.join("record");
    fs::create_dir_all(&bin).unwrap();
    fs::create_dir_all(&record).unwrap();
    recording(&bin, "kubectl");
    recording(&bin, "helm");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // kubectl, through `render --secret-mode external --apply`.
    let r = run_bounded(
        render(
            d,
            &[
                "--secret-mode",
                "external",
                "--apply",
                "--values",
                "values.yaml",
            ],
        )
        .env("PATH", &path)
        .env("RECORD", &record),
        Duration::from_secs(20),
    )
    .unwrap();
    r.expect_code(0);
    // helm, through `upgrade --dry-run` (the recording helm hands over to the stub).
    let stub = crate::helm::Stub::new();
    fs::write(
        d.join("v.yaml"),
        "customImage:\n  registryEndpoint: \"ghcr.io\"\n  registryUsername: \"me\"\n  registryPassword: \"pw-in-file\"\n  pushRepo: \"ghcr.io/me/builds\"\n",
    )
    .unwrap();
    let r = run_bounded(
        stub.phib(d)
            .env("HELM_BIN", bin.join("helm"))
            .env("NEXT", stub.bin().join("helm"))
            .env("RECORD", &record)
            .env("PHIB_REGISTRY_PASSWORD", PASSWORD)
            .env("HELM_DEBUG", "true")
            .args(["upgrade", "--dry-run", "--values", "v.yaml"]),
        Duration::from_secs(20),
    )
    .unwrap();
    assert!(r.code.is_some(), "{}", r.stderr);
    let kubectl = recorded(&record, "kubectl");
    let helm = recorded(&record, "helm");
    assert!(!kubectl.is_empty(), "kubectl never ran");
    assert!(!helm.is_empty(), "helm never ran: {}", r.stderr);
    for env in kubectl.iter().chain(&helm) {
        assert!(!env.contains("PHIB_REGISTRY_PASSWORD"), "{env}");
        assert!(!env.contains(PASSWORD), "{env}");
    }
    for env in &helm {
        assert!(!env.lines().any(|l| l.starts_with("HELM_DEBUG=")), "{env}");
    }
}

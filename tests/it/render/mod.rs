//! `phib render`: the block for every registry (snapshots), every validation error and
//! warning through the real binary, and, in the end-to-end tier, passwords and keyfiles
//! through the real `helm template` of the fixture chart.

mod chart;
mod docs;
mod e2e;
mod errors;

use std::path::{Path, PathBuf};

use crate::util::*;

/// The service-account keyfile fixture.
pub fn keyfile(name: &str) -> PathBuf {
    root().join("tests/fixtures/keyfiles").join(name)
}

/// Runs `phib render` in `dir` with `args`, `stdin` and an optional password in the
/// environment.
pub fn render_in(dir: &Path, args: &[&str], stdin: &[u8], env_password: Option<&str>) -> Run {
    let mut cmd = phib();
    cmd.current_dir(dir).arg("render").args(args);
    if let Some(p) = env_password {
        cmd.env("PHIB_REGISTRY_PASSWORD", p);
    }
    run(&mut cmd, stdin)
}

/// One `phib render --stdout` per kind, with typical answers.
pub fn kind_examples() -> Vec<(&'static str, Vec<String>, Option<&'static str>)> {
    let kf = keyfile("service-account.json").display().to_string();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    vec![
        (
            "dockerhub",
            s(&["--username", "phibtest"]),
            Some("dckr_pat_0123456789abcdef"),
        ),
        ("gcr", s(&["--keyfile", &kf]), None),
        (
            "artifact-registry",
            s(&[
                "--keyfile",
                &kf,
                "--location",
                "us-central1",
                "--repository",
                "primehub",
            ]),
            None,
        ),
        (
            "ecr",
            s(&[
                "--aws-account",
                "123456789012",
                "--aws-region",
                "eu-central-1",
                "--push-repo",
                "123456789012.dkr.ecr.eu-central-1.amazonaws.com/primehub-images",
            ]),
            None,
        ),
        (
            "acr",
            s(&[
                "--acr-name",
                "phibtest",
                "--username",
                "00000000-0000-0000-0000-000000000000",
            ]),
            Some("azure~secret.value"),
        ),
        (
            "ghcr",
            s(&["--username", "InfuseAI-Bot"]),
            Some("ghp_0123456789abcdefABCDEF"),
        ),
        (
            "quay",
            s(&["--username", "phibtest+builder"]),
            Some("QUAYROBOTTOKEN0123"),
        ),
        (
            "harbor",
            s(&[
                "--endpoint",
                "https://harbor.example.com",
                "--username",
                "robot$primehub+builder",
                "--release",
                "hub",
            ]),
            Some("Harbor p@ss: \"yes\""),
        ),
    ]
}

#[test]
fn snapshot_of_the_block_for_every_kind() {
    let dir = tempdir();
    for (kind, args, password) in kind_examples() {
        let mut all = vec!["--registry", kind, "--stdout"];
        all.extend(args.iter().map(String::as_str));
        let r = render_in(dir.path(), &all, b"", password);
        r.expect_code(0);
        insta::assert_snapshot!(format!("render_{kind}"), r.stdout_str());
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn same_input_gives_the_same_bytes() {
    let dir = tempdir();
    let args = ["--registry", "quay", "--username", "org+bot", "--stdout"];
    let a = render_in(dir.path(), &args, b"", Some("t"));
    let b = render_in(dir.path(), &args, b"", Some("t"));
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn values_file_is_created_0600_with_the_block_and_no_secret_on_the_terminal() {
    let dir = tempdir();
    let r = render_in(
        dir.path(),
        &["--registry", "ghcr", "--username", "me", "--password-stdin"],
        b"ghp_SECRETTOKEN\r\n",
        None,
    );
    r.expect_code(0);
    assert!(r.stdout.is_empty());
    assert!(!r.stderr.contains("ghp_SECRETTOKEN"), "{}", r.stderr);
    let path = dir.path().join("values.yaml");
    assert_eq!(mode(&path), 0o600);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("  registryPassword: \"ghp_SECRETTOKEN\"\n"),
        "{text}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    let other = dir.path().join("sub.yaml");
    let r = render_in(
        dir.path(),
        &[
            "--registry",
            "ghcr",
            "--username",
            "me",
            "--values",
            "sub.yaml",
        ],
        b"",
        Some("t"),
    );
    r.expect_code(0);
    assert_eq!(mode(&other), 0o600);
}

#[test]
fn keyfile_from_stdin_and_password_newline_rules() {
    let dir = tempdir();
    let kf = std::fs::read(keyfile("service-account.json")).unwrap();
    let r = render_in(
        dir.path(),
        &["--registry", "gcr", "--keyfile", "-", "--stdout"],
        &kf,
        None,
    );
    r.expect_code(0);
    assert!(r.stdout_str().contains("registryUsername: \"_json_key\""));
    assert!(r
        .stdout_str()
        .contains("pushRepoPrefix: \"gcr.io/phib-test-123\""));

    for (input, want) in [
        (&b"pw\n"[..], "\"pw\""),
        (b"pw\r\n", "\"pw\""),
        (b"pw\n\n", "\"pw\\n\""),
        (b" pw ", "\" pw \""),
    ] {
        let r = render_in(
            dir.path(),
            &[
                "--registry",
                "quay",
                "--username",
                "org+bot",
                "--password-stdin",
                "--stdout",
            ],
            input,
            Some("ignored-env"),
        );
        r.expect_code(0);
        let line = format!("  registryPassword: {want}\n");
        assert!(
            r.stdout_str().contains(&line),
            "{input:?}: {}",
            r.stdout_str()
        );
    }
}

#[test]
fn warnings_go_to_stderr_and_exit_0() {
    let dir = tempdir();
    let kf = keyfile("service-account.json").display().to_string();
    let cases: Vec<(Vec<&str>, Option<&str>, &str)> = vec![
        (
            vec!["--registry", "gcr", "--keyfile", &kf],
            None,
            "gcr.io takes no pushes since 2025-03-18",
        ),
        (
            vec![
                "--registry",
                "harbor",
                "--endpoint",
                "myregistry:5000",
                "--username",
                "u",
                "--push-repo-prefix",
                "myregistry:5000/p",
                "--chart-version",
                "3.12.3",
            ],
            Some("pw"),
            "chart 4.0 and later push to Docker Hub instead",
        ),
        (
            vec![
                "--registry",
                "harbor",
                "--endpoint",
                "http://10.1.2.3:5000",
                "--username",
                "u",
                "--push-repo-prefix",
                "10.1.2.3:5000/p",
            ],
            Some("pw"),
            "`insecureSkipVerify: true` written",
        ),
        (
            vec!["--registry", "ghcr", "--username", "me"],
            Some("github_pat_11AAAA"),
            "a fine-grained token",
        ),
        (
            vec!["--registry", "quay", "--username", "org+bot"],
            Some("tok\n"),
            "ends with a line break",
        ),
        (
            vec!["--registry", "dockerhub", "--username", "me"],
            Some("password1"),
            "no Docker Hub access token",
        ),
        (
            vec!["--registry", "quay", "--username", "org+bot"],
            Some("pw"),
            "the printed block holds the password, which the chart copies into a ConfigMap",
        ),
        (
            vec![
                "--registry",
                "ecr",
                "--aws-account",
                "123456789012",
                "--aws-region",
                "us-east-1",
                "--push-repo",
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/x",
            ],
            None,
            "needs a new ECR token every 12 hours",
        ),
    ];
    for (mut args, pw, want) in cases {
        args.push("--stdout");
        let r = render_in(dir.path(), &args, b"", pw);
        r.expect_code(0);
        assert!(
            r.stderr
                .lines()
                .any(|l| l.starts_with("phib: warning: ") && l.contains(want)),
            "{args:?}: {}",
            r.stderr
        );
        if let Some(pw) = pw {
            assert!(!r.stderr.contains(pw));
        }
        // One line each, the details on the page it names.
        for line in r
            .stderr
            .lines()
            .filter(|l| l.starts_with("phib: warning: "))
        {
            assert!(
                line.chars().count() <= 160,
                "{} columns: {line}",
                line.len()
            );
            for page in line
                .split(['(', ' ', ')'])
                .filter(|w| w.starts_with("docs/"))
            {
                assert!(crate::util::root().join(page).is_file(), "{page} in {line}");
            }
        }
    }
    // An access token, https and a dotted host: no token or http warning.
    let r = render_in(
        dir.path(),
        &["--registry", "dockerhub", "--username", "me", "--stdout"],
        b"",
        Some("dckr_pat_x"),
    );
    let warnings: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("phib: warning: "))
        .collect();
    assert!(
        warnings.iter().all(|l| !l.contains("access token")),
        "{}",
        r.stderr
    );
    assert!(
        warnings.iter().all(|l| !l.contains("http://")),
        "{}",
        r.stderr
    );
}

#[test]
fn help_lists_every_kind_and_every_option_the_catalog_declares() {
    let r = phib_run(["render", "--help"]);
    r.expect_code(0);
    let help = r.stdout_str();
    for kind in phib::registry::Kind::ALL {
        assert!(
            help.contains(&format!("- {}:", kind.name())),
            "{}",
            kind.name()
        );
        for field in kind.fields() {
            assert!(help.contains(field.id.flag()), "{}", field.id.flag());
        }
    }
}

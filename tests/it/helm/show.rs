//! `phib show` for a values file and for a (stand-in) live release.

use super::*;

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
    // The block as the one YAML writer writes it: every string quoted.
    assert!(out.contains("pushSecretName: \"aws-registry\""), "{out}");
    assert!(out.contains("<redacted>"), "{out}");
    // Also asked: `helm list`, for the chart version the block is checked against.
    // The release name, from the user, comes after `--`.
    let get = [
        "get", "values", "-n", "prime", "-o", "json", "--", "primehub",
    ]
    .map(String::from);
    assert!(stub.calls().contains(&get.to_vec()), "{:?}", stub.calls());

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

#[test]
fn show_of_a_file_without_the_block_says_how_to_write_it() {
    let dir = tempdir();
    fs::write(dir.path().join("other.yaml"), "domain: x\n").unwrap();
    let r = run(
        phib()
            .current_dir(dir.path())
            .args(["show", "--values", "other.yaml"]),
        b"",
    );
    r.expect_code(1);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.contains("`other.yaml` has no `customImage` block"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("phib render"), "{}", r.stderr);
    let r = run(phib().current_dir(dir.path()).args(["show"]), b"");
    r.expect_code(2);
    assert!(r.stderr.contains("`values.yaml`"), "{}", r.stderr);
}

#[test]
fn show_and_upgrade_refuse_a_directory_or_a_file_that_is_not_utf8() {
    let dir = tempdir();
    fs::create_dir(dir.path().join("values.yaml")).unwrap();
    fs::write(dir.path().join("latin1.yaml"), b"domain: caf\xe9\n").unwrap();
    let cases = [
        ("values.yaml", "`values.yaml` is a directory"),
        (
            "latin1.yaml",
            "`latin1.yaml` is not UTF-8 text (invalid byte at line 1)",
        ),
        (
            "absent.yaml",
            "cannot read `absent.yaml`: it does not exist",
        ),
    ];
    for command in ["show", "upgrade"] {
        for (file, message) in cases {
            let r = run(
                phib()
                    .current_dir(dir.path())
                    .args([command, "--values", file]),
                b"",
            );
            r.expect_code(2);
            assert!(r.stderr.contains(message), "{command}: {}", r.stderr);
            assert!(r.stderr.contains("help: "), "{command}: {}", r.stderr);
        }
    }
}

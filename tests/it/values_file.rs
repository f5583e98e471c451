//! `phib render --values FILE` on an existing file, end to end through the binary: only
//! the `customImage` block changes, a second run changes nothing, refusals leave the
//! file as it was, `--check` reports drift, and a crash mid-write leaves the old file.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::render::render_in;
use crate::util::*;

const FIXTURE: &str = include_str!("../fixtures/values/primehub-override.yaml");
const TOKEN: &str = "new-harbor-token #1: yes";

/// The harbor command that matches the fixture's block, with a new token.
fn harbor_args() -> Vec<&'static str> {
    vec![
        "--registry",
        "harbor",
        "--endpoint",
        "https://harbor.example.com",
        "--username",
        "robot$ml+builder",
        "--push-repo-prefix",
        "harbor.example.com/ml",
        "--values",
        "values.yaml",
    ]
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempdir();
    let path = dir.path().join("values.yaml");
    std::fs::write(&path, FIXTURE).unwrap();
    (dir, path)
}

/// The text before and after the top-level `customImage` block.
fn outside_block(text: &str) -> (String, String) {
    let start = text.find("\ncustomImage:\n").expect("block") + 1;
    let rest = &text[start + 1..];
    let end = rest
        .find("\n\n")
        .map(|i| start + 1 + i + 1)
        .expect("block end");
    (text[..start].to_string(), text[end..].to_string())
}

fn render(dir: &Path, args: &[&str], password: &str) -> Run {
    render_in(dir, args, b"", Some(password))
}

#[test]
fn only_the_block_changes_and_a_second_run_is_a_no_op() {
    let (dir, path) = setup();
    let r = render(dir.path(), &harbor_args(), TOKEN);
    r.expect_code(0);
    assert!(
        !r.stderr.contains(TOKEN) && r.stdout.is_empty(),
        "{}",
        r.stderr
    );
    let new = std::fs::read_to_string(&path).unwrap();
    assert_eq!(outside_block(&new), outside_block(FIXTURE));
    // The user's buildJob and comments in the block are kept.
    for kept in [
        "  # Our Harbor; the robot account below belongs to the \"ml\" project.",
        "        cpu: 4000m        # four cores",
        "    ephemeralStorage: 50Gi",
        "#customImage:",
    ] {
        assert!(new.contains(kept), "lost {kept:?}:\n{new}");
    }
    assert!(
        new.contains("registryPassword: \"new-harbor-token #1: yes\""),
        "{new}"
    );
    assert!(!new.contains("old-harbor-token"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("values.yaml.bak")).unwrap(),
        FIXTURE
    );
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&dir.path().join("values.yaml.bak")), 0o600);

    let again = render(dir.path(), &harbor_args(), TOKEN);
    again.expect_code(0);
    assert!(
        again.stderr.contains("nothing to write"),
        "{}",
        again.stderr
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), new);
}

#[test]
fn open_permissions_are_reported_and_closed() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, path) = setup();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = render(dir.path(), &harbor_args(), TOKEN);
    r.expect_code(0);
    assert!(r.stderr.contains("readable by other users"), "{}", r.stderr);
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn switching_to_a_single_repository_removes_the_prefix() {
    let (dir, path) = setup();
    let mut args = harbor_args();
    args[6] = "--push-repo";
    args[7] = "harbor.example.com/ml/builds";
    render(dir.path(), &args, TOKEN).expect_code(0);
    let new = std::fs::read_to_string(&path).unwrap();
    assert!(
        new.contains("pushRepo: \"harbor.example.com/ml/builds\""),
        "{new}"
    );
    assert!(!new.contains("\n  pushRepoPrefix:"), "{new}");
}

#[test]
fn each_refusal_exits_2_and_leaves_the_file_as_it_was() {
    let cases: &[(&str, &[u8], &str)] = &[
        ("invalid YAML", b"a: [1,\nb: 2\n", "line"),
        ("two documents", b"a: 1\n---\nb: 2\n", "document"),
        (
            "not a mapping",
            b"customImage: just text\n",
            "not a mapping",
        ),
        (
            "flow style",
            b"customImage: {registryEndpoint: x}\n",
            "flow",
        ),
        (
            "anchored",
            b"base: &ci\n  enabled: true\ncustomImage: *ci\n",
            "alias",
        ),
        ("not UTF-8", b"a: \xff\xfe\n", "UTF-8"),
    ];
    for (what, content, says) in cases {
        let dir = tempdir();
        let path = dir.path().join("values.yaml");
        std::fs::write(&path, content).unwrap();
        let r = render(dir.path(), &harbor_args(), TOKEN);
        r.expect_code(2);
        assert!(r.stdout.is_empty(), "{what}");
        assert!(
            r.stderr.to_lowercase().contains(&says.to_lowercase()),
            "{what}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("values.yaml"), "{what}: {}", r.stderr);
        assert!(!r.stderr.contains(TOKEN), "{what}");
        assert_eq!(&std::fs::read(&path).unwrap(), content, "{what}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "{what}");
    }
    // A folder where the file should be.
    let dir = tempdir();
    std::fs::create_dir(dir.path().join("values.yaml")).unwrap();
    let r = render(dir.path(), &harbor_args(), TOKEN);
    r.expect_code(2);
    assert!(r.stderr.contains("directory"), "{}", r.stderr);
}

#[test]
fn check_reports_drift_redacted_and_writes_nothing() {
    let (dir, path) = setup();
    let mut args = harbor_args();
    args.push("--check");
    let r = render(dir.path(), &args, TOKEN);
    r.expect_code(1);
    let diff = r.stdout_str();
    assert!(diff.contains("-  registryPassword: <redacted>"), "{diff}");
    assert!(
        diff.contains("+  registryPassword: <redacted, changed>"),
        "{diff}"
    );
    assert!(
        !diff.contains(TOKEN) && !diff.contains("old-harbor-token"),
        "{diff}"
    );
    assert!(r.stderr.contains("differs"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), FIXTURE);
    assert!(!dir.path().join("values.yaml.bak").exists());

    render(dir.path(), &harbor_args(), TOKEN).expect_code(0);
    let r = render(dir.path(), &args, TOKEN);
    r.expect_code(0);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("up to date"), "{}", r.stderr);
}

#[test]
fn sigkill_while_writing_leaves_the_old_file_intact() {
    use std::io::{BufRead, BufReader};
    let (dir, path) = setup();
    let mut cmd = phib();
    cmd.current_dir(dir.path())
        .arg("render")
        .args(harbor_args())
        .env("PHIB_REGISTRY_PASSWORD", TOKEN)
        .env("PHIB_TEST_PAUSE_BEFORE_RENAME_MS", "3000")
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    // The new values file and the backup of the old are both written as temporary
    // files, then renamed: the values file first, the backup once it is in place. Kill
    // phib while both are written but neither is renamed.
    let paused = stderr
        .lines()
        .any(|line| line.unwrap().contains("test pause before rename"));
    assert!(paused, "phib never reached the write");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), FIXTURE);
    // The half-finished new file is only ever a hidden temp file, never the target.
    let temps: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(".phib-"))
        .collect();
    assert_eq!(temps.len(), 2, "{temps:?}");
    for temp in &temps {
        assert_eq!(mode(&dir.path().join(temp)), 0o600);
    }
    // No backup yet: the previous one (none here) is replaced only after the new file.
    assert!(!dir.path().join("values.yaml.bak").exists());
}

#[test]
fn rotate_replaces_only_the_credentials() {
    let (dir, path) = setup();
    let args = [
        "--registry",
        "harbor",
        "--rotate",
        "--values",
        "values.yaml",
    ];
    let r = render(dir.path(), &args, TOKEN);
    r.expect_code(0);
    assert!(!r.stderr.contains(TOKEN));
    let new = std::fs::read_to_string(&path).unwrap();
    let old_lines: Vec<&str> = FIXTURE.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let removed: Vec<&&str> = old_lines
        .iter()
        .filter(|l| !new_lines.contains(l))
        .collect();
    let added: Vec<&&str> = new_lines
        .iter()
        .filter(|l| !old_lines.contains(l))
        .collect();
    assert_eq!(
        removed,
        [&"  registryPassword: \"old-harbor-token\"  # rotated quarterly"]
    );
    // The password, and the chart's default for TLS made explicit.
    assert_eq!(
        added,
        [
            &"  registryPassword: \"new-harbor-token #1: yes\"  # rotated quarterly",
            &"  insecureSkipVerify: false"
        ]
    );
    // Rotating again with the same token changes nothing.
    render(dir.path(), &args, TOKEN).expect_code(0);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), new);
}

#[test]
fn rotate_refusals_leave_the_file_as_it_was() {
    let (dir, path) = setup();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--registry", "ghcr", "--rotate", "--values", "values.yaml"],
            "is for Harbor",
        ),
        (
            &[
                "--registry",
                "harbor",
                "--rotate",
                "--endpoint",
                "https://other.example.com",
                "--values",
                "values.yaml",
            ],
            "`--endpoint`",
        ),
        (
            &[
                "--registry",
                "harbor",
                "--rotate",
                "--values",
                "missing.yaml",
            ],
            "does not exist",
        ),
    ];
    for (args, says) in cases {
        let r = render(dir.path(), args, TOKEN);
        r.expect_code(2);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("help: "), "{}", r.stderr);
        assert!(!r.stderr.contains(TOKEN) && r.stdout.is_empty());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), FIXTURE);
    }
    std::fs::write(&path, "customImage:\n  registryEndpoint: quay.io\n").unwrap();
    let r = render(
        dir.path(),
        &["--registry", "quay", "--rotate", "--values", "values.yaml"],
        TOKEN,
    );
    r.expect_code(2);
    assert!(
        r.stderr.contains("no `pushRepoPrefix` or `pushRepo`"),
        "{}",
        r.stderr
    );
    std::fs::write(&path, "domain: x\n").unwrap();
    let r = render(
        dir.path(),
        &[
            "--registry",
            "harbor",
            "--rotate",
            "--values",
            "values.yaml",
        ],
        TOKEN,
    );
    r.expect_code(2);
    assert!(
        r.stderr.contains("no configured customImage block"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "domain: x\n");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn rotating_a_keyfile_from_another_project_warns() {
    let dir = tempdir();
    let path = dir.path().join("values.yaml");
    std::fs::write(
        &path,
        "customImage:\n  registryEndpoint: https://gcr.io\n  registryUsername: _json_key\n  registryPassword: '{}'\n  pushRepoPrefix: gcr.io/other-project\n",
    )
    .unwrap();
    let key = root().join("tests/fixtures/keyfiles/service-account.json");
    let r = render_in(
        dir.path(),
        &[
            "--registry",
            "gcr",
            "--rotate",
            "--keyfile",
            key.to_str().unwrap(),
            "--values",
            "values.yaml",
        ],
        b"",
        None,
    );
    r.expect_code(0);
    assert!(r.stderr.contains("other-project"), "{}", r.stderr);
    let new = std::fs::read_to_string(&path).unwrap();
    assert!(
        new.contains("pushRepoPrefix: gcr.io/other-project"),
        "{new}"
    );
    assert!(new.contains("\"type\\\":\\\"service_account\\\""), "{new}");
}

#[test]
fn rotating_an_external_mode_block_rewrites_its_secret_not_the_values() {
    let dir = tempdir();
    let path = dir.path().join("values.yaml");
    let block = "customImage:\n  enabled: true\n  registryEndpoint: \"https://harbor.example.com\"\n  pushRepoPrefix: \"harbor.example.com/ml\"\n  pushSecretName: \"ml-push\"\n  insecureSkipVerify: false\n";
    std::fs::write(&path, block).unwrap();
    let rotate = [
        "--registry",
        "harbor",
        "--rotate",
        "--username",
        "robot$ml+builder",
        "--values",
        "values.yaml",
    ];
    // Into the values it would go back into the ConfigMap: refused, file untouched.
    let r = render(dir.path(), &rotate, TOKEN);
    r.expect_code(2);
    assert!(r.stderr.contains("--secret-name ml-push"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), block);

    let mut external = rotate.to_vec();
    external.extend(["--secret-mode", "external", "--secret-out", "push.yaml"]);
    let r = render(dir.path(), &external, TOKEN);
    r.expect_code(0);
    assert!(!r.stderr.contains(TOKEN));
    // The values already are what external mode writes; the Secret has the new login.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), block);
    let manifest = std::fs::read_to_string(dir.path().join("push.yaml")).unwrap();
    assert!(manifest.contains("name: \"ml-push\""), "{manifest}");
    assert_eq!(mode(&dir.path().join("push.yaml")), 0o600);
}

#[test]
fn check_redacts_every_secret_of_the_file_not_only_the_registry_password() {
    let dir = tempdir();
    let path = dir.path().join("values.yaml");
    std::fs::write(
        &path,
        "keycloak:\n  password: S3CR3T-kc\n  client_secret: S3CR3T-cs\ncustomImage:\n  registryEndpoint: quay.io\n",
    )
    .unwrap();
    let r = render(
        dir.path(),
        &[
            "--registry",
            "quay",
            "--username",
            "org+bot",
            "--values",
            "values.yaml",
            "--check",
        ],
        "S3CR3T-new",
    );
    r.expect_code(1);
    let diff = r.stdout_str();
    assert!(diff.contains("  password: <redacted>"), "{diff}");
    assert!(!diff.contains("S3CR3T"), "{diff}");
}

#[test]
fn a_missing_folder_is_refused_before_anything_is_written() {
    let dir = tempdir();
    for args in [
        vec!["--values", "nodir/values.yaml"],
        vec![
            "--values",
            "values.yaml",
            "--secret-mode",
            "external",
            "--secret-out",
            "nodir/push.yaml",
        ],
    ] {
        let mut all = vec!["--registry", "quay", "--username", "org+bot"];
        all.extend(args.iter());
        let r = render(dir.path(), &all, TOKEN);
        r.expect_code(2);
        assert!(r.stderr.contains("the folder `nodir`"), "{}", r.stderr);
        assert!(r.stderr.contains("help: create the folder"), "{}", r.stderr);
        assert!(!r.stderr.contains(".phib-"), "{}", r.stderr);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{args:?}"
        );
    }
}

#[test]
fn check_in_external_mode_also_compares_the_secret_manifest() {
    let dir = tempdir();
    let args = [
        "--registry",
        "quay",
        "--username",
        "acme+ci",
        "--secret-mode",
        "external",
        "--secret-out",
        "s.yaml",
        "--values",
        "values.yaml",
    ];
    render(dir.path(), &args, "tok").expect_code(0);
    let check = [&args[..], &["--check"]].concat();
    let r = render(dir.path(), &check, "tok");
    r.expect_code(0);
    assert!(r.stderr.contains("up to date"), "{}", r.stderr);

    // Another password: the values are the same, the Secret is not.
    let r = render(dir.path(), &check, "tok2");
    r.expect_code(1);
    assert!(
        r.stderr.contains("`s.yaml` holds another Secret"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("tok2") && !r.stdout_str().contains("tok"));

    std::fs::remove_file(dir.path().join("s.yaml")).unwrap();
    let r = render(dir.path(), &check, "tok");
    r.expect_code(1);
    assert!(r.stderr.contains("does not exist yet"), "{}", r.stderr);
    assert!(!dir.path().join("s.yaml").exists());
}

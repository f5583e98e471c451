//! The edges a new user meets first, outside the wizard: answers a person plausibly
//! types (an e-mail address as Docker Hub user, a Harbor robot name after the shell ate
//! `$project`, a location written like AWS regions), `phib help --help`, help text that
//! fits 80 columns, and the messages of `render --stdout` and of `show` in a wrong
//! namespace.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::util::*;

fn render(args: &[&str], password: Option<&str>) -> Run {
    let mut cmd = phib();
    cmd.arg("render").args(args);
    if let Some(p) = password {
        cmd.env("PHIB_REGISTRY_PASSWORD", p);
    }
    run(&mut cmd, b"")
}

/// Docker Hub logs in and names repositories with the Docker ID: an e-mail address is
/// refused for what it is, not for the `@` its default prefix then has.
#[test]
fn an_email_address_as_docker_hub_user_name_is_refused_as_such() {
    let r = render(
        &[
            "--registry",
            "dockerhub",
            "--username",
            "ann@example.com",
            "--stdout",
        ],
        Some("dckr_pat_x"),
    );
    r.expect_code(2);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("e-mail"), "{}", r.stderr);
    assert!(!r.stderr.contains("digest"), "{}", r.stderr);
    assert!(r.stderr.contains("help: "), "{}", r.stderr);
}

/// `robot+ci` is `robot$ci+…` after a shell expanded `$ci`: that is said first, before
/// anything that follows from it.
#[test]
fn a_harbor_robot_name_without_its_project_is_named_first() {
    let r = render(
        &[
            "--registry",
            "harbor",
            "--endpoint",
            "https://harbor.example.com",
            "--username",
            "robot+ci",
            "--stdout",
        ],
        Some("s3cret"),
    );
    r.expect_code(2);
    let robot = r.stderr.find("robot$").expect(&r.stderr);
    let prefix = r
        .stderr
        .find("--push-repo-prefix")
        .unwrap_or(r.stderr.len());
    assert!(robot < prefix, "{}", r.stderr);
    assert!(!r.stderr.contains("s3cret"), "{}", r.stderr);
}

/// Google Cloud locations are `us-central1`, not `us-central-1`.
#[test]
fn an_artifact_registry_location_written_like_an_aws_region_is_refused() {
    let keyfile = root().join("tests/fixtures/keyfiles/service-account.json");
    let r = render(
        &[
            "--registry",
            "artifact-registry",
            "--keyfile",
            keyfile.to_str().unwrap(),
            "--location",
            "us-central-1",
            "--repository",
            "images",
            "--stdout",
        ],
        None,
    );
    r.expect_code(2);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("`us-central1`"), "{}", r.stderr);
    for good in [
        "us-central1",
        "europe-west1",
        "us",
        "northamerica-northeast2",
    ] {
        let r = render(
            &[
                "--registry",
                "artifact-registry",
                "--keyfile",
                keyfile.to_str().unwrap(),
                "--location",
                good,
                "--repository",
                "images",
                "--stdout",
            ],
            None,
        );
        r.expect_code(0);
    }
}

#[test]
fn help_help_is_help() {
    for args in [&["help", "--help"][..], &["help", "-h"]] {
        let r = phib_run(args);
        r.expect_code(0);
        assert!(r.stdout_str().contains("Usage: phib"), "{}", r.stderr);
    }
}

/// Help fits an 80-column terminal, on a terminal or not.
#[test]
fn every_help_line_fits_80_columns() {
    let commands: [&[&str]; 11] = [
        &[],
        &["wizard"],
        &["render"],
        &["compact"],
        &["show"],
        &["verify"],
        &["upgrade"],
        &["completions"],
        &["doctor"],
        &["man"],
        &["help"],
    ];
    for cmd in commands {
        for flag in ["--help", "-h"] {
            let r = run(phib().args(cmd).arg(flag).env_remove("COLUMNS"), b"");
            r.expect_code(0);
            for line in r.stdout_str().lines() {
                assert!(
                    line.chars().count() <= 80,
                    "`phib {} {flag}`: {} columns: {line}",
                    cmd.join(" "),
                    line.chars().count()
                );
            }
        }
    }
}

/// `--stdout` writes no values file: the warning does not say the password is in one.
#[test]
fn render_stdout_does_not_speak_of_the_values_file() {
    let r = render(
        &["--registry", "quay", "--username", "acme+ci", "--stdout"],
        Some("s3cret"),
    );
    r.expect_code(0);
    assert!(!r.stderr.contains("values file"), "{}", r.stderr);
    assert!(
        r.stderr.contains("the printed block holds the password"),
        "{}",
        r.stderr
    );
}

/// helm's message is quoted in phib's, not shown above it; a release that is not in
/// the namespace is named as such, with the way to name the right one.
#[test]
fn show_in_a_wrong_namespace_says_so_stub_cluster() {
    let dir = tempdir();
    let helm = dir.path().join("helm");
    std::fs::write(
        &helm,
        "#!/bin/sh\ncase \"$1\" in\n  version) echo v3.14.2+gc309b6f ;;\n  *) echo 'Error: release: not found' >&2; exit 1 ;;\nesac\n",
    )
    .unwrap();
    std::fs::set_permissions(&helm, std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = run(
        phib().current_dir(dir.path()).args([
            "show",
            "--release",
            "primehub",
            "--namespace",
            "wrong",
            "--helm",
            helm.to_str().unwrap(),
        ]),
        b"",
    );
    r.expect_code(1);
    assert!(!r.stderr.contains("above"), "{}", r.stderr);
    assert!(r.stderr.contains("`wrong`"), "{}", r.stderr);
    assert!(r.stderr.contains("--namespace"), "{}", r.stderr);
    assert!(!Path::new(&dir.path().join("values.yaml")).exists());
}

/// ECR's push repository defaults to one on the account's registry, in `render` as in
/// the wizard.
#[test]
fn ecr_pushes_to_a_repository_on_the_account_registry_by_default() {
    let r = render(
        &[
            "--registry",
            "ecr",
            "--aws-account",
            "123456789012",
            "--aws-region",
            "us-east-1",
            "--stdout",
        ],
        None,
    );
    r.expect_code(0);
    assert!(
        r.stdout_str()
            .contains("pushRepo: \"123456789012.dkr.ecr.us-east-1.amazonaws.com/primehub\""),
        "{}",
        r.stdout_str()
    );
}

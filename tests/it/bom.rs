//! A values file that starts with a UTF-8 byte order mark (as editors on Windows write
//! them) is read by every command exactly as the same file without one: render, its
//! `--check` and `--rotate`, show, verify and `upgrade --dry-run`. The mark is kept in
//! a file phib edits.

use std::path::Path;

use crate::helm::Stub;
use crate::util::*;

const BOM: &str = "\u{feff}";

/// The fixture without its leading comment, so the mark sits right before the first key,
/// which is not `customImage` (the case serde_yaml alone reads as a second document).
fn plain() -> String {
    let fixture = include_str!("../fixtures/values/primehub-override.yaml");
    let start = fixture.find("\nprimehub:").expect("first key") + 1;
    fixture[start..].to_string()
}

const HARBOR: &[&str] = &[
    "--registry",
    "harbor",
    "--endpoint",
    "https://harbor.example.com",
    "--username",
    "robot$ml+builder",
    "--push-repo-prefix",
    "harbor.example.com/ml",
];

/// Runs `args` on a `values.yaml` holding `text` (in a folder of its own); returns the
/// run and the file's text afterwards.
fn run_on(
    text: &str,
    args: &[&str],
    make: impl Fn(&Path) -> std::process::Command,
) -> (Run, String) {
    let dir = tempdir();
    let path = dir.path().join("values.yaml");
    std::fs::write(&path, text).unwrap();
    let r = run(make(dir.path()).args(args), b"");
    (r, std::fs::read_to_string(&path).unwrap())
}

fn phib_in(dir: &Path) -> std::process::Command {
    let mut cmd = phib();
    cmd.current_dir(dir)
        .env("PHIB_REGISTRY_PASSWORD", "new-harbor-token");
    cmd
}

/// The file with a mark reads as the file without one: same exit, same output, and the
/// same file afterwards (with the mark kept).
fn same_with_and_without(args: &[&str], code: i32) {
    same_with(args, code, phib_in);
}

fn same_with(args: &[&str], code: i32, make: impl Fn(&Path) -> std::process::Command) {
    let (want, want_file) = run_on(&plain(), args, &make);
    let (got, got_file) = run_on(&format!("{BOM}{}", plain()), args, &make);
    want.expect_code(code);
    got.expect_code(code);
    assert_eq!(got.stderr, want.stderr, "{args:?}");
    assert_eq!(got.stdout_str(), want.stdout_str(), "{args:?}");
    assert_eq!(got_file, format!("{BOM}{want_file}"), "{args:?}");
}

fn with_values<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend(["--values", "values.yaml"]);
    all
}

#[test]
fn render_reads_a_file_with_a_byte_order_mark() {
    let mut args = vec!["render"];
    args.extend(with_values(HARBOR));
    same_with_and_without(&args, 0);
}

#[test]
fn render_check_reads_a_file_with_a_byte_order_mark() {
    let mut args = vec!["render"];
    args.extend(with_values(HARBOR));
    args.push("--check");
    same_with_and_without(&args, 1);
}

#[test]
fn render_rotate_reads_a_file_with_a_byte_order_mark() {
    same_with_and_without(
        &[
            "render",
            "--registry",
            "harbor",
            "--rotate",
            "--values",
            "values.yaml",
        ],
        0,
    );
}

#[test]
fn show_reads_a_file_with_a_byte_order_mark() {
    same_with_and_without(&["show", "--values", "values.yaml"], 0);
}

#[test]
fn verify_reads_a_file_with_a_byte_order_mark() {
    // The fixture's registry does not resolve here: verify gets as far as the network,
    // with the block read from the file, and fails the same way for both files.
    same_with_and_without(&["verify", "--values", "values.yaml", "--timeout", "5"], 1);
}

#[test]
fn upgrade_dry_run_reads_a_file_with_a_byte_order_mark_stub_cluster() {
    let stub = Stub::new();
    same_with(&["upgrade", "--dry-run"], 0, |dir| stub.phib(dir));
}

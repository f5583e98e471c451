//! What a first run of the wizard shows: declining to write, a failed check, the
//! defaults it offers and how it shows them, and `render --password-stdin` typed at a
//! terminal.

use phib::registry::Kind;

use super::{docker_hub, empty_path, pick, start, values_mode};
use crate::pty::{Pty, Screen};
use crate::util::*;

/// "No" at the last question is an answer, not an interruption.
#[test]
fn no_at_the_confirmation_writes_nothing_and_exits_0() {
    let (dir, mut t) = start();
    docker_hub(&mut t, "ann", "dckr_pat_s3cret");
    values_mode(&mut t);
    t.at("Create `values.yaml`?").type_keys("n\r");
    let (code, screen) = t.finish_screen();
    assert_eq!(code, Some(0), "{screen}");
    assert!(!screen.contains("interrupted"), "{screen}");
    assert!(screen.contains("phib: nothing was written"), "{screen}");
    assert!(!dir.path().join("values.yaml").exists());
}

/// A failed check says why first; what to do next comes after it.
#[test]
fn a_failed_check_prints_its_reason_before_the_next_steps() {
    let (dir, mut t) = start();
    // Nothing listens on port 9 here: the connection is refused at once.
    pick(&mut t, Kind::Harbor);
    t.answer("Registry endpoint", "http://127.0.0.1:9");
    t.answer("User name (Harbor robot account", "robot$ci+builder");
    t.answer("Password or robot secret", "p@ss");
    t.answer("[127.0.0.1:9/ci]", "");
    t.expect("Skip TLS verification")
        .at("[Y/n]")
        .type_keys("\r");
    t.at("Change the advanced options?").type_keys("n\r");
    values_mode(&mut t);
    t.at("Create `values.yaml`?").type_keys("y\r");
    t.at("Check the credentials against the registry now?")
        .type_keys("y\r");
    let (code, screen) = t.finish_screen();
    assert_eq!(code, Some(1), "{screen}");
    assert!(dir.path().join("values.yaml").exists());
    let reason = screen.find("phib: cannot connect").expect(&screen);
    let next = screen.find("phib upgrade --values").expect(&screen);
    assert!(reason < next, "{screen}");
}

/// ECR's push repository is on the registry of the account and region just given.
#[test]
fn ecr_offers_a_push_repository_on_the_account_and_region() {
    let (_dir, mut t) = start();
    pick(&mut t, Kind::Ecr);
    t.answer("AWS account ID", "123456789012");
    t.answer("AWS region of the registry", "us-east-1");
    t.expect("Push repository")
        .at("[123456789012.dkr.ecr.us-east-1.amazonaws.com/")
        .type_keys("\u{1b}");
    let (code, _) = t.finish();
    assert_eq!(code, Some(130));
}

/// With colours on, a default shows in brackets as the docs show it, and the advanced
/// options are named in words, not as flags.
#[test]
fn the_colourful_theme_shows_defaults_in_brackets_and_options_in_words() {
    let dir = tempdir();
    let path = empty_path(dir.path());
    let mut t = Pty::spawn(
        dir.path(),
        &[],
        &path,
        &[("NO_COLOR", None), ("LANG", Some("C.UTF-8"))],
    );
    t.expect("Which registry").at("Registry ›").type_keys("\r");
    t.answer("Docker Hub user name", "ann");
    t.answer("access token", "dckr_pat_s3cret");
    // The question drawn whole: up to the `›` that ends it.
    t.at("Push repository prefix")
        .wait_until("the question's `›`", |t| {
            t.screen().cursor_line().contains('›')
        });
    let line = t.screen().cursor_line();
    assert!(line.contains("[docker.io/ann]"), "{line}");
    assert!(!line.contains("(docker.io/ann)"), "{line}");
    t.type_keys("\r");
    // The options are listed above the question.
    t.at("Change the advanced options?");
    let screen = t.screen();
    let advanced = screen
        .rows
        .iter()
        .map(|r| r.text.as_str())
        .find(|r| r.contains("Advanced"))
        .unwrap_or_default()
        .to_string();
    for flag in ["push-repo", "push-secret-name", "insecure-skip-verify"] {
        assert!(!advanced.contains(flag), "{advanced}");
    }
    t.type_keys("\u{1b}");
    let (code, _) = t.finish();
    assert_eq!(code, Some(130));
}

/// Typed at a terminal, the password is asked for and not shown.
#[test]
fn render_password_stdin_on_a_terminal_asks_and_does_not_echo() {
    let dir = tempdir();
    let path = empty_path(dir.path());
    let mut t = Pty::spawn(
        dir.path(),
        &[
            "render",
            "--registry",
            "quay",
            "--username",
            "acme+ci",
            "--password-stdin",
            "--values",
            "values.yaml",
        ],
        &path,
        &[],
    );
    t.answer("not shown", "s3cret-typed");
    let (code, transcript) = t.finish();
    let screen = Screen::of(&transcript, 24, 80).text();
    assert_eq!(code, Some(0), "{screen}");
    assert!(!screen.contains("s3cret-typed"), "echoed:\n{screen}");
    let written = std::fs::read_to_string(dir.path().join("values.yaml")).unwrap();
    assert!(written.contains("s3cret-typed"), "{written}");
}

/// Making a values file that others could read private is said in lines that fit.
#[test]
fn the_readable_by_others_warning_fits_the_terminal() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    let values = dir.path().join("values.yaml");
    std::fs::write(&values, "domain: hub.example.com\n").unwrap();
    std::fs::set_permissions(&values, std::fs::Permissions::from_mode(0o644)).unwrap();
    let path = empty_path(dir.path());
    let mut t = Pty::spawn(dir.path(), &[], &path, &[]);
    docker_hub(&mut t, "ann", "dckr_pat_s3cret");
    values_mode(&mut t);
    t.answer("Add the customImage block to `values.yaml`?", "");
    t.at("Check the credentials against the registry now?")
        .type_keys("n\r");
    let (code, transcript) = t.finish();
    let screen = Screen::of(&transcript, 24, 80);
    assert_eq!(code, Some(0), "{}", screen.text());
    assert!(
        screen.text().contains("was readable by other users"),
        "{}",
        screen.text()
    );
    screen.assert_no_wrapped_row("the values file made private");
}

//! The wizard as the terminal shows it, for every registry, at 80x24 and at 60 columns,
//! with the colourful theme: when it is done, no question is left on screen in its
//! unanswered form (`? … ›`), every question shows its answered form (`✔ …`), and no
//! line was wider than the terminal. The screen is a terminal emulator's cell grid fed
//! everything phib printed (see `pty.rs`), so a prompt the terminal wrapped, or one
//! that was redrawn over a wrapped line, shows as it would to a person.

use phib::registry::Kind;
use std::path::Path;

use super::{empty_path, keyfile_fixture};
use crate::pty::{strip_escapes, Pty, Screen};
use crate::util::*;

/// What a person types at the question `line` (the cursor's line) while setting up
/// `kind`; `None`: Enter, taking the default.
fn answer(kind: Kind, line: &str) -> Option<&'static str> {
    let has = |s: &str| line.contains(s);
    // The account names are long enough that question and answer pass 60 columns.
    Some(if has("keyfile") {
        "~/sa.json"
    } else if has("user name") || has("User name") || has("client) ID") || has("Robot account") {
        match kind {
            Kind::DockerHub => "annabelle-builds",
            Kind::Quay => "acme+builder",
            Kind::Harbor => "robot$builds+ci",
            Kind::Acr => "00000000-0000-0000-0000-000000000000",
            _ => "annabelle-builds",
        }
    } else if has("token") || has("Token") || has("assword") || has("secret") && !has("name") {
        "s3cret-token-value"
    } else if has("endpoint") {
        "https://harbor.example.com"
    } else if has("Registry name") {
        "acmebuilds"
    } else if has("location") {
        "us-central1"
    } else if has("AWS account ID") {
        "123456789012"
    } else if has("AWS region") {
        "us-east-1"
    } else if has("repository (format Docker)") {
        "images"
    } else if kind == Kind::Ecr && has("Push repository (one") {
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/builds"
    } else {
        return None;
    })
}

/// Runs the whole wizard for `kind` in a `rows` x `cols` window and returns the screen
/// at the end. Credentials go into the values file; nothing is checked or applied.
fn run_wizard(kind: Kind, rows: u16, cols: u16) -> (tempfile::TempDir, Option<i32>, Screen) {
    let dir = tempdir();
    keyfile_fixture("service-account.json", &dir.path().join("sa.json"));
    let path = empty_path(dir.path());
    let mut t = Pty::spawn_sized(
        dir.path(),
        &[],
        &path,
        &[("NO_COLOR", None), ("LANG", Some("C.UTF-8"))],
        rows,
        cols,
    );
    let mut picked_registry = false;
    let mut picked_mode = false;
    let mut picked_login = false;
    let mut asked = Vec::new();
    // Where the last answer began, once there was one: the question to answer next is
    // drawn after that answer's answered form (`✔ …`, or `✘ …` when refused).
    let mut answer_at: Option<usize> = None;
    let lists = ["Registry ›", "Credentials ›", "Login ›"];
    // The question on screen, when phib is asking one: the list's head (a list hides the
    // cursor) or the cursor's line drawn up to its `›`.
    let question = |screen: &Screen| -> Option<String> {
        let window = screen.window_lines();
        if let Some(head) = lists.iter().find(|l| window.iter().any(|w| w.contains(*l))) {
            return Some(head.to_string());
        }
        let line = screen.cursor_question();
        let (asked, _) = line.split_once('›')?;
        Some(asked.trim().trim_start_matches("? ").to_string())
    };
    loop {
        // A question drawn since the last answer, and phib waiting for a key; or the end.
        t.wait_until(&format!("{kind:?}: a question"), |t| {
            if t.exited() {
                return true;
            }
            let Some(q) = question(&t.screen()) else {
                return false;
            };
            let fresh = match answer_at {
                None => true,
                Some(at) => {
                    // Words as printed: a question phib broke into rows is one.
                    let since = strip_escapes(&t.printed_since(at))
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ");
                    since
                        .rfind(['✔', '✘'])
                        .is_some_and(|mark| since[mark..].contains(&q))
                }
            };
            fresh && t.waits_for_key()
        });
        if t.exited() {
            break;
        }
        answer_at = Some(t.printed());
        let screen = t.screen();
        let window = screen.window_lines();
        let shows = |s: &str| window.iter().any(|r| r.contains(s));
        let line = screen.cursor_question();
        // A question asked a third time was answered wrong: this driver's fault. (A
        // list hides the cursor on an empty line: lists are told apart by their items.)
        let repeated = !line.trim().is_empty() && asked.iter().filter(|l| **l == line).count() >= 2;
        if repeated || asked.len() > 40 {
            t.send("\u{3}");
            panic!("{kind:?}: stuck at {line:?}\n{}", screen.text());
        }
        asked.push(line.clone());
        if !picked_registry && shows("Registry") {
            let i = Kind::ALL.iter().position(|k| *k == kind).unwrap();
            t.type_keys(&"j".repeat(i)).type_keys("\r");
            picked_registry = true;
        } else if !picked_login && shows("Login ›") {
            // The second item: the registry's own key or password, not a keyless login.
            t.type_keys("j\r");
            picked_login = true;
        } else if !picked_mode && shows("Where should the credentials live?") {
            // The second item: in the Helm values.
            t.type_keys("j\r");
            picked_mode = true;
        } else if line.contains("Check the credentials against the registry") {
            t.type_keys("n\r");
        } else if let Some(text) = answer(kind, &line) {
            t.type_keys(text).type_keys("\r");
        } else {
            t.type_keys("\r");
        }
    }
    let (code, transcript) = t.finish();
    (dir, code, Screen::of(&transcript, rows, cols))
}

/// The wizard for `kind` at 80x24 and at 60x24 ends with every question answered on
/// screen, none left in its asking form, no line wider than the window, and the values
/// file written.
fn fits_the_terminal(kind: Kind) {
    for (rows, cols) in [(24, 80), (24, 60)] {
        let what = format!("{kind:?} at {cols}x{rows}");
        let (dir, code, screen) = run_wizard(kind, rows, cols);
        let text = screen.text();
        assert_eq!(code, Some(0), "{what}:\n{text}");
        assert!(
            Path::new(&dir.path().join("values.yaml")).exists(),
            "{what}: nothing written\n{text}"
        );
        let stale: Vec<&str> = screen
            .rows
            .iter()
            .map(|r| r.text.as_str())
            .filter(|t| t.trim_start().starts_with("? ") || t.contains(" › "))
            .collect();
        assert!(
            stale.is_empty(),
            "{what}: questions left in their asking form:\n{}\n--- screen\n{text}",
            stale.join("\n")
        );
        for answered in [
            "✔ Registry · ",
            "✔ Credentials · ",
            "✔ Change the advanced options? · no",
            "✔ Create `values.yaml`? · yes",
        ] {
            assert!(text.contains(answered), "{what}: no {answered:?}\n{text}");
        }
        assert!(
            !text.contains("s3cret"),
            "{what}: the secret was echoed\n{text}"
        );
        screen.assert_no_wrapped_row(&what);
    }
}

#[test]
fn docker_hub_fits_the_terminal() {
    fits_the_terminal(Kind::DockerHub);
}

#[test]
fn gcr_fits_the_terminal() {
    fits_the_terminal(Kind::Gcr);
}

#[test]
fn artifact_registry_fits_the_terminal() {
    fits_the_terminal(Kind::ArtifactRegistry);
}

#[test]
fn ecr_fits_the_terminal() {
    fits_the_terminal(Kind::Ecr);
}

#[test]
fn acr_fits_the_terminal() {
    fits_the_terminal(Kind::Acr);
}

#[test]
fn ghcr_fits_the_terminal() {
    fits_the_terminal(Kind::Ghcr);
}

#[test]
fn quay_fits_the_terminal() {
    fits_the_terminal(Kind::Quay);
}

#[test]
fn harbor_fits_the_terminal() {
    fits_the_terminal(Kind::Harbor);
}

/// The colourful theme, as a person sees it.
const COLOURS: [(&str, Option<&str>); 2] = [("NO_COLOR", None), ("LANG", Some("C.UTF-8"))];

/// Starts the wizard in a `cols` x 24 window with colours on and picks `kind`.
fn wizard_at(dir: &Path, cols: u16, kind: Kind) -> Pty {
    let mut t = Pty::spawn_sized(dir, &[], &empty_path(dir), &COLOURS, 24, cols);
    let i = Kind::ALL.iter().position(|k| *k == kind).unwrap();
    t.at("Registry ›").type_keys(&"j".repeat(i)).type_keys("\r");
    t
}

/// A question whose default leaves no room to type (a Docker Hub name over 12
/// characters makes the push prefix `docker.io/acme-ml-builders`) shows the default
/// whole, on a row of its own under the question, while it is asked: no row wrapped by
/// the terminal, at 80 and at 60 columns. Enter takes it.
#[test]
fn a_long_default_shows_whole_on_a_row_of_its_own() {
    let default = "[docker.io/acme-ml-builders] ›";
    for cols in [80, 60] {
        let what = format!("at {cols}x24");
        let dir = tempdir();
        let mut t = wizard_at(dir.path(), cols, Kind::DockerHub);
        t.answer("Docker Hub user name", "acme-ml-builders");
        t.answer("Docker Hub access token", "dckr_pat_s3cret");
        t.at(default);
        let screen = t.screen();
        screen.assert_no_wrapped_row(&what);
        let rows = screen.window_rows();
        let at = rows.iter().position(|r| r.text.contains(default)).unwrap();
        assert!(
            rows[at].text.starts_with(&format!("  {default}")),
            "{what}: the default shares a row\n{}",
            screen.text()
        );
        assert!(
            rows[at - 1]
                .text
                .contains("? Push repository prefix (images go to PREFIX/<image>)"),
            "{what}: the question is not right above its default\n{}",
            screen.text()
        );
        t.type_keys("\r").at("Change the advanced options?");
        let screen = t.screen();
        assert!(
            screen
                .text()
                .contains("✔ Push repository prefix · docker.io/acme-ml-builders"),
            "{what}:\n{}",
            screen.text()
        );
        assert!(!screen.text().contains(default), "{what}: left on screen");
        screen.assert_no_wrapped_row(&what);
        t.send("\u{3}");
        let (code, _) = t.finish();
        assert_eq!(code, Some(130), "{what}");
    }
}

/// A question wider than the window is broken at its words while it is asked, and its
/// answered form fits too: Docker Hub's user name question (74 columns) and the yes/no
/// of the advanced options' TLS question (78), at 60 columns.
#[test]
fn a_long_question_is_broken_at_its_words() {
    let what = "at 60x24";
    let dir = tempdir();
    let mut t = wizard_at(dir.path(), 60, Kind::DockerHub);
    let user = "Docker Hub user name (or organisation name for an organisation token) ›";
    t.at("Docker Hub user name");
    t.screen().assert_no_wrapped_row(what);
    assert_eq!(t.screen().cursor_question(), format!("? {user}"));
    t.type_keys("ann\r");
    t.answer("Docker Hub access token", "dckr_pat_s3cret");
    t.answer("[docker.io/ann]", "");
    // Each answer taken is a `✔`: a key is typed only once the answer before it shows,
    // so no key goes to a question it was not meant for, however slow phib is.
    let taken = |t: &Pty| strip_escapes(&t.printed_since(0)).matches('✔').count();
    let answered = taken(&t);
    t.at("Change the advanced options?").type_keys("y\r");
    t.wait_until("the answer taken", |t| taken(t) > answered);
    let tls = "Skip TLS verification (self-signed certificate or plain http)? (y/n) › no";
    // The advanced questions before it, each with its default.
    loop {
        t.wait_until("a question", |t| {
            t.screen().cursor_question().contains('›') && t.waits_for_key()
        });
        if t.screen().cursor_question().contains("Skip TLS") {
            break;
        }
        let answered = taken(&t);
        t.type_keys("\r")
            .wait_until("the answer taken", |t| taken(t) > answered);
    }
    let screen = t.screen();
    screen.assert_no_wrapped_row(what);
    assert_eq!(
        screen.cursor_question(),
        format!("? {tls}"),
        "{}",
        screen.text()
    );
    t.send("\u{3}");
    assert_eq!(t.finish().0, Some(130));
}

/// An answer its check refuses is marked refused (`✘`), never accepted (`✔`) first.
#[test]
fn a_refused_answer_is_never_shown_as_accepted() {
    let dir = tempdir();
    let mut t = wizard_at(dir.path(), 80, Kind::Gcr);
    t.at("a service-account key").type_keys("j\r");
    t.answer("Path to the service-account keyfile", "~/keys/sa.json");
    t.expect("cannot be read");
    t.at("Path to the service-account keyfile");
    let text = t.screen().text();
    assert!(
        text.contains("✘ Path to the service-account keyfile (JSON) · ~/keys/sa.json"),
        "{text}"
    );
    assert!(
        !text.contains("✔ Path to the service-account keyfile"),
        "{text}"
    );
    t.send("\u{3}");
    assert_eq!(t.finish().0, Some(130));
}

//! Everything phib writes to a terminal fits its width: `phib render`'s messages,
//! `phib doctor`'s report and `phib verify`'s steps, each run on a real
//! pseudo-terminal of 80x24 and of 60x24 (see `pty.rs`). No row is wider than the
//! window (the terminal wrapped none, so none was cut mid-word), a checklist line goes
//! on under its text, and the text is all there: the words on screen are the words the
//! same command prints without a terminal, where its lines stay whole.

use std::path::Path;

use crate::pty::{Pty, Screen};
use crate::registry::{Auth, Registry};
use crate::util::*;

const SIZES: [u16; 2] = [80, 60];

/// `phib ARGS` in `dir` on a `cols` x 24 terminal, with `env`: its exit status and the
/// screen at the end.
fn on_terminal(
    dir: &Path,
    args: &[&str],
    env: &[(&str, Option<&str>)],
    cols: u16,
) -> (Option<i32>, Screen) {
    let bin = dir.join("empty-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let t = Pty::spawn_sized(dir, args, &bin.display().to_string(), env, 24, cols);
    let (code, transcript) = t.finish();
    (code, Screen::of(&transcript, 24, cols))
}

/// The words of `text`, in order.
fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// The screen shows exactly the words of `printed` (what the command prints without a
/// terminal), no row was wrapped by the terminal, and each row continuing a checklist
/// line (`ok    `, `FAIL  `, `warn  `) starts under its text.
fn assert_fits(what: &str, screen: &Screen, printed: &str) {
    screen.assert_no_wrapped_row(what);
    let text = screen.text();
    assert_eq!(
        words(&text),
        words(printed),
        "{what}: the screen does not show what is printed without a terminal\n--- screen\n{text}\n--- printed\n{printed}"
    );
    let mut in_check = false;
    for row in text.lines() {
        let marked = ["ok    ", "warn  ", "FAIL  "]
            .iter()
            .any(|m| row.starts_with(m));
        if marked || !row.starts_with(' ') {
            in_check = marked;
        } else if in_check {
            assert!(
                row.starts_with("      "),
                "{what}: a checklist line goes on left of its text: {row:?}\n{text}"
            );
        }
    }
}

/// `phib render`'s warnings and notes after a successful write.
#[test]
fn render_messages_fit_the_terminal() {
    let args = [
        "render",
        "--registry",
        "dockerhub",
        "--username",
        "acme-ml-builders",
        "--push-repo-prefix",
        "docker.io/acme-ml-builders",
    ];
    let password = ("PHIB_REGISTRY_PASSWORD", Some("not-a-token-s3cret"));
    let piped = tempdir();
    // The same `PATH` as on the terminal (no helm): the same chart line.
    let bin = piped.path().join("empty-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let r = run(
        phib()
            .args(args)
            .current_dir(piped.path())
            .env("PATH", &bin)
            .env(password.0, password.1.unwrap()),
        b"",
    );
    r.expect_code(0);
    assert!(r.stderr.contains("warning:"), "{}", r.stderr);
    for cols in SIZES {
        let dir = tempdir();
        let (code, screen) = on_terminal(dir.path(), &args, &[password], cols);
        let what = format!("render at {cols}x24");
        assert_eq!(code, Some(0), "{what}\n{}", screen.text());
        assert_fits(&what, &screen, &r.stderr);
    }
}

// `phib doctor --manifests` on a bundle with a long finding: the release name the
// chart uses in the Secret's name is not the one `pushSecretName` has.
e2e!(doctor_report_fits_the_terminal, || {
    let dir = tempdir();
    let (_, manifest) =
        crate::doctor::render(dir.path(), "4.1.0", "hub", &crate::doctor::values_mode());
    std::fs::write(dir.path().join("bundle.yaml"), manifest).unwrap();
    let args = ["doctor", "--manifests", "bundle.yaml"];
    let r = run(phib().args(args).current_dir(dir.path()), b"");
    r.expect_code(1);
    let printed = format!("{}{}", r.stdout_str(), r.stderr);
    let longest = printed.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(longest > 200, "no long finding: {longest}\n{printed}");
    for cols in SIZES {
        let (code, screen) = on_terminal(dir.path(), &args, &[], cols);
        let what = format!("doctor at {cols}x24");
        assert_eq!(code, Some(1), "{what}\n{}", screen.text());
        assert_fits(&what, &screen, &printed);
        assert!(
            screen.text().contains("\n      fix: "),
            "{what}: no fix under a finding\n{}",
            screen.text()
        );
    }
});

// `phib verify` against a real registry, the credentials read from a Secret manifest
// with a long name: its step line is the widest.
e2e!(
    verify_steps_fit_the_terminal,
    Registry::start(Auth::Htpasswd(&[("alice", "s3cret")]), false),
    |reg| {
        let dir = tempdir();
        let endpoint = format!("http://{}", reg.host());
        let prefix = format!("{}/a-rather-long-team-name", reg.host());
        let r = run(
            phib()
                .args(["render", "--registry", "harbor", "--endpoint", &endpoint])
                .args(["--username", "alice", "--push-repo-prefix", &prefix])
                .args(["--insecure-skip-verify", "--secret-mode", "external"])
                .args(["--secret-name", "primehub-image-builder-push-credentials"])
                .args(["--secret-out", "image-builder-push-secret.yaml"])
                .current_dir(dir.path())
                .env("PHIB_REGISTRY_PASSWORD", "s3cret"),
            b"",
        );
        r.expect_code(0);
        let args = ["verify", "--secret-file", "image-builder-push-secret.yaml"];
        let r = run(phib().args(args).current_dir(dir.path()), b"");
        r.expect_code(0);
        let first = r.stdout_str().lines().next().unwrap().to_string();
        assert!(first.contains("from Secret"), "{}", r.stdout_str());
        for cols in SIZES {
            let (code, screen) = on_terminal(dir.path(), &args, &[], cols);
            let what = format!("verify at {cols}x24");
            assert_eq!(code, Some(0), "{what}\n{}", screen.text());
            assert_fits(&what, &screen, &r.stdout_str());
            assert!(
                screen
                    .rows
                    .iter()
                    .any(|r| r.text.starts_with("      ") && !r.text.starts_with("       ")),
                "{what}: the Secret's step line does not go on under its text\n{}",
                screen.text()
            );
        }
    }
);

/// A registry that takes the connection and never answers: on a terminal a status line
/// says what phib waits for the whole time (erased once the step is printed); without
/// a terminal nothing extra is printed.
#[test]
fn verify_shows_what_it_waits_for_on_a_terminal_only() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            held.push(conn);
        }
    });
    let dir = tempdir();
    std::fs::write(
        dir.path().join("values.yaml"),
        format!("customImage:\n  enabled: true\n  registryEndpoint: http://{host}\n  pushRepoPrefix: {host}/team\n  registryUsername: u\n  registryPassword: p\n  insecureSkipVerify: true\n"),
    )
    .unwrap();
    let args = ["verify", "--values", "values.yaml", "--timeout", "2"];
    let r = run(phib().args(args).current_dir(dir.path()), b"");
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(!r.stderr.contains("waiting for"), "{}", r.stderr);
    let bin = dir.path().join("empty-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let t = Pty::spawn_sized(dir.path(), &args, &bin.display().to_string(), &[], 24, 80);
    let (code, transcript) = t.finish();
    assert_eq!(code, Some(1));
    let drawn = crate::pty::strip_escapes(&transcript);
    assert!(drawn.contains("waiting for the registry"), "{drawn}");
    let screen = Screen::of(&transcript, 24, 80).text();
    assert!(!screen.contains("waiting for the registry"), "{screen}");
    assert!(screen.contains("reach the registry"), "{screen}");
}

// Data stays whole on a terminal however narrow: `phib doctor --output json` parses
// as JSON, and a long line of `phib show`'s YAML block is one line (the terminal may
// fold it on screen, but no line break is added to what is copied or read back).
e2e!(data_is_never_wrapped_on_a_terminal, || {
    let dir = tempdir();
    let (_, manifest) =
        crate::doctor::render(dir.path(), "4.1.0", "hub", &crate::doctor::values_mode());
    std::fs::write(dir.path().join("bundle.yaml"), manifest).unwrap();
    let prefix = format!("registry.example.com/{}", "a-long-team-name/".repeat(5));
    std::fs::write(
        dir.path().join("values.yaml"),
        format!("customImage:\n  enabled: true\n  registryEndpoint: https://registry.example.com\n  pushRepoPrefix: {prefix}\n"),
    )
    .unwrap();
    let bin = dir.path().join("empty-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let path = bin.display().to_string();
    let json = ["doctor", "--manifests", "bundle.yaml", "--output", "json"];
    let t = Pty::spawn_sized(dir.path(), &json, &path, &[], 24, 60);
    let (code, transcript) = t.finish();
    assert_eq!(code, Some(1), "{transcript}");
    let text = transcript.replace("\r\n", "\n");
    let start = text.find('{').expect("JSON on the terminal");
    let end = text.rfind('}').unwrap() + 1;
    serde_json::from_str::<serde_json::Value>(&text[start..end])
        .unwrap_or_else(|e| panic!("not JSON on a 60-column terminal: {e}\n{text}"));
    let t = Pty::spawn_sized(dir.path(), &["show"], &path, &[], 24, 60);
    let (code, transcript) = t.finish();
    assert_eq!(code, Some(0), "{transcript}");
    let line = format!("pushRepoPrefix: {prefix}");
    assert!(
        transcript.replace("\r\n", "\n").lines().any(|l| l
            .trim_start()
            .trim_start_matches('"')
            .starts_with("pushRepoPrefix")
            && l.contains(prefix.trim_end_matches('/'))),
        "`{line}` was broken:\n{transcript}"
    );
});

/// The command in the note about a switched push Secret is laid out as a command on a
/// terminal (`\` at the end of each row but the last), never broken like prose inside
/// its quotes: joined back, it is the command printed without a terminal.
#[test]
fn a_command_in_a_note_is_laid_out_as_a_command() {
    let dir = tempdir();
    let password = ("PHIB_REGISTRY_PASSWORD", Some("s3cret-pass"));
    let base = [
        "render",
        "--registry",
        "harbor",
        "--endpoint",
        "https://harbor.example.com",
        "--username",
        "robot$team+ci",
        "--push-repo-prefix",
        "harbor.example.com/team",
        "--values",
        "values.yaml",
        "--chart-version",
        "4.1.0",
    ];
    let switch: Vec<&str> = base
        .iter()
        .copied()
        .chain(["--secret-mode", "external", "--secret-out", "push.yaml"])
        .collect();
    let values = |d: &Path| {
        let r = run(
            phib()
                .args(base)
                .current_dir(d)
                .env(password.0, password.1.unwrap()),
            b"",
        );
        r.expect_code(0);
    };
    // Without a terminal: the command on one line of its own.
    let piped = tempdir();
    values(piped.path());
    let r = run(
        phib()
            .args(&switch)
            .current_dir(piped.path())
            .env(password.0, password.1.unwrap()),
        b"",
    );
    r.expect_code(0);
    let command = r
        .stderr
        .lines()
        .find(|l| l.starts_with("  kubectl -n hub get images.primehub.io"))
        .unwrap_or_else(|| panic!("no command line:\n{}", r.stderr))
        .trim()
        .to_string();
    values(dir.path());
    let bin = dir.path().join("empty-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let t = Pty::spawn_sized(
        dir.path(),
        &switch,
        &bin.display().to_string(),
        &[password],
        24,
        60,
    );
    let (code, transcript) = t.finish();
    assert_eq!(code, Some(0), "{transcript}");
    let shown = crate::pty::strip_escapes(&transcript).replace("\r\n", "\n");
    let at = shown
        .find("  kubectl -n hub get")
        .unwrap_or_else(|| panic!("{shown}"));
    let rows: Vec<&str> = shown[at..].lines().collect();
    let mut joined = String::new();
    for row in rows {
        match row.strip_suffix(" \\") {
            Some(part) => {
                joined.push_str(part.trim());
                joined.push(' ');
            }
            None => {
                joined.push_str(row.trim());
                break;
            }
        }
    }
    assert_eq!(joined, command, "laid out:\n{}", &shown[at..]);
}

//! The wizard, run for real: the `phib` binary on an 80x24 pseudo-terminal (see
//! `pty.rs`), keys sent as a person would type them. Every file the wizard writes is
//! compared byte for byte with what the equivalent `phib render` command writes.

use std::path::Path;

use phib::registry::Kind;

use crate::pty::{strip_escapes, Pty};
use crate::util::*;

mod external;
mod first_contact;
mod races;
mod screen;
mod sealed;

const REGISTRY: &str = "Which registry should PrimeHub push";

/// A `PATH` with nothing on it: no `helm` to find.
fn empty_path(dir: &Path) -> String {
    let bin = dir.join("empty-bin");
    std::fs::create_dir_all(&bin).unwrap();
    bin.display().to_string()
}

/// `phib` with no arguments on a terminal in a fresh folder, with nothing on `PATH`.
fn start() -> (tempfile::TempDir, Pty) {
    let dir = tempdir();
    let path = empty_path(dir.path());
    let t = Pty::spawn(dir.path(), &[], &path, &[]);
    (dir, t)
}

/// Picks `kind` in the registry list (`j` moves down, Enter picks).
fn pick(t: &mut Pty, kind: Kind) {
    let i = Kind::ALL.iter().position(|k| *k == kind).unwrap();
    t.expect(REGISTRY)
        .at("Registry:")
        .type_keys(&"j".repeat(i))
        .type_keys("\r");
}

/// Picks "in the Helm values" at the secret-mode question.
/// Docker Hub's questions: the registry, user, token, the inferred prefix and no
/// advanced options.
fn docker_hub(t: &mut Pty, user: &str, token: &str) {
    pick(t, Kind::DockerHub);
    t.answer("Docker Hub user name", user);
    t.answer("Docker Hub access token", token);
    t.answer(&format!("[docker.io/{}]", user.to_lowercase()), "");
    t.at("Change the advanced options?").type_keys("n\r");
}

/// Waits until the list of where the credentials live is drawn whole.
fn credentials_list(t: &mut Pty) {
    t.expect("Where should the credentials live?")
        .at("PrimeHub's documented way");
}

fn values_mode(t: &mut Pty) {
    credentials_list(t);
    t.type_keys("j\r");
}

/// Declines the offer to check the credentials against the registry.
fn no_verify(t: &mut Pty) {
    t.at("Check the credentials against the registry now?")
        .type_keys("n\r");
}

/// What `phib render ARGS --values render.yaml` writes in `dir`.
fn rendered(dir: &Path, args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let out = dir.join("render.yaml");
    run(
        phib()
            .current_dir(dir)
            .arg("render")
            .args(args)
            .arg("--values")
            .arg(&out),
        stdin,
    )
    .expect_code(0);
    let bytes = std::fs::read(&out).unwrap();
    std::fs::remove_file(&out).unwrap();
    bytes
}

/// Runs the `phib render` command the wizard printed on `screen`, with `stdin`, in a new
/// folder under `dir`, and returns the file it wrote: the printed command must write
/// the same bytes as the wizard.
fn run_printed_command(screen: &str, dir: &Path, stdin: &[u8]) -> Vec<u8> {
    let mut lines = screen
        .lines()
        .skip_while(|l| !l.starts_with("  phib render "));
    let mut command = String::new();
    for line in lines.by_ref() {
        let (part, more) = match line.strip_suffix(" \\") {
            Some(part) => (part, true),
            None => (line, false),
        };
        command.push_str(part.trim());
        command.push(' ');
        if !more {
            break;
        }
    }
    assert!(
        !command.is_empty(),
        "no phib render command printed:\n{screen}"
    );
    // The folder may hold a values file already, for a printed `--rotate`.
    let sub = dir.join("printed");
    std::fs::create_dir_all(&sub).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_phib")).parent().unwrap();
    let mut sh = std::process::Command::new("sh");
    sh.arg("-c")
        .arg(&command)
        .current_dir(&sub)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env_remove("PHIB_REGISTRY_PASSWORD");
    run(&mut sh, stdin).expect_code(0);
    std::fs::read(sub.join("values.yaml")).expect("the printed command wrote values.yaml")
}

/// Asserts that the wizard's `values.yaml` in `dir` is byte for byte `want`, mode 0600.
fn assert_written(dir: &Path, want: &[u8]) {
    let path = dir.join("values.yaml");
    let got = std::fs::read(&path).expect("the wizard wrote values.yaml");
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(want),
        "the wizard and phib render disagree"
    );
    assert_eq!(got, want);
    assert_eq!(mode(&path), 0o600);
}

/// Copies the shared keyfile fixture `name` to `to`.
fn keyfile_fixture(name: &str, to: &Path) {
    std::fs::copy(root().join("tests/fixtures/keyfiles").join(name), to).unwrap();
}

#[test]
fn without_a_terminal_phib_exits_2_and_names_phib_render() {
    let dir = tempdir();
    let r = run(phib().current_dir(dir.path()), b"");
    r.expect_code(2);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.starts_with("phib: "), "{}", r.stderr);
    assert!(r.stderr.contains("`phib render"), "{}", r.stderr);
    assert!(!r.stderr.contains("not a terminal"), "{}", r.stderr);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    let r = run(phib().current_dir(dir.path()).arg("wizard"), b"");
    r.expect_code(2);
    assert!(r.stderr.contains("needs a terminal"), "{}", r.stderr);
    assert!(r.stderr.contains("`phib render"), "{}", r.stderr);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_values_file_in_a_missing_folder_or_with_bad_yaml_is_refused_before_any_question() {
    let dir = tempdir();
    let path = empty_path(dir.path());
    std::fs::write(dir.path().join("bad.yaml"), "customImage: [\n").unwrap();
    let flow = "customImage: {registryEndpoint: x}\n";
    std::fs::write(dir.path().join("flow.yaml"), flow).unwrap();
    for (file, says) in [
        (
            "flow.yaml",
            "`flow.yaml`: `customImage` (line 1) is written in flow style",
        ),
        (
            "no/such/values.yaml",
            "the folder `no/such` of `--values` `no/such/values.yaml` does not exist",
        ),
        ("bad.yaml", "`bad.yaml` is not valid YAML"),
    ] {
        let t = Pty::spawn(dir.path(), &["wizard", "--values", file], &path, &[]);
        let (code, screen) = t.finish_screen();
        assert_eq!(code, Some(2), "{screen}");
        assert!(screen.starts_with(&format!("phib: {says}")), "{screen}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("bad.yaml")).unwrap(),
        "customImage: [\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("flow.yaml")).unwrap(),
        flow
    );
}

#[test]
fn docker_hub_writes_what_phib_render_writes() {
    let (dir, mut t) = start();
    docker_hub(&mut t, "Ann", "dckr_pat_s3cret");
    values_mode(&mut t);
    t.expect("registryPassword:   <redacted>");
    t.expect("Where: the credentials stay in the values file");
    // A yes/no waits for Enter: "y" alone answers nothing yet.
    t.at("Create `values.yaml`?").type_keys("y").await_key();
    assert!(
        !dir.path().join("values.yaml").exists(),
        "written on `y` alone"
    );
    t.type_keys("\r");
    t.expect("Wrote the customImage block");
    // The habitual "y, Enter" answered only the question it was typed at.
    t.at("Check the credentials against the registry now?")
        .type_keys("n")
        .await_key()
        .type_keys("\r");
    let (code, screen) = t.finish_screen();
    assert_eq!(code, Some(0), "{screen}");
    assert!(
        screen.contains("Check the credentials against the registry now? no"),
        "{screen}"
    );
    assert!(
        !screen.contains("s3cret"),
        "the token was echoed:\n{screen}"
    );
    assert!(
        screen.contains("phib verify --values values.yaml"),
        "{screen}"
    );
    let want = rendered(
        dir.path(),
        &[
            "--registry",
            "dockerhub",
            "--username",
            "Ann",
            "--password-stdin",
            "--secret-mode",
            "values",
        ],
        b"dckr_pat_s3cret\n",
    );
    assert_written(dir.path(), &want);
    assert_eq!(
        run_printed_command(&screen, dir.path(), b"dckr_pat_s3cret"),
        want
    );
}

#[test]
fn gcr_asks_again_after_a_wrong_keyfile_path_then_writes_what_phib_render_writes() {
    let dir = tempdir();
    let path = empty_path(dir.path());
    keyfile_fixture("service-account.json", &dir.path().join("sa.json"));
    keyfile_fixture("authorized-user.json", &dir.path().join("adc.json"));
    let mut t = Pty::spawn(dir.path(), &["wizard"], &path, &[]);
    pick(&mut t, Kind::Gcr);
    // The keyless way is offered first; this test takes the key.
    t.expect("short-lived tokens, no key (recommended)")
        .at("a service-account key")
        .type_keys("j\r");
    t.answer("Path to the service-account keyfile", "~/keys/sa.json");
    // `~` was expanded (HOME is the test folder) and the reason is shown.
    t.expect(&format!(
        "`{}/keys/sa.json` cannot be read",
        dir.path().display()
    ));
    // A file that is not a service-account key is refused with what it is.
    t.answer("Path to the service-account keyfile", "~/adc.json");
    t.expect("is a user credential");
    t.answer("Path to the service-account keyfile", "~/sa.json");
    t.answer("Container Registry host [gcr.io]", "");
    t.answer("Google Cloud project ID [phib-test-123]", "");
    t.answer("[gcr.io/phib-test-123]", "");
    t.at("Change the advanced options?").type_keys("\r");
    values_mode(&mut t);
    t.expect("registryUsername:   _json_key");
    t.at("Create `values.yaml`?").type_keys("\r");
    t.expect("Wrote the customImage block");
    no_verify(&mut t);
    let (code, screen) = t.finish_screen();
    assert_eq!(code, Some(0), "{screen}");
    assert!(!screen.contains("PRIVATE KEY"), "{screen}");
    assert!(!screen.contains("fake-refresh-token"), "{screen}");
    let want = rendered(
        dir.path(),
        &["--registry", "gcr", "--keyfile", "sa.json"],
        b"",
    );
    assert_written(dir.path(), &want);
}

#[test]
fn harbor_robot_account_on_plain_http_writes_what_phib_render_writes() {
    let (dir, mut t) = start();
    pick(&mut t, Kind::Harbor);
    t.answer("Registry endpoint", "http://10.0.0.5:5000");
    t.answer("User name (Harbor robot account", "robot$ci+builder");
    t.answer("Password or robot secret", "p@ss w:rd\"");
    t.answer("[10.0.0.5:5000/ci]", "");
    t.expect("Skip TLS verification")
        .at("[Y/n]")
        .type_keys("\r");
    t.at("Change the advanced options?").type_keys("n\r");
    values_mode(&mut t);
    t.expect("insecureSkipVerify: true");
    t.at("Create `values.yaml`?").type_keys("y\r");
    t.expect("Wrote the customImage block");
    no_verify(&mut t);
    let (code, screen) = t.finish_screen();
    assert_eq!(code, Some(0), "{screen}");
    assert!(!screen.contains("p@ss"), "{screen}");
    let want = rendered(
        dir.path(),
        &[
            "--registry",
            "harbor",
            "--endpoint",
            "http://10.0.0.5:5000",
            "--username",
            "robot$ci+builder",
            "--password-stdin",
            "--insecure-skip-verify",
        ],
        b"p@ss w:rd\"",
    );
    assert_written(dir.path(), &want);
    assert_eq!(
        run_printed_command(&screen, dir.path(), b"p@ss w:rd\""),
        want
    );
}

#[test]
fn ctrl_c_halfway_writes_nothing_restores_the_terminal_and_exits_130() {
    let (dir, mut t) = start();
    pick(&mut t, Kind::DockerHub);
    t.answer("Docker Hub user name", "ann");
    t.at("Docker Hub access token")
        .type_keys("dckr_pat_half")
        .type_keys("\u{3}");
    let (code, out) = t.finish();
    let screen = strip_escapes(&out);
    assert_eq!(code, Some(130), "{screen}");
    assert!(
        screen.contains("phib: interrupted; nothing was written"),
        "{screen}"
    );
    assert!(!dir.path().join("values.yaml").exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "only empty-bin"
    );
    assert!(
        out.rfind("\u{1b}[?25h") > out.rfind("\u{1b}[?25l"),
        "{out:?}"
    );
}

#[test]
fn ctrl_c_in_the_registry_list_restores_the_cursor_and_exits_130() {
    let (dir, mut t) = start();
    t.expect(REGISTRY).at("self-hosted").type_keys("j\u{3}");
    let (code, out) = t.finish();
    assert_eq!(code, Some(130), "{}", strip_escapes(&out));
    assert!(out.contains("\u{1b}[?25l"), "the list hides the cursor");
    assert!(
        out.rfind("\u{1b}[?25h") > out.rfind("\u{1b}[?25l"),
        "{out:?}"
    );
    assert!(!dir.path().join("values.yaml").exists());
}

#[test]
fn esc_at_a_list_or_a_text_prompt_writes_nothing_and_exits_130() {
    for at_text in [false, true] {
        let dir = tempdir();
        let path = empty_path(dir.path());
        let mut t = Pty::spawn(dir.path(), &["wizard"], &path, &[]);
        if at_text {
            pick(&mut t, Kind::Harbor);
            t.at("Registry endpoint").type_keys("http://x");
        } else {
            t.expect(REGISTRY).at("self-hosted");
        }
        // A lone Esc, not the start of an arrow key's sequence.
        t.type_keys("\u{1b}");
        let (code, out) = t.finish();
        assert_eq!(code, Some(130), "{}", strip_escapes(&out));
        assert!(!dir.path().join("values.yaml").exists());
        assert!(
            out.rfind("\u{1b}[?25h") > out.rfind("\u{1b}[?25l"),
            "{out:?}"
        );
    }
}

#[test]
fn no_color_turns_colours_off() {
    let sgr_colour = |out: &str| out.contains("\u{1b}[3") || out.contains("\u{1b}[9");
    for (no_color, want_colour) in [(Some("1"), false), (None, true)] {
        let dir = tempdir();
        let path = empty_path(dir.path());
        let mut t = Pty::spawn(dir.path(), &[], &path, &[("NO_COLOR", no_color)]);
        t.at("self-hosted").type_keys("\u{3}");
        let (code, out) = t.finish();
        assert_eq!(code, Some(130));
        assert_eq!(
            sgr_colour(&out),
            want_colour,
            "NO_COLOR={no_color:?}: {out:?}"
        );
    }
}

/// Writes a Harbor values file with `phib render` (password `old-secret`) in `dir`; the
/// options other than the credentials are returned for later comparisons.
fn existing_harbor_file(dir: &Path) -> [&'static str; 8] {
    let keep = [
        "--registry",
        "harbor",
        "--endpoint",
        "https://harbor.example.com",
        "--push-repo",
        "harbor.example.com/ci/images",
        "--release",
        "builds",
    ];
    let mut cmd = phib();
    cmd.current_dir(dir)
        .arg("render")
        .args(keep)
        .args(["--username", "robot$ci+old", "--password-stdin"])
        .args(["--values", "values.yaml"]);
    run(&mut cmd, b"old-secret").expect_code(0);
    keep
}

#[test]
fn rotation_shows_the_block_redacted_asks_only_credentials_and_declining_writes_nothing() {
    let dir = tempdir();
    let path = empty_path(dir.path());
    existing_harbor_file(dir.path());
    let before = std::fs::read(dir.path().join("values.yaml")).unwrap();
    let mut t = Pty::spawn(dir.path(), &["wizard"], &path, &[]);
    t.expect("already configures the Image Builder");
    t.expect("registryUsername:   robot$ci+old");
    t.expect("registryPassword:   <redacted>");
    t.at("Rotate the credentials only").type_keys("\r");
    t.answer("User name (Harbor robot account", "robot$ci+new");
    t.answer("Password or robot secret", "new-secret");
    t.expect("registryUsername:   robot$ci+new");
    t.expect("pushRepo:           harbor.example.com/ci/images");
    t.expect("pushSecretName:     builds-primehub-controller-custom-image-push-secret");
    t.at("Replace the customImage block in `values.yaml`?")
        .type_keys("n\r");
    let (code, screen) = t.finish_screen();
    assert_eq!(code, Some(0), "{screen}");
    assert!(
        !screen.contains("old-secret") && !screen.contains("new-secret"),
        "{screen}"
    );
    // Only credentials were asked: no endpoint, no push repository, no registry list.
    assert!(!screen.contains("Registry endpoint"), "{screen}");
    assert!(!screen.contains("Which registry"), "{screen}");
    assert_eq!(
        std::fs::read(dir.path().join("values.yaml")).unwrap(),
        before
    );
    assert!(!dir.path().join("values.yaml.bak").exists());
}

#[test]
fn rotating_the_credentials_keeps_everything_else_and_writes_what_phib_render_writes() {
    let dir = tempdir();
    let path = empty_path(dir.path());
    let keep = existing_harbor_file(dir.path());

    let mut t = Pty::spawn(dir.path(), &[], &path, &[]);
    t.expect("already configures the Image Builder");
    t.expect("registryPassword:   <redacted>");
    t.at("Rotate the credentials only").type_keys("\r");
    t.answer("User name (Harbor robot account", "");
    t.answer("Password or robot secret", "new-secret");
    t.expect("pushRepo:           harbor.example.com/ci/images");
    t.at("Replace the customImage block in `values.yaml`?")
        .type_keys("y\r");
    t.expect("Updated the customImage block");
    no_verify(&mut t);
    let (code, screen) = t.finish_screen();
    assert_eq!(code, Some(0), "{screen}");
    assert!(
        !screen.contains("old-secret") && !screen.contains("new-secret"),
        "{screen}"
    );
    let new = [
        &keep[..],
        &["--username", "robot$ci+old", "--password-stdin"],
    ]
    .concat();
    let want = rendered(dir.path(), &new, b"new-secret");
    assert_written(dir.path(), &want);
}

e2e!(
    with_helm_on_path_declining_the_upgrade_prints_the_phib_upgrade_to_run,
    || {
        let dir = tempdir();
        let helm = tool("helm");
        let bin = helm.parent().unwrap().display().to_string();
        let mut t = Pty::spawn(
            dir.path(),
            &["wizard", "--values", "my values.yaml"],
            &bin,
            &[],
        );
        pick(&mut t, Kind::DockerHub);
        t.answer("Docker Hub user name", "ann");
        t.answer("Docker Hub access token", "dckr_pat_x");
        t.answer("[docker.io/ann]", "");
        t.at("Change the advanced options?").type_keys("y\r");
        t.answer("Registry endpoint [docker.io]", "");
        t.answer("Single push repository", "");
        t.answer("Helm release name of PrimeHub [primehub]", "hub2");
        t.at("Skip TLS verification").type_keys("n\r");
        values_mode(&mut t);
        t.at("Create `my values.yaml`?").type_keys("y\r");
        t.expect("Wrote the customImage block");
        no_verify(&mut t);
        t.at("Apply it now with helm upgrade?").type_keys("\r");
        let (code, screen) = t.finish_screen();
        assert_eq!(code, Some(0), "{screen}");
        assert!(
        screen.contains("Apply it to the running PrimeHub with:\n  phib upgrade --values 'my values.yaml' --release hub2\n"),
        "{screen}"
    );
        assert!(
            !screen.contains("helm upgrade hub2") && !screen.contains("jq"),
            "{screen}"
        );
        let want = rendered(
            dir.path(),
            &[
                "--registry",
                "dockerhub",
                "--username",
                "ann",
                "--release",
                "hub2",
                "--password-stdin",
            ],
            b"dckr_pat_x",
        );
        let got = std::fs::read(dir.path().join("my values.yaml")).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&want)
        );
    }
);

e2e!(the_recording_in_docs_is_what_the_wizard_shows, || {
    tool("tmux");
    let helm = tool("helm");
    let path = format!(
        "{}:{}",
        helm.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new(root().join("scripts/record-wizard"))
        .env("PHIB", env!("CARGO_BIN_EXE_phib"))
        .env("PATH", path)
        .output()
        .expect("run scripts/record-wizard");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = std::fs::read_to_string(root().join("docs/wizard.md")).unwrap();
    let start = doc
        .find("```text\n")
        .expect("a text block in docs/wizard.md")
        + 8;
    let end = start + doc[start..].find("```\n").unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        &doc[start..end],
        "docs/wizard.md is out of date: run scripts/record-wizard"
    );
});

e2e!(
    with_colours_on_no_line_of_a_full_run_exceeds_80_columns,
    || {
        tool("tmux");
        let helm = tool("helm");
        let path = format!(
            "{}:{}",
            helm.parent().unwrap().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        // tmux keeps a line longer than the window as one joined line in the capture.
        let out = std::process::Command::new(root().join("scripts/record-wizard"))
            .env("PHIB", env!("CARGO_BIN_EXE_phib"))
            .env("PHIB_RECORD_COLOR", "1")
            .env("PATH", path)
            .output()
            .expect("run scripts/record-wizard");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let screen = String::from_utf8(out.stdout).unwrap();
        // The colourful theme's marks, so this is not the NO_COLOR run.
        assert!(screen.contains("✔ Registry · "), "{screen}");
        assert!(screen.contains("✔ Credentials · "), "{screen}");
        let wide: Vec<&str> = screen
            .lines()
            .filter(|l| dialoguer::console::measure_text_width(l) > 80)
            .collect();
        assert!(wide.is_empty(), "{wide:#?}\n{screen}");
    }
);

#[test]
fn ctrl_c_before_a_prompt_is_ready_still_exits_130() {
    // No pause: the key may arrive while the terminal is not yet in raw mode, where it
    // is a SIGINT rather than a key; either way phib must stop, not wait at the prompt.
    for _ in 0..3 {
        let (dir, mut t) = start();
        t.expect("phib writes the customImage block").send("\u{3}");
        let (code, out) = t.finish();
        let screen = strip_escapes(&out);
        assert_eq!(code, Some(130), "{screen}");
        assert!(
            screen.contains("phib: interrupted; nothing was written"),
            "{screen}"
        );
        assert!(
            out.rfind("\u{1b}[?25h") > out.rfind("\u{1b}[?25l"),
            "{out:?}"
        );
        assert!(!dir.path().join("values.yaml").exists());
    }
}

/// In a git working tree that does not ignore `values.yaml`, the wizard says so before
/// it asks to write the password there; once `.gitignore` covers the file it does not.
#[test]
fn warns_before_writing_a_password_into_a_git_working_tree_that_does_not_ignore_it() {
    const WARNING: &str = "warning: `values.yaml` would hold the password inside a git";
    for ignored in [false, true] {
        let dir = tempdir();
        let git = tool("git");
        let st = std::process::Command::new(&git)
            .args(["init", "-q"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(st.success());
        if ignored {
            std::fs::write(dir.path().join(".gitignore"), "/values.yaml\n").unwrap();
        }
        let path = empty_path(dir.path());
        std::os::unix::fs::symlink(&git, Path::new(&path).join("git")).unwrap();
        let mut t = Pty::spawn(dir.path(), &[], &path, &[]);
        docker_hub(&mut t, "ann", "dckr_pat_s3cret");
        values_mode(&mut t);
        t.at("Create `values.yaml`?").type_keys("\u{1b}");
        let (code, screen) = t.finish_screen();
        assert_eq!(code, Some(130), "{screen}");
        let question = screen.find("Create `values.yaml`?").unwrap();
        match screen.find(WARNING) {
            Some(at) => {
                assert!(!ignored, "warned though ignored:\n{screen}");
                assert!(at < question, "{screen}");
                assert!(screen.contains(".gitignore"), "{screen}");
            }
            None => assert!(ignored, "no warning:\n{screen}"),
        }
        assert!(!dir.path().join("values.yaml").exists());
    }
}

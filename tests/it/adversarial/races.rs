//! Files changed between the read and the write: another program edits, replaces,
//! removes or links the values file or the Secret manifest while `phib render` is
//! between its read and its first write (held there by the debug-only
//! `PHIB_TEST_PAUSE_BEFORE_WRITE_MS`), and two renders of the same values file run at
//! once. phib keeps a change made beside the block, and otherwise stops with exit 2,
//! writing nothing and leaving every file as the other program left it.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;

use super::files::{render, PASSWORD};
use super::{entries, no_secret, parallel, Tally};
use crate::util::tempdir;

/// The values file's content before the run, `None` for none.
type Before = Option<&'static str>;
/// What another program does meanwhile, in the run's folder.
type Change = fn(&Path);
/// What must hold afterwards: the exit status, the folder, phib's stderr.
type Check = fn(Option<i32>, &Path, &str) -> Result<(), String>;

const OTHERS: &str = "domain: theirs.example.com\n";
/// The values file before the run, in most cases.
const MINE: &str = "domain: mine.example.com\n";
const THEIR_BLOCK: &str = "customImage:\n  registryEndpoint: \"https://theirs.example.com\"\n";

/// Rewrites `path` in place (the same inode), as an editor writing through does.
fn rewrite_in_place(path: &Path, text: &str) {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

fn read(dir: &Path, name: &str) -> Option<String> {
    fs::read_to_string(dir.join(name)).ok()
}

fn exit(code: Option<i32>, want: i32, stderr: &str) -> Result<(), String> {
    match code {
        Some(c) if c == want => Ok(()),
        other => Err(format!("exit {other:?}, not {want}:\n{stderr}")),
    }
}

fn says(stderr: &str, what: &str) -> Result<(), String> {
    if stderr.contains(what) {
        Ok(())
    } else {
        Err(format!("does not say `{what}`:\n{stderr}"))
    }
}

/// Another program writes a `customImage` block into the values file, in place.
fn write_their_block(d: &Path) {
    rewrite_in_place(&d.join("values.yaml"), &format!("{MINE}{THEIR_BLOCK}"));
}

/// phib stopped (exit 2) and said so, and the other program's block stands.
fn their_block_kept(code: Option<i32>, d: &Path, err: &str) -> Result<(), String> {
    exit(code, 2, err)?;
    says(err, "was changed by another program")?;
    let theirs = format!("{MINE}{THEIR_BLOCK}");
    same(read(d, "values.yaml"), Some(&theirs), "values.yaml")
}

/// The values file is as it was before the run.
fn values_untouched(d: &Path) -> Result<(), String> {
    same(read(d, "values.yaml"), Some(MINE), "values.yaml")
}

fn same(got: Option<String>, want: Option<&str>, what: &str) -> Result<(), String> {
    if got.as_deref() == want {
        Ok(())
    } else {
        Err(format!("{what} is {got:?}, not {want:?}"))
    }
}

/// Where the credentials go.
#[derive(Clone, Copy)]
enum Mode {
    /// In the values.
    Values,
    /// Secret mode external with `--secret-out push.yaml`.
    SecretOut,
    /// Secret mode external with `--apply`: a stand-in kubectl in `bin/` logs each
    /// call to `kubectl.log`.
    Apply,
}

/// A kubectl that logs its arguments and reads the manifest.
const KUBECTL: &str = "#!/bin/sh\necho \"$@\" >> \"$(dirname \"$0\")/../kubectl.log\"\ncat > /dev/null\necho 'secret/primehub-image-builder-push configured'\n";

struct Case {
    name: &'static str,
    before: Before,
    mode: Mode,
    change: Change,
    check: Check,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "another key changed in place",
            before: Some(MINE),
            mode: Mode::Values,
            change: |d| rewrite_in_place(&d.join("values.yaml"), OTHERS),
            check: |code, d, err| {
                exit(code, 0, err)?;
                let text = read(d, "values.yaml").unwrap_or_default();
                if !text.starts_with(OTHERS) || !text.contains("registryEndpoint") {
                    return Err(format!("their change or the block is lost:\n{text}"));
                }
                same(read(d, "values.yaml.bak"), Some(OTHERS), "the backup")
            },
        },
        Case {
            name: "the block written by another program",
            before: Some(MINE),
            mode: Mode::Values,
            change: write_their_block,
            check: their_block_kept,
        },
        Case {
            name: "the values file replaced by another file",
            before: Some(MINE),
            mode: Mode::Values,
            change: |d| {
                fs::rename(d.join("elsewhere.yaml"), d.join("values.yaml")).unwrap();
            },
            check: |code, d, err| {
                exit(code, 2, err)?;
                says(err, "was replaced by another file")?;
                same(read(d, "values.yaml"), Some(OTHERS), "values.yaml")
            },
        },
        Case {
            name: "the values file swapped for a symbolic link",
            before: Some(MINE),
            mode: Mode::Values,
            change: |d| {
                fs::remove_file(d.join("values.yaml")).unwrap();
                std::os::unix::fs::symlink("other.yaml", d.join("values.yaml")).unwrap();
            },
            check: |code, d, err| {
                exit(code, 2, err)?;
                says(err, "became a symbolic link")?;
                same(read(d, "other.yaml"), Some(OTHERS), "other.yaml")
            },
        },
        Case {
            name: "the values file removed",
            before: Some(MINE),
            mode: Mode::Values,
            change: |d| fs::remove_file(d.join("values.yaml")).unwrap(),
            check: |code, d, err| {
                exit(code, 2, err)?;
                says(err, "was removed")?;
                same(read(d, "values.yaml"), None, "values.yaml")
            },
        },
        Case {
            name: "the values file created by another program",
            before: None,
            mode: Mode::Values,
            change: |d| fs::write(d.join("values.yaml"), THEIR_BLOCK).unwrap(),
            check: |code, d, err| {
                exit(code, 2, err)?;
                says(err, "was created by another program")?;
                same(read(d, "values.yaml"), Some(THEIR_BLOCK), "values.yaml")
            },
        },
        Case {
            name: "the manifest became a symbolic link to the values file",
            before: Some(MINE),
            mode: Mode::SecretOut,
            change: |d| std::os::unix::fs::symlink("values.yaml", d.join("push.yaml")).unwrap(),
            check: |code, d, err| {
                exit(code, 2, err)?;
                values_untouched(d)
            },
        },
        Case {
            name: "a foreign file at the manifest's place",
            before: Some(MINE),
            mode: Mode::SecretOut,
            change: |d| fs::write(d.join("push.yaml"), OTHERS).unwrap(),
            check: |code, d, err| {
                exit(code, 2, err)?;
                same(read(d, "push.yaml"), Some(OTHERS), "push.yaml")?;
                values_untouched(d)
            },
        },
        Case {
            name: "the manifest became a symbolic link to another file",
            before: Some(MINE),
            mode: Mode::SecretOut,
            change: |d| std::os::unix::fs::symlink("other.yaml", d.join("push.yaml")).unwrap(),
            check: |code, d, err| {
                exit(code, 2, err)?;
                says(err, "became a symbolic link")?;
                same(read(d, "other.yaml"), Some(OTHERS), "other.yaml")?;
                values_untouched(d)
            },
        },
        Case {
            name: "a folder at the backup's place",
            before: Some(MINE),
            mode: Mode::Values,
            change: |d| fs::create_dir(d.join("values.yaml.bak")).unwrap(),
            check: |code, d, err| {
                exit(code, 2, err)?;
                says(err, "where phib keeps the old")?;
                values_untouched(d)
            },
        },
        Case {
            name: "a symbolic link at the backup's place",
            before: Some(MINE),
            mode: Mode::Values,
            change: |d| {
                std::os::unix::fs::symlink("other.yaml", d.join("values.yaml.bak")).unwrap()
            },
            check: |code, d, err| {
                exit(code, 2, err)?;
                says(err, "is a symbolic link")?;
                same(read(d, "other.yaml"), Some(OTHERS), "other.yaml")?;
                values_untouched(d)
            },
        },
        Case {
            name: "the block written while the Secret was to be applied",
            before: Some(MINE),
            mode: Mode::Apply,
            change: write_their_block,
            check: |code, d, err| {
                if let Some(log) = read(d, "kubectl.log") {
                    return Err(format!("kubectl ran before the refusal: {log}"));
                }
                their_block_kept(code, d, err)
            },
        },
    ]
}

/// Runs `phib render` in `dir`, applies `change` while phib waits between its read
/// and its first write, and returns the exit status and stderr.
fn race(dir: &Path, mode: Mode, change: Change) -> Result<(Option<i32>, String), String> {
    let mut extra = vec!["--values", "values.yaml"];
    match mode {
        Mode::Values => {}
        Mode::SecretOut => extra.extend(["--secret-mode", "external", "--secret-out", "push.yaml"]),
        Mode::Apply => extra.extend(["--secret-mode", "external", "--apply"]),
    }
    let mut cmd = render(dir, &extra);
    if let Mode::Apply = mode {
        let bin = dir.join("bin");
        fs::create_dir_all(&bin).unwrap();
        crate::util::executable(&bin.join("kubectl"), KUBECTL);
        cmd.env("PATH", format!("{}:/usr/bin:/bin", bin.display()));
    }
    cmd.env("PHIB_TEST_PAUSE_BEFORE_WRITE_MS", "1500")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            let _ = child.wait();
            return Err(format!("phib ended before its write:\n{said}"));
        }
        said.push_str(&line);
        if line.contains("test pause before write") {
            break;
        }
    }
    change(dir);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).map_err(|e| e.to_string())?;
    said.push_str(&rest);
    let status = child.wait().map_err(|e| e.to_string())?;
    Ok((status.code(), said))
}

#[test]
fn files_changed_between_the_read_and_the_write_are_never_overwritten_blindly() {
    let all = cases();
    let results = parallel(&all, 3, |case| {
        let dir = tempdir();
        let d = dir.path();
        if let Some(before) = case.before {
            fs::write(d.join("values.yaml"), before).unwrap();
        }
        fs::write(d.join("other.yaml"), OTHERS).unwrap();
        fs::write(d.join("elsewhere.yaml"), OTHERS).unwrap();
        let (code, stderr) = race(d, case.mode, case.change)?;
        no_secret("stderr", &stderr, &[PASSWORD])?;
        (case.check)(code, d, &stderr)?;
        // No temporary file of phib's is left behind.
        let left: Vec<String> = entries(d)
            .into_iter()
            .filter(|e| e.starts_with(".phib-"))
            .collect();
        if !left.is_empty() {
            return Err(format!("temporary files left: {left:?}"));
        }
        // The password reaches no file but the values file and its manifest.
        for name in ["other.yaml", "elsewhere.yaml"] {
            if read(d, name).is_some_and(|t| t.contains(PASSWORD)) {
                return Err(format!("the password reached `{name}`"));
            }
        }
        Ok(())
    });
    let mut tally = Tally::new("files changed between read and write");
    for (case, r) in all.iter().zip(results) {
        tally.attempt(case.name, r);
    }
    tally.finish();
}

/// Two renders of the same values file at once, each naming its own Secret: the
/// values file and the Secret manifest always come from the same run. The second run
/// starts in the worst place: right after the first has written the values file and
/// while it is about to write the Secret manifest.
#[test]
fn two_runs_at_once_leave_values_and_secret_from_one_run() {
    let mut tally = Tally::new("two runs at once");
    for round in 0..4 {
        let dir = tempdir();
        let d = dir.path();
        fs::write(d.join("values.yaml"), "domain: mine.example.com\n").unwrap();
        let start = |name: &str, pause: &str| {
            let mut cmd = render(
                d,
                &[
                    "--values",
                    "values.yaml",
                    "--secret-mode",
                    "external",
                    "--secret-out",
                    "push.yaml",
                    "--secret-name",
                ],
            );
            cmd.arg(name)
                .env("PHIB_TEST_PAUSE_BEFORE_RENAME_MS", pause)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
            cmd.spawn().unwrap()
        };
        let a = start("push-a", "800");
        // Once the first run's values are in place, the second starts.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !read(d, "values.yaml").is_some_and(|t| t.contains("push-a"))
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let b = start("push-b", "0");
        let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
        let result = (|| {
            for out in &outs {
                let err = String::from_utf8_lossy(&out.stderr);
                exit(out.status.code(), 0, &err)?;
            }
            let values = read(d, "values.yaml").unwrap_or_default();
            let manifest = read(d, "push.yaml").unwrap_or_default();
            let named = ["push-a", "push-b"]
                .into_iter()
                .find(|n| values.contains(&format!("pushSecretName: \"{n}\"")))
                .ok_or_else(|| format!("no Secret named in the values:\n{values}"))?;
            if !manifest.contains(&format!("name: \"{named}\""))
                && !manifest.contains(&format!("name: {named}\n"))
            {
                return Err(format!(
                    "the values name `{named}`, the manifest is another run's:\n{manifest}"
                ));
            }
            Ok(())
        })();
        tally.attempt(&format!("round {round}"), result);
    }
    tally.finish();
}

/// Where the Secret manifest cannot be written (a read-only file system), phib finds it
/// before it writes the values, not after.
#[test]
fn a_read_only_place_for_the_manifest_is_found_before_the_values_are_written() {
    let dir = tempdir();
    let d = dir.path();
    fs::create_dir(d.join("ro")).unwrap();
    fs::write(d.join("values.yaml"), "domain: mine.example.com\n").unwrap();
    let phib = env!("CARGO_BIN_EXE_phib");
    let script = format!(
        "mount -t tmpfs -o ro tmpfs ro || exit 77; PHIB_REGISTRY_PASSWORD={PASSWORD} exec {phib} render --registry harbor --endpoint https://reg.example.com --username 'robot$ci' --push-repo-prefix reg.example.com/team --values values.yaml --secret-mode external --secret-out ro/push.yaml"
    );
    let out = std::process::Command::new("unshare")
        .args(["-m", "sh", "-c", &script])
        .current_dir(d)
        .env("KUBECONFIG", "/nonexistent")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(77) || err.contains("unshare failed") {
        eprintln!("adversarial: no private mount namespace here; read-only case skipped");
        return;
    }
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("read-only file system"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(
        read(d, "values.yaml").as_deref(),
        Some("domain: mine.example.com\n")
    );
}

/// A full disk: the error names the user's file once and says it is unchanged, and the
/// previous backup is still there.
#[test]
fn a_full_disk_names_the_values_file_and_keeps_the_old_backup() {
    let dir = tempdir();
    let d = dir.path();
    let phib = env!("CARGO_BIN_EXE_phib");
    let filler = "x".repeat(64 * 1024);
    let script = format!(
        "mount -t tmpfs -o size=256k tmpfs . || exit 77; cd . ; printf 'domain: mine.example.com\\n' > values.yaml; printf 'the backup before\\n' > values.yaml.bak; i=0; while printf '{filler}' > fill.$i 2>/dev/null; do i=$((i+1)); done; PHIB_REGISTRY_PASSWORD={PASSWORD} {phib} render --registry harbor --endpoint https://reg.example.com --username 'robot$ci' --push-repo-prefix reg.example.com/team --values values.yaml; code=$?; cat values.yaml values.yaml.bak; ls -a; exit $code"
    );
    let work = d.join("disk");
    fs::create_dir(&work).unwrap();
    let out = std::process::Command::new("unshare")
        .args([
            "-m",
            "sh",
            "-c",
            &format!("cd {} && {script}", work.display()),
        ])
        .env("KUBECONFIG", "/nonexistent")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.code() == Some(77) {
        eprintln!("adversarial: no private mount namespace here; full-disk case skipped");
        return;
    }
    assert_eq!(out.status.code(), Some(1), "{err}\n{stdout}");
    assert_eq!(
        err.matches("values.yaml").count(),
        1,
        "the file is named once: {err}"
    );
    assert!(err.contains("it is unchanged"), "{err}");
    assert!(!err.contains(".phib-"), "{err}");
    assert!(
        stdout.starts_with("domain: mine.example.com\nthe backup before\n"),
        "{stdout}"
    );
    assert!(!stdout.contains(".phib-"), "temporary files left: {stdout}");
}

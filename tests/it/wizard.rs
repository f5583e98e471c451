//! The wizard, run for real: the `phib` binary on a pseudo-terminal (see `pty.rs`),
//! keys sent as a person would type them. Every file the wizard writes is compared byte
//! for byte with what the equivalent `phib render` command writes.

use std::path::Path;

use crate::pty::{strip_escapes, Pty};
use crate::util::*;

/// A `PATH` with nothing on it: no `helm` to find.
fn empty_path(dir: &Path) -> String {
    let bin = dir.join("empty-bin");
    std::fs::create_dir_all(&bin).unwrap();
    bin.display().to_string()
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
fn ctrl_c_halfway_writes_nothing_restores_the_cursor_and_exits_130() {
    let dir = tempdir();
    let path = empty_path(dir.path());
    let mut t = Pty::spawn(dir.path(), &[], &path, &[]);
    t.expect("Which registry")
        .send("\r")
        .expect("Username")
        .send("ann");
    t.send("\u{3}");
    let (code, out) = t.finish();
    assert_eq!(code, Some(130), "{}", strip_escapes(&out));
    assert!(strip_escapes(&out).contains("phib: interrupted; nothing was written"));
    assert!(!dir.path().join("values.yaml").exists());
    let hidden = out.rfind("\u{1b}[?25l");
    let shown = out.rfind("\u{1b}[?25h");
    assert!(shown > hidden, "the cursor is left hidden:\n{out:?}");
}

#[test]
fn esc_at_the_registry_list_writes_nothing_and_exits_130() {
    let dir = tempdir();
    let path = empty_path(dir.path());
    let mut t = Pty::spawn(dir.path(), &["wizard"], &path, &[]);
    t.expect("Which registry");
    std::thread::sleep(std::time::Duration::from_millis(100));
    t.send("\u{1b}");
    let (code, out) = t.finish();
    assert_eq!(code, Some(130), "{}", strip_escapes(&out));
    assert!(!dir.path().join("values.yaml").exists());
    let hidden = out.rfind("\u{1b}[?25l");
    let shown = out.rfind("\u{1b}[?25h");
    assert!(shown > hidden, "the cursor is left hidden:\n{out:?}");
}

#[test]
fn ctrl_c_in_the_registry_list_restores_the_cursor_and_exits_130() {
    let dir = tempdir();
    let path = empty_path(dir.path());
    let mut t = Pty::spawn(dir.path(), &[], &path, &[]);
    t.expect("Which registry").send("j").send("\u{3}");
    let (code, out) = t.finish();
    assert_eq!(code, Some(130), "{}", strip_escapes(&out));
    assert!(out.contains("\u{1b}[?25l"), "the list hides the cursor");
    assert!(
        out.rfind("\u{1b}[?25h") > out.rfind("\u{1b}[?25l"),
        "{out:?}"
    );
    assert!(!dir.path().join("values.yaml").exists());
}

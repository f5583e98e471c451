//! Files changed while the wizard waits at its confirmation, on a real pseudo-terminal:
//! the values file read before the questions is checked again when it is written, so
//! a block another program wrote meanwhile is never replaced, a change beside the block
//! is kept, and a manifest path turned into a link to the values file stops the wizard
//! before it writes anything.

use std::fs;

use super::external::external_mode_to_default_file;
use super::*;

const THEIR_BLOCK: &str = "customImage:\n  registryEndpoint: \"https://theirs.example.com\"\n  pushRepoPrefix: \"theirs.example.com/team\"\n";

/// Rewrites `path` in place (the same file), as an editor writing through does.
fn rewrite_in_place(path: &Path, text: &str) {
    use std::io::Write;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap_or_default()
}

#[test]
fn a_values_file_written_while_the_wizard_waits_is_not_replaced() {
    let (dir, mut t) = start();
    docker_hub(&mut t, "Ann", "dckr_pat_s3cret");
    values_mode(&mut t);
    t.at("Create `values.yaml`?");
    fs::write(dir.path().join("values.yaml"), THEIR_BLOCK).unwrap();
    t.type_keys("y\r");
    let (code, screen) = t.finish_screen();
    assert_eq!(code, Some(2), "{screen}");
    assert!(
        screen.contains("was created by another program"),
        "{screen}"
    );
    assert!(screen.contains("nothing was written"), "{screen}");
    assert_eq!(read(dir.path(), "values.yaml"), THEIR_BLOCK);
    assert!(!screen.contains("s3cret"), "{screen}");
}

#[test]
fn a_block_written_into_the_file_while_the_wizard_waits_stops_it() {
    let dir = tempdir();
    let path = dir.path().join("values.yaml");
    fs::write(&path, "domain: mine.example.com\n").unwrap();
    let mut t = Pty::spawn(dir.path(), &[], &empty_path(dir.path()), &[]);
    docker_hub(&mut t, "Ann", "dckr_pat_s3cret");
    values_mode(&mut t);
    t.at("Add the customImage block to `values.yaml`?");
    let theirs = format!("domain: mine.example.com\n{THEIR_BLOCK}");
    rewrite_in_place(&path, &theirs);
    t.type_keys("y\r");
    let (code, screen) = t.finish_screen();
    assert_eq!(code, Some(2), "{screen}");
    assert!(
        screen.contains("was changed by another program"),
        "{screen}"
    );
    assert_eq!(read(dir.path(), "values.yaml"), theirs);
    assert!(!dir.path().join("values.yaml.bak").exists());
}

#[test]
fn a_change_beside_the_block_while_the_wizard_waits_is_kept() {
    let dir = tempdir();
    let path = dir.path().join("values.yaml");
    fs::write(&path, "domain: mine.example.com\n").unwrap();
    let mut t = Pty::spawn(dir.path(), &[], &empty_path(dir.path()), &[]);
    docker_hub(&mut t, "Ann", "dckr_pat_s3cret");
    values_mode(&mut t);
    t.at("Add the customImage block to `values.yaml`?");
    rewrite_in_place(&path, "domain: theirs.example.com\n");
    t.type_keys("y\r");
    no_verify(&mut t);
    let (code, screen) = t.finish_screen();
    assert_eq!(code, Some(0), "{screen}");
    let text = read(dir.path(), "values.yaml");
    assert!(
        text.starts_with("domain: theirs.example.com\ncustomImage:\n"),
        "{text}"
    );
    assert!(text.contains("registryEndpoint"), "{text}");
}

#[test]
fn a_manifest_path_turned_into_a_link_to_the_values_file_stops_the_wizard_first() {
    let dir = tempdir();
    let path = dir.path().join("values.yaml");
    fs::write(&path, "domain: mine.example.com\n").unwrap();
    let mut t = Pty::spawn(dir.path(), &[], &empty_path(dir.path()), &[]);
    docker_hub(&mut t, "Ann", "dckr_pat_s3cret");
    external_mode_to_default_file(&mut t);
    t.at("Add the customImage block to `values.yaml`?");
    std::os::unix::fs::symlink("values.yaml", dir.path().join("push-secret.yaml")).unwrap();
    t.type_keys("y\r");
    let (code, screen) = t.finish_screen();
    assert_eq!(code, Some(2), "{screen}");
    // Nothing was written: the values file is as it was, the link still a link.
    assert_eq!(
        read(dir.path(), "values.yaml"),
        "domain: mine.example.com\n"
    );
    assert!(fs::symlink_metadata(dir.path().join("push-secret.yaml"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(!screen.contains("s3cret"), "{screen}");
}

//! The command-line skeleton: exit statuses, help, completions and the man page.

use crate::util::*;

#[test]
fn no_command_without_terminal_exits_2_with_a_hint() {
    let r = phib_run::<_, &str>([]);
    r.expect_code(2);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.starts_with("phib: "), "{}", r.stderr);
    assert!(r.stderr.contains("phib render"), "{}", r.stderr);
}

#[test]
fn unknown_flag_is_usage_error() {
    let r = phib_run(["compact", "--no-such-flag"]);
    r.expect_code(2);
    assert!(r.stdout.is_empty());
}

#[test]
fn help_and_version_exit_0() {
    phib_run(["--help"]).expect_code(0);
    let r = phib_run(["--version"]);
    r.expect_code(0);
    assert!(r.stdout_str().starts_with("phib "));
}

#[test]
fn completions_for_every_shell_mention_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let r = phib_run(["completions", shell]);
        r.expect_code(0);
        assert!(r.stdout_str().contains("compact"), "{shell}");
    }
}

#[test]
fn man_page_is_roff_from_the_clap_definition() {
    let r = phib_run(["man"]);
    r.expect_code(0);
    let page = r.stdout_str();
    assert!(
        page.starts_with(".ie") || page.contains(".TH phib"),
        "{page}"
    );
    assert!(page.contains("compact"));
}

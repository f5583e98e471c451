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

#[test]
fn a_value_the_yaml_parser_rejects_is_never_quoted_in_an_error() {
    let dir = tempdir();
    let path = dir.path().join("v.yaml");
    std::fs::write(
        &path,
        "customImage:\n  registryEndpoint: quay.io\n  registryPassword: !!int S3CR3T-xyz\n",
    )
    .unwrap();
    let v = path.to_str().unwrap();
    let commands: [&[&str]; 5] = [
        &["show", "--values", v],
        &["verify", "--values", v],
        &["upgrade", "--values", v, "--dry-run"],
        &["render", "--registry", "quay", "--rotate", "--values", v],
        &[
            "render",
            "--registry",
            "quay",
            "--username",
            "acme+bot",
            "--values",
            v,
        ],
    ];
    for args in commands {
        let r = run(phib().args(args).env("PHIB_REGISTRY_PASSWORD", "new"), b"");
        r.expect_code(2);
        assert!(!r.stderr.contains("S3CR3T"), "{args:?}: {}", r.stderr);
        assert!(!r.stdout_str().contains("S3CR3T"), "{args:?}");
        assert!(r.stderr.contains("line 3"), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("help: "), "{args:?}: {}", r.stderr);
    }
}

/// Every `phib-COMMAND(1)` a page refers to is one of the pages written, and every
/// visible command has one.
#[test]
fn man_out_dir_writes_a_page_for_every_page_referred_to() {
    let dir = tempdir();
    let out = dir.path().join("man1");
    phib_run(["man", "--out-dir", out.to_str().unwrap()]).expect_code(0);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for cmd in [
        "compact",
        "wizard",
        "render",
        "completions",
        "upgrade",
        "show",
        "verify",
    ] {
        assert!(names.contains(&format!("phib-{cmd}.1")), "{names:?}");
    }
    assert!(names.contains(&"phib.1".to_string()), "{names:?}");
    // The top page printed on stdout is the same as `phib.1`.
    let top = phib_run(["man"]);
    top.expect_code(0);
    assert_eq!(top.stdout, std::fs::read(out.join("phib.1")).unwrap());
    for name in &names {
        let page = std::fs::read_to_string(out.join(name)).unwrap();
        let mut rest = page.as_str();
        while let Some(i) = rest.find("phib\\-") {
            rest = &rest[i + 6..];
            let end = rest.find('(').unwrap_or(0);
            let referred = format!("phib-{}.1", &rest[..end]);
            if rest[end..].starts_with("(1)") {
                assert!(
                    names.contains(&referred),
                    "{name} names {referred}: {names:?}"
                );
            }
        }
    }
}

/// `phib render`'s registry options come from the field list: every field has its flag,
/// value name and help there, and `--push-repo-prefix` still excludes `--push-repo`.
#[test]
fn render_options_are_the_field_list() {
    use phib::registry::FieldId;
    let r = phib_run(["render", "--help"]);
    r.expect_code(0);
    let flat = r
        .stdout_str()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for id in FieldId::ALL {
        let usage = match id.value_name() {
            Some(value) => format!("{} <{value}>", id.flag()),
            None => id.flag().to_string(),
        };
        assert!(flat.contains(&usage), "{usage}: {flat}");
        let help = id.help().split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(&help), "{help}: {flat}");
    }
    let both = phib_run([
        "render",
        "--registry",
        "harbor",
        "--push-repo-prefix",
        "a.io/x",
        "--push-repo",
        "a.io/x/y",
    ]);
    both.expect_code(2);
    assert!(
        both.stderr.contains("cannot be used with"),
        "{}",
        both.stderr
    );
}

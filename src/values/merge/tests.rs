//! Golden cases for the merge: input file and block in, exact bytes out.

use super::*;

const BLOCK: &str = "customImage:\n  registryEndpoint: \"https://gcr.io\"\n  registryUsername: \"_json_key\"\n  registryPassword: \"s3cret\"\n  pushRepoPrefix: \"gcr.io/p\"\n";

#[test]
fn appends_when_there_is_no_block() {
    assert_eq!(merge("a: 1", BLOCK).unwrap(), format!("a: 1\n{BLOCK}"));
    assert_eq!(
        merge("a: 1\n# end\n", BLOCK).unwrap(),
        format!("a: 1\n# end\n{BLOCK}")
    );
    assert_eq!(merge("", BLOCK).unwrap(), BLOCK);
    assert_eq!(
        merge("# only a comment\n", BLOCK).unwrap(),
        format!("# only a comment\n{BLOCK}")
    );
}

#[test]
fn fills_an_empty_block() {
    let old = "a: 1\ncustomImage:   # ours\nb: 2\n";
    let want = format!(
        "a: 1\ncustomImage:   # ours\n{}b: 2\n",
        &BLOCK["customImage:\n".len()..]
    );
    assert_eq!(merge(old, BLOCK).unwrap(), want);
    let old = "customImage: ~ # x\nb: 2\n";
    let want = format!(
        "customImage: # x\n{}b: 2\n",
        &BLOCK["customImage:\n".len()..]
    );
    assert_eq!(merge(old, BLOCK).unwrap(), want);
    let old = "customImage: {}\n";
    assert_eq!(merge(old, BLOCK).unwrap(), BLOCK);
}

#[test]
fn replaces_in_place_keeping_indent_comments_and_unmanaged_keys() {
    let old = "customImage:\n    buildJob:\n        image: x   # img\n    registryEndpoint: old  # where\n    pushRepo: |\n        a\n\n        b\n    # trailing note\n    other: 1\nz: 2\n";
    let want = "customImage:\n    buildJob:\n        image: x   # img\n    registryEndpoint: \"https://gcr.io\"  # where\n    registryUsername: \"_json_key\"\n    registryPassword: \"s3cret\"\n    pushRepoPrefix: \"gcr.io/p\"\n    # trailing note\n    other: 1\nz: 2\n";
    let got = merge(old, BLOCK).unwrap();
    assert_eq!(got, want);
    assert_eq!(merge(&got, BLOCK).unwrap(), got);
}

#[test]
fn inserts_new_keys_before_the_first_following_managed_key() {
    let old = "customImage:\n  buildJob: {}\n  pushRepoPrefix: x\n";
    let got = merge(old, BLOCK).unwrap();
    assert_eq!(
        got,
        "customImage:\n  buildJob: {}\n  registryEndpoint: \"https://gcr.io\"\n  registryUsername: \"_json_key\"\n  registryPassword: \"s3cret\"\n  pushRepoPrefix: \"gcr.io/p\"\n"
    );
}

#[test]
fn keeps_crlf_and_a_missing_final_newline() {
    let old = "a: 1\r\ncustomImage:\r\n  pushRepo: x";
    let got = merge(old, BLOCK).unwrap();
    assert!(
        got.starts_with("a: 1\r\ncustomImage:\r\n  registryEndpoint"),
        "{got:?}"
    );
    assert!(!got.contains("pushRepo:"), "{got:?}");
    assert!(
        got.ends_with("  pushRepoPrefix: \"gcr.io/p\"\r\n"),
        "{got:?}"
    );
    assert_eq!(merge(&got, BLOCK).unwrap(), got);
}

#[test]
fn removing_every_managed_key_leaves_the_rest() {
    let old = "customImage:\n  registryEndpoint: x\n  buildJob:\n    image: y\n";
    assert_eq!(
        merge(old, "customImage:\n").unwrap(),
        "customImage:\n  buildJob:\n    image: y\n"
    );
}

#[test]
fn refusals_are_usage_errors() {
    for bad in [
        "a: [\n",
        "a: 1\n---\nb: 2\n",
        "customImage: 3\n",
        "customImage: {a: 1}\n",
        "customImage: &ci\n  a: 1\n",
        "base: &b\n  a: 1\ncustomImage: *b\n",
        "customImage:\n  <<: {a: 1}\n",
        "x: &x 1\ncustomImage:\n  buildJob: *x\n",
        "customImage:\n  buildJob:\n    image: &img x\ny: *img\n",
        "customImage:\n  registryPassword: |\n    \tx\n",
        "- a\n- b\n",
        "a: 1\n...\n",
    ] {
        let err = merge(bad, BLOCK).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{bad:?}: {}", err.message);
        assert!(err.help.is_some(), "{bad:?}");
    }
}

#[test]
fn the_guard_catches_a_changed_key() {
    let err = guard("a: 1\n", &format!("a: 2\n{BLOCK}"), BLOCK).unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(
        err.message.contains("this is a bug in phib"),
        "{}",
        err.message
    );
    assert!(err.message.contains("`a`"), "{}", err.message);
    let err = guard("a: 1\n", "a: 1\ncustomImage:\n  pushRepo: x\n", BLOCK).unwrap_err();
    assert!(
        err.message.contains("`customImage.registryEndpoint`"),
        "{}",
        err.message
    );
    guard("a: 1\n", &format!("a: 1\n{BLOCK}"), BLOCK).unwrap();
}

const SMALL: &str =
    "customImage:\n  registryEndpoint: \"docker.io\"\n  pushRepo: \"docker.io/me/img\"\n";

#[test]
fn golden_cases() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "byte order mark and document start",
            "\u{feff}%YAML 1.2\n---\na: 1\ncustomImage:\n  pushRepo: old\n",
            "\u{feff}%YAML 1.2\n---\na: 1\ncustomImage:\n  registryEndpoint: \"docker.io\"\n  pushRepo: \"docker.io/me/img\"\n",
        ),
        (
            "quoted keys",
            "\"customImage\":\n  'pushRepo': old # c\n  \"buildJob\": {}\n",
            "\"customImage\":\n  registryEndpoint: \"docker.io\"\n  pushRepo: \"docker.io/me/img\" # c\n  \"buildJob\": {}\n",
        ),
        (
            "column-0 comment inside the block and a compact sequence",
            "customImage:\n  extra:\n  - a\n  - b\n# about pushRepo\n  pushRepo: old\n  registryPassword: x\nz: 1\n",
            "customImage:\n  extra:\n  - a\n  - b\n  registryEndpoint: \"docker.io\"\n# about pushRepo\n  pushRepo: \"docker.io/me/img\"\nz: 1\n",
        ),
        (
            "customImage nested elsewhere or inside a string is not the block",
            "jupyterhub:\n  customImage:\n    pushRepo: keep\nscript: |\n  customImage:\n    pushRepo: keep\n",
            "jupyterhub:\n  customImage:\n    pushRepo: keep\nscript: |\n  customImage:\n    pushRepo: keep\ncustomImage:\n  registryEndpoint: \"docker.io\"\n  pushRepo: \"docker.io/me/img\"\n",
        ),
        (
            "block at the end without a final newline",
            "a: 1\ncustomImage:\n  buildJob: {}",
            "a: 1\ncustomImage:\n  registryEndpoint: \"docker.io\"\n  pushRepo: \"docker.io/me/img\"\n  buildJob: {}",
        ),
        (
            "unchanged value keeps its quoting and comment",
            "customImage:\n  registryEndpoint: docker.io   # hub\n  pushRepo: 'docker.io/me/img'\n",
            "customImage:\n  registryEndpoint: docker.io   # hub\n  pushRepo: 'docker.io/me/img'\n",
        ),
    ];
    for (name, old, want) in cases {
        let got = merge(old, SMALL).unwrap_or_else(|e| panic!("{name}: {}", e.message));
        assert_eq!(got, *want, "{name}");
        assert_eq!(merge(&got, SMALL).unwrap(), got, "{name}: not idempotent");
    }
}

#[test]
fn a_value_yaml_1_1_reads_otherwise_is_rewritten_not_kept() {
    // YAML 1.2 reads each of these plain scalars as the string phib would render; helm's
    // YAML 1.1 reads a number, a bool or a null. Kept as written, the chart would get that.
    let mut tried = Vec::new();
    for (password, user) in [
        ("0123456", "me"),
        ("0x1F", "me"),
        ("1_000", "me"),
        ("190:20:30", "me"),
        ("s3cret", "yes"),
        ("s3cret", "on"),
        ("s3cret", "y"),
        ("2001-12-14", "me"),
    ] {
        let block = format!(
            "customImage:\n  registryEndpoint: \"https://gcr.io\"\n  registryUsername: \"{user}\"\n  registryPassword: \"{password}\"\n"
        );
        let old = format!(
            "customImage:\n  registryEndpoint: \"https://gcr.io\"\n  registryUsername: {user}\n  registryPassword: {password} # typed by hand\n"
        );
        let doc: Value = serde_yaml::from_str(&old).unwrap();
        if doc[BLOCK_KEY]["registryPassword"].as_str() != Some(password)
            || doc[BLOCK_KEY]["registryUsername"].as_str() != Some(user)
        {
            // Not a string to YAML 1.2 either: an ordinary change.
            continue;
        }
        tried.push(password);
        let new = merge(&old, &block).unwrap();
        assert_ne!(new, old, "{password} / {user}: kept as written");
        assert!(
            new.contains(&format!("registryPassword: \"{password}\""))
                || yaml11_reads_a_string(password),
            "{new}"
        );
        assert!(
            new.contains(&format!("registryUsername: \"{user}\"")) || yaml11_reads_a_string(user),
            "{new}"
        );
    }
    assert!(tried.len() >= 6, "only {tried:?} are strings to YAML 1.2");
    // Unambiguous plain scalars and quoted ones stay as written.
    let old = "customImage:\n  registryEndpoint: https://gcr.io\n  registryUsername: '0123'\n  registryPassword: s3cret\n";
    let block = "customImage:\n  registryEndpoint: \"https://gcr.io\"\n  registryUsername: \"0123\"\n  registryPassword: \"s3cret\"\n";
    assert_eq!(merge(old, block).unwrap(), old);
    for plain in ["s3cret", "robot$ci", "p@ss", "abc123", "1a-b"] {
        assert!(yaml11_reads_a_string(plain) || plain == "1a-b", "{plain}");
    }
    for ambiguous in [
        "012", "+12", "-.5", ".inf", "-.Inf", "NO", "~", "1e3", "12:30", "<<",
    ] {
        assert!(!yaml11_reads_a_string(ambiguous), "{ambiguous}");
    }
}

#[test]
fn appending_to_a_file_with_a_byte_order_mark_and_no_final_newline() {
    let block = "customImage:\n  registryEndpoint: \"docker.io\"\n";
    let new = merge("\u{feff}a: 1", block).unwrap();
    assert_eq!(new, format!("\u{feff}a: 1\n{block}"));
}

//! `docs/gitops.md` stays true: its shell blocks run in order in a fresh git working
//! tree (the real git), with the certificate fixture standing for the one
//! `kubeseal --fetch-cert` would fetch from a cluster; the files they write are what the
//! page shows, the commits hold what it says, and no secret reaches the repository. Its
//! YAML blocks (Argo CD, Flux, helmfile) are YAML.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde::Deserialize;
use serde_json::Value;

use crate::util::*;

const ROBOT_SECRET: &str = "first-r0bot-s3cret";
const NEW_ROBOT_SECRET: &str = "second-r0bot-s3cret";

/// The fenced blocks of `lang` in `page`, in order.
fn blocks<'a>(page: &'a str, lang: &str) -> Vec<&'a str> {
    let open = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find(&open) {
        let body = &rest[start + open.len()..];
        let end = body.find("```").expect("block end");
        out.push(&body[..end]);
        rest = &body[end..];
    }
    out
}

/// The block of `lang` right after the paragraph holding `marker`.
fn block_after<'a>(page: &'a str, marker: &str, lang: &str) -> &'a str {
    let from = page.find(marker).unwrap_or_else(|| panic!("no `{marker}`"));
    blocks(&page[from..], lang)[0]
}

/// A command line in `dir`: phib first on `PATH`, the page's variables set, git with
/// an identity and no global configuration.
fn sh(dir: &Path, line: &str) -> Run {
    let bin = Path::new(env!("CARGO_BIN_EXE_phib")).parent().unwrap();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(line)
        .current_dir(dir)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("HOME", dir)
        .env("ROBOT_SECRET", ROBOT_SECRET)
        .env("NEW_ROBOT_SECRET", NEW_ROBOT_SECRET)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "ops")
        .env("GIT_AUTHOR_EMAIL", "ops@example.com")
        .env("GIT_COMMITTER_NAME", "ops")
        .env("GIT_COMMITTER_EMAIL", "ops@example.com")
        .env("KUBECONFIG", "/nonexistent/phib-test-kubeconfig")
        .env_remove("PHIB_REGISTRY_PASSWORD");
    run(&mut cmd, b"")
}

/// A SealedSecret document with its sealed values blanked: what can be compared.
fn masked(text: &str) -> Value {
    let mut doc: Value = serde_yaml::from_str(text).unwrap();
    for v in doc["spec"]["encryptedData"]
        .as_object_mut()
        .unwrap()
        .values_mut()
    {
        *v = Value::Null;
    }
    doc
}

#[test]
fn the_gitops_page_runs_and_writes_what_it_shows() {
    let page = fs::read_to_string(root().join("docs/gitops.md")).unwrap();
    let dir = tempdir();
    sh(dir.path(), "git init -q").expect_code(0);
    let mut ran = Vec::new();
    for block in blocks(&page, "sh") {
        let joined = block.replace("\\\n", " ");
        for line in joined.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if line.starts_with("kubeseal ") {
                // Needs a cluster: the fixture stands for what it fetches.
                assert_eq!(line, "kubeseal --fetch-cert > sealing-cert.pem");
                fs::copy(
                    root().join("tests/fixtures/sealed/rsa-2048.pem"),
                    dir.path().join("sealing-cert.pem"),
                )
                .unwrap();
                continue;
            }
            let r = sh(dir.path(), line);
            assert_eq!(r.code, Some(0), "{line}\n{}", r.stderr);
            for secret in [ROBOT_SECRET, NEW_ROBOT_SECRET] {
                assert!(!r.stderr.contains(secret) && !r.stdout_str().contains(secret));
            }
            ran.push(
                line.split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
    }
    // The page seals, commits, rotates and commits again.
    assert_eq!(
        ran,
        [
            "printf '%s\\n'",
            "git add",
            "git commit",
            "printf '%s\\n'",
            "git commit"
        ],
        "the page's commands"
    );

    // What step 2 shows is what was written (the values did not change since).
    let values = fs::read_to_string(dir.path().join("values.yaml")).unwrap();
    assert_eq!(
        values,
        block_after(&page, "`values.yaml` gets the block", "yaml")
    );
    let sealed = fs::read_to_string(dir.path().join("push-secret.sealed.yaml")).unwrap();
    let shown = block_after(
        &page,
        "and `push-secret.sealed.yaml` the SealedSecret",
        "yaml",
    );
    assert_eq!(masked(&sealed), masked(shown));
    // The layout too: every line but the sealed value's.
    for (got, want) in sealed.lines().zip(shown.lines()) {
        if !want.contains("AgB…") {
            assert_eq!(got, want);
        }
    }

    // Two commits: both files (and the certificate), then only the SealedSecret.
    let log = sh(dir.path(), "git log --format=%s").stdout_str();
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        [
            "PrimeHub: rotate the registry login",
            "PrimeHub: build images into harbor.example.com"
        ]
    );
    let first = sh(dir.path(), "git show --name-only --format= HEAD~1").stdout_str();
    let mut first: Vec<&str> = first.lines().filter(|l| !l.is_empty()).collect();
    first.sort();
    assert_eq!(
        first,
        ["push-secret.sealed.yaml", "sealing-cert.pem", "values.yaml"]
    );
    let second = sh(dir.path(), "git show --name-only --format= HEAD").stdout_str();
    assert_eq!(second.trim(), "push-secret.sealed.yaml");
    // No secret anywhere in the history, in any commit.
    for secret in [ROBOT_SECRET, NEW_ROBOT_SECRET] {
        let r = sh(
            dir.path(),
            &format!("git log -p --all | grep -c '{secret}'"),
        );
        assert_eq!(r.stdout_str().trim(), "0", "{secret} in the history");
    }

    // The configuration blocks are YAML (one or more documents each).
    let yaml = blocks(&page, "yaml");
    assert_eq!(
        yaml.len(),
        5,
        "values, SealedSecret, Argo CD, Flux, helmfile"
    );
    for block in yaml {
        for doc in serde_yaml::Deserializer::from_str(block) {
            serde_yaml::Value::deserialize(doc)
                .unwrap_or_else(|e| panic!("not YAML ({e}):\n{block}"));
        }
    }
}

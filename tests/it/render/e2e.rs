//! End-to-end: what `phib render` writes, rendered by the real `helm template` of the
//! fixture chart (which builds the push Secret and ConfigMap as PrimeHub's chart does),
//! gives back exactly `username:password`; a keyfile gives exactly `jq -c .`.

use std::path::Path;

use super::{keyfile, render_in};
use crate::util::*;

const E2E: &str = "end-to-end: needs helm and jq; run ./scripts/test";

/// The passwords that break naive YAML or JSON writers, plus random printable ASCII.
fn tricky_passwords() -> Vec<String> {
    let mut v: Vec<String> = [
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "true",
        "False",
        "NULL",
        "null",
        "~",
        "0x1F",
        "0o17",
        "017",
        "1e3",
        "1_000",
        ".inf",
        "-.Inf",
        ".NaN",
        "2026-11-27",
        "2026-11-27T10:00:00Z",
        "12:30:45",
        "*a",
        "&a",
        "!t",
        "!!str",
        "%x",
        "@x",
        "`x",
        "#x",
        "a #b",
        "a: b",
        "a:b",
        "- a",
        "? a",
        "[a]",
        "{a: b}",
        "|",
        ">",
        "'",
        "\"",
        "\\",
        "\\n",
        "a\"b'c",
        " lead",
        "trail ",
        " both ",
        "tab\there",
        "\ttab",
        "new\nline",
        "ends with newline\n",
        "cr\rhere",
        "\u{1b}[31mred",
        "bom\u{feff}",
        "é",
        "日本語パスワード",
        "emoji 😀🔑",
        "{{ .Values.x }}",
        "{{- include \"x\" . }}",
        "{% raw %}",
        "${HOME}",
        "$(id)",
        "p@ss w:rd\"",
        "robot$ci",
        "---",
        "...",
        "<<",
        "=",
        "a,b",
        "%",
        "%2F",
        "ü:ß",
        "dckr_pat_Abc-123_xyz",
        "ghp_ABCdef0123456789",
        "   ",
        ":",
        "::",
        "a\\\"b",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // xorshift: deterministic, so a failure can be reproduced.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..40 {
        let len = 1 + (next() % 40) as usize;
        v.push(
            (0..len)
                .map(|_| char::from(b' ' + (next() % 95) as u8))
                .collect(),
        );
    }
    v
}

fn b64decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let bytes: Vec<u8> = s.bytes().filter(|c| *c != b'=').collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= val(*c) << (18 - 6 * i);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// `helm template` of the fixture chart with `values`: the decoded `auth` of the push
/// Secret for `endpoint`, and the `customImage` the ConfigMap carries.
fn helm_render(dir: &Path, block: &[u8], endpoint: &str) -> (String, serde_yaml::Value) {
    let values = dir.join("values.yaml");
    std::fs::write(&values, block).unwrap();
    let out = helm_template(&fixture_chart(), &values);
    let mut auth = None;
    let mut config = None;
    for doc in serde_yaml::Deserializer::from_str(&out) {
        let doc = serde_yaml::Value::deserialize(doc).unwrap();
        match doc["kind"].as_str() {
            Some("Secret") => {
                let json = b64decode(doc["data"][".dockerconfigjson"].as_str().unwrap());
                let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
                let a = json["auths"][endpoint]["auth"]
                    .as_str()
                    .unwrap()
                    .to_string();
                auth = Some(String::from_utf8(b64decode(&a)).unwrap());
            }
            Some("ConfigMap") => {
                let cfg: serde_yaml::Value =
                    serde_yaml::from_str(doc["data"]["config.yaml"].as_str().unwrap()).unwrap();
                config = Some(cfg["customImage"].clone());
            }
            _ => {}
        }
    }
    (auth.expect("no push Secret"), config.expect("no ConfigMap"))
}

use serde::Deserialize;

e2e!(tricky_passwords_survive_helm_exactly, || {
    let _ = E2E;
    let passwords = tricky_passwords();
    assert!(passwords.len() >= 100, "{}", passwords.len());
    let dir = tempdir();
    let user = "robot$primehub+ci";
    let endpoint = "https://harbor.example.com";
    for password in &passwords {
        let mut stdin = password.clone().into_bytes();
        stdin.push(b'\n');
        let r = render_in(
            dir.path(),
            &[
                "--registry",
                "harbor",
                "--endpoint",
                endpoint,
                "--username",
                user,
                "--password-stdin",
                "--stdout",
            ],
            &stdin,
            None,
        );
        r.expect_code(0);
        let (auth, config) = helm_render(dir.path(), &r.stdout, endpoint);
        assert_eq!(auth, format!("{user}:{password}"), "{password:?}");
        // The controller reads only the push settings from its ConfigMap: the block
        // must arrive whole (a password the chart cannot copy would drop it).
        assert_eq!(
            config["pushRepoPrefix"].as_str(),
            Some("harbor.example.com/primehub"),
            "ConfigMap: {password:?}"
        );
        // And the ConfigMap's copy of the password is the password.
        assert_eq!(
            config["registryPassword"].as_str(),
            Some(password.as_str()),
            "ConfigMap: {password:?}"
        );
    }
});

/// Keyfile variants: the same key pretty-printed, with CRLF and tabs, escaped
/// characters, a repeated key and keys reordered.
fn keyfile_variants() -> Vec<(&'static str, String)> {
    let sa = std::fs::read_to_string(keyfile("service-account.json")).unwrap();
    vec![
        ("as downloaded", sa.clone()),
        ("crlf", sa.replace('\n', "\r\n")),
        ("tabs", sa.replace("  ", "\t")),
        ("one line", sa.replace("\n", "")),
        ("escaped slash and unicode", sa.replace("https://", "https:\\/\\/").replace("googleapis.com\"\n}", "googleapis.com\",\n  \"note\": \"caf\\u00e9 \\u00e9t\\u00C9 \\ud83d\\ude00 \\u007f \\u0001 <&>\"\n}")),
        ("raw unicode", sa.replace("googleapis.com\"\n}", "googleapis.com\",\n  \"note\": \"日本 \u{a0} \u{feff}\"\n}")),
        ("repeated key", sa.replace("\"client_id\": \"103456789012345678901\",", "\"client_id\": \"first\",\n  \"client_id\": \"103456789012345678901\",")),
        ("reordered", {
            let mut lines: Vec<&str> = sa.lines().collect();
            lines.swap(2, 5);
            let mut s = lines.join("\n").replace("\",\n}", "\"\n}");
            s.push('\n');
            s
        }),
    ]
}

e2e!(keyfile_password_is_exactly_jq_compact_through_helm, || {
    let dir = tempdir();
    for (name, text) in keyfile_variants() {
        let path = dir.path().join("key.json");
        std::fs::write(&path, &text).unwrap();
        let jq = run(
            std::process::Command::new(tool("jq"))
                .args(["-c", "."])
                .arg(&path),
            b"",
        );
        jq.expect_code(0);
        let mut want = jq.stdout_str();
        assert_eq!(want.pop(), Some('\n'), "{name}");
        for (kind, endpoint, extra) in [
            ("gcr", "https://gcr.io", vec![]),
            (
                "artifact-registry",
                "https://europe-west1-docker.pkg.dev",
                vec!["--location", "europe-west1", "--repository", "images"],
            ),
        ] {
            let key = path.display().to_string();
            let mut args = vec!["--registry", kind, "--keyfile", &key, "--stdout"];
            args.extend(extra);
            let r = render_in(dir.path(), &args, b"", None);
            r.expect_code(0);
            let (auth, config) = helm_render(dir.path(), &r.stdout, endpoint);
            assert_eq!(auth, format!("_json_key:{want}"), "{name} {kind}");
            assert!(config["pushRepoPrefix"].as_str().is_some(), "{name} {kind}");
        }
    }
});

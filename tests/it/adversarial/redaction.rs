//! Secrets in forms a key-name match misses: helm printing the password inside a larger
//! base64 blob, a keyfile folded across YAML lines (at spaces, or with `\`
//! continuations) or nested as JSON in a JSON string; `show --query` reaching a
//! password through a YAML alias, or a login as base64 `user:password` under `auth`
//! and inside `.dockerconfigjson`. And a table of logins × every form helm and kubectl
//! print a secret in (`\u`-escaped JSON, `\/`, URL-encoded, base64 at any offset and
//! glued to other base64 characters, `.dockerconfigjson` written by Go or Python, a
//! blob inside a blob), echoed by a careless helm during `phib upgrade` and by a
//! failing kubectl during `phib render --apply`.

use std::fs;
use std::time::Duration;

use base64::Engine;

use super::files::run_bounded;
use super::{no_secret, Tally};

#[path = "../../oracles/undo.rs"]
mod undo;
use crate::util::{phib, tempdir};
use undo::undone;

/// A service-account keyfile as phib stores it (one-line JSON), the password.
const KEYFILE: &str = r#"{"type":"service_account","project_id":"adv-proj","private_key_id":"0a1b2c3d4e5f","private_key":"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7advers\n-----END PRIVATE KEY-----\n","client_email":"builder@adv-proj.iam.gserviceaccount.com"}"#;
/// Parts of the keyfile that must never show, whatever the form.
const KEY_PARTS: &[&str] = &[
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7advers",
    "0a1b2c3d4e5f",
];

/// `Err` when a run of base64 in `text` decodes (up to two levels deep) to text holding
/// one of `parts`: a secret shown in a form a reader can undo with `base64 -d`.
fn no_secret_in_base64(what: &str, text: &str, parts: &[&str]) -> Result<(), String> {
    fn runs(text: &str) -> Vec<&str> {
        text.split(|c: char| !(c.is_ascii_alphanumeric() || "+/=".contains(c)))
            .filter(|r| r.len() >= 12)
            .collect()
    }
    fn decode(run: &str) -> Option<String> {
        let b = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(run.trim_end_matches('='))
            .ok()?;
        Some(String::from_utf8_lossy(&b).into_owned())
    }
    for run in runs(text) {
        let Some(plain) = decode(run) else { continue };
        let mut layers = vec![plain.clone()];
        layers.extend(runs(&plain).into_iter().filter_map(decode));
        for layer in layers {
            if let Some(p) = parts.iter().find(|p| layer.contains(*p)) {
                return Err(format!("{what} holds `{p}` in base64: {run}"));
            }
        }
    }
    Ok(())
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn b64_url(s: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

/// `Err` when `text`, in any form [`undone`] undoes, shows one of `parts`.
fn no_secret_undone(what: &str, text: &str, parts: &[&str]) -> Result<(), String> {
    for view in undone(text) {
        if let Some(p) = parts.iter().find(|p| view.contains(*p)) {
            return Err(format!(
                "{what} holds `{p}` once decoded: {view:?}\nin {text:?}"
            ));
        }
    }
    Ok(())
}

/// A JSON string's content as an encoder writes it: non-ASCII as `\u` escapes of
/// UTF-16 units (`ascii`, Python's default), `/` as `\/` (`slash`, PHP), `<`, `>`, `&`
/// as `\u003c`… (`html`, Go).
fn json_as(s: &str, ascii: bool, slash: bool, html: bool) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '/' if slash => out.push_str("\\/"),
            '<' | '>' | '&' if html => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if ascii && !c.is_ascii() => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Percent-encoding of every byte but the unreserved ones and `keep`; `plus` writes a
/// space as `+` (form encoding).
fn percent(s: &str, keep: &str, plus: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.as_bytes().contains(&b) {
            out.push(b as char);
        } else if b == b' ' && plus {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The logins of the form table: specials that every encoding treats differently,
/// non-ASCII with an astral character, and a keyfile.
fn table_logins() -> Vec<(&'static str, String)> {
    vec![
        ("robot$ci+ml", "p@ss w/rd+50%&<x>'\"q".to_string()),
        (
            "me",
            "Gr\u{fc}\u{df}e-caf\u{e9}/\u{1f600}-d\u{e9}j\u{e0}".to_string(),
        ),
        ("_json_key", KEYFILE.to_string()),
    ]
}

/// Each form of the login, as a line a careless tool prints.
fn table_forms(user: &str, pw: &str) -> Vec<(String, String)> {
    let login = format!("{user}:{pw}");
    let auth = b64(&login);
    let config = |host: &str, user: &str, pw: &str, auth: &str| {
        format!(
            r#"{{"auths":{{"{host}":{{"username":"{user}","password":"{pw}","auth":"{auth}"}}}}}}"#
        )
    };
    let go = config(
        "reg.example.com",
        user,
        &json_as(pw, false, false, true),
        &auth,
    );
    let python = config("registry.io", user, &json_as(pw, true, false, false), &auth);
    let auth_only = format!(r#"{{"auths":{{"r.io":{{"auth":"{auth}"}}}}}}"#);
    let mut forms = vec![
        (
            "json \\u".to_string(),
            format!(
                "\"registryPassword\":\"{}\"",
                json_as(pw, true, false, false)
            ),
        ),
        (
            "json \\/".to_string(),
            format!("{{\"p\":\"{}\"}}", json_as(pw, false, true, false)),
        ),
        (
            "json \\u \\/".to_string(),
            format!("{{\"p\":\"{}\"}}", json_as(pw, true, true, false)),
        ),
        (
            "json go".to_string(),
            format!("{{\"p\":\"{}\"}}", json_as(pw, false, false, true)),
        ),
        (
            "url userinfo".to_string(),
            format!(
                "https://{}:{}@reg.example.com/v2/",
                percent(user, "$&+,;=", false),
                percent(pw, "$&+,;=", false)
            ),
        ),
        (
            "url query".to_string(),
            format!(
                "GET /token?account={user}&password={}&scope=x",
                percent(pw, "", true)
            ),
        ),
        (
            "url path".to_string(),
            format!("GET /v2/{}/blobs", percent(pw, "/", false)),
        ),
        (
            "auth glued".to_string(),
            format!("Authorization: Basic{auth}"),
        ),
        (
            "auth url-safe".to_string(),
            format!("token={}", b64_url(&login)),
        ),
        (
            "base64 at offset 1".to_string(),
            format!("data: {}", b64(&format!("x{pw}\n"))),
        ),
        (
            "base64 at offset 2".to_string(),
            format!("data: {}", b64(&format!("xy{pw}\n"))),
        ),
        (
            "dockerconfigjson python".to_string(),
            format!(".dockerconfigjson: {}", b64(&python)),
        ),
        (
            "blob of a blob, auth only".to_string(),
            format!(
                "release: {}",
                b64(&format!(
                    "data:\n  .dockerconfigjson: {}\n",
                    b64(&auth_only)
                ))
            ),
        ),
    ];
    for glue in ["m", "\x1b[0m", "a", "/+", "ab", "Zz9"] {
        forms.push((
            format!("dockerconfigjson glued to {glue:?}"),
            format!("  .dockerconfigjson: {glue}{}", b64(&go)),
        ));
    }
    forms
}

/// An executable shell script at `path`.
fn script(path: &std::path::Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// What a careless helm may print about the values it got.
fn careless_outputs() -> Vec<(&'static str, String)> {
    let json = serde_json::to_string(KEYFILE).unwrap();
    let json2 = serde_json::to_string(&json).unwrap();
    let auth = b64(&format!("_json_key:{KEYFILE}"));
    let dockerconfig = format!(
        r#"{{"auths":{{"gcr.io":{{"username":"_json_key","password":{json},"auth":"{auth}"}}}}}}"#
    );
    // A double-quoted YAML scalar broken every 37 characters with `\` continuations.
    let inner = &json[1..json.len() - 1];
    let mut escaped_fold = String::from("registryPassword: \"");
    for (i, c) in inner.chars().enumerate() {
        if i > 0 && i % 37 == 0 {
            escaped_fold.push_str("\\\n    ");
        }
        escaped_fold.push(c);
    }
    escaped_fold.push_str("\"\n");
    vec![
        (
            "dockerconfigjson blob",
            format!("data:\n  .dockerconfigjson: {}\n", b64(&dockerconfig)),
        ),
        (
            "blob of a blob",
            format!(
                "release: {}\n",
                b64(&format!(
                    "kind: Secret\ndata:\n  .dockerconfigjson: {}\n",
                    b64(&dockerconfig)
                ))
            ),
        ),
        (
            "folded at spaces",
            format!("registryPassword: '{}'\n", KEYFILE.replace(' ', "\n    ")),
        ),
        ("folded with backslashes", escaped_fold),
        (
            "json in a json string",
            format!(
                "{{\"values\":\"{{\\\"registryPassword\\\":{}}}\"}}\n",
                &json2[..json2.len()]
            ),
        ),
        ("auth alone", format!("auth: {auth}\n")),
    ]
}

#[test]
fn helm_output_hides_the_password_inside_blobs_folds_and_nested_json_stub_cluster() {
    let mut tally = Tally::new("helm output redaction");
    for (what, output) in careless_outputs() {
        let stub = crate::helm::Stub::new();
        let dir = tempdir();
        let d = dir.path();
        fs::write(
            d.join("values.yaml"),
            format!(
                "customImage:\n  registryEndpoint: \"https://gcr.io\"\n  registryUsername: \"_json_key\"\n  registryPassword: {}\n  pushRepoPrefix: \"gcr.io/adv-proj\"\n",
                serde_json::to_string(KEYFILE).unwrap()
            ),
        )
        .unwrap();
        // A helm that prints `output` on both streams when asked to upgrade, and is the
        // recording stand-in otherwise.
        let careless = d.join("careless");
        fs::write(d.join("output"), &output).unwrap();
        fs::write(
            &careless,
            format!(
                "#!/bin/sh\nif [ \"$1\" = upgrade ]; then cat '{o}'; cat '{o}' >&2; echo 'Error: UPGRADE FAILED' >&2; exit 1; fi\nexec '{next}' \"$@\"\n",
                o = d.join("output").display(),
                next = stub.bin().join("helm").display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&careless, fs::Permissions::from_mode(0o755)).unwrap();
        let r = run_bounded(
            stub.phib(d).env("HELM_BIN", &careless).args([
                "upgrade",
                "--yes",
                "--values",
                "values.yaml",
            ]),
            Duration::from_secs(30),
        );
        let result = r.and_then(|r| {
            if r.code != Some(1) {
                return Err(format!("exit {:?}: {}", r.code, r.stderr));
            }
            let out = String::from_utf8_lossy(&r.stdout);
            no_secret("stdout", &out, KEY_PARTS)?;
            no_secret("stderr", &r.stderr, KEY_PARTS)?;
            no_secret_in_base64("stdout", &out, KEY_PARTS)?;
            no_secret_in_base64("stderr", &r.stderr, KEY_PARTS)?;
            no_secret_undone("stdout", &out, KEY_PARTS)?;
            no_secret_undone("stderr", &r.stderr, KEY_PARTS)?;
            Ok(())
        });
        tally.attempt(what, result);
    }
    tally.finish();
}

/// The parts of a password that must not show: itself, or for a keyfile its key.
fn parts_of(pw: &str) -> Vec<&str> {
    if pw == KEYFILE {
        KEY_PARTS.to_vec()
    } else {
        vec![pw]
    }
}

#[test]
fn helm_output_hides_every_form_of_the_login_stub_cluster() {
    let mut tally = Tally::new("helm output redaction forms");
    for (user, pw) in table_logins() {
        let stub = crate::helm::Stub::new();
        let dir = tempdir();
        let d = dir.path();
        fs::write(
            d.join("values.yaml"),
            format!(
                "customImage:\n  registryEndpoint: \"https://reg.example.com\"\n  registryUsername: {}\n  registryPassword: {}\n  pushRepoPrefix: \"reg.example.com/ml\"\n",
                serde_json::to_string(user).unwrap(),
                serde_json::to_string(&pw).unwrap()
            ),
        )
        .unwrap();
        let parts = parts_of(&pw);
        for (what, line) in table_forms(user, &pw) {
            // A helm that prints the form on both streams when asked to upgrade, and is
            // the recording stand-in otherwise.
            fs::write(d.join("output"), format!("{line}\n")).unwrap();
            script(
                &d.join("careless"),
                &format!(
                    "#!/bin/sh\nif [ \"$1\" = upgrade ]; then cat '{o}'; cat '{o}' >&2; echo 'Error: UPGRADE FAILED' >&2; exit 1; fi\nexec '{next}' \"$@\"\n",
                    o = d.join("output").display(),
                    next = stub.bin().join("helm").display()
                ),
            );
            let r = run_bounded(
                stub.phib(d).env("HELM_BIN", d.join("careless")).args([
                    "upgrade",
                    "--yes",
                    "--values",
                    "values.yaml",
                ]),
                Duration::from_secs(30),
            );
            let result = r.and_then(|r| {
                if r.code != Some(1) {
                    return Err(format!("exit {:?}: {}", r.code, r.stderr));
                }
                let out = String::from_utf8_lossy(&r.stdout);
                if !out.contains("<redacted>") {
                    return Err(format!("nothing hidden in stdout: {out:?}"));
                }
                no_secret_undone("stdout", &out, &parts)?;
                no_secret_undone("stderr", &r.stderr, &parts)
            });
            tally.attempt(&format!("{user}: {what}"), result);
        }
    }
    tally.finish();
}

#[test]
fn failed_apply_hides_every_form_kubectl_echoes_stub_cluster() {
    let mut tally = Tally::new("kubectl output redaction forms");
    for (user, pw) in table_logins() {
        let dir = tempdir();
        let d = dir.path();
        let bin = d.join("bin");
        fs::create_dir_all(&bin).unwrap();
        let parts = parts_of(&pw);
        let registry: &[&str] = if pw == KEYFILE {
            &[
                "--registry",
                "gcr",
                "--keyfile",
                "-",
                "--push-repo-prefix",
                "gcr.io/adv-proj",
            ]
        } else {
            &[
                "--registry",
                "harbor",
                "--endpoint",
                "https://reg.example.com",
                "--username",
                user,
                "--password-stdin",
                "--push-repo-prefix",
                "reg.example.com/ml",
            ]
        };
        for (what, line) in table_forms(user, &pw) {
            fs::write(d.join("output"), format!("{line}\n")).unwrap();
            script(
                &bin.join("kubectl"),
                &format!(
                    "#!/bin/sh\ncat >/dev/null\necho 'error: unable to recognize:' >&2\ncat '{}' >&2\nexit 1\n",
                    d.join("output").display()
                ),
            );
            let mut cmd = phib();
            cmd.current_dir(d)
                .arg("render")
                .args(registry)
                .args(["--secret-mode", "external", "--apply"])
                .env(
                    "PATH",
                    format!(
                        "{}:{}",
                        bin.display(),
                        std::env::var("PATH").unwrap_or_default()
                    ),
                );
            let r = crate::util::run(&mut cmd, format!("{pw}\n").as_bytes());
            let result = if r.code != Some(1) {
                Err(format!("exit {:?}: {}", r.code, r.stderr))
            } else if !r.stderr.contains("<redacted>") {
                Err(format!("nothing hidden in stderr: {:?}", r.stderr))
            } else {
                no_secret_undone("stdout", &r.stdout_str(), &parts)
                    .and_then(|()| no_secret_undone("stderr", &r.stderr, &parts))
            };
            tally.attempt(&format!("{user}: {what}"), result);
        }
    }
    tally.finish();
}

#[test]
fn show_query_hides_secrets_reached_by_alias_or_held_in_base64_logins() {
    const PW: &str = "Al1as-Pa55w0rd";
    let login = b64(&format!("robot:{PW}"));
    let dockerconfig = b64(&format!(
        r#"{{"auths":{{"reg.example.com":{{"auth":"{login}"}}}}}}"#
    ));
    let dir = tempdir();
    let d = dir.path();
    fs::write(
        d.join("values.yaml"),
        format!(
            "shared: &pw \"{PW}\"\ncopy: *pw\nnote: \"the password is {PW}\"\ncustomImage:\n  registryEndpoint: reg.example.com\n  registryUsername: robot\n  registryPassword: *pw\npull:\n  auths:\n    reg.example.com:\n      auth: \"{login}\"\nsecret:\n  data:\n    .dockerconfigjson: \"{dockerconfig}\"\n"
        ),
    )
    .unwrap();
    let mut tally = Tally::new("show redaction by meaning");
    for query in [
        "$..*", "$.shared", "$.copy", "$.note", "$.pull", "$..auth", "$.secret",
    ] {
        let r = run_bounded(
            phib()
                .current_dir(d)
                .args(["show", "--values", "values.yaml", "--query", query]),
            Duration::from_secs(20),
        );
        let result = r.and_then(|r| {
            let out = String::from_utf8_lossy(&r.stdout);
            no_secret("stdout", &out, &[PW, &login, &dockerconfig])?;
            no_secret("stderr", &r.stderr, &[PW, &login])?;
            no_secret_in_base64("stdout", &out, &[PW])?;
            Ok(())
        });
        tally.attempt(&format!("show --query {query}"), result);
    }
    let r = run_bounded(
        phib()
            .current_dir(d)
            .args(["show", "--values", "values.yaml"]),
        Duration::from_secs(20),
    );
    tally.attempt(
        "show",
        r.and_then(|r| {
            no_secret(
                "stdout",
                &String::from_utf8_lossy(&r.stdout),
                &[PW, &login, &dockerconfig],
            )
        }),
    );
    tally.finish();
}

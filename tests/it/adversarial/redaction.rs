//! Secrets in forms a key-name match misses: helm printing the password inside a larger
//! base64 blob, a keyfile folded across YAML lines (at spaces, or with `\`
//! continuations) or nested as JSON in a JSON string; `show --query` reaching a
//! password through a YAML alias, or a login as base64 `user:password` under `auth`
//! and inside `.dockerconfigjson`.

use std::fs;
use std::time::Duration;

use base64::Engine;

use super::files::run_bounded;
use super::{no_secret, Tally};
use crate::util::{phib, tempdir};

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
            Ok(())
        });
        tally.attempt(what, result);
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

//! The redaction's own tests: every form of a login, short secrets, documents.

use super::*;

#[test]
fn redactor_hides_every_form_of_a_login() {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let password = r##"p@ss w:rd"#x\y'z"##;
    let mut r = Redactor::new();
    r.add_login("robot$ci", password);
    let json = serde_json::to_string(password).unwrap();
    let auth = b64(&format!("robot$ci:{password}"));
    let text = format!(
        "a {password} b {json} c '{}' d {} e {auth} f {}\n",
        password.replace('\'', "''"),
        b64(password),
        b64(password).trim_end_matches('=')
    );
    let out = r.redact(&text);
    assert_eq!(
        out,
        "a <redacted> b \"<redacted>\" c '<redacted>' d <redacted> e <redacted> f <redacted>\n"
    );
    assert!(!r.redact("user robot$ci").contains(REDACTED));
}

#[test]
fn redactor_keeps_bytes_that_are_not_utf8() {
    let mut r = Redactor::new();
    r.add("hunter2").add("");
    // Output cut inside a multi-byte character, and invalid bytes around a secret.
    let bytes = b"\xff hunter2 \xe2\x82";
    assert_eq!(r.redact_bytes(bytes), b"\xff <redacted> \xe2\x82".to_vec());
    assert_eq!(r.redact("caf\u{e9} hunter2"), "caf\u{e9} <redacted>");
    assert_eq!(Redactor::new().redact("hunter2"), "hunter2");
    assert!(!format!("{r:?}").contains("hunter2"));
}

#[test]
fn documents_hide_secrets_by_meaning_not_only_by_key() {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let mut doc = serde_json::json!({
        "customImage": {"registryPassword": "hunter22", "registryUsername": "u"},
        "copy": "hunter22",
        "note": "pw is hunter22 here",
        "pull": {"auths": {"r": {"auth": b64("u:other")}}},
        "blob": b64("{\"password\":\"hunter22\"}"),
        "url": "https://bob:pw@h",
        "plain": "nothing secret",
        "auth": {"enabled": true}
    });
    redact_document(&mut doc);
    assert_eq!(
        doc,
        serde_json::json!({
            "customImage": {"registryPassword": REDACTED, "registryUsername": "u"},
            "copy": REDACTED,
            "note": REDACTED,
            "pull": {"auths": {"r": {"auth": REDACTED}}},
            "blob": REDACTED,
            "url": "https://bob:<redacted>@h",
            "plain": "nothing secret",
            "auth": {"enabled": true}
        })
    );
    // A one-letter password hides only itself, not every string with that letter.
    let mut doc = serde_json::json!({"password": "x", "a": "x", "b": "box"});
    redact_document(&mut doc);
    assert_eq!(
        doc,
        serde_json::json!({"password": REDACTED, "a": REDACTED, "b": "box"})
    );
}

#[test]
fn url_passwords_are_hidden_wherever_they_are() {
    for (text, want) in [
        (
            "https://bob:Hunter2@reg.example.com/x",
            "https://bob:<redacted>@reg.example.com/x",
        ),
        ("`http://tok3n@h:5000`", "`http://<redacted>@h:5000`"),
        (
            "a http://u:p:q@h b https://h/c@d",
            "a http://u:<redacted>@h b https://h/c@d",
        ),
        ("no url a@b", "no url a@b"),
        ("https://h", "https://h"),
    ] {
        assert_eq!(hide_url_passwords(text), want, "{text}");
    }
}

#[test]
fn debug_and_display_never_show_the_value() {
    let s = Secret::new("hunter2");
    assert_eq!(format!("{s}"), REDACTED);
    assert_eq!(format!("{s:?}"), REDACTED);
    assert_eq!(format!("{:?}", Some(&s)), format!("Some({REDACTED})"));
    assert_eq!(s.expose(), "hunter2");
}

use serde_json::json;

#[test]
fn secret_keys_in_any_spelling_but_not_names_of_secrets() {
    for key in [
        "registryPassword",
        "client_secret",
        "clientSecret",
        "private_key",
        "api_key",
        "secret_key",
        "secretAccessKey",
        "cookieSecret",
        "secret",
        "GITHUB_TOKEN",
        "aws-access-key-id",
    ] {
        assert!(is_secret_key(key), "{key}");
    }
    for key in [
        "pushSecretName",
        "registryUsername",
        "domain",
        "secretName",
        "buildJob",
    ] {
        assert!(!is_secret_key(key), "{key}");
    }
}

#[test]
fn secrets_at_any_depth_are_hidden_and_empty_ones_kept() {
    let mut v = json!({
        "customImage": {"registryPassword": "hunter2", "registryUsername": "u",
                        "pushSecretName": "s", "buildJob": {}},
        "keycloak": {"password": "kc", "clientSecret": ""},
        "list": [{"apiToken": {"nested": "x"}}],
        "other": {"registryPassword": null}
    });
    redact_document(&mut v);
    assert_eq!(
        v,
        json!({
            "customImage": {"registryPassword": REDACTED, "registryUsername": "u",
                            "pushSecretName": "s", "buildJob": {}},
            "keycloak": {"password": REDACTED, "clientSecret": ""},
            "list": [{"apiToken": REDACTED}],
            "other": {"registryPassword": null}
        })
    );
}

// The process-wide store is shared by every test of the crate: each test below uses
// secrets no other test knows.

#[test]
fn every_secret_phib_holds_is_known_to_the_one_redaction() {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let text = "flag: Fl4g-Pa55word-7x; token Zm9v-tok3n-42; keyfile k-3yf1le-s3cr3t\n";
    assert_eq!(redact(text), text, "nothing known yet");
    let held = Secret::new("Fl4g-Pa55word-7x");
    learn("Zm9v-tok3n-42");
    let _ = Redactor::new().add("k-3yf1le-s3cr3t");
    assert_eq!(
        redact(text),
        format!("flag: {REDACTED}; token {REDACTED}; keyfile {REDACTED}\n")
    );
    // Cloning or dropping a secret does not forget it.
    drop(held.clone());
    drop(held);
    assert_eq!(
        redact_bytes(b"m\x1b[0m Fl4g-Pa55word-7x \xff"),
        b"m\x1b[0m <redacted> \xff".to_vec()
    );
    // A login and a document: `user:password` in base64, secrets by key, and the
    // user beside a password.
    learn_login("ci-robot-91", "pw9");
    learn_document(&serde_json::json!({
        "auths": {"r.io": {"username": "doc-user-17", "password": "D0c-pw-17"}},
        "keycloak": {"clientSecret": "kc-Cl13nt-s3cret"}
    }));
    let auth = b64("ci-robot-91:pw9");
    let doc_auth = b64("doc-user-17:D0c-pw-17");
    assert_eq!(
        redact(&format!("a {auth} b kc-Cl13nt-s3cret c m{doc_auth}\n")),
        format!("a {REDACTED} b {REDACTED} c m{REDACTED}\n")
    );
    assert_eq!(
        redact("ci-robot-91 and doc-user-17"),
        "ci-robot-91 and doc-user-17"
    );
}

#[test]
fn learning_while_redacting_on_other_threads_neither_deadlocks_nor_misses() {
    let secrets: Vec<String> = (0..12).map(|i| format!("thr3ad-s3cret-{i:02}-q")).collect();
    std::thread::scope(|scope| {
        for chunk in secrets.chunks(4) {
            scope.spawn(move || {
                for s in chunk {
                    let held = Secret::new(s.clone());
                    assert_eq!(redact(&format!("<{s}>")), format!("<{REDACTED}>"));
                    assert_eq!(held.expose(), s);
                }
            });
        }
    });
    let all = secrets.join(" ");
    assert_eq!(redact(&all), [REDACTED; 12].join(" "));
}

#[test]
fn a_document_holding_secrets_is_not_hidden_whole() {
    let doc = "{\n  \"customImage\": {\n    \"pushSecretName\": \"h0ld1ng-doc\"\n  }\n}\n";
    let held = Secret::holding(doc);
    assert_eq!(redact(doc), doc);
    assert_eq!(format!("{held:?}"), REDACTED);
    let _ = Secret::new(doc);
    assert_eq!(redact(doc), REDACTED);
}

#[test]
fn showing_a_document_teaches_the_one_redaction_nothing() {
    let mut doc = json!({"password": "sh0w0nly-pa55w0rd", "copy": "sh0w0nly-pa55w0rd here"});
    redact_document(&mut doc);
    assert_eq!(doc, json!({"password": REDACTED, "copy": REDACTED}));
    assert_eq!(redact("sh0w0nly-pa55w0rd"), "sh0w0nly-pa55w0rd");
}

#[test]
fn documents_hide_a_blob_glued_to_other_base64() {
    use base64::Engine;
    let blob = base64::engine::general_purpose::STANDARD
        .encode(r#"{"auths":{"r":{"password":"Gl7ed-b10b-pw"}}}"#);
    let mut doc = json!({"password": "Gl7ed-b10b-pw", "note": format!("ab{blob}")});
    redact_document(&mut doc);
    assert_eq!(doc, json!({"password": REDACTED, "note": REDACTED}));
}

#[test]
fn push_secret_name_is_not_a_secret() {
    assert!(!is_secret_key("pushSecretName"));
    assert!(is_secret_key("registryPassword"));
}

//! Secrets in documents: which keys hold one ([`is_secret_key`]), a document shown with
//! them hidden ([`redact_document`]: by key, and by meaning: a docker config's `auth`, a
//! copy of a secret elsewhere, its base64), and the password of a URL.

use base64::Engine;
use serde_json::Value;

use super::{Redactor, MIN_SECRET, REDACTED, SECRET_KEYS};

/// `text` with the password of every URL in it hidden: `https://user:PASSWORD@host`
/// becomes `https://user:<redacted>@host`, and `https://TOKEN@host` becomes
/// `https://<redacted>@host`. A URL's user part is a secret by what it is, whatever key
/// or message it sits in.
pub fn hide_url_passwords(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("://") || !text.contains('@') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let start = i + 3;
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let end = after
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '"' | '\'' | '`' | '<' | '>') || c.is_whitespace()
            })
            .unwrap_or(after.len());
        let authority = &after[..end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                if let Some((user, _)) = userinfo.split_once(':') {
                    out.push_str(user);
                    out.push(':');
                }
                out.push_str(REDACTED);
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Whether the value under `key` is a secret: the `customImage` secret keys, and keys
/// that name a password, token, secret or private key anywhere in the document, in any
/// spelling (`clientSecret`, `client_secret`, `secretAccessKey`, `api-key`); PrimeHub's
/// values hold other credentials too, and `show`, `--query` and `--check` can reach them.
/// A key that only refers to a secret by name (`pushSecretName`) is not one.
pub fn is_secret_key(key: &str) -> bool {
    if SECRET_KEYS.contains(&key) {
        return true;
    }
    let k: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    k.ends_with("secret")
        || [
            "password",
            "passwd",
            "token",
            "secretkey",
            "accesskey",
            "apikey",
            "privatekey",
            "credential",
        ]
        .iter()
        .any(|word| k.contains(word))
}

/// Keys whose string value is a login by what it is: a docker config's `auth`
/// (base64 of `user:password`) and a pull Secret's whole docker config in base64.
const LOGIN_KEYS: &[&str] = &[
    "auth",
    ".dockerconfigjson",
    "dockerconfigjson",
    ".dockercfg",
    "dockercfg",
];

/// Replaces every non-empty value under a secret key, at any depth, by `<redacted>`.
/// Empty and null values are kept, so "no password set" stays visible. Secrets are
/// also recognised by meaning, not only by key: a string under a [`LOGIN_KEYS`] key,
/// any string that is, holds, or decodes from base64 to a secret found under a secret
/// key (a YAML alias or a copy elsewhere), and the password of a URL.
pub fn redact_document(value: &mut Value) {
    let mut secrets = Vec::new();
    collect_secrets(value, &mut secrets);
    // Only this document's secrets, and not learned for `redact`: showing a document
    // changes nothing else.
    let mut finder = Redactor::new();
    let mut changed = false;
    for s in secrets.iter().filter(|s| s.chars().count() >= MIN_SECRET) {
        changed |= finder.forms.add_secret(s);
    }
    finder.changed(changed);
    redact_with(value, &secrets, &finder);
}

fn collect_secrets(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match v {
                    Value::String(s) if is_secret_key(key) && !s.is_empty() => out.push(s.clone()),
                    _ => collect_secrets(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_secrets(v, out)),
        _ => {}
    }
}

fn redact_with(value: &mut Value, secrets: &[String], finder: &Redactor) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                let login = LOGIN_KEYS.contains(&key.as_str()) && v.is_string();
                if (is_secret_key(key) || login) && !is_blank(v) {
                    *v = Value::String(REDACTED.to_string());
                } else {
                    redact_with(v, secrets, finder);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| redact_with(v, secrets, finder)),
        Value::String(text) => {
            if holds_secret(text, secrets) || finder.finds(text) {
                *text = REDACTED.to_string();
            } else if let std::borrow::Cow::Owned(hidden) = hide_url_passwords(text) {
                *text = hidden;
            }
        }
        _ => {}
    }
}

/// Whether `text` is or holds one of `secrets`, as it is or in base64. A secret too
/// short to be told from ordinary text (under 4 characters) only counts whole.
fn holds_secret(text: &str, secrets: &[String]) -> bool {
    if secrets.iter().any(|s| text == s) {
        return true;
    }
    let secrets: Vec<&String> = secrets
        .iter()
        .filter(|s| s.chars().count() >= MIN_SECRET)
        .collect();
    if secrets.is_empty() {
        return false;
    }
    if secrets.iter().any(|s| text.contains(s.as_str())) {
        return true;
    }
    let b64 = &base64::engine::general_purpose::STANDARD;
    let decoded = b64
        .decode(text.trim())
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text.trim()));
    match decoded {
        Ok(bytes) => {
            let plain = String::from_utf8_lossy(&bytes);
            secrets.iter().any(|s| plain.contains(s.as_str()))
        }
        Err(_) => false,
    }
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

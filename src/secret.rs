//! Secrets, and the one way phib hides them. A [`Secret`] is a string that must never be
//! shown: passwords, tokens, keyfiles. Its `Debug` and `Display` print `<redacted>`, so a
//! secret cannot leak through `{:?}`, a log line or an error message by accident. Only
//! code that must write the plain text (the renderer, the writer) calls
//! [`Secret::expose`]. Which keys of a values document hold secrets is decided here
//! ([`is_secret_key`]), for every surface that shows values: `phib show` and what
//! `phib upgrade` passes to helm ([`redact_document`]), the values diff of `--check`,
//! and helm's and kubectl's own output ([`Redactor`], which can learn the secrets of a
//! document with [`Redactor::add_document`]). Queries run over the redacted document, so
//! a JSONPath match (or a filter comparing against a secret) cannot reveal one either.

use std::fmt;

use serde_json::Value;

pub const REDACTED: &str = "<redacted>";

/// The keys of the `customImage` block that hold credentials (what `--rotate` replaces,
/// what is always redacted).
pub const SECRET_KEYS: [&str; 1] = ["registryPassword"];

#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The plain text. Call only where the secret is written where it belongs.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Hides known secrets in text phib did not write itself (what helm or kubectl print),
/// before it reaches the terminal or an error message. Each secret is hidden as it is,
/// as JSON and single-quoted YAML escape it, and in base64 (padded and not); a login
/// also as the base64 of `user:password` that a docker config's `auth` holds. Longer
/// forms are replaced first, so a secret inside another leaves nothing behind.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct Redactor {
    needles: Vec<Secret>,
}

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Hides `secret` and its escaped and base64 forms. An empty secret hides nothing.
    pub fn add(&mut self, secret: &str) -> &mut Redactor {
        if secret.is_empty() {
            return self;
        }
        self.add_exact(secret);
        let json = serde_json::to_string(secret).unwrap_or_default();
        self.add_exact(json.trim_start_matches('"').trim_end_matches('"'));
        self.add_exact(&secret.replace('\'', "''"));
        self.add_base64(secret);
        self
    }

    /// Hides a login: the password (see [`Redactor::add`]) and `user:password` in base64.
    pub fn add_login(&mut self, username: &str, password: &str) -> &mut Redactor {
        if password.is_empty() {
            return self;
        }
        self.add(password);
        self.add_base64(&format!("{username}:{password}"));
        self
    }

    /// Hides every string under a secret key ([`is_secret_key`]) anywhere in `doc`.
    pub fn add_document(&mut self, doc: &Value) -> &mut Redactor {
        self.add_secret_strings(doc, false);
        self
    }

    fn add_secret_strings(&mut self, value: &Value, secret: bool) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    self.add_secret_strings(v, secret || is_secret_key(key));
                }
            }
            Value::Array(items) => {
                for v in items {
                    self.add_secret_strings(v, secret);
                }
            }
            Value::String(s) if secret => {
                self.add(s);
            }
            _ => {}
        }
    }

    /// Hides exactly `text`, with no other form (e.g. a whole encoded document).
    pub fn add_exact(&mut self, text: &str) -> &mut Redactor {
        if !text.is_empty() && !self.needles.iter().any(|n| n.expose() == text) {
            self.needles.push(Secret::new(text));
            self.needles
                .sort_by_key(|n| std::cmp::Reverse(n.expose().len()));
        }
        self
    }

    fn add_base64(&mut self, text: &str) {
        use base64::Engine;
        let padded = base64::engine::general_purpose::STANDARD.encode(text);
        self.add_exact(&padded);
        self.add_exact(padded.trim_end_matches('='));
    }

    /// `text` with every known secret replaced by `<redacted>`.
    pub fn redact(&self, text: &str) -> String {
        let bytes = self.redact_bytes(text.as_bytes());
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    /// Like [`Redactor::redact`] for output that may not be UTF-8 (or may end inside a
    /// character): bytes that are not part of a secret pass through unchanged.
    pub fn redact_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        let mut text = bytes.to_vec();
        for needle in &self.needles {
            text = replace_bytes(&text, needle.expose().as_bytes(), REDACTED.as_bytes());
        }
        text
    }
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

/// Replaces every non-empty value under a secret key, at any depth, by `<redacted>`.
/// Empty and null values are kept, so "no password set" stays visible.
pub fn redact_document(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_secret_key(key) && !is_blank(v) {
                    *v = Value::String(REDACTED.to_string());
                } else {
                    redact_document(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_document),
        _ => {}
    }
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn push_secret_name_is_not_a_secret() {
        assert!(!is_secret_key("pushSecretName"));
        assert!(is_secret_key("registryPassword"));
    }
}

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

/// The environment variable that may hold the password or token, the other source
/// besides `--password-stdin`; no child process inherits it.
pub const PASSWORD_ENV: &str = "PHIB_REGISTRY_PASSWORD";

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

/// Hides known secrets in text phib did not write itself (what helm or kubectl print),
/// before it reaches the terminal or an error message. Each secret is hidden as it is,
/// as JSON and single-quoted YAML escape it, and in base64 (padded and not); a login
/// also as the base64 of `user:password` that a docker config's `auth` holds. Longer
/// forms are replaced first, so a secret inside another leaves nothing behind.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct Redactor {
    needles: Vec<Secret>,
    /// The secrets as given, for looking inside base64 runs.
    plain: Vec<Secret>,
}

/// The shortest piece of a folded secret that is hidden on its own.
const MIN_PIECE: usize = 8;
/// The shortest run of base64 that is decoded to look for a secret inside.
const MIN_BASE64_RUN: usize = 12;

fn find_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
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
        let json = json
            .trim_start_matches('"')
            .trim_end_matches('"')
            .to_string();
        // JSON inside a JSON string (helm prints values as JSON, a keyfile is JSON).
        let json2 = serde_json::to_string(&json).unwrap_or_default();
        let json2 = json2
            .trim_start_matches('"')
            .trim_end_matches('"')
            .to_string();
        let single = secret.replace('\'', "''");
        for form in [&json, &json2, &single] {
            self.add_exact(form);
        }
        // YAML folds a long string at its spaces: each piece is hidden on its own (a
        // piece too short to mean anything alone may show).
        for form in [secret, json.as_str(), json2.as_str(), single.as_str()] {
            if form.contains(char::is_whitespace) {
                for piece in form.split_whitespace().filter(|p| p.len() >= MIN_PIECE) {
                    self.add_exact(piece);
                }
            }
        }
        self.add_base64(secret);
        self.plain.push(Secret::new(secret));
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
    /// character): bytes that are not part of a secret pass through unchanged. A run of
    /// base64 that decodes (once or twice) to text holding a secret is hidden whole: a
    /// Secret's `.dockerconfigjson` holds the password inside a larger base64 blob.
    pub fn redact_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        let mut text = self.hide_base64_runs(bytes);
        for needle in &self.needles {
            text = replace_bytes(&text, needle.expose().as_bytes(), REDACTED.as_bytes());
        }
        text
    }

    fn hide_base64_runs(&self, bytes: &[u8]) -> Vec<u8> {
        if self.plain.is_empty() {
            return bytes.to_vec();
        }
        let is_b64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if !is_b64(bytes[i]) {
                out.push(bytes[i]);
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && is_b64(bytes[i]) {
                i += 1;
            }
            let run = &bytes[start..i];
            if run.len() >= MIN_BASE64_RUN && self.decodes_to_secret(run, 2) {
                out.extend_from_slice(REDACTED.as_bytes());
            } else {
                out.extend_from_slice(run);
            }
        }
        out
    }

    /// Whether `run` is base64 of text that holds a known secret (in any form this
    /// redactor knows), looking `depth` encodings deep.
    fn decodes_to_secret(&self, run: &[u8], depth: usize) -> bool {
        use base64::Engine;
        let trimmed: Vec<u8> = run.iter().copied().filter(|b| *b != b'=').collect();
        let Ok(decoded) = base64::engine::general_purpose::STANDARD_NO_PAD.decode(&trimmed) else {
            return false;
        };
        let found = self
            .needles
            .iter()
            .chain(&self.plain)
            .any(|n| find_bytes(&decoded, n.expose().as_bytes()));
        if found {
            return true;
        }
        depth > 1
            && decoded
                .split(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')))
                .filter(|r| r.len() >= MIN_BASE64_RUN)
                .any(|r| self.decodes_to_secret(r, depth - 1))
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
    redact_with(value, &secrets);
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

fn redact_with(value: &mut Value, secrets: &[String]) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                let login = LOGIN_KEYS.contains(&key.as_str()) && v.is_string();
                if (is_secret_key(key) || login) && !is_blank(v) {
                    *v = Value::String(REDACTED.to_string());
                } else {
                    redact_with(v, secrets);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact_with(v, secrets)),
        Value::String(text) => {
            if holds_secret(text, secrets) {
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
    use base64::Engine;
    if secrets.iter().any(|s| text == s) {
        return true;
    }
    let secrets: Vec<&String> = secrets.iter().filter(|s| s.chars().count() >= 4).collect();
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

/// Every secret phib has learned in this run: what the terminal-out gate and the
/// helm/kubectl runner hide in everything they show.
static KNOWN: std::sync::Mutex<Option<Redactor>> = std::sync::Mutex::new(None);

fn known() -> std::sync::MutexGuard<'static, Option<Redactor>> {
    KNOWN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The shortest secret hidden everywhere it appears in output: a shorter one cannot be
/// told from ordinary text (a password `p` would blank every `p`).
const MIN_LEARNED: usize = 4;

/// From now on, `secret` (in every form [`Redactor::add`] knows) is hidden in all
/// output.
pub fn learn(secret: &str) {
    if secret.chars().count() < MIN_LEARNED {
        return;
    }
    known().get_or_insert_with(Redactor::new).add(secret);
}

/// From now on, a login is hidden in all output ([`Redactor::add_login`]).
pub fn learn_login(username: &str, password: &str) {
    if password.chars().count() < MIN_LEARNED {
        return;
    }
    known()
        .get_or_insert_with(Redactor::new)
        .add_login(username, password);
}

/// From now on, every secret of `doc` is hidden in all output.
pub fn learn_document(doc: &Value) {
    fn walk(v: &Value, secret: bool) {
        match v {
            Value::Object(map) => map
                .iter()
                .for_each(|(k, v)| walk(v, secret || is_secret_key(k))),
            Value::Array(items) => items.iter().for_each(|v| walk(v, secret)),
            Value::String(s) if secret => learn(s),
            _ => {}
        }
    }
    walk(doc, false);
}

/// `text` with every secret learned so far hidden.
pub fn redact(text: &str) -> String {
    match known().as_ref() {
        Some(r) => r.redact(text),
        None => text.to_string(),
    }
}

/// [`redact`] for bytes that may not be UTF-8.
pub fn redact_bytes(bytes: &[u8]) -> Vec<u8> {
    match known().as_ref() {
        Some(r) => r.redact_bytes(bytes),
        None => bytes.to_vec(),
    }
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

    #[test]
    fn push_secret_name_is_not_a_secret() {
        assert!(!is_secret_key("pushSecretName"));
        assert!(is_secret_key("registryPassword"));
    }
}

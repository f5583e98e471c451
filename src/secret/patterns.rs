//! The forms of a set of secrets: for each secret, every pattern it takes in what helm,
//! kubectl and the tools around them print (as it is, quoted, folded, JSON-escaped,
//! base64 on its own and inside longer base64, `user:password` and the docker config's
//! `auth`), each with what its match hides. The module documentation of [`super`] lists
//! the forms and why.

use std::collections::{HashMap, HashSet};

use base64::Engine;
use serde_json::Value;

use super::{is_secret_key, MAX_DEEP, MAX_FORMS, MAX_LEARNED, MIN_CORE, MIN_PIECE, MIN_SECRET};

/// What a match of one form hides.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Kind {
    /// The match.
    Text,
    /// The match, when it is a whole word (a short secret).
    Word,
    /// The run of base64 around the match (in the URL-safe alphabet or not), from the
    /// first character of its 4-character groups at or after the run's start; the match
    /// starts `lead` characters after a group's first.
    Base64 { lead: u8, url: bool },
    /// The match, when it is a whole run of base64 (with its padding).
    Base64Whole { url: bool },
}

/// The forms of a set of secrets: each pattern once, with what its match hides.
#[derive(Clone, Default, PartialEq, Eq)]
pub(super) struct Forms {
    pub(super) patterns: Vec<Vec<u8>>,
    pub(super) kinds: Vec<Vec<Kind>>,
    index: HashMap<Vec<u8>, usize>,
    /// What was learned already (tagged), so learning again changes nothing.
    learned: HashSet<String>,
    /// Whether a secret holds a space (then `+` may stand for it in a URL).
    pub(super) spaces: bool,
}

impl Forms {
    pub(super) fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    fn push(&mut self, pattern: &[u8], kind: Kind) {
        if pattern.is_empty() {
            return;
        }
        match self.index.get(pattern) {
            Some(&i) if !self.kinds[i].contains(&kind) => self.kinds[i].push(kind),
            Some(_) => {}
            None => {
                self.index.insert(pattern.to_vec(), self.patterns.len());
                self.patterns.push(pattern.to_vec());
                self.kinds.push(vec![kind]);
            }
        }
    }

    /// Whether `tag` is new (and remembers it).
    fn first(&mut self, tag: char, text: &str) -> bool {
        !text.is_empty() && text.len() <= MAX_LEARNED && self.learned.insert(format!("{tag}{text}"))
    }

    fn text_kind(text: &str) -> Kind {
        if text.chars().count() < MIN_SECRET {
            Kind::Word
        } else {
            Kind::Text
        }
    }

    pub(super) fn add_exact(&mut self, text: &str) -> bool {
        if !self.first('e', text) {
            return false;
        }
        self.push(text.as_bytes(), Forms::text_kind(text));
        true
    }

    pub(super) fn add_secret(&mut self, secret: &str) -> bool {
        if !self.first('s', secret) {
            return false;
        }
        let kind = Forms::text_kind(secret);
        self.push(secret.as_bytes(), kind);
        if secret.len() > MAX_FORMS {
            return true;
        }
        self.spaces |= secret.contains(' ');
        let json = json_forms(secret);
        let mut texts = vec![secret.to_string(), secret.replace('\'', "''")];
        for form in &json {
            texts.push(form.clone());
            texts.push(json_escape(form, Escape::default()));
        }
        for text in &texts {
            self.push(text.as_bytes(), kind);
        }
        // YAML folds a long one-line string at its spaces: each piece is hidden on its
        // own (a piece too short to mean anything alone may show). Not the lines of a
        // document: they are not secrets by themselves.
        if !secret.contains('\n') {
            for text in &texts {
                for piece in text.split_whitespace().filter(|p| p.len() >= MIN_PIECE) {
                    self.push(piece.as_bytes(), Kind::Text);
                }
            }
        }
        self.add_base64(secret.as_bytes());
        // Three levels: inside `auth` inside a `.dockerconfigjson` inside base64 again
        // (a Secret's manifest), when the user name is not known.
        let levels = if secret.len() <= MAX_DEEP { 3 } else { 2 };
        self.add_cores(vec![secret.as_bytes().to_vec()], levels);
        for form in json.iter().filter(|f| *f != secret) {
            self.add_cores(vec![form.as_bytes().to_vec()], 2);
        }
        true
    }

    pub(super) fn add_login(&mut self, username: &str, password: &str) -> bool {
        if password.is_empty() {
            return false;
        }
        let mut changed = self.add_secret(password);
        let login = format!("{username}:{password}");
        if self.first('l', &login) && login.len() <= MAX_FORMS {
            self.add_base64(login.as_bytes());
            self.add_cores(vec![login.as_bytes().to_vec()], 1);
            // `auth` is base64 of exactly the login; inside a `.dockerconfigjson`, and
            // that inside a Secret's manifest in base64 again.
            let auth = super::basic_auth(username, password);
            self.add_cores(vec![auth.into_bytes()], 2);
            changed = true;
        }
        changed
    }

    pub(super) fn add_document(&mut self, value: &Value) -> bool {
        self.add_secret_strings(value, false)
    }

    fn add_secret_strings(&mut self, value: &Value, secret: bool) -> bool {
        match value {
            Value::Object(map) => {
                let user = map
                    .iter()
                    .find(|(k, v)| is_user_key(k) && v.is_string())
                    .and_then(|(_, v)| v.as_str());
                let mut changed = false;
                for (key, v) in map {
                    let under_secret = secret || is_secret_key(key);
                    if let (Some(user), Some(password)) = (user, v.as_str()) {
                        if is_secret_key(key) {
                            changed |= self.add_login(user, password);
                        }
                    }
                    changed |= self.add_secret_strings(v, under_secret);
                }
                changed
            }
            Value::Array(items) => items.iter().fold(false, |changed, v| {
                self.add_secret_strings(v, secret) | changed
            }),
            Value::String(s) if secret => self.add_secret(s),
            _ => false,
        }
    }

    /// `plain` in base64 as a value on its own: padded and not, in both alphabets.
    fn add_base64(&mut self, plain: &[u8]) {
        let padded = base64::engine::general_purpose::STANDARD.encode(plain);
        for whole in [padded.as_str(), padded.trim_end_matches('=')] {
            if whole.len() >= MIN_CORE {
                self.push_base64(whole, 0);
            } else {
                for (form, url) in alphabets(whole) {
                    self.push(form.as_bytes(), Kind::Base64Whole { url });
                }
            }
        }
    }

    /// The [`cores`] of each of `plains` inside longer base64, `levels` encodings deep.
    fn add_cores(&mut self, plains: Vec<Vec<u8>>, levels: usize) {
        let mut layer = plains;
        for _ in 0..levels {
            let mut next = Vec::with_capacity(layer.len() * 3);
            for plain in &layer {
                for (core, lead) in cores(plain) {
                    if core.len() >= MIN_CORE {
                        self.push_base64(&core, lead);
                    }
                    next.push(core.into_bytes());
                }
            }
            layer = next;
        }
    }

    fn push_base64(&mut self, core: &str, lead: u8) {
        for (form, url) in alphabets(core) {
            self.push(form.as_bytes(), Kind::Base64 { lead, url });
        }
    }
}

/// Whether `key` names a user (`registryUsername`, `username`, `user`).
fn is_user_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    k == "user" || k.ends_with("username")
}

/// `text` (standard base64) in the standard alphabet, and in the URL-safe one when that
/// differs.
fn alphabets(text: &str) -> Vec<(String, bool)> {
    let url: String = text
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    let mut out = vec![(text.to_string(), false)];
    if url != text {
        out.push((url, true));
    }
    out
}

/// The base64 characters of `plain` that do not depend on its neighbours, for each of the
/// three places it can start in a longer text that is encoded: after `k` = 0, 1 or 2 bytes
/// of its 3-byte group. The group's first `[0, 2, 3][k]` characters mix in the bytes
/// before (that is how far the core starts after the group's start, returned with it),
/// and the character after the core mixes in the byte after.
fn cores(plain: &[u8]) -> Vec<(String, u8)> {
    let mut out = Vec::with_capacity(3);
    for k in 0..3usize {
        let mut bytes = vec![0u8; k];
        bytes.extend_from_slice(plain);
        let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&bytes);
        let lead = [0, 2, 3][k];
        let end = 4 * (plain.len() + k) / 3;
        if end > lead {
            out.push((encoded[lead..end].to_string(), lead as u8));
        }
    }
    out
}

/// How a JSON encoder writes a string.
#[derive(Clone, Copy, Default)]
struct Escape {
    /// Non-ASCII as `\u` escapes of UTF-16 units: `Some(upper-case hex)`.
    unicode: Option<bool>,
    /// `/` as `\/`.
    slash: bool,
    /// `<`, `>`, `&`, U+2028 and U+2029 as `\u` escapes (Go).
    html: bool,
}

/// The content of the JSON string of `s` (without its quotes).
fn json_escape(s: &str, how: Escape) -> String {
    let upper = how.unicode == Some(true);
    let hex = |out: &mut String, unit: u32| {
        if upper {
            out.push_str(&format!("\\u{unit:04X}"));
        } else {
            out.push_str(&format!("\\u{unit:04x}"));
        }
    };
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '/' if how.slash => out.push_str("\\/"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' if how.html => hex(&mut out, c as u32),
            c if (c as u32) < 0x20 => hex(&mut out, c as u32),
            c if !c.is_ascii() && how.unicode.is_some() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    hex(&mut out, u32::from(*unit));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// The distinct contents of the JSON strings of `s`, as the common encoders write them.
fn json_forms(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for unicode in [None, Some(false), Some(true)] {
        for slash in [false, true] {
            for html in [false, true] {
                let form = json_escape(
                    s,
                    Escape {
                        unicode,
                        slash,
                        html,
                    },
                );
                if !out.contains(&form) {
                    out.push(form);
                }
            }
        }
    }
    out
}

//! Secrets, and the one way phib hides them. A [`Secret`] is a string that must never be
//! shown: passwords, tokens, keyfiles. Its `Debug` and `Display` print `<redacted>`, so a
//! secret cannot leak through `{:?}`, a log line or an error message by accident. Only
//! code that must write the plain text (the renderer, the writer) calls
//! [`Secret::expose`]. Which keys of a values document hold secrets is decided here
//! ([`is_secret_key`]), for every surface that shows values: `phib show` and what
//! `phib upgrade` passes to helm ([`redact_document`]), the values diff of `--check`,
//! and helm's and kubectl's own output. Queries run over the redacted document, so a
//! JSONPath match (or a filter comparing against a secret) cannot reveal one either.
//!
//! # The one redaction
//! [`redact`] hides every secret phib knows at that moment: [`Secret::new`] learns the
//! value it wraps (so a secret from a flag, standard input, a keyfile, a values file, a
//! live release or a Secret read from the cluster is known without each caller
//! remembering), and [`learn`], [`learn_login`], [`learn_document`] and every
//! [`Redactor`] add theirs. A [`Redactor`] is the same redaction over a set of secrets
//! of its own, for a caller that must know what one set holds.
//!
//! A secret is found in each form helm, kubectl and the tools around them print it:
//! - as it is; as single-quoted YAML writes it (`''`); each piece of at least
//!   [`MIN_PIECE`] characters of a line that YAML folds at spaces;
//! - JSON-escaped as serde and Go write it (Go also writes `<`, `>`, `&` as `\u003c`…),
//!   with non-ASCII as `\u` escapes (UTF-16 surrogate pairs for astral characters, lower-
//!   or upper-case hex, as Python writes it), with `/` as `\/` (PHP); and JSON inside a
//!   JSON string;
//! - percent-encoded, whichever characters the encoder escapes (a URL's userinfo, path or
//!   query, `+` for a space in form encoding): a line holding a `%XX` escape is searched
//!   decoded too, and a line holding `+` with `+` read as a space, when a known secret
//!   holds a space;
//! - in base64 (standard or URL-safe alphabet, padded or not), as a value on its own and
//!   at any offset inside longer base64: for each of the three byte offsets, the
//!   characters that do not depend on the bytes around the secret ([`cores`]). This for
//!   the secret, its JSON forms and `user:password`, and two encodings deep (three for
//!   `user:password`): a Secret's `.dockerconfigjson` is base64 of JSON that holds the
//!   password and `auth`, base64 of `user:password`, at any offset. A match hides the
//!   whole run of base64 around it from its own 4-character group, so the 1 to 3
//!   characters glued before a blob (a letter, `/`, `+`, the `m` of a colour reset
//!   `ESC[0m`) stay as they are and the blob goes whole.
//!
//! Short secrets must not blank unrelated text: a secret under [`MIN_SECRET`] characters
//! is hidden only as a whole word (and its base64 only as a whole value), and base64 is
//! searched inside longer base64 only for pieces of at least [`MIN_CORE`] characters (48
//! bits), so a password under 7 characters is found inside a longer blob only as part of
//! `user:password`. Text over [`MAX_FORMS`] bytes (a whole document wrapped in a
//! [`Secret`]) is searched only as it is, and over [`MAX_LEARNED`] bytes not at all: the
//! secrets inside a document are learned on their own.
//!
//! # How its cost grows with output size
//! Every form of every known secret goes into one Aho-Corasick automaton (a form longer
//! than [`ANCHOR`] bytes by the piece in its middle, compared whole where that piece is
//! found), built on the first redaction after the known set changed. Redacting reads
//! the output once, plus once more for each decoded view of a line that holds `%XX` (or
//! `+`, when a secret holds a space), and copies it: the cost grows linearly with the
//! output's size, plus the matches, and not with the number of known secrets once the
//! automaton is built. `scripts/bench-redact` (release build, helm-like output with
//! base64 certificates and Secrets, a 2-core machine shared with other work, best of 5
//! to 15 runs) measured about 3 ms per MB with 1 known login, 8 to 9 ms per MB with 10
//! or 50 (10 MB: 30 to 66, 84 to 93, 96 to 107 ms); 1 KB in 3 to 7 µs. Building the
//! automaton takes 2 ms for 10 logins, 14 ms for 50, 8 to 16 ms for a service-account
//! keyfile.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, OnceLock};

use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine;
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
    /// Wraps `value`, and makes it known to [`redact`] from now on.
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        learn(&value);
        Secret(value)
    }

    /// Wraps a whole document that holds secrets (a values file, a manifest) without
    /// making it known to [`redact`] as a whole: its secrets are learned on their own,
    /// and phib may show the document once they are hidden (which, with none in it, is
    /// the document itself).
    pub fn holding(document: impl Into<String>) -> Self {
        Secret(document.into())
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

/// A secret shorter than this (in characters) is hidden only as a whole word: it cannot
/// be told from ordinary text inside a longer one.
pub const MIN_SECRET: usize = 4;
/// The shortest piece of a folded secret that is hidden on its own.
pub const MIN_PIECE: usize = 8;
/// The fewest base64 characters searched for inside a longer run of base64 (48 bits);
/// shorter encodings are hidden only as a whole value.
pub const MIN_CORE: usize = 8;
/// The longest secret searched for in its derived forms (escaped, encoded, folded); a
/// real password or keyfile is far shorter.
pub const MAX_FORMS: usize = 16 * 1024;
/// The longest secret searched for three base64 encodings deep (a password or token,
/// not a keyfile: the deepest patterns are 2.4 times the secret's length).
pub const MAX_DEEP: usize = 1024;
/// The longest text searched for at all (as it is).
pub const MAX_LEARNED: usize = 64 * 1024;

// ---------------------------------------------------------------------------------------
// The process-wide set of known secrets.

#[derive(Default)]
struct Known {
    forms: Forms,
    /// Counts the changes of `forms`.
    generation: u64,
    /// The automaton, and the generation it was built from.
    matcher: Option<(u64, Arc<Matcher>)>,
}

static KNOWN: LazyLock<Mutex<Known>> = LazyLock::new(Mutex::default);

/// The known set. Nothing holding it creates a [`Secret`] or a [`Redactor`], or builds
/// an automaton: learning never waits for a build.
fn known() -> MutexGuard<'static, Known> {
    KNOWN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn learn_with(add: impl FnOnce(&mut Forms) -> bool) {
    let mut known = known();
    if add(&mut known.forms) {
        known.generation += 1;
    }
}

/// The automaton for everything learned before this call, built (outside the lock)
/// when the known set changed since the last one.
fn current_matcher() -> Option<Arc<Matcher>> {
    let (generation, patterns, kinds, spaces) = {
        let known = known();
        if known.forms.is_empty() {
            return None;
        }
        match &known.matcher {
            Some((g, m)) if *g == known.generation => return Some(m.clone()),
            _ => (
                known.generation,
                known.forms.patterns.clone(),
                known.forms.kinds.clone(),
                known.forms.spaces,
            ),
        }
    };
    let matcher = Arc::new(Matcher::new(patterns, kinds, spaces));
    let mut known = known();
    if known.matcher.as_ref().is_none_or(|(g, _)| *g < generation) {
        known.matcher = Some((generation, matcher.clone()));
    }
    Some(matcher)
}

/// Makes `secret` known to [`redact`], in every form. An empty one hides nothing.
pub fn learn(secret: &str) {
    learn_with(|f| f.add_secret(secret));
}

/// Makes a login known to [`redact`]: the password ([`learn`]) and `user:password` in
/// base64, as a docker config's `auth` holds it.
pub fn learn_login(username: &str, password: &str) {
    learn_with(|f| f.add_login(username, password));
}

/// Makes known every string under a secret key ([`is_secret_key`]) anywhere in `doc`,
/// and each as a login with the user name beside it (`registryUsername`, `username`).
pub fn learn_document(doc: &Value) {
    learn_with(|f| f.add_document(doc));
}

fn learn_exact(text: &str) {
    learn_with(|f| f.add_exact(text));
}

/// `text` with every secret known so far replaced by `<redacted>`.
pub fn redact(text: &str) -> String {
    from_utf8(redact_bytes(text.as_bytes()))
}

/// Like [`redact`] for output that may not be UTF-8 (or may end inside a character):
/// bytes that are not part of a secret pass through unchanged.
pub fn redact_bytes(bytes: &[u8]) -> Vec<u8> {
    match current_matcher() {
        Some(m) => m.redact(bytes),
        None => bytes.to_vec(),
    }
}

fn from_utf8(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

// ---------------------------------------------------------------------------------------
// A set of secrets of its own.

/// Hides a set of secrets of its own in text phib did not write itself (what helm or
/// kubectl print), in every form the module documentation lists. What it is given is
/// also learned for [`redact`].
#[derive(Clone, Default)]
pub struct Redactor {
    forms: Forms,
    matcher: OnceLock<Matcher>,
}

impl PartialEq for Redactor {
    fn eq(&self, other: &Redactor) -> bool {
        self.forms == other.forms
    }
}

impl Eq for Redactor {}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("forms", &self.forms.patterns.len())
            .finish()
    }
}

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }

    fn changed(&mut self, changed: bool) -> &mut Redactor {
        if changed {
            self.matcher = OnceLock::new();
        }
        self
    }

    /// Hides `secret` in every form. An empty secret hides nothing.
    pub fn add(&mut self, secret: &str) -> &mut Redactor {
        learn(secret);
        let changed = self.forms.add_secret(secret);
        self.changed(changed)
    }

    /// Hides a login: the password (see [`Redactor::add`]) and `user:password` in base64.
    pub fn add_login(&mut self, username: &str, password: &str) -> &mut Redactor {
        learn_login(username, password);
        let changed = self.forms.add_login(username, password);
        self.changed(changed)
    }

    /// Hides every string under a secret key ([`is_secret_key`]) anywhere in `doc`.
    pub fn add_document(&mut self, doc: &Value) -> &mut Redactor {
        learn_document(doc);
        let changed = self.forms.add_document(doc);
        self.changed(changed)
    }

    /// Hides exactly `text`, with no other form (e.g. a whole encoded document).
    pub fn add_exact(&mut self, text: &str) -> &mut Redactor {
        learn_exact(text);
        let changed = self.forms.add_exact(text);
        self.changed(changed)
    }

    fn matcher(&self) -> Option<&Matcher> {
        (!self.forms.is_empty()).then(|| self.matcher.get_or_init(|| Matcher::build(&self.forms)))
    }

    /// `text` with every secret of this set replaced by `<redacted>`.
    pub fn redact(&self, text: &str) -> String {
        from_utf8(self.redact_bytes(text.as_bytes()))
    }

    /// Like [`Redactor::redact`] for output that may not be UTF-8 (or may end inside a
    /// character): bytes that are not part of a secret pass through unchanged.
    pub fn redact_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        match self.matcher() {
            Some(m) => m.redact(bytes),
            None => bytes.to_vec(),
        }
    }

    /// Whether `text` holds one of the secrets of this set, in any form.
    pub fn finds(&self, text: &str) -> bool {
        self.matcher()
            .is_some_and(|m| !m.spans(text.as_bytes()).is_empty())
    }
}

// ---------------------------------------------------------------------------------------
// The forms of the secrets.

/// What a match of one form hides.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
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
struct Forms {
    patterns: Vec<Vec<u8>>,
    kinds: Vec<Vec<Kind>>,
    index: HashMap<Vec<u8>, usize>,
    /// What was learned already (tagged), so learning again changes nothing.
    learned: HashSet<String>,
    /// Whether a secret holds a space (then `+` may stand for it in a URL).
    spaces: bool,
}

impl Forms {
    fn is_empty(&self) -> bool {
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

    fn add_exact(&mut self, text: &str) -> bool {
        if !self.first('e', text) {
            return false;
        }
        self.push(text.as_bytes(), Forms::text_kind(text));
        true
    }

    fn add_secret(&mut self, secret: &str) -> bool {
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

    fn add_login(&mut self, username: &str, password: &str) -> bool {
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
            let auth = base64::engine::general_purpose::STANDARD.encode(&login);
            self.add_cores(vec![auth.into_bytes()], 2);
            changed = true;
        }
        changed
    }

    fn add_document(&mut self, value: &Value) -> bool {
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

// ---------------------------------------------------------------------------------------
// Finding the forms.

/// The longest piece of a form the automaton searches for: a longer form (a keyfile in
/// base64 is kilobytes) is found by the piece in its middle, then compared whole where
/// that piece matched. The automaton stays small, so building it stays fast.
const ANCHOR: usize = 64;

/// Where the automaton's piece of `form` starts in it.
fn anchor_at(form: &[u8]) -> usize {
    form.len().saturating_sub(ANCHOR) / 2
}

/// The automaton over all forms of a set of secrets.
#[derive(Clone)]
struct Matcher {
    /// `None` when the automaton could not be built: then everything is hidden.
    automaton: Option<AhoCorasick>,
    /// For each piece the automaton searches: the forms it is cut from.
    targets: Vec<Vec<u32>>,
    forms: Vec<Vec<u8>>,
    kinds: Vec<Vec<Kind>>,
    spaces: bool,
}

fn is_base64(b: u8, url: bool) -> bool {
    b.is_ascii_alphanumeric()
        || if url {
            matches!(b, b'-' | b'_')
        } else {
            matches!(b, b'+' | b'/')
        }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Whether `bytes` holds a `%XX` escape.
fn has_percent_escape(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'%', bytes).any(|i| {
        bytes
            .get(i + 1..i + 3)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    })
}

/// `line` with its `%XX` escapes decoded (and `+` as a space, with `plus`), and where
/// each decoded byte starts in `line` (one more entry for the end).
fn percent_decoded(line: &[u8], plus: bool) -> (Vec<u8>, Vec<usize>) {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(line.len());
    let mut at = Vec::with_capacity(line.len() + 1);
    let mut i = 0;
    while i < line.len() {
        at.push(i);
        let escaped = match line.get(i..i + 3) {
            Some([b'%', h, l]) => hex(*h).zip(hex(*l)).map(|(h, l)| (h * 16 + l) as u8),
            _ => None,
        };
        match (line[i], escaped) {
            (_, Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', None) if plus => {
                out.push(b' ');
                i += 1;
            }
            (b, None) => {
                out.push(b);
                i += 1;
            }
        }
    }
    at.push(line.len());
    (out, at)
}

/// The maximal run of base64 characters around `start..end` (padding included), reusing
/// the last run found when it holds the match: the matches inside one long blob cost
/// one scan of it, not one each.
fn base64_run(
    hay: &[u8],
    start: usize,
    end: usize,
    url: bool,
    last: &mut Option<(usize, usize)>,
) -> (usize, usize) {
    let (run_start, run_end) = match *last {
        Some((s, e)) if s <= start && end <= e => (s, e),
        _ => {
            let mut s = start;
            while s > 0 && is_base64(hay[s - 1], url) {
                s -= 1;
            }
            let mut e = end;
            while e < hay.len() && is_base64(hay[e], url) && hay[e - 1] != b'=' {
                e += 1;
            }
            *last = Some((s, e));
            (s, e)
        }
    };
    let mut padded = run_end;
    while padded < hay.len() && padded < run_end + 2 && hay[padded] == b'=' {
        padded += 1;
    }
    (run_start, padded.max(end))
}

/// What a match at `s..e` of a form of `kind` hides, if anything.
fn hidden(
    hay: &[u8],
    s: usize,
    e: usize,
    kind: Kind,
    runs: &mut [Option<(usize, usize)>; 2],
) -> Option<(usize, usize)> {
    match kind {
        Kind::Text => Some((s, e)),
        Kind::Word => {
            let inside_before = s > 0 && is_word(hay[s - 1]) && is_word(hay[s]);
            let inside_after = e < hay.len() && is_word(hay[e]) && is_word(hay[e - 1]);
            (!inside_before && !inside_after).then_some((s, e))
        }
        Kind::Base64 { lead, url } => {
            let (run_start, run_end) = base64_run(hay, s, e, url, &mut runs[usize::from(url)]);
            // Back from the match's group to the run's first whole group: what is glued
            // before the blob (fewer than 4 characters) stays.
            let start = match s.checked_sub(usize::from(lead)) {
                Some(group) if run_start <= group => group - (group - run_start) / 4 * 4,
                _ => run_start,
            };
            Some((start, run_end))
        }
        Kind::Base64Whole { url } => {
            let (run_start, run_end) = base64_run(hay, s, e, url, &mut runs[usize::from(url)]);
            (run_start == s && hay[e..run_end].iter().all(|b| *b == b'=')).then_some((s, run_end))
        }
    }
}

impl Matcher {
    fn build(forms: &Forms) -> Matcher {
        Matcher::new(forms.patterns.clone(), forms.kinds.clone(), forms.spaces)
    }

    fn new(forms: Vec<Vec<u8>>, kinds: Vec<Vec<Kind>>, spaces: bool) -> Matcher {
        let mut pieces: Vec<&[u8]> = Vec::new();
        let mut targets: Vec<Vec<u32>> = Vec::new();
        let mut index: HashMap<&[u8], usize> = HashMap::new();
        for (i, form) in forms.iter().enumerate() {
            let at = anchor_at(form);
            let piece = &form[at..form.len().min(at + ANCHOR)];
            let slot = *index.entry(piece).or_insert_with(|| {
                pieces.push(piece);
                targets.push(Vec::new());
                pieces.len() - 1
            });
            targets[slot].push(i as u32);
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            // The prefilter's candidates are everywhere in base64-heavy output (measured
            // by scripts/bench-redact: up to 5 times slower with it).
            .prefilter(false)
            .build(&pieces)
            .ok();
        Matcher {
            automaton,
            targets,
            forms,
            kinds,
            spaces,
        }
    }

    /// What to hide in `hay`: spans of bytes, in no order, maybe overlapping.
    fn spans(&self, hay: &[u8]) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        let Some(automaton) = &self.automaton else {
            if !hay.is_empty() {
                spans.push((0, hay.len()));
            }
            return spans;
        };
        self.find(automaton, hay, 0, None, &mut spans);
        let percent = has_percent_escape(hay);
        let plus = self.spaces && memchr::memchr(b'+', hay).is_some();
        if !percent && !plus {
            return spans;
        }
        let mut offset = 0;
        for line in hay.split_inclusive(|b| *b == b'\n') {
            let line_percent = percent && has_percent_escape(line);
            let line_plus = plus && memchr::memchr(b'+', line).is_some();
            for (decode, plus) in [(line_percent, false), (line_plus, true)] {
                if decode {
                    let (view, at) = percent_decoded(line, plus);
                    self.find(automaton, &view, offset, Some(&at), &mut spans);
                }
            }
            offset += line.len();
        }
        spans
    }

    /// Adds the spans of the matches in `hay` to `out`, mapped through `at` (where each
    /// byte of a decoded view starts in the original) and moved by `offset`.
    fn find(
        &self,
        automaton: &AhoCorasick,
        hay: &[u8],
        offset: usize,
        at: Option<&[usize]>,
        out: &mut Vec<(usize, usize)>,
    ) {
        let mut runs = [None, None];
        for m in automaton.find_overlapping_iter(hay) {
            for &form in &self.targets[m.pattern().as_usize()] {
                let form = form as usize;
                let pattern = &self.forms[form];
                let Some(s) = m.start().checked_sub(anchor_at(pattern)) else {
                    continue;
                };
                let e = s + pattern.len();
                if hay.get(s..e) != Some(pattern.as_slice()) {
                    continue;
                }
                for kind in &self.kinds[form] {
                    if let Some((s, e)) = hidden(hay, s, e, *kind, &mut runs) {
                        let (s, e) = match at {
                            Some(at) => (at[s], at[e]),
                            None => (s, e),
                        };
                        out.push((offset + s, offset + e));
                    }
                }
            }
        }
    }

    fn redact(&self, hay: &[u8]) -> Vec<u8> {
        let mut spans = self.spans(hay);
        if spans.is_empty() {
            return hay.to_vec();
        }
        spans.sort_unstable();
        let mut out = Vec::with_capacity(hay.len());
        let mut done = 0;
        let mut i = 0;
        while i < spans.len() {
            let (start, mut end) = spans[i];
            i += 1;
            while i < spans.len() && spans[i].0 < end {
                end = end.max(spans[i].1);
                i += 1;
            }
            out.extend_from_slice(&hay[done..start]);
            out.extend_from_slice(REDACTED.as_bytes());
            done = end;
        }
        out.extend_from_slice(&hay[done..]);
        out
    }
}

// ---------------------------------------------------------------------------------------
// Secrets in documents.

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
}

/// Every form a secret takes in what helm and kubectl print, built here from the
/// encodings' own rules (RFC 8259 JSON, RFC 3986 percent-encoding, the WHATWG form
/// encoding, RFC 4648 base64), not from the code under test; and an oracle that undoes
/// them on the redacted text.
#[cfg(test)]
mod forms {
    use super::*;
    use base64::Engine;
    use proptest::prelude::*;

    fn b64(bytes: impl AsRef<[u8]>) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    fn b64_url(bytes: impl AsRef<[u8]>) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    /// A JSON string's content: `ascii` writes non-ASCII as `\u` UTF-16 units (Python's
    /// default), `upper` in upper-case hex, `slash` escapes `/` (PHP), `html` escapes
    /// `<`, `>`, `&` (Go's encoding/json).
    fn json(s: &str, ascii: bool, upper: bool, slash: bool, html: bool) -> String {
        let hex = |u: u32| {
            if upper {
                format!("\\u{u:04X}")
            } else {
                format!("\\u{u:04x}")
            }
        };
        let mut out = String::new();
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '/' if slash => out.push_str("\\/"),
                '<' | '>' | '&' if html => out.push_str(&hex(c as u32)),
                c if (c as u32) < 0x20 => out.push_str(&hex(c as u32)),
                c if ascii && !c.is_ascii() => {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        out.push_str(&hex(u32::from(*u)));
                    }
                }
                c => out.push(c),
            }
        }
        out
    }

    /// Percent-encoding: every byte but the unreserved ones and `keep`, as `%XX`
    /// (`lower` for lower-case hex); `plus` writes a space as `+` (form encoding).
    fn percent(s: &str, keep: &str, plus: bool, lower: bool) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.as_bytes().contains(&b) {
                out.push(b as char);
            } else if b == b' ' && plus {
                out.push('+');
            } else if lower {
                out.push_str(&format!("%{b:02x}"));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }

    /// How a form must come out: text forms exactly as `<redacted>` between their
    /// neighbours; a base64 blob as `<redacted>` after its neighbours, with the rest of
    /// the base64 run it is glued into hidden with it.
    #[derive(Clone, Copy, PartialEq, Debug)]
    enum Shape {
        Text,
        Blob,
    }

    /// A docker config as kubectl (Go), phib (serde) or Python write it.
    fn dockerconfig(host: &str, user: &str, pw: &str, style: &str) -> String {
        let auth = b64(format!("{user}:{pw}"));
        let (u, p) = match style {
            "go" => (
                json(user, false, false, false, true),
                json(pw, false, false, false, true),
            ),
            "python" => (
                json(user, true, false, false, false),
                json(pw, true, false, false, false),
            ),
            "auth-only" => {
                return format!(r#"{{"auths":{{"{host}":{{"auth":"{auth}"}}}}}}"#);
            }
            _ => (
                json(user, false, false, false, false),
                json(pw, false, false, false, false),
            ),
        };
        format!(r#"{{"auths":{{"{host}":{{"username":"{u}","password":"{p}","auth":"{auth}"}}}}}}"#)
    }

    /// Every form of the login `user`/`pw`, named.
    fn forms(user: &str, pw: &str) -> Vec<(String, String, Shape)> {
        let mut v: Vec<(String, String, Shape)> = Vec::new();
        let mut text = |name: &str, s: String| v.push((name.to_string(), s, Shape::Text));
        text("plain", pw.to_string());
        text("json", json(pw, false, false, false, false));
        text("json \\u", json(pw, true, false, false, false));
        text("json \\U", json(pw, true, true, false, false));
        text("json \\/", json(pw, false, false, true, false));
        text("json \\u \\/", json(pw, true, false, true, false));
        text("json go", json(pw, false, false, false, true));
        text(
            "json in json",
            json(
                &json(pw, false, false, false, false),
                false,
                false,
                false,
                false,
            ),
        );
        text(
            "json \\u in json",
            json(
                &json(pw, true, false, false, false),
                false,
                false,
                false,
                false,
            ),
        );
        text("yaml single", pw.replace('\'', "''"));
        // Go's url.UserPassword: all but unreserved and `$&+,;=` escaped.
        text("url userinfo", percent(pw, "$&+,;=", false, false));
        // Go's url.QueryEscape and the WHATWG form encoding: space as `+`.
        text("url query", percent(pw, "", true, false));
        text("url lower hex", percent(pw, "", false, true));
        // Python's urllib.parse.quote keeps `/`.
        text("url path", percent(pw, "/", false, false));
        let mut blob = |name: &str, s: String| v.push((name.to_string(), s, Shape::Blob));
        blob("base64", b64(pw));
        blob("base64 unpadded", b64(pw).trim_end_matches('=').to_string());
        blob("base64 url-safe", b64_url(pw));
        for (i, around) in [("x", "y"), ("xy", "z"), ("xyz", "\"}"), ("p=\"", "\"")]
            .iter()
            .enumerate()
        {
            blob(
                &format!("base64 at offset {}", around.0.len() % 3 + i / 3 * 10),
                b64(format!("{}{pw}{}", around.0, around.1)),
            );
            blob(
                &format!("base64 url-safe at offset {}", around.0.len() % 3),
                b64_url(format!("{}{pw}{}", around.0, around.1)),
            );
        }
        // Only the escaped password in the blob: no `auth` beside it to give it away.
        for (style, escaped) in [
            ("serde", json(pw, false, false, false, false)),
            ("go", json(pw, false, false, false, true)),
            ("python", json(pw, true, false, false, false)),
            ("php", json(pw, true, false, true, false)),
        ] {
            for key in ["pw", "pass", "token"] {
                blob(
                    &format!("base64 of {style} json {key}"),
                    b64(format!(r#"{{"{key}":"{escaped}"}}"#)),
                );
            }
        }
        blob("auth", b64(format!("{user}:{pw}")));
        blob("auth url-safe", b64_url(format!("{user}:{pw}")));
        blob(
            "basic header in base64",
            b64(format!(
                "Authorization: Basic {}\r\n",
                b64(format!("{user}:{pw}"))
            )),
        );
        for host in ["r.io", "reg.io", "regi.io"] {
            for style in ["serde", "go", "python", "auth-only"] {
                let config = dockerconfig(host, user, pw, style);
                blob(&format!("dockerconfigjson {style} {host}"), b64(&config));
                blob(
                    &format!("blob of a dockerconfigjson {style} {host}"),
                    b64(format!(
                        "apiVersion: v1\nkind: Secret\ndata:\n  .dockerconfigjson: {}\n",
                        b64(&config)
                    )),
                );
            }
        }
        v
    }

    const PREFIXES: &[&str] = &[
        "", "m", "\x1b[0m", "a", "/", "+", "ab", "x/+", "\"", "key=", "é",
    ];
    const SUFFIXES: &[&str] = &["", "\n", "x", "Ab", "\x1b[0m", "\"", "/+"];

    /// Strings that would show `pw` once decoded: `\u` escapes and `\/`, percent
    /// escapes (with `+` as space or not), and base64 at each of the four character
    /// offsets, three levels deep.
    fn recoverable(out: &str, user: &str, pw: &str) -> Option<String> {
        fn unjson(s: &str) -> String {
            let mut out = String::new();
            let mut units: Vec<u16> = Vec::new();
            let mut rest = s;
            while !rest.is_empty() {
                if let Some(hex) = rest.strip_prefix("\\u").and_then(|r| r.get(..4)) {
                    if let Ok(u) = u16::from_str_radix(hex, 16) {
                        units.push(u);
                        rest = &rest[6..];
                        continue;
                    }
                }
                out.push_str(&String::from_utf16_lossy(&units));
                units.clear();
                if let Some(r) = rest.strip_prefix("\\/") {
                    out.push('/');
                    rest = r;
                } else if let Some(r) = rest.strip_prefix("\\\\") {
                    out.push('\\');
                    rest = r;
                } else if let Some(r) = rest.strip_prefix("\\\"") {
                    out.push('"');
                    rest = r;
                } else {
                    let c = rest.chars().next().unwrap();
                    out.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
            out.push_str(&String::from_utf16_lossy(&units));
            out
        }
        fn unpercent(s: &str, plus: bool) -> String {
            let b = s.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < b.len() {
                let hex = b
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
                    (b'%', Some(v)) => {
                        out.push(v);
                        i += 3;
                    }
                    (b'+', _) if plus => {
                        out.push(b' ');
                        i += 1;
                    }
                    (c, _) => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            String::from_utf8_lossy(&out).into_owned()
        }
        fn decoded(text: &str) -> Vec<String> {
            let engine = base64::engine::GeneralPurpose::new(
                &base64::alphabet::STANDARD,
                base64::engine::GeneralPurposeConfig::new()
                    .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
                    .with_decode_allow_trailing_bits(true),
            );
            let mut out = Vec::new();
            let normal = text.replace('-', "+").replace('_', "/");
            for run in normal.split(|c: char| !(c.is_ascii_alphanumeric() || "+/".contains(c))) {
                for skip in 0..4 {
                    let Some(r) = run.get(skip..) else { continue };
                    let r = &r[..r.len() / 4 * 4];
                    if r.len() < 4 {
                        continue;
                    }
                    if let Ok(bytes) = engine.decode(r) {
                        out.push(String::from_utf8_lossy(&bytes).into_owned());
                    }
                }
            }
            out
        }
        let needles = [
            pw.to_string(),
            json(pw, false, false, false, false),
            json(pw, false, false, false, true),
            format!("{user}:{pw}"),
        ];
        let mut layers = vec![out.to_string()];
        for depth in 0..4 {
            let mut next = Vec::new();
            for layer in &layers {
                for view in [
                    layer.clone(),
                    unjson(layer),
                    unpercent(layer, false),
                    unpercent(layer, true),
                ] {
                    if let Some(n) = needles.iter().find(|n| view.contains(n.as_str())) {
                        return Some(format!("`{n}` at depth {depth} in {view:?}"));
                    }
                }
                if depth < 3 {
                    next.extend(decoded(layer));
                }
            }
            layers = next;
        }
        None
    }

    /// Checks every form of `user`/`pw` glued to every prefix and suffix.
    /// With `login`, the redactor knows the user too; else only the password, as
    /// [`Secret::new`] learns it.
    fn check_all(
        user: &str,
        pw: &str,
        login: bool,
        prefixes: &[&str],
        suffixes: &[&str],
    ) -> Vec<String> {
        // Not learned for `redact`: the store every test of the crate shares stays small.
        let mut r = Redactor::new();
        let changed = if login {
            r.forms.add_login(user, pw)
        } else {
            r.forms.add_secret(pw)
        };
        r.changed(changed);
        let mut failures = Vec::new();
        for (name, form, shape) in forms(user, pw) {
            for pre in prefixes {
                for suf in suffixes {
                    let text = format!("{pre}{form}{suf}");
                    let out = r.redact(&text);
                    let head = format!("{pre}{REDACTED}");
                    let shaped = match shape {
                        Shape::Text => out == format!("{head}{suf}"),
                        Shape::Blob => out
                            .strip_prefix(&head)
                            .is_some_and(|rest| suf.ends_with(rest)),
                    };
                    if !shaped {
                        failures.push(format!(
                            "{name} glued {pre:?}…{suf:?} (login {login}): {out:?}"
                        ));
                    } else if let Some(why) = recoverable(&out, user, pw) {
                        failures.push(format!(
                            "{name} glued {pre:?}…{suf:?} (login {login}): {why}"
                        ));
                    }
                }
            }
        }
        failures
    }

    #[test]
    fn every_form_of_a_login_is_hidden_whatever_it_is_glued_to() {
        for (user, pw) in [
            ("robot$ci", "Hunter2-Hunter2"),
            ("me", "p@ss w/rd+50%"),
            ("u", "caf\u{e9}-Gr\u{fc}\u{df}e-\u{1f600}"),
            (
                "_json_key",
                r#"{"private_key":"-----BEGIN KEY-----\nMIIEv/Q+x=\n"}"#,
            ),
            ("user", "a<b>&c'd\"e\\f"),
        ] {
            let mut failures = check_all(user, pw, true, PREFIXES, SUFFIXES);
            failures.extend(check_all(user, pw, false, PREFIXES, SUFFIXES));
            assert!(
                failures.is_empty(),
                "{pw:?}: {} failures:\n{}",
                failures.len(),
                failures.join("\n")
            );
        }
    }

    #[test]
    fn a_dockerconfigjson_glued_to_base64_characters_is_hidden() {
        let config = dockerconfig("registry.example.com", "robot", "S3cret-Passw0rd", "go");
        let blob = b64(&config);
        let mut r = Redactor::new();
        r.add_login("robot", "S3cret-Passw0rd");
        for glue in ["m", "\x1b[0m", "a", "/", "+", "ab", "Zz9", "x/+"] {
            let out = r.redact(&format!("{glue}{blob}\n"));
            assert_eq!(out, format!("{glue}{REDACTED}\n"), "glued to {glue:?}");
        }
    }

    #[test]
    fn non_ascii_passwords_are_hidden_in_json_unicode_escapes() {
        let mut r = Redactor::new();
        r.add("d\u{e9}j\u{e0}-vu/\u{1f600}");
        for form in [
            r#"d\u00e9j\u00e0-vu/\ud83d\ude00"#,
            r#"d\u00E9j\u00E0-vu/\uD83D\uDE00"#,
            r#"d\u00e9j\u00e0-vu\/\ud83d\ude00"#,
            "d\u{e9}j\u{e0}-vu\\/\u{1f600}",
        ] {
            assert_eq!(
                r.redact(&format!("\"{form}\"")),
                format!("\"{REDACTED}\""),
                "{form}"
            );
        }
    }

    #[test]
    fn url_encoded_passwords_are_hidden() {
        let mut r = Redactor::new();
        r.add("p@ss w/rd+50%");
        for form in [
            "p%40ss%20w%2Frd%2B50%25",
            "p%40ss+w%2Frd%2B50%25",
            "p%40ss%20w/rd+50%25",
            "p%40ss%20w%2frd%2b50%25",
        ] {
            assert_eq!(
                r.redact(&format!("https://u:{form}@h/?t={form}&x=1")),
                format!("https://u:{REDACTED}@h/?t={REDACTED}&x=1"),
                "{form}"
            );
        }
    }

    #[test]
    fn short_secrets_and_common_words_blank_nothing_else() {
        let mut r = Redactor::new();
        r.add("pw").add("abc").add_login("admin", "x");
        assert_eq!(
            r.redact("pw: abc, password abcd, x\nbox xabc pwned"),
            format!("{REDACTED}: {REDACTED}, password abcd, {REDACTED}\nbox xabc pwned")
        );
        // Their base64 forms only as whole values, never inside longer base64.
        assert_eq!(
            r.redact(&format!("v: {}", b64("abc"))),
            format!("v: {REDACTED}")
        );
        assert_eq!(r.redact("YWJjZGVm QWJj"), "YWJjZGVm QWJj");
        // A long password does not blank its user or ordinary words.
        let mut r = Redactor::new();
        r.add_login("admin", "Tr0ub4dor&3-horse");
        let text = "admin logged in; the horse and the Tr0ub4dor are fine\n";
        assert_eq!(r.redact(text), text);
    }

    fn password() -> impl Strategy<Value = String> {
        let chars = prop::sample::select(vec![
            'a',
            'Z',
            '0',
            '9',
            '/',
            '+',
            '=',
            '"',
            '\'',
            '\\',
            ' ',
            ':',
            '@',
            '%',
            '&',
            '<',
            '$',
            '-',
            '_',
            '.',
            '~',
            '\u{e9}',
            '\u{4e2d}',
            '\u{1f600}',
            '\t',
        ]);
        prop::collection::vec(chars, 8..20).prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn random_passwords_are_hidden_in_every_form_and_glue(
            pw in password(),
            user in "[a-z$]{1,8}",
            pre in prop::sample::select(PREFIXES.to_vec()),
            suf in prop::sample::select(SUFFIXES.to_vec()),
        ) {
            let mut failures = check_all(&user, &pw, true, &[pre], &[suf]);
            failures.extend(check_all(&user, &pw, false, &[pre], &[suf]));
            prop_assert!(failures.is_empty(), "{pw:?}: {}", failures.join("\n"));
        }
    }
}

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
//!   characters that do not depend on the bytes around the secret (`patterns::cores`).
//!   This for the secret, its JSON forms and `user:password`, and two encodings deep
//!   (three for `user:password`): a Secret's `.dockerconfigjson` is base64 of JSON that
//!   holds the password and `auth`, base64 of `user:password`, at any offset. A match
//!   hides the whole run of base64 around it from its own 4-character group, so the 1 to
//!   3 characters glued before a blob (a letter, `/`, `+`, the `m` of a colour reset
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
//! than `matcher::ANCHOR` bytes by the piece in its middle, compared whole where that
//! piece is found), built on the first redaction after the known set changed. Redacting
//! reads the output once, plus once more for each decoded view of a line that holds
//! `%XX` (or `+`, when a secret holds a space), and copies it: the cost grows linearly
//! with the output's size, plus the matches, and not with the number of known secrets
//! once the automaton is built. `scripts/bench-redact` (release build, helm-like output
//! with base64 certificates and Secrets, a 2-core machine shared with other work, best
//! of 5 to 15 runs) measured about 3 ms per MB with 1 known login, 8 to 9 ms per MB with
//! 10 or 50 (10 MB: 30 to 66, 84 to 93, 96 to 107 ms); 1 KB in 3 to 7 µs. Building the
//! automaton takes 2 ms for 10 logins, 14 ms for 50, 8 to 16 ms for a service-account
//! keyfile.

use std::fmt;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, OnceLock};

use serde_json::Value;

mod document;
mod matcher;
mod patterns;

pub use document::{hide_url_passwords, is_secret_key, redact_document};
use matcher::Matcher;
use patterns::Forms;

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

/// A login as a docker config's `auth` holds it, and as HTTP Basic sends it: base64 of
/// `user:password`. As secret as the password: wrap it in a [`Secret`] (or a document
/// that is one) before it goes anywhere; it is not learned here, the login is
/// ([`learn_login`]).
pub fn basic_auth(username: &str, password: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
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

#[cfg(test)]
mod forms;
#[cfg(test)]
mod tests;

//! The one reader of values files, for every command that takes `--values` (render and
//! its `--check` and `--rotate`, show, verify, upgrade, the wizard): the same checks and
//! the same messages everywhere. A missing file is `Ok(None)` (what that means is the
//! command's business); a directory, a file that is not UTF-8 or is too large, bad YAML
//! and several documents are bad input (exit 2). A leading UTF-8 byte order mark is
//! part of the text (the merge keeps it) but not of the document.

use std::path::Path;

use serde::Deserialize;
use serde_yaml::Value;

use crate::files::read::{self, Kind};
use crate::files::Seen;
use crate::{Error, Result};

/// The largest values file phib reads (see [`Kind::limit`]).
pub const MAX_BYTES: u64 = Kind::Values.limit();

/// A values file as read: its text, exactly as on disk, and what it means.
#[derive(Debug)]
pub struct ValuesFile {
    pub text: String,
    pub doc: Value,
}

/// The values file a command is about to write: what was there when it was read, for
/// the write to check against ([`Seen`]), and its content, `None` when it does not
/// exist yet.
#[derive(Debug)]
pub struct ToWrite {
    pub seen: Seen,
    pub file: Option<ValuesFile>,
}

/// Reads and parses `path`. `Ok(None)` when it does not exist.
pub fn read(path: &Path) -> Result<Option<ValuesFile>> {
    let Some(text) = read_text(path)? else {
        return Ok(None);
    };
    let doc = parse_document(&text, path)?;
    Ok(Some(ValuesFile { text, doc }))
}

/// Reads and parses the values file a command will write: refused first when nothing
/// can be written there (a folder, a device, a missing folder).
pub fn read_to_write(path: &Path) -> Result<ToWrite> {
    crate::files::write::check_folder(path, "--values")?;
    let seen = Seen::read(path, Kind::Values)?;
    let file = match seen.bytes() {
        Some(bytes) => {
            let text = read::utf8(bytes.to_vec(), path)?;
            let doc = parse_document(&text, path)?;
            Some(ValuesFile { text, doc })
        }
        None => None,
    };
    Ok(ToWrite { seen, file })
}

/// Reads the text of `path` (through the files-in gate: regular files only, at most
/// [`MAX_BYTES`]). `Ok(None)` when it does not exist.
pub fn read_text(path: &Path) -> Result<Option<String>> {
    match read::read(path, Kind::Values)? {
        Some(r) => read::utf8(r.bytes, path).map(Some),
        None => Ok(None),
    }
}

/// Parses the text of the values file `path`; errors name the file. Every secret in it
/// (a string under a key that names one) is learned, so that no output shows it
/// ([`crate::secret::learn`]).
pub fn parse_document(text: &str, path: &Path) -> Result<Value> {
    let doc = parse(text).map_err(|mut e| {
        if let Some(rest) = e.message.strip_prefix(THE_FILE) {
            e.message = format!("`{}`{rest}", path.display());
        }
        e
    })?;
    learn_secrets(&doc, false);
    Ok(doc)
}

/// Learns the strings under secret keys of `doc` ([`crate::secret::is_secret_key`]).
fn learn_secrets(doc: &Value, secret: bool) {
    match doc {
        Value::Mapping(map) => {
            for (k, v) in map {
                let key = k.as_str().is_some_and(crate::secret::is_secret_key);
                learn_secrets(v, secret || key);
            }
        }
        Value::Sequence(items) => items.iter().for_each(|v| learn_secrets(v, secret)),
        Value::String(s) if secret => crate::secret::learn(s),
        Value::Tagged(t) => learn_secrets(&t.value, secret),
        _ => {}
    }
}

const THE_FILE: &str = "the values file";

/// Parses the one document of a values file (the one YAML parse every reader and the
/// merge use). Errors speak of "the values file" and never quote a value from it.
pub fn parse(text: &str) -> Result<Value> {
    let mut docs = documents(text);
    let doc = match docs.next() {
        Some(Ok(doc)) => doc.value,
        Some(Err(e)) => return Err(e.in_one("the values file")),
        None => Value::Null,
    };
    if docs.next().is_some() {
        return Err(Error::usage(format!(
            "{THE_FILE} holds more than one YAML document (separated by `---`)"
        ))
        .with_help(
            "keep PrimeHub's values in a file of their own, one document, and pass that file",
        ));
    }
    Ok(doc)
}

/// One document of a YAML stream, and where it was.
#[derive(Debug)]
pub struct Document {
    /// 1 for the first.
    pub number: usize,
    pub value: Value,
}

/// A document that is not valid YAML: which one, and why (never a value from it).
#[derive(Debug)]
pub struct BadDocument {
    pub number: usize,
    reason: String,
    help: String,
}

impl BadDocument {
    /// The error, for a stream of one document named `what` (`the values file`).
    pub fn in_one(self, what: &str) -> Error {
        Error::usage(format!("{what} is not valid YAML: {}", self.reason)).with_help(self.help)
    }

    /// The error, for document [`BadDocument::number`] of the stream named `what`.
    pub fn in_stream(self, what: &str) -> Error {
        Error::usage(format!(
            "{what}: document {} is not valid YAML: {}",
            self.number, self.reason
        ))
        .with_help(self.help)
    }
}

/// The one reader of YAML streams (a values file, a manifest bundle, a Secret
/// manifest, kubectl's output): each document in turn, parsed, or why it is not YAML.
/// A leading byte order mark is not part of the first document. Each caller decides
/// what several documents, or a bad one, mean for it.
pub fn documents(
    text: &str,
) -> impl Iterator<Item = std::result::Result<Document, BadDocument>> + '_ {
    // libyaml takes a byte order mark only in byte input; on a `str` it is an error,
    // or, before a key, the start of a second document.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_yaml::Deserializer::from_str(text)
        .enumerate()
        .map(|(n, de)| {
            Value::deserialize(de)
                .map(|value| Document {
                    number: n + 1,
                    value,
                })
                .map_err(|e| BadDocument {
                    number: n + 1,
                    reason: super::safe_parse_error(&e),
                    help: parse_error_help(
                        &e,
                        "fix the YAML at that line and column (`helm lint` or `yamllint` can help), then run phib again",
                    ),
                })
        })
}

/// The `help:` for a YAML error: `at_place` when the parser names a line and column;
/// otherwise the error is about the document as a whole, which only aliases cause
/// (serde_yaml stops expanding nested aliases at a repetition limit).
fn parse_error_help(err: &serde_yaml::Error, at_place: &str) -> String {
    if err.location().is_some() {
        return at_place.to_string();
    }
    "the document as a whole is refused, not one line: YAML aliases (`*name`) nested so deep that they expand to a huge document do this; write the values out without aliases, or name another file with `--values FILE`".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_document() {
        let plain = parse("a: 1\ncustomImage:\n  pushRepo: x\n").unwrap();
        let bom = parse("\u{feff}a: 1\ncustomImage:\n  pushRepo: x\n").unwrap();
        assert_eq!(plain, bom);
        let doc = parse_document("\u{feff}a: 1\n", Path::new("v.yaml")).unwrap();
        assert_eq!(doc.get("a"), Some(&Value::from(1)));
    }

    #[test]
    fn errors_name_the_file() {
        let err = parse_document("a: 1\n---\nb: 2\n", Path::new("v.yaml")).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.message
                .starts_with("`v.yaml` holds more than one YAML document"),
            "{}",
            err.message
        );
        let err = parse_document("a: [\n", Path::new("v.yaml")).unwrap_err();
        assert!(
            err.message.starts_with("`v.yaml` is not valid YAML: "),
            "{}",
            err.message
        );
    }

    #[test]
    fn missing_directory_binary_and_oversized_files() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read(&dir.path().join("missing.yaml")).unwrap().is_none());
        let err = read(dir.path()).unwrap_err();
        assert!(err.message.contains("is a directory"), "{}", err.message);
        let latin1 = dir.path().join("latin1.yaml");
        std::fs::write(&latin1, b"a: 1\nb: caf\xe9\n").unwrap();
        let err = read(&latin1).unwrap_err();
        assert!(
            err.message
                .contains("not UTF-8 text (invalid byte at line 2)"),
            "{}",
            err.message
        );
        let big = dir.path().join("big.yaml");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(MAX_BYTES + 1).unwrap();
        let err = read(&big).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.message.contains("larger than 4 MiB"), "{}", err.message);
    }
}

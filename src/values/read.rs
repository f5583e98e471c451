//! The one reader of values files, for every command that takes `--values` (render and
//! its `--check` and `--rotate`, show, verify, upgrade, the wizard): the same checks and
//! the same messages everywhere. A missing file is `Ok(None)` (what that means is the
//! command's business); a directory, a file that is not UTF-8 or is too large, bad YAML
//! and several documents are bad input (exit 2). A leading UTF-8 byte order mark is
//! part of the text (the merge keeps it) but not of the document.

use std::io::Read;
use std::path::Path;

use serde::Deserialize;
use serde_yaml::Value;

use crate::{Error, Result};

/// The largest values file phib reads. PrimeHub's values are tens of kilobytes; a file
/// this large is not one, and parsing it whole takes some 60 times its size in memory.
pub const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// A values file as read: its text, exactly as on disk, and what it means.
#[derive(Debug)]
pub struct ValuesFile {
    pub text: String,
    pub doc: Value,
}

/// Reads and parses `path`. `Ok(None)` when it does not exist.
pub fn read(path: &Path) -> Result<Option<ValuesFile>> {
    let Some(text) = read_text(path)? else {
        return Ok(None);
    };
    let doc = parse_document(&text, path)?;
    Ok(Some(ValuesFile { text, doc }))
}

/// Reads the text of `path`. `Ok(None)` when it does not exist. Anything but a regular
/// file (or a symlink to one) is refused before a byte is read: a FIFO may never end
/// (or block the open), a device like `/dev/zero` never ends, a socket is no file.
pub fn read_text(path: &Path) -> Result<Option<String>> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::input_io(path, e)),
    };
    let t = meta.file_type();
    if t.is_dir() {
        return Err(is_a_directory(path));
    }
    if !t.is_file() {
        let what = if t.is_fifo() {
            "a named pipe (FIFO)"
        } else if t.is_char_device() || t.is_block_device() {
            "a device"
        } else if t.is_socket() {
            "a socket"
        } else {
            "not a regular file"
        };
        return Err(Error::usage(format!(
            "`{}` is {what}, not a regular file; phib does not read it",
            path.display()
        ))
        .with_help("pass the path of a YAML values file, e.g. `--values values.yaml`"));
    }
    if meta.len() > MAX_BYTES {
        return Err(too_large(path));
    }
    // Non-blocking: should a FIFO replace the file after the check, the open does not
    // wait for a writer.
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::input_io(path, e)),
    };
    let mut bytes = Vec::new();
    match file.take(MAX_BYTES + 1).read_to_end(&mut bytes) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => return Err(is_a_directory(path)),
        Err(e) => return Err(Error::input_io(path, e)),
    }
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_large(path));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Some(text)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            Err(Error::usage(format!(
                "`{}` is not UTF-8 text (invalid byte at line {line})",
                path.display()
            ))
            .with_help("convert the file to UTF-8 (e.g. `iconv -t UTF-8`), then run phib again"))
        }
    }
}

fn too_large(path: &Path) -> Error {
    Error::usage(format!(
        "`{}` is larger than {} MiB, too large for a values file",
        path.display(),
        MAX_BYTES >> 20
    ))
    .with_help("pass the path of PrimeHub's Helm values file, e.g. `--values values.yaml`")
}

fn is_a_directory(path: &Path) -> Error {
    Error::usage(format!(
        "`{}` is a directory, not a values file",
        path.display()
    ))
    .with_help("pass the path of a YAML values file, e.g. `--values values.yaml`")
}

/// Parses the text of the values file `path`; errors name the file.
pub fn parse_document(text: &str, path: &Path) -> Result<Value> {
    parse(text).map_err(|mut e| {
        if let Some(rest) = e.message.strip_prefix(THE_FILE) {
            e.message = format!("`{}`{rest}", path.display());
        }
        e
    })
}

const THE_FILE: &str = "the values file";

/// Parses the one document of a values file (the one YAML parse every reader and the
/// merge use). Errors speak of "the values file" and never quote a value from it.
pub fn parse(text: &str) -> Result<Value> {
    // libyaml takes a byte order mark only in byte input; on a `str` it is an error,
    // or, before a key, the start of a second document.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut doc = Value::Null;
    for (n, de) in serde_yaml::Deserializer::from_str(text).enumerate() {
        if n == 1 {
            return Err(Error::usage(format!(
                "{THE_FILE} holds more than one YAML document (separated by `---`)"
            ))
            .with_help(
                "keep PrimeHub's values in a file of their own, one document, and pass that file",
            ));
        }
        doc = Value::deserialize(de).map_err(|e| {
            Error::usage(format!(
                "{THE_FILE} is not valid YAML: {}",
                super::safe_parse_error(&e)
            ))
            .with_help(parse_error_help(
                &e,
                "fix the YAML at that line and column (`helm lint` or `yamllint` can help), then run phib again",
            ))
        })?;
    }
    Ok(doc)
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

/// Reads a file that is not a values file (a Secret manifest) with the same checks and
/// bound; a missing file is bad input.
pub fn read_input(path: &Path) -> Result<String> {
    read_text(path)?.ok_or_else(|| {
        Error::usage(format!(
            "cannot read `{}`: it does not exist",
            path.display()
        ))
    })
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

//! The words of a command line: a [`Word`] planned before it runs, and a path as an
//! argument.

use std::ffi::OsString;
use std::path::Path;

use crate::names::Name;

/// One word of a command line phib plans before it runs it (helm's upgrade), so that the
/// plan can be shown and run from the same words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Word {
    /// phib's own word.
    Own(&'static str),
    /// A name: checked as one.
    Name(Name, String),
    /// A value that is no name (a chart reference, a version): refused when it could
    /// be read as an option or holds a control character.
    Text(String),
    /// A file phib chose or the user named.
    Path(std::path::PathBuf),
}

impl Word {
    /// The word as the program gets it.
    pub fn text(&self) -> String {
        match self {
            Word::Own(w) => w.to_string(),
            Word::Name(_, v) | Word::Text(v) => v.clone(),
            Word::Path(p) => path_word(p).to_string_lossy().into_owned(),
        }
    }
}

/// A path as an argument: one that starts with `-` gets `./` in front, so no program
/// reads it as an option (or as standard input).
pub(super) fn path_word(path: &Path) -> OsString {
    if path.as_os_str().as_encoded_bytes().starts_with(b"-") {
        Path::new(".").join(path).into_os_string()
    } else {
        path.as_os_str().to_owned()
    }
}

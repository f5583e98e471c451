//! One error type for the whole program. Every failure carries the exit status it maps
//! to, a lowercase message and, where there is a next step, a `help:` line. `main`
//! prints it once; nothing deeper prints errors or calls `process::exit`.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

/// What kind of failure, which decides the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bad usage or bad input; nothing was written. Exit status 2.
    Usage,
    /// An operation failed (I/O, helm, the registry). Exit status 1.
    Failed,
    /// The user interrupted a prompt (Ctrl-C, Esc). Exit status 130.
    Interrupted,
}

#[derive(Debug)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    pub help: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Bad usage or input (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Error {
            kind: Kind::Usage,
            message: message.into(),
            help: None,
        }
    }

    /// An operation failed (exit 1).
    pub fn failed(message: impl Into<String>) -> Self {
        Error {
            kind: Kind::Failed,
            message: message.into(),
            help: None,
        }
    }

    /// The user stopped a prompt (exit 130).
    pub fn interrupted() -> Self {
        Error {
            kind: Kind::Interrupted,
            message: "interrupted; nothing was written".into(),
            help: None,
        }
    }

    /// An internal check caught phib about to do something it did not mean to (exit 1).
    pub fn bug(message: impl Into<String>) -> Self {
        Error::failed(format!("this is a bug in phib: {}", message.into()))
            .with_help("nothing was written; please report this with the command you ran")
    }

    /// An I/O failure on `path` (exit 1). The path is always named.
    pub fn io(path: &Path, err: std::io::Error) -> Self {
        Error::failed(format!("`{}`: {}", path.display(), err))
    }

    /// Reading a file the user gave us failed: that is bad input (exit 2).
    pub fn input_io(path: &Path, err: std::io::Error) -> Self {
        Error::usage(format!("cannot read `{}`: {}", path.display(), err))
    }

    /// Adds the `help:` line that names the next step.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The process exit status for this error.
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            Kind::Usage => 2,
            Kind::Failed => 1,
            Kind::Interrupted => 130,
        }
    }
}

/// Whether a terminal would act on `c` instead of showing it: the C0 controls but
/// newline and tab, DEL, the C1 controls (CSI is U+009B) and the bidirectional
/// overrides and isolates, which reorder what follows them.
pub fn is_terminal_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` as it may be printed on a terminal: every [`is_terminal_control`] character
/// written as a visible escape (`\u{1b}`), so that a values file, an argument or a
/// server's answer cannot move the cursor, retitle the window or hide text. Every
/// message phib prints goes through it (`main`, warnings, verify's step lines).
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_terminal_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_terminal_control(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_what_a_terminal_acts_on() {
        assert_eq!(printable("plain `x`\n\tok"), "plain `x`\n\tok");
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
        assert_eq!(
            printable("a\u{1b}[2Jb\rc\u{7}\u{7f}\u{9b}1m\u{202e}d\u{85}"),
            "a\\u{1b}[2Jb\\u{d}c\\u{7}\\u{7f}\\u{9b}1m\\u{202e}d\\u{85}"
        );
        assert_eq!(printable("caf\u{e9} \u{1f600}"), "caf\u{e9} \u{1f600}");
    }
}

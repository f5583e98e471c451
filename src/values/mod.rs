//! Everything about the values file: the `customImage` model, rendering the block,
//! merging it into an existing file (the writing is [`crate::files::write`]'s).

mod diff;
mod layout;
pub mod merge;
pub mod model;
pub mod read;
pub mod render;
mod scan;
pub mod update;

pub use read::parse_document;

use crate::secret::REDACTED;

/// A parser's error message without the values it quotes. serde_yaml and serde_json
/// quote the offending value (`invalid value: string "hunter2", expected ...` for a
/// tagged password), so everything in double quotes or backticks is replaced, except
/// a key name (`duplicate entry with key "customImage"`), which is no secret.
pub fn safe_parse_error(err: &dyn std::fmt::Display) -> String {
    let text = err.to_string();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        let close = match c {
            '"' => '"',
            '`' => '`',
            _ => {
                out.push(c);
                continue;
            }
        };
        let keep = out.ends_with("key ");
        out.push(c);
        // To the closing quote (a backslash escapes the next character).
        let mut escaped = false;
        for d in chars.by_ref() {
            match d {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                d if d == close => break,
                _ => {}
            }
            if keep {
                out.push(d);
            }
        }
        if !keep {
            out.push_str(REDACTED);
        }
        out.push(close);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn tagged_values_never_reach_the_message() {
        for tag in ["!!int", "!!float", "!!bool", "!!null"] {
            let text = format!("customImage:\n  registryPassword: {tag} S3CR3T\\\"x\n");
            let err = parse_document(&text, Path::new("v.yaml")).unwrap_err();
            assert_eq!(err.exit_code(), 2);
            assert!(!err.message.contains("S3CR3T"), "{}", err.message);
            assert!(err.message.contains("line 2"), "{}", err.message);
            assert!(err.help.is_some());
        }
    }

    #[test]
    fn quotes_and_backticks_are_emptied() {
        assert_eq!(
            safe_parse_error(&"invalid value: string \"a\\\"b\", expected `x`"),
            "invalid value: string \"<redacted>\", expected `<redacted>`"
        );
        assert_eq!(
            safe_parse_error(&"duplicate entry with key \"customImage\""),
            "duplicate entry with key \"customImage\""
        );
    }
}

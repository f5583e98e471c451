//! `phib compact`: JSON to one line, byte for byte as `jq -c .` prints it. PrimeHub's
//! docs have administrators paste `jq -c . keyfile.json` into the values as the registry
//! password for Google's registries, and the token service compares that password byte
//! for byte, so phib must print exactly what jq prints: same escapes, same key order, same
//! number forms (those of jq 1.7 and later, which keep a number's exact value).
//!
//! The input is read whole and the output built in memory: on any error nothing is
//! printed, because half a password is worse than none.

mod number;
mod parse;
mod string;

use std::fmt;

/// Invalid input: where (1-based line and column, in characters) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for CompactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for CompactError {}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Compacts every top-level JSON value of `input`, each followed by `\n`, exactly as
/// `jq -c .`.
pub fn compact(input: &[u8]) -> Result<Vec<u8>, CompactError> {
    let start = if input.starts_with(BOM) { BOM.len() } else { 0 };
    parse::Parser::new(input, start)
        .run()
        .map_err(|(offset, message)| {
            let (line, column) = line_column(&input[start..], offset - start);
            CompactError {
                line,
                column,
                message,
            }
        })
}

/// The 1-based line and column (counting UTF-8 characters) of byte `offset`.
fn line_column(input: &[u8], offset: usize) -> (usize, usize) {
    let before = &input[..offset.min(input.len())];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let column = 1 + before[line_start..]
        .iter()
        .filter(|&&b| b & 0xC0 != 0x80)
        .count();
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let err = compact("{\n  \"é\": 1,\n  \"b\" 2}".as_bytes()).unwrap_err();
        assert_eq!((err.line, err.column), (3, 7));
        assert_eq!(
            err.to_string(),
            "line 3, column 7: expected `:` after the key, found something else"
        );
        let err = compact(b"\xEF\xBB\xBF[1,]").unwrap_err();
        assert_eq!((err.line, err.column), (1, 4));
    }

    #[test]
    fn duplicate_keys_in_large_objects() {
        let mut input = String::from("{");
        for i in 0..40 {
            input.push_str(&format!("\"k{i}\":{i},"));
        }
        input.push_str("\"k3\":\"x\",\"k39\":[],\"k\\u0030\":null}");
        let out = String::from_utf8(compact(input.as_bytes()).unwrap()).unwrap();
        assert!(out.starts_with("{\"k0\":null,\"k1\":1,\"k2\":2,\"k3\":\"x\",\"k4\":4,"));
        assert!(out.ends_with("\"k38\":38,\"k39\":[]}\n"), "{out}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(MAX + 1) + &"]".repeat(MAX + 1);
        let err = compact(deep.as_bytes()).unwrap_err();
        assert_eq!(err.column, MAX + 1);
        let ok = "[".repeat(MAX) + &"]".repeat(MAX);
        assert_eq!(
            compact(ok.as_bytes()).unwrap(),
            format!("{ok}\n").as_bytes()
        );
    }

    const MAX: usize = parse::MAX_DEPTH;
}

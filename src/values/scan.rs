//! A line scanner for the block-style YAML that values files are written in. serde_yaml
//! tells us what a document means but not where anything is; this scanner finds where
//! each mapping key starts and where its value ends, so that the merge can replace a few
//! lines and leave every other byte alone. The merge checks the scanner's findings
//! against serde_yaml's parse (same keys, same order) before trusting them.

use serde_yaml::Value;

/// One line of the file: its text without the line ending, and the ending itself
/// (`"\n"`, `"\r\n"` or `""` for a last line without one).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line<'a> {
    pub text: &'a str,
    pub eol: &'a str,
}

/// Splits `s` into lines, keeping each line's ending.
pub(crate) fn split_lines(s: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::with_capacity(s.len() / 24 + 1);
    let mut rest = s;
    while !rest.is_empty() {
        match rest.find('\n') {
            Some(i) => {
                let (text, eol) = if i > 0 && rest.as_bytes()[i - 1] == b'\r' {
                    (&rest[..i - 1], &rest[i - 1..=i])
                } else {
                    (&rest[..i], &rest[i..=i])
                };
                lines.push(Line { text, eol });
                rest = &rest[i + 1..];
            }
            None => {
                lines.push(Line {
                    text: rest,
                    eol: "",
                });
                rest = "";
            }
        }
    }
    lines
}

/// The number of leading spaces.
pub(crate) fn indent(text: &str) -> usize {
    text.bytes().take_while(|&b| b == b' ').count()
}

/// Whether the line's leading whitespace contains a tab.
pub(crate) fn tab_in_indent(text: &str) -> bool {
    text.bytes()
        .take_while(|&b| b == b' ' || b == b'\t')
        .any(|b| b == b'\t')
}

/// A blank line or a comment line: it carries no content and belongs to no value.
pub(crate) fn is_neutral(text: &str) -> bool {
    let t = text.trim_start_matches([' ', '\t']);
    t.is_empty() || t.starts_with('#')
}

fn is_blank(text: &str) -> bool {
    text.trim_start_matches([' ', '\t']).is_empty()
}

/// A key line: `<indent>key: value`. `key_src` is the key as written (maybe quoted),
/// `value_col` the byte offset just after the `:`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyLine<'a> {
    pub key_src: &'a str,
    pub value_col: usize,
}

/// Reads a mapping key starting exactly at column `at`, if the line is one.
pub(crate) fn key_at(text: &str, at: usize) -> Option<KeyLine<'_>> {
    let bytes = text.as_bytes();
    if indent(text) != at || at >= bytes.len() {
        return None;
    }
    let (key_end, colon) = match bytes[at] {
        b'"' | b'\'' => {
            let close = quote_end(text, at)?;
            let after = text[close..].trim_start_matches([' ', '\t']);
            let colon = text.len() - after.len();
            if !after.starts_with(':') {
                return None;
            }
            (close, colon)
        }
        b'#' | b'?' | b'[' | b'{' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`'
        | b',' | b']' | b'}' | b'\t' => return None,
        b'-' if matches!(bytes.get(at + 1), None | Some(b' ') | Some(b'\t')) => return None,
        _ => {
            let mut colon = None;
            let mut i = at;
            while i < bytes.len() {
                match bytes[i] {
                    b':' if matches!(bytes.get(i + 1), None | Some(b' ') | Some(b'\t')) => {
                        colon = Some(i);
                        break;
                    }
                    b'#' if matches!(bytes[i - 1], b' ' | b'\t') => return None,
                    _ => {}
                }
                i += 1;
            }
            let colon = colon?;
            (
                at + text[at..colon].trim_end_matches([' ', '\t']).len(),
                colon,
            )
        }
    };
    if !matches!(bytes.get(colon + 1), None | Some(b' ') | Some(b'\t')) {
        return None;
    }
    Some(KeyLine {
        key_src: &text[at..key_end],
        value_col: colon + 1,
    })
}

/// The byte offset just past the closing quote of the quoted scalar that opens at
/// `start` on this line, if it closes on this line.
fn quote_end(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let q = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if q == b'"' => i += 2,
            b'\'' if q == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            c if c == q => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// What a key, as written, means: the same value serde_yaml gives it.
pub(crate) fn key_value(key_src: &str) -> Value {
    let plain = key_src
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && key_src
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let special = matches!(
        key_src,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" | "null" | "Null" | "NULL"
    );
    if plain && !special {
        return Value::String(key_src.to_string());
    }
    serde_yaml::from_str(key_src).unwrap_or(Value::Null)
}

/// Skips leading node properties (`&anchor`, `!tag`) of a value and the spaces around.
fn skip_properties(rest: &str) -> &str {
    let mut r = rest.trim_start_matches([' ', '\t']);
    while r.starts_with('&') || r.starts_with('!') {
        let end = r.find([' ', '\t']).unwrap_or(r.len());
        r = r[end..].trim_start_matches([' ', '\t']);
    }
    r
}

/// The index of the last line of the value of the key on line `at` whose key sits at
/// column `key_indent`, looking no further than line `limit` (inclusive). Nested blocks,
/// block scalars, plain continuation lines, multi-line quoted scalars and flow
/// collections all count; trailing blank and comment lines do not (except in a block
/// scalar, where they are text).
pub(crate) fn value_end(
    lines: &[Line<'_>],
    at: usize,
    value_col: usize,
    key_indent: usize,
    limit: usize,
) -> usize {
    let first = lines[at].text;
    let rest = skip_properties(&first[value_col..]);
    let mut last = at;
    if rest.starts_with('"')
        || rest.starts_with('\'')
        || rest.starts_with('[')
        || rest.starts_with('{')
    {
        let col = first.len() - rest.len();
        last = flow_end(lines, at, col, limit);
    }
    let block_collection = rest.is_empty() || rest.starts_with('#');
    // Lines indented more than `col` are text of a scalar that started above: of a block
    // scalar (`block`: every line, `#` lines too, which may be part of a secret), or of
    // a plain scalar (lines that are neither comments nor keys). Text is never read
    // for quotes or brackets.
    let mut text: Option<Text> = if rest.starts_with(['|', '>']) {
        Some(Text {
            col: key_indent,
            block: true,
        })
    } else if last == at && !block_collection && !rest.starts_with(['"', '\'', '[', '{']) {
        Some(Text {
            col: key_indent,
            block: false,
        })
    } else {
        None
    };
    let mut i = last + 1;
    while i <= limit {
        let t = lines[i].text;
        if is_blank(t) {
            i += 1;
            continue;
        }
        let ind = indent(t);
        let comment = t[ind..].starts_with('#');
        if let Some(x) = text {
            if ind > x.col && (x.block || (!comment && key_at(t, ind).is_none())) {
                last = i;
                i += 1;
                continue;
            }
            text = None;
        }
        let seq_item = block_collection
            && ind == key_indent
            && t.as_bytes()[ind] == b'-'
            && matches!(t.as_bytes().get(ind + 1), None | Some(b' ') | Some(b'\t'));
        if ind > key_indent || seq_item {
            if !comment {
                last = i;
                // A nested value may open a multi-line quoted scalar or flow
                // collection (whose lines may look like comments or keys), a block
                // scalar, or a plain scalar.
                let item = after_dashes(&t[ind..]);
                let (value, col) = match key_at(item, 0) {
                    Some(k) => (skip_properties(&item[k.value_col..]), t.len() - item.len()),
                    None if item.len() < t.len() - ind => (skip_properties(item), ind),
                    None => (skip_properties(item), key_indent),
                };
                if value.starts_with(['"', '\'', '[', '{']) {
                    last = flow_end(lines, i, t.len() - value.len(), limit);
                    i = last + 1;
                    continue;
                }
                if value.starts_with(['|', '>']) {
                    text = Some(Text { col, block: true });
                } else if !value.is_empty() && !value.starts_with('#') {
                    text = Some(Text { col, block: false });
                }
            }
        } else if !comment {
            break;
        }
        i += 1;
    }
    last
}

/// Where the text of a multi-line scalar continues; see [`value_end`].
#[derive(Clone, Copy)]
struct Text {
    col: usize,
    block: bool,
}

/// The text after any leading `- ` sequence markers.
pub(crate) fn after_dashes(mut item: &str) -> &str {
    while let Some(r) = item
        .strip_prefix('-')
        .filter(|r| r.is_empty() || r.starts_with([' ', '\t']))
    {
        item = r.trim_start_matches([' ', '\t']);
    }
    item
}

/// The line on which a quoted scalar or flow collection starting at `col` of line `at`
/// ends.
fn flow_end(lines: &[Line<'_>], at: usize, col: usize, limit: usize) -> usize {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut line = at;
    let mut i = col;
    loop {
        let bytes = lines[line].text.as_bytes();
        while i < bytes.len() {
            let c = bytes[i];
            match quote {
                Some(b'"') if c == b'\\' => i += 1,
                Some(b'\'') if c == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 1,
                Some(q) if c == q => {
                    quote = None;
                    if depth == 0 {
                        return line;
                    }
                }
                Some(_) => {}
                None => match c {
                    b'"' | b'\'' => quote = Some(c),
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return line;
                        }
                    }
                    b'#' if i == 0 || matches!(bytes[i - 1], b' ' | b'\t') => break,
                    _ => {}
                },
            }
            i += 1;
        }
        if line >= limit {
            return line;
        }
        line += 1;
        i = 0;
    }
}

/// Splits a one-line value (the text after the key's `:`) into the value and the
/// trailing comment, including the whitespace before the `#`. The comment is empty when
/// there is none.
pub(crate) fn split_comment(after_colon: &str) -> (&str, &str) {
    let bytes = after_colon.as_bytes();
    let lead = after_colon.len() - after_colon.trim_start_matches([' ', '\t']).len();
    let mut i = lead;
    if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
        match quote_end(after_colon, i) {
            Some(end) => i = end,
            None => return (after_colon, ""),
        }
    }
    while i < bytes.len() {
        if bytes[i] == b'#' && (i == 0 || matches!(bytes[i - 1], b' ' | b'\t')) {
            let value = after_colon[..i].trim_end_matches([' ', '\t']);
            return (value, &after_colon[value.len()..]);
        }
        i += 1;
    }
    (after_colon.trim_end_matches([' ', '\t']), "")
}

/// Whether a key line's value (or a sequence item) starts with an anchor or alias, or
/// the line holds one at the start of a flow item. Block scalar content is skipped by
/// the caller.
pub(crate) fn has_anchor_or_alias(text: &str) -> bool {
    let t = text.trim_start_matches([' ', '\t']);
    let mut starts: Vec<&str> = Vec::new();
    let mut rest = t;
    while let Some(r) = rest.strip_prefix('-') {
        if !(r.is_empty() || r.starts_with([' ', '\t'])) {
            break;
        }
        rest = r.trim_start_matches([' ', '\t']);
        starts.push(rest);
    }
    starts.push(rest);
    if let Some(k) = key_at(rest, 0) {
        starts.push(rest[k.value_col..].trim_start_matches([' ', '\t']));
    }
    if starts
        .iter()
        .any(|s| s.starts_with('&') || s.starts_with('*') || s.starts_with("<<"))
    {
        return true;
    }
    // Flow collections: an item right after `[`, `{` or `,`.
    let (value, _) = split_comment(rest);
    if value.starts_with('[')
        || value.starts_with('{')
        || value.contains(": [")
        || value.contains(": {")
    {
        let bytes = value.as_bytes();
        let mut quote = None;
        for (i, &c) in bytes.iter().enumerate() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None => match c {
                    b'"' | b'\'' => quote = Some(c),
                    b'[' | b'{' | b',' => {
                        let next = value[i + 1..].trim_start_matches([' ', '\t']);
                        if next.starts_with('&') || next.starts_with('*') {
                            return true;
                        }
                    }
                    _ => {}
                },
            }
        }
    }
    false
}

/// Whether a key line's value opens a block scalar (`|` or `>`).
pub(crate) fn opens_block_scalar(after_colon: &str) -> bool {
    let r = skip_properties(after_colon);
    r.starts_with('|') || r.starts_with('>')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_plain_and_quoted() {
        let k = key_at("  registryPassword: 'x' # c", 2).unwrap();
        assert_eq!(k.key_src, "registryPassword");
        assert_eq!(k.value_col, 19);
        assert_eq!(key_at("\"a b\" : 1", 0).unwrap().key_src, "\"a b\"");
        assert_eq!(key_at("a:", 0).unwrap().key_src, "a");
        assert!(key_at("- a: 1", 0).is_none());
        assert!(key_at("# a: 1", 0).is_none());
        assert!(key_at("a #b: 1", 0).is_none());
        assert!(key_at("http://x", 0).is_none());
        assert!(key_at("  a: 1", 0).is_none());
    }

    #[test]
    fn value_ends_cover_nested_and_multiline_values() {
        let text = "a: |\n  x\n\n  # y\n# top\nb: \"q\nr: s\"\nc:\n- 1\n- 2\n\nd: 1\n";
        let lines = split_lines(text);
        let n = lines.len() - 1;
        assert_eq!(value_end(&lines, 0, 2, 0, n), 3);
        assert_eq!(value_end(&lines, 5, 2, 0, n), 6);
        assert_eq!(value_end(&lines, 7, 2, 0, n), 9);
        assert_eq!(value_end(&lines, 11, 2, 0, n), 11);
    }

    #[test]
    fn splits_inline_comments_outside_quotes() {
        assert_eq!(split_comment(" 'a # b'  # c"), (" 'a # b'", "  # c"));
        assert_eq!(split_comment(" a#b # c"), (" a#b", " # c"));
        assert_eq!(split_comment(" a  "), (" a", ""));
        assert_eq!(split_comment(" # only"), ("", " # only"));
    }

    #[test]
    fn spots_anchors_and_aliases() {
        assert!(has_anchor_or_alias("  image: &img quay.io/x"));
        assert!(has_anchor_or_alias("  image: *img"));
        assert!(has_anchor_or_alias("  - *item"));
        assert!(has_anchor_or_alias("  <<: *base"));
        assert!(has_anchor_or_alias("  list: [a, *b]"));
        assert!(!has_anchor_or_alias("  password: a*b &c"));
        assert!(!has_anchor_or_alias("  password: 'x, *y'"));
    }
}

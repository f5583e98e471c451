//! Where things are in a values file, and whether phib may edit it: serde_yaml parses
//! the document, the line scanner finds the top-level keys and the `customImage` block,
//! and the two must agree before the merge touches a byte. Everything that makes a file
//! unsafe to edit in place (flow style, anchors, aliases, merge keys, tabs, several
//! documents, a layout the scanner cannot follow) is refused here, with a usage error
//! that says why and what to do.

use serde_yaml::Value;

use super::model::{BLOCK_KEY, MANAGED_KEYS};
use super::scan::{self, Line};
use crate::{Error, Result};

/// Parses the one document of a values file (the reader's parse).
pub(super) fn parse_doc(text: &str) -> Result<Value> {
    super::read::parse(text)
}

/// What the scanner and serde_yaml agreed the file looks like.
pub(super) struct Analysis<'a> {
    pub(super) doc: Value,
    pub(super) lines: Vec<Line<'a>>,
    /// Length of a leading byte order mark, kept as it is.
    pub(super) bom: usize,
    /// The line ending new lines get: the file's own.
    pub(super) eol: &'static str,
    /// Line index of a `...` document end marker.
    pub(super) doc_end: Option<usize>,
    pub(super) block: Option<Layout>,
}

/// Where the `customImage` block is.
pub(super) struct Layout {
    pub(super) header: usize,
    /// The last line of the block's value.
    pub(super) end: usize,
    /// `Some(comment)` when the header line's `~`, `null` or `{}` must become a bare
    /// `customImage:` (keeping the comment).
    pub(super) header_rewrite: Option<String>,
    /// Column of the block's keys, when it has any.
    pub(super) key_indent: Option<usize>,
    pub(super) keys: Vec<Entry>,
}

/// One key of the `customImage` mapping as found in the text.
pub(super) struct Entry {
    pub(super) name: Option<&'static str>,
    pub(super) line: usize,
    pub(super) value_col: usize,
    pub(super) end: usize,
}

pub(super) fn refuse(message: impl Into<String>, help: &str) -> Error {
    Error::usage(message).with_help(help.to_string())
}

const BLOCK_STYLE_HELP: &str = "write `customImage:` as a plain block of `key: value` lines (one key per line, no `{...}`, anchors or aliases), or delete it and let phib write it";

pub(super) fn analyse(text: &str) -> Result<Analysis<'_>> {
    check_line_breaks(text)?;
    analyse_with(text, parse_doc(text)?)
}

/// [`analyse`], with `doc` the parse of `text` (the one parse of the run).
pub(super) fn analyse_parsed(text: &str, doc: Value) -> Result<Analysis<'_>> {
    check_line_breaks(text)?;
    analyse_with(text, doc)
}

/// `doc` is the parse of `text`.
fn analyse_with(text: &str, doc: Value) -> Result<Analysis<'_>> {
    let top = match &doc {
        Value::Null => None,
        Value::Mapping(m) => Some(m),
        _ => {
            return Err(refuse(
                "the values file is not a mapping of keys",
                "a Helm values file is a list of top-level `key: value` lines; pass PrimeHub's values file",
            ))
        }
    };
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let lines = scan::split_lines(&text[bom..]);
    let eol = match lines.first() {
        Some(l) if l.eol == "\r\n" => "\r\n",
        _ => "\n",
    };
    let mut analysis = Analysis {
        doc: Value::Null,
        lines,
        bom,
        eol,
        doc_end: None,
        block: None,
    };
    let tops = scan_top(&mut analysis)?;
    let scanned: Vec<Value> = tops
        .iter()
        .map(|&(i, _, _)| scan::key_value(scan::key_at(analysis.lines[i].text, 0).unwrap().key_src))
        .collect();
    let parsed: Vec<&Value> = top.map(|m| m.keys().collect()).unwrap_or_default();
    let differ = scanned.len() != parsed.len() || scanned.iter().zip(&parsed).any(|(a, b)| a != *b);
    if differ {
        return Err(refuse(
            "phib cannot find the top-level keys of the values file line by line",
            "write each top-level key at the start of its line in block style (`key: value`), then run phib again",
        ));
    }
    let key = Value::String(BLOCK_KEY.into());
    if let Some(pos) = scanned.iter().position(|k| *k == key) {
        let (header, value_col, end) = tops[pos];
        let value = top.and_then(|m| m.get(&key)).unwrap_or(&Value::Null);
        analysis.block = Some(layout(&analysis.lines, header, value_col, end, value)?);
    } else if let Some(line) = analysis.doc_end {
        return Err(refuse(
            format!(
                "the values file ends its document with `...` on line {}",
                line + 1
            ),
            "delete the `...` line (or add `customImage:` above it), then run phib again",
        ));
    }
    analysis.doc = doc;
    Ok(analysis)
}

/// YAML also breaks lines at a lone `\r` and at U+0085, U+2028 and U+2029, and libyaml
/// takes a byte order mark after the start as the start of a new document; phib's line
/// scanner knows none of these, so a file with them is refused rather than misread.
pub(super) fn check_line_breaks(text: &str) -> Result<()> {
    let lone_cr = text
        .match_indices('\r')
        .find(|(i, _)| text.as_bytes().get(i + 1) != Some(&b'\n'))
        .map(|(i, _)| i);
    let unicode = text
        .char_indices()
        .skip(1)
        .find(|(_, c)| matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}'))
        .map(|(i, _)| i);
    let at = match (lone_cr, unicode) {
        (None, None) => return Ok(()),
        (a, b) => a.into_iter().chain(b).min().unwrap_or(0),
    };
    let line = text[..at].matches('\n').count() + 1;
    if text[at..].starts_with('\u{feff}') {
        return Err(refuse(
            format!("line {line} of the values file has a byte order mark (U+FEFF) after the start of the file"),
            "delete that invisible character (only the very start of a file may have one), then run phib again",
        ));
    }
    Err(refuse(
        format!(
            "line {line} of the values file has a line break other than `\\n` or `\\r\\n` (a lone carriage return, or U+0085, U+2028 or U+2029)"
        ),
        "use `\\n` line endings (e.g. `dos2unix`), or write the character as an escape in a double-quoted string, then run phib again",
    ))
}

/// Finds the top-level key lines: (line, value column, last line of the value).
fn scan_top(a: &mut Analysis<'_>) -> Result<Vec<(usize, usize, usize)>> {
    let lines = &a.lines;
    let mut tops = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].text;
        if scan::is_neutral(t) || t.starts_with('%') || is_marker(t, "---") {
            i += 1;
            continue;
        }
        if is_marker(t, "...") {
            a.doc_end = Some(i);
            i += 1;
            continue;
        }
        let Some(k) = scan::key_at(t, 0) else {
            return Err(refuse(
                format!(
                    "phib cannot read line {} of the values file as a top-level `key: value`",
                    i + 1
                ),
                "write each top-level key at the start of its line in block style (`key: value`), then run phib again",
            ));
        };
        let end = scan::value_end(lines, i, k.value_col, 0, lines.len() - 1);
        tops.push((i, k.value_col, end));
        i = end + 1;
    }
    Ok(tops)
}

fn is_marker(t: &str, marker: &str) -> bool {
    t.strip_prefix(marker)
        .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t']))
}

/// Where the block's header, keys and end are in the text, when phib can edit it in
/// place: a block mapping (or a plain null) whose keys are found line by line.
fn layout(
    lines: &[Line<'_>],
    header: usize,
    value_col: usize,
    end: usize,
    value: &Value,
) -> Result<Layout> {
    let after = &lines[header].text[value_col..];
    let (inline, comment) = scan::split_comment(after);
    let inline = inline.trim();
    let mapping = block_mapping(header, inline, value)?;
    check_block_lines(lines, header, end)?;
    let (keys, key_indent) = key_lines(lines, header, end)?;
    let parsed: Vec<&Value> = mapping.map(|m| m.keys().collect()).unwrap_or_default();
    if keys.len() != parsed.len() || keys.iter().zip(&parsed).any(|((a, _), b)| a != *b) {
        return Err(refuse(
            format!(
                "phib cannot find the keys of `customImage` (line {}) line by line",
                header + 1
            ),
            BLOCK_STYLE_HELP,
        ));
    }
    // A managed key written quoted (`"registryEndpoint": ...`) is still managed.
    let keys = keys
        .into_iter()
        .map(|(v, mut e)| {
            e.name = e
                .name
                .or_else(|| MANAGED_KEYS.iter().copied().find(|m| v.as_str() == Some(m)));
            e
        })
        .collect();
    Ok(Layout {
        header,
        end,
        header_rewrite: (!inline.is_empty()).then(|| comment.to_string()),
        key_indent,
        keys,
    })
}

/// The block's mapping (`None`: null), when its header line (`inline`: what follows
/// `customImage:`, without the comment) is one phib can edit: empty, a plain null, or
/// `{}` for an empty mapping; no flow style, anchor, alias, tag or `<<` merge key.
fn block_mapping<'v>(
    header: usize,
    inline: &str,
    value: &'v Value,
) -> Result<Option<&'v serde_yaml::Mapping>> {
    let mapping = match value {
        Value::Null => None,
        Value::Mapping(m) => Some(m),
        _ => return Err(refuse(
            format!("`customImage` (line {}) is not a mapping", header + 1),
            "make `customImage:` a block of `key: value` lines, or delete it and let phib write it",
        )),
    };
    let plain_null = matches!(inline, "" | "~" | "null" | "Null" | "NULL");
    let header_ok = match mapping {
        None => plain_null,
        Some(m) => inline.is_empty() || (inline == "{}" && m.is_empty()),
    };
    if !header_ok {
        let what = if inline.starts_with('{') {
            "is written in flow style (`{...}`)"
        } else if inline.starts_with('&') {
            "has an anchor (`&`)"
        } else if inline.starts_with('*') {
            "is an alias (`*`) of another value"
        } else if inline.starts_with('!') {
            "has a tag (`!`)"
        } else {
            "starts its value on its own line in a form"
        };
        return Err(refuse(
            format!(
                "`customImage` (line {}) {what}, which phib cannot edit in place safely",
                header + 1
            ),
            BLOCK_STYLE_HELP,
        ));
    }
    if mapping.is_some_and(|m| m.contains_key("<<")) {
        return Err(refuse(
            format!("`customImage` (line {}) uses a `<<` merge key", header + 1),
            BLOCK_STYLE_HELP,
        ));
    }
    Ok(mapping)
}

/// Every line of the block's value (block scalars' text aside) is indented with spaces
/// and has no anchor, alias or `<<` merge key.
fn check_block_lines(lines: &[Line<'_>], header: usize, end: usize) -> Result<()> {
    let mut scalar_at: Option<usize> = None;
    for (i, line) in lines.iter().enumerate().take(end + 1).skip(header + 1) {
        let t = line.text;
        if t.trim().is_empty() {
            continue;
        }
        if scan::tab_in_indent(t) {
            return Err(refuse(
                format!("line {} inside `customImage` is indented with a tab", i + 1),
                "indent YAML with spaces only, then run phib again",
            ));
        }
        if t.trim().is_empty() {
            continue;
        }
        let ind = scan::indent(t);
        if let Some(at) = scalar_at {
            if ind > at {
                continue;
            }
            scalar_at = None;
        }
        if t[ind..].starts_with('#') {
            continue;
        }
        if scan::has_anchor_or_alias(t) {
            return Err(refuse(
                format!(
                    "line {} inside `customImage` has an anchor, alias or `<<` merge key",
                    i + 1
                ),
                BLOCK_STYLE_HELP,
            ));
        }
        let item = scan::after_dashes(&t[ind..]);
        let opens = item.starts_with('|')
            || item.starts_with('>')
            || scan::key_at(item, 0)
                .is_some_and(|k| scan::opens_block_scalar(&item[k.value_col..]));
        if opens {
            scalar_at = Some(ind);
        }
    }
    Ok(())
}

/// The keys of the block found line by line, each with its key as parsed.
type FoundKeys = Vec<(Value, Entry)>;

/// The block's keys as found line by line, and their column.
fn key_lines(lines: &[Line<'_>], header: usize, end: usize) -> Result<(FoundKeys, Option<usize>)> {
    let mut keys = Vec::new();
    let mut key_indent = None;
    let mut i = header + 1;
    while i <= end {
        let t = lines[i].text;
        if scan::is_neutral(t) {
            i += 1;
            continue;
        }
        let ind = *key_indent.get_or_insert(scan::indent(t));
        let Some(k) = scan::key_at(t, ind) else {
            return Err(refuse(
                format!(
                    "phib cannot read line {} inside `customImage` as a `key: value` line",
                    i + 1
                ),
                BLOCK_STYLE_HELP,
            ));
        };
        let key_end = scan::value_end(lines, i, k.value_col, ind, end);
        let name = MANAGED_KEYS.iter().copied().find(|m| *m == k.key_src);
        keys.push((
            scan::key_value(k.key_src),
            Entry {
                name,
                line: i,
                value_col: k.value_col,
                end: key_end,
            },
        ));
        i = key_end + 1;
    }
    Ok((keys, key_indent))
}

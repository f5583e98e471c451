//! Editing the user's values file: replace the keys phib manages inside the top-level
//! `customImage` mapping and keep every other byte as it was. Real PrimeHub values files
//! are long, commented and maintained by hand; a tool that reformats them is a tool
//! nobody runs twice. So the merge works on lines, not on a re-serialised document:
//! serde_yaml says what the file means, the line scanner (`scan`) says where things are,
//! `layout` checks the two against each other, and a guard re-parses the result and refuses
//! to hand back anything but the intended change.

use serde_yaml::{Mapping, Value};

use super::layout::{
    analyse, analyse_parsed, check_line_breaks, parse_doc, refuse, Analysis, Layout,
};
use super::model::{BLOCK_KEY, MANAGED_KEYS};
use super::scan::{self, Line};
use crate::{Error, Result};

pub use super::diff::unified_diff;

/// Checks that `text` is a values file phib can edit in place; the same checks `merge`
/// makes before it changes anything.
pub fn validate(text: &str) -> Result<()> {
    analyse(text).map(|_| ())
}

/// Merges `block` (phib's rendered `customImage` block: a `customImage:` line, then one
/// `  key: value` line per managed key in [`MANAGED_KEYS`] order) into the values file
/// text `old`. Only managed keys inside the top-level `customImage` mapping change; see
/// the module docs. A managed key that already has the rendered value keeps its line
/// as written (quoting style included), so rotating a password changes one line. The
/// result has passed [`guard`].
pub fn merge(old: &str, block: &str) -> Result<String> {
    check_line_breaks(old)?;
    merge_analysed(old, analyse(old)?, block)
}

/// [`merge`], with `doc` the parse of `old` the run made when it read the file.
pub fn merge_parsed(old: &str, doc: &Value, block: &str) -> Result<String> {
    merge_analysed(old, analyse_parsed(old, doc.clone())?, block)
}

/// [`validate`], with `doc` the parse of `text`.
pub fn validate_parsed(text: &str, doc: &Value) -> Result<()> {
    analyse_parsed(text, doc.clone()).map(|_| ())
}

fn merge_analysed(old: &str, analysis: Analysis<'_>, block: &str) -> Result<String> {
    let wanted = parse_block(block)?;
    // One parse of the old text serves the layout check and the guard; the guard then
    // parses the new text (unless nothing changed).
    let new = build(old, &analysis, block, &wanted)?;
    guard_parsed(&analysis.doc, old, &new, block)?;
    Ok(new)
}

fn build(old: &str, analysis: &Analysis<'_>, block: &str, wanted: &[Wanted<'_>]) -> Result<String> {
    Ok(match &analysis.block {
        None => {
            check_final_newline(old, &analysis.doc)?;
            append(old, analysis, block)
        }
        Some(layout) => edit(old, analysis, layout, block, wanted),
    })
}

/// The last check before a write: `new` must mean exactly `old` with the managed keys
/// of `customImage` replaced by those of `block`. Anything else is a bug in phib.
pub fn guard(old: &str, new: &str, block: &str) -> Result<()> {
    let old_doc = parse_doc(old)?;
    guard_parsed(&old_doc, old, new, block)
}

/// `old_doc` is the parse of `old`; when `new` is the very same text (a merge with
/// nothing to change), it is also the parse of `new`.
fn guard_parsed(old_doc: &Value, old: &str, new: &str, block: &str) -> Result<()> {
    let parsed;
    let new_doc = if new == old {
        old_doc
    } else {
        parsed = parse_doc(new)
            .map_err(|e| Error::bug(format!("the merged values file does not parse: {e}")))?;
        &parsed
    };
    let block_doc: Value = serde_yaml::from_str(block).map_err(|e| {
        Error::bug(format!(
            "the rendered block does not parse: {}",
            super::safe_parse_error(&e)
        ))
    })?;
    let empty = Mapping::new();
    let old_top = as_mapping(old_doc, &empty)
        .ok_or_else(|| Error::bug("the old values file is not a mapping"))?;
    let new_top = as_mapping(new_doc, &empty)
        .ok_or_else(|| Error::bug("the merged values file is not a mapping"))?;
    let key = Value::String(BLOCK_KEY.into());
    // The same text has the same parse: only the managed keys need checking then.
    let same = std::ptr::eq(old_doc, new_doc);
    for (k, v) in old_top.iter().filter(|_| !same) {
        if *k != key && new_top.get(k) != Some(v) {
            return Err(Error::bug(format!(
                "the merge would change the top-level key `{}`",
                show_key(k)
            )));
        }
    }
    for k in new_top.keys() {
        if *k != key && !old_top.contains_key(k) {
            return Err(Error::bug(format!(
                "the merge would add the top-level key `{}`",
                show_key(k)
            )));
        }
    }
    let block_map = |doc: &Value, what: &str| -> Result<Mapping> {
        match doc.get(BLOCK_KEY) {
            None | Some(Value::Null) => Ok(Mapping::new()),
            Some(Value::Mapping(m)) => Ok(m.clone()),
            Some(_) => Err(Error::bug(format!(
                "`customImage` in {what} is not a mapping"
            ))),
        }
    };
    let old_ci = block_map(old_doc, "the old values file")?;
    let new_ci = block_map(new_doc, "the merged values file")?;
    let want_ci = block_map(&block_doc, "the rendered block")?;
    let managed = |k: &Value| k.as_str().is_some_and(|k| MANAGED_KEYS.contains(&k));
    for (k, v) in &old_ci {
        if !managed(k) && new_ci.get(k) != Some(v) {
            return Err(Error::bug(format!(
                "the merge would change `customImage.{}`, which phib does not manage",
                show_key(k)
            )));
        }
    }
    for k in new_ci.keys() {
        if !managed(k) && !old_ci.contains_key(k) {
            return Err(Error::bug(format!(
                "the merge would add `customImage.{}`, which phib does not manage",
                show_key(k)
            )));
        }
    }
    for name in MANAGED_KEYS {
        if new_ci.get(name) != want_ci.get(name) {
            return Err(Error::bug(format!(
                "after the merge `customImage.{name}` is not what phib rendered"
            )));
        }
    }
    Ok(())
}

fn as_mapping<'a>(doc: &'a Value, empty: &'a Mapping) -> Option<&'a Mapping> {
    match doc {
        Value::Null => Some(empty),
        Value::Mapping(m) => Some(m),
        _ => None,
    }
}

fn show_key(k: &Value) -> String {
    match k {
        Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other)
            .map(|s| s.trim_end().to_string())
            .unwrap_or_else(|_| "?".into()),
    }
}

/// One managed key of the rendered block.
struct Wanted<'b> {
    key: &'static str,
    value: &'b str,
}

fn parse_block(block: &str) -> Result<Vec<Wanted<'_>>> {
    let shape = || Error::bug("the rendered `customImage` block does not have the expected shape");
    let body = block
        .strip_prefix("customImage:\n")
        .filter(|_| block.ends_with('\n'))
        .ok_or_else(shape)?;
    let mut wanted = Vec::new();
    let mut next = 0;
    for line in body.lines() {
        let (key, value) = line
            .strip_prefix("  ")
            .and_then(|l| l.split_once(": "))
            .ok_or_else(shape)?;
        let at = MANAGED_KEYS[next..]
            .iter()
            .position(|k| *k == key)
            .ok_or_else(shape)?;
        if value.trim().is_empty() || value.contains('\r') {
            return Err(shape());
        }
        wanted.push(Wanted {
            key: MANAGED_KEYS[next + at],
            value,
        });
        next += at + 1;
    }
    Ok(wanted)
}

/// Appending needs a final newline; in a file that ends inside a block scalar (`|`,
/// `>`) without one, adding it would change that value, so phib refuses.
fn check_final_newline(old: &str, doc: &Value) -> Result<()> {
    if old.is_empty() || old.ends_with('\n') {
        return Ok(());
    }
    let with_newline = parse_doc(&format!("{old}\n")).unwrap_or(Value::Null);
    if with_newline == *doc {
        return Ok(());
    }
    Err(refuse(
        "the values file ends without a newline inside a multi-line value, and appending `customImage` would add one to that value",
        "add `customImage:` to the file yourself (or end the file with a newline if that value may change), then run phib again",
    ))
}

/// No `customImage` yet: the block goes at the end.
fn append(old: &str, a: &Analysis<'_>, block: &str) -> String {
    let mut out = String::with_capacity(old.len() + block.len() + 2);
    out.push_str(old);
    if !old.is_empty() && !old.ends_with('\n') {
        out.push_str(a.eol);
    }
    push_eol(&mut out, block, a.eol);
    out
}

fn push_eol(out: &mut String, text: &str, eol: &str) {
    if eol == "\n" {
        out.push_str(text);
    } else {
        for line in text.lines() {
            out.push_str(line);
            out.push_str(eol);
        }
    }
}

/// The line to insert after so that a new key goes above the key on line `line` and
/// above the comment lines that sit right on top of it (they describe that key), but
/// never inside the value of the key before.
fn above_comments(lines: &[Line<'_>], layout: &Layout, line: usize) -> usize {
    let floor = layout
        .keys
        .iter()
        .filter(|e| e.line < line)
        .map(|e| e.end)
        .max()
        .unwrap_or(layout.header);
    let key_indent = scan::indent(lines[line].text);
    let mut pos = line - 1;
    while pos > floor
        && !lines[pos].text.trim().is_empty()
        && scan::is_neutral(lines[pos].text)
        && scan::indent(lines[pos].text) <= key_indent
    {
        pos -= 1;
    }
    pos
}

/// What happens to one line of the block.
enum Act {
    Replace(String),
    Drop,
}

fn edit(
    old: &str,
    a: &Analysis<'_>,
    layout: &Layout,
    block: &str,
    wanted: &[Wanted<'_>],
) -> String {
    let edits = edits(a, layout, block, wanted);
    rewrite(old, a, layout, edits)
}

/// The edits of the block's lines.
struct Edits {
    /// What happens to a line, sorted by line.
    acts: Vec<(usize, Act)>,
    /// The lines to insert after a line.
    inserts: Vec<(usize, String)>,
}

/// What happens to each line of the block (sorted by line), and the lines to insert
/// after a line: a managed key already holding the rendered value stays as written,
/// another is replaced (keeping its comment) or dropped, and a new one goes after the
/// managed key before it (else before the one after it, else after the header).
fn edits(a: &Analysis<'_>, layout: &Layout, block: &str, wanted: &[Wanted<'_>]) -> Edits {
    let lines = &a.lines;
    let indent = " ".repeat(layout.key_indent.unwrap_or(2));
    let line_of =
        |w: &Wanted<'_>, comment: &str| format!("{indent}{}: {}{comment}", w.key, w.value);
    let find = |name: &str| layout.keys.iter().find(|e| e.name == Some(name));
    let wants = |name: &str| wanted.iter().any(|w| w.key == name);
    let current = a.doc.get(BLOCK_KEY);
    let rendered: Option<Value> = serde_yaml::from_str(block).ok();
    // Kept as written only when it already means the rendered value, to YAML 1.2 (what
    // phib parses with) and to YAML 1.1 (what helm parses with) alike.
    let unchanged = |e: &super::layout::Entry, name: &str| {
        let old = current.and_then(|c| c.get(name));
        let (written, _) = scan::split_comment(&lines[e.line].text[e.value_col..]);
        old.is_some()
            && old == rendered.as_ref().and_then(|r| r.get(BLOCK_KEY)?.get(name))
            && (e.end == e.line || written.trim_start().starts_with(['|', '>']))
            && (!old.is_some_and(Value::is_string) || yaml11_reads_a_string(written.trim()))
    };

    let mut acts: Vec<(usize, Act)> = Vec::new();
    let mut inserts: Vec<(usize, String)> = Vec::new();
    if let Some(comment) = &layout.header_rewrite {
        acts.push((
            layout.header,
            Act::Replace(format!("{BLOCK_KEY}:{comment}")),
        ));
    }
    for e in &layout.keys {
        let Some(name) = e.name else { continue };
        match wanted.iter().find(|w| w.key == name) {
            // Already the rendered value: the line stays as the user wrote it.
            Some(w) if unchanged(e, w.key) => continue,
            Some(w) => {
                let (_, comment) = scan::split_comment(&lines[e.line].text[e.value_col..]);
                acts.push((e.line, Act::Replace(line_of(w, comment))));
            }
            None => acts.push((e.line, Act::Drop)),
        }
        for l in e.line + 1..=e.end {
            acts.push((l, Act::Drop));
        }
    }
    for w in wanted {
        if find(w.key).is_some() {
            continue;
        }
        let at = MANAGED_KEYS.iter().position(|k| *k == w.key).unwrap_or(0);
        let before = MANAGED_KEYS[..at]
            .iter()
            .rev()
            .filter(|k| wants(k))
            .find_map(|k| find(k))
            .map(|e| e.end);
        let after = || {
            MANAGED_KEYS[at + 1..]
                .iter()
                .filter(|k| wants(k))
                .find_map(|k| find(k))
                .map(|e| above_comments(lines, layout, e.line))
        };
        let pos = before.or_else(after).unwrap_or(layout.header);
        inserts.push((pos, line_of(w, "")));
    }
    acts.sort_by_key(|(l, _)| *l);
    Edits { acts, inserts }
}

/// `old` with the block's lines rewritten as `edits` say; the rest as it was, byte for
/// byte.
fn rewrite(old: &str, a: &Analysis<'_>, layout: &Layout, edits: Edits) -> String {
    let Edits { acts, inserts } = edits;
    let lines = &a.lines;
    let offset =
        |i: usize| a.bom + (lines[i].text.as_ptr() as usize - old[a.bom..].as_ptr() as usize);
    let start = offset(layout.header);
    let last = &lines[layout.end];
    let stop = offset(layout.end) + last.text.len() + last.eol.len();
    let mut out = String::with_capacity(old.len() + 256);
    out.push_str(&old[..start]);
    let mut acts = acts.into_iter().peekable();
    for (i, line) in lines
        .iter()
        .enumerate()
        .take(layout.end + 1)
        .skip(layout.header)
    {
        let mut eol = line.eol;
        match acts.next_if(|(l, _)| *l == i) {
            Some((_, Act::Drop)) => eol = "",
            Some((_, Act::Replace(text))) => {
                out.push_str(&text);
                out.push_str(eol);
            }
            None => {
                out.push_str(line.text);
                out.push_str(eol);
            }
        }
        let mut here = inserts.iter().filter(|(p, _)| *p == i).peekable();
        if here.peek().is_some() && eol.is_empty() && !out.is_empty() && !out.ends_with('\n') {
            out.push_str(a.eol);
        }
        for (_, text) in here {
            out.push_str(text);
            out.push_str(a.eol);
        }
    }
    out.push_str(&old[stop..]);
    out
}

/// Whether a scalar written as `text` (one line, comment removed) reads as a string in
/// YAML 1.1 as it does in YAML 1.2. Quoted and block scalars do; a plain scalar does
/// unless YAML 1.1 (Go's yaml.v2, behind helm) may read it as a bool (`yes`, `on`, `y`),
/// a null, a number (`0123` octal, `0x1F`, `1_000`, `190:20:30`, `.5`, `1e3`, `.inf`),
/// a timestamp, or the `=` and `<<` keys. Erring towards "no" only costs quotes.
pub(super) fn yaml11_reads_a_string(text: &str) -> bool {
    if text.starts_with(['\'', '"', '|', '>']) {
        return true;
    }
    const WORDS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "~", "null", "Null", "NULL", "=",
        "<<", "",
    ];
    if WORDS.contains(&text) {
        return false;
    }
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let lower = unsigned.to_ascii_lowercase();
    if matches!(lower.as_str(), ".inf" | ".nan") {
        return false;
    }
    let numberish = unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && unsigned
            .chars()
            .all(|c| c.is_ascii_hexdigit() || "xXoO_.:+-".contains(c));
    // `2001-12-14`, `2001-12-14t21:59:43.10-05:00`, `2001-12-14 21:59:43.10 -5`.
    let b = unsigned.as_bytes();
    let timestamp = b.len() >= 8 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-';
    !(numberish || timestamp)
}

#[cfg(test)]
mod tests;

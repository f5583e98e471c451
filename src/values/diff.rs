//! The unified diff that `--check` prints: what phib would change in a values file,
//! with every secret value shown as `<redacted>` on both sides (`<redacted, changed>`
//! where only the secret changed), so that a CI log never carries a secret. The diff is
//! computed on the real texts (a changed password still shows as a changed line) and
//! redacted only when printed.

use std::fmt::Write as _;

use similar::{DiffTag, TextDiff};

use super::scan;
use crate::secret::is_secret_key;
use crate::secret::REDACTED;

const CHANGED: &str = "<redacted, changed>";
const CONTEXT: usize = 3;

/// A unified diff from `old` to `new` (empty when they are equal), labelled with
/// `path_label`, with secret values redacted.
pub fn unified_diff(old: &str, new: &str, path_label: &str) -> String {
    if old == new {
        return String::new();
    }
    let old_lines = redacted_lines(old);
    let new_lines = redacted_lines(new);
    // Lines split exactly as `scan` splits them (at `\n` only; similar's own line
    // splitting also breaks at a lone `\r`), so that the indices match.
    let old_raw: Vec<&str> = old.split_inclusive('\n').collect();
    let new_raw: Vec<&str> = new.split_inclusive('\n').collect();
    let diff = TextDiff::from_slices(&old_raw, &new_raw);
    let mut out = String::new();
    let _ = writeln!(out, "--- {path_label}\t(current)");
    let _ = writeln!(out, "+++ {path_label}\t(after phib)");
    for group in diff.grouped_ops(CONTEXT) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let (o, n) = (first.old_range().start, first.new_range().start);
        let (o_end, n_end) = (last.old_range().end, last.new_range().end);
        let _ = writeln!(
            out,
            "@@ -{} +{} @@",
            hunk_range(o, o_end - o),
            hunk_range(n, n_end - n)
        );
        for op in &group {
            let (tag, old_range, new_range) = op.as_tag_tuple();
            match tag {
                DiffTag::Equal => {
                    for i in old_range {
                        push_line(&mut out, ' ', &old_lines[i]);
                    }
                }
                DiffTag::Delete | DiffTag::Replace | DiffTag::Insert => {
                    for i in old_range.clone() {
                        push_line(&mut out, '-', &old_lines[i]);
                    }
                    for i in new_range {
                        // A redacted line that reads the same on both sides changed
                        // only in its secret: say so, or the change looks like none.
                        let line = &new_lines[i];
                        let same = old_range.clone().any(|o| old_lines[o].text == line.text);
                        if same && line.text.contains(REDACTED) {
                            let text = line.text.replacen(REDACTED, CHANGED, 1);
                            push_line(&mut out, '+', &Shown { text, ..*line });
                        } else {
                            push_line(&mut out, '+', line);
                        }
                    }
                }
            }
        }
    }
    out
}

fn hunk_range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{len}", start + 1),
    }
}

/// One line to print: its text (redacted if need be) and whether it had a line ending.
struct Shown {
    text: String,
    newline: bool,
}

fn push_line(out: &mut String, mark: char, line: &Shown) {
    out.push(mark);
    out.push_str(&line.text);
    out.push('\n');
    if !line.newline {
        out.push_str("\\ No newline at end of file\n");
    }
}

/// Whether a line may hold a secret key in a shape the line reader does not take
/// apart (flow style, `{registryPassword: x}`): a word right before a `:` that is a
/// secret key (values are not looked at: `name: my-push-secret` is no secret).
fn mentions_secret_key(line: &str) -> bool {
    line.match_indices(':').any(|(at, _)| {
        let before = line[..at].trim_end_matches(['"', '\'']);
        let word = before
            .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .next()
            .unwrap_or("");
        is_secret_key(word)
    })
}

/// The lines of `text` as the diff shows them: a secret key's line becomes
/// `key: <redacted>`, its continuation lines `<redacted>`, and any other line that
/// mentions a secret key is redacted whole.
fn redacted_lines(text: &str) -> Vec<Shown> {
    let lines = scan::split_lines(text);
    let mut shown = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].text;
        let ind = scan::indent(t);
        let item = item_start(t, ind);
        let key = scan::key_at(t, item).filter(|k| {
            scan::key_value(k.key_src)
                .as_str()
                .is_some_and(is_secret_key)
        });
        let newline = |i: usize| !lines[i].eol.is_empty();
        if let Some(k) = key {
            let end = scan::value_end(&lines, i, k.value_col, item, lines.len() - 1);
            let (value, _) = scan::split_comment(&t[k.value_col..]);
            if value.trim().is_empty() && end == i {
                shown.push(Shown {
                    text: t.to_string(),
                    newline: newline(i),
                });
            } else {
                shown.push(Shown {
                    text: format!("{}: {REDACTED}", &t[..k.value_col - 1]),
                    newline: newline(i),
                });
                for (j, line) in lines.iter().enumerate().take(end + 1).skip(i + 1) {
                    shown.push(Shown {
                        text: format!("{}{REDACTED}", " ".repeat(scan::indent(line.text))),
                        newline: newline(j),
                    });
                }
            }
            i = end + 1;
            continue;
        }
        if !mentions_secret_key(t) {
            shown.push(Shown {
                // A URL's password is a secret under any key.
                text: crate::secret::hide_url_passwords(t).into_owned(),
                newline: newline(i),
            });
            i += 1;
            continue;
        }
        // A line that mentions a secret key in a shape not read above (flow style):
        // redact it, and, unless it is a comment, the lines nested under it.
        let nested = !scan::is_neutral(t);
        shown.push(Shown {
            text: format!("{}{REDACTED}", &t[..ind]),
            newline: newline(i),
        });
        i += 1;
        while nested && i < lines.len() {
            let t = lines[i].text;
            if !t.trim().is_empty() && scan::indent(t) <= ind {
                break;
            }
            let text = if t.trim().is_empty() {
                t.to_string()
            } else {
                format!("{}{REDACTED}", " ".repeat(scan::indent(t)))
            };
            shown.push(Shown {
                text,
                newline: newline(i),
            });
            i += 1;
        }
    }
    shown
}

/// The column where a line's key starts, after any `- ` sequence markers.
fn item_start(t: &str, ind: usize) -> usize {
    let mut at = ind;
    let bytes = t.as_bytes();
    while bytes.get(at) == Some(&b'-') && matches!(bytes.get(at + 1), Some(b' ')) {
        at += 1;
        while bytes.get(at) == Some(&b' ') {
            at += 1;
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_both_sides_and_still_shows_a_password_change() {
        let old = "a: 1\ncustomImage:\n  registryPassword: 'old-secret'  # c\n  pushRepo: x\n";
        let new = "a: 1\ncustomImage:\n  registryPassword: \"new-secret\"\n  pushRepo: x\n";
        let d = unified_diff(old, new, "values.yaml");
        assert!(!d.contains("secret"), "{d}");
        assert_eq!(
            d,
            "--- values.yaml\t(current)\n+++ values.yaml\t(after phib)\n@@ -1,4 +1,4 @@\n a: 1\n customImage:\n-  registryPassword: <redacted>\n+  registryPassword: <redacted, changed>\n   pushRepo: x\n"
        );
    }

    #[test]
    fn redacts_multi_line_values_and_lines_that_mention_the_key() {
        let old = "customImage:\n  registryPassword: |\n    line-one\n    line-two\n  x: 1\n";
        let new = "customImage: {registryPassword:\n    flow-secret}\n";
        let d = unified_diff(old, new, "v");
        assert!(!d.contains("line-") && !d.contains("flow-secret"), "{d}");
        assert!(d.contains("-    <redacted>\n"), "{d}");
        assert!(d.contains("+<redacted>\n+    <redacted, changed>\n"), "{d}");
    }

    #[test]
    fn lines_split_like_the_scanner_even_with_a_lone_carriage_return() {
        let old = "a: 'x\ry'\r\nregistryPassword: p1\r\n";
        let new = "a: 'x\ry'\r\nregistryPassword: p2\r\n";
        let d = unified_diff(old, new, "v");
        assert!(
            d.contains("-registryPassword: <redacted>\n+registryPassword: <redacted, changed>\n"),
            "{d}"
        );
        assert!(!d.contains("p1") && !d.contains("p2"), "{d}");
    }

    #[test]
    fn equal_texts_give_no_diff_and_missing_newline_is_marked() {
        assert_eq!(unified_diff("a: 1\n", "a: 1\n", "v"), "");
        let d = unified_diff("a: 1", "a: 2", "v");
        assert!(d.ends_with("+a: 2\n\\ No newline at end of file\n"), "{d}");
    }
}

//! Finding the forms: one Aho-Corasick automaton over every pattern of a set of secrets
//! (a long one by the piece in its middle), what each match hides (a word, the run of
//! base64 around it), the decoded views of percent-encoded lines, and the redacted copy.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};

use super::patterns::{Forms, Kind};
use super::REDACTED;

/// The longest piece of a form the automaton searches for: a longer form (a keyfile in
/// base64 is kilobytes) is found by the piece in its middle, then compared whole where
/// that piece matched. The automaton stays small, so building it stays fast.
const ANCHOR: usize = 64;

/// Where the automaton's piece of `form` starts in it.
fn anchor_at(form: &[u8]) -> usize {
    form.len().saturating_sub(ANCHOR) / 2
}

/// The automaton over all forms of a set of secrets.
#[derive(Clone)]
pub(super) struct Matcher {
    /// `None` when the automaton could not be built: then everything is hidden.
    automaton: Option<AhoCorasick>,
    /// For each piece the automaton searches: the forms it is cut from.
    targets: Vec<Vec<u32>>,
    forms: Vec<Vec<u8>>,
    kinds: Vec<Vec<Kind>>,
    spaces: bool,
}

fn is_base64(b: u8, url: bool) -> bool {
    b.is_ascii_alphanumeric()
        || if url {
            matches!(b, b'-' | b'_')
        } else {
            matches!(b, b'+' | b'/')
        }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Whether `bytes` holds a `%XX` escape.
fn has_percent_escape(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'%', bytes).any(|i| {
        bytes
            .get(i + 1..i + 3)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    })
}

/// `line` with its `%XX` escapes decoded (and `+` as a space, with `plus`), and where
/// each decoded byte starts in `line` (one more entry for the end).
fn percent_decoded(line: &[u8], plus: bool) -> (Vec<u8>, Vec<usize>) {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(line.len());
    let mut at = Vec::with_capacity(line.len() + 1);
    let mut i = 0;
    while i < line.len() {
        at.push(i);
        let escaped = match line.get(i..i + 3) {
            Some([b'%', h, l]) => hex(*h).zip(hex(*l)).map(|(h, l)| (h * 16 + l) as u8),
            _ => None,
        };
        match (line[i], escaped) {
            (_, Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', None) if plus => {
                out.push(b' ');
                i += 1;
            }
            (b, None) => {
                out.push(b);
                i += 1;
            }
        }
    }
    at.push(line.len());
    (out, at)
}

/// The maximal run of base64 characters around `start..end` (padding included), reusing
/// the last run found when it holds the match: the matches inside one long blob cost
/// one scan of it, not one each.
fn base64_run(
    hay: &[u8],
    start: usize,
    end: usize,
    url: bool,
    last: &mut Option<(usize, usize)>,
) -> (usize, usize) {
    let (run_start, run_end) = match *last {
        Some((s, e)) if s <= start && end <= e => (s, e),
        _ => {
            let mut s = start;
            while s > 0 && is_base64(hay[s - 1], url) {
                s -= 1;
            }
            let mut e = end;
            while e < hay.len() && is_base64(hay[e], url) && hay[e - 1] != b'=' {
                e += 1;
            }
            *last = Some((s, e));
            (s, e)
        }
    };
    let mut padded = run_end;
    while padded < hay.len() && padded < run_end + 2 && hay[padded] == b'=' {
        padded += 1;
    }
    (run_start, padded.max(end))
}

/// What a match at `s..e` of a form of `kind` hides, if anything.
fn hidden(
    hay: &[u8],
    s: usize,
    e: usize,
    kind: Kind,
    runs: &mut [Option<(usize, usize)>; 2],
) -> Option<(usize, usize)> {
    match kind {
        Kind::Text => Some((s, e)),
        Kind::Word => {
            let inside_before = s > 0 && is_word(hay[s - 1]) && is_word(hay[s]);
            let inside_after = e < hay.len() && is_word(hay[e]) && is_word(hay[e - 1]);
            (!inside_before && !inside_after).then_some((s, e))
        }
        Kind::Base64 { lead, url } => {
            let (run_start, run_end) = base64_run(hay, s, e, url, &mut runs[usize::from(url)]);
            // Back from the match's group to the run's first whole group: what is glued
            // before the blob (fewer than 4 characters) stays.
            let start = match s.checked_sub(usize::from(lead)) {
                Some(group) if run_start <= group => group - (group - run_start) / 4 * 4,
                _ => run_start,
            };
            Some((start, run_end))
        }
        Kind::Base64Whole { url } => {
            let (run_start, run_end) = base64_run(hay, s, e, url, &mut runs[usize::from(url)]);
            (run_start == s && hay[e..run_end].iter().all(|b| *b == b'=')).then_some((s, run_end))
        }
    }
}

impl Matcher {
    pub(super) fn build(forms: &Forms) -> Matcher {
        Matcher::new(forms.patterns.clone(), forms.kinds.clone(), forms.spaces)
    }

    pub(super) fn new(forms: Vec<Vec<u8>>, kinds: Vec<Vec<Kind>>, spaces: bool) -> Matcher {
        let mut pieces: Vec<&[u8]> = Vec::new();
        let mut targets: Vec<Vec<u32>> = Vec::new();
        let mut index: HashMap<&[u8], usize> = HashMap::new();
        for (i, form) in forms.iter().enumerate() {
            let at = anchor_at(form);
            let piece = &form[at..form.len().min(at + ANCHOR)];
            let slot = *index.entry(piece).or_insert_with(|| {
                pieces.push(piece);
                targets.push(Vec::new());
                pieces.len() - 1
            });
            targets[slot].push(i as u32);
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            // The prefilter's candidates are everywhere in base64-heavy output (measured
            // by scripts/bench-redact: up to 5 times slower with it).
            .prefilter(false)
            .build(&pieces)
            .ok();
        Matcher {
            automaton,
            targets,
            forms,
            kinds,
            spaces,
        }
    }

    /// What to hide in `hay`: spans of bytes, in no order, maybe overlapping.
    pub(super) fn spans(&self, hay: &[u8]) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        let Some(automaton) = &self.automaton else {
            if !hay.is_empty() {
                spans.push((0, hay.len()));
            }
            return spans;
        };
        self.find(automaton, hay, 0, None, &mut spans);
        let percent = has_percent_escape(hay);
        let plus = self.spaces && memchr::memchr(b'+', hay).is_some();
        if !percent && !plus {
            return spans;
        }
        let mut offset = 0;
        for line in hay.split_inclusive(|b| *b == b'\n') {
            let line_percent = percent && has_percent_escape(line);
            let line_plus = plus && memchr::memchr(b'+', line).is_some();
            for (decode, plus) in [(line_percent, false), (line_plus, true)] {
                if decode {
                    let (view, at) = percent_decoded(line, plus);
                    self.find(automaton, &view, offset, Some(&at), &mut spans);
                }
            }
            offset += line.len();
        }
        spans
    }

    /// Adds the spans of the matches in `hay` to `out`, mapped through `at` (where each
    /// byte of a decoded view starts in the original) and moved by `offset`.
    fn find(
        &self,
        automaton: &AhoCorasick,
        hay: &[u8],
        offset: usize,
        at: Option<&[usize]>,
        out: &mut Vec<(usize, usize)>,
    ) {
        let mut runs = [None, None];
        for m in automaton.find_overlapping_iter(hay) {
            for &form in &self.targets[m.pattern().as_usize()] {
                let form = form as usize;
                let pattern = &self.forms[form];
                let Some(s) = m.start().checked_sub(anchor_at(pattern)) else {
                    continue;
                };
                let e = s + pattern.len();
                if hay.get(s..e) != Some(pattern.as_slice()) {
                    continue;
                }
                for kind in &self.kinds[form] {
                    if let Some((s, e)) = hidden(hay, s, e, *kind, &mut runs) {
                        let (s, e) = match at {
                            Some(at) => (at[s], at[e]),
                            None => (s, e),
                        };
                        out.push((offset + s, offset + e));
                    }
                }
            }
        }
    }

    pub(super) fn redact(&self, hay: &[u8]) -> Vec<u8> {
        let mut spans = self.spans(hay);
        if spans.is_empty() {
            return hay.to_vec();
        }
        spans.sort_unstable();
        let mut out = Vec::with_capacity(hay.len());
        let mut done = 0;
        let mut i = 0;
        while i < spans.len() {
            let (start, mut end) = spans[i];
            i += 1;
            while i < spans.len() && spans[i].0 < end {
                end = end.max(spans[i].1);
                i += 1;
            }
            out.extend_from_slice(&hay[done..start]);
            out.extend_from_slice(REDACTED.as_bytes());
            done = end;
        }
        out.extend_from_slice(&hay[done..]);
        out
    }
}

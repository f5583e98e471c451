//! The parser: one pass over the input that writes compact output as it goes. It keeps an
//! explicit stack of open arrays and objects (no recursion, so nesting depth cannot
//! overflow the call stack) and, for open objects only, where each member's key and value
//! sit in the output, so that a duplicate key can be resolved when its object closes.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::number::{write_number, NumberError};
use super::string;

/// jq refuses documents nested deeper than this; phib does the same.
pub const MAX_DEPTH: usize = 10_000;

/// Objects with more members than this get a hash index for duplicate detection.
const INDEX_FROM: usize = 16;

/// A parse failure: byte offset into the input and what was expected there.
pub type ParseError = (usize, String);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Array,
    Object,
}

/// One open array or object.
struct Frame {
    kind: Kind,
    /// Where its opening bracket is in the output.
    start: usize,
    /// Where its members start in `Parser::members` (objects only).
    base: usize,
    /// Some key appeared twice.
    duplicates: bool,
    /// Key hash -> first member with that hash, for large objects.
    index: Option<HashMap<u64, u32, BuildHasherDefault<PassThrough>>>,
}

/// One member of an open object, as positions in the output.
struct Member {
    /// The key's opening quote.
    key_start: usize,
    /// The `:` after the key.
    key_end: usize,
    /// One past the value's last byte.
    value_end: usize,
    /// The member (relative to the object's base) whose value this key ends up with.
    value_from: u32,
    /// A later occurrence of a key seen before: printed at the first one's position.
    repeated: bool,
    /// The next member with the same key hash (`u32::MAX`: none).
    next_same_hash: u32,
}

/// The keys are already hashes: pass them through.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 keys are hashed")
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

fn hash(bytes: &[u8]) -> u64 {
    // FNV-1a.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Bytes that end a bare literal (`true`, a number, ...), as in jq's tokenizer.
fn ends_literal(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'[' | b']' | b'{' | b'}' | b',' | b':'
    )
}

pub struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
    out: Vec<u8>,
    scratch: Vec<u8>,
    stack: Vec<Frame>,
    members: Vec<Member>,
    /// Objects with duplicate keys in the current top-level value, in closing order.
    patches: Vec<Patch>,
}

/// A piece of output: a byte range of `Parser::out`, or one byte.
#[derive(Clone, Copy)]
enum Piece {
    Range(usize, usize),
    Byte(u8),
}

/// An object with duplicate keys: the output range it occupies and what to write instead.
struct Patch {
    start: usize,
    end: usize,
    pieces: Vec<Piece>,
}

impl<'a> Parser<'a> {
    pub fn new(input: &'a [u8], start: usize) -> Self {
        Parser {
            input,
            pos: start,
            out: Vec::with_capacity(input.len() + 1),
            scratch: Vec::new(),
            stack: Vec::new(),
            members: Vec::new(),
            patches: Vec::new(),
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.input.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    /// Compacts every top-level value.
    pub fn run(mut self) -> Result<Vec<u8>, ParseError> {
        loop {
            self.skip_whitespace();
            if self.pos == self.input.len() {
                return Ok(self.out);
            }
            let start = self.out.len();
            self.value()?;
            if !self.patches.is_empty() {
                self.assemble(start);
            }
            self.out.push(b'\n');
        }
    }

    /// Parses one complete value (with everything nested in it) at `pos`.
    fn value(&mut self) -> Result<(), ParseError> {
        'value: loop {
            self.skip_whitespace();
            match self.peek() {
                Some(b'[') => {
                    self.open(Kind::Array)?;
                    self.skip_whitespace();
                    if self.peek() != Some(b']') {
                        continue 'value;
                    }
                    self.pos += 1;
                    self.close();
                }
                Some(b'{') => {
                    self.open(Kind::Object)?;
                    self.skip_whitespace();
                    if self.peek() != Some(b'}') {
                        self.key()?;
                        continue 'value;
                    }
                    self.pos += 1;
                    self.close();
                }
                Some(b'"') => self.string()?,
                Some(b) if !ends_literal(b) => self.literal()?,
                _ => return Err(self.expected("a value")),
            }
            // A value is complete: close containers until one expects more.
            loop {
                let Some(frame) = self.stack.last() else {
                    return Ok(());
                };
                let kind = frame.kind;
                if kind == Kind::Object {
                    let end = self.out.len();
                    self.members.last_mut().expect("open member").value_end = end;
                }
                self.skip_whitespace();
                match (kind, self.peek()) {
                    (_, Some(b',')) => {
                        self.pos += 1;
                        self.out.push(b',');
                        if kind == Kind::Object {
                            self.skip_whitespace();
                            self.key()?;
                        }
                        continue 'value;
                    }
                    (Kind::Array, Some(b']')) | (Kind::Object, Some(b'}')) => {
                        self.pos += 1;
                        self.close();
                    }
                    (Kind::Array, _) => return Err(self.expected("`,` or `]`")),
                    (Kind::Object, _) => return Err(self.expected("`,` or `}`")),
                }
            }
        }
    }

    /// Rewrites the output from `from` on with every patch applied. Patches are whole
    /// objects, so any two are nested or disjoint, and each range emitted (the whole
    /// value, a key, a value) contains whole patches only. Every kept byte is copied once.
    fn assemble(&mut self, from: usize) {
        let mut patches = std::mem::take(&mut self.patches);
        patches.sort_unstable_by_key(|p| p.start);
        let mut result = Vec::with_capacity(self.out.len() - from);
        let mut work = vec![Piece::Range(from, self.out.len())];
        while let Some(piece) = work.pop() {
            match piece {
                Piece::Byte(b) => result.push(b),
                Piece::Range(a, b) => {
                    let i = patches.partition_point(|p| p.start < a);
                    match patches.get(i) {
                        Some(p) if p.start < b => {
                            result.extend_from_slice(&self.out[a..p.start]);
                            work.push(Piece::Range(p.end, b));
                            work.extend(p.pieces.iter().rev());
                        }
                        _ => result.extend_from_slice(&self.out[a..b]),
                    }
                }
            }
        }
        self.out.truncate(from);
        self.out.extend_from_slice(&result);
    }

    fn expected(&self, what: &str) -> ParseError {
        let found = match self.peek() {
            None => "the end of the input".to_string(),
            // Only structural characters are named: the rest may be part of a secret.
            Some(b @ (b'[' | b']' | b'{' | b'}' | b':' | b',' | b'"')) => {
                format!("`{}`", b as char)
            }
            Some(_) => "something else".to_string(),
        };
        (self.pos, format!("expected {what}, found {found}"))
    }

    fn open(&mut self, kind: Kind) -> Result<(), ParseError> {
        if self.stack.len() == MAX_DEPTH {
            return Err((
                self.pos,
                format!(
                    "nested too deeply: expected at most {MAX_DEPTH} levels of arrays and objects"
                ),
            ));
        }
        self.stack.push(Frame {
            kind,
            start: self.out.len(),
            base: self.members.len(),
            duplicates: false,
            index: None,
        });
        self.out.push(if kind == Kind::Array { b'[' } else { b'{' });
        self.pos += 1;
        Ok(())
    }

    /// Closes the innermost container, whose closing bracket was just read.
    fn close(&mut self) {
        let frame = self.stack.pop().expect("open container");
        if frame.kind == Kind::Array {
            self.out.push(b']');
            return;
        }
        if frame.duplicates {
            self.patch_object(&frame);
        } else {
            self.out.push(b'}');
        }
        self.members.truncate(frame.base);
    }

    /// Records how an object with duplicate keys must be written: each key once, at its
    /// first position, with the value of its last occurrence. The bytes are not moved
    /// now (moving them at every level would make nested duplicates quadratic); the
    /// top-level value is assembled once, in `assemble`.
    fn patch_object(&mut self, frame: &Frame) {
        self.out.push(b'}');
        let members = &self.members[frame.base..];
        let mut pieces = vec![Piece::Byte(b'{')];
        for m in members.iter().filter(|m| !m.repeated) {
            if pieces.len() > 1 {
                pieces.push(Piece::Byte(b','));
            }
            let v = &members[m.value_from as usize];
            pieces.push(Piece::Range(m.key_start, m.key_end + 1));
            pieces.push(Piece::Range(v.key_end + 1, v.value_end));
        }
        pieces.push(Piece::Byte(b'}'));
        self.patches.push(Patch {
            start: frame.start,
            end: self.out.len(),
            pieces,
        });
    }

    /// Parses an object key and its `:`, and records the member.
    fn key(&mut self) -> Result<(), ParseError> {
        if self.peek() != Some(b'"') {
            return Err(self.expected("a string key"));
        }
        let key_start = self.out.len();
        self.string()?;
        let key_end = self.out.len();
        self.skip_whitespace();
        if self.peek() != Some(b':') {
            return Err(self.expected("`:` after the key"));
        }
        self.pos += 1;
        self.out.push(b':');
        self.add_member(key_start, key_end);
        Ok(())
    }

    fn add_member(&mut self, key_start: usize, key_end: usize) {
        let frame = self.stack.last_mut().expect("open object");
        let members = &mut self.members[frame.base..];
        let this = members.len() as u32;
        let key = &self.out[key_start..key_end];
        let mut first = None;
        let mut next_same_hash = u32::MAX;
        if let Some(index) = &mut frame.index {
            let h = hash(key);
            let mut at = index.get(&h).copied().unwrap_or(u32::MAX);
            while at != u32::MAX {
                let m = &members[at as usize];
                if &self.out[m.key_start..m.key_end] == key {
                    first = Some(at);
                    break;
                }
                at = m.next_same_hash;
            }
            if first.is_none() {
                next_same_hash = index.insert(h, this).unwrap_or(u32::MAX);
            }
        } else {
            first = members
                .iter()
                .position(|m| !m.repeated && &self.out[m.key_start..m.key_end] == key)
                .map(|i| i as u32);
        }
        if let Some(first) = first {
            members[first as usize].value_from = this;
            frame.duplicates = true;
        }
        self.members.push(Member {
            key_start,
            key_end,
            value_end: key_end + 1,
            value_from: this,
            repeated: first.is_some(),
            next_same_hash,
        });
        if frame.index.is_none() && self.members.len() - frame.base > INDEX_FROM {
            frame.index = Some(build_index(&self.out, &mut self.members[frame.base..]));
        }
    }

    fn string(&mut self) -> Result<(), ParseError> {
        let quote = self.pos;
        let Some(scanned) = string::scan(self.input, quote + 1) else {
            return Err((
                quote,
                "string never ends: expected a closing `\"` for the string that starts here"
                    .to_string(),
            ));
        };
        let raw = &self.input[quote + 1..scanned.end];
        if scanned.plain {
            self.out.push(b'"');
            self.out.extend_from_slice(raw);
            self.out.push(b'"');
        } else {
            string::write_escaped(raw, &mut self.out, &mut self.scratch)
                .map_err(|(at, what)| (quote + 1 + at, what.to_string()))?;
        }
        self.pos = scanned.end + 1;
        Ok(())
    }

    fn literal(&mut self) -> Result<(), ParseError> {
        let start = self.pos;
        let len = self.input[start..]
            .iter()
            .position(|&b| ends_literal(b))
            .unwrap_or(self.input.len() - start);
        let token = &self.input[start..start + len];
        let result = match token[0] {
            b't' | b'f' | b'n' => match token {
                b"true" | b"false" | b"null" => {
                    self.out.extend_from_slice(token);
                    Ok(())
                }
                b"nan" => Err(NumberError::NotFinite),
                _ => Err(NumberError::Invalid),
            },
            _ => write_number(token, &mut self.out),
        };
        result.map_err(|e| (start, literal_message(token, e)))?;
        self.pos = start + len;
        Ok(())
    }
}

fn literal_message(token: &[u8], e: NumberError) -> String {
    let what = match e {
        NumberError::NotFinite => "`NaN` and `Infinity` are not JSON",
        NumberError::Invalid if token.windows(3).any(|w| w == b"\xEF\xBB\xBF") => {
            "a byte order mark is allowed only at the very start of the input"
        }
        NumberError::Invalid
            if token.starts_with(b"\xFF\xFE")
                || token.starts_with(b"\xFE\xFF")
                || token.contains(&0) =>
        {
            "this looks like UTF-16; only UTF-8 is read (convert with `iconv -f UTF-16 -t UTF-8`)"
        }
        NumberError::Invalid if token[0] == b'\'' => "strings need double quotes",
        NumberError::Invalid => "not a valid literal",
    };
    format!(
        "expected a value (`null`, `true`, `false`, a number, a string, an array or an object): {what}"
    )
}

fn build_index(
    out: &[u8],
    members: &mut [Member],
) -> HashMap<u64, u32, BuildHasherDefault<PassThrough>> {
    let mut index = HashMap::with_capacity_and_hasher(members.len() * 2, Default::default());
    for (i, m) in members.iter_mut().enumerate() {
        if !m.repeated {
            m.next_same_hash = index
                .insert(hash(&out[m.key_start..m.key_end]), i as u32)
                .unwrap_or(u32::MAX);
        }
    }
    index
}

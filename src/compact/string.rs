//! Strings: finding where one ends, then writing it the way jq prints it. jq first
//! unescapes a string into bytes, then replaces invalid UTF-8 in those bytes by U+FFFD
//! with its own decoder, then escapes on output. Doing the same steps in the same order
//! is what makes the odd cases (a truncated sequence at the end of a string swallows the
//! rest; an escaped lone low surrogate) come out byte for byte as jq's.

/// The byte classes of the scanner: 0 is a byte a string copies unchanged.
const PLAIN: u8 = 0;
const QUOTE: u8 = 1;
const BACKSLASH: u8 = 2;
const OTHER: u8 = 3;

static SCAN: [u8; 256] = {
    let mut t = [PLAIN; 256];
    let mut b = 0;
    while b < 256 {
        if b < 0x20 || b >= 0x7f {
            t[b] = OTHER;
        }
        b += 1;
    }
    t[b'"' as usize] = QUOTE;
    t[b'\\' as usize] = BACKSLASH;
    t
};

/// Where a string ends.
pub struct Scanned {
    /// The index of the closing quote.
    pub end: usize,
    /// The string has only printable ASCII and no escapes, so it is copied unchanged.
    pub plain: bool,
}

/// Finds the closing quote of the string whose content starts at `start`. `None` when the
/// input ends first.
pub fn scan(input: &[u8], start: usize) -> Option<Scanned> {
    let mut i = start;
    let mut plain = true;
    while i < input.len() {
        match SCAN[input[i] as usize] {
            PLAIN => i += 1,
            QUOTE => return Some(Scanned { end: i, plain }),
            BACKSLASH => {
                plain = false;
                i += 2;
            }
            _ => {
                plain = false;
                i += 1;
            }
        }
    }
    None
}

/// A string that jq refuses: the offset of the problem inside the string's content, and
/// what was expected there.
pub type StringError = (usize, &'static str);

/// Writes the string with content `raw` (between the quotes) to `out`, quoted and
/// escaped. `scratch` is reused between calls to hold the unescaped bytes.
pub fn write_escaped(
    raw: &[u8],
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) -> Result<(), StringError> {
    unescape(raw, scratch)?;
    out.push(b'"');
    write_repaired(scratch, out);
    out.push(b'"');
    Ok(())
}

fn hex4(raw: &[u8], at: usize) -> Option<u32> {
    let digits = raw.get(at..at + 4)?;
    let mut value = 0;
    for &d in digits {
        value = value * 16 + (d as char).to_digit(16)?;
    }
    Some(value)
}

/// Resolves escapes into `decoded`, keeping raw bytes as they are (valid or not).
fn unescape(raw: &[u8], decoded: &mut Vec<u8>) -> Result<(), StringError> {
    decoded.clear();
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b < 0x20 {
            return Err((
                i,
                "control character in a string: expected it escaped, as `\\n`, `\\t` or `\\u00XX`",
            ));
        }
        if b != b'\\' {
            decoded.push(b);
            i += 1;
            continue;
        }
        // `scan` never ends a string right after a backslash, so the next byte exists.
        let simple = match raw[i + 1] {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'u' => None,
            _ => {
                return Err((
                    i,
                    "invalid escape: expected one of `\\\"`, `\\\\`, `\\/`, `\\b`, `\\f`, `\\n`, `\\r`, `\\t`, `\\uXXXX`",
                ))
            }
        };
        if let Some(byte) = simple {
            decoded.push(byte);
            i += 2;
            continue;
        }
        let Some(mut code) = hex4(raw, i + 2) else {
            return Err((i, "invalid `\\u` escape: expected four hex digits"));
        };
        let mut len = 6;
        if (0xD800..=0xDBFF).contains(&code) {
            let low = match raw.get(i + 6..i + 8) {
                Some(b"\\u") => hex4(raw, i + 8),
                _ => None,
            };
            match low {
                Some(low @ 0xDC00..=0xDFFF) => {
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    len = 12;
                }
                _ => {
                    return Err((
                        i,
                        "lone high surrogate: expected a `\\uDC00`-`\\uDFFF` escape right after it",
                    ))
                }
            }
        }
        encode_utf8(code, decoded);
        i += len;
    }
    Ok(())
}

/// Encodes any code point up to U+10FFFF, surrogates included (as jq does; the repair
/// step then turns an encoded lone surrogate into U+FFFD).
fn encode_utf8(code: u32, out: &mut Vec<u8>) {
    if code < 0x80 {
        out.push(code as u8);
    } else if code < 0x800 {
        out.extend_from_slice(&[0xC0 | (code >> 6) as u8, 0x80 | (code & 0x3F) as u8]);
    } else if code < 0x10000 {
        out.extend_from_slice(&[
            0xE0 | (code >> 12) as u8,
            0x80 | ((code >> 6) & 0x3F) as u8,
            0x80 | (code & 0x3F) as u8,
        ]);
    } else {
        out.extend_from_slice(&[
            0xF0 | (code >> 18) as u8,
            0x80 | ((code >> 12) & 0x3F) as u8,
            0x80 | ((code >> 6) & 0x3F) as u8,
            0x80 | (code & 0x3F) as u8,
        ]);
    }
}

/// How jq's decoder reads one character starting at `s[0]`: the number of bytes it
/// takes, and whether they form a valid character (otherwise they become one U+FFFD).
/// A lead byte whose sequence runs past the end of the string takes all the rest.
fn next_char(s: &[u8]) -> (usize, bool) {
    let first = s[0];
    let (len, min) = match first {
        0xC2..=0xDF => (2, 0x80),
        0xE0..=0xEF => (3, 0x800),
        0xF0..=0xF4 => (4, 0x10000),
        // Continuation bytes out of place, 0xC0, 0xC1 and 0xF5..: one bad byte each.
        _ => return (1, false),
    };
    if len > s.len() {
        return (s.len(), false);
    }
    let mut code = u32::from(first) & (0x7F >> len);
    for (i, &b) in s[1..len].iter().enumerate() {
        if b & 0xC0 != 0x80 {
            return (i + 1, false);
        }
        code = (code << 6) | u32::from(b & 0x3F);
    }
    let valid = code >= min && !(0xD800..=0xDFFF).contains(&code) && code <= 0x10FFFF;
    (len, valid)
}

/// The escape jq prints for an ASCII byte, if it needs one.
fn ascii_escape(b: u8, out: &mut Vec<u8>) {
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xF)]);
        }
    }
}

/// Writes the unescaped bytes `s`, escaping what jq escapes and replacing each invalid
/// UTF-8 sequence (as jq's decoder delimits them) by U+FFFD.
fn write_repaired(s: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < s.len() {
        let run = s[i..]
            .iter()
            .take_while(|&&b| SCAN[b as usize] == PLAIN)
            .count();
        out.extend_from_slice(&s[i..i + run]);
        i += run;
        if i == s.len() {
            break;
        }
        let b = s[i];
        if b < 0x80 {
            ascii_escape(b, out);
            i += 1;
            continue;
        }
        let (len, valid) = next_char(&s[i..]);
        if valid {
            out.extend_from_slice(&s[i..i + len]);
        } else {
            out.extend_from_slice("\u{FFFD}".as_bytes());
        }
        i += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(raw: &[u8]) -> Result<Vec<u8>, StringError> {
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        write_escaped(raw, &mut out, &mut scratch).map(|()| out)
    }

    #[test]
    fn repairs_like_jq() {
        let r = "\u{FFFD}";
        for (raw, want) in [
            (&b"\xf0A"[..], format!("\"{r}\"")),
            (b"\xf0ABC", format!("\"{r}ABC\"")),
            (b"\xc0\x80", format!("\"{r}{r}\"")),
            (b"\xe0\x80\x80", format!("\"{r}\"")),
            (b"\xed\xa0\x80", format!("\"{r}\"")),
            (b"\xf4\x90\x80\x80", format!("\"{r}\"")),
            (b"\xe2\x82\xe2\x82\xac", format!("\"{r}\u{20AC}\"")),
            (b"\xe2\x82\\n", format!("\"{r}\\n\"")),
            (b"\\udc00", format!("\"{r}\"")),
            (b"\\ud83d\\uDE00", "\"\u{1F600}\"".to_string()),
            (b"\\u0009\\/\x7f", "\"\\t/\\u007f\"".to_string()),
        ] {
            assert_eq!(esc(raw).unwrap(), want.as_bytes(), "{raw:?}");
        }
    }

    #[test]
    fn refuses() {
        assert_eq!(esc(b"ab\\ud800").unwrap_err().0, 2);
        assert_eq!(esc(b"\\u12").unwrap_err().0, 0);
        assert_eq!(esc(b"a\\x").unwrap_err().0, 1);
        assert_eq!(esc(b"a\x1f").unwrap_err().0, 1);
    }
}

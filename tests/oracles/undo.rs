//! The oracle of redaction, shared by the unit tests of `src/secret/` and the
//! end-to-end tests of `tests/it/adversarial/`: every way a reader can undo an
//! encoding, written from the encodings' own rules (RFC 8259 JSON, RFC 3986
//! percent-encoding, RFC 4648 base64), not from the code under test.

use base64::Engine;

/// Every way a reader can undo an encoding on `text`: as it is, with JSON's `\u`
/// escapes (surrogate pairs too), `\/`, `\"` and `\\` undone, percent-decoded (with `+`
/// as a space and not), and each run of base64 (either alphabet) decoded from each of
/// its first four characters, three levels deep.
pub fn undone(text: &str) -> Vec<String> {
    fn unjson(s: &str) -> String {
        let mut out = String::new();
        let mut units: Vec<u16> = Vec::new();
        let mut rest = s;
        while !rest.is_empty() {
            if let Some(hex) = rest.strip_prefix("\\u").and_then(|r| r.get(..4)) {
                if let Ok(u) = u16::from_str_radix(hex, 16) {
                    units.push(u);
                    rest = &rest[6..];
                    continue;
                }
            }
            out.push_str(&String::from_utf16_lossy(&units));
            units.clear();
            let two = rest.get(..2);
            if let Some(c) = two.and_then(|t| match t {
                "\\/" => Some('/'),
                "\\\\" => Some('\\'),
                "\\\"" => Some('"'),
                _ => None,
            }) {
                out.push(c);
                rest = &rest[2..];
            } else {
                let c = rest.chars().next().unwrap();
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        out.push_str(&String::from_utf16_lossy(&units));
        out
    }
    fn unpercent(s: &str, plus: bool) -> String {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
                (b'%', Some(v)) => {
                    out.push(v);
                    i += 3;
                }
                (b'+', _) if plus => {
                    out.push(b' ');
                    i += 1;
                }
                (c, _) => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    fn decoded(text: &str) -> Vec<String> {
        let engine = base64::engine::GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            base64::engine::GeneralPurposeConfig::new()
                .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
                .with_decode_allow_trailing_bits(true),
        );
        let normal = text.replace('-', "+").replace('_', "/");
        let mut out = Vec::new();
        for run in normal.split(|c: char| !(c.is_ascii_alphanumeric() || "+/".contains(c))) {
            for skip in 0..4 {
                let Some(r) = run.get(skip..) else { continue };
                let r = &r[..r.len() / 4 * 4];
                if r.len() >= 4 {
                    if let Ok(bytes) = engine.decode(r) {
                        out.push(String::from_utf8_lossy(&bytes).into_owned());
                    }
                }
            }
        }
        out
    }
    let mut views = Vec::new();
    let mut layer = vec![text.to_string()];
    for depth in 0..4 {
        let mut next = Vec::new();
        for t in layer {
            if depth < 3 {
                next.extend(decoded(&t));
            }
            views.push(unjson(&t));
            views.push(unpercent(&t, false));
            views.push(unpercent(&t, true));
            views.push(t);
        }
        layer = next;
    }
    views
}

//! Number literals, printed the way jq 1.7 and later print them. jq keeps the literal as a
//! decimal (decNumber) and prints its canonical scientific-string form, so `1.0` stays
//! `1.0`, `1e3` becomes `1E+3` and a 21-digit integer keeps every digit. Nothing here goes
//! through `f64`: the coefficient digits are copied and only the exponent is computed.

/// The largest adjusted exponent jq's decimal context allows; above it a number overflows.
const EMAX: i64 = 999_999_999;
/// The smallest exponent jq's decimal context can hold (`Emin - (precision - 1)` with its
/// precision of 147 483 648 digits); smaller numbers are rounded to this exponent.
const ETINY: i64 = -1_147_483_646;
/// What jq prints for a literal too large for its decimals: the largest `f64`.
const OVERFLOW: &str = "1.7976931348623157e+308";

/// Why a literal is not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberError {
    /// Not a number at all (`1e`, `.`, `1.2.3`, `0x10`).
    Invalid,
    /// `NaN`, `Infinity` and their spellings: jq reads them, JSON does not have them.
    NotFinite,
}

/// Appends the canonical form of the number literal `lit` to `out`.
pub fn write_number(lit: &[u8], out: &mut Vec<u8>) -> Result<(), NumberError> {
    // Fast path: a plain integer without a leading zero or `+` is already canonical.
    if is_plain_integer(lit) {
        out.extend_from_slice(lit);
        return Ok(());
    }
    let parts = split(lit)?;
    render(&parts, out);
    Ok(())
}

fn is_plain_integer(lit: &[u8]) -> bool {
    let digits = match lit.first() {
        Some(b'-') => &lit[1..],
        _ => lit,
    };
    match digits {
        [b'0'] => true,
        [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// A number literal taken apart: sign, the digits before and after the point, and the
/// written exponent (saturated far outside the range that matters).
struct Parts<'a> {
    negative: bool,
    int: &'a [u8],
    frac: &'a [u8],
    exp: i64,
}

fn split(lit: &[u8]) -> Result<Parts<'_>, NumberError> {
    let (negative, rest) = match lit.first() {
        Some(b'-') => (true, &lit[1..]),
        Some(b'+') => (false, &lit[1..]),
        _ => (false, lit),
    };
    if is_special(rest) {
        return Err(NumberError::NotFinite);
    }
    let int_len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let int = &rest[..int_len];
    let mut rest = &rest[int_len..];
    let mut frac: &[u8] = &[];
    if let Some((b'.', after)) = rest.split_first() {
        let frac_len = after.iter().take_while(|b| b.is_ascii_digit()).count();
        frac = &after[..frac_len];
        rest = &after[frac_len..];
    }
    if int.is_empty() && frac.is_empty() {
        return Err(NumberError::Invalid);
    }
    let mut exp = 0i64;
    if let Some((b'e' | b'E', after)) = rest.split_first() {
        let (exp_negative, digits) = match after.first() {
            Some(b'-') => (true, &after[1..]),
            Some(b'+') => (false, &after[1..]),
            _ => (false, after),
        };
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return Err(NumberError::Invalid);
        }
        for &d in digits {
            // Saturate: anything beyond 10^15 is out of range either way.
            exp = (exp * 10 + i64::from(d - b'0')).min(1_000_000_000_000_000);
        }
        if exp_negative {
            exp = -exp;
        }
        rest = &[];
    }
    if !rest.is_empty() {
        return Err(NumberError::Invalid);
    }
    Ok(Parts {
        negative,
        int,
        frac,
        exp,
    })
}

/// `inf`, `infinity`, `nan`, `snan` in any case, as jq's decimal parser reads them.
fn is_special(s: &[u8]) -> bool {
    let lower = s.to_ascii_lowercase();
    let lower = lower.as_slice();
    matches!(lower, b"inf" | b"infinity" | b"nan" | b"snan")
        || (lower.starts_with(b"nan") || lower.starts_with(b"snan"))
            && lower
                .iter()
                .skip_while(|b| b.is_ascii_alphabetic())
                .all(u8::is_ascii_digit)
}

fn render(p: &Parts<'_>, out: &mut Vec<u8>) {
    // The coefficient is every digit written, without leading zeros.
    let mut coefficient: Vec<u8> = p
        .int
        .iter()
        .chain(p.frac)
        .copied()
        .skip_while(|&d| d == b'0')
        .collect();
    let mut exponent = p.exp.saturating_sub(p.frac.len() as i64);
    if coefficient.is_empty() {
        coefficient.push(b'0');
    }
    let zero = coefficient == b"0";
    if zero {
        exponent = exponent.clamp(ETINY, EMAX);
    } else {
        if exponent.saturating_add(coefficient.len() as i64 - 1) > EMAX {
            if p.negative {
                out.push(b'-');
            }
            out.extend_from_slice(OVERFLOW.as_bytes());
            return;
        }
        if exponent < ETINY {
            coefficient = round_half_up(&coefficient, ETINY.saturating_sub(exponent));
            exponent = ETINY;
        }
    }
    if p.negative {
        out.push(b'-');
    }
    write_scientific(&coefficient, exponent, out);
}

/// Drops the last `drop` digits of `coefficient`, rounding half up.
fn round_half_up(coefficient: &[u8], drop: i64) -> Vec<u8> {
    let len = coefficient.len() as i64;
    if drop > len {
        return b"0".to_vec();
    }
    let keep = (len - drop) as usize;
    let round_up = coefficient[keep] >= b'5';
    let mut kept: Vec<u8> = coefficient[..keep].to_vec();
    if round_up {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, b'1');
                break;
            }
            i -= 1;
            if kept[i] == b'9' {
                kept[i] = b'0';
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    if kept.is_empty() {
        kept.push(b'0');
    }
    kept
}

/// decNumber's to-scientific-string: plain notation when the exponent is not positive and
/// the adjusted exponent is at least -6, otherwise `d.dddE±n`.
fn write_scientific(coefficient: &[u8], exponent: i64, out: &mut Vec<u8>) {
    let len = coefficient.len() as i64;
    let adjusted = exponent + len - 1;
    if exponent <= 0 && adjusted >= -6 {
        if exponent == 0 {
            out.extend_from_slice(coefficient);
        } else if len > -exponent {
            let point = (len + exponent) as usize;
            out.extend_from_slice(&coefficient[..point]);
            out.push(b'.');
            out.extend_from_slice(&coefficient[point..]);
        } else {
            out.extend_from_slice(b"0.");
            out.resize(out.len() + (-exponent - len) as usize, b'0');
            out.extend_from_slice(coefficient);
        }
        return;
    }
    out.push(coefficient[0]);
    if len > 1 {
        out.push(b'.');
        out.extend_from_slice(&coefficient[1..]);
    }
    out.push(b'E');
    out.push(if adjusted < 0 { b'-' } else { b'+' });
    out.extend_from_slice(adjusted.unsigned_abs().to_string().as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(lit: &str) -> Result<String, NumberError> {
        let mut out = Vec::new();
        write_number(lit.as_bytes(), &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn canonical_forms() {
        for (lit, want) in [
            ("1.0", "1.0"),
            ("1e3", "1E+3"),
            ("0.10", "0.10"),
            ("-0", "-0"),
            ("01", "1"),
            ("+1", "1"),
            (".5", "0.5"),
            ("1.", "1"),
            ("10e10", "1.0E+11"),
            ("12e-12", "1.2E-11"),
            ("1e-6", "0.000001"),
            ("1e-7", "1E-7"),
            ("0e-6", "0.000000"),
            ("0e-7", "0E-7"),
            ("-0e5", "-0E+5"),
            ("1.10e1", "11.0"),
            ("0e1000000000", "0E+999999999"),
            ("1e1000000000", "1.7976931348623157e+308"),
            ("-1e99999999999999999999", "-1.7976931348623157e+308"),
            ("15e-1147483647", "2E-1147483646"),
            ("95e-1147483647", "1.0E-1147483645"),
            ("5e-1147483648", "0E-1147483646"),
            ("-1e-1147483647", "-0E-1147483646"),
        ] {
            assert_eq!(canon(lit).as_deref(), Ok(want), "{lit}");
        }
    }

    #[test]
    fn rejects() {
        for lit in [
            "1e", ".", "-", "+", "1.5.3", "0x10", "1e+", ".e1", "--1", "1_0",
        ] {
            assert_eq!(canon(lit), Err(NumberError::Invalid), "{lit}");
        }
        for lit in ["NaN", "nan", "-Infinity", "inf", "sNaN", "nan123"] {
            assert_eq!(canon(lit), Err(NumberError::NotFinite), "{lit}");
        }
    }
}

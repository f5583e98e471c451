//! Kubernetes resource quantities (`500m`, `2Gi`, `1.5`, `1e3`), as the controller's
//! `resource.MustParse` accepts them: a value it cannot parse makes it panic at start.

/// Whether `s` is a quantity: a signed decimal number, then at most one suffix (a
/// binary `Ki`…`Ei`, a decimal `n u m k M G T P E`, or an exponent `e3`/`E-2`).
pub fn is_quantity(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let digits_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(digits_end);
    let mut parts = number.split('.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next();
    if parts.next().is_some() || (whole.is_empty() && frac.is_none_or(str::is_empty)) {
        return false;
    }
    const SUFFIXES: [&str; 15] = [
        "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k", "M", "G", "T", "P",
    ];
    if SUFFIXES.contains(&suffix) || suffix == "E" {
        return true;
    }
    let Some(exp) = suffix.strip_prefix(['e', 'E']) else {
        return false;
    };
    let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
    !exp.is_empty() && exp.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_golden_table() {
        for ok in [
            "1", "500m", "0.5", ".5", "2Gi", "512Mi", "1e3", "1E-2", "+1", "1.", "30Gi", "100k",
            "2E",
        ] {
            assert!(is_quantity(ok), "{ok}");
        }
        for bad in [
            "", "lots", "2GB", "1.2.3", "Gi", "1 Gi", "1e", "1mi", "-", ".", "2g", "1ee3",
        ] {
            assert!(!is_quantity(bad), "{bad}");
        }
    }
}

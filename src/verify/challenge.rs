//! Parsing the `WWW-Authenticate` header a registry sends with its 401 answer to
//! `GET /v2/`. It names how to log in: `Basic realm="…"`, or
//! `Bearer realm="…",service="…",scope="…"` (a token service to ask for a token). The
//! grammar is RFC 7235's: a scheme, then comma-separated `name=value` parameters whose
//! values are tokens or quoted strings with `\` escapes.

/// How the registry wants the client to log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// HTTP Basic authentication on every request.
    Basic,
    /// A token from `realm` (with `service`), sent as `Authorization: Bearer`.
    Bearer {
        realm: String,
        service: Option<String>,
        /// Set on a 401 for a missing right, e.g. `insufficient_scope`.
        error: Option<String>,
    },
    /// A scheme phib does not speak (its name as sent).
    Other(String),
}

/// Parses one `WWW-Authenticate` value. `None` when it is empty or malformed.
pub fn parse(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = match header.find(|c: char| c.is_ascii_whitespace()) {
        Some(i) => (&header[..i], &header[i..]),
        None => (header, ""),
    };
    if scheme.is_empty() {
        return None;
    }
    let params = parse_params(rest)?;
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    if scheme.eq_ignore_ascii_case("basic") {
        Some(Challenge::Basic)
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Some(Challenge::Bearer {
            realm: get("realm").filter(|r| !r.is_empty())?,
            service: get("service"),
            error: get("error"),
        })
    } else {
        Some(Challenge::Other(scheme.to_string()))
    }
}

/// Parses `name=value, name="quoted \" value", …` into pairs.
fn parse_params(input: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars
            .peek()
            .is_some_and(|c| c.is_ascii_whitespace() || *c == ',')
        {
            chars.next();
        }
        if chars.peek().is_none() {
            return Some(out);
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ',' || c.is_ascii_whitespace() {
                break;
            }
            name.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') {
            return None;
        }
        while chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => value.push(chars.next()?),
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' || c.is_ascii_whitespace() {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        if name.is_empty() {
            return None;
        }
        out.push((name, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer(realm: &str, service: Option<&str>, error: Option<&str>) -> Challenge {
        Challenge::Bearer {
            realm: realm.into(),
            service: service.map(Into::into),
            error: error.map(Into::into),
        }
    }

    #[test]
    fn golden_table() {
        let cases: &[(&str, Option<Challenge>)] = &[
            (r#"Basic realm="Registry Realm""#, Some(Challenge::Basic)),
            ("basic", Some(Challenge::Basic)),
            (
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io""#,
                Some(bearer(
                    "https://auth.docker.io/token",
                    Some("registry.docker.io"),
                    None,
                )),
            ),
            (
                r#"Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull""#,
                Some(bearer("https://ghcr.io/token", Some("ghcr.io"), None)),
            ),
            (
                r#"Bearer realm="http://127.0.0.1:1/token",service="reg",scope="repository:a:pull,push",error="insufficient_scope""#,
                Some(bearer(
                    "http://127.0.0.1:1/token",
                    Some("reg"),
                    Some("insufficient_scope"),
                )),
            ),
            // Spaces around `=` and `,`, unquoted tokens, odd case.
            (
                "BEARER  realm = https://r/t ,  Service=s",
                Some(bearer("https://r/t", Some("s"), None)),
            ),
            // Escapes inside quoted strings.
            (
                r#"Bearer realm="https://r/\"q\"\\",service="a,b""#,
                Some(bearer(r#"https://r/"q"\"#, Some("a,b"), None)),
            ),
            (
                r#"Bearer realm="https://r/t""#,
                Some(bearer("https://r/t", None, None)),
            ),
            (
                r#"Negotiate abc="d""#,
                Some(Challenge::Other("Negotiate".into())),
            ),
            // Bearer without a realm cannot be followed.
            (r#"Bearer service="s""#, None),
            (r#"Bearer realm="""#, None),
            // Malformed.
            ("", None),
            (r#"Bearer realm="unterminated"#, None),
            ("Bearer realm", None),
        ];
        for (input, want) in cases {
            assert_eq!(&parse(input), want, "input: {input:?}");
        }
    }
}

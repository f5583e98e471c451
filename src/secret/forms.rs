//! Every form a secret takes in what helm and kubectl print, built here from the
//! encodings' own rules (RFC 8259 JSON, RFC 3986 percent-encoding, the WHATWG form
//! encoding, RFC 4648 base64), not from the code under test; and an oracle that undoes
//! them on the redacted text.

use super::*;

#[path = "../../tests/oracles/undo.rs"]
mod undo;
use base64::Engine;
use proptest::prelude::*;

fn b64(bytes: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn b64_url(bytes: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A JSON string's content: `ascii` writes non-ASCII as `\u` UTF-16 units (Python's
/// default), `upper` in upper-case hex, `slash` escapes `/` (PHP), `html` escapes
/// `<`, `>`, `&` (Go's encoding/json).
fn json(s: &str, ascii: bool, upper: bool, slash: bool, html: bool) -> String {
    let hex = |u: u32| {
        if upper {
            format!("\\u{u:04X}")
        } else {
            format!("\\u{u:04x}")
        }
    };
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '/' if slash => out.push_str("\\/"),
            '<' | '>' | '&' if html => out.push_str(&hex(c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&hex(c as u32)),
            c if ascii && !c.is_ascii() => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&hex(u32::from(*u)));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Percent-encoding: every byte but the unreserved ones and `keep`, as `%XX`
/// (`lower` for lower-case hex); `plus` writes a space as `+` (form encoding).
fn percent(s: &str, keep: &str, plus: bool, lower: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.as_bytes().contains(&b) {
            out.push(b as char);
        } else if b == b' ' && plus {
            out.push('+');
        } else if lower {
            out.push_str(&format!("%{b:02x}"));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// How a form must come out: text forms exactly as `<redacted>` between their
/// neighbours; a base64 blob as `<redacted>` after its neighbours, with the rest of
/// the base64 run it is glued into hidden with it.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Shape {
    Text,
    Blob,
}

/// A docker config as kubectl (Go), phib (serde) or Python write it.
fn dockerconfig(host: &str, user: &str, pw: &str, style: &str) -> String {
    let auth = b64(format!("{user}:{pw}"));
    let (u, p) = match style {
        "go" => (
            json(user, false, false, false, true),
            json(pw, false, false, false, true),
        ),
        "python" => (
            json(user, true, false, false, false),
            json(pw, true, false, false, false),
        ),
        "auth-only" => {
            return format!(r#"{{"auths":{{"{host}":{{"auth":"{auth}"}}}}}}"#);
        }
        _ => (
            json(user, false, false, false, false),
            json(pw, false, false, false, false),
        ),
    };
    format!(r#"{{"auths":{{"{host}":{{"username":"{u}","password":"{p}","auth":"{auth}"}}}}}}"#)
}

/// Every form of the login `user`/`pw`, named.
fn forms(user: &str, pw: &str) -> Vec<(String, String, Shape)> {
    let mut v: Vec<(String, String, Shape)> = Vec::new();
    let mut text = |name: &str, s: String| v.push((name.to_string(), s, Shape::Text));
    text("plain", pw.to_string());
    text("json", json(pw, false, false, false, false));
    text("json \\u", json(pw, true, false, false, false));
    text("json \\U", json(pw, true, true, false, false));
    text("json \\/", json(pw, false, false, true, false));
    text("json \\u \\/", json(pw, true, false, true, false));
    text("json go", json(pw, false, false, false, true));
    text(
        "json in json",
        json(
            &json(pw, false, false, false, false),
            false,
            false,
            false,
            false,
        ),
    );
    text(
        "json \\u in json",
        json(
            &json(pw, true, false, false, false),
            false,
            false,
            false,
            false,
        ),
    );
    text("yaml single", pw.replace('\'', "''"));
    // Go's url.UserPassword: all but unreserved and `$&+,;=` escaped.
    text("url userinfo", percent(pw, "$&+,;=", false, false));
    // Go's url.QueryEscape and the WHATWG form encoding: space as `+`.
    text("url query", percent(pw, "", true, false));
    text("url lower hex", percent(pw, "", false, true));
    // Python's urllib.parse.quote keeps `/`.
    text("url path", percent(pw, "/", false, false));
    let mut blob = |name: &str, s: String| v.push((name.to_string(), s, Shape::Blob));
    blob("base64", b64(pw));
    blob("base64 unpadded", b64(pw).trim_end_matches('=').to_string());
    blob("base64 url-safe", b64_url(pw));
    for (i, around) in [("x", "y"), ("xy", "z"), ("xyz", "\"}"), ("p=\"", "\"")]
        .iter()
        .enumerate()
    {
        blob(
            &format!("base64 at offset {}", around.0.len() % 3 + i / 3 * 10),
            b64(format!("{}{pw}{}", around.0, around.1)),
        );
        blob(
            &format!("base64 url-safe at offset {}", around.0.len() % 3),
            b64_url(format!("{}{pw}{}", around.0, around.1)),
        );
    }
    // Only the escaped password in the blob: no `auth` beside it to give it away.
    for (style, escaped) in [
        ("serde", json(pw, false, false, false, false)),
        ("go", json(pw, false, false, false, true)),
        ("python", json(pw, true, false, false, false)),
        ("php", json(pw, true, false, true, false)),
    ] {
        for key in ["pw", "pass", "token"] {
            blob(
                &format!("base64 of {style} json {key}"),
                b64(format!(r#"{{"{key}":"{escaped}"}}"#)),
            );
        }
    }
    blob("auth", b64(format!("{user}:{pw}")));
    blob("auth url-safe", b64_url(format!("{user}:{pw}")));
    blob(
        "basic header in base64",
        b64(format!(
            "Authorization: Basic {}\r\n",
            b64(format!("{user}:{pw}"))
        )),
    );
    for host in ["r.io", "reg.io", "regi.io"] {
        for style in ["serde", "go", "python", "auth-only"] {
            let config = dockerconfig(host, user, pw, style);
            blob(&format!("dockerconfigjson {style} {host}"), b64(&config));
            blob(
                &format!("blob of a dockerconfigjson {style} {host}"),
                b64(format!(
                    "apiVersion: v1\nkind: Secret\ndata:\n  .dockerconfigjson: {}\n",
                    b64(&config)
                )),
            );
        }
    }
    v
}

const PREFIXES: &[&str] = &[
    "", "m", "\x1b[0m", "a", "/", "+", "ab", "x/+", "\"", "key=", "é",
];
const SUFFIXES: &[&str] = &["", "\n", "x", "Ab", "\x1b[0m", "\"", "/+"];

/// Where `out`, in any form a reader can undo ([`undo::undone`]), still shows `pw`
/// (plain or JSON-escaped) or `user:pw`.
fn recoverable(out: &str, user: &str, pw: &str) -> Option<String> {
    let needles = [
        pw.to_string(),
        json(pw, false, false, false, false),
        json(pw, false, false, false, true),
        format!("{user}:{pw}"),
    ];
    undo::undone(out).into_iter().find_map(|view| {
        needles
            .iter()
            .find(|n| view.contains(n.as_str()))
            .map(|n| format!("`{n}` in {view:?}"))
    })
}

/// Checks every form of `user`/`pw` glued to every prefix and suffix.
/// With `login`, the redactor knows the user too; else only the password, as
/// [`Secret::new`] learns it.
fn check_all(
    user: &str,
    pw: &str,
    login: bool,
    prefixes: &[&str],
    suffixes: &[&str],
) -> Vec<String> {
    // Not learned for `redact`: the store every test of the crate shares stays small.
    let mut r = Redactor::new();
    let changed = if login {
        r.forms.add_login(user, pw)
    } else {
        r.forms.add_secret(pw)
    };
    r.changed(changed);
    let mut failures = Vec::new();
    for (name, form, shape) in forms(user, pw) {
        for pre in prefixes {
            for suf in suffixes {
                let text = format!("{pre}{form}{suf}");
                let out = r.redact(&text);
                let head = format!("{pre}{REDACTED}");
                let shaped = match shape {
                    Shape::Text => out == format!("{head}{suf}"),
                    Shape::Blob => out
                        .strip_prefix(&head)
                        .is_some_and(|rest| suf.ends_with(rest)),
                };
                if !shaped {
                    failures.push(format!(
                        "{name} glued {pre:?}…{suf:?} (login {login}): {out:?}"
                    ));
                } else if let Some(why) = recoverable(&out, user, pw) {
                    failures.push(format!(
                        "{name} glued {pre:?}…{suf:?} (login {login}): {why}"
                    ));
                }
            }
        }
    }
    failures
}

#[test]
fn every_form_of_a_login_is_hidden_whatever_it_is_glued_to() {
    for (user, pw) in [
        ("robot$ci", "Hunter2-Hunter2"),
        ("me", "p@ss w/rd+50%"),
        ("u", "caf\u{e9}-Gr\u{fc}\u{df}e-\u{1f600}"),
        (
            "_json_key",
            r#"{"private_key":"-----BEGIN KEY-----\nMIIEv/Q+x=\n"}"#,
        ),
        ("user", "a<b>&c'd\"e\\f"),
    ] {
        let mut failures = check_all(user, pw, true, PREFIXES, SUFFIXES);
        failures.extend(check_all(user, pw, false, PREFIXES, SUFFIXES));
        assert!(
            failures.is_empty(),
            "{pw:?}: {} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

#[test]
fn a_dockerconfigjson_glued_to_base64_characters_is_hidden() {
    let config = dockerconfig("registry.example.com", "robot", "S3cret-Passw0rd", "go");
    let blob = b64(&config);
    let mut r = Redactor::new();
    r.add_login("robot", "S3cret-Passw0rd");
    for glue in ["m", "\x1b[0m", "a", "/", "+", "ab", "Zz9", "x/+"] {
        let out = r.redact(&format!("{glue}{blob}\n"));
        assert_eq!(out, format!("{glue}{REDACTED}\n"), "glued to {glue:?}");
    }
}

#[test]
fn non_ascii_passwords_are_hidden_in_json_unicode_escapes() {
    let mut r = Redactor::new();
    r.add("d\u{e9}j\u{e0}-vu/\u{1f600}");
    for form in [
        r#"d\u00e9j\u00e0-vu/\ud83d\ude00"#,
        r#"d\u00E9j\u00E0-vu/\uD83D\uDE00"#,
        r#"d\u00e9j\u00e0-vu\/\ud83d\ude00"#,
        "d\u{e9}j\u{e0}-vu\\/\u{1f600}",
    ] {
        assert_eq!(
            r.redact(&format!("\"{form}\"")),
            format!("\"{REDACTED}\""),
            "{form}"
        );
    }
}

#[test]
fn url_encoded_passwords_are_hidden() {
    let mut r = Redactor::new();
    r.add("p@ss w/rd+50%");
    for form in [
        "p%40ss%20w%2Frd%2B50%25",
        "p%40ss+w%2Frd%2B50%25",
        "p%40ss%20w/rd+50%25",
        "p%40ss%20w%2frd%2b50%25",
    ] {
        assert_eq!(
            r.redact(&format!("https://u:{form}@h/?t={form}&x=1")),
            format!("https://u:{REDACTED}@h/?t={REDACTED}&x=1"),
            "{form}"
        );
    }
}

#[test]
fn short_secrets_and_common_words_blank_nothing_else() {
    let mut r = Redactor::new();
    r.add("pw").add("abc").add_login("admin", "x");
    assert_eq!(
        r.redact("pw: abc, password abcd, x\nbox xabc pwned"),
        format!("{REDACTED}: {REDACTED}, password abcd, {REDACTED}\nbox xabc pwned")
    );
    // Their base64 forms only as whole values, never inside longer base64.
    assert_eq!(
        r.redact(&format!("v: {}", b64("abc"))),
        format!("v: {REDACTED}")
    );
    assert_eq!(r.redact("YWJjZGVm QWJj"), "YWJjZGVm QWJj");
    // A long password does not blank its user or ordinary words.
    let mut r = Redactor::new();
    r.add_login("admin", "Tr0ub4dor&3-horse");
    let text = "admin logged in; the horse and the Tr0ub4dor are fine\n";
    assert_eq!(r.redact(text), text);
}

fn password() -> impl Strategy<Value = String> {
    let chars = prop::sample::select(vec![
        'a',
        'Z',
        '0',
        '9',
        '/',
        '+',
        '=',
        '"',
        '\'',
        '\\',
        ' ',
        ':',
        '@',
        '%',
        '&',
        '<',
        '$',
        '-',
        '_',
        '.',
        '~',
        '\u{e9}',
        '\u{4e2d}',
        '\u{1f600}',
        '\t',
    ]);
    prop::collection::vec(chars, 8..20).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn random_passwords_are_hidden_in_every_form_and_glue(
        pw in password(),
        user in "[a-z$]{1,8}",
        pre in prop::sample::select(PREFIXES.to_vec()),
        suf in prop::sample::select(SUFFIXES.to_vec()),
    ) {
        let mut failures = check_all(&user, &pw, true, &[pre], &[suf]);
        failures.extend(check_all(&user, &pw, false, &[pre], &[suf]));
        prop_assert!(failures.is_empty(), "{pw:?}: {}", failures.join("\n"));
    }
}

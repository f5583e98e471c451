//! Fills an External Secrets Operator template the way its engine (Go `text/template`
//! with sprig) does, for the part of the language phib's templates use: `.KEY`,
//! `index . "KEY"`, string literals, parentheses, pipelines, and the functions
//! `printf` (`%s` only), `toJson` and `b64enc`. Anything else panics, so a template
//! that strays outside what is checked here fails its test instead of passing unseen.

use std::collections::BTreeMap;

use base64::Engine;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Field(String),
    Dot,
    Ident(String),
    Open,
    Close,
    Pipe,
}

fn lex(action: &str) -> Vec<Tok> {
    let mut toks = Vec::new();
    let mut chars = action.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' => {
                chars.next();
            }
            '|' => {
                chars.next();
                toks.push(Tok::Pipe);
            }
            '(' => {
                chars.next();
                toks.push(Tok::Open);
            }
            ')' => {
                chars.next();
                toks.push(Tok::Close);
            }
            '"' => {
                // A Go interpreted string literal; JSON's escapes are a subset of Go's.
                let mut lit = String::from('"');
                chars.next();
                loop {
                    let c = chars.next().expect("unterminated string");
                    lit.push(c);
                    if c == '\\' {
                        lit.push(chars.next().expect("escape"));
                    } else if c == '"' {
                        break;
                    }
                }
                toks.push(Tok::Str(
                    serde_json::from_str(&lit).expect("string literal"),
                ));
            }
            '.' => {
                chars.next();
                let mut name = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        name.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                toks.push(if name.is_empty() {
                    Tok::Dot
                } else {
                    Tok::Field(name)
                });
            }
            c if c.is_ascii_alphabetic() => {
                let mut name = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_ascii_alphanumeric() {
                        name.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                toks.push(Tok::Ident(name));
            }
            other => panic!("unsupported character {other:?} in action `{action}`"),
        }
    }
    toks
}

#[derive(Debug, Clone)]
enum Val {
    Str(String),
    Dot,
}

struct Eval<'a> {
    toks: Vec<Tok>,
    pos: usize,
    data: &'a BTreeMap<String, String>,
}

impl Eval<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn pipeline(&mut self) -> Val {
        let mut val = self.command(None);
        while self.peek() == Some(&Tok::Pipe) {
            self.pos += 1;
            val = self.command(Some(val));
        }
        val
    }

    fn operand(&mut self) -> Val {
        let tok = self.toks[self.pos].clone();
        self.pos += 1;
        match tok {
            Tok::Str(s) => Val::Str(s),
            Tok::Dot => Val::Dot,
            Tok::Field(f) => Val::Str(
                self.data
                    .get(&f)
                    .unwrap_or_else(|| panic!("no data key `{f}`"))
                    .clone(),
            ),
            Tok::Open => {
                let v = self.pipeline();
                assert_eq!(self.toks.get(self.pos), Some(&Tok::Close), "missing `)`");
                self.pos += 1;
                v
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    fn command(&mut self, piped: Option<Val>) -> Val {
        let func = match self.peek() {
            Some(Tok::Ident(name)) => {
                let n = name.clone();
                self.pos += 1;
                Some(n)
            }
            _ => None,
        };
        let mut args = Vec::new();
        while !matches!(self.peek(), None | Some(Tok::Pipe) | Some(Tok::Close)) {
            args.push(self.operand());
        }
        args.extend(piped);
        let s = |v: &Val| match v {
            Val::Str(s) => s.clone(),
            Val::Dot => panic!("`.` used as a string"),
        };
        match func.as_deref() {
            None => {
                assert_eq!(args.len(), 1, "a value with arguments");
                args.pop().unwrap()
            }
            Some("printf") => {
                let fmt = s(&args[0]);
                let mut rest = args[1..].iter();
                let mut out = String::new();
                let mut parts = fmt.split("%s");
                out.push_str(parts.next().unwrap());
                for p in parts {
                    out.push_str(&s(rest.next().expect("printf: too few arguments")));
                    out.push_str(p);
                }
                assert!(!out.contains('%') || !fmt.replace("%s", "").contains('%'));
                assert!(rest.next().is_none(), "printf: too many arguments");
                Val::Str(out)
            }
            Some("toJson") => {
                assert_eq!(args.len(), 1);
                Val::Str(serde_json::Value::String(s(&args[0])).to_string())
            }
            Some("b64enc") => {
                assert_eq!(args.len(), 1);
                Val::Str(base64::engine::general_purpose::STANDARD.encode(s(&args[0])))
            }
            Some("index") => {
                assert!(
                    matches!(args[0], Val::Dot),
                    "index of something other than `.`"
                );
                let key = s(&args[1]);
                Val::Str(
                    self.data
                        .get(&key)
                        .unwrap_or_else(|| panic!("no data key `{key}`"))
                        .clone(),
                )
            }
            Some(other) => panic!("function `{other}` is not checked here"),
        }
    }
}

/// The template with every action replaced by its value.
pub fn fill(template: &str, data: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        // The action ends at the first `}}` outside a string literal.
        let (mut end, mut in_str, mut esc) = (None, false, false);
        let bytes = after.as_bytes();
        for i in 0..bytes.len() {
            let b = bytes[i];
            if in_str {
                match (esc, b) {
                    (true, _) => esc = false,
                    (false, b'\\') => esc = true,
                    (false, b'"') => in_str = false,
                    _ => {}
                }
            } else if b == b'"' {
                in_str = true;
            } else if b == b'}' && bytes.get(i + 1) == Some(&b'}') {
                end = Some(i);
                break;
            }
        }
        let end = end.expect("unterminated action");
        let action = after[..end].trim();
        let mut eval = Eval {
            toks: lex(action),
            pos: 0,
            data,
        };
        let val = eval.pipeline();
        assert_eq!(eval.pos, eval.toks.len(), "trailing tokens in `{action}`");
        match val {
            Val::Str(s) => out.push_str(&s),
            Val::Dot => panic!("an action that prints `.`"),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

#[test]
fn fills_what_phib_writes_and_refuses_the_rest() {
    let data: BTreeMap<String, String> = [("username", "u"), ("a-b", "p\"w")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let got = fill(
        r#"{"u":{{ .username | toJson }},"p":{{ (index . "a-b") | toJson }},"a":"{{ printf "%s:%s" "x}}" .username | b64enc }}"}"#,
        &data,
    );
    assert_eq!(got, r#"{"u":"u","p":"p\"w","a":"eH19OnU="}"#);
    let refused = std::panic::catch_unwind(|| fill("{{ .username | upper }}", &data));
    assert!(refused.is_err());
}

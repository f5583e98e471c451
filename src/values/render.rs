//! Renders the `customImage` block from the values model with the embedded minijinja
//! template `templates/custom-image.yaml.j2`. The output is a contract with the merge
//! code: `customImage:` then one `  key: scalar` line per managed key present, in the
//! order of [`MANAGED_KEYS`](super::model::MANAGED_KEYS), ending with a newline. Every
//! string goes through [`yaml_quote`], so YAML 1.1 and 1.2 parsers (Go's included)
//! read back exactly the same string. Same input, same bytes.

use minijinja::{context, AutoEscape, Environment, UndefinedBehavior};

use super::model::{CustomImage, PushTarget};
use crate::{Error, Result};

/// The template's name and text, embedded at build time.
const CUSTOM_IMAGE: (&str, &str) = (
    "custom-image.yaml.j2",
    include_str!("../../templates/custom-image.yaml.j2"),
);

/// Every template phib ships (a test loads each one).
const TEMPLATES: [(&str, &str); 1] = [CUSTOM_IMAGE];

fn environment() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_keep_trailing_newline(true);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_filter("yaml_quote", |s: &str| yaml_quote(s));
    // minijinja prints booleans Python-style (`True`); YAML wants `true`.
    env.add_filter("yaml_bool", |b: bool| if b { "true" } else { "false" });
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .map_err(|e| Error::bug(format!("template `{name}`: {e}")))?;
    }
    Ok(env)
}

/// The `customImage` block for `ci`.
pub fn render(ci: &CustomImage) -> Result<String> {
    // Destructured completely: a new field cannot be dropped silently.
    let CustomImage {
        registry_endpoint,
        registry_username,
        registry_password,
        push,
        push_secret_name,
        insecure_skip_verify,
    } = ci;
    let (push_repo_prefix, push_repo) = match push {
        Some(PushTarget::Prefix(p)) => (Some(p.as_str()), None),
        Some(PushTarget::Repo(r)) => (None, Some(r.as_str())),
        None => (None, None),
    };
    let env = environment()?;
    let template = env
        .get_template(CUSTOM_IMAGE.0)
        .map_err(|e| Error::bug(format!("template `{}`: {e}", CUSTOM_IMAGE.0)))?;
    template
        .render(context! {
            registry_endpoint,
            registry_username,
            registry_password => registry_password.as_ref().map(|p| p.expose()),
            push_repo_prefix,
            push_repo,
            push_secret_name,
            insecure_skip_verify,
        })
        // The message names the template and the line, never a value.
        .map_err(|e| Error::bug(format!("rendering `{}`: {}", CUSTOM_IMAGE.0, e.kind())))
}

/// A double-quoted, single-line YAML scalar that YAML 1.1 and 1.2 parsers read back as
/// exactly `s`: `"` and `\` escaped, tab/newline/CR in short form, and every character
/// that is not printable or is a line break in either version (C0, DEL, C1 with NEL,
/// U+2028, U+2029, U+FEFF, U+FFFE, U+FFFF) as `\uXXXX`. Inside double quotes nothing is
/// a tag, anchor, comment, boolean, number or date, and spaces are kept.
pub fn yaml_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{feff}'
            | '\u{fffe}'
            | '\u{ffff}' => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use crate::values::model::MANAGED_KEYS;
    use proptest::prelude::*;

    #[test]
    fn every_template_loads() {
        let env = environment().unwrap();
        for (name, _) in TEMPLATES {
            env.get_template(name).unwrap();
        }
    }

    #[test]
    fn quoting_golden_table() {
        let table = [
            ("", r#""""#),
            ("yes", r#""yes""#),
            ("on", r#""on""#),
            ("0x1F", r#""0x1F""#),
            ("1e3", r#""1e3""#),
            ("2026-11-27", r#""2026-11-27""#),
            ("~", r#""~""#),
            ("*a", r#""*a""#),
            ("&a", r#""&a""#),
            ("!t", r#""!t""#),
            ("%x", r#""%x""#),
            ("@x", r#""@x""#),
            ("#x", r##""#x""##),
            ("a: b", r#""a: b""#),
            (" lead", r#"" lead""#),
            ("trail ", r#""trail ""#),
            ("q\"q", r#""q\"q""#),
            ("b\\s", r#""b\\s""#),
            ("t\tn\nr\r", r#""t\tn\nr\r""#),
            ("\u{0}\u{1b}\u{7f}", r#""\u0000\u001B\u007F""#),
            (
                "\u{85}\u{2028}\u{2029}\u{feff}",
                r#""\u0085\u2028\u2029\uFEFF""#,
            ),
            ("é😀{{ x }}", "\"é😀{{ x }}\""),
        ];
        for (input, want) in table {
            assert_eq!(yaml_quote(input), want, "{input:?}");
        }
    }

    fn full() -> CustomImage {
        CustomImage {
            registry_endpoint: "https://x.io".into(),
            registry_username: Some("u".into()),
            registry_password: Some(Secret::new("p")),
            push: Some(PushTarget::Repo("x.io/a".into())),
            push_secret_name: Some("s".into()),
            insecure_skip_verify: true,
        }
    }

    #[test]
    fn block_has_the_contract_shape() {
        let out = render(&full()).unwrap();
        assert_eq!(
            out,
            "customImage:\n  enabled: true\n  registryEndpoint: \"https://x.io\"\n  registryUsername: \"u\"\n  registryPassword: \"p\"\n  pushRepo: \"x.io/a\"\n  pushSecretName: \"s\"\n  insecureSkipVerify: true\n"
        );
        let keys: Vec<&str> = out
            .lines()
            .skip(1)
            .map(|l| l.trim_start().split(':').next().unwrap())
            .collect();
        let order: Vec<&str> = MANAGED_KEYS
            .iter()
            .copied()
            .filter(|k| keys.contains(k))
            .collect();
        assert_eq!(keys, order);
        let bare = CustomImage {
            registry_username: None,
            registry_password: None,
            push: Some(PushTarget::Prefix("x.io".into())),
            push_secret_name: None,
            insecure_skip_verify: false,
            ..full()
        };
        assert_eq!(
            render(&bare).unwrap(),
            "customImage:\n  enabled: true\n  registryEndpoint: \"https://x.io\"\n  pushRepoPrefix: \"x.io\"\n  insecureSkipVerify: false\n"
        );
    }

    proptest! {
        #[test]
        fn any_password_reads_back_exactly(p in any::<String>()) {
            let ci = CustomImage { registry_password: Some(Secret::new(p.clone())), ..full() };
            let out = render(&ci).unwrap();
            prop_assert_eq!(out.lines().count(), 8);
            let doc: serde_yaml::Value = serde_yaml::from_str(&out).unwrap();
            let back = CustomImage::from_values(&doc).unwrap().unwrap();
            let got = back.registry_password.unwrap();
            prop_assert_eq!(got.expose(), p.as_str());
        }
    }
}

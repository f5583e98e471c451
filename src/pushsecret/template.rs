//! The `.dockerconfigjson` template of an `ExternalSecret`: the operator fills it with
//! the data of a generator or a store (Go `text/template` with sprig, ESO's template
//! engine v2) and writes the result into the push Secret. phib writes it once, for every
//! source, so that the auth key is always normalised as buildah looks it up
//! ([`check::normalize_auth_key`]), every value is JSON-escaped by `toJson` (a password
//! may hold `"` or `\`), and `auth` is `base64(username:password)`.
//!
//! The template uses only `.KEY`, string literals, `printf`, `toJson` and `b64enc`.

use serde_json::Value;

use crate::registry::check;

/// Where one part of the login comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part<'a> {
    /// A key of the data the operator hands the template (a generator's output, or
    /// the `secretKey` of a store entry).
    Data(&'a str),
    /// A fixed value, such as `oauth2accesstoken` or `_json_key`.
    Literal(&'a str),
}

impl Part<'_> {
    /// The Go template expression for this part.
    fn expr(&self) -> String {
        match self {
            Part::Data(key) if is_identifier(key) => format!(".{key}"),
            Part::Data(key) => format!("(index . {})", Value::String((*key).into())),
            // A JSON string is also a valid Go interpreted string literal.
            Part::Literal(s) => Value::String((*s).into()).to_string(),
        }
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// How the data forms the login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login<'a> {
    /// A user name and a password; `auth` is computed from both.
    UserPassword {
        username: Part<'a>,
        password: Part<'a>,
    },
    /// A ready `auth` value, `base64(user:password)` (QuayAccessToken's `auth`).
    Auth(Part<'a>),
}

/// The template text for the login, keyed by `registry_endpoint` normalised.
pub fn dockerconfigjson(registry_endpoint: &str, login: Login<'_>) -> String {
    let key = Value::String(check::normalize_auth_key(registry_endpoint)).to_string();
    let entry = match login {
        Login::UserPassword { username, password } => {
            let (u, p) = (username.expr(), password.expr());
            format!(
                "\"username\":{{{{ {u} | toJson }}}},\"password\":{{{{ {p} | toJson }}}},\"auth\":\"{{{{ printf \"%s:%s\" {u} {p} | b64enc }}}}\""
            )
        }
        Login::Auth(auth) => format!("\"auth\":\"{{{{ {} }}}}\"", auth.expr()),
    };
    format!("{{\"auths\":{{{key}:{{{entry}}}}}}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_user_password() {
        let got = dockerconfigjson(
            "https://europe-west1-docker.pkg.dev",
            Login::UserPassword {
                username: Part::Data("username"),
                password: Part::Data("password"),
            },
        );
        assert_eq!(
            got,
            r#"{"auths":{"europe-west1-docker.pkg.dev":{"username":{{ .username | toJson }},"password":{{ .password | toJson }},"auth":"{{ printf "%s:%s" .username .password | b64enc }}"}}}"#
        );
    }

    #[test]
    fn literals_and_odd_keys_are_quoted_for_go() {
        let got = dockerconfigjson(
            "docker.io",
            Login::UserPassword {
                username: Part::Literal("robot$ci\"x"),
                password: Part::Data("a-b"),
            },
        );
        assert_eq!(
            got,
            r#"{"auths":{"index.docker.io":{"username":{{ "robot$ci\"x" | toJson }},"password":{{ (index . "a-b") | toJson }},"auth":"{{ printf "%s:%s" "robot$ci\"x" (index . "a-b") | b64enc }}"}}}"#
        );
    }

    #[test]
    fn a_ready_auth() {
        assert_eq!(
            dockerconfigjson("quay.io", Login::Auth(Part::Data("auth"))),
            r#"{"auths":{"quay.io":{"auth":"{{ .auth }}"}}}"#
        );
    }
}

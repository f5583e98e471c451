//! Google service-account keyfiles, the credential of GCR and Artifact Registry: read at
//! most 64 KiB, check that the file really is a service-account key (and say what it is
//! when it is a user credential or an OAuth client instead), and turn it into the
//! registry password: the JSON on one line, byte for byte as `jq -c .` prints it. The
//! content is a secret and never appears in an error.

use std::io::Read;
use std::path::Path;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::registry::Invalid;
use crate::secret::Secret;

/// The registry user name that goes with a keyfile password.
pub const USERNAME: &str = "_json_key";

/// The largest keyfile accepted (real ones are about 2.3 KiB).
pub const MAX_BYTES: usize = 64 * 1024;

const CREATE_KEY: &str = "create a service-account key: Google Cloud console > IAM & Admin > Service Accounts > (account) > Keys > Add key > Create new key > JSON, or `gcloud iam service-accounts keys create key.json --iam-account=NAME@PROJECT.iam.gserviceaccount.com`";

/// A checked service-account keyfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyfile {
    project_id: String,
    client_email: String,
    one_line: Secret,
}

impl Keyfile {
    /// The keyfile's `project_id` (the default project of the push prefix).
    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    /// The service account, e.g. `builder@project.iam.gserviceaccount.com`.
    pub fn client_email(&self) -> &str {
        &self.client_email
    }

    /// The registry password: the keyfile as `jq -c .` prints it, without the newline.
    pub fn one_line(&self) -> &Secret {
        &self.one_line
    }
}

/// Validator for a keyfile path typed at a prompt or given as `--keyfile PATH`.
pub fn validate_path(path: &str) -> Result<(), Invalid> {
    load(Path::new(path)).map(|_| ())
}

/// Reads and checks the keyfile at `path`.
pub fn load(path: &Path) -> Result<Keyfile, Invalid> {
    let file = std::fs::File::open(path).map_err(|e| {
        Invalid::new(
            format!("`{}` cannot be read: {e}", path.display()),
            "give the path of the JSON keyfile you downloaded",
        )
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            Invalid::new(
                format!("`{}` cannot be read: {e}", path.display()),
                "give the path of the JSON keyfile you downloaded",
            )
        })?;
    parse(&bytes)
}

/// Reads a keyfile from `reader` (standard input for `--keyfile -`).
pub fn read(reader: impl Read) -> Result<Keyfile, Invalid> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Invalid::new(format!("cannot be read: {e}"), "pipe the keyfile in"))?;
    parse(&bytes)
}

/// Checks keyfile bytes and builds the one-line password.
pub fn parse(bytes: &[u8]) -> Result<Keyfile, Invalid> {
    if bytes.len() > MAX_BYTES {
        return Err(Invalid::new(
            "is larger than 64 KiB, so it is not a service-account keyfile",
            CREATE_KEY,
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| {
        Invalid::new(
            "is not valid UTF-8, so it is not a JSON keyfile",
            CREATE_KEY,
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let json: Json = serde_json::from_str(text).map_err(|e| {
        Invalid::new(
            format!(
                "is not one JSON object: {} at line {}, column {}",
                describe(&e),
                e.line(),
                e.column()
            ),
            "give the JSON keyfile exactly as downloaded",
        )
    })?;
    let Json::Obj(members) = &json else {
        return Err(Invalid::new(
            "is JSON but not an object",
            "give the JSON keyfile exactly as downloaded",
        ));
    };
    let get = |key: &str| {
        members
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| match v {
                Json::Str(s) if !s.trim().is_empty() => Some(s.as_str()),
                _ => None,
            })
    };
    if members.iter().any(|(k, _)| k == "installed" || k == "web") {
        return Err(Invalid::new(
            "is an OAuth client file (`installed`/`web`), which cannot log in to a registry",
            CREATE_KEY,
        ));
    }
    match get("type") {
        Some("service_account") => {}
        Some("authorized_user") => {
            return Err(Invalid::new(
                "is a user credential (`\"type\": \"authorized_user\"`, from `gcloud auth application-default login`), which cannot log in to a registry",
                CREATE_KEY,
            ))
        }
        Some(_) | None => {
            return Err(Invalid::new(
                "is not a service-account keyfile (it needs `\"type\": \"service_account\"`)",
                CREATE_KEY,
            ))
        }
    }
    let mut missing = Vec::new();
    for key in ["project_id", "private_key", "client_email"] {
        if get(key).is_none() {
            missing.push(format!("`{key}`"));
        }
    }
    if !missing.is_empty() {
        return Err(Invalid::new(
            format!(
                "is a service-account keyfile without {}; it was cut or edited",
                missing.join(", ")
            ),
            CREATE_KEY,
        ));
    }
    let key = get("private_key").unwrap_or_default().trim();
    let pem = key.starts_with("-----BEGIN ")
        && key.contains("PRIVATE KEY-----")
        && key.ends_with("PRIVATE KEY-----");
    if !pem {
        return Err(Invalid::new(
            "has a `private_key` that is not a PEM private key",
            CREATE_KEY,
        ));
    }
    let client_email = get("client_email").unwrap_or_default();
    if !client_email.contains('@') {
        return Err(Invalid::new(
            "has a `client_email` that is not an e-mail address",
            CREATE_KEY,
        ));
    }
    let line = jq_compact(&json, text.len());
    Ok(Keyfile {
        project_id: get("project_id").unwrap_or_default().to_string(),
        client_email: client_email.to_string(),
        one_line: Secret::new(line),
    })
}

/// The keyfile as `jq -c .` prints it, without the final newline. Keyfiles hold only
/// strings; a number is printed by serde_json, which matches jq 1.7+ for integers.
fn jq_compact(json: &Json, size_hint: usize) -> String {
    let mut line = String::with_capacity(size_hint);
    json.write_compact(&mut line);
    line
}

/// serde_json's message without anything from the input.
fn describe(e: &serde_json::Error) -> &'static str {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "it ends too early",
        Category::Syntax => "a syntax error",
        Category::Data => "unexpected data",
        Category::Io => "a read error",
    }
}

/// A JSON value that keeps object keys in input order, as jq does: a repeated key keeps
/// the position of its first occurrence and the value of its last.
#[derive(Debug)]
enum Json {
    Null,
    Bool(bool),
    Num(serde_json::Number),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn write_compact(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Num(n) => out.push_str(&n.to_string()),
            Json::Str(s) => write_string(s, out),
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_compact(out);
                }
                out.push(']');
            }
            Json::Obj(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(k, out);
                    out.push(':');
                    v.write_compact(out);
                }
                out.push('}');
            }
        }
    }
}

/// jq's string escaping: `"` `\` and the short forms, other C0 controls and DEL as
/// `\u00xx`, everything else as is.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Json, E> {
                Ok(Json::Bool(b))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Json, E> {
                Ok(Json::Num(n.into()))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Json, E> {
                Ok(Json::Num(n.into()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Json, E> {
                serde_json::Number::from_f64(n)
                    .map(Json::Num)
                    .ok_or_else(|| E::custom("number out of range"))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Json, E> {
                Ok(Json::Str(s.to_string()))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Json, E> {
                Ok(Json::Str(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Json::Arr(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut members: Vec<(String, Json)> = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Json>()? {
                    match members.iter_mut().find(|(old, _)| *old == k) {
                        Some(slot) => slot.1 = v,
                        None => members.push((k, v)),
                    }
                }
                Ok(Json::Obj(members))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const KEY: &str = r#"{
  "type": "service_account",
  "project_id": "my-project",
  "private_key_id": "abc",
  "private_key": "-----BEGIN PRIVATE KEY-----\nMIIE\u002f+x==\n-----END PRIVATE KEY-----\n",
  "client_email": "builder@my-project.iam.gserviceaccount.com",
  "client_id": "123",
  "token_uri": "https://oauth2.googleapis.com/token"
}
"#;

    #[test]
    fn service_account_key_becomes_one_jq_line() {
        let k = parse(KEY.as_bytes()).unwrap();
        assert_eq!(k.project_id(), "my-project");
        assert_eq!(
            k.one_line().expose(),
            r#"{"type":"service_account","project_id":"my-project","private_key_id":"abc","private_key":"-----BEGIN PRIVATE KEY-----\nMIIE/+x==\n-----END PRIVATE KEY-----\n","client_email":"builder@my-project.iam.gserviceaccount.com","client_id":"123","token_uri":"https://oauth2.googleapis.com/token"}"#
        );
    }

    #[test]
    fn jq_string_and_key_rules() {
        let mut out = String::new();
        write_string("a\u{7f}\u{1}\u{2028}/é😀", &mut out);
        assert_eq!(out, "\"a\\u007f\\u0001\u{2028}/é😀\"");
        let j: Json = serde_json::from_str(r#"{"b":1,"a":2,"\u0062":3}"#).unwrap();
        let mut out = String::new();
        j.write_compact(&mut out);
        assert_eq!(out, r#"{"b":3,"a":2}"#);
    }

    #[test]
    fn wrong_credentials_say_what_they_are() {
        let user =
            r#"{"type":"authorized_user","client_id":"x","client_secret":"s","refresh_token":"r"}"#;
        assert!(parse(user.as_bytes())
            .unwrap_err()
            .reason
            .contains("user credential"));
        let oauth = r#"{"installed":{"client_id":"x"}}"#;
        assert!(parse(oauth.as_bytes())
            .unwrap_err()
            .reason
            .contains("OAuth client"));
        let web = r#"{"web":{"client_id":"x"}}"#;
        assert!(parse(web.as_bytes())
            .unwrap_err()
            .reason
            .contains("OAuth client"));
    }

    #[test]
    fn malformed_keyfiles_are_refused_without_echoing_them() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"{".to_vec(), "not one JSON object"),
            (b"[1]".to_vec(), "not an object"),
            (format!("{KEY}{KEY}").into_bytes(), "not one JSON object"),
            (vec![0xff, 0xfe], "UTF-8"),
            (vec![b' '; MAX_BYTES + 1], "64 KiB"),
            (
                KEY.replace("my-project\"", "\"").into_bytes(),
                "`project_id`",
            ),
            (
                KEY.replace("-----BEGIN PRIVATE KEY-----", "secretstuff")
                    .into_bytes(),
                "PEM",
            ),
        ];
        for (bytes, want) in cases {
            let err = parse(&bytes).unwrap_err();
            assert!(err.reason.contains(want), "{want}: {}", err.reason);
            assert!(!err.reason.contains("MIIE") && !err.reason.contains("secretstuff"));
        }
        let bom = format!("\u{feff}{KEY}");
        assert!(parse(bom.as_bytes()).is_ok());
    }
}

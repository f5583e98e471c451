//! Google service-account keyfiles, the credential of GCR and Artifact Registry: read at
//! most 64 KiB, check that the file really is a service-account key (and say what it is
//! when it is a user credential or an OAuth client instead), and turn it into the
//! registry password: the JSON on one line, byte for byte as `jq -c .` prints it. The
//! content is a secret and never appears in an error.

use std::path::Path;

use crate::files::read::{self as files, Kind};

use crate::registry::Invalid;
use crate::secret::Secret;

/// The registry user name that goes with a keyfile password.
pub const USERNAME: &str = "_json_key";

/// The largest keyfile accepted (real ones are about 2.3 KiB).
pub const MAX_BYTES: usize = Kind::Keyfile.limit() as usize;

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

/// Reads and checks the keyfile at `path` (a file, or a pipe such as `<(…)`).
pub fn load(path: &Path) -> Result<Keyfile, Invalid> {
    let missing = || {
        Invalid::new(
            format!(
                "`{}` cannot be read: {}",
                path.display(),
                std::io::Error::from(rustix::io::Errno::NOENT)
            ),
            "give the path of the JSON keyfile you downloaded",
        )
    };
    let read = files::read(path, Kind::Keyfile)
        .map_err(|e| Invalid::new(e.message, e.help.unwrap_or_default()))?
        .ok_or_else(missing)?;
    parse(&read.bytes)
}

/// Reads a keyfile from standard input (`--keyfile -`).
pub fn read_stdin() -> Result<Keyfile, Invalid> {
    let bytes = files::read_stdin(Kind::Keyfile)
        .map_err(|e| Invalid::new(e.message, "pipe the keyfile in"))?;
    parse(&bytes)
}

/// Checks keyfile bytes and builds the one-line password.
pub fn parse(bytes: &[u8]) -> Result<Keyfile, Invalid> {
    let line = one_line(bytes)?;
    let json: serde_json::Value = serde_json::from_str(&line).map_err(|_| {
        Invalid::new(
            "is not valid JSON",
            "give the JSON keyfile exactly as downloaded",
        )
    })?;
    let Some(members) = json.as_object() else {
        return Err(Invalid::new(
            "is JSON but not an object",
            "give the JSON keyfile exactly as downloaded",
        ));
    };
    let (project_id, client_email) = service_account(members)?;
    Ok(Keyfile {
        project_id: project_id.to_string(),
        client_email: client_email.to_string(),
        one_line: Secret::new(line),
    })
}

/// The keyfile as one line of compact JSON (the registry password): one JSON object of
/// at most [`MAX_BYTES`], in UTF-8, that the chart can copy.
fn one_line(bytes: &[u8]) -> Result<String, Invalid> {
    if bytes.len() > MAX_BYTES {
        return Err(Invalid::new(
            "is larger than 64 KiB, so it is not a service-account keyfile",
            CREATE_KEY,
        ));
    }
    std::str::from_utf8(bytes).map_err(|_| {
        Invalid::new(
            "is not valid UTF-8, so it is not a JSON keyfile",
            CREATE_KEY,
        )
    })?;
    let compacted = crate::compact::compact(bytes).map_err(|e| {
        Invalid::new(
            format!("is not valid JSON: {e}"),
            "give the JSON keyfile exactly as downloaded",
        )
    })?;
    // `compact` prints one line per top-level value; a keyfile is exactly one.
    if compacted.iter().filter(|&&b| b == b'\n').count() != 1 {
        return Err(Invalid::new(
            "does not hold exactly one JSON object",
            "give the JSON keyfile exactly as downloaded",
        ));
    }
    let line = String::from_utf8(compacted[..compacted.len() - 1].to_vec())
        .map_err(|_| Invalid::new("is not valid UTF-8", CREATE_KEY))?;
    // The one line becomes the registry password, which the chart copies into the
    // controller ConfigMap: refused here, so every path that takes a keyfile (a new
    // block and `--rotate` alike) refuses it.
    crate::registry::check::chart_copyable(&line)
        .map_err(|e| Invalid::new(e.reason, "give the JSON keyfile exactly as downloaded"))?;
    Ok(line)
}

/// A service account's keyfile, not an OAuth client or a user credential, with every
/// member a registry login needs: its `project_id` and `client_email`.
fn service_account(
    members: &serde_json::Map<String, serde_json::Value>,
) -> Result<(&str, &str), Invalid> {
    let get = |key: &str| match members.get(key) {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s.as_str()),
        _ => None,
    };
    if members.contains_key("installed") || members.contains_key("web") {
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
    Ok((get("project_id").unwrap_or_default(), client_email))
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
    fn a_keyfile_the_chart_cannot_copy_is_refused() {
        for escape in ["\\u2028", "\\u2029", "\\uffff"] {
            let key = KEY.replacen("\"abc\"", &format!("\"a{escape}bc\""), 1);
            let err = parse(key.as_bytes()).unwrap_err();
            assert!(
                err.reason.contains("controller ConfigMap"),
                "{}",
                err.reason
            );
            assert!(!err.reason.contains("BEGIN"), "{}", err.reason);
        }
    }

    #[test]
    fn repeated_keys_keep_the_first_position_and_the_last_value() {
        let key = KEY.replacen(
            "\"type\": \"service_account\"",
            "\"type\": \"authorized_user\", \"\\u0074ype\": \"service_account\"",
            1,
        );
        let k = parse(key.as_bytes()).unwrap();
        assert!(k
            .one_line()
            .expose()
            .starts_with(r#"{"type":"service_account","project_id":"my-project","#));
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
            (b"{".to_vec(), "not valid JSON"),
            (b"[1]".to_vec(), "not an object"),
            (
                format!("{KEY}{KEY}").into_bytes(),
                "exactly one JSON object",
            ),
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

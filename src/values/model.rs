//! The values model: what phib writes into, and reads back from, the `customImage`
//! block of PrimeHub's Helm values. The field list follows FACTS.md; the keys phib
//! manages are [`MANAGED_KEYS`], everything else in the block (`buildJob`, ...) belongs
//! to the user and is never touched.

use serde_yaml::Value;

use crate::secret::Secret;
use crate::{Error, Result};

/// The top-level key of the block.
pub const BLOCK_KEY: &str = "customImage";

/// The keys of `customImage` that phib manages, in the order it writes them.
pub const MANAGED_KEYS: [&str; 8] = [
    "enabled",
    "registryEndpoint",
    "registryUsername",
    "registryPassword",
    "pushRepoPrefix",
    "pushRepo",
    "pushSecretName",
    "insecureSkipVerify",
];

pub use crate::secret::SECRET_KEYS;

pub use crate::block::CustomImage;
pub use crate::chart::DEFAULT_PUSH_SECRET_NAME;
pub use crate::registry::PushTarget;

impl CustomImage {
    /// Reads the managed keys from a whole values document. `Ok(None)` when the document
    /// has no `customImage` block, or one without `registryEndpoint` (not configured).
    pub fn from_values(doc: &Value) -> Result<Option<CustomImage>> {
        let block = match doc.get(BLOCK_KEY) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Mapping(m)) => m,
            Some(_) => {
                return Err(Error::usage("`customImage` is not a mapping")
                    .with_help("make `customImage:` a block of `key: value` lines"))
            }
        };
        let get = |key: &str| -> Result<Option<String>> {
            match block.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Bool(b)) => Ok(Some(b.to_string())),
                Some(Value::Number(n)) => Ok(Some(n.to_string())),
                Some(_) => Err(Error::usage(format!("`customImage.{key}` is not a string"))),
            }
        };
        let Some(registry_endpoint) = get("registryEndpoint")? else {
            return Ok(None);
        };
        let push = match (get("pushRepo")?, get("pushRepoPrefix")?) {
            (Some(repo), _) => Some(PushTarget::Repo(repo)),
            (None, Some(prefix)) => Some(PushTarget::Prefix(prefix)),
            (None, None) => None,
        };
        let insecure_skip_verify = match block.get("insecureSkipVerify") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true",
            Some(_) => false,
        };
        Ok(Some(CustomImage {
            registry_endpoint,
            registry_username: get("registryUsername")?,
            registry_password: get("registryPassword")?.map(Secret::new),
            push,
            push_secret_name: get("pushSecretName")?,
            insecure_skip_verify,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_managed_keys_and_prefers_push_repo() {
        let doc: Value = serde_yaml::from_str(
            "customImage:\n  registryEndpoint: https://gcr.io\n  registryUsername: _json_key\n  registryPassword: 'x'\n  pushRepoPrefix: gcr.io/p\n  pushRepo: gcr.io/p/one\n  insecureSkipVerify: true\n  buildJob: {}\n",
        )
        .unwrap();
        let ci = CustomImage::from_values(&doc).unwrap().unwrap();
        assert_eq!(ci.registry_endpoint, "https://gcr.io");
        assert_eq!(ci.push, Some(PushTarget::Repo("gcr.io/p/one".into())));
        assert!(ci.insecure_skip_verify);
        assert_eq!(ci.registry_password.unwrap().expose(), "x");
    }

    #[test]
    fn missing_or_unconfigured_block_is_none() {
        let doc: Value = serde_yaml::from_str("a: 1\n").unwrap();
        assert_eq!(CustomImage::from_values(&doc).unwrap(), None);
        let doc: Value = serde_yaml::from_str("customImage:\n  buildJob: {}\n").unwrap();
        assert_eq!(CustomImage::from_values(&doc).unwrap(), None);
    }
}

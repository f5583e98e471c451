//! A credential kept in a central secret store, copied into the cluster by the External
//! Secrets Operator: the grammar of `--from-store KIND/NAME` and of the store's entry
//! (`--remote-key`, `--remote-property`), as the operator's `ExternalSecret` API takes
//! them (external-secrets `apis/externalsecrets/v1/externalsecret_types.go`:
//! `SecretStoreRef.Kind` is the enum `SecretStore`/`ClusterSecretStore`,
//! `SecretStoreRef.Name` a DNS subdomain of at most 253 characters; `RemoteRef.Key` is
//! mandatory free text, `RemoteRef.Property` optional free text, their meaning the
//! store's own).

use crate::registry::{check, Field, FieldId, Invalid};

/// Which store an `ExternalSecret` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    SecretStore,
    ClusterSecretStore,
}

impl StoreKind {
    /// Both kinds, as the `ExternalSecret` API's enum lists them.
    pub const ALL: [StoreKind; 2] = [StoreKind::SecretStore, StoreKind::ClusterSecretStore];

    pub fn name(self) -> &'static str {
        match self {
            StoreKind::SecretStore => "SecretStore",
            StoreKind::ClusterSecretStore => "ClusterSecretStore",
        }
    }
}

const STORE_FIX: &str = "write `SecretStore/NAME` or `ClusterSecretStore/NAME`, as `kubectl get secretstores,clustersecretstores -A` lists them";

/// `KIND/NAME` as the store's kind and name.
pub fn parse(value: &str) -> Result<(StoreKind, &str), Invalid> {
    let (kind, name) = value
        .split_once('/')
        .ok_or_else(|| Invalid::new("has no `/` between the store's kind and name", STORE_FIX))?;
    let kind = StoreKind::ALL
        .into_iter()
        .find(|k| k.name() == kind)
        .ok_or_else(|| {
            Invalid::new(
                format!("has the kind `{kind}`, which is neither `SecretStore` nor `ClusterSecretStore`"),
                STORE_FIX,
            )
        })?;
    check::secret_name(name).map_err(|_| {
        Invalid::new(
            format!("has the name `{name}`, which is not a Kubernetes object name (lower-case letters, digits, `-` and `.`, starting and ending with a letter or digit)"),
            STORE_FIX,
        )
    })?;
    Ok((kind, name))
}

/// The validator of `--from-store`.
pub fn store(value: &str) -> Result<(), Invalid> {
    parse(value).map(|_| ())
}

/// The validator of `--remote-key` and `--remote-property`: any text the store takes,
/// but not empty and not padded with spaces (controls are every option's rule).
pub fn remote(value: &str) -> Result<(), Invalid> {
    if value.trim().is_empty() || value.trim() != value {
        return Err(Invalid::new(
            "is empty or starts or ends with a space",
            "give the key as the store names it, e.g. `primehub/registry` or `secret/data/registry`",
        ));
    }
    Ok(())
}

/// The options that copy a credential from a store, for every registry (ECR refuses
/// them in the plan, with the reason).
pub const FROM_STORE_FIELD: Field = Field {
    id: FieldId::FromStore,
    prompt: "Secret store (SecretStore/NAME or ClusterSecretStore/NAME)",
    hint: "an existing store of the External Secrets Operator that holds the credential; `kubectl get secretstores,clustersecretstores -A`",
    required: false,
    advanced: true,
    default: None,
    validate: store,
};

pub const REMOTE_KEY_FIELD: Field = Field {
    id: FieldId::RemoteKey,
    prompt: "Entry of the store holding the password, token or keyfile",
    hint: "as the store names it, e.g. `primehub/registry` (Vault: `secret/data/registry`)",
    required: false,
    advanced: true,
    default: None,
    validate: remote,
};

pub const REMOTE_PROPERTY_FIELD: Field = Field {
    id: FieldId::RemoteProperty,
    prompt: "Field of that entry (stores that keep maps)",
    hint: "empty: the entry is the credential itself",
    required: false,
    advanced: true,
    default: None,
    validate: remote,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_references_follow_the_external_secret_api() {
        assert_eq!(
            parse("ClusterSecretStore/vault").unwrap(),
            (StoreKind::ClusterSecretStore, "vault")
        );
        assert_eq!(
            parse("SecretStore/aws.secrets-1").unwrap(),
            (StoreKind::SecretStore, "aws.secrets-1")
        );
        for (bad, says) in [
            ("vault", "no `/`"),
            ("Store/vault", "neither"),
            ("secretstore/vault", "neither"),
            ("SecretStore/Vault", "not a Kubernetes object name"),
            ("SecretStore/", "not a Kubernetes object name"),
            ("SecretStore/a/b", "not a Kubernetes object name"),
            ("SecretStore/-a", "not a Kubernetes object name"),
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.reason.contains(says), "{bad}: {}", e.reason);
            assert!(e.help.contains("kubectl get secretstores"), "{bad}");
        }
        let long = format!("SecretStore/{}", "a".repeat(254));
        assert!(store(&long).is_err());
    }

    #[test]
    fn remote_keys_are_free_text_but_not_empty_or_padded() {
        for ok in ["primehub/registry", "secret/data/registry", "k", "a b"] {
            assert!(remote(ok).is_ok(), "{ok:?}");
        }
        for bad in ["", " ", " k", "k "] {
            assert!(remote(bad).is_err(), "{bad:?}");
        }
    }
}

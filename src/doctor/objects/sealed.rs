//! The sealed-secrets controller's object that makes a push Secret, read as its
//! `bitnami.com/v1alpha1` API types define it: a `SealedSecret` (its scope from
//! `metadata.annotations`, the keys of `spec.encryptedData`, the Secret type of
//! `spec.template`, and `status.conditions` of type `Synced`, which the controller sets
//! `True` once it wrote the Secret and `False` with the error as its message). The
//! Secret the controller makes has the SealedSecret's name and namespace.

use serde_yaml::Value;

use super::eso::{condition, Condition};
use super::{at, string_map, text};
use crate::pushsecret::sealed::{Scope, SYNCED_CONDITION};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedSecretObject {
    /// Its name, which is the name of the Secret it makes.
    pub name: String,
    pub scope: Scope,
    /// The keys of `spec.encryptedData` (their values only the controller can read).
    pub keys: Vec<String>,
    /// `spec.template.type`: the type of the Secret it makes.
    pub template_type: Option<String>,
    /// `status.conditions[type=Synced]`; `None` when the controller wrote no status.
    pub synced: Option<Condition>,
}

pub(super) fn sealed_secret(doc: &Value, name: String) -> SealedSecretObject {
    let json = serde_json::to_value(doc).unwrap_or_default();
    SealedSecretObject {
        name,
        scope: Scope::of_document(&json),
        keys: string_map(at(doc, &["spec", "encryptedData"]))
            .into_keys()
            .collect(),
        template_type: text(at(doc, &["spec", "template", "type"])).filter(|t| !t.is_empty()),
        synced: condition(doc, SYNCED_CONDITION),
    }
}

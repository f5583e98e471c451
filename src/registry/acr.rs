//! Azure Container Registry: `https://NAME.azurecr.io`, a service principal (app ID and
//! secret) or a repository-scoped token with push rights.

use super::parts::{self, no_check, no_create, no_warnings};
use super::{Answers, Credentials, Field, FieldId, Invalid, Seen, Spec};

pub const SPEC: Spec = Spec {
    name: "acr",
    title: "Azure Container Registry",
    description: "Azure Container Registry (NAME.azurecr.io), with a service principal or a token",
    list_label: Some("Azure Container Registry (NAME.azurecr.io), app id or token"),
    fields: &FIELDS,
    credentials: Credentials::UserPassword,
    endpoint: |s| {
        Some(format!(
            "https://{}{SUFFIX}",
            s.text(FieldId::AcrName)?.to_lowercase()
        ))
    },
    default_push_secret_name: None,
    recognise: |seen: &Seen| registry_name(&seen.host).is_some() && !seen.json_key,
    push_role: "assign the AcrPush role to the service principal (or use a repository-scoped token with `content/write`)",
    create_repository: no_create,
    check: no_check,
    warnings: no_warnings,
};

const FIELDS: [Field; 4] = [
    Field {
        id: FieldId::AcrName,
        prompt: "Registry name",
        hint: "the NAME of NAME.azurecr.io: Azure portal > Container registries",
        required: true,
        advanced: false,
        default: None,
        validate: name,
    },
    parts::username(
        "Service principal application (client) ID, or token name",
        "Azure portal > Microsoft Entra ID > App registrations, with role AcrPush on the registry; or registry > Tokens",
    ),
    parts::password(
        "Client secret or token password",
        "App registration > Certificates & secrets > New client secret; or registry > Tokens > Generate password",
    ),
    parts::prefix(
        "`NAME.azurecr.io/PATH`; images go to NAME.azurecr.io/PATH/<image>",
        Some(|s: &Answers| {
            Some(format!(
                "{}{SUFFIX}/primehub",
                s.text(FieldId::AcrName)?.to_lowercase()
            ))
        }),
    ),
];

/// What follows the registry name in its host.
const SUFFIX: &str = ".azurecr.io";

/// The registry name of an ACR host (`NAME.azurecr.io`).
pub fn registry_name(host: &str) -> Option<&str> {
    host.strip_suffix(SUFFIX).filter(|n| !n.is_empty())
}

fn name(value: &str) -> Result<(), Invalid> {
    if (5..=50).contains(&value.len()) && value.bytes().all(|c| c.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(Invalid::new(
            "is not an Azure Container Registry name",
            "use the 5-50 letters and digits before `.azurecr.io`",
        ))
    }
}

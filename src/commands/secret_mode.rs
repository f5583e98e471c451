//! `phib render --secret-mode ...`: the command-line side of the external push-secret
//! mode, which maps the `--secret-*` flags onto [`Choice`]; checking, splitting the
//! block and delivering the Secret are [`crate::pushsecret::deliver`]'s, shared with
//! the wizard.

use crate::cli::{AzureIdentityArg, KeylessArgs, RefreshArg, SecretArgs, SecretModeArg};
use crate::pushsecret::deliver::Choice;
use crate::pushsecret::keyless::{AzureIdentity, KeylessChoice};
use crate::pushsecret::SecretMode;

pub use crate::pushsecret::deliver::{check, finish, prepare};

/// The flags as the library's plain [`Choice`].
pub fn choice(args: SecretArgs) -> Choice {
    let SecretArgs {
        secret_mode,
        secret_name,
        secret_out,
        apply,
        namespace,
        ecr_refresh,
        ecr_service_account,
        keyless,
    } = args;
    Choice {
        mode: match secret_mode {
            Some(SecretModeArg::External) => SecretMode::External,
            Some(SecretModeArg::Values) | None => SecretMode::Values,
        },
        name: secret_name,
        out: secret_out,
        apply,
        namespace,
        ecr_refresh: match ecr_refresh {
            Some(RefreshArg::ExternalSecrets) => true,
            None => false,
        },
        ecr_service_account,
        keyless: keyless_choice(keyless),
    }
}

fn keyless_choice(args: KeylessArgs) -> KeylessChoice {
    let KeylessArgs {
        refresh,
        refresh_service_account,
        gke_cluster,
        gcp_service_account,
        azure_identity,
        azure_client_id,
        azure_tenant_id,
        aws_role_arn,
        from_store,
        remote_key,
        remote_property,
    } = args;
    KeylessChoice {
        refresh: matches!(refresh, Some(RefreshArg::ExternalSecrets)),
        service_account: refresh_service_account,
        gke_cluster,
        gcp_service_account,
        azure_identity: azure_identity.map(|a| match a {
            AzureIdentityArg::Workload => AzureIdentity::Workload,
            AzureIdentityArg::Managed => AzureIdentity::Managed,
        }),
        azure_client_id,
        azure_tenant_id,
        aws_role_arn,
        from_store,
        remote_key,
        remote_property,
    }
}

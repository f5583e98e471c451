//! `phib render --secret-mode ...`: the command-line side of the external push-secret
//! mode, which maps the `--secret-*` flags onto [`Choice`]; checking, splitting the
//! block and delivering the Secret are [`crate::pushsecret::deliver`]'s, shared with
//! the wizard.

use crate::cli::{EcrRefreshArg, SecretArgs, SecretModeArg};
use crate::pushsecret::deliver::Choice;
use crate::pushsecret::SecretMode;

pub use crate::pushsecret::deliver::{check, finish, prepare};

/// The flags as the library's plain [`Choice`].
pub fn choice(args: SecretArgs) -> Choice {
    let SecretArgs {
        secret_mode,
        secret_name,
        secret_out,
        overwrite_secret_out,
        apply,
        namespace,
        ecr_refresh,
        ecr_service_account,
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
            Some(EcrRefreshArg::ExternalSecrets) => true,
            None => false,
        },
        ecr_service_account,
        overwrite: overwrite_secret_out,
    }
}

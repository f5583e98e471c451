//! `phib render --secret-mode ...`: the command-line side of the external push-secret
//! mode, which maps the `--secret-*` flags onto [`Choice`]; checking, splitting the
//! block and delivering the Secret are [`crate::pushsecret::deliver`]'s, shared with
//! the wizard.

use crate::cli::{KeylessArgs, RefreshArg, SecretArgs, SecretModeArg};
use crate::pushsecret::deliver::Choice;
use crate::pushsecret::keyless::KeylessChoice;
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
    let mut choice = KeylessChoice::default();
    for (flag, value) in args.given {
        choice.set(flag, value);
    }
    choice
}

//! What the wizard prints once the file is written: the same run without questions,
//! what to apply and when, and the commands to check the credentials and to upgrade.

use std::path::Path;

use super::{ecr_chart_secret, ecr_refresh, sealed, show, wrap, Decision, WIDTH};
use crate::pushsecret::deliver::{self, Pending};
use crate::term::shell_quote;

/// What the user reads once the file is written: the equivalent `phib render` command
/// (secret-mode flags included), and, in external mode with a manifest file, that the
/// Secret must be applied before the upgrade.
pub fn written_lines(decision: &Decision) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(command) = &decision.command {
        out.push(String::new());
        out.extend(show::command_block(
            "The same without questions, for scripts",
            command,
        ));
    }
    if let Pending::External {
        to: deliver::Output::File(file),
        ..
    } = &decision.pending
    {
        out.push(String::new());
        out.push(if sealed(&decision.pending) {
            let then = if decision.secret_only {
                "builds push with the new credentials once the controller has unsealed it"
            } else {
                "before the upgrade"
            };
            format!("Commit the SealedSecret with the values for Argo CD, Flux or helmfile to apply, or apply it ({then}):")
        } else if decision.secret_only {
            "Apply the Secret; builds push with the new credentials from then on:".into()
        } else if ecr_refresh(&decision.pending) {
            "Install the external-secrets.io operator, then apply before the upgrade:".into()
        } else {
            "Apply the Secret before the upgrade (builds cannot push without it):".into()
        });
        out.push(format!(
            "  kubectl apply -f {}",
            shell_quote(&file.path.display().to_string())
        ));
    }
    if let Some(name) = ecr_chart_secret(&decision.validated.custom_image, &decision.pending) {
        out.push(String::new());
        out.extend(wrap(&format!("Before the upgrade, the Secret `{name}` must exist in PrimeHub's namespace and be kept fresh: install InfuseAI's aws-ecr-credential chart (it cannot install on Kubernetes 1.25 or later; see docs/registries/ecr.md)."), WIDTH));
    }
    out
}

/// The check for a Secret the External Secrets Operator makes: possible once it has
/// synced, when `phib verify` reads the generated Secret with kubectl.
pub fn verify_hint_after_sync(values: &Path) -> Vec<String> {
    show::command_block(
        "Once the operator has synced the Secret (`kubectl get externalsecret` shows it Ready), check the login against the registry with",
        &verify_words(values, None),
    )
}

/// The check for a sealed Secret: possible once the controller has unsealed it, when
/// `phib verify` reads the Secret with kubectl.
pub fn verify_hint_after_unseal(values: &Path) -> Vec<String> {
    show::command_block(
        "Once the controller has unsealed the Secret (`kubectl get sealedsecret` shows it Synced), check the login against the registry with",
        &verify_words(values, None),
    )
}

/// The command to check the credentials later; `secret_file` is the Secret manifest
/// that holds them in external mode.
pub fn verify_hint(values: &Path, secret_file: Option<&Path>) -> Vec<String> {
    show::command_block(
        "Check the credentials against the registry with",
        &verify_words(values, secret_file),
    )
}

/// `phib verify --values FILE [--secret-file FILE]`, quoted for the shell.
fn verify_words(values: &Path, secret_file: Option<&Path>) -> Vec<String> {
    let mut words = vec![
        "phib".to_string(),
        "verify".into(),
        "--values".into(),
        shell_quote(&values.display().to_string()),
    ];
    if let Some(file) = secret_file {
        words.push("--secret-file".into());
        words.push(shell_quote(&file.display().to_string()));
    }
    words
}

/// The command that applies the file to the running PrimeHub, for when the wizard did
/// not (helm missing, or the user said no). External mode adds that rotations from
/// now on need no upgrade.
pub fn upgrade_hint(values: &Path, decision: &Decision, helm_found: bool) -> Vec<String> {
    let mut words = vec![
        "phib".to_string(),
        "upgrade".into(),
        "--values".into(),
        shell_quote(&values.display().to_string()),
    ];
    if decision.release != crate::chart::DEFAULT_RELEASE {
        words.push("--release".into());
        words.push(shell_quote(&decision.release));
    }
    let lead = if helm_found {
        "Apply it to the running PrimeHub with"
    } else {
        "helm was not found on PATH; once it is installed, apply it with"
    };
    let mut out = show::command_block(lead, &words);
    out.extend(rotation_note(decision));
    out
}

/// In external mode: once the Secret is applied, a rotation needs no `helm upgrade`.
pub fn rotation_note(decision: &Decision) -> Vec<String> {
    if !matches!(decision.pending, Pending::External { .. }) {
        return Vec::new();
    }
    if ecr_refresh(&decision.pending) {
        return wrap(
            "After this upgrade, external-secrets.io renews the login by itself: nothing to rotate.",
            WIDTH,
        );
    }
    let new = if sealed(&decision.pending) {
        "commit or apply the new SealedSecret"
    } else {
        "apply the new Secret"
    };
    wrap(
        &format!("After this upgrade, rotating the credentials needs no helm upgrade: run `phib` again, pick \"Rotate the credentials only\", and {new}."),
        WIDTH,
    )
}

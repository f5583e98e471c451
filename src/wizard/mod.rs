//! The guided wizard: `phib` on a terminal. It asks which registry, then only that
//! registry's questions, and fills the same `Settings` that `phib render` fills from
//! flags; validating, rendering and writing stay with that code. The questions are asked
//! through [`prompt::Prompter`], so the whole dialogue is unit-tested with a script and
//! no terminal.

pub mod after;
pub mod finish;
pub mod keyless;
pub mod prompt;
pub mod questions;
pub mod secret;
pub mod show;
pub mod terminal;
mod theme;

use std::path::Path;

use prompt::Prompter;
use questions::{Answers, Existing};

use crate::helm::chart_version::Asking;
use crate::pushsecret::deliver::{self, Choice, Pending};
use crate::registry::{Code, FieldId, Kind, Surface};
use crate::rotate::{credential_fields, detect_kind, external_secret, rotate};
use crate::settings::{Settings, Validated};
use crate::term::shell_quote;
use crate::values::model::CustomImage;
use crate::{Error, Result};

/// The width text is wrapped to, so that it fits an 80-column terminal.
pub const WIDTH: usize = 78;

/// What the user confirmed: the checked block, where its credentials go, and the Helm
/// release it is for.
#[derive(Debug)]
pub struct Decision {
    pub validated: Validated,
    /// What is left to do once the values are written (the Secret, in external mode).
    pub pending: Pending,
    /// Where the credentials go, as answered (none for a rotation into the values).
    pub choice: Option<Choice>,
    /// The release name given among the advanced options, else `primehub`.
    pub release: String,
    /// The `phib render` command that writes the same files without questions.
    pub command: Option<Vec<String>>,
    /// Only the block's own Secret gets the new credentials: the values stay as they are
    /// and need no `helm upgrade`.
    pub secret_only: bool,
}

/// Asks everything, shows what will be written, and returns it once the user has
/// confirmed. `existing` is the block already in the values file, if any; `kubectl`
/// says whether applying the push Secret now can be offered.
pub fn ask(
    p: &mut dyn Prompter,
    values: &Path,
    existing: Option<&CustomImage>,
    kubectl: bool,
) -> Result<Decision> {
    ask_for(p, values, existing, kubectl, None)
}

/// [`ask`] for a chart: the block is fitted to `chart` (adapted, or refused and asked
/// again) as `phib render` fits it, and the wizard says which chart it assumed.
pub fn ask_for(
    p: &mut dyn Prompter,
    values: &Path,
    existing: Option<&CustomImage>,
    kubectl: bool,
    chart: Option<&Asking>,
) -> Result<Decision> {
    p.say("phib writes the customImage block of PrimeHub's Helm values, which tells");
    p.say("the Image Builder where to push images. Esc or Ctrl-C quits, writing nothing.");
    p.say("");
    // ECR keeps no credentials in the file: nothing to rotate there, it is answered
    // again instead. A block with a Secret of its own rotates into that Secret.
    let rotatable = existing.is_some_and(|ci| !credential_fields(detect_kind(ci)).is_empty());
    let new = |p: &mut dyn Prompter, kind| ask_new(p, kind, values, kubectl, chart);
    let (
        New {
            validated,
            pending,
            choice,
        },
        answers,
        rotated,
    ) = match existing {
        Some(ci) if rotatable => match questions::ask_existing(p, ci)? {
            Existing::Rotate => {
                let (new, answers) = ask_rotation(p, ci, values, kubectl, chart)?;
                (new, None, Some(answers))
            }
            Existing::Reconfigure => {
                let (new, answers) = new(p, Some(detect_kind(ci)))?;
                (new, Some(answers), None)
            }
        },
        Some(ci) => {
            questions::say_existing(p, ci);
            p.say("Its credentials live outside the file; answer again to replace it.");
            let (new, answers) = new(p, Some(detect_kind(ci)))?;
            (new, Some(answers), None)
        }
        None => {
            let (new, answers) = new(p, None)?;
            (new, Some(answers), None)
        }
    };
    // A rotation into the block's own Secret leaves the values as they are.
    let secret_only = rotated.is_some() && matches!(pending, Pending::External { .. });

    p.say("");
    p.say(&format!(
        "The customImage block for `{}`:",
        values.display()
    ));
    for line in show::block_lines(&validated.custom_image) {
        p.say(&line);
    }
    let ecr_chart = ecr_chart_secret(&validated.custom_image, &pending);
    if let Some(name) = ecr_chart {
        let text = format!("Where: the credentials come from the Secret `{name}`, which InfuseAI's aws-ecr-credential chart keeps fresh (that chart cannot install on Kubernetes 1.25 or later).");
        for line in wrap(&text, WIDTH) {
            p.say(&line);
        }
    } else if choice.is_some() {
        let mut text = format!("Where: {}.", pending.summary());
        if ecr_refresh(&pending) {
            text.push_str(
                " Install the external-secrets.io operator in the cluster before applying it.",
            );
        }
        for line in wrap(&text, WIDTH) {
            p.say(&line);
        }
    }
    // The lines above say what the ECR warning says, for the wizard.
    for warning in validated
        .warnings
        .iter()
        .filter(|w| !(ecr_chart.is_some() && w.code == Code::EcrRefresh))
    {
        for line in wrap(
            &format!("warning: {}", warning.render(Surface::Wizard)),
            WIDTH,
        ) {
            p.say(&line);
        }
    }
    let old_password = existing.is_some_and(|ci| ci.registry_password.is_some());
    for file in secret_files(values, &validated, &pending, secret_only, old_password) {
        let text = format!(
            "warning: `{}` would hold the password inside a git working tree that does not ignore it: add it to `.gitignore`, or keep it outside the checkout (`phib wizard --values PATH`).",
            file.display()
        );
        for line in wrap(&text, WIDTH) {
            p.say(&line);
        }
    }
    let shown = values.display();
    let question = match choice.as_ref().and_then(|c| c.name.as_ref()) {
        Some(name) if secret_only => {
            p.say("The values file keeps this block as it is; only the Secret changes.");
            format!("Put the new credentials into the Secret `{name}`?")
        }
        _ if existing.is_some() => format!("Replace the customImage block in `{shown}`?"),
        _ if values.exists() => format!("Add the customImage block to `{shown}`?"),
        _ => format!("Create `{shown}`?"),
    };
    if !p.confirm(&question, true)? {
        return Err(Error::declined());
    }
    let release = answers
        .as_ref()
        .and_then(|a| a.settings.text(FieldId::Release).map(str::to_string));
    let command = match (&answers, &rotated) {
        (Some(a), _) => Some(show::render_command(a, values)),
        (None, Some(r)) => Some(show::rotate_command(r, values)),
        (None, None) => None,
    }
    .map(|mut words| {
        if let Some(c) = &choice {
            words.extend(c.flags().iter().map(|w| shell_quote(w)));
        }
        words
    });
    Ok(Decision {
        validated,
        pending,
        choice,
        release: release.unwrap_or_else(|| "primehub".to_string()),
        command,
        secret_only,
    })
}

/// The files about to be written with a secret in them that git would not ignore: the
/// values file with the password in it, its backup with the old one, the Secret
/// manifest file.
fn secret_files(
    values: &Path,
    validated: &Validated,
    pending: &Pending,
    secret_only: bool,
    old_password: bool,
) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    if validated.custom_image.registry_password.is_some() && !secret_only {
        files.push(values.to_path_buf());
    }
    if old_password && values.exists() && !secret_only {
        let mut bak = values.as_os_str().to_owned();
        bak.push(".bak");
        files.push(bak.into());
    }
    if let Pending::External {
        manifests: deliver::Manifests::Static(_),
        to: deliver::Output::File(out),
    } = pending
    {
        files.push(out.path.clone());
    }
    files.retain(|f| crate::runner::exposed_to_git(f));
    files
}

/// Fits a checked block to the chart (as `phib render` does) and says which chart that
/// is; without a chart target the block stays as it is. The first fit may wait for the
/// live lookup the wizard started before its first question (a progress line says so).
fn fit(
    p: &mut dyn Prompter,
    mut validated: Validated,
    settings: &Settings,
    chart: Option<&Asking>,
) -> Result<Validated> {
    if let Some(chart) = chart {
        let target = chart.target(settings.text(FieldId::Release), &validated.custom_image);
        let line = validated.fit_chart(settings, &target, Surface::Wizard)?;
        let mut line = line.replace("values for ", "Values for ");
        line.push('.');
        for line in wrap(&line, WIDTH) {
            p.say(&line);
        }
    }
    Ok(validated)
}

/// A block: checked, and split for its secret mode.
struct New {
    validated: Validated,
    pending: Pending,
    choice: Option<Choice>,
}

/// A new block: which registry, its questions, then the whole checked. When the whole is
/// refused (the push repository on another host, say), the reason is shown and the
/// questions asked again with the previous answers as defaults.
/// Then where the credentials go, through the same checks as `phib render
/// --secret-mode`; a refusal there asks only those questions again.
fn ask_new(
    p: &mut dyn Prompter,
    default_kind: Option<Kind>,
    values: &Path,
    kubectl: bool,
    chart: Option<&Asking>,
) -> Result<(New, Answers)> {
    let kind = questions::ask_kind(p, default_kind)?;
    // The keyless way first, where the registry has it: no key is asked for then.
    let no_key = keyless::ask_way(p, kind, true)?;
    let skip = if no_key {
        keyless::skipped_fields(kind)
    } else {
        Vec::new()
    };
    p.say(&format!("{}:", kind.title()));
    let mut previous: Option<Answers> = None;
    let (validated, answers) = loop {
        let answers = questions::ask_settings_skipping(p, kind, previous.as_ref(), &skip)?;
        let checked = if no_key {
            answers
                .settings
                .plan_keyless(!skip.contains(&FieldId::Username))
        } else {
            answers.settings.plan()
        };
        let planned = checked
            .map_err(|r| r.render(Surface::Wizard))
            .and_then(|v| fit(p, v, &answers.settings, chart));
        match planned {
            Ok(validated) => break (validated, answers),
            Err(err) => {
                p.refuse(&prompt::refusal(&err));
                p.say("Answer again; your answers are the defaults.");
                previous = Some(answers);
            }
        }
    };
    let new = ask_delivery(p, &answers.settings, values, validated, |p, before| {
        if no_key {
            keyless::ask_choice(p, &answers.settings, values, kubectl, before)
        } else {
            secret::ask_choice(p, &answers.settings, values, kubectl, before)
        }
    })?;
    Ok((new, answers))
}

/// New credentials for an existing block; everything else is kept (`--rotate`). A block
/// whose credentials live in a Secret of its own keeps them there, as `phib render
/// --rotate --secret-mode external --secret-name NAME` does: only where the Secret goes
/// is asked, never is the password put into the values.
fn ask_rotation(
    p: &mut dyn Prompter,
    ci: &CustomImage,
    values: &Path,
    kubectl: bool,
    chart: Option<&Asking>,
) -> Result<(New, Answers)> {
    let kind = detect_kind(ci);
    p.say(&format!("New credentials for {}:", kind.title()));
    let mut keep = Answers::new(kind);
    keep.settings
        .offer(FieldId::Username, ci.registry_username.clone());
    let mut answers = Answers::new(kind);
    for id in credential_fields(kind) {
        let field = kind
            .field(*id)
            .ok_or_else(|| Error::bug(format!("`{}` has no field {id:?}", kind.name())))?;
        questions::ask_field(p, &mut answers, field, Some(&keep))?;
    }
    let rotated = rotate(ci, &answers.settings).map_err(|r| r.render(Surface::Wizard))?;
    let validated = fit(p, rotated, &answers.settings, chart)?;
    let Some(name) = external_secret(ci) else {
        let pending = Pending::Values;
        let new = New {
            validated,
            pending,
            choice: None,
        };
        return Ok((new, answers));
    };
    p.say("");
    // A SealedSecret of that name in the file the wizard offers for one is sealed again,
    // in its scope; otherwise the Secret is written as a manifest or applied.
    let sealed = secret::sealed_beside(values, name);
    match &sealed {
        Some(_) => p.say(&format!(
            "The credentials stay in the Secret `{name}`, sealed again for git."
        )),
        None => p.say(&format!("The credentials stay in the Secret `{name}`.")),
    }
    let new = ask_delivery(p, &answers.settings, values, validated, |p, before| {
        let mut sealing = match &sealed {
            Some(_) => secret::ask_sealing(p, kubectl, before)?,
            None => Default::default(),
        };
        if let Some(scope) = sealed.as_ref().and_then(|f| f.scope) {
            sealing.scope.get_or_insert(scope);
        }
        let (namespace, apply, out) =
            secret::ask_destination_for(p, values, kubectl, before, sealed.is_some())?;
        Ok(Some(Choice {
            mode: match sealed {
                Some(_) => crate::pushsecret::SecretMode::Sealed,
                None => crate::pushsecret::SecretMode::External,
            },
            name: Some(name.to_string()),
            out,
            apply,
            namespace,
            sealing,
            ..Choice::default()
        }))
    })?;
    Ok((new, answers))
}

/// Asks where the credentials go (`ask`, given the answer refused before) until
/// [`deliver::prepare`] accepts it, with the same checks as `phib render --secret-*`;
/// a refusal asks only those questions again. With nothing asked (`None`) there is
/// nothing to ask again, so a refusal is the error.
fn ask_delivery(
    p: &mut dyn Prompter,
    settings: &Settings,
    values: &Path,
    validated: Validated,
    mut ask: impl FnMut(&mut dyn Prompter, Option<&Choice>) -> prompt::Answer<Option<Choice>>,
) -> Result<New> {
    let mut before: Option<Choice> = None;
    loop {
        let choice = ask(p, before.as_ref())?;
        let mut split = validated.clone();
        let given = choice.clone().unwrap_or_default();
        match deliver::prepare(given, settings, Some(values), &mut split) {
            Ok(pending) => {
                return Ok(New {
                    validated: split,
                    pending,
                    choice,
                })
            }
            // Only bad answers are worth asking again for.
            Err(err) if err.exit_code() == 2 && choice.is_some() => {
                p.refuse(&prompt::refusal(&err));
                before = choice;
            }
            Err(err) => return Err(err),
        }
    }
}

/// The Secret an ECR block in the chart's way (no credentials, secret mode values)
/// reads its login from, kept fresh by the aws-ecr-credential chart.
fn ecr_chart_secret<'a>(ci: &'a CustomImage, pending: &Pending) -> Option<&'a str> {
    let values_mode = matches!(pending, Pending::Values);
    let ecr = detect_kind(ci) == Kind::Ecr && ci.registry_password.is_none();
    ci.push_secret_name
        .as_deref()
        .filter(|_| values_mode && ecr)
}

/// The Secret sealed for git: the SealedSecret file can be committed.
fn sealed(pending: &Pending) -> bool {
    matches!(
        pending,
        Pending::External {
            manifests: deliver::Manifests::Sealed(_),
            ..
        }
    )
}

/// ECR's login renewed by external-secrets.io: no password anywhere.
fn ecr_refresh(pending: &Pending) -> bool {
    matches!(
        pending,
        Pending::External {
            manifests: deliver::Manifests::Keyless(_),
            ..
        }
    )
}

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

/// The command to check the credentials later; `secret_file` is the Secret manifest
/// that holds them in external mode.
/// The check for a Secret the External Secrets Operator makes: possible once it has
/// synced, when `phib verify` reads the generated Secret with kubectl.
pub fn verify_hint_after_sync(values: &Path) -> Vec<String> {
    let words = vec![
        "phib".to_string(),
        "verify".into(),
        "--values".into(),
        shell_quote(&values.display().to_string()),
    ];
    show::command_block(
        "Once the operator has synced the Secret (`kubectl get externalsecret` shows it Ready), check the login against the registry with",
        &words,
    )
}

/// The check for a sealed Secret: possible once the controller has unsealed it, when
/// `phib verify` reads the Secret with kubectl.
pub fn verify_hint_after_unseal(values: &Path) -> Vec<String> {
    let words = vec![
        "phib".to_string(),
        "verify".into(),
        "--values".into(),
        shell_quote(&values.display().to_string()),
    ];
    show::command_block(
        "Once the controller has unsealed the Secret (`kubectl get sealedsecret` shows it Synced), check the login against the registry with",
        &words,
    )
}

pub fn verify_hint(values: &Path, secret_file: Option<&Path>) -> Vec<String> {
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
    show::command_block("Check the credentials against the registry with", &words)
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
    if decision.release != crate::helm::plan::DEFAULT_RELEASE {
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

/// `width` (at most [`WIDTH`]) narrowed to the terminal the wizard runs on, keeping the
/// margin `WIDTH - width` the caller leaves: on a terminal narrower than 80 columns the
/// lines still fit. Without a terminal (tests, a pipe), `width` itself.
pub fn fit_width(width: usize) -> usize {
    let Some(cols) = crate::out::columns(crate::out::Stream::Err) else {
        return width;
    };
    let usable = (cols + 1).saturating_sub(1 + WIDTH.saturating_sub(width));
    width.min(usable).max(20)
}

/// Splits `text` into lines of at most `width` columns at spaces (narrower on a
/// narrower terminal, see [`fit_width`]); the text's own indentation is kept and
/// continuation lines are indented two more. A word longer than the width stays whole
/// on its own line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    crate::out::wrap(text, fit_width(width), 2)
}

#[cfg(test)]
mod tests;

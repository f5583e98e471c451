//! The guided wizard: `phib` on a terminal. It asks which registry, then only that
//! registry's questions, and fills the same `Settings` that `phib render` fills from
//! flags; validating, rendering and writing stay with that code. The questions are asked
//! through [`prompt::Prompter`], so the whole dialogue is unit-tested with a script and
//! no terminal.

pub mod after;
pub mod finish;
mod hints;
pub mod keyless;
pub mod prompt;
pub mod questions;
pub mod secret;
pub mod show;
pub mod terminal;
mod theme;

use std::path::Path;

pub use hints::{
    rotation_note, upgrade_hint, verify_hint, verify_hint_after_sync, verify_hint_after_unseal,
    written_lines,
};
use prompt::Prompter;
use questions::{Answers, Existing};

use crate::helm::chart_version::Asking;
use crate::pushsecret::deliver::{self, Choice, Pending};
use crate::registry::{FieldId, Kind, Surface};
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
    let (
        New {
            validated,
            pending,
            choice,
        },
        answers,
        rotated,
    ) = ask_block(p, values, existing, kubectl, chart)?;
    // A rotation into the block's own Secret leaves the values as they are.
    let secret_only = rotated.is_some() && matches!(pending, Pending::External { .. });
    show::what_is_written(
        p,
        values,
        existing,
        &validated,
        &pending,
        choice.is_some(),
        secret_only,
    );
    let question = confirmation(p, values, existing, choice.as_ref(), secret_only);
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
        release: release.unwrap_or_else(|| crate::chart::DEFAULT_RELEASE.to_string()),
        command,
        secret_only,
    })
}

/// The block, asked anew or rotated from `existing`: the answers of a new block, or
/// those of a rotation.
fn ask_block(
    p: &mut dyn Prompter,
    values: &Path,
    existing: Option<&CustomImage>,
    kubectl: bool,
    chart: Option<&Asking>,
) -> Result<(New, Option<Answers>, Option<Answers>)> {
    // ECR keeps no credentials in the file: nothing to rotate there, it is answered
    // again instead. A block with a Secret of its own rotates into that Secret.
    let rotatable = existing.is_some_and(|ci| !credential_fields(detect_kind(ci)).is_empty());
    let new = |p: &mut dyn Prompter, kind| ask_new(p, kind, values, kubectl, chart);
    Ok(match existing {
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
    })
}

/// The question that confirms the write.
fn confirmation(
    p: &mut dyn Prompter,
    values: &Path,
    existing: Option<&CustomImage>,
    choice: Option<&Choice>,
    secret_only: bool,
) -> String {
    let shown = values.display();
    match choice.and_then(|c| c.name.as_ref()) {
        Some(name) if secret_only => {
            p.say("The values file keeps this block as it is; only the Secret changes.");
            format!("Put the new credentials into the Secret `{name}`?")
        }
        _ if existing.is_some() => format!("Replace the customImage block in `{shown}`?"),
        _ if values.exists() => format!("Add the customImage block to `{shown}`?"),
        _ => format!("Create `{shown}`?"),
    }
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

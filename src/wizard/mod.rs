//! The guided wizard: `phib` on a terminal. It asks which registry, then only that
//! registry's questions, and fills the same `Settings` that `phib render` fills from
//! flags; validating, rendering and writing stay with that code. The questions are asked
//! through [`prompt::Prompter`], so the whole dialogue is unit-tested with a script and
//! no terminal.

pub mod prompt;
pub mod questions;
pub mod show;
pub mod terminal;

use std::path::Path;

use prompt::Prompter;
use questions::{Answers, Existing};

use crate::registry::Kind;
use crate::rotate::{credential_fields, detect_kind, rotate};
use crate::settings::Validated;
use crate::values::model::{CustomImage, PushTarget};
use crate::{Error, Result};

/// The width text is wrapped to, so that it fits an 80-column terminal.
pub const WIDTH: usize = 78;

/// What the user confirmed: the checked block, and the Helm release it is for.
#[derive(Debug)]
pub struct Decision {
    pub validated: Validated,
    /// The release name given among the advanced options, else `primehub`.
    pub release: String,
    /// The `phib render` command that writes the same file without questions (none for
    /// a rotation).
    pub command: Option<Vec<String>>,
}

/// Asks everything, shows what will be written, and returns it once the user has
/// confirmed. `existing` is the block already in the values file, if any.
pub fn ask(
    p: &mut dyn Prompter,
    values: &Path,
    existing: Option<&CustomImage>,
) -> Result<Decision> {
    p.say("phib writes the customImage block of PrimeHub's Helm values, which tells");
    p.say("the Image Builder where to push images. Esc or Ctrl-C quits, writing nothing.");
    p.say("");
    // A block whose credentials live outside the file (ECR) has nothing to rotate.
    let rotatable = existing.is_some_and(|ci| !credential_fields(detect_kind(ci)).is_empty());
    let (validated, answers) = match existing {
        Some(ci) if rotatable => match questions::ask_existing(p, ci)? {
            Existing::Rotate => (ask_rotation(p, ci)?, None),
            Existing::Reconfigure => some(ask_new(p, Some(detect_kind(ci)))?),
        },
        Some(ci) => {
            p.say("The values file already configures the Image Builder:");
            for line in show::block_lines(ci) {
                p.say(&line);
            }
            p.say("Its credentials live outside the file; answer again to replace it.");
            some(ask_new(p, Some(detect_kind(ci)))?)
        }
        None => some(ask_new(p, None)?),
    };

    p.say("");
    p.say(&format!(
        "The customImage block for `{}`:",
        values.display()
    ));
    for line in show::block_lines(&validated.custom_image) {
        p.say(&line);
    }
    for warning in &validated.warnings {
        for line in wrap(&format!("warning: {warning}"), WIDTH) {
            p.say(&line);
        }
    }
    let action = if existing.is_some() {
        "Replace the customImage block in"
    } else if values.exists() {
        "Add the customImage block to"
    } else {
        "Create"
    };
    if !p.confirm(&format!("{action} `{}`?", values.display()), true)? {
        return Err(Error::interrupted());
    }
    let release = answers.as_ref().and_then(|a| a.settings.release.clone());
    Ok(Decision {
        validated,
        release: release.unwrap_or_else(|| "primehub".to_string()),
        command: answers.map(|a| show::render_command(&a, values)),
    })
}

/// `(block, answers)` with the answers made optional (a rotation has none to print).
fn some<A, B>((a, b): (A, B)) -> (A, Option<B>) {
    (a, Some(b))
}

/// A new block: which registry, its questions, then the whole checked. When the whole is
/// refused (the push repository on another host, say), the reason is shown and the
/// questions asked again with the previous answers as defaults.
fn ask_new(p: &mut dyn Prompter, default_kind: Option<Kind>) -> Result<(Validated, Answers)> {
    let kind = questions::ask_kind(p, default_kind)?;
    p.say(&format!("{}:", kind.title()));
    let mut previous: Option<Answers> = None;
    loop {
        let answers = questions::ask_settings(p, kind, previous.as_ref())?;
        match answers.settings.validate() {
            Ok(validated) => return Ok((validated, answers)),
            Err(err) => {
                p.refuse(&prompt::refusal(&err));
                p.say("Answer again; your answers are the defaults.");
                previous = Some(answers);
            }
        }
    }
}

/// New credentials for an existing block; everything else is kept (`--rotate`).
fn ask_rotation(p: &mut dyn Prompter, ci: &CustomImage) -> Result<Validated> {
    let kind = detect_kind(ci);
    p.say(&format!("New credentials for {}:", kind.title()));
    let mut keep = Answers::new(kind);
    keep.settings.username = ci.registry_username.clone();
    let mut answers = Answers::new(kind);
    for id in credential_fields(kind) {
        let field = kind
            .field(*id)
            .ok_or_else(|| Error::bug(format!("`{}` has no field {id:?}", kind.name())))?;
        questions::ask_field(p, &mut answers, field, Some(&keep))?;
    }
    rotate(ci, &answers.settings)
}

/// The managed keys that `old` sets and `new` does not: a `helm upgrade
/// --reuse-values` must pass them as `null`, or their old values stay in the release.
pub fn removed_keys(old: Option<&CustomImage>, new: &CustomImage) -> Vec<&'static str> {
    let Some(old) = old else {
        return Vec::new();
    };
    let keys = |ci: &CustomImage| {
        let mut k = Vec::new();
        if ci.registry_username.is_some() {
            k.push("registryUsername");
        }
        if ci.registry_password.is_some() {
            k.push("registryPassword");
        }
        match ci.push {
            Some(PushTarget::Prefix(_)) => k.push("pushRepoPrefix"),
            Some(PushTarget::Repo(_)) => k.push("pushRepo"),
            None => {}
        }
        if ci.push_secret_name.is_some() {
            k.push("pushSecretName");
        }
        k
    };
    let now = keys(new);
    keys(old).into_iter().filter(|k| !now.contains(k)).collect()
}

/// What to do next, once the file is written, one line each: the equivalent `phib
/// render` command, `phib verify` to check the credentials, and the `helm upgrade` to
/// run when helm is installed.
pub fn next_steps(
    values: &Path,
    helm_found: bool,
    decision: &Decision,
    removed: &[&str],
) -> Vec<String> {
    let file = show::shell_word(&values.display().to_string());
    let release = decision.release.as_str();
    let mut out = Vec::new();
    if let Some(command) = &decision.command {
        out.push(String::new());
        if command.iter().any(|w| w == "--password-stdin") {
            out.push(
                "The same without questions, for scripts (the password on standard input):".into(),
            );
        } else {
            out.push("The same without questions, for scripts:".into());
        }
        for line in show::command_lines(command, WIDTH - 2) {
            out.push(format!("  {line}"));
        }
    }
    out.push(String::new());
    out.push("Next: check that the registry accepts these credentials for a push:".into());
    out.push(format!("  phib verify --values {file}"));
    if helm_found {
        out.push(
            "Then apply it to the running PrimeHub (release and namespace as deployed):".into(),
        );
        for line in show::helm_upgrade_lines(values, release, "hub", removed) {
            out.push(format!("  {line}"));
        }
    } else {
        out.push(
            "Then apply it with `helm upgrade --reuse-values` (helm was not found on PATH).".into(),
        );
    }
    out
}

/// Splits `text` into lines of at most `width` columns at spaces; the text's own
/// indentation is kept and continuation lines are indented two more. A word longer
/// than the width stays whole on its own line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    use dialoguer::console::measure_text_width as w;
    let indent = &text[..text.len() - text.trim_start().len()];
    let more = format!("{indent}  ");
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if line.is_empty() {
            let lead = if lines.is_empty() {
                indent
            } else {
                more.as_str()
            };
            line = format!("{lead}{word}");
        } else if w(&line) + 1 + w(word) > width {
            lines.push(std::mem::take(&mut line));
            line = format!("{more}{word}");
        } else {
            line.push(' ');
            line.push_str(word);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests;

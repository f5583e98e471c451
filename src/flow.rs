//! The one flow every command that writes a `customImage` block feeds: `phib render`
//! gathers its input from flags, the wizard from its questions; both hand it here.
//! The values file is read and parsed once ([`Values::read`]); the plan turns the input
//! into the checked block fitted to the chart version, the push Secret split off and the
//! block rendered ([`plan`]); applying it writes in one order ([`apply`]): a Secret
//! applied with kubectl first (when that fails, nothing is written and no values file
//! names a Secret that does not exist), then the values, then the Secret manifest. Each
//! write is checked against what was read (the files-out gate), and runs on the same
//! values file take turns ([`crate::files::lock`]).

use std::path::{Path, PathBuf};

use crate::block::CustomImage;
use crate::chart::ChartValues;
use crate::files::lock::Lock;
use crate::pushsecret::deliver::{self, Choice, Output, Pending};
use crate::pushsecret::SecretMode;
use crate::registry::{FieldId, Surface, Warning};
use crate::rotate::rotate_block;
use crate::settings::{Settings, Validated};
use crate::values::read::{read_to_write, ToWrite};
use crate::values::update::{Applied, Update};
use crate::{Error, Result};

/// Where the block goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Into this values file (created, or only its `customImage` block replaced).
    Values(PathBuf),
    /// Printed on standard output (`--stdout`).
    Stdout,
}

/// The values file of a run, read once: what was there (for the write to check), its
/// text and document.
#[derive(Debug)]
pub struct Values {
    pub path: PathBuf,
    pub read: ToWrite,
    /// Held from the read to the last write, when the caller took it there.
    lock: Option<Lock>,
}

impl Values {
    /// Reads `path` for a run that writes it at once (`phib render`): runs on the same
    /// file take turns from before the read to the last write.
    pub fn read_locked(path: &Path) -> Result<Values> {
        crate::files::write::check_folder(path, "--values")?;
        let lock = Lock::take(path)?;
        let mut values = Values::read(path)?;
        values.lock = Some(lock);
        Ok(values)
    }

    /// Reads `path` for a run that writes it later (the wizard, after its questions):
    /// the write finds out what changed meanwhile.
    pub fn read(path: &Path) -> Result<Values> {
        Ok(Values {
            path: path.to_path_buf(),
            read: read_to_write(path)?,
            lock: None,
        })
    }

    /// Refuses, before any question, a file phib cannot edit in place (a layout the
    /// merge refuses), from the parse already made.
    pub fn check_editable(&self) -> Result<()> {
        if let Some(f) = &self.read.file {
            crate::values::merge::validate_parsed(&f.text, &f.doc)
                .map_err(|e| crate::values::update::name_the_file(e, &self.path))?;
        }
        Ok(())
    }

    /// The block the file configures now.
    pub fn block(&self) -> Result<Option<CustomImage>> {
        match &self.read.file {
            Some(f) => CustomImage::from_values(&f.doc)
                .map_err(|e| crate::values::update::name_the_file(e, &self.path)),
            None => Ok(None),
        }
    }

    /// What the file says besides the block, for fitting to the chart.
    pub fn chart_values(&self) -> ChartValues {
        self.read
            .file
            .as_ref()
            .map(|f| ChartValues::from_values(&f.doc))
            .unwrap_or_default()
    }
}

/// What a command gathered: the plan's input.
#[derive(Debug)]
pub struct Input {
    pub settings: Settings,
    pub choice: Choice,
    /// `--chart-version`.
    pub chart_version: Option<String>,
    /// `--accept`.
    pub accept: Vec<String>,
    /// `--rotate`: only the credentials of the block in the file change.
    pub rotate: bool,
}

/// What the flow will do.
#[derive(Debug)]
pub struct Planned {
    pub validated: Validated,
    pub pending: Pending,
    /// The rendered block.
    pub block: String,
    /// Which chart the block was fitted to, in words.
    pub assumed: Option<String>,
    /// Where the Secret goes (its namespace), for the secret-mode switch note.
    pub namespace: String,
    /// The write into the values file; `None` when the block is printed.
    pub update: Option<Update>,
    /// The block the values file configured before.
    old: Option<CustomImage>,
    lock: Option<Lock>,
    /// Only the block's own Secret changes; the values stay as they are.
    pub secret_only: bool,
}

/// Plans `input` for `values` (`None`: the block is printed): the chart version
/// resolved, the block checked (a rotation keeps all but the credentials of the file's
/// block), fitted to the chart, its Secret split off, rendered, and merged into the
/// file's text. Nothing is written.
pub fn plan(input: Input, values: Option<Values>) -> Result<Planned> {
    let Input {
        settings,
        mut choice,
        chart_version,
        accept,
        rotate,
    } = input;
    let kind = settings.kind();
    deliver::check_sealed_mode(&choice, kind)?;
    let keyless = choice.keyless.is_keyless();
    if rotate && keyless {
        return Err(Error::usage(
            "`--rotate` replaces stored credentials, but with `--refresh` or `--from-store` the External Secrets Operator provides them",
        )
        .with_help("remove `--rotate`: generated tokens renew themselves, and a stored credential is rotated in its store"));
    }
    crate::pushsecret::keyless::check_kind(&choice.keyless, kind)?;
    if choice.mode.own_secret() && choice.namespace.is_none() {
        choice.namespace = crate::helm::chart_version::helm_namespace();
    }
    let old = values.as_ref().map(Values::block).transpose()?.flatten();
    let mut validated = if keyless {
        settings.validate_keyless(choice.keyless.uses_username(kind))?
    } else if rotate {
        let path = values
            .as_ref()
            .map(|v| v.path.as_path())
            .ok_or_else(|| Error::usage("`--rotate` needs the values file to rotate"))?;
        let exists = values.as_ref().is_some_and(|v| v.read.file.is_some());
        let rotation = rotate_block(old.as_ref(), exists, path, &settings)?;
        if let Some(name) = rotation.external_secret {
            keep_external_secret(&mut choice, path, name)?;
        }
        rotation.validated
    } else {
        settings.validate()?
    };
    // Asked once the input is known good: bad input is refused without waiting for a
    // cluster, and the block says whether the release's name is needed.
    let target = crate::helm::chart_version::resolve(
        chart_version.as_deref(),
        settings.text(FieldId::Release),
        choice.namespace.as_deref(),
        values.as_ref().map(Values::chart_values),
        choice.mode.own_secret(),
        accept,
        &validated.custom_image,
    )?;
    let assumed = validated.fit_chart(&settings, &target, Surface::Flags)?;
    let values_path = values.as_ref().map(|v| v.path.clone());
    let pending = deliver::prepare(
        choice.clone(),
        &settings,
        values_path.as_deref(),
        &mut validated,
    )?;
    let namespace = choice
        .namespace
        .or_else(crate::helm::chart_version::helm_namespace)
        .unwrap_or_else(|| crate::chart::DEFAULT_NAMESPACE.to_string());
    let mut planned = planned(validated, pending, values, namespace, false)?;
    planned.old = old;
    planned.assumed = Some(assumed);
    Ok(planned)
}

/// A plan made elsewhere (the wizard asked, checked and fitted it question by
/// question), made ready to apply: the block rendered and merged into the values file
/// read at the start.
pub fn planned(
    validated: Validated,
    pending: Pending,
    values: Option<Values>,
    namespace: String,
    secret_only: bool,
) -> Result<Planned> {
    let block = crate::values::render::render(&validated.custom_image)?;
    let (update, old, lock) = match values {
        Some(v) => {
            let old = v.block().ok().flatten();
            (Some(Update::of(&v.read, &v.path, &block)?), old, v.lock)
        }
        None => (None, None, None),
    };
    Ok(Planned {
        validated,
        pending,
        block,
        assumed: None,
        namespace,
        update,
        old,
        lock,
        secret_only,
    })
}

/// Rotating a block whose credentials live in a Secret of its own rewrites that
/// Secret: the password must not come back into the values (and the chart's ConfigMap).
/// A SealedSecret rotated in its file keeps its scope unless `--sealing-scope` is given.
fn keep_external_secret(choice: &mut Choice, path: &Path, name: String) -> Result<()> {
    if choice.mode == SecretMode::Sealed && choice.sealing.scope.is_none() {
        if let Some(out) = &choice.out {
            choice.sealing.scope = deliver::sealing::sealed_in_file(out)?.map(|f| f.scope);
        }
    }
    if !choice.mode.own_secret() {
        return Err(Error::usage(format!(
            "the customImage block in `{}` keeps its credentials in the Secret `{name}`, not in the values; rotating them into the values would put the password back into the controller ConfigMap",
            path.display()
        ))
        .with_help(format!(
            "rotate the Secret: add `--secret-mode external --secret-name {name}` (or `--secret-mode sealed`, for a SealedSecret) and `--secret-out FILE` or `--apply`"
        )));
    }
    choice.name.get_or_insert(name);
    Ok(())
}

/// What applying says as it goes, so that each caller says it its own way (`phib
/// render` as `phib: …` lines, the wizard as sentences) and in the order it happened.
pub trait Tell {
    /// The Secret was applied with kubectl, before the values: kubectl's report.
    fn secret_applied(&mut self, report: &str);
    /// The values file was written (or already held the block).
    fn values_written(&mut self, sentence: &str, warnings: &[Warning]);
    /// The values file stays as it is: only the Secret changes.
    fn values_kept(&mut self, path: &Path);
    /// No values file: the block is for the caller to print (`--stdout`).
    fn block(&mut self, block: &str);
    /// The Secret manifest was written, or, in values mode, the note about where the
    /// password ends up.
    fn secret_delivered(&mut self, report: &str);
    /// A step failed: `written` says whether the values were written by then. The
    /// caller adds what to do next.
    fn failed(&mut self, err: Error, written: bool) -> Error;
}

/// Applies `planned`, in the one order, saying what was done through `tell`. Every
/// place a file goes is checked writable before the first write. Returns the values
/// file's text as written (what `helm upgrade` is to apply next).
pub fn apply(planned: Planned, tell: &mut dyn Tell) -> Result<Option<String>> {
    let Planned {
        pending,
        update,
        lock,
        secret_only,
        block,
        ..
    } = planned;
    test_pause_point();
    // Runs on the same values file take turns up to the last write.
    let _lock = match (lock, &update) {
        (Some(lock), _) => Some(lock),
        (None, Some(u)) => Some(Lock::take(&u.path)?),
        (None, None) => None,
    };
    if let Some(u) = update.as_ref().filter(|_| !secret_only) {
        u.check_block_unchanged()?;
        crate::files::write::check_writable(u.seen(), "--values")?;
        u.check_backup()?;
    }
    deliver::check_outputs(&pending)?;
    let apply_first = matches!(
        pending,
        Pending::External {
            to: Output::Apply,
            ..
        }
    );
    let mut pending = Some(pending);
    if apply_first {
        let report =
            deliver::finish(pending.take().expect("pending")).map_err(|e| tell.failed(e, false))?;
        if let Some(report) = report {
            tell.secret_applied(&report);
        }
    }
    let text = match update {
        Some(u) if secret_only => {
            tell.values_kept(&u.path);
            u.old
        }
        Some(u) => {
            let (done, text) = written(&u)?;
            tell.values_written(&done.sentence, &done.warnings);
            Some(text)
        }
        None => {
            tell.block(&block);
            None
        }
    };
    if let Some(pending) = pending {
        let delivered = deliver::finish(pending).map_err(|e| tell.failed(after_values(e), true));
        if let Some(report) = delivered? {
            tell.secret_delivered(&report);
        }
    }
    Ok(text)
}

/// The Secret failed once the values were written: the error says so, and no longer
/// that nothing was written.
fn after_values(err: Error) -> Error {
    let message = err
        .message
        .replace("; nothing was written", "; the Secret was not written");
    let help = match &err.help {
        Some(help) => format!("{help}; "),
        None => String::new(),
    };
    Error {
        message,
        help: Some(format!(
            "the values were written, but the Secret was not; {help}run the same command again once fixed"
        )),
        ..err
    }
}

/// The note to give when the new block pushes with another Secret than the old one:
/// Images built before keep pulling with the old name.
pub fn switch_note(planned: &Planned) -> Option<crate::chart::SwitchNote> {
    crate::helm::chart_version::switch_note(
        planned.old.as_ref(),
        &planned.validated.custom_image,
        &planned.namespace,
    )
}

/// What writing the values file did: a sentence for the caller to show, and what the
/// user should hear besides.
#[derive(Debug)]
pub struct Done {
    pub sentence: String,
    pub warnings: Vec<Warning>,
}

fn written(update: &Update) -> Result<(Done, String)> {
    let shown = update.path.display();
    let mut warnings = Vec::new();
    let (applied, text) = update.apply()?;
    let sentence = match applied {
        Applied::Unchanged => {
            format!("`{shown}` already holds this customImage block; nothing to write")
        }
        Applied::Created(_) => format!("wrote the customImage block to `{shown}` (mode 0600)"),
        Applied::Updated(written) => {
            if written.was_too_open {
                warnings.push(Warning::new(
                    crate::registry::Code::FileTooOpen,
                    format!("`{shown}` was readable by other users; it holds a secret, so it is now mode 0600"),
                ));
            }
            let backup = written
                .backup
                .map(|b| format!("; the previous content is in `{}`", b.display()))
                .unwrap_or_default();
            format!("updated the customImage block in `{shown}` (mode 0600){backup}")
        }
    };
    Ok((Done { sentence, warnings }, text))
}

/// `--check`: writes nothing; `Ok` when the values file (and the Secret manifest, in
/// external mode) already is what applying would write, else the redacted diff to show
/// and what differs, in words.
pub fn check(planned: &Planned) -> Result<Option<(String, Vec<String>)>> {
    let manifest_drift = deliver::check(&planned.pending)?;
    let Some(update) = &planned.update else {
        return Err(Error::bug("`--check` without a values file"));
    };
    if update.is_unchanged() && manifest_drift.is_none() {
        return Ok(None);
    }
    let mut differs = Vec::new();
    let mut diff = String::new();
    if !update.is_unchanged() {
        diff = update.diff();
        differs.push(format!(
            "`{}` differs from what this command would write (secrets redacted in the diff)",
            update.path.display()
        ));
    }
    differs.extend(manifest_drift);
    Ok(Some((diff, differs)))
}

/// Lets the race tests change files between the read and the first write.
fn test_pause_point() {
    crate::files::write::test_pause("PHIB_TEST_PAUSE_BEFORE_WRITE_MS", "test pause before write");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Secret refused after the values were written does not say "nothing was
    /// written": its message and help agree on what was.
    #[test]
    fn a_refusal_after_the_values_says_what_was_written() {
        let err = after_values(
            Error::usage("`--secret-out` `push.yaml` was created by another program since phib read it; nothing was written")
                .with_help("look at the file"),
        );
        assert!(
            !err.message.contains("nothing was written"),
            "{}",
            err.message
        );
        assert!(
            err.message.ends_with("the Secret was not written"),
            "{}",
            err.message
        );
        let help = err.help.unwrap();
        assert!(
            help.starts_with("the values were written, but the Secret was not; look at the file"),
            "{help}"
        );
    }
}

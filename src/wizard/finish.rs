//! After the wizard's questions: the answers go through the one flow
//! ([`crate::flow`]) that `phib render` uses, told in the wizard's words, then the
//! questions after the write: check the credentials against the registry now, and apply
//! the block with `helm upgrade` now (when helm is installed), running the same code as
//! `phib verify` and `phib upgrade`.

use std::path::Path;

use super::prompt::Prompter;
use super::terminal::{self, TermPrompter};
use super::Decision;
use crate::flow::{self, Values};
use crate::helm::{self, Helm, UpgradeOptions};
use crate::pushsecret::{self, deliver::Manifests, deliver::Output, deliver::Pending};
use crate::registry::{Surface, Warning};
use crate::{Error, Result};

/// Writes what the user confirmed into `values` (read before the questions; what
/// another program changed in the block meanwhile stops the write), then asks the
/// questions after the write.
pub fn finish(decision: Decision, values: Values) -> Result<()> {
    let path = values.path.clone();
    let helm = Helm::find().ok();
    let check = verify_source(&decision);
    let verify_hint = match &decision.pending {
        Pending::External { manifests, .. } if manifests.needs_operator() => {
            super::verify_hint_after_sync(&path)
        }
        Pending::External {
            manifests: Manifests::Sealed(_),
            ..
        } => super::verify_hint_after_unseal(&path),
        _ => super::verify_hint(
            &path,
            match &check {
                Some(Source::File(f)) => Some(f.as_path()),
                _ => None,
            },
        ),
    };
    let upgrade_hint = super::upgrade_hint(&path, &decision, helm.is_some());
    let namespace = decision.choice.as_ref().and_then(|c| c.namespace.clone());
    let text = write(&decision, values)?.unwrap_or_default();
    say_lines(&super::written_lines(&decision));
    say("");
    let mut p = TermPrompter::new();
    match &check {
        Some(source) if super::after::ask_verify(&mut p).map_err(after_write)? => {
            if let Err(err) = verify_now(&path, source, namespace.as_deref()) {
                // Why it failed first; the steps left are still worth knowing before
                // phib exits 1.
                crate::out::error(&err);
                say("");
                say_lines(&verify_hint);
                if !decision.secret_only {
                    say_lines(&upgrade_hint);
                }
                return Err(err.shown());
            }
        }
        _ => say_lines(&verify_hint),
    }
    if decision.secret_only {
        say_lines(&super::wrap(
            "No helm upgrade is needed: the values did not change, and builds read the Secret when they push.",
            super::WIDTH,
        ));
        return Ok(());
    }
    let release = Some(decision.release.as_str());
    let target = match &helm {
        Some(_) => {
            super::after::ask_upgrade(&mut p, release, namespace.as_deref()).map_err(after_write)?
        }
        None => None,
    };
    let ran = match (helm, target) {
        (Some(helm), Some(target)) => upgrade_now(&mut p, &helm, &path, &text, target)?,
        _ => false,
    };
    if ran {
        say_lines(&super::rotation_note(&decision));
    } else {
        say_lines(&upgrade_hint);
    }
    Ok(())
}

/// The write, through the one flow; what was done with the Secret is said.
fn write(decision: &Decision, values: Values) -> Result<Option<String>> {
    let pending = decision.pending.clone();
    let namespace = decision
        .choice
        .as_ref()
        .and_then(|c| c.namespace.clone())
        .unwrap_or_else(|| pushsecret::DEFAULT_NAMESPACE.to_string());
    let planned = flow::planned(
        decision.validated.clone(),
        pending,
        Some(values),
        namespace,
        decision.secret_only,
    )?;
    let mut tell = Said {
        decision,
        applied: None,
    };
    flow::apply(planned, &mut tell)
}

/// How the wizard says what the flow did: sentences on its terminal.
struct Said<'a> {
    decision: &'a Decision,
    /// kubectl's report of the Secret applied first, said after the values.
    applied: Option<String>,
}

impl Said<'_> {
    fn written(&mut self) {
        // Ctrl-C from now on says that what was written stays (the Secret, at least).
        terminal::mark_written();
        if let Some(report) = self.applied.take() {
            say_done(&report);
        }
    }
}

impl flow::Tell for Said<'_> {
    fn secret_applied(&mut self, report: &str) {
        self.applied = Some(report.to_string());
    }

    fn values_written(&mut self, sentence: &str, warnings: &[Warning]) {
        for warning in warnings {
            let text = format!("warning: {}", warning.render(Surface::Wizard));
            say_lines(&super::wrap(&text, super::WIDTH));
        }
        say_done(sentence);
        self.written();
    }

    fn values_kept(&mut self, path: &Path) {
        say(&format!(
            "`{}` stays as it is: it already names the Secret.",
            path.display()
        ));
        self.written();
    }

    fn block(&mut self, _block: &str) {}

    fn secret_delivered(&mut self, report: &str) {
        say_done(report);
    }

    fn failed(&mut self, err: Error, written: bool) -> Error {
        if written {
            secret_file_failed(err, self.decision)
        } else {
            apply_failed(err, self.decision)
        }
    }
}

/// The wizard talks on standard error, like its prompts, through the terminal gate.
fn say(text: &str) {
    crate::out::say(text);
}

/// `phib verify --values VALUES [--secret-file FILE]` (or, sealed, with the login phib
/// sealed), its step lines on the wizard's terminal (standard error). A failure is the
/// wizard's error: the file stays written.
fn verify_now(values: &Path, source: &Source, namespace: Option<&str>) -> Result<()> {
    let args = crate::verify::file::Args {
        values,
        push_check: true,
        timeout_secs: 30,
        namespace: namespace.unwrap_or(pushsecret::DEFAULT_NAMESPACE),
        secret_file: match source {
            Source::File(f) => Some(f),
            _ => None,
        },
        held: match source {
            Source::Held(secret) => Some(secret),
            _ => None,
        },
        ca_file: None,
    };
    crate::verify::file::run_to(&args, &mut crate::out::lines(crate::out::Stream::Err))
}

/// What `phib upgrade --values VALUES --release R --namespace NS` does: plan against
/// the release, show, confirm at the wizard's prompt, run helm (which removes its
/// temporary file also on Ctrl-C). Returns whether helm ran.
fn upgrade_now(
    p: &mut dyn Prompter,
    helm: &Helm,
    values: &Path,
    text: &str,
    target: super::after::UpgradeTarget,
) -> Result<bool> {
    let opts = UpgradeOptions {
        values_path: values.to_path_buf(),
        release: target.release,
        namespace: target.namespace,
        chart: crate::chart::DEFAULT_CHART.to_string(),
        version: None,
        install: false,
    };
    let plan = helm::prepare_upgrade(helm, text, &opts)?;
    say(helm::describe(&plan).trim_end());
    let ran = helm::run_upgrade(helm, &plan, |command| {
        let command = crate::out::command(command, "  ", crate::out::Stream::Err);
        say(&format!("\nwill run:\n{command}\n"));
        p.confirm("Run it?", false).map_err(after_write)
    })?;
    if ran {
        say("");
        say(helm::next_steps(&plan).trim_end());
    } else {
        say("cancelled: helm was not run");
    }
    Ok(ran)
}

/// Where the wizard's check finds the credentials right after the write.
enum Source {
    /// In the values, or in the Secret applied with kubectl (as `phib verify` reads it).
    Values,
    /// In the Secret manifest just written.
    File(std::path::PathBuf),
    /// Sealed: in the login phib holds, as sealed (nobody but the controller can read
    /// the SealedSecret back).
    Held(pushsecret::PushSecret),
}

/// Where the check finds the credentials; `None` when they cannot be checked now (a
/// Secret the cluster makes: ECR, the External Secrets Operator).
fn verify_source(decision: &Decision) -> Option<Source> {
    match &decision.pending {
        Pending::Values => decision
            .validated
            .custom_image
            .registry_password
            .is_some()
            .then_some(Source::Values),
        Pending::External {
            manifests: Manifests::Static(_),
            to,
        } => match to {
            Output::File(f) => Some(Source::File(f.path.clone())),
            Output::Apply => Some(Source::Values),
        },
        Pending::External {
            manifests: Manifests::Sealed(p),
            ..
        } => Some(Source::Held(p.secret.clone())),
        Pending::External { .. } => None,
    }
}

/// `kubectl apply` of the Secret failed, before the values were written: say so, and
/// print the command that does the same without questions, to run once kubectl works.
fn apply_failed(err: Error, decision: &Decision) -> Error {
    print_command(
        decision,
        "Nothing was written. Once kubectl can reach the cluster, the same without questions",
    );
    say_lines(&super::wrap(
        "Or write the Secret to a file to apply later: `--secret-out push-secret.yaml` instead of `--apply`.",
        super::WIDTH,
    ));
    say("");
    Error {
        help: Some(
            "nothing was written; check the kubectl context (`kubectl config current-context`) and that the namespace exists, then run the command above"
                .into(),
        ),
        ..err
    }
}

/// The Secret manifest could not be written after the values were: the command that
/// writes both, to run once the cause is fixed (no question to answer again).
fn secret_file_failed(err: Error, decision: &Decision) -> Error {
    print_command(
        decision,
        "The values were written, but the Secret was not. Once that is fixed, the same without questions",
    );
    say("");
    Error {
        help: Some(
            "the values were written, but the Secret was not; once the cause is fixed, run the command above".into(),
        ),
        ..err
    }
}

/// `lead:` and the wizard's equivalent `phib render` command under it.
fn print_command(decision: &Decision, lead: &str) {
    let Some(command) = &decision.command else {
        return;
    };
    say("");
    say_lines(&super::show::command_block(lead, command));
}

/// An interruption at a question after the values file (or the Secret) was written.
fn after_write(_: super::prompt::Interrupted) -> Error {
    Error {
        kind: crate::error::Kind::Interrupted,
        message: terminal::INTERRUPTED_AFTER_WRITE.into(),
        help: None,
    }
}

/// What was done (`wrote ...`), said as a sentence.
/// The first line as a sentence, wrapped; the lines after it (a grant's commands) as
/// they are, so that they can be copied.
fn say_done(done: &str) {
    let (first, rest) = done.split_once('\n').unwrap_or((done, ""));
    let mut chars = first.chars();
    let sentence = match chars.next() {
        Some(c) => format!("{}{}.", c.to_uppercase(), chars.as_str()),
        None => return,
    };
    say_lines(&super::wrap(&sentence, super::WIDTH));
    for line in rest.lines() {
        say(line);
    }
}

fn say_lines(lines: &[String]) {
    for line in lines {
        say(line);
    }
}

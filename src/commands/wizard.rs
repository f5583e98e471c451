//! `phib` and `phib wizard`: check that there is a terminal to talk to, read the values
//! file's current block, let the wizard ask, then render and write exactly as `phib
//! render --values FILE` does (the Secret too, in external mode), then offers `phib
//! verify` and `phib upgrade`, running their code. Without a terminal the answer is a usage error that
//! names `phib render`, never a prompt library failing halfway.

use std::io::Write;
use std::path::Path;

use phib::helm::{self, plan, Helm, UpgradeOptions};
use phib::pushsecret::{self, deliver, deliver::Manifests, deliver::Output, deliver::Pending};
use phib::registry::Surface;
use phib::values::model::CustomImage;
use phib::values::render;
use phib::wizard::prompt::Prompter;
use phib::wizard::terminal::{self, is_interactive, TermPrompter};
use phib::{wizard, Error, Result};

const RENDER_HINT: &str = "to write the values without questions use `phib render --registry KIND [options] --values FILE` (see `phib render --help`); `phib --help` lists every command";

/// `phib` with no subcommand: the wizard on a terminal, usage (exit 2) otherwise.
pub fn run_default() -> Result<()> {
    if !is_interactive() {
        return Err(
            Error::usage("no command given, and no terminal to run the wizard on")
                .with_help(RENDER_HINT),
        );
    }
    run(Path::new(super::DEFAULT_VALUES), None)
}

/// `phib wizard [--values FILE] [--chart-version V]`.
pub fn run(values: &Path, chart_version: Option<&str>) -> Result<()> {
    if !is_interactive() {
        return Err(Error::usage(
            "`phib wizard` asks questions and needs a terminal on standard input, output and error",
        )
        .with_help(RENDER_HINT));
    }
    // Found out before the questions, not after them.
    phib::values::write::check_folder(values, "--values")?;
    let existing = read_existing(values)?;
    let chart = phib::helm::chart_version::resolve(
        chart_version,
        None,
        None,
        phib::helm::chart_version::chart_values(Some(values))?,
        false,
        Vec::new(),
    )?;
    let kubectl = which::which("kubectl").is_ok();
    let mut prompter = TermPrompter::new();
    let mut decision = wizard::ask_for(
        &mut prompter,
        values,
        existing.as_ref(),
        kubectl,
        Some(&chart),
    )?;
    // From here on Ctrl-C acts as usual: the write below is atomic either way.
    drop(prompter);
    let block = render::render(&decision.validated.custom_image)?;

    let helm = Helm::find(None).ok();
    let check = verify_source(&decision);
    let written = wizard::written_lines(&decision);
    let upgrade_hint = wizard::upgrade_hint(values, &decision, helm.is_some());
    let synced_later = matches!(
        &decision.pending,
        Pending::External { manifests, .. } if manifests.needs_operator()
    );
    let verify_hint = if synced_later {
        wizard::verify_hint_after_sync(values)
    } else {
        wizard::verify_hint(values, check.as_ref().and_then(|f| f.as_deref()))
    };
    let rotation = wizard::rotation_note(&decision);
    let namespace = decision.choice.as_ref().and_then(|c| c.namespace.clone());
    // The wizard asked where the credentials go: no note about the mode, only what
    // was done with the Secret.
    let pending = std::mem::replace(&mut decision.pending, Pending::Values { note: false });
    let external = matches!(pending, Pending::External { .. });
    // A Secret applied with kubectl goes first: when that fails, nothing is written,
    // and the values never name a Secret that does not exist.
    let apply_first = matches!(
        pending,
        Pending::External {
            to: Output::Apply(_),
            ..
        }
    );
    let (applied, pending) = if apply_first {
        let done = deliver::finish(pending).map_err(|e| apply_failed(e, &decision))?;
        (done, None)
    } else {
        (None, Some(pending))
    };
    if decision.secret_only {
        say(&format!(
            "`{}` stays as it is: it already names the Secret.",
            values.display()
        ));
    } else {
        let done = phib::apply::write_values(values, &block)?;
        for warning in &done.warnings {
            let text = format!("warning: {}", warning.render(Surface::Wizard));
            say_lines(&wizard::wrap(&text, wizard::WIDTH));
        }
        say_done(&done.sentence);
    }
    // Ctrl-C from now on says that what was written stays (the Secret, at least).
    terminal::mark_written();
    let delivered = match pending {
        Some(pending) => deliver::finish(pending).map_err(|e| secret_file_failed(e, &decision))?,
        None => applied,
    };
    if let Some(done) = delivered.filter(|_| external) {
        say_done(&done);
    }
    say_lines(&written);
    say("");

    let mut p = TermPrompter::new();
    match &check {
        Some(secret_file) if wizard::after::ask_verify(&mut p).map_err(after_write)? => {
            let namespace = namespace.as_deref();
            if let Err(err) = verify_now(values, secret_file.as_deref(), namespace) {
                // Why it failed first; the steps left are still worth knowing before
                // phib exits 1.
                eprint!("{}", err.report());
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
        say_lines(&wizard::wrap(
            "No helm upgrade is needed: the values did not change, and builds read the Secret when they push.",
            wizard::WIDTH,
        ));
        return Ok(());
    }
    let Some(helm) = helm else {
        say_lines(&upgrade_hint);
        return Ok(());
    };
    let release = Some(decision.release.as_str());
    let Some(target) =
        wizard::after::ask_upgrade(&mut p, release, namespace.as_deref()).map_err(after_write)?
    else {
        say_lines(&upgrade_hint);
        return Ok(());
    };
    if upgrade_now(&mut p, &helm, values, target)? {
        say_lines(&rotation);
    } else {
        say_lines(&upgrade_hint);
    }
    Ok(())
}

/// `phib verify --values VALUES [--secret-file FILE]`, its step lines on the wizard's
/// terminal (standard error). A failure is the wizard's error: the file stays written.
fn verify_now(values: &Path, secret_file: Option<&Path>, namespace: Option<&str>) -> Result<()> {
    let args = phib::verify::file::Args {
        values,
        push_check: true,
        timeout_secs: 30,
        namespace: namespace.unwrap_or(pushsecret::DEFAULT_NAMESPACE),
        secret_file,
        ca_file: None,
    };
    phib::verify::file::run_to(&args, &mut std::io::stderr().lock())
}

/// What `phib upgrade --values VALUES --release R --namespace NS` does: plan against
/// the release, show, confirm at the wizard's prompt, run helm (which removes its
/// temporary file also on Ctrl-C). Returns whether helm ran.
fn upgrade_now(
    p: &mut dyn Prompter,
    helm: &Helm,
    values: &Path,
    target: wizard::after::UpgradeTarget,
) -> Result<bool> {
    let text = super::read_existing_values(values, "write it first")?.text;
    let opts = UpgradeOptions {
        values_path: values.to_path_buf(),
        release: target.release,
        namespace: target.namespace,
        chart: plan::DEFAULT_CHART.to_string(),
        version: None,
        install: false,
    };
    let plan = helm::prepare_upgrade(helm, &text, &opts)?;
    say(helm::describe(&plan).trim_end());
    let ran = helm::run_upgrade(helm, &plan, |command| {
        say(&format!("\nwill run:\n  {command}\n"));
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

/// Where `phib verify` finds the credentials right after the wizard: `Some(None)` in
/// the values, `Some(Some(file))` in the Secret manifest just written, `None` when
/// they cannot be checked now (ECR, whose Secret the cluster makes).
fn verify_source(decision: &wizard::Decision) -> Option<Option<std::path::PathBuf>> {
    match &decision.pending {
        Pending::Values { .. } => decision
            .validated
            .custom_image
            .registry_password
            .is_some()
            .then_some(None),
        Pending::External {
            manifests: Manifests::Static(_),
            to,
        } => match to {
            Output::File(path) => Some(Some(path.clone())),
            Output::Apply(_) => Some(None),
        },
        Pending::External { .. } => None,
    }
}

/// `kubectl apply` of the Secret failed, before the values were written: say so, and
/// print the command that does the same without questions, to run once kubectl works.
fn apply_failed(err: Error, decision: &wizard::Decision) -> Error {
    print_command(
        decision,
        "Nothing was written. Once kubectl can reach the cluster, the same without questions",
    );
    say_lines(&wizard::wrap(
        "Or write the Secret to a file to apply later: `--secret-out push-secret.yaml` instead of `--apply`.",
        wizard::WIDTH,
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
fn secret_file_failed(err: Error, decision: &wizard::Decision) -> Error {
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
fn print_command(decision: &wizard::Decision, lead: &str) {
    let Some(command) = &decision.command else {
        return;
    };
    say("");
    say_lines(&wizard::show::command_block(lead, command));
}

/// An interruption at a question after the values file (or the Secret) was written.
fn after_write(_: wizard::prompt::Interrupted) -> Error {
    Error {
        kind: phib::error::Kind::Interrupted,
        message: terminal::INTERRUPTED_AFTER_WRITE.into(),
        help: None,
    }
}

/// The wizard talks on standard error, like its prompts: `text` with no control
/// character of what it quotes, a line wider than the terminal wrapped.
fn say(text: &str) {
    let text = phib::error::printable(text);
    let mut err = std::io::stderr().lock();
    for line in text.split('\n') {
        if line.chars().count() > wizard::fit_width(wizard::WIDTH) {
            for part in wizard::wrap(line, wizard::WIDTH) {
                let _ = writeln!(err, "{part}");
            }
        } else {
            let _ = writeln!(err, "{line}");
        }
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
    say_lines(&wizard::wrap(&sentence, wizard::WIDTH));
    for line in rest.lines() {
        say(line);
    }
}

fn say_lines(lines: &[String]) {
    for line in lines {
        say(line);
    }
}

/// The `customImage` block already in `values`, if the file exists and has one. A file
/// the write could not read or edit (a folder, not UTF-8, a layout phib cannot merge
/// into) is refused here, before the questions, with the same messages as `phib render`.
fn read_existing(values: &Path) -> Result<Option<CustomImage>> {
    let Some(phib::values::read::ValuesFile { text, doc }) = phib::values::read::read(values)?
    else {
        return Ok(None);
    };
    // A file phib cannot edit in place is refused now, not after every question.
    phib::values::merge::validate(&text)
        .map_err(|e| phib::values::update::name_the_file(e, values))?;
    CustomImage::from_values(&doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_values_file_phib_cannot_read_is_refused_before_the_questions() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let latin1 = dir.join("values.yaml");
        std::fs::write(&latin1, b"# caf\xe9\ncustomImage: {}\n").unwrap();
        let err = read_existing(&latin1).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{}", err.message);
        assert!(err.message.contains("not UTF-8"), "{}", err.message);
        let err = read_existing(dir).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{}", err.message);
        assert!(err.message.contains("is a directory"), "{}", err.message);
        assert!(read_existing(&dir.join("missing.yaml")).unwrap().is_none());
    }

    #[test]
    fn a_values_file_with_a_byte_order_mark_is_read_as_without_one() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("values.yaml");
        let text =
            "a: 1\ncustomImage:\n  registryEndpoint: \"ghcr.io\"\n  pushRepo: \"ghcr.io/me/x\"\n";
        std::fs::write(&path, text).unwrap();
        let plain = read_existing(&path).unwrap();
        std::fs::write(&path, format!("\u{feff}{text}")).unwrap();
        let bom = read_existing(&path).unwrap();
        assert!(plain.is_some());
        assert_eq!(format!("{bom:?}"), format!("{plain:?}"));
    }
}

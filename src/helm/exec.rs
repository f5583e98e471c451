//! Running the planned `helm upgrade`: write the temporary values file (0600), show the
//! exact command and ask, run helm with its output streamed, and remove the file
//! afterwards whatever happens. While the file exists, Ctrl-C does not kill phib: at
//! the prompt it ends the prompt, and while helm runs it is left to helm (the terminal
//! sends it to the whole process group), phib only notes it, waits for helm to stop,
//! removes the file and reports the interruption.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::plan::{Plan, ValuesArg};
use super::{helm_failed, Helm};
use crate::error::Kind;
use crate::out::Stream;
use crate::secret::Redactor;
use crate::{Error, Result};

/// How much of helm's standard error is kept for the error message.
const STDERR_TAIL: usize = 16 * 1024;

/// Runs `plan` with `helm`. `confirm` gets the exact command line, word by word, each
/// quoted for a shell (it names files, never a secret), and decides whether to go on.
/// Returns `Ok(false)` when it said no.
pub fn run_upgrade(
    helm: &Helm,
    plan: &Plan,
    confirm: impl FnOnce(&[String]) -> Result<bool>,
) -> Result<bool> {
    // From here on Ctrl-C must not kill phib before the temporary file is removed: at
    // the confirmation prompt (which turns Ctrl-C into an error) and while helm runs.
    // Ctrl-C is only noted; helm, which gets it too, stops by itself. (Had phib started
    // with Ctrl-C ignored, there is no guard and helm ignores it too.)
    let guard = crate::interrupt::Note::install();
    // The temporary file lives exactly as long as this binding: dropping it removes it,
    // on success, on every error return and on a panic.
    let temp;
    let values_path: &Path = match &plan.values {
        ValuesArg::File(path) => path,
        ValuesArg::Temp(content) => {
            temp = write_temp_values(content.expose())?;
            &temp
        }
    };
    // Removed on any fatal signal too, not only when `temp` is dropped.
    let _tracked = crate::cleanup::track(values_path);
    let command_words = plan.command_words(&helm.path().display().to_string(), values_path);
    let mut call = helm.call();
    for word in plan.words(values_path) {
        call = call.word(&word)?;
    }
    if !confirm(&command_words)? {
        return Ok(false);
    }
    if guard
        .as_ref()
        .is_some_and(crate::interrupt::Note::interrupted)
    {
        // Ctrl-C before the prompt read keys: stop, do not run helm.
        return Err(Error::interrupted());
    }

    let mut child = call.spawn_piped()?;
    let _helm_gets_signals = crate::cleanup::track_child(child.id());
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let (status, tail) = std::thread::scope(|s| {
        let tee_out = s.spawn(|| tee(stdout, Stream::Out, &plan.secrets));
        let tee_err = s.spawn(|| tee(stderr, Stream::Err, &plan.secrets));
        let status = child.wait().map_err(|e| Error::io(helm.path(), e));
        let _ = tee_out.join();
        (status, tee_err.join().unwrap_or_default())
    });
    let interrupted = guard.is_some_and(|g| g.interrupted());
    let status = status?;

    if status.success() {
        return Ok(true);
    }
    use std::os::unix::process::ExitStatusExt;
    if interrupted || status.signal() == Some(signal_hook::consts::SIGINT) {
        return Err(Error {
            kind: Kind::Interrupted,
            message: "interrupted: helm was stopped before it finished".into(),
            help: Some(format!(
                "run `helm history {} -n {}` to see the release's state; your values file was not changed",
                plan.release, plan.namespace
            )),
        });
    }
    let verb = if plan.install {
        "helm install"
    } else {
        "helm upgrade"
    };
    Err(helm_failed(&format!("{verb} failed"), &tail))
}

/// Writes the block for `-f` to a new temporary file with mode 0600 (it holds the
/// registry password). The returned path removes the file when dropped.
fn write_temp_values(content: &str) -> Result<tempfile::TempPath> {
    crate::files::write::temp_for_child("phib-values-", ".yaml", content.as_bytes())
}

/// Copies one of helm's output streams to ours line by line as it comes, with the
/// secrets phib knows hidden (a failing helm may echo its `-f` file), and keeps the end
/// for the error message.
fn tee(from: impl Read, to: Stream, secrets: &Redactor) -> String {
    let mut from = BufReader::new(from);
    let mut tail: Vec<u8> = Vec::new();
    let mut line = Vec::new();
    // Lines of a YAML double-quoted string that helm broke with `\` continuations: a
    // secret in it is only whole once they are joined again.
    let mut folded: Vec<u8> = Vec::new();
    loop {
        line.clear();
        let done = !matches!(from.read_until(b'\n', &mut line), Ok(n) if n > 0);
        folded.extend_from_slice(&line);
        let continued = line.ends_with(b"\\\n") || line.ends_with(b"\\\r\n");
        if !done && continued && folded.len() < STDERR_TAIL {
            continue;
        }
        if !folded.is_empty() {
            let shown = redact_folded(&folded, secrets);
            crate::out::pass_through(to, &shown);
            tail.extend_from_slice(&shown);
            if tail.len() > STDERR_TAIL {
                tail.drain(..tail.len() - STDERR_TAIL);
            }
            folded.clear();
        }
        if done {
            break;
        }
    }
    String::from_utf8_lossy(&tail).into_owned()
}

/// Redacts lines that may be one YAML string folded with `\` continuations: when the
/// joined string holds a secret, it is shown joined and redacted; else line by line.
fn redact_folded(lines: &[u8], secrets: &Redactor) -> Vec<u8> {
    let shown = secrets.redact_bytes(lines);
    if !lines.ends_with(b"\n") || lines.iter().filter(|b| **b == b'\n').count() < 2 {
        return shown;
    }
    let mut joined = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        if lines[i] == b'\\' && lines.get(i + 1) == Some(&b'\n') {
            i += 2;
            while i < lines.len() && matches!(lines[i], b' ' | b'\t') {
                i += 1;
            }
            // YAML: an escaped leading space stays a space.
            if lines[i..].starts_with(b"\\ ") {
                i += 1;
            }
            continue;
        }
        joined.push(lines[i]);
        i += 1;
    }
    let redacted = secrets.redact_bytes(&joined);
    if redacted != joined {
        redacted
    } else {
        shown
    }
}

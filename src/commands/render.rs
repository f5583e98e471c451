//! `phib render`: command-line options, standard input and the environment into
//! [`Settings`], then validate, render and write (or print) the block.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::cli::{FieldArgs, RenderArgs, SecretArgs, SecretModeArg};
use phib::flow::{self, Values};
use phib::pushsecret::deliver::{Choice, Sealing};
use phib::pushsecret::keyless::KeylessChoice;
use phib::pushsecret::sealed::Scope;
use phib::pushsecret::SecretMode;
use phib::registry::keyfile;
use phib::registry::{Code, FieldId, Invalid, Kind, Surface, Warning, PASSWORD_ENV};
use phib::secret::Secret;
use phib::settings::{refused, Answer, Settings};
use phib::{Error, Result};

pub fn run(args: RenderArgs) -> Result<()> {
    let RenderArgs {
        registry,
        fields,
        chart_version,
        // Set for the run by the dispatch (`commands/mod.rs`).
        lookup: _,
        helm: _,
        accept,
        values,
        stdout,
        check,
        rotate,
        mut secret,
    } = args;
    // The keyless options and `--release` are fields too: checked where their answers
    // are set.
    let late = std::mem::take(&mut secret.late);
    let settings = gather(registry, fields.with(late))?;
    let choice = secret_choice(secret, &settings);
    let input = flow::Input {
        settings,
        choice,
        chart_version,
        accept,
        rotate,
    };
    let path = values.unwrap_or_else(|| PathBuf::from(super::DEFAULT_VALUES));
    let values = match (stdout, check) {
        (true, _) => None,
        (false, true) => Some(Values::read(&path)?),
        (false, false) => Some(Values::read_locked(&path)?),
    };
    let planned = flow::plan(input, values)?;
    if check {
        return check_values(&planned, &path);
    }
    if let Some(assumed) = &planned.assumed {
        phib::out::note(assumed);
    }
    let switched = flow::switch_note(&planned);
    let mut tell = Said {
        warnings: planned.validated.warnings.clone(),
    };
    flow::apply(planned, &mut tell)?;
    if let Some(note) = switched {
        phib::out::note(&note.text);
        phib::out::say_command(&note.command, "  ");
    }
    Ok(())
}

/// The registry options and those of external mode, the keyfile and the password, each
/// checked by its field, as the plan's [`Settings`].
fn gather(kind: Kind, fields: FieldArgs<false>) -> Result<Settings> {
    let FieldArgs {
        texts,
        keyfile,
        password_stdin,
        switches,
    } = fields;
    let mut settings = Settings::new(kind);
    for (id, value) in texts {
        settings
            .set(id, Answer::Text(value))
            .map_err(|e| e.for_field(id))?;
    }
    for id in switches {
        settings
            .set(id, Answer::YesNo(true))
            .map_err(|e| e.for_field(id))?;
    }
    if let Some(path) = keyfile {
        let id = FieldId::Keyfile;
        if !kind.accepts(id) {
            return Err(refused(kind).for_field(id));
        }
        let parsed = if path.as_os_str() == "-" {
            if password_stdin {
                return Err(Error::usage(
                    "`--keyfile -` and `--password-stdin` both read standard input",
                )
                .with_help("give the keyfile as a path"));
            }
            keyfile::read_stdin()
        } else {
            keyfile::load(&path)
        };
        let parsed = parsed.map_err(|e| e.for_field(id))?;
        settings
            .set(id, Answer::Keyfile(parsed))
            .map_err(|e| e.for_field(id))?;
    }
    let id = FieldId::Password;
    if password_stdin && !kind.accepts(id) {
        // Refused before reading, so a terminal on stdin is not waited for.
        let invalid = refused(kind);
        return Err(
            Error::usage(format!("`--password-stdin` {}", invalid.reason)).with_help(invalid.help),
        );
    }
    if let Some(password) = password(password_stdin, std::env::var_os(PASSWORD_ENV))? {
        if !kind.accepts(id) {
            // Only from the environment: `--password-stdin` was refused above.
            let invalid = refused(kind);
            return Err(Error::usage(format!(
                "`{PASSWORD_ENV}` is set, but it {}",
                invalid.reason
            ))
            .with_help(format!(
                "unset `{PASSWORD_ENV}`; {}",
                invalid.help.trim_start_matches("remove it; ")
            )));
        }
        settings
            .set(id, Answer::Secret(password))
            .map_err(|e| e.for_field(id))?;
    }
    Ok(settings)
}

/// How `phib render` says what the flow did: `phib: …` lines on standard error, the
/// block on standard output with `--stdout`.
struct Said {
    /// The plan's warnings, said once the values are written (or printed).
    warnings: Vec<Warning>,
}

impl Said {
    fn warnings(&self, printed: bool) {
        for warning in &self.warnings {
            let warning = match warning.code {
                // Nothing was written to a values file: the warning says where it is.
                Code::PasswordInValues if printed => &phib::settings::password_in_printed_block(),
                _ => warning,
            };
            super::warn(&warning.render(Surface::Flags));
        }
    }
}

impl flow::Tell for Said {
    fn secret_applied(&mut self, report: &str) {
        phib::out::note(report);
    }

    fn values_written(&mut self, sentence: &str, warnings: &[Warning]) {
        for warning in warnings {
            super::warn(&warning.render(Surface::Flags));
        }
        phib::out::note(sentence);
        self.warnings(false);
    }

    fn values_kept(&mut self, _path: &Path) {}

    fn block(&mut self, block: &str) {
        // Printed on request: it holds the password.
        let printed = phib::out::print_raw(phib::out::Raw::secrets_asked_for(block.as_bytes()));
        if let Err(e) = printed {
            phib::out::error(&e);
        }
        self.warnings(true);
    }

    fn secret_delivered(&mut self, report: &str) {
        phib::out::note(report);
    }

    fn failed(&mut self, err: Error, written: bool) -> Error {
        if written {
            return err;
        }
        nothing_written(err)
    }
}

/// `kubectl apply` of the Secret failed, before anything was written.
fn nothing_written(err: Error) -> Error {
    Error {
        help: Some(
            "nothing was written; check the kubectl context (`kubectl config current-context`) and that the namespace exists, then run the same command again (or write the Secret to a file with `--secret-out FILE` instead of `--apply`)"
                .into(),
        ),
        ..err
    }
}

/// The `--secret-*` flags, and the options of external mode from `settings` (checked
/// there by their fields), as the library's plain [`Choice`]; checking, splitting the
/// block and delivering the Secret are [`deliver`]'s, shared with the wizard.
fn secret_choice(args: SecretArgs, settings: &Settings) -> Choice {
    let SecretArgs {
        secret_mode,
        secret_name,
        secret_out,
        overwrite_secret_out,
        apply,
        namespace,
        late: _,
        sealing_cert,
        sealing_scope,
        controller_name,
        controller_namespace,
    } = args;
    Choice {
        mode: match secret_mode {
            Some(SecretModeArg::External) => SecretMode::External,
            Some(SecretModeArg::Sealed) => SecretMode::Sealed,
            Some(SecretModeArg::Values) | None => SecretMode::Values,
        },
        name: secret_name,
        out: secret_out,
        apply,
        namespace,
        ecr_refresh: settings.is_set(FieldId::EcrRefresh),
        ecr_service_account: settings
            .text(FieldId::EcrServiceAccount)
            .map(str::to_string),
        keyless: KeylessChoice::of(settings),
        overwrite: overwrite_secret_out,
        sealing: Sealing {
            cert: sealing_cert,
            controller_name,
            controller_namespace,
            // clap allows only the scopes' names.
            scope: sealing_scope.and_then(|s| Scope::from_name(&s).ok()),
        },
    }
}

/// `--password-stdin` at a terminal: the password asked for on it, hidden.
fn password_typed() -> Result<Secret> {
    use phib::wizard::prompt::Prompter;
    let mut p = phib::wizard::terminal::TermPrompter::new();
    p.password("Password or token for `--password-stdin` (typing is not shown)")
        .map_err(|_| Error::interrupted())
}

/// The password: from standard input with `--password-stdin` (one trailing `\n` or
/// `\r\n` removed, as `docker login` does), else from the environment.
fn password(from_stdin: bool, env: Option<OsString>) -> Result<Option<Secret>> {
    use std::io::IsTerminal;
    if from_stdin && std::io::stdin().is_terminal() && phib::out::Stream::Err.is_terminal() {
        // Typed by a person: asked for, and not shown.
        return password_typed().map(Some);
    }
    let bytes = if from_stdin {
        strip_one_newline(phib::files::read::read_stdin(phib::files::Kind::Password)?)
    } else {
        match env {
            Some(value) => value.into_encoded_bytes(),
            None => return Ok(None),
        }
    };
    let text = String::from_utf8(bytes).map_err(|_| {
        Invalid::new(
            "is not valid UTF-8",
            "registry passwords and tokens are text; check what is piped in",
        )
        .for_field(FieldId::Password)
    })?;
    Ok(Some(Secret::new(text)))
}

fn strip_one_newline(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.ends_with(b"\r\n") {
        bytes.truncate(bytes.len() - 2);
    } else if bytes.ends_with(b"\n") {
        bytes.truncate(bytes.len() - 1);
    }
    bytes
}

/// `--check`: write nothing; exit 0 when the values file (and the Secret manifest, in
/// external mode) already is what this command would write, else print the redacted
/// diff, say what differs and exit 1.
fn check_values(planned: &flow::Planned, path: &Path) -> Result<()> {
    let Some((diff, differs)) = flow::check(planned)? else {
        phib::out::note(&format!("`{}` is up to date", path.display()));
        return Ok(());
    };
    if !diff.is_empty() {
        phib::out::print_data(&diff)?;
    }
    Err(Error::failed(differs.join("; "))
        .with_help("run the same command without `--check` to update it"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_trailing_newline_is_stripped() {
        let table: [(&[u8], &[u8]); 6] = [
            (b"pw\n", b"pw"),
            (b"pw\r\n", b"pw"),
            (b"pw\n\n", b"pw\n"),
            (b"pw\r", b"pw\r"),
            (b"pw", b"pw"),
            (b"\n", b""),
        ];
        for (input, want) in table {
            assert_eq!(strip_one_newline(input.to_vec()), want);
        }
    }
}

//! `phib render`: command-line options, standard input and the environment into
//! [`Settings`], then validate, render and write (or print) the block.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::cli::{FieldArgs, RefreshArg, RenderArgs, SecretArgs, SecretModeArg};
use phib::pushsecret::deliver::{self, Choice, Output, Pending};
use phib::pushsecret::keyless::{Flag, KeylessChoice};
use phib::pushsecret::SecretMode;
use phib::registry::keyfile;
use phib::registry::{Code, FieldId, Invalid, Surface, PASSWORD_ENV};
use phib::rotate::rotate_values;
use phib::secret::Secret;
use phib::settings::{refused, Answer, Settings};
use phib::values::read::read_text;
use phib::values::render;
use phib::values::update::Update;
use phib::{Error, Result};

pub fn run(args: RenderArgs) -> Result<()> {
    let RenderArgs {
        registry,
        fields:
            FieldArgs {
                texts,
                keyfile,
                password_stdin,
                switches,
            },
        chart_version,
        accept,
        values,
        stdout,
        check,
        rotate,
        secret,
    } = args;
    let kind = registry;
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
            keyfile::read(std::io::stdin().lock())
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

    let path = values.unwrap_or_else(|| PathBuf::from(super::DEFAULT_VALUES));
    let mut choice = secret_choice(secret);
    // The identity options are fields: checked by their validators above, used by the
    // keyless plan.
    for id in FieldId::ALL.into_iter().filter(|id| id.keyless()) {
        if let (Some(flag), Some(value)) = (Flag::of_field(id), settings.text(id)) {
            choice.keyless.set(flag, value.to_string());
        }
    }
    let keyless = choice.keyless.is_keyless();
    if rotate && keyless {
        return Err(Error::usage(
            "`--rotate` replaces stored credentials, but with `--refresh` or `--from-store` the External Secrets Operator provides them",
        )
        .with_help("remove `--rotate`: generated tokens renew themselves, and a stored credential is rotated in its store"));
    }
    phib::pushsecret::keyless::check_kind(&choice.keyless, kind)?;
    if choice.mode == SecretMode::External && choice.namespace.is_none() {
        choice.namespace = phib::helm::chart_version::helm_namespace();
    }
    let target = phib::helm::chart_version::resolve(
        chart_version.as_deref(),
        settings.text(FieldId::Release),
        choice.namespace.as_deref(),
        phib::helm::chart_version::chart_values((!stdout).then_some(path.as_path()))?,
        choice.mode == SecretMode::External,
        accept,
    )?;
    let mut validated = if keyless {
        settings.validate_keyless(choice.keyless.uses_username(kind))?
    } else if rotate {
        let text = read_text(&path)?;
        let rotation = rotate_values(text.as_deref(), &path, &settings)?;
        if let Some(name) = rotation.external_secret {
            keep_external_secret(&mut choice, &path, name)?;
        }
        rotation.validated
    } else {
        settings.validate()?
    };
    let assumed = validated.fit_chart(&settings, &target, Surface::Flags)?;
    let old = (!stdout)
        .then(|| phib::helm::chart_version::old_block(&path))
        .flatten();
    let choice_namespace = choice.namespace.clone();
    let pending = deliver::prepare(
        choice,
        &settings,
        (!stdout).then_some(path.as_path()),
        &mut validated,
    )?;
    let block = render::render(&validated.custom_image)?;
    if check {
        let manifest_drift = deliver::check(&pending)?;
        return check_values(&path, &block, manifest_drift);
    }
    eprintln!("phib: {assumed}");
    // A Secret applied with kubectl goes first, as in the wizard: when that fails,
    // nothing is written, and no values file names a Secret that does not exist.
    let apply_first = matches!(
        pending,
        Pending::External {
            to: Output::Apply(_),
            ..
        }
    );
    let mut pending = Some(pending);
    if apply_first {
        let done = deliver::finish(pending.take().expect("pending")).map_err(nothing_written)?;
        if let Some(done) = done {
            eprintln!("phib: {done}");
        }
    }
    if stdout {
        super::write_stdout(block.as_bytes())?;
    } else {
        let done = phib::apply::write_values(&path, &block)?;
        for warning in &done.warnings {
            super::warn(&warning.render(Surface::Flags));
        }
        eprintln!("phib: {}", done.sentence);
    }
    for warning in &validated.warnings {
        let warning = match warning.code {
            // Nothing was written to a values file: the warning says where it is.
            Code::PasswordInValues if stdout => &phib::settings::password_in_printed_block(),
            _ => warning,
        };
        super::warn(&warning.render(Surface::Flags));
    }
    let namespace = choice_namespace
        .or_else(phib::helm::chart_version::helm_namespace)
        .unwrap_or_else(|| phib::chart::DEFAULT_NAMESPACE.to_string());
    let switched =
        phib::helm::chart_version::switch_note(old.as_ref(), &validated.custom_image, &namespace);
    if let Some(pending) = pending {
        if let Some(done) = deliver::finish(pending)? {
            eprintln!("phib: {done}");
        }
    }
    if let Some(note) = switched {
        eprintln!("phib: {note}");
    }
    Ok(())
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

/// The `--secret-*` flags as the library's plain [`Choice`]; checking, splitting the
/// block and delivering the Secret are [`deliver`]'s, shared with the wizard.
fn secret_choice(args: SecretArgs) -> Choice {
    let SecretArgs {
        secret_mode,
        secret_name,
        secret_out,
        overwrite_secret_out,
        apply,
        namespace,
        ecr_refresh,
        ecr_service_account,
        keyless,
    } = args;
    let mut keyless_choice = KeylessChoice::default();
    for (flag, value) in keyless.given {
        keyless_choice.set(flag, value);
    }
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
        keyless: keyless_choice,
        overwrite: overwrite_secret_out,
    }
}

/// Rotating a block whose credentials live in a Secret of its own rewrites that
/// Secret: the password must not come back into the values (and the chart's ConfigMap).
fn keep_external_secret(choice: &mut Choice, path: &Path, name: String) -> Result<()> {
    if choice.mode != SecretMode::External {
        return Err(Error::usage(format!(
            "the customImage block in `{}` keeps its credentials in the Secret `{name}`, not in the values; rotating them into the values would put the password back into the controller ConfigMap",
            path.display()
        ))
        .with_help(format!(
            "rotate the Secret: add `--secret-mode external --secret-name {name}` and `--secret-out FILE` or `--apply`"
        )));
    }
    choice.name.get_or_insert(name);
    Ok(())
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
    if from_stdin && std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        // Typed by a person: asked for, and not shown.
        return password_typed().map(Some);
    }
    let bytes = if from_stdin {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(keyfile::MAX_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::usage(format!("cannot read standard input: {e}")))?;
        if bytes.len() > keyfile::MAX_BYTES {
            return Err(
                Error::usage("the password on standard input is larger than 64 KiB")
                    .with_help("pipe only the password or token into `--password-stdin`"),
            );
        }
        strip_one_newline(bytes)
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
fn check_values(path: &Path, block: &str, manifest_drift: Option<String>) -> Result<()> {
    let update = Update::plan(path, block)?;
    if update.is_unchanged() && manifest_drift.is_none() {
        eprintln!("phib: `{}` is up to date", path.display());
        return Ok(());
    }
    let mut differs = Vec::new();
    if !update.is_unchanged() {
        super::write_stdout(update.diff().as_bytes())?;
        differs.push(format!(
            "`{}` differs from what this command would write (secrets redacted in the diff)",
            path.display()
        ));
    }
    differs.extend(manifest_drift);
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

//! `phib render`: command-line options, standard input and the environment into
//! [`Settings`], then validate, render and write (or print) the block.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::secret_mode;
use crate::cli::RenderArgs;
use crate::keyfile;
use crate::pushsecret::deliver::Choice;
use crate::pushsecret::SecretMode;
use crate::registry::{FieldId, Invalid, PASSWORD_ENV};
use crate::rotate::rotate_values;
use crate::secret::Secret;
use crate::settings::{refused, Answer, Settings};
use crate::values::read::read_text;
use crate::values::render;
use crate::values::update::{Applied, Update};
use crate::{Error, Result};

/// The values file written when `--values` is not given.
pub const DEFAULT_VALUES: &str = "values.yaml";

pub fn run(args: RenderArgs) -> Result<()> {
    let RenderArgs {
        registry,
        endpoint,
        username,
        password_stdin,
        keyfile,
        gcr_host,
        location,
        project,
        repository,
        aws_account,
        aws_region,
        acr_name,
        push_repo_prefix,
        push_repo,
        push_secret_name,
        release,
        insecure_skip_verify,
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
    let texts = [
        (FieldId::Endpoint, endpoint),
        (FieldId::Username, username),
        (FieldId::GcrHost, gcr_host),
        (FieldId::Location, location),
        (FieldId::Project, project),
        (FieldId::Repository, repository),
        (FieldId::AwsAccount, aws_account),
        (FieldId::AwsRegion, aws_region),
        (FieldId::AcrName, acr_name),
        (FieldId::PushRepoPrefix, push_repo_prefix),
        (FieldId::PushRepo, push_repo),
        (FieldId::PushSecretName, push_secret_name),
        (FieldId::Release, release),
    ];
    for (id, value) in texts {
        if let Some(value) = value {
            settings
                .set(id, Answer::Text(value))
                .map_err(|e| e.for_field(id))?;
        }
    }
    if insecure_skip_verify {
        let id = FieldId::InsecureSkipVerify;
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

    let path = values.unwrap_or_else(|| PathBuf::from(DEFAULT_VALUES));
    let mut choice = secret_mode::choice(secret);
    if choice.mode == SecretMode::External && choice.namespace.is_none() {
        choice.namespace = super::chart_version::helm_namespace();
    }
    let target = super::chart_version::resolve(
        chart_version.as_deref(),
        settings.release.as_deref(),
        choice.namespace.as_deref(),
        super::chart_version::chart_values((!stdout).then_some(path.as_path()))?,
        choice.mode == SecretMode::External,
        accept,
    )?;
    let mut validated = if rotate {
        let text = read_text(&path)?;
        let rotation = rotate_values(text.as_deref(), &path, &settings)?;
        if let Some(name) = rotation.external_secret {
            keep_external_secret(&mut choice, &path, name)?;
        }
        rotation.validated
    } else {
        settings.validate()?
    };
    let assumed = validated.fit_chart(&settings, &target)?;
    let old = (!stdout)
        .then(|| super::chart_version::old_block(&path))
        .flatten();
    let choice_namespace = choice.namespace.clone();
    let pending = secret_mode::prepare(
        choice,
        &settings,
        (!stdout).then_some(path.as_path()),
        &mut validated,
    )?;
    let block = render::render(&validated.custom_image)?;
    if check {
        let manifest_drift = secret_mode::check(&pending)?;
        return check_values(&path, &block, manifest_drift);
    }
    eprintln!("phib: {assumed}");
    if stdout {
        super::write_stdout(block.as_bytes())?;
    } else {
        let done = write_values(&path, &block)?;
        eprintln!("phib: {done}");
    }
    for warning in &validated.warnings {
        super::warn(warning);
    }
    let namespace = choice_namespace
        .or_else(super::chart_version::helm_namespace)
        .unwrap_or_else(|| crate::helm::plan::DEFAULT_NAMESPACE.to_string());
    let switched =
        super::chart_version::switch_note(old.as_ref(), &validated.custom_image, &namespace);
    if let Some(done) = secret_mode::finish(pending)? {
        eprintln!("phib: {done}");
    }
    if let Some(note) = switched {
        eprintln!("phib: {note}");
    }
    Ok(())
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

/// The password: from standard input with `--password-stdin` (one trailing `\n` or
/// `\r\n` removed, as `docker login` does), else from the environment.
fn password(from_stdin: bool, env: Option<OsString>) -> Result<Option<Secret>> {
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

/// Writes the block into the values file: a new file, or only the `customImage` block
/// of an existing one (the rest of the file stays byte for byte). Returns what was done,
/// as a sentence for the caller to show.
pub(super) fn write_values(path: &Path, block: &str) -> Result<String> {
    let update = Update::plan(path, block)?;
    let shown = path.display();
    Ok(match update.apply()? {
        Applied::Unchanged => {
            format!("`{shown}` already holds this customImage block; nothing to write")
        }
        Applied::Created(_) => format!("wrote the customImage block to `{shown}` (mode 0600)"),
        Applied::Updated(written) => {
            if written.was_too_open {
                super::warn(&format!(
                    "`{shown}` was readable by other users; it holds a secret, so it is now mode 0600"
                ));
            }
            let backup = written
                .backup
                .map(|b| format!("; the previous content is in `{}`", b.display()))
                .unwrap_or_default();
            format!("updated the customImage block in `{shown}` (mode 0600){backup}")
        }
    })
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

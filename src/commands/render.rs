//! `phib render`: command-line options, standard input and the environment into
//! [`Settings`], then validate, render and write (or print) the block.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::cli::RenderArgs;
use crate::keyfile;
use crate::registry::FieldId;
use crate::secret::Secret;
use crate::settings::{refused, Answer, Settings};
use crate::values::{render, write};
use crate::{Error, Result};

/// The environment variable that may hold the password or token.
pub const PASSWORD_ENV: &str = "PHIB_REGISTRY_PASSWORD";

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
        values,
        stdout,
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
            let source = if password_stdin {
                "`--password-stdin`".to_string()
            } else {
                format!("`{PASSWORD_ENV}` is set, but it")
            };
            let invalid = refused(kind);
            return Err(
                Error::usage(format!("{source} {}", invalid.reason)).with_help(if password_stdin {
                    invalid.help
                } else {
                    format!(
                        "unset `{PASSWORD_ENV}`; {}",
                        invalid.help.trim_start_matches("remove it; ")
                    )
                }),
            );
        }
        settings
            .set(id, Answer::Secret(password))
            .map_err(|e| e.for_field(id))?;
    }

    let validated = settings.validate()?;
    let block = render::render(&validated.custom_image)?;
    if stdout {
        super::write_stdout(block.as_bytes())?;
    } else {
        let path = values.unwrap_or_else(|| PathBuf::from(DEFAULT_VALUES));
        write_values(&path, &block)?;
        eprintln!(
            "phib: wrote the customImage block to `{}` (mode 0600)",
            path.display()
        );
    }
    for warning in &validated.warnings {
        super::warn(warning);
    }
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
        Error::usage(
            "the password (`--password-stdin` or `PHIB_REGISTRY_PASSWORD`) is not valid UTF-8",
        )
        .with_help("registry passwords and tokens are text; check what is piped in")
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

/// Writes the block to the values file. Only new files for now: an existing file is
/// refused (exit 2, untouched) until phib can replace just its `customImage` block.
pub(super) fn write_values(path: &Path, block: &str) -> Result<()> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(Error::usage(format!(
            "`{}` already exists; phib does not edit existing values files yet (that comes with merge support), so it was left untouched",
            path.display()
        ))
        .with_help("write a new file with `--values NEW.yaml`, or print the block with `--stdout` and paste it"));
    }
    write::write_secret_file(path, block.as_bytes(), false)?;
    Ok(())
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

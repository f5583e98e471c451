//! The Secret's manifest file (`--secret-out`): checked when its name is given (a
//! regular file or none, not the values file nor its backup, replaceable), checked
//! again before the first write and when written; and `--check` against it.

use std::path::{Path, PathBuf};

use super::{Manifests, Output, Pending, SealedPush};
use crate::files::read::Kind as FileKind;
use crate::files::write::{self, Options, Seen};
use crate::secret::Secret;
use crate::{Error, Result};

/// The manifest file (`--secret-out`), as checked when its name was given: the write
/// checks again that it still is what it was.
#[derive(Debug, Clone)]
pub struct OutFile {
    pub path: PathBuf,
    seen: Seen,
    /// The values file, which the manifest must never be (nor its backup).
    values: Option<PathBuf>,
    /// `--overwrite-secret-out`.
    overwrite: bool,
}

/// The manifest file must be a regular file (or not exist yet), must not be the values
/// file or its backup however it is spelled (`./values.yaml`, a symlink to it: files
/// are compared by identity), and may replace an existing file only when that file is
/// a manifest phib wrote, or when `overwrite` (`--overwrite-secret-out`) says so. The
/// same is checked again when it is written.
pub fn check_secret_out(
    path: &Path,
    values_path: Option<&Path>,
    overwrite: bool,
) -> Result<OutFile> {
    write::check_folder(path, "--secret-out")?;
    let seen = Seen::read(path, FileKind::SecretManifest)?;
    let out = OutFile {
        path: path.to_path_buf(),
        seen,
        values: values_path.map(Path::to_path_buf),
        overwrite,
    };
    out.not_the_values_file()?;
    out.replaceable(out.seen.bytes())?;
    write::check_writable(&out.seen, "--secret-out")?;
    Ok(out)
}

impl OutFile {
    fn not_the_values_file(&self) -> Result<()> {
        let Some(values) = &self.values else {
            return Ok(());
        };
        let out = write::resolve_target(&self.path)?;
        let values = write::resolve_target(values)?;
        let bak = write::backup_name(&values);
        for (other, what) in [
            (values.as_path(), "also the values file"),
            (bak.as_path(), "the values file's backup"),
        ] {
            if write::same_file(&out, other) {
                return Err(Error::usage(format!(
                    "`--secret-out` `{}` is {what} (`{}`)",
                    self.path.display(),
                    other.display()
                ))
                .with_help(
                    "keep the Secret manifest in a file of its own, e.g. `push-secret.yaml`",
                ));
            }
        }
        Ok(())
    }

    /// What the file holds may be replaced: nothing, a manifest phib wrote, or
    /// anything with `--overwrite-secret-out`.
    fn replaceable(&self, now: Option<&[u8]>) -> Result<()> {
        match now {
            None => Ok(()),
            _ if self.overwrite => Ok(()),
            Some(bytes) if crate::pushsecret::is_own_manifest(&String::from_utf8_lossy(bytes)) => Ok(()),
            Some(_) => Err(Error::usage(format!(
                "`--secret-out` `{}` exists and is not a Secret manifest phib wrote; phib does not replace it",
                self.path.display()
            ))
            .with_help("name a new file, or add `--overwrite-secret-out` to replace this one")),
        }
    }

    /// Writes `text` here, once the checks made when the name was given still hold.
    pub(super) fn write(&self, text: &Secret) -> Result<()> {
        self.not_the_values_file()?;
        let opts = Options {
            option: "--secret-out",
            backup: false,
        };
        write::write(&self.seen, opts, |now| {
            self.replaceable(now)?;
            Ok(text.expose().as_bytes().to_vec())
        })?;
        Ok(())
    }
}

/// Checks again, just before the first write, that the Secret manifest can be written
/// where it was asked for (time may have passed since: the wizard's questions): the
/// name still names the file it did, that file is not the values file, may be
/// replaced, and its folder takes new files.
pub fn check_outputs(pending: &Pending) -> Result<()> {
    if let Pending::External {
        to: Output::File(f),
        ..
    } = pending
    {
        write::still_there(&f.seen, "--secret-out")?;
        f.not_the_values_file()?;
        if let Some(now) = write::changed_in_place(&f.seen)? {
            f.replaceable(Some(&now))?;
        }
        write::check_writable(&f.seen, "--secret-out")?;
    }
    Ok(())
}

/// `--check` for the manifest: `None` when the file already holds what would be
/// written, else what differs, in words (never the content: it is the secret).
pub fn check(pending: &Pending) -> Result<Option<String>> {
    let (manifests, to) = match pending {
        Pending::Values => return Ok(None),
        Pending::External { manifests, to } => (manifests, to),
    };
    let path = match to {
        Output::File(f) => &f.path,
        Output::Apply => {
            return Err(Error::usage(
                "`--check` cannot compare a Secret in the cluster; it compares files",
            )
            .with_help("use `--secret-out FILE` with `--check` to compare the manifest file"))
        }
    };
    let want = match manifests {
        Manifests::Static(s) => s.manifest(),
        Manifests::Keyless(p) => Secret::holding(p.manifests.text()),
        Manifests::Sealed(p) => return check_sealed(p, path),
    };
    Ok(match crate::files::read::read(path, FileKind::SecretManifest)? {
        Some(have) if have.bytes == want.expose().as_bytes() => None,
        Some(_) => Some(format!(
            "`{}` holds another Secret than this command would write (content not shown: it is the secret)",
            path.display()
        )),
        None => Some(format!("`{}` does not exist yet", path.display())),
    })
}

/// `--check` for a SealedSecret: sealing is randomised, and only the controller can open
/// it, so the sealed value cannot be compared; everything else (name, namespace, scope,
/// labels, the Secret's type, which keys are sealed) is.
fn check_sealed(p: &SealedPush, path: &Path) -> Result<Option<String>> {
    let Some(have) = crate::files::read::read(path, FileKind::SecretManifest)? else {
        return Ok(Some(format!("`{}` does not exist yet", path.display())));
    };
    let masked = |bytes: &[u8]| -> Option<serde_json::Value> {
        let mut doc: serde_json::Value = serde_yaml::from_slice(bytes).ok()?;
        if let Some(data) = doc
            .pointer_mut("/spec/encryptedData")
            .and_then(serde_json::Value::as_object_mut)
        {
            for value in data.values_mut() {
                *value = serde_json::Value::Null;
            }
        }
        Some(doc)
    };
    let want = masked(p.manifest.as_bytes());
    if want.is_some() && masked(&have.bytes) == want {
        return Ok(None);
    }
    Ok(Some(format!(
        "`{}` holds another SealedSecret than this command would write (its name, namespace, scope or Secret type differ)",
        path.display()
    )))
}

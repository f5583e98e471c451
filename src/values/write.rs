//! Writing files that hold secrets: atomically (temp file in the same folder, fsync,
//! rename) and with mode 0600, so a crash leaves either the old file or the new one and
//! never a half-written or world-readable secret.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// What a write found and did, for the caller to report.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Written {
    /// The file actually written (the target of a symlink, if `path` was one).
    pub target: PathBuf,
    /// The backup of the previous content, if there was a previous file.
    pub backup: Option<PathBuf>,
    /// The previous file was readable or writable by group or others.
    pub was_too_open: bool,
}

/// Whether `path` lies in a git working tree that does not ignore it (or tracks it): a
/// secret written there is one `git add` away from a commit. No git, or no working tree,
/// is "no". Only the path goes to git.
pub fn exposed_to_git(path: &Path) -> bool {
    let (Ok(git), Some(name)) = (which::which("git"), path.file_name()) else {
        return false;
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::process::Command::new(git)
        .arg("-C")
        .arg(dir)
        .args(["check-ignore", "-q", "--"])
        .arg(name)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|st| st.code() == Some(1))
}

/// Refuses (exit 2, before anything is written) a file whose folder does not exist.
pub fn check_folder(path: &Path, option: &str) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => return Ok(()),
    };
    if dir.is_dir() {
        return Ok(());
    }
    Err(Error::usage(format!(
        "the folder `{}` of `{option}` `{}` does not exist",
        dir.display(),
        path.display()
    ))
    .with_help("create the folder first, or name a file in an existing folder"))
}

/// Follows symlinks to the file they name, so that writing replaces the target and
/// keeps the link.
fn resolve_target(path: &Path) -> Result<PathBuf> {
    let mut target = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&target) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&target).map_err(|e| Error::io(&target, e))?;
                target = match target.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(target),
        }
    }
    Err(Error::usage(format!(
        "`{}`: too many levels of symbolic links",
        path.display()
    )))
}

/// Writes `contents` to `path` atomically with mode 0600. When the file exists and
/// `backup` is set, its previous content is kept as `FILE.bak` (also 0600).
pub fn write_secret_file(path: &Path, contents: &[u8], backup: bool) -> Result<Written> {
    let target = resolve_target(path)?;
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut written = Written {
        target: target.clone(),
        ..Written::default()
    };

    let old = match fs::metadata(&target) {
        Ok(meta) if meta.is_dir() => {
            return Err(
                Error::usage(format!("`{}` is a directory", target.display()))
                    .with_help("name a values file, for example `--values values.yaml`"),
            )
        }
        Ok(meta) => {
            written.was_too_open = meta.permissions().mode() & 0o077 != 0;
            Some(fs::read(&target).map_err(|e| Error::io(&target, e))?)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(&target, e)),
    };

    if let (true, Some(old)) = (backup, old) {
        let mut bak = target.clone().into_os_string();
        bak.push(".bak");
        let bak = PathBuf::from(bak);
        replace_file(&dir, &bak, &old)?;
        written.backup = Some(bak);
    }
    replace_file(&dir, &target, contents)?;
    Ok(written)
}

/// The atomic step: temp file (0600) in `dir`, write, fsync, rename over `target`,
/// fsync the folder. The temp file is removed on every error path.
fn replace_file(dir: &Path, target: &Path, contents: &[u8]) -> Result<()> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".phib-")
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(|e| {
            let reason = format!("cannot create a temporary file next to it ({})", e.kind());
            Error::io(target, std::io::Error::new(e.kind(), reason))
        })?;
    tmp.write_all(contents)
        .map_err(|e| Error::io(tmp.path(), e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io(tmp.path(), e))?;
    test_pause_point();
    tmp.persist(target)
        .map_err(|e| Error::io(target, e.error))?;
    // The rename is durable only once the folder itself is synced.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Lets the crash test kill phib between writing the temp file and the rename. Only in
/// debug builds; release builds have no such hook.
fn test_pause_point() {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var_os("PHIB_TEST_PAUSE_BEFORE_RENAME_MS") {
        if let Some(ms) = ms.to_str().and_then(|s| s.parse::<u64>().ok()) {
            eprintln!("phib: test pause before rename");
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_file_is_0600_and_no_temp_left() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("values.yaml");
        let w = write_secret_file(&p, b"a: 1\n", true).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"a: 1\n");
        assert_eq!(mode(&p), 0o600);
        assert_eq!(w.backup, None);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn existing_file_gets_backup_and_open_mode_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("values.yaml");
        fs::write(&p, b"old\n").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        let w = write_secret_file(&p, b"new\n", true).unwrap();
        assert!(w.was_too_open);
        let bak = dir.path().join("values.yaml.bak");
        assert_eq!(w.backup.as_deref(), Some(bak.as_path()));
        assert_eq!(fs::read(&bak).unwrap(), b"old\n");
        assert_eq!(mode(&bak), 0o600);
        assert_eq!(mode(&p), 0o600);
    }

    #[test]
    fn symlink_is_kept_and_its_target_written() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.yaml");
        fs::write(&real, b"old\n").unwrap();
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink("real.yaml", &link).unwrap();
        write_secret_file(&link, b"new\n", false).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&real).unwrap(), b"new\n");
    }

    #[test]
    fn directory_is_refused_as_usage() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_secret_file(dir.path(), b"x", true).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}

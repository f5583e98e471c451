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

/// Refuses (exit 2, before anything is read or written) a path phib cannot write a
/// file at: one ending in `/`, one whose folder does not exist (the folder of the file
/// a symlink names, too), and anything that exists and is not a regular file (a
/// directory, a device such as `/dev/null`, a FIFO, a socket): writing would replace
/// it with a regular file holding the password, and reading one may never end.
pub fn check_folder(path: &Path, option: &str) -> Result<()> {
    if path.as_os_str().as_encoded_bytes().ends_with(b"/") {
        return Err(Error::usage(format!(
            "`{option}` `{}` ends with `/`: that names a folder, not a file",
            path.display()
        ))
        .with_help("name the file without the trailing `/`, e.g. `values.yaml`"));
    }
    let missing_folder = |dir: &Path, via: Option<&Path>| {
        let via = via
            .map(|t| format!(" (it is a symbolic link to `{}`)", t.display()))
            .unwrap_or_default();
        Err(Error::usage(format!(
            "the folder `{}` of `{option}` `{}`{via} does not exist",
            dir.display(),
            path.display()
        ))
        .with_help("create the folder first, or name a file in an existing folder"))
    };
    let folder_of = |p: &Path| match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => Some(d.to_path_buf()),
        _ => None,
    };
    if let Some(dir) = folder_of(path) {
        if !dir.is_dir() {
            return missing_folder(&dir, None);
        }
    }
    let target = resolve_target(path)?;
    if target != path {
        if let Some(dir) = folder_of(&target) {
            if !dir.is_dir() {
                return missing_folder(&dir, Some(&target));
            }
        }
    }
    check_regular(path, &target, option)
}

/// Refuses what exists at `target` (what `given` names, through symlinks) and is not a
/// regular file.
fn check_regular(given: &Path, target: &Path, option: &str) -> Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let meta = match fs::symlink_metadata(target) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::input_io(target, e)),
    };
    let t = meta.file_type();
    let what = if t.is_file() {
        return Ok(());
    } else if t.is_dir() {
        "a directory"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_fifo() {
        "a named pipe (FIFO)"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    let via = if given == target {
        String::new()
    } else {
        format!(" (through a symbolic link to `{}`)", target.display())
    };
    Err(Error::usage(format!(
        "`{option}` `{}`{via} is {what}, not a regular file; phib neither reads nor replaces it",
        given.display()
    ))
    .with_help("name a regular file, e.g. `values.yaml`"))
}

/// Whether `a` and `b` name the same file, however spelled: the same device and inode
/// when both exist, else the same absolute path once their folders are resolved.
pub fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        (Err(_), Err(_)) => absolute(a).is_some() && absolute(a) == absolute(b),
        _ => false,
    }
}

/// `path` with its folder canonicalised (the file itself may not exist).
fn absolute(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Some(fs::canonicalize(dir).ok()?.join(name))
}

/// What a replaced file had that its replacement keeps: owner, group and the owner's
/// permission bits (group and others get none: the file holds a secret).
#[derive(Debug, Clone, Copy)]
struct Keep {
    uid: u32,
    gid: u32,
    mode: u32,
}

impl Keep {
    fn of(meta: &fs::Metadata) -> Keep {
        use std::os::unix::fs::MetadataExt;
        Keep {
            uid: meta.uid(),
            gid: meta.gid(),
            mode: (meta.mode() & 0o700) | 0o600,
        }
    }
}

/// Follows symlinks to the file they name, so that writing replaces the target and
/// keeps the link.
pub fn resolve_target(path: &Path) -> Result<PathBuf> {
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

    check_regular(path, &target, "the file")?;
    let (old, keep) = match fs::metadata(&target) {
        Ok(meta) => {
            written.was_too_open = meta.permissions().mode() & 0o077 != 0;
            let keep = Keep::of(&meta);
            (
                Some(fs::read(&target).map_err(|e| Error::io(&target, e))?),
                Some(keep),
            )
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (None, None),
        Err(e) => return Err(Error::io(&target, e)),
    };

    if let (true, Some(old)) = (backup, old) {
        let mut bak = target.clone().into_os_string();
        bak.push(".bak");
        let bak = PathBuf::from(bak);
        check_regular(&bak, &bak, "the backup")?;
        replace_file(&dir, &bak, &old, keep)?;
        written.backup = Some(bak);
    }
    replace_file(&dir, &target, contents, keep)?;
    Ok(written)
}

/// The atomic step: temp file (0600) in `dir`, write, fsync, rename over `target`,
/// fsync the folder. The temp file is removed on every error path. Its mode is set
/// explicitly (the umask must not make it 0000 or wider), and the owner and group of
/// the file it replaces are kept (`keep`), so that root editing a user's file leaves
/// it that user's.
fn replace_file(dir: &Path, target: &Path, contents: &[u8], keep: Option<Keep>) -> Result<()> {
    // What a phib killed by SIGKILL left here, and this run's file named to be found.
    crate::cleanup::sweep(dir, ".phib-", ".tmp");
    let _tracked = crate::cleanup::track_dir(dir, ".phib-", ".tmp");
    // Ctrl-C while the temp file exists is only noted: the write stops before the
    // rename, and the temp file is removed like on any error.
    let ctrl_c = crate::interrupt::Note::install();
    let prefix = crate::cleanup::temp_prefix(".phib-");
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(|e| {
            let reason = format!("cannot create a temporary file next to it ({})", e.kind());
            Error::io(target, std::io::Error::new(e.kind(), reason))
        })?;
    let mode = keep.map_or(0o600, |k| k.mode);
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))
        .map_err(|e| Error::io(tmp.path(), e))?;
    if let Some(k) = keep {
        use std::os::unix::fs::MetadataExt;
        let meta = tmp
            .as_file()
            .metadata()
            .map_err(|e| Error::io(tmp.path(), e))?;
        if meta.uid() != k.uid || meta.gid() != k.gid {
            // Only root may give a file away; anyone else keeps what they may.
            let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(k.uid), Some(k.gid))
                .or_else(|_| std::os::unix::fs::fchown(tmp.as_file(), None, Some(k.gid)));
        }
    }
    tmp.write_all(contents)
        .map_err(|e| Error::io(tmp.path(), e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io(tmp.path(), e))?;
    test_pause_point();
    if ctrl_c
        .as_ref()
        .is_some_and(crate::interrupt::Note::interrupted)
    {
        return Err(Error {
            kind: crate::error::Kind::Interrupted,
            message: format!("interrupted; `{}` was not changed", target.display()),
            help: None,
        });
    }
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

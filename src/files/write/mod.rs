//! Files out: the one writer of every file phib writes (the values file, its `.bak`,
//! Secret and External Secrets manifests). A write is atomic (a temporary file in the
//! same folder, fsync, rename) with mode 0600, so a crash leaves the old file or the new
//! one, never a half-written or world-readable secret; and it is checked again at the
//! moment of writing against what phib saw when it read the file or checked its name
//! ([`Seen`]): the same file (device and inode), the same bytes, no symbolic link that
//! appeared or changed since. Content that changed in place is handed back to the
//! caller, which decides whether its change still applies (the values file: only when
//! the `customImage` block is as it was).

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

mod seen;

use seen::check_regular;
pub use seen::{
    changed_in_place, check_folder, check_writable, resolve_target, same_file, still_there, Seen,
};

/// What a write found and did, for the caller to report.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Written {
    /// The file actually written (the target of a symlink, if the name was one).
    pub target: PathBuf,
    /// The backup of the previous content, if there was a previous file.
    pub backup: Option<PathBuf>,
    /// The previous file was readable or writable by group or others.
    pub was_too_open: bool,
}

/// What to write, and what to keep: `option` names the file in messages (`--values`),
/// `backup` keeps the previous content as `FILE.bak`.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    pub option: &'a str,
    pub backup: bool,
}

/// How many times a file that keeps changing in place is merged again before phib
/// gives up.
const ATTEMPTS: usize = 3;

/// Writes the file `seen` describes, atomically, 0600. `contents` makes the new bytes
/// from the file's current bytes (`None`: it does not exist): first from what was seen;
/// when the file changed in place before the rename, again from what it holds now
/// (returning an error stops the write, nothing written). A file that was replaced, that
/// appeared or vanished, or whose name became or stopped being a symbolic link is never
/// written: exit 2, with what changed.
pub fn write(
    seen: &Seen,
    opts: Options,
    mut contents: impl FnMut(Option<&[u8]>) -> Result<Vec<u8>>,
) -> Result<Written> {
    let mut seen = seen.clone();
    let mut new = contents(seen.bytes())?;
    for _ in 0..ATTEMPTS {
        still_there(&seen, opts.option)?;
        match try_write(&seen, &new, opts)? {
            Attempt::Done(written) => return Ok(written),
            Attempt::Changed(now) => {
                new = contents(Some(&now))?;
                seen = seen.with_bytes(now);
            }
        }
    }
    Err(Error::usage(format!(
        "`{}` kept changing while phib wrote it; it is unchanged",
        seen.path.display()
    ))
    .with_help("stop the other program that writes it, then run phib again"))
}

enum Attempt {
    Done(Written),
    /// The file changed in place: what it holds now.
    Changed(Vec<u8>),
}

fn try_write(seen: &Seen, contents: &[u8], opts: Options) -> Result<Attempt> {
    let target = &seen.target;
    let dir = folder(target);
    let (keep, was_too_open) = match fs::metadata(target) {
        Ok(meta) => (
            Some(Keep::of(&meta)),
            meta.permissions().mode() & 0o077 != 0,
        ),
        Err(_) => (None, false),
    };
    let unchanged = |e: std::io::Error| write_failed(&seen.path, e);
    // What a phib killed by SIGKILL left here, and this run's files named to be found.
    crate::cleanup::sweep(&dir, ".phib-", ".tmp");
    let _tracked = crate::cleanup::track_dir(&dir, ".phib-", ".tmp");
    // Ctrl-C while a temporary file exists is only noted: the write stops before the
    // rename, and the temporary files are removed like on any error.
    let ctrl_c = crate::interrupt::Note::install();
    let new = temp_file(&dir, contents, keep).map_err(unchanged)?;
    let backup = match (opts.backup, seen.bytes()) {
        (true, Some(old)) => Some(temp_file(&dir, old, keep).map_err(unchanged)?),
        _ => None,
    };
    test_pause_point();
    if ctrl_c
        .as_ref()
        .is_some_and(crate::interrupt::Note::interrupted)
    {
        return Err(Error {
            kind: crate::error::Kind::Interrupted,
            message: format!("interrupted; `{}` was not changed", seen.path.display()),
            help: None,
        });
    }
    // Checked just before the rename: what another program did until now is seen.
    still_there(seen, opts.option)?;
    if backup.is_some() {
        check_backup(target, &seen.path)?;
    }
    if let Some(now) = changed_in_place(seen)? {
        return Ok(Attempt::Changed(now));
    }
    new.persist(target).map_err(|e| unchanged(e.error))?;
    // The previous `.bak` is replaced only once the new file is in place.
    let backup = match backup {
        Some(tmp) => {
            let bak = backup_name(target);
            tmp.persist(&bak).map_err(|e| {
                Error::failed(format!(
                    "`{}` was written, but its backup `{}` was not: {}",
                    seen.path.display(),
                    bak.display(),
                    e.error
                ))
            })?;
            Some(bak)
        }
        None => None,
    };
    // The renames are durable only once the folder itself is synced.
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(Attempt::Done(Written {
        target: target.clone(),
        backup,
        was_too_open,
    }))
}

/// Refuses (exit 2, nothing written) a `FILE.bak` that phib would replace but that is
/// no regular file: a folder, a device, a symbolic link (whose file the backup would
/// land in).
pub fn check_backup(target: &Path, shown: &Path) -> Result<()> {
    let bak = backup_name(target);
    let Some(what) = seen::not_regular(&bak)? else {
        return Ok(());
    };
    Err(Error::usage(format!(
        "`{}`, where phib keeps the old `{}`, is {what}; phib does not replace it, and nothing was written",
        bak.display(),
        shown.display()
    ))
    .with_help(format!(
        "move `{}` away, then run phib again",
        bak.display()
    )))
}

/// `FILE.bak` beside `target`.
pub fn backup_name(target: &Path) -> PathBuf {
    let mut bak = target.as_os_str().to_owned();
    bak.push(".bak");
    PathBuf::from(bak)
}

fn folder(target: &Path) -> PathBuf {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A write failed: the message names the user's file and says it is unchanged (the
/// temporary file, removed already, is no news to the user).
fn write_failed(path: &Path, err: std::io::Error) -> Error {
    Error::failed(format!(
        "cannot write `{}`: {}; it is unchanged",
        path.display(),
        io_reason(&err)
    ))
    .with_help(match err.kind() {
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
            "free some space on its disk, then run phib again"
        }
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            "write where you may (`--values PATH`), or fix the folder's permissions"
        }
        _ => "fix the cause, then run phib again",
    })
}

/// The reason of an I/O error without a path in it: the temporary file's name is no
/// news to the user (tempfile's errors carry it).
fn io_reason(err: &std::io::Error) -> String {
    if let Some(code) = err.raw_os_error() {
        return std::io::Error::from_raw_os_error(code).to_string();
    }
    let inner = err
        .get_ref()
        .and_then(|e| e.source())
        .and_then(|e| e.downcast_ref::<std::io::Error>());
    match inner {
        Some(inner) => io_reason(inner),
        None => std::io::Error::from(err.kind()).to_string(),
    }
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

/// A temporary file (mode 0600, or the kept owner's bits) in `dir` holding `contents`,
/// synced; removed when dropped unless persisted. Its mode is set explicitly (the umask
/// must not make it 0000 or wider), and the owner and group of the file it replaces are
/// kept (`keep`), so that root editing a user's file leaves it that user's.
fn temp_file(
    dir: &Path,
    contents: &[u8],
    keep: Option<Keep>,
) -> std::io::Result<tempfile::NamedTempFile> {
    let prefix = crate::cleanup::temp_prefix(".phib-");
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)?;
    let mode = keep.map_or(0o600, |k| k.mode);
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))?;
    if let Some(k) = keep {
        use std::os::unix::fs::MetadataExt;
        let meta = tmp.as_file().metadata()?;
        if meta.uid() != k.uid || meta.gid() != k.gid {
            // Only root may give a file away; anyone else keeps what they may.
            let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(k.uid), Some(k.gid))
                .or_else(|_| std::os::unix::fs::fchown(tmp.as_file(), None, Some(k.gid)));
        }
    }
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    Ok(tmp)
}

/// Writes a file that holds no secret (a man page) into `dir`, which is created when
/// missing: atomically, mode 0644.
pub fn plain(dir: &Path, name: &str, contents: &[u8]) -> Result<PathBuf> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = dir.join(name);
    check_regular(&path, &path, "the file")?;
    let tmp = temp_file(dir, contents, None).map_err(|e| write_failed(&path, e))?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(0o644))
        .map_err(|e| write_failed(&path, e))?;
    tmp.persist(&path)
        .map_err(|e| write_failed(&path, e.error))?;
    Ok(path)
}

/// Writes `contents` to a new temporary file in the system's temporary folder (mode
/// 0600), for a child process to read (helm's `-f`); removed when the returned path
/// is dropped, and on every fatal signal.
pub fn temp_for_child(stem: &str, suffix: &str, contents: &[u8]) -> Result<tempfile::TempPath> {
    let dir = std::env::temp_dir();
    crate::cleanup::sweep(&dir, stem, suffix);
    // Tracked from before its creation; once created, the path itself is tracked.
    let _tracked = crate::cleanup::track_dir(&dir, stem, suffix);
    let prefix = crate::cleanup::temp_prefix(stem);
    let mut file = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(suffix)
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(&dir)
        .map_err(|e| Error::io(&dir, e))?;
    // Explicitly: the umask applies to the mode asked for at creation.
    file.as_file()
        .set_permissions(fs::Permissions::from_mode(0o600))
        .map_err(|e| Error::io(file.path(), e))?;
    file.write_all(contents)
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| Error::io(file.path(), e))?;
    Ok(file.into_temp_path())
}

/// Lets the crash tests stop phib between writing the temporary file and the rename.
fn test_pause_point() {
    test_pause(
        "PHIB_TEST_PAUSE_BEFORE_RENAME_MS",
        "test pause before rename",
    );
}

/// A pause the tests ask for with `env` (milliseconds), announced with `said` so that
/// they know when to act. Only in debug builds; release builds have no such hook.
pub fn test_pause(env: &str, said: &str) {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var_os(env) {
        if let Some(ms) = ms.to_str().and_then(|s| s.parse::<u64>().ok()) {
            crate::out::note(said);
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = (env, said);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::read::Kind;

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    fn write_new(path: &Path, contents: &[u8], backup: bool) -> Result<Written> {
        let seen = Seen::read(path, Kind::Values)?;
        let opts = Options {
            option: "--values",
            backup,
        };
        write(&seen, opts, |_| Ok(contents.to_vec()))
    }

    #[test]
    fn new_file_is_0600_and_no_temp_left() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("values.yaml");
        let w = write_new(&p, b"a: 1\n", true).unwrap();
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
        let w = write_new(&p, b"new\n", true).unwrap();
        assert!(w.was_too_open);
        let bak = dir.path().join("values.yaml.bak");
        assert_eq!(w.backup.as_deref(), Some(bak.as_path()));
        assert_eq!(fs::read(&bak).unwrap(), b"old\n");
        assert_eq!(mode(&bak), 0o600);
        assert_eq!(mode(&p), 0o600);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn symlink_is_kept_and_its_target_written() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.yaml");
        fs::write(&real, b"old\n").unwrap();
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink("real.yaml", &link).unwrap();
        write_new(&link, b"new\n", false).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&real).unwrap(), b"new\n");
    }

    #[test]
    fn directory_is_refused_as_usage() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_new(dir.path(), b"x", true).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn what_changed_since_the_read_is_never_overwritten_blindly() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("values.yaml");
        let opts = Options {
            option: "--values",
            backup: true,
        };
        let other = dir.path().join("other.yaml");
        fs::write(&other, b"theirs\n").unwrap();
        type Change = fn(&Path, &Path);
        let cases: [(&str, Change, &str); 4] = [
            ("created", |_, _| {}, "was created by another program"),
            (
                "replaced",
                |p, _| {
                    fs::remove_file(p).unwrap();
                    fs::write(p, b"new inode\n").unwrap();
                },
                "was replaced by another file",
            ),
            (
                "symlink",
                |p, other| {
                    fs::remove_file(p).unwrap();
                    std::os::unix::fs::symlink(other, p).unwrap();
                },
                "became a symbolic link",
            ),
            ("removed", |p, _| fs::remove_file(p).unwrap(), "was removed"),
        ];
        for (name, change, says) in cases {
            let _ = fs::remove_file(&p);
            let seen = if name == "created" {
                let seen = Seen::read(&p, Kind::Values).unwrap();
                fs::write(&p, b"someone else's\n").unwrap();
                seen
            } else {
                fs::write(&p, b"mine\n").unwrap();
                let seen = Seen::read(&p, Kind::Values).unwrap();
                change(&p, &other);
                seen
            };
            let before = fs::read(&p).ok();
            let err = write(&seen, opts, |_| Ok(b"phib's\n".to_vec())).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{name}: {}", err.message);
            assert!(err.message.contains(says), "{name}: {}", err.message);
            assert_eq!(fs::read(&p).ok(), before, "{name}");
            assert_eq!(fs::read(&other).unwrap(), b"theirs\n", "{name}");
        }
    }

    #[test]
    fn a_change_in_place_is_handed_back_to_merge_again() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("values.yaml");
        fs::write(&p, b"a: 1\n").unwrap();
        let seen = Seen::read(&p, Kind::Values).unwrap();
        // Another program edits the file in place (same inode) after the read.
        fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"b: 2\n")
            .unwrap();
        let opts = Options {
            option: "--values",
            backup: true,
        };
        let mut calls = Vec::new();
        write(&seen, opts, |now| {
            calls.push(now.map(<[u8]>::to_vec));
            Ok([now.unwrap_or_default(), b"c: 3\n"].concat())
        })
        .unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"a: 1\nb: 2\nc: 3\n");
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[1].as_deref(), Some(&b"a: 1\nb: 2\n"[..]));
        // The backup holds what was replaced: the other program's version.
        assert_eq!(
            fs::read(dir.path().join("values.yaml.bak")).unwrap(),
            b"a: 1\nb: 2\n"
        );
        // And a merge that refuses stops the write.
        let seen = Seen::read(&p, Kind::Values).unwrap();
        fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"d: 4\n")
            .unwrap();
        let err = write(&seen, opts, |now| match now {
            Some(b) if b.ends_with(b"d: 4\n") => Err(Error::usage("the block changed")),
            _ => Ok(b"x: 1\n".to_vec()),
        })
        .unwrap_err();
        assert_eq!(err.message, "the block changed");
        assert!(fs::read(&p).unwrap().ends_with(b"d: 4\n"));
    }

    #[test]
    fn a_read_only_folder_is_found_before_anything_is_written() {
        if rustix::process::geteuid().is_root() {
            // root writes anywhere; the read-only file system case is below.
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("values.yaml");
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o500)).unwrap();
        let seen = Seen::read(&p, Kind::Values).unwrap();
        let err = check_writable(&seen, "--values").unwrap_err();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(err.exit_code(), 2);
    }
}

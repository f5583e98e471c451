//! What phib saw of a file it will write ([`Seen`]), and the checks made against it: the
//! name still points at the same file (or still at none), no symbolic link appeared or
//! changed, its bytes changed in place or not; and the checks of a name before
//! anything is written: a regular file (or none) in a folder that exists and takes new
//! files, the same file however spelled, symbolic links followed to their target.

use std::fs;
use std::path::{Path, PathBuf};

use super::folder;
use crate::files::read::{self, Kind, Stamp};
use crate::{Error, Result};

/// A file as phib saw it when it read it or checked its name: what the name pointed
/// at, and what was there. The write checks that it still is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The name as the user gave it.
    pub path: PathBuf,
    /// What it named, through symbolic links.
    pub(super) target: PathBuf,
    /// Whether the name itself was a symbolic link.
    link: bool,
    /// The file then: none, or its identity and bytes.
    was: Option<(Stamp, Vec<u8>)>,
    kind: Kind,
}

impl Seen {
    /// Reads `path` (through the files-in gate, as a `kind` file) and remembers it.
    pub fn read(path: &Path, kind: Kind) -> Result<Seen> {
        let link = is_link(path)?;
        let target = resolve_target(path)?;
        let was = match read::read(path, kind)? {
            Some(r) => Some((
                r.stamp.ok_or_else(|| {
                    Error::usage(format!("`{}` is no regular file", path.display()))
                })?,
                r.bytes,
            )),
            None => None,
        };
        Ok(Seen {
            path: path.to_path_buf(),
            target,
            link,
            was,
            kind,
        })
    }

    /// The bytes that were there, `None` when the file did not exist.
    pub fn bytes(&self) -> Option<&[u8]> {
        self.was.as_ref().map(|(_, b)| b.as_slice())
    }

    pub fn exists(&self) -> bool {
        self.was.is_some()
    }

    /// The file the name pointed at (itself, or the target of its symbolic links).
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// The same file then, with other bytes (after a change in place was merged).
    pub(super) fn with_bytes(&self, bytes: Vec<u8>) -> Seen {
        let mut seen = self.clone();
        if let Some((_, b)) = seen.was.as_mut() {
            *b = bytes;
        }
        seen
    }
}

fn is_link(path: &Path) -> Result<bool> {
    match fs::symlink_metadata(path) {
        Ok(meta) => Ok(meta.file_type().is_symlink()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::input_io(path, e)),
    }
}

/// The name still points where it did, at the same file (or still at none): what a
/// caller checks for every file it writes before it writes the first.
pub fn still_there(seen: &Seen, option: &str) -> Result<()> {
    let shown = seen.path.display();
    let changed = |what: &str| {
        Error::usage(format!(
            "`{option}` `{shown}` {what} since phib read it; nothing was written"
        ))
        .with_help("another program changed it meanwhile: look at the file, then run phib again")
    };
    if is_link(&seen.path)? != seen.link {
        return Err(changed(if seen.link {
            "is no longer a symbolic link"
        } else {
            "became a symbolic link"
        }));
    }
    let target = resolve_target(&seen.path)?;
    if target != seen.target {
        return Err(changed(&format!(
            "points at `{}` now, not `{}`",
            target.display(),
            seen.target.display()
        )));
    }
    check_regular(&seen.path, &target, option)?;
    let now = match fs::metadata(&target) {
        Ok(meta) => Some(Stamp::of(&meta)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::input_io(&target, e)),
    };
    match (&seen.was, now) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(changed("was created by another program")),
        (Some(_), None) => Err(changed("was removed")),
        (Some((was, _)), Some(now)) if *was != now => Err(changed("was replaced by another file")),
        (Some(_), Some(_)) => Ok(()),
    }
}

/// The bytes the file holds now, when they differ from what was seen.
pub fn changed_in_place(seen: &Seen) -> Result<Option<Vec<u8>>> {
    let Some(was) = seen.bytes() else {
        return Ok(None);
    };
    let now = read::read(&seen.target, seen.kind)?
        .map(|r| r.bytes)
        .unwrap_or_default();
    Ok((now != was).then_some(now))
}

/// Checks, before anything is written, that the file `seen` names can be written: its
/// folder takes new files.
pub fn check_writable(seen: &Seen, option: &str) -> Result<()> {
    let dir = folder(&seen.target);
    let access = rustix::fs::Access::WRITE_OK | rustix::fs::Access::EXEC_OK;
    rustix::fs::access(&dir, access).map_err(|e| {
        Error::usage(format!(
            "`{option}` `{}` cannot be written: its folder `{}` {}; nothing was written",
            seen.path.display(),
            dir.display(),
            match e {
                rustix::io::Errno::ROFS => "is on a read-only file system".to_string(),
                rustix::io::Errno::ACCESS | rustix::io::Errno::PERM =>
                    "does not let you create files".to_string(),
                e => format!("cannot be written ({e})"),
            }
        ))
        .with_help(format!(
            "name a file in a folder you can write, e.g. `{option} PATH`"
        ))
    })
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
pub(super) fn check_regular(given: &Path, target: &Path, option: &str) -> Result<()> {
    let Some(what) = not_regular(target)? else {
        return Ok(());
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

/// What is at `path` (the name itself, not what a symbolic link leads to) when it is
/// not a regular file, in words; `None` for a regular file or nothing.
pub(super) fn not_regular(path: &Path) -> Result<Option<&'static str>> {
    use std::os::unix::fs::FileTypeExt;
    let t = match fs::symlink_metadata(path) {
        Ok(meta) => meta.file_type(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::input_io(path, e)),
    };
    Ok(if t.is_file() {
        None
    } else if t.is_dir() {
        Some("a directory")
    } else if t.is_char_device() || t.is_block_device() {
        Some("a device")
    } else if t.is_fifo() {
        Some("a named pipe (FIFO)")
    } else if t.is_socket() {
        Some("a socket")
    } else if t.is_symlink() {
        Some("a symbolic link")
    } else {
        Some("a file of another kind")
    })
}

/// Whether `a` and `b` name the same file, however spelled: the same device and inode
/// when both exist, else the same absolute path once their folders are resolved.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) => Stamp::of(&x) == Stamp::of(&y),
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

//! Runs of phib that write the same values file take turns: an advisory lock (flock)
//! on the file's folder, held from before the values file is read (or, for the
//! wizard, from the confirmation) until its Secret manifest is written, so that a
//! values file and its Secret always come from one run. The lock is on the folder, not
//! on the file, because the file is replaced by a rename: a lock on it would be left
//! behind on the old file. Other programs are not stopped by it; what they change is
//! found by the files-out gate's checks.

use std::path::Path;

use crate::Result;

/// Held until dropped.
#[derive(Debug)]
pub struct Lock {
    _folder: Option<std::fs::File>,
}

impl Lock {
    /// Takes the lock for writing `path` (any file in its folder, through symbolic
    /// links), waiting for another phib run that holds it, and saying so. A folder
    /// that cannot be opened gets no lock: the writes then fail with their own message.
    pub fn take(path: &Path) -> Result<Lock> {
        use rustix::fs::{flock, FlockOperation};
        let target = super::write::resolve_target(path)?;
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let Ok(folder) = std::fs::File::open(&dir) else {
            return Ok(Lock { _folder: None });
        };
        match flock(&folder, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => {
                crate::out::note(&format!(
                    "waiting for another phib run that writes `{}`",
                    path.display()
                ));
                let _ = flock(&folder, FlockOperation::LockExclusive);
            }
            // A file system without locks: nothing to wait for.
            Err(_) => {}
        }
        Ok(Lock {
            _folder: Some(folder),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("values.yaml");
        let first = Lock::take(&path).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let p = path.clone();
        let second = std::thread::spawn(move || {
            let lock = Lock::take(&p).unwrap();
            tx.send(()).unwrap();
            drop(lock);
        });
        assert!(rx
            .recv_timeout(std::time::Duration::from_millis(300))
            .is_err());
        drop(first);
        rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        second.join().unwrap();
    }
}

//! Files that hold a secret only while phib works (the temporary file of an atomic
//! write, the values file handed to helm) are removed on every signal that would end
//! phib, not only on a normal exit or an error, and a running child (helm, kubectl) gets
//! the signal too, so that it does not go on alone. SIGINT is the Ctrl-C guard's; SIGPIPE is ignored by the Rust runtime. What SIGKILL leaves
//! (nothing can catch it) has the process id in its name, so that the next run
//! recognises the leftovers of a process that is gone and removes them ([`sweep`]).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use signal_hook::consts::signal as sig;

/// The signals whose default action ends the process, that phib catches to clean up.
pub const FATAL_SIGNALS: &[i32] = &[
    sig::SIGTERM,
    sig::SIGHUP,
    sig::SIGQUIT,
    sig::SIGXFSZ,
    sig::SIGXCPU,
    sig::SIGUSR1,
    sig::SIGUSR2,
    sig::SIGALRM,
    sig::SIGVTALRM,
    sig::SIGPROF,
];

static TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Folders where this process is creating temporary files: `(dir, stem, suffix)`.
static DIRS: Mutex<Vec<(PathBuf, String, String)>> = Mutex::new(Vec::new());
static CHILDREN: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Catches the fatal signals once, for the rest of the process: a thread removes the
/// tracked files, passes the signal on to the tracked children, and then ends phib as
/// the signal would have.
fn install() {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let Ok(mut signals) = signal_hook::iterator::Signals::new(FATAL_SIGNALS) else {
            return false;
        };
        std::thread::Builder::new()
            .name("cleanup".into())
            .spawn(move || {
                if let Some(sig) = signals.forever().next() {
                    on_fatal_signal(sig);
                }
            })
            .is_ok()
    });
}

fn on_fatal_signal(sig: i32) {
    let signal = rustix::process::Signal::from_named_raw(sig);
    for pid in lock(&CHILDREN).iter() {
        let child = i32::try_from(*pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw);
        if let (Some(child), Some(signal)) = (child, signal) {
            let _ = rustix::process::kill_process(child, signal);
        }
    }
    for path in lock(&TEMPS).iter() {
        let _ = std::fs::remove_file(path);
    }
    // A file just created and not yet tracked: found by this process's name prefix.
    for (dir, stem, suffix) in lock(&DIRS).iter() {
        let prefix = temp_prefix(stem);
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(&prefix) && name.ends_with(suffix.as_str()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let _ = signal_hook::low_level::emulate_default_handler(sig);
    // A signal whose default is to be ignored cannot reach here: none is caught.
    std::process::exit(128 + sig);
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// While alive, the file at `path` is removed if a fatal signal comes.
pub struct Tracked {
    path: PathBuf,
}

/// Tracks `path` (a temporary file holding a secret) until the result is dropped.
pub fn track(path: &Path) -> Tracked {
    install();
    lock(&TEMPS).push(path.to_path_buf());
    Tracked {
        path: path.to_path_buf(),
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        let mut temps = lock(&TEMPS);
        if let Some(i) = temps.iter().position(|p| *p == self.path) {
            temps.remove(i);
        }
    }
}

/// While alive, a fatal signal removes this process's temporary files in a folder.
pub struct TrackedDir {
    key: (PathBuf, String, String),
}

/// Tracks the temporary files `STEM<pid>-…SUFFIX` (see [`temp_prefix`]) this process
/// creates in `dir` until the result is dropped: take it before creating one, so that
/// no signal falls between the file's creation and its tracking.
pub fn track_dir(dir: &Path, stem: &str, suffix: &str) -> TrackedDir {
    install();
    let key = (dir.to_path_buf(), stem.to_string(), suffix.to_string());
    lock(&DIRS).push(key.clone());
    TrackedDir { key }
}

impl Drop for TrackedDir {
    fn drop(&mut self) {
        let mut dirs = lock(&DIRS);
        if let Some(i) = dirs.iter().position(|k| *k == self.key) {
            dirs.remove(i);
        }
    }
}

/// While alive, a fatal signal to phib is passed on to the child `pid`.
pub struct TrackedChild {
    pid: u32,
}

/// Tracks the child `pid` until the result is dropped (after it was waited for).
pub fn track_child(pid: u32) -> TrackedChild {
    install();
    lock(&CHILDREN).push(pid);
    TrackedChild { pid }
}

impl Drop for TrackedChild {
    fn drop(&mut self) {
        let mut children = lock(&CHILDREN);
        if let Some(i) = children.iter().position(|p| *p == self.pid) {
            children.remove(i);
        }
    }
}

/// The name prefix of this process's temporary files: `STEM<pid>-`.
pub fn temp_prefix(stem: &str) -> String {
    format!("{stem}{}-", std::process::id())
}

/// Removes from `dir` the temporary files (`STEM<pid>-…SUFFIX`, see [`temp_prefix`])
/// that a phib process now gone left behind (killed by SIGKILL, or the machine went
/// down): only regular files, owned by this user, whose process no longer exists.
pub fn sweep(dir: &Path, stem: &str, suffix: &str) {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let me = rustix::process::geteuid().as_raw();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(pid) = leftover_pid(name, stem, suffix) else {
            continue;
        };
        if pid == std::process::id() || alive(pid) {
            continue;
        }
        let path = entry.path();
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() && meta.uid() == me => {
                let _ = std::fs::remove_file(&path);
            }
            _ => {}
        }
    }
}

/// The process id in a temporary file's name, when it is one of phib's.
fn leftover_pid(name: &str, stem: &str, suffix: &str) -> Option<u32> {
    let rest = name.strip_prefix(stem)?.strip_suffix(suffix)?;
    let (pid, random) = rest.split_once('-')?;
    if random.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

fn alive(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    match rustix::process::test_kill_process(pid) {
        Ok(()) => true,
        Err(e) => e == rustix::io::Errno::PERM,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_are_recognised_by_name() {
        assert_eq!(
            leftover_pid(".phib-123-abcDEF.tmp", ".phib-", ".tmp"),
            Some(123)
        );
        assert_eq!(leftover_pid(".phib-abcDEF.tmp", ".phib-", ".tmp"), None);
        assert_eq!(leftover_pid(".phib-123-.tmp", ".phib-", ".tmp"), None);
        assert_eq!(leftover_pid("values.yaml", ".phib-", ".tmp"), None);
        assert_eq!(
            leftover_pid("phib-values-9-x.yaml", "phib-values-", ".yaml"),
            Some(9)
        );
    }

    #[test]
    fn sweep_removes_only_the_leftovers_of_gone_processes() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // A pid that cannot exist (above the kernel's limit), this process's, and others.
        let gone = d.join(".phib-4194305-aaaaaa.tmp");
        let mine = d.join(temp_prefix(".phib-") + "bbbbbb.tmp");
        let init = d.join(".phib-1-cccccc.tmp");
        let other = d.join("values.yaml");
        for p in [&gone, &mine, &init, &other] {
            std::fs::write(p, "x").unwrap();
        }
        sweep(d, ".phib-", ".tmp");
        assert!(!gone.exists());
        assert!(mine.exists() && init.exists() && other.exists());
    }
}

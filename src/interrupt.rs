//! The one Ctrl-C guard. While phib holds something it must clean up or report (a
//! temporary values file while helm runs, a terminal in the middle of the wizard), Ctrl-C
//! must not kill it mid-way; outside a guard it acts as usual. SIGINT is caught once,
//! through `signal-hook`, for the rest of the process, and what it does depends on the
//! guards alive when it comes:
//!
//! - a [`Note`] (helm runs): it is only noted; helm, which gets it too, stops, and phib
//!   cleans up and reports. A `Note` wins over an [`ExitAtOnce`] made before it.
//! - an [`ExitAtOnce`] (the wizard): the terminal mode is restored, a line printed, and
//!   phib exits 130 at once; waiting for the next prompt to notice could leave the user
//!   stuck at a prompt that ignored Ctrl-C.
//! - none: phib stops as if SIGINT had never been caught.
//!
//! The decision is made in the signal handler, not later on another thread, so a
//! Ctrl-C is judged by the guards alive when it came.

use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use rustix::termios::Termios;
use signal_hook::consts::SIGINT;

static NOTES: AtomicUsize = AtomicUsize::new(0);
static EXITS: AtomicUsize = AtomicUsize::new(0);
/// The terminal mode when the first [`ExitAtOnce`] was made, and what it prints.
static TERMIOS: OnceLock<Termios> = OnceLock::new();
static EXIT_MESSAGE: OnceLock<fn() -> &'static [u8]> = OnceLock::new();

struct Flags {
    /// True while no guard is alive: SIGINT then stops phib as if never caught.
    unguarded: Arc<AtomicBool>,
    seen: Arc<AtomicBool>,
}

/// Catches SIGINT, once. `None` when it cannot be caught, or when phib started with
/// Ctrl-C ignored (e.g. in the background): then it stays ignored.
fn flags() -> Option<&'static Flags> {
    static FLAGS: OnceLock<Option<Flags>> = OnceLock::new();
    FLAGS
        .get_or_init(|| {
            if ignored_at_start() {
                return None;
            }
            let flags = Flags {
                unguarded: Arc::new(AtomicBool::new(true)),
                seen: Arc::new(AtomicBool::new(false)),
            };
            signal_hook::flag::register(SIGINT, flags.seen.clone()).ok()?;
            // SAFETY: the action only makes async-signal-safe calls: atomic loads, a
            // read of a OnceLock set before any guard that lets the action act,
            // tcsetattr and write (plain system calls through rustix) and _exit.
            unsafe { signal_hook::low_level::register(SIGINT, exit_at_once) }.ok()?;
            signal_hook::flag::register_conditional_default(SIGINT, flags.unguarded.clone())
                .ok()?;
            Some(flags)
        })
        .as_ref()
}

/// The signal-handler side of [`ExitAtOnce`].
fn exit_at_once() {
    if NOTES.load(Ordering::SeqCst) > 0 || EXITS.load(Ordering::SeqCst) == 0 {
        return;
    }
    let stdin = std::io::stdin();
    if let Some(mode) = TERMIOS.get() {
        let _ = rustix::termios::tcsetattr(&stdin, rustix::termios::OptionalActions::Now, mode);
    }
    if let Some(message) = EXIT_MESSAGE.get() {
        let stderr = std::io::stderr();
        let mut rest = message();
        while !rest.is_empty() {
            match rustix::io::write(stderr.as_fd(), rest) {
                Ok(n) if n > 0 => rest = &rest[n..],
                _ => break,
            }
        }
    }
    signal_hook::low_level::exit(130);
}

/// Whether SIGINT was ignored when phib started (`SigIgn` in `/proc/self/status`,
/// bit 1 for signal 2).
fn ignored_at_start() -> bool {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return false;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigIgn:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << (SIGINT - 1)) != 0)
}

fn update(flags: &Flags) {
    let guarded = NOTES.load(Ordering::SeqCst) > 0 || EXITS.load(Ordering::SeqCst) > 0;
    flags.unguarded.store(!guarded, Ordering::SeqCst);
}

/// While alive, Ctrl-C is only noted ([`Note::interrupted`]).
pub struct Note {
    flags: &'static Flags,
}

impl Note {
    /// `None` when Ctrl-C cannot be caught (or was ignored from the start).
    pub fn install() -> Option<Note> {
        let flags = flags()?;
        flags.seen.store(false, Ordering::SeqCst);
        NOTES.fetch_add(1, Ordering::SeqCst);
        update(flags);
        Some(Note { flags })
    }

    /// Whether Ctrl-C came since [`Note::install`].
    pub fn interrupted(&self) -> bool {
        self.flags.seen.load(Ordering::SeqCst)
    }
}

impl Drop for Note {
    fn drop(&mut self) {
        NOTES.fetch_sub(1, Ordering::SeqCst);
        update(self.flags);
    }
}

/// While alive, Ctrl-C restores the terminal mode it had when the first such guard was
/// made, prints what `message` returns then (the work may have gone on) on standard
/// error and exits 130. `message` must only read atomics: it runs in the signal
/// handler. The first guard's `message` is used for every later one.
pub struct ExitAtOnce {
    flags: &'static Flags,
}

impl ExitAtOnce {
    /// `None` when Ctrl-C cannot be caught.
    pub fn install(message: fn() -> &'static [u8]) -> Option<ExitAtOnce> {
        let flags = flags()?;
        if let Ok(mode) = rustix::termios::tcgetattr(std::io::stdin()) {
            let _ = TERMIOS.set(mode);
        }
        let _ = EXIT_MESSAGE.set(message);
        EXITS.fetch_add(1, Ordering::SeqCst);
        update(flags);
        Some(ExitAtOnce { flags })
    }
}

impl Drop for ExitAtOnce {
    fn drop(&mut self) {
        EXITS.fetch_sub(1, Ordering::SeqCst);
        update(self.flags);
    }
}

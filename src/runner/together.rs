//! Calls that share a limit ([`Bound`]), and reads that run at the same time ([`join`],
//! [`join3`], [`each`]) with at most [`at_once`] programs running.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::{AT_ONCE_ENV, DEFAULT_AT_ONCE};
use crate::{Error, Result};

/// A limit several calls share: a moment by which they must all be done, and a flag
/// that stops them early (a lookup nobody waits for any more). A call past it is
/// stopped with everything it started.
#[derive(Debug, Clone, Default)]
pub struct Bound {
    deadline: Option<Instant>,
    stop: Option<Arc<AtomicBool>>,
}

impl Bound {
    /// Calls must be done `limit` from now; [`Bound::stop`] ends them sooner.
    pub fn within(limit: Duration) -> Bound {
        Bound {
            deadline: Some(Instant::now() + limit),
            stop: Some(Arc::new(AtomicBool::new(false))),
        }
    }

    /// Stops every call under this bound now (and refuses new ones).
    pub fn stop(&self) {
        if let Some(flag) = &self.stop {
            flag.store(true, Ordering::SeqCst);
        }
    }

    /// Whether the moment has come, or the calls were stopped: a call that failed
    /// under a passed bound was cut short, it did not fail by itself.
    pub fn passed(&self) -> bool {
        self.stopped() || self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    pub(super) fn stopped(&self) -> bool {
        self.stop.as_ref().is_some_and(|f| f.load(Ordering::SeqCst))
    }

    /// What is left of `limit` under this bound.
    pub(super) fn left(&self, limit: Duration) -> Duration {
        match self.deadline {
            Some(d) => limit.min(d.saturating_duration_since(Instant::now())),
            None => limit,
        }
    }
}

/// How many programs run at once at most: `PHIB_CLUSTER_CALLS`, else
/// [`DEFAULT_AT_ONCE`]. A value that is no number from 1 to 32 is refused.
pub fn at_once() -> Result<usize> {
    static AT_ONCE: OnceLock<std::result::Result<usize, String>> = OnceLock::new();
    AT_ONCE
        .get_or_init(|| match std::env::var(AT_ONCE_ENV) {
            Err(_) => Ok(DEFAULT_AT_ONCE),
            Ok(v) if v.is_empty() => Ok(DEFAULT_AT_ONCE),
            Ok(v) => match v.trim().parse::<usize>() {
                Ok(n) if (1..=32).contains(&n) => Ok(n),
                _ => Err(v),
            },
        })
        .clone()
        .map_err(|v| {
            Error::usage(format!(
                "`{AT_ONCE_ENV}` `{v}` is not a number from 1 to 32"
            ))
            .with_help(format!(
                "set `{AT_ONCE_ENV}` to how many helm and kubectl calls may run at once (1: one after another), or unset it"
            ))
        })
}

/// The programs running now, and the signal that one ended.
static RUNNING: Mutex<usize> = Mutex::new(0);
static ENDED: Condvar = Condvar::new();

/// A place among the programs that may run at once; given back when dropped.
pub(super) struct Slot;

impl Slot {
    /// Waits for a place; `None` when `bound` passed first.
    pub(super) fn take(bound: &Bound) -> Result<Option<Slot>> {
        let most = at_once()?;
        let mut running = RUNNING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *running >= most {
            if bound.passed() {
                return Ok(None);
            }
            // Woken when a program ends; a bound is looked at every 20 ms.
            running = ENDED
                .wait_timeout(running, Duration::from_millis(20))
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
        if bound.passed() {
            return Ok(None);
        }
        *running += 1;
        Ok(Some(Slot))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut running = RUNNING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *running = running.saturating_sub(1);
        ENDED.notify_one();
    }
}

/// Runs `a` and `b` at the same time and returns both results, in that order. For
/// reads that do not depend on each other; the programs they start count against
/// [`at_once`].
pub fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    std::thread::scope(|s| {
        let b = s.spawn(b);
        let a = a();
        (a, b.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    })
}

/// [`join`] for three.
pub fn join3<A: Send, B: Send, C: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
    c: impl FnOnce() -> C + Send,
) -> (A, B, C) {
    let (a, (b, c)) = join(a, || join(b, c));
    (a, b, c)
}

/// `f` of every item, at the same time, the results in the items' order.
pub fn each<I: Sync, T: Send>(items: &[I], f: impl Fn(&I) -> T + Sync) -> Vec<T> {
    let f = &f;
    std::thread::scope(|s| {
        let threads: Vec<_> = items.iter().map(|i| s.spawn(move || f(i))).collect();
        threads
            .into_iter()
            .map(|t| t.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

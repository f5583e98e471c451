//! The adversarial suite: phib against hostile input, on loopback only and bounded in
//! time. Hostile registry servers (`registry_servers`), file-system oddities (`files`),
//! signals at random points of writes and of helm/kubectl runs (`signals`), and YAML
//! 1.1/1.2-ambiguous scalars through real helm (`yaml`). Each test runs many attempts
//! and counts them in a [`Tally`], which prints `adversarial: CATEGORY: N attempts, M
//! passed` (see it with `--nocapture`) and fails the test listing every failed attempt.

#![allow(dead_code)]

use std::path::Path;

mod boundaries;
mod files;
mod hostile;
mod inputs;
mod races;
mod redaction;
mod registry_servers;
mod signals;
mod yaml;

/// Attempts and their outcomes for one category.
pub struct Tally {
    category: &'static str,
    attempts: usize,
    failures: Vec<String>,
}

impl Tally {
    pub fn new(category: &'static str) -> Tally {
        Tally {
            category,
            attempts: 0,
            failures: Vec::new(),
        }
    }

    /// Counts one attempt; `Err(why)` is a failure, kept with the attempt's name.
    pub fn attempt(&mut self, name: &str, result: Result<(), String>) {
        self.attempts += 1;
        if let Err(why) = result {
            self.failures.push(format!("{name}: {why}"));
        }
    }

    /// Prints the counts and fails on any failed attempt.
    pub fn finish(self) {
        let passed = self.attempts - self.failures.len();
        eprintln!(
            "adversarial: {}: {} attempts, {passed} passed",
            self.category, self.attempts
        );
        assert!(self.attempts > 0, "{}: no attempt ran", self.category);
        assert!(
            self.failures.is_empty(),
            "{}: {} of {} attempts failed:\n{}",
            self.category,
            self.failures.len(),
            self.attempts,
            self.failures.join("\n")
        );
    }
}

/// `Err` naming the first of `secrets` found in `text` (which is named `what`).
pub fn no_secret(what: &str, text: &str, secrets: &[&str]) -> Result<(), String> {
    for s in secrets {
        if !s.is_empty() && text.contains(s) {
            return Err(format!("a secret in {what}:\n{text}"));
        }
    }
    Ok(())
}

/// `Err` when `text` holds a terminal control character other than newline and tab
/// (ESC, BEL, CR, DEL, the C1 controls, bidirectional overrides): what a terminal would act on.
pub fn no_control(what: &str, text: &str) -> Result<(), String> {
    match text
        .chars()
        .find(|&c| {
            (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
    {
        Some(c) => Err(format!("a raw control character {c:?} in {what}:\n{text:?}")),
        None => Ok(()),
    }
}

/// `Err` unless `got` is one of `want`.
pub fn code_in(got: Option<i32>, want: &[i32], stderr: &str) -> Result<(), String> {
    match got {
        Some(c) if want.contains(&c) => Ok(()),
        other => Err(format!("exit {other:?}, wanted one of {want:?}\n{stderr}")),
    }
}

/// Names of the entries of `dir`.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// A small deterministic random source (xorshift), so that a failed run can be repeated
/// from the seed it prints.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// A seed from the clock unless `PHIB_ADVERSARIAL_SEED` names one.
    pub fn from_env(category: &str) -> Rng {
        let seed = std::env::var("PHIB_ADVERSARIAL_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("adversarial: {category}: seed {seed} (PHIB_ADVERSARIAL_SEED)");
        Rng::new(seed)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Runs `f` on every case on `threads` threads; results in order.
pub fn parallel<T: Sync>(
    cases: &[T],
    threads: usize,
    f: impl Fn(&T) -> Result<(), String> + Sync,
) -> Vec<Result<(), String>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::OnceLock<Result<(), String>>> =
        cases.iter().map(|_| std::sync::OnceLock::new()).collect();
    std::thread::scope(|sc| {
        for _ in 0..threads {
            sc.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(c) = cases.get(i) else { return };
                let _ = results[i].set(f(c));
            });
        }
    });
    results
        .into_iter()
        .map(|r| r.into_inner().unwrap())
        .collect()
}

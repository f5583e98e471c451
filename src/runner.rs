//! helm, kubectl and git: the one runner. Each program is found once per run (helm
//! from `--helm` or `HELM_BIN`, else `PATH`, for every command the wizard included;
//! kubectl and git from `PATH`), started with an environment that holds no password
//! (`PHIB_REGISTRY_PASSWORD`) and no `HELM_DEBUG` (under which helm prints the values it
//! was given), with standard input closed or fed a secret that never goes into argv. Its
//! arguments are phib's own words (`&'static str`), paths phib chose, and names that
//! came from a file or the cluster, which are checked as Kubernetes names
//! ([`crate::names`]) and, as positionals, put after `--`. What a program prints is
//! captured; its error output has every secret phib knows hidden before anyone sees it.
//! Every call has a time limit ([`Call::timeout`], and a [`Bound`] several calls share).
//!
//! Reads that do not depend on each other run at the same time ([`join`], [`join3`],
//! [`each`]): their results come back in the order the caller gave, whichever program
//! finished first, so what phib prints from them does not depend on the timing. At
//! most [`at_once`] programs run at once (`PHIB_CLUSTER_CALLS`; 1: one after another).
//!
//! A test (`tests/it/gates.rs`) fails when code elsewhere starts a process.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

mod together;
mod words;

use together::Slot;
pub use together::{at_once, each, join, join3, Bound};
use words::path_word;
pub use words::Word;

use crate::names::Name;
use crate::secret::{Secret, PASSWORD_ENV};
use crate::{Error, Result};

/// The programs phib runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tool {
    Helm,
    Kubectl,
    Git,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::Helm => "helm",
            Tool::Kubectl => "kubectl",
            Tool::Git => "git",
        }
    }

    /// How to get it, for the `help:` line when it is missing.
    fn install_help(self) -> &'static str {
        match self {
            Tool::Helm => "install helm 3 or newer (https://helm.sh/docs/intro/install/), or name it with `--helm PATH` or `HELM_BIN`",
            Tool::Kubectl => "install kubectl for the cluster (https://kubernetes.io/docs/tasks/tools/)",
            Tool::Git => "install git",
        }
    }
}

/// How long a call may take unless its caller says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// How many programs may run at once, when `PHIB_CLUSTER_CALLS` does not say: enough
/// for the doctor's widest round of reads (seven, with `--release`), few enough for a
/// laptop (each helm or kubectl takes some 50 MB).
pub const DEFAULT_AT_ONCE: usize = 8;

/// The environment variable that caps how many programs run at once (1 to 32; 1 runs
/// them one after another).
pub const AT_ONCE_ENV: &str = "PHIB_CLUSTER_CALLS";

/// `--helm PATH` (or `HELM_BIN`), set once by the command line before anything runs.
static HELM_GIVEN: OnceLock<PathBuf> = OnceLock::new();
/// What was found, per tool.
static FOUND: Mutex<Vec<(Tool, PathBuf)>> = Mutex::new(Vec::new());

/// Names the helm binary for this run (`--helm PATH`, `HELM_BIN`). Only the first call
/// counts.
pub fn use_helm(path: &Path) {
    let _ = HELM_GIVEN.set(path.to_path_buf());
}

/// A program found on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    pub tool: Tool,
    pub path: PathBuf,
}

/// Finds `tool` (once per run; later calls get the same answer).
pub fn find(tool: Tool) -> Result<Program> {
    let mut found = FOUND
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, path)) = found.iter().find(|(t, _)| *t == tool) {
        return Ok(Program {
            tool,
            path: path.clone(),
        });
    }
    let given = match tool {
        Tool::Helm => HELM_GIVEN.get().cloned().or_else(|| {
            std::env::var_os("HELM_BIN")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        }),
        _ => None,
    };
    let path = match &given {
        Some(p) => which::which(p).map_err(|_| {
            Error::failed(format!("{} not found at `{}`", tool.name(), p.display()))
                .with_help(tool.install_help())
        })?,
        None => which::which(tool.name()).map_err(|_| {
            Error::failed(format!("{} not found on `PATH`", tool.name()))
                .with_help(tool.install_help())
        })?,
    };
    found.push((tool, path.clone()));
    Ok(Program { tool, path })
}

/// Whether `tool` is on this machine.
pub fn has(tool: Tool) -> bool {
    find(tool).is_ok()
}

impl Program {
    /// A call of this program; `what` says what it is for, in errors
    /// (`cannot list the releases`).
    pub fn call(&self) -> Call {
        Call {
            program: self.clone(),
            args: Vec::new(),
            positionals: Vec::new(),
            input: None,
            timeout: DEFAULT_TIMEOUT,
            bound: Bound::default(),
        }
    }
}

/// One run of a program, built word by word.
#[derive(Debug)]
pub struct Call {
    program: Program,
    args: Vec<OsString>,
    positionals: Vec<String>,
    input: Option<Secret>,
    timeout: Duration,
    bound: Bound,
}

impl Call {
    /// phib's own words: subcommands and options.
    pub fn arg(mut self, word: &'static str) -> Call {
        self.args.push(word.into());
        self
    }

    /// Several of phib's own words.
    pub fn args(mut self, words: &[&'static str]) -> Call {
        self.args.extend(words.iter().map(OsString::from));
        self
    }

    /// An option with a number (`--max 10`).
    pub fn count(mut self, flag: &'static str, n: u64) -> Call {
        self.args.push(flag.into());
        self.args.push(n.to_string().into());
        self
    }

    /// An option whose value is a path phib chose (a temporary file, the user's file).
    pub fn path(mut self, flag: &'static str, path: &Path) -> Call {
        self.args.push(flag.into());
        self.args.push(path_word(path));
        self
    }

    /// The planned `word`, checked as its kind says.
    pub fn word(mut self, word: &Word) -> Result<Call> {
        match word {
            Word::Own(w) => self.args.push(w.into()),
            Word::Name(kind, value) => {
                check(*kind, value, "")?;
                self.args.push(value.into());
            }
            Word::Text(value) => {
                if value.is_empty()
                    || value.starts_with('-')
                    || value.chars().any(crate::error::is_terminal_control)
                {
                    return Err(Error::usage(format!(
                        "`{value}` cannot be passed to {}: it would be read as an option",
                        self.program.tool.name()
                    ))
                    .with_help("check the value given"));
                }
                self.args.push(value.into());
            }
            Word::Path(p) => self.args.push(path_word(p)),
        }
        Ok(self)
    }

    /// An option whose value is a name from the user, a file or the cluster: checked
    /// first (no name starts with `-`, so it cannot be read as an option of its own).
    pub fn named(mut self, flag: &'static str, kind: Name, value: &str) -> Result<Call> {
        check(kind, value, flag)?;
        self.args.push(flag.into());
        self.args.push(value.into());
        Ok(self)
    }

    /// A name as a positional argument (`kubectl get secret NAME`): checked, and put
    /// after `--`, where no program reads options.
    pub fn positional(mut self, kind: Name, value: &str) -> Result<Call> {
        check(kind, value, "")?;
        self.positionals.push(value.to_string());
        Ok(self)
    }

    /// An option whose value phib built from checked parts (a `--filter` regular
    /// expression of a checked release name).
    pub fn built(mut self, flag: &'static str, value: String) -> Call {
        self.args.push(format!("{flag}={value}").into());
        self
    }

    /// Feeds `secret` on standard input (`kubectl apply -f -`): never in argv.
    pub fn input(mut self, secret: Secret) -> Call {
        self.input = Some(secret);
        self
    }

    /// The time limit of this call.
    pub fn timeout(mut self, limit: Duration) -> Call {
        self.timeout = limit;
        self
    }

    /// Also stopped when `bound` passes.
    pub fn bounded(mut self, bound: &Bound) -> Call {
        self.bound = bound.clone();
        self
    }

    /// The command line, for messages (names only, never a secret).
    pub fn shown(&self) -> String {
        let mut words = vec![self.program.tool.name().to_string()];
        words.extend(self.args.iter().map(|a| a.to_string_lossy().into_owned()));
        if !self.positionals.is_empty() {
            words.push("--".into());
            words.extend(self.positionals.iter().cloned());
        }
        words
            .iter()
            .map(|w| crate::term::shell_quote(w))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(&self.program.path);
        cmd.env_remove(PASSWORD_ENV).env_remove("HELM_DEBUG");
        cmd.args(&self.args);
        if !self.positionals.is_empty() {
            cmd.arg("--").args(&self.positionals);
        }
        cmd
    }

    /// Starts it with its output piped to phib, for a caller that shows it as it
    /// comes (helm's upgrade). Standard input is closed.
    pub fn spawn_piped(&self) -> Result<Child> {
        let child = self
            .command()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| self.cannot_start(e))?;
        Ok(child)
    }

    fn cannot_start(&self, e: std::io::Error) -> Error {
        Error::failed(format!("cannot run `{}`: {e}", self.program.path.display()))
            .with_help(self.program.tool.install_help())
    }

    /// Runs it to the end (or its time limit) and returns what it printed. An error
    /// only when it could not start or took too long; a failing exit status is the
    /// caller's to judge ([`Output::ok`]).
    pub fn run(self) -> Result<Output> {
        let limit = self.bound.left(self.timeout);
        match self.run_within()? {
            Some(out) => Ok(out),
            None => Err(Error::failed(format!(
                "`{}` did not finish within {} and was stopped",
                self.shown(),
                seconds(limit)
            ))
            .with_help(match self.program.tool {
                Tool::Helm | Tool::Kubectl => "check that the cluster is reachable (`kubectl cluster-info`); a remote cluster may need a VPN",
                Tool::Git => "check the repository",
            })),
        }
    }

    /// [`Call::run`], with `None` when the call was stopped at its time limit or its
    /// [`Bound`] (or never started because the bound had passed).
    pub fn run_within(&self) -> Result<Option<Output>> {
        let Some(_slot) = Slot::take(&self.bound)? else {
            return Ok(None);
        };
        let limit = self.bound.left(self.timeout);
        let mut cmd = self.command();
        cmd.stdin(if self.input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        // A group of its own, so that a call past its time limit is stopped with
        // everything it started (which would keep its output open).
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd.spawn().map_err(|e| self.cannot_start(e))?;
        // A signal that ends phib ends the child too (before it applies half a manifest).
        let _passes_signals = crate::cleanup::track_child(child.id());
        let feeder = self.input.as_ref().and_then(|secret| {
            let mut stdin = child.stdin.take()?;
            let bytes = secret.expose().as_bytes().to_vec();
            Some(std::thread::spawn(move || stdin.write_all(&bytes)))
        });
        let group = child.id();
        let stdout = child.stdout.take().map(|s| drain(s, group));
        let stderr = child.stderr.take().map(|s| drain(s, group));
        let status = wait(&mut child, limit, &self.bound);
        let (stdout, over_out) = stdout.and_then(|t| t.join().ok()).unwrap_or_default();
        let (stderr, over_err) = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
        let fed = feeder.map(|t| {
            t.join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the writing thread stopped")))
        });
        if over_out || over_err {
            return Err(Error::failed(format!(
                "`{}` printed more than {} MiB; phib reads no more",
                self.shown(),
                OUTPUT_LIMIT >> 20
            ))
            .with_help("check what the cluster holds there (a release or Secret that large is not PrimeHub's)"));
        }
        let Some(status) = status.map_err(|e| self.cannot_start(e))? else {
            return Ok(None);
        };
        let stderr = String::from_utf8_lossy(&crate::secret::redact_bytes(&stderr)).into_owned();
        if let Some(Err(e)) = fed {
            if status.success() {
                return Err(Error::failed(format!(
                    "cannot pass the input to `{}`: {e}",
                    self.shown()
                )));
            }
        }
        Ok(Some(Output {
            status,
            stdout,
            stderr,
        }))
    }
}

/// A time limit in words: `5 s`, `0.5 s`.
pub fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// Refuses a name that is no name of its kind, before it becomes an argument.
fn check(kind: Name, value: &str, flag: &str) -> Result<()> {
    if kind.accepts(value) {
        return Ok(());
    }
    let subject = if flag.is_empty() {
        String::new()
    } else {
        format!(" for `{flag}`")
    };
    Err(Error::usage(format!(
        "`{value}` is not {}{subject}; phib does not pass it to helm or kubectl",
        kind.what()
    ))
    .with_help(kind.rule()))
}

/// Reads a pipe to its end on a thread of its own.
/// At most [`OUTPUT_LIMIT`] bytes are kept: past it, the program (its process group
/// `group`) is stopped at once, and the call fails.
fn drain(from: impl Read + Send + 'static, group: u32) -> std::thread::JoinHandle<(Vec<u8>, bool)> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = from.take(OUTPUT_LIMIT + 1).read_to_end(&mut bytes);
        let over = bytes.len() as u64 > OUTPUT_LIMIT;
        if over {
            bytes.truncate(OUTPUT_LIMIT as usize);
            if let Some(group) = rustix::process::Pid::from_raw(group as i32) {
                let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
            }
        }
        (bytes, over)
    })
}

/// The most phib reads of what one program prints on one stream: far more than a
/// release's manifest (helm keeps a release in a Secret, at most 1 MiB compressed) or a
/// namespace's Secrets, far less than what would exhaust memory.
const OUTPUT_LIMIT: u64 = 64 << 20;

/// Waits for `child` at most `limit`, or until `bound` passes; `None` when it took
/// longer (it is then killed with everything it started).
fn wait(child: &mut Child, limit: Duration, bound: &Bound) -> std::io::Result<Option<ExitStatus>> {
    let deadline = Instant::now() + limit;
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline || bound.stopped() {
            if let Some(group) = rustix::process::Pid::from_raw(child.id() as i32) {
                let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
            }
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// What a finished program printed.
#[derive(Debug)]
pub struct Output {
    pub status: ExitStatus,
    /// Standard output as it came: for phib to read (it may hold a Secret's data), never
    /// to show.
    pub stdout: Vec<u8>,
    /// Standard error with every known secret hidden: safe to quote.
    pub stderr: String,
}

impl Output {
    pub fn ok(&self) -> bool {
        self.status.success()
    }

    /// The last line of standard error that says something: a program's own message.
    pub fn last_line(&self) -> &str {
        self.stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(str::trim)
            .unwrap_or("")
    }
}

/// Whether `path` lies in a git working tree that does not ignore it (or tracks it): a
/// secret written there is one `git add` away from a commit. No git, or no working tree,
/// is "no". Only the path goes to git.
pub fn exposed_to_git(path: &Path) -> bool {
    let (Ok(git), Some(name)) = (find(Tool::Git), path.file_name()) else {
        return false;
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut call = git.call().path("-C", dir).args(&["check-ignore", "-q"]);
    call.positionals.push(name.to_string_lossy().into_owned());
    call.timeout(Duration::from_secs(10))
        .run()
        .is_ok_and(|out| out.status.code() == Some(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh() -> Program {
        Program {
            tool: Tool::Git,
            path: PathBuf::from("/bin/sh"),
        }
    }

    #[test]
    fn names_are_checked_and_come_after_the_end_of_options() {
        let err = sh()
            .call()
            .positional(Name::Object, "--kubeconfig=/tmp/k")
            .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.message.contains("not a valid Kubernetes object name"),
            "{}",
            err.message
        );
        let err = sh().call().named("-n", Name::Namespace, "-A").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let call = sh()
            .call()
            .arg("get")
            .named("-n", Name::Namespace, "hub")
            .unwrap()
            .positional(Name::Object, "my-push")
            .unwrap();
        assert_eq!(call.shown(), "git get -n hub -- my-push");
    }

    #[test]
    fn a_call_past_its_time_limit_is_stopped() {
        let started = Instant::now();
        let mut call = sh().call().arg("-c").timeout(Duration::from_millis(200));
        call.args.push("sleep 30".into());
        let err = call.run().unwrap_err();
        assert!(
            err.message.contains("did not finish within"),
            "{}",
            err.message
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    /// `sh -c SCRIPT` as a call.
    fn script(text: &str) -> Call {
        let mut call = sh().call().arg("-c");
        call.args.push(text.into());
        call
    }

    /// A program that prints without end is read up to the limit, not until memory
    /// runs out: the call fails and says so, and nothing waits on a full pipe.
    #[test]
    fn output_past_the_limit_fails_the_call() {
        let limit = OUTPUT_LIMIT + 4096;
        let err = script(&format!("head -c {limit} /dev/zero"))
            .timeout(Duration::from_secs(60))
            .run()
            .unwrap_err();
        assert!(
            err.message.contains("printed more than 64 MiB"),
            "{}",
            err.message
        );
        let out = script(&format!("head -c {} /dev/zero", OUTPUT_LIMIT - 1))
            .timeout(Duration::from_secs(60))
            .run()
            .unwrap();
        assert_eq!(out.stdout.len() as u64, OUTPUT_LIMIT - 1);
        // One that never stops is stopped at the limit, not at its time limit.
        let started = Instant::now();
        let err = script("cat /dev/zero")
            .timeout(Duration::from_secs(120))
            .run()
            .unwrap_err();
        assert!(
            err.message.contains("printed more than 64 MiB"),
            "{}",
            err.message
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{:?}",
            started.elapsed()
        );
    }

    /// Two calls that each wait for the other's file: they finish only when they run
    /// at the same time (one after another, the first would wait until its limit).
    #[test]
    fn independent_reads_run_at_the_same_time_and_answer_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        let meet = |me: &str, other: &str| {
            script(&format!(
                "touch {d}/{me}; i=0; while [ ! -f {d}/{other} ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; [ -f {d}/{other} ] && echo {me}"
            ))
            .timeout(Duration::from_secs(30))
        };
        let (a, b) = join(|| meet("a", "b").run(), || meet("b", "a").run());
        let (a, b) = (a.unwrap(), b.unwrap());
        assert!(a.ok() && b.ok(), "{} {}", a.stderr, b.stderr);
        assert_eq!((a.stdout, b.stdout), (b"a\n".to_vec(), b"b\n".to_vec()));

        // `each`: the first item finishes last, and still comes first.
        let got = each(&[3u32, 1, 2], |n| {
            let out = script(&format!("sleep 0.{n}; echo {n}")).run().unwrap();
            String::from_utf8(out.stdout).unwrap()
        });
        assert_eq!(got, ["3\n", "1\n", "2\n"]);
        let (x, y, z) = join3(|| 1, || "two", || 3.0);
        assert_eq!((x, y, z), (1, "two", 3.0));
    }

    #[test]
    fn a_bound_stops_its_calls_and_says_it_passed() {
        let bound = Bound::within(Duration::from_secs(60));
        assert!(!bound.passed());
        let stopper = bound.clone();
        let call = script("sleep 30").bounded(&bound);
        let started = Instant::now();
        let (out, ()) = join(
            || call.run_within(),
            || {
                std::thread::sleep(Duration::from_millis(200));
                stopper.stop();
            },
        );
        assert!(out.unwrap().is_none(), "the call was not stopped");
        assert!(bound.passed());
        assert!(started.elapsed() < Duration::from_secs(20));
        // A call under a bound that has passed does not start.
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("ran");
        let late = script(&format!("touch {}", marker.display())).bounded(&bound);
        assert!(late.run_within().unwrap().is_none());
        assert!(!marker.exists());
        // A deadline, as `run` reports it.
        let err = script("sleep 30")
            .bounded(&Bound::within(Duration::from_millis(300)))
            .run()
            .unwrap_err();
        assert!(
            err.message.contains("did not finish within 0."),
            "{}",
            err.message
        );
    }

    #[test]
    fn error_output_is_redacted_and_input_never_in_argv() {
        crate::secret::learn("Runner-Secret-42x");
        let mut call = sh()
            .call()
            .arg("-c")
            .input(Secret::new("Runner-Secret-42x"));
        call.args.push("cat >&2; exit 3".into());
        let shown = call.shown();
        assert!(!shown.contains("Runner-Secret-42x"));
        let out = call.run().unwrap();
        assert!(!out.ok());
        assert_eq!(out.stderr, "<redacted>");
    }
}

//! The test harness: a temp dir per test, a `phib` command builder with the caller's
//! Kubernetes and Helm environment cleared, real external tools found in the cache that
//! `scripts/test` fills, and readable failures.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// An end-to-end test, in the shape of ripgrep's `rgtest!`: `#[test]`, listed as ignored
/// with the reason under plain `cargo test`, run under `./scripts/test` (`PHIB_E2E=1`),
/// where a missing tool is a failure, never a skip ([`tool`]).
///
/// `e2e!(name, || { … })` runs the closure; `e2e!(name, SETUP, |server| { … })` first
/// evaluates SETUP (a registry started on loopback, say) and hands it to the closure,
/// which owns it (so the server stops when the test ends). The test is a closure so
/// that rustfmt formats it.
macro_rules! e2e {
    ($name:ident, $test:expr) => {
        #[test]
        #[cfg_attr(
            not(phib_e2e),
            ignore = "end-to-end: needs the tools ./scripts/test installs (helm, jq, a registry, …); run ./scripts/test"
        )]
        fn $name() {
            ($test)()
        }
    };
    ($name:ident, $setup:expr, $test:expr) => {
        #[test]
        #[cfg_attr(
            not(phib_e2e),
            ignore = "end-to-end: needs the tools ./scripts/test installs (helm, jq, a registry, …); run ./scripts/test"
        )]
        fn $name() {
            $crate::util::with($setup, $test)
        }
    };
}

/// Hands `setup` to `test`: the closure's argument takes its type from `setup`.
pub fn with<S>(setup: S, test: impl FnOnce(S)) {
    test(setup)
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fixture chart that renders the push Secret and controller ConfigMap like
/// PrimeHub's chart.
pub fn fixture_chart() -> PathBuf {
    root().join("tests/fixtures/chart")
}

/// Keeps the developer's settings out of `cmd` and it off any real cluster or proxy:
/// every `HELM_*`, `PHIB_*` and `CARGO*` variable and the proxy variables removed,
/// `KUBECONFIG` pointing at nothing.
pub fn isolate(cmd: &mut Command) -> &mut Command {
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        let proxy = k.eq_ignore_ascii_case("https_proxy")
            || k.eq_ignore_ascii_case("http_proxy")
            || k.eq_ignore_ascii_case("all_proxy")
            || k.eq_ignore_ascii_case("no_proxy");
        // `CARGO_*`: what `cargo test` passes on; phib would take it for `cargo run`.
        if k.starts_with("HELM_") || k.starts_with("PHIB_") || k.starts_with("CARGO") || proxy {
            cmd.env_remove(&key);
        }
    }
    cmd.env("KUBECONFIG", "/nonexistent/phib-test-kubeconfig")
}

/// The `phib` binary under test, [`isolate`]d, without colours or standard input.
pub fn phib() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_phib"));
    isolate(&mut cmd).env("NO_COLOR", "1").stdin(Stdio::null());
    cmd
}

/// The real helm, [`isolate`]d, with its configuration, data, cache and plugins in
/// `home`.
pub fn real_helm(home: &Path) -> Command {
    let mut cmd = Command::new(tool("helm"));
    helm_home(isolate(&mut cmd), home);
    cmd
}

/// helm's configuration, data, cache and plugins in `home`, for helm or for a phib that
/// starts it.
pub fn helm_home<'a>(cmd: &'a mut Command, home: &Path) -> &'a mut Command {
    cmd.env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_PLUGINS", home.join("data/plugins"))
}

/// Writes `script` to `path` as a program anyone may run (a stand-in for a tool).
pub fn executable(path: &Path, script: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, script).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The finished run of a command.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn stdout_str(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }

    /// Asserts the exit status, showing both streams when it differs.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "expected exit {code}\n--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&self.stdout),
            self.stderr
        );
        self
    }
}

/// Runs `cmd` with `stdin` as its standard input.
pub fn run(cmd: &mut Command, stdin: &[u8]) -> Run {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    writer.join().unwrap();
    Run {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs phib with `args` and empty standard input.
pub fn phib_run<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run(phib().args(args), b"")
}

/// Finds a real external tool for the end-to-end tier: first the cache `scripts/test`
/// fills (`target/tools/bin`), then `PATH`. A missing tool is a failure, never a skip:
/// these tests only run when the tier is on.
pub fn tool(name: &str) -> PathBuf {
    let cached = root().join("target/tools/bin").join(name);
    if cached.is_file() {
        return cached;
    }
    which::which(name).unwrap_or_else(|_| {
        panic!("end-to-end tool `{name}` is missing: run ./scripts/test, which installs it")
    })
}

/// The Python interpreter that has the PyPI `jq` package (libjq 1.8) installed.
pub fn python_with_jq() -> PathBuf {
    let venv = root().join("target/tools/venv/bin/python3");
    if venv.is_file() {
        venv
    } else {
        tool("python3")
    }
}

/// `node tests/oracles/SCRIPT`: an oracle script run on the npm packages `scripts/test`
/// installs into `target/tools/npm`. Such a script exits 3 when its packages are missing,
/// which [`oracle_output`] turns into a failure, never a skip.
pub fn oracle(script: &str) -> Command {
    let mut cmd = Command::new(tool("node"));
    cmd.arg(root().join("tests/oracles").join(script));
    cmd
}

/// Runs an [`oracle`] command; returns (its verdict: exit 0, its report: both streams).
/// Panics unless the oracle itself ran (exit 0 or 1).
pub fn oracle_output(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().expect("run the oracle with node");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    match out.status.code() {
        Some(0) => (true, report),
        Some(1) => (false, report),
        _ => panic!("the oracle did not run ({}): {report}", out.status),
    }
}

/// A fresh temporary folder for one test.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// Reads a file's permission bits.
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Splits a shell line into words: whitespace, single quotes, `# comments`.
pub fn shell_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut cur, mut quoted, mut in_word) = (String::new(), false, false);
    for c in line.chars() {
        match c {
            '\'' => (quoted, in_word) = (!quoted, true),
            '#' if !quoted && !in_word => break,
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// `helm template primehub CHART -f VALUES`: [`helm_template_as`] the default release.
pub fn helm_template(chart: &Path, values: &Path) -> String {
    helm_template_as("primehub", chart, values)
}

/// `helm template RELEASE CHART -f VALUES` with the real helm, isolated from the
/// developer's helm settings and any cluster; the rendered manifests. Fails the test
/// when helm does.
pub fn helm_template_as(release: &str, chart: &Path, values: &Path) -> String {
    let home = tempdir();
    let mut cmd = real_helm(home.path());
    cmd.args(["template", release])
        .arg(chart)
        .arg("-f")
        .arg(values);
    let r = run(&mut cmd, b"");
    r.expect_code(0);
    r.stdout_str()
}

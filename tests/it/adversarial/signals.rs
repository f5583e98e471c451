//! Signals at random points: during render's write of the values file and the Secret
//! manifest, and while helm (`upgrade`) or kubectl (`--apply`) runs (the recording
//! stand-ins: no cluster runs here). After any signal the values file is the whole old
//! or the whole new content, never a mix; after any signal phib can catch, no file of
//! its holding a secret is left; after SIGKILL, which nothing can catch, the next run
//! recognises its own leftovers and removes them.

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::files::{render, PASSWORD};
use super::{parallel, Rng, Tally};
use crate::util::tempdir;

/// Every signal whose default action ends the process, and SIGKILL.
const SIGNALS: &[(libc::c_int, &str)] = &[
    (libc::SIGTERM, "SIGTERM"),
    (libc::SIGINT, "SIGINT"),
    (libc::SIGHUP, "SIGHUP"),
    (libc::SIGQUIT, "SIGQUIT"),
    (libc::SIGXFSZ, "SIGXFSZ"),
    (libc::SIGXCPU, "SIGXCPU"),
    (libc::SIGUSR1, "SIGUSR1"),
    (libc::SIGUSR2, "SIGUSR2"),
    (libc::SIGALRM, "SIGALRM"),
    (libc::SIGPIPE, "SIGPIPE"),
    (libc::SIGKILL, "SIGKILL"),
];

/// The files phib leaves only while it works: its temporary files.
fn temp_files(dir: &Path) -> Vec<String> {
    super::entries(dir)
        .into_iter()
        .filter(|n| n.starts_with(".phib-") || n.starts_with("phib-values-"))
        .collect()
}

/// Whether any file under `dir` holds `secret`.
fn files_holding(dir: &Path, secret: &str) -> Vec<String> {
    super::entries(dir)
        .into_iter()
        .filter(|n| {
            fs::read(dir.join(n))
                .map(|b| String::from_utf8_lossy(&b).contains(secret))
                .unwrap_or(false)
        })
        .collect()
}

/// Starts `cmd` in its own process group, waits `delay`, sends `sig` to the process (or
/// its whole group, as a terminal does), and waits for it to end.
fn interrupt(
    cmd: &mut Command,
    delay: Duration,
    sig: libc::c_int,
    group: bool,
) -> Result<(), String> {
    interrupt_after(cmd, None, delay, sig, group)
}

/// [`interrupt`], with the delay counted from when `started` exists (a stand-in's mark
/// that it runs), when given.
fn interrupt_after(
    cmd: &mut Command,
    started: Option<&Path>,
    delay: Duration,
    sig: libc::c_int,
    group: bool,
) -> Result<(), String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    if let Some(mark) = started {
        let start = Instant::now();
        while !mark.exists() && start.elapsed() < Duration::from_secs(10) {
            if child.try_wait().map_err(|e| e.to_string())?.is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    std::thread::sleep(delay);
    let pid = child.id() as libc::pid_t;
    // SAFETY: kill(2) on the child (or the group) this test started.
    unsafe { libc::kill(if group { -pid } else { pid }, sig) };
    let start = Instant::now();
    loop {
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(20) {
            // SAFETY: as above.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
            let _ = child.wait();
            return Err("phib did not end after the signal".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    // Whatever the stand-ins started in the group ends too.
    // SAFETY: as above.
    unsafe { libc::kill(-pid, libc::SIGKILL) };
    Ok(())
}

/// The values file before, and as a clean run writes it.
fn old_and_new() -> (String, String) {
    let dir = tempdir();
    let old = "domain: hub.example.com\n# kept\ncustomImage:\n  registryEndpoint: \"https://old.example.com\"\n".to_string();
    fs::write(dir.path().join("values.yaml"), &old).unwrap();
    let out = render(dir.path(), &["--values", "values.yaml"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        old,
        fs::read_to_string(dir.path().join("values.yaml")).unwrap(),
    )
}

fn write_attempt(
    rng: &mut Rng,
    sig: libc::c_int,
    old: &str,
    new: &str,
    external: bool,
) -> Result<(), String> {
    let dir = tempdir();
    let d = dir.path();
    fs::write(d.join("values.yaml"), old).unwrap();
    let mut args = vec!["--values", "values.yaml"];
    if external {
        args.extend(["--secret-mode", "external", "--secret-out", "push.yaml"]);
    }
    let mut cmd = render(d, &args);
    // Widen the window between the temp file and the rename, at random.
    cmd.env(
        "PHIB_TEST_PAUSE_BEFORE_RENAME_MS",
        rng.below(40).to_string(),
    );
    interrupt(
        &mut cmd,
        Duration::from_millis(rng.below(60)),
        sig,
        rng.below(2) == 0,
    )?;
    let now = fs::read_to_string(d.join("values.yaml")).map_err(|e| e.to_string())?;
    if !external && now != old && now != new {
        return Err(format!("the values file is neither old nor new:\n{now}"));
    }
    if external && now != old && !now.contains("pushSecretName") {
        return Err(format!("the values file is neither old nor new:\n{now}"));
    }
    if let Ok(bak) = fs::read_to_string(d.join("values.yaml.bak")) {
        if bak != old {
            return Err(format!("the backup is not the old file:\n{bak}"));
        }
    }
    let left = temp_files(d);
    if sig != libc::SIGKILL {
        if !left.is_empty() {
            return Err(format!("left behind: {left:?}"));
        }
        return Ok(());
    }
    // After SIGKILL: the next run cleans up what the killed one left.
    let out = render(d, &args).output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "the next run failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let left = temp_files(d);
    if !left.is_empty() {
        return Err(format!("the next run left the leftovers: {left:?}"));
    }
    Ok(())
}

#[test]
fn signals_during_writes_leave_old_or_new_and_no_secret_file() {
    let mut rng = Rng::from_env("signals during writes");
    let (old, new) = old_and_new();
    let mut cases = Vec::new();
    for round in 0..8 {
        for &(sig, name) in SIGNALS {
            cases.push((sig, name, round % 2 == 1, rng.next()));
        }
    }
    let results = parallel(&cases, 4, |&(sig, _, external, seed)| {
        write_attempt(&mut Rng::new(seed), sig, &old, &new, external)
    });
    let mut tally = Tally::new("signals during writes");
    for ((_, name, external, seed), r) in cases.iter().zip(results) {
        let what = if *external {
            "values + manifest"
        } else {
            "values"
        };
        tally.attempt(&format!("{name} during the {what} write (seed {seed})"), r);
    }
    tally.finish();
}

fn upgrade_attempt(rng: &mut Rng, sig: libc::c_int) -> Result<(), String> {
    let stub = crate::helm::Stub::new();
    let work = tempdir();
    let tmp = tempdir();
    fs::write(
        work.path().join("values.yaml"),
        format!("customImage:\n  registryEndpoint: \"ghcr.io\"\n  registryUsername: \"me\"\n  registryPassword: \"{PASSWORD}\"\n  pushRepo: \"ghcr.io/me/builds\"\n"),
    )
    .unwrap();
    let mut cmd = stub.phib(work.path());
    cmd.args(["upgrade", "--yes"])
        .env("TMPDIR", tmp.path())
        .env("STUB_UPGRADE_SLEEP", format!("0.{:02}", 10 + rng.below(30)));
    // Mostly while helm runs (the stand-in marks its start), sometimes anywhere.
    let mark = stub.dir().join("upgrade-started");
    let started = (rng.below(3) != 0).then_some(mark.as_path());
    let delay = Duration::from_millis(rng.below(if started.is_some() { 40 } else { 250 }));
    interrupt_after(&mut cmd, started, delay, sig, rng.below(2) == 0)?;
    let holding = files_holding(tmp.path(), PASSWORD);
    if sig != libc::SIGKILL {
        if !holding.is_empty() || !temp_files(tmp.path()).is_empty() {
            return Err(format!(
                "left behind in TMPDIR: {:?}",
                temp_files(tmp.path())
            ));
        }
        return Ok(());
    }
    // After SIGKILL: the next upgrade removes the killed one's file.
    let out = stub
        .phib(work.path())
        .args(["upgrade", "--yes"])
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "the next run failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let left = files_holding(tmp.path(), PASSWORD);
    if !left.is_empty() {
        return Err(format!("the next run left the leftovers: {left:?}"));
    }
    Ok(())
}

#[test]
fn signals_during_helm_leave_no_secret_file_stub_cluster() {
    let mut rng = Rng::from_env("signals during helm");
    let mut cases = Vec::new();
    for _ in 0..4 {
        for &(sig, name) in SIGNALS {
            cases.push((sig, name, rng.next()));
        }
    }
    let results = parallel(&cases, 4, |&(sig, _, seed)| {
        upgrade_attempt(&mut Rng::new(seed), sig)
    });
    let mut tally = Tally::new("signals during helm");
    for ((_, name, seed), r) in cases.iter().zip(results) {
        tally.attempt(&format!("{name} during helm upgrade (seed {seed})"), r);
    }
    tally.finish();
}

fn kubectl_attempt(rng: &mut Rng, sig: libc::c_int, old: &str) -> Result<(), String> {
    let dir = tempdir();
    let d = dir.path();
    let bin = d.join("bin");
    fs::create_dir(&bin).unwrap();
    let kubectl = bin.join("kubectl");
    fs::write(
        &kubectl,
        "#!/bin/sh\ncat > /dev/null\nsleep 0.2\necho secret/x configured\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&kubectl, fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(d.join("values.yaml"), old).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = render(
        d,
        &[
            "--values",
            "values.yaml",
            "--secret-mode",
            "external",
            "--apply",
        ],
    );
    cmd.env("PATH", path);
    interrupt(
        &mut cmd,
        Duration::from_millis(rng.below(250)),
        sig,
        rng.below(2) == 0,
    )?;
    let now = fs::read_to_string(d.join("values.yaml")).map_err(|e| e.to_string())?;
    if now != old && !now.contains("pushSecretName") {
        return Err(format!("the values file is neither old nor new:\n{now}"));
    }
    if sig != libc::SIGKILL && !temp_files(d).is_empty() {
        return Err(format!("left behind: {:?}", temp_files(d)));
    }
    Ok(())
}

#[test]
fn signals_during_kubectl_leave_old_or_new_values_stub_cluster() {
    let mut rng = Rng::from_env("signals during kubectl");
    let (old, _) = old_and_new();
    let mut cases = Vec::new();
    for _ in 0..2 {
        for &(sig, name) in SIGNALS {
            cases.push((sig, name, rng.next()));
        }
    }
    let results = parallel(&cases, 4, |&(sig, _, seed)| {
        kubectl_attempt(&mut Rng::new(seed), sig, &old)
    });
    let mut tally = Tally::new("signals during kubectl");
    for ((_, name, seed), r) in cases.iter().zip(results) {
        tally.attempt(&format!("{name} during kubectl apply (seed {seed})"), r);
    }
    tally.finish();
}

#[test]
fn a_file_size_limit_hit_during_the_write_leaves_the_old_file_and_no_temp_file() {
    // `ulimit -f`: the write of the backup goes over it and the kernel sends SIGXFSZ.
    let dir = tempdir();
    let d = dir.path();
    let old = format!(
        "domain: hub.example.com\nnotes: |\n{}",
        "  a line of notes that makes the file larger than the limit\n".repeat(80)
    );
    fs::write(d.join("values.yaml"), &old).unwrap();
    let mut cmd = render(d, &["--values", "values.yaml"]);
    // SAFETY: setrlimit(2) between fork and exec touches only the child.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 2048,
                rlim_max: 2048,
            };
            libc::setrlimit(libc::RLIMIT_FSIZE, &limit);
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    assert!(!out.status.success(), "the write fit after all");
    assert_eq!(fs::read_to_string(d.join("values.yaml")).unwrap(), old);
    assert_eq!(temp_files(d), Vec::<String>::new(), "left behind");
}

//! File-system oddities as the files phib reads and writes: devices (made with mknod
//! in the test's folder, and `/dev/null` itself inside a private mount namespace where
//! the test can `unshare`), FIFOs, sockets, folders, symlinks (dangling, into a missing
//! folder, in a loop, to a device), a trailing `/`, a file too big, a file owned by
//! another user, a umask of 777, and `--secret-out` naming the values file another way.
//! Every command must refuse what it cannot handle with exit 2, at once, and leave the
//! oddity exactly as it was.

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{entries, no_secret, parallel, Tally};
use crate::util::{phib, tempdir, Run};

pub const PASSWORD: &str = "F1les-Pa55w0rd";

/// `phib render` for a Harbor registry with the password in the environment.
pub fn render(dir: &Path, extra: &[&str]) -> Command {
    let mut cmd = phib();
    cmd.current_dir(dir)
        .env("PHIB_REGISTRY_PASSWORD", PASSWORD)
        .args([
            "render",
            "--registry",
            "harbor",
            "--endpoint",
            "https://reg.example.com",
            "--username",
            "robot$ci",
            "--push-repo-prefix",
            "reg.example.com/team",
        ])
        .args(extra);
    cmd
}

/// `phib render --rotate --values` (the file to follow) with a new password.
pub fn rotate(dir: &Path) -> Command {
    let mut cmd = phib();
    cmd.current_dir(dir)
        .env("PHIB_REGISTRY_PASSWORD", "R0tated-Pa55")
        .args(["render", "--registry", "harbor", "--rotate", "--values"]);
    cmd
}

/// Runs `cmd`, killing it after `limit`: `Err` when it had to be killed.
pub fn run_bounded(cmd: &mut Command, limit: Duration) -> Result<Run, String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
    let start = Instant::now();
    loop {
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            break;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("still running after {limit:?}: killed"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    Ok(Run {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// What a path is, to compare before and after.
#[derive(Debug, PartialEq, Eq)]
enum Shape {
    Missing,
    File(Vec<u8>, u32, u32, u32),
    Dir,
    Link(PathBuf),
    Other(u64, u64),
}

fn shape(p: &Path) -> Shape {
    match fs::symlink_metadata(p) {
        Err(_) => Shape::Missing,
        Ok(m) if m.file_type().is_symlink() => Shape::Link(fs::read_link(p).unwrap()),
        Ok(m) if m.is_dir() => Shape::Dir,
        Ok(m) if m.is_file() => Shape::File(
            fs::read(p).unwrap_or_default(),
            m.uid(),
            m.gid(),
            m.mode() & 0o7777,
        ),
        Ok(m) => Shape::Other(m.mode() as u64, m.rdev()),
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Makes a device node like /dev/null (1,3) or /dev/zero (1,5) at `p`.
fn mknod(p: &Path, minor: u32) -> bool {
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: mknod(2) with a valid C string.
    unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, minor)) == 0 }
}

/// Makes an oddity at a path in a folder; false when this machine cannot.
type MakeOdd = fn(&Path, &Path) -> bool;
/// A phib command working in a folder on a file.
type OnFile = fn(&Path, &Path) -> Command;

/// A row of the table: a command and the file it reads or writes, and whether a pipe
/// may stand for that file (`--keyfile <(…)`, `compact -`): a FIFO with nobody writing
/// to it is then waited for, as a shell's `<(…)` is.
struct Row {
    name: &'static str,
    command: OnFile,
    streams: bool,
}

/// The oddities, each made in `dir` as the path `odd` (returns false when this machine
/// cannot make it).
fn oddities() -> Vec<(&'static str, MakeOdd)> {
    vec![
        ("fifo", |_, p| {
            let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
            // SAFETY: mkfifo(3) with a valid C string.
            unsafe { libc::mkfifo(c.as_ptr(), 0o600) == 0 }
        }),
        ("null device", |_, p| mknod(p, 3)),
        ("zero device", |_, p| mknod(p, 5)),
        ("socket", |_, p| {
            let l = std::os::unix::net::UnixListener::bind(p);
            std::mem::forget(l);
            p.exists()
        }),
        ("folder", |_, p| fs::create_dir(p).is_ok()),
        ("dangling symlink into a missing folder", |_, p| {
            std::os::unix::fs::symlink("missing/values.yaml", p).is_ok()
        }),
        ("symlink loop", |d, p| {
            std::os::unix::fs::symlink("loop-b", p).is_ok()
                && std::os::unix::fs::symlink(p, d.join("loop-b")).is_ok()
        }),
        ("symlink to a device", |d, p| {
            mknod(&d.join("dev"), 3) && std::os::unix::fs::symlink("dev", p).is_ok()
        }),
        ("symlink to a fifo", |d, p| {
            let f = d.join("fifo");
            let c = std::ffi::CString::new(f.as_os_str().as_encoded_bytes()).unwrap();
            // SAFETY: mkfifo(3) with a valid C string.
            let made = unsafe { libc::mkfifo(c.as_ptr(), 0o600) == 0 };
            made && std::os::unix::fs::symlink("fifo", p).is_ok()
        }),
        ("huge file", |_, p| {
            let mut text = String::from("customImage:\n  registryEndpoint: x\nfill: |\n");
            while text.len() < 6 * 1024 * 1024 {
                text.push_str(
                    "  0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
                );
            }
            fs::write(p, text).is_ok()
        }),
    ]
}

/// The commands that take the oddity as their file.
fn commands() -> Vec<Row> {
    let mut rows = values_commands();
    rows.extend(other_file_commands());
    rows
}

/// The commands that take a values file (or the Secret manifest beside it).
fn values_commands() -> Vec<Row> {
    let files = |name, command| Row {
        name,
        command,
        streams: false,
    };
    vec![
        files("render", |d, v| {
            let mut c = render(d, &["--values"]);
            c.arg(v);
            c
        }),
        files("render --check", |d, v| {
            let mut c = render(d, &["--check", "--values"]);
            c.arg(v);
            c
        }),
        files("render --rotate", |d, v| {
            let mut c = rotate(d);
            c.arg(v);
            c
        }),
        files("render --secret-out", |d, v| {
            let mut c = render(
                d,
                &[
                    "--secret-mode",
                    "external",
                    "--values",
                    "v.yaml",
                    "--secret-out",
                ],
            );
            c.arg(v);
            c
        }),
        files("show", |d, v| {
            let mut c = phib();
            c.current_dir(d).args(["show", "--values"]).arg(v);
            c
        }),
        files("verify", |d, v| {
            let mut c = phib();
            c.current_dir(d)
                .args(["verify", "--timeout", "1", "--values"])
                .arg(v);
            c
        }),
        files("verify --secret-file", |d, v| {
            fs::write(
                d.join("v2.yaml"),
                "customImage:\n  registryEndpoint: 'https://127.0.0.1:9'\n  pushSecretName: s\n  pushRepoPrefix: '127.0.0.1:9/t'\n",
            )
            .unwrap();
            let mut c = phib();
            c.current_dir(d)
                .args([
                    "verify",
                    "--timeout",
                    "1",
                    "--values",
                    "v2.yaml",
                    "--secret-file",
                ])
                .arg(v);
            c
        }),
        files("upgrade --dry-run", |d, v| {
            let mut c = phib();
            // No helm is needed to refuse the file: it is read first.
            c.current_dir(d)
                .env("HELM_BIN", "/nonexistent/helm")
                .args(["upgrade", "--dry-run", "--values"])
                .arg(v);
            c
        }),
    ]
}

/// The commands that take another kind of file: a manifest bundle, a CA file, a
/// keyfile, any JSON.
fn other_file_commands() -> Vec<Row> {
    let files = |name, command| Row {
        name,
        command,
        streams: false,
    };
    vec![
        files("doctor --manifests", |d, v| {
            let mut c = phib();
            c.current_dir(d).args(["doctor", "--manifests"]).arg(v);
            c
        }),
        files("doctor --values", |d, v| {
            fs::write(d.join("bundle.yaml"), BUNDLE).unwrap();
            let mut c = phib();
            c.current_dir(d)
                .args(["doctor", "--manifests", "bundle.yaml", "--values"])
                .arg(v);
            c
        }),
        files("verify --ca-file", |d, v| {
            fs::write(
                d.join("v2.yaml"),
                "customImage:\n  registryEndpoint: 'https://127.0.0.1:9'\n  registryUsername: u\n  registryPassword: F1les-Pa55w0rd\n  pushRepoPrefix: '127.0.0.1:9/t'\n",
            )
            .unwrap();
            let mut c = phib();
            c.current_dir(d)
                .args([
                    "verify",
                    "--timeout",
                    "1",
                    "--values",
                    "v2.yaml",
                    "--ca-file",
                ])
                .arg(v);
            c
        }),
        Row {
            name: "render --keyfile",
            command: |d, v| {
                let mut c = phib();
                c.current_dir(d)
                    .args([
                        "render",
                        "--registry",
                        "artifact-registry",
                        "--location",
                        "us-central1",
                        "--repository",
                        "builds",
                        "--values",
                        "v.yaml",
                        "--keyfile",
                    ])
                    .arg(v);
                c
            },
            streams: true,
        },
        Row {
            name: "compact",
            command: |d, v| {
                let mut c = phib();
                c.current_dir(d).arg("compact").arg(v);
                c
            },
            streams: true,
        },
    ]
}

/// A bundle as `helm get manifest` prints it: the controller ConfigMap, enough for the
/// doctor to read `--values` next to it.
const BUNDLE: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: primehub-controller-config\n  labels:\n    helm.sh/chart: primehub-v4.1.0\ndata:\n  config.yaml: |\n    customImage: {}\n";

#[test]
fn file_system_oddities_are_refused_at_once_and_left_as_they_were() {
    let mut cases = Vec::new();
    for (odd_name, make) in oddities() {
        for row in commands() {
            // A pipe is read where one is meant, as it comes.
            if row.streams && odd_name.contains("fifo") {
                continue;
            }
            cases.push((odd_name, make, row.name, row.command));
        }
    }
    let results = parallel(&cases, 4, |&(odd_name, make, _, command)| {
        let dir = tempdir();
        let odd = dir.path().join("odd");
        if !make(dir.path(), &odd) {
            return Err(format!("cannot make a {odd_name} here"));
        }
        let before = shape(&odd);
        let listing = entries(dir.path());
        let r = run_bounded(&mut command(dir.path(), &odd), Duration::from_secs(20))?;
        if r.code != Some(2) {
            return Err(format!("exit {:?}, not 2:\n{}", r.code, r.stderr));
        }
        // Refused for the file, not for something else.
        if !r.stderr.contains("odd") {
            return Err(format!("the refusal does not name the file:\n{}", r.stderr));
        }
        no_secret("stderr", &r.stderr, &[PASSWORD])?;
        no_secret("stdout", &String::from_utf8_lossy(&r.stdout), &[PASSWORD])?;
        if shape(&odd) != before {
            return Err("the oddity was changed".into());
        }
        let mut after = entries(dir.path());
        after.retain(|e| e != "v2.yaml" && e != "bundle.yaml");
        if after != listing {
            return Err(format!("files appeared: {listing:?} -> {after:?}"));
        }
        Ok(())
    });
    let mut tally = Tally::new("file system");
    for ((odd_name, _, cmd_name, _), r) in cases.iter().zip(results) {
        tally.attempt(&format!("{cmd_name} on a {odd_name}"), r);
    }
    tally.finish();
}

#[test]
fn a_device_as_values_or_secret_out_is_refused_and_stays_a_device() {
    assert!(is_root(), "this test makes device nodes: run it as root");
    let dir = tempdir();
    let dev = dir.path().join("null");
    assert!(mknod(&dev, 3), "mknod");
    for extra in [
        vec!["--values", "null"],
        vec![
            "--secret-mode",
            "external",
            "--values",
            "v.yaml",
            "--secret-out",
            "null",
        ],
    ] {
        let r = run_bounded(&mut render(dir.path(), &extra), Duration::from_secs(20)).unwrap();
        r.expect_code(2);
        assert!(r.stderr.contains("is a device"), "{}", r.stderr);
        let meta = fs::symlink_metadata(&dev).unwrap();
        assert!(meta.file_type().is_char_device(), "{extra:?}: replaced");
        assert!(!dir.path().join("null.bak").exists());
        assert!(!dir.path().join("v.yaml").exists(), "values written first");
    }
    // `/dev/null` itself, in a private mount namespace whose /dev is a fresh tmpfs (so
    // that a bug cannot harm the machine's own /dev/null).
    let script = format!(
        "mount -t tmpfs tmpfs /dev && mknod -m 666 /dev/null c 1 3 && cd {} && PHIB_REGISTRY_PASSWORD={PASSWORD} {} render --registry harbor --endpoint https://reg.example.com --username u --push-repo-prefix reg.example.com/t --values /dev/null; echo \"exit=$?\"; test -c /dev/null && echo still-a-device; ls /dev",
        dir.path().display(),
        env!("CARGO_BIN_EXE_phib")
    );
    let out = Command::new("unshare")
        .args(["-m", "sh", "-c", &script])
        .output();
    match out {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("exit=2"), "{text}");
            assert!(text.contains("still-a-device"), "{text}");
            assert!(!text.contains("null.bak"), "{text}");
        }
        _ => eprintln!("adversarial: no private mount namespace here; /dev/null case skipped"),
    }
}

#[test]
fn a_fifo_as_values_is_refused_without_waiting_by_every_command() {
    let dir = tempdir();
    let fifo = dir.path().join("values.yaml");
    let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: mkfifo(3) with a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    for Row { name, command, .. } in values_commands() {
        let r = run_bounded(&mut command(dir.path(), &fifo), Duration::from_secs(10))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(r.code, Some(2), "{name}: {}", r.stderr);
        assert!(r.stderr.contains("named pipe"), "{name}: {}", r.stderr);
    }
}

#[test]
fn a_values_file_over_the_limit_is_refused_with_a_clear_error() {
    let dir = tempdir();
    let v = dir.path().join("values.yaml");
    let line = "  0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";
    let text = format!("fill: |\n{}", line.repeat(80_000));
    fs::write(&v, &text).unwrap();
    for Row { name, command, .. } in values_commands() {
        if name == "render --secret-out" || name == "verify --secret-file" {
            continue;
        }
        let r = run_bounded(&mut command(dir.path(), &v), Duration::from_secs(20)).unwrap();
        assert_eq!(r.code, Some(2), "{name}: {}", r.stderr);
        assert!(
            r.stderr.contains("too large for a values file"),
            "{name}: {}",
            r.stderr
        );
    }
    assert_eq!(fs::read_to_string(&v).unwrap(), text);
}

#[test]
fn secret_out_naming_the_values_file_or_its_backup_any_way_is_refused() {
    let dir = tempdir();
    let d = dir.path();
    // A values file and its backup, from two runs.
    render(d, &["--values", "values.yaml"]).output().unwrap();
    let r = run_bounded(rotate(d).arg("values.yaml"), Duration::from_secs(20)).unwrap();
    r.expect_code(0);
    assert!(d.join("values.yaml.bak").exists());
    fs::create_dir(d.join("sub")).unwrap();
    std::os::unix::fs::symlink("values.yaml", d.join("link.yaml")).unwrap();
    let values = fs::read(d.join("values.yaml")).unwrap();
    let bak = fs::read(d.join("values.yaml.bak")).unwrap();
    let abs = d.join("values.yaml").display().to_string();
    for out in [
        "./values.yaml",
        "link.yaml",
        "sub/../values.yaml",
        abs.as_str(),
        "values.yaml.bak",
        "./values.yaml.bak",
    ] {
        let r = run_bounded(
            &mut render(
                d,
                &[
                    "--secret-mode",
                    "external",
                    "--values",
                    "values.yaml",
                    "--secret-out",
                    out,
                ],
            ),
            Duration::from_secs(20),
        )
        .unwrap();
        assert_eq!(r.code, Some(2), "{out}: {}", r.stderr);
        assert!(r.stderr.contains("values file"), "{out}: {}", r.stderr);
        assert_eq!(fs::read(d.join("values.yaml")).unwrap(), values, "{out}");
        assert_eq!(fs::read(d.join("values.yaml.bak")).unwrap(), bak, "{out}");
    }
    // The values file named another way, with the Secret elsewhere, is fine.
    let r = run_bounded(
        &mut render(
            d,
            &[
                "--secret-mode",
                "external",
                "--values",
                "link.yaml",
                "--secret-out",
                "push.yaml",
            ],
        ),
        Duration::from_secs(20),
    )
    .unwrap();
    r.expect_code(0);
}

#[test]
fn secret_out_replaces_only_a_manifest_phib_wrote_unless_told() {
    let dir = tempdir();
    let d = dir.path();
    fs::write(d.join("notes.txt"), "my notes\n").unwrap();
    let ext = |out: &str, more: &[&str]| {
        let mut args = vec![
            "--secret-mode",
            "external",
            "--values",
            "values.yaml",
            "--secret-out",
            out,
        ];
        args.extend_from_slice(more);
        run_bounded(&mut render(d, &args), Duration::from_secs(20)).unwrap()
    };
    let r = ext("notes.txt", &[]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("--overwrite-secret-out"), "{}", r.stderr);
    assert_eq!(
        fs::read_to_string(d.join("notes.txt")).unwrap(),
        "my notes\n"
    );
    assert!(
        !d.join("values.yaml").exists(),
        "values written before the refusal"
    );
    // Its own manifest: replaced freely (a second run, a rotation).
    ext("push.yaml", &[]).expect_code(0);
    ext("push.yaml", &[]).expect_code(0);
    // With the flag, the unrelated file is replaced.
    ext("notes.txt", &["--overwrite-secret-out"]).expect_code(0);
    let replaced: serde_yaml::Value =
        serde_yaml::from_str(&fs::read_to_string(d.join("notes.txt")).unwrap()).unwrap();
    assert_eq!(replaced["kind"].as_str(), Some("Secret"), "{replaced:?}");
}

#[test]
fn root_editing_another_users_file_keeps_its_owner_group_and_mode() {
    assert!(
        is_root(),
        "this test gives files to another user: run it as root"
    );
    let dir = tempdir();
    let d = dir.path();
    let v = d.join("values.yaml");
    fs::write(&v, "domain: hub.example.com\n").unwrap();
    std::os::unix::fs::chown(&v, Some(4321), Some(4322)).unwrap();
    fs::set_permissions(&v, fs::Permissions::from_mode(0o600)).unwrap();
    render(d, &["--values", "values.yaml"]).output().unwrap();
    for p in [v.clone(), d.join("values.yaml.bak")] {
        let m = fs::metadata(&p).unwrap();
        assert_eq!((m.uid(), m.gid()), (4321, 4322), "{}", p.display());
        assert_eq!(m.mode() & 0o777, 0o600, "{}", p.display());
    }
    assert!(fs::read_to_string(&v).unwrap().contains("customImage:"));
}

#[test]
fn umask_777_still_writes_files_readable_by_their_owner_only() {
    let dir = tempdir();
    let d = dir.path();
    fs::write(d.join("values.yaml"), "domain: x\n").unwrap();
    let mut cmd = render(
        d,
        &[
            "--secret-mode",
            "external",
            "--values",
            "values.yaml",
            "--secret-out",
            "push.yaml",
        ],
    );
    // SAFETY: umask(2) between fork and exec touches only the child.
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(|| {
            libc::umask(0o777);
            Ok(())
        });
    }
    let r = run_bounded(&mut cmd, Duration::from_secs(20)).unwrap();
    r.expect_code(0);
    for f in ["values.yaml", "values.yaml.bak", "push.yaml"] {
        assert_eq!(crate::util::mode(&d.join(f)), 0o600, "{f}");
    }
}

#[test]
fn a_symlink_into_a_missing_folder_and_a_trailing_slash_are_exit_2() {
    let dir = tempdir();
    let d = dir.path();
    std::os::unix::fs::symlink("missing/values.yaml", d.join("link.yaml")).unwrap();
    fs::write(d.join("x.yaml"), "a: 1\n").unwrap();
    for (values, want) in [
        ("link.yaml", "does not exist"),
        ("x.yaml/", "ends with `/`"),
        ("new.yaml/", "ends with `/`"),
    ] {
        let r = run_bounded(
            &mut render(d, &["--values", values]),
            Duration::from_secs(20),
        )
        .unwrap();
        assert_eq!(r.code, Some(2), "{values}: {}", r.stderr);
        assert!(r.stderr.contains(want), "{values}: {}", r.stderr);
    }
    assert!(!d.join("missing").exists());
    assert_eq!(fs::read_to_string(d.join("x.yaml")).unwrap(), "a: 1\n");
}

#[test]
fn nested_aliases_are_explained_without_a_line_and_column() {
    let dir = tempdir();
    let v = dir.path().join("values.yaml");
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    fs::write(&v, text).unwrap();
    for Row { name, command, .. } in values_commands() {
        if name == "render --secret-out" || name == "verify --secret-file" {
            continue;
        }
        let r = run_bounded(&mut command(dir.path(), &v), Duration::from_secs(20)).unwrap();
        assert_eq!(r.code, Some(2), "{name}: {}", r.stderr);
        assert!(
            !r.stderr.contains("at that line and column"),
            "{name}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("aliases"), "{name}: {}", r.stderr);
    }
}

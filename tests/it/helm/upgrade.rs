//! `phib upgrade` against the recording stand-in for helm.

use super::*;

#[test]
fn upgrade_passes_only_the_block_pinned_with_removed_keys_null_stub_cluster() {
    let stub = Stub::new();
    let (dir, values) = workdir();
    let before = fs::read(&values).unwrap();
    let r = run(stub.phib(dir.path()).args(["upgrade", "--yes"]), b"");
    r.expect_code(0);

    let ups = stub.upgrade_calls();
    assert_eq!(ups.len(), 1, "{:?}", stub.calls());
    let (n, args) = &ups[0];
    let tmp = flag_value(args, "-f");
    assert_eq!(tmp.len(), 1, "exactly one -f: {args:?}");
    let tmp = tmp[0];
    assert_eq!(
        args,
        &[
            "upgrade",
            "primehub",
            "infuseai/primehub",
            "--namespace",
            "hub",
            "--reuse-values",
            "--version",
            "v4.1.0",
            "-f",
            tmp,
        ]
    );
    // The values file passed: only customImage, removed keys reset, written 0600.
    let passed: Value = serde_yaml::from_str(&stub.copy(*n)).unwrap();
    assert_eq!(
        passed.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["customImage"]
    );
    let block = &passed["customImage"];
    assert_eq!(block["registryPassword"], NEW_PASSWORD);
    assert_eq!(block["pushRepo"], "ghcr.io/me/builds");
    for removed in ["pushRepoPrefix", "enabled"] {
        assert!(
            block.as_object().unwrap().contains_key(removed),
            "{removed}"
        );
        assert_eq!(block[removed], Value::Null, "{removed}");
    }
    assert_eq!(
        block["pushSecretName"],
        "primehub-controller-custom-image-push-secret"
    );
    assert_eq!(block["insecureSkipVerify"], false);
    assert_eq!(stub.read("fmodes").trim(), "600");
    assert!(!Path::new(tmp).exists(), "temp file left behind: {tmp}");

    // No secret in any argv, nor in what phib printed.
    for call in stub.calls() {
        assert_no_secret("helm's argv", &call.join(" "));
        assert!(!call.iter().any(|a| a.starts_with("--set")), "{call:?}");
    }
    let out = r.stdout_str();
    assert_no_secret("stdout", &out);
    assert_no_secret("stderr", &r.stderr);
    assert!(out.contains("--version v4.1.0"), "{out}");
    assert!(out.contains("registryPassword: changed"), "{out}");
    assert!(out.contains("pushRepoPrefix: removed"), "{out}");
    assert!(out.contains("phib verify"), "{out}");
    assert!(
        out.contains("has been upgraded"),
        "helm's output is streamed: {out}"
    );
    assert_eq!(fs::read(&values).unwrap(), before);
}

#[test]
fn upgrade_asks_helm_for_the_release_in_the_given_namespace_stub_cluster() {
    let stub = Stub::new();
    stub.set_release("primehub-3.7.1");
    let (dir, _) = workdir();
    let r = run(
        stub.phib(dir.path()).args([
            "upgrade",
            "--yes",
            "--namespace",
            "prime",
            "--values",
            "values.yaml",
        ]),
        b"",
    );
    r.expect_code(0);
    let calls = stub.calls();
    let list = calls.iter().find(|a| a[0] == "list").unwrap();
    assert_eq!(flag_value(list, "-n"), ["prime"]);
    assert_eq!(flag_value(list, "-o"), ["json"]);
    let get = calls.iter().find(|a| a[0] == "get").unwrap();
    // The release name comes after `--`, where helm reads no option.
    assert_eq!(&get[..2], ["get", "values"]);
    assert_eq!(&get[get.len() - 2..], ["--", "primehub"]);
    assert_eq!(flag_value(get, "-n"), ["prime"]);
    let (_, up) = &stub.upgrade_calls()[0];
    assert_eq!(flag_value(up, "--namespace"), ["prime"]);
    assert_eq!(flag_value(up, "--version"), ["3.7.1"]);

    // `--version` overrides the pin.
    let stub = Stub::new();
    run(
        stub.phib(dir.path())
            .args(["upgrade", "--yes", "--version", "4.2.0"]),
        b"",
    )
    .expect_code(0);
    assert_eq!(
        flag_value(&stub.upgrade_calls()[0].1, "--version"),
        ["4.2.0"]
    );
}

#[test]
fn dry_run_runs_no_upgrade_stub_cluster() {
    let stub = Stub::new();
    let (dir, _) = workdir();
    let r = run(stub.phib(dir.path()).args(["upgrade", "--dry-run"]), b"");
    r.expect_code(0);
    assert!(stub.upgrade_calls().is_empty(), "{:?}", stub.calls());
    assert_eq!(
        stub.read("fpaths"),
        "",
        "no values file was even handed over"
    );
    let out = r.stdout_str();
    assert!(
        out.contains("upgrade primehub infuseai/primehub --namespace hub --reuse-values --version v4.1.0 -f TMPFILE"),
        "{out}"
    );
    assert!(out.contains("<redacted>"), "{out}");
    assert!(out.contains("nothing was run"), "{out}");
    assert_no_secret("stdout", &out);
}

#[test]
fn no_terminal_and_no_yes_exits_2_stub_cluster() {
    let stub = Stub::new();
    let (dir, _) = workdir();
    let r = run(stub.phib(dir.path()).args(["upgrade"]), b"y\n");
    r.expect_code(2);
    assert!(stub.upgrade_calls().is_empty());
    assert!(r.stderr.contains("--yes"), "{}", r.stderr);
    assert_no_secret("output", &format!("{}{}", r.stdout_str(), r.stderr));
}

#[test]
fn missing_release_is_explained_and_install_uses_the_whole_file_stub_cluster() {
    let stub = Stub::new();
    stub.set("list.json", "[]");
    let (dir, values) = workdir();
    let r = run(stub.phib(dir.path()).args(["upgrade", "--yes"]), b"");
    r.expect_code(1);
    assert!(
        r.stderr
            .contains("no release `primehub` in namespace `hub`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--install"), "{}", r.stderr);
    assert!(stub.upgrade_calls().is_empty());

    let r = run(
        stub.phib(dir.path())
            .args(["upgrade", "--yes", "--install"]),
        b"",
    );
    r.expect_code(0);
    let (n, args) = &stub.upgrade_calls()[0];
    assert_eq!(
        args,
        &[
            "upgrade",
            "--install",
            "primehub",
            "infuseai/primehub",
            "--namespace",
            "hub",
            "--create-namespace",
            "-f",
            "values.yaml",
        ]
    );
    assert_eq!(stub.copy(*n), fs::read_to_string(&values).unwrap());
    assert!(values.exists());
}

#[test]
fn unknown_chart_repository_names_the_repo_add_command_stub_cluster() {
    let stub = Stub::new();
    stub.set("repos.json", "[]");
    let (dir, _) = workdir();
    let r = run(stub.phib(dir.path()).args(["upgrade", "--yes"]), b"");
    r.expect_code(1);
    assert!(
        r.stderr
            .contains("helm repo add infuseai https://charts.infuseai.io"),
        "{}",
        r.stderr
    );
    assert!(stub.upgrade_calls().is_empty());
}

#[test]
fn helm_failure_is_exit_1_with_its_message_and_no_temp_file_stub_cluster() {
    let stub = Stub::new();
    stub.set(
        "upgrade-fail",
        "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress\n",
    );
    let (dir, values) = workdir();
    let before = fs::read(&values).unwrap();
    let r = run(stub.phib(dir.path()).args(["upgrade", "--yes"]), b"");
    r.expect_code(1);
    assert!(
        r.stderr.contains("phib: helm upgrade failed"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("another operation"), "{}", r.stderr);
    assert!(r.stderr.contains("help: "), "{}", r.stderr);
    let tmp = stub.read("fpaths");
    assert!(!tmp.is_empty());
    assert!(!Path::new(tmp.trim()).exists(), "temp file left behind");
    assert_eq!(fs::read(&values).unwrap(), before);
}

#[test]
fn helm_echoing_its_values_file_shows_no_password_stub_cluster() {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let stub = Stub::new();
    stub.set("upgrade-echo", "");
    let (dir, _) = workdir();
    // The upgrade (temporary file with the block) and a first install (the user's file).
    for (args, install) in [
        (&["upgrade", "--yes"][..], false),
        (&["upgrade", "--yes", "--install"][..], true),
    ] {
        if install {
            stub.set("list.json", "[]");
        }
        let r = run(stub.phib(dir.path()).args(args), b"");
        r.expect_code(1);
        let out = r.stdout_str();
        // helm's output did come through, with the secrets replaced.
        assert!(out.contains("registryPassword"), "{out}");
        assert!(out.contains("auth <redacted> password <redacted>"), "{out}");
        assert!(r.stderr.contains("registryPassword"), "{}", r.stderr);
        assert!(
            r.stderr
                .contains("failed: helm said: UPGRADE FAILED: cannot use <redacted> (<redacted>)"),
            "{}",
            r.stderr
        );
        for text in [out.as_str(), r.stderr.as_str()] {
            for secret in [
                NEW_PASSWORD.to_string(),
                b64(NEW_PASSWORD),
                b64(&format!("me:{NEW_PASSWORD}")),
            ] {
                assert!(!text.contains(&secret), "{secret} shown:\n{text}");
            }
        }
    }
    assert_eq!(stub.upgrade_calls().len(), 2);
}

#[test]
fn ctrl_c_during_helm_removes_the_temp_file_stub_cluster() {
    use std::os::unix::process::CommandExt;
    let stub = Stub::new();
    let (dir, _) = workdir();
    let mut cmd = stub.phib(dir.path());
    cmd.args(["upgrade", "--yes"])
        .env("STUB_UPGRADE_SLEEP", "30")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        // Its own process group, as a terminal's foreground job: Ctrl-C reaches all.
        .process_group(0);
    let child = cmd.spawn().unwrap();
    let started = stub.dir.path().join("upgrade-started");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !started.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "helm was never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // What a terminal does on Ctrl-C: SIGINT to the whole foreground process group.
    // SAFETY: a plain kill(2) on the group the test just created.
    let rc = unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGINT) };
    assert_eq!(rc, 0);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let tmp = stub.read("fpaths");
    assert!(
        !Path::new(tmp.trim()).exists(),
        "temp file left behind: {tmp}"
    );
}

#[test]
fn helm_2_is_refused_stub_cluster() {
    let stub = Stub::new();
    stub.set("version", "Client: v2.17.0+ga690bad\n");
    let (dir, _) = workdir();
    let r = run(stub.phib(dir.path()).args(["upgrade", "--yes"]), b"");
    r.expect_code(1);
    assert!(r.stderr.contains("helm 3 or newer"), "{}", r.stderr);
    assert_eq!(stub.calls().len(), 1, "only `helm version` was asked");
}

#[test]
fn missing_helm_is_exit_1_with_how_to_install() {
    let (dir, values) = workdir();
    let r = run(
        phib()
            .current_dir(dir.path())
            .env("PATH", dir.path())
            .args(["upgrade", "--yes"]),
        b"",
    );
    r.expect_code(1);
    assert!(r.stderr.contains("helm not found"), "{}", r.stderr);
    assert!(r.stderr.contains("help: install helm"), "{}", r.stderr);
    let r = run(
        phib().current_dir(dir.path()).args([
            "show",
            "--release",
            "primehub",
            "--helm",
            "/nonexistent/helm",
        ]),
        b"",
    );
    r.expect_code(1);
    assert!(r.stderr.contains("`/nonexistent/helm`"), "{}", r.stderr);
    assert_eq!(fs::read_to_string(values).unwrap(), new_values());
}

#[test]
fn bad_values_file_is_exit_2_before_helm_runs_stub_cluster() {
    let stub = Stub::new();
    let dir = tempdir();
    fs::write(dir.path().join("values.yaml"), "domain: x\n").unwrap();
    let r = run(stub.phib(dir.path()).args(["upgrade", "--yes"]), b"");
    r.expect_code(2);
    assert!(
        r.stderr.contains("customImage.registryEndpoint"),
        "{}",
        r.stderr
    );
    let r = run(
        stub.phib(dir.path())
            .args(["upgrade", "--yes", "--values", "nope.yaml"]),
        b"",
    );
    r.expect_code(2);
    assert!(r.stderr.contains("`nope.yaml`"), "{}", r.stderr);
    assert!(stub.calls().is_empty());
}

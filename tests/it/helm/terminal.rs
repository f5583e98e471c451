//! The confirmation prompt in a real terminal (tmux, end-to-end tier).

use super::*;

/// Runs `phib upgrade` with the stand-in helm in a real terminal (tmux), waits for the
/// confirmation prompt, sends `keys`, and returns phib's exit status and the screen.
fn upgrade_in_terminal(stub: &Stub, keys: &[&str]) -> (i32, String) {
    let tmux = tool("tmux");
    let (dir, _) = workdir();
    let d = dir.path();
    let script = d.join("run.sh");
    fs::create_dir(d.join("tmp")).unwrap();
    fs::write(
        &script,
        format!(
            "#!/bin/sh\ncd '{dir}'\nenv -i PATH=/usr/bin:/bin TERM=xterm HOME='{dir}' TMPDIR='{dir}/tmp' KUBECONFIG=/nonexistent HELM_BIN='{helm}' STUB_DIR='{stub}' '{phib}' upgrade\necho $? > '{dir}/exit'\nsleep 60\n",
            dir = d.display(),
            helm = stub.helm.display(),
            stub = stub.dir.path().display(),
            phib = env!("CARGO_BIN_EXE_phib"),
        ),
    )
    .unwrap();
    // A server of its own per run: reusing a socket races with the last kill-server.
    let session = d.file_name().unwrap().to_str().unwrap().replace('.', "_");
    let socket = format!("phib-test-{}-{session}", std::process::id());
    let tm = |args: &[&str]| {
        Command::new(&tmux)
            .args(["-L", &socket])
            .args(args)
            .output()
            .unwrap()
    };
    let out = tm(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "160",
        "-y",
        "50",
        "sh",
        script.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let screen = || {
        String::from_utf8_lossy(&tm(&["capture-pane", "-p", "-t", &session]).stdout).into_owned()
    };
    let wait_for = |what: &dyn Fn() -> bool, label: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !what() {
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {label}:\n{}",
                screen()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    wait_for(&|| screen().contains("run it?"), "the prompt");
    // Keys go in only once the prompt reads them raw: a Ctrl-C typed before that is a
    // signal, not a key, and the prompt would still be waiting.
    let tty =
        String::from_utf8(tm(&["display", "-p", "-t", &session, "#{pane_tty}"]).stdout).unwrap();
    let raw = || {
        let out = Command::new("stty")
            .args(["-a", "-F", tty.trim()])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).contains("-icanon")
    };
    wait_for(&raw, "the prompt to read keys");
    for key in keys {
        tm(&["send-keys", "-t", &session, key]);
    }
    let exit = d.join("exit");
    wait_for(
        &|| fs::read_to_string(&exit).is_ok_and(|s| s.ends_with('\n')),
        "phib to exit",
    );
    let code = fs::read_to_string(&exit).unwrap().trim().parse().unwrap();
    let shown = screen();
    tm(&["kill-server"]);
    // The temporary values file was shown in the command, and is gone.
    assert!(
        shown.contains(&format!("-f {}/tmp/phib-values-", d.display())),
        "{shown}"
    );
    let left: Vec<_> = fs::read_dir(d.join("tmp")).unwrap().collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
    (code, shown)
}

e2e!(
    confirmation_prompt_decides_and_ctrl_c_cleans_up_stub_cluster,
    || {
        let stub = Stub::new();
        let (code, screen) = upgrade_in_terminal(&stub, &["n", "Enter"]);
        assert_eq!(code, 0, "{screen}");
        assert!(screen.contains("cancelled: nothing was run"), "{screen}");
        assert!(screen.contains("will run:"), "{screen}");
        assert_no_secret("the screen", &screen);

        let (code, screen) = upgrade_in_terminal(&stub, &["C-c"]);
        assert_eq!(code, 130, "{screen}");
        assert!(stub.upgrade_calls().is_empty(), "{:?}", stub.calls());

        let (code, screen) = upgrade_in_terminal(&stub, &["y", "Enter"]);
        assert_eq!(code, 0, "{screen}");
        assert!(screen.contains("has been upgraded"), "{screen}");
        assert_eq!(stub.upgrade_calls().len(), 1);
    }
);

//! With the real helm (end-to-end tier): rendering what phib passes, an unreachable
//! cluster, the plugin, and helm accepting every argv the stand-in saw.

use super::*;

/// The manifest of `kind` in `helm template` output.
fn manifest<'a>(rendered: &'a str, kind: &str) -> &'a str {
    rendered
        .split("\n---")
        .find(|doc| doc.contains(&format!("\nkind: {kind}\n")))
        .unwrap_or_else(|| panic!("no {kind} in:\n{rendered}"))
}

/// The `user:password` inside the rendered push Secret.
fn push_secret_auth(rendered: &str) -> String {
    let secret = manifest(rendered, "Secret");
    let b64 = secret
        .lines()
        .find_map(|l| l.trim().strip_prefix(".dockerconfigjson: "))
        .unwrap();
    let decode = |s: &str| -> String {
        let r = run(Command::new("base64").arg("-d"), s.as_bytes());
        r.expect_code(0);
        r.stdout_str()
    };
    let config: Value = serde_json::from_str(&decode(b64)).unwrap();
    let auths = config["auths"].as_object().unwrap();
    let auth = auths.values().next().unwrap()["auth"].as_str().unwrap();
    decode(auth)
}

/// What phib hands to `helm upgrade -f` for `values` (taken from a stand-in run).
fn passed_block(values: &str) -> String {
    let stub = Stub::new();
    let dir = tempdir();
    fs::write(dir.path().join("values.yaml"), values).unwrap();
    run(stub.phib(dir.path()).args(["upgrade", "--yes"]), b"").expect_code(0);
    let (n, _) = stub.upgrade_calls()[0];
    stub.copy(n)
}

/// `helm template` of the fixture chart with the release's old values and then the
/// file phib passes: what `--reuse-values` makes of them.
fn render_over_old_values(passed: &str) -> String {
    let dir = tempdir();
    let old = dir.path().join("old.json");
    fs::write(&old, old_release_values().to_string()).unwrap();
    let new = dir.path().join("passed.yaml");
    fs::write(&new, passed).unwrap();
    let mut cmd = real_helm(dir.path());
    cmd.arg("template").arg("primehub").arg(fixture_chart());
    cmd.arg("-f").arg(&old).arg("-f").arg(&new);
    let r = run(&mut cmd, b"");
    r.expect_code(0);
    r.stdout_str()
}

e2e!(
    nulls_remove_the_old_password_from_the_rendered_release,
    || {
        // Moving the password out of the values: a Secret of one's own, no credentials.
        let external = "customImage:\n  registryEndpoint: \"ghcr.io\"\n  pushRepo: \"ghcr.io/me/builds\"\n  pushSecretName: \"ghcr-push\"\n";
        let passed = passed_block(external);
        let rendered = render_over_old_values(&passed);
        let config = manifest(&rendered, "ConfigMap");
        assert!(
            !rendered.contains(OLD_PASSWORD),
            "old password survived:\n{rendered}"
        );
        assert!(!push_secret_auth(&rendered).contains(OLD_PASSWORD));
        assert!(config.contains("pushSecretName: ghcr-push"), "{config}");
        assert!(config.contains("pushRepo: ghcr.io/me/builds"), "{config}");
        assert!(
            !config.contains("pushRepoPrefix: 123"),
            "old prefix survived: {config}"
        );

        // The control: the same block without the nulls keeps the old password, which is
        // exactly what a plain `--reuse-values` upgrade would leave in the release.
        let mut without_nulls: Value = serde_yaml::from_str(&passed).unwrap();
        without_nulls["customImage"]
            .as_object_mut()
            .unwrap()
            .retain(|_, v| !v.is_null());
        let rendered = render_over_old_values(&without_nulls.to_string());
        assert!(manifest(&rendered, "ConfigMap").contains(OLD_PASSWORD));
    }
);

e2e!(
    switching_registry_renders_the_new_credentials_and_chart_defaults,
    || {
        let rendered = render_over_old_values(&passed_block(&new_values()));
        let config = manifest(&rendered, "ConfigMap");
        assert!(!rendered.contains(OLD_PASSWORD), "{rendered}");
        assert_eq!(push_secret_auth(&rendered), format!("me:{NEW_PASSWORD}"));
        // Reset to the chart's defaults, not deleted: the controller needs pushSecretName.
        assert!(
            config.contains("pushSecretName: primehub-controller-custom-image-push-secret"),
            "{config}"
        );
        assert!(config.contains("insecureSkipVerify: false"), "{config}");
        assert!(!config.contains("aws-registry"), "{config}");
        assert!(!config.contains("amazonaws"), "{config}");
    }
);

e2e!(
    unreachable_cluster_is_exit_1_and_leaves_the_values_file_alone,
    || {
        let home = tempdir();
        let (dir, values) = workdir();
        let before = fs::read(&values).unwrap();
        let mode_before = mode(&values);
        let listing = || {
            let mut names: Vec<_> = fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            names.sort();
            names
        };
        let files_before = listing();
        let mut cmd = phib();
        crate::util::helm_home(cmd.current_dir(dir.path()), home.path())
            .args(["upgrade", "--yes", "--helm"])
            .arg(tool("helm"));
        let r = run(&mut cmd, b"");
        r.expect_code(1);
        assert!(r.stderr.starts_with("phib: "), "{}", r.stderr);
        assert!(r.stderr.contains("cluster unreachable"), "{}", r.stderr);
        assert!(
            r.stderr.contains("help: check that `KUBECONFIG`"),
            "{}",
            r.stderr
        );
        assert_no_secret("output", &format!("{}{}", r.stdout_str(), r.stderr));
        assert_eq!(fs::read(&values).unwrap(), before);
        assert_eq!(mode(&values), mode_before);
        assert_eq!(listing(), files_before, "no backup or temp file appeared");

        let mut cmd = phib();
        crate::util::helm_home(cmd.current_dir(dir.path()), home.path())
            .env("HELM_BIN", tool("helm"))
            .args(["show", "--release", "primehub"]);
        let r = run(&mut cmd, b"");
        r.expect_code(1);
        assert!(r.stderr.contains("cluster unreachable"), "{}", r.stderr);
    }
);

e2e!(helm_plugin_install_makes_helm_phib_work, || {
    let home = tempdir();
    let r = run(
        real_helm(home.path())
            .args(["plugin", "install"])
            .arg(root().join("helm-plugin")),
        b"",
    );
    r.expect_code(0);
    let r = run(real_helm(home.path()).args(["plugin", "list"]), b"");
    assert!(r.stdout_str().contains("phib"), "{}", r.stdout_str());

    // The launcher finds phib through PHIB_BIN ...
    let phib_bin = PathBuf::from(env!("CARGO_BIN_EXE_phib"));
    let r = run(
        real_helm(home.path())
            .env("PHIB_BIN", &phib_bin)
            .args(["phib", "--help"]),
        b"",
    );
    r.expect_code(0);
    assert!(r.stdout_str().contains("Usage: phib"), "{}", r.stdout_str());
    assert!(r.stdout_str().contains("upgrade"), "{}", r.stdout_str());

    // ... or on PATH; and helm's namespace and helm itself (HELM_BIN; no helm is on
    // this PATH) reach phib.
    let path = format!("{}:/usr/bin:/bin", phib_bin.parent().unwrap().display());
    let r = run(
        real_helm(home.path()).env("PATH", &path).args([
            "-n",
            "prime",
            "phib",
            "show",
            "--release",
            "primehub",
        ]),
        b"",
    );
    r.expect_code(1);
    assert!(
        r.stderr
            .contains("phib: cannot read the values of release `primehub` in namespace `prime`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("cluster unreachable"), "{}", r.stderr);
});

// What docs/helm-plugin.md says of `HELM_PLUGINS` set elsewhere: helm installs into
// `$HELM_DATA_HOME/plugins` all the same, `helm phib` is then unknown, and the page's
// commands make it known.
e2e!(
    with_helm_plugins_elsewhere_the_docs_way_makes_helm_phib_work,
    || {
        let home = tempdir();
        let elsewhere = home.path().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        let phib_bin = PathBuf::from(env!("CARGO_BIN_EXE_phib"));
        let helm = |args: &[&str]| {
            let mut cmd = real_helm(home.path());
            cmd.env("HELM_PLUGINS", &elsewhere)
                .env("PHIB_BIN", &phib_bin)
                .args(args);
            cmd
        };
        let plugin = root().join("helm-plugin");
        run(
            &mut helm(&["plugin", "install", plugin.to_str().unwrap()]),
            b"",
        )
        .expect_code(0);
        assert!(home
            .path()
            .join("data/plugins")
            .read_dir()
            .unwrap()
            .next()
            .is_some());
        assert!(elsewhere.read_dir().unwrap().next().is_none());
        let r = run(&mut helm(&["phib", "--version"]), b"");
        assert_ne!(r.code, Some(0));
        assert!(
            r.stderr.contains("unknown command \"phib\""),
            "{}",
            r.stderr
        );

        let page = fs::read_to_string(root().join("docs/helm-plugin.md")).unwrap();
        let section = page.split("### When `HELM_PLUGINS` is set").nth(1).unwrap();
        let block = section
            .split("```sh\n")
            .nth(1)
            .and_then(|b| b.split("```").next())
            .unwrap();
        let helm_dir = tool("helm").parent().unwrap().to_path_buf();
        let mut bash = std::process::Command::new("bash");
        bash.args(["-e", "-c", block])
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", helm_dir.display()))
            .env("HOME", home.path())
            .env("HELM_CONFIG_HOME", home.path().join("config"))
            .env("HELM_DATA_HOME", home.path().join("data"))
            .env("HELM_CACHE_HOME", home.path().join("cache"))
            .env("HELM_PLUGINS", &elsewhere)
            .env("KUBECONFIG", "/nonexistent/phib-test-kubeconfig")
            .env("PHIB_BIN", &phib_bin);
        let r = run(&mut bash, b"");
        r.expect_code(0);
        assert!(r.stdout_str().starts_with("phib "), "{}", r.stdout_str());
    }
);

e2e!(
    every_argv_phib_gives_the_stand_in_parses_with_the_real_helm,
    || {
        // The stand-in accepts anything; the real helm must accept the same flags. Replayed
        // against no cluster, each call gets past flag parsing to a cluster or repository
        // error.
        let stub = Stub::new();
        let (dir, _) = workdir();
        run(stub.phib(dir.path()).args(["upgrade", "--yes"]), b"").expect_code(0);
        run(
            stub.phib(dir.path())
                .args(["show", "--release", "primehub"]),
            b"",
        )
        .expect_code(0);
        stub.set("list.json", "[]");
        run(
            stub.phib(dir.path())
                .args(["upgrade", "--yes", "--install"]),
            b"",
        )
        .expect_code(0);
        let calls = stub.calls();
        let kinds: Vec<&str> = calls.iter().map(|c| c[0].as_str()).collect();
        for kind in ["version", "list", "get", "repo", "upgrade"] {
            assert!(kinds.contains(&kind), "no `{kind}` call: {kinds:?}");
        }
        let home = tempdir();
        for call in &calls {
            // The temporary file is gone; any existing file will do for parsing.
            let args: Vec<&str> = call
                .iter()
                .map(|a| {
                    if a.contains("phib-values-") {
                        "values.yaml"
                    } else {
                        a.as_str()
                    }
                })
                .collect();
            let mut cmd = real_helm(home.path());
            cmd.current_dir(dir.path()).args(&args);
            let r = run(&mut cmd, b"");
            let all = format!("{}{}", r.stdout_str(), r.stderr);
            assert!(
                !all.contains("unknown flag")
                    && !all.contains("unknown command")
                    && !all.contains("accepts"),
                "helm refused {args:?}:\n{all}"
            );
        }
    }
);

//! `phib render` for a PrimeHub chart version: which version it assumes and says, what
//! it adapts on an older chart, what it refuses (exit 2, the reason, the fix, nothing
//! written), and the chart's own push Secret name in values mode. The real builds of
//! these values are in `tests/it/buildah.rs`.

use std::path::Path;

use crate::helm::Stub;
use crate::util::*;

const HOST: &str = "harbor.example.com";

fn harbor(extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = [
        "render",
        "--registry",
        "harbor",
        "--endpoint",
        "https://harbor.example.com",
        "--username",
        "robot$team+ci",
        "--password-stdin",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if extra.contains(&"--endpoint") {
        // The caller's endpoint replaces the default one.
        v.drain(3..5);
    }
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// [`harbor`] for a plain self-hosted registry: a user that is no Harbor robot, so a
/// push target at the registry's root stays allowed.
fn plain(extra: &[&str]) -> Vec<String> {
    harbor(extra)
        .into_iter()
        .map(|a| {
            match a.as_str() {
                "robot$team+ci" => "ci",
                "https://harbor.example.com" => "https://registry.example.com",
                _ => return a.replace("harbor.example.com", "registry.example.com"),
            }
            .to_string()
        })
        .collect()
}

fn render_at(dir: &Path, args: &[String]) -> Run {
    run(phib().current_dir(dir).args(args), b"s3cret\n")
}

/// Asserts a refusal: exit 2, the reason and the fix on stderr, `values.yaml` as before.
fn refused(dir: &Path, args: &[String], reason: &str, fix: &str) {
    let values = dir.join("values.yaml");
    let before = std::fs::read(&values).ok();
    let r = render_at(dir, args);
    r.expect_code(2);
    assert!(r.stderr.contains(reason), "{args:?}\n{}", r.stderr);
    let help = r
        .stderr
        .lines()
        .find(|l| l.starts_with("help: "))
        .unwrap_or_default();
    assert!(help.contains(fix), "{args:?}\n{}", r.stderr);
    assert_eq!(
        std::fs::read(&values).ok(),
        before,
        "{args:?}: nothing written"
    );
    assert!(!r.stderr.contains("s3cret"));
}

#[test]
fn without_a_version_the_newest_is_assumed_and_said() {
    let dir = tempdir();
    let r = render_at(dir.path(), &harbor(&["--stdout"]));
    r.expect_code(0);
    assert!(
        r.stderr
            .contains("values for PrimeHub chart 4.1.0, the newest phib knows")
            && r.stderr.contains("`--chart-version`"),
        "{}",
        r.stderr
    );
    let r = render_at(
        dir.path(),
        &harbor(&["--stdout", "--chart-version", "v3.8.2"]),
    );
    r.expect_code(0);
    assert!(
        r.stderr
            .contains("values for PrimeHub chart 3.8.2 (`--chart-version`)"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_bad_or_too_old_chart_version_is_refused() {
    let dir = tempdir();
    for (v, reason) in [
        (
            "latest",
            "`--chart-version` `latest` is not a chart version",
        ),
        ("3.7", "MAJOR.MINOR.PATCH"),
        ("2.6.0", "older than 2.7.0"),
    ] {
        refused(
            dir.path(),
            &harbor(&["--chart-version", v]),
            reason,
            if v == "2.6.0" {
                "upgrade PrimeHub"
            } else {
                "helm list"
            },
        );
    }
}

/// Before 3.7.1 `pushRepo` is ignored; the prefix of its namespace reaches the same
/// place only with a credential that may create repositories there: refused (exit 2,
/// nothing written) with that reason and the way, written only with `--accept`.
#[test]
fn push_repo_as_a_prefix_is_refused_on_charts_before_3_7_1_unless_accepted() {
    let dir = tempdir();
    let args = harbor(&[
        "--push-repo",
        "harbor.example.com/team/images",
        "--chart-version",
        "3.7.0",
        "--values",
        "values.yaml",
    ]);
    refused(
        dir.path(),
        &args,
        "the credential must be able to create repositories under `harbor.example.com/team`, and one limited to `harbor.example.com/team/images`",
        "give `--push-repo-prefix harbor.example.com/team` (or add `--accept push-repo-as-prefix`",
    );
    assert!(!dir.path().join("values.yaml").exists());
    let mut accepted = args.clone();
    accepted.extend(["--accept", "push-repo-as-prefix"].map(String::from));
    let r = render_at(dir.path(), &accepted);
    r.expect_code(0);
    let out = std::fs::read_to_string(dir.path().join("values.yaml")).unwrap();
    assert!(
        out.contains("pushRepoPrefix: \"harbor.example.com/team\"") && !out.contains("pushRepo:"),
        "{out}"
    );
    assert!(
        r.stderr
            .contains("phib: warning: PrimeHub chart 3.7.0 ignores `pushRepo`")
            && r.stderr
                .contains("`harbor.example.com/team/<image>:<hash>`")
            && r.stderr
                .contains("(written anyway: `--accept push-repo-as-prefix`)"),
        "{}",
        r.stderr
    );
    // On 3.7.1 it stays, unasked.
    let r = render_at(
        dir.path(),
        &harbor(&[
            "--push-repo",
            "harbor.example.com/team/images",
            "--chart-version",
            "3.7.1",
            "--stdout",
        ]),
    );
    r.expect_code(0);
    assert!(r
        .stdout_str()
        .contains("pushRepo: \"harbor.example.com/team/images\""));
}

/// Harbor keeps repositories in projects: with a Harbor robot account a push target at
/// the registry's root is refused with that rule; a plain registry keeps it, warned.
#[test]
fn harbor_targets_at_the_registry_root_are_refused_with_the_project_rule() {
    let dir = tempdir();
    for (flag, target, fix) in [
        (
            "--push-repo-prefix",
            "harbor.example.com",
            "`--push-repo-prefix harbor.example.com/team`",
        ),
        (
            "--push-repo",
            "harbor.example.com/images",
            "`--push-repo harbor.example.com/team/images`",
        ),
    ] {
        let args = harbor(&[flag, target, "--values", "values.yaml"]);
        refused(
            dir.path(),
            &args,
            &format!("`{flag}` `{target}` is at the registry's root, but `robot$team+ci` is a Harbor robot account, and Harbor keeps every repository in a project"),
            fix,
        );
        let r = render_at(
            dir.path(),
            &plain(&[flag, &target.replace("harbor.", "registry."), "--stdout"]),
        );
        r.expect_code(0);
        assert!(
            r.stderr
                .contains("is at the registry's root, which Harbor refuses")
                && r.stderr
                    .contains(&format!("use `{flag} registry.example.com/PROJECT")),
            "{}",
            r.stderr
        );
    }
    assert!(!dir.path().join("values.yaml").exists());
    // Inside a project, nothing is said.
    let r = render_at(
        dir.path(),
        &harbor(&["--push-repo", "harbor.example.com/team/images", "--stdout"]),
    );
    r.expect_code(0);
    assert!(!r.stderr.contains("root"), "{}", r.stderr);
}

/// From 3.4.0 the block renders in any mode, but the console offers the image builder
/// only in `ee`: warned, with the fix, when the values file says otherwise.
#[test]
fn a_mode_other_than_ee_is_warned_on_charts_from_3_4_0() {
    for (before, chart, warned) in [
        (
            "primehub:\n  mode: ce\n",
            "3.4.0",
            Some("`primehub.mode: ce`"),
        ),
        (
            "primehub:\n  mode: deploy\n",
            "4.1.0",
            Some("`primehub.mode: deploy`"),
        ),
        (
            "domain: hub.example.com\n",
            "3.8.0",
            Some("no `primehub.mode` (the chart's default is `ce`)"),
        ),
        ("primehub:\n  mode: ee\n", "4.1.0", None),
        // Only the block (or a new file): one of several `-f` files, nothing to say.
        ("", "4.1.0", None),
    ] {
        let dir = tempdir();
        std::fs::write(dir.path().join("values.yaml"), before).unwrap();
        let r = render_at(
            dir.path(),
            &harbor(&["--chart-version", chart, "--values", "values.yaml"]),
        );
        r.expect_code(0);
        let line = r.stderr.lines().find(|l| {
            l.contains("offers the image builder in the console only with `primehub.mode: ee`")
        });
        match warned {
            Some(has) => {
                let line = line.unwrap_or_else(|| panic!("{before:?}: {}", r.stderr));
                assert!(line.starts_with("phib: warning: "), "{line}");
                assert!(
                    line.contains(has) && line.contains("set `primehub.mode: ee`"),
                    "{line}"
                );
            }
            None => assert!(line.is_none(), "{before:?}: {}", r.stderr),
        }
    }
}

#[test]
fn push_repo_is_refused_where_no_prefix_reaches_the_same_place() {
    let dir = tempdir();
    // ECR creates no repositories on push; a repository at the registry's root has no
    // namespace to turn into a prefix.
    let ecr: Vec<String> = [
        "render",
        "--registry",
        "ecr",
        "--aws-account",
        "123456789012",
        "--aws-region",
        "us-east-1",
        "--push-repo",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/images",
        "--chart-version",
        "3.6.2",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    refused(
        dir.path(),
        &ecr,
        "chart 3.6.2 ignores `pushRepo`",
        "`--push-repo-prefix`",
    );
    refused(
        dir.path(),
        &plain(&[
            "--push-repo",
            "registry.example.com/images",
            "--chart-version",
            "3.2.0",
        ]),
        "chart 3.2.0 ignores `pushRepo`",
        "upgrade PrimeHub to 3.7.1",
    );
}

#[test]
fn skipping_tls_is_refused_on_charts_whose_build_script_drops_it() {
    let dir = tempdir();
    for v in ["2.7.0", "3.2.2", "3.3.0", "3.4.0", "3.4.1"] {
        let args = harbor(&[
            "--insecure-skip-verify",
            "--chart-version",
            v,
            "--values",
            "values.yaml",
        ]);
        refused(dir.path(), &args, &format!("chart {v}"), "3.4.2 or later");
        let http = [
            "render",
            "--registry",
            "harbor",
            "--endpoint",
            "http://10.0.0.5:5000",
            "--username",
            "robot$team+ci",
            "--password-stdin",
            "--chart-version",
            v,
        ]
        .map(String::from);
        refused(dir.path(), &http, "plain-http", "https");
    }
    std::fs::write(dir.path().join("values.yaml"), "primehub:\n  mode: ee\n").unwrap();
    let r = render_at(
        dir.path(),
        &harbor(&[
            "--insecure-skip-verify",
            "--chart-version",
            "3.4.2",
            "--values",
            "values.yaml",
        ]),
    );
    r.expect_code(0);
    let text = std::fs::read_to_string(dir.path().join("values.yaml")).unwrap();
    assert!(text.contains("insecureSkipVerify: true"), "{text}");
}

#[test]
fn charts_up_to_3_3_0_need_the_enterprise_mode_in_the_values_file() {
    let dir = tempdir();
    let values = dir.path().join("values.yaml");
    let args = harbor(&["--chart-version", "3.3.0", "--values", "values.yaml"]);
    refused(
        dir.path(),
        &args,
        "no `primehub.mode`",
        "`primehub.mode: ee`",
    );
    std::fs::write(&values, "primehub:\n  mode: ce\n").unwrap();
    refused(
        dir.path(),
        &args,
        "`primehub.mode: ce`",
        "`primehub.mode: ee`",
    );
    std::fs::write(&values, "primehub:\n  mode: ee\n").unwrap();
    render_at(dir.path(), &args).expect_code(0);
    // Printed, not edited: phib cannot see the mode, and says so.
    let r = render_at(
        dir.path(),
        &harbor(&["--chart-version", "3.3.0", "--stdout"]),
    );
    r.expect_code(0);
    assert!(
        r.stderr
            .contains("phib: warning: PrimeHub chart 3.3.0 renders the push Secret"),
        "{}",
        r.stderr
    );
    // 3.4.0 renders it in any mode.
    let dir = tempdir();
    render_at(
        dir.path(),
        &harbor(&["--chart-version", "3.4.0", "--values", "values.yaml"]),
    )
    .expect_code(0);
}

#[test]
fn a_dotless_registry_host_is_refused_on_4_0_and_later() {
    let dir = tempdir();
    let args = |v: &str| -> Vec<String> {
        [
            "render",
            "--registry",
            "harbor",
            "--endpoint",
            "localhost:5000",
            "--username",
            "u",
            "--password-stdin",
            "--push-repo-prefix",
            "localhost:5000/team",
            "--chart-version",
            v,
            "--stdout",
        ]
        .map(String::from)
        .to_vec()
    };
    for v in ["4.0.0", "4.1.0"] {
        refused(
            dir.path(),
            &args(v),
            "`localhost:5000` has no `.`",
            "IP address",
        );
    }
    let r = render_at(dir.path(), &args("3.12.3"));
    r.expect_code(0);
    assert!(
        r.stderr
            .contains("chart 4.0 and later push to Docker Hub instead"),
        "{}",
        r.stderr
    );
}

#[test]
fn values_mode_names_the_charts_own_secret_with_the_files_overrides() {
    let dir = tempdir();
    let values = dir.path().join("values.yaml");
    let table = [
        ("", &[][..], None),
        (
            "",
            &["--release", "hub"][..],
            Some("hub-primehub-controller-custom-image-push-secret"),
        ),
        (
            "nameOverride: ph\n",
            &["--release", "hub"][..],
            Some("hub-ph-controller-custom-image-push-secret"),
        ),
        (
            "nameOverride: ph\n",
            &[][..],
            Some("primehub-ph-controller-custom-image-push-secret"),
        ),
        (
            "fullnameOverride: builder\n",
            &[][..],
            Some("builder-controller-custom-image-push-secret"),
        ),
    ];
    for (prefix, extra, want) in table {
        std::fs::write(&values, prefix).unwrap();
        let mut args = vec!["--values", "values.yaml"];
        args.extend(extra);
        render_at(dir.path(), &harbor(&args)).expect_code(0);
        let text = std::fs::read_to_string(&values).unwrap();
        match want {
            Some(name) => assert!(
                text.contains(&format!("pushSecretName: \"{name}\"")),
                "{prefix} {extra:?}\n{text}"
            ),
            None => assert!(!text.contains("pushSecretName"), "{text}"),
        }
        // Agreed by the real chart when helm is there (see tests/it/buildah.rs).
    }
}

#[test]
fn values_mode_refuses_a_push_secret_name_nobody_creates() {
    let dir = tempdir();
    refused(
        dir.path(),
        &harbor(&[
            "--push-secret-name",
            "builds-push",
            "--values",
            "values.yaml",
        ]),
        "`--push-secret-name` `builds-push` names a Secret nobody creates",
        "`--secret-mode external --secret-name builds-push`",
    );
    // The chart's own name is accepted; so is the same name in external mode.
    render_at(
        dir.path(),
        &harbor(&[
            "--push-secret-name",
            "primehub-controller-custom-image-push-secret",
            "--stdout",
        ]),
    )
    .expect_code(0);
    render_at(
        dir.path(),
        &harbor(&[
            "--secret-mode",
            "external",
            "--secret-name",
            "builds-push",
            "--secret-out",
            "secret.yaml",
            "--values",
            "values.yaml",
        ]),
    )
    .expect_code(0);
    let text = std::fs::read_to_string(dir.path().join("values.yaml")).unwrap();
    assert!(text.contains("pushSecretName: \"builds-push\""), "{text}");
}

#[test]
fn the_live_release_gives_the_version_the_name_and_the_namespace_stub_cluster() {
    let stub = Stub::new();
    stub.set(
        "list.json",
        &serde_json::json!([{"name": "hub", "namespace": "ml", "revision": "3",
            "status": "deployed", "chart": "primehub-3.7.0", "app_version": "v3.7.0"}])
        .to_string(),
    );
    let dir = tempdir();
    let mut cmd = stub.phib(dir.path());
    // (A prefix: a `pushRepo` on the release's 3.7.0 is refused unless accepted.)
    cmd.args(harbor(&[
        "--push-repo-prefix",
        &format!("{HOST}/team"),
        "--stdout",
    ]))
    .env("HELM_NAMESPACE", "ml");
    let r = run(&mut cmd, b"s3cret\n");
    r.expect_code(0);
    assert!(
        r.stderr.contains(
            "values for PrimeHub chart 3.7.0, the version of release `hub` in namespace `ml`"
        ),
        "{}",
        r.stderr
    );
    let out = r.stdout_str();
    assert!(
        out.contains("pushRepoPrefix: \"harbor.example.com/team\""),
        "{out}"
    );
    assert!(
        out.contains("pushSecretName: \"hub-primehub-controller-custom-image-push-secret\""),
        "{out}"
    );
    let list = stub
        .calls()
        .into_iter()
        .find(|a| a.first().map(String::as_str) == Some("list"))
        .expect("helm list was asked");
    assert_eq!(crate::helm::flag_value(&list, "-n"), ["ml"], "{list:?}");
    // `--chart-version` wins over the release's.
    let mut cmd = stub.phib(dir.path());
    cmd.args(harbor(&["--chart-version", "4.1.0", "--stdout"]));
    let r = run(&mut cmd, b"s3cret\n");
    r.expect_code(0);
    assert!(
        r.stderr.contains("chart 4.1.0 (`--chart-version`)"),
        "{}",
        r.stderr
    );
    assert!(r
        .stdout_str()
        .contains("hub-primehub-controller-custom-image-push-secret"));
}

#[test]
fn as_a_helm_plugin_the_external_secret_goes_to_helms_namespace() {
    let dir = tempdir();
    let mut cmd = phib();
    cmd.current_dir(dir.path())
        .args(harbor(&[
            "--secret-mode",
            "external",
            "--secret-out",
            "secret.yaml",
            "--values",
            "values.yaml",
        ]))
        .env("HELM_NAMESPACE", "ml");
    run(&mut cmd, b"s3cret\n").expect_code(0);
    let manifest = std::fs::read_to_string(dir.path().join("secret.yaml")).unwrap();
    assert!(
        manifest.contains("namespace: ml") || manifest.contains("namespace: \"ml\""),
        "{manifest}"
    );
}

#[test]
fn as_a_helm_plugin_verify_reads_the_secret_in_helms_namespace() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("values.yaml"),
        "customImage:\n  registryEndpoint: https://harbor.example.com\n  pushRepoPrefix: harbor.example.com/team\n  pushSecretName: my-push\n",
    )
    .unwrap();
    let empty = tempdir();
    for (ns, want) in [(Some("ml"), "ml"), (Some(""), "hub"), (None, "hub")] {
        let mut cmd = phib();
        cmd.current_dir(dir.path())
            .args(["verify", "--values", "values.yaml"])
            .env("PATH", empty.path());
        if let Some(ns) = ns {
            cmd.env("HELM_NAMESPACE", ns);
        }
        let r = run(&mut cmd, b"");
        assert!(
            r.stderr.contains(&format!(
                "in the Secret `my-push` (namespace `{want}`), and `kubectl` is not installed"
            )),
            "{ns:?}: {}",
            r.stderr
        );
    }
}

#[test]
fn upgrade_refuses_a_block_the_target_chart_breaks_stub_cluster() {
    let stub = Stub::new();
    stub.set_release("primehub-3.7.0");
    let dir = tempdir();
    let values = "customImage:\n  registryEndpoint: \"ghcr.io\"\n  registryUsername: \"me\"\n  registryPassword: \"s3cret\"\n  pushRepo: \"ghcr.io/me/builds\"\n";
    std::fs::write(dir.path().join("values.yaml"), values).unwrap();
    let upgrade = |extra: &[&str]| {
        let mut cmd = stub.phib(dir.path());
        cmd.args(["upgrade", "--dry-run"]).args(extra);
        run(&mut cmd, b"")
    };
    // Pinned to the deployed 3.7.0, which ignores `pushRepo`.
    let r = upgrade(&[]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("PrimeHub chart 3.7.0 ignores `pushRepo`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("`phib render --chart-version 3.7.0`"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("s3cret") && r.stdout.is_empty());
    // Moving to 3.7.1 reads it.
    upgrade(&["--version", "3.7.1"]).expect_code(0);
    // A release named otherwise needs the chart's Secret name for it.
    stub.set(
        "list.json",
        &serde_json::json!([{"name": "hub", "namespace": "hub", "status": "deployed",
            "chart": "primehub-3.7.1"}])
        .to_string(),
    );
    let r = upgrade(&["--release", "hub"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("`pushSecretName` `primehub-controller-custom-image-push-secret` names a Secret nobody creates")
            && r.stderr.contains("`hub-primehub-controller-custom-image-push-secret`")
            && r.stderr.contains("`phib render --release hub`"),
        "{}",
        r.stderr
    );
    assert!(stub
        .calls()
        .iter()
        .all(|a| a.first().map(String::as_str) != Some("upgrade")));
}

#[test]
fn show_and_verify_warn_about_a_block_the_running_chart_breaks_stub_cluster() {
    let stub = Stub::new();
    stub.set_release("primehub-3.7.0");
    let dir = tempdir();
    std::fs::write(
        dir.path().join("values.yaml"),
        "customImage:\n  registryEndpoint: \"ghcr.io\"\n  registryUsername: \"me\"\n  registryPassword: \"s3cret\"\n  pushRepo: \"ghcr.io/me/builds\"\n",
    )
    .unwrap();
    let r = run(
        stub.phib(dir.path())
            .args(["show", "--values", "values.yaml"]),
        b"",
    );
    r.expect_code(0);
    assert!(
        r.stderr
            .contains("phib: warning: PrimeHub chart 3.7.0 ignores `pushRepo`")
            && r.stderr.contains("release `primehub` in namespace `hub`"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("s3cret"));
    // verify says so before it checks anything (this registry is not reachable here).
    let r = run(
        stub.phib(dir.path())
            .args(["verify", "--values", "values.yaml", "--timeout", "1"])
            .env("HTTPS_PROXY", "http://127.0.0.1:9"),
        b"",
    );
    assert!(
        r.stderr
            .contains("phib: warning: PrimeHub chart 3.7.0 ignores `pushRepo`"),
        "{}",
        r.stderr
    );
    // On 3.7.1 there is nothing to say.
    stub.set_release("primehub-3.7.1");
    let r = run(
        stub.phib(dir.path())
            .args(["show", "--values", "values.yaml"]),
        b"",
    );
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}

/// Every combination phib knows builds fail with: refused (exit 2, the reason, the fix
/// and the `--accept` name, nothing written); with that `--accept`, written as asked,
/// with a warning that repeats the reason.
#[test]
fn known_failures_are_refused_and_written_only_when_accepted_table() {
    // (values file before, extra render flags, reason, accept name, a line the written
    // values then hold)
    let table: [(&str, &[&str], &str, &str, &str); 7] = [
        (
            "",
            &[
                "--push-repo",
                "registry.example.com/images",
                "--chart-version",
                "3.7.0",
            ],
            "ignores `pushRepo`",
            "ignored-push-repo",
            "pushRepo: \"registry.example.com/images\"",
        ),
        (
            "",
            &[
                "--push-repo",
                "registry.example.com/team/images",
                "--chart-version",
                "3.7.0",
            ],
            "the credential must be able to create repositories under `registry.example.com/team`",
            "push-repo-as-prefix",
            "pushRepoPrefix: \"registry.example.com/team\"",
        ),
        (
            "",
            &["--insecure-skip-verify", "--chart-version", "3.4.1"],
            "does not pass `insecureSkipVerify`",
            "tls-verified-push",
            "insecureSkipVerify: true",
        ),
        (
            "primehub:\n  mode: ee\n",
            &["--insecure-skip-verify", "--chart-version", "3.2.0"],
            "has no `insecureSkipVerify`",
            "tls-verified-push",
            "insecureSkipVerify: true",
        ),
        (
            "",
            &["--chart-version", "3.3.0"],
            "only with `primehub.mode: ee`",
            "no-push-secret",
            "pushRepoPrefix: \"harbor.example.com/team\"",
        ),
        (
            "",
            &["--push-secret-name", "builds-push"],
            "names a Secret nobody creates",
            "missing-push-secret",
            "pushSecretName: \"builds-push\"",
        ),
        (
            "",
            &[
                "--endpoint",
                "registry:5000",
                "--push-repo-prefix",
                "registry:5000/team",
            ],
            "`registry:5000` has no `.`",
            "docker-hub-path",
            "pushRepoPrefix: \"registry:5000/team\"",
        ),
    ];
    for (before, extra, reason, accept, written) in table {
        let dir = tempdir();
        let values = dir.path().join("values.yaml");
        std::fs::write(&values, before).unwrap();
        // A push repository at the root is a plain registry's (Harbor refuses it).
        let mut args = if extra.contains(&"--push-repo") {
            plain(extra)
        } else {
            harbor(extra)
        };
        args.extend(["--values", "values.yaml"].map(String::from));
        refused(dir.path(), &args, reason, &format!("`--accept {accept}`"));
        args.extend(["--accept", accept].map(String::from));
        let r = render_at(dir.path(), &args);
        r.expect_code(0);
        assert!(
            r.stderr.lines().any(|l| l.starts_with("phib: warning: ")
                && l.contains(reason)
                && l.contains(&format!("written anyway: `--accept {accept}`"))),
            "{extra:?}: {}",
            r.stderr
        );
        let text = std::fs::read_to_string(&values).unwrap();
        assert!(text.contains(written), "{extra:?}:\n{text}");
    }
    // An `--accept` names one failure: another one is still refused.
    let dir = tempdir();
    let mut args = plain(&[
        "--insecure-skip-verify",
        "--push-repo",
        "registry.example.com/images",
        "--chart-version",
        "3.4.1",
        "--stdout",
    ]);
    args.extend(["--accept", "ignored-push-repo"].map(String::from));
    refused(
        dir.path(),
        &args,
        "does not pass `insecureSkipVerify`",
        "`--accept tls-verified-push`",
    );
    // And a name phib does not know is a usage error.
    let mut args = harbor(&["--stdout"]);
    args.extend(["--accept", "everything"].map(String::from));
    let r = render_at(dir.path(), &args);
    r.expect_code(2);
}

#[test]
fn a_plain_http_endpoint_gets_insecure_skip_verify_and_says_so() {
    let dir = tempdir();
    let args = [
        "render",
        "--registry",
        "harbor",
        "--endpoint",
        "http://10.0.0.5:5000",
        "--username",
        "robot$team+ci",
        "--password-stdin",
        "--push-repo-prefix",
        "10.0.0.5:5000/team",
        "--stdout",
    ]
    .map(String::from);
    let r = render_at(dir.path(), &args);
    r.expect_code(0);
    assert!(
        r.stdout_str().contains("insecureSkipVerify: true"),
        "{}",
        r.stdout_str()
    );
    assert!(
        r.stderr.contains(
            "phib: warning: `insecureSkipVerify: true` written: buildah needs it for `http://`"
        ),
        "{}",
        r.stderr
    );
    // Scheme-less: phib cannot know, says who can.
    let args = [
        "render",
        "--registry",
        "harbor",
        "--endpoint",
        "10.0.0.5:5000",
        "--username",
        "robot$team+ci",
        "--password-stdin",
        "--push-repo-prefix",
        "10.0.0.5:5000/team",
        "--stdout",
    ]
    .map(String::from);
    let r = render_at(dir.path(), &args);
    r.expect_code(0);
    assert!(
        r.stdout_str().contains("insecureSkipVerify: false"),
        "{}",
        r.stdout_str()
    );
    assert!(
        r.stderr.contains("has no scheme") && r.stderr.contains("docs/registries/harbor.md"),
        "{}",
        r.stderr
    );
}

//! The wizard with a Secret of your own (the external secret mode: a manifest file,
//! kubectl apply, a rotation into the block's own Secret, and their failures), and the
//! steps it offers after the write (the check, the upgrade, Esc and Ctrl-C there).

use std::path::Path;

use phib::registry::Kind;

use super::*;
use crate::pty::Pty;

/// Picks a Secret of your own and takes its default name and namespace.
fn own_secret_with_defaults(t: &mut Pty) {
    credentials_list(t);
    t.type_keys("\r");
    t.answer("Push secret name [primehub-image-builder-push]", "");
    t.answer("PrimeHub's namespace [hub]", "");
}

/// Answers the secret-mode questions for a Secret of your own with the default name
/// and namespace, written to the default file (no kubectl on `PATH`).
pub(super) fn external_mode_to_default_file(t: &mut Pty) {
    own_secret_with_defaults(t);
    t.answer("File for the Secret manifest [push-secret.yaml]", "");
}

#[test]
fn external_mode_writes_values_without_credentials_and_a_0600_manifest_as_phib_render_does() {
    let (dir, mut t) = start();
    docker_hub(&mut t, "Ann", "dckr_pat_s3cret");
    external_mode_to_default_file(&mut t);
    t.expect("pushSecretName:     primehub-image-builder-push");
    t.expect("Where: the credentials go into the Secret");
    t.at("Create `values.yaml`?").type_keys("y\r");
    t.expect("Wrote the push Secret");
    no_verify(&mut t);
    let (code, screen) = t.finish_screen();
    assert_eq!(code, Some(0), "{screen}");
    assert!(!screen.contains("s3cret"), "{screen}");
    assert!(
        screen.contains("phib verify --values values.yaml --secret-file push-secret.yaml"),
        "{screen}"
    );
    assert!(
        screen.contains("helm was not found on PATH; once it is installed, apply it with:\n  phib upgrade --values values.yaml\n"),
        "{screen}"
    );
    assert!(screen.contains("needs no helm upgrade"), "{screen}");

    let values = std::fs::read_to_string(dir.path().join("values.yaml")).unwrap();
    assert!(!values.contains("registryPassword"), "{values}");
    assert!(!values.contains("registryUsername"), "{values}");
    let manifest = dir.path().join("push-secret.yaml");
    assert_eq!(mode(&manifest), 0o600);
    let got_manifest = std::fs::read(&manifest).unwrap();

    // The same with `phib render`, in a folder of its own.
    let sub = dir.path().join("render");
    std::fs::create_dir(&sub).unwrap();
    run(
        phib().current_dir(&sub).args([
            "render",
            "--registry",
            "dockerhub",
            "--username",
            "Ann",
            "--password-stdin",
            "--secret-mode",
            "external",
            "--secret-out",
            "push-secret.yaml",
            "--values",
            "values.yaml",
        ]),
        b"dckr_pat_s3cret\n",
    )
    .expect_code(0);
    assert_written(dir.path(), &std::fs::read(sub.join("values.yaml")).unwrap());
    assert_eq!(
        String::from_utf8_lossy(&got_manifest),
        String::from_utf8_lossy(&std::fs::read(sub.join("push-secret.yaml")).unwrap())
    );
    // And the command the wizard printed writes both the same again.
    assert_eq!(
        run_printed_command(&screen, dir.path(), b"dckr_pat_s3cret"),
        std::fs::read(sub.join("values.yaml")).unwrap()
    );
    assert_eq!(
        std::fs::read(dir.path().join("printed/push-secret.yaml")).unwrap(),
        got_manifest
    );
}

#[test]
fn the_offered_upgrade_runs_phib_upgrade_with_only_custom_image_and_no_secret_in_argv_stub_cluster()
{
    let stub = crate::helm::Stub::new();
    let dir = tempdir();
    let path = format!("{}:/usr/bin:/bin", stub.bin().display());
    let stub_dir = stub.dir().display().to_string();
    let secret = "n3w-robot-s3cret";
    let mut t = Pty::spawn(
        dir.path(),
        &["wizard"],
        &path,
        &[("STUB_DIR", Some(&stub_dir))],
    );
    pick(&mut t, Kind::Harbor);
    t.answer("Registry endpoint", "https://harbor.example.com");
    t.answer("User name (Harbor robot account", "robot$ci+builder");
    t.answer("Password or robot secret", secret);
    t.answer("[harbor.example.com/ci]", "");
    t.at("Change the advanced options?").type_keys("n\r");
    values_mode(&mut t);
    t.at("Create `values.yaml`?").type_keys("y\r");
    t.expect("Wrote the customImage block");
    no_verify(&mut t);
    t.at("Apply it now with helm upgrade?").type_keys("y\r");
    t.answer("Helm release [primehub]", "");
    t.answer("Namespace [hub]", "");
    t.expect("pinned to the deployed version");
    t.expect("will run:");
    t.at("Run it?").type_keys("y\r");
    t.expect("has been upgraded");
    t.expect("phib verify --values values.yaml");
    let (code, screen) = t.finish_screen();
    assert_eq!(code, Some(0), "{screen}");
    assert!(!screen.contains(secret), "{screen}");

    let upgrades = stub.upgrade_calls();
    assert_eq!(upgrades.len(), 1, "{:?}", stub.calls());
    let (n, argv) = &upgrades[0];
    for arg in stub.calls().concat() {
        assert!(!arg.contains(secret), "a secret in helm's argv: {arg}");
    }
    assert_eq!(&argv[..3], ["upgrade", "primehub", "infuseai/primehub"]);
    assert!(argv.contains(&"--reuse-values".to_string()), "{argv:?}");
    assert_eq!(
        crate::helm::flag_value(argv, "--version"),
        ["v4.1.0"],
        "{argv:?}"
    );
    assert_eq!(crate::helm::flag_value(argv, "--namespace"), ["hub"]);
    let files = crate::helm::flag_value(argv, "-f");
    assert_eq!(files.len(), 1, "{argv:?}");
    assert!(
        !Path::new(files[0]).exists(),
        "the temporary file was left behind"
    );
    assert_eq!(stub.read("fmodes").trim(), "600");
    let passed: serde_json::Value = serde_yaml::from_str(&stub.copy(*n)).unwrap();
    let keys: Vec<&String> = passed.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["customImage"], "{passed}");
    let ci = &passed["customImage"];
    assert_eq!(ci["registryUsername"], "robot$ci+builder");
    assert_eq!(ci["registryPassword"], secret);
    // The release had ECR's `aws-registry` and a push prefix of its own: the new block
    // resets both (the chart's own secret name; no single push repository).
    assert_eq!(
        ci["pushSecretName"], "primehub-controller-custom-image-push-secret",
        "{passed}"
    );
    assert_eq!(ci["pushRepo"], serde_json::Value::Null, "{passed}");
}

e2e!(
    the_offered_check_runs_phib_verify_against_a_real_registry_and_a_failure_exits_1,
    || {
        use crate::registry::{Auth, Registry};
        let user = "robot$ci";
        let password = "pa ss:w\"#rd";
        let registry = Registry::start(Auth::Htpasswd(&[(user, password)]), false);
        let host = registry.host();
        for (typed, want_code) in [(password, 0), ("wrong-password", 1)] {
            let (dir, mut t) = start();
            pick(&mut t, Kind::Harbor);
            t.answer("Registry endpoint", &format!("http://{host}"));
            t.answer("User name (Harbor robot account", user);
            t.answer("Password or robot secret", typed);
            t.answer("Push repository prefix", &format!("{host}/ci"));
            t.expect("Skip TLS verification")
                .at("[Y/n]")
                .type_keys("\r");
            t.at("Change the advanced options?").type_keys("n\r");
            external_mode_to_default_file(&mut t);
            t.at("Create `values.yaml`?").type_keys("y\r");
            t.expect("Wrote the push Secret");
            t.at("Check the credentials against the registry now?")
                .type_keys("\r");
            let (code, screen) = t.finish_screen();
            assert_eq!(code, Some(want_code), "{screen}");
            assert!(!screen.contains(typed), "{screen}");
            assert!(
                screen.contains("ok    credentials for") && screen.contains("push-secret.yaml"),
                "{screen}"
            );
            if want_code == 0 {
                assert!(screen.contains("ok    "), "{screen}");
                assert!(!screen.contains("FAIL"), "{screen}");
            } else {
                assert!(screen.contains("FAIL"), "{screen}");
                assert!(screen.contains("phib: authentication failed"), "{screen}");
                // Why it failed comes first, then the steps left: the check to retry, and
                // the upgrade.
                let error = screen.find("phib: authentication failed").unwrap();
                let retry = screen
                    .find("phib verify --values values.yaml --secret-file push-secret.yaml")
                    .expect(&screen);
                let upgrade = screen
                    .find("phib upgrade --values values.yaml")
                    .expect(&screen);
                assert!(error < retry && error < upgrade, "{screen}");
            }
            // A failed check does not undo the write.
            assert!(dir.path().join("values.yaml").exists());
            assert_eq!(mode(&dir.path().join("push-secret.yaml")), 0o600);
        }
    }
);

#[test]
fn ctrl_c_while_the_offered_upgrade_runs_removes_the_temporary_file_and_exits_130_stub_cluster() {
    let stub = crate::helm::Stub::new();
    let dir = tempdir();
    let path = format!("{}:/usr/bin:/bin", stub.bin().display());
    let stub_dir = stub.dir().display().to_string();
    let mut t = Pty::spawn(
        dir.path(),
        &["wizard"],
        &path,
        &[
            ("STUB_DIR", Some(&stub_dir)),
            ("STUB_UPGRADE_SLEEP", Some("20")),
        ],
    );
    docker_hub(&mut t, "ann", "dckr_pat_x");
    values_mode(&mut t);
    t.at("Create `values.yaml`?").type_keys("y\r");
    no_verify(&mut t);
    t.at("Apply it now with helm upgrade?").type_keys("y\r");
    t.answer("Helm release [primehub]", "");
    t.answer("Namespace [hub]", "");
    t.at("Run it?").type_keys("y\r");
    let started = stub.dir().join("upgrade-started");
    let deadline = std::time::Instant::now() + crate::pty::DEADLINE;
    while !started.exists() {
        assert!(std::time::Instant::now() < deadline, "helm never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    t.send("\u{3}");
    let (code, screen) = t.finish_screen();
    assert_eq!(code, Some(130), "{screen}");
    assert!(screen.contains("helm was stopped"), "{screen}");
    let temp = stub.read("fpaths");
    assert!(!temp.trim().is_empty());
    assert!(
        !Path::new(temp.trim()).exists(),
        "the temporary file was left behind"
    );
    // The values file stays written.
    assert!(dir.path().join("values.yaml").exists());
}

#[test]
fn esc_after_the_file_is_written_exits_130_and_says_the_file_stays() {
    let (dir, mut t) = start();
    docker_hub(&mut t, "ann", "dckr_pat_x");
    values_mode(&mut t);
    t.at("Create `values.yaml`?").type_keys("y\r");
    t.at("Check the credentials against the registry now?")
        .type_keys("\u{1b}");
    let (code, screen) = t.finish_screen();
    assert_eq!(code, Some(130), "{screen}");
    assert!(
        screen.contains("phib: interrupted; the files written stay, nothing else was run"),
        "{screen}"
    );
    assert!(!screen.contains("nothing was written"), "{screen}");
    assert_eq!(mode(&dir.path().join("values.yaml")), 0o600);
}

/// A Harbor block in external mode (its credentials in the Secret `ml-push`), written
/// by `phib render` in `dir`; returns the values file's bytes.
fn existing_external_file(dir: &Path) -> Vec<u8> {
    let mut cmd = phib();
    cmd.current_dir(dir).args([
        "render",
        "--registry",
        "harbor",
        "--endpoint",
        "https://harbor.example.com",
        "--username",
        "robot$ml+old",
        "--password-stdin",
        "--secret-mode",
        "external",
        "--secret-name",
        "ml-push",
        "--secret-out",
        "old-secret.yaml",
        "--values",
        "values.yaml",
    ]);
    run(&mut cmd, b"old-secret").expect_code(0);
    std::fs::read(dir.join("values.yaml")).unwrap()
}

#[test]
fn rotating_an_external_mode_block_writes_only_its_secret_as_phib_render_rotate_does() {
    let dir = tempdir();
    let path = empty_path(dir.path());
    let before = existing_external_file(dir.path());
    let mut t = Pty::spawn(dir.path(), &[], &path, &[]);
    t.expect("pushSecretName:     ml-push");
    t.at("Rotate the credentials only").type_keys("\r");
    t.answer("User name (Harbor robot account", "robot$ml+new");
    t.answer("Password or robot secret", "new-secret");
    t.expect("The credentials stay in the Secret `ml-push`.");
    t.answer("PrimeHub's namespace [hub]", "");
    t.answer("File for the Secret manifest [push-secret.yaml]", "");
    t.expect("Where: the credentials go into the Secret `ml-push`");
    t.at("Put the new credentials into the Secret `ml-push`?")
        .type_keys("y\r");
    t.expect("Wrote the push Secret");
    no_verify(&mut t);
    let (code, screen) = t.finish_screen();
    assert_eq!(code, Some(0), "{screen}");
    assert!(!screen.contains("new-secret"), "{screen}");
    assert!(
        !screen.contains("Apply it now with helm upgrade"),
        "{screen}"
    );
    assert!(screen.contains("No helm upgrade is needed"), "{screen}");
    // The values stay byte for byte; the password is not in them.
    assert_eq!(
        std::fs::read(dir.path().join("values.yaml")).unwrap(),
        before
    );
    assert!(!dir.path().join("values.yaml.bak").exists());
    let manifest = dir.path().join("push-secret.yaml");
    assert_eq!(mode(&manifest), 0o600);
    let got = std::fs::read_to_string(&manifest).unwrap();

    // What `phib render --rotate --secret-mode external --secret-name` writes.
    let sub = dir.path().join("render");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("values.yaml"), &before).unwrap();
    run(
        phib().current_dir(&sub).args([
            "render",
            "--registry",
            "harbor",
            "--rotate",
            "--username",
            "robot$ml+new",
            "--password-stdin",
            "--secret-mode",
            "external",
            "--secret-name",
            "ml-push",
            "--secret-out",
            "push-secret.yaml",
            "--values",
            "values.yaml",
        ]),
        b"new-secret",
    )
    .expect_code(0);
    assert_eq!(
        got,
        std::fs::read_to_string(sub.join("push-secret.yaml")).unwrap()
    );
    // The command the wizard printed does the same.
    std::fs::create_dir(dir.path().join("printed")).unwrap();
    std::fs::write(dir.path().join("printed/values.yaml"), &before).unwrap();
    assert_eq!(
        run_printed_command(&screen, dir.path(), b"new-secret"),
        before
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("printed/push-secret.yaml")).unwrap(),
        got
    );
}

e2e!(
    a_failed_kubectl_apply_writes_nothing_and_prints_the_command_to_run_later,
    || {
        // Real kubectl with no cluster configured (HOME is the empty test folder): the
        // apply fails as it does against an unreachable cluster.
        let kubectl = tool("kubectl");
        let dir = tempdir();
        let path = empty_path(dir.path());
        std::os::unix::fs::symlink(&kubectl, Path::new(&path).join("kubectl")).unwrap();
        let mut t = Pty::spawn(dir.path(), &[], &path, &[("KUBECONFIG", None)]);
        docker_hub(&mut t, "Ann", "dckr_pat_s3cret");
        own_secret_with_defaults(&mut t);
        t.expect("The Secret")
            .at("apply it now with kubectl")
            .type_keys("j\r");
        t.at("Create `values.yaml`?").type_keys("y\r");
        let (code, screen) = t.finish_screen();
        assert_eq!(code, Some(1), "{screen}");
        assert!(!screen.contains("s3cret"), "{screen}");
        assert!(
            screen.contains("phib: `kubectl apply -f -` failed"),
            "{screen}"
        );
        assert!(screen.contains("Nothing was written."), "{screen}");
        assert!(screen.contains("--secret-out push-secret.yaml"), "{screen}");
        // The values do not name a Secret that was never made.
        assert!(!dir.path().join("values.yaml").exists(), "{screen}");
        let printed = screen
            .lines()
            .skip_while(|l| !l.starts_with("  phib render"))
            .take_while(|l| l.starts_with("  "))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(printed.contains("--apply"), "{screen}");
        assert!(printed.contains("--password-stdin"), "{screen}");
    }
);

#[test]
fn an_empty_token_is_not_shown_as_typed_and_the_refusal_names_the_question() {
    let (_dir, mut t) = start();
    pick(&mut t, Kind::DockerHub);
    t.answer("Docker Hub user name", "Ann");
    t.answer("Docker Hub access token", "");
    t.expect("Docker Hub access token is needed (nothing was typed)");
    t.answer("Docker Hub access token", "dckr_pat_s3cret");
    t.at("[docker.io/ann]").type_keys("\u{1b}");
    let (code, screen) = t.finish_screen();
    assert_eq!(code, Some(130), "{screen}");
    // `[hidden]` once, for the token typed; none for the empty answer.
    assert_eq!(screen.matches("[hidden]").count(), 1, "{screen}");
}

#[test]
fn a_secret_file_in_a_missing_folder_is_asked_again_before_anything_is_written() {
    let (dir, mut t) = start();
    docker_hub(&mut t, "Ann", "dckr_pat_s3cret");
    own_secret_with_defaults(&mut t);
    // A folder that does not exist: refused at the prompt, with the reason.
    t.answer("File for the Secret manifest", "no-such-dir/push.yaml");
    t.expect("the folder `no-such-dir`");
    t.answer("File for the Secret manifest", "push.yaml");
    t.at("Create `values.yaml`?").type_keys("y\r");
    t.at("Check the credentials against the registry now?")
        .type_keys("n\r");
    let (code, screen) = t.finish_screen();
    assert_eq!(code, Some(0), "{screen}");
    assert!(!screen.contains("s3cret"), "{screen}");
    assert!(dir.path().join("values.yaml").exists(), "{screen}");
    assert_eq!(mode(&dir.path().join("push.yaml")), 0o600);
    assert!(!dir.path().join("no-such-dir").exists());
}

e2e!(
    acr_keyless_asks_no_password_and_writes_what_phib_render_refresh_writes,
    || {
        let (dir, mut t) = start();
        pick(&mut t, Kind::Acr);
        t.expect("short-lived tokens, no key (recommended)")
            .at("a password or token")
            .type_keys("\r");
        t.answer("Registry name", "acmeregistry");
        t.answer("[acmeregistry.azurecr.io/primehub]", "");
        t.at("Change the advanced options?").type_keys("n\r");
        t.expect("Azure identity")
            .at("the nodes' managed identity")
            .type_keys("\r");
        t.answer(
            "Managed identity client id",
            "11111111-2222-3333-4444-555555555555",
        );
        t.answer("Tenant id", "not-a-guid");
        t.expect("is not a GUID");
        t.answer("Tenant id", "66666666-7777-8888-9999-000000000000");
        t.answer("Kubernetes ServiceAccount for the operator", "");
        t.answer("PrimeHub's namespace", "");
        t.answer("File for the Secret manifest", "push-refresh.yaml");
        t.expect("ACRAccessToken");
        t.at("Create `values.yaml`?").type_keys("y\r");
        t.expect("least-privilege grant");
        let (code, screen) = t.finish_screen();
        assert_eq!(code, Some(0), "exit {code:?}: {screen}");
        assert!(!screen.contains("Password"), "{screen}");
        assert!(
            screen.contains("Once the operator has synced the Secret"),
            "{screen}"
        );
        // The default grant works on the registry as it is: AcrPush, no change of mode.
        assert!(screen.contains("--role AcrPush"), "{screen}");
        assert!(!screen.contains("az acr update"), "{screen}");

        let sub = dir.path().join("render");
        std::fs::create_dir(&sub).unwrap();
        let args = [
            "--registry",
            "acr",
            "--acr-name",
            "acmeregistry",
            "--secret-mode",
            "external",
            "--refresh",
            "external-secrets",
            "--azure-client-id",
            "11111111-2222-3333-4444-555555555555",
            "--azure-tenant-id",
            "66666666-7777-8888-9999-000000000000",
            "--secret-out",
            "push-refresh.yaml",
        ];
        run(phib().current_dir(&sub).arg("render").args(args), b"").expect_code(0);
        for file in ["values.yaml", "push-refresh.yaml"] {
            assert_eq!(
                std::fs::read_to_string(dir.path().join(file)).unwrap(),
                std::fs::read_to_string(sub.join(file)).unwrap(),
                "{file}: the wizard and phib render disagree"
            );
        }
        assert_eq!(mode(&dir.path().join("push-refresh.yaml")), 0o600);
    }
);

//! The wizard's third place for the credentials, "a sealed Secret, for git": the
//! certificate asked for (and checked at its prompt), the SealedSecret written beside
//! the values, the same files as `phib render --secret-mode sealed` writes, and the
//! check after the write run on the login phib holds, against a real registry.

use std::path::Path;

use phib::registry::Kind;

use super::*;
use crate::pty::Pty;

const CERT: &str = "tests/fixtures/sealed/rsa-2048.pem";

/// Picks the sealed Secret, its default name, the certificate `cert.pem` (after a
/// refused one), the default namespace and file (no kubectl on `PATH`).
fn sealed_to_default_file(t: &mut Pty, dir: &Path) {
    std::fs::copy(root().join(CERT), dir.join("cert.pem")).unwrap();
    std::fs::copy(
        root().join("tests/fixtures/sealed/ec-p256.pem"),
        dir.join("ec.pem"),
    )
    .unwrap();
    credentials_list(t);
    t.expect("a sealed Secret, for git");
    t.send("jj").send("\r");
    t.answer("Push secret name [primehub-image-builder-push]", "");
    t.expect("only the controller in the cluster can open it");
    t.answer("Certificate file [cert.pem]", "ec.pem");
    t.expect("holds an EC key");
    t.answer("Certificate file [cert.pem]", "");
    t.answer("PrimeHub's namespace [hub]", "");
    t.answer("File for the SealedSecret [push-secret.sealed.yaml]", "");
}

/// A SealedSecret with its sealed values blanked: what can be compared.
fn masked(path: &Path) -> serde_json::Value {
    let mut doc: serde_json::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for v in doc["spec"]["encryptedData"]
        .as_object_mut()
        .unwrap()
        .values_mut()
    {
        *v = serde_json::Value::Null;
    }
    doc
}

#[test]
fn a_sealed_secret_for_git_writes_what_phib_render_writes() {
    let (dir, mut t) = start();
    docker_hub(&mut t, "Ann", "dckr_pat_s3cret");
    sealed_to_default_file(&mut t, dir.path());
    t.expect("pushSecretName:     primehub-image-builder-push");
    t.expect("Where: the credentials go into the SealedSecret");
    t.expect("Create `values.yaml`?").send("y\r");
    t.expect("Wrote the SealedSecret");
    no_verify(&mut t);
    let (code, screen) = t.finish_screen();
    assert_eq!(code, Some(0), "{screen}");
    assert!(!screen.contains("s3cret"), "{screen}");
    assert!(!screen.contains("git working tree"), "{screen}");
    assert!(
        screen.contains("Commit the SealedSecret with the values"),
        "{screen}"
    );
    assert!(
        screen.contains("kubectl apply -f push-secret.sealed.yaml"),
        "{screen}"
    );
    assert!(
        screen.contains("Once the controller has unsealed the Secret"),
        "{screen}"
    );
    let sealed = dir.path().join("push-secret.sealed.yaml");
    let text = std::fs::read_to_string(&sealed).unwrap();
    assert!(!text.contains("s3cret") && !text.contains("Ann"), "{text}");

    // The same with `phib render`, in a folder of its own.
    let sub = dir.path().join("render");
    std::fs::create_dir(&sub).unwrap();
    std::fs::copy(root().join(CERT), sub.join("cert.pem")).unwrap();
    run(
        phib().current_dir(&sub).args([
            "render",
            "--registry",
            "dockerhub",
            "--username",
            "Ann",
            "--password-stdin",
            "--secret-mode",
            "sealed",
            "--sealing-cert",
            "cert.pem",
            "--secret-out",
            "push-secret.sealed.yaml",
            "--values",
            "values.yaml",
        ]),
        b"dckr_pat_s3cret\n",
    )
    .expect_code(0);
    assert_written(dir.path(), &std::fs::read(sub.join("values.yaml")).unwrap());
    assert_eq!(
        masked(&sealed),
        masked(&sub.join("push-secret.sealed.yaml"))
    );
    // And the command the wizard printed writes both the same again.
    let printed = dir.path().join("printed");
    std::fs::create_dir(&printed).unwrap();
    std::fs::copy(root().join(CERT), printed.join("cert.pem")).unwrap();
    assert_eq!(
        run_printed_command(&screen, dir.path(), b"dckr_pat_s3cret"),
        std::fs::read(sub.join("values.yaml")).unwrap()
    );
    assert_eq!(
        masked(&printed.join("push-secret.sealed.yaml")),
        masked(&sealed)
    );
}

e2e!(
    the_check_after_sealing_logs_in_with_the_login_phib_holds,
    || {
        use crate::registry::{Auth, Registry};
        let user = "robot$ci";
        let password = "s3aled pa ss:w\"#rd";
        let registry = Registry::start(Auth::Htpasswd(&[(user, password)]), false);
        let host = registry.host();
        for (typed, want_code) in [(password, 0), ("wrong-password", 1)] {
            let (dir, mut t) = start();
            pick(&mut t, Kind::Harbor);
            t.answer("Registry endpoint", &format!("http://{host}"));
            t.answer("User name (Harbor robot account", user);
            t.answer("Password or robot secret", typed);
            t.answer("Push repository prefix", &format!("{host}/ci"));
            t.expect("Skip TLS verification").expect("[Y/n]").send("\r");
            t.expect("Change the advanced options?").send("n\r");
            sealed_to_default_file(&mut t, dir.path());
            t.expect("Create `values.yaml`?").send("y\r");
            t.expect("Wrote the SealedSecret");
            t.expect("Check the credentials against the registry now?")
                .send("\r");
            let (code, screen) = t.finish_screen();
            assert_eq!(code, Some(want_code), "{screen}");
            assert!(!screen.contains(typed), "{screen}");
            assert!(
                screen.contains(&format!(
                    "ok    credentials for `{host}` from the login sealed into Secret"
                )),
                "{screen}"
            );
            if want_code == 0 {
                assert!(!screen.contains("FAIL"), "{screen}");
            } else {
                assert!(screen.contains("phib: authentication failed"), "{screen}");
                assert!(
                    screen.contains("Once the controller has unsealed the Secret"),
                    "{screen}"
                );
            }
            // The SealedSecret holds no login in the clear either way.
            let text = std::fs::read_to_string(dir.path().join("push-secret.sealed.yaml")).unwrap();
            assert!(!text.contains(typed), "{text}");
        }
    }
);

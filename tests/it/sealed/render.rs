//! `phib render --secret-mode sealed`: values without credentials that name the Secret,
//! and a SealedSecret that the oracles unseal (with the key of the controller whose
//! certificate phib was given) to exactly the Secret external mode writes; the scope
//! given, kept by `--rotate`, changed on request; `--check`, `--apply` through a
//! recording stand-in kubectl; `phib verify --secret-file` on a SealedSecret; and the
//! refusals (bad certificates, options of another mode), each exit 2 with nothing
//! written.

use std::fs;
use std::path::Path;

use serde_json::Value;

use super::{b64decode, unsealed, validate, Controller, IMPLS};
use crate::util::*;

const PASSWORD: &str = r##"s3aled p@ss:w"rd#x\y"##;
const ROBOT: &str = "robot$ci";
const NAME: &str = "primehub-image-builder-push";
/// The certificate fixture (no key: nothing can unseal what it seals), valid from
/// 2026-12-07 to 2036-12-04.
const FIXTURE_CERT: &str = "tests/fixtures/sealed/rsa-2048.pem";

/// `phib render --registry harbor ...` in `dir` with the password on stdin and `extra`.
fn render(dir: &Path, extra: &[&str], password: &str) -> Run {
    run(
        phib()
            .current_dir(dir)
            .args([
                "render",
                "--registry",
                "harbor",
                "--endpoint",
                "https://reg.example.com:5000",
                "--username",
                ROBOT,
                "--password-stdin",
                "--push-repo-prefix",
                "reg.example.com:5000/team",
            ])
            .args(extra),
        format!("{password}\n").as_bytes(),
    )
}

/// Asserts that neither stream shows the password.
fn assert_no_secret(r: &Run, password: &str) {
    assert!(!r.stdout_str().contains(password), "secret in stdout");
    assert!(
        !r.stderr.contains(password),
        "secret in stderr:\n{}",
        r.stderr
    );
}

fn yaml(path: &Path) -> Value {
    serde_yaml::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// The names of the files in `dir`, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A folder holding the certificate fixture as `cert.pem`.
fn with_fixture_cert() -> tempfile::TempDir {
    let dir = tempdir();
    fs::copy(root().join(FIXTURE_CERT), dir.path().join("cert.pem")).unwrap();
    dir
}

e2e!(
    render_sealed_writes_a_sealed_secret_the_controller_unseals_to_external_modes_secret,
    || {
        let controller = Controller::new(2048);
        let cert = controller.cert_path().display().to_string();
        for scope in ["strict", "namespace-wide", "cluster-wide"] {
            let dir = tempdir();
            let r = render(
                dir.path(),
                &[
                    "--secret-mode",
                    "sealed",
                    "--sealing-cert",
                    &cert,
                    "--sealing-scope",
                    scope,
                    "--namespace",
                    "ml",
                    "--secret-out",
                    "push.sealed.yaml",
                ],
                PASSWORD,
            );
            r.expect_code(0);
            assert_no_secret(&r, PASSWORD);
            assert!(
            r.stderr.contains(&format!(
                "wrote the SealedSecret `{NAME}` (namespace `ml`, scope {scope}) to `push.sealed.yaml`: commit it beside the values"
            )),
            "{}",
            r.stderr
        );
            // The values name the Secret and hold no login, as in external mode.
            let values = fs::read_to_string(dir.path().join("values.yaml")).unwrap();
            assert!(
                values.contains(&format!("pushSecretName: \"{NAME}\"")),
                "{values}"
            );
            assert!(!values.contains("registryPassword") && !values.contains(ROBOT));
            let file = dir.path().join("push.sealed.yaml");
            let text = fs::read_to_string(&file).unwrap();
            assert!(!text.contains(PASSWORD) && !text.contains(ROBOT), "{text}");
            validate(&[&file]).expect_code(0);

            // External mode's Secret for the same command.
            let sub = dir.path().join("external");
            fs::create_dir(&sub).unwrap();
            render(
                &sub,
                &[
                    "--secret-mode",
                    "external",
                    "--namespace",
                    "ml",
                    "--secret-out",
                    "push.yaml",
                ],
                PASSWORD,
            )
            .expect_code(0);
            let external = yaml(&sub.join("push.yaml"));
            assert_eq!(
                fs::read(sub.join("values.yaml")).unwrap(),
                values.as_bytes(),
                "the same values as external mode"
            );
            for implementation in IMPLS {
                let got = unsealed(implementation, &controller.key(), &file);
                assert_eq!(got["metadata"]["name"], NAME);
                assert_eq!(got["metadata"]["namespace"], "ml");
                assert_eq!(got["type"], "kubernetes.io/dockerconfigjson");
                assert_eq!(
                    b64decode(got["data"][".dockerconfigjson"].as_str().unwrap()),
                    b64decode(external["data"][".dockerconfigjson"].as_str().unwrap()),
                    "{scope} {implementation}: external mode's login, byte for byte"
                );
            }
        }
    }
);

e2e!(
    rotate_rewrites_only_the_sealed_secret_and_keeps_its_scope,
    || {
        let controller = Controller::new(2048);
        let cert = controller.cert_path().display().to_string();
        let dir = tempdir();
        let sealed = ["--secret-mode", "sealed", "--sealing-cert", &cert];
        let out = ["--secret-out", "push.sealed.yaml"];
        let first = [&sealed[..], &["--sealing-scope", "namespace-wide"], &out].concat();
        render(dir.path(), &first, "old-password").expect_code(0);
        let values = fs::read(dir.path().join("values.yaml")).unwrap();
        let file = dir.path().join("push.sealed.yaml");

        let mut rotate = vec!["--rotate"];
        rotate.extend(sealed);
        rotate.extend(out);
        let r = run(
            phib()
                .current_dir(dir.path())
                .args(["render", "--registry", "harbor", "--username", ROBOT])
                .args(&rotate)
                .arg("--password-stdin"),
            format!("{PASSWORD}\n").as_bytes(),
        );
        r.expect_code(0);
        assert_no_secret(&r, PASSWORD);
        assert_eq!(
            fs::read(dir.path().join("values.yaml")).unwrap(),
            values,
            "the values stay as they are"
        );
        let doc = yaml(&file);
        assert_eq!(
            doc["metadata"]["annotations"]["sealedsecrets.bitnami.com/namespace-wide"], "true",
            "the scope is kept"
        );
        let got = unsealed("own", &controller.key(), &file);
        let json = b64decode(got["data"][".dockerconfigjson"].as_str().unwrap());
        let creds = phib::verify::dockerconfig::pick(&json, "reg.example.com:5000", "t").unwrap();
        assert_eq!(creds.username, ROBOT);
        assert_eq!(creds.password.expose(), PASSWORD);

        // `--sealing-scope` on a rotation changes it.
        rotate.extend(["--sealing-scope", "strict"]);
        run(
            phib()
                .current_dir(dir.path())
                .args(["render", "--registry", "harbor", "--username", ROBOT])
                .args(&rotate)
                .arg("--password-stdin"),
            b"newer\n",
        )
        .expect_code(0);
        let doc = yaml(&file);
        assert!(doc["metadata"].get("annotations").is_none(), "{doc}");
        assert_eq!(fs::read(dir.path().join("values.yaml")).unwrap(), values);
    }
);

#[test]
fn bad_certificates_are_refused_with_exit_2_and_nothing_written() {
    let fixtures = root().join("tests/fixtures/sealed");
    let dir = tempdir();
    fs::write(dir.path().join("not-pem.pem"), "hello\n").unwrap();
    let der = {
        let text = fs::read_to_string(fixtures.join("rsa-2048.pem")).unwrap();
        let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        b64decode(&body)
    };
    fs::write(dir.path().join("cert.der"), der).unwrap();
    let values = "customImage:\n  registryEndpoint: https://old.example.com\n";
    fs::write(dir.path().join("values.yaml"), values).unwrap();
    let cases = [
        (
            dir.path().join("not-pem.pem"),
            "is not a PEM certificate (no `-----BEGIN CERTIFICATE-----` block)",
        ),
        (dir.path().join("cert.der"), "it looks like binary DER"),
        (fixtures.join("ec-p256.pem"), "holds an EC key"),
        (
            fixtures.join("rsa-512.pem"),
            "holds an RSA key that cannot seal",
        ),
        (
            fixtures.join("rsa-public-key.pem"),
            "holds a `PUBLIC KEY`, not a `CERTIFICATE`",
        ),
        (
            fixtures.join("rsa-2048-expired.pem"),
            "expired on 2026-12-05T05:16:29Z",
        ),
        (dir.path().join("missing.pem"), "does not exist"),
        (dir.path().to_path_buf(), "is a directory"),
    ];
    for (cert, says) in cases {
        let cert = cert.display().to_string();
        let r = render(
            dir.path(),
            &[
                "--secret-mode",
                "sealed",
                "--sealing-cert",
                &cert,
                "--secret-out",
                "push.sealed.yaml",
            ],
            PASSWORD,
        );
        r.expect_code(2);
        assert!(r.stderr.contains(says), "{cert}: {}", r.stderr);
        assert!(r.stderr.contains("\nhelp: "), "{}", r.stderr);
        assert_no_secret(&r, PASSWORD);
        assert_eq!(
            fs::read_to_string(dir.path().join("values.yaml")).unwrap(),
            values,
            "{cert}"
        );
        assert_eq!(
            files(dir.path()),
            ["cert.der", "not-pem.pem", "values.yaml"],
            "{cert}: nothing written"
        );
    }
}

#[test]
fn options_of_another_mode_are_refused_before_anything_is_written() {
    let dir = with_fixture_cert();
    let cases: [(&[&str], &str); 7] = [
        (
            &["--sealing-cert", "cert.pem", "--secret-out", "s.yaml"],
            "`--sealing-cert` is only used with `--secret-mode sealed`",
        ),
        (
            &[
                "--secret-mode",
                "external",
                "--sealing-scope",
                "strict",
                "--secret-out",
                "s.yaml",
            ],
            "`--sealing-scope` is only used with `--secret-mode sealed`",
        ),
        (
            &["--secret-mode", "sealed", "--sealing-cert", "cert.pem"],
            "`--secret-mode sealed` needs to know where the SealedSecret goes",
        ),
        (
            &[
                "--secret-mode",
                "sealed",
                "--sealing-cert",
                "cert.pem",
                "--secret-out",
                "s.yaml",
                "--from-store",
                "SecretStore/vault",
                "--remote-key",
                "k",
            ],
            "`--secret-mode sealed` seals a login phib holds",
        ),
        (
            &[
                "--secret-mode",
                "sealed",
                "--sealing-cert",
                "cert.pem",
                "--secret-out",
                "s.yaml",
                "--push-secret-name",
                "x",
            ],
            "in sealed mode phib makes the Secret itself",
        ),
        (
            &[
                "--secret-mode",
                "sealed",
                "--sealing-cert",
                "cert.pem",
                "--controller-name",
                "x",
                "--secret-out",
                "s.yaml",
            ],
            "cannot be used with",
        ),
        (
            &[
                "--secret-mode",
                "sealed",
                "--sealing-scope",
                "Strict",
                "--secret-out",
                "s.yaml",
            ],
            "invalid value 'Strict' for '--sealing-scope <SCOPE>'",
        ),
    ];
    for (args, says) in cases {
        let r = render(dir.path(), args, PASSWORD);
        r.expect_code(2);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
        assert_eq!(files(dir.path()), ["cert.pem"], "{args:?}");
    }
    // ECR has no lasting login to seal.
    let r = run(
        phib().current_dir(dir.path()).args([
            "render",
            "--registry",
            "ecr",
            "--aws-account",
            "123456789012",
            "--aws-region",
            "us-east-1",
            "--push-repo",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/x",
            "--secret-mode",
            "sealed",
            "--sealing-cert",
            "cert.pem",
            "--secret-out",
            "s.yaml",
        ]),
        b"",
    );
    r.expect_code(2);
    assert!(
        r.stderr
            .contains("`--registry ecr` has no lasting login to seal"),
        "{}",
        r.stderr
    );
    assert_eq!(files(dir.path()), ["cert.pem"]);
}

#[test]
fn check_compares_all_but_the_sealed_value_and_verify_says_how_to_check_it() {
    let dir = with_fixture_cert();
    let args = [
        "--secret-mode",
        "sealed",
        "--sealing-cert",
        "cert.pem",
        "--secret-out",
        "push.sealed.yaml",
    ];
    render(dir.path(), &args, PASSWORD).expect_code(0);
    let file = dir.path().join("push.sealed.yaml");
    let before = fs::read(&file).unwrap();
    // Sealing is randomised: the same command seals anew, and `--check` still passes.
    let r = render(dir.path(), &[&args[..], &["--check"]].concat(), PASSWORD);
    r.expect_code(0);
    assert!(r.stderr.contains("is up to date"), "{}", r.stderr);
    assert_eq!(fs::read(&file).unwrap(), before, "--check writes nothing");
    // Another scope, or another name, is drift.
    let wide = [&args[..], &["--sealing-scope", "cluster-wide", "--check"]].concat();
    let r = render(dir.path(), &wide, PASSWORD);
    r.expect_code(1);
    assert!(
        r.stderr.contains(
            "`push.sealed.yaml` holds another SealedSecret than this command would write"
        ),
        "{}",
        r.stderr
    );
    let r = run(
        phib()
            .current_dir(dir.path())
            .args(["verify", "--secret-file", "push.sealed.yaml"]),
        b"",
    );
    r.expect_code(2);
    assert!(
        r.stderr.contains(&format!(
            "phib: `push.sealed.yaml` holds the SealedSecret `{NAME}`: only the sealed-secrets controller in the cluster can open it"
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains(&format!("kubectl -n hub get sealedsecret {NAME}")),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("without `--secret-file`"), "{}", r.stderr);
}

#[test]
fn apply_pipes_the_sealed_secret_to_kubectl_on_stdin_stub_cluster() {
    let dir = with_fixture_cert();
    let bin = dir.path().join("bin");
    fs::create_dir(&bin).unwrap();
    let rec = dir.path().join("rec");
    fs::create_dir(&rec).unwrap();
    let kubectl = bin.join("kubectl");
    fs::write(
        &kubectl,
        format!(
            "#!/bin/sh\nprintf '%s\\0' \"$@\" > '{0}/argv'\ncat > '{0}/stdin'\necho 'sealedsecret.bitnami.com/{NAME} created'\n",
            rec.display()
        ),
    )
    .unwrap();
    fs::set_permissions(
        &kubectl,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let r = run(
        phib().current_dir(dir.path()).env("PATH", path).args([
            "render",
            "--registry",
            "harbor",
            "--endpoint",
            "https://reg.example.com",
            "--username",
            ROBOT,
            "--password-stdin",
            "--push-repo-prefix",
            "reg.example.com/t",
            "--secret-mode",
            "sealed",
            "--sealing-cert",
            "cert.pem",
            "--apply",
        ]),
        format!("{PASSWORD}\n").as_bytes(),
    );
    r.expect_code(0);
    assert_no_secret(&r, PASSWORD);
    assert!(
        r.stderr
            .contains(&format!("sealedsecret.bitnami.com/{NAME} created")),
        "{}",
        r.stderr
    );
    let argv = fs::read_to_string(rec.join("argv")).unwrap();
    assert_eq!(
        argv.split_terminator('\0').collect::<Vec<_>>(),
        ["apply", "-f", "-"]
    );
    let stdin = fs::read_to_string(rec.join("stdin")).unwrap();
    let doc: Value = serde_yaml::from_str(&stdin).unwrap();
    assert_eq!(doc["kind"], "SealedSecret");
    assert!(
        !stdin.contains(PASSWORD) && !stdin.contains(ROBOT),
        "{stdin}"
    );
    // The SealedSecret went first; then the values.
    assert!(dir.path().join("values.yaml").exists());
}

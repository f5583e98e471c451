//! `phib render --secret-mode external`: values without credentials that the real
//! `helm template` of the fixture chart turns into a ConfigMap naming phib's Secret and
//! holding no password; the Secret manifest (0600, decoding to `user:password`) whose
//! `.dockerconfigjson` lets real `skopeo` push to a real registry with htpasswd auth;
//! `phib verify --secret-file`; `phib upgrade` passing the old credentials as `null`
//! (stand-in helm); `--apply` through a recording stand-in kubectl; and the refusals.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use serde_json::Value as Json;
use serde_yaml::Value;

use crate::registry::{oci, Auth, Registry};
use crate::util::*;

/// A password with a space, `:`, `"`, `#`, `@` and `\`.
const PASSWORD: &str = r##"p@ss w:rd"#x\y"##;
const ROBOT: &str = "robot$ci";
const DEFAULT_NAME: &str = "primehub-image-builder-push";

fn b64(s: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn b64decode(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .expect("base64")
}

/// `phib render --registry harbor ...` in `dir`, reading the password from stdin.
fn render_harbor_cmd(dir: &Path, endpoint: &str, extra: &[&str]) -> Command {
    let host = endpoint.trim_start_matches("https://");
    let prefix = format!("{host}/team");
    let mut cmd = phib();
    cmd.current_dir(dir)
        .args(["render", "--registry", "harbor", "--endpoint", endpoint])
        .args(["--username", ROBOT, "--password-stdin"])
        .args(["--push-repo-prefix", &prefix])
        .args(extra);
    cmd
}

/// `phib render --registry ecr ...` in `dir`, pushing to `name` in account
/// 123456789012's registry in `region`.
fn render_ecr_cmd(dir: &Path, region: &str, name: &str) -> Command {
    let mut cmd = phib();
    cmd.current_dir(dir)
        .args([
            "render",
            "--registry",
            "ecr",
            "--aws-account",
            "123456789012",
        ])
        .args(["--aws-region", region, "--push-repo"])
        .arg(format!(
            "123456789012.dkr.ecr.{region}.amazonaws.com/{name}"
        ));
    cmd
}

/// Runs [`render_harbor_cmd`] with the password on stdin.
fn render_harbor(dir: &Path, endpoint: &str, extra: &[&str]) -> Run {
    run_with_password(&mut render_harbor_cmd(dir, endpoint, extra))
}

fn run_with_password(cmd: &mut Command) -> Run {
    run(cmd, format!("{PASSWORD}\n").as_bytes())
}

/// Asserts that neither stream shows the password (or its base64 forms).
fn assert_no_secret(r: &Run) {
    let auth = b64(format!("{ROBOT}:{PASSWORD}").as_bytes());
    for s in [PASSWORD, auth.as_str()] {
        assert!(!r.stdout_str().contains(s), "secret in stdout");
        assert!(!r.stderr.contains(s), "secret in stderr:\n{}", r.stderr);
    }
}

fn yaml(path: &Path) -> Value {
    serde_yaml::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// The decoded `.dockerconfigjson` of a manifest.
fn config_json(manifest: &Value) -> Json {
    let data = manifest["data"][".dockerconfigjson"].as_str().unwrap();
    serde_json::from_slice(&b64decode(data)).unwrap()
}

#[test]
fn manifest_is_0600_and_decodes_to_the_login() {
    let dir = tempdir();
    let r = render_harbor(
        dir.path(),
        "https://reg.example.com:5000",
        &[
            "--secret-mode",
            "external",
            "--secret-name",
            "builder-push",
            "--namespace",
            "primehub",
            "--secret-out",
            "push.yaml",
            "--values",
            "values.yaml",
        ],
    );
    r.expect_code(0);
    assert_no_secret(&r);
    assert!(
        !r.stderr.contains("warning: the password is stored"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("note:"), "{}", r.stderr);
    let push = dir.path().join("push.yaml");
    assert_eq!(mode(&push), 0o600);
    assert_eq!(mode(&dir.path().join("values.yaml")), 0o600);
    let m = yaml(&push);
    assert_eq!(m["apiVersion"], "v1");
    assert_eq!(m["kind"], "Secret");
    assert_eq!(m["type"], "kubernetes.io/dockerconfigjson");
    assert_eq!(m["metadata"]["name"], "builder-push");
    assert_eq!(m["metadata"]["namespace"], "primehub");
    assert_eq!(
        m["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "phib"
    );
    let cfg = config_json(&m);
    let auths = cfg["auths"].as_object().unwrap();
    assert_eq!(
        auths.keys().collect::<Vec<_>>(),
        ["reg.example.com:5000"],
        "keyed by the host as buildah normalises it"
    );
    let entry = &auths["reg.example.com:5000"];
    assert_eq!(entry["username"], ROBOT);
    assert_eq!(entry["password"], PASSWORD);
    let auth = b64decode(entry["auth"].as_str().unwrap());
    assert_eq!(auth, format!("{ROBOT}:{PASSWORD}").as_bytes());

    // The values: endpoint, push target, insecureSkipVerify and the Secret's name only.
    let v = yaml(&dir.path().join("values.yaml"));
    let block = v["customImage"].as_mapping().unwrap();
    let keys: Vec<&str> = block.keys().map(|k| k.as_str().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "enabled",
            "registryEndpoint",
            "pushRepoPrefix",
            "pushSecretName",
            "insecureSkipVerify"
        ]
    );
    assert_eq!(v["customImage"]["pushSecretName"], "builder-push");
    let text = fs::read_to_string(dir.path().join("values.yaml")).unwrap();
    assert!(!text.contains(PASSWORD) && !text.contains(ROBOT), "{text}");
}

#[test]
fn docker_hub_is_keyed_as_index_docker_io() {
    let dir = tempdir();
    let mut cmd = phib();
    cmd.current_dir(dir.path())
        .args(["render", "--registry", "dockerhub", "--username", "me"])
        .args([
            "--secret-mode",
            "external",
            "--secret-out",
            "s.yaml",
            "--stdout",
        ])
        .env("PHIB_REGISTRY_PASSWORD", "dckr_pat_abc");
    let r = run(&mut cmd, b"");
    r.expect_code(0);
    assert!(!r.stdout_str().contains("dckr_pat_abc"));
    assert!(r
        .stdout_str()
        .contains("pushSecretName: \"primehub-image-builder-push\""));
    let cfg = config_json(&yaml(&dir.path().join("s.yaml")));
    assert_eq!(cfg["auths"]["index.docker.io"]["password"], "dckr_pat_abc");
}

/// The `customImage` block the controller ConfigMap carries.
fn configmap_block(rendered: &str) -> Value {
    let doc = rendered
        .split("\n---")
        .find(|d| d.contains("kind: ConfigMap"))
        .expect("ConfigMap rendered");
    let cm: Value = serde_yaml::from_str(doc).unwrap();
    let config: Value = serde_yaml::from_str(cm["data"]["config.yaml"].as_str().unwrap()).unwrap();
    config["customImage"].clone()
}

e2e!(
    helm_renders_no_password_and_names_the_manifest_in_the_configmap,
    || {
        let dir = tempdir();
        let r = render_harbor(
            dir.path(),
            "https://reg.example.com",
            &["--secret-mode", "external", "--secret-out", "push.yaml"],
        );
        r.expect_code(0);
        let rendered = helm_template(&fixture_chart(), &dir.path().join("values.yaml"));
        let auth = b64(format!("{ROBOT}:{PASSWORD}").as_bytes());
        for (what, s) in [
            ("password", PASSWORD.to_string()),
            ("base64 auth", auth),
            ("base64 password", b64(PASSWORD.as_bytes())),
            ("user", ROBOT.to_string()),
        ] {
            assert!(
                !rendered.contains(&s),
                "{what} in helm's output:\n{rendered}"
            );
        }
        let manifest = yaml(&dir.path().join("push.yaml"));
        let block = configmap_block(&rendered);
        assert_eq!(block["pushSecretName"], manifest["metadata"]["name"]);
        assert_eq!(block["pushSecretName"], DEFAULT_NAME);
        assert_eq!(block["registryEndpoint"], "https://reg.example.com");
        for key in ["registryUsername", "registryPassword"] {
            assert!(
                block.get(key).is_none_or(Value::is_null),
                "{key}: {block:?}"
            );
        }
        // The chart still renders its own secret (registryEndpoint is set), under another name.
        assert!(rendered.contains("name: primehub-controller-custom-image-push-secret"));
        assert!(!rendered.contains(&format!("name: {DEFAULT_NAME}\n")));

        // The same holds for the ECR refresh: the ExternalSecret's target is the name.
        let mut cmd = render_ecr_cmd(dir.path(), "us-east-1", "images");
        cmd.args([
            "--secret-mode",
            "external",
            "--ecr-refresh",
            "external-secrets",
        ])
        .args(["--secret-out", "ecr.yaml", "--values", "ecr-values.yaml"]);
        run(&mut cmd, b"").expect_code(0);
        let rendered = helm_template(&fixture_chart(), &dir.path().join("ecr-values.yaml"));
        let docs = fs::read_to_string(dir.path().join("ecr.yaml")).unwrap();
        let es: Value = serde_yaml::from_str(docs.split("\n---\n").nth(1).unwrap()).unwrap();
        assert_eq!(
            configmap_block(&rendered)["pushSecretName"],
            es["spec"]["target"]["name"]
        );
    }
);

e2e!(
    skopeo_pushes_with_the_manifests_dockerconfigjson_and_verify_reads_it,
    Registry::start(Auth::Htpasswd(&[(ROBOT, PASSWORD)]), false),
    |reg| {
        let dir = tempdir();
        let r = render_harbor(
            dir.path(),
            &reg.host(),
            &[
                "--insecure-skip-verify",
                "--secret-mode",
                "external",
                "--secret-out",
                "push.yaml",
            ],
        );
        r.expect_code(0);
        let manifest = yaml(&dir.path().join("push.yaml"));
        let data = manifest["data"][".dockerconfigjson"].as_str().unwrap();
        let authfile = dir.path().join("auth.json");
        fs::write(&authfile, b64decode(data)).unwrap();
        let layout = dir.path().join("oci");
        oci::oci_layout(&layout);
        let push = |authfile: &Path| {
            Command::new(tool("skopeo"))
                .args(["copy", "--authfile"])
                .arg(authfile)
                .args(["--dest-tls-verify=false"])
                .arg(format!("oci:{}:latest", layout.display()))
                .arg(format!("docker://{}/team/app:0123abcd", reg.host()))
                .output()
                .unwrap()
        };
        let out = push(&authfile);
        assert!(
            out.status.success(),
            "skopeo copy failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stderr),
            reg.log()
        );
        // The same authfile with another password is refused: the push proves the login.
        let wrong = dir.path().join("wrong.json");
        let cfg = String::from_utf8(b64decode(data)).unwrap();
        let bad_auth = b64(format!("{ROBOT}:nope").as_bytes());
        let good_auth = b64(format!("{ROBOT}:{PASSWORD}").as_bytes());
        let mut bad: Json = serde_json::from_str(&cfg.replace(&good_auth, &bad_auth)).unwrap();
        bad["auths"][reg.host()]["password"] = Json::String("nope".into());
        fs::write(&wrong, bad.to_string()).unwrap();
        let out = push(&wrong);
        assert!(!out.status.success(), "a wrong password pushed");

        // verify reads the same manifest.
        let mut cmd = phib();
        cmd.current_dir(dir.path()).args([
            "verify",
            "--timeout",
            "10",
            "--secret-file",
            "push.yaml",
        ]);
        let r = run(&mut cmd, b"");
        r.expect_code(0);
        let out = r.stdout_str();
        assert!(
            out.contains(&format!(
                "ok    credentials for `{}` from Secret `{DEFAULT_NAME}` in `push.yaml`",
                reg.host()
            )),
            "{out}"
        );
        assert!(out.contains(&format!("ok    login as `{ROBOT}`")), "{out}");
        assert_no_secret(&r);
    }
);

#[test]
fn verify_refuses_a_manifest_the_builds_would_not_mount() {
    let dir = tempdir();
    render_harbor(
        dir.path(),
        "https://reg.example.com",
        &["--secret-mode", "external", "--secret-out", "push.yaml"],
    )
    .expect_code(0);
    render_harbor(
        dir.path(),
        "https://reg.example.com",
        &[
            "--secret-mode",
            "external",
            "--secret-name",
            "other",
            "--secret-out",
            "other.yaml",
            "--stdout",
        ],
    )
    .expect_code(0);
    let r = phib_run([
        "verify",
        "--values",
        &dir.path().join("values.yaml").display().to_string(),
        "--secret-file",
        &dir.path().join("other.yaml").display().to_string(),
    ]);
    r.expect_code(2);
    assert!(
        r.stderr.contains(&format!(
            "is named `other`, but `customImage.pushSecretName` is `{DEFAULT_NAME}`"
        )),
        "{}",
        r.stderr
    );
    assert_no_secret(&r);
}

#[test]
fn switching_to_external_passes_the_old_login_as_null_stub_cluster() {
    use crate::helm::{Stub, OLD_PASSWORD};
    let stub = Stub::new();
    let dir = tempdir();
    // The file as values mode wrote it, then switched in place to external mode.
    render_harbor(dir.path(), "https://reg.example.com", &[]).expect_code(0);
    let before = fs::read_to_string(dir.path().join("values.yaml")).unwrap();
    assert!(before.contains("registryPassword"), "{before}");
    let r = render_harbor(
        dir.path(),
        "https://reg.example.com",
        &["--secret-mode", "external", "--secret-out", "push.yaml"],
    );
    r.expect_code(0);
    let after = fs::read_to_string(dir.path().join("values.yaml")).unwrap();
    assert!(!after.contains("registryUsername") && !after.contains("registryPassword"));
    assert!(!after.contains(PASSWORD), "{after}");
    assert!(
        after.contains(&format!("pushSecretName: \"{DEFAULT_NAME}\"")),
        "{after}"
    );

    let r = run(stub.phib(dir.path()).args(["upgrade", "--yes"]), b"");
    r.expect_code(0);
    let ups = stub.upgrade_calls();
    assert_eq!(ups.len(), 1, "{:?}", stub.calls());
    let passed: Json = serde_yaml::from_str(&stub.copy(ups[0].0)).unwrap();
    let passed = &passed["customImage"];
    for key in ["registryUsername", "registryPassword"] {
        assert!(passed.as_object().unwrap().contains_key(key), "{key}");
        assert_eq!(passed[key], Json::Null, "{key}");
    }
    assert_eq!(passed["pushSecretName"], DEFAULT_NAME);
    assert_eq!(passed["registryEndpoint"], "https://reg.example.com");
    let out = r.stdout_str();
    assert!(out.contains("registryPassword: removed"), "{out}");
    for call in stub.calls() {
        let argv = call.join(" ");
        assert!(!argv.contains(OLD_PASSWORD) && !argv.contains(PASSWORD));
    }
    assert!(!out.contains(OLD_PASSWORD) && !r.stderr.contains(OLD_PASSWORD));
}

/// A stand-in kubectl in `dir/bin` that records its argv and standard input; with
/// `fail` it fails printing its input to stderr, and the `.dockerconfigjson` decoded
/// one field a line (as a careless tool might).
fn stand_in_kubectl(dir: &Path, fail: bool) -> PathBuf {
    let bin = dir.join("bin");
    fs::create_dir_all(&bin).unwrap();
    let rec = dir.join("rec");
    fs::create_dir_all(&rec).unwrap();
    let tail = if fail {
        "echo 'error: unable to recognize:' >&2; cat \"$R/stdin\" >&2; \
         sed -n 's/.*\\.dockerconfigjson\"\\{0,1\\}: *\"\\{0,1\\}\\([^\"]*\\).*/\\1/p' \"$R/stdin\" | base64 -d | tr , '\\n' >&2; exit 1"
    } else {
        "echo 'secret/primehub-image-builder-push created'"
    };
    let script = format!(
        "#!/bin/sh\nR='{}'\nprintf '%s\\0' \"$@\" > \"$R/argv\"\ncat > \"$R/stdin\"\n{tail}\n",
        rec.display()
    );
    let kubectl = bin.join("kubectl");
    fs::write(&kubectl, script).unwrap();
    fs::set_permissions(
        &kubectl,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    bin
}

fn path_with(bin: &Path) -> String {
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn apply_pipes_the_manifest_to_kubectl_on_stdin_stub_cluster() {
    let dir = tempdir();
    let bin = stand_in_kubectl(dir.path(), false);
    let r = run_with_password(
        render_harbor_cmd(
            dir.path(),
            "https://reg.example.com",
            &["--secret-mode", "external", "--apply", "--namespace", "ph"],
        )
        .env("PATH", path_with(&bin)),
    );
    r.expect_code(0);
    assert_no_secret(&r);
    assert!(
        r.stderr
            .contains("secret/primehub-image-builder-push created"),
        "{}",
        r.stderr
    );
    let argv = fs::read_to_string(dir.path().join("rec/argv")).unwrap();
    assert_eq!(
        argv.split_terminator('\0').collect::<Vec<_>>(),
        ["apply", "-f", "-"]
    );
    let stdin = fs::read_to_string(dir.path().join("rec/stdin")).unwrap();
    let m: Value = serde_yaml::from_str(&stdin).unwrap();
    assert_eq!(m["kind"], "Secret");
    assert_eq!(m["metadata"]["namespace"], "ph");
    let cfg = config_json(&m);
    assert_eq!(cfg["auths"]["reg.example.com"]["password"], PASSWORD);
    // Exactly what --secret-out would have written.
    render_harbor(
        dir.path(),
        "https://reg.example.com",
        &[
            "--secret-mode",
            "external",
            "--namespace",
            "ph",
            "--secret-out",
            "same.yaml",
            "--stdout",
        ],
    )
    .expect_code(0);
    assert_eq!(
        fs::read_to_string(dir.path().join("same.yaml")).unwrap(),
        stdin
    );
}

#[test]
fn failed_apply_hides_what_kubectl_echoes_stub_cluster() {
    let dir = tempdir();
    let bin = stand_in_kubectl(dir.path(), true);
    let r = run_with_password(
        render_harbor_cmd(
            dir.path(),
            "https://reg.example.com",
            &["--secret-mode", "external", "--apply"],
        )
        .env("PATH", path_with(&bin)),
    );
    r.expect_code(1);
    assert!(
        r.stderr.contains("`kubectl apply -f -` failed"),
        "{}",
        r.stderr
    );
    let stdin = fs::read_to_string(dir.path().join("rec/stdin")).unwrap();
    let data = serde_yaml::from_str::<Value>(&stdin).unwrap()["data"][".dockerconfigjson"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!r.stderr.contains(&data), "{}", r.stderr);
    // The decoded document was echoed too: its `auth` (base64 of `user:password`) and
    // any base64 of the password are hidden as well as the plain password.
    assert!(r.stderr.contains("\"auth\":\"<redacted>\""), "{}", r.stderr);
    assert!(
        !r.stderr.contains(&b64(PASSWORD.as_bytes())),
        "{}",
        r.stderr
    );
    // The Secret goes first, as in the wizard: when kubectl fails, no values file
    // names a Secret that does not exist, and the same command can simply be run again.
    assert!(!dir.path().join("values.yaml").exists(), "{}", r.stderr);
    assert!(r.stderr.contains("nothing was written"), "{}", r.stderr);
    assert_no_secret(&r);
}

#[test]
fn values_mode_prints_one_warning_and_ecr_none() {
    let dir = tempdir();
    // Where the password goes, said once, in one line: no near-duplicate note.
    let about_it = |stderr: &str| -> Vec<String> {
        stderr
            .lines()
            .filter(|l| l.starts_with("phib: note:") || l.contains("ConfigMap"))
            .map(str::to_string)
            .collect()
    };
    for extra in [&["--stdout"][..], &["--secret-mode", "values", "--stdout"]] {
        let r = render_harbor(dir.path(), "https://reg.example.com", extra);
        r.expect_code(0);
        let lines = about_it(&r.stderr);
        assert_eq!(lines.len(), 1, "{}", r.stderr);
        assert!(lines[0].starts_with("phib: warning: "), "{}", lines[0]);
        assert!(
            lines[0].contains("`--secret-mode external` keeps it out (docs/security.md)"),
            "{}",
            lines[0]
        );
    }
    let r = run(
        render_ecr_cmd(dir.path(), "us-east-1", "x").arg("--stdout"),
        b"",
    );
    r.expect_code(0);
    assert!(about_it(&r.stderr).is_empty(), "{}", r.stderr);
}

#[test]
fn ecr_refresh_renders_the_generator_and_drops_the_refresh_warning() {
    let dir = tempdir();
    let mut cmd = render_ecr_cmd(dir.path(), "eu-central-1", "images");
    cmd.args([
        "--secret-mode",
        "external",
        "--ecr-refresh",
        "external-secrets",
    ])
    .args([
        "--ecr-service-account",
        "ecr-token-reader",
        "--secret-out",
        "ecr.yaml",
    ]);
    let r = run(&mut cmd, b"");
    r.expect_code(0);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    let path = dir.path().join("ecr.yaml");
    assert_eq!(mode(&path), 0o600);
    let text = fs::read_to_string(&path).unwrap();
    let docs: Vec<Value> = text
        .split("\n---\n")
        .map(|d| serde_yaml::from_str(d).unwrap())
        .collect();
    assert_eq!(docs[0]["kind"], "ECRAuthorizationToken");
    assert_eq!(docs[0]["spec"]["region"], "eu-central-1");
    assert_eq!(
        docs[0]["spec"]["auth"]["jwt"]["serviceAccountRef"]["name"],
        "ecr-token-reader"
    );
    assert_eq!(docs[1]["kind"], "ExternalSecret");
    assert_eq!(docs[1]["spec"]["target"]["name"], DEFAULT_NAME);
    let v = yaml(&dir.path().join("values.yaml"));
    assert_eq!(v["customImage"]["pushSecretName"], DEFAULT_NAME);
}

#[test]
fn refusals_exit_2_write_nothing_and_show_no_secret() {
    let empty_bin = tempdir();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--secret-mode", "external"],
            "pick `--secret-out FILE` or `--apply`",
        ),
        (
            vec![
                "--secret-mode",
                "external",
                "--secret-out",
                "s.yaml",
                "--secret-name",
                "primehub-controller-custom-image-push-secret",
            ],
            "the chart's own push secret for release `primehub`",
        ),
        (
            vec![
                "--release",
                "hub",
                "--secret-mode",
                "external",
                "--secret-out",
                "s.yaml",
                "--secret-name",
                "hub-primehub-controller-custom-image-push-secret",
            ],
            "the chart's own push secret for release `hub`",
        ),
        (
            vec![
                "--secret-mode",
                "external",
                "--secret-out",
                "s.yaml",
                "--secret-name",
                "Bad_Name",
            ],
            "`--secret-name` `Bad_Name` is not a valid Kubernetes Secret name",
        ),
        (
            vec![
                "--secret-mode",
                "external",
                "--secret-out",
                "s.yaml",
                "--namespace",
                "Hub",
            ],
            "`--namespace` `Hub` is not a valid namespace",
        ),
        (
            vec!["--secret-out", "s.yaml"],
            "`--secret-out` is only used with `--secret-mode external`",
        ),
        (
            vec!["--secret-mode", "values", "--apply"],
            "`--apply` is only used with `--secret-mode external`",
        ),
        (
            vec![
                "--secret-mode",
                "external",
                "--secret-out",
                "s.yaml",
                "--apply",
            ],
            "cannot be used with",
        ),
        (
            vec![
                "--secret-mode",
                "external",
                "--secret-out",
                "s.yaml",
                "--ecr-refresh",
                "external-secrets",
            ],
            "`--ecr-refresh` is only for `--registry ecr`",
        ),
        (
            vec![
                "--secret-mode",
                "external",
                "--secret-out",
                "s.yaml",
                "--push-secret-name",
                "x",
            ],
            "name it with `--secret-name` instead",
        ),
        (
            vec!["--secret-mode", "external", "--secret-out", "."],
            "`--secret-out` `.` is a directory",
        ),
        (
            vec![
                "--secret-mode",
                "external",
                "--secret-out",
                "v.yaml",
                "--values",
                "v.yaml",
            ],
            "is also the values file",
        ),
        (
            vec!["--secret-mode", "external", "--apply"],
            "`kubectl` is not on `PATH`",
        ),
    ];
    for (args, want) in cases {
        let dir = tempdir();
        let r = run_with_password(
            render_harbor_cmd(dir.path(), "https://reg.example.com", &args)
                .env("PATH", empty_bin.path()),
        );
        r.expect_code(2);
        assert!(r.stderr.contains(want), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}");
        assert_no_secret(&r);
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{args:?} wrote {left:?}");
    }
    // ECR without a refresh: a static Secret would expire.
    let dir = tempdir();
    let mut cmd = render_ecr_cmd(dir.path(), "us-east-1", "x");
    cmd.args(["--secret-mode", "external", "--secret-out", "s.yaml"]);
    let r = run(&mut cmd, b"");
    r.expect_code(2);
    assert!(
        r.stderr.contains("needs `--refresh external-secrets`"),
        "{}",
        r.stderr
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn the_security_page_example_runs_and_writes_what_it_says() {
    let page = fs::read_to_string(root().join("docs/security.md")).unwrap();
    let start = page.find("```sh\n").unwrap() + 6;
    let block = &page[start..start + page[start..].find("```").unwrap()];
    let command = block.replace("\\\n", " ");
    let first = command.lines().next().unwrap();
    let mut args = shell_words(first.rsplit('|').next().unwrap());
    assert_eq!(args.remove(0), "phib");
    let dir = tempdir();
    let r = run(
        phib().current_dir(dir.path()).args(&args),
        b"robot-secret\n",
    );
    r.expect_code(0);
    let v = yaml(&dir.path().join("values.yaml"));
    assert_eq!(v["customImage"]["pushSecretName"], DEFAULT_NAME);
    assert!(v["customImage"].get("registryPassword").is_none());
    let cfg = config_json(&yaml(&dir.path().join("push-secret.yaml")));
    assert_eq!(
        cfg["auths"]["harbor.example.com"]["username"],
        "robot$primehub+builder"
    );
    assert_eq!(
        cfg["auths"]["harbor.example.com"]["password"],
        "robot-secret"
    );
}

#[test]
fn a_keyfile_goes_into_the_secret_as_the_json_key_login() {
    let dir = tempdir();
    let kf = root().join("tests/fixtures/keyfiles/service-account.json");
    let r = phib_run([
        "render",
        "--registry",
        "artifact-registry",
        "--keyfile",
        &kf.display().to_string(),
        "--location",
        "us-central1",
        "--repository",
        "primehub",
        "--secret-mode",
        "external",
        "--secret-out",
        &dir.path().join("s.yaml").display().to_string(),
        "--stdout",
    ]);
    r.expect_code(0);
    assert!(
        !r.stdout_str().contains("private_key"),
        "{}",
        r.stdout_str()
    );
    let cfg = config_json(&yaml(&dir.path().join("s.yaml")));
    let entry = &cfg["auths"]["us-central1-docker.pkg.dev"];
    assert_eq!(entry["username"], "_json_key");
    let password = entry["password"].as_str().unwrap();
    let want: Json = serde_json::from_str(&fs::read_to_string(&kf).unwrap()).unwrap();
    assert_eq!(serde_json::from_str::<Json>(password).unwrap(), want);
    assert!(!password.contains('\n'), "one line, as the chart needs");
    let auth = b64decode(entry["auth"].as_str().unwrap());
    assert_eq!(auth, format!("_json_key:{password}").as_bytes());
}

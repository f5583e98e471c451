//! The image builder end to end, with the real builder: `phib render` for a chart
//! version → the real `helm template` of the fixture chart for that version range
//! (`tests/fixtures/charts/`) → the push Secret the controller would mount (the chart's
//! own in values mode, the one `--secret-out` writes in external mode) as buildah's
//! authfile → the build script the chart renders, run with the real buildah (`bud` of a
//! Containerfile that starts `FROM` a base image pushed first and `COPY`s a file, then
//! `push` to the image name the controller computes) → the image pulled back with the
//! same Secret, as a notebook's pull secret does.
//!
//! The registry styles that run here, on Debian's `docker-registry`: htpasswd and token
//! auth behind a certificate the build image trusts (`SSL_CERT_FILE` stands in for a
//! public CA in the build image's trust store), a self-signed certificate it does not
//! trust (a private CA: needs `insecureSkipVerify`), and plain http (needs it too).
//! buildah runs as root with `--storage-driver vfs` and `BUILDAH_ISOLATION=chroot`, in a
//! storage root of its own per build.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use phib::chart::{self, ChartVersion};
use serde::Deserialize;

use crate::registry::{oci::oci_layout, Auth, Grants, Registry, TokenIssuer};
use crate::util::*;

/// The chart fixtures, one per range of releases that behave alike, newest last.
pub const CHARTS: [&str; 7] = [
    "2.7.0", "3.3.0", "3.4.0", "3.4.2", "3.7.1", "3.8.0", "4.1.0",
];

pub const USER: &str = "robot$ci";
pub const PASSWORD: &str = "p@ss w:rd\"1";
/// The Image the controller builds in these tests (the fixture charts' `fixture` values).
const IMAGE_NAME: &str = "my-image";
const IMAGE_HASH: &str = "0a1b2c3d";
/// The file the Containerfile copies in, found again in the pulled image.
const COPIED: &str = "phib-built.txt";

pub fn chart_dir(version: &str) -> PathBuf {
    root().join("tests/fixtures/charts").join(version)
}

/// How the build image reaches the registry.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Transport {
    /// https with a certificate the build image trusts.
    TrustedTls,
    /// https with a certificate of a private CA the build image does not trust.
    PrivateCa,
    /// Plain http.
    PlainHttp,
}

impl Transport {
    pub fn needs_skip_tls(self) -> bool {
        self != Transport::TrustedTls
    }
}

/// A registry to push to, with the credential phib is given.
pub struct Target {
    pub registry: Registry,
    _issuer: Option<TokenIssuer>,
    pub transport: Transport,
}

impl Target {
    pub fn htpasswd(transport: Transport) -> Target {
        let registry = Registry::start(
            Auth::Htpasswd(&[(USER, PASSWORD)]),
            transport != Transport::PlainHttp,
        );
        Target {
            registry,
            _issuer: None,
            transport,
        }
    }

    pub fn token(grants: Grants) -> Target {
        let issuer = TokenIssuer::start(USER, PASSWORD, grants);
        let registry = Registry::start(Auth::Token(&issuer), true);
        Target {
            registry,
            _issuer: Some(issuer),
            transport: Transport::TrustedTls,
        }
    }

    /// The endpoint as phib is given it.
    pub fn endpoint(&self) -> String {
        match self.transport {
            Transport::PlainHttp => format!("http://{}", self.registry.host()),
            _ => format!("https://{}", self.registry.host()),
        }
    }

    /// What the build image trusts for this registry.
    fn trusted_cert(&self) -> Option<&Path> {
        match self.transport {
            Transport::TrustedTls => self.registry.cert.as_deref(),
            _ => None,
        }
    }
}

/// The registry the base image comes from: no login, a certificate the build image
/// trusts, with `base/image:1` pushed (a hand-made OCI image) before any build.
pub struct Base {
    pub registry: Registry,
    _layout: tempfile::TempDir,
}

impl Base {
    pub fn start() -> Base {
        let registry = Registry::start(Auth::None, true);
        let layout = tempdir();
        oci_layout(layout.path());
        let r = run(
            Command::new(tool("skopeo"))
                .args(["copy", "--dest-tls-verify=false"])
                .arg(format!("oci:{}:latest", layout.path().display()))
                .arg(format!("docker://{}/base/image:1", registry.host())),
            b"",
        );
        r.expect_code(0);
        Base {
            registry,
            _layout: layout,
        }
    }

    pub fn image(&self) -> String {
        format!("{}/base/image:1", self.registry.host())
    }
}

/// Where the push Secret comes from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    Values,
    External,
}

/// One build: the chart version, the secret mode, and phib's push target flag.
pub struct Case<'a> {
    pub chart: &'a str,
    pub mode: Mode,
    /// `--push-repo` (one repository) instead of `--push-repo-prefix`.
    pub push_repo: bool,
    pub password: &'a str,
    /// Extra lines for the values file before phib edits it (`primehub.mode`, overrides).
    pub values_prefix: &'a str,
    pub release: &'a str,
    /// `--insecure-skip-verify`: `None` as the registry style needs it.
    pub skip_tls: Option<bool>,
}

impl Case<'_> {
    pub fn new(chart: &str, mode: Mode) -> Case<'_> {
        Case {
            chart,
            mode,
            push_repo: chart::facts(&chart.parse().unwrap()).reads_push_repo,
            password: PASSWORD,
            values_prefix: if chart::facts(&chart.parse().unwrap()).needs_ee_mode {
                "primehub:\n  mode: ee\n"
            } else {
                ""
            },
            release: "primehub",
            skip_tls: None,
        }
    }
}

/// What the render step gave: phib's run, and (when it wrote values) the folder.
pub struct Rendered {
    pub phib: Run,
    pub dir: tempfile::TempDir,
}

/// `phib render` for `case` against `target`, into `values.yaml` in a fresh folder.
pub fn phib_render(target: &Target, case: &Case, extra: &[&str]) -> Rendered {
    let dir = tempdir();
    let values = dir.path().join("values.yaml");
    if !case.values_prefix.is_empty() {
        std::fs::write(&values, case.values_prefix).unwrap();
    }
    let host = target.registry.host();
    let push = if case.push_repo {
        format!("{host}/team/images")
    } else {
        format!("{host}/team")
    };
    let mut cmd = phib();
    cmd.current_dir(dir.path())
        .args(["render", "--registry", "harbor", "--endpoint"])
        .arg(target.endpoint())
        .args(["--username", USER, "--password-stdin", "--chart-version"])
        .arg(case.chart)
        .arg(if case.push_repo {
            "--push-repo"
        } else {
            "--push-repo-prefix"
        })
        .arg(&push)
        .args(["--values", "values.yaml"]);
    if case.release != "primehub" {
        cmd.args(["--release", case.release]);
    }
    if case.skip_tls.unwrap_or(target.transport.needs_skip_tls()) {
        cmd.arg("--insecure-skip-verify");
    }
    if case.mode == Mode::External {
        cmd.args(["--secret-mode", "external", "--secret-out", "secret.yaml"]);
    }
    cmd.args(extra);
    let phib = run(&mut cmd, format!("{}\n", case.password).as_bytes());
    Rendered { phib, dir }
}

/// What `helm template` of a fixture chart rendered, by what the build needs.
#[derive(Debug, Default)]
pub struct Manifests {
    /// Secret name → decoded `.dockerconfigjson`.
    pub secrets: Vec<(String, String)>,
    /// The controller ConfigMap's `customImage`.
    pub custom_image: serde_yaml::Value,
    /// The build script, when the chart renders it.
    pub script: Option<String>,
    /// What the controller hands the build pod: `TARGET_IMAGE`, `PUSH_SECRET`,
    /// `SKIP_TLS_VERIFY` (absent before the chart had it).
    pub build_pod: serde_yaml::Value,
}

fn b64(s: &str) -> String {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("base64");
    String::from_utf8(bytes).expect("UTF-8")
}

/// `helm template RELEASE CHART -f VALUES`, split into what the build needs.
pub fn helm_manifests(chart: &Path, values: &Path, release: &str) -> Manifests {
    parse_manifests(&helm_template_as(release, chart, values))
}

pub fn parse_manifests(text: &str) -> Manifests {
    let mut m = Manifests::default();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let doc = serde_yaml::Value::deserialize(doc).unwrap();
        let name = doc["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        match doc["kind"].as_str() {
            Some("Secret") => {
                let json = b64(doc["data"][".dockerconfigjson"].as_str().unwrap());
                m.secrets.push((name, json));
            }
            Some("ConfigMap") if name.ends_with("-controller-config") => {
                let cfg: serde_yaml::Value =
                    serde_yaml::from_str(doc["data"]["config.yaml"].as_str().unwrap()).unwrap();
                m.custom_image = cfg["customImage"].clone();
            }
            Some("ConfigMap") if name == "primehub-controller-custom-image-scripts" => {
                m.script = doc["data"]["build-and-push.sh"]
                    .as_str()
                    .map(str::to_string);
            }
            Some("ConfigMap") if name == "fixture-build-pod" => {
                m.build_pod = doc["data"].clone();
            }
            _ => {}
        }
    }
    m
}

/// The push Secret the controller mounts: the one named by the ConfigMap's
/// `pushSecretName`, from the chart's manifests or from the manifest phib wrote.
pub fn mounted_secret(m: &Manifests, external: Option<&Path>) -> Option<String> {
    let wanted = m.custom_image["pushSecretName"].as_str()?.to_string();
    assert_eq!(
        m.build_pod["PUSH_SECRET"].as_str(),
        Some(wanted.as_str()),
        "the build pod mounts `pushSecretName`"
    );
    let mut secrets = m.secrets.clone();
    if let Some(path) = external {
        secrets.extend(parse_manifests(&std::fs::read_to_string(path).unwrap()).secrets);
    }
    secrets
        .into_iter()
        .find(|(name, _)| *name == wanted)
        .map(|(_, json)| json)
}

/// The result of the build pod's script.
pub struct Build {
    pub run: Run,
    /// The name the script pushed to (from its last line), when it got there.
    pub pushed: Option<String>,
    _dir: tempfile::TempDir,
}

/// Runs the chart's build script as the build pod would (the Secret mounted as both
/// authfiles, `TARGET_IMAGE` and `SKIP_TLS_VERIFY` as the controller sets them), with
/// the pod's fixed paths and overlay storage pointed at a folder of this build.
pub fn run_build(m: &Manifests, authfile_json: &str, base: &Base, target: &Target) -> Build {
    let dir = tempdir();
    let d = dir.path();
    let secret = d.join("push-secret/.dockerconfigjson");
    std::fs::create_dir_all(secret.parent().unwrap()).unwrap();
    std::fs::write(&secret, authfile_json).unwrap();
    let ctx = d.join("context");
    std::fs::create_dir(&ctx).unwrap();
    std::fs::write(ctx.join(COPIED), "built with the values phib wrote\n").unwrap();
    let storage = format!(
        "--storage-driver vfs --root {} --runroot {}",
        d.join("storage").display(),
        d.join("run").display()
    );
    let script = m
        .script
        .as_deref()
        .expect("the chart renders the build script")
        .replace("--storage-driver overlay", &storage)
        .replace("/push-secret/", &format!("{}/push-secret/", d.display()))
        .replace("/pull-secret/", &format!("{}/push-secret/", d.display()))
        .replace("/Dockerfile", &format!("{}/Containerfile", d.display()));
    let script_path = d.join("build-and-push.sh");
    std::fs::write(&script_path, script).unwrap();

    // The certificates the build image trusts: the base registry's, and the target's
    // when it has a publicly trusted one in this style.
    let mut bundle = std::fs::read_to_string(base.registry.cert.as_ref().unwrap()).unwrap();
    if let Some(cert) = target.trusted_cert() {
        bundle.push_str(&std::fs::read_to_string(cert).unwrap());
    }
    let bundle_path = d.join("trusted.pem");
    std::fs::write(&bundle_path, bundle).unwrap();

    let mut cmd = Command::new(tool("bash"));
    cmd.env_clear()
        .current_dir(&ctx)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", d)
        .env("XDG_RUNTIME_DIR", d.join("run"))
        .env("SSL_CERT_FILE", &bundle_path)
        .env("BUILDAH_ISOLATION", "chroot")
        .env(
            "DOCKERFILE",
            format!("FROM {}\nCOPY {COPIED} /{COPIED}", base.image()),
        )
        .env("BASE_IMAGE", base.image())
        .env(
            "TARGET_IMAGE",
            m.build_pod["TARGET_IMAGE"].as_str().expect("TARGET_IMAGE"),
        )
        .arg(&script_path);
    if let Some(skip) = m.build_pod["SKIP_TLS_VERIFY"].as_str() {
        cmd.env("SKIP_TLS_VERIFY", skip);
    }
    let r = run(&mut cmd, b"");
    let pushed = (r.code == Some(0))
        .then(|| {
            r.stdout_str()
                .lines()
                .last()
                .and_then(|l| l.strip_prefix("pushed "))
                .map(str::to_string)
        })
        .flatten();
    Build {
        run: r,
        pushed,
        _dir: dir,
    }
}

/// Pulls `image` back with the push Secret as the pull secret (as a notebook that uses
/// the built Image does) and checks it holds the copied file.
pub fn pull_back(image: &str, authfile_json: &str, target: &Target) {
    let dir = tempdir();
    let auth = dir.path().join("auth.json");
    std::fs::write(&auth, authfile_json).unwrap();
    let out = dir.path().join("image");
    let mut cmd = Command::new(tool("skopeo"));
    cmd.arg("copy").arg("--authfile").arg(&auth);
    match target.trusted_cert() {
        Some(cert) => {
            cmd.env("SSL_CERT_FILE", cert);
        }
        None => {
            cmd.arg("--src-tls-verify=false");
        }
    }
    cmd.arg(format!("docker://{image}"))
        .arg(format!("dir:{}", out.display()));
    run(&mut cmd, b"").expect_code(0);
    let found = std::fs::read_dir(&out).unwrap().flatten().any(|e| {
        let listing = Command::new(tool("tar"))
            .arg("-tzf")
            .arg(e.path())
            .output()
            .unwrap();
        listing.status.success() && String::from_utf8_lossy(&listing.stdout).contains(COPIED)
    });
    assert!(found, "`{COPIED}` is in no layer of `{image}`");
}

/// One whole cell: render, template, build, push, pull. Panics with the step's output
/// when a step fails; returns the pushed image name.
pub fn build_cell(base: &Base, target: &Target, case: &Case) -> String {
    let label = format!(
        "chart {} {:?} {:?}",
        case.chart, case.mode, target.transport
    );
    let r = phib_render(target, case, &[]);
    r.phib.expect_code(0);
    let values = r.dir.path().join("values.yaml");
    let m = helm_manifests(&chart_dir(case.chart), &values, case.release);
    let external = (case.mode == Mode::External).then(|| r.dir.path().join("secret.yaml"));
    let secret = mounted_secret(&m, external.as_deref())
        .unwrap_or_else(|| panic!("{label}: no Secret named by `pushSecretName`\n{m:?}"));
    let build = run_build(&m, &secret, base, target);
    build.run.expect_code(0);
    let pushed = build.pushed.expect("the script names what it pushed");
    let v: ChartVersion = case.chart.parse().unwrap();
    let ci = &m.custom_image;
    assert_eq!(
        pushed,
        chart::target_image(
            &v,
            ci["pushRepo"].as_str(),
            ci["pushRepoPrefix"].as_str(),
            IMAGE_NAME,
            IMAGE_HASH
        ),
        "{label}: phib's chart facts name the image the controller pushes"
    );
    pull_back(&pushed, &secret, target);
    pushed
}

const E2E: &str = "end-to-end: needs helm, buildah, skopeo, docker-registry; run ./scripts/test";

fn every_chart_and_mode(target: &Target, base: &Base) -> Vec<String> {
    let mut pushed = Vec::new();
    for chart in CHARTS {
        for mode in [Mode::Values, Mode::External] {
            pushed.push(build_cell(base, target, &Case::new(chart, mode)));
        }
    }
    pushed
}

e2e!(
    buildah_pushes_and_pulls_with_htpasswd_on_every_chart_range,
    || {
        let _ = E2E;
        let base = Base::start();
        let target = Target::htpasswd(Transport::TrustedTls);
        let pushed = every_chart_and_mode(&target, &base);
        let host = target.registry.host();
        assert!(pushed.contains(&format!("{host}/team/my-image:0a1b2c3d")));
        assert!(pushed.contains(&format!("{host}/team/images:my-image-0a1b2c3d")));
    }
);

e2e!(
    buildah_pushes_and_pulls_with_token_auth_on_every_chart_range,
    Base::start(),
    |base| {
        let target = Target::token(Grants::PullPush);
        every_chart_and_mode(&target, &base);
    }
);

/// The charts whose build script really passes `--tls-verify=false` (3.4.2+): phib
/// writes `insecureSkipVerify: true` and the push works; on the older ones phib refuses
/// with the reason and the fix, and writes nothing. That the refusal is right is shown
/// with the values phib used to write: the real build then fails at the push.
fn skip_tls_cells(target: &Target, base: &Base) {
    for chart in CHARTS {
        let v: ChartVersion = chart.parse().unwrap();
        for mode in [Mode::Values, Mode::External] {
            let case = Case::new(chart, mode);
            if chart::facts(&v).push_skips_tls {
                build_cell(base, target, &case);
                continue;
            }
            let r = phib_render(target, &case, &[]);
            r.phib.expect_code(2);
            assert!(
                r.phib.stderr.contains("`insecureSkipVerify`")
                    && r.phib.stderr.contains("help: ")
                    && r.phib.stderr.contains("3.4.2"),
                "chart {chart}: {}",
                r.phib.stderr
            );
            let values = r.dir.path().join("values.yaml");
            let before = case.values_prefix;
            let now = std::fs::read_to_string(&values).unwrap_or_default();
            assert_eq!(now, before, "chart {chart}: nothing written");
            assert!(!r.dir.path().join("secret.yaml").exists());
        }
        if !chart::facts(&v).push_skips_tls {
            // The values phib would write without the chart check (the newest chart's),
            // rendered by this chart: the push fails.
            let newest = Case::new("4.1.0", Mode::Values);
            let r = phib_render(target, &newest, &[]);
            r.phib.expect_code(0);
            let values = r.dir.path().join("values.yaml");
            let mut text = Case::new(chart, Mode::Values).values_prefix.to_string();
            let written = std::fs::read_to_string(&values)
                .unwrap()
                .replace("pushRepo:", "pushRepoPrefix:")
                .replace("/team/images", "/team");
            text.push_str(&written);
            std::fs::write(&values, text).unwrap();
            let m = helm_manifests(&chart_dir(chart), &values, "primehub");
            assert_eq!(m.custom_image["insecureSkipVerify"].as_bool(), Some(true));
            let secret = mounted_secret(&m, None).expect("the chart's Secret");
            let build = run_build(&m, &secret, base, target);
            assert_eq!(
                build.run.code,
                Some(3),
                "chart {chart}: the push fails without `--tls-verify=false`\n{}",
                build.run.stderr
            );
        }
    }
}

e2e!(
    buildah_pushes_over_plain_http_with_insecure_skip_verify_where_the_chart_passes_it,
    Base::start(),
    |base| {
        let target = Target::htpasswd(Transport::PlainHttp);
        skip_tls_cells(&target, &base);
    }
);

e2e!(
    buildah_pushes_to_a_private_ca_with_insecure_skip_verify_where_the_chart_passes_it,
    Base::start(),
    |base| {
        let target = Target::htpasswd(Transport::PrivateCa);
        skip_tls_cells(&target, &base);
        // Without `insecureSkipVerify` the build image does not trust the private CA: phib
        // cannot see that offline (only `phib verify` can), and the push fails.
        let mut case = Case::new("4.1.0", Mode::Values);
        case.skip_tls = Some(false);
        let r = phib_render(&target, &case, &[]);
        r.phib.expect_code(0);
        let m = helm_manifests(
            &chart_dir(case.chart),
            &r.dir.path().join("values.yaml"),
            "primehub",
        );
        let secret = mounted_secret(&m, None).unwrap();
        let build = run_build(&m, &secret, &base, &target);
        assert_eq!(build.run.code, Some(3), "{}", build.run.stderr);
        assert!(build.run.stderr.contains("x509"), "{}", build.run.stderr);
    }
);

// The failures that must show at the push, not later: a wrong password, and a login
// without push rights (a pull-only token).
e2e!(
    buildah_push_fails_with_a_wrong_password_and_with_a_pull_only_token,
    Base::start(),
    |base| {
        let cases: [(Target, &str); 2] = [
            (Target::htpasswd(Transport::TrustedTls), "wrong password"),
            (Target::token(Grants::Pull), PASSWORD),
        ];
        for (target, password) in cases {
            for mode in [Mode::Values, Mode::External] {
                let mut case = Case::new("4.1.0", mode);
                case.password = password;
                let r = phib_render(&target, &case, &[]);
                r.phib.expect_code(0);
                let values = r.dir.path().join("values.yaml");
                let m = helm_manifests(&chart_dir(case.chart), &values, "primehub");
                let external = (mode == Mode::External).then(|| r.dir.path().join("secret.yaml"));
                let secret = mounted_secret(&m, external.as_deref()).unwrap();
                let build = run_build(&m, &secret, &base, &target);
                assert_eq!(
                    build.run.code,
                    Some(3),
                    "{password:?} {mode:?}: fails at the push\n{}",
                    build.run.stderr
                );
                let err = build.run.stderr.to_lowercase();
                assert!(
                    err.contains("unauthorized")
                        || err.contains("authentication required")
                        || err.contains("denied"),
                    "{}",
                    build.run.stderr
                );
                assert!(
                    !build.run.stderr.contains(PASSWORD),
                    "no password in buildah's output"
                );
            }
        }
    }
);

// Switching the secret mode changes `pushSecretName`, but the Images built before keep
// the old name as their pull secret. Values → external: after the upgrade the chart's
// Secret holds no login (the pull fails with it, for real), and phib prints the command
// that points the Images at the new Secret, which pulls them. External → values: phib
// says to keep the old Secret, which still pulls them.
e2e!(
    switching_the_secret_mode_keeps_earlier_images_pullable,
    Base::start(),
    |base| {
        let target = Target::htpasswd(Transport::TrustedTls);
        let case = Case::new("4.1.0", Mode::Values);
        let first = phib_render(&target, &case, &[]);
        first.phib.expect_code(0);
        let dir = first.dir.path();
        let values = dir.join("values.yaml");
        let m = helm_manifests(&chart_dir(case.chart), &values, "primehub");
        let chart_secret = mounted_secret(&m, None).unwrap();
        let build = run_build(&m, &chart_secret, &base, &target);
        build.run.expect_code(0);
        let built = build.pushed.unwrap();

        // To external mode, editing the same values file.
        let mut cmd = phib();
        cmd.current_dir(dir)
            .args(["render", "--registry", "harbor", "--endpoint"])
            .arg(target.endpoint())
            .args(["--username", USER, "--password-stdin", "--push-repo"])
            .arg(format!("{}/team/images", target.registry.host()))
            .args([
                "--values",
                "values.yaml",
                "--secret-mode",
                "external",
                "--secret-out",
                "secret.yaml",
            ])
            .env("HELM_NAMESPACE", "ml");
        let r = run(&mut cmd, format!("{PASSWORD}\n").as_bytes());
        r.expect_code(0);
        let old = "primehub-controller-custom-image-push-secret";
        let new = "primehub-image-builder-push";
        assert!(
        r.stderr.contains(&format!("images built before pull with the chart's Secret `{old}`"))
            && r.stderr.contains(&format!("kubectl -n ml get images.primehub.io -o jsonpath='{{range .items[?(@.spec.pullSecret==\"{old}\")]}}"))
            && r.stderr.contains(&format!("\"pullSecret\":\"{new}\"")),
        "{}",
        r.stderr
    );
        assert!(!r.stderr.contains(PASSWORD));
        let after = helm_manifests(&chart_dir(case.chart), &values, "primehub");
        let (_, emptied) = after
            .secrets
            .iter()
            .find(|(n, _)| n == old)
            .expect("the chart still renders its Secret");
        assert!(
            emptied.contains(
                &base64::engine::general_purpose::STANDARD.encode("%!s(<nil>):%!s(<nil>)")
            ),
            "{emptied}"
        );
        let denied = pull_result(&built, emptied, &target);
        assert_ne!(denied.code, Some(0), "the emptied Secret must not pull");
        let err = denied.stderr.to_lowercase();
        assert!(
            err.contains("unauthorized") || err.contains("authentication required"),
            "{}",
            denied.stderr
        );
        let external =
            mounted_secret(&after, Some(&dir.join("secret.yaml"))).expect("the new Secret");
        pull_back(&built, &external, &target);

        // And back to values mode: the external Secret is to be kept.
        let mut cmd = phib();
        cmd.current_dir(dir)
            .args(["render", "--registry", "harbor", "--endpoint"])
            .arg(target.endpoint())
            .args(["--username", USER, "--password-stdin", "--push-repo"])
            .arg(format!("{}/team/images", target.registry.host()))
            .args(["--values", "values.yaml"]);
        let r = run(&mut cmd, format!("{PASSWORD}\n").as_bytes());
        r.expect_code(0);
        assert!(
            r.stderr.contains(&format!(
                "images built before pull with the Secret `{new}`: keep it"
            )),
            "{}",
            r.stderr
        );
        pull_back(&built, &external, &target);
    }
);

// A credential limited to one repository, on a chart before 3.7.1 (which ignores
// `pushRepo`): phib refuses `--push-repo`, saying the prefix it would need sends each
// image to a repository of its own that the credential must be able to create; with
// `--accept push-repo-as-prefix` it writes that prefix, and the real build's push is
// denied exactly there. The same credential pushes to its one repository on 3.7.1, so
// the repository is the only thing that differs.
e2e!(
    a_one_repository_credential_is_refused_as_a_prefix_before_3_7_1_as_the_push_shows,
    || {
        let base = Base::start();
        let target = Target::token(Grants::Repository("team/images"));
        let host = target.registry.host();
        for mode in [Mode::Values, Mode::External] {
            let mut case = Case::new("3.4.2", mode);
            case.push_repo = true;
            let r = phib_render(&target, &case, &[]);
            r.phib.expect_code(2);
            let why = format!(
            "the credential must be able to create repositories under `{host}/team`, and one limited to `{host}/team/images`"
        );
            assert!(r.phib.stderr.contains(&why), "{mode:?}: {}", r.phib.stderr);
            assert!(
                r.phib
                    .stderr
                    .contains(&format!("--push-repo-prefix {host}/team"))
                    && r.phib.stderr.contains("--accept push-repo-as-prefix"),
                "{}",
                r.phib.stderr
            );
            assert!(
                !r.dir.path().join("values.yaml").exists(),
                "nothing written"
            );
            assert!(!r.dir.path().join("secret.yaml").exists());

            let r = phib_render(&target, &case, &["--accept", "push-repo-as-prefix"]);
            r.phib.expect_code(0);
            let values = r.dir.path().join("values.yaml");
            let m = helm_manifests(&chart_dir(case.chart), &values, "primehub");
            assert_eq!(
                m.custom_image["pushRepoPrefix"].as_str(),
                Some(format!("{host}/team").as_str())
            );
            let external = (mode == Mode::External).then(|| r.dir.path().join("secret.yaml"));
            let secret = mounted_secret(&m, external.as_deref()).unwrap();
            assert_eq!(
                m.build_pod["TARGET_IMAGE"].as_str(),
                Some(format!("{host}/team/{IMAGE_NAME}:{IMAGE_HASH}").as_str()),
                "each image its own repository under the prefix"
            );
            let build = run_build(&m, &secret, &base, &target);
            assert_eq!(
                build.run.code,
                Some(3),
                "{mode:?}: the push is denied\n{}",
                build.run.stderr
            );
            let err = build.run.stderr.to_lowercase();
            assert!(
                err.contains("denied")
                    || err.contains("unauthorized")
                    || err.contains("authentication required"),
                "{}",
                build.run.stderr
            );
            assert!(build.pushed.is_none());
        }
        // The credential is good for its one repository: on 3.7.1 `pushRepo` reaches it.
        let mut case = Case::new("3.7.1", Mode::Values);
        case.push_repo = true;
        let pushed = build_cell(&base, &target, &case);
        assert_eq!(
            pushed,
            format!("{host}/team/images:{IMAGE_NAME}-{IMAGE_HASH}")
        );
    }
);

/// A pull of `image` with `authfile_json`, for a pull that must fail.
fn pull_result(image: &str, authfile_json: &str, target: &Target) -> Run {
    let dir = tempdir();
    let auth = dir.path().join("auth.json");
    std::fs::write(&auth, authfile_json).unwrap();
    let mut cmd = Command::new(tool("skopeo"));
    cmd.args(["inspect", "--authfile"]).arg(&auth);
    if let Some(cert) = target.trusted_cert() {
        cmd.env("SSL_CERT_FILE", cert);
    }
    cmd.arg(format!("docker://{image}"));
    run(&mut cmd, b"")
}

// An `http://` endpoint given without `--insecure-skip-verify`: phib now writes
// `insecureSkipVerify: true` itself, and the real push over plain http works.
e2e!(
    an_http_endpoint_alone_gives_values_buildah_pushes_with,
    Base::start(),
    |base| {
        let target = Target::htpasswd(Transport::PlainHttp);
        for chart in ["3.4.2", "4.1.0"] {
            let mut case = Case::new(chart, Mode::Values);
            case.skip_tls = Some(false);
            let r = phib_render(&target, &case, &[]);
            r.phib.expect_code(0);
            assert!(
                r.phib.stderr.contains("`insecureSkipVerify: true` written"),
                "{}",
                r.phib.stderr
            );
            build_cell(&base, &target, &case);
        }
    }
);

// phib's chart facts against the fixture charts rendered by the real helm, without a
// build: the Secret's name for every naming case, whether the Secret and the build
// scripts are rendered at all, `SKIP_TLS_VERIFY` as the controller passes it, and the
// image name for every push setting.
e2e!(chart_facts_agree_with_helm_on_every_fixture, || {
    let dir = tempdir();
    let values = dir.path().join("values.yaml");
    // helm allows 53 characters in a release name; the overrides make longer names.
    let long = "r".repeat(53);
    let long_full = format!("{}-tail", "f".repeat(62));
    let namings: [(&str, Option<&str>, Option<&str>); 9] = [
        (&long, Some("tenchars-x"), None),
        ("hub", None, Some(&long_full)),
        ("primehub", None, None),
        ("hub", None, None),
        ("my-primehub-prod", None, None),
        ("hub", Some("ph"), None),
        ("ph-x", Some("ph"), None),
        ("hub", Some("ph"), Some("builder")),
        (&long, None, None),
    ];
    let pushes: [(Option<&str>, Option<&str>); 4] = [
        (None, Some("h.example.com/team")),
        (Some("h.example.com/team/images"), None),
        (
            Some("h.example.com/team/images"),
            Some("h.example.com/other"),
        ),
        (None, Some("localhost:5000/team")),
    ];
    for chart in CHARTS {
        let v: ChartVersion = chart.parse().unwrap();
        let f = chart::facts(&v);
        for mode in ["ce", "ee"] {
            // Every naming with the first push setting, every push setting with the
            // release `primehub`.
            let cases = namings
                .iter()
                .map(|n| (*n, pushes[0]))
                .chain(pushes.iter().skip(1).map(|p| (namings[2], *p)));
            for ((release, name_override, fullname_override), (repo, prefix)) in cases {
                let mut text = format!(
                        "primehub:\n  mode: {mode}\ncustomImage:\n  registryEndpoint: https://h.example.com\n  registryUsername: u\n  registryPassword: p\n  insecureSkipVerify: true\n"
                    );
                if let Some(r) = repo {
                    text.push_str(&format!("  pushRepo: {r}\n"));
                }
                if let Some(p) = prefix {
                    text.push_str(&format!("  pushRepoPrefix: {p}\n"));
                }
                for (key, val) in [
                    ("nameOverride", name_override),
                    ("fullnameOverride", fullname_override),
                ] {
                    if let Some(val) = val {
                        text.push_str(&format!("{key}: {val}\n"));
                    }
                }
                std::fs::write(&values, &text).unwrap();
                let m = helm_manifests(&chart_dir(chart), &values, release);
                let label = format!("{chart} {mode} {release} {name_override:?} {fullname_override:?} {repo:?} {prefix:?}");
                let rendered = !(f.needs_ee_mode && mode == "ce");
                let naming = chart::Naming {
                    release,
                    name_override,
                    fullname_override,
                };
                let names: Vec<&str> = m.secrets.iter().map(|(n, _)| n.as_str()).collect();
                if rendered {
                    assert_eq!(
                        names,
                        [chart::push_secret_name(&naming).as_str()],
                        "{label}"
                    );
                } else {
                    assert!(names.is_empty() && m.script.is_none(), "{label}");
                }
                assert_eq!(m.script.is_some(), rendered, "{label}");
                assert_eq!(
                    m.build_pod["SKIP_TLS_VERIFY"].as_str(),
                    f.has_skip_tls_key.then_some("true"),
                    "{label}"
                );
                if let Some(script) = &m.script {
                    // The script's own reading of it: `true` only where it passes it on.
                    let passes = script.contains("skip=\"${SKIP_TLS_VERIFY:-false}\"");
                    assert_eq!(passes, f.push_skips_tls, "{label}");
                    assert_eq!(
                        script.contains("docker.io/"),
                        f.prepends_docker_io,
                        "{label}"
                    );
                }
                let computed = m.build_pod["TARGET_IMAGE"].as_str().unwrap();
                let want = chart::target_image(&v, repo, prefix, IMAGE_NAME, IMAGE_HASH);
                let pushed =
                    if f.prepends_docker_io && !computed.split('/').next().unwrap().contains('.') {
                        format!("docker.io/{computed}")
                    } else {
                        computed.to_string()
                    };
                assert_eq!(pushed, want, "{label}");
            }
        }
    }
});

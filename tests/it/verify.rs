//! `phib verify` against real registries started on 127.0.0.1 (see `registry.rs`):
//! htpasswd and token auth, TLS with a self-signed certificate, a stopped registry, and
//! the chart-rendered push secret driving a real `skopeo copy`. Plus the exit-2 cases
//! that need no registry.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;

use crate::registry::{oci, self_signed, stand_in, Auth, CertFor, Grants, Registry, TokenIssuer};
use crate::util::{fixture_chart, helm_template, phib, phib_run, run, tempdir, tool, Run};

/// A password with a space, `:`, `"`, `#` and `@`, as FACTS.md lists.
const ODD_PASSWORD: &str = r##"p@ss w:rd"#x"##;
const ROBOT: &str = "robot$ci";
/// A plain login, for the tests about anything but the login.
const ALICE: (&str, &str) = ("alice", "s3cret");

/// Quotes a string for YAML (single quotes, `'` doubled).
fn yq(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Writes a values file whose `customImage` block has no comments.
fn values(dir: &Path, endpoint: &str, user: &str, password: &str, extra: &str) -> PathBuf {
    let path = dir.join("values.yaml");
    let text = format!(
        "customImage:\n  registryEndpoint: {}\n  registryUsername: {}\n  registryPassword: {}\n{extra}",
        yq(endpoint),
        yq(user),
        yq(password)
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// [`values`] with the [`ALICE`] login.
fn alice_values(dir: &Path, endpoint: &str, extra: &str) -> PathBuf {
    values(dir, endpoint, ALICE.0, ALICE.1, extra)
}

/// `pushRepoPrefix: HOST/team` (verify probes `team/phib-push-check`), and
/// `insecureSkipVerify: true` when `insecure`.
fn prefix(host: &str, insecure: bool) -> String {
    push_lines("pushRepoPrefix", &format!("{host}/team"), insecure)
}

/// `pushRepo: HOST/team/app`, and `insecureSkipVerify: true` when `insecure`.
fn repo(host: &str, insecure: bool) -> String {
    push_lines("pushRepo", &format!("{host}/team/app"), insecure)
}

fn push_lines(key: &str, value: &str, insecure: bool) -> String {
    let skip = if insecure {
        "  insecureSkipVerify: true\n"
    } else {
        ""
    };
    format!("  {key}: {value}\n{skip}")
}

/// `phib verify --values VALUES` with a 10 s `--timeout` unless `extra` sets one (the
/// harness leaves no proxy in the environment).
fn verify_cmd(values: &Path, extra: &[&str]) -> Command {
    let mut cmd = phib();
    cmd.arg("verify").arg("--values").arg(values).args(extra);
    if !extra.contains(&"--timeout") {
        cmd.args(["--timeout", "10"]);
    }
    cmd
}

/// Runs [`verify_cmd`].
fn verify(values: &Path, extra: &[&str]) -> Run {
    run(&mut verify_cmd(values, extra), b"")
}

/// Asserts that no secret shows in either stream.
fn assert_no_secret(r: &Run, secrets: &[&str]) {
    let out = r.stdout_str();
    for s in secrets {
        assert!(!out.contains(s), "secret in stdout:\n{out}");
        assert!(!r.stderr.contains(s), "secret in stderr:\n{}", r.stderr);
    }
}

/// The `Authorization` value of a Basic login, for asking the registry directly.
fn basic(user: &str, password: &str) -> String {
    let raw = format!("{user}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// The repositories the registry lists.
fn catalog(reg: &Registry, user: &str, password: &str) -> Vec<String> {
    let mut resp = ureq::get(&format!("http://{}/v2/_catalog", reg.host()))
        .header("Authorization", &basic(user, password))
        .call()
        .expect("catalog");
    let v: serde_json::Value =
        serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
    v["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect()
}

/// Files the registry keeps besides the hash state that distribution 2.8 writes once
/// more after a cancelled upload (`_uploads/<id>/hashstates/sha256/0`: its DELETE handler
/// closes the upload after cancelling it, a server-side leftover no client can avoid;
/// without `startedat` and `data` there is no upload left to resume or purge). An upload
/// left open keeps `startedat` and `data`, a push keeps blobs and links: both show here.
fn stored_besides_hashstate(reg: &Registry) -> Vec<String> {
    reg.stored_files()
        .into_iter()
        .filter(|f| !(f.contains("/_uploads/") && f.contains("/hashstates/")))
        .collect()
}

/// The registry holds nothing after verify: no open upload, no blob, no repository; the
/// cancelled upload answers 404; and the upload did happen (202 in its access log), so
/// "nothing" is not "never tried".
fn assert_nothing_left(reg: &Registry, user: &str, password: &str, path: &str) {
    assert_eq!(
        stored_besides_hashstate(reg),
        Vec::<String>::new(),
        "leftover files"
    );
    assert_eq!(
        catalog(reg, user, password),
        Vec::<String>::new(),
        "leftover repository"
    );
    let log = reg.log();
    assert!(
        log.contains(&format!("\"POST /v2/{path}/blobs/uploads/ HTTP/1.1\" 202")),
        "no upload in the registry log:\n{log}"
    );
    let deleted = log
        .split("\"DELETE ")
        .nth(1)
        .and_then(|rest| rest.split(['?', ' ']).next())
        .unwrap_or_else(|| panic!("no cancel in the registry log:\n{log}"));
    assert!(
        deleted.starts_with(&format!("/v2/{path}/blobs/uploads/")),
        "{deleted}"
    );
    let status = ureq::get(&format!("http://{}{deleted}", reg.host()))
        .header("Authorization", &basic(user, password))
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .expect("get cancelled upload")
        .status();
    assert_eq!(status.as_u16(), 404, "the cancelled upload still answers");
}

e2e!(
    htpasswd_good_credentials_pass_and_leave_nothing_behind,
    || {
        let users = [ALICE, (ROBOT, ODD_PASSWORD)];
        let reg = Registry::start(Auth::Htpasswd(&users), false);
        let dir = tempdir();
        for (user, password) in users {
            // Plain http: under insecureSkipVerify verify falls back from https, like buildah.
            let v = values(
                dir.path(),
                &reg.host(),
                user,
                password,
                &prefix(&reg.host(), true),
            );
            let r = verify(&v, &[]);
            r.expect_code(0);
            let out = r.stdout_str();
            assert!(
                out.contains(&format!(
                    "reach the registry at http://{}/v2/ (asks for Basic login)",
                    reg.host()
                )),
                "{out}"
            );
            assert!(out.contains(&format!("ok    login as `{user}`")), "{out}");
            assert!(
                out.contains("ok    push rights on `team/phib-push-check`"),
                "{out}"
            );
            assert!(out.contains("ok    cancel the upload"), "{out}");
            assert_no_secret(&r, &[password]);
            assert_nothing_left(&reg, user, password, "team/phib-push-check");
        }
    }
);

e2e!(
    htpasswd_wrong_password_fails_as_authentication,
    Registry::start(Auth::Htpasswd(&[(ROBOT, ODD_PASSWORD)]), false),
    |reg| {
        let dir = tempdir();
        let wrong = "p@ss w:rd\"#y";
        let v = values(
            dir.path(),
            &format!("http://{}", reg.host()),
            ROBOT,
            wrong,
            &repo(&reg.host(), true),
        );
        let r = verify(&v, &[]);
        r.expect_code(1);
        assert!(
            r.stdout_str().contains("FAIL  login as `robot$ci`"),
            "{}",
            r.stdout_str()
        );
        assert!(
            r.stderr.contains("phib: authentication failed"),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr
                .contains("help: check the username and the password"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("`$`"), "robot hint missing: {}", r.stderr);
        assert_no_secret(&r, &[wrong, ODD_PASSWORD]);
        assert_eq!(reg.stored_files(), Vec::<String>::new());
    }
);

e2e!(
    stopped_registry_fails_as_cannot_connect_not_credentials,
    Registry::start(Auth::Htpasswd(&[ALICE]), false),
    |mut reg| {
        let dir = tempdir();
        let v = alice_values(
            dir.path(),
            &format!("http://{}", reg.host()),
            &prefix(&reg.host(), true),
        );
        verify(&v, &[]).expect_code(0);
        reg.stop();
        let r = verify(&v, &[]);
        r.expect_code(1);
        assert!(
            r.stderr.contains(&format!(
                "phib: cannot connect to `{}`: connection refused",
                reg.host()
            )),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains("authentication"), "{}", r.stderr);
        assert!(
            r.stdout_str().contains("FAIL  reach the registry at"),
            "{}",
            r.stdout_str()
        );
    }
);

e2e!(
    token_auth_bearer_flow_passes_and_pull_only_token_fails_at_upload,
    || {
        let issuer = TokenIssuer::start(ROBOT, ODD_PASSWORD, Grants::All);
        let reg = Registry::start(Auth::Token(&issuer), false);
        let dir = tempdir();
        let extra = repo(&reg.host(), true);
        let v = values(dir.path(), &reg.host(), ROBOT, ODD_PASSWORD, &extra);
        let r = verify(&v, &[]);
        r.expect_code(0);
        let out = r.stdout_str();
        assert!(out.contains("(asks for a Bearer token)"), "{out}");
        assert!(out.contains("ok    login as `robot$ci`"), "{out}");
        assert!(out.contains("ok    push rights on `team/app`"), "{out}");
        // The pull,push token does not cover DELETE; a second token with `delete` does.
        assert!(out.contains("ok    cancel the upload"), "{out}");
        assert_no_secret(&r, &[ODD_PASSWORD]);
        assert_eq!(
            stored_besides_hashstate(&reg),
            Vec::<String>::new(),
            "leftover files"
        );
        assert!(
            reg.log()
                .contains("\"POST /v2/team/app/blobs/uploads/ HTTP/1.1\" 202"),
            "{}",
            reg.log()
        );
        assert!(
            reg.log().contains("\"DELETE /v2/team/app/blobs/uploads/"),
            "{}",
            reg.log()
        );

        // A wrong password is refused by the token service.
        let v = values(dir.path(), &reg.host(), ROBOT, "nope", &extra);
        let r = verify(&v, &[]);
        r.expect_code(1);
        assert!(
            r.stderr
                .contains("authentication failed: the token service refused"),
            "{}",
            r.stderr
        );

        // The same login, but the issuer grants only pull: logged in, no push rights.
        let pull_only = TokenIssuer::start(ROBOT, ODD_PASSWORD, Grants::Pull);
        let reg = Registry::start(Auth::Token(&pull_only), false);
        let extra = repo(&reg.host(), true);
        let v = values(dir.path(), &reg.host(), ROBOT, ODD_PASSWORD, &extra);
        let r = verify(&v, &[]);
        r.expect_code(1);
        let out = r.stdout_str();
        assert!(out.contains("ok    login as `robot$ci`"), "{out}");
        assert!(out.contains("FAIL  push rights on `team/app`"), "{out}");
        assert!(r.stderr.contains("no push rights"), "{}", r.stderr);
        assert!(
            r.stderr.contains("help: give the account push rights"),
            "{}",
            r.stderr
        );
        // --no-push-check stops after the login, which works.
        verify(&v, &["--no-push-check"]).expect_code(0);
    }
);

e2e!(
    self_signed_tls_fails_with_the_hint_and_passes_with_insecure_skip_verify,
    Registry::start(Auth::Htpasswd(&[ALICE]), true),
    |reg| {
        let dir = tempdir();
        let push = prefix(&reg.host(), false);
        let v = alice_values(dir.path(), &format!("https://{}", reg.host()), &push);
        let r = verify(&v, &[]);
        r.expect_code(1);
        assert!(
            r.stderr.contains("phib: TLS failure talking to"),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr.contains("insecureSkipVerify: true"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("--insecure-skip-verify"), "{}", r.stderr);

        // http:// against an https registry: the reverse mix-up.
        let v = alice_values(dir.path(), &format!("http://{}", reg.host()), &push);
        let r = verify(&v, &[]);
        r.expect_code(1);
        assert!(r.stderr.contains("speaks https"), "{}", r.stderr);

        let v = alice_values(dir.path(), &reg.host(), &prefix(&reg.host(), true));
        let r = verify(&v, &[]);
        r.expect_code(0);
        assert!(
            r.stdout_str().contains("certificate not verified"),
            "{}",
            r.stdout_str()
        );
        assert_eq!(
            stored_besides_hashstate(&reg),
            Vec::<String>::new(),
            "leftover files"
        );
    }
);

e2e!(trusts_a_private_ca_in_the_system_store, || {
    // The system's trust store (here through `SSL_CERT_FILE`, as an administrator's
    // private CA would be installed) is honoured, as buildah honours it.
    let reg = Registry::start(Auth::Htpasswd(&[ALICE]), true);
    let dir = tempdir();
    let v = alice_values(
        dir.path(),
        &format!("https://{}", reg.host()),
        &prefix(&reg.host(), false),
    );
    let r = run(
        verify_cmd(&v, &[]).env("SSL_CERT_FILE", reg.cert.as_ref().unwrap()),
        b"",
    );
    r.expect_code(0);
    assert!(
        r.stdout_str().contains(&format!(
            "ok    reach the registry at https://{}/v2/ (asks for Basic login)",
            reg.host()
        )),
        "{}",
        r.stdout_str()
    );
});

// The usual self-signed certificate (`openssl req -x509`, a CA certificate) is
// accepted when the user names it: with `--ca-file` and with `SSL_CERT_FILE`, as
// docs/verify.md says. Without it, the help names both fixes: this check's and the
// build pods'. Another trusted certificate does not let it through.
e2e!(
    trusts_the_usual_self_signed_certificate_when_named,
    Registry::start_with_cert(Auth::Htpasswd(&[ALICE]), Some(CertFor::UsualTls)),
    |reg| {
        let cert = reg.cert.clone().unwrap();
        let dir = tempdir();
        let v = alice_values(
            dir.path(),
            &format!("https://{}", reg.host()),
            &prefix(&reg.host(), false),
        );
        let ok_line = format!(
            "ok    reach the registry at https://{}/v2/ (asks for Basic login)",
            reg.host()
        );

        let r = verify(&v, &["--ca-file", cert.to_str().unwrap()]);
        r.expect_code(0);
        assert!(r.stdout_str().contains(&ok_line), "{}", r.stdout_str());
        assert!(
            r.stdout_str().contains("ok    push rights"),
            "{}",
            r.stdout_str()
        );

        let r = run(verify_cmd(&v, &[]).env("SSL_CERT_FILE", &cert), b"");
        r.expect_code(0);
        assert!(r.stdout_str().contains(&ok_line), "{}", r.stdout_str());

        let r = verify(&v, &[]);
        r.expect_code(1);
        assert!(r.stderr.contains("TLS failure"), "{}", r.stderr);
        assert!(r.stderr.contains("--ca-file"), "{}", r.stderr);
        assert!(r.stderr.contains("build pods"), "{}", r.stderr);
        assert!(
            r.stderr.contains("insecureSkipVerify: true"),
            "{}",
            r.stderr
        );

        let (other, _) = self_signed(dir.path(), "other", "127.0.0.1", CertFor::UsualTls);
        let r = verify(&v, &["--ca-file", other.to_str().unwrap()]);
        r.expect_code(1);
        assert!(r.stderr.contains("TLS failure"), "{}", r.stderr);

        let r = verify(&v, &["--ca-file", v.to_str().unwrap()]);
        r.expect_code(2);
        assert!(r.stderr.contains("holds no certificate"), "{}", r.stderr);
        assert_no_secret(&r, &[ALICE.1]);
    }
);

e2e!(
    plain_http_where_https_was_expected,
    Registry::start(Auth::Htpasswd(&[ALICE]), false),
    |reg| {
        let dir = tempdir();
        let v = alice_values(
            dir.path(),
            &format!("https://{}", reg.host()),
            &prefix(&reg.host(), false),
        );
        let r = verify(&v, &[]);
        r.expect_code(1);
        assert!(
            r.stderr
                .contains("answered in plain http where https was expected"),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr.contains("insecureSkipVerify: true"),
            "{}",
            r.stderr
        );

        // http:// alone: buildah would try https, and the login is not sent over plain
        // http to a registry not marked insecure.
        let v = alice_values(
            dir.path(),
            &format!("http://{}", reg.host()),
            &prefix(&reg.host(), false),
        );
        let r = verify(&v, &[]);
        r.expect_code(1);
        let out = r.stdout_str();
        assert!(out.contains("ok    reach the registry"), "{out}");
        assert!(!out.contains("login as"), "{out}");
        assert!(out.contains("FAIL  image builds use plain http"), "{out}");
        assert!(
            !reg.log().to_ascii_lowercase().contains("alice"),
            "the login reached the registry:\n{}",
            reg.log()
        );
        assert!(
            r.stderr.contains("help: set `insecureSkipVerify: true`"),
            "{}",
            r.stderr
        );
    }
);

#[test]
fn unresolvable_host_fails_as_name_does_not_resolve() {
    let dir = tempdir();
    // `.invalid` never resolves (RFC 2606).
    let v = alice_values(
        dir.path(),
        "https://phib-test.invalid:5000",
        "  pushRepoPrefix: phib-test.invalid:5000/team\n",
    );
    let r = verify(&v, &["--timeout", "30"]);
    r.expect_code(1);
    assert!(
        r.stderr
            .contains("phib: the registry host name `phib-test.invalid` does not resolve"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("help: check `registryEndpoint` for typos"),
        "{}",
        r.stderr
    );
}

/// A registry that takes the connection (here the kernel's backlog does) and never
/// answers is not "unreachable": phib says it connected and got no answer, and names the
/// `http://` URL the endpoint gave (the https try buildah makes first failed the same).
#[test]
fn silent_server_fails_as_no_answer_in_time() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let dir = tempdir();
    let v = alice_values(dir.path(), &format!("http://{host}"), &prefix(&host, true));
    let start = std::time::Instant::now();
    let r = verify(&v, &["--timeout", "1"]);
    r.expect_code(1);
    assert!(
        r.stderr.contains(&format!(
            "phib: `{host}` took the connection but sent no whole answer within the time limit"
        )),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("cannot connect"), "{}", r.stderr);
    assert!(r.stderr.contains("raise `--timeout`"), "{}", r.stderr);
    assert!(
        r.stdout_str()
            .contains(&format!("FAIL  reach the registry at http://{host}/v2/")),
        "{}",
        r.stdout_str()
    );
    assert!(
        start.elapsed().as_secs() < 10,
        "the timeout was not honoured"
    );
    drop(listener);
}

e2e!(
    external_push_secret_is_read_with_kubectl_stub_cluster,
    Registry::start(Auth::Htpasswd(&[(ROBOT, ODD_PASSWORD)]), false),
    |reg| {
        let dir = tempdir();
        // The Secret's data as the chart renders it from values that hold the credentials.
        let with_creds = values(dir.path(), &reg.host(), ROBOT, ODD_PASSWORD, "");
        let data =
            base64::engine::general_purpose::STANDARD.encode(rendered_push_secret(&with_creds));
        // No cluster can run here: a stand-in kubectl prints that Secret for the one
        // command phib should run, and fails like kubectl for anything else.
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let secret_json = serde_json::json!({
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
            "metadata": {"name": "my-push", "namespace": "hub"},
            "data": {".dockerconfigjson": data},
        });
        std::fs::write(dir.path().join("secret.json"), secret_json.to_string()).unwrap();
        let script = format!(
        "#!/bin/sh\nif [ \"$*\" = \"get secret -n hub -o json -- my-push\" ]; then cat '{}'; else echo 'Error from server (NotFound): secrets \"'\"$7\"'\" not found' >&2; exit 1; fi\n",
        dir.path().join("secret.json").display()
    );
        let kubectl = bin.join("kubectl");
        std::fs::write(&kubectl, script).unwrap();
        std::fs::set_permissions(
            &kubectl,
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();

        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let block = |secret: &str| {
            let v = dir.path().join("external.yaml");
            std::fs::write(
            &v,
            format!(
                "customImage:\n  registryEndpoint: {h}\n  pushRepoPrefix: {h}/team\n  pushSecretName: {secret}\n  insecureSkipVerify: true\n",
                h = reg.host()
            ),
        )
        .unwrap();
            v
        };
        let r = run(verify_cmd(&block("my-push"), &[]).env("PATH", &path), b"");
        r.expect_code(0);
        let out = r.stdout_str();
        assert!(
            out.contains(&format!(
                "ok    credentials for `{}` from Secret `my-push` (namespace `hub`)",
                reg.host()
            )),
            "{out}"
        );
        assert!(out.contains("ok    login as `robot$ci`"), "{out}");
        assert!(
            out.contains("ok    push rights on `team/phib-push-check`"),
            "{out}"
        );
        assert_no_secret(&r, &[ODD_PASSWORD, &data]);
        assert_nothing_left(&reg, ROBOT, ODD_PASSWORD, "team/phib-push-check");

        let r = run(verify_cmd(&block("other"), &[]).env("PATH", &path), b"");
        r.expect_code(1);
        assert!(
            r.stderr.contains(
                "the push Secret `other` (namespace `hub`) does not exist, and no ExternalSecret"
            ),
            "{}",
            r.stderr
        );
    }
);

e2e!(
    honours_https_proxy_and_no_proxy,
    Registry::start(Auth::Htpasswd(&[ALICE]), false),
    |reg| {
        let dir = tempdir();
        let v = alice_values(dir.path(), &reg.host(), &prefix(&reg.host(), true));
        // A proxy that is not there, with credentials in its URL that must not show.
        let dead = crate::registry::free_port();
        let proxy = format!("http://proxyuser:proxysecret@127.0.0.1:{dead}");
        let run_with = |no_proxy: Option<&str>| {
            let mut cmd = verify_cmd(&v, &[]);
            cmd.env("HTTPS_PROXY", &proxy);
            if let Some(np) = no_proxy {
                cmd.env("NO_PROXY", np);
            }
            run(&mut cmd, b"")
        };
        let r = run_with(None);
        r.expect_code(1);
        assert!(
            r.stderr
                .contains(&format!("through the proxy `127.0.0.1:{dead}`")),
            "{}",
            r.stderr
        );
        assert_no_secret(&r, &["proxysecret", ALICE.1]);
        run_with(Some("127.0.0.1")).expect_code(0);
    }
);

e2e!(refused_cancel_warns_but_passes, || {
    // Push rights but no delete right: the upload cannot be cancelled. The credentials
    // are proven all the same; verify says what stays behind.
    let issuer = TokenIssuer::start(ALICE.0, ALICE.1, Grants::PullPush);
    let reg = Registry::start(Auth::Token(&issuer), false);
    let dir = tempdir();
    let v = alice_values(dir.path(), &reg.host(), &repo(&reg.host(), true));
    let r = verify(&v, &[]);
    r.expect_code(0);
    let out = r.stdout_str();
    assert!(out.contains("ok    push rights on `team/app`"), "{out}");
    assert!(
        out.contains("warn  cancel the upload: the registry refused (HTTP 401)"),
        "{out}"
    );
    // The open upload really is there, as the warning says.
    let left = stored_besides_hashstate(&reg);
    assert!(left.iter().any(|f| f.ends_with("/startedat")), "{left:?}");
});

#[test]
fn missing_repository_fails_as_create_it_first_stub_registry() {
    let host = stand_in::name_unknown_registry(3);
    let dir = tempdir();
    let v = values(
        dir.path(),
        &format!("http://{host}"),
        "AWS",
        "token",
        &repo(&host, true),
    );
    let r = verify(&v, &[]);
    r.expect_code(1);
    let out = r.stdout_str();
    assert!(out.contains("ok    login as `AWS`"), "{out}");
    assert!(out.contains("FAIL  push rights on `team/app`"), "{out}");
    assert!(
        r.stderr.contains(&format!(
            "phib: the repository `team/app` does not exist on `{host}` (NAME_UNKNOWN)"
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("help: create the repository `team/app` in the registry first"),
        "{}",
        r.stderr
    );
}

#[test]
fn upload_location_on_another_host_gets_no_credentials_stub_registry() {
    let (host, elsewhere) = stand_in::foreign_location_registry();
    let dir = tempdir();
    let v = values(
        dir.path(),
        &format!("http://{host}"),
        ROBOT,
        ODD_PASSWORD,
        &repo(&host, true),
    );
    let r = verify(&v, &[]);
    r.expect_code(0);
    let out = r.stdout_str();
    assert!(out.contains("ok    push rights on `team/app`"), "{out}");
    let request = elsewhere
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the cancel reached the other host");
    assert!(request[0].starts_with("DELETE /upload/abc "), "{request:?}");
    assert!(
        !request
            .iter()
            .any(|h| h.to_ascii_lowercase().starts_with("authorization")),
        "credentials sent to another host: {request:?}"
    );
    assert!(
        out.contains("ok    cancel the upload (at another host, `127.0.0.3:"),
        "{out}"
    );
    assert!(elsewhere.try_recv().is_err(), "a second request went there");
}

/// The `.dockerconfigjson` of the push Secret the fixture chart renders from `values`.
fn rendered_push_secret(values: &Path) -> Vec<u8> {
    let text = helm_template(&fixture_chart(), values);
    let doc = text
        .split("\n---")
        .find(|d| d.contains("name: primehub-controller-custom-image-push-secret"))
        .expect("push secret rendered");
    let line = doc
        .lines()
        .find_map(|l| l.trim().strip_prefix(".dockerconfigjson:"))
        .expect(".dockerconfigjson");
    base64::engine::general_purpose::STANDARD
        .decode(line.trim())
        .unwrap()
}

e2e!(
    rendered_push_secret_lets_skopeo_push_after_verify,
    Registry::start(Auth::Htpasswd(&[(ROBOT, ODD_PASSWORD)]), false),
    |reg| {
        let dir = tempdir();
        // The values come from `phib render`, as an administrator would make them.
        let v = dir.path().join("values.yaml");
        let host = reg.host();
        let prefix = format!("{host}/team");
        run(
            phib().args([
                "render",
                "--registry",
                "harbor",
                "--endpoint",
                &host,
                "--username",
                ROBOT,
                "--password-stdin",
                "--push-repo-prefix",
                &prefix,
                "--insecure-skip-verify",
                "--values",
                v.to_str().unwrap(),
            ]),
            ODD_PASSWORD.as_bytes(),
        )
        .expect_code(0);
        verify(&v, &[]).expect_code(0);
        assert_nothing_left(&reg, ROBOT, ODD_PASSWORD, "team/phib-push-check");

        let authfile = dir.path().join("auth.json");
        std::fs::write(&authfile, rendered_push_secret(&v)).unwrap();
        let layout = dir.path().join("oci");
        oci::oci_layout(&layout);
        let out = Command::new(tool("skopeo"))
            .args(["copy", "--authfile"])
            .arg(&authfile)
            .args(["--dest-tls-verify=false"])
            .arg(format!("oci:{}:latest", layout.display()))
            .arg(format!("docker://{}/team/app:0123abcd", reg.host()))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "skopeo copy failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stderr),
            reg.log()
        );
        assert_eq!(
            catalog(&reg, ROBOT, ODD_PASSWORD),
            vec!["team/app".to_string()]
        );
    }
);

#[test]
fn missing_or_unconfigured_block_exits_2_with_how_to_create_it() {
    let dir = tempdir();
    let missing = dir.path().join("values.yaml");
    let r = phib_run(["verify", "--values", missing.to_str().unwrap()]);
    r.expect_code(2);
    assert!(r.stderr.contains("does not exist"), "{}", r.stderr);
    assert!(
        r.stderr.contains("help: create it with `phib render"),
        "{}",
        r.stderr
    );

    std::fs::write(&missing, "customImage:\n  buildJob: {}\n").unwrap();
    let r = phib_run(["verify", "--values", missing.to_str().unwrap()]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("no configured `customImage` block"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("`phib render"), "{}", r.stderr);
    assert!(r.stdout.is_empty());

    // A folder given as the values file is named as such, like `phib render` does.
    let r = phib_run(["verify", "--values", dir.path().to_str().unwrap()]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("is a directory, not a values file"),
        "{}",
        r.stderr
    );
}

#[test]
fn incomplete_block_exits_2_before_any_network() {
    let dir = tempdir();
    let path = dir.path().join("values.yaml");
    let cases = [
        // No push target, and a push check asked for.
        ("customImage:\n  registryEndpoint: 127.0.0.1:9\n  registryUsername: u\n  registryPassword: p\n", "neither `pushRepo` nor `pushRepoPrefix`"),
        // A push target on another host than the endpoint.
        ("customImage:\n  registryEndpoint: https://gcr.io\n  registryUsername: u\n  registryPassword: p\n  pushRepoPrefix: us.gcr.io/p\n", "pushes to `us.gcr.io`"),
        // Username without password.
        ("customImage:\n  registryEndpoint: 127.0.0.1:9\n  registryUsername: u\n  pushRepoPrefix: 127.0.0.1:9/a\n", "`customImage.registryPassword` is missing"),
        // A username the push secret cannot carry.
        (
            "customImage:\n  registryEndpoint: 127.0.0.1:9\n  registryUsername: 'a:b'\n  registryPassword: p\n  pushRepoPrefix: 127.0.0.1:9/a\n",
            "`customImage.registryUsername` in",
        ),
        (
            "customImage:\n  registryEndpoint: 127.0.0.1:9\n  registryUsername: 'a b'\n  registryPassword: p\n  pushRepoPrefix: 127.0.0.1:9/a\n",
            "contains whitespace or a control character",
        ),
        // No credentials at all.
        ("customImage:\n  registryEndpoint: 127.0.0.1:9\n  pushRepoPrefix: 127.0.0.1:9/a\n", "no credentials and no `pushSecretName`"),
    ];
    for (text, want) in cases {
        std::fs::write(&path, text).unwrap();
        let r = phib_run(["verify", "--values", path.to_str().unwrap()]);
        r.expect_code(2);
        assert!(r.stderr.contains(want), "{text}\n{}", r.stderr);
    }
}

#[test]
fn external_secret_without_kubectl_says_what_cannot_be_checked() {
    let dir = tempdir();
    let path = dir.path().join("values.yaml");
    std::fs::write(
        &path,
        "customImage:\n  registryEndpoint: 127.0.0.1:9\n  pushRepoPrefix: 127.0.0.1:9/a\n  pushSecretName: my-push\n",
    )
    .unwrap();
    let empty_path = dir.path().join("bin");
    std::fs::create_dir(&empty_path).unwrap();
    let r = run(
        phib()
            .env("PATH", &empty_path)
            .args(["verify", "--values", path.to_str().unwrap()]),
        b"",
    );
    r.expect_code(1);
    assert!(
        r.stderr
            .contains("they are in the Secret `my-push` (namespace `hub`)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("`kubectl` is not installed"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("neither the login nor the push rights were checked"),
        "{}",
        r.stderr
    );
}

// Without a terminal each step is one whole line, as scripts read it, however long the
// repository path (on a terminal it goes on under its text: `fits::verify_steps_fit_the_terminal`).
e2e!(
    step_lines_stay_whole_without_a_terminal,
    Registry::start(Auth::Htpasswd(&[ALICE]), false),
    |reg| {
        let dir = tempdir();
        let extra = format!(
        "  pushRepoPrefix: {}/a-rather-long-team-name/with-a-subgroup\n  insecureSkipVerify: true\n",
        reg.host()
    );
        let v = alice_values(dir.path(), &format!("http://{}", reg.host()), &extra);
        let r = verify(&v, &[]);
        r.expect_code(0);
        let out = r.stdout_str();
        assert!(out.contains("a-rather-long-team-name"), "{out}");
        let step = out
            .lines()
            .find(|l| l.contains("push rights on"))
            .unwrap_or_else(|| panic!("{out}"));
        assert!(step.chars().count() > 80, "{step}");
        assert!(step.ends_with("(start an upload)"), "{step}");
        assert!(
            out.lines().all(|l| !l.starts_with(' ')),
            "a step went on in a row of its own:\n{out}"
        );
    }
);

/// A registry whose connection never completes (its listen queue is full, so the
/// kernel drops the handshake) is "cannot connect … timed out": nothing answered.
#[test]
fn a_connection_that_never_completes_fails_as_cannot_connect() {
    use std::os::fd::AsRawFd;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    // SAFETY: listen(2) on a socket this test owns, only shrinking its queue.
    assert_eq!(unsafe { libc::listen(listener.as_raw_fd(), 0) }, 0);
    let host = listener.local_addr().unwrap().to_string();
    // Fill the queue: connections nobody accepts.
    let held: Vec<_> = (0..4)
        .filter_map(|_| {
            std::net::TcpStream::connect_timeout(
                &listener.local_addr().unwrap(),
                std::time::Duration::from_millis(300),
            )
            .ok()
        })
        .collect();
    let dir = tempdir();
    let v = alice_values(dir.path(), &format!("http://{host}"), &prefix(&host, true));
    let r = verify(&v, &["--timeout", "1"]);
    r.expect_code(1);
    assert!(
        r.stderr
            .contains(&format!("phib: cannot connect to `{host}`: timed out")),
        "{}",
        r.stderr
    );
    drop(held);
}

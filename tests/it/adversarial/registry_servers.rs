//! `phib verify` against hostile registries on loopback: every step of the check (ping,
//! token, login, upload, cancel) answered with a redirect, a downgraded or foreign
//! realm, megabytes of header or body, silence, terminal control characters, a
//! malformed challenge or a malformed token. Whatever the server does, phib must end
//! (exit 0 or 1, never a panic) within its timeout, print no secret and no raw control
//! character, and send credentials to no other origin than the registry's and its
//! token service's.

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use super::hostile::{challenge, reply, Hostile, Reply, Req};
use super::{code_in, no_control, no_secret, Rng, Tally};
use crate::util::{phib, run, tempdir, Run};

const USER: &str = "alice";
const PASSWORD: &str = "Adv3rs-Pa55w0rd!";

/// Which step of the check a request is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Phase {
    Ping,
    Token,
    Login,
    Upload,
    Cancel,
}

fn phase(req: &Req) -> Phase {
    match (req.method.as_str(), req.path.as_str()) {
        (_, p) if p.starts_with("/token") => Phase::Token,
        ("POST", _) => Phase::Upload,
        ("DELETE", _) => Phase::Cancel,
        _ if req.has_auth() => Phase::Login,
        _ => Phase::Ping,
    }
}

/// What a scenario's server knows when it answers: its own `host:port` and that of the
/// "other host" (a recorder on 127.0.0.2).
pub struct Ctx {
    pub me: String,
    pub other: String,
}

type ValuesText = dyn Fn(&str) -> String + Send + Sync;
type Override = dyn Fn(Phase, &Req, &Ctx) -> Option<Reply> + Send + Sync;

/// The well-behaved registry with Bearer login, whose steps a scenario overrides.
fn honest(phase: Phase, ctx: &Ctx) -> Reply {
    match phase {
        Phase::Ping => challenge(&format!(
            r#"Bearer realm="http://{}/token",service="adv""#,
            ctx.me
        )),
        Phase::Token => reply(
            "200 OK",
            "Content-Type: application/json\r\n",
            br#"{"token":"tok-123"}"#,
        ),
        Phase::Login => reply("200 OK", "", b"{}"),
        Phase::Upload => reply(
            "202 Accepted",
            "Location: /v2/team/phib-push-check/blobs/uploads/u1\r\n",
            b"",
        ),
        Phase::Cancel => reply("204 No Content", "", b""),
    }
}

struct Scenario {
    name: String,
    over: Arc<Override>,
    /// Other values that must not be shown (a token the server handed out).
    secrets: Vec<String>,
    /// The `--timeout` (seconds).
    timeout: u64,
    /// The other host is the token service the registry names: it gets the login.
    other_may_log_in: bool,
    /// The exit statuses allowed, when not the usual ones.
    codes: Option<&'static [i32]>,
    /// The values file's text for the registry at `host`, when not [`values`]'s.
    values: Option<Arc<ValuesText>>,
}

/// Whether a request carries the login or the token the honest registry hands out.
fn carries_login(req: &Req) -> bool {
    use base64::Engine;
    let Some(auth) = req.header("authorization") else {
        return false;
    };
    let basic = auth
        .strip_prefix("Basic ")
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .map(|raw| String::from_utf8_lossy(&raw).contains(PASSWORD))
        .unwrap_or(false);
    basic || auth.contains("tok-123") || auth.contains(PASSWORD)
}

fn scenario(
    name: impl Into<String>,
    f: impl Fn(Phase, &Req, &Ctx) -> Option<Reply> + Send + Sync + 'static,
) -> Scenario {
    Scenario {
        name: name.into(),
        over: Arc::new(f),
        secrets: Vec::new(),
        timeout: 5,
        other_may_log_in: false,
        codes: None,
        values: None,
    }
}

/// Overrides one phase with a fixed answer built from the context.
fn at(
    name: impl Into<String>,
    which: Phase,
    f: impl Fn(&Ctx) -> Reply + Send + Sync + 'static,
) -> Scenario {
    scenario(name, move |p, _, ctx| (p == which).then(|| f(ctx)))
}

fn values(dir: &Path, host: &str, user: &str) -> std::path::PathBuf {
    let path = dir.join("values.yaml");
    std::fs::write(
        &path,
        format!(
            "customImage:\n  registryEndpoint: 'http://{host}'\n  registryUsername: '{user}'\n  registryPassword: '{PASSWORD}'\n  pushRepoPrefix: '{host}/team'\n  insecureSkipVerify: true\n"
        ),
    )
    .unwrap();
    path
}

/// Runs one scenario: a hostile registry on 127.0.0.1 and a recorder on 127.0.0.2.
fn attempt(s: &Scenario) -> Result<(), String> {
    let other = Hostile::start_on("127.0.0.2", |_| reply("200 OK", "", b"{}"));
    let me = Arc::new(OnceLock::<String>::new());
    let (me2, other_host, over) = (me.clone(), other.host(), s.over.clone());
    let server = Hostile::start(move |req| {
        let ctx = Ctx {
            me: me2.get().cloned().unwrap_or_default(),
            other: other_host.clone(),
        };
        let p = phase(req);
        over(p, req, &ctx).unwrap_or_else(|| honest(p, &ctx))
    });
    me.set(server.host()).unwrap();
    let dir = tempdir();
    let v = values(dir.path(), &server.host(), USER);
    if let Some(text) = &s.values {
        std::fs::write(&v, text(&server.host())).unwrap();
    }
    let start = Instant::now();
    let r: Run = run(
        phib()
            .arg("verify")
            .arg("--values")
            .arg(&v)
            .args(["--timeout", &s.timeout.to_string()]),
        b"",
    );
    let took = start.elapsed();
    // https first, then http (insecureSkipVerify), each within the timeout; and slack
    // for a loaded machine.
    let bound = Duration::from_secs(2 * s.timeout + 10);
    if took > bound {
        return Err(format!("took {took:?}, more than {bound:?}"));
    }
    // Bad values are exit 2; whatever a server answers is exit 0 or 1.
    let codes: &[i32] = if s.values.is_some() {
        &[0, 1, 2]
    } else {
        &[0, 1]
    };
    if std::env::var_os("PHIB_ADVERSARIAL_SHOW").is_some() {
        eprintln!(
            "=== {}: exit {:?}\n{}{}",
            s.name,
            r.code,
            String::from_utf8_lossy(&r.stdout),
            r.stderr
        );
    }
    code_in(r.code, codes, &r.stderr)?;
    let out = String::from_utf8_lossy(&r.stdout).into_owned();
    let mut secrets: Vec<&str> = vec![PASSWORD];
    secrets.extend(s.secrets.iter().map(String::as_str));
    no_secret("stdout", &out, &secrets)?;
    no_secret("stderr", &r.stderr, &secrets)?;
    no_control("stdout", &out)?;
    no_control("stderr", &r.stderr)?;
    if !s.other_may_log_in {
        if let Some(req) = other.requests().iter().find(|r| carries_login(r)) {
            return Err(format!(
                "credentials sent to another host: {} {}",
                req.method, req.path
            ));
        }
    }
    Ok(())
}

/// Every answer a registry step can be replaced with.
fn scenarios(rng: &mut Rng) -> Vec<Scenario> {
    use Phase::*;
    let phases = [Ping, Token, Login, Upload, Cancel];
    let mut all = Vec::new();

    // Redirects from every step to another host, to itself (a loop), to https, to
    // nowhere, to odd schemes.
    for p in phases {
        for status in [
            "301 Moved Permanently",
            "302 Found",
            "303 See Other",
            "307 Temporary Redirect",
            "308 Permanent Redirect",
        ] {
            for (what, to) in [
                ("other-host", "http://{other}/v2/"),
                ("other-host-token", "http://{other}/token?scope=x"),
                ("loop", "http://{me}/v2/"),
                ("https", "https://{me}/v2/"),
                ("userinfo", "http://{me}@{other}/v2/"),
                ("scheme-relative", "//{other}/v2/"),
                ("empty", ""),
                ("ftp", "ftp://{other}/"),
            ] {
                all.push(at(
                    format!("redirect {p:?} {status} {what}"),
                    p,
                    move |ctx| {
                        let to = to.replace("{other}", &ctx.other).replace("{me}", &ctx.me);
                        reply(status, &format!("Location: {to}\r\n"), b"")
                    },
                ));
            }
        }
    }

    // Realms: on another host (allowed for a token service, over http only because
    // this registry is plain http and marked insecure), downgrades, garbage.
    for (what, realm) in [
        ("other-host", "http://{other}/token"),
        ("https-on-plain-http", "https://{me}/token"),
        ("userinfo", "http://user:pw@{me}/token"),
        ("relative", "/token"),
        ("no-host", "http:///token"),
        ("ftp", "ftp://{me}/token"),
        ("file", "file:///etc/passwd"),
        ("bad-port", "http://{me}0000/token"),
        ("ipv6-unclosed", "http://[::1/token"),
        ("control", "http://{me}/tok\u{1b}[31men"),
        ("space", "http://{me}/to ken"),
    ] {
        let mut s = at(format!("realm {what}"), Ping, move |ctx| {
            let realm = realm
                .replace("{other}", &ctx.other)
                .replace("{me}", &ctx.me);
            challenge(&format!(r#"Bearer realm="{realm}",service="adv""#))
        });
        s.other_may_log_in = what == "other-host";
        all.push(s);
    }

    // Malformed challenges, written and generated.
    for (i, c) in [
        "Bearer",
        "Bearer realm",
        "Bearer realm=",
        "Bearer realm=\"",
        "Bearer realm=\"x\\",
        "Bearer realm=\"\"",
        "Bearer ,,,,",
        "Bearer service=\"s\"",
        "Basic",
        "Basic realm=\"\u{1b}]0;owned\u{7}\"",
        "Negotiate",
        "Digest realm=\"x\", nonce=\"y\"",
        "\u{1b}[2J",
        "=",
        "Bearer realm=\"http://{me}/token\",service=\"\u{1b}[5m\"",
        "Bearer realm=\"http://{me}/token\",error=\"\u{9b}31m\"",
    ]
    .iter()
    .enumerate()
    {
        all.push(at(format!("challenge #{i} {c:?}"), Ping, move |ctx| {
            challenge(&c.replace("{me}", &ctx.me))
        }));
    }
    for i in 0..24 {
        let len = 1 + rng.below(200) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                let b = rng.below(256) as u8;
                // Header values end at CR or LF.
                if b == b'\r' || b == b'\n' {
                    b' '
                } else {
                    b
                }
            })
            .collect();
        all.push(at(format!("challenge random #{i}"), Ping, move |_| {
            let mut out = b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=".to_vec();
            out.extend_from_slice(&bytes);
            out.extend_from_slice(b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            Reply::Raw(out)
        }));
    }

    // Malformed tokens.
    let evil_token = "evil-tok\u{1b}[31m".to_string();
    for (i, body) in [
        "".to_string(),
        "{".to_string(),
        "[]".to_string(),
        "null".to_string(),
        r#"{"token":null}"#.to_string(),
        r#"{"token":""}"#.to_string(),
        r#"{"token":123}"#.to_string(),
        r#"{"token":"a\r\nX-Injected: 1"}"#.to_string(),
        r#"{"token":"a\u0000b"}"#.to_string(),
        format!(r#"{{"token":"{}"}}"#, "t".repeat(2 * 1024 * 1024)),
        serde_json::json!({ "token": evil_token }).to_string(),
        r#"{"access_token":"only-access"}"#.to_string(),
        r#"{"token":"\u001b]52;c;aGk=\u0007"}"#.to_string(),
        "\u{1b}[2J not json".to_string(),
    ]
    .into_iter()
    .enumerate()
    {
        let mut s = at(format!("token body #{i}"), Token, move |_| {
            reply(
                "200 OK",
                "Content-Type: application/json\r\n",
                body.as_bytes(),
            )
        });
        s.secrets.push("evil-tok".into());
        all.push(s);
    }
    for status in [
        "400 Bad Request",
        "401 Unauthorized",
        "500 Oops\u{1b}[31m",
        "999 Weird",
    ] {
        all.push(at(format!("token status {status:?}"), Token, move |_| {
            reply(status, "", b"{\"errors\":[{\"message\":\"\x1b[31mno\"}]}")
        }));
    }

    // Huge headers and bodies at every step.
    for p in phases {
        for (what, size) in [("64k", 64 * 1024), ("1m", 1024 * 1024)] {
            all.push(at(format!("huge header {p:?} {what}"), p, move |_| {
                let v = "x".repeat(size);
                reply(
                    "401 Unauthorized",
                    &format!("WWW-Authenticate: Bearer realm=\"{v}\"\r\nX-Big: {v}\r\n"),
                    b"",
                )
            }));
            all.push(at(format!("many headers {p:?} {what}"), p, move |_| {
                let h: String = (0..size / 16).map(|i| format!("X-H{i}: v\r\n")).collect();
                reply("200 OK", &h, b"{}")
            }));
        }
        all.push(at(format!("huge body {p:?} 4m"), p, |_| {
            reply("404 Not Found", "", &vec![b'{'; 4 * 1024 * 1024])
        }));
        all.push(at(format!("body longer than its length {p:?}"), p, |_| {
            Reply::Raw(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n{}".to_vec())
        }));
        all.push(at(format!("no status line {p:?}"), p, |_| {
            Reply::Raw(b"\x1b[2Jhello\r\n\r\n".to_vec())
        }));
        all.push(at(format!("closed {p:?}"), p, |_| Reply::Close));
        all.push(at(format!("status with control {p:?}"), p, |_| {
            reply(
                "418 \u{1b}]0;pwned\u{7}",
                "X-Msg: \u{1b}[31m\r\n",
                b"\x1b[31mred",
            )
        }));
    }

    // Control characters where verify prints what the server said.
    for p in [Upload, Cancel] {
        all.push(at(format!("location with control {p:?}"), p, |_| {
            reply("202 Accepted", "Location: /v2/\u{1b}[2J/x\r\n", b"")
        }));
    }
    all.push(at("location on another host", Upload, |ctx| {
        reply(
            "202 Accepted",
            &format!("Location: http://{}/up/1\r\n", ctx.other),
            b"",
        )
    }));

    // Control characters in the values file, where verify names what it read.
    fn block(endpoint: &str, user: &str, push: &str) -> String {
        format!(
            "customImage:\n  registryEndpoint: \"{endpoint}\"\n  registryUsername: \"{user}\"\n  registryPassword: '{PASSWORD}'\n  {push}\n  insecureSkipVerify: true\n"
        )
    }
    type Make = fn(&str, &str) -> String;
    for (i, c) in [
        "\\e[2J",
        "\\e]0;pwned\\a",
        "\\x9b31m",
        "\\r",
        "\\b\\b",
        "\\x7f",
        "\\u202e",
    ]
    .into_iter()
    .enumerate()
    {
        let makes: [Make; 6] = [
            |h: &str, c: &str| {
                block(
                    &format!("http://{h}{c}"),
                    USER,
                    &format!("pushRepoPrefix: '{h}/team'"),
                )
            },
            |h: &str, c: &str| {
                block(
                    &format!("http://{c}{h}"),
                    USER,
                    &format!("pushRepoPrefix: '{h}/team'"),
                )
            },
            |h: &str, c: &str| {
                block(
                    &format!("http://{h}"),
                    &format!("{USER}{c}"),
                    &format!("pushRepoPrefix: '{h}/team'"),
                )
            },
            |h: &str, c: &str| {
                block(
                    &format!("http://{h}"),
                    USER,
                    &format!("pushRepoPrefix: \"{h}/te{c}am\""),
                )
            },
            |h: &str, c: &str| {
                block(
                    &format!("http://{h}"),
                    USER,
                    &format!("pushRepo: \"{h}/team/a{c}\""),
                )
            },
            |h: &str, c: &str| {
                block(
                    &format!("http://{h}"),
                    USER,
                    &format!("pushSecretName: \"a{c}\""),
                )
            },
        ];
        for (j, make) in makes.into_iter().enumerate() {
            let mut s = scenario(format!("values control #{i} place #{j}"), |_, _, _| None);
            s.values = Some(Arc::new(move |h: &str| make(h, c)));
            all.push(s);
        }
    }

    // Silence at each step (the timeout must end it).
    for p in phases {
        let mut s = at(format!("silence {p:?}"), p, |_| {
            Reply::Silence(Duration::from_secs(30))
        });
        s.timeout = 1;
        all.push(s);
    }
    all
}

#[test]
fn hostile_registry_servers_get_no_credentials_and_leak_nothing() {
    let mut rng = Rng::from_env("registry servers");
    let mut all = scenarios(&mut rng);
    if let Ok(only) = std::env::var("PHIB_ADVERSARIAL_ONLY") {
        all.retain(|s| s.name.contains(&only));
    }
    let results = run_parallel(&all, 4);
    let mut tally = Tally::new("registry servers");
    for (s, r) in all.iter().zip(results) {
        tally.attempt(&s.name, r);
    }
    tally.finish();
}

/// Runs the scenarios on `threads` threads (most of their time is waiting on sockets).
fn run_parallel(all: &[Scenario], threads: usize) -> Vec<Result<(), String>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<OnceLock<Result<(), String>>> = all.iter().map(|_| OnceLock::new()).collect();
    std::thread::scope(|sc| {
        for _ in 0..threads {
            sc.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(s) = all.get(i) else { return };
                let _ = results[i].set(attempt(s));
            });
        }
    });
    results
        .into_iter()
        .map(|r| r.into_inner().unwrap())
        .collect()
}

/// One run of verify against `server` (values from [`values`]), with `--timeout 5`.
fn verify_once(host: &str, extra_values: &str) -> Run {
    let dir = tempdir();
    let v = values(dir.path(), host, USER);
    if !extra_values.is_empty() {
        let mut text = std::fs::read_to_string(&v).unwrap();
        text.push_str(extra_values);
        std::fs::write(&v, text).unwrap();
    }
    run(
        phib()
            .arg("verify")
            .arg("--values")
            .arg(&v)
            .args(["--timeout", "5"]),
        b"",
    )
}

/// A registry whose `phase` answer is `f`'s, honest otherwise.
fn registry_with(
    which: Phase,
    f: impl Fn(&Ctx) -> Reply + Send + Sync + 'static,
) -> (Hostile, Hostile) {
    let other = Hostile::start_on("127.0.0.2", |_| reply("200 OK", "", b"{}"));
    let me = Arc::new(OnceLock::<String>::new());
    let (me2, other_host) = (me.clone(), other.host());
    let server = Hostile::start(move |req| {
        let ctx = Ctx {
            me: me2.get().cloned().unwrap_or_default(),
            other: other_host.clone(),
        };
        let p = phase(req);
        if p == which {
            f(&ctx)
        } else {
            honest(p, &ctx)
        }
    });
    me.set(server.host()).unwrap();
    (server, other)
}

#[test]
fn a_redirect_to_another_host_is_named_and_not_followed() {
    for which in [Phase::Ping, Phase::Login, Phase::Upload] {
        let (server, other) = registry_with(which, |ctx| {
            reply(
                "302 Found",
                &format!("Location: http://{}/v2/\r\n", ctx.other),
                b"",
            )
        });
        let r = verify_once(&server.host(), "");
        r.expect_code(1);
        assert!(
            r.stderr.contains(&format!(
                "redirects (HTTP 302) to `http://{}/v2/`",
                other.host()
            )),
            "{which:?}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("another host"), "{which:?}: {}", r.stderr);
        assert!(
            other.requests().is_empty(),
            "{which:?}: the redirect was followed"
        );
        assert!(!r.stdout_str().contains("ok    push rights"), "{which:?}");
    }
}

#[test]
fn a_plain_http_registry_with_an_https_realm_is_not_told_to_set_insecure_skip_verify() {
    // The registry is plain http and already marked insecure; its realm says https, where
    // only plain http answers.
    let (server, _other) = registry_with(Phase::Ping, |ctx| {
        challenge(&format!(
            r#"Bearer realm="https://{}/token",service="adv""#,
            ctx.me
        ))
    });
    let r = verify_once(&server.host(), "");
    r.expect_code(1);
    assert!(
        r.stderr.contains("the token service at `https://"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("set `insecureSkipVerify: true`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("already set"), "{}", r.stderr);
}

#[test]
fn verify_timeout_beyond_a_day_is_exit_2_not_a_panic() {
    let (server, _other) = registry_with(Phase::Cancel, |_| reply("204 No Content", "", b""));
    let dir = tempdir();
    let v = values(dir.path(), &server.host(), USER);
    for t in ["9223372036854775807", "18446744073709551615", "86401"] {
        let r = run(
            phib()
                .arg("verify")
                .arg("--values")
                .arg(&v)
                .args(["--timeout", t]),
            b"",
        );
        r.expect_code(2);
        assert!(
            r.stderr.contains("`--timeout` must be between 1 and 86400"),
            "{}",
            r.stderr
        );
    }
    assert!(server.requests().is_empty(), "the registry was asked");
}

e2e!(an_https_registry_naming_an_http_realm_gets_no_login, || {
    use crate::registry::{Auth, Grants, Registry, TokenIssuer};
    let issuer = TokenIssuer::start(USER, PASSWORD, Grants::All);
    // https (self-signed, so insecureSkipVerify), with the issuer's plain-http realm.
    let reg = Registry::start(Auth::Token(&issuer), true);
    let dir = tempdir();
    let path = dir.path().join("values.yaml");
    std::fs::write(
        &path,
        format!(
            "customImage:\n  registryEndpoint: 'https://{h}'\n  registryUsername: '{USER}'\n  registryPassword: '{PASSWORD}'\n  pushRepoPrefix: '{h}/team'\n  insecureSkipVerify: true\n",
            h = reg.host()
        ),
    )
    .unwrap();
    let r = run(
        phib()
            .arg("verify")
            .arg("--values")
            .arg(&path)
            .args(["--timeout", "10"]),
        b"",
    );
    r.expect_code(1);
    assert!(r.stderr.contains("over plain http"), "{}", r.stderr);
    assert_eq!(
        issuer.logins.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the login went to the http realm"
    );
    assert!(!r.stderr.contains(PASSWORD) && !r.stdout_str().contains(PASSWORD));
});

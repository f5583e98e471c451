//! The token service for `auth: token` registries, written for the tests: a std
//! `TcpListener` on a thread that checks Basic credentials and signs JWTs with the
//! `openssl` CLI.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;

use super::{self_signed, CertFor};
use crate::util::{tempdir, tool};

/// A token service for `auth: token`: checks Basic credentials and answers with a JWT
/// (RS256, signed by `openssl dgst -sha256 -sign`) whose header carries the signing
/// certificate in `x5c`; the registry trusts that certificate through `rootcertbundle`.
/// It grants what the scope asks for, within the [`Grants`] it was started with.
pub struct TokenIssuer {
    pub port: u16,
    pub cert: PathBuf,
    stop: Arc<AtomicBool>,
    /// Requests that carried an `Authorization` header (a login).
    pub logins: Arc<std::sync::atomic::AtomicUsize>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

/// The most a [`TokenIssuer`] grants.
#[derive(Clone, Copy)]
pub enum Grants {
    /// Whatever the scope asks for (`pull`, `push`, `delete`).
    All,
    /// Pull and push, never delete.
    PullPush,
    /// Pull only: a login without push rights.
    Pull,
    /// Pull and push on this one repository, nothing anywhere else: a
    /// repository-scoped credential (a Quay robot with write on one repository, an ACR
    /// token's scope map, a Docker Hub repository-scoped token).
    Repository(&'static str),
}

struct IssuerState {
    user: String,
    password: String,
    grants: Grants,
    key: PathBuf,
    cert_der_b64: String,
}

impl TokenIssuer {
    pub const SERVICE: &'static str = "phib-test-registry";
    pub const ISSUER: &'static str = "phib-test-issuer";

    pub fn start(user: &str, password: &str, grants: Grants) -> TokenIssuer {
        let dir = tempdir();
        let (cert, key) = self_signed(dir.path(), "issuer", Self::ISSUER, CertFor::Tokens);
        let pem = std::fs::read_to_string(&cert).unwrap();
        let cert_der_b64: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<Vec<_>>()
            .concat();
        let state = Arc::new(IssuerState {
            user: user.into(),
            password: password.into(),
            grants,
            key,
            cert_der_b64,
        });
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let logins = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let logins2 = logins.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(stream) = conn {
                    let _ = serve(&state, stream, &logins2);
                }
            }
        });
        TokenIssuer {
            port,
            cert,
            stop,
            logins,
            thread: Some(thread),
            _dir: dir,
        }
    }

    pub fn realm(&self) -> String {
        format!("http://127.0.0.1:{}/token", self.port)
    }
}

impl Drop for TokenIssuer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

fn respond(stream: &mut TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn serve(
    state: &IssuerState,
    mut stream: TcpStream,
    logins: &std::sync::atomic::AtomicUsize,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut authorization = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("authorization") {
                logins.fetch_add(1, Ordering::SeqCst);
                authorization = Some(value.trim().to_string());
            }
        }
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != "/token" {
        return respond(&mut stream, "404 Not Found", "{}");
    }
    let params: Vec<(String, String)> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (percent_decode(k), percent_decode(v)))
        .collect();
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());

    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", state.user, state.password))
    );
    if authorization.as_deref() != Some(expected.as_str()) {
        return respond(
            &mut stream,
            "401 Unauthorized",
            r#"{"details":"bad credentials"}"#,
        );
    }
    if param("service").as_deref() != Some(TokenIssuer::SERVICE) {
        return respond(
            &mut stream,
            "400 Bad Request",
            r#"{"details":"bad service"}"#,
        );
    }
    let mut access = Vec::new();
    if let Some(scope) = param("scope") {
        // repository:NAME:ACTIONS (NAME may not contain `:` here).
        let mut parts = scope.splitn(3, ':');
        let (kind, name, actions) = (
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        let granted: Vec<&str> = actions
            .split(',')
            .filter(|a| match state.grants {
                Grants::All => true,
                Grants::PullPush => *a == "pull" || *a == "push",
                Grants::Pull => *a == "pull",
                Grants::Repository(only) => name == only && (*a == "pull" || *a == "push"),
            })
            .collect();
        access.push(serde_json::json!({"type": kind, "name": name, "actions": granted}));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = serde_json::json!({"typ": "JWT", "alg": "RS256", "x5c": [state.cert_der_b64]});
    let claims = serde_json::json!({
        "iss": TokenIssuer::ISSUER,
        "sub": state.user,
        "aud": TokenIssuer::SERVICE,
        "exp": now + 300,
        "nbf": now - 10,
        "iat": now,
        "jti": format!("phib-{now}-{}", std::process::id()),
        "access": access,
    });
    let signing_input = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let mut child = Command::new(tool("openssl"))
        .args(["dgst", "-sha256", "-sign"])
        .arg(&state.key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(signing_input.as_bytes())?;
    let mut sig = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut sig)?;
    assert!(child.wait()?.success(), "openssl dgst -sign failed");
    let token = format!("{signing_input}.{}", b64url(&sig));
    // Docker's token spec allows both names; answer with the OAuth2 one only, so the
    // client's fallback from `token` to `access_token` is exercised.
    let body = serde_json::json!({"access_token": token, "expires_in": 300}).to_string();
    respond(&mut stream, "200 OK", &body)
}

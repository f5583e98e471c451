//! Real registries for end-to-end tests: Debian's `docker-registry` (distribution 2.8)
//! on 127.0.0.1 with a free port and storage in a temp dir, with htpasswd auth, token
//! auth (trusting a test issuer, see [`TokenIssuer`]) or none, optionally behind TLS
//! with a self-signed certificate. The process is killed when the [`Registry`] drops.
//! Certificates and keys come from the `openssl` CLI.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;

use crate::util::{tempdir, tool};

/// How the registry asks clients to log in.
pub enum Auth<'a> {
    None,
    /// `auth: htpasswd` with these users (bcrypt, as `htpasswd -Bbn` writes them).
    Htpasswd(&'a [(&'a str, &'a str)]),
    /// `auth: token`, trusting the issuer's certificate.
    Token(&'a TokenIssuer),
}

pub struct Registry {
    child: Option<Child>,
    pub port: u16,
    pub dir: tempfile::TempDir,
    /// The TLS certificate (PEM) when the registry serves https.
    pub cert: Option<PathBuf>,
}

/// A free port on 127.0.0.1 (free when asked; the registry binds it right after).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A self-signed certificate and its key for `cn` (with `127.0.0.1` as IP SAN).
pub fn self_signed(dir: &Path, stem: &str, cn: &str, rsa: bool) -> (PathBuf, PathBuf) {
    let cert = dir.join(format!("{stem}.crt"));
    let key = dir.join(format!("{stem}.key"));
    let mut cmd = Command::new(tool("openssl"));
    cmd.args(["req", "-x509", "-nodes", "-days", "2", "-newkey"]);
    if rsa {
        cmd.arg("rsa:2048");
    } else {
        cmd.args(["ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]);
    }
    cmd.arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .args(["-subj", &format!("/CN={cn}")])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"]);
    let out = cmd.output().expect("run openssl");
    assert!(
        out.status.success(),
        "openssl req: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key)
}

impl Registry {
    /// Starts a registry and waits until it accepts connections.
    pub fn start(auth: Auth, tls: bool) -> Registry {
        let dir = tempdir();
        let port = free_port();
        let storage = dir.path().join("storage");
        std::fs::create_dir(&storage).unwrap();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: phib-test-secret\n",
            storage.display()
        );
        let mut cert = None;
        if tls {
            let (c, k) = self_signed(dir.path(), "registry", "127.0.0.1", false);
            config.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                c.display(),
                k.display()
            ));
            cert = Some(c);
        }
        match auth {
            Auth::None => {}
            Auth::Htpasswd(users) => {
                let file = dir.path().join("htpasswd");
                let mut lines = String::new();
                for (user, pass) in users {
                    let out = Command::new(tool("htpasswd"))
                        .args(["-Bbn", user, pass])
                        .output()
                        .unwrap();
                    assert!(out.status.success(), "htpasswd failed");
                    lines.push_str(String::from_utf8(out.stdout).unwrap().trim_end());
                    lines.push('\n');
                }
                std::fs::write(&file, lines).unwrap();
                config.push_str(&format!(
                    "auth:\n  htpasswd:\n    realm: phib-test\n    path: {}\n",
                    file.display()
                ));
            }
            Auth::Token(issuer) => {
                config.push_str(&format!(
                    "auth:\n  token:\n    realm: {}\n    service: {}\n    issuer: {}\n    rootcertbundle: {}\n",
                    issuer.realm(),
                    TokenIssuer::SERVICE,
                    TokenIssuer::ISSUER,
                    issuer.cert.display()
                ));
            }
        }
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();
        let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
        let child = Command::new(tool("docker-registry"))
            .arg("serve")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start docker-registry");
        let mut reg = Registry {
            child: Some(child),
            port,
            dir,
            cert,
        };
        reg.wait_ready();
        reg
    }

    fn wait_ready(&mut self) {
        let addr: SocketAddr = format!("127.0.0.1:{}", self.port).parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("docker-registry exited ({status}):\n{}", self.log());
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "registry not ready:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn storage(&self) -> PathBuf {
        self.dir.path().join("storage")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    /// Kills the registry (its port then refuses connections).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every regular file the registry keeps, relative to its storage: uploads leave
    /// `_uploads/<id>/{data,startedat}`, pushes leave blobs and links.
    pub fn stored_files(&self) -> Vec<String> {
        fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, root, out);
                } else {
                    out.push(p.strip_prefix(root).unwrap().display().to_string());
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.storage(), &self.storage(), &mut out);
        out.sort();
        out
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A token service for `auth: token`: checks Basic credentials and answers with a JWT
/// (RS256, signed by `openssl dgst -sha256 -sign`) whose header carries the signing
/// certificate in `x5c`; the registry trusts that certificate through `rootcertbundle`.
/// It grants what the scope asks for, within the [`Grants`] it was started with.
pub struct TokenIssuer {
    pub port: u16,
    pub cert: PathBuf,
    stop: Arc<AtomicBool>,
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
        let (cert, key) = self_signed(dir.path(), "issuer", Self::ISSUER, true);
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
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(stream) = conn {
                    let _ = serve(&state, stream);
                }
            }
        });
        TokenIssuer {
            port,
            cert,
            stop,
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

fn serve(state: &IssuerState, mut stream: TcpStream) -> std::io::Result<()> {
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

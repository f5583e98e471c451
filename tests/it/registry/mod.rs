//! Real registries for end-to-end tests: Debian's `docker-registry` (distribution 2.8)
//! on 127.0.0.1 with a free port and storage in a temp dir, with htpasswd auth, token
//! auth (trusting a test issuer, see [`TokenIssuer`]) or none, optionally behind TLS
//! with a self-signed certificate. The process is killed when the [`Registry`] drops.
//! Certificates and keys come from the `openssl` CLI. Beside it: the token issuer
//! (`token.rs`), a hand-made OCI image to push (`oci.rs`), and a stand-in for the
//! registries that cannot run here (`stand_in.rs`).

#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{tempdir, tool};

pub mod oci;
pub mod stand_in;
mod token;

pub use token::{Grants, TokenIssuer};

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

/// What a test certificate is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CertFor {
    /// Signing JWTs (RS256 needs RSA).
    Tokens,
    /// A registry's https: EC, with `CA:FALSE` so that a client that trusts it as its
    /// own root (the system store) also accepts it as the server certificate.
    Tls,
    /// A registry's https as `openssl req -x509` makes it by default: RSA, `CA:TRUE`.
    UsualTls,
}

/// A self-signed certificate and its key for `cn` (with `127.0.0.1` as IP SAN).
pub fn self_signed(dir: &Path, stem: &str, cn: &str, purpose: CertFor) -> (PathBuf, PathBuf) {
    let cert = dir.join(format!("{stem}.crt"));
    let key = dir.join(format!("{stem}.key"));
    let mut cmd = Command::new(tool("openssl"));
    cmd.args(["req", "-x509", "-nodes", "-days", "2", "-newkey"]);
    match purpose {
        CertFor::Tokens => {
            cmd.arg("rsa:2048");
        }
        CertFor::Tls => {
            cmd.args(["ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"])
                .args(["-addext", "basicConstraints=critical,CA:FALSE"]);
        }
        CertFor::UsualTls => {
            cmd.arg("rsa:2048");
        }
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
        Registry::start_with_cert(auth, tls.then_some(CertFor::Tls))
    }

    /// [`Registry::start`], serving https with a certificate made for `cert`.
    pub fn start_with_cert(auth: Auth, cert_for: Option<CertFor>) -> Registry {
        let dir = tempdir();
        let storage = dir.path().join("storage");
        std::fs::create_dir(&storage).unwrap();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{{PORT}}\n  secret: phib-test-secret\n",
            storage.display()
        );
        let mut cert = None;
        if let Some(purpose) = cert_for {
            let (c, k) = self_signed(dir.path(), "registry", "127.0.0.1", purpose);
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
        let mut reg = Registry {
            child: None,
            port: 0,
            dir,
            cert,
        };
        // A free port can be taken by another test between asking and binding: then the
        // registry exits at once, and it is started again on another port.
        for attempt in 1.. {
            reg.port = free_port();
            std::fs::write(
                &config_path,
                config.replace("{PORT}", &reg.port.to_string()),
            )
            .unwrap();
            let log = std::fs::File::create(reg.dir.path().join("registry.log")).unwrap();
            reg.child = Some(
                Command::new(tool("docker-registry"))
                    .arg("serve")
                    .arg(&config_path)
                    .stdin(Stdio::null())
                    .stdout(log.try_clone().unwrap())
                    .stderr(log)
                    .spawn()
                    .expect("start docker-registry"),
            );
            match reg.wait_ready() {
                Ok(()) => break,
                Err(log) if attempt < 5 && log.contains("address already in use") => continue,
                Err(log) => panic!("{log}"),
            }
        }
        reg
    }

    /// Waits until the registry accepts connections; its log when it exited first.
    fn wait_ready(&mut self) -> Result<(), String> {
        let addr: SocketAddr = format!("127.0.0.1:{}", self.port).parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                return Err(format!(
                    "docker-registry exited ({status}):\n{}",
                    self.log()
                ));
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
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

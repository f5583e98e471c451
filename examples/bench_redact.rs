//! Benchmark of the redaction (`phib::secret`): times hiding 1, 10 and 50 known logins in
//! 1 KB, 1 MB and 10 MB of helm-like output (upgrade notes, manifests with base64
//! certificates and Secrets, JSON values, URLs with `%XX` escapes), once as one buffer
//! and once line by line as phib's helm runner feeds it; and building the automaton
//! (once per change of the known set), for passwords and for a service-account keyfile.
//! Run it with `scripts/bench-redact` (release build). The goal: cost linear in the
//! output's size, and flat in the number of known secrets.

use std::time::{Duration, Instant};

use base64::Engine;
use phib::secret::Redactor;

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A small deterministic random source (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn text(&mut self, n: usize, alphabet: &[u8]) -> String {
        (0..n)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
            .collect()
    }
}

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const PW: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!@#$%&*/+";

fn logins(n: usize) -> Vec<(String, String)> {
    let mut rng = Rng(0x9e3779b97f4a7c15);
    (0..n)
        .map(|i| (format!("robot$ci-{i}"), rng.text(24, PW)))
        .collect()
}

/// One chunk of what helm prints (about 3 KB): a manifest with a certificate and a
/// Secret, values as JSON, notes with a URL; every 16th chunk shows the first login's
/// password inside a `.dockerconfigjson`, so the matching path runs too.
fn chunk(i: usize, rng: &mut Rng, login: &(String, String)) -> String {
    let cert = rng.text(1600, B64);
    let data = if i.is_multiple_of(16) {
        b64(&format!(
            r#"{{"auths":{{"reg.example.com":{{"username":"{}","password":"{}","auth":"{}"}}}}}}"#,
            login.0,
            login.1,
            b64(&format!("{}:{}", login.0, login.1))
        ))
    } else {
        rng.text(160, B64)
    };
    format!(
        "---\n# Source: primehub/templates/controller/deployment-{i}.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: primehub-controller-{i}\n  labels:\n    app.kubernetes.io/managed-by: Helm\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {data}\n  tls.crt: {cert}\n---\n{{\"customImage\":{{\"enabled\":true,\"registryEndpoint\":\"https://reg.example.com\",\"pushRepoPrefix\":\"reg.example.com/ml-{i}\",\"buildJob\":{{\"resources\":{{\"limits\":{{\"cpu\":\"2000m\",\"memory\":\"1500Mi\"}}}}}}}}}}\nNOTES: open https://hub.example.com/console?next=%2Fhub%2Fspawn&user=a%40b.c+{i} to start.\nRelease \"primehub\" has been upgraded. Happy Helming!\nNAME: primehub\nLAST DEPLOYED: Mon Jan  1 00:00:{:02} 2026\n",
        i % 60
    )
}

fn output(bytes: usize, login: &(String, String)) -> String {
    let mut rng = Rng(42);
    let mut text = String::with_capacity(bytes + 4096);
    let mut i = 0;
    while text.len() < bytes {
        text.push_str(&chunk(i, &mut rng, login));
        i += 1;
    }
    text.truncate(bytes);
    text
}

/// The best of `runs` runs: on a shared machine the minimum is the figure least disturbed
/// by other processes.
fn time<F: FnMut()>(runs: usize, mut f: F) -> Duration {
    f();
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap()
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let logins = logins(50);
    println!(
        "{:>7} {:>9} {:>12} {:>14} {:>14} {:>9}",
        "logins", "output", "build", "whole buffer", "line by line", "MB/s"
    );
    for n in [1, 10, 50] {
        let build = time(5, || {
            let mut r = Redactor::new();
            for (user, pw) in &logins[..n] {
                r.add_login(user, pw);
            }
            r.redact("");
        });
        let mut r = Redactor::new();
        for (user, pw) in &logins[..n] {
            r.add_login(user, pw);
        }
        for (label, size) in [("1 KB", 1 << 10), ("1 MB", 1 << 20), ("10 MB", 10 << 20)] {
            let text = output(size, &logins[0]);
            let runs = if size > 1 << 20 { 5 } else { 15 };
            let mut hidden = 0;
            let whole = time(runs, || {
                hidden = r.redact_bytes(text.as_bytes()).len();
            });
            let lines = time(runs, || {
                let mut n = 0;
                for line in text.as_bytes().split_inclusive(|b| *b == b'\n') {
                    n += r.redact_bytes(line).len();
                }
                assert!(n > 0);
            });
            let shown = String::from_utf8(r.redact_bytes(text.as_bytes())).unwrap();
            assert!(!shown.contains(&logins[0].1), "a password shows");
            assert!(
                size < 64 << 10 || shown.contains("<redacted>"),
                "nothing hidden"
            );
            let _ = hidden;
            println!(
                "{n:>7} {label:>9} {:>12} {:>14} {:>14} {:>9.0}",
                ms(build),
                ms(whole),
                ms(lines),
                size as f64 / 1e6 / whole.as_secs_f64()
            );
        }
    }
    // A service-account keyfile is the longest password phib holds.
    let key: String = Rng(7).text(1600, B64);
    let keyfile = format!(
        r#"{{"type":"service_account","project_id":"p","private_key_id":"0a1b","private_key":"-----BEGIN PRIVATE KEY-----\n{key}\n-----END PRIVATE KEY-----\n","client_email":"b@p.iam.gserviceaccount.com","token_uri":"https://oauth2.googleapis.com/token"}}"#
    );
    let build = time(5, || {
        let mut r = Redactor::new();
        r.add_login("_json_key", &keyfile);
        r.redact("");
    });
    println!(
        "building for one keyfile login ({} bytes): {}",
        keyfile.len(),
        ms(build)
    );
}

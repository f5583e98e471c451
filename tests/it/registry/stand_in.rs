//! Stand-ins for registries that cannot run here (ECR, Artifact Registry), or for
//! answers a real registry never gives (an upload `Location` on another host), answering
//! only what a test needs from them.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::mpsc;

/// A stand-in for ECR or Artifact Registry, which cannot run here: Basic login works,
/// and an upload to a repository that was not created first answers 404 NAME_UNKNOWN,
/// with the body ECR sends. Serves `requests` requests, one per connection.
pub fn name_unknown_registry(requests: usize) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        // One more connection: phib tries https first under insecureSkipVerify.
        for stream in listener.incoming().take(requests + 1) {
            let mut stream = stream.unwrap();
            let mut first = [0u8; 1];
            if matches!(stream.peek(&mut first), Ok(1) if first[0] == 0x16) {
                // A TLS hello: this stand-in speaks plain http only.
                continue;
            }
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            reader.read_line(&mut request).unwrap();
            let mut authorized = false;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line.trim().is_empty() {
                    break;
                }
                authorized |= line
                    .to_ascii_lowercase()
                    .starts_with("authorization: basic ");
            }
            let (status, extra, body) = match (request.split(' ').next(), authorized) {
                (Some("POST"), true) => (
                    "404 Not Found",
                    "",
                    r#"{"errors":[{"code":"NAME_UNKNOWN","message":"The repository with name 'team/app' does not exist in the registry with id '123456789012'"}]}"#,
                ),
                (_, true) => ("200 OK", "", "{}"),
                (_, false) => (
                    "401 Unauthorized",
                    "WWW-Authenticate: Basic realm=\"stand-in\"\r\n",
                    "{}",
                ),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\n{extra}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    host
}

/// Reads one request: its request line and its header lines (as sent, trimmed).
/// `None` for what is not plain HTTP (phib tries https first).
fn read_request(stream: &TcpStream) -> Option<(String, Vec<String>)> {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = || {
        let mut bytes = Vec::new();
        reader.read_until(b'\n', &mut bytes).ok()?;
        Some(String::from_utf8(bytes).ok()?.trim().to_string())
    };
    let request = line().filter(|r| r.ends_with("HTTP/1.1"))?;
    let mut headers = Vec::new();
    loop {
        let header = line()?;
        if header.is_empty() {
            break;
        }
        headers.push(header);
    }
    Some((request, headers))
}

fn answer(stream: &mut TcpStream, status: &str, extra: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\n{extra}Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    );
}

/// A registry with Basic login whose upload `Location` points at another host: a
/// listener on 127.0.0.3 (another address and port) that answers `204` and hands the
/// test each request it gets there (request line, then header lines). Returns the
/// registry's `host:port` and that receiver.
pub fn foreign_location_registry() -> (String, mpsc::Receiver<Vec<String>>) {
    let elsewhere = std::net::TcpListener::bind("127.0.0.3:0").unwrap();
    let other = elsewhere.local_addr().unwrap().to_string();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in elsewhere.incoming().take(4) {
            let mut stream = stream.unwrap();
            let Some((request, headers)) = read_request(&stream) else {
                continue;
            };
            answer(&mut stream, "204 No Content", "");
            let _ = tx.send(std::iter::once(request).chain(headers).collect());
        }
    });
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let mut stream = stream.unwrap();
            let Some((request, headers)) = read_request(&stream) else {
                continue;
            };
            let authorized = headers
                .iter()
                .any(|h| h.to_ascii_lowercase().starts_with("authorization: basic "));
            match (request.split(' ').next(), authorized) {
                (Some("POST"), true) => answer(
                    &mut stream,
                    "202 Accepted",
                    &format!("Location: http://{other}/upload/abc\r\n"),
                ),
                (_, true) => answer(&mut stream, "200 OK", ""),
                (_, false) => answer(
                    &mut stream,
                    "401 Unauthorized",
                    "WWW-Authenticate: Basic realm=\"stand-in\"\r\n",
                ),
            }
        }
    });
    (host, rx)
}

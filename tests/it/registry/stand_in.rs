//! Stand-ins for registries that cannot run here (ECR, Artifact Registry), answering
//! only what a test needs from them, as they answer it.

use std::io::{BufRead, BufReader, Write};

/// A stand-in for ECR or Artifact Registry, which cannot run here: Basic login works,
/// and an upload to a repository that was not created first answers 404 NAME_UNKNOWN,
/// with the body ECR sends. Serves `requests` requests, one per connection.
pub fn name_unknown_registry(requests: usize) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.unwrap();
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

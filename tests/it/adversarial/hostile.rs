//! A hostile HTTP server on a loopback address: it answers each request with whatever
//! bytes the test's handler returns (a redirect, a downgraded realm, megabytes of
//! header, a malformed challenge, control characters, nothing at all), and records
//! every request it got, so that a test can assert where credentials went.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the server read it.
#[derive(Clone, Debug)]
pub struct Req {
    pub method: String,
    pub path: String,
    /// Header lines as sent (`Name: value`), in order.
    pub headers: Vec<String>,
}

impl Req {
    /// The value of header `name` (case-insensitive), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find_map(|h| {
            let (k, v) = h.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    pub fn has_auth(&self) -> bool {
        self.header("authorization").is_some()
    }
}

/// What the server does with one request.
pub enum Reply {
    /// These bytes, then the connection is closed.
    Raw(Vec<u8>),
    /// Nothing, for this long (or until the client gives up), then close.
    Silence(Duration),
    /// Close at once without a byte.
    Close,
}

/// An answer with a status line, extra header lines (each ending in `\r\n`) and a body.
pub fn reply(status: &str, headers: &str, body: &[u8]) -> Reply {
    let mut out = format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    Reply::Raw(out)
}

/// A 401 with this `WWW-Authenticate` value (raw: the test may put anything in it).
pub fn challenge(value: &str) -> Reply {
    reply(
        "401 Unauthorized",
        &format!("WWW-Authenticate: {value}\r\nContent-Type: application/json\r\n"),
        b"{}",
    )
}

type Handler = dyn Fn(&Req) -> Reply + Send + Sync;

pub struct Hostile {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Req>>>,
    stop: Arc<AtomicBool>,
}

impl Hostile {
    /// Starts a server on `ip` (a loopback address, e.g. `127.0.0.2` for "another
    /// host") on a free port.
    pub fn start_on(ip: &str, handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Hostile {
        let listener = TcpListener::bind((ip, 0)).expect("bind a loopback port");
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let (reqs, stop2) = (requests.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = conn else { continue };
                let (handler, reqs) = (handler.clone(), reqs.clone());
                std::thread::spawn(move || serve(stream, &*handler, &reqs));
            }
        });
        Hostile {
            addr,
            requests,
            stop,
        }
    }

    /// [`Hostile::start_on`] on 127.0.0.1.
    pub fn start(handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Hostile {
        Hostile::start_on("127.0.0.1", handler)
    }

    /// `IP:PORT`.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    pub fn requests(&self) -> Vec<Req> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

fn serve(stream: TcpStream, handler: &Handler, reqs: &Mutex<Vec<Req>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    // A TLS hello (phib tries https first): this server speaks only plain http, and
    // answers as a plain http server does.
    let mut first = [0u8; 1];
    if matches!(stream.peek(&mut first), Ok(1) if first[0] == 0x16) {
        let mut stream = stream;
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
        let _ = stream.shutdown(std::net::Shutdown::Write);
        std::thread::sleep(Duration::from_millis(50));
        return;
    }
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let Some(req) = read_request(&mut reader) else {
        return;
    };
    reqs.lock().unwrap().push(req.clone());
    let mut stream = stream;
    match handler(&req) {
        Reply::Raw(bytes) => {
            let _ = stream.write_all(&bytes);
            let _ = stream.flush();
        }
        Reply::Silence(d) => {
            // Hold the connection open; stop early when the client hangs up.
            let _ = stream.set_read_timeout(Some(d));
            let mut buf = [0u8; 64];
            let _ = reader.read(&mut buf);
        }
        Reply::Close => {}
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Req> {
    let mut line = String::new();
    let mut next = |line: &mut String| {
        line.clear();
        let mut bytes = Vec::new();
        reader.read_until(b'\n', &mut bytes).ok()?;
        *line = String::from_utf8_lossy(&bytes).trim_end().to_string();
        Some(())
    };
    next(&mut line)?;
    let mut parts = line.split(' ');
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    if !line.ends_with("HTTP/1.1") && !line.ends_with("HTTP/1.0") {
        // A TLS hello or garbage: not HTTP.
        return None;
    }
    let mut headers = Vec::new();
    loop {
        next(&mut line)?;
        if line.is_empty() {
            break;
        }
        headers.push(line.clone());
    }
    Some(Req {
        method,
        path,
        headers,
    })
}

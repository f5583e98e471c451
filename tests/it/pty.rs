//! A real pseudo-terminal for the wizard tests: the real `phib` binary runs with the
//! pty as its controlling terminal (so Ctrl-C is a real SIGINT-generating key), in a
//! fixed 80x24 window, with the harness's cleared environment, `TERM` set, and `HOME`
//! and `PATH` pointing where the test says.

use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use rexpect::session::{Options, StreamSession};

use crate::util;

/// The window every wizard test runs in: the smallest the wizard promises to fit.
pub const ROWS: u16 = 24;
pub const COLS: u16 = 80;

pub struct Pty {
    session: StreamSession<File>,
    child: Child,
    /// Everything phib printed that the test has read so far, escape codes included.
    pub transcript: String,
}

fn cloexec(fd: &OwnedFd) {
    // SAFETY: plain fcntl on an fd we own.
    unsafe {
        libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC);
    }
}

impl Pty {
    /// Starts `phib ARGS` in `dir` on a new 80x24 pseudo-terminal. `HOME` is `dir`;
    /// `PATH` is `path` (so a test decides whether `helm` can be found); `env` sets
    /// (`Some`) or removes (`None`) more variables.
    pub fn spawn(dir: &Path, args: &[&str], path: &str, env: &[(&str, Option<&str>)]) -> Pty {
        let size = libc::winsize {
            ws_row: ROWS,
            ws_col: COLS,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let (mut m, mut s) = (0, 0);
        // SAFETY: openpty fills two fds; we take ownership of both at once.
        let rc = unsafe {
            libc::openpty(
                &mut m,
                &mut s,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        let (master, slave) = unsafe { (OwnedFd::from_raw_fd(m), OwnedFd::from_raw_fd(s)) };
        // Other tests spawn processes concurrently: they must not inherit this pty.
        cloexec(&master);
        cloexec(&slave);

        let mut cmd = util::phib();
        cmd.args(args)
            .current_dir(dir)
            .env("TERM", "xterm-256color")
            .env("HOME", dir)
            .env("PATH", path)
            .env("COLUMNS", COLS.to_string())
            .env("LINES", ROWS.to_string());
        for (k, v) in env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd.stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn phib on a pty");
        drop(cmd); // closes the parent's copies of the slave side
        let reader = File::from(master.try_clone().unwrap());
        let session = StreamSession::new(
            reader,
            File::from(master),
            Options::new().timeout_ms(Some(30_000)),
        );
        Pty {
            session,
            child,
            transcript: String::new(),
        }
    }

    /// Waits until phib prints `needle`; fails with the transcript when it does not.
    pub fn expect(&mut self, needle: &str) -> &mut Self {
        match self.session.exp_string(needle) {
            Ok(before) => {
                self.transcript.push_str(&before);
                self.transcript.push_str(needle);
            }
            Err(e) => panic!(
                "waiting for {needle:?}: {e}\n--- transcript so far (escapes stripped)\n{}",
                strip_escapes(&self.transcript)
            ),
        }
        self
    }

    /// Sends raw bytes (keys).
    pub fn send(&mut self, keys: &str) -> &mut Self {
        self.session.send(keys).expect("send");
        self.session.flush().expect("flush");
        self
    }

    /// Types a line and presses Enter.
    pub fn line(&mut self, text: &str) -> &mut Self {
        self.send(text).send("\r")
    }

    /// Waits for `prompt`, then types `answer` and Enter.
    pub fn answer(&mut self, prompt: &str, answer: &str) -> &mut Self {
        self.expect(prompt).line(answer)
    }

    /// Reads to the end and returns phib's exit status.
    pub fn finish(mut self) -> (Option<i32>, String) {
        if let Ok(rest) = self.session.exp_eof() {
            self.transcript.push_str(&rest);
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(st) = self.child.try_wait().expect("wait") {
                break st;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("phib did not exit\n{}", strip_escapes(&self.transcript));
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        (status.code(), self.transcript)
    }

    /// Reads to the end; phib's exit status and the screen as text ([`strip_escapes`]).
    pub fn finish_screen(self) -> (Option<i32>, String) {
        let (code, out) = self.finish();
        (code, strip_escapes(&out))
    }
}

/// The transcript as text: CSI and OSC escape sequences removed, `\r` dropped.
pub fn strip_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    for c in chars.by_ref() {
                        if c == '\u{7}' {
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

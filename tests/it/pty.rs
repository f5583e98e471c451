//! A real pseudo-terminal for the wizard tests: the real `phib` binary runs with the
//! pty as its controlling terminal (so Ctrl-C is a real SIGINT-generating key), in an
//! 80x24 window (or the size a test gives), with the harness's cleared environment,
//! `TERM` set, and `HOME` and `PATH` pointing where the test says. [`Pty::screen`] reads
//! what phib printed as a terminal shows it: a terminal emulator's cell grid, scrollback
//! included, with the rows the terminal had to wrap marked.

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
    /// The master side, to read the terminal's mode (the session owns the fd).
    master_fd: i32,
    rows: u16,
    cols: u16,
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
        Pty::spawn_sized(dir, args, path, env, ROWS, COLS)
    }

    /// [`Pty::spawn`] in a `rows` x `cols` window.
    pub fn spawn_sized(
        dir: &Path,
        args: &[&str],
        path: &str,
        env: &[(&str, Option<&str>)],
        rows: u16,
        cols: u16,
    ) -> Pty {
        let size = libc::winsize {
            ws_row: rows,
            ws_col: cols,
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
            .env("COLUMNS", cols.to_string())
            .env("LINES", rows.to_string());
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
        let master_fd = master.as_raw_fd();
        let reader = File::from(master.try_clone().unwrap());
        let session = StreamSession::new(
            reader,
            File::from(master),
            Options::new().timeout_ms(Some(30_000)),
        );
        Pty {
            session,
            child,
            master_fd,
            rows,
            cols,
            transcript: String::new(),
        }
    }

    /// Reads what phib prints until it has printed nothing for `quiet` (or has exited).
    pub fn read_until_quiet(&mut self, quiet: Duration) -> &mut Self {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut last = Instant::now();
        while last.elapsed() < quiet && Instant::now() < deadline {
            match self.session.try_read() {
                Some(c) => {
                    self.transcript.push(c);
                    last = Instant::now();
                }
                None => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        self
    }

    /// Waits until phib reads keys one by one (the terminal is out of line mode), so
    /// that keys sent next are not echoed and edited by the terminal first. False when
    /// that did not happen within `timeout`.
    pub fn wait_for_raw_mode(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            // SAFETY: tcgetattr fills a zeroed termios for an fd the session keeps open.
            let raw = unsafe {
                let mut mode: libc::termios = std::mem::zeroed();
                libc::tcgetattr(self.master_fd, &mut mode) == 0 && mode.c_lflag & libc::ICANON == 0
            };
            if raw {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    /// Types `keys` as a person does: one key at a time, each once phib is reading keys
    /// (between two keys the terminal is briefly back in line mode, where it would echo
    /// a key itself).
    pub fn type_keys(&mut self, keys: &str) -> &mut Self {
        for c in keys.chars() {
            self.wait_for_raw_mode(Duration::from_secs(5));
            self.send(c.encode_utf8(&mut [0; 4]));
            std::thread::sleep(Duration::from_millis(15));
        }
        self
    }

    /// Whether phib has exited.
    pub fn exited(&mut self) -> bool {
        self.child.try_wait().expect("wait").is_some()
    }

    /// What the terminal shows for everything read so far.
    pub fn screen(&self) -> Screen {
        Screen::of(&self.transcript, self.rows, self.cols)
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

/// One row of the terminal.
#[derive(Debug, Clone)]
pub struct Row {
    pub text: String,
    /// The terminal wrapped this row's text onto the next row: the line printed was
    /// wider than the window.
    pub wrapped: bool,
}

/// The terminal's rows, as a terminal emulator (`vt100`) fed the transcript shows them.
#[derive(Debug, Clone)]
pub struct Screen {
    pub cols: u16,
    /// The scrollback then the window, top to bottom, trailing blank rows dropped.
    pub rows: Vec<Row>,
    /// The rows of the window alone (`rows` ends with them).
    pub window: usize,
    /// The cursor's row within the window.
    pub cursor_row: usize,
}

impl Screen {
    pub fn of(transcript: &str, rows: u16, cols: u16) -> Screen {
        let size = |n: u16| std::num::NonZeroU16::new(n).unwrap();
        let mut parser = vt100::Parser::new(size(rows), size(cols), 100_000);
        // rexpect reads bytes as chars, one each: turn them back into the bytes.
        let bytes: Vec<u8> = if transcript.chars().all(|c| (c as u32) < 256) {
            transcript.chars().map(|c| c as u32 as u8).collect()
        } else {
            transcript.as_bytes().to_vec()
        };
        parser.process(&bytes);
        let screen = parser.screen_mut();
        let history = {
            screen.set_scrollback(usize::MAX);
            screen.scrollback()
        };
        let mut out = Vec::new();
        for offset in (1..=history).rev() {
            screen.set_scrollback(offset);
            let text = screen.rows(0, cols).next().unwrap_or_default();
            out.push(Row {
                text,
                wrapped: screen.row_wrapped(0),
            });
        }
        screen.set_scrollback(0);
        let texts: Vec<String> = screen.rows(0, cols).collect();
        for (i, text) in texts.into_iter().enumerate() {
            out.push(Row {
                text,
                wrapped: screen.row_wrapped(i as u16),
            });
        }
        let cursor_row = usize::from(screen.cursor_position().0);
        let window = usize::from(rows);
        let first_of_window = out.len() - window;
        // Blank rows below both the cursor and the last text are not output.
        while out.len() > first_of_window + cursor_row + 1
            && out.last().is_some_and(|r| r.text.trim().is_empty())
        {
            out.pop();
        }
        let window = out.len() - first_of_window;
        Screen {
            cols,
            rows: out,
            window,
            cursor_row,
        }
    }

    /// Every row as text, one per line.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for row in &self.rows {
            s.push_str(row.text.trim_end());
            s.push('\n');
        }
        s
    }

    /// The rows of the window.
    pub fn window_rows(&self) -> &[Row] {
        &self.rows[self.rows.len() - self.window..]
    }

    /// The logical line the cursor is on: its row, joined with the rows above it that
    /// wrapped into it.
    pub fn cursor_line(&self) -> String {
        let rows = self.window_rows();
        let Some(at) = rows
            .len()
            .checked_sub(1)
            .map(|last| self.cursor_row.min(last))
        else {
            return String::new();
        };
        let mut start = at;
        while start > 0 && rows[start - 1].wrapped {
            start -= 1;
        }
        rows[start..=at].iter().map(|r| r.text.as_str()).collect()
    }

    /// Asserts that no row was wider than the window.
    pub fn assert_no_wrapped_row(&self, what: &str) {
        let wrapped: Vec<&str> = self
            .rows
            .iter()
            .filter(|r| r.wrapped)
            .map(|r| r.text.as_str())
            .collect();
        assert!(
            wrapped.is_empty(),
            "{what}: lines wider than {} columns, wrapped by the terminal:\n{}\n--- screen\n{}",
            self.cols,
            wrapped.join("\n"),
            self.text()
        );
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

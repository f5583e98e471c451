//! A real pseudo-terminal for the wizard tests: the real `phib` binary runs with the
//! pty as its controlling terminal (so Ctrl-C is a real SIGINT-generating key), in an
//! 80x24 window (or the size a test gives), with the harness's cleared environment,
//! `TERM` set, and `HOME` and `PATH` pointing where the test says. [`Pty::screen`] reads
//! what phib printed as a terminal shows it: a terminal emulator's cell grid, scrollback
//! included, with the rows the terminal had to wrap marked.
//!
//! Nothing here depends on timing. A test types only once the screen shows what it
//! waits for and phib waits for a key ([`Pty::waits_for_key`]: the key before read, the
//! terminal out of echoing line mode, phib asleep in its read), so a key is never echoed
//! by the terminal or read by the wrong question, however slow the machine. Every
//! wait has one generous deadline, [`DEADLINE`], after which the test fails with the
//! screen.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::util;

/// The window every wizard test runs in: the smallest the wizard promises to fit.
pub const ROWS: u16 = 24;
pub const COLS: u16 = 80;

/// How long any wait may take before the test fails: long enough for a loaded machine.
pub const DEADLINE: Duration = Duration::from_secs(120);

pub struct Pty {
    master: OwnedFd,
    child: Child,
    rows: u16,
    cols: u16,
    /// Everything phib printed that the test has read so far, escape codes included.
    bytes: Vec<u8>,
    /// Where [`Pty::expect`] searches from: the end of the last match.
    seen: usize,
    /// The terminal's slave side is closed: phib and all it started have exited.
    eof: bool,
    /// How many bytes phib had read when the last key was typed.
    read_before_key: Option<u64>,
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
        // SAFETY: plain fcntl on an fd we own: reads return at once when nothing is there.
        unsafe {
            let flags = libc::fcntl(master.as_raw_fd(), libc::F_GETFL);
            libc::fcntl(master.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK);
        }

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
        Pty {
            master,
            child,
            rows,
            cols,
            bytes: Vec::new(),
            seen: 0,
            eof: false,
            read_before_key: None,
        }
    }

    /// Reads everything phib has printed so far.
    fn pump(&mut self) {
        let mut buf = [0u8; 4096];
        while !self.eof {
            // SAFETY: reading into a buffer we own from an fd we own.
            let n =
                unsafe { libc::read(self.master.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if n > 0 {
                self.bytes.extend_from_slice(&buf[..n as usize]);
                continue;
            }
            let err = std::io::Error::last_os_error();
            match err.raw_os_error() {
                _ if n == 0 => self.eof = true,
                Some(libc::EAGAIN) => break,
                Some(libc::EINTR) => continue,
                // EIO: every process holding the slave side has closed it.
                _ => self.eof = true,
            }
        }
    }

    /// Waits for phib to print more, or 10 ms: how late a change of the terminal's mode,
    /// which no fd reports, is seen.
    fn wait_a_little(&mut self) {
        let mut fds = libc::pollfd {
            fd: self.master.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll on one fd we own.
        unsafe { libc::poll(&mut fds, 1, 10) };
    }

    /// Waits until `done` holds, reading what phib prints meanwhile; fails with the
    /// screen after [`DEADLINE`], or when phib has exited and `done` still does not hold.
    pub fn wait_until(&mut self, what: &str, mut done: impl FnMut(&mut Pty) -> bool) -> &mut Self {
        let deadline = Instant::now() + DEADLINE;
        loop {
            self.pump();
            // Whether phib is gone, found before `done` looks: once gone, nothing changes.
            let gone = self.eof && self.exited();
            if done(self) {
                return self;
            }
            if gone || Instant::now() > deadline {
                let why = if gone { "phib exited" } else { "timed out" };
                panic!(
                    "waiting for {what}: {why}\n--- screen\n{}",
                    self.screen().text()
                );
            }
            self.wait_a_little();
        }
    }

    /// The terminal's mode, as phib last set it.
    fn termios(&self) -> Option<libc::termios> {
        // SAFETY: tcgetattr fills a zeroed termios for an fd we own.
        unsafe {
            let mut mode: libc::termios = std::mem::zeroed();
            (libc::tcgetattr(self.master.as_raw_fd(), &mut mode) == 0).then_some(mode)
        }
    }

    /// How many bytes phib has read, from any file (`/proc/PID/io`, `rchar`).
    fn bytes_read(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/io", self.child.id()))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("rchar: "))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Whether phib is asleep (its main thread blocked, in a read when the terminal is
    /// in raw mode), as `/proc` tells.
    fn asleep(&self) -> bool {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // `PID (COMM) STATE …`: COMM may hold spaces, so read after the last `)`.
        stat.rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('S'))
    }

    /// Whether phib waits for a key: it has read the last key sent (the count of bytes it
    /// read grew since: it was asleep in that read when the key was sent), the terminal
    /// does not echo (phib reads keys one by one in raw mode), and phib is asleep, in its
    /// read. A key sent now is neither echoed by the terminal nor read by the wrong
    /// question. (The kernel hands keys and output across the pty asynchronously, so
    /// what the terminal holds, or what has arrived, tells nothing exact.) The mode is read
    /// twice, around the other checks, so that a mode phib was just leaving does not count.
    pub fn waits_for_key(&mut self) -> bool {
        let quiet = |t: &Pty| t.termios().is_some_and(|m| m.c_lflag & libc::ECHO == 0);
        let consumed = self.read_before_key.is_none_or(|n| self.bytes_read() > n);
        consumed && quiet(self) && self.asleep() && quiet(self)
    }

    /// Waits until the window shows `needle` (wrapped rows joined) and phib waits for a
    /// key: the question is on screen and may be answered.
    pub fn at(&mut self, needle: &str) -> &mut Self {
        self.wait_until(&format!("the question {needle:?}"), |t| {
            t.screen().window_lines().iter().any(|l| l.contains(needle)) && t.waits_for_key()
        })
    }

    /// Waits until phib waits for the next key (after a key that changed nothing yet).
    pub fn await_key(&mut self) -> &mut Self {
        self.wait_until("phib to wait for a key", Pty::waits_for_key)
    }

    /// Types `keys` as a person does: one key at a time, each once phib waits for it.
    pub fn type_keys(&mut self, keys: &str) -> &mut Self {
        for c in keys.chars() {
            self.await_key();
            let read = self.bytes_read();
            self.send(c.encode_utf8(&mut [0; 4]));
            self.read_before_key = Some(read);
        }
        self
    }

    /// Whether phib has exited.
    pub fn exited(&mut self) -> bool {
        self.child.try_wait().expect("wait").is_some()
    }

    /// What phib printed so far, escape codes included.
    pub fn transcript(&self) -> String {
        self.printed_since(0)
    }

    /// How much phib has printed so far: a mark for [`Pty::printed_since`].
    pub fn printed(&self) -> usize {
        self.bytes.len()
    }

    /// What phib printed after `mark`, escape codes included.
    pub fn printed_since(&self, mark: usize) -> String {
        String::from_utf8_lossy(&self.bytes[mark..]).into_owned()
    }

    /// What the terminal shows for everything read so far.
    pub fn screen(&self) -> Screen {
        Screen::of(&self.transcript(), self.rows, self.cols)
    }

    /// Waits until phib prints `needle` after what earlier calls found; fails with the
    /// transcript when it does not.
    pub fn expect(&mut self, needle: &str) -> &mut Self {
        let find = |t: &Pty| {
            t.bytes[t.seen..]
                .windows(needle.len())
                .position(|w| w == needle.as_bytes())
                .map(|at| t.seen + at + needle.len())
        };
        let mut end = None;
        self.wait_until(&format!("{needle:?} to be printed"), |t| {
            end = find(t);
            end.is_some()
        });
        self.seen = end.unwrap();
        self
    }

    /// Sends raw bytes (keys) at once, whatever phib is doing.
    pub fn send(&mut self, keys: &str) -> &mut Self {
        let mut rest = keys.as_bytes();
        let deadline = Instant::now() + DEADLINE;
        while !rest.is_empty() {
            // SAFETY: writing from a buffer we own to an fd we own.
            let n =
                unsafe { libc::write(self.master.as_raw_fd(), rest.as_ptr().cast(), rest.len()) };
            if n > 0 {
                rest = &rest[n as usize..];
                continue;
            }
            let err = std::io::Error::last_os_error();
            assert!(
                matches!(err.raw_os_error(), Some(libc::EAGAIN | libc::EINTR))
                    && Instant::now() < deadline,
                "send {keys:?}: {err}"
            );
            self.pump();
            self.wait_a_little();
        }
        self
    }

    /// Waits for the question `prompt`, then types `answer` and Enter.
    pub fn answer(&mut self, prompt: &str, answer: &str) -> &mut Self {
        self.at(prompt).type_keys(answer).type_keys("\r")
    }

    /// Reads to the end and returns phib's exit status and the transcript.
    pub fn finish(mut self) -> (Option<i32>, String) {
        self.wait_until("phib to exit", |t| t.eof && t.exited());
        let status = self.child.wait().expect("wait");
        (status.code(), self.transcript())
    }

    /// Reads to the end; phib's exit status and the screen as text ([`strip_escapes`]).
    pub fn finish_screen(self) -> (Option<i32>, String) {
        let (code, out) = self.finish();
        (code, strip_escapes(&out))
    }
}

impl Drop for Pty {
    /// A test that failed midway leaves no phib waiting at a question.
    fn drop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(Some(_))) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
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
        parser.process(transcript.as_bytes());
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

    /// The window's logical lines: rows the terminal wrapped joined with the next.
    pub fn window_lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = String::new();
        for row in self.window_rows() {
            cur.push_str(&row.text);
            if !row.wrapped {
                out.push(std::mem::take(&mut cur));
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
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

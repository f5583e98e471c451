//! The terminal out: the one writer of everything phib prints on standard output and
//! standard error. Whatever a line holds — phib's words, or what came from a values
//! file, a manifest, an argument, a registry, helm or kubectl — it passes through
//! [`clean`] on its way out: every secret phib has learned is hidden
//! ([`crate::secret::redact`]) and every control character a terminal would act on is
//! shown as an escape ([`crate::error::printable`]). On a terminal, lines are wrapped at
//! word boundaries to its width with a hanging indent; elsewhere (a pipe, a file)
//! lines stay whole, as scripts read them. [`Raw`] is the one way to print bytes
//! untouched, for what the user asked to see as it is (`render --stdout`,
//! `show --show-secrets`, `compact`, completions, man pages).
//!
//! A test (`tests/it/gates.rs`) fails when code elsewhere prints.

use std::io::{IsTerminal, Write};

use crate::{Error, Result};

/// Which stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Out,
    Err,
}

impl Stream {
    /// Whether the stream is a terminal (a person reads it).
    pub fn is_terminal(self) -> bool {
        match self {
            Stream::Out => std::io::stdout().is_terminal(),
            Stream::Err => std::io::stderr().is_terminal(),
        }
    }
}

/// The narrowest terminal phib lays its text out for; narrower ones get lines of this
/// width, which the terminal folds.
pub const MIN_COLUMNS: usize = 40;

/// The width lines on `stream` are wrapped to: the terminal's columns less one (a line
/// that fills the last column makes some terminals add an empty line), `None` when the
/// stream is not a terminal.
pub fn columns(stream: Stream) -> Option<usize> {
    if !stream.is_terminal() {
        return None;
    }
    let size = match stream {
        Stream::Out => rustix::termios::tcgetwinsize(std::io::stdout()),
        Stream::Err => rustix::termios::tcgetwinsize(std::io::stderr()),
    };
    match size {
        Ok(ws) if ws.ws_col > 0 => Some((usize::from(ws.ws_col) - 1).max(MIN_COLUMNS)),
        // A terminal that does not say: the classic width.
        _ => Some(79),
    }
}

/// `text` as it may be shown: every secret learned so far hidden, then every control
/// character made visible. Also for text another library prints (the wizard's prompts).
pub fn clean(text: &str) -> String {
    crate::error::printable(&crate::secret::redact(text)).into_owned()
}

/// Bytes printed exactly as they are: the one way past [`clean`]. Each constructor
/// says why.
#[derive(Debug, Clone, Copy)]
pub struct Raw<'a>(&'a [u8]);

impl<'a> Raw<'a> {
    /// What the user asked to see with its secrets (`render --stdout`,
    /// `show --show-secrets`).
    pub fn secrets_asked_for(bytes: &'a [u8]) -> Raw<'a> {
        Raw(bytes)
    }

    /// A format that must stay byte for byte (`compact`'s JSON, which escapes control
    /// characters itself; completions; man pages), and holds no secret phib knows.
    pub fn exact_format(bytes: &'a [u8]) -> Raw<'a> {
        Raw(bytes)
    }
}

/// Prints `text` on standard output: cleaned, and wrapped when standard output is a
/// terminal. A closed pipe is not an error.
pub fn print(text: &str) -> Result<()> {
    let shown = lay_out(&clean(text), columns(Stream::Out), Hang::Message);
    write_out(shown.as_bytes())
}

/// Prints data on standard output (JSON, a YAML block, a diff): cleaned, but never
/// wrapped, so that it can be read back or pasted whatever the terminal's width.
pub fn print_data(text: &str) -> Result<()> {
    write_out(clean(text).as_bytes())
}

/// Prints `raw` on standard output as it is.
pub fn print_raw(raw: Raw) -> Result<()> {
    write_out(raw.0)
}

/// How many times the gate has written: a mark to tell whether anything was shown
/// since (the wizard redraws an answer it refuses only when nothing was).
pub fn writes() -> usize {
    WRITES.load(std::sync::atomic::Ordering::SeqCst)
}

static WRITES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn wrote() {
    WRITES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
}

fn write_out(bytes: &[u8]) -> Result<()> {
    wrote();
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::failed(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}

/// Says `text` on standard error (one or more lines; an empty text is an empty line):
/// cleaned, wrapped on a terminal.
pub fn say(text: &str) {
    let shown = match text {
        "" => "\n".to_string(),
        text => lay_out(&clean(text), columns(Stream::Err), Hang::Message),
    };
    write_err(shown.as_bytes());
}

fn write_err(bytes: &[u8]) {
    wrote();
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(bytes).and_then(|()| err.flush());
}

/// `phib: TEXT` on standard error.
pub fn note(text: &str) {
    say(&format!("phib: {text}"));
}

/// A shell command on standard error, on rows of its own: laid out by [`command`] (on
/// a terminal broken between words with `\`, elsewhere one line), cleaned, and never
/// wrapped like prose, which could break it inside its quotes.
pub fn say_command(words: &[String], indent: &str) {
    let shown = clean(&command(words, indent, Stream::Err));
    write_err(format!("{shown}\n").as_bytes());
}

/// `phib: warning: TEXT` on standard error. The command still succeeds.
pub fn warn(text: &str) {
    say(&format!("phib: warning: {text}"));
}

/// The error `main` reports: `phib: MESSAGE`, then `help: HELP`; nothing for an error
/// already shown ([`Error::shown`]).
pub fn error(err: &Error) {
    if err.message.is_empty() {
        return;
    }
    let mut text = format!("phib: {}", err.message);
    if let Some(help) = &err.help {
        text.push_str(&format!("\nhelp: {help}"));
    }
    say(&text);
}

/// The mark a checklist line starts with: `phib verify`'s steps, `phib doctor`'s
/// findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Ok,
    Warn,
    Fail,
}

impl Mark {
    /// The mark as shown, four columns wide.
    fn label(self) -> &'static str {
        match self {
            Mark::Ok => "ok  ",
            Mark::Warn => "warn",
            Mark::Fail => "FAIL",
        }
    }
}

/// Where a checklist line's text starts: after its mark and two spaces.
pub const CHECK_INDENT: usize = 6;

/// One checklist line: `ok    TEXT`, `warn  TEXT`, `FAIL  TEXT`. On a terminal a long
/// one goes on under its text ([`print_checklist`], [`lines`]).
pub fn check_line(mark: Mark, text: &str) -> String {
    format!("{:<width$}{text}", mark.label(), width = CHECK_INDENT)
}

/// How far the rows of a wrapped line after its first are indented, beyond the line's
/// own indentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hang {
    /// Two columns: messages (`phib: …`, `help: …`).
    Message,
    /// Under the line's text, after its label: a checklist mark and its spaces
    /// (`ok    `, `FAIL  `: [`CHECK_INDENT`]), or a detail's `fix: ` under it.
    Checklist,
}

impl Hang {
    /// The hang of `line` (its indentation left out).
    fn of(self, line: &str) -> usize {
        let text = line.trim_start();
        match self {
            Hang::Message => 2,
            Hang::Checklist => {
                let marked = [Mark::Ok, Mark::Warn, Mark::Fail]
                    .iter()
                    .any(|m| text.starts_with(&check_line(*m, "")));
                if marked {
                    return CHECK_INDENT;
                }
                // `fix: …` and the like: a one-word label ending in a colon.
                match text.split_once(' ') {
                    Some((label, _)) if label.ends_with(':') && label.len() < 12 => label.len() + 1,
                    _ => 2,
                }
            }
        }
    }
}

/// Prints a checklist (`phib doctor`'s report) on standard output, as [`print`] does;
/// on a terminal each long line goes on under its text.
pub fn print_checklist(text: &str) -> Result<()> {
    let shown = lay_out(&clean(text), columns(Stream::Out), Hang::Checklist);
    write_out(shown.as_bytes())
}

/// A line writer for code that reports step by step (`phib verify`): each whole line
/// written to it is a checklist line, printed through the gate as it completes: on a
/// terminal wrapped to its width, going on under its text; elsewhere whole, as scripts
/// read it.
pub struct Lines {
    stream: Stream,
    pending: Vec<u8>,
}

/// A [`Lines`] writer for `stream`.
pub fn lines(stream: Stream) -> Lines {
    Lines {
        stream,
        pending: Vec::new(),
    }
}

impl Lines {
    fn emit(&mut self, line: &[u8]) -> std::io::Result<()> {
        let text = clean(&String::from_utf8_lossy(line));
        let shown = lay_out(&text, columns(self.stream), Hang::Checklist);
        match self.stream {
            Stream::Out => {
                write_out(shown.as_bytes()).map_err(|e| std::io::Error::other(e.message))
            }
            Stream::Err => {
                write_err(shown.as_bytes());
                Ok(())
            }
        }
    }
}

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            self.emit(&line[..line.len() - 1])?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            self.emit(&line)?;
        }
        Ok(())
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// Bytes another program printed, passed on as they come (helm's upgrade output): every
/// secret hidden, every control character escaped. Not wrapped: it is the program's own
/// layout.
pub fn pass_through(stream: Stream, bytes: &[u8]) {
    let text = String::from_utf8_lossy(&crate::secret::redact_bytes(bytes)).into_owned();
    let shown = crate::error::printable(&text);
    wrote();
    let _ = match stream {
        Stream::Out => {
            let mut out = std::io::stdout().lock();
            out.write_all(shown.as_bytes()).and_then(|()| out.flush())
        }
        Stream::Err => {
            let mut err = std::io::stderr().lock();
            err.write_all(shown.as_bytes()).and_then(|()| err.flush())
        }
    };
}

/// A status line on standard error while phib waits (for a cluster that may not
/// answer): on a terminal only, a spinner, `text` and the seconds waited, redrawn in
/// place and erased when dropped; elsewhere nothing. Drawn first after 150 ms, so a wait
/// that ends at once shows nothing. Cut to the terminal's width: a line that wrapped
/// could not be redrawn in place.
pub struct Progress {
    /// Dropped to stop the line: the drawing thread wakes at once.
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Starts a [`Progress`] line saying `text`.
pub fn progress(text: &str) -> Progress {
    use std::sync::mpsc::RecvTimeoutError;
    use std::time::{Duration, Instant};
    let Some(width) = columns(Stream::Err) else {
        return Progress {
            stop: None,
            thread: None,
        };
    };
    let text = clean(text);
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        const FRAMES: [char; 4] = ['|', '/', '-', '\\'];
        let started = Instant::now();
        let mut drawn = false;
        let mut frame = 0;
        let mut pause = Duration::from_millis(150);
        while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(pause) {
            let line = format!(
                "{} {text} {} s",
                FRAMES[frame % FRAMES.len()],
                started.elapsed().as_secs()
            );
            let line: String = line.chars().take(width).collect();
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{line}").and_then(|()| err.flush());
            drawn = true;
            frame += 1;
            pause = Duration::from_millis(100);
        }
        if drawn {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(b"\r\x1b[2K").and_then(|()| err.flush());
        }
    });
    Progress {
        stop: Some(stop),
        thread: Some(thread),
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// `text` with a newline at the end, each of its lines wrapped to `width` when given,
/// going on as `hang` says.
fn lay_out(text: &str, width: Option<usize>, hang: Hang) -> String {
    if text.is_empty() {
        return String::new();
    }
    let mut out = String::with_capacity(text.len() + 1);
    let text = text.strip_suffix('\n').unwrap_or(text);
    for line in text.split('\n') {
        match width {
            Some(w) if line.chars().count() > w => {
                for part in wrap(line, w, hang.of(line)) {
                    out.push_str(&part);
                    out.push('\n');
                }
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// A command's words on lines of at most `width` columns, each but the last ending in
/// ` \`; an option stays on the line of its value.
pub fn command_lines(words: &[String], width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut i = 0;
    while i < words.len() {
        // An option and its value move together.
        let takes_value =
            words[i].starts_with('-') && words.get(i + 1).is_some_and(|w| !w.starts_with('-'));
        let n = if takes_value { 2 } else { 1 };
        let chunk = words[i..i + n].join(" ");
        if !line.is_empty() && line.chars().count() + 1 + chunk.chars().count() + 2 > width {
            lines.push(format!("{line} \\"));
            line = format!("  {chunk}");
        } else if line.is_empty() {
            line = chunk;
        } else {
            line.push(' ');
            line.push_str(&chunk);
        }
        i += n;
    }
    lines.push(line);
    lines
}

/// A shell command (its words, each quoted already) as it is shown on `stream`, each
/// line indented by `indent`: on a terminal, lines of its width ending in ` \`; else one
/// line, as scripts read it.
pub fn command(words: &[String], indent: &str, stream: Stream) -> String {
    let lines = match columns(stream) {
        Some(w) => command_lines(words, w.saturating_sub(indent.len())),
        None => vec![words.join(" ")],
    };
    lines
        .iter()
        .map(|l| format!("{indent}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Splits `line` into lines of at most `width` columns at spaces; the line's own
/// indentation is kept, continuation lines are indented `hang` more. A word longer
/// than the width stays whole on its own line. An empty line stays one empty line.
pub fn wrap(line: &str, width: usize, hang: usize) -> Vec<String> {
    use textwrap::{Options, WordSeparator, WordSplitter, WrapAlgorithm};
    let indent = &line[..line.len() - line.trim_start().len()];
    let more = format!("{indent}{}", " ".repeat(hang));
    if line.trim().is_empty() {
        return vec![String::new()];
    }
    let options = Options::new(width.max(indent.len() + hang + 1))
        .initial_indent(indent)
        .subsequent_indent(&more)
        .break_words(false)
        .word_separator(WordSeparator::AsciiSpace)
        .word_splitter(WordSplitter::NoHyphenation)
        .wrap_algorithm(WrapAlgorithm::FirstFit);
    // The line as it is: spaces that align its columns stay where it does not break.
    textwrap::wrap(line.trim(), options)
        .into_iter()
        .map(|line| line.into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_wrap_at_words_with_a_hanging_indent() {
        let text = "phib: warning: the endpoint is plain `http://`: writing `insecureSkipVerify: true`, without which buildah talks https to it";
        let lines = wrap(text, 60, 2);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.chars().count() <= 60), "{lines:?}");
        assert!(lines[1..].iter().all(|l| l.starts_with("  ")), "{lines:?}");
        assert_eq!(
            lines.join(" ").split_whitespace().collect::<Vec<_>>(),
            text.split_whitespace().collect::<Vec<_>>()
        );
        let indented = wrap("      fix: one two three four five six seven", 20, 5);
        assert_eq!(indented[0], "      fix: one two");
        assert!(indented[1].starts_with("           "), "{indented:?}");
    }

    #[test]
    fn lines_stay_whole_without_a_terminal() {
        let long = "x ".repeat(100);
        for hang in [Hang::Message, Hang::Checklist] {
            assert_eq!(lay_out(&long, None, hang), format!("{long}\n"));
            assert_eq!(lay_out("a\n\nb\n", None, hang), "a\n\nb\n");
            assert_eq!(lay_out("a\n\nb", Some(60), hang), "a\n\nb\n");
        }
    }

    /// A checklist line goes on under its text, a `fix:` under the fix, anything else
    /// two columns in.
    #[test]
    fn a_checklist_line_goes_on_under_its_text() {
        let text = [
            check_line(Mark::Fail, "the chart names the push Secret `hub-primehub-controller-custom-image-push-secret`"),
            "      fix: set `customImage.pushSecretName: hub-primehub-controller-custom-image-push-secret`".to_string(),
            check_line(Mark::Ok, "a short one"),
            "phib doctor: release `primehub` in namespace `hub` (read with helm and kubectl)".to_string(),
        ]
        .join("\n");
        let shown = lay_out(&text, Some(60), Hang::Checklist);
        assert_eq!(
            shown,
            "FAIL  the chart names the push Secret\n      `hub-primehub-controller-custom-image-push-secret`\n      fix: set `customImage.pushSecretName:\n           hub-primehub-controller-custom-image-push-secret`\nok    a short one\nphib doctor: release `primehub` in namespace `hub` (read\n  with helm and kubectl)\n"
        );
        let message = lay_out(&text, Some(60), Hang::Message);
        assert!(message.contains("\n  `hub-primehub"), "{message}");
    }

    #[test]
    fn what_is_shown_has_no_control_character_and_no_known_secret() {
        crate::secret::learn("s3cr3t-Token-for-out");
        let shown = clean("token s3cr3t-Token-for-out, then \u{1b}[2J and \u{7}");
        assert_eq!(shown, "token <redacted>, then \\u{1b}[2J and \\u{7}");
    }
}

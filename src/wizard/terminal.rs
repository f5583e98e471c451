//! The real terminal behind [`Prompter`]: dialoguer's select prompt, and small readers
//! for text, hidden input and yes/no, because dialoguer's own cannot be left with Esc
//! (and its yes/no answers on the first key unless it waits for Enter, which then
//! needs Enter after Esc too). Esc, and Ctrl-C read as a key, give [`Interrupted`] after the cursor is
//! shown again, so `main` prints one line and exits 130. A SIGINT (Ctrl-C while the
//! terminal is not in raw mode, or raised by dialoguer) is handled the same way, by the
//! Ctrl-C guard ([`crate::interrupt::ExitAtOnce`]), which restores the terminal and exits
//! 130 at once: waiting for the next prompt to notice it could leave the user stuck at a
//! prompt that ignored Ctrl-C.

use std::io::IsTerminal;

use std::cell::Cell;

use dialoguer::console::{measure_text_width, Key, Term};
use dialoguer::Select;

use super::prompt::{Answer, Interrupted, Prompter};
use super::theme::{fit_lines, rows_taken, short_prompt, truncate, Looks};
use crate::secret::Secret;

/// True when the wizard can talk to a person: standard input, output and error are all
/// terminals. Without one the wizard must not start (dialoguer would fail with "not a
/// terminal" halfway through).
pub fn is_interactive() -> bool {
    std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal()
        && std::io::stderr().is_terminal()
}

/// True when `NO_COLOR` is set to anything but the empty string (no-color.org).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// What the SIGINT handler prints: the cursor shown again, and the same line `main`
/// prints for [`crate::Error::interrupted`].
const SIGINT_MESSAGE: &[u8] = b"\x1b[?25h\r\nphib: interrupted; nothing was written\r\n";

/// The error message for an interruption once the values file is written (the
/// questions after it).
pub const INTERRUPTED_AFTER_WRITE: &str =
    "interrupted; the files written stay, nothing else was run";

/// What the SIGINT handler prints once the values file is written: the line `main`
/// prints for [`INTERRUPTED_AFTER_WRITE`].
const SIGINT_AFTER_WRITE: &[u8] =
    b"\x1b[?25h\r\nphib: interrupted; the files written stay, nothing else was run\r\n";

/// Set once the values file is written: the SIGINT handler then says so.
static WRITTEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// From now on an interruption reports that the files written stay.
pub fn mark_written() {
    WRITTEN.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// What a Ctrl-C that arrives as a signal prints: the line for how far the wizard got.
fn sigint_message() -> &'static [u8] {
    if WRITTEN.load(std::sync::atomic::Ordering::SeqCst) {
        SIGINT_AFTER_WRITE
    } else {
        SIGINT_MESSAGE
    }
}

/// Prompts on standard error, read from the terminal.
pub struct TermPrompter {
    term: Term,
    looks: Looks,
    /// The last text question's answered form, while nothing else was shown after it:
    /// a refusal of that answer redraws it marked refused.
    answered: Cell<Option<Answered>>,
    _sigint: Option<crate::interrupt::ExitAtOnce>,
}

/// An answered form on screen, right above the cursor.
struct Answered {
    prompt: String,
    /// The answer as shown (`None`: hidden).
    answer: Option<String>,
    /// The rows it took.
    rows: usize,
    /// [`crate::out::writes`] when it was drawn: anything the gate wrote since stands
    /// between it and the cursor.
    writes: usize,
}

impl TermPrompter {
    /// Sets up the terminal prompter; `NO_COLOR` selects the plain theme.
    pub fn new() -> TermPrompter {
        TermPrompter {
            _sigint: crate::interrupt::ExitAtOnce::install(sigint_message),
            ..TermPrompter::without_sigint_guard()
        }
    }

    /// A prompter for a caller that handles Ctrl-C itself (`phib upgrade`'s
    /// confirmation, asked while the temporary values file exists): no SIGINT handler of
    /// its own.
    pub fn without_sigint_guard() -> TermPrompter {
        let plain = no_color();
        if plain {
            dialoguer::console::set_colors_enabled(false);
            dialoguer::console::set_colors_enabled_stderr(false);
        }
        TermPrompter {
            term: Term::stderr(),
            looks: Looks::new(plain),
            answered: Cell::new(None),
            _sigint: None,
        }
    }

    /// Leaves the terminal as we found it: cursor visible, on a fresh line.
    fn restore(&self) {
        let _ = self.term.show_cursor();
        let _ = self.term.write_line("");
    }

    /// Maps a dialoguer result: `None` (Esc) and read errors (the terminal went away)
    /// are both an interruption.
    fn finish<T>(&self, r: dialoguer::Result<Option<T>>) -> Answer<T> {
        match r {
            Ok(Some(v)) => Ok(v),
            Ok(None) | Err(_) => {
                self.restore();
                Err(Interrupted)
            }
        }
    }

    /// Reads one line in raw mode: Enter ends it, Esc and Ctrl-C interrupt, Backspace
    /// and Ctrl-U edit. `hidden` echoes nothing. The question is laid out to fit the
    /// terminal ([`Looks::input_head`]); once answered it is replaced by its answered
    /// form.
    fn read_line(&self, prompt: &str, default: Option<&str>, hidden: bool) -> Answer<String> {
        self.answered.take();
        // What is shown passes the terminal gate; the default itself is the answer.
        let prompt = &crate::out::clean(prompt);
        let shown_default = default.map(crate::out::clean);
        let head =
            self.looks
                .input_head(prompt, shown_default.as_deref(), hidden, self.width() - 1);
        let io = |r: std::io::Result<()>| r.map_err(|_| Interrupted);
        let attempt = (|| -> Answer<String> {
            io(self.term.write_str(&head))?;
            io(self.term.flush())?;
            let line = self.read_keys(hidden)?;
            // Replace the question, however many rows it took, by its answered form.
            let typed = if hidden { 0 } else { measure_text_width(&line) };
            let rows = rows_taken(&head, typed, self.width());
            let answer = match default {
                Some(d) if line.is_empty() => d.to_string(),
                _ => line,
            };
            io(self.clear_rows(rows))?;
            // An empty hidden answer is refused next: no `********` that looks typed.
            if !(hidden && answer.is_empty()) {
                let shown = (!hidden).then(|| crate::out::clean(&answer));
                let rows = self.draw_answered(prompt, shown.as_deref(), false)?;
                self.answered.set(Some(Answered {
                    prompt: prompt.clone(),
                    answer: shown,
                    rows,
                    writes: crate::out::writes(),
                }));
            }
            Ok(answer)
        })();
        if attempt.is_err() {
            self.restore();
        }
        attempt
    }

    /// Reads keys up to Enter: the line typed.
    fn read_keys(&self, hidden: bool) -> Answer<String> {
        let io = |r: std::io::Result<()>| r.map_err(|_| Interrupted);
        let mut line = String::new();
        loop {
            match self.term.read_key_raw() {
                Ok(Key::Enter) => return Ok(line),
                Ok(Key::Escape | Key::CtrlC) | Err(_) => return Err(Interrupted),
                Ok(Key::Backspace) => {
                    if let Some(c) = line.pop() {
                        if !hidden {
                            io(self.term.clear_chars(measure_text_width(&c.to_string())))?;
                        }
                    }
                }
                Ok(Key::Char('\u{15}')) => {
                    if !hidden {
                        io(self.term.clear_chars(measure_text_width(&line)))?;
                    }
                    line.clear();
                }
                // A tab may be part of a pasted secret; in visible text it is noise.
                Ok(Key::Tab) if hidden => line.push('\t'),
                Ok(Key::Char(c)) if !c.is_control() => {
                    line.push(c);
                    if !hidden {
                        io(self.term.write_str(c.encode_utf8(&mut [0; 4])))?;
                    }
                }
                Ok(_) => {}
            }
            io(self.term.flush())?;
        }
    }

    /// Draws a text question's answered form (`refused`: with the refusal's mark) in
    /// rows that fit; returns how many.
    fn draw_answered(&self, prompt: &str, answer: Option<&str>, refused: bool) -> Answer<usize> {
        let lines = self.fit_answered(prompt, &|p| self.looks.answered(p, answer, refused));
        for l in &lines {
            self.term.write_line(l).map_err(|_| Interrupted)?;
        }
        Ok(lines.len())
    }

    /// The terminal's width in columns.
    fn width(&self) -> usize {
        usize::from(self.term.size().1).max(20)
    }

    /// Clears the `rows` rows that end at the cursor's; the cursor ends at the start
    /// of the first.
    fn clear_rows(&self, rows: usize) -> std::io::Result<()> {
        self.term.clear_line()?;
        if rows > 1 {
            self.term.clear_last_lines(rows - 1)?;
        }
        Ok(())
    }

    /// The answered form of a question, made by `done` from the prompt, in rows that
    /// fit the terminal: the whole prompt when it fits, else without its parenthesised
    /// explanation, else the answer on a row of its own.
    fn fit_answered(&self, prompt: &str, done: &dyn Fn(&str) -> String) -> Vec<String> {
        let width = self.width();
        let whole = done(prompt);
        if measure_text_width(&whole) < width {
            return vec![whole];
        }
        let short = short_prompt(prompt);
        let shorter = done(short);
        if measure_text_width(&shorter) < width {
            return vec![shorter];
        }
        // `✔ prompt · answer` (`prompt: answer` plainly): the answer goes below.
        let plain = dialoguer::console::strip_ansi_codes(&shorter).into_owned();
        let cut = |s: &str| truncate(s, width - 1);
        let split = plain
            .split_once(" · ")
            .map(|(q, a)| (format!("{q} ·"), a))
            .or_else(|| plain.split_once(": ").map(|(q, a)| (format!("{q}:"), a)));
        match split {
            Some((question, answer)) => vec![cut(&question), cut(&format!("    {answer}"))],
            None => vec![cut(&plain)],
        }
    }

    /// Writes `text` as lines that fit the terminal: a line wider than it is wrapped
    /// at spaces, its continuation indented two more than the line.
    fn write_fitted(&self, text: &str) {
        for line in fit_lines(text, self.width() - 1) {
            let _ = self.term.write_line(&line);
        }
    }
}

impl Default for TermPrompter {
    fn default() -> Self {
        TermPrompter::new()
    }
}

impl Prompter for TermPrompter {
    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Answer<usize> {
        // An item wider than the terminal would wrap, and the list could not be redrawn
        // in place: each is cut to fit, and the answer is written here, fitted too.
        self.answered.take();
        let width = self.width();
        let prompt = &crate::out::clean(prompt);
        let items: Vec<String> = items.iter().map(|i| crate::out::clean(i)).collect();
        let shown: Vec<String> = items.iter().map(|i| truncate(i, width - 3)).collect();
        let r = Select::with_theme(&*self.looks.theme)
            .with_prompt(prompt)
            .items(&shown)
            .default(default)
            .max_length(12)
            .report(false)
            .interact_on_opt(&self.term);
        let i = self.finish(r)?;
        let mut done = String::new();
        let _ = self
            .looks
            .theme
            .format_select_prompt_selection(&mut done, prompt, &items[i]);
        let _ = self.term.write_line(&truncate(&done, width - 1));
        Ok(i)
    }

    fn input(&mut self, prompt: &str, default: Option<&str>) -> Answer<String> {
        self.read_line(prompt, default, false)
    }

    fn password(&mut self, prompt: &str) -> Answer<Secret> {
        self.read_line(prompt, None, true).map(Secret::new)
    }

    fn confirm(&mut self, prompt: &str, default: bool) -> Answer<bool> {
        self.answered.take();
        let prompt = &crate::out::clean(prompt);
        let io = |r: std::io::Result<()>| r.map_err(|_| Interrupted);
        let head = |value: bool| self.looks.confirm_head(prompt, value, self.width() - 1);
        let rows = |value: bool| rows_taken(&head(value), 0, self.width());
        let attempt = (|| -> Answer<bool> {
            let mut value = default;
            io(self.term.write_str(&head(value)))?;
            io(self.term.flush())?;
            loop {
                let key = self.term.read_key_raw().map_err(|_| Interrupted)?;
                match confirm_key(&key) {
                    ConfirmKey::Set(v) => {
                        io(self.clear_rows(rows(value)))?;
                        value = v;
                        io(self.term.write_str(&head(value)))?;
                        io(self.term.flush())?;
                    }
                    ConfirmKey::Done => break,
                    ConfirmKey::Quit => return Err(Interrupted),
                    ConfirmKey::Ignore => {}
                }
            }
            io(self.clear_rows(rows(value)))?;
            let done = |prompt: &str| {
                let mut done = String::new();
                let _ = self.looks.theme.format_confirm_prompt_selection(
                    &mut done,
                    prompt,
                    Some(value),
                );
                done
            };
            for line in self.fit_answered(prompt, &done) {
                io(self.term.write_line(&line))?;
            }
            Ok(value)
        })();
        if attempt.is_err() {
            self.restore();
        }
        attempt
    }

    fn say(&mut self, text: &str) {
        self.answered.take();
        self.write_fitted(&crate::out::clean(text));
    }

    /// The reason, under the answer it refuses: an answered form right above, with
    /// nothing shown since, is drawn again marked refused (`✘`, not `✔`).
    fn refuse(&mut self, reason: &str) {
        if let Some(a) = self.answered.take() {
            if a.writes == crate::out::writes() && self.term.clear_last_lines(a.rows).is_ok() {
                let _ = self.draw_answered(&a.prompt, a.answer.as_deref(), true);
            }
        }
        let mut text = String::new();
        let _ = self
            .looks
            .theme
            .format_error(&mut text, &crate::out::clean(reason));
        let width = (self.width() - 1).min(super::WIDTH);
        for line in text.lines() {
            for part in super::wrap(line, width) {
                self.write_fitted(&part);
            }
        }
    }
}

/// What a key does at a yes/no question.
#[derive(Debug, PartialEq, Eq)]
enum ConfirmKey {
    /// `y` or `n`: shown as the answer, taken only with Enter.
    Set(bool),
    /// Enter: the answer shown is taken.
    Done,
    /// Esc or Ctrl-C.
    Quit,
    Ignore,
}

/// A yes/no question waits for Enter, so that the habitual "y, Enter" answers one
/// question, never the next one too.
fn confirm_key(key: &Key) -> ConfirmKey {
    match key {
        Key::Char('y' | 'Y') => ConfirmKey::Set(true),
        Key::Char('n' | 'N') => ConfirmKey::Set(false),
        Key::Enter => ConfirmKey::Done,
        Key::Escape | Key::CtrlC => ConfirmKey::Quit,
        _ => ConfirmKey::Ignore,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_yes_or_no_is_taken_only_with_enter() {
        assert_eq!(confirm_key(&Key::Char('y')), ConfirmKey::Set(true));
        assert_eq!(confirm_key(&Key::Char('N')), ConfirmKey::Set(false));
        assert_eq!(confirm_key(&Key::Enter), ConfirmKey::Done);
        assert_eq!(confirm_key(&Key::Escape), ConfirmKey::Quit);
        assert_eq!(confirm_key(&Key::CtrlC), ConfirmKey::Quit);
        assert_eq!(confirm_key(&Key::Char('x')), ConfirmKey::Ignore);
    }

    #[test]
    fn the_sigint_line_is_the_one_main_prints_for_an_interruption() {
        let text = String::from_utf8_lossy(SIGINT_MESSAGE);
        let line = format!("phib: {}", crate::Error::interrupted().message);
        assert!(text.contains(&line), "{text}");
        assert!(text.starts_with("\x1b[?25h"), "shows the cursor first");
        let text = String::from_utf8_lossy(SIGINT_AFTER_WRITE);
        assert!(
            text.contains(&format!("phib: {INTERRUPTED_AFTER_WRITE}\r\n")),
            "{text}"
        );
        assert!(text.starts_with("\x1b[?25h"), "shows the cursor first");
    }
}

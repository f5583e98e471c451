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

use dialoguer::console::{measure_text_width, Key, Term};
use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::Select;

use super::prompt::{Answer, Interrupted, Prompter};
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
    theme: Box<dyn Theme>,
    _sigint: Option<crate::interrupt::ExitAtOnce>,
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
        let theme: Box<dyn Theme> = if no_color() {
            dialoguer::console::set_colors_enabled(false);
            dialoguer::console::set_colors_enabled_stderr(false);
            Box::new(SimpleTheme)
        } else {
            Box::new(Bracketed(ColorfulTheme::default()))
        };
        TermPrompter {
            term: Term::stderr(),
            theme,
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
    /// and Ctrl-U edit. `hidden` echoes nothing.
    fn read_line(&self, prompt: &str, default: Option<&str>, hidden: bool) -> Answer<String> {
        // What is shown passes the terminal gate; the default itself is the answer.
        let prompt = &crate::out::clean(prompt);
        let shown_default = default.map(crate::out::clean);
        let mut head = String::new();
        let _ = if hidden {
            self.theme.format_password_prompt(&mut head, prompt)
        } else {
            self.theme
                .format_input_prompt(&mut head, prompt, shown_default.as_deref())
        };
        let io = |r: std::io::Result<()>| r.map_err(|_| Interrupted);
        let attempt = (|| -> Answer<String> {
            io(self.term.write_str(&head))?;
            io(self.term.flush())?;
            let mut line = String::new();
            loop {
                match self.term.read_key_raw() {
                    Ok(Key::Enter) => break,
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
            // Replace the prompt, however many rows it took, by its answered form.
            let typed = if hidden { 0 } else { measure_text_width(&line) };
            let rows = self.rows_of(measure_text_width(&head) + typed);
            let answer = match default {
                Some(d) if line.is_empty() => d.to_string(),
                _ => line,
            };
            // An empty hidden answer is refused next: no `********` that looks typed.
            let refused = hidden && answer.is_empty();
            io(self.clear_rows(rows))?;
            if !refused {
                let done = |prompt: &str| {
                    let mut done = String::new();
                    let _ = if hidden {
                        self.theme
                            .format_password_prompt_selection(&mut done, prompt)
                    } else {
                        self.theme.format_input_prompt_selection(
                            &mut done,
                            prompt,
                            &crate::out::clean(&answer),
                        )
                    };
                    done
                };
                for l in self.fit_answered(prompt, &done) {
                    io(self.term.write_line(&l))?;
                }
            }
            Ok(answer)
        })();
        if attempt.is_err() {
            self.restore();
        }
        attempt
    }

    /// The terminal's width in columns.
    fn width(&self) -> usize {
        usize::from(self.term.size().1).max(20)
    }

    /// How many rows text of `width` columns takes, from the start of a row.
    fn rows_of(&self, width: usize) -> usize {
        width.max(1).div_ceil(self.width())
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

/// A prompt without a trailing parenthesised explanation: `Push repository prefix`
/// for `Push repository prefix (images go to PREFIX/<image>)`.
fn short_prompt(prompt: &str) -> &str {
    match prompt.strip_suffix(')').and_then(|p| p.rfind(" (")) {
        Some(at) => &prompt[..at],
        None => prompt,
    }
}

/// `text` cut to `width` columns, with `…` when something was cut. ANSI codes are
/// dropped from a text that is cut.
fn truncate(text: &str, width: usize) -> String {
    if measure_text_width(text) <= width {
        return text.to_string();
    }
    let plain = dialoguer::console::strip_ansi_codes(text);
    let mut out = String::new();
    for c in plain.chars() {
        if measure_text_width(&out) + measure_text_width(&c.to_string()) + 1 > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Each line of `text` that is wider than `width` wrapped as [`super::wrap`] wraps,
/// its continuation rows indented two more than the line itself.
fn fit_lines(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.split('\n') {
        if measure_text_width(line) <= width {
            out.push(line.to_string());
        } else {
            let plain = dialoguer::console::strip_ansi_codes(line);
            out.extend(super::wrap(&plain, width));
        }
    }
    out
}

/// The colourful theme, with a default shown in brackets, `[default]`, as the docs and
/// the plain theme show it, instead of in parentheses.
struct Bracketed(ColorfulTheme);

impl Theme for Bracketed {
    fn format_prompt(&self, f: &mut dyn std::fmt::Write, prompt: &str) -> std::fmt::Result {
        self.0.format_prompt(f, prompt)
    }

    fn format_error(&self, f: &mut dyn std::fmt::Write, err: &str) -> std::fmt::Result {
        self.0.format_error(f, err)
    }

    fn format_confirm_prompt(
        &self,
        f: &mut dyn std::fmt::Write,
        prompt: &str,
        default: Option<bool>,
    ) -> std::fmt::Result {
        self.0.format_confirm_prompt(f, prompt, default)
    }

    fn format_confirm_prompt_selection(
        &self,
        f: &mut dyn std::fmt::Write,
        prompt: &str,
        selection: Option<bool>,
    ) -> std::fmt::Result {
        self.0.format_confirm_prompt_selection(f, prompt, selection)
    }

    fn format_input_prompt(
        &self,
        f: &mut dyn std::fmt::Write,
        prompt: &str,
        default: Option<&str>,
    ) -> std::fmt::Result {
        let t = &self.0;
        write!(
            f,
            "{} {} ",
            t.prompt_prefix,
            t.prompt_style.apply_to(prompt)
        )?;
        if let Some(default) = default {
            write!(f, "{} ", t.hint_style.apply_to(format!("[{default}]")))?;
        }
        write!(f, "{} ", t.prompt_suffix)
    }

    fn format_input_prompt_selection(
        &self,
        f: &mut dyn std::fmt::Write,
        prompt: &str,
        sel: &str,
    ) -> std::fmt::Result {
        self.0.format_input_prompt_selection(f, prompt, sel)
    }

    fn format_password_prompt(
        &self,
        f: &mut dyn std::fmt::Write,
        prompt: &str,
    ) -> std::fmt::Result {
        self.0.format_password_prompt(f, prompt)
    }

    fn format_password_prompt_selection(
        &self,
        f: &mut dyn std::fmt::Write,
        prompt: &str,
    ) -> std::fmt::Result {
        self.0.format_password_prompt_selection(f, prompt)
    }

    fn format_select_prompt(&self, f: &mut dyn std::fmt::Write, prompt: &str) -> std::fmt::Result {
        self.0.format_select_prompt(f, prompt)
    }

    fn format_select_prompt_selection(
        &self,
        f: &mut dyn std::fmt::Write,
        prompt: &str,
        sel: &str,
    ) -> std::fmt::Result {
        self.0.format_select_prompt_selection(f, prompt, sel)
    }

    fn format_select_prompt_item(
        &self,
        f: &mut dyn std::fmt::Write,
        text: &str,
        active: bool,
    ) -> std::fmt::Result {
        self.0.format_select_prompt_item(f, text, active)
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
        let width = self.width();
        let prompt = &crate::out::clean(prompt);
        let items: Vec<String> = items.iter().map(|i| crate::out::clean(i)).collect();
        let shown: Vec<String> = items.iter().map(|i| truncate(i, width - 3)).collect();
        let r = Select::with_theme(&*self.theme)
            .with_prompt(prompt)
            .items(&shown)
            .default(default)
            .max_length(12)
            .report(false)
            .interact_on_opt(&self.term);
        let i = self.finish(r)?;
        let mut done = String::new();
        let _ = self
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
        let prompt = &crate::out::clean(prompt);
        let io = |r: std::io::Result<()>| r.map_err(|_| Interrupted);
        let head = |value: bool| {
            let mut head = String::new();
            let _ = self
                .theme
                .format_confirm_prompt(&mut head, prompt, Some(value));
            head
        };
        let attempt = (|| -> Answer<bool> {
            let mut value = default;
            io(self.term.write_str(&head(value)))?;
            io(self.term.flush())?;
            loop {
                let key = self.term.read_key_raw().map_err(|_| Interrupted)?;
                match confirm_key(&key) {
                    ConfirmKey::Set(v) => {
                        io(self.clear_rows(self.rows_of(measure_text_width(&head(value)))))?;
                        value = v;
                        io(self.term.write_str(&head(value)))?;
                        io(self.term.flush())?;
                    }
                    ConfirmKey::Done => break,
                    ConfirmKey::Quit => return Err(Interrupted),
                    ConfirmKey::Ignore => {}
                }
            }
            io(self.clear_rows(self.rows_of(measure_text_width(&head(value)))))?;
            let done = |prompt: &str| {
                let mut done = String::new();
                let _ = self
                    .theme
                    .format_confirm_prompt_selection(&mut done, prompt, Some(value));
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
        self.write_fitted(&crate::out::clean(text));
    }

    fn refuse(&mut self, reason: &str) {
        let mut text = String::new();
        let _ = self
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
    fn a_prompt_loses_its_explanation_only() {
        assert_eq!(
            short_prompt("Push repository prefix (images go to PREFIX/<image>)"),
            "Push repository prefix"
        );
        assert_eq!(short_prompt("Registry name"), "Registry name");
        assert_eq!(short_prompt("Skip TLS (x)?"), "Skip TLS (x)?");
    }

    #[test]
    fn cut_text_ends_in_an_ellipsis_and_fits() {
        assert_eq!(truncate("short", 10), "short");
        let cut = truncate("Google Artifact Registry (LOCATION-docker.pkg.dev)", 20);
        assert_eq!(cut, "Google Artifact Reg…");
        assert_eq!(measure_text_width(&cut), 20);
    }

    #[test]
    fn wide_lines_wrap_at_spaces_under_their_indent() {
        assert_eq!(
            fit_lines("  one two three four", 10),
            ["  one two", "    three", "    four"]
        );
        assert_eq!(fit_lines("fits", 10), ["fits"]);
        for line in fit_lines(&"word ".repeat(40), 17) {
            assert!(measure_text_width(&line) <= 17, "{line}");
        }
    }

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

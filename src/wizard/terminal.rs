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
            Box::new(ColorfulTheme::default())
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
        let mut head = String::new();
        let _ = if hidden {
            self.theme.format_password_prompt(&mut head, prompt)
        } else {
            self.theme.format_input_prompt(&mut head, prompt, default)
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
            // Replace the prompt line by its answered form when the typing did not wrap.
            let width = usize::from(self.term.size().1);
            let typed = if hidden { 0 } else { measure_text_width(&line) };
            let wrapped = measure_text_width(&head) + typed >= width;
            let answer = match default {
                Some(d) if line.is_empty() => d.to_string(),
                _ => line,
            };
            // An empty hidden answer is refused next: no `********` that looks typed.
            let refused = hidden && answer.is_empty();
            if !wrapped && !refused {
                let mut done = String::new();
                let _ = if hidden {
                    self.theme
                        .format_password_prompt_selection(&mut done, prompt)
                } else {
                    self.theme
                        .format_input_prompt_selection(&mut done, prompt, &answer)
                };
                io(self.term.clear_line())?;
                io(self.term.write_line(&done))?;
            } else {
                io(self.term.write_line(""))?;
            }
            Ok(answer)
        })();
        if attempt.is_err() {
            self.restore();
        }
        attempt
    }
}

impl Default for TermPrompter {
    fn default() -> Self {
        TermPrompter::new()
    }
}

impl Prompter for TermPrompter {
    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Answer<usize> {
        let r = Select::with_theme(&*self.theme)
            .with_prompt(prompt)
            .items(items)
            .default(default)
            .max_length(12)
            .interact_on_opt(&self.term);
        self.finish(r)
    }

    fn input(&mut self, prompt: &str, default: Option<&str>) -> Answer<String> {
        self.read_line(prompt, default, false)
    }

    fn password(&mut self, prompt: &str) -> Answer<Secret> {
        self.read_line(prompt, None, true).map(Secret::new)
    }

    fn confirm(&mut self, prompt: &str, default: bool) -> Answer<bool> {
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
                        value = v;
                        io(self.term.clear_line())?;
                        io(self.term.write_str(&head(value)))?;
                        io(self.term.flush())?;
                    }
                    ConfirmKey::Done => break,
                    ConfirmKey::Quit => return Err(Interrupted),
                    ConfirmKey::Ignore => {}
                }
            }
            let mut done = String::new();
            let _ = self
                .theme
                .format_confirm_prompt_selection(&mut done, prompt, Some(value));
            io(self.term.clear_line())?;
            io(self.term.write_line(&done))?;
            Ok(value)
        })();
        if attempt.is_err() {
            self.restore();
        }
        attempt
    }

    fn say(&mut self, text: &str) {
        let _ = self.term.write_line(text);
    }

    fn refuse(&mut self, reason: &str) {
        let mut text = String::new();
        let _ = self.theme.format_error(&mut text, reason);
        for line in text.lines() {
            for part in super::wrap(line, super::WIDTH) {
                let _ = self.term.write_line(&part);
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

//! The prompt layer: the few kinds of question the wizard asks, behind a small trait, so
//! the question logic runs the same against a real terminal ([`super::terminal`]) and
//! against a script in unit tests (`Scripted`), which needs no terminal at all.

#[cfg(test)]
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use crate::secret::Secret;
use crate::Error;

/// The user stopped the wizard (Ctrl-C, Esc, or the terminal went away).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

impl From<Interrupted> for Error {
    fn from(_: Interrupted) -> Error {
        Error::interrupted()
    }
}

/// One answer to one prompt, or [`Interrupted`].
pub type Answer<T> = Result<T, Interrupted>;

/// What the wizard can ask. Every method returns [`Interrupted`] when the user gives up.
pub trait Prompter {
    /// Picks one of `items` (index into it); `default` is highlighted first.
    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Answer<usize>;
    /// A line of text; an empty answer takes `default` when there is one.
    fn input(&mut self, prompt: &str, default: Option<&str>) -> Answer<String>;
    /// A line of text that is not echoed.
    fn password(&mut self, prompt: &str) -> Answer<Secret>;
    /// Yes or no.
    fn confirm(&mut self, prompt: &str, default: bool) -> Answer<bool>;
    /// Text for the user between questions: hints, summaries.
    fn say(&mut self, text: &str);
    /// Why an answer was refused, just before the question is asked again.
    fn refuse(&mut self, reason: &str);

    /// A file path; `~` and `~/…` are expanded to the home folder.
    fn path(&mut self, prompt: &str, default: Option<&str>) -> Answer<PathBuf> {
        let text = self.input(prompt, default)?;
        Ok(expand_tilde(
            text.trim(),
            std::env::var_os("HOME").as_deref(),
        ))
    }
}

/// Expands a leading `~` (alone or followed by `/`) to `home`. Other paths, and `~user`
/// forms, are returned as typed.
fn expand_tilde(text: &str, home: Option<&std::ffi::OsStr>) -> PathBuf {
    match (text.strip_prefix('~'), home) {
        (Some(""), Some(home)) => PathBuf::from(home),
        (Some(rest), Some(home)) if rest.starts_with('/') => {
            Path::new(home).join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(text),
    }
}

/// Asks `prompt` until `check` accepts the answer, showing each refusal's reason. This is
/// how a typed value goes through the same validator as the flag that carries it.
pub fn ask_until<T>(
    p: &mut dyn Prompter,
    mut ask: impl FnMut(&mut dyn Prompter) -> Answer<String>,
    mut check: impl FnMut(&str) -> Result<T, Error>,
) -> Answer<T> {
    loop {
        let text = ask(p)?;
        match check(&text) {
            Ok(value) => return Ok(value),
            Err(err) => p.refuse(&refusal(&err)),
        }
    }
}

/// An error as the one or two lines shown under a refused answer.
pub fn refusal(err: &Error) -> String {
    match &err.help {
        Some(help) => format!("{}\n  {}", err.message, help),
        None => err.message.clone(),
    }
}

/// One scripted answer.
#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Pick the item that starts with this text.
    Select(&'static str),
    Input(String),
    Password(String),
    Confirm(bool),
    /// Ctrl-C at the next prompt, whatever it is.
    Interrupt,
}

/// A [`Prompter`] that plays a script and records what was shown, for unit tests of the
/// question logic. A prompt of the wrong kind, or one past the end of the script, panics
/// with the transcript so far, which is the test failing.
#[cfg(test)]
#[derive(Debug, Default)]
pub struct Scripted {
    steps: VecDeque<Step>,
    /// Every prompt, message and answer, one entry each, in order.
    pub transcript: Vec<String>,
}

#[cfg(test)]
impl Scripted {
    pub fn new(steps: impl IntoIterator<Item = Step>) -> Self {
        Scripted {
            steps: steps.into_iter().collect(),
            transcript: Vec::new(),
        }
    }

    /// True when every scripted answer was used.
    pub fn finished(&self) -> bool {
        self.steps.is_empty()
    }

    /// The prompts asked, in order (without messages).
    pub fn prompts(&self) -> Vec<&str> {
        self.transcript
            .iter()
            .filter_map(|l| l.strip_prefix("? "))
            .map(|l| l.split(" => ").next().unwrap_or(l))
            .collect()
    }

    fn next(&mut self, prompt: &str) -> Step {
        match self.steps.pop_front() {
            Some(step) => step,
            None => panic!(
                "script ended before the prompt {prompt:?}\n{}",
                self.transcript.join("\n")
            ),
        }
    }

    fn wrong(&self, prompt: &str, step: &Step) -> ! {
        panic!(
            "prompt {prompt:?} got the scripted answer {step:?}\n{}",
            self.transcript.join("\n")
        )
    }
}

#[cfg(test)]
impl Prompter for Scripted {
    fn select(&mut self, prompt: &str, items: &[String], _default: usize) -> Answer<usize> {
        match self.next(prompt) {
            Step::Interrupt => Err(Interrupted),
            Step::Select(start) => match items.iter().position(|i| i.starts_with(start)) {
                Some(i) => {
                    self.transcript.push(format!("? {prompt} => {}", items[i]));
                    Ok(i)
                }
                None => panic!("no item of {prompt:?} starts with {start:?}: {items:?}"),
            },
            other => self.wrong(prompt, &other),
        }
    }

    fn input(&mut self, prompt: &str, default: Option<&str>) -> Answer<String> {
        match self.next(prompt) {
            Step::Interrupt => Err(Interrupted),
            Step::Input(text) => {
                let answer = match default {
                    Some(d) if text.is_empty() => d.to_string(),
                    _ => text,
                };
                let shown = default.map(|d| format!(" [{d}]")).unwrap_or_default();
                self.transcript
                    .push(format!("? {prompt}{shown} => {answer}"));
                Ok(answer)
            }
            other => self.wrong(prompt, &other),
        }
    }

    fn password(&mut self, prompt: &str) -> Answer<Secret> {
        match self.next(prompt) {
            Step::Interrupt => Err(Interrupted),
            Step::Password(text) => {
                self.transcript.push(format!("? {prompt} => [hidden]"));
                Ok(Secret::new(text))
            }
            other => self.wrong(prompt, &other),
        }
    }

    fn confirm(&mut self, prompt: &str, _default: bool) -> Answer<bool> {
        match self.next(prompt) {
            Step::Interrupt => Err(Interrupted),
            Step::Confirm(yes) => {
                self.transcript.push(format!("? {prompt} => {yes}"));
                Ok(yes)
            }
            other => self.wrong(prompt, &other),
        }
    }

    fn say(&mut self, text: &str) {
        self.transcript.push(text.to_string());
    }

    fn refuse(&mut self, reason: &str) {
        self.transcript.push(format!("! {reason}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn tilde_expands_only_alone_or_before_a_slash() {
        let home = Some(OsStr::new("/home/ann"));
        assert_eq!(expand_tilde("~", home), PathBuf::from("/home/ann"));
        assert_eq!(
            expand_tilde("~/keys/sa.json", home),
            PathBuf::from("/home/ann/keys/sa.json")
        );
        assert_eq!(expand_tilde("~bob/x", home), PathBuf::from("~bob/x"));
        assert_eq!(expand_tilde("a/~/b", home), PathBuf::from("a/~/b"));
        assert_eq!(expand_tilde("~/x", None), PathBuf::from("~/x"));
    }

    #[test]
    fn ask_until_shows_each_refusal_and_asks_again() {
        let mut p = Scripted::new([
            Step::Input("abc".into()),
            Step::Input("".into()),
            Step::Input("42".into()),
        ]);
        let n = ask_until(
            &mut p,
            |p| p.input("Number", None),
            |s| {
                s.parse::<u32>().map_err(|_| {
                    Error::usage(format!("`{s}` is not a number")).with_help("type digits")
                })
            },
        )
        .unwrap();
        assert_eq!(n, 42);
        assert_eq!(p.prompts(), ["Number", "Number", "Number"]);
        assert_eq!(p.transcript[1], "! `abc` is not a number\n  type digits");
        assert!(p.finished());
    }

    #[test]
    fn interrupt_stops_any_prompt() {
        let mut p = Scripted::new([Step::Interrupt]);
        assert_eq!(p.confirm("Write?", true), Err(Interrupted));
        let err: Error = Interrupted.into();
        assert_eq!(err.exit_code(), 130);
    }

    #[test]
    fn empty_input_takes_the_default() {
        let mut p = Scripted::new([Step::Input(String::new())]);
        assert_eq!(
            p.input("Prefix", Some("docker.io/ann")).unwrap(),
            "docker.io/ann"
        );
        assert_eq!(p.transcript, ["? Prefix [docker.io/ann] => docker.io/ann"]);
    }
}

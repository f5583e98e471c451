//! How the wizard's prompts look: the two themes (colourful, or plain under
//! `NO_COLOR`), a refused answer's form, and the layout that keeps a question, its
//! default and its answer within the terminal's width: a question too wide for one row
//! is wrapped at its words, and a default that leaves no room to type goes on a row of
//! its own. [`super::terminal`] draws them.

use dialoguer::console::measure_text_width;
use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};

/// The columns a text question leaves to type in before its default goes on a row of
/// its own.
const ROOM_TO_TYPE: usize = 16;

/// The wizard's theme, and the form a refused answer takes in it.
pub struct Looks {
    pub theme: Box<dyn Theme>,
    /// The answered form with the refusal's mark (`✘`) instead of `✔`.
    refused: Box<dyn Theme>,
}

impl Looks {
    /// The colourful theme, or the plain one when `plain` (`NO_COLOR`).
    pub fn new(plain: bool) -> Looks {
        if plain {
            return Looks {
                theme: Box::new(SimpleTheme),
                refused: Box::new(SimpleTheme),
            };
        }
        let colorful = ColorfulTheme::default();
        let refused = ColorfulTheme {
            success_prefix: colorful.error_prefix.clone(),
            ..ColorfulTheme::default()
        };
        Looks {
            theme: Box::new(Bracketed(colorful)),
            refused: Box::new(Bracketed(refused)),
        }
    }

    /// A text question as it is asked, in rows of at most `width` columns where its
    /// words allow: `? PROMPT [DEFAULT] › ` on one row when that leaves room to type;
    /// else the prompt wrapped, and the default with the arrow on a row of their own.
    pub fn input_head(
        &self,
        prompt: &str,
        default: Option<&str>,
        hidden: bool,
        width: usize,
    ) -> String {
        let head = |prompt: &str| {
            let mut head = String::new();
            let _ = if hidden {
                self.theme.format_password_prompt(&mut head, prompt)
            } else {
                self.theme.format_input_prompt(&mut head, prompt, default)
            };
            head
        };
        let one = head(prompt);
        if measure_text_width(&one) + ROOM_TO_TYPE <= width {
            return one;
        }
        let question = question_rows(prompt, width);
        match default {
            // The theme puts one space before the default: it starts two columns in.
            Some(_) if !hidden => head(&format!("{question}\n ")),
            _ => head(&question),
        }
    }

    /// A yes/no question as it is asked, showing `value`: on one row when it fits,
    /// else the prompt wrapped with the choice after its last row.
    pub fn confirm_head(&self, prompt: &str, value: bool, width: usize) -> String {
        let head = |prompt: &str| {
            let mut head = String::new();
            let _ = self
                .theme
                .format_confirm_prompt(&mut head, prompt, Some(value));
            head
        };
        let one = head(prompt);
        let choice = measure_text_width(&one) - measure_text_width(prompt);
        if measure_text_width(&one) <= width {
            return one;
        }
        head(&question_rows(prompt, width.saturating_sub(choice).max(20)))
    }

    /// The answered form of a text question: `✔ PROMPT · ANSWER` (`PROMPT: ANSWER`
    /// plainly), with `✘` for an answer that was refused; a hidden answer shows as
    /// `********`.
    pub fn answered(&self, prompt: &str, answer: Option<&str>, refused: bool) -> String {
        let theme = if refused { &self.refused } else { &self.theme };
        let mut done = String::new();
        let _ = match answer {
            Some(answer) => theme.format_input_prompt_selection(&mut done, prompt, answer),
            None => theme.format_password_prompt_selection(&mut done, prompt),
        };
        done
    }
}

/// `prompt` in rows that fit `width` columns after the two of `? `: broken at its
/// words, the rows after the first indented two columns, under its text.
fn question_rows(prompt: &str, width: usize) -> String {
    crate::out::wrap(prompt, width.saturating_sub(2).max(20), 0).join("\n  ")
}

/// How many rows `text` takes on a terminal `width` columns wide, from the start of a
/// row, with `more` columns after its last line (what was typed).
pub fn rows_taken(text: &str, more: usize, width: usize) -> usize {
    let lines: Vec<&str> = text.split('\n').collect();
    let last = lines.len() - 1;
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let columns = measure_text_width(line) + if i == last { more } else { 0 };
            columns.max(1).div_ceil(width.max(1))
        })
        .sum()
}

/// A prompt without a trailing parenthesised explanation: `Push repository prefix`
/// for `Push repository prefix (images go to PREFIX/<image>)`.
pub fn short_prompt(prompt: &str) -> &str {
    match prompt.strip_suffix(')').and_then(|p| p.rfind(" (")) {
        Some(at) => &prompt[..at],
        None => prompt,
    }
}

/// `text` cut to `width` columns, with `…` when something was cut. ANSI codes are
/// dropped from a text that is cut.
pub fn truncate(text: &str, width: usize) -> String {
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
pub fn fit_lines(text: &str, width: usize) -> Vec<String> {
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

    /// A default that leaves no room to type goes on a row of its own; the question is
    /// wrapped at its words; every row fits, in both themes.
    #[test]
    fn a_long_default_goes_on_a_row_of_its_own() {
        let prompt = "Push repository prefix (images go to PREFIX/<image>)";
        let default = "docker.io/acme-ml-builders";
        for plain in [false, true] {
            dialoguer::console::set_colors_enabled_stderr(false);
            let looks = Looks::new(plain);
            let short = looks.input_head("Registry name", Some("acme"), false, 59);
            assert!(!short.contains('\n'), "{short:?}");
            for width in [79, 59] {
                let head = looks.input_head(prompt, Some(default), false, width);
                let rows: Vec<&str> = head.split('\n').collect();
                assert_eq!(rows.len(), 2, "{head:?}");
                assert!(
                    rows[0].ends_with("(images go to PREFIX/<image>)"),
                    "{head:?}"
                );
                assert!(rows[1].starts_with(&format!("  [{default}]")), "{head:?}");
                assert!(
                    rows.iter().all(|r| measure_text_width(r) < width),
                    "{head:?}"
                );
                assert_eq!(rows_taken(&head, 3, width), 2);
            }
            let long = "Limit the grant to the one repository (ABAC repository permissions)?";
            let head = looks.confirm_head(long, false, 59);
            assert!(
                head.split('\n').all(|r| measure_text_width(r) <= 59),
                "{head:?}"
            );
            let flat = head.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(flat.contains(long), "{head:?}");
            assert!(head.contains('\n'), "{head:?}");
        }
    }

    #[test]
    fn a_refused_answer_has_the_refusal_mark() {
        dialoguer::console::set_colors_enabled_stderr(false);
        let looks = Looks::new(false);
        let taken = looks.answered("Keyfile", Some("~/sa.json"), false);
        let refused = looks.answered("Keyfile", Some("~/sa.json"), true);
        assert!(taken.starts_with('✔'), "{taken}");
        assert!(refused.starts_with('✘'), "{refused}");
        assert_eq!(taken[3..], refused[3..]);
        let plain = Looks::new(true);
        assert_eq!(plain.answered("Keyfile", Some("x"), true), "Keyfile: x");
    }

    #[test]
    fn rows_count_each_line_and_what_was_typed() {
        assert_eq!(rows_taken("abc", 0, 10), 1);
        assert_eq!(rows_taken("abc", 8, 10), 2);
        assert_eq!(rows_taken("abc\n  [x] › ", 0, 10), 2);
        assert_eq!(rows_taken("", 0, 10), 1);
    }
}

//! Warnings as values: what is wrong ([`Code`], so a later step can drop one that no
//! longer applies), the sentence, and advice that reads differently on each surface
//! ([`Surface`]): a flag for `phib render`, an answer for the wizard. Nothing rewrites a
//! warning's text afterwards.

/// Which warning it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The password sits in the values (and the chart's ConfigMap).
    PasswordInValues,
    /// The password ends with a line break.
    PasswordLineBreak,
    /// A plain-http endpoint: `insecureSkipVerify` is written for it.
    PlainHttp,
    /// A self-hosted endpoint without a scheme: only `phib verify` can tell whether it
    /// speaks plain http.
    SchemeLess,
    /// A registry host without a `.` (works before chart 4.0).
    HostWithoutDot,
    /// The block was fitted to an older chart (a prefix instead of `pushRepo`), or the
    /// chart version needs something of the values file phib cannot see.
    Chart,
    /// A combination known to fail, written because the user accepted it (`--accept`).
    Accepted,
    /// A keyfile of another project than the push repository's.
    KeyfileProject,
    /// ECR's Secret must be kept fresh by something else.
    EcrRefresh,
    /// A registry's own warning about its credentials or names.
    Registry,
    /// A file holding a secret was readable by others (now fixed).
    FileTooOpen,
}

/// Where a warning is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `phib render` and the other commands: advice names flags.
    Flags,
    /// The wizard: advice names answers.
    Wizard,
}

/// One warning (stderr, exit 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub code: Code,
    message: String,
    advice: Option<(String, String)>,
}

impl Warning {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Warning {
            code,
            message: message.into(),
            advice: None,
        }
    }

    /// What to do, said for each surface; it follows the message directly.
    pub fn advice(mut self, flags: impl Into<String>, wizard: impl Into<String>) -> Self {
        self.advice = Some((flags.into(), wizard.into()));
        self
    }

    /// The warning as `surface` shows it (without the `warning:` lead).
    pub fn render(&self, surface: Surface) -> String {
        match (&self.advice, surface) {
            (None, _) => self.message.clone(),
            (Some((flags, _)), Surface::Flags) => format!("{}{flags}", self.message),
            (Some((_, wizard)), Surface::Wizard) => format!("{}{wizard}", self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advice_follows_the_surface() {
        let w = Warning::new(Code::PlainHttp, "plain http; ").advice("add `--x`", "answer yes");
        assert_eq!(w.render(Surface::Flags), "plain http; add `--x`");
        assert_eq!(w.render(Surface::Wizard), "plain http; answer yes");
        let plain = Warning::new(Code::Registry, "only this");
        assert_eq!(plain.render(Surface::Wizard), "only this");
    }
}

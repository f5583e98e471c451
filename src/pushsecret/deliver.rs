//! Delivering the external and sealed push-secret modes. `phib render --secret-mode`
//! and the wizard both come here with a [`Choice`], so the two write the same bytes:
//! - `choice`: the [`Choice`], checking the options and where the Secret goes before
//!   anything is written, and swapping the validated block for one without credentials
//!   ([`super::split`]);
//! - [`sealing`]: sealed mode's options and the controller's certificate;
//! - `out_file`: the manifest file (`--secret-out`), checked when named, before the
//!   first write and when written, and `--check` against it;
//! - `finish`: once the values are written, the Secret (or SealedSecret) manifest
//!   written to its file or handed to `kubectl apply -f -` on standard input.
//!
//! Here: what remains to do after the values are written ([`Pending`]).

mod choice;
mod finish;
mod out_file;
pub mod sealing;

use super::keyless::Plan;
use super::sealed::Scope;
use super::PushSecret;
pub use choice::{check_sealed_mode, prepare, Choice};
pub use finish::finish;
pub use out_file::{check, check_outputs, check_secret_out, OutFile};
pub use sealing::Sealing;

/// What remains to do after the values are written.
#[derive(Debug, Clone)]
pub enum Pending {
    /// Values mode: nothing (the plan's warning says where the password ends up).
    Values,
    /// External mode: deliver these manifests.
    External { manifests: Manifests, to: Output },
}

#[derive(Debug, Clone)]
pub enum Manifests {
    Static(PushSecret),
    /// Kept fresh by the External Secrets Operator (a generator, or a central store).
    Keyless(Box<Plan>),
    /// Sealed with the controller's certificate: a SealedSecret, which the
    /// sealed-secrets controller turns into the push Secret.
    Sealed(Box<SealedPush>),
}

/// The push Secret, sealed.
#[derive(Debug, Clone)]
pub struct SealedPush {
    /// The Secret the controller makes of it: the login phib holds, which the wizard
    /// checks against the registry (nobody but the controller can read it back).
    pub secret: PushSecret,
    pub scope: Scope,
    /// Where the certificate came from, and until when it holds, in words.
    pub sealed_with: String,
    /// The SealedSecret (YAML): nothing in it is secret, it may go into git.
    pub manifest: String,
}

impl Manifests {
    /// Whether the External Secrets Operator makes the Secret.
    pub fn needs_operator(&self) -> bool {
        matches!(self, Manifests::Keyless(_))
    }
}

#[derive(Debug, Clone)]
pub enum Output {
    File(Box<OutFile>),
    /// `kubectl apply -f -`.
    Apply,
}

impl Pending {
    /// Where the credentials will be, in words, for a summary before anything is
    /// written (no secret in it).
    pub fn summary(&self) -> String {
        let (what, to) = match self {
            Pending::Values => {
                return "the credentials stay in the values file (PrimeHub's documented way)"
                    .to_string()
            }
            Pending::External { manifests, to } => (manifests, to),
        };
        let what = match what {
            Manifests::Static(s) => format!(
                "the credentials go into the Secret `{}` (namespace `{}`)",
                s.name, s.namespace
            ),
            Manifests::Keyless(p) => format!(
                "external-secrets.io keeps the Secret `{}` (namespace `{}`) fresh: {}",
                p.manifests.name(),
                p.manifests.namespace(),
                p.manifests.describe()
            ),
            Manifests::Sealed(p) => format!(
                "the credentials go into the SealedSecret `{}` (namespace `{}`, scope {}), sealed with {}, which the sealed-secrets controller turns into the Secret `{}`",
                p.secret.name,
                p.secret.namespace,
                p.scope.name(),
                p.sealed_with,
                p.secret.name
            ),
        };
        match to {
            Output::File(f) => format!("{what}, written to `{}` (mode 0600)", f.path.display()),
            Output::Apply => format!("{what}, applied with `kubectl apply -f -`"),
        }
    }
}

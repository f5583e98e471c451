//! Delivering the Secret once the values are written: the manifest written to its file,
//! or handed to `kubectl apply -f -` on standard input; and what was done, in words.

use super::{Manifests, Output, Pending};
use crate::runner::{self, Tool};
use crate::secret::Secret;
use crate::{Error, Result};

/// Delivers what [`prepare`] decided, after the values were written. Returns what was
/// done, as a sentence for the caller to show (nothing in values mode).
pub fn finish(pending: Pending) -> Result<Option<String>> {
    let (manifests, to) = match pending {
        Pending::Values => return Ok(None),
        Pending::External { manifests, to } => (manifests, to),
    };
    let (text, what) = match &manifests {
        Manifests::Static(s) => {
            let what = format!("the push Secret `{}` (namespace `{}`)", s.name, s.namespace);
            crate::secret::learn_login(&s.username, s.password.expose());
            (s.manifest(), what)
        }
        Manifests::Keyless(p) => (Secret::holding(p.manifests.text()), p.manifests.describe()),
        Manifests::Sealed(p) => {
            crate::secret::learn_login(&p.secret.username, p.secret.password.expose());
            let what = format!(
                "the SealedSecret `{}` (namespace `{}`, scope {})",
                p.secret.name,
                p.secret.namespace,
                p.scope.name()
            );
            (Secret::holding(p.manifest.clone()), what)
        }
    };
    let grant = match &manifests {
        Manifests::Keyless(p) => format!(
            "\nleast-privilege grant for the identity (run once; the comments say what each step allows):\n{}",
            p.grant.script().trim_end()
        ),
        Manifests::Static(_) => String::new(),
        Manifests::Sealed(p) => format!(
            "; the sealed-secrets controller turns it into the push Secret `{}`",
            p.secret.name
        ),
    };
    match to {
        Output::File(f) if matches!(manifests, Manifests::Sealed(_)) => {
            f.write(&text)?;
            Ok(Some(format!(
                "wrote {what} to `{}`: commit it beside the values (Argo CD, Flux or helmfile applies it), or apply it with `kubectl apply -f {}`{grant}",
                f.path.display(),
                f.path.display()
            )))
        }
        Output::File(f) => {
            f.write(&text)?;
            Ok(Some(format!(
                "wrote {what} to `{}` (mode 0600); apply it with `kubectl apply -f {}`{grant}",
                f.path.display(),
                f.path.display()
            )))
        }
        Output::Apply => {
            let out = kubectl_apply(text)?;
            Ok(Some(format!("applied {what} with kubectl: {out}{grant}")))
        }
    }
}

/// Runs `kubectl apply -f -` with the manifest on standard input: no secret in argv.
/// Returns kubectl's one-line report. Its error output, which should name no secret,
/// has every secret replaced anyway before it is shown (the runner does it).
fn kubectl_apply(manifest: Secret) -> Result<String> {
    let kubectl = runner::find(Tool::Kubectl)?;
    let _waiting = crate::out::progress("applying with kubectl");
    let out = kubectl
        .call()
        .args(&["apply", "-f", "-"])
        .input(manifest)
        .run()?;
    if !out.ok() {
        return Err(Error::failed(format!(
            "`kubectl apply -f -` failed: {}",
            out.stderr.trim()
        ))
        .with_help("check the kubectl context (`kubectl config current-context`) and that the namespace exists (`--namespace`)"));
    }
    Ok(crate::secret::redact(
        String::from_utf8_lossy(&out.stdout).trim(),
    ))
}

//! Kubernetes and Helm names: the one grammar for the names phib writes into manifests
//! and passes to helm and kubectl (Secrets, releases, namespaces, ServiceAccounts,
//! kubeconfig contexts). A name that comes from a file or the cluster is checked here
//! before it becomes an argument ([`crate::runner`]), so that a values file cannot make
//! kubectl read `--kubeconfig=…` or `-A` from a `pushSecretName`.

/// What a name names, which decides its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Name {
    /// A Secret, ConfigMap, ExternalSecret or other object: a DNS subdomain.
    Object,
    /// A Helm release: a DNS subdomain of at most 53 characters.
    Release,
    /// A namespace: one DNS label.
    Namespace,
    /// A kubeconfig context: any text but no option and no control character.
    Context,
}

impl Name {
    /// What the name is, for messages.
    pub fn what(self) -> &'static str {
        match self {
            Name::Object => "a valid Kubernetes object name",
            Name::Release => "a valid Helm release name",
            Name::Namespace => "a valid namespace",
            Name::Context => "a usable kubeconfig context name",
        }
    }

    /// How a good one looks, for the `help:` line.
    pub fn rule(self) -> &'static str {
        match self {
            Name::Object => "use lower-case letters, digits, `-` and `.`, starting and ending with a letter or digit",
            Name::Release => "use at most 53 lower-case letters, digits, `-` and `.`, as `helm list` shows it",
            Name::Namespace => "use PrimeHub's namespace as `kubectl get ns` shows it, e.g. `hub`",
            Name::Context => "name the context as `kubectl config get-contexts` shows it",
        }
    }

    /// Whether `value` is such a name.
    pub fn accepts(self, value: &str) -> bool {
        match self {
            Name::Object => dns_name(value, 253, true),
            Name::Release => dns_name(value, 53, true),
            Name::Namespace => dns_name(value, 63, false),
            Name::Context => {
                !value.is_empty()
                    && !value.starts_with('-')
                    && !value.chars().any(crate::error::is_terminal_control)
            }
        }
    }
}

/// The one DNS-name rule: at most `max` characters of lower-case labels (letters,
/// digits, `-`, not at either end) of at most 63 characters, joined by `.` when `dots`
/// (a subdomain), else exactly one label.
pub fn dns_name(s: &str, max: usize, dots: bool) -> bool {
    let label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    !s.is_empty()
        && s.len() <= max
        && if dots {
            s.split('.').all(label)
        } else {
            label(s)
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_look_like_options_are_no_names() {
        for kind in [Name::Object, Name::Release, Name::Namespace, Name::Context] {
            for bad in ["-A", "--kubeconfig=/tmp/x", "-oyaml", "", "a\u{1b}[2Jb"] {
                assert!(!kind.accepts(bad), "{kind:?} {bad:?}");
            }
        }
        assert!(Name::Object.accepts("primehub-controller-custom-image-push-secret"));
        assert!(Name::Object.accepts("a.b"));
        assert!(!Name::Namespace.accepts("a.b"));
        assert!(!Name::Release.accepts(&"a".repeat(54)));
        assert!(Name::Context.accepts("arn:aws:eks:us-east-1:1:cluster/x"));
    }
}

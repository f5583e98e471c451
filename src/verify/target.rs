//! Where `verify` connects and what it asks for: the registry host and scheme from
//! `registryEndpoint`, and the repository path that image builds push to. Host names are
//! normalised the way containers/image (buildah) matches credentials to images, so that
//! verify checks the registry the builds will really talk to.

use crate::registry::check;
use crate::values::model::{CustomImage, PushTarget};
use crate::{Error, Result};

/// The repository verify probes under a `pushRepoPrefix` (never pushed to: the upload is
/// cancelled).
pub const PROBE_REPO: &str = "phib-push-check";

/// The scheme the endpoint names, if it names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Https,
    Http,
    Unspecified,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `host[:port]` to connect to (`docker.io` becomes `registry-1.docker.io`).
    pub host: String,
    /// `host[:port]` as credentials are keyed (`docker.io` for Docker Hub).
    pub auth_host: String,
    pub scheme: Scheme,
    /// The repository path without host (`ns/img`), when the block names a push target.
    pub repo_path: Option<String>,
}

/// Splits `registryEndpoint` into scheme and normalised host. `None` without a host.
fn parse_endpoint(endpoint: &str) -> Option<(Scheme, String)> {
    let e = endpoint.trim();
    let lower = e.to_ascii_lowercase();
    let (scheme, rest) = if lower.starts_with("https://") {
        (Scheme::Https, &e["https://".len()..])
    } else if lower.starts_with("http://") {
        (Scheme::Http, &e["http://".len()..])
    } else {
        (Scheme::Unspecified, e)
    };
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '@') {
        return None;
    }
    Some((scheme, normalise_host(host)))
}

/// Docker Hub's three names are one registry; everything else is compared as written.
fn normalise_host(host: &str) -> String {
    if check::is_docker_hub(host) {
        check::DOCKER_HUB.to_string()
    } else {
        host.to_string()
    }
}

/// Splits a repository reference into its host (if the first component is one, as
/// docker's reference grammar decides) and its path.
fn split_repo(repo: &str) -> (Option<&str>, &str) {
    match check::repository_host(repo) {
        Some(host) => (
            Some(host),
            repo[host.len()..].strip_prefix('/').unwrap_or(""),
        ),
        None => (None, repo),
    }
}

/// A repository path as the distribution spec allows it: `/`-separated components of
/// lowercase letters and digits joined by `.`, `_`, `__` or `-` runs.
fn is_repository_path(path: &str) -> bool {
    path.split('/').all(check::path_component)
}

impl Target {
    /// Works out the target from the block. Bad input (no host, a push target on another
    /// host than the endpoint) is a usage error: the values must be fixed first.
    pub fn from_block(ci: &CustomImage) -> Result<Target> {
        let Some((scheme, auth_host)) = parse_endpoint(&ci.registry_endpoint) else {
            return Err(Error::usage(format!(
                "`customImage.registryEndpoint` ({:?}) names no registry host",
                crate::secret::hide_url_passwords(&ci.registry_endpoint)
            ))
            .with_help(
                "set it with `phib render`, e.g. `--endpoint https://registry.example.com`",
            ));
        };
        let repo_path = match &ci.push {
            None => None,
            Some(push) => {
                let written = push.as_str().trim_end_matches('/');
                let (_, path) = split_repo(written);
                let key = match push {
                    PushTarget::Prefix(_) => "pushRepoPrefix",
                    PushTarget::Repo(_) => "pushRepo",
                };
                // The check `phib render` makes, so verify refuses what render would.
                if let Some((push_host, _)) =
                    check::push_host_mismatch(&ci.registry_endpoint, written)
                {
                    let push_host = normalise_host(push_host);
                    return Err(Error::usage(format!(
                        "`customImage.{key}` pushes to `{push_host}` but `registryEndpoint` is `{auth_host}`: image builds would find no credentials"
                    ))
                    .with_help("make both name the same registry host, e.g. with `phib render`"));
                }
                if !path.is_empty() && !is_repository_path(path) {
                    return Err(Error::usage(format!(
                        "`customImage.{key}` has the repository path `{path}`, which registries refuse: paths are lowercase letters, digits and `.`, `_`, `-` separated by `/`, with no tag or digest"
                    ))
                    .with_help("fix it with `phib render`"));
                }
                if path.is_empty() && matches!(push, PushTarget::Repo(_)) {
                    return Err(Error::usage(
                        "`customImage.pushRepo` names a registry but no repository",
                    )
                    .with_help(
                        "write it as `HOST/PATH/NAME`, e.g. with `phib render --push-repo`",
                    ));
                }
                Some(match push {
                    PushTarget::Repo(_) => path.to_string(),
                    PushTarget::Prefix(_) if path.is_empty() => PROBE_REPO.to_string(),
                    PushTarget::Prefix(_) => format!("{path}/{PROBE_REPO}"),
                })
            }
        };
        let host = if auth_host == check::DOCKER_HUB {
            check::DOCKER_HUB_API.to_string()
        } else {
            auth_host.clone()
        };
        Ok(Target {
            host,
            auth_host,
            scheme,
            repo_path,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(endpoint: &str, push: Option<PushTarget>) -> CustomImage {
        CustomImage {
            registry_endpoint: endpoint.into(),
            registry_username: None,
            registry_password: None,
            push,
            push_secret_name: None,
            insecure_skip_verify: false,
        }
    }

    #[test]
    fn targets() {
        use PushTarget::{Prefix, Repo};
        // endpoint, push target, scheme, host, auth host, repository path
        type Case<'a> = (
            &'a str,
            Option<PushTarget>,
            Scheme,
            &'a str,
            &'a str,
            Option<&'a str>,
        );
        let cases: &[Case] = &[
            (
                "docker.io",
                Some(Prefix("docker.io/acme".into())),
                Scheme::Unspecified,
                "registry-1.docker.io",
                "docker.io",
                Some("acme/phib-push-check"),
            ),
            (
                "https://index.docker.io/v1/",
                Some(Repo("acme/builds".into())),
                Scheme::Https,
                "registry-1.docker.io",
                "docker.io",
                Some("acme/builds"),
            ),
            (
                "https://europe-west1-docker.pkg.dev",
                Some(Repo("europe-west1-docker.pkg.dev/p/r/img".into())),
                Scheme::Https,
                "europe-west1-docker.pkg.dev",
                "europe-west1-docker.pkg.dev",
                Some("p/r/img"),
            ),
            (
                "http://127.0.0.1:5000",
                Some(Prefix("127.0.0.1:5000/".into())),
                Scheme::Http,
                "127.0.0.1:5000",
                "127.0.0.1:5000",
                Some("phib-push-check"),
            ),
            (
                "HTTPS://ghcr.io",
                None,
                Scheme::Https,
                "ghcr.io",
                "ghcr.io",
                None,
            ),
        ];
        for (endpoint, push, scheme, host, auth_host, path) in cases {
            let t = Target::from_block(&block(endpoint, push.clone())).unwrap();
            assert_eq!(t.scheme, *scheme, "{endpoint}");
            assert_eq!(t.host, *host, "{endpoint}");
            assert_eq!(t.auth_host, *auth_host, "{endpoint}");
            assert_eq!(t.repo_path.as_deref(), *path, "{endpoint}");
        }
    }

    #[test]
    fn refuses_a_push_target_on_another_host_or_no_host() {
        let err = Target::from_block(&block(
            "https://gcr.io",
            Some(PushTarget::Prefix("us.gcr.io/p".into())),
        ))
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.message.contains("`customImage.pushRepoPrefix`"),
            "{}",
            err.message
        );
        for (push, want) in [
            (
                "reg.io/team/app:latest",
                "`customImage.pushRepo` has the repository path",
            ),
            (
                "reg.io/Team/app",
                "`customImage.pushRepo` has the repository path",
            ),
            (
                "reg.io/team//app",
                "`customImage.pushRepo` has the repository path",
            ),
            (
                "reg.io//app",
                "`customImage.pushRepo` has the repository path",
            ),
            ("reg.io", "names a registry but no repository"),
        ] {
            let err = Target::from_block(&block("reg.io", Some(PushTarget::Repo(push.into()))))
                .unwrap_err();
            assert!(err.message.contains(want), "{push}: {}", err.message);
        }
        assert!(is_repository_path("a/b-c/d__e/f.g"));
        assert!(!is_repository_path("a/-b"));
        assert!(
            !is_repository_path("a..b"),
            "the grammar joins with one `.`"
        );
        for bad in ["", "https://", "https:///x", "a b"] {
            let err = Target::from_block(&block(bad, None)).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}");
        }
    }
}

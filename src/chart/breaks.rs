//! What a chart version is known to break in the values phib writes: each combination
//! with its reason, its fix and the `--accept` name that writes it anyway.

use super::{facts, ChartVersion, EE_MODES, PUSH_REPO_FROM, SKIP_TLS_WORKS_FROM};

/// A combination a chart version is known to break, with the reason and the fix, as
/// phib says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Breaks {
    /// `pushRepo` on a chart that ignores it.
    PushRepoIgnored,
    /// `pushRepo` on a chart that ignores it, where the prefix of its namespace would
    /// reach the same place: images would go to `PREFIX/<image>`, a repository each, so
    /// the credential must be able to create repositories under the prefix.
    PushRepoAsPrefix { repo: String, prefix: String },
    /// `insecureSkipVerify` (or an `http://` endpoint) on a chart whose build script does
    /// not pass it to buildah.
    SkipTlsNotPassed,
    /// The image host (the push path's first component) has no `.` and chart 4.0+ turns
    /// the name into a Docker Hub path.
    DockerIoPrefix { host: String },
    /// Up to 3.3.0: the values file's `primehub.mode` is not `ee`/`deploy`.
    NeedsEeMode { mode: Option<String> },
    /// Values mode with a `pushSecretName` that is not the Secret the chart renders:
    /// the controller finds no push secret. `from` says where the name came from.
    SecretNotRendered {
        name: String,
        from: &'static str,
        chart_name: String,
        release: String,
    },
}

/// What `--accept` takes: one name per combination phib knows builds fail with, named
/// for what the user accepts.
pub const ACCEPT_NAMES: [&str; 6] = [
    "ignored-push-repo",
    "tls-verified-push",
    "docker-hub-path",
    "no-push-secret",
    "missing-push-secret",
    "push-repo-as-prefix",
];

impl Breaks {
    /// The `--accept` name that lets phib write the values anyway.
    pub fn accept_name(&self) -> &'static str {
        match self {
            Breaks::PushRepoIgnored => ACCEPT_NAMES[0],
            Breaks::SkipTlsNotPassed => ACCEPT_NAMES[1],
            Breaks::DockerIoPrefix { .. } => ACCEPT_NAMES[2],
            Breaks::NeedsEeMode { .. } => ACCEPT_NAMES[3],
            Breaks::SecretNotRendered { .. } => ACCEPT_NAMES[4],
            Breaks::PushRepoAsPrefix { .. } => ACCEPT_NAMES[5],
        }
    }

    /// Why builds fail, for `phib: <reason>`.
    pub fn reason(&self, v: &ChartVersion) -> String {
        match self {
            Breaks::PushRepoIgnored => format!(
                "PrimeHub chart {v} ignores `pushRepo` (read from {PUSH_REPO_FROM}): its controller would push every image to a bare `<image>:<hash>` on Docker Hub"
            ),
            Breaks::PushRepoAsPrefix { repo, prefix } => format!(
                "PrimeHub chart {v} ignores `pushRepo` (read from {PUSH_REPO_FROM}); what it reads instead is `pushRepoPrefix: {prefix}`, which sends each image to a repository of its own, `{prefix}/<image>:<hash>`, beside `{repo}`: the credential must be able to create repositories under `{prefix}`, and one limited to `{repo}` (a Quay robot with write on one repository, an ACR token's scope map, a Docker Hub repository-scoped token, a Harbor robot of one repository) is denied every push"
            ),
            Breaks::SkipTlsNotPassed if facts(v).has_skip_tls_key => format!(
                "PrimeHub chart {v} does not pass `insecureSkipVerify` on to buildah (its build script drops it; fixed in {SKIP_TLS_WORKS_FROM}): pushes to a plain-http or self-signed registry fail"
            ),
            Breaks::SkipTlsNotPassed => format!(
                "PrimeHub chart {v} has no `insecureSkipVerify` (from {SKIP_TLS_WORKS_FROM} it reaches buildah): pushes to a plain-http or self-signed registry fail"
            ),
            Breaks::DockerIoPrefix { host } => format!(
                "the registry host `{host}` has no `.`: PrimeHub chart {v} prepends `docker.io/` to such image names, so every push and pull goes to a path on Docker Hub"
            ),
            Breaks::NeedsEeMode { mode } => format!(
                "PrimeHub chart {v} renders the push Secret and build scripts only with `primehub.mode: ee` (or `deploy`), and the values file has {}",
                match mode {
                    Some(m) => format!("`primehub.mode: {m}`"),
                    None => "no `primehub.mode` (the chart's default is `ce`)".into(),
                }
            ),
            Breaks::SecretNotRendered { name, from, chart_name, release } => format!(
                "{from} `{name}` names a Secret nobody creates: with the credentials in the values, the chart renders its push Secret as `{chart_name}` (release `{release}`), and builds would fail with \"push secret not found\""
            ),
        }
    }

    /// The next step and, for a user who knows, the flag that writes the values anyway.
    pub fn help(&self, v: &ChartVersion) -> String {
        if let Breaks::PushRepoAsPrefix { prefix, .. } = self {
            return format!(
                "if the credential may create repositories under `{prefix}`, give `--push-repo-prefix {prefix}` (or add `--accept {}` to have phib write it for `--push-repo`); else upgrade PrimeHub to {PUSH_REPO_FROM} or later and pass `--chart-version`",
                self.accept_name()
            );
        }
        format!(
            "{}; or, to write it knowing builds will fail, `--accept {}`",
            self.fix(v),
            self.accept_name()
        )
    }

    /// The next step, for `help: <fix>`.
    pub fn fix(&self, _v: &ChartVersion) -> String {
        match self {
            Breaks::PushRepoAsPrefix { prefix, .. } => format!(
                "if the credential may create repositories under `{prefix}`, answer `{prefix}` as the push repository prefix and leave the single push repository empty; else upgrade PrimeHub to {PUSH_REPO_FROM} or later"
            ),
            Breaks::PushRepoIgnored => format!(
                "use `--push-repo-prefix` (a repository per image, `<prefix>/<image>`), or upgrade PrimeHub to {PUSH_REPO_FROM} or later and pass `--chart-version`"
            ),
            Breaks::SkipTlsNotPassed => format!(
                "serve the registry over https with a certificate the build image trusts, or upgrade PrimeHub to {SKIP_TLS_WORKS_FROM} or later and pass `--chart-version`"
            ),
            Breaks::DockerIoPrefix { .. } => "use the registry's name with a dot (a DNS name) or its IP address".into(),
            Breaks::NeedsEeMode { .. } => "set `primehub.mode: ee` in the values file (the image builder is an Enterprise feature on this chart)".into(),
            Breaks::SecretNotRendered { name, .. } => format!(
                "drop the name to use the chart's, or keep the credentials in a Secret of your own named `{name}`: `--secret-mode external --secret-name {name}`"
            ),
        }
    }
}

/// What a chart version breaks in the values phib is about to write: the push target
/// (`pushRepo` or prefix), whether TLS verification must be skipped (an `http://`
/// endpoint or `insecureSkipVerify`), and the values file's `primehub.mode` when a
/// values file is being edited (`None` for `--stdout`).
pub fn breaks(
    v: &ChartVersion,
    push_repo: Option<&str>,
    push_repo_prefix: Option<&str>,
    needs_skip_tls: bool,
    mode: Option<Option<&str>>,
) -> Vec<Breaks> {
    let f = facts(v);
    let mut out = Vec::new();
    if push_repo.is_some() && !f.reads_push_repo {
        out.push(Breaks::PushRepoIgnored);
    }
    if needs_skip_tls && !f.push_skips_tls {
        out.push(Breaks::SkipTlsNotPassed);
    }
    if f.prepends_docker_io {
        if let Some(path) = push_repo.or(push_repo_prefix) {
            let first = path.split('/').next().unwrap_or(path);
            if !first.contains('.') {
                out.push(Breaks::DockerIoPrefix {
                    host: first.to_string(),
                });
            }
        }
    }
    if let Some(mode) = mode {
        if f.needs_ee_mode && !mode.is_some_and(|m| EE_MODES.contains(&m)) {
            out.push(Breaks::NeedsEeMode {
                mode: mode.map(str::to_string),
            });
        }
    }
    out
}

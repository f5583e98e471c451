//! Fitting a planned block to the PrimeHub chart version it is written for: adapting
//! what has an equivalent on that chart, naming the chart's own push Secret in values
//! mode, and refusing what the chart is known to break unless the user accepts it
//! (`--accept`). The facts come from [`crate::chart`]; this is the plan's use of them.

use super::{Settings, Validated};
use crate::block::CustomImage;
use crate::chart::{self, DEFAULT_PUSH_SECRET_NAME};
use crate::registry::{Code, FieldId, PushTarget, Surface, Warning};
use crate::{Error, Result};

/// The chart a block is written for, and what the values file around the block says.
#[derive(Debug, Clone)]
pub struct ChartTarget {
    pub version: chart::ChartVersion,
    pub source: chart::Source,
    /// What the values file being edited says (`None`: printing with `--stdout`).
    pub values: Option<chart::ChartValues>,
    /// The live release's name when helm could reach it (used when `--release` is not
    /// given).
    pub live_release: Option<String>,
    /// The credentials go into a Secret of the user's own (`--secret-mode external`).
    pub external: bool,
    /// `--accept NAME`: combinations known to fail that the user wants written anyway
    /// ([`chart::ACCEPT_NAMES`]).
    pub accepted: Vec<String>,
}

impl ChartTarget {
    /// The release the chart's names follow: `--release`, else the live one, else
    /// `primehub`.
    pub fn release<'a>(&'a self, settings: &'a Settings) -> &'a str {
        settings
            .text(FieldId::Release)
            .or(self.live_release.as_deref())
            .unwrap_or(chart::DEFAULT_RELEASE)
    }
}

impl Validated {
    /// Fits the block to the chart version it is for: names the chart's own push Secret
    /// in values mode, warns when the values' `primehub.mode` hides the image builder,
    /// and refuses what the chart is known to break (exit 2, nothing written; the help
    /// names `--accept` on the command line only, the wizard's says what to answer).
    /// A `pushRepo` the chart ignores becomes the prefix that reaches the same
    /// namespace (on registries that create repositories on push) only when accepted:
    /// that prefix needs a credential that may create repositories. Returns the line
    /// saying which chart it assumed.
    pub fn fit_chart(
        &mut self,
        settings: &Settings,
        target: &ChartTarget,
        surface: Surface,
    ) -> Result<String> {
        let v = &target.version;
        if !chart::is_known(v) {
            return Err(Error::usage(format!(
                "PrimeHub chart {v} is older than {}, the oldest with an image builder phib knows",
                chart::OLDEST
            ))
            .with_help(
                "upgrade PrimeHub, or pass the chart version it runs with `--chart-version`",
            ));
        }
        let facts = chart::facts(v);
        self.push_repo_as_prefix(settings, target, surface, &facts)?;
        let ci = &mut self.custom_image;
        let (push_repo, prefix) = match &ci.push {
            Some(PushTarget::Repo(r)) => (Some(r.as_str()), None),
            Some(PushTarget::Prefix(p)) => (None, Some(p.as_str())),
            None => (None, None),
        };
        let needs_skip_tls = ci.insecure_skip_verify || ci.registry_endpoint.starts_with("http://");
        let mode = target.values.as_ref().map(|cv| cv.mode.as_deref());
        let mut found = chart::breaks(v, push_repo, prefix, needs_skip_tls, mode);
        chart_warnings(target, &facts, push_repo.or(prefix), &mut self.warnings);
        if !target.external && ci.registry_password.is_some() {
            name_the_charts_secret(ci, settings, target, &mut found);
        }
        for b in found {
            accept(&b, target, surface, &mut self.warnings)?;
        }
        Ok(chart::assumed_line(v, &target.source))
    }

    /// A `pushRepo` the chart ignores: the prefix of its namespace reaches the same
    /// place on registries that create repositories on push, but only with a
    /// credential that may create them: written only when accepted.
    fn push_repo_as_prefix(
        &mut self,
        settings: &Settings,
        target: &ChartTarget,
        surface: Surface,
        facts: &chart::Facts,
    ) -> Result<()> {
        let ci = &mut self.custom_image;
        if let (Some(PushTarget::Repo(repo)), false) = (&ci.push, facts.reads_push_repo) {
            let parent = repo.rsplit_once('/').map(|(p, _)| p.to_string());
            let reaches_namespace = parent.as_deref().is_some_and(|p| p.contains('/'));
            if settings.kind().creates_repositories_on_push() && reaches_namespace {
                let b = chart::Breaks::PushRepoAsPrefix {
                    repo: repo.clone(),
                    prefix: parent.unwrap_or_default(),
                };
                accept(&b, target, surface, &mut self.warnings)?;
                if let chart::Breaks::PushRepoAsPrefix { prefix, .. } = b {
                    ci.push = Some(PushTarget::Prefix(prefix));
                }
            }
        }
        Ok(())
    }
}

/// What the chart knows to break, refused (exit 2, nothing written; the help names
/// `--accept` on the command line only, the wizard's says what to answer), unless the
/// user accepted it: then a warning that it was written anyway.
fn accept(
    b: &chart::Breaks,
    target: &ChartTarget,
    surface: Surface,
    warnings: &mut Vec<Warning>,
) -> Result<()> {
    let v = &target.version;
    if !target.accepted.iter().any(|a| a == b.accept_name()) {
        let help = match surface {
            Surface::Flags => b.help(v),
            Surface::Wizard => b.fix(v),
        };
        return Err(Error::usage(b.reason(v)).with_help(help));
    }
    warnings.push(Warning::new(
        Code::Accepted,
        format!(
            "{} (written anyway: `--accept {}`)",
            b.reason(v),
            b.accept_name()
        ),
    ));
    Ok(())
}

/// What the chart version says beside what it breaks: the values' `primehub.mode` that
/// hides the image builder (or, printing, the mode an old chart needs), and a push host
/// without a dot that works here but not after an upgrade to 4.0.
fn chart_warnings(
    target: &ChartTarget,
    facts: &chart::Facts,
    push_path: Option<&str>,
    warnings: &mut Vec<Warning>,
) {
    let v = &target.version;
    if let Some(w) = target
        .values
        .as_ref()
        .and_then(|cv| chart::console_mode_warning(v, cv))
    {
        warnings.push(Warning::new(Code::Chart, w));
    }
    if facts.needs_ee_mode && target.values.is_none() {
        warnings.push(Warning::new(Code::Chart, format!(
            "PrimeHub chart {v} renders the push Secret only with `primehub.mode: ee` (or `deploy`): check the values PrimeHub runs with (docs/chart-versions.md)"
        )));
    }
    if !facts.prepends_docker_io {
        let host = chart::breaks(&chart::NEWEST, None, push_path, false, None)
            .into_iter()
            .find_map(|b| match b {
                chart::Breaks::DockerIoPrefix { host } => Some(host),
                _ => None,
            });
        if let Some(host) = host {
            warnings.push(Warning::new(
                Code::HostWithoutDot,
                format!(
                    "the registry host `{host}` has no `.`: fine on chart {v}, but chart 4.0 and later push to Docker Hub instead (docs/chart-versions.md)"
                ),
            ));
        }
    }
}

/// Values mode: the controller must find the Secret the chart renders. A name given
/// (or kept, for a known release) that is not the chart's is added to `found`; with
/// none, the chart's name is written when it is not the default.
fn name_the_charts_secret(
    ci: &mut CustomImage,
    settings: &Settings,
    target: &ChartTarget,
    found: &mut Vec<chart::Breaks>,
) {
    let release = target.release(settings);
    let values = target.values.clone().unwrap_or_default();
    let chart_name = chart::push_secret_name(&values.naming(release));
    // The name `validate` derived from `--release` alone is recomputed here with
    // the values file's overrides.
    let derived = settings.text(FieldId::Release).map(|r| {
        chart::push_secret_name(&chart::Naming {
            release: r,
            ..Default::default()
        })
    });
    if !settings.is_set(FieldId::PushSecretName) && ci.push_secret_name == derived {
        ci.push_secret_name = None;
    }
    // A kept name (`--rotate`) is checked only against a known release.
    let known = settings.is_set(FieldId::Release) || target.live_release.is_some();
    let given = match (settings.text(FieldId::PushSecretName), &ci.push_secret_name) {
        (Some(n), _) => Some((n.to_string(), "`--push-secret-name`")),
        (None, Some(n)) if known => Some((n.clone(), "`pushSecretName`")),
        _ => None,
    };
    match given {
        Some((name, from)) if name != chart_name => {
            found.push(chart::Breaks::SecretNotRendered {
                name,
                from,
                chart_name,
                release: release.to_string(),
            });
        }
        Some(_) => {}
        None if ci.push_secret_name.is_none() && chart_name != DEFAULT_PUSH_SECRET_NAME => {
            ci.push_secret_name = Some(chart_name);
        }
        None => {}
    }
}

/// Checks a block already written (what `phib upgrade` is about to apply) against the
/// chart version it goes to: exit 2 with the reason and the fix when that chart is
/// known to break it. `values` is what the release's values say besides the block (its
/// `primehub.mode` and name overrides), `release` the release the chart names things
/// after (`None`: unknown, the push Secret's name is not checked).
pub fn check_block(
    ci: &CustomImage,
    v: &chart::ChartVersion,
    values: &chart::ChartValues,
    release: Option<&str>,
) -> Result<()> {
    let (push_repo, prefix) = match &ci.push {
        Some(PushTarget::Repo(r)) => (Some(r.as_str()), None),
        Some(PushTarget::Prefix(p)) => (None, Some(p.as_str())),
        None => (None, None),
    };
    let needs_skip_tls = ci.insecure_skip_verify || ci.registry_endpoint.starts_with("http://");
    let mode = Some(values.mode.as_deref());
    if let Some(b) = chart::breaks(v, push_repo, prefix, needs_skip_tls, mode).first() {
        return Err(Error::usage(b.reason(v)).with_help(format!(
            "{}; then write the block again with `phib render --chart-version {v}`",
            b.fix(v)
        )));
    }
    if let (Some(release), true) = (release, ci.registry_password.is_some()) {
        let chart_name = chart::push_secret_name(&values.naming(release));
        let name = ci
            .push_secret_name
            .as_deref()
            .unwrap_or(DEFAULT_PUSH_SECRET_NAME);
        if name != chart_name {
            return Err(Error::usage(format!(
                "`pushSecretName` `{name}` names a Secret nobody creates: with the credentials in the values, the chart renders its push Secret for release `{release}` as `{chart_name}`"
            ))
            .with_help(format!(
                "write the block again with `phib render --release {release}`, or keep the credentials in a Secret of your own (`--secret-mode external`)"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Answer, Kind};
    use crate::secret::Secret;

    fn planned(push_repo: &str) -> (Settings, Validated) {
        let mut s = Settings::new(Kind::Harbor);
        for (id, v) in [
            (FieldId::Endpoint, "https://h.example.com"),
            (FieldId::Username, "robot$team+ci"),
            (FieldId::PushRepo, push_repo),
        ] {
            s.set(id, Answer::Text(v.into())).unwrap();
        }
        s.set(FieldId::Password, Answer::Secret(Secret::new("pw")))
            .unwrap();
        let v = s.validate().unwrap();
        (s, v)
    }

    fn target(version: &str, accepted: &[&str]) -> ChartTarget {
        ChartTarget {
            version: version.parse().unwrap(),
            source: chart::Source::Flag,
            values: None,
            live_release: None,
            external: false,
            accepted: accepted.iter().map(|a| a.to_string()).collect(),
        }
    }

    /// The same refusal, said for each surface: the command line names the flags, the
    /// wizard offers the prefix to answer instead.
    #[test]
    fn a_push_repo_as_prefix_is_refused_and_the_wizard_is_offered_the_prefix() {
        let (s, v) = planned("h.example.com/team/images");
        let flags = v
            .clone()
            .fit_chart(&s, &target("3.7.0", &[]), Surface::Flags)
            .unwrap_err();
        assert_eq!(flags.exit_code(), 2);
        assert!(
            flags
                .help
                .as_deref()
                .unwrap()
                .contains("`--push-repo-prefix h.example.com/team`"),
            "{flags:?}"
        );
        let wizard = v
            .clone()
            .fit_chart(&s, &target("3.7.0", &[]), Surface::Wizard)
            .unwrap_err();
        let help = wizard.help.unwrap();
        assert!(
            help.contains("answer `h.example.com/team` as the push repository prefix"),
            "{help}"
        );
        assert!(!help.contains("--"), "{help}");
        assert_eq!(wizard.message, flags.message);
        let mut accepted = v.clone();
        accepted
            .fit_chart(
                &s,
                &target("3.7.0", &["push-repo-as-prefix"]),
                Surface::Flags,
            )
            .unwrap();
        assert_eq!(
            accepted.custom_image.push,
            Some(PushTarget::Prefix("h.example.com/team".into()))
        );
        assert!(accepted.warnings.iter().any(|w| w.code == Code::Accepted));
        // 3.7.1 reads it: nothing to fit.
        let mut current = v;
        current
            .fit_chart(&s, &target("3.7.1", &[]), Surface::Flags)
            .unwrap();
        assert_eq!(
            current.custom_image.push,
            Some(PushTarget::Repo("h.example.com/team/images".into()))
        );
    }
}

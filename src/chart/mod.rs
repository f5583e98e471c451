//! What the PrimeHub chart (and the controller it ships) does with the `customImage`
//! block, by chart version: which keys it reads, when it renders the push Secret, what
//! it names it, which image name the controller computes and what the build script hands
//! to buildah. Every such fact lives here and only here; the plan asks these functions
//! instead of knowing versions itself. All pure, checked by golden tables below.
//!
//! The facts were read from the chart's templates and build script at each release tag
//! and from the controller source the chart pins:
//! - `pushRepo` is read from chart 3.7.1 (controller `v3.7-4d5a6f65`); before that only
//!   `pushRepoPrefix`, and a missing prefix pushes a bare `<image>:<hash>`.
//! - `insecureSkipVerify` is in the values from 3.3.0, but the build script of 3.3.0 to
//!   3.4.1 reads it as the literal text `{SKIP_TLS_VERIFY:-false}` (a missing `$`), so
//!   buildah gets `--tls-verify=false` only from 3.4.2. From 3.8.0 the base image pull
//!   and `buildah bud` skip verification too.
//! - Up to 3.3.0 the push Secret and the build scripts are rendered only when
//!   `primehub.mode` is `ee` or `deploy` (the chart's default is `ce`).
//! - From 4.0.0 the build script prepends `docker.io/` to an image name whose first
//!   `/`-separated component has no `.`.
//! - From 3.4.0 the push Secret renders in any mode, but the console offers the image
//!   builder only in `ee` mode: the chart sets `PRIMEHUB_FEATURE_CUSTOM_IMAGE` for the
//!   console only there (and `ce` runs the `-ce` controller).
//!
//! Also here: the release, namespace and chart PrimeHub is installed as by default.

mod breaks;
mod naming;
mod version;

pub use breaks::{breaks, Breaks, ACCEPT_NAMES};
pub use naming::{
    controller_config_name, fullname, push_secret_name, switch_note, Naming, SwitchNote,
    CONTROLLER_CONFIG_SUFFIX, CONTROLLER_CONTAINER, CONTROLLER_SUFFIX, RELEASE_LABEL,
};
pub use version::{assumed_line, BadVersion, ChartVersion, Source, NEWEST, OLDEST};

/// The first release of each fact in the list above.
const PUSH_REPO_FROM: ChartVersion = ChartVersion::new(3, 7, 1);
const SKIP_TLS_KEY_FROM: ChartVersion = ChartVersion::new(3, 3, 0);
const SKIP_TLS_WORKS_FROM: ChartVersion = ChartVersion::new(3, 4, 2);
const SKIP_TLS_BASE_PULL_FROM: ChartVersion = ChartVersion::new(3, 8, 0);
const SECRET_ANY_MODE_FROM: ChartVersion = ChartVersion::new(3, 4, 0);
const DOCKER_IO_PREFIX_FROM: ChartVersion = ChartVersion::new(4, 0, 0);

/// What one chart version does with the `customImage` block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// The controller reads `pushRepo` (one repository, tag `<image>-<hash>`).
    pub reads_push_repo: bool,
    /// The chart's values have `insecureSkipVerify` (the controller passes it on).
    pub has_skip_tls_key: bool,
    /// The build script really hands `--tls-verify=false` to `buildah push`.
    pub push_skips_tls: bool,
    /// The build script also pulls the base image and builds with `--tls-verify=false`.
    pub base_pull_skips_tls: bool,
    /// The push Secret and build scripts are rendered only with `primehub.mode` `ee` or
    /// `deploy`.
    pub needs_ee_mode: bool,
    /// The build script prepends `docker.io/` to names whose first component has no `.`.
    pub prepends_docker_io: bool,
}

/// The facts of `v`. A version older than [`OLDEST`] gets the oldest facts.
pub fn facts(v: &ChartVersion) -> Facts {
    let at = |from: &ChartVersion| v.core() >= from.core();
    Facts {
        reads_push_repo: at(&PUSH_REPO_FROM),
        has_skip_tls_key: at(&SKIP_TLS_KEY_FROM),
        push_skips_tls: at(&SKIP_TLS_WORKS_FROM),
        base_pull_skips_tls: at(&SKIP_TLS_BASE_PULL_FROM),
        needs_ee_mode: !at(&SECRET_ANY_MODE_FROM),
        prepends_docker_io: at(&DOCKER_IO_PREFIX_FROM),
    }
}

/// Whether phib knows this version's facts (from [`OLDEST`]; newer than [`NEWEST`] is
/// assumed to behave like the newest).
pub fn is_known(v: &ChartVersion) -> bool {
    v.core() >= OLDEST.core()
}

/// The chart phib upgrades by default.
pub const DEFAULT_CHART: &str = "infuseai/primehub";

/// PrimeHub's Helm release when none is given (kept with the field list, whose release
/// question offers it).
pub use crate::registry::DEFAULT_RELEASE;

/// PrimeHub's namespace when none is given.
pub const DEFAULT_NAMESPACE: &str = "hub";

/// The chart's push secret name for the default release (fullname `primehub`).
pub const DEFAULT_PUSH_SECRET_NAME: &str = "primehub-controller-custom-image-push-secret";

/// The modes in which charts up to 3.3.0 render the push Secret and build scripts.
pub const EE_MODES: [&str; 2] = ["ee", "deploy"];

/// The one mode in which the console offers the image builder (every chart version:
/// `PRIMEHUB_FEATURE_CUSTOM_IMAGE` is set only there).
pub const CONSOLE_IMAGE_BUILDER_MODE: &str = "ee";

/// What phib says when the values file's `primehub.mode` keeps the console from
/// offering the image builder, on a chart that renders the block anyway (3.4.0 and
/// later; older ones refuse with [`Breaks::NeedsEeMode`]). A values file that holds
/// only the block (or is new) says nothing of the mode: it is one of several `-f`
/// files, and phib stays silent then.
pub fn console_mode_warning(v: &ChartVersion, values: &ChartValues) -> Option<String> {
    if facts(v).needs_ee_mode {
        return None;
    }
    let has = match values.mode.as_deref() {
        Some(CONSOLE_IMAGE_BUILDER_MODE) => return None,
        Some(m) => format!("`primehub.mode: {m}`"),
        None if values.other_values => "no `primehub.mode` (the chart's default is `ce`)".into(),
        None => return None,
    };
    Some(format!(
        "PrimeHub chart {v} offers the image builder in the console only with `primehub.mode: {CONSOLE_IMAGE_BUILDER_MODE}`, and the values file has {has}: set `primehub.mode: {CONSOLE_IMAGE_BUILDER_MODE}` (docs/chart-versions.md)"
    ))
}

/// Whether chart `v` renders its push Secret: only with a `registryEndpoint`, and up
/// to 3.3.0 only in the modes of [`EE_MODES`] (`mode` is `primehub.mode`, the chart's
/// default `ce` when unset).
pub fn renders_push_secret(v: &ChartVersion, endpoint_set: bool, mode: Option<&str>) -> bool {
    endpoint_set && (!facts(v).needs_ee_mode || mode.is_some_and(|m| EE_MODES.contains(&m)))
}

/// The image name the controller computes for an image `name` with build hash `hash`
/// (8 hex digits), and that the build script then pushes, for the values
/// `pushRepo`/`pushRepoPrefix` as they are in the controller's config.
pub fn target_image(
    v: &ChartVersion,
    push_repo: Option<&str>,
    push_repo_prefix: Option<&str>,
    name: &str,
    hash: &str,
) -> String {
    let f = facts(v);
    let repo = push_repo.filter(|s| !s.is_empty() && f.reads_push_repo);
    let prefix = push_repo_prefix.filter(|s| !s.is_empty());
    let computed = match (repo, prefix) {
        (Some(repo), _) => format!("{repo}:{name}-{hash}"),
        (None, Some(prefix)) => format!("{prefix}/{name}:{hash}"),
        (None, None) => format!("{name}:{hash}"),
    };
    if f.prepends_docker_io {
        with_docker_io(&computed)
    } else {
        computed
    }
}

/// The build script's `insert_docker_io` (chart 4.0+).
fn with_docker_io(image: &str) -> String {
    let first = image.split('/').next().unwrap_or(image);
    if first.contains('.') {
        image.to_string()
    } else {
        format!("docker.io/{image}")
    }
}

/// The keys of `customImage` that chart `v` (its templates and its controller) reads.
/// Anything else in the block is dead: a typo, a key of another version, or one of
/// [`IGNORED_KEYS`].
pub fn block_keys(v: &ChartVersion) -> Vec<&'static str> {
    let f = facts(v);
    let mut keys = vec![
        "registryEndpoint",
        "registryUsername",
        "registryPassword",
        "pushRepoPrefix",
    ];
    if f.reads_push_repo {
        keys.push("pushRepo");
    }
    keys.push("pushSecretName");
    if f.has_skip_tls_key {
        keys.push("insecureSkipVerify");
    }
    keys.push("buildJob");
    keys
}

/// Keys PrimeHub's documentation shows in `customImage` that no chart reads.
pub const IGNORED_KEYS: [&str; 1] = ["enabled"];

/// The sections of `customImage.buildJob.resources` the controller parses, and the
/// quantities each must hold: when a section is set, the controller reads both `cpu`
/// and `memory` from it and panics at start if one is missing or unparsable.
pub const BUILD_JOB_RESOURCE_SECTIONS: [&str; 2] = ["requests", "limits"];
pub const BUILD_JOB_RESOURCE_KEYS: [&str; 2] = ["cpu", "memory"];

/// The chart's own `customImage.buildJob.resources` (section, key, quantity), the same
/// in every release from 2.7.0 to 4.1.0. Helm merges the user's values over them before
/// the chart copies the block into the controller ConfigMap, so a section the user
/// sets only in part is completed there (and a `null` removes a default).
pub const BUILD_JOB_RESOURCE_DEFAULTS: [(&str, &str, &str); 4] = [
    ("limits", "cpu", "2000m"),
    ("limits", "memory", "1500Mi"),
    ("requests", "cpu", "500m"),
    ("requests", "memory", "100Mi"),
];

/// The container of a build pod (`image-<ImageSpecJob>-<hash>`), which runs the
/// chart's `build-and-push.sh` privileged.
pub const BUILD_CONTAINER: &str = "build-and-push";

/// The step of `build-and-push.sh` a build pod failed at, from its exit status (the
/// script's `INIT_FAILED`, `BUILD_FAILED`, `PUSH_FAILED`, in every release). The base
/// image is pulled in the build step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildStep {
    Init,
    Build,
    Push,
}

impl BuildStep {
    pub fn from_exit_code(code: i64) -> Option<BuildStep> {
        match code {
            1 => Some(BuildStep::Init),
            2 => Some(BuildStep::Build),
            3 => Some(BuildStep::Push),
            _ => None,
        }
    }
}

/// What the values file around the block says that the chart reads besides it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChartValues {
    /// `primehub.mode`.
    pub mode: Option<String>,
    pub name_override: Option<String>,
    pub fullname_override: Option<String>,
    /// The file holds values besides `customImage` (so a missing `primehub.mode` means
    /// the chart's default).
    pub other_values: bool,
}

impl ChartValues {
    /// Reads them from a whole values document; a key that is not a string counts as
    /// unset (the chart would fail on it anyway).
    pub fn from_values(doc: &serde_yaml::Value) -> ChartValues {
        let text = |v: Option<&serde_yaml::Value>| v.and_then(|v| v.as_str()).map(str::to_string);
        ChartValues {
            mode: text(doc.get("primehub").and_then(|p| p.get("mode"))),
            name_override: text(doc.get("nameOverride")),
            fullname_override: text(doc.get("fullnameOverride")),
            other_values: doc
                .as_mapping()
                .is_some_and(|m| m.keys().any(|k| k.as_str() != Some("customImage"))),
        }
    }

    /// The naming of `release` with these overrides.
    pub fn naming<'a>(&'a self, release: &'a str) -> Naming<'a> {
        Naming {
            release,
            name_override: self.name_override.as_deref(),
            fullname_override: self.fullname_override.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> ChartVersion {
        s.parse().unwrap()
    }

    #[test]
    fn versions_parse_and_order_by_their_core() {
        for (text, shown) in [
            ("3.7.1", "3.7.1"),
            ("v4.1.0", "4.1.0"),
            ("4.0.0-rc.1", "4.0.0-rc.1"),
            ("3.7.0-aws.1", "3.7.0-aws.1"),
            ("3.12.3+build.5", "3.12.3"),
        ] {
            assert_eq!(v(text).to_string(), shown, "{text}");
        }
        for bad in [
            "", "3", "3.7", "3.7.1.2", "latest", "3.x.1", "v", "3.7.1-", "-1.2.3", "3..1",
        ] {
            let err = bad.parse::<ChartVersion>().unwrap_err();
            assert!(err.0.contains("MAJOR.MINOR.PATCH"), "{bad}: {err}");
        }
        assert!(v("3.12.0") > v("3.7.1"));
        assert!(v("3.7.0-aws.1") > v("3.7.0"));
        assert!(v("3.7.0-aws.1") < v("3.7.1"));
        assert_eq!(
            ChartVersion::from_chart_column("primehub-3.8.2"),
            Some(v("3.8.2"))
        );
        assert_eq!(ChartVersion::from_chart_column("other-3.8.2"), None);
        assert!(is_known(&v("2.7.0")) && !is_known(&v("2.6.9")) && is_known(&v("9.0.0")));
    }

    /// One row per version at each boundary the chart sources show.
    #[test]
    fn facts_by_version_golden_table() {
        // version: push_repo, skip_key, push_skips, base_skips, ee_only, docker_io
        let table = [
            ("2.7.0", [false, false, false, false, true, false]),
            ("3.2.2", [false, false, false, false, true, false]),
            ("3.3.0", [false, true, false, false, true, false]),
            ("3.4.0", [false, true, false, false, false, false]),
            ("3.4.1", [false, true, false, false, false, false]),
            ("3.4.2", [false, true, true, false, false, false]),
            ("3.7.0", [false, true, true, false, false, false]),
            ("3.7.0-aws.1", [false, true, true, false, false, false]),
            ("3.7.1", [true, true, true, false, false, false]),
            ("3.8.0", [true, true, true, true, false, false]),
            ("3.12.3", [true, true, true, true, false, false]),
            ("4.0.0-rc.1", [true, true, true, true, false, true]),
            ("4.0.0", [true, true, true, true, false, true]),
            ("4.1.0", [true, true, true, true, false, true]),
        ];
        for (ver, want) in table {
            let f = facts(&v(ver));
            let got = [
                f.reads_push_repo,
                f.has_skip_tls_key,
                f.push_skips_tls,
                f.base_pull_skips_tls,
                f.needs_ee_mode,
                f.prepends_docker_io,
            ];
            assert_eq!(got, want, "{ver}");
        }
    }

    #[test]
    fn fullname_and_secret_name_golden_table() {
        let long = "a".repeat(60);
        let dash62 = format!("{}-", "b".repeat(61));
        let table: Vec<(&str, Option<&str>, Option<&str>, String)> = vec![
            ("primehub", None, None, "primehub".into()),
            ("hub", None, None, "hub-primehub".into()),
            ("my-primehub", None, None, "my-primehub".into()),
            ("primehub", Some(""), Some(""), "primehub".into()),
            ("hub", Some("ph"), None, "hub-ph".into()),
            ("ph-prod", Some("ph"), None, "ph-prod".into()),
            ("primehub", Some("ph"), None, "primehub-ph".into()),
            ("hub", Some("ph"), Some("custom"), "custom".into()),
            ("hub", None, Some(&dash62), "b".repeat(61)),
            (&long, None, None, format!("{long}-pr")),
            (&dash62[..61], None, None, "b".repeat(61) + "-p"),
        ];
        for (release, name_override, fullname_override, want) in table {
            let n = Naming {
                release,
                name_override,
                fullname_override,
            };
            assert_eq!(fullname(&n), want, "{n:?}");
            assert_eq!(
                push_secret_name(&n),
                format!("{want}-controller-custom-image-push-secret")
            );
        }
        // A cut that lands on a dash drops it.
        let r62 = "c".repeat(62);
        assert_eq!(
            fullname(&Naming {
                release: &r62,
                ..Default::default()
            }),
            r62
        );
    }

    #[test]
    fn target_image_golden_table() {
        let table = [
            // version, pushRepo, pushRepoPrefix, expected
            (
                "3.7.0",
                Some("h.example.com/t/all"),
                None,
                "my-img:0a1b2c3d",
            ),
            (
                "3.7.0",
                Some("h.example.com/t/all"),
                Some("h.example.com/t"),
                "h.example.com/t/my-img:0a1b2c3d",
            ),
            (
                "3.7.0",
                None,
                Some("h.example.com/t"),
                "h.example.com/t/my-img:0a1b2c3d",
            ),
            (
                "3.7.1",
                Some("h.example.com/t/all"),
                None,
                "h.example.com/t/all:my-img-0a1b2c3d",
            ),
            (
                "3.7.1",
                Some("h.example.com/t/all"),
                Some("x.example.com/y"),
                "h.example.com/t/all:my-img-0a1b2c3d",
            ),
            (
                "3.7.1",
                Some(""),
                Some("h.example.com/t"),
                "h.example.com/t/my-img:0a1b2c3d",
            ),
            (
                "3.12.3",
                None,
                Some("localhost:5000/t"),
                "localhost:5000/t/my-img:0a1b2c3d",
            ),
            ("3.12.3", None, None, "my-img:0a1b2c3d"),
            (
                "4.0.0",
                None,
                Some("localhost:5000/t"),
                "docker.io/localhost:5000/t/my-img:0a1b2c3d",
            ),
            (
                "4.0.0",
                None,
                Some("10.0.0.1:5000/t"),
                "10.0.0.1:5000/t/my-img:0a1b2c3d",
            ),
            ("4.1.0", None, Some("me"), "docker.io/me/my-img:0a1b2c3d"),
            ("4.1.0", None, None, "docker.io/my-img:0a1b2c3d"),
            (
                "4.1.0",
                Some("docker.io/me/all"),
                None,
                "docker.io/me/all:my-img-0a1b2c3d",
            ),
        ];
        for (ver, repo, prefix, want) in table {
            assert_eq!(
                target_image(&v(ver), repo, prefix, "my-img", "0a1b2c3d"),
                want,
                "{ver} {repo:?} {prefix:?}"
            );
        }
    }

    #[test]
    fn breaks_golden_table() {
        use Breaks::*;
        type Row<'a> = (
            &'a str,
            Option<&'a str>,
            Option<&'a str>,
            bool,
            Option<Option<&'a str>>,
            Vec<Breaks>,
        );
        let ee = Some(Some("ee"));
        let table: Vec<Row> = vec![
            (
                "4.1.0",
                Some("h.example.com/t/all"),
                None,
                true,
                None,
                vec![],
            ),
            (
                "3.7.1",
                Some("h.example.com/t/all"),
                None,
                true,
                None,
                vec![],
            ),
            (
                "3.7.0",
                Some("h.example.com/t/all"),
                None,
                false,
                None,
                vec![PushRepoIgnored],
            ),
            ("3.7.0", None, Some("h.example.com/t"), true, None, vec![]),
            ("3.4.2", None, Some("h.example.com/t"), true, None, vec![]),
            (
                "3.4.1",
                None,
                Some("h.example.com/t"),
                true,
                None,
                vec![SkipTlsNotPassed],
            ),
            (
                "3.4.1",
                None,
                Some("h.example.com/t"),
                false,
                Some(None),
                vec![],
            ),
            (
                "3.3.0",
                None,
                Some("h.example.com/t"),
                false,
                Some(None),
                vec![NeedsEeMode { mode: None }],
            ),
            (
                "3.3.0",
                None,
                Some("h.example.com/t"),
                false,
                Some(Some("ce")),
                vec![NeedsEeMode {
                    mode: Some("ce".into()),
                }],
            ),
            ("3.3.0", None, Some("h.example.com/t"), false, ee, vec![]),
            (
                "3.3.0",
                None,
                Some("h.example.com/t"),
                false,
                Some(Some("deploy")),
                vec![],
            ),
            (
                "2.7.0",
                Some("h.example.com/t/a"),
                None,
                true,
                ee,
                vec![PushRepoIgnored, SkipTlsNotPassed],
            ),
            (
                "4.0.0",
                None,
                Some("localhost:5000/t"),
                false,
                None,
                vec![DockerIoPrefix {
                    host: "localhost:5000".into(),
                }],
            ),
            (
                "3.12.3",
                None,
                Some("localhost:5000/t"),
                false,
                None,
                vec![],
            ),
            ("4.0.0", None, Some("10.0.0.1:5000/t"), false, None, vec![]),
        ];
        for (ver, repo, prefix, skip, mode, want) in table {
            assert_eq!(
                breaks(&v(ver), repo, prefix, skip, mode),
                want,
                "{ver} {repo:?} {prefix:?} {skip} {mode:?}"
            );
        }
    }

    #[test]
    fn every_break_names_the_version_and_a_fix() {
        let ver = v("3.3.0");
        for b in [
            Breaks::PushRepoIgnored,
            Breaks::SkipTlsNotPassed,
            Breaks::DockerIoPrefix {
                host: "reg:5000".into(),
            },
            Breaks::NeedsEeMode { mode: None },
        ] {
            let reason = b.reason(&ver);
            assert!(
                reason.contains("3.3.0") || reason.contains("reg:5000"),
                "{reason}"
            );
            assert!(!b.fix(&ver).is_empty());
        }
        assert!(Breaks::SkipTlsNotPassed
            .reason(&v("3.2.0"))
            .contains("has no `insecureSkipVerify`"));
        assert!(Breaks::SkipTlsNotPassed
            .reason(&v("3.4.1"))
            .contains("drops it"));
    }

    #[test]
    fn the_controller_config_and_when_the_secret_is_rendered() {
        let n = Naming {
            release: "hub",
            ..Default::default()
        };
        assert_eq!(controller_config_name(&n), "hub-primehub-controller-config");
        assert!(renders_push_secret(&v("3.4.0"), true, None));
        assert!(!renders_push_secret(&v("4.1.0"), false, Some("ee")));
        assert!(!renders_push_secret(&v("3.3.0"), true, Some("ce")));
        assert!(!renders_push_secret(&v("3.3.0"), true, None));
        assert!(renders_push_secret(&v("2.7.0"), true, Some("deploy")));
    }

    #[test]
    fn block_keys_follow_the_version() {
        let all = block_keys(&v("4.1.0"));
        assert!(all.contains(&"pushRepo") && all.contains(&"insecureSkipVerify"));
        assert!(!block_keys(&v("3.7.0")).contains(&"pushRepo"));
        assert!(block_keys(&v("3.7.0")).contains(&"insecureSkipVerify"));
        assert!(!block_keys(&v("3.2.2")).contains(&"insecureSkipVerify"));
        for ver in ["2.7.0", "3.8.0", "4.1.0"] {
            let keys = block_keys(&v(ver));
            assert!(keys.contains(&"buildJob") && keys.contains(&"pushSecretName"));
            assert!(!keys.contains(&IGNORED_KEYS[0]), "{ver}");
        }
    }

    #[test]
    fn chart_values_come_from_the_values_document() {
        let doc: serde_yaml::Value = serde_yaml::from_str(
            "primehub:\n  mode: ee\nnameOverride: ph\nfullnameOverride: 3\ncustomImage: {}\n",
        )
        .unwrap();
        let cv = ChartValues::from_values(&doc);
        assert_eq!(cv.mode.as_deref(), Some("ee"));
        assert_eq!(cv.name_override.as_deref(), Some("ph"));
        assert_eq!(cv.fullname_override, None);
        assert_eq!(fullname(&cv.naming("hub")), "hub-ph");
        assert_eq!(
            ChartValues::from_values(&serde_yaml::Value::Null),
            ChartValues::default()
        );
    }

    #[test]
    fn switching_the_push_secret_says_how_earlier_images_keep_pulling() {
        assert_eq!(switch_note("a", true, "a", "hub"), None);
        let note = switch_note(
            "primehub-controller-custom-image-push-secret",
            true,
            "primehub-image-builder-push",
            "hub",
        )
        .unwrap();
        assert_eq!(
            format!("{} {}", note.text, note.command.join(" ")),
            r#"images built before pull with the chart's Secret `primehub-controller-custom-image-push-secret`, which holds no login once the values hold none: after `helm upgrade`, point them at `primehub-image-builder-push` with: kubectl -n hub get images.primehub.io -o jsonpath='{range .items[?(@.spec.pullSecret=="primehub-controller-custom-image-push-secret")]}{.metadata.name}{"\n"}{end}' | xargs -r -I{} kubectl -n hub patch images.primehub.io {} --type merge -p '{"spec":{"pullSecret":"primehub-image-builder-push"}}'"#
        );
        let back = switch_note(
            "mine",
            false,
            "primehub-controller-custom-image-push-secret",
            "ml",
        )
        .unwrap();
        assert!(
            back.text
                .starts_with("images built before pull with the Secret `mine`: keep it"),
            "{back:?}"
        );
        assert!(
            back.command.join(" ").contains("kubectl -n ml patch"),
            "{back:?}"
        );
    }

    #[test]
    fn the_assumed_line_says_where_the_version_came_from() {
        let newest = assumed_line(
            &NEWEST,
            &Source::Newest {
                because: "helm not found on `PATH`".into(),
            },
        );
        assert!(
            newest.contains("the newest phib knows, because helm not found on `PATH`;"),
            "{newest}"
        );
        assert!(assumed_line(&v("3.8.0"), &Source::Flag).contains("`--chart-version`"));
        let line = assumed_line(
            &v("3.8.0"),
            &Source::Release {
                name: "primehub".into(),
                namespace: "hub".into(),
            },
        );
        assert!(
            line.contains("release `primehub` in namespace `hub`"),
            "{line}"
        );
    }

    #[test]
    fn the_console_mode_is_warned_from_3_4_0_only_where_the_file_says_it() {
        let cv = |mode: Option<&str>, other: bool| ChartValues {
            mode: mode.map(str::to_string),
            other_values: other,
            ..Default::default()
        };
        let w = console_mode_warning(&v("3.4.0"), &cv(Some("ce"), true)).unwrap();
        assert!(
            w.contains("`primehub.mode: ce`") && w.contains("set `primehub.mode: ee`"),
            "{w}"
        );
        assert!(console_mode_warning(&v("4.1.0"), &cv(Some("deploy"), false)).is_some());
        assert!(console_mode_warning(&v("4.1.0"), &cv(None, true))
            .unwrap()
            .contains("the chart's default is `ce`"));
        assert_eq!(console_mode_warning(&v("4.1.0"), &cv(None, false)), None);
        assert_eq!(
            console_mode_warning(&v("4.1.0"), &cv(Some("ee"), true)),
            None
        );
        // Before 3.4.0 the refusal `NeedsEeMode` says it.
        assert_eq!(
            console_mode_warning(&v("3.3.0"), &cv(Some("ce"), true)),
            None
        );
        let doc: serde_yaml::Value = serde_yaml::from_str("customImage: {}\n").unwrap();
        assert!(!ChartValues::from_values(&doc).other_values);
        let doc: serde_yaml::Value = serde_yaml::from_str("domain: x\ncustomImage: {}\n").unwrap();
        assert!(ChartValues::from_values(&doc).other_values);
    }

    #[test]
    fn a_push_repo_as_prefix_says_what_the_credential_needs() {
        let b = Breaks::PushRepoAsPrefix {
            repo: "quay.io/acme/builds".into(),
            prefix: "quay.io/acme".into(),
        };
        assert_eq!(b.accept_name(), "push-repo-as-prefix");
        assert!(ACCEPT_NAMES.contains(&b.accept_name()));
        let r = b.reason(&v("3.7.0"));
        assert!(
            r.contains("must be able to create repositories under `quay.io/acme`"),
            "{r}"
        );
        assert!(b
            .help(&v("3.7.0"))
            .contains("`--push-repo-prefix quay.io/acme`"));
        let fix = b.fix(&v("3.7.0"));
        assert!(
            fix.contains("answer `quay.io/acme` as the push repository prefix")
                && !fix.contains("--"),
            "{fix}"
        );
        let mut names = ACCEPT_NAMES.to_vec();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ACCEPT_NAMES.len());
    }
}

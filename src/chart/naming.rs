//! How the chart names a release's objects: its fullname (with `nameOverride` and
//! `fullnameOverride`), the push Secret, the controller's ConfigMap, Deployment and
//! container, the release label; and what switching the push Secret's name means for
//! the images built before.

/// The chart's default chart name, which `nameOverride` replaces in the fullname.
const CHART_NAME: &str = "primehub";

/// How the chart names a release's objects: the values that change it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Naming<'a> {
    pub release: &'a str,
    pub name_override: Option<&'a str>,
    pub fullname_override: Option<&'a str>,
}

/// Helm's `trunc 63 | trimSuffix "-"`.
fn trunc63(s: &str) -> String {
    let cut: String = s.chars().take(63).collect();
    cut.strip_suffix('-').map(str::to_string).unwrap_or(cut)
}

/// The chart's `primehub.fullname`: `fullnameOverride`, else the release when it
/// contains the (overridden) chart name, else `<release>-<name>`; 63 characters, no
/// trailing `-`. Empty overrides count as unset, as the chart's `default` does.
pub fn fullname(n: &Naming) -> String {
    if let Some(full) = n.fullname_override.filter(|s| !s.is_empty()) {
        return trunc63(full);
    }
    let name = n
        .name_override
        .filter(|s| !s.is_empty())
        .unwrap_or(CHART_NAME);
    if n.release.contains(name) {
        trunc63(n.release)
    } else {
        trunc63(&format!("{}-{name}", n.release))
    }
}

/// The name of the push Secret the chart renders for this release.
pub fn push_secret_name(n: &Naming) -> String {
    format!("{}-controller-custom-image-push-secret", fullname(n))
}

/// What the chart appends to the fullname for the controller's ConfigMap, which embeds
/// the whole `customImage` block (`toYaml`).
pub const CONTROLLER_CONFIG_SUFFIX: &str = "-controller-config";

/// The name of the controller ConfigMap the chart renders for this release.
pub fn controller_config_name(n: &Naming) -> String {
    format!("{}{CONTROLLER_CONFIG_SUFFIX}", fullname(n))
}

/// What the chart appends to the fullname for the controller's Deployment; its pods
/// are `<fullname>-controller-<replicaset hash>-<suffix>`.
pub const CONTROLLER_SUFFIX: &str = "-controller";
/// The controller's container in that Deployment (beside `kube-rbac-proxy`).
pub const CONTROLLER_CONTAINER: &str = "manager";
/// The label every pod of the release carries, with the release's name.
pub const RELEASE_LABEL: &str = "app.kubernetes.io/instance";

/// When a build succeeds the controller sets the new Image's `spec.pullSecret` to the
/// push Secret's name, and never changes it after: switching `pushSecretName` leaves
/// every Image built before on the old name. What phib says about that, given the old
/// and new names, whether the old one was the chart's own (values mode: after the
/// upgrade the chart renders it without a login), and PrimeHub's namespace.
pub fn switch_note(
    old: &str,
    old_is_charts: bool,
    new: &str,
    namespace: &str,
) -> Option<SwitchNote> {
    if old == new {
        return None;
    }
    let query = format!(
        "jsonpath='{{range .items[?(@.spec.pullSecret==\"{old}\")]}}{{.metadata.name}}{{\"\\n\"}}{{end}}'"
    );
    let patch = format!("'{{\"spec\":{{\"pullSecret\":\"{new}\"}}}}'");
    let command = [
        "kubectl",
        "-n",
        namespace,
        "get",
        "images.primehub.io",
        "-o",
        &query,
        "|",
        "xargs",
        "-r",
        "-I{}",
        "kubectl",
        "-n",
        namespace,
        "patch",
        "images.primehub.io",
        "{}",
        "--type",
        "merge",
        "-p",
        &patch,
    ]
    .map(str::to_string)
    .to_vec();
    let text = if old_is_charts {
        format!(
            "images built before pull with the chart's Secret `{old}`, which holds no login once the values hold none: after `helm upgrade`, point them at `{new}` with:"
        )
    } else {
        format!(
            "images built before pull with the Secret `{old}`: keep it while they are in use, or point them at `{new}` with:"
        )
    };
    Some(SwitchNote { text, command })
}

/// What phib says when the push Secret's name changes: a sentence, and the command it
/// ends with, as shell words (laid out as a command, never wrapped like prose).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchNote {
    pub text: String,
    pub command: Vec<String>,
}

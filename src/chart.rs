//! Facts about PrimeHub's chart that phib's choices depend on: the release, namespace and
//! chart it is installed as by default, and how it names its own push Secret.

/// The chart phib upgrades by default.
pub const DEFAULT_CHART: &str = "infuseai/primehub";

/// PrimeHub's Helm release when none is given.
pub const DEFAULT_RELEASE: &str = "primehub";

/// PrimeHub's namespace when none is given.
pub const DEFAULT_NAMESPACE: &str = "hub";

/// The chart's push secret name for the default release (fullname `primehub`).
pub const DEFAULT_PUSH_SECRET_NAME: &str = "primehub-controller-custom-image-push-secret";

/// The chart's push secret name for a release: fullname is the release when it
/// contains `primehub`, else `<release>-primehub` (63 characters at most).
pub fn push_secret_name(release: &str) -> String {
    let full = if release.contains("primehub") {
        release.to_string()
    } else {
        format!("{release}-primehub")
    };
    let mut full: String = full.chars().take(63).collect();
    if full.ends_with('-') {
        full.pop();
    }
    format!("{full}-controller-custom-image-push-secret")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_secret_name_follows_the_fullname_rule() {
        assert_eq!(push_secret_name("primehub"), DEFAULT_PUSH_SECRET_NAME);
        assert_eq!(
            push_secret_name("hub"),
            "hub-primehub-controller-custom-image-push-secret"
        );
        assert_eq!(
            push_secret_name("my-primehub"),
            "my-primehub-controller-custom-image-push-secret"
        );
        let long = "a".repeat(60);
        assert_eq!(
            push_secret_name(&long),
            format!("{long}-pr-controller-custom-image-push-secret")
        );
        let cut_at_dash = "b".repeat(62);
        assert_eq!(
            push_secret_name(&cut_at_dash),
            format!("{cut_at_dash}-controller-custom-image-push-secret")
        );
    }
}

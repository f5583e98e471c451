//! The questions after the values are written: check the credentials against the
//! registry now, and apply the block with `helm upgrade` now (when helm is installed).
//! Only the questions live here, so they are unit-tested with a script; running verify
//! and helm is the same code `phib verify` and `phib upgrade` run.

use super::prompt::{ask_until, Answer, Prompter};
use crate::chart::{DEFAULT_NAMESPACE, DEFAULT_RELEASE};
use crate::helm::plan::validate_name;

/// The release and namespace to upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeTarget {
    pub release: String,
    pub namespace: String,
}

/// "Check the credentials against the registry now?" (default yes).
pub fn ask_verify(p: &mut dyn Prompter) -> Answer<bool> {
    p.confirm("Check the credentials against the registry now?", true)
}

/// "Apply it now with helm upgrade?" (default no); if yes, the release and namespace,
/// with `release` (the one the answers named, else `primehub`) and `namespace` (the
/// push Secret's, else `hub`) filled in.
pub fn ask_upgrade(
    p: &mut dyn Prompter,
    release: Option<&str>,
    namespace: Option<&str>,
) -> Answer<Option<UpgradeTarget>> {
    if !p.confirm("Apply it now with helm upgrade?", false)? {
        return Ok(None);
    }
    let release_default = release.unwrap_or(DEFAULT_RELEASE).to_string();
    let release = ask_until(
        p,
        |p| p.input("Helm release", Some(&release_default)),
        |text| validate_name("--release", text.trim()).map(|()| text.trim().to_string()),
    )?;
    let ns_default = namespace.unwrap_or(DEFAULT_NAMESPACE).to_string();
    let namespace = ask_until(
        p,
        |p| p.input("Namespace", Some(&ns_default)),
        |text| validate_name("--namespace", text.trim()).map(|()| text.trim().to_string()),
    )?;
    Ok(Some(UpgradeTarget { release, namespace }))
}

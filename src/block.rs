//! The managed part of a `customImage` block, as the plan makes it from
//! [`Settings`](crate::settings::Settings) and the values layer reads, renders and
//! writes it.

use crate::registry::PushTarget;
use crate::secret::Secret;

/// The keys of `customImage` that phib manages, as plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomImage {
    pub registry_endpoint: String,
    pub registry_username: Option<String>,
    pub registry_password: Option<Secret>,
    pub push: Option<PushTarget>,
    pub push_secret_name: Option<String>,
    pub insecure_skip_verify: bool,
}

//! phib's one integration-test binary. Each module tests one command or concern; `util`
//! is the small harness they share. Tests that need real external tools (helm, jq, a
//! registry, skopeo) are the end-to-end tier: they run under `./scripts/test`
//! (`PHIB_E2E=1`) and are listed as ignored, with the reason, under plain `cargo test`;
//! `e2e!` (in `util`) declares them.

#[macro_use]
mod util;

mod adversarial;
mod bom;
mod buildah;
mod cli;
mod compact;
mod docs;
mod doctor;
mod external;
mod first_contact;
mod fits;
mod gates;
pub mod helm;
mod install;
mod keyless;
mod latency;
mod layers;
mod merge;
mod pty;
mod registry;
mod render;
mod sealed;
mod values_file;
mod verify;
mod wizard;

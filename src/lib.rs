//! phib sets up PrimeHub's Image Builder: it turns what an administrator knows about a
//! container registry into the `customImage` block of PrimeHub's Helm values.
//!
//! The binary (`src/main.rs`, with the command line in `src/cli.rs` and `src/commands/`)
//! only parses arguments, wires them to these modules and maps errors to exit codes; all
//! the work lives here so that it can be tested without a terminal.

pub mod block;
pub mod chart;
pub mod cleanup;
pub mod compact;
pub mod doctor;
pub mod error;
pub mod files;
pub mod flow;
pub mod helm;
pub mod interrupt;
pub mod names;
pub mod out;
pub mod pushsecret;
pub mod registry;
pub mod rotate;
pub mod runner;
pub mod secret;
pub mod settings;
pub mod term;
pub mod values;
pub mod verify;
pub mod wizard;

pub use error::{Error, Result};

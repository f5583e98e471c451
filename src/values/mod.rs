//! Everything about the values file: the `customImage` model, rendering the block,
//! merging it into an existing file, and writing files that hold secrets.

mod diff;
mod layout;
pub mod merge;
pub mod model;
pub mod render;
mod scan;
pub mod update;
pub mod write;

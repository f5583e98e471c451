//! Everything about the values file: the `customImage` model, rendering the block,
//! merging it into an existing file, and writing files that hold secrets.

pub mod model;
pub mod render;
pub mod write;

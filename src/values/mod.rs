//! Everything about the values file: rendering the `customImage` block, merging it
//! into an existing file, and writing files that hold secrets.

pub mod write;

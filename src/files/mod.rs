//! The file-system gates: every file phib reads comes through [`read`], every file it
//! writes goes through [`write`], and runs on the same values file take turns through
//! [`lock`]. A test (`tests/it/gates.rs`) fails when code elsewhere opens, reads,
//! writes or renames a file.
//!
//! - Files in: a regular file, or a stream only where one is meant (`-` for standard
//!   input, a `<(…)` pipe for a keyfile), never more than the size limit of its
//!   [`Kind`]; a FIFO, a device, a socket or a directory is refused at once (exit 2).
//! - Files out: written atomically with mode 0600 and checked again at the moment of
//!   writing: the file is still the one that was read ([`Seen`]), no symbolic link
//!   appeared since, the previous content's `.bak` is rotated only once the new file is
//!   in place, and an error names the user's file and says it is unchanged.

pub mod lock;
pub mod read;
pub mod write;

pub use read::{Kind, Stamp};
pub use write::{Seen, Written};

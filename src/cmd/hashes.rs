//! Placeholder for the hashes command family; replaced by its implementation.

use super::Cmd;

pub static COMMANDS: &[Cmd] = &[];

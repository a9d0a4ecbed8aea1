//! HTTP plumbing shared by the function crates.

pub mod problem;

//! HTTP plumbing shared by the function crates.

pub mod blob_route;
pub mod problem;

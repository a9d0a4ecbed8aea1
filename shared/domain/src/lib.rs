//! Pure domain types and rules of the billing platform.
//!
//! Nothing here performs I/O, awaits, or knows about AWS: every function is a plain
//! computation that tests can call directly.

pub mod schedule;
pub mod tenant;

pub use tenant::TenantId;

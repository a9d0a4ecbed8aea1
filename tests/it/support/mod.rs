//! Helpers shared by the end-to-end tests.

pub mod embedded;
pub mod moto;
pub mod tenants;

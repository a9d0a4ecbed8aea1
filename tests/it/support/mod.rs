//! Helpers shared by the end-to-end tests.

pub mod embedded;
pub mod http;
pub mod identity;
pub mod moto;
pub mod tenants;

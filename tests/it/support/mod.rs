//! Helpers shared by the end-to-end tests.

pub mod embedded;
pub mod http;
pub mod identity;
pub mod moto;
#[allow(
    dead_code,
    reason = "helpers for the identity, tenant and audit tests, which land next"
)]
pub mod tenants;

//! The `crm` package's library: how the platform is assembled in one process. `crm dev` and the
//! end-to-end tests both use it, so the tests exercise exactly what runs locally.

pub mod generate;
pub mod platform;

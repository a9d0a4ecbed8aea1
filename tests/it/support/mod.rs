//! Helpers shared by the end-to-end tests.

pub mod embedded_services;
pub mod moto;

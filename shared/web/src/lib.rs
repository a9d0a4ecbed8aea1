//! HTTP plumbing shared by the function crates: problem+json errors, request ids and request
//! logs, health, OpenAPI serving, static assets, and serving under Lambda or locally.

pub mod assets;
pub mod blob_route;
pub mod extract;
pub mod health;
pub mod openapi;
pub mod problem;
pub mod request_id;
pub mod serve;

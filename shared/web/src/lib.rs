//! HTTP plumbing shared by the function crates: problem+json errors, request ids and logs,
//! health, OpenAPI serving, static assets, serving under Lambda or locally, and the UI shell
//! (layout, components, i18n, formatting, flash messages, error pages).

pub mod access;
pub mod assets;
pub mod audit;
pub mod blob_route;
pub mod chrome;
pub mod cookies;
pub mod error_page;
pub mod extract;
pub mod flash;
pub mod format;
pub mod gallery;
pub mod health;
pub mod i18n;
pub mod identity;
pub mod openapi;
pub mod outbox;
pub mod pages;
pub mod problem;
pub mod request_id;
pub mod serve;
pub mod ui;

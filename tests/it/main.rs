//! End-to-end tests in one binary (one link, one shared moto server):
//! adapter conformance on the embedded adapters and on the AWS emulator, HTTP flows on the
//! embedded storage, worker entry points fed with the fixtures in `events/`, and infra checks.

mod access;
mod access_matrix;
mod api_keys;
mod audit_log;
mod auth;
mod binaries;
mod blob_conformance;
mod catalog;
mod cross_tenant;
mod direct_upload;
mod domains;
mod estimates;
mod export;
mod functions;
mod imports;
mod infra;
mod mail_conformance;
mod meters;
mod outbox;
mod queue_conformance;
mod readings_import;
mod readings_intake;
mod readme;
mod roles;
mod scheduler;
mod search;
mod settings;
mod staff;
mod store_conformance;
mod subscriber_import;
mod subscribers;
mod subscribers_access;
mod subscribers_support;
mod support;
mod tenants;
mod users;
mod workers;

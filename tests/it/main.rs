//! End-to-end tests in one binary (one link, one shared moto server):
//! adapter conformance on the embedded adapters and on the AWS emulator, HTTP flows on the
//! embedded storage, worker entry points fed with the fixtures in `events/`, and infra checks.

mod access;
mod binaries;
mod blob_conformance;
mod export;
mod functions;
mod infra;
mod queue_conformance;
mod readme;
mod scheduler;
mod search;
mod store_conformance;
mod subscribers;
mod subscribers_access;
mod subscribers_support;
mod support;
mod workers;

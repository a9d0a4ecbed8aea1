//! Use cases over ports.
//!
//! The ports ([`store::Store`], [`queue::Queue`], [`blobs::Blobs`], [`clock::Clock`]) are traits
//! here; `crm_adapters` implements them. Use cases get a [`Services`] and reach tenant data only
//! through a tenant-scoped store handle.

pub mod audit;
pub mod audit_log;
pub mod blobs;
pub mod buildings;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod demo;
pub mod dns;
pub mod domains;
pub mod health;
pub mod identity;
pub mod imports;
pub mod jobs;
pub mod keys;
pub mod mail;
pub mod meters;
pub mod progress;
pub mod queue;
pub mod scheduler;
pub mod schedules;
pub mod settings;
pub mod signing;
pub mod store;
pub mod subscribers;
pub mod tenancy;
pub mod tenants;
pub mod validation;

use std::sync::Arc;

use blobs::Blobs;
use clock::{Clock, Ids};
use queue::Queue;
use signing::Signer;
use store::Db;

/// Everything a handler or job needs, cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub queue: Arc<dyn Queue>,
    pub blobs: Arc<dyn Blobs>,
    pub mailer: Arc<dyn mail::Mailer>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn Ids>,
    pub signer: Signer,
    /// Deliveries of a failing job before it is dead-lettered.
    pub max_receives: u32,
    /// Where users reach the platform (`https://crm.example.com`), for links in mail and files.
    pub public_url: String,
    /// Set on the embedded backend: blob links point at the `/_blobs` route, which must be served.
    pub local_blob_links: Option<blobs::LocalBlobLinks>,
    /// Tenants live on its subdomains; the central part on the domain itself.
    pub platform_domain: String,
    /// Cost of password hashing (lowered only in tests).
    pub password_cost: identity::password::HashCost,
    /// TXT lookups that verify tenants' custom domains.
    pub dns: Arc<dyn dns::DnsResolver>,
    /// Host-to-tenant answers cached in this process, shared by every router, so a domain
    /// change made here is seen at once ([`tenancy::HostResolver::forget`]).
    pub hosts: Arc<tenancy::HostResolver>,
}

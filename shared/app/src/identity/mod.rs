//! Identity: accounts (tenant users and platform staff), passwords, sessions, API keys and how
//! roles become permissions, and the use cases over them: signing in (with lockout and a TOTP
//! second factor), invitations, password resets, user and role administration, API keys,
//! staff, impersonation. The web layer turns these into a request's principal and pages.

pub mod accounts;
pub mod api_keys;
pub mod credentials;
mod error;
pub mod impersonation;
pub mod invitations;
pub mod links;
pub mod login;
pub mod password;
pub mod resets;
pub mod roles;
pub mod secrets;
pub mod seed;
pub mod sessions;
pub mod totp;
pub mod users;

pub use error::{IdentityError, Invalid, Issue, Refusal};

use chrono::{DateTime, Utc};
use crm_domain::TenantId;

use crate::Services;
use crate::audit::{Audit, Change};
use crate::keys::Namespace;
use crate::store::{ScopedDb, Write};

/// Where accounts live: one tenant's users, or the platform's staff.
#[derive(Clone)]
pub struct Realm {
    pub services: Services,
    pub db: ScopedDb,
    /// `None` for the central realm (staff).
    pub tenant: Option<TenantId>,
}

impl Realm {
    pub fn tenant(services: &Services, tenant: &TenantId) -> Self {
        Self {
            services: services.clone(),
            db: services.db.tenant(tenant),
            tenant: Some(tenant.clone()),
        }
    }

    pub fn central(services: &Services) -> Self {
        Self {
            services: services.clone(),
            db: services.db.central(),
            tenant: None,
        }
    }

    pub fn namespace(&self) -> &Namespace {
        self.db.namespace()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.services.clock.now()
    }

    pub fn new_id(&self) -> String {
        self.services.ids.new_id()
    }

    /// The audit record of `change` as a write for the same transaction.
    pub fn audit_write(&self, audit: &Audit, change: &Change<'_>) -> Write {
        audit
            .record(self.namespace(), self.new_id(), self.now(), change)
            .1
    }
}

/// A message to a person (an invitation, a reset link), composed by the web layer in the
/// person's language around the link the use case makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Letter {
    pub subject: String,
    pub text: String,
}

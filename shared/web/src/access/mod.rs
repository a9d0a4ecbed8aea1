//! Who is asking and whether they may: the request's principal (a tenant's user, an API key, or
//! platform staff), the access each route declares, and the one guard that checks it, the same
//! for UI pages and the JSON API.
//!
//! - [`context::middleware`] (one per function router) resolves the Host to a tenant or the
//!   platform, and the session cookie or bearer API key to a [`Principal`], into a
//!   [`RequestContext`] in the request's extensions.
//! - Routes are added through [`AccessRouter`], which records each route's [`Access`] in a
//!   table (tests walk it: every role against every route) and wraps the route in the guard.
//! - [`guard`] answers 401/redirect-to-login, 403, or 404 for the wrong host, and checks the
//!   CSRF token of cookie-authenticated state-changing requests.

pub mod context;
pub mod csrf;
pub mod guard;
mod router;

use crm_app::audit::{Actor, Audit};
use crm_app::identity::accounts::Account;
use crm_app::identity::api_keys::ApiKey;
use crm_app::identity::sessions::Session;
use crm_app::tenancy::HostTarget;
use crm_domain::TenantId;
use crm_domain::access::{CentralPermission, CentralRole, Permission, PermissionSet};

pub use router::{AccessRouter, RouteAccess};

/// Cookie holding a tenant user's session token (on the tenant's host).
pub const SESSION_COOKIE: &str = "crm_session";
/// Cookie holding a staff member's session token (on the platform host).
pub const STAFF_SESSION_COOKIE: &str = "crm_staff_session";

/// What a route requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone (health, the API reference, static pages). Unsafe methods are refused unless they
    /// carry the pre-session CSRF token: use [`Access::PublicForm`] for forms.
    Public,
    /// A form anyone may submit (sign-in, accepting an invitation, password reset); guarded by
    /// the pre-session CSRF cookie.
    PublicForm,
    /// Machine callers that prove themselves otherwise (payment-provider webhooks: signatures).
    Webhook,
    /// Any signed-in user of the host's tenant, or an API key of it (own profile, own sessions).
    TenantMember,
    /// A user or API key of the host's tenant holding this permission.
    Tenant(Permission),
    /// Any signed-in platform staff member.
    Staff,
    /// Platform staff whose central role allows this.
    Central(CentralPermission),
}

/// A tenant's user, signed in with a session.
#[derive(Clone, Debug)]
pub struct UserPrincipal {
    pub tenant: TenantId,
    pub account: Account,
    pub permissions: PermissionSet,
    pub session: Session,
}

#[derive(Clone, Debug)]
pub struct KeyPrincipal {
    pub tenant: TenantId,
    pub key: ApiKey,
}

#[derive(Clone, Debug)]
pub struct StaffPrincipal {
    pub account: Account,
    pub role: CentralRole,
    pub session: Session,
}

#[derive(Clone, Debug)]
pub enum Principal {
    User(UserPrincipal),
    ApiKey(KeyPrincipal),
    Staff(StaffPrincipal),
}

impl Principal {
    /// The tenant this principal acts in (none for staff in the central part).
    pub fn tenant(&self) -> Option<&TenantId> {
        match self {
            Principal::User(user) => Some(&user.tenant),
            Principal::ApiKey(key) => Some(&key.tenant),
            Principal::Staff(_) => None,
        }
    }

    pub fn allows(&self, permission: Permission) -> bool {
        match self {
            Principal::User(user) => user.permissions.allows(permission),
            Principal::ApiKey(key) => key.key.scopes.allows(permission),
            Principal::Staff(_) => false,
        }
    }

    /// What this principal may do in its tenant: a user's role, a key's scopes; nothing for
    /// staff.
    pub fn permissions(&self) -> PermissionSet {
        match self {
            Principal::User(user) => user.permissions.clone(),
            Principal::ApiKey(key) => key.key.scopes.clone(),
            Principal::Staff(_) => PermissionSet::default(),
        }
    }

    pub fn allows_central(&self, permission: CentralPermission) -> bool {
        matches!(self, Principal::Staff(staff) if staff.role.allows(permission))
    }

    /// The session, for cookie-authenticated principals (CSRF applies to them).
    pub fn session(&self) -> Option<&Session> {
        match self {
            Principal::User(user) => Some(&user.session),
            Principal::Staff(staff) => Some(&staff.session),
            Principal::ApiKey(_) => None,
        }
    }

    pub fn actor(&self) -> Actor {
        match self {
            Principal::User(user) => match &user.session.impersonation {
                Some(imp) => Actor::Impersonation {
                    staff_id: imp.staff_id.clone(),
                    staff_email: imp.staff_email.clone(),
                    reason: imp.reason.clone(),
                },
                None => Actor::User {
                    id: user.account.id.clone(),
                    name: user.account.name.clone(),
                },
            },
            Principal::ApiKey(key) => Actor::ApiKey {
                id: key.key.id.clone(),
                name: key.key.name.clone(),
            },
            Principal::Staff(staff) => Actor::Staff {
                id: staff.account.id.clone(),
                email: staff.account.email.clone(),
            },
        }
    }
}

/// What the context middleware learned about a request.
#[derive(Clone, Debug)]
pub struct RequestContext {
    pub host: HostTarget,
    pub principal: Option<Principal>,
    /// A session signed in with the password whose second factor is still due.
    pub pending_second_factor: Option<(TenantOrCentral, Session)>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// The store could not be reached while resolving; only public routes are served.
    pub degraded: bool,
}

/// Where a pending session lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TenantOrCentral {
    Tenant(TenantId),
    Central,
}

impl RequestContext {
    /// The audit context of a mutation made in this request.
    pub fn audit(&self) -> Audit {
        Audit {
            actor: self
                .principal
                .as_ref()
                .map_or(Actor::Anonymous, Principal::actor),
            request_id: crate::request_id::current(),
            client_ip: self.client_ip.clone(),
        }
    }

    /// The tenant the principal acts in (a user's or an API key's), for tenant routes.
    pub fn acting_tenant(&self) -> Option<&TenantId> {
        self.principal.as_ref().and_then(Principal::tenant)
    }

    /// The signed-in tenant user, if the principal is one.
    pub fn user(&self) -> Option<&UserPrincipal> {
        match &self.principal {
            Some(Principal::User(user)) => Some(user),
            _ => None,
        }
    }

    /// The signed-in staff member, if the principal is one.
    pub fn staff(&self) -> Option<&StaffPrincipal> {
        match &self.principal {
            Some(Principal::Staff(staff)) => Some(staff),
            _ => None,
        }
    }

    /// The tenant of the host, if the host is a tenant's.
    pub fn host_tenant(&self) -> Option<&TenantId> {
        match &self.host {
            HostTarget::Tenant(id) => Some(id),
            _ => None,
        }
    }
}

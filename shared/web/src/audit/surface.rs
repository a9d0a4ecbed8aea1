//! Which log a request reads and from which UI: a tenant's own log on the tenant's host, or
//! any log (the platform's or a chosen tenant's) in the central part. Paths, links and where
//! the audit of an export goes follow from it.

use crm_app::Services;
use crm_app::keys::Namespace;
use crm_app::store::ScopedDb;
use crm_app::tenancy;
use crm_domain::TenantId;

use super::texts::AuditTexts;
use crate::problem::Problem;
use crate::ui::{FieldErrors, Link};

/// Central tenant parameter name.
pub const TENANT_PARAM: &str = "tenant";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Surface {
    /// A tenant's users and API keys: their own log.
    Tenant(TenantId),
    /// Platform staff: the central log, or `tenant`'s.
    Central { tenant: Option<TenantId> },
}

impl Surface {
    /// The namespace whose records are read.
    pub fn namespace(&self) -> Namespace {
        match self {
            Surface::Tenant(tenant)
            | Surface::Central {
                tenant: Some(tenant),
            } => Namespace::tenant(tenant),
            Surface::Central { tenant: None } => Namespace::Central,
        }
    }

    pub fn read_db(&self, services: &Services) -> ScopedDb {
        match self.namespace() {
            Namespace::Tenant(tenant) => services.db.tenant(&tenant),
            Namespace::Central => services.db.central(),
        }
    }

    /// Where the audit of an export is written: the tenant's own log for its users, the
    /// central log for staff (a central action, whichever log they exported).
    pub fn audit_db(&self, services: &Services) -> ScopedDb {
        match self {
            Surface::Tenant(tenant) => services.db.tenant(tenant),
            Surface::Central { .. } => services.db.central(),
        }
    }

    /// The exported log's name in the export's audit record and file name.
    pub fn subject(&self) -> String {
        match self {
            Surface::Tenant(tenant)
            | Surface::Central {
                tenant: Some(tenant),
            } => tenant.to_string(),
            Surface::Central { tenant: None } => "central".to_owned(),
        }
    }

    pub fn list_path(&self) -> &'static str {
        match self {
            Surface::Tenant(_) => "/audit",
            Surface::Central { .. } => "/central/audit",
        }
    }

    pub fn export_path(&self) -> &'static str {
        match self {
            Surface::Tenant(_) => "/audit/export.csv",
            Surface::Central { .. } => "/central/audit/export.csv",
        }
    }

    /// `path` with the central tenant parameter when one is chosen.
    pub fn link(&self, path: &str) -> Link {
        match self {
            Surface::Central {
                tenant: Some(tenant),
            } => Link::new(path).with(TENANT_PARAM, tenant.as_str()),
            _ => Link::new(path),
        }
    }

    /// An entity's history: its own page in a tenant's UI, the filtered log centrally.
    pub fn entity_href(&self, entity_type: &str, entity_id: &str) -> String {
        match self {
            Surface::Tenant(_) => format!(
                "/audit/entity/{}/{}",
                crate::ui::url::encode(entity_type),
                crate::ui::url::encode(entity_id)
            ),
            Surface::Central { .. } => self
                .link(self.list_path())
                .with("entity_type", entity_type)
                .with("entity_id", entity_id)
                .href(),
        }
    }

    /// The central surface for the raw `tenant` parameter: empty means the central log; an id
    /// must name a registered tenant.
    pub async fn central(
        services: &Services,
        raw: Option<&str>,
        a: &AuditTexts,
    ) -> Result<Result<Surface, FieldErrors>, Problem> {
        let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
            return Ok(Ok(Surface::Central { tenant: None }));
        };
        let mut errors = FieldErrors::new();
        let Ok(tenant) = TenantId::parse(raw) else {
            errors.add(TENANT_PARAM, a.tenant_bad);
            return Ok(Err(errors));
        };
        if tenancy::tenant_status(&services.db, &tenant)
            .await?
            .is_none()
        {
            errors.add(TENANT_PARAM, a.tenant_unknown);
            return Ok(Err(errors));
        }
        Ok(Ok(Surface::Central {
            tenant: Some(tenant),
        }))
    }
}

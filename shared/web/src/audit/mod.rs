//! The audit log in the UI and the API, shared by the tenant function (a tenant's own log) and
//! the central one (any log): [`page`] the list with filters, [`entity`] one entity's history,
//! [`export`] the streamed CSV, [`api`] JSON pages. Handlers in the functions stay thin: they
//! name the [`Surface`] and call these.

pub mod api;
pub mod entity;
pub mod export;
pub mod page;
pub mod params;
pub mod surface;
pub mod texts;
pub mod view;

use axum::response::Response;
use crm_app::Services;
use crm_app::audit::Audit;
use crm_app::audit_log::time_zone;

pub use params::{AuditQuery, TenantParam};
pub use surface::Surface;

use crate::i18n::Lang;
use crate::problem::Problem;
use crate::ui::FieldErrors;

/// Why an export did not start: bad filters (worded for people) or a failure.
#[derive(Debug)]
pub enum ExportRefused {
    Invalid(FieldErrors),
    Failed(Problem),
}

impl From<Problem> for ExportRefused {
    fn from(problem: Problem) -> Self {
        ExportRefused::Failed(problem)
    }
}

/// Checks the filters and the period, audits the export and starts the CSV stream.
pub async fn export_csv(
    services: &Services,
    audit: &Audit,
    surface: &Surface,
    query: &AuditQuery,
    lang: Lang,
) -> Result<Response, ExportRefused> {
    let a = texts::texts(lang);
    let zone = time_zone(&services.db, &surface.namespace())
        .await
        .map_err(Problem::from)?;
    let filter = query.filter(zone, a).map_err(ExportRefused::Invalid)?;
    export::check_range(&filter, services.clock.now(), a).map_err(ExportRefused::Invalid)?;
    Ok(export::respond(services, audit, surface, filter, lang, zone).await?)
}

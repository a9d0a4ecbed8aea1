//! The audit log in the JSON API: records as documented shapes and cursor pages.

use axum::Json;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use crm_app::Services;
use crm_app::audit::{Actor, AuditRecord};
use crm_app::audit_log::{AuditLog, AuditPage, time_zone};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::params::AuditQuery;
use super::surface::Surface;
use super::texts::{EN, action_label};
use super::view::actor_label;
use crate::i18n::Lang;
use crate::problem::Problem;

/// Default page size of the API.
pub const DEFAULT_LIMIT: u32 = 50;

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditActor {
    /// `user`, `api_key`, `staff`, `impersonation`, `system` or `anonymous`.
    pub kind: String,
    /// The id the `actor` filter takes.
    pub id: String,
    pub label: String,
    /// Why platform staff acted inside the tenant (impersonations only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditChange {
    /// Dotted path of the field.
    pub field: String,
    /// Absent when the field was created.
    #[schema(value_type = Option<Object>)]
    pub old: Option<Value>,
    /// Absent when the field was removed.
    #[schema(value_type = Option<Object>)]
    pub new: Option<Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor: AuditActor,
    /// `<entity>.<verb>`, e.g. `account.create`.
    pub action: String,
    /// The action in English words (the code when it has none).
    pub action_label: String,
    pub entity_type: String,
    pub entity_id: String,
    pub changes: Vec<AuditChange>,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    /// Newest first.
    pub items: Vec<AuditEntry>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// Set when the page stopped early to bound its work: records before this are still to be
    /// searched with `next_cursor` (the page may even be empty).
    pub searched_back_to: Option<DateTime<Utc>>,
    /// Without `from`, the start of the window searched (a year back).
    pub window_start: Option<DateTime<Utc>>,
}

fn kind(actor: &Actor) -> &'static str {
    match actor {
        Actor::User { .. } => "user",
        Actor::ApiKey { .. } => "api_key",
        Actor::Staff { .. } => "staff",
        Actor::Impersonation { .. } => "impersonation",
        Actor::System { .. } => "system",
        Actor::Anonymous => "anonymous",
    }
}

impl From<&AuditRecord> for AuditEntry {
    fn from(record: &AuditRecord) -> Self {
        AuditEntry {
            id: record.id.clone(),
            at: record.at,
            actor: AuditActor {
                kind: kind(&record.actor).to_owned(),
                id: record.actor.id(),
                label: actor_label(&EN, &record.actor),
                reason: match &record.actor {
                    Actor::Impersonation { reason, .. } => Some(reason.clone()),
                    _ => None,
                },
            },
            action: record.action.clone(),
            action_label: action_label(Lang::En, &record.action),
            entity_type: record.entity_type.clone(),
            entity_id: record.entity_id.clone(),
            changes: record
                .changes
                .iter()
                .map(|c| AuditChange {
                    field: c.field.clone(),
                    old: c.old.clone(),
                    new: c.new.clone(),
                })
                .collect(),
            request_id: record.request_id.clone(),
            client_ip: record.client_ip.clone(),
        }
    }
}

impl From<AuditPage> for AuditList {
    fn from(page: AuditPage) -> Self {
        AuditList {
            items: page.records.iter().map(AuditEntry::from).collect(),
            next_cursor: page.next.map(|c| c.as_str().to_owned()),
            searched_back_to: page.searched_back_to,
            window_start: page.window_start,
        }
    }
}

/// One page of `surface`'s log as JSON; field errors as 422, a bad cursor as 400.
pub async fn list(
    services: &Services,
    surface: &Surface,
    query: &AuditQuery,
) -> Result<Response, Problem> {
    let zone = time_zone(&services.db, &surface.namespace()).await?;
    let filter = query
        .filter(zone, &EN)
        .map_err(|errors| errors.to_problem())?;
    let log = AuditLog::new(
        surface.read_db(services),
        &services.signer,
        services.clock.now(),
    );
    let page = log
        .page(
            &filter,
            query.cursor().as_ref(),
            query.limit.unwrap_or(DEFAULT_LIMIT),
        )
        .await?;
    Ok(Json(AuditList::from(page)).into_response())
}

//! The query parameters of audit listings and exports, the same for the pages and the API.

use chrono_tz::Tz;
use crm_app::audit_log::{AuditFilter, FilterProblem, RawAuditFilter};
use crm_app::store::Cursor;
use serde::Deserialize;
use utoipa::IntoParams;

use super::texts::AuditTexts;
use crate::ui::{FieldErrors, Link};

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// First day (inclusive), `yyyy-mm-dd` or `dd.mm.yyyy`, in the tenant's time zone.
    /// Without it, listings look back a year.
    pub from: Option<String>,
    /// Last day (inclusive), same forms.
    pub to: Option<String>,
    /// Actor id: `user:<id>`, `api_key:<id>`, `staff:<id>`, `system:<process>`, `anonymous`.
    pub actor: Option<String>,
    /// Actions starting with this (`account.` or `account.create`).
    pub action: Option<String>,
    /// Entity type (`account`, `tenant`, `settings`, ...).
    pub entity_type: Option<String>,
    /// Entity id; needs `entity_type`. Reads that entity's whole history.
    pub entity_id: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1..=200 (default 50).
    pub limit: Option<u32>,
}

/// The central API's choice of log.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TenantParam {
    /// A tenant's id to read its log; absent for the platform's own log.
    pub tenant: Option<String>,
}

/// The filter fields, in form order.
pub const FILTER_FIELDS: [&str; 6] = ["from", "to", "actor", "action", "entity_type", "entity_id"];

impl AuditQuery {
    pub fn raw_filter(&self) -> RawAuditFilter {
        RawAuditFilter {
            from: self.from.clone(),
            to: self.to.clone(),
            actor: self.actor.clone(),
            action: self.action.clone(),
            entity_type: self.entity_type.clone(),
            entity_id: self.entity_id.clone(),
        }
    }

    pub fn value(&self, field: &str) -> &str {
        let value = match field {
            "from" => &self.from,
            "to" => &self.to,
            "actor" => &self.actor,
            "action" => &self.action,
            "entity_type" => &self.entity_type,
            "entity_id" => &self.entity_id,
            _ => &None,
        };
        value.as_deref().map_or("", str::trim)
    }

    /// The filter, or its field errors worded for people.
    pub fn filter(&self, zone: Tz, a: &AuditTexts) -> Result<AuditFilter, FieldErrors> {
        self.raw_filter().parse(zone).map_err(|problems| {
            let mut errors = FieldErrors::new();
            for (field, problem) in problems {
                errors.add(
                    field,
                    match problem {
                        FilterProblem::BadDate => a.bad_date,
                        FilterProblem::FromAfterTo => a.from_after_to,
                        FilterProblem::EntityIdWithoutType => a.entity_id_without_type,
                        FilterProblem::TooLong => a.too_long,
                        FilterProblem::BadAction => a.bad_action,
                    },
                );
            }
            errors
        })
    }

    pub fn cursor(&self) -> Option<Cursor> {
        self.cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(Cursor::from_client)
    }

    /// `base` with this query's filters (not its cursor).
    pub fn link(&self, base: Link) -> Link {
        FILTER_FIELDS
            .iter()
            .fold(base, |link, field| link.with(field, self.value(field)))
    }
}

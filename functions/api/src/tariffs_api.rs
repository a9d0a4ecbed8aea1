//! JSON API of tariffs: `/api/v1/services/{id}/tariffs` (the history, add a version) and
//! `/api/v1/services/{id}/tariffs/{version}` (change or delete a version that has not started).
//!
//! Dates are `YYYY-MM-DD`; `valid_until` is exclusive (the first day the version no longer
//! applies); decimals are strings (`"58.10"`).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use crm_app::Services;
use crm_app::catalog::input::zone_code;
use crm_app::catalog::tariffs::{self, BlockDraft, History, StoredVersion, TariffDraft};
use crm_app::catalog::today;
use crm_domain::access::{Action, Permission, Resource};
use crm_domain::billing::tariff::{Rates, TariffWarning};
use crm_domain::billing::tariff_edit::is_future;
use crm_web::access::{Access, AccessRouter, RequestContext};
use crm_web::extract::Json as JsonBody;
use crm_web::problem::Problem;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::services_common::{change_context, lang, problem, tenant_db};

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    let services = |action| Access::Tenant(Permission::new(Resource::Services, action));
    router
        .api(services(Action::Read), routes!(list_versions))
        .api(services(Action::Update), routes!(add_version))
        .api(services(Action::Update), routes!(patch_version))
        .api(services(Action::Delete), routes!(delete_version))
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockBody {
    /// Cumulative monthly consumption this block reaches (inclusive); `null` for the last.
    #[serde(default)]
    pub up_to: Option<String>,
    pub rate: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersionState {
    Past,
    Current,
    Future,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionBody {
    pub id: String,
    pub valid_from: NaiveDate,
    /// Exclusive; `null` while open-ended.
    pub valid_until: Option<NaiveDate>,
    /// Flat rate per unit (flat tariffs).
    pub rate: Option<String>,
    /// Consumption blocks (tiered services).
    pub blocks: Option<Vec<BlockBody>>,
    /// Rate per zone code: `day`, `night`, `peak`, `half_peak` (multi-zone services).
    pub zone_rates: Option<BTreeMap<String, String>>,
    /// Consumption norm per resident or m² per month.
    pub norm: Option<String>,
    /// Relative to today in the tenant's time zone; only `future` versions change.
    pub state: VersionState,
}

pub fn version_body(stored: &StoredVersion, today: NaiveDate) -> VersionBody {
    let text = |d: rust_decimal::Decimal| d.normalize().to_string();
    let v = &stored.version;
    let (mut rate, mut blocks, mut zone_rates) = (None, None, None);
    match &v.rates {
        Rates::Flat { rate: r } => rate = Some(text(*r)),
        Rates::Blocks { blocks: b } => {
            blocks = Some(
                b.iter()
                    .map(|b| BlockBody {
                        up_to: b.up_to.map(text),
                        rate: text(b.rate),
                    })
                    .collect(),
            );
        }
        Rates::Zoned { rates } => {
            zone_rates = Some(
                rates
                    .iter()
                    .map(|(z, r)| (zone_code(*z).to_owned(), text(*r)))
                    .collect(),
            );
        }
    }
    let state = if is_future(v, today) {
        VersionState::Future
    } else if v.valid_until.is_some_and(|until| until <= today) {
        VersionState::Past
    } else {
        VersionState::Current
    };
    VersionBody {
        id: stored.id.clone(),
        valid_from: v.valid_from,
        valid_until: v.valid_until,
        rate,
        blocks,
        zone_rates,
        norm: v.norm.map(text),
        state,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WarningBody {
    /// `gap`: no version covers `from` up to (not including) `until`; those days cannot be billed.
    pub code: String,
    pub from: NaiveDate,
    pub until: NaiveDate,
}

fn warnings(found: &[TariffWarning]) -> Vec<WarningBody> {
    found
        .iter()
        .map(|w| match w {
            TariffWarning::Gap { from, until } => WarningBody {
                code: "gap".into(),
                from: *from,
                until: *until,
            },
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TariffBody {
    pub service_id: String,
    /// In date order.
    pub versions: Vec<VersionBody>,
    pub warnings: Vec<WarningBody>,
    /// The version in force today, if any.
    pub current_version_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionOutcome {
    /// The version added or changed (absent after a deletion).
    pub version: Option<VersionBody>,
    /// Warnings of the history after the change (gaps).
    pub warnings: Vec<WarningBody>,
}

/// A tariff version. Give the rate fields the service's kind uses: `rate` (flat kinds),
/// `blocks` (tiered), `zone_rates` (two- and three-zone); `norm` is required for norm kinds.
/// Adding a version closes the open-ended version before it on its `valid_from`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct VersionInput {
    pub valid_from: Option<String>,
    /// Exclusive; absent for an open-ended version.
    pub valid_until: Option<String>,
    pub rate: Option<String>,
    pub blocks: Option<Vec<BlockBody>>,
    pub zone_rates: Option<BTreeMap<String, String>>,
    pub norm: Option<String>,
}

impl VersionInput {
    /// The draft of this input laid over `base` (a change keeps what it does not name).
    fn draft(self, base: Option<TariffDraft>) -> TariffDraft {
        let mut draft = base.unwrap_or_default();
        let rates_given = self.rate.is_some() || self.blocks.is_some() || self.zone_rates.is_some();
        if rates_given {
            draft.rate = None;
            draft.blocks = Vec::new();
            draft.zone_rates = Vec::new();
        }
        if let Some(from) = self.valid_from {
            draft.valid_from = Some(from);
        }
        if let Some(until) = self.valid_until {
            draft.valid_until = Some(until);
        }
        if let Some(rate) = self.rate {
            draft.rate = Some(rate);
        }
        if let Some(blocks) = self.blocks {
            draft.blocks = blocks
                .into_iter()
                .map(|b| BlockDraft {
                    up_to: b.up_to.unwrap_or_default(),
                    rate: b.rate,
                })
                .collect();
        }
        if let Some(zones) = self.zone_rates {
            draft.zone_rates = zones.into_iter().collect();
        }
        if let Some(norm) = self.norm {
            draft.norm = Some(norm);
        }
        draft
    }
}

fn tariff_body(history: &History, today: NaiveDate) -> TariffBody {
    TariffBody {
        service_id: history.service.id.clone(),
        versions: history
            .versions
            .iter()
            .map(|v| version_body(v, today))
            .collect(),
        warnings: warnings(&history.warnings()),
        current_version_id: history.current(today).map(|v| v.id.clone()),
    }
}

/// The service's tariff history, read whole.
#[utoipa::path(
    get,
    path = "/api/v1/services/{id}/tariffs",
    tag = "tariffs",
    params(("id" = String, Path, description = "Service id")),
    responses(
        (status = 200, description = "Every version, in date order, and gap warnings", body = TariffBody),
        (status = 404, description = "No such service", body = Problem),
    )
)]
async fn list_versions(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<TariffBody>, Problem> {
    let db = tenant_db(&services, &ctx)?;
    let history = tariffs::history(&db, &id)
        .await
        .map_err(|e| problem(e, lang(&headers)))?;
    Ok(Json(tariff_body(&history, today(services.clock.now()))))
}

/// Adds a version. An overlap with another version is refused naming it; a gap is accepted
/// and reported in `warnings`.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/tariffs",
    tag = "tariffs",
    params(("id" = String, Path, description = "Service id")),
    request_body = VersionInput,
    responses(
        (status = 201, description = "Added", body = VersionOutcome),
        (status = 404, description = "No such service", body = Problem),
        (status = 409, description = "The history changed meanwhile", body = Problem),
        (status = 422, description = "Invalid fields or an overlap (`validation_failed`)", body = Problem),
    )
)]
async fn add_version(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<VersionInput>,
) -> Result<Response, Problem> {
    let db = tenant_db(&services, &ctx)?;
    let audit = ctx.audit();
    let cx = change_context(&services, &audit);
    let outcome = tariffs::add(&db, &cx, &id, &input.draft(None))
        .await
        .map_err(|e| problem(e, lang(&headers)))?;
    let today = today(cx.now);
    Ok((
        StatusCode::CREATED,
        Json(VersionOutcome {
            version: outcome.version.as_ref().map(|v| version_body(v, today)),
            warnings: warnings(&outcome.warnings),
        }),
    )
        .into_response())
}

/// Changes a version that has not started yet; fields not given stay. Giving any rate field
/// replaces the rates.
#[utoipa::path(
    patch,
    path = "/api/v1/services/{id}/tariffs/{version}",
    tag = "tariffs",
    params(
        ("id" = String, Path, description = "Service id"),
        ("version" = String, Path, description = "Version id"),
    ),
    request_body = VersionInput,
    responses(
        (status = 200, description = "Changed", body = VersionOutcome),
        (status = 404, description = "No such service or version", body = Problem),
        (status = 422, description = "Invalid fields, an overlap, or a version that has started", body = Problem),
    )
)]
async fn patch_version(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path((id, version_id)): Path<(String, String)>,
    JsonBody(input): JsonBody<VersionInput>,
) -> Result<Json<VersionOutcome>, Problem> {
    let lang = lang(&headers);
    let db = tenant_db(&services, &ctx)?;
    let history = tariffs::history(&db, &id)
        .await
        .map_err(|e| problem(e, lang))?;
    let (_, current) = history.find(&version_id).ok_or_else(Problem::not_found)?;
    let draft = input.draft(Some(TariffDraft::from_version(&current.version)));
    let audit = ctx.audit();
    let cx = change_context(&services, &audit);
    let outcome = tariffs::replace(&db, &cx, &id, &version_id, &draft)
        .await
        .map_err(|e| problem(e, lang))?;
    let today = today(cx.now);
    Ok(Json(VersionOutcome {
        version: outcome.version.as_ref().map(|v| version_body(v, today)),
        warnings: warnings(&outcome.warnings),
    }))
}

/// Deletes a version that has not started yet; the version before it takes over its days.
#[utoipa::path(
    delete,
    path = "/api/v1/services/{id}/tariffs/{version}",
    tag = "tariffs",
    params(
        ("id" = String, Path, description = "Service id"),
        ("version" = String, Path, description = "Version id"),
    ),
    responses(
        (status = 200, description = "Deleted", body = VersionOutcome),
        (status = 404, description = "No such service or version", body = Problem),
        (status = 422, description = "The version has started", body = Problem),
    )
)]
async fn delete_version(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path((id, version_id)): Path<(String, String)>,
) -> Result<Json<VersionOutcome>, Problem> {
    let db = tenant_db(&services, &ctx)?;
    let audit = ctx.audit();
    let cx = change_context(&services, &audit);
    let outcome = tariffs::remove(&db, &cx, &id, &version_id)
        .await
        .map_err(|e| problem(e, lang(&headers)))?;
    Ok(Json(VersionOutcome {
        version: None,
        warnings: warnings(&outcome.warnings),
    }))
}

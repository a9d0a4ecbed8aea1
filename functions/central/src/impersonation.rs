//! Impersonation from the central part: support picks an organisation, one of its users and
//! states a reason, and is sent to the organisation's host with a one-time token. Pages and
//! the JSON API.

use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Moscow;
use crm_app::Services;
use crm_app::identity::accounts::AccountStatus;
use crm_app::identity::impersonation::{self, HANDOFF_TTL, Impersonation};
use crm_app::identity::users::{self, ListQuery};
use crm_app::identity::{Realm, roles};
use crm_app::tenancy::{self, TenantStatus};
use crm_domain::TenantId;
use crm_domain::access::CentralPermission;
use crm_web::access::{Access, AccessRouter, RequestContext};
use crm_web::chrome::CentralUi;
use crm_web::extract::{Json, Query};
use crm_web::format;
use crm_web::i18n::Lang;
use crm_web::identity::errors::{self, FormError};
use crm_web::identity::forms::FormData;
use crm_web::identity::views::{FormView, ImpersonationRow, ImpersonationsView};
use crm_web::identity::{labels, people};
use crm_web::problem::Problem;
use crm_web::ui::{EmptyState, Field, FieldErrors, Page, SelectOption};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

const IMPERSONATE: Access = Access::Central(CentralPermission::Impersonate);
const PATH: &str = "/central/impersonations";

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router
        .page(Method::GET, PATH, IMPERSONATE, get(page))
        .page(Method::POST, PATH, IMPERSONATE, post(start))
        .api(
            Access::Central(CentralPermission::ReadAudit),
            routes!(api_list),
        )
        .api(IMPERSONATE, routes!(api_start))
}

#[derive(Deserialize, Default)]
struct PageQuery {
    tenant: Option<String>,
}

/// The active tenant named by `raw`, if any.
async fn active_tenant(services: &Services, raw: &str) -> Result<Option<TenantId>, Problem> {
    let Ok(tenant) = TenantId::parse(raw.trim()) else {
        return Ok(None);
    };
    let active = tenancy::tenant_status(&services.db, &tenant).await? == Some(TenantStatus::Active);
    Ok(active.then_some(tenant))
}

/// The tenant's active users as select options (`name <email> — role`).
async fn user_options(
    services: &Services,
    tenant: &TenantId,
    lang: Lang,
) -> Result<Vec<SelectOption>, Problem> {
    let realm = Realm::tenant(services, tenant);
    let page = users::list(
        &realm,
        &ListQuery {
            limit: 200,
            ..ListQuery::default()
        },
    )
    .await
    .map_err(|e| errors::problem(e, lang))?;
    let custom: Vec<(String, String)> = roles::list(&realm)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    Ok(page
        .accounts
        .into_iter()
        .filter(|a| a.status == AccountStatus::Active)
        .map(|a| {
            let label = format!(
                "{} <{}> — {}",
                a.name,
                a.email,
                labels::role(&a.role, &custom, lang)
            );
            SelectOption::new(a.id, label)
        })
        .collect())
}

struct Entered<'a> {
    tenant: &'a str,
    account: &'a str,
    reason: &'a str,
}

async fn view(
    services: &Services,
    ui: &CentralUi,
    entered: &Entered<'_>,
    errors: &FieldErrors,
) -> Result<ImpersonationsView, Problem> {
    let (t, lang) = (ui.chrome.t, ui.chrome.lang);
    let x = people::texts(lang);
    let tenant_form = FormView::new(t, PATH, "", x.imp_show_users)
        .get()
        .field(
            Field::text(t, "tenant", x.imp_tenant)
                .value(entered.tenant)
                .required()
                .hint(x.imp_tenant_hint),
        )
        .errors(t, errors);
    let tenant = active_tenant(services, entered.tenant).await?;
    let mut note = None;
    let start_form = match &tenant {
        Some(tenant) => {
            let options = user_options(services, tenant, lang).await?;
            if options.is_empty() {
                note = Some(x.imp_no_users.to_owned());
                None
            } else {
                Some(
                    FormView::new(t, PATH, &ui.chrome.csrf_token, x.imp_submit)
                        .hidden("tenant", tenant.as_str())
                        .field(
                            Field::select(t, "account", x.imp_account, options)
                                .value(entered.account)
                                .required(),
                        )
                        .field(
                            Field::textarea(t, "reason", x.imp_reason)
                                .value(entered.reason)
                                .required()
                                .hint(x.imp_reason_hint),
                        )
                        .errors(t, errors),
                )
            }
        }
        None if !entered.tenant.trim().is_empty() && errors.get("tenant").is_none() => {
            note = Some(errors::invalid(
                &crm_app::identity::Invalid::UnknownTenant,
                lang,
            ));
            None
        }
        None => None,
    };
    let rows = impersonation::list(services, 50)
        .await?
        .into_iter()
        .map(|i| ImpersonationRow {
            tenant: i.tenant_id.to_string(),
            user: i.account_name,
            staff: i.staff_email,
            reason: i.reason,
            started: format::date_time(i.started_at, Moscow),
        })
        .collect();
    Ok(ImpersonationsView {
        intro: x.impersonation_intro.to_owned(),
        tenant_form,
        start_form,
        note,
        recent_heading: x.imp_recent.to_owned(),
        caption: x.imp_caption.to_owned(),
        columns: [
            x.col_tenant,
            x.col_user,
            x.col_staff,
            x.col_reason,
            x.col_started,
        ]
        .map(str::to_owned),
        rows,
        empty: EmptyState::new(x.imp_empty_title, x.imp_empty_text),
    })
}

async fn page(
    State(services): State<Services>,
    ui: CentralUi,
    Query(query): Query<PageQuery>,
) -> Result<Response, Problem> {
    let entered = Entered {
        tenant: query.tenant.as_deref().unwrap_or(""),
        account: "",
        reason: "",
    };
    let view = view(&services, &ui, &entered, &FieldErrors::new()).await?;
    let title = people::texts(ui.chrome.lang).impersonation_title;
    Ok(Page::new(ui.chrome, title, view).into_response())
}

async fn start(
    State(services): State<Services>,
    ui: CentralUi,
    form: FormData,
) -> Result<Response, Problem> {
    let lang = ui.chrome.lang;
    let staff = ui.staff().ok_or_else(Problem::not_found)?;
    let entered = Entered {
        tenant: form.get("tenant"),
        account: form.get("account"),
        reason: form.get("reason"),
    };
    let started = impersonation::start(
        &services,
        &staff.account,
        entered.tenant,
        entered.account,
        entered.reason,
        &ui.ctx.audit(),
    )
    .await;
    let errors = match started {
        Ok((record, token)) => {
            let url = impersonation::handoff_url(&services, &record.tenant_id, &token);
            return Ok(Redirect::to(&url).into_response());
        }
        Err(e) => match errors::for_form(e, lang) {
            FormError::Fields(errors) => errors,
            FormError::Message(message) => return Err(Problem::conflict("refused", message)),
            FormError::Problem(problem) => return Err(problem),
        },
    };
    let view = view(&services, &ui, &entered, &errors).await?;
    let title = people::texts(lang).impersonation_title;
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        Page::new(ui.chrome, title, view),
    )
        .into_response())
}

// ---- JSON API -------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct ImpersonationBody {
    pub id: String,
    pub tenant_id: String,
    pub account_id: String,
    pub account_name: String,
    pub staff_id: String,
    pub staff_email: String,
    pub reason: String,
    pub started_at: DateTime<Utc>,
}

impl From<Impersonation> for ImpersonationBody {
    fn from(i: Impersonation) -> Self {
        Self {
            id: i.id,
            tenant_id: i.tenant_id.to_string(),
            account_id: i.account_id,
            account_name: i.account_name,
            staff_id: i.staff_id,
            staff_email: i.staff_email,
            reason: i.reason,
            started_at: i.started_at,
        }
    }
}

#[utoipa::path(
    get,
    path = "/central/api/v1/impersonations",
    tag = "staff",
    responses((status = 200, description = "Recent impersonations, newest first", body = Vec<ImpersonationBody>))
)]
async fn api_list(
    State(services): State<Services>,
) -> Result<axum::Json<Vec<ImpersonationBody>>, Problem> {
    let list = impersonation::list(&services, 100).await?;
    Ok(axum::Json(
        list.into_iter().map(ImpersonationBody::from).collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewImpersonation {
    pub tenant_id: String,
    pub account_id: String,
    /// Why, at least 10 characters (a ticket number and what to check).
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImpersonationStarted {
    pub impersonation: ImpersonationBody,
    /// Open this in a browser within a minute; it works once.
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

#[utoipa::path(
    post,
    path = "/central/api/v1/impersonations",
    tag = "staff",
    request_body = NewImpersonation,
    responses(
        (status = 201, description = "Started; open `url` to enter", body = ImpersonationStarted),
        (status = 422, description = "Unknown tenant or user, or a reason too short", body = Problem),
    )
)]
async fn api_start(
    State(services): State<Services>,
    ctx: RequestContext,
    lang: Lang,
    Json(body): Json<NewImpersonation>,
) -> Result<Response, Problem> {
    let staff = ctx.staff().ok_or_else(Problem::not_found)?;
    let (record, token) = impersonation::start(
        &services,
        &staff.account,
        &body.tenant_id,
        &body.account_id,
        &body.reason,
        &ctx.audit(),
    )
    .await
    .map_err(|e| errors::problem(e, lang))?;
    let body = ImpersonationStarted {
        url: impersonation::handoff_url(&services, &record.tenant_id, &token),
        expires_at: record.started_at + HANDOFF_TTL,
        impersonation: record.into(),
    };
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

//! Platform staff: the pages (shared with a tenant's user pages) and the JSON API. Only
//! superadmins manage staff; everyone on staff may see who is on it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use crm_app::Services;
use crm_app::identity::accounts::{Account, AccountStatus};
use crm_app::identity::users::{self, ListQuery};
use crm_app::identity::{Realm, invitations};
use crm_domain::access::{CentralPermission, PermissionSet};
use crm_web::access::{Access, AccessRouter, RequestContext};
use crm_web::extract::Json;
use crm_web::i18n::Lang;
use crm_web::identity::people::{self, PeopleAccess};
use crm_web::identity::{Area, CentralArea, errors};
use crm_web::problem::Problem;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

const READ: Access = Access::Central(CentralPermission::ReadStaff);
const MANAGE: Access = Access::Central(CentralPermission::ManageStaff);

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    people::routes::<CentralArea>(router, PeopleAccess::STAFF)
        .api(READ, routes!(list_staff))
        .api(MANAGE, routes!(invite_staff))
        .api(READ, routes!(get_staff))
        .api(MANAGE, routes!(change_role))
        .api(MANAGE, routes!(disable_staff))
        .api(MANAGE, routes!(enable_staff))
}

#[derive(Serialize, ToSchema)]
pub struct StaffBody {
    pub id: String,
    pub email: String,
    pub name: String,
    /// `superadmin`, `support` or `read_only`.
    pub role: String,
    /// `active` or `disabled`.
    pub status: String,
    pub second_factor: bool,
    pub created_at: DateTime<Utc>,
}

impl From<Account> for StaffBody {
    fn from(a: Account) -> Self {
        Self {
            status: match a.status {
                AccountStatus::Active => "active",
                AccountStatus::Disabled => "disabled",
            }
            .to_owned(),
            second_factor: a.totp_secret.is_some(),
            id: a.id,
            email: a.email,
            name: a.name,
            role: a.role,
            created_at: a.created_at,
        }
    }
}

#[utoipa::path(
    get,
    path = "/central/api/v1/staff",
    tag = "staff",
    responses((status = 200, description = "Platform staff by name", body = Vec<StaffBody>))
)]
async fn list_staff(
    State(services): State<Services>,
    lang: Lang,
) -> Result<axum::Json<Vec<StaffBody>>, Problem> {
    let realm = Realm::central(&services);
    let page = users::list(
        &realm,
        &ListQuery {
            limit: 200,
            ..ListQuery::default()
        },
    )
    .await
    .map_err(|e| errors::problem(e, lang))?;
    Ok(axum::Json(
        page.accounts.into_iter().map(StaffBody::from).collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewStaff {
    pub email: String,
    /// `superadmin`, `support` or `read_only`.
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct StaffInvited {
    pub invitation_id: String,
    pub email: String,
    pub role: String,
    pub expires_at: DateTime<Utc>,
    pub mail_sent: bool,
}

#[utoipa::path(
    post,
    path = "/central/api/v1/staff",
    tag = "staff",
    request_body = NewStaff,
    responses(
        (status = 201, description = "Invited; the link went by email", body = StaffInvited),
        (status = 409, description = "`email_taken` or `already_invited`", body = Problem),
        (status = 422, description = "Bad email or role", body = Problem),
    )
)]
async fn invite_staff(
    State(services): State<Services>,
    ctx: RequestContext,
    lang: Lang,
    Json(body): Json<NewStaff>,
) -> Result<Response, Problem> {
    let realm = Realm::central(&services);
    let letter = people::invitation_letter(Area::Central.organisation(&realm, lang), lang);
    let invited = invitations::invite(
        &realm,
        &PermissionSet::default(),
        &body.email,
        &body.role,
        &ctx.audit(),
        letter,
    )
    .await
    .map_err(|e| errors::problem(e, lang))?;
    let body = StaffInvited {
        invitation_id: invited.invitation.id,
        email: invited.invitation.email,
        role: invited.invitation.role,
        expires_at: invited.invitation.expires_at,
        mail_sent: invited.mail.is_ok(),
    };
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

#[utoipa::path(
    get,
    path = "/central/api/v1/staff/{id}",
    tag = "staff",
    params(("id" = String, Path, description = "Staff member id")),
    responses(
        (status = 200, description = "The staff member", body = StaffBody),
        (status = 404, description = "No such staff member", body = Problem),
    )
)]
async fn get_staff(
    State(services): State<Services>,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<axum::Json<StaffBody>, Problem> {
    let realm = Realm::central(&services);
    let staff = users::get(&realm, &id)
        .await
        .map_err(|e| errors::problem(e, lang))?;
    Ok(axum::Json(staff.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct StaffRole {
    /// `superadmin`, `support` or `read_only`.
    pub role: String,
}

#[utoipa::path(
    put,
    path = "/central/api/v1/staff/{id}/role",
    tag = "staff",
    params(("id" = String, Path, description = "Staff member id")),
    request_body = StaffRole,
    responses(
        (status = 200, description = "The staff member with the new role", body = StaffBody),
        (status = 404, description = "No such staff member", body = Problem),
        (status = 409, description = "`last_administrator`: no superadmin would be left", body = Problem),
        (status = 422, description = "Unknown role", body = Problem),
    )
)]
async fn change_role(
    State(services): State<Services>,
    ctx: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
    Json(body): Json<StaffRole>,
) -> Result<axum::Json<StaffBody>, Problem> {
    let realm = Realm::central(&services);
    let staff = users::change_role(
        &realm,
        &PermissionSet::default(),
        &id,
        &body.role,
        &ctx.audit(),
    )
    .await
    .map_err(|e| errors::problem(e, lang))?;
    Ok(axum::Json(staff.into()))
}

async fn set_status(
    services: &Services,
    ctx: &RequestContext,
    lang: Lang,
    id: &str,
    status: AccountStatus,
) -> Result<axum::Json<StaffBody>, Problem> {
    let realm = Realm::central(services);
    let me = ctx.staff().map(|s| s.account.id.as_str());
    let staff = users::set_status(
        &realm,
        &PermissionSet::default(),
        me,
        id,
        status,
        &ctx.audit(),
    )
    .await
    .map_err(|e| errors::problem(e, lang))?;
    Ok(axum::Json(staff.into()))
}

#[utoipa::path(
    post,
    path = "/central/api/v1/staff/{id}/disable",
    tag = "staff",
    params(("id" = String, Path, description = "Staff member id")),
    responses(
        (status = 200, description = "Disabled; their sessions have ended", body = StaffBody),
        (status = 404, description = "No such staff member", body = Problem),
        (status = 409, description = "`own_account` or `last_administrator`", body = Problem),
    )
)]
async fn disable_staff(
    State(services): State<Services>,
    ctx: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<axum::Json<StaffBody>, Problem> {
    set_status(&services, &ctx, lang, &id, AccountStatus::Disabled).await
}

#[utoipa::path(
    post,
    path = "/central/api/v1/staff/{id}/enable",
    tag = "staff",
    params(("id" = String, Path, description = "Staff member id")),
    responses(
        (status = 200, description = "Enabled", body = StaffBody),
        (status = 404, description = "No such staff member", body = Problem),
    )
)]
async fn enable_staff(
    State(services): State<Services>,
    ctx: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<axum::Json<StaffBody>, Problem> {
    set_status(&services, &ctx, lang, &id, AccountStatus::Active).await
}

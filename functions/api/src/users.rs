//! A tenant's users and invitations: the admin pages (shared with the central staff pages) and
//! the JSON API.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use crm_app::Services;
use crm_app::identity::accounts::{Account, AccountStatus};
use crm_app::identity::invitations::{self, Invitation};
use crm_app::identity::users::{self, ListQuery, SortBy};
use crm_domain::access::{Action, Permission, Resource};
use crm_web::access::{Access, AccessRouter, RequestContext};
use crm_web::extract::{Json, Query};
use crm_web::i18n::Lang;
use crm_web::identity::people::{self, PeopleAccess};
use crm_web::identity::{Area, TenantArea, errors};
use crm_web::problem::Problem;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use crate::acting;

const fn users(action: Action) -> Access {
    Access::Tenant(Permission::new(Resource::Users, action))
}

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    people::routes::<TenantArea>(router, PeopleAccess::TENANT)
        .api(users(Action::Read), routes!(list_users))
        .api(users(Action::Read), routes!(get_user))
        .api(users(Action::Update), routes!(change_role))
        .api(users(Action::Update), routes!(disable_user))
        .api(users(Action::Update), routes!(enable_user))
        .api(users(Action::Read), routes!(list_invitations))
        .api(users(Action::Create), routes!(create_invitation))
        .api(users(Action::Delete), routes!(revoke_invitation))
}

#[derive(Serialize, ToSchema)]
pub struct UserBody {
    pub id: String,
    pub email: String,
    pub name: String,
    /// A built-in role name (`administrator`, `manager`, `operator`, `accountant`, `viewer`)
    /// or `custom:<role id>`.
    pub role: String,
    /// `active` or `disabled`.
    pub status: String,
    pub second_factor: bool,
    pub created_at: DateTime<Utc>,
}

impl From<Account> for UserBody {
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

#[derive(Serialize, ToSchema)]
pub struct UserList {
    pub items: Vec<UserBody>,
    /// Matching users in all pages.
    pub total: usize,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct UserListParams {
    /// Part of a name or email.
    q: Option<String>,
    /// `name` (default), `email`, `role`, `status` or `created`.
    sort: Option<String>,
    /// `asc` (default) or `desc`.
    dir: Option<String>,
    cursor: Option<String>,
    /// Page size, 1..=200 (default 50).
    limit: Option<usize>,
}

#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "identity",
    params(UserListParams),
    responses(
        (status = 200, description = "A page of the tenant's users", body = UserList),
        (status = 400, description = "Bad sort or cursor", body = Problem),
    )
)]
async fn list_users(
    State(services): State<Services>,
    ctx: RequestContext,
    lang: Lang,
    Query(params): Query<UserListParams>,
) -> Result<axum::Json<UserList>, Problem> {
    let realm = acting::realm(&services, &ctx)?;
    let sort = match params.sort.as_deref() {
        None => SortBy::default(),
        Some(raw) => SortBy::parse(raw).ok_or_else(|| {
            Problem::bad_request(
                "invalid_sort",
                "sort by name, email, role, status or created",
            )
        })?,
    };
    let descending = match params.dir.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => return Err(Problem::bad_request("invalid_sort", "dir is asc or desc")),
    };
    let offset = match params.cursor.as_deref() {
        None | Some("") => 0,
        Some(raw) => raw.parse().map_err(|_| {
            Problem::bad_request("invalid_cursor", "the cursor is not one we issued")
        })?,
    };
    let page = users::list(
        &realm,
        &ListQuery {
            search: params.q.unwrap_or_default(),
            sort,
            descending,
            offset,
            limit: params.limit.unwrap_or(50),
        },
    )
    .await
    .map_err(|e| errors::problem(e, lang))?;
    Ok(axum::Json(UserList {
        items: page.accounts.into_iter().map(UserBody::from).collect(),
        total: page.total,
        next_cursor: page.next_offset.map(|n| n.to_string()),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/users/{id}",
    tag = "identity",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = UserBody),
        (status = 404, description = "No such user in this tenant", body = Problem),
    )
)]
async fn get_user(
    State(services): State<Services>,
    ctx: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<axum::Json<UserBody>, Problem> {
    let realm = acting::realm(&services, &ctx)?;
    let user = users::get(&realm, &id)
        .await
        .map_err(|e| errors::problem(e, lang))?;
    Ok(axum::Json(user.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct RoleChange {
    /// A built-in role name or `custom:<role id>`; it and the user's current role must be
    /// within the caller's permissions.
    pub role: String,
}

#[utoipa::path(
    put,
    path = "/api/v1/users/{id}/role",
    tag = "identity",
    params(("id" = String, Path, description = "User id")),
    request_body = RoleChange,
    responses(
        (status = 200, description = "The user with the new role", body = UserBody),
        (status = 404, description = "No such user", body = Problem),
        (status = 409, description = "`last_administrator`: the tenant would have no administrator", body = Problem),
        (status = 422, description = "Unknown role, or one the caller cannot give", body = Problem),
    )
)]
async fn change_role(
    State(services): State<Services>,
    ctx: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
    Json(body): Json<RoleChange>,
) -> Result<axum::Json<UserBody>, Problem> {
    let realm = acting::realm(&services, &ctx)?;
    let actor = people::actor_permissions(&ctx);
    let user = users::change_role(&realm, &actor, &id, &body.role, &ctx.audit())
        .await
        .map_err(|e| errors::problem(e, lang))?;
    Ok(axum::Json(user.into()))
}

async fn set_status(
    services: &Services,
    ctx: &RequestContext,
    lang: Lang,
    id: &str,
    status: AccountStatus,
) -> Result<axum::Json<UserBody>, Problem> {
    let realm = acting::realm(services, ctx)?;
    let actor = people::actor_permissions(ctx);
    let me = ctx.user().map(|u| u.account.id.as_str());
    let user = users::set_status(&realm, &actor, me, id, status, &ctx.audit())
        .await
        .map_err(|e| errors::problem(e, lang))?;
    Ok(axum::Json(user.into()))
}

#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/disable",
    tag = "identity",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "Disabled; the user's sessions have ended", body = UserBody),
        (status = 404, description = "No such user", body = Problem),
        (status = 409, description = "`own_account` or `last_administrator`", body = Problem),
    )
)]
async fn disable_user(
    State(services): State<Services>,
    ctx: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<axum::Json<UserBody>, Problem> {
    set_status(&services, &ctx, lang, &id, AccountStatus::Disabled).await
}

#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/enable",
    tag = "identity",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "Enabled", body = UserBody),
        (status = 404, description = "No such user", body = Problem),
    )
)]
async fn enable_user(
    State(services): State<Services>,
    ctx: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<axum::Json<UserBody>, Problem> {
    set_status(&services, &ctx, lang, &id, AccountStatus::Active).await
}

#[derive(Serialize, ToSchema)]
pub struct InvitationBody {
    pub id: String,
    pub email: String,
    pub role: String,
    pub invited_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl From<Invitation> for InvitationBody {
    fn from(i: Invitation) -> Self {
        Self {
            id: i.id,
            email: i.email,
            role: i.role,
            invited_by: i.invited_by,
            created_at: i.created_at,
            expires_at: i.expires_at,
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/invitations",
    tag = "identity",
    responses((status = 200, description = "Pending invitations, newest first", body = Vec<InvitationBody>))
)]
async fn list_invitations(
    State(services): State<Services>,
    ctx: RequestContext,
) -> Result<axum::Json<Vec<InvitationBody>>, Problem> {
    let realm = acting::realm(&services, &ctx)?;
    let list = invitations::list(&realm).await?;
    Ok(axum::Json(
        list.into_iter().map(InvitationBody::from).collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewInvitation {
    pub email: String,
    /// A built-in role name or `custom:<role id>` within the caller's permissions.
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationCreated {
    pub invitation: InvitationBody,
    /// Whether the email with the link went out; if not, revoke and invite again later.
    pub mail_sent: bool,
}

#[utoipa::path(
    post,
    path = "/api/v1/invitations",
    tag = "identity",
    request_body = NewInvitation,
    responses(
        (status = 201, description = "Invited; the link went by email", body = InvitationCreated),
        (status = 409, description = "`email_taken` or `already_invited`", body = Problem),
        (status = 422, description = "Bad email or role", body = Problem),
    )
)]
async fn create_invitation(
    State(services): State<Services>,
    ctx: RequestContext,
    lang: Lang,
    Json(body): Json<NewInvitation>,
) -> Result<Response, Problem> {
    let realm = acting::realm(&services, &ctx)?;
    let actor = people::actor_permissions(&ctx);
    let letter = people::invitation_letter(Area::Tenant.organisation(&realm, lang), lang);
    let invited = invitations::invite(
        &realm,
        &actor,
        &body.email,
        &body.role,
        &ctx.audit(),
        letter,
    )
    .await
    .map_err(|e| errors::problem(e, lang))?;
    let body = InvitationCreated {
        mail_sent: invited.mail.is_ok(),
        invitation: invited.invitation.into(),
    };
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

#[utoipa::path(
    delete,
    path = "/api/v1/invitations/{id}",
    tag = "identity",
    params(("id" = String, Path, description = "Invitation id")),
    responses(
        (status = 204, description = "Revoked; the link no longer works"),
        (status = 404, description = "No such pending invitation", body = Problem),
    )
)]
async fn revoke_invitation(
    State(services): State<Services>,
    ctx: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let realm = acting::realm(&services, &ctx)?;
    invitations::revoke(&realm, &id, &ctx.audit())
        .await
        .map_err(|e| errors::problem(e, lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

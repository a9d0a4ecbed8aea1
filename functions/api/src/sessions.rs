//! `/api/v1/me` (who the caller is) and `/api/v1/sessions` (the signed-in user's own sessions).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use crm_app::Services;
use crm_app::identity::{login, sessions};
use crm_web::access::{Access, AccessRouter, Principal, RequestContext};
use crm_web::problem::Problem;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::acting;

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router
        .api(Access::TenantMember, routes!(me))
        .api(Access::TenantMember, routes!(list_sessions))
        .api(Access::TenantMember, routes!(end_session))
}

/// The caller: a signed-in user or an API key, and what it may do.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// `user` or `api_key`.
    pub kind: &'static str,
    pub tenant_id: String,
    pub id: String,
    pub name: String,
    /// Users only.
    pub email: Option<String>,
    /// Users only: a built-in role name or `custom:<id>`.
    pub role: Option<String>,
    /// `resource:action` pairs.
    pub permissions: Vec<String>,
    /// Set while platform staff act as this user.
    pub impersonated_by: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "identity",
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, description = "Not signed in and no API key", body = Problem),
    )
)]
async fn me(ctx: RequestContext) -> Result<axum::Json<Me>, Problem> {
    let principal = ctx.principal.as_ref().ok_or_else(Problem::not_found)?;
    let permissions = principal
        .permissions()
        .iter()
        .map(|p| p.to_string())
        .collect();
    let me = match principal {
        Principal::User(user) => Me {
            kind: "user",
            tenant_id: user.tenant.to_string(),
            id: user.account.id.clone(),
            name: user.account.name.clone(),
            email: Some(user.account.email.clone()),
            role: Some(user.account.role.clone()),
            permissions,
            impersonated_by: user
                .session
                .impersonation
                .as_ref()
                .map(|i| i.staff_email.clone()),
        },
        Principal::ApiKey(key) => Me {
            kind: "api_key",
            tenant_id: key.tenant.to_string(),
            id: key.key.id.clone(),
            name: key.key.name.clone(),
            email: None,
            role: None,
            permissions,
            impersonated_by: None,
        },
        Principal::Staff(_) => return Err(Problem::not_found()),
    };
    Ok(axum::Json(me))
}

#[derive(Serialize, ToSchema)]
pub struct SessionBody {
    /// Pass it to `DELETE /api/v1/sessions/{id}`.
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// The session making this request.
    pub current: bool,
    pub impersonation: bool,
}

#[expect(
    clippy::result_large_err,
    reason = "a handler helper whose error is answered at once"
)]
fn users_only(ctx: &RequestContext) -> Result<&crm_web::access::UserPrincipal, Problem> {
    ctx.user().ok_or_else(|| {
        Problem::new(StatusCode::FORBIDDEN, "users_only", "Users only")
            .detail("sessions belong to people signed in with a password, not to API keys")
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/sessions",
    tag = "identity",
    responses(
        (status = 200, description = "The user's live sessions, newest first", body = Vec<SessionBody>),
        (status = 403, description = "The caller is an API key", body = Problem),
    )
)]
async fn list_sessions(
    State(services): State<Services>,
    ctx: RequestContext,
) -> Result<axum::Json<Vec<SessionBody>>, Problem> {
    let user = users_only(&ctx)?;
    let realm = acting::realm(&services, &ctx)?;
    let list = sessions::list(&realm.db, &user.account.id, realm.now()).await?;
    Ok(axum::Json(
        list.into_iter()
            .map(|s| SessionBody {
                current: s.id == user.session.id,
                impersonation: s.impersonation.is_some(),
                id: s.id,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                client_ip: s.client_ip,
                user_agent: s.user_agent,
            })
            .collect(),
    ))
}

#[utoipa::path(
    delete,
    path = "/api/v1/sessions/{id}",
    tag = "identity",
    params(("id" = String, Path, description = "A session id from the list")),
    responses(
        (status = 204, description = "Ended"),
        (status = 404, description = "No such session of this user", body = Problem),
    )
)]
async fn end_session(
    State(services): State<Services>,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let user = users_only(&ctx)?;
    let realm = acting::realm(&services, &ctx)?;
    if !login::end_own_session(&realm, &user.account.id, &id, &ctx.audit()).await? {
        return Err(Problem::not_found());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

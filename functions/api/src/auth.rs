//! Signing in on a tenant's host, one's own account, and the two ends of an impersonation:
//! entering with the central part's one-time token, and ending it from the banner.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use crm_app::Services;
use crm_app::identity::{IdentityError, impersonation};
use crm_web::access::{Access, AccessRouter, RequestContext};
use crm_web::identity::auth::{central_url, client};
use crm_web::identity::views::MessageView;
use crm_web::identity::{
    Area, TenantArea, account, auth, clear_session_cookie, see_other, session_cookie, with_cookies,
};
use crm_web::problem::Problem;
use crm_web::ui::{Chrome, Page};

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    let router = auth::routes::<TenantArea>(router);
    account::routes::<TenantArea>(router)
        .page(
            Method::GET,
            "/impersonate/{token}",
            Access::Public,
            get(enter),
        )
        .page(
            Method::POST,
            "/impersonation/end",
            Access::TenantMember,
            post(end),
        )
}

/// The handoff from the central part: a one-time token becomes an impersonation session.
async fn enter(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, Problem> {
    let realm = Area::Tenant.realm(&services, &ctx).await?;
    match impersonation::enter(&realm, &token, &client(&ctx), &ctx.audit()).await {
        Ok((_, session_token)) => Ok(with_cookies(
            see_other("/"),
            [session_cookie(Area::Tenant, &session_token, &headers)],
        )),
        Err(IdentityError::Refused(_)) => {
            let a = auth::texts(chrome.lang);
            let view = MessageView {
                text: a.link_invalid_text.to_owned(),
                links: vec![],
            };
            Ok((
                axum::http::StatusCode::NOT_FOUND,
                Page::new(chrome, a.link_invalid_title, view),
            )
                .into_response())
        }
        Err(e) => Err(crm_web::identity::errors::problem(e, chrome.lang)),
    }
}

/// The banner's "End": ends the impersonation session and returns to the central part.
async fn end(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let realm = Area::Tenant.realm(&services, &ctx).await?;
    let Some(user) = ctx.user() else {
        return Err(Problem::not_found());
    };
    if user.session.impersonation.is_none() {
        return Err(Problem::not_found().detail("this session is not an impersonation"));
    }
    impersonation::end(&realm, &user.session, &ctx.audit()).await?;
    Ok(with_cookies(
        see_other(&central_url(&services)),
        [clear_session_cookie(Area::Tenant, &headers)],
    ))
}

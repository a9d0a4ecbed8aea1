//! The one place a route's [`Access`] is checked.

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use crm_app::tenancy::HostTarget;

use super::csrf;
use super::{Access, Principal, RequestContext};
use crate::chrome;
use crate::cookies;
use crate::error_page::{ErrorFormat, error_page};
use crate::problem::Problem;
use crate::ui::{Chrome, url};

/// Where people sign in.
pub const TENANT_LOGIN: &str = "/login";
pub const STAFF_LOGIN: &str = "/central/login";
/// The central part's start page, where the platform host's `/` leads.
pub const CENTRAL_HOME: &str = "/central/";

/// Runs `next` if the request's principal has `access`; otherwise answers as the caller expects:
/// browsers are sent to sign in, programs get 401; 403 when signed in but not allowed; 404 for
/// a route on a host it does not belong to.
pub async fn check(access: Access, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let format = ErrorFormat::from_parts(&parts);
    let Some(context) = parts.extensions.get::<RequestContext>().cloned() else {
        tracing::error!("route without the access context middleware");
        return format.respond(Problem::internal());
    };
    let current = parts
        .uri
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_owned();
    let request = Request::from_parts(parts, body);

    if context.degraded && !matches!(access, Access::Public | Access::Webhook) {
        return format.respond(Problem::unavailable(
            "storage is unavailable, try again shortly",
        ));
    }
    let session_token = match access {
        Access::Webhook => return next.run(request).await,
        Access::Public | Access::PublicForm => {
            if !csrf::is_state_changing(request.method()) {
                return next.run(request).await;
            }
            let expected =
                cookies::get(request.headers(), csrf::PRE_SESSION_COOKIE).map(str::to_owned);
            return with_csrf(
                expected.as_deref().unwrap_or_default(),
                request,
                next,
                &format,
            )
            .await;
        }
        Access::TenantMember | Access::Tenant(_) => {
            let tenant_host = match &context.host {
                HostTarget::Tenant(_) => true,
                // The platform's own root is the central part's.
                HostTarget::Platform
                    if current == "/" && matches!(format, ErrorFormat::Html { .. }) =>
                {
                    return Redirect::to(CENTRAL_HOME).into_response();
                }
                HostTarget::Platform => false,
                HostTarget::Unknown => return format.respond(Problem::unknown_host()),
            };
            let principal = context.principal.as_ref().filter(|p| match p {
                Principal::User(_) => tenant_host,
                Principal::ApiKey(key) => context.host_tenant().is_none_or(|t| *t == key.tenant),
                Principal::Staff(_) => false,
            });
            let Some(principal) = principal else {
                if !tenant_host {
                    return format.respond(Problem::not_found());
                }
                return unauthenticated(&format, TENANT_LOGIN, &current);
            };
            if let Access::Tenant(permission) = access
                && !principal.allows(permission)
            {
                return refuse(&format, &context);
            }
            principal.session().map(|s| s.csrf_token.clone())
        }
        Access::Staff | Access::Central(_) => {
            if context.host != HostTarget::Platform {
                return format.respond(Problem::not_found());
            }
            let Some(principal @ Principal::Staff(_)) = context.principal.as_ref() else {
                return unauthenticated(&format, STAFF_LOGIN, &current);
            };
            if let Access::Central(permission) = access
                && !principal.allows_central(permission)
            {
                return refuse(&format, &context);
            }
            principal.session().map(|s| s.csrf_token.clone())
        }
    };
    match session_token {
        Some(token) if csrf::is_state_changing(request.method()) => {
            with_csrf(&token, request, next, &format).await
        }
        _ => next.run(request).await,
    }
}

async fn with_csrf(expected: &str, request: Request, next: Next, format: &ErrorFormat) -> Response {
    let (request, submitted) = csrf::submitted(request).await;
    if csrf::matches(expected, submitted.as_deref()) {
        next.run(request).await
    } else {
        format.respond(
            Problem::new(StatusCode::FORBIDDEN, "csrf_failed", "Form expired").detail(
                "the form's security token is missing or stale; reload the page and try again",
            ),
        )
    }
}

fn forbidden() -> Problem {
    Problem::forbidden().detail("your role does not allow this")
}

/// Answers 403; browsers get the error page inside the signed-in frame, so the navigation and
/// an impersonation banner (with its way out) stay on screen.
fn refuse(format: &ErrorFormat, context: &RequestContext) -> Response {
    let ErrorFormat::Html { lang, current } = format else {
        return format.respond(forbidden());
    };
    let mut chrome = Chrome::new(*lang);
    chrome.current.clone_from(current);
    let chrome = match context.host {
        HostTarget::Platform => chrome::central_chrome(chrome, context),
        _ => chrome::tenant_frame(chrome, context),
    };
    let mut problem = forbidden();
    problem.request_id = crate::request_id::current();
    error_page(chrome, &problem)
}

fn unauthenticated(format: &ErrorFormat, login: &str, current: &str) -> Response {
    match format {
        ErrorFormat::ProblemJson => {
            let mut response = Problem::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Sign-in required",
            )
            .detail("sign in, or send an API key as `Authorization: Bearer <key>`")
            .into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
            response
        }
        ErrorFormat::Html { .. } => {
            let target = url::Link::new(login).with("next", current).href();
            Redirect::to(&target).into_response()
        }
    }
}

//! Resolves who a request is from, once, before any route runs.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use crm_app::Services;
use crm_app::identity::accounts::{self, AccountStatus};
use crm_app::identity::sessions::{self, Session};
use crm_app::identity::{api_keys, roles};
use crm_app::store::{ScopedDb, StoreError};
use crm_app::tenancy::{self, HostResolver, HostTarget, TenantStatus};
use crm_domain::TenantId;
use crm_domain::access::CentralRole;

use super::{
    KeyPrincipal, Principal, RequestContext, SESSION_COOKIE, STAFF_SESSION_COOKIE, StaffPrincipal,
    TenantOrCentral, UserPrincipal,
};
use crate::cookies;
use crate::problem::Problem;

/// What the middleware needs: the platform's services and the per-process host cache.
#[derive(Clone)]
pub struct ContextState {
    pub services: Services,
    pub hosts: Arc<HostResolver>,
}

impl ContextState {
    pub fn new(services: Services) -> Self {
        Self {
            hosts: services.hosts.clone(),
            services,
        }
    }
}

/// Puts a [`RequestContext`] into the request. A store failure answers 503; an invalid API key
/// answers 401 at once (a client that sends a key wants to be that key, not anonymous).
pub async fn middleware(
    State(state): State<ContextState>,
    mut request: Request,
    next: Next,
) -> Response {
    let incoming = Incoming::read(&request);
    let (client_ip, user_agent) = (incoming.client_ip.clone(), incoming.user_agent.clone());
    let context = match resolve(&state, incoming).await {
        Ok(Resolved::Context(context)) => *context,
        Ok(Resolved::BadApiKey) => {
            return Problem::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "invalid_api_key",
                "Invalid API key",
            )
            .detail("the bearer token is not a valid, unrevoked API key of an active tenant")
            .into_response();
        }
        Err(e) => {
            // Public routes (health above all) still answer; the guard refuses the rest.
            tracing::warn!(error = %e, "could not resolve the request's tenant or principal");
            RequestContext {
                host: HostTarget::Unknown,
                principal: None,
                pending_second_factor: None,
                client_ip,
                user_agent,
                degraded: true,
            }
        }
    };
    request.extensions_mut().insert(context);
    next.run(request).await
}

enum Resolved {
    Context(Box<RequestContext>),
    BadApiKey,
}

/// What resolution needs from the request, read before any await (a request body is not `Sync`).
struct Incoming {
    host: String,
    bearer: Option<String>,
    session_cookie: Option<String>,
    staff_session_cookie: Option<String>,
    client_ip: Option<String>,
    user_agent: Option<String>,
}

impl Incoming {
    fn read(request: &Request) -> Self {
        let headers = request.headers();
        let text = |value: Option<&str>| value.map(str::to_owned);
        Self {
            host: request
                .uri()
                .authority()
                .map(|a| a.as_str().to_owned())
                .or_else(|| text(headers.get(header::HOST).and_then(|h| h.to_str().ok())))
                .unwrap_or_default(),
            bearer: text(bearer(headers)),
            session_cookie: text(cookies::get(headers, SESSION_COOKIE)),
            staff_session_cookie: text(cookies::get(headers, STAFF_SESSION_COOKIE)),
            client_ip: client_ip(request),
            user_agent: text(
                headers
                    .get(header::USER_AGENT)
                    .and_then(|v| v.to_str().ok()),
            ),
        }
    }
}

async fn resolve(state: &ContextState, incoming: Incoming) -> Result<Resolved, StoreError> {
    let services = &state.services;
    let host = state
        .hosts
        .resolve(&services.db, &services.platform_domain, &incoming.host)
        .await?;
    let mut context = RequestContext {
        host,
        principal: None,
        pending_second_factor: None,
        client_ip: incoming.client_ip,
        user_agent: incoming.user_agent,
        degraded: false,
    };
    let now = services.clock.now();

    if let Some(token) = incoming.bearer.as_deref() {
        let Some((tenant, key)) = api_keys::authenticate(&services.db, token, now).await? else {
            return Ok(Resolved::BadApiKey);
        };
        // A key works on the platform host or its own tenant's host, never on another's.
        let host_fits = match &context.host {
            HostTarget::Platform => true,
            HostTarget::Tenant(id) => *id == tenant,
            HostTarget::Unknown => false,
        };
        if !host_fits || !tenant_is_active(services, &tenant).await? {
            return Ok(Resolved::BadApiKey);
        }
        context.principal = Some(Principal::ApiKey(KeyPrincipal { tenant, key }));
        return Ok(Resolved::Context(Box::new(context)));
    }

    match context.host.clone() {
        HostTarget::Tenant(tenant) => {
            if let Some(token) = incoming.session_cookie.as_deref()
                && tenant_is_active(services, &tenant).await?
            {
                let db = services.db.tenant(&tenant);
                if let Some(session) = sessions::resume(&db, token, now).await? {
                    if session.second_factor_pending {
                        context.pending_second_factor =
                            Some((TenantOrCentral::Tenant(tenant), session));
                    } else if let Some(user) = tenant_user(&db, tenant, session).await? {
                        context.principal = Some(Principal::User(user));
                    }
                }
            }
        }
        HostTarget::Platform => {
            if let Some(token) = incoming.staff_session_cookie.as_deref() {
                let db = services.db.central();
                if let Some(session) = sessions::resume(&db, token, now).await? {
                    if session.second_factor_pending {
                        context.pending_second_factor = Some((TenantOrCentral::Central, session));
                    } else if let Some(staff) = staff_member(&db, session).await? {
                        context.principal = Some(Principal::Staff(staff));
                    }
                }
            }
        }
        HostTarget::Unknown => {}
    }
    Ok(Resolved::Context(Box::new(context)))
}

async fn tenant_is_active(services: &Services, tenant: &TenantId) -> Result<bool, StoreError> {
    Ok(tenancy::tenant_status(&services.db, tenant).await? == Some(TenantStatus::Active))
}

async fn tenant_user(
    db: &ScopedDb,
    tenant: TenantId,
    session: Session,
) -> Result<Option<UserPrincipal>, StoreError> {
    let Some((account, _)) = accounts::get(db, &session.account_id).await? else {
        return Ok(None);
    };
    if account.status != AccountStatus::Active {
        return Ok(None);
    }
    let permissions = roles::permissions_of(db, &account.role).await?;
    Ok(Some(UserPrincipal {
        tenant,
        account,
        permissions,
        session,
    }))
}

async fn staff_member(
    db: &ScopedDb,
    session: Session,
) -> Result<Option<StaffPrincipal>, StoreError> {
    let Some((account, _)) = accounts::get(db, &session.account_id).await? else {
        return Ok(None);
    };
    let Some(role) = CentralRole::parse(&account.role) else {
        return Ok(None);
    };
    if account.status != AccountStatus::Active {
        return Ok(None);
    }
    Ok(Some(StaffPrincipal {
        account,
        role,
        session,
    }))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

/// The client's address: API Gateway's source IP under Lambda, else the first
/// `X-Forwarded-For` entry (a proxy in front of `crm dev`), else unknown.
fn client_ip(request: &Request) -> Option<String> {
    use lambda_http::RequestExt;
    let from_lambda = request
        .request_context_ref()
        .and_then(|context| match context {
            lambda_http::request::RequestContext::ApiGatewayV2(ctx) => ctx.http.source_ip.clone(),
            _ => None,
        });
    from_lambda.or_else(|| {
        request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|ip| ip.trim().to_owned())
            .filter(|ip| !ip.is_empty() && ip.len() <= 64)
    })
}

impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestContext>()
            .cloned()
            .ok_or_else(|| {
                tracing::error!("route without the access context middleware");
                Problem::internal()
            })
    }
}

//! Signing in, one's own account and administering people, shared by the tenant UI (on a
//! tenant's host) and the central UI (under `/central` on the platform host): handlers generic
//! over the [`Area`] they serve, the pages they show, and their texts.
//!
//! The function crates register these handlers with the access each route needs; use cases
//! live in `crm_app::identity`.

pub mod account;
pub mod admin_texts;
pub mod auth;
pub mod auth_texts;
pub mod errors;
pub mod forms;
pub mod labels;
pub mod people;
pub mod qr;
pub mod views;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use crm_app::Services;
use crm_app::identity::Realm;
use crm_app::identity::sessions::ABSOLUTE_LIFETIME;
use crm_app::tenancy::{self, HostTarget, TenantStatus};

use crate::access::{Access, RequestContext, SESSION_COOKIE, STAFF_SESSION_COOKIE};
use crate::chrome;
use crate::cookies;
use crate::i18n::Lang;
use crate::problem::Problem;
use crate::ui::Chrome;

/// Which UI a handler serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    /// A tenant's UI, on its host, for its users.
    Tenant,
    /// The central UI, under `/central` on the platform host, for staff.
    Central,
}

/// Picks the area of a generic handler: `get(auth::login_page::<TenantArea>)`.
pub trait AreaOf: Send + Sync + 'static {
    const AREA: Area;
}

#[derive(Debug)]
pub struct TenantArea;
#[derive(Debug)]
pub struct CentralArea;

impl AreaOf for TenantArea {
    const AREA: Area = Area::Tenant;
}

impl AreaOf for CentralArea {
    const AREA: Area = Area::Central;
}

impl Area {
    /// Where the area's pages live: `` or `/central`.
    pub fn prefix(self) -> &'static str {
        match self {
            Area::Tenant => "",
            Area::Central => "/central",
        }
    }

    /// A path of the area: `path("/login")` is `/login` or `/central/login`.
    pub fn path(self, rest: &str) -> String {
        format!("{}{rest}", self.prefix())
    }

    /// The start page after signing in.
    pub fn home(self) -> &'static str {
        match self {
            Area::Tenant => "/",
            Area::Central => "/central/",
        }
    }

    pub fn cookie(self) -> &'static str {
        match self {
            Area::Tenant => SESSION_COOKIE,
            Area::Central => STAFF_SESSION_COOKIE,
        }
    }

    /// What "signed in" means here.
    pub fn member(self) -> Access {
        match self {
            Area::Tenant => Access::TenantMember,
            Area::Central => Access::Staff,
        }
    }

    /// The accounts of the request's host for this area: the host's tenant (if active), or
    /// the staff on the platform host. Anything else is not found.
    pub async fn realm(self, services: &Services, ctx: &RequestContext) -> Result<Realm, Problem> {
        match (self, &ctx.host) {
            (Area::Tenant, HostTarget::Tenant(tenant)) => {
                match tenancy::tenant_status(&services.db, tenant).await? {
                    Some(TenantStatus::Active) => Ok(Realm::tenant(services, tenant)),
                    _ => Err(Problem::not_found()),
                }
            }
            (Area::Central, HostTarget::Platform) => Ok(Realm::central(services)),
            (_, HostTarget::Unknown) => Err(Problem::unknown_host()),
            _ => Err(Problem::not_found()),
        }
    }

    /// The page frame for whoever the context holds.
    pub async fn chrome(self, chrome: Chrome, ctx: &RequestContext, services: &Services) -> Chrome {
        match self {
            Area::Tenant => chrome::tenant_chrome(chrome, ctx, services).await,
            Area::Central => chrome::central_chrome(chrome, ctx),
        }
    }

    /// The name mail and authenticator apps show for the realm.
    pub fn organisation(self, realm: &Realm, lang: Lang) -> String {
        match &realm.tenant {
            // SWITCH when settings land: the tenant's display name from its branding.
            Some(tenant) => tenant.to_string(),
            None => lang
                .pick(&auth_texts::RU, &auth_texts::EN)
                .platform_name
                .to_owned(),
        }
    }
}

/// `Set-Cookie` for a new session of `area`.
pub fn session_cookie(area: Area, token: &str, request: &HeaderMap) -> Option<HeaderValue> {
    let max_age = u32::try_from(ABSOLUTE_LIFETIME.num_seconds()).unwrap_or(u32::MAX);
    let cookie = cookies::set_cookie(
        area.cookie(),
        token,
        max_age,
        true,
        cookies::is_https(request),
    );
    HeaderValue::from_str(&cookie).ok()
}

/// `Set-Cookie` that removes the session cookie of `area`.
pub fn clear_session_cookie(area: Area, request: &HeaderMap) -> Option<HeaderValue> {
    HeaderValue::from_str(&cookies::clear_cookie(
        area.cookie(),
        true,
        cookies::is_https(request),
    ))
    .ok()
}

/// Adds `Set-Cookie` headers to a response.
pub fn with_cookies(
    mut response: Response,
    cookies: impl IntoIterator<Item = Option<HeaderValue>>,
) -> Response {
    for cookie in cookies.into_iter().flatten() {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// A 303 to `to` without a flash.
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// `next` if it is a path of this area (never another site, never the sign-in page itself).
pub fn safe_next(area: Area, next: Option<&str>) -> String {
    next.filter(|next| crate::ui::url::is_local_path(next))
        .filter(|next| !next.starts_with(&area.path("/login")))
        .filter(|next| area == Area::Tenant || next.starts_with("/central"))
        .map_or_else(|| area.home().to_owned(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_local_and_in_the_area() {
        assert_eq!(safe_next(Area::Tenant, Some("/users?q=a")), "/users?q=a");
        assert_eq!(safe_next(Area::Tenant, Some("//evil.example")), "/");
        assert_eq!(safe_next(Area::Tenant, Some("https://evil.example")), "/");
        assert_eq!(safe_next(Area::Tenant, Some("/login?next=/x")), "/");
        assert_eq!(safe_next(Area::Tenant, None), "/");
        assert_eq!(safe_next(Area::Central, Some("/users")), "/central/");
        assert_eq!(
            safe_next(Area::Central, Some("/central/staff")),
            "/central/staff"
        );
    }
}

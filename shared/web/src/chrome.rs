//! The signed-in layout: [`TenantUi`] and [`CentralUi`] are extractors that build the page frame
//! for the request's principal: navigation filtered by what it may do, the user menu with its
//! logout form, the impersonation banner, the tenant's branding and the CSRF token forms need.
//!
//! Navigation is data: a feature adds its section with one line in [`TENANT_NAV`] or
//! [`CENTRAL_NAV`]. Sections of features that do not exist yet are not listed.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use crm_app::Services;
use crm_app::identity::Realm;
use crm_domain::access::{Action, CentralPermission, Permission, PermissionSet, Resource};

use crate::access::{Principal, RequestContext, StaffPrincipal, UserPrincipal};
use crate::i18n::Lang;
use crate::problem::Problem;
use crate::ui::{Branding, Chrome, Impersonation, NavItem, UserMenu};

/// One section of the tenant navigation: shown when the principal holds any of its links'
/// permissions (`None`: every member), linking to the first such link, and marked current on
/// any of their pages.
#[derive(Debug)]
pub struct NavSection<P: 'static> {
    pub ru: &'static str,
    pub en: &'static str,
    pub links: &'static [(&'static str, Option<P>)],
}

const fn read(resource: Resource) -> Option<Permission> {
    Some(Permission::new(resource, Action::Read))
}

/// The tenant UI's sections, in order. Subscribers, services, meters, invoices, payments and
/// reports add their line here when they exist.
pub static TENANT_NAV: &[NavSection<Permission>] = &[
    NavSection {
        ru: "Главная",
        en: "Dashboard",
        links: &[("/", None)],
    },
    NavSection {
        ru: "Абоненты",
        en: "Subscribers",
        links: &[
            ("/subscribers", read(Resource::Subscribers)),
            ("/buildings", read(Resource::Subscribers)),
        ],
    },
    NavSection {
        ru: "Услуги",
        en: "Services",
        links: &[("/services", read(Resource::Services))],
    },
    NavSection {
        ru: "Счётчики",
        en: "Meters",
        links: &[("/meters", read(Resource::Meters))],
    },
    NavSection {
        ru: "Журнал",
        en: "Audit log",
        links: &[("/audit", read(Resource::Audit))],
    },
    NavSection {
        ru: "Пользователи",
        en: "Users",
        links: &[
            ("/users", read(Resource::Users)),
            ("/roles", read(Resource::Roles)),
            ("/api-keys", read(Resource::ApiKeys)),
            (
                "/outbox",
                Some(Permission::new(Resource::Users, Action::Create)),
            ),
        ],
    },
    NavSection {
        ru: "Настройки",
        en: "Settings",
        links: &[("/settings", read(Resource::Settings))],
    },
];

/// The central UI's sections.
pub static CENTRAL_NAV: &[NavSection<CentralPermission>] = &[
    NavSection {
        ru: "Главная",
        en: "Home",
        links: &[("/central/", None)],
    },
    NavSection {
        ru: "Организации",
        en: "Tenants",
        links: &[("/central/tenants", Some(CentralPermission::ReadTenants))],
    },
    NavSection {
        ru: "Журнал",
        en: "Audit log",
        links: &[("/central/audit", Some(CentralPermission::ReadAudit))],
    },
    NavSection {
        ru: "Исходящая почта",
        en: "Outbox",
        links: &[("/central/outbox", Some(CentralPermission::ReadOutbox))],
    },
    NavSection {
        ru: "Сотрудники",
        en: "Staff",
        links: &[("/central/staff", Some(CentralPermission::ReadStaff))],
    },
    NavSection {
        ru: "Вход от имени",
        en: "Impersonation",
        links: &[(
            "/central/impersonations",
            Some(CentralPermission::Impersonate),
        )],
    },
];

/// The navigation `allowed` permits, the current section marked.
pub fn navigation<P: Copy>(
    sections: &[NavSection<P>],
    lang: Lang,
    path: &str,
    allowed: impl Fn(P) -> bool,
) -> Vec<NavItem> {
    sections
        .iter()
        .filter_map(|section| {
            let (href, _) = section
                .links
                .iter()
                .find(|(_, needs)| needs.is_none_or(&allowed))?;
            let current = section.links.iter().any(|(link, _)| {
                path == *link
                    || (*link != "/"
                        && !link.ends_with('/')
                        && path.starts_with(link)
                        && path[link.len()..].starts_with('/'))
            });
            let label = match lang {
                Lang::Ru => section.ru,
                Lang::En => section.en,
            };
            let mut item = NavItem::new(label, *href);
            item.active = current;
            Some(item)
        })
        .collect()
}

/// The tenant's look from its settings; the default when it cannot be read (a page still
/// renders when the store hiccups).
async fn branding(services: &Services, ctx: &RequestContext) -> Branding {
    let Some(tenant) = ctx.host_tenant() else {
        return Branding::default();
    };
    match crm_app::settings::branding(&services.db, tenant).await {
        Ok(found) => {
            let mut branding = Branding::new(found.display_name);
            if let Some(url) = &found.logo_url {
                branding = branding.with_logo(url);
            }
            if let Some(hex) = &found.accent_colour {
                branding = branding.with_accent(hex);
            }
            branding
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not read the tenant's branding; using defaults");
            Branding::default()
        }
    }
}

/// A tenant page's frame and what the handler needs to know about who asks.
#[derive(Clone, Debug)]
pub struct TenantUi {
    pub chrome: Chrome,
    pub ctx: RequestContext,
}

impl TenantUi {
    /// The signed-in user (API keys may read pages too, but have no user).
    pub fn user(&self) -> Option<&UserPrincipal> {
        self.ctx.user()
    }

    pub fn permissions(&self) -> PermissionSet {
        self.ctx
            .principal
            .as_ref()
            .map(Principal::permissions)
            .unwrap_or_default()
    }

    pub fn allows(&self, permission: Permission) -> bool {
        self.ctx
            .principal
            .as_ref()
            .is_some_and(|p| p.allows(permission))
    }

    /// The tenant's accounts, roles and keys.
    #[expect(
        clippy::result_large_err,
        reason = "a handler helper whose error is answered at once"
    )]
    pub fn realm(&self, services: &Services) -> Result<Realm, Problem> {
        let tenant = self
            .ctx
            .principal
            .as_ref()
            .and_then(Principal::tenant)
            .ok_or_else(Problem::not_found)?;
        Ok(Realm::tenant(services, tenant))
    }
}

impl FromRequestParts<Services> for TenantUi {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, services: &Services) -> Result<Self, Problem> {
        let ctx = RequestContext::from_request_parts(parts, services).await?;
        let chrome = Chrome::from_parts(parts);
        let chrome = tenant_chrome(chrome, &ctx, services).await;
        Ok(Self { chrome, ctx })
    }
}

/// The frame of a tenant page for whoever the context holds.
pub async fn tenant_chrome(chrome: Chrome, ctx: &RequestContext, services: &Services) -> Chrome {
    let chrome = chrome.with_branding(branding(services, ctx).await);
    tenant_frame(chrome, ctx)
}

/// The navigation, user menu and impersonation banner of a tenant page (no store reads, so
/// error pages answered by the access guard keep them too).
pub fn tenant_frame(mut chrome: Chrome, ctx: &RequestContext) -> Chrome {
    let Some(principal) = ctx.principal.as_ref() else {
        return chrome;
    };
    let lang = chrome.lang;
    let nav = navigation(TENANT_NAV, lang, chrome.path(), |p| principal.allows(p));
    chrome = chrome.with_nav(nav);
    if let Principal::User(user) = principal {
        let menu = UserMenu::new(&user.account.name).account_href("/account");
        chrome = chrome.with_user(menu, &user.session.csrf_token);
        if let Some(imp) = &user.session.impersonation {
            chrome = chrome.with_impersonation(Impersonation {
                acting_as: format!("{} <{}>", user.account.name, user.account.email),
                tenant: user.tenant.to_string(),
                reason: format!("{} ({})", imp.reason, imp.staff_email),
                end_action: "/impersonation/end".to_owned(),
            });
        }
    }
    chrome
}

/// A central page's frame and the staff member it is for.
#[derive(Clone, Debug)]
pub struct CentralUi {
    pub chrome: Chrome,
    pub ctx: RequestContext,
}

impl CentralUi {
    pub fn staff(&self) -> Option<&StaffPrincipal> {
        self.ctx.staff()
    }

    pub fn allows(&self, permission: CentralPermission) -> bool {
        self.ctx
            .principal
            .as_ref()
            .is_some_and(|p| p.allows_central(permission))
    }
}

impl FromRequestParts<Services> for CentralUi {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, services: &Services) -> Result<Self, Problem> {
        let ctx = RequestContext::from_request_parts(parts, services).await?;
        let chrome = central_chrome(Chrome::from_parts(parts), &ctx);
        Ok(Self { chrome, ctx })
    }
}

/// The frame of a central page for whoever the context holds.
pub fn central_chrome(chrome: Chrome, ctx: &RequestContext) -> Chrome {
    let lang = chrome.lang;
    let mut chrome = chrome.with_branding(Branding::new(
        lang.pick(&"CRM · платформа", &"CRM · platform").to_owned(),
    ));
    let Some(staff) = ctx.staff() else {
        return chrome;
    };
    let nav = navigation(CENTRAL_NAV, lang, chrome.path(), |p| staff.role.allows(p));
    let menu = UserMenu::new(&staff.account.name)
        .logout_action("/central/logout")
        .account_href("/central/account");
    chrome = chrome
        .with_nav(nav)
        .with_user(menu, &staff.session.csrf_token);
    chrome
}

#[cfg(test)]
mod tests {
    use crm_domain::access::BuiltinRole;

    use super::*;

    fn labels(items: &[NavItem]) -> Vec<&str> {
        items.iter().map(|i| i.label.as_str()).collect()
    }

    #[test]
    fn sections_follow_permissions() {
        let admin = BuiltinRole::Administrator.permissions();
        let viewer = BuiltinRole::Viewer.permissions();
        let nav = navigation(TENANT_NAV, Lang::Ru, "/roles/42", |p| admin.allows(p));
        assert_eq!(
            labels(&nav),
            [
                "Главная",
                "Абоненты",
                "Услуги",
                "Счётчики",
                "Журнал",
                "Пользователи",
                "Настройки"
            ]
        );
        let users = nav.iter().position(|i| i.href == "/users").unwrap();
        assert!(
            nav[users].active && nav.iter().filter(|i| i.active).count() == 1,
            "roles belong to the users section"
        );
        let nav = navigation(TENANT_NAV, Lang::En, "/", |p| viewer.allows(p));
        assert_eq!(
            labels(&nav),
            ["Dashboard", "Subscribers", "Services", "Meters"]
        );
        assert!(nav[0].active);

        let only_keys = PermissionSet::new([Permission::new(Resource::ApiKeys, Action::Read)]);
        let nav = navigation(TENANT_NAV, Lang::Ru, "/", |p| only_keys.allows(p));
        assert_eq!(
            nav[1].href, "/api-keys",
            "the first link the principal may open"
        );
    }

    #[test]
    fn central_sections_follow_the_staff_role() {
        use crm_domain::access::CentralRole;
        let nav = navigation(CENTRAL_NAV, Lang::Ru, "/central/staff/1", |p| {
            CentralRole::ReadOnly.allows(p)
        });
        assert_eq!(
            labels(&nav),
            ["Главная", "Организации", "Журнал", "Сотрудники"]
        );
        assert!(nav[3].active);
        let nav = navigation(CENTRAL_NAV, Lang::En, "/central/", |p| {
            CentralRole::Support.allows(p)
        });
        assert_eq!(
            labels(&nav),
            [
                "Home",
                "Tenants",
                "Audit log",
                "Outbox",
                "Staff",
                "Impersonation"
            ]
        );
        assert!(nav[0].active);
    }
}

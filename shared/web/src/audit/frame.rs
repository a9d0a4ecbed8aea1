//! The page frame for signed-in pages of this area: the user menu with the session's CSRF
//! token, the impersonation banner, and navigation to the pages the principal may open.
//! Kept small on purpose: the shared signed-in chrome replaces it once every area uses one.

use crm_domain::access::{Action, CentralPermission, Permission, Resource};

use crate::access::{Principal, RequestContext};
use crate::ui::{Chrome, Impersonation, NavItem, UserMenu};

/// `chrome` with the principal's menu, banner and navigation.
pub fn signed_in(chrome: Chrome, ctx: &RequestContext) -> Chrome {
    let lang = chrome.lang;
    let a = super::texts::texts(lang);
    let o = crate::outbox::texts(lang);
    let t = chrome.t;
    let Some(principal) = &ctx.principal else {
        return chrome;
    };
    let mut nav = Vec::new();
    match principal {
        Principal::User(user) => {
            nav.push(NavItem::new(t.nav_home, "/"));
            if principal.allows(Permission::new(Resource::Audit, Action::Read)) {
                nav.push(NavItem::new(a.title, "/audit"));
            }
            if principal.allows(Permission::new(Resource::Users, Action::Create)) {
                nav.push(NavItem::new(o.title, "/outbox"));
            }
            let mut chrome = chrome
                .with_nav(nav)
                .with_user(UserMenu::new(&user.account.name), &user.session.csrf_token);
            if let Some(imp) = &user.session.impersonation {
                chrome = chrome.with_impersonation(Impersonation {
                    acting_as: imp.staff_email.clone(),
                    tenant: user.tenant.to_string(),
                    reason: imp.reason.clone(),
                    end_action: "/impersonation/end".to_owned(),
                });
            }
            chrome
        }
        Principal::Staff(staff) => {
            if principal.allows_central(CentralPermission::ReadAudit) {
                nav.push(NavItem::new(a.title, "/central/audit"));
            }
            if principal.allows_central(CentralPermission::ReadOutbox) {
                nav.push(NavItem::new(o.title, "/central/outbox"));
            }
            let mut menu = UserMenu::new(&staff.account.email);
            menu.logout_action = "/central/logout".to_owned();
            chrome
                .with_nav(nav)
                .with_user(menu, &staff.session.csrf_token)
        }
        Principal::ApiKey(_) => chrome,
    }
}

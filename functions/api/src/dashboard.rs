//! The tenant's start page: what exists so far, and an honest word about what will appear.

use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use crm_app::Services;
use crm_web::access::{Access, AccessRouter};
use crm_web::chrome::TenantUi;
use crm_web::identity::people;
use crm_web::identity::views::DashboardView;
use crm_web::ui::{EmptyState, Page};

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router.page(Method::GET, "/", Access::TenantMember, get(dashboard))
}

async fn dashboard(ui: TenantUi) -> Response {
    let x = people::texts(ui.chrome.lang);
    let name = ui
        .user()
        .map_or_else(String::new, |u| u.account.name.clone());
    let shortcuts = ui
        .chrome
        .nav
        .iter()
        .filter(|item| item.href != "/")
        .map(|item| (item.label.clone(), item.href.clone()))
        .collect();
    let view = DashboardView {
        greeting: (x.dashboard_greeting)(&name),
        empty: EmptyState::new(x.dashboard_empty_title, x.dashboard_empty_text),
        shortcuts_heading: x.dashboard_shortcuts.to_owned(),
        shortcuts,
    };
    Page::new(ui.chrome, x.dashboard_title, view).into_response()
}

//! The central part's start page (the platform host's `/` leads here).

use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use crm_app::Services;
use crm_web::access::{Access, AccessRouter};
use crm_web::chrome::CentralUi;
use crm_web::identity::people;
use crm_web::identity::views::CentralHomeView;
use crm_web::ui::{EmptyState, Page};

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router.page(Method::GET, "/central/", Access::Staff, get(home))
}

async fn home(ui: CentralUi) -> Response {
    let x = people::texts(ui.chrome.lang);
    let shortcuts = ui
        .chrome
        .nav
        .iter()
        .filter(|item| item.href != "/central/")
        .map(|item| (item.label.clone(), item.href.clone()))
        .collect();
    let view = CentralHomeView {
        intro: x.central_intro.to_owned(),
        empty: EmptyState::new(x.central_title, x.central_empty_text),
        shortcuts_heading: x.dashboard_shortcuts.to_owned(),
        shortcuts,
    };
    Page::new(ui.chrome, x.central_title, view).into_response()
}

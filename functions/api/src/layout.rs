//! The frame of signed-in tenant pages, built in one place so every page gets the same
//! navigation, user menu, branding and CSRF token.

use crm_app::Services;
use crm_web::access::RequestContext;
use crm_web::ui::{Chrome, UserMenu};

/// Completes `chrome` for the request's principal. (The full navigation by permissions,
/// branding from the tenant's settings and the impersonation banner arrive with the identity
/// work; pages call only this.)
#[allow(
    dead_code,
    reason = "the first signed-in pages land with the next features"
)]
pub async fn page_chrome(_services: &Services, context: &RequestContext, chrome: Chrome) -> Chrome {
    match context.principal.as_ref().and_then(|p| match p {
        crm_web::access::Principal::User(user) => Some(user),
        _ => None,
    }) {
        Some(user) => chrome.with_user(
            UserMenu::new(user.account.name.clone()),
            user.session.csrf_token.clone(),
        ),
        None => chrome,
    }
}

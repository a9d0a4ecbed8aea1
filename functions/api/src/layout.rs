//! The frame of signed-in tenant pages, built in one place so every page gets the same
//! navigation, user menu, branding and CSRF token.

use crm_app::Services;
use crm_web::access::RequestContext;
use crm_web::ui::Chrome;

/// Completes `chrome` for the request's principal.
#[allow(
    dead_code,
    reason = "the first pages that use it land with the next features"
)]
pub async fn page_chrome(services: &Services, context: &RequestContext, chrome: Chrome) -> Chrome {
    crm_web::chrome::tenant_chrome(chrome, context, services).await
}

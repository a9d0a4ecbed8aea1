//! The tenant a JSON API request acts in: its user's or its key's.

use crm_app::Services;
use crm_app::identity::Realm;
use crm_web::access::RequestContext;
use crm_web::problem::Problem;

#[expect(
    clippy::result_large_err,
    reason = "a handler helper whose error is answered at once"
)]
pub fn realm(services: &Services, ctx: &RequestContext) -> Result<Realm, Problem> {
    ctx.acting_tenant()
        .map(|tenant| Realm::tenant(services, tenant))
        .ok_or_else(Problem::not_found)
}

/// Permissions from their text form (`subscribers:read`); unknown ones are a field error.
#[expect(
    clippy::result_large_err,
    reason = "a handler helper whose error is answered at once"
)]
pub fn permissions(
    field: &str,
    raw: &[String],
) -> Result<crm_domain::access::PermissionSet, Problem> {
    let mut set = Vec::new();
    for text in raw {
        match crm_domain::access::Permission::parse(text) {
            Ok(p) => set.push(p),
            Err(e) => {
                return Err(Problem::validation(vec![crm_web::problem::FieldError {
                    field: field.to_owned(),
                    message: e.to_string(),
                }]));
            }
        }
    }
    Ok(crm_domain::access::PermissionSet::new(set))
}

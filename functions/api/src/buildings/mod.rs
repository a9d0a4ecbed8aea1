//! Buildings: `/api/v1/buildings` and the `/buildings` pages (list with counts, card with its
//! subscribers, create and edit forms).

mod api;
mod pages;

use crm_app::Services;
use crm_app::buildings::BuildingError;
use crm_web::access::AccessRouter;
use crm_web::i18n::Lang;
use crm_web::problem::{FieldError, Problem};

use crate::subscribers::field_errors;
use crate::subscribers::texts::{message, texts};

pub const LIST: &str = "/buildings";

pub fn card_href(id: &str) -> String {
    format!("{LIST}/{id}")
}

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    pages::routes(api::routes(router))
}

/// Where a field of the building input is in the JSON body.
fn api_path(field: &str) -> String {
    match field {
        "postcode" | "region" | "city" | "street" | "house" | "building" => {
            format!("address.{field}")
        }
        other => other.to_owned(),
    }
}

fn problem(lang: Lang, error: BuildingError, path: impl Fn(&str) -> String) -> Problem {
    let s = texts(lang);
    match error {
        BuildingError::Invalid(invalid) => field_errors(lang, &invalid, path).to_problem(),
        BuildingError::NotFound => Problem::not_found(),
        BuildingError::DuplicateAddress { existing_id } => Problem::conflict(
            "building_exists",
            format!("{} ({existing_id})", s.building_exists),
        )
        .field_errors(vec![FieldError {
            field: path("house"),
            message: message(lang, "building_exists").into(),
        }]),
        BuildingError::VersionMismatch => Problem::conflict("version_mismatch", s.version_conflict),
        BuildingError::HasSubscribers => {
            Problem::conflict("building_has_subscribers", s.building_has_subscribers)
        }
        BuildingError::Store(e) => Problem::from(e),
    }
}

//! Imports from files, for every import kind (`crm_app::imports::flow`): the JSON API under
//! `/api/v1/imports` and the pages under `/imports` (upload, column mapping, dry run, apply,
//! progress and report). Handlers are thin: they stream the upload, call the flow, and shape
//! the answer.
//!
//! Access: every route needs `subscribers:create`: the subscriber and service-link kinds change
//! subscribers (their profiles, or the services linked to them), and a file can create
//! accounts. The readings kind also needs `readings:create`, checked with the kind
//! (`common::kind_of`) before a file is received.

mod api;
mod common;
mod direct;
mod pages;

use crm_app::Services;
use crm_web::access::AccessRouter;

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    direct::routes(pages::routes(api::routes(router)))
}

//! Tenants, their domains and a summary of their settings in the central part: pages under
//! `/central/tenants` and the JSON API under `/central/api/v1/tenants`, both thin layers over
//! `crm_app::tenants` and `crm_app::domains`.

mod actions;
mod api;
mod api_types;
mod form;
mod pages;
mod texts;
mod web;

use axum::http::Method;
use axum::routing::{get, post};
use crm_app::Services;
use crm_domain::access::CentralPermission;
use crm_web::access::{Access, AccessRouter};
use utoipa_axum::routes;

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    let read = Access::Central(CentralPermission::ReadTenants);
    let manage = Access::Central(CentralPermission::ManageTenants);
    let domains = Access::Central(CentralPermission::ManageDomains);
    let card = "/central/tenants/{id}";
    router
        .api(read, routes!(api::list_tenants))
        .api(manage, routes!(api::create_tenant))
        .api(read, routes!(api::get_tenant))
        .api(manage, routes!(api::patch_tenant))
        .api(manage, routes!(api::suspend_tenant))
        .api(manage, routes!(api::reactivate_tenant))
        .api(manage, routes!(api::close_tenant))
        .api(manage, routes!(api::purge_tenant))
        .api(manage, routes!(api::export_tenant))
        .api(manage, routes!(api::export_link))
        .api(read, routes!(api::list_domains))
        .api(domains, routes!(api::add_domain))
        .api(domains, routes!(api::verify_domain))
        .api(domains, routes!(api::remove_domain))
        .page(Method::GET, "/central/tenants", read, get(pages::list))
        .page(Method::POST, "/central/tenants", manage, post(form::create))
        .page(
            Method::GET,
            "/central/tenants/new",
            manage,
            get(form::new_form),
        )
        .page(Method::GET, card, read, get(pages::card))
        .page(
            Method::GET,
            &format!("{card}/edit"),
            manage,
            get(form::edit_form),
        )
        .page(
            Method::POST,
            &format!("{card}/edit"),
            manage,
            post(form::update),
        )
        .page(
            Method::POST,
            &format!("{card}/suspend"),
            manage,
            post(actions::suspend),
        )
        .page(
            Method::POST,
            &format!("{card}/reactivate"),
            manage,
            post(actions::reactivate),
        )
        .page(
            Method::POST,
            &format!("{card}/close"),
            manage,
            post(actions::close),
        )
        .page(
            Method::POST,
            &format!("{card}/purge"),
            manage,
            post(actions::purge),
        )
        .page(
            Method::POST,
            &format!("{card}/export"),
            manage,
            post(actions::export),
        )
        .page(
            Method::GET,
            &format!("{card}/export/download"),
            manage,
            get(actions::download),
        )
        .page(
            Method::POST,
            &format!("{card}/domains"),
            domains,
            post(actions::add_domain),
        )
        .page(
            Method::POST,
            &format!("{card}/domains/{{host}}/verify"),
            domains,
            post(actions::verify_domain),
        )
        .page(
            Method::POST,
            &format!("{card}/domains/{{host}}/remove"),
            domains,
            post(actions::remove_domain),
        )
}

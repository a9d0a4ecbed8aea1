//! `/audit/entity/{type}/{id}`: one entity's change history (the history component over its
//! audit records), with cursor pages.

use askama::Template;
use axum::response::{IntoResponse, Response};
use crm_app::Services;
use crm_app::audit_log::{AuditFilter, AuditLog, time_zone};
use crm_app::store::{Cursor, StoreError};

use super::surface::Surface;
use super::texts::{AuditTexts, texts};
use crate::error_page::ErrorFormat;
use crate::problem::Problem;
use crate::ui::history::History;
use crate::ui::{Chrome, Link, Page, Pager};

#[derive(Template)]
#[template(path = "audit/entity.html")]
pub struct EntityHistory {
    pub a: &'static AuditTexts,
    pub history: History,
    pub pager: Pager,
    pub log_href: String,
}

pub async fn page(
    services: &Services,
    chrome: Chrome,
    format: &ErrorFormat,
    surface: &Surface,
    entity_type: &str,
    entity_id: &str,
    cursor: Option<Cursor>,
) -> Response {
    let (t, lang) = (chrome.t, chrome.lang);
    let a = texts(lang);
    let zone = match time_zone(&services.db, &surface.namespace()).await {
        Ok(zone) => zone,
        Err(e) => return format.respond(e.into()),
    };
    let log = AuditLog::new(
        surface.read_db(services),
        &services.signer,
        services.clock.now(),
    );
    let filter = AuditFilter::for_entity(entity_type, entity_id);
    let found = match log
        .page(&filter, cursor.as_ref(), super::page::PAGE_SIZE)
        .await
    {
        Ok(found) => found,
        Err(StoreError::InvalidCursor(_)) => {
            return format.respond(Problem::bad_request("invalid_cursor", a.bad_cursor));
        }
        Err(e) => return format.respond(e.into()),
    };
    let base = Link::new(surface.entity_href(entity_type, entity_id));
    let mut pager = Pager::new(t);
    if cursor.is_some() {
        pager = pager.prev(&base, None);
    }
    if let Some(next) = &found.next {
        pager = pager.next(&base, next.as_str());
    }
    let content = EntityHistory {
        a,
        history: History::new(lang, zone, &found.records),
        pager,
        log_href: surface
            .link(surface.list_path())
            .with("entity_type", entity_type)
            .with("entity_id", entity_id)
            .href(),
    };
    Page::new(chrome, (a.entity_title)(entity_type, entity_id), content).into_response()
}

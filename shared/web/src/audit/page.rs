//! The audit log page: filters (and, centrally, the choice of tenant), the table of records
//! with their changes folded out on demand, notes about how far back the search went, cursor
//! pages, and the export link for those allowed to export.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono_tz::Tz;
use crm_app::Services;
use crm_app::audit_log::{AuditLog, AuditPage, time_zone};

use super::params::{AuditQuery, FILTER_FIELDS};
use super::surface::{Surface, TENANT_PARAM};
use super::texts::{AuditTexts, texts};
use super::view::RecordView;
use crate::error_page::ErrorFormat;
use crate::i18n::Texts;
use crate::problem::Problem;
use crate::ui::{Chrome, EmptyState, ErrorSummary, Field, FieldErrors, Page, Pager};

/// Records per page in the UI.
pub const PAGE_SIZE: u32 = 50;

/// A record with the links of its row.
pub struct Row {
    pub view: RecordView,
    pub actor_href: String,
    pub entity_href: String,
}

#[derive(Template)]
#[template(path = "audit/list.html")]
pub struct AuditList {
    pub t: &'static Texts,
    pub a: &'static AuditTexts,
    pub caption: String,
    pub action: String,
    pub fields: Vec<Field>,
    pub summary: ErrorSummary,
    pub reset_href: String,
    pub export_href: Option<String>,
    pub notes: Vec<String>,
    pub rows: Vec<Row>,
    pub empty: EmptyState,
    pub pager: Pager,
}

fn title(surface: &Surface, a: &AuditTexts) -> String {
    match surface {
        Surface::Tenant(_) => a.title.to_owned(),
        Surface::Central { tenant: None } => a.central_title.to_owned(),
        Surface::Central {
            tenant: Some(tenant),
        } => (a.tenant_title)(tenant.as_str()),
    }
}

fn fields(
    t: &'static Texts,
    a: &AuditTexts,
    surface: &Surface,
    query: &AuditQuery,
    tenant_raw: Option<&str>,
    errors: &FieldErrors,
) -> Vec<Field> {
    let mut fields = Vec::new();
    if let Surface::Central { tenant } = surface {
        let value = tenant_raw
            .map(str::to_owned)
            .or_else(|| tenant.as_ref().map(ToString::to_string))
            .unwrap_or_default();
        fields.push(
            Field::text(t, TENANT_PARAM, a.tenant)
                .value(value.trim())
                .hint(a.tenant_hint)
                .errors(errors),
        );
    }
    for name in FILTER_FIELDS {
        let field = match name {
            "from" => Field::input(t, "date", name, a.from),
            "to" => Field::input(t, "date", name, a.to),
            "actor" => Field::text(t, name, a.actor).hint(a.actor_hint),
            "action" => Field::text(t, name, a.action).hint(a.action_hint),
            "entity_type" => Field::text(t, name, a.entity_type),
            _ => Field::text(t, name, a.entity_id),
        };
        fields.push(field.value(query.value(name)).errors(errors));
    }
    fields
}

/// Everything the page shows, given what was found (or the field errors that stopped it).
pub struct ListInput<'a> {
    pub surface: &'a Surface,
    pub query: &'a AuditQuery,
    /// The central `tenant` parameter as typed.
    pub tenant_raw: Option<&'a str>,
    pub can_export: bool,
    pub zone: Tz,
    pub found: Result<AuditPage, FieldErrors>,
}

pub fn render(chrome: Chrome, input: ListInput<'_>) -> Response {
    let (t, lang) = (chrome.t, chrome.lang);
    let a = texts(lang);
    let surface = input.surface;
    let base = input.query.link(surface.link(surface.list_path()));
    let errors = input.found.as_ref().err().cloned().unwrap_or_default();
    let filtered = FILTER_FIELDS
        .iter()
        .any(|f| !input.query.value(f).is_empty());
    let mut content = AuditList {
        t,
        a,
        caption: title(surface, a),
        action: surface.list_path().to_owned(),
        fields: fields(t, a, surface, input.query, input.tenant_raw, &errors),
        summary: ErrorSummary::new(t, &errors),
        reset_href: surface.link(surface.list_path()).href(),
        export_href: (input.can_export && errors.is_empty())
            .then(|| input.query.link(surface.link(surface.export_path())).href()),
        notes: Vec::new(),
        rows: Vec::new(),
        empty: EmptyState::new(
            a.empty_title,
            if filtered {
                a.empty_filtered_text
            } else {
                a.empty_text
            },
        ),
        pager: Pager::new(t),
    };
    let status = match input.found {
        Err(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Ok(found) => {
            // One note: how far this page searched when it stopped short, else the window.
            let short = found.records.len() < PAGE_SIZE as usize;
            match (found.searched_back_to.filter(|_| short), found.window_start) {
                (Some(until), _) => content
                    .notes
                    .push((a.partial_note)(&crate::format::date_in(until, input.zone))),
                (None, Some(since)) if input.query.cursor().is_none() => content
                    .notes
                    .push((a.window_note)(&crate::format::date_in(since, input.zone))),
                _ => {}
            }
            content.rows = found
                .records
                .iter()
                .map(|record| Row {
                    view: RecordView::new(record, lang, a, input.zone),
                    actor_href: surface
                        .link(surface.list_path())
                        .with("actor", record.actor.id())
                        .href(),
                    entity_href: surface.entity_href(&record.entity_type, &record.entity_id),
                })
                .collect();
            if input.query.cursor().is_some() {
                content.pager = content.pager.prev(&base, None);
            }
            if let Some(next) = &found.next {
                content.pager = content.pager.next(&base, next.as_str());
            }
            StatusCode::OK
        }
    };
    let page_title = title(surface, a);
    (status, Page::new(chrome, page_title, content)).into_response()
}

/// Reads a page of `surface`'s log for `query` and renders it.
pub async fn list(
    services: &Services,
    chrome: Chrome,
    format: &ErrorFormat,
    surface: &Surface,
    query: &AuditQuery,
    tenant_raw: Option<&str>,
    can_export: bool,
) -> Response {
    let a = texts(chrome.lang);
    let zone = match time_zone(&services.db, &surface.namespace()).await {
        Ok(zone) => zone,
        Err(e) => return format.respond(e.into()),
    };
    let found = match query.filter(zone, a) {
        Err(errors) => Err(errors),
        Ok(filter) => {
            let log = AuditLog::new(
                surface.read_db(services),
                &services.signer,
                services.clock.now(),
            );
            match log.page(&filter, query.cursor().as_ref(), PAGE_SIZE).await {
                Ok(found) => Ok(found),
                Err(crm_app::store::StoreError::InvalidCursor(_)) => {
                    return format.respond(Problem::bad_request("invalid_cursor", a.bad_cursor));
                }
                Err(e) => return format.respond(e.into()),
            }
        }
    };
    render(
        chrome,
        ListInput {
            surface,
            query,
            tenant_raw,
            can_export,
            zone,
            found,
        },
    )
}

/// The central page when the `tenant` parameter itself is wrong: the form with its error.
pub fn bad_tenant(
    chrome: Chrome,
    query: &AuditQuery,
    tenant_raw: Option<&str>,
    errors: FieldErrors,
) -> Response {
    render(
        chrome,
        ListInput {
            surface: &Surface::Central { tenant: None },
            query,
            tenant_raw,
            can_export: false,
            zone: crm_app::audit_log::zone::DEFAULT_ZONE,
            found: Err(errors),
        },
    )
}

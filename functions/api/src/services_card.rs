//! The service card: settings, the tariff history (current and future versions marked, gaps
//! and upcoming changes called out), who has the service, and the change history.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use crm_app::Services;
use crm_app::catalog::services::{ENTITY, Service};
use crm_app::catalog::{history, links, tariffs, today};
use crm_app::store::Cursor;
use crm_domain::access::{Action, Resource};
use crm_domain::billing::subscription::LinkState;
use crm_domain::billing::tariff_edit::is_future;
use crm_web::access::RequestContext;
use crm_web::error_page::ErrorFormat;
use crm_web::format;
use crm_web::i18n::Lang;
use crm_web::ui::{Cell, Chrome, Column, DataTable, EmptyState, Link, Pager};
use serde::Deserialize;

use crate::services_common::{allows, csrf_token, framed, problem, respond, tenant_db};
use crate::services_history::HistoryView;
use crate::services_pages::card_href;
use crate::services_texts::{CatalogTexts, kind_label, rates_text, tax_label, texts};

const CARD_LIST_SIZE: u32 = 20;

struct VersionRow {
    from: String,
    until: String,
    rates: String,
    norm: String,
    state: &'static str,
    state_code: &'static str,
    badge: &'static str,
    edit_href: Option<String>,
    delete_action: Option<String>,
}

struct LinksSection {
    count: String,
    bulk_href: Option<String>,
    table: DataTable,
}

#[derive(Template)]
#[template(path = "services/card.html")]
struct CardView {
    c: &'static CatalogTexts,
    csrf_token: String,
    archived: bool,
    edit_href: Option<String>,
    archive_form: Option<(String, &'static str)>,
    settings: Vec<(&'static str, String)>,
    warnings: Vec<String>,
    upcoming: Vec<String>,
    add_version_href: Option<String>,
    versions: Vec<VersionRow>,
    no_tariff: EmptyState,
    links: Option<LinksSection>,
    history: HistoryView,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CardParams {
    links_cursor: Option<String>,
    history_cursor: Option<String>,
}

fn settings(service: &Service, lang: Lang) -> Vec<(&'static str, String)> {
    let c = texts(lang);
    vec![
        (c.field_code, service.code.to_string()),
        (c.field_kind, kind_label(service.kind, lang).to_owned()),
        (c.field_unit, service.unit.symbol().to_owned()),
        (
            c.field_tax,
            tax_label(service.tax_category, lang).to_owned(),
        ),
        (c.field_rounding, (c.rounding_value)(service.rounding)),
        (
            c.field_on_bill,
            if service.on_bill {
                c.on_bill_yes
            } else {
                c.on_bill_no
            }
            .to_owned(),
        ),
        (
            c.field_supplier_name,
            service.supplier.as_ref().map_or_else(
                || c.no_supplier.to_owned(),
                |s| format!("{} (ИНН {})", s.name, s.inn),
            ),
        ),
        (
            c.field_description,
            if service.description.is_empty() {
                "—".to_owned()
            } else {
                service.description.clone()
            },
        ),
    ]
}

/// `01.01.2026 – 30.06.2026` or `с 01.01.2026` for an open period.
pub fn period_text(
    from: chrono::NaiveDate,
    until: Option<chrono::NaiveDate>,
    lang: Lang,
) -> String {
    match until {
        Some(until) if until > from => format!(
            "{} – {}",
            format::date(from),
            format::date(until - chrono::Duration::days(1))
        ),
        Some(_) => format::date(from),
        None if lang == Lang::Ru => format!("с {}", format::date(from)),
        None => format!("from {}", format::date(from)),
    }
}

pub fn link_state_label(state: LinkState, lang: Lang) -> &'static str {
    let c = texts(lang);
    match state {
        LinkState::Upcoming => c.link_upcoming,
        LinkState::Active => c.link_active,
        LinkState::Ended => c.link_ended,
        LinkState::Cancelled => c.link_cancelled,
    }
}

pub fn terms_text(terms: &crm_domain::billing::subscription::Terms, lang: Lang) -> String {
    let c = texts(lang);
    let mut parts = Vec::new();
    if let Some(rate) = terms.individual_rate {
        parts.push((c.individual_rate)(&format::money(rate, lang)));
    }
    if let Some(quantity) = terms.individual_quantity {
        parts.push((c.individual_quantity)(&crate::services_texts::decimal(
            quantity, lang,
        )));
    }
    if parts.is_empty() {
        "—".to_owned()
    } else {
        parts.join(", ")
    }
}

pub(crate) async fn card(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
    Query(params): Query<CardParams>,
) -> Response {
    let result = async {
        let (t, lang) = (chrome.t, chrome.lang);
        let c = texts(lang);
        let db = tenant_db(&services, &ctx)?;
        let history_of = tariffs::history(&db, &id)
            .await
            .map_err(|e| problem(e, lang))?;
        let service = &history_of.service;
        let today = today(services.clock.now());
        let can_update = allows(&ctx, Resource::Services, Action::Update);
        let can_delete = allows(&ctx, Resource::Services, Action::Delete);

        let mut warnings: Vec<String> = history_of
            .warnings()
            .iter()
            .map(|w| match w {
                crm_domain::billing::tariff::TariffWarning::Gap { from, until } => {
                    (c.gap_warning)(*from, *until)
                }
            })
            .collect();
        if !history_of.versions.is_empty() && history_of.current(today).is_none() {
            warnings.push(c.no_current_tariff.to_owned());
        }
        let upcoming = history_of
            .upcoming(today)
            .iter()
            .map(|v| {
                (c.upcoming_change)(
                    v.version.valid_from,
                    &rates_text(&v.version, service.unit, lang),
                )
            })
            .collect();
        let versions = history_of
            .versions
            .iter()
            .map(|v| {
                let future = is_future(&v.version, today);
                let past = v.version.valid_until.is_some_and(|u| u <= today);
                let (state, state_code, badge) = if future {
                    (c.version_future, "future", "bg-blue-lt")
                } else if past {
                    (c.version_past, "past", "bg-secondary-lt")
                } else {
                    (c.version_current, "current", "bg-green-lt")
                };
                VersionRow {
                    from: format::date(v.version.valid_from),
                    until: v.version.valid_until.map_or_else(
                        || c.open_ended.to_owned(),
                        |u| format::date(u - chrono::Duration::days(1)),
                    ),
                    rates: rates_text(&v.version, service.unit, lang),
                    norm: v.version.norm.map_or_else(
                        || "—".to_owned(),
                        |n| crate::services_texts::decimal(n, lang),
                    ),
                    state,
                    state_code,
                    badge,
                    edit_href: (future && can_update)
                        .then(|| format!("/services/{id}/tariffs/{}/edit", v.id)),
                    delete_action: (future && can_delete)
                        .then(|| format!("/services/{id}/tariffs/{}/delete", v.id)),
                }
            })
            .collect();

        let links = if allows(&ctx, Resource::Subscribers, Action::Read) {
            let cursor = params
                .links_cursor
                .as_deref()
                .filter(|c| !c.is_empty())
                .map(Cursor::from_client);
            let (found, next) = links::of_service(&db, &id, CARD_LIST_SIZE, cursor.as_ref())
                .await
                .map_err(|e| problem(e, lang))?;
            let base = Link::new(card_href(&id));
            let columns = [
                Column::new("subscriber", c.col_subscriber),
                Column::new("period", c.col_period),
                Column::new("state", c.col_state),
                Column::new("terms", c.col_terms),
            ];
            let rows = found
                .iter()
                .map(|l| {
                    vec![
                        Cell::link(
                            &l.subscriber_id,
                            format!("/subscribers/{}/services", l.subscriber_id),
                        ),
                        Cell::text(period_text(l.period.valid_from, l.period.valid_until, lang)),
                        Cell::text(link_state_label(l.period.state_on(today), lang)),
                        Cell::text(terms_text(&l.terms, lang)),
                    ]
                })
                .collect();
            let mut pager = Pager::new(t);
            if cursor.is_some() {
                pager = pager.prev(&base, None);
            }
            if let Some(next) = &next {
                pager = Pager {
                    next: Some(base.clone().with("links_cursor", next.as_str()).href()),
                    ..pager
                };
            }
            let table = DataTable::new(t, c.links_heading, &base, &columns, None)
                .rows(rows)
                .empty(EmptyState::new(c.no_links_title, c.no_links_text))
                .pager(pager);
            Some(LinksSection {
                count: (c.links_count)(history_of.link_count),
                bulk_href: (!service.archived
                    && allows(&ctx, Resource::Subscribers, Action::Update))
                .then(|| format!("/services/{id}/bulk-link")),
                table,
            })
        } else {
            None
        };

        let history_cursor = params
            .history_cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(Cursor::from_client);
        let (records, older) =
            history::of_entity(&db, ENTITY, &id, CARD_LIST_SIZE, history_cursor.as_ref()).await?;
        let older = older.map(|cursor| {
            Link::new(card_href(&id))
                .with("history_cursor", cursor.as_str())
                .href()
                + "#history-heading"
        });

        let archive_form = if service.archived {
            can_update.then(|| (format!("/services/{id}/restore"), c.restore))
        } else {
            can_delete.then(|| (format!("/services/{id}/archive"), c.archive))
        };
        let view = CardView {
            c,
            csrf_token: csrf_token(&ctx),
            archived: service.archived,
            edit_href: can_update.then(|| format!("/services/{id}/edit")),
            archive_form,
            settings: settings(service, lang),
            warnings,
            upcoming,
            add_version_href: can_update.then(|| format!("/services/{id}/tariffs/new")),
            versions,
            no_tariff: EmptyState::new(c.no_tariff_title, c.no_tariff_text),
            links,
            history: HistoryView::new(&records, older, lang),
        };
        let title = service.name.clone();
        Ok(framed(&services, &ctx, chrome, title, view)
            .await
            .into_response())
    }
    .await;
    respond(&format, result)
}

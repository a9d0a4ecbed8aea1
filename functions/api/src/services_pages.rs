//! The catalogue's pages: the services list (filters, search, sorting, pages), the service
//! card (settings, tariff history, links, change history), the service form, archiving.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use crm_app::Services;
use crm_app::catalog::services::{self, ListQuery, SortBy};
use crm_app::store::Cursor;
use crm_domain::access::{Action, Permission, Resource};
use crm_domain::billing::service::ServiceKind;
use crm_web::access::{Access, AccessRouter, RequestContext};
use crm_web::error_page::ErrorFormat;
use crm_web::i18n::{Lang, Texts};
use crm_web::problem::Problem;
use crm_web::ui::{
    Cell, Chrome, Column, DataTable, EmptyState, Link, Pager, SelectOption, Sort, SortDir,
};
use serde::Deserialize;

use crate::services_card::card;
use crate::services_common::{allows, framed, respond, tenant_db};
use crate::services_form::{archive, create, edit_page, new_page, restore, save};
use crate::services_texts::{CatalogTexts, kind_label, tax_label, texts};

const PAGE_SIZE: u32 = 25;

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    let services = |action| Access::Tenant(Permission::new(Resource::Services, action));
    router
        .page(
            Method::GET,
            "/services",
            services(Action::Read),
            get(list_page),
        )
        .page(
            Method::GET,
            "/services/new",
            services(Action::Create),
            get(new_page),
        )
        .page(
            Method::POST,
            "/services/new",
            services(Action::Create),
            post(create),
        )
        .page(
            Method::GET,
            "/services/{id}",
            services(Action::Read),
            get(card),
        )
        .page(
            Method::GET,
            "/services/{id}/edit",
            services(Action::Update),
            get(edit_page),
        )
        .page(
            Method::POST,
            "/services/{id}/edit",
            services(Action::Update),
            post(save),
        )
        .page(
            Method::POST,
            "/services/{id}/archive",
            services(Action::Delete),
            post(archive),
        )
        .page(
            Method::POST,
            "/services/{id}/restore",
            services(Action::Update),
            post(restore),
        )
}

pub fn card_href(id: &str) -> String {
    format!("/services/{id}")
}

// ---- the list ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListParams {
    q: Option<String>,
    kind: Option<String>,
    archived: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "services/list.html")]
struct ListView {
    t: &'static Texts,
    c: &'static CatalogTexts,
    new_href: Option<&'static str>,
    keep: Vec<(String, String)>,
    q: String,
    kinds: Vec<SelectOption>,
    kind: String,
    archived: bool,
    filtered: bool,
    table: DataTable,
}

pub fn kind_options(lang: Lang) -> Vec<SelectOption> {
    ServiceKind::ALL
        .iter()
        .map(|k| SelectOption::new(k.code(), kind_label(*k, lang)))
        .collect()
}

async fn list_page(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Query(params): Query<ListParams>,
) -> Response {
    let result = async {
        let (t, lang) = (chrome.t, chrome.lang);
        let c = texts(lang);
        let db = tenant_db(&services, &ctx)?;
        let columns = [
            Column::new("name", c.col_name).sortable(),
            Column::new("code", c.col_code).sortable(),
            Column::new("kind", c.col_kind),
            Column::new("unit", c.col_unit),
            Column::new("tax", c.col_tax),
        ];
        let kind = params.kind.as_deref().and_then(ServiceKind::from_code);
        let archived = params.archived.as_deref() == Some("true");
        let q = params.q.clone().unwrap_or_default().trim().to_owned();
        let mut sort = Sort::from_query(
            params.sort.as_deref(),
            params.dir.as_deref(),
            &columns,
            "name",
        );
        let query = ListQuery {
            archived,
            kind,
            name_prefix: Some(q.clone()),
            sort: if sort.column == "code" {
                SortBy::Code
            } else {
                SortBy::Name
            },
            descending: sort.dir == SortDir::Desc,
            limit: PAGE_SIZE,
        };
        if query.effective_sort() == SortBy::Name {
            "name".clone_into(&mut sort.column);
        }
        let cursor = params
            .cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(Cursor::from_client);
        let page = services::list(&db, &query, cursor.as_ref())
            .await
            .map_err(|e| match Problem::from(e) {
                p if p.code == "invalid_cursor" => {
                    Problem::bad_request("invalid_cursor", c.bad_cursor)
                }
                p => p,
            })?;
        let base = Link::new("/services")
            .with("q", &q)
            .with("kind", kind.map(|k| k.code()).unwrap_or(""))
            .with("archived", if archived { "true" } else { "" })
            .with("sort", &sort.column)
            .with("dir", sort.dir.as_str());
        let rows = page
            .services
            .iter()
            .map(|s| {
                vec![
                    Cell::link(&s.name, card_href(&s.id)),
                    Cell::text(s.code.as_str()),
                    Cell::text(kind_label(s.kind, lang)),
                    Cell::text(s.unit.symbol()),
                    Cell::text(tax_label(s.tax_category, lang)),
                ]
            })
            .collect();
        let mut pager = Pager::new(t);
        if cursor.is_some() {
            pager = pager.prev(&base, None);
        }
        if let Some(next) = &page.next {
            pager = pager.next(&base, next.as_str());
        }
        let filtered = !q.is_empty() || kind.is_some() || archived;
        let empty = if filtered {
            EmptyState::new(c.no_match_title, c.no_match_text)
        } else {
            let state = EmptyState::new(c.empty_title, c.empty_text);
            if allows(&ctx, Resource::Services, Action::Create) {
                state.action(c.new_service, "/services/new")
            } else {
                state
            }
        };
        let table = DataTable::new(t, c.services_caption, &base, &columns, Some(&sort))
            .rows(rows)
            .empty(empty)
            .pager(pager);
        let keep = vec![
            ("sort".to_owned(), sort.column.clone()),
            ("dir".to_owned(), sort.dir.as_str().to_owned()),
        ];
        let view = ListView {
            t,
            c,
            new_href: allows(&ctx, Resource::Services, Action::Create).then_some("/services/new"),
            keep,
            q,
            kinds: kind_options(lang),
            kind: kind.map(|k| k.code().to_owned()).unwrap_or_default(),
            archived,
            filtered,
            table,
        };
        Ok(framed(&services, &ctx, chrome, c.services_title, view)
            .await
            .into_response())
    }
    .await;
    respond(&format, result)
}

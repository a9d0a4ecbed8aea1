//! The subscriber list (search, filters, order, pages, export links) and the subscriber card.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use crm_app::Services;
use crm_app::buildings;
use crm_app::store::Cursor;
use crm_app::subscribers::search::search;
use crm_app::subscribers::{self, Subscriber, history::history};
use crm_domain::access::{Action, Permission, Resource};
use crm_domain::subscriber::{Party, SubscriberStatus};
use crm_web::access::{AccessRouter, RequestContext};
use crm_web::error_page::ErrorFormat;
use crm_web::i18n::Lang;
use crm_web::problem::Problem;
use crm_web::ui::{Cell, Chrome, Column, DataTable, EmptyState, Link, Page, Pager, Sort};
use serde::Deserialize;

use super::dto::SearchParams;
use super::history::history as history_view;
use super::texts::{SubscriberTexts, mode_label, status_label, texts};
use super::{READ, search_problem, tenant_of};
use crm_web::chrome::tenant_chrome;

pub const LIST: &str = "/subscribers";

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router.page(Method::GET, LIST, READ, get(list)).page(
        Method::GET,
        "/subscribers/{id}",
        READ,
        get(card),
    )
}

pub(crate) fn card_href(id: &str) -> String {
    format!("{LIST}/{id}")
}

pub(crate) fn allows(context: &RequestContext, action: Action) -> bool {
    context
        .principal
        .as_ref()
        .is_some_and(|p| p.allows(Permission::new(Resource::Subscribers, action)))
}

/// Tabs shared by the subscriber and building pages.
pub(crate) struct Tab {
    pub label: &'static str,
    pub href: &'static str,
    pub active: bool,
}

pub(crate) fn tabs(s: &'static SubscriberTexts, active: &str) -> Vec<Tab> {
    vec![
        Tab {
            label: s.nav_subscribers,
            href: LIST,
            active: active == LIST,
        },
        Tab {
            label: s.nav_buildings,
            href: crate::buildings::LIST,
            active: active == crate::buildings::LIST,
        },
    ]
}

/// A `<select>` of the filter form.
pub(crate) struct Choice {
    pub name: &'static str,
    pub label: &'static str,
    pub options: Vec<(String, String, bool)>,
}

impl Choice {
    fn new(
        name: &'static str,
        label: &'static str,
        current: Option<&str>,
        options: Vec<(String, String)>,
    ) -> Self {
        let current = current.unwrap_or("");
        Self {
            name,
            label,
            options: options
                .into_iter()
                .map(|(value, text)| {
                    let selected = value == current;
                    (value, text, selected)
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "subscribers/list.html")]
struct ListContent {
    s: &'static SubscriberTexts,
    tabs: Vec<Tab>,
    q: String,
    tag: String,
    service_id: String,
    choices: Vec<Choice>,
    table: DataTable,
    partial: bool,
    text_order: bool,
    can_create: bool,
    export_csv: Option<String>,
    export_xlsx: Option<String>,
    reset_href: &'static str,
}

/// The list's parameters as a link (without the cursor), for sort links, pages and exports.
pub(crate) fn list_link(path: &str, params: &SearchParams) -> Link {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    Link::new(path)
        .with("q", text(&params.q).trim())
        .with("field", text(&params.field))
        .with("status", text(&params.status))
        .with("billing_mode", text(&params.billing_mode))
        .with("building_id", text(&params.building_id))
        .with("tag", text(&params.tag).trim())
        .with("service_id", text(&params.service_id).trim())
        .with("sort", text(&params.sort))
        .with("dir", text(&params.dir))
}

pub(crate) fn first_phone(subscriber: &Subscriber) -> String {
    subscriber
        .facts
        .phones
        .first()
        .map(|p| format_phone(p.as_str()))
        .unwrap_or_default()
}

/// `+7 912 345-67-89` for Russian numbers, as stored otherwise.
pub(crate) fn format_phone(e164: &str) -> String {
    match e164.strip_prefix("+7") {
        Some(n) if n.len() == 10 && n.bytes().all(|b| b.is_ascii_digit()) => {
            format!("+7 {} {}-{}-{}", &n[0..3], &n[3..6], &n[6..8], &n[8..10])
        }
        _ => e164.to_owned(),
    }
}

pub(crate) fn subscriber_rows(s: &SubscriberTexts, items: &[Subscriber]) -> Vec<Vec<Cell>> {
    items
        .iter()
        .map(|subscriber| {
            vec![
                Cell::link(
                    subscriber.account_number.as_str(),
                    card_href(&subscriber.id),
                ),
                Cell::text(subscriber.display_name()),
                Cell::text(subscriber.facts.address.line()),
                Cell::text(first_phone(subscriber)),
                Cell::text(status_label(s, subscriber.status.status)),
            ]
        })
        .collect()
}

pub(crate) fn columns(s: &SubscriberTexts) -> [Column; 5] {
    [
        Column::new("account", s.col_account).sortable(),
        Column::new("name", s.col_name).sortable(),
        Column::new("address", s.col_address),
        Column::new("phone", s.col_phone),
        Column::new("status", s.col_status),
    ]
}

async fn list(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    query: Result<Query<SearchParams>, QueryRejection>,
) -> Response {
    let lang = chrome.lang;
    let s = texts(lang);
    let Ok(Query(params)) = query else {
        return format.respond(Problem::bad_request("invalid_query", s.invalid_filter));
    };
    let tenant = match tenant_of(&context) {
        Ok(tenant) => tenant,
        Err(problem) => return format.respond(problem),
    };
    let request = match params.request(s.invalid_filter) {
        Ok(request) => request,
        Err(errors) => {
            return format.respond(
                Problem::bad_request("invalid_filter", s.invalid_filter).field_errors(errors),
            );
        }
    };
    let page = match search(&services, &tenant, &request, params.cursor.as_deref()).await {
        Ok(page) => page,
        Err(e) => return format.respond(search_problem(lang, e)),
    };
    let db = services.db.tenant(&tenant);
    let building_list = match buildings::list(&db, None, 500).await {
        Ok((list, _)) => list,
        Err(e) => return format.respond(Problem::from(e)),
    };

    let chrome = tenant_chrome(chrome, &context, &services).await;
    let t = chrome.t;
    let columns = columns(s);
    let sort = Sort::from_query(
        params.sort.as_deref(),
        params.dir.as_deref(),
        &columns,
        "account",
    );
    let base = list_link(LIST, &params);
    let mut pager = Pager::new(t);
    if let Some(prev) = &page.prev {
        pager = pager.prev(&base, Some(prev));
    }
    if let Some(next) = &page.next {
        pager = pager.next(&base, next);
    }
    let searching = !request.text.trim().is_empty()
        || request.status.is_some()
        || request.billing_mode.is_some()
        || request.building_id.is_some()
        || request.tag.is_some()
        || request.service_id.is_some();
    let can_create = super::pages::allows(&context, Action::Create);
    let empty = if searching || params.cursor.is_some() {
        EmptyState::new(s.no_match_title, s.no_match_text)
    } else {
        let empty = EmptyState::new(s.none_title, s.none_text);
        if can_create {
            empty.action(s.add, super::form::NEW)
        } else {
            empty
        }
    };
    let table = DataTable::new(t, s.table_caption, &base, &columns, Some(&sort))
        .rows(subscriber_rows(s, &page.items))
        .empty(empty)
        .pager(pager);
    let can_export = allows(&context, Action::Export);
    let export = |format: &str| {
        can_export.then(|| {
            list_link(crate::exports::UI_EXPORT, &params)
                .with("format", format)
                .href()
        })
    };
    let option = |value: &str, label: &str| (value.to_owned(), label.to_owned());
    let choices = vec![
        Choice::new(
            "field",
            s.field_label,
            params.field.as_deref(),
            vec![
                option("", s.field_any),
                option("account", s.field_account),
                option("name", s.field_name),
                option("address", s.field_address),
                option("phone", s.field_phone),
                option("email", s.field_email),
            ],
        ),
        Choice::new(
            "status",
            s.status_label,
            params.status.as_deref(),
            vec![
                option("", s.any),
                option("active", s.status_active),
                option("suspended", s.status_suspended),
                option("closed", s.status_closed),
            ],
        ),
        Choice::new(
            "billing_mode",
            s.mode_label,
            params.billing_mode.as_deref(),
            vec![
                option("", s.any),
                option("postpaid", s.mode_postpaid),
                option("prepaid", s.mode_prepaid),
            ],
        ),
        Choice::new(
            "building_id",
            s.building_label,
            params.building_id.as_deref(),
            std::iter::once(option("", s.any))
                .chain(building_list.iter().map(|b| (b.id.clone(), b.title())))
                .collect(),
        ),
        Choice::new(
            "sort",
            s.sort_label,
            params.sort.as_deref(),
            vec![option("", s.sort_account), option("name", s.sort_name)],
        ),
    ];
    let content = ListContent {
        s,
        tabs: tabs(s, LIST),
        q: params.q.clone().unwrap_or_default(),
        tag: params.tag.clone().unwrap_or_default(),
        service_id: params.service_id.clone().unwrap_or_default(),
        choices,
        table,
        partial: page.partial,
        text_order: !request.text.trim().is_empty(),
        can_create,
        export_csv: export("csv"),
        export_xlsx: export("xlsx"),
        reset_href: LIST,
    };
    Page::new(chrome, s.title, content).into_response()
}

/// One labelled value of the card.
pub(crate) struct Fact {
    pub label: &'static str,
    pub value: String,
    pub href: Option<String>,
}

fn fact(label: &'static str, value: impl Into<String>) -> Fact {
    let value = value.into();
    Fact {
        label,
        value: if value.trim().is_empty() {
            "—".to_owned()
        } else {
            value
        },
        href: None,
    }
}

/// A status change the card offers.
pub(crate) struct StatusAction {
    pub action: &'static str,
    pub label: &'static str,
    pub confirm: Option<&'static str>,
    pub with_reason: bool,
}

#[derive(Template)]
#[template(path = "subscribers/card.html")]
struct CardContent {
    s: &'static SubscriberTexts,
    tabs: Vec<Tab>,
    account_number: String,
    status_text: String,
    status_class: &'static str,
    profile: Vec<Fact>,
    account: Vec<Fact>,
    premises: Vec<Fact>,
    contacts: Vec<Fact>,
    can_update: bool,
    edit_href: String,
    status_action: String,
    csrf: String,
    version: u64,
    actions: Vec<StatusAction>,
    services_empty: EmptyState,
    balance_empty: EmptyState,
    meters_empty: EmptyState,
    meters: Vec<crate::meters::pages::MeterLine>,
    meters_title: &'static str,
    invoices_empty: EmptyState,
    payments_empty: EmptyState,
    history: crm_web::ui::history::History,
    history_more: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CardParams {
    history: Option<String>,
}

async fn card(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
    query: Result<Query<CardParams>, QueryRejection>,
) -> Response {
    let lang = chrome.lang;
    let s = texts(lang);
    let params = query.map(|Query(q)| q).unwrap_or_default();
    let tenant = match tenant_of(&context) {
        Ok(tenant) => tenant,
        Err(problem) => return format.respond(problem),
    };
    let db = services.db.tenant(&tenant);
    let (subscriber, version) = match subscribers::get(&db, &id).await {
        Ok(Some(found)) => found,
        Ok(None) => return format.respond(Problem::not_found()),
        Err(e) => return format.respond(Problem::from(e)),
    };
    let building = match &subscriber.facts.building_id {
        Some(building_id) => match buildings::get(&db, building_id).await {
            Ok(found) => found.map(|(b, _)| b),
            Err(e) => return format.respond(Problem::from(e)),
        },
        None => None,
    };
    let cursor = params
        .history
        .filter(|c| !c.is_empty())
        .map(Cursor::from_client);
    let (records, more) = match history(&services, &tenant, &id, cursor.as_ref(), 20).await {
        Ok(found) => found,
        Err(e) => return format.respond(Problem::from(e)),
    };
    let may = |resource, action| {
        context
            .principal
            .as_ref()
            .is_some_and(|p| p.allows(Permission::new(resource, action)))
    };
    let meters = if may(Resource::Meters, Action::Read) {
        match crate::meters::pages::subscriber_meter_lines(&db, &id, lang).await {
            Ok(lines) => lines,
            Err(e) => return format.respond(Problem::from(e)),
        }
    } else {
        Vec::new()
    };
    let add_meter = may(Resource::Meters, Action::Create)
        .then(|| format!("{}?subscriber_id={id}", crate::meters::pages::NEW));
    let chrome = tenant_chrome(chrome, &context, &services).await;
    let csrf = chrome.csrf_token.clone();
    let mut content = card_content(CardParts {
        s,
        lang,
        subscriber: &subscriber,
        version,
        building: building.as_ref(),
        records: &records,
        more_href: more.map(|c| format!("{}?history={}", card_href(&id), c.as_str())),
        can_update: allows(&context, Action::Update),
        csrf,
    });
    content.meters = meters;
    if let Some(href) = add_meter {
        content.meters_empty = content.meters_empty.action(
            crate::meters::pages::tx(lang, "Добавить счётчик", "Add a meter"),
            href,
        );
    }
    let title = format!(
        "{} · {}",
        subscriber.display_name(),
        subscriber.account_number
    );
    Page::new(chrome, title, content).into_response()
}

struct CardParts<'a> {
    s: &'static SubscriberTexts,
    lang: Lang,
    subscriber: &'a Subscriber,
    version: u64,
    building: Option<&'a buildings::Building>,
    records: &'a [crm_app::audit::AuditRecord],
    more_href: Option<String>,
    can_update: bool,
    csrf: String,
}

fn card_content(parts: CardParts<'_>) -> CardContent {
    let CardParts {
        s,
        lang,
        subscriber,
        version,
        building,
        records,
        more_href,
        can_update,
        csrf,
    } = parts;
    let f = &subscriber.facts;
    let profile = match &f.party {
        Party::Person(person) => vec![
            fact(s.kind, s.kind_person),
            fact(s.surname, person.surname.clone()),
            fact(s.first_name, person.name.clone()),
            fact(s.patronymic, person.patronymic.clone().unwrap_or_default()),
        ],
        Party::Organisation { name, inn, kpp } => vec![
            fact(s.kind, s.kind_organisation),
            fact(s.organisation_name, name.clone()),
            fact(s.inn, inn.to_string()),
            fact(
                s.kpp,
                kpp.as_ref().map(ToString::to_string).unwrap_or_default(),
            ),
        ],
    };
    let date = |d: chrono::NaiveDate| crm_web::format::date(d);
    let account = vec![
        fact(s.account_number, subscriber.account_number.to_string()),
        fact(
            s.status,
            format!(
                "{} {} {}",
                status_label(s, subscriber.status.status),
                s.status_since,
                date(subscriber.status.since)
            ),
        ),
        fact(
            s.reason,
            subscriber.status.reason.clone().unwrap_or_default(),
        ),
        fact(s.billing_mode, mode_label(s, f.billing_mode)),
        fact(s.opened_on, date(f.opened_on)),
        fact(
            s.tags,
            f.tags
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        fact(s.notes, f.notes.clone().unwrap_or_default()),
    ];
    let mut building_fact = fact(s.building, building.map(|b| b.title()).unwrap_or_default());
    building_fact.href = building.map(|b| crate::buildings::card_href(&b.id));
    let premises = vec![
        fact(s.address, f.address.line()),
        building_fact,
        fact(
            s.area,
            f.area
                .map(|a| crm_web::format::number(a.value(), 2, lang))
                .unwrap_or_default(),
        ),
        fact(s.residents, f.residents.value().to_string()),
    ];
    let contacts = vec![
        fact(
            s.phones,
            f.phones
                .iter()
                .map(|p| format_phone(p.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        fact(
            s.emails,
            f.emails
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ];
    let mut actions = Vec::new();
    let status = subscriber.status.status;
    if status != SubscriberStatus::Active {
        actions.push(StatusAction {
            action: "reopen",
            label: s.reopen,
            confirm: None,
            with_reason: false,
        });
    }
    if status == SubscriberStatus::Active {
        actions.push(StatusAction {
            action: "suspend",
            label: s.suspend,
            confirm: None,
            with_reason: true,
        });
    }
    if status != SubscriberStatus::Closed {
        actions.push(StatusAction {
            action: "close",
            label: s.close,
            confirm: Some(s.close_confirm),
            with_reason: true,
        });
    }
    CardContent {
        s,
        tabs: tabs(s, LIST),
        account_number: subscriber.account_number.to_string(),
        status_text: status_label(s, status).to_owned(),
        status_class: match status {
            SubscriberStatus::Active => "bg-green-lt",
            SubscriberStatus::Suspended => "bg-yellow-lt",
            SubscriberStatus::Closed => "bg-secondary-lt",
        },
        profile,
        account,
        premises,
        contacts,
        can_update,
        edit_href: format!("{}/edit", card_href(&subscriber.id)),
        status_action: format!("{}/status", card_href(&subscriber.id)),
        csrf,
        version,
        actions,
        services_empty: EmptyState::new(s.services_empty_title, s.services_empty_text),
        balance_empty: EmptyState::new(s.balance_empty_title, s.balance_empty_text),
        meters_empty: EmptyState::new(s.meters_empty_title, s.meters_empty_text),
        meters: Vec::new(),
        meters_title: crate::meters::pages::tx(lang, "Последнее показание", "Last reading"),
        invoices_empty: EmptyState::new(s.invoices_empty_title, s.invoices_empty_text),
        payments_empty: EmptyState::new(s.payments_empty_title, s.payments_empty_text),
        history: history_view(s, lang, records),
        history_more: more_href,
    }
}

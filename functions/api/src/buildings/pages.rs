//! `/buildings`: the list with counts, the card with its subscribers, and the forms.

use askama::Template;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use crm_app::Services;
use crm_app::buildings::{self, BuildingError};
use crm_app::store::Cursor;
use crm_app::subscribers::search::{SearchRequest, search};
use crm_domain::access::Action;
use crm_domain::subscriber::BuildingInput;
use crm_web::access::{AccessRouter, RequestContext};
use crm_web::error_page::ErrorFormat;
use crm_web::flash::{Flash, FlashKeys};
use crm_web::problem::Problem;
use crm_web::ui::{
    Cell, Chrome, Column, DataTable, EmptyState, ErrorSummary, Field, FieldErrors, Link, Page,
    Pager, Sort,
};
use serde::Deserialize;

use super::{LIST, card_href};
use crate::subscribers::dto::SearchParams;
use crate::subscribers::pages::{Fact, Tab, allows, columns, subscriber_rows, tabs};
use crate::subscribers::texts::{SubscriberTexts, message, texts};
use crate::subscribers::{CREATE, READ, UPDATE, field_errors, search_problem, tenant_of};
use crm_web::chrome::tenant_chrome;

const NEW: &str = "/buildings/new";

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router
        .page(Method::GET, LIST, READ, get(list))
        .page(Method::POST, LIST, CREATE, post(create))
        .page(Method::GET, NEW, CREATE, get(new_form))
        .page(Method::GET, "/buildings/{id}", READ, get(card))
        .page(Method::GET, "/buildings/{id}/edit", UPDATE, get(edit_form))
        .page(Method::POST, "/buildings/{id}", UPDATE, post(save))
}

#[derive(Template)]
#[template(path = "buildings/list.html")]
struct ListContent {
    s: &'static SubscriberTexts,
    tabs: Vec<Tab>,
    can_create: bool,
    table: DataTable,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PageParams {
    cursor: Option<String>,
}

async fn list(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    query: Result<Query<PageParams>, QueryRejection>,
) -> Response {
    let s = texts(chrome.lang);
    let params = query.map(|Query(q)| q).unwrap_or_default();
    let tenant = match tenant_of(&context) {
        Ok(tenant) => tenant,
        Err(problem) => return format.respond(problem),
    };
    let db = services.db.tenant(&tenant);
    let cursor = params
        .cursor
        .filter(|c| !c.is_empty())
        .map(Cursor::from_client);
    let (page, next) = match buildings::list(&db, cursor.as_ref(), 50).await {
        Ok(found) => found,
        Err(e) => return format.respond(Problem::from(e)),
    };
    let mut rows = Vec::with_capacity(page.len());
    for building in &page {
        let counts = match buildings::counts(&db, &building.id).await {
            Ok(counts) => counts,
            Err(e) => return format.respond(Problem::from(e)),
        };
        rows.push(vec![
            Cell::link(building.title(), card_href(&building.id)),
            Cell::number(counts.active.to_string()),
            Cell::number(counts.suspended.to_string()),
            Cell::number(counts.closed.to_string()),
        ]);
    }
    let chrome = tenant_chrome(chrome, &context, &services).await;
    let t = chrome.t;
    let can_create = allows(&context, Action::Create);
    let base = Link::new(LIST);
    let mut pager = Pager::new(t);
    if cursor.is_some() {
        pager = pager.prev(&base, None);
    }
    if let Some(next) = &next {
        pager = pager.next(&base, next.as_str());
    }
    let columns = [
        Column::new("address", s.col_building),
        Column::new("active", s.col_active).numeric(),
        Column::new("suspended", s.col_suspended).numeric(),
        Column::new("closed", s.col_closed).numeric(),
    ];
    let mut empty = EmptyState::new(s.buildings_none_title, s.buildings_none_text);
    if can_create {
        empty = empty.action(s.building_add, NEW);
    }
    let table = DataTable::new(t, s.buildings_caption, &base, &columns, None)
        .rows(rows)
        .empty(empty)
        .pager(pager);
    let content = ListContent {
        s,
        tabs: tabs(s, LIST),
        can_create,
        table,
    };
    Page::new(chrome, s.buildings_title, content).into_response()
}

#[derive(Template)]
#[template(path = "buildings/card.html")]
struct CardContent {
    s: &'static SubscriberTexts,
    tabs: Vec<Tab>,
    facts: Vec<Fact>,
    counts: Vec<Fact>,
    can_update: bool,
    can_create: bool,
    edit_href: String,
    add_subscriber_href: String,
    table: DataTable,
}

async fn card(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
    query: Result<Query<SearchParams>, QueryRejection>,
) -> Response {
    let lang = chrome.lang;
    let s = texts(lang);
    let params = query.map(|Query(q)| q).unwrap_or_default();
    let tenant = match tenant_of(&context) {
        Ok(tenant) => tenant,
        Err(problem) => return format.respond(problem),
    };
    let db = services.db.tenant(&tenant);
    let building = match buildings::get(&db, &id).await {
        Ok(Some((building, _))) => building,
        Ok(None) => return format.respond(Problem::not_found()),
        Err(e) => return format.respond(Problem::from(e)),
    };
    let counts = match buildings::counts(&db, &id).await {
        Ok(counts) => counts,
        Err(e) => return format.respond(Problem::from(e)),
    };
    let descending = params.dir.as_deref() == Some("desc");
    let order =
        crm_app::subscribers::search::SortOrder::parse(params.sort.as_deref().unwrap_or(""))
            .unwrap_or_default();
    let request = SearchRequest {
        building_id: Some(id.clone()),
        order,
        descending,
        ..SearchRequest::default()
    };
    let page = match search(&services, &tenant, &request, params.cursor.as_deref()).await {
        Ok(page) => page,
        Err(e) => return format.respond(search_problem(lang, e)),
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
    let base = Link::new(card_href(&id))
        .with("sort", params.sort.clone().unwrap_or_default())
        .with("dir", params.dir.clone().unwrap_or_default());
    let mut pager = Pager::new(t);
    if let Some(prev) = &page.prev {
        pager = pager.prev(&base, Some(prev));
    }
    if let Some(next) = &page.next {
        pager = pager.next(&base, next);
    }
    let can_create = allows(&context, Action::Create);
    let add_subscriber_href = Link::new(crate::subscribers::form::NEW)
        .with("building_id", &id)
        .href();
    let mut empty = EmptyState::new(
        s.building_no_subscribers_title,
        s.building_no_subscribers_text,
    );
    if can_create {
        empty = empty.action(s.building_add_subscriber, add_subscriber_href.clone());
    }
    let table = DataTable::new(t, s.building_subscribers, &base, &columns, Some(&sort))
        .rows(subscriber_rows(s, &page.items))
        .empty(empty)
        .pager(pager);
    let fact = |label: &'static str, value: String| Fact {
        label,
        value: if value.is_empty() {
            "—".into()
        } else {
            value
        },
        href: None,
    };
    let f = &building.facts;
    let content = CardContent {
        s,
        tabs: tabs(s, LIST),
        facts: vec![
            fact(s.building_name, f.name.clone().unwrap_or_default()),
            fact(s.address, f.address.line()),
            fact(s.notes, f.notes.clone().unwrap_or_default()),
        ],
        counts: vec![
            fact(s.col_active, counts.active.to_string()),
            fact(s.col_suspended, counts.suspended.to_string()),
            fact(s.col_closed, counts.closed.to_string()),
        ],
        can_update: allows(&context, Action::Update),
        can_create,
        edit_href: format!("{}/edit", card_href(&id)),
        add_subscriber_href,
        table,
    };
    Page::new(chrome, building.title(), content).into_response()
}

#[derive(Template)]
#[template(path = "buildings/form.html")]
struct FormContent {
    s: &'static SubscriberTexts,
    summary: ErrorSummary,
    action: String,
    csrf: String,
    version: Option<u64>,
    fields: Vec<Field>,
    cancel_href: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct BuildingForm {
    name: String,
    postcode: String,
    region: String,
    city: String,
    street: String,
    house: String,
    building: String,
    notes: String,
    version: Option<u64>,
}

impl BuildingForm {
    fn input(&self) -> BuildingInput {
        BuildingInput {
            name: self.name.clone(),
            postcode: self.postcode.clone(),
            region: self.region.clone(),
            city: self.city.clone(),
            street: self.street.clone(),
            house: self.house.clone(),
            building: self.building.clone(),
            notes: self.notes.clone(),
        }
    }

    fn from_input(input: BuildingInput, version: Option<u64>) -> Self {
        Self {
            name: input.name,
            postcode: input.postcode,
            region: input.region,
            city: input.city,
            street: input.street,
            house: input.house,
            building: input.building,
            notes: input.notes,
            version,
        }
    }
}

#[expect(clippy::too_many_arguments, reason = "the parts of one page")]
async fn render(
    services: &Services,
    context: &RequestContext,
    chrome: Chrome,
    form: &BuildingForm,
    errors: &FieldErrors,
    creating: bool,
    action: String,
    cancel_href: String,
) -> Response {
    let s = texts(chrome.lang);
    let chrome = tenant_chrome(chrome, context, services).await;
    let t = chrome.t;
    let text = |name: &str, label: &'static str, value: &str| {
        Field::text(t, name, label).value(value).errors(errors)
    };
    let fields = vec![
        text("name", s.building_name, &form.name).hint(s.building_name_hint),
        text("postcode", s.postcode, &form.postcode),
        text("region", s.region, &form.region),
        text("city", s.city, &form.city).required(),
        text("street", s.street, &form.street).required(),
        text("house", s.house, &form.house).required(),
        text("building", s.building_part, &form.building),
        Field::textarea(t, "notes", s.notes)
            .value(&form.notes)
            .errors(errors),
    ];
    let content = FormContent {
        s,
        summary: ErrorSummary::new(t, errors),
        action,
        csrf: chrome.csrf_token.clone(),
        version: form.version,
        fields,
        cancel_href,
    };
    let title = if creating {
        s.building_new_title
    } else {
        s.building_edit_title
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, Page::new(chrome, title, content)).into_response()
}

async fn new_form(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
) -> Response {
    render(
        &services,
        &context,
        chrome,
        &BuildingForm::default(),
        &FieldErrors::new(),
        true,
        LIST.to_owned(),
        LIST.to_owned(),
    )
    .await
}

/// Field errors for a refused building, or `None` for refusals shown otherwise.
fn form_errors(chrome: &Chrome, error: BuildingError) -> Result<FieldErrors, BuildingError> {
    let lang = chrome.lang;
    match error {
        BuildingError::Invalid(invalid) => Ok(field_errors(lang, &invalid, str::to_owned)),
        BuildingError::DuplicateAddress { .. } => {
            let mut errors = FieldErrors::new();
            errors.add("house", message(lang, "building_exists"));
            Ok(errors)
        }
        BuildingError::HasSubscribers => {
            let mut errors = FieldErrors::new();
            errors.add("house", message(lang, "building_has_subscribers"));
            Ok(errors)
        }
        other => Err(other),
    }
}

async fn create(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    form: Result<Form<BuildingForm>, FormRejection>,
) -> Response {
    let lang = chrome.lang;
    let Ok(Form(form)) = form else {
        return format.respond(Problem::bad_request(
            "invalid_form",
            "the form could not be read",
        ));
    };
    let tenant = match tenant_of(&context) {
        Ok(tenant) => tenant,
        Err(problem) => return format.respond(problem),
    };
    match buildings::create(&services, &tenant, &context.audit(), &form.input()).await {
        Ok(building) => FlashKeys::from_services(&services).redirect(
            &card_href(&building.id),
            &Flash::success(texts(lang).building_created),
            &headers,
        ),
        Err(e) => match form_errors(&chrome, e) {
            Ok(errors) => {
                render(
                    &services,
                    &context,
                    chrome,
                    &form,
                    &errors,
                    true,
                    LIST.to_owned(),
                    LIST.to_owned(),
                )
                .await
            }
            Err(e) => format.respond(super::problem(lang, e, str::to_owned)),
        },
    }
}

async fn edit_form(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
) -> Response {
    let tenant = match tenant_of(&context) {
        Ok(tenant) => tenant,
        Err(problem) => return format.respond(problem),
    };
    let (building, version) = match buildings::get(&services.db.tenant(&tenant), &id).await {
        Ok(Some(found)) => found,
        Ok(None) => return format.respond(Problem::not_found()),
        Err(e) => return format.respond(Problem::from(e)),
    };
    let form = BuildingForm::from_input(building.facts.to_input(), Some(version));
    render(
        &services,
        &context,
        chrome,
        &form,
        &FieldErrors::new(),
        false,
        card_href(&id),
        card_href(&id),
    )
    .await
}

async fn save(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<BuildingForm>, FormRejection>,
) -> Response {
    let lang = chrome.lang;
    let s = texts(lang);
    let Ok(Form(form)) = form else {
        return format.respond(Problem::bad_request(
            "invalid_form",
            "the form could not be read",
        ));
    };
    let tenant = match tenant_of(&context) {
        Ok(tenant) => tenant,
        Err(problem) => return format.respond(problem),
    };
    let result = buildings::update(
        &services,
        &tenant,
        &context.audit(),
        &id,
        form.version,
        &form.input(),
    )
    .await;
    match result {
        Ok(_) => FlashKeys::from_services(&services).redirect(
            &card_href(&id),
            &Flash::success(s.saved),
            &headers,
        ),
        Err(BuildingError::VersionMismatch) => FlashKeys::from_services(&services).redirect(
            &format!("{}/edit", card_href(&id)),
            &Flash::error(s.version_conflict),
            &headers,
        ),
        Err(e) => match form_errors(&chrome, e) {
            Ok(errors) => {
                render(
                    &services,
                    &context,
                    chrome,
                    &form,
                    &errors,
                    false,
                    card_href(&id),
                    card_href(&id),
                )
                .await
            }
            Err(e) => format.respond(super::problem(lang, e, str::to_owned)),
        },
    }
}

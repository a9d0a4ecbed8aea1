//! The catalogue's pages: the services list (filters, search, sorting, pages), the service
//! card (settings, tariff history, links, change history), the service form, archiving.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use crm_app::Services;
use crm_app::catalog::input::unit_code;
use crm_app::catalog::services::{
    self, ENTITY, ListQuery, Service, ServiceDraft, SortBy, SupplierDraft,
};
use crm_app::catalog::{CatalogError, history, links, tariffs, today};
use crm_app::store::Cursor;
use crm_domain::access::{Action, Permission, Resource};
use crm_domain::billing::catalog::usual_unit;
use crm_domain::billing::service::{ServiceKind, Unit};
use crm_domain::billing::subscription::LinkState;
use crm_domain::billing::tariff_edit::is_future;
use crm_domain::billing::tax::TaxCategory;
use crm_web::access::{Access, AccessRouter, RequestContext};
use crm_web::error_page::ErrorFormat;
use crm_web::flash::{Flash, FlashKeys};
use crm_web::format;
use crm_web::i18n::{Lang, Texts};
use crm_web::problem::Problem;
use crm_web::ui::{
    Cell, Chrome, Column, DataTable, EmptyState, ErrorSummary, Field, FieldErrors, Link, Pager,
    SelectOption, Sort, SortDir,
};
use serde::Deserialize;

use crate::services_common::{
    FormData, allows, change_context, form_data, form_errors, framed, problem, respond, tenant_db,
};
use crate::services_history::HistoryView;
use crate::services_texts::{CatalogTexts, kind_label, rates_text, tax_label, texts};

const PAGE_SIZE: u32 = 25;
const CARD_LIST_SIZE: u32 = 20;

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

fn kind_options(lang: Lang) -> Vec<SelectOption> {
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

// ---- the form ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "services/form.html")]
pub struct FormView {
    pub summary: ErrorSummary,
    pub action: String,
    pub csrf_token: String,
    pub hint: Option<String>,
    pub fields: Vec<Field>,
    pub submit: &'static str,
    pub cancel_href: String,
    pub cancel_label: &'static str,
}

impl askama::filters::HtmlSafe for FormView {}

/// What the service form shows: a service's values or what was submitted.
#[derive(Debug, Default)]
struct Values {
    name: String,
    code: String,
    kind: String,
    unit: String,
    tax_category: String,
    rounding: String,
    on_bill: bool,
    supplier_name: String,
    supplier_inn: String,
    description: String,
}

impl Values {
    fn new_service() -> Self {
        Values {
            rounding: services::DEFAULT_ROUNDING.to_string(),
            on_bill: true,
            ..Values::default()
        }
    }

    fn of(service: &Service) -> Self {
        Values {
            name: service.name.clone(),
            code: service.code.to_string(),
            kind: service.kind.code().to_owned(),
            unit: unit_code(service.unit).to_owned(),
            tax_category: service.tax_category.code().to_owned(),
            rounding: service.rounding.to_string(),
            on_bill: service.on_bill,
            supplier_name: service
                .supplier
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            supplier_inn: service
                .supplier
                .as_ref()
                .map(|s| s.inn.to_string())
                .unwrap_or_default(),
            description: service.description.clone(),
        }
    }

    fn submitted(form: &FormData) -> Self {
        Values {
            name: form.text("name"),
            code: form.text("code"),
            kind: form.text("kind"),
            unit: form.text("unit"),
            tax_category: form.text("tax_category"),
            rounding: form.text("rounding"),
            on_bill: form.has("on_bill"),
            supplier_name: form.text("supplier.name"),
            supplier_inn: form.text("supplier.inn"),
            description: form.text("description"),
        }
    }

    fn draft(&self) -> ServiceDraft {
        ServiceDraft {
            name: Some(self.name.clone()),
            code: Some(self.code.clone()),
            kind: Some(self.kind.clone()),
            unit: Some(self.unit.clone()),
            tax_category: Some(self.tax_category.clone()),
            rounding: Some(self.rounding.clone()),
            on_bill: Some(self.on_bill),
            supplier: Some(Some(SupplierDraft {
                name: self.supplier_name.clone(),
                inn: self.supplier_inn.clone(),
            })),
            description: Some(self.description.clone()),
        }
    }
}

fn service_fields(
    t: &'static Texts,
    lang: Lang,
    values: &Values,
    errors: &FieldErrors,
) -> Vec<Field> {
    let c = texts(lang);
    let units = Unit::ALL
        .iter()
        .map(|u| SelectOption::new(unit_code(*u), u.symbol()))
        .collect();
    let taxes = TaxCategory::ALL
        .iter()
        .map(|cat| SelectOption::new(cat.code(), tax_label(*cat, lang)))
        .collect();
    let unit = if values.unit.is_empty() {
        ServiceKind::from_code(&values.kind)
            .map(|k| unit_code(usual_unit(k)).to_owned())
            .unwrap_or_default()
    } else {
        values.unit.clone()
    };
    vec![
        Field::text(t, "name", c.field_name)
            .value(&values.name)
            .required()
            .errors(errors),
        Field::text(t, "code", c.field_code)
            .value(&values.code)
            .required()
            .hint(c.field_code_hint)
            .errors(errors),
        Field::select(t, "kind", c.field_kind, kind_options(lang))
            .value(&values.kind)
            .required()
            .errors(errors),
        Field::select(t, "unit", c.field_unit, units)
            .value(unit)
            .errors(errors),
        Field::select(t, "tax_category", c.field_tax, taxes)
            .value(&values.tax_category)
            .required()
            .errors(errors),
        Field::input(t, "number", "rounding", c.field_rounding)
            .value(&values.rounding)
            .hint(c.field_rounding_hint)
            .errors(errors),
        Field::checkbox(t, "on_bill", c.field_on_bill, values.on_bill).errors(errors),
        Field::text(t, "supplier.name", c.field_supplier_name)
            .value(&values.supplier_name)
            .hint(c.field_supplier_hint)
            .errors(errors),
        Field::text(t, "supplier.inn", c.field_supplier_inn)
            .value(&values.supplier_inn)
            .errors(errors),
        Field::textarea(t, "description", c.field_description)
            .value(&values.description)
            .errors(errors),
    ]
}

fn csrf(ctx: &RequestContext) -> String {
    ctx.principal
        .as_ref()
        .and_then(|p| p.session())
        .map(|s| s.csrf_token.clone())
        .unwrap_or_default()
}

#[expect(clippy::too_many_arguments, reason = "one form page, its parts named")]
async fn form_page(
    services: &Services,
    ctx: &RequestContext,
    chrome: Chrome,
    title: String,
    action: String,
    submit: &'static str,
    cancel_href: String,
    fields: Vec<Field>,
    errors: &FieldErrors,
) -> Response {
    let (t, c) = (chrome.t, texts(chrome.lang));
    let view = FormView {
        summary: ErrorSummary::new(t, errors),
        action,
        csrf_token: csrf(ctx),
        hint: None,
        fields,
        submit,
        cancel_href,
        cancel_label: c.cancel,
    };
    let page = framed(services, ctx, chrome, title, view).await;
    if errors.is_empty() {
        page.into_response()
    } else {
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    }
}

async fn new_page(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
) -> Response {
    let (t, lang) = (chrome.t, chrome.lang);
    let c = texts(lang);
    let fields = service_fields(t, lang, &Values::new_service(), &FieldErrors::new());
    form_page(
        &services,
        &ctx,
        chrome,
        c.new_service.to_owned(),
        "/services/new".into(),
        c.create,
        "/services".into(),
        fields,
        &FieldErrors::new(),
    )
    .await
}

async fn create(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let result = async {
        let form = form_data(form)?;
        let (t, lang) = (chrome.t, chrome.lang);
        let c = texts(lang);
        let values = Values::submitted(&form);
        let db = tenant_db(&services, &ctx)?;
        let audit = ctx.audit();
        let cx = change_context(&services, &audit);
        match services::create(&db, &cx, &values.draft()).await {
            Ok(service) => Ok(FlashKeys::from_services(&services).redirect(
                &card_href(&service.id),
                &Flash::success((c.created)(&service.name)),
                &headers,
            )),
            Err(CatalogError::Invalid(issues)) => {
                let errors = form_errors(&issues, lang);
                let fields = service_fields(t, lang, &values, &errors);
                Ok(form_page(
                    &services,
                    &ctx,
                    chrome,
                    c.new_service.to_owned(),
                    "/services/new".into(),
                    c.create,
                    "/services".into(),
                    fields,
                    &errors,
                )
                .await)
            }
            Err(other) => Err(problem(other, lang)),
        }
    }
    .await;
    respond(&format, result)
}

async fn edit_page(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let (t, lang) = (chrome.t, chrome.lang);
        let c = texts(lang);
        let db = tenant_db(&services, &ctx)?;
        let (service, _) = services::require(&db, &id)
            .await
            .map_err(|e| problem(e, lang))?;
        let errors = FieldErrors::new();
        let fields = service_fields(t, lang, &Values::of(&service), &errors);
        Ok(form_page(
            &services,
            &ctx,
            chrome,
            (c.edit_title)(&service.name),
            format!("/services/{id}/edit"),
            c.save,
            card_href(&id),
            fields,
            &errors,
        )
        .await)
    }
    .await;
    respond(&format, result)
}

async fn save(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let result = async {
        let form = form_data(form)?;
        let (t, lang) = (chrome.t, chrome.lang);
        let c = texts(lang);
        let values = Values::submitted(&form);
        let db = tenant_db(&services, &ctx)?;
        let (current, _) = services::require(&db, &id)
            .await
            .map_err(|e| problem(e, lang))?;
        let audit = ctx.audit();
        let cx = change_context(&services, &audit);
        match services::update(&db, &cx, &id, &values.draft()).await {
            Ok(_) => Ok(FlashKeys::from_services(&services).redirect(
                &card_href(&id),
                &Flash::success(c.saved),
                &headers,
            )),
            Err(CatalogError::Invalid(issues)) => {
                let errors = form_errors(&issues, lang);
                let fields = service_fields(t, lang, &values, &errors);
                Ok(form_page(
                    &services,
                    &ctx,
                    chrome,
                    (c.edit_title)(&current.name),
                    format!("/services/{id}/edit"),
                    c.save,
                    card_href(&id),
                    fields,
                    &errors,
                )
                .await)
            }
            Err(other) => Err(problem(other, lang)),
        }
    }
    .await;
    respond(&format, result)
}

async fn archive(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    set_archived(services, ctx, chrome, format, headers, id, true).await
}

async fn restore(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    set_archived(services, ctx, chrome, format, headers, id, false).await
}

async fn set_archived(
    services: Services,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    id: String,
    archived: bool,
) -> Response {
    let result = async {
        let lang = chrome.lang;
        let c = texts(lang);
        let db = tenant_db(&services, &ctx)?;
        let audit = ctx.audit();
        let cx = change_context(&services, &audit);
        services::set_archived(&db, &cx, &id, archived)
            .await
            .map_err(|e| problem(e, lang))?;
        let message = if archived {
            c.archived_flash
        } else {
            c.restored_flash
        };
        Ok(FlashKeys::from_services(&services).redirect(
            &card_href(&id),
            &Flash::success(message),
            &headers,
        ))
    }
    .await;
    respond(&format, result)
}

// ---- the card ---------------------------------------------------------------------------

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
struct CardParams {
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

async fn card(
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
            csrf_token: csrf(&ctx),
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

pub fn csrf_of(ctx: &RequestContext) -> String {
    csrf(ctx)
}

//! The service form (new and edit) and archiving: POST-redirect-GET with a flash, or the
//! form again with inline errors.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use crm_app::Services;
use crm_app::catalog::CatalogError;
use crm_app::catalog::input::unit_code;
use crm_app::catalog::services::{self, Service, ServiceDraft, SupplierDraft};
use crm_domain::billing::catalog::usual_unit;
use crm_domain::billing::service::{ServiceKind, Unit};
use crm_domain::billing::tax::TaxCategory;
use crm_web::access::RequestContext;
use crm_web::error_page::ErrorFormat;
use crm_web::flash::{Flash, FlashKeys};
use crm_web::i18n::{Lang, Texts};
use crm_web::ui::{Chrome, ErrorSummary, Field, FieldErrors, SelectOption};

use crate::services_common::{
    FormData, change_context, csrf_token, form_data, form_errors, framed, problem, respond,
    tenant_db,
};
use crate::services_pages::{card_href, kind_options};
use crate::services_texts::{tax_label, texts};

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
        csrf_token: csrf_token(ctx),
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

pub(crate) async fn new_page(
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

pub(crate) async fn create(
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

pub(crate) async fn edit_page(
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

pub(crate) async fn save(
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

pub(crate) async fn archive(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    set_archived(services, ctx, chrome, format, headers, id, true).await
}

pub(crate) async fn restore(
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

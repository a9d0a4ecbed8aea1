//! Tariff version forms: a new version, changing or deleting a future one. The form's rate
//! fields follow the service's kind: one rate, consumption blocks, or a rate per time zone, and
//! a norm for norm services. "Through" dates are inclusive here, as people write them.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing::{get, post};
use crm_app::Services;
use crm_app::catalog::input::zone_code;
use crm_app::catalog::services::Service;
use crm_app::catalog::tariffs::{self, BlockDraft, Outcome, TariffDraft};
use crm_app::catalog::{CatalogError, Issue};
use crm_domain::access::{Action, Permission, Resource};
use crm_domain::billing::service::ServiceKind;
use crm_web::access::{Access, AccessRouter, RequestContext};
use crm_web::error_page::ErrorFormat;
use crm_web::flash::{Flash, FlashKeys};
use crm_web::i18n::{Lang, Texts};
use crm_web::problem::Problem;
use crm_web::ui::{Chrome, ErrorSummary, Field, FieldErrors};

use crate::services_common::{
    FormData, change_context, exclusive_to_inclusive, form_data, form_errors, framed,
    inclusive_to_exclusive, problem, respond, tenant_db,
};
use crate::services_form::FormView;
use crate::services_pages::card_href;
use crate::services_texts::{texts, zone_label};

/// Block rows a form offers beyond those filled in.
const SPARE_BLOCKS: usize = 1;
const MIN_BLOCK_ROWS: usize = 3;

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    let services = |action| Access::Tenant(Permission::new(Resource::Services, action));
    router
        .page(
            Method::GET,
            "/services/{id}/tariffs/new",
            services(Action::Update),
            get(new_page),
        )
        .page(
            Method::POST,
            "/services/{id}/tariffs/new",
            services(Action::Update),
            post(add),
        )
        .page(
            Method::GET,
            "/services/{id}/tariffs/{version}/edit",
            services(Action::Update),
            get(edit_page),
        )
        .page(
            Method::POST,
            "/services/{id}/tariffs/{version}/edit",
            services(Action::Update),
            post(save),
        )
        .page(
            Method::POST,
            "/services/{id}/tariffs/{version}/delete",
            services(Action::Delete),
            post(delete),
        )
}

/// The form's values: the draft with an inclusive "through" date.
struct Values {
    draft: TariffDraft,
    through: String,
}

impl Values {
    fn of(draft: TariffDraft) -> Self {
        let through = draft
            .valid_until
            .as_deref()
            .and_then(|d| crm_app::catalog::input::date(d).ok())
            .map(|d| exclusive_to_inclusive(Some(d)))
            .unwrap_or_default();
        Values { draft, through }
    }

    fn submitted(form: &FormData, kind: ServiceKind) -> Self {
        let through = form.text("valid_until");
        let mut draft = TariffDraft {
            valid_from: Some(form.text("valid_from")),
            valid_until: Some(inclusive_to_exclusive(&through)).filter(|d| !d.is_empty()),
            norm: form.get("norm").map(str::to_owned),
            ..TariffDraft::default()
        };
        match kind {
            ServiceKind::Tiered => {
                let mut blocks: Vec<BlockDraft> = (0..)
                    .map_while(|i| {
                        let up_to = form.get(&format!("blocks[{i}].up_to"))?;
                        let rate = form.get(&format!("blocks[{i}].rate")).unwrap_or_default();
                        Some(BlockDraft {
                            up_to: up_to.to_owned(),
                            rate: rate.to_owned(),
                        })
                    })
                    .collect();
                // Trailing empty rows are the spare ones; empty rows in between stay and are
                // reported.
                while blocks
                    .last()
                    .is_some_and(|b| b.up_to.trim().is_empty() && b.rate.trim().is_empty())
                {
                    blocks.pop();
                }
                draft.blocks = blocks;
            }
            ServiceKind::MultiZone { zones } => {
                draft.zone_rates = zones
                    .zones()
                    .iter()
                    .map(|z| {
                        let code = zone_code(*z);
                        (code.to_owned(), form.text(&format!("zone_rates.{code}")))
                    })
                    .collect();
            }
            _ => draft.rate = Some(form.text("rate")),
        }
        Values { draft, through }
    }
}

fn fields(
    t: &'static Texts,
    lang: Lang,
    service: &Service,
    values: &Values,
    errors: &FieldErrors,
) -> Vec<Field> {
    let c = texts(lang);
    let draft = &values.draft;
    let mut fields = vec![
        Field::input(t, "date", "valid_from", c.field_valid_from)
            .value(draft.valid_from.clone().unwrap_or_default())
            .required()
            .errors(errors),
        Field::input(t, "date", "valid_until", c.field_valid_until)
            .value(&values.through)
            .hint(c.field_valid_until_hint)
            .errors(errors),
    ];
    match service.kind {
        ServiceKind::Tiered => {
            let rows = (draft.blocks.len() + SPARE_BLOCKS).max(MIN_BLOCK_ROWS);
            for i in 0..rows {
                let block = draft.blocks.get(i).cloned().unwrap_or_default();
                let mut limit = Field::text(
                    t,
                    &format!("blocks[{i}].up_to"),
                    (c.field_block_limit)(i + 1),
                )
                .value(block.up_to)
                .errors(errors);
                if i == 0 {
                    limit = limit.hint(c.blocks_hint);
                }
                fields.push(limit);
                fields.push(
                    Field::text(t, &format!("blocks[{i}].rate"), (c.field_block_rate)(i + 1))
                        .value(block.rate)
                        .errors(errors),
                );
            }
        }
        ServiceKind::MultiZone { zones } => {
            for zone in zones.zones() {
                let code = zone_code(*zone);
                let value = draft
                    .zone_rates
                    .iter()
                    .find(|(z, _)| z == code)
                    .map(|(_, r)| r.clone())
                    .unwrap_or_default();
                fields.push(
                    Field::text(
                        t,
                        &format!("zone_rates.{code}"),
                        (c.field_zone_rate)(zone_label(*zone, lang)),
                    )
                    .value(value)
                    .required()
                    .errors(errors),
                );
            }
        }
        _ => fields.push(
            Field::text(t, "rate", (c.field_rate)(service.unit.symbol()))
                .value(draft.rate.clone().unwrap_or_default())
                .required()
                .errors(errors),
        ),
    }
    if matches!(service.kind, ServiceKind::Norm { .. }) {
        fields.push(
            Field::text(t, "norm", c.field_norm)
                .value(draft.norm.clone().unwrap_or_default())
                .required()
                .hint(c.field_norm_hint)
                .errors(errors),
        );
    }
    fields
}

#[expect(clippy::too_many_arguments, reason = "one form page, its parts named")]
async fn page(
    services: &Services,
    ctx: &RequestContext,
    chrome: Chrome,
    service: &Service,
    title: String,
    action: String,
    values: &Values,
    errors: &FieldErrors,
) -> Response {
    use axum::response::IntoResponse;
    let (t, lang) = (chrome.t, chrome.lang);
    let c = texts(lang);
    let view = FormView {
        summary: ErrorSummary::new(t, errors),
        action,
        csrf_token: crate::services_common::csrf_token(ctx),
        hint: None,
        fields: fields(t, lang, service, values, errors),
        submit: c.save,
        cancel_href: card_href(&service.id),
        cancel_label: c.cancel,
    };
    let page = framed(services, ctx, chrome, title, view).await;
    if errors.is_empty() {
        page.into_response()
    } else {
        (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    }
}

fn done(
    services: &Services,
    headers: &HeaderMap,
    service_id: &str,
    message: &str,
    outcome: &Outcome,
    lang: Lang,
) -> Response {
    let flash = if outcome.warnings.is_empty() {
        Flash::success(message)
    } else {
        Flash::warning(format!("{message}. {}", texts(lang).with_gaps))
    };
    FlashKeys::from_services(services).redirect(&card_href(service_id), &flash, headers)
}

async fn new_page(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let lang = chrome.lang;
        let db = tenant_db(&services, &ctx)?;
        let history = tariffs::history(&db, &id)
            .await
            .map_err(|e| problem(e, lang))?;
        let title = (texts(lang).new_version_title)(&history.service.name);
        let values = Values::of(TariffDraft::default());
        Ok(page(
            &services,
            &ctx,
            chrome,
            &history.service,
            title,
            format!("/services/{id}/tariffs/new"),
            &values,
            &FieldErrors::new(),
        )
        .await)
    }
    .await;
    respond(&format, result)
}

async fn add(
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
        let lang = chrome.lang;
        let c = texts(lang);
        let db = tenant_db(&services, &ctx)?;
        let history = tariffs::history(&db, &id)
            .await
            .map_err(|e| problem(e, lang))?;
        let values = Values::submitted(&form, history.service.kind);
        let audit = ctx.audit();
        let cx = change_context(&services, &audit);
        match tariffs::add(&db, &cx, &id, &values.draft).await {
            Ok(outcome) => Ok(done(
                &services,
                &headers,
                &id,
                c.version_added,
                &outcome,
                lang,
            )),
            Err(CatalogError::Invalid(issues)) => {
                let errors = errors_of(&issues, lang);
                let title = (c.new_version_title)(&history.service.name);
                Ok(page(
                    &services,
                    &ctx,
                    chrome,
                    &history.service,
                    title,
                    format!("/services/{id}/tariffs/new"),
                    &values,
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

/// Field errors for the form; faults of a whole group (`rates`, `blocks`) are shown in the
/// summary, linked to the group's first field.
fn errors_of(issues: &[Issue], lang: Lang) -> FieldErrors {
    let moved: Vec<Issue> = issues
        .iter()
        .map(|issue| {
            let field = match issue.field.as_str() {
                "blocks" => "blocks[0].up_to".to_owned(),
                "rates" => "rate".to_owned(),
                other => other.to_owned(),
            };
            Issue::new(field, issue.fault.clone())
        })
        .collect();
    form_errors(&moved, lang)
}

async fn edit_page(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path((id, version_id)): Path<(String, String)>,
) -> Response {
    let result = async {
        let lang = chrome.lang;
        let db = tenant_db(&services, &ctx)?;
        let history = tariffs::history(&db, &id)
            .await
            .map_err(|e| problem(e, lang))?;
        let (_, version) = history.find(&version_id).ok_or_else(Problem::not_found)?;
        let values = Values::of(TariffDraft::from_version(&version.version));
        let title = (texts(lang).edit_version_title)(&history.service.name);
        let action = format!("/services/{id}/tariffs/{version_id}/edit");
        Ok(page(
            &services,
            &ctx,
            chrome,
            &history.service,
            title,
            action,
            &values,
            &FieldErrors::new(),
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
    Path((id, version_id)): Path<(String, String)>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let result = async {
        let form = form_data(form)?;
        let lang = chrome.lang;
        let c = texts(lang);
        let db = tenant_db(&services, &ctx)?;
        let history = tariffs::history(&db, &id)
            .await
            .map_err(|e| problem(e, lang))?;
        history.find(&version_id).ok_or_else(Problem::not_found)?;
        let values = Values::submitted(&form, history.service.kind);
        let audit = ctx.audit();
        let cx = change_context(&services, &audit);
        match tariffs::replace(&db, &cx, &id, &version_id, &values.draft).await {
            Ok(outcome) => Ok(done(
                &services,
                &headers,
                &id,
                c.version_saved,
                &outcome,
                lang,
            )),
            Err(CatalogError::Invalid(issues)) => {
                let errors = errors_of(&issues, lang);
                let title = (c.edit_version_title)(&history.service.name);
                let action = format!("/services/{id}/tariffs/{version_id}/edit");
                Ok(page(
                    &services,
                    &ctx,
                    chrome,
                    &history.service,
                    title,
                    action,
                    &values,
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

async fn delete(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path((id, version_id)): Path<(String, String)>,
) -> Response {
    let result = async {
        let lang = chrome.lang;
        let c = texts(lang);
        let db = tenant_db(&services, &ctx)?;
        let audit = ctx.audit();
        let cx = change_context(&services, &audit);
        match tariffs::remove(&db, &cx, &id, &version_id).await {
            Ok(outcome) => Ok(done(
                &services,
                &headers,
                &id,
                c.version_deleted,
                &outcome,
                lang,
            )),
            // A version that has started: say why on the card.
            Err(CatalogError::Invalid(issues)) => {
                let message = issues
                    .first()
                    .map(|i| crate::services_texts::fault_message(&i.fault, lang))
                    .unwrap_or_default();
                Ok(FlashKeys::from_services(&services).redirect(
                    &card_href(&id),
                    &Flash::error(message),
                    &headers,
                ))
            }
            Err(other) => Err(problem(other, lang)),
        }
    }
    .await;
    respond(&format, result)
}

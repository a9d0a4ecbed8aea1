//! The card's reading forms: entry with immediate feedback (htmx posts the form to `check`
//! as the operator types and shows the reason or the flags at once, nothing stored), the
//! entry itself, and correction.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use crm_app::Services;
use crm_app::meters::MeterError;
use crm_app::meters::input::{parse_date, parse_values};
use crm_app::meters::readings::{self, Entered};
use crm_app::meters::reasons;
use crm_app::meters::registry::{self, MeterView};
use crm_app::validation::Invalid;
use crm_domain::meter::{Outcome, ReadingSource};
use crm_web::access::{AccessRouter, RequestContext};
use crm_web::error_page::ErrorFormat;
use crm_web::flash::{Flash, FlashKeys};
use crm_web::i18n::Lang;
use crm_web::problem::Problem;
use crm_web::ui::{Chrome, FieldErrors};

use super::pages::{ReadingForms, card_href, card_page, tx};
use super::{READINGS_CREATE, READINGS_UPDATE, rejection_field};
use crate::subscribers::tenant_of;

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router
        .page(
            Method::POST,
            "/meters/{id}/readings",
            READINGS_CREATE,
            post(enter),
        )
        .page(
            Method::POST,
            "/meters/{id}/readings/check",
            READINGS_CREATE,
            post(check),
        )
        .page(
            Method::POST,
            "/meters/{id}/readings/correct",
            READINGS_UPDATE,
            post(correct),
        )
}

fn get<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn texts_of(lang: Lang, invalid: &Invalid) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for (field, message) in invalid.messages(lang == Lang::Ru) {
        errors.add(field, message);
    }
    errors
}

/// A reading's date and values as parsed, or the form's errors.
type Parsed = Result<(chrono::NaiveDate, Vec<rust_decimal::Decimal>), FieldErrors>;

/// The typed values as text (to show again) and the parsed reading or the form's errors.
fn parse(
    pairs: &[(String, String)],
    date_field: &str,
    prefix: &str,
    zones: usize,
    lang: Lang,
) -> (Vec<String>, Parsed) {
    let raw: Vec<String> = (0..zones)
        .map(|n| get(pairs, &format!("{prefix}_{n}")).to_owned())
        .collect();
    let mut invalid = Invalid::new();
    let date = invalid.check(date_field, parse_date(get(pairs, date_field)));
    let values = parse_values(&mut invalid, prefix, &raw, zones);
    let result = match (date, values) {
        (Some(d), Some(v)) if invalid.is_empty() => Ok((d, v)),
        _ => Err(texts_of(lang, &invalid)),
    };
    (raw, result)
}

#[derive(Template)]
#[template(path = "meters/feedback.html")]
struct Feedback {
    /// `danger` (refused), `warning` (flagged), `success`, `secondary` (unchanged, incomplete).
    tone: &'static str,
    title: String,
    lines: Vec<String>,
}

impl askama::filters::HtmlSafe for Feedback {}

async fn load(
    services: &Services,
    context: &RequestContext,
    id: &str,
) -> Result<MeterView, Problem> {
    let tenant = tenant_of(context)?;
    registry::view(&services.db.tenant(&tenant), id)
        .await?
        .ok_or_else(Problem::not_found)
}

/// The feedback fragment for the entry form as typed so far: nothing is stored.
async fn check(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let ru = lang == Lang::Ru;
    let feedback = match load(&services, &context, &id).await {
        Err(p) => return p.into_response(),
        Ok(view) => {
            let zones = view.meter.kind.value_count();
            match parse(&pairs, "date", "value", zones, lang).1 {
                Err(errors) => Feedback {
                    tone: "secondary",
                    title: tx(lang, "Заполните показание", "Complete the reading").to_owned(),
                    lines: errors.iter().map(|(_, m)| m.to_owned()).collect(),
                },
                Ok((date, values)) => {
                    let Ok(tenant) = tenant_of(&context) else {
                        return Problem::not_found().into_response();
                    };
                    match readings::check(&services, &tenant, &id, date, &values).await {
                        Err(e) => return super::problem(lang, e).into_response(),
                        Ok(Err(rejection)) => {
                            let r = reasons::rejection(&rejection);
                            Feedback {
                                tone: "danger",
                                title: tx(
                                    lang,
                                    "Показание не будет принято",
                                    "The reading will be refused",
                                )
                                .to_owned(),
                                lines: vec![if ru { r.ru } else { r.en }],
                            }
                        }
                        Ok(Ok(Outcome::Unchanged)) => Feedback {
                            tone: "secondary",
                            title: tx(
                                lang,
                                "Такое показание уже сохранено",
                                "This reading is already stored",
                            )
                            .to_owned(),
                            lines: Vec::new(),
                        },
                        Ok(Ok(Outcome::Accepted { advance, flags })) => {
                            let consumption = advance
                                .iter()
                                .map(|a| super::pages::number(&(*a * view.meter.multiplier), lang))
                                .collect::<Vec<_>>()
                                .join(" / ");
                            let mut lines = vec![format!(
                                "{} {consumption}",
                                tx(
                                    lang,
                                    "Расход с прошлого показания:",
                                    "Consumption since the previous reading:"
                                )
                            )];
                            lines.extend(flags.iter().map(|f| {
                                let r = reasons::flag(f);
                                if ru { r.ru } else { r.en }
                            }));
                            Feedback {
                                tone: if flags.is_empty() {
                                    "success"
                                } else {
                                    "warning"
                                },
                                title: if flags.is_empty() {
                                    tx(
                                        lang,
                                        "Показание будет принято",
                                        "The reading will be accepted",
                                    )
                                } else {
                                    tx(
                                        lang,
                                        "Будет принято, но отмечено для проверки",
                                        "Accepted, but flagged for review",
                                    )
                                }
                                .to_owned(),
                                lines,
                            }
                        }
                    }
                }
            }
        }
    };
    match feedback.render() {
        Ok(html) => axum::response::Html(html).into_response(),
        Err(_) => Problem::internal().into_response(),
    }
}

async fn enter(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let lang = chrome.lang;
    let ru = lang == Lang::Ru;
    let view = match load(&services, &context, &id).await {
        Ok(v) => v,
        Err(p) => return format.respond(p),
    };
    let Ok(tenant) = tenant_of(&context) else {
        return format.respond(Problem::not_found());
    };
    let zones = view.meter.kind.value_count();
    let (raw, parsed) = parse(&pairs, "date", "value", zones, lang);
    let mut forms = ReadingForms {
        date: get(&pairs, "date").to_owned(),
        values: raw,
        ..ReadingForms::default()
    };
    match parsed {
        Err(errors) => forms.errors = errors,
        Ok((date, values)) => {
            match readings::enter(
                &services,
                &tenant,
                &context.audit(),
                &id,
                date,
                values,
                ReadingSource::Operator,
            )
            .await
            {
                Ok(entered) => {
                    let flash = match &entered {
                        Entered::Unchanged(_) => Flash::info(tx(
                            lang,
                            "Такое показание уже было сохранено",
                            "This reading was already stored",
                        )),
                        Entered::Stored(r) if r.flags.is_empty() => {
                            Flash::success(tx(lang, "Показание сохранено", "Reading saved"))
                        }
                        Entered::Stored(r) => Flash::warning(format!(
                            "{} {}",
                            tx(
                                lang,
                                "Показание сохранено и отмечено для проверки:",
                                "Reading saved and flagged for review:"
                            ),
                            r.flags
                                .iter()
                                .map(|f| {
                                    let reason = reasons::flag(f);
                                    if ru { reason.ru } else { reason.en }
                                })
                                .collect::<Vec<_>>()
                                .join("; ")
                        )),
                    };
                    return FlashKeys::from_services(&services).redirect(
                        &card_href(&id),
                        &flash,
                        &headers,
                    );
                }
                Err(MeterError::Rejected(rejection)) => {
                    let r = reasons::rejection(&rejection);
                    forms.errors.add(
                        rejection_field(&rejection, false),
                        if ru { r.ru } else { r.en },
                    );
                }
                Err(MeterError::Invalid(invalid)) => forms.errors = texts_of(lang, &invalid),
                Err(e) => return format.respond(super::problem(lang, e)),
            }
        }
    }
    card_page(&services, &context, chrome, &view, &forms).await
}

async fn correct(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let lang = chrome.lang;
    let ru = lang == Lang::Ru;
    let view = match load(&services, &context, &id).await {
        Ok(v) => v,
        Err(p) => return format.respond(p),
    };
    let Ok(tenant) = tenant_of(&context) else {
        return format.respond(Problem::not_found());
    };
    let zones = view.meter.kind.value_count();
    let (raw, parsed) = parse(&pairs, "correct_date", "correct", zones, lang);
    let comment = get(&pairs, "comment").to_owned();
    let mut forms = ReadingForms {
        correct_date: get(&pairs, "correct_date").to_owned(),
        correct_values: raw,
        correct_comment: comment.clone(),
        ..ReadingForms::default()
    };
    match parsed {
        Err(errors) => forms.correct_errors = errors,
        Ok((date, values)) => {
            match readings::correct(
                &services,
                &tenant,
                &context.audit(),
                &id,
                date,
                values,
                None,
                Some(&comment),
            )
            .await
            {
                Ok(entered) => {
                    let flash = match entered {
                        Entered::Unchanged(_) => Flash::info(tx(
                            lang,
                            "Значения те же — ничего не изменилось",
                            "The same values: nothing changed",
                        )),
                        Entered::Stored(r) => Flash::success(format!(
                            "{} {}",
                            tx(
                                lang,
                                "Показание исправлено, версия",
                                "Reading corrected, version"
                            ),
                            r.version_no
                        )),
                    };
                    return FlashKeys::from_services(&services).redirect(
                        &card_href(&id),
                        &flash,
                        &headers,
                    );
                }
                Err(MeterError::Rejected(rejection)) => {
                    let r = reasons::rejection(&rejection);
                    let field = rejection_field(&rejection, false).replace("value_", "correct_");
                    let field = if field == "date" {
                        "correct_date".to_owned()
                    } else {
                        field
                    };
                    forms
                        .correct_errors
                        .add(field, if ru { r.ru } else { r.en });
                }
                Err(MeterError::NotFound) => forms.correct_errors.add(
                    "correct_date",
                    tx(
                        lang,
                        "На эту дату показания нет",
                        "There is no reading on this date",
                    ),
                ),
                Err(e) => return format.respond(super::problem(lang, e)),
            }
        }
    }
    card_page(&services, &context, chrome, &view, &forms).await
}

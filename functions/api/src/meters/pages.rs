//! The operator pages of meters: the list (kind, status, verification due), the meter card
//! (facts, chart of consumption by month, readings with their periods, entry and correction
//! forms), registration and editing, removal and replacement.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use crm_app::Services;
use crm_app::catalog;
use crm_app::meters::input::parse_date;
use crm_app::meters::readings::{self, HistoryRow};
use crm_app::meters::reasons::{self, kind_name, zone_names};
use crm_app::meters::registry::{self, MeterView};
use crm_app::meters::replace::{Replacement, replace};
use crm_app::meters::{MeterError, MeterInput, MeterRecord, MeterStatus};
use crm_app::store::Cursor;
use crm_app::subscribers;
use crm_domain::access::{Action, Permission, Resource};
use crm_domain::meter::MeterKind;
use crm_web::access::{AccessRouter, RequestContext};
use crm_web::chrome::tenant_chrome;
use crm_web::error_page::ErrorFormat;
use crm_web::flash::{Flash, FlashKeys};
use crm_web::i18n::Lang;
use crm_web::problem::Problem;
use crm_web::ui::{
    Cell, Chrome, Column, DataTable, EmptyState, ErrorSummary, Field, FieldErrors, Link, Page,
    Pager, SelectOption,
};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{CREATE, DELETE, READ, UPDATE, chart};
use crate::subscribers::tenant_of;

pub const LIST: &str = "/meters";
pub const NEW: &str = "/meters/new";

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router
        .page(Method::GET, LIST, READ, get(list))
        .page(Method::GET, NEW, CREATE, get(new_form))
        .page(Method::POST, LIST, CREATE, post(create))
        .page(Method::GET, "/meters/{id}", READ, get(card))
        .page(Method::GET, "/meters/{id}/edit", UPDATE, get(edit_form))
        .page(Method::POST, "/meters/{id}", UPDATE, post(save))
        .page(Method::POST, "/meters/{id}/remove", DELETE, post(remove))
        .page(
            Method::GET,
            "/meters/{id}/replace",
            CREATE,
            get(replace_form),
        )
        .page(
            Method::POST,
            "/meters/{id}/replace",
            CREATE,
            post(replace_save),
        )
}

pub(crate) fn card_href(id: &str) -> String {
    format!("{LIST}/{id}")
}

pub(crate) fn tx(lang: Lang, ru: &'static str, en: &'static str) -> &'static str {
    lang.pick(ru, en)
}

fn allows(context: &RequestContext, resource: Resource, action: Action) -> bool {
    context
        .principal
        .as_ref()
        .is_some_and(|p| p.allows(Permission::new(resource, action)))
}

pub(crate) fn number(value: &Decimal, lang: Lang) -> String {
    let text = value.normalize().to_string();
    if lang == Lang::Ru {
        text.replace('.', ",")
    } else {
        text
    }
}

fn values_text(values: &[Decimal], lang: Lang) -> String {
    values
        .iter()
        .map(|v| number(v, lang))
        .collect::<Vec<_>>()
        .join(" / ")
}

fn status_text(status: MeterStatus, lang: Lang) -> &'static str {
    match status {
        MeterStatus::Active => tx(lang, "Действует", "Active"),
        MeterStatus::Removed => tx(lang, "Снят", "Removed"),
    }
}

// ---------------------------------------------------------------------------------------------
// The list.

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ListParams {
    kind: Option<String>,
    status: Option<String>,
    /// `30`, `90`, ... days, or `expired`.
    due: Option<String>,
    cursor: Option<String>,
}

pub(crate) struct Choice {
    pub name: &'static str,
    pub label: &'static str,
    pub options: Vec<(String, String, bool)>,
}

fn choice(
    name: &'static str,
    label: &'static str,
    current: Option<&str>,
    options: Vec<(String, String)>,
) -> Choice {
    let current = current.unwrap_or("");
    Choice {
        name,
        label,
        options: options
            .into_iter()
            .map(|(v, t)| {
                let selected = v == current;
                (v, t, selected)
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "meters/list.html")]
struct ListContent {
    choices: Vec<Choice>,
    apply: &'static str,
    reset: &'static str,
    table: DataTable,
    can_create: bool,
    new_label: &'static str,
    /// The link to the readings import, for those the import pages let in.
    can_import: bool,
    import_label: &'static str,
    note: Option<&'static str>,
}

async fn list(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Query(params): Query<ListParams>,
) -> Response {
    let lang = chrome.lang;
    let tenant = match tenant_of(&context) {
        Ok(t) => t,
        Err(p) => return format.respond(p),
    };
    let db = services.db.tenant(&tenant);
    let kind = params.kind.as_deref().and_then(MeterKind::from_code);
    let status = match params.status.as_deref() {
        Some("removed") => MeterStatus::Removed,
        _ => MeterStatus::Active,
    };
    let cursor = params
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(Cursor::from_client);
    let today = subscribers::today(&services, &tenant).await;
    let due = params.due.as_deref().filter(|d| !d.is_empty());
    let result = match due {
        Some(due) => {
            let (from, until) = match due {
                "expired" => registry::due_range(today, 0, true),
                days => registry::due_range(today, days.parse().unwrap_or(30).min(3660), false),
            };
            registry::verification_due(&db, from, until, kind, 50, cursor.as_ref()).await
        }
        None => registry::list(&db, status, kind, 50, cursor.as_ref()).await,
    };
    let (meters, next) = match result {
        Ok(page) => page,
        Err(e) => return format.respond(Problem::from(e)),
    };
    let base = Link::new(LIST)
        .with("kind", params.kind.clone().unwrap_or_default())
        .with("status", params.status.clone().unwrap_or_default())
        .with("due", params.due.clone().unwrap_or_default());
    let columns = [
        Column::new("serial", tx(lang, "Заводской номер", "Serial")),
        Column::new("kind", tx(lang, "Тип", "Kind")),
        Column::new("installed", tx(lang, "Установлен", "Installed")),
        Column::new("due", tx(lang, "Поверка до", "Verification due")),
        Column::new("status", tx(lang, "Состояние", "Status")),
        Column::new("subscriber", tx(lang, "Абонент", "Subscriber")),
    ];
    let rows = meters
        .iter()
        .map(|m| {
            let due = m.verification_due.map_or_else(String::new, |d| {
                let text = crm_web::format::date(d);
                if d < today {
                    format!("{text} ({})", tx(lang, "истекла", "expired"))
                } else {
                    text
                }
            });
            vec![
                Cell::link(m.serial.clone(), card_href(&m.id)),
                Cell::text(kind_name(m.kind, lang == Lang::Ru)),
                Cell::text(crm_web::format::date(m.installed_on)),
                Cell::text(due),
                Cell::text(status_text(m.status, lang)),
                Cell::link(
                    tx(lang, "Карточка", "Card"),
                    crate::subscribers::pages::card_href(&m.subscriber_id),
                ),
            ]
        })
        .collect();
    let mut pager = Pager::new(chrome.t);
    if let Some(next) = &next {
        pager = pager.next(&base, next.as_str());
    }
    let table = DataTable::new(
        chrome.t,
        tx(lang, "Счётчики", "Meters"),
        &base,
        &columns,
        None,
    )
    .rows(rows)
    .empty(EmptyState::new(
        tx(lang, "Счётчиков не найдено", "No meters found"),
        tx(
            lang,
            "Счётчики регистрируют из карточки абонента.",
            "Meters are registered from a subscriber's card.",
        ),
    ))
    .pager(pager);
    let kinds = std::iter::once((String::new(), tx(lang, "Любой", "Any").to_owned()))
        .chain(MeterKind::ALL.iter().map(|k| {
            (
                k.code().to_owned(),
                kind_name(*k, lang == Lang::Ru).to_owned(),
            )
        }))
        .collect();
    let content = ListContent {
        choices: vec![
            choice(
                "kind",
                tx(lang, "Тип", "Kind"),
                params.kind.as_deref(),
                kinds,
            ),
            choice(
                "status",
                tx(lang, "Состояние", "Status"),
                params.status.as_deref(),
                vec![
                    ("active".into(), tx(lang, "Действующие", "Active").into()),
                    ("removed".into(), tx(lang, "Снятые", "Removed").into()),
                ],
            ),
            choice(
                "due",
                tx(lang, "Поверка", "Verification"),
                params.due.as_deref(),
                vec![
                    (String::new(), tx(lang, "Любая", "Any").into()),
                    (
                        "30".into(),
                        tx(lang, "В ближайшие 30 дней", "Due within 30 days").into(),
                    ),
                    (
                        "90".into(),
                        tx(lang, "В ближайшие 90 дней", "Due within 90 days").into(),
                    ),
                    (
                        "365".into(),
                        tx(lang, "В ближайший год", "Due within a year").into(),
                    ),
                    ("expired".into(), tx(lang, "Истекла", "Expired").into()),
                ],
            ),
        ],
        apply: chrome.t.apply_filter,
        reset: chrome.t.reset_filter,
        table,
        can_create: allows(&context, Resource::Meters, Action::Create),
        new_label: tx(lang, "Зарегистрировать счётчик", "Register a meter"),
        // The import pages need subscribers:create (see `crate::imports`); the file enters
        // readings, so readings:create too.
        can_import: allows(&context, Resource::Readings, Action::Create)
            && allows(&context, Resource::Subscribers, Action::Create),
        import_label: tx(
            lang,
            "Загрузить показания из файла",
            "Import readings from a file",
        ),
        note: due.map(|_| {
            tx(
                lang,
                "По сроку поверки показаны только действующие счётчики, от самых давних сроков.",
                "By verification date: active meters only, earliest first.",
            )
        }),
    };
    let chrome = tenant_chrome(chrome, &context, &services).await;
    Page::new(chrome, tx(lang, "Счётчики", "Meters"), content).into_response()
}

// ---------------------------------------------------------------------------------------------
// The card.

pub(crate) struct Fact {
    pub label: &'static str,
    pub value: String,
    pub href: Option<String>,
}

fn fact(label: &'static str, value: impl Into<String>) -> Fact {
    Fact {
        label,
        value: value.into(),
        href: None,
    }
}

/// The reading forms as submitted, with their errors (empty on a fresh card).
#[derive(Default)]
pub(crate) struct ReadingForms {
    pub date: String,
    pub values: Vec<String>,
    pub errors: FieldErrors,
    pub correct_date: String,
    pub correct_values: Vec<String>,
    pub correct_comment: String,
    pub correct_errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "meters/card.html")]
struct CardContent {
    facts: Vec<Fact>,
    status_class: &'static str,
    status_text: &'static str,
    active: bool,
    can_update: bool,
    can_delete: bool,
    can_replace: bool,
    can_enter: bool,
    can_correct: bool,
    edit_href: String,
    replace_href: String,
    remove_action: String,
    csrf: String,
    version: u64,
    today: String,
    chart: Option<String>,
    chart_empty: EmptyState,
    readings: DataTable,
    entry_summary: ErrorSummary,
    entry_action: String,
    check_action: String,
    entry_fields: Vec<Field>,
    correct_summary: ErrorSummary,
    correct_action: String,
    correct_fields: Vec<Field>,
    labels: CardLabels,
}

struct CardLabels {
    edit: &'static str,
    replace: &'static str,
    remove: &'static str,
    remove_on: &'static str,
    remove_confirm: &'static str,
    chart: &'static str,
    readings: &'static str,
    entry: &'static str,
    save_reading: &'static str,
    correct: &'static str,
    save_correction: &'static str,
    correct_hint: &'static str,
}

fn value_fields(
    t: &'static crm_web::i18n::Texts,
    kind: MeterKind,
    lang: Lang,
    prefix: &str,
    values: &[String],
    errors: &FieldErrors,
) -> Vec<Field> {
    zone_names(kind, lang == Lang::Ru)
        .into_iter()
        .enumerate()
        .map(|(n, name)| {
            Field::text(t, &format!("{prefix}_{n}"), name)
                .value(values.get(n).map_or("", String::as_str))
                .required()
                .errors(errors)
        })
        .collect()
}

fn reading_rows(rows: &[HistoryRow], lang: Lang) -> Vec<Vec<Cell>> {
    rows.iter()
        .map(|row| {
            let r = &row.reading;
            let flags = r
                .flags
                .iter()
                .map(|f| {
                    let reason = reasons::flag(f);
                    if lang == Lang::Ru {
                        reason.ru
                    } else {
                        reason.en
                    }
                })
                .collect::<Vec<_>>()
                .join("; ");
            vec![
                Cell::text(crm_web::format::date(r.date)),
                Cell::number(values_text(&r.values, lang)),
                Cell::text(format!(
                    "{} – {}",
                    crm_web::format::date(row.since),
                    crm_web::format::date(r.date)
                )),
                Cell::number(values_text(&row.consumption, lang)),
                Cell::text(source_text(r.source, lang)),
                Cell::number(r.version_no.to_string()),
                Cell::text(flags),
            ]
        })
        .collect()
}

fn source_text(source: crm_domain::meter::ReadingSource, lang: Lang) -> &'static str {
    use crm_domain::meter::ReadingSource as S;
    match source {
        S::Operator => tx(lang, "оператор", "operator"),
        S::Import => tx(lang, "импорт", "import"),
        S::Portal => tx(lang, "API / портал", "API / portal"),
        S::Estimated => tx(lang, "расчётное", "estimated"),
    }
}

/// The card of a loaded meter, with the reading forms as given.
pub(crate) async fn card_page(
    services: &Services,
    context: &RequestContext,
    chrome: Chrome,
    view: &MeterView,
    forms: &ReadingForms,
) -> Response {
    let lang = chrome.lang;
    let ru = lang == Lang::Ru;
    let Ok(tenant) = tenant_of(context) else {
        return Problem::not_found().into_response();
    };
    let db = services.db.tenant(&tenant);
    let m = &view.meter;
    let today = subscribers::today(services, &tenant).await;
    let service_name = match catalog::services::get(&db, &m.service_id).await {
        Ok(Some((s, _))) => s.name,
        _ => m.service_id.clone(),
    };
    let subscriber = subscribers::get(&db, &m.subscriber_id)
        .await
        .ok()
        .flatten()
        .map(|(s, _)| format!("{} — {}", s.account_number, s.display_name()))
        .unwrap_or_else(|| m.subscriber_id.clone());
    let mut facts = vec![
        fact(tx(lang, "Заводской номер", "Serial"), m.serial.clone()),
        fact(tx(lang, "Тип", "Kind"), kind_name(m.kind, ru)),
        Fact {
            href: Some(crate::subscribers::pages::card_href(&m.subscriber_id)),
            ..fact(tx(lang, "Абонент", "Subscriber"), subscriber)
        },
        fact(tx(lang, "Услуга", "Service"), service_name),
        fact(
            tx(lang, "Установлен", "Installed"),
            crm_web::format::date(m.installed_on),
        ),
        fact(
            tx(lang, "Начальные показания", "Initial reading"),
            values_text(&m.initial, lang),
        ),
        fact(tx(lang, "Разрядность", "Digits"), m.digits.to_string()),
        fact(
            tx(lang, "Коэффициент", "Multiplier"),
            number(&m.multiplier, lang),
        ),
        fact(
            tx(lang, "Поверка до", "Verification due"),
            m.verification_due.map_or_else(String::new, |d| {
                let text = crm_web::format::date(d);
                if d < today {
                    format!("{text} — {}", tx(lang, "истекла", "expired"))
                } else {
                    text
                }
            }),
        ),
        fact(
            tx(lang, "Пломба", "Seal"),
            m.seal.clone().unwrap_or_default(),
        ),
    ];
    if let Some(removed) = m.removed_on {
        facts.push(fact(
            tx(lang, "Снят", "Removed on"),
            crm_web::format::date(removed),
        ));
    }
    if let Some(by) = &m.replaced_by {
        facts.push(Fact {
            href: Some(card_href(by)),
            ..fact(
                tx(lang, "Заменён счётчиком", "Replaced by"),
                tx(lang, "новый счётчик", "the new meter"),
            )
        });
    }
    if let Some(old) = &m.replaces {
        facts.push(Fact {
            href: Some(card_href(old)),
            ..fact(
                tx(lang, "Заменил счётчик", "Replaces"),
                tx(lang, "прежний счётчик", "the old meter"),
            )
        });
    }
    let (first, last) = readings::recent_months(today, 12);
    let months = readings::by_month(m, &view.readings, first, last);
    let chart_title = tx(lang, "Расход по месяцам", "Consumption by month");
    let chart = if view.readings.is_empty() {
        None
    } else {
        chart::consumption_svg(&months, &zone_names(m.kind, ru), chart_title, ru)
    };
    let history = readings::history(m, &view.readings);
    let columns = [
        Column::new("date", tx(lang, "Дата", "Date")),
        Column::new("values", tx(lang, "Показания", "Values")).numeric(),
        Column::new("period", tx(lang, "Период", "Period")),
        Column::new("consumption", tx(lang, "Расход", "Consumption")).numeric(),
        Column::new("source", tx(lang, "Источник", "Source")),
        Column::new("version", tx(lang, "Версия", "Version")).numeric(),
        Column::new("flags", tx(lang, "На проверку", "For review")),
    ];
    let readings_table = DataTable::new(
        chrome.t,
        tx(lang, "Показания", "Readings"),
        &Link::new(card_href(&m.id)),
        &columns,
        None,
    )
    .rows(reading_rows(&history, lang))
    .empty(EmptyState::new(
        tx(lang, "Показаний пока нет", "No readings yet"),
        tx(
            lang,
            "Введите первое показание в форме ниже.",
            "Enter the first reading with the form below.",
        ),
    ));
    let t = chrome.t;
    let date_value = if forms.date.is_empty() {
        today.format("%Y-%m-%d").to_string()
    } else {
        forms.date.clone()
    };
    let mut entry_fields = vec![
        Field::input(
            t,
            "date",
            "date",
            tx(lang, "Дата показания", "Reading date"),
        )
        .value(date_value)
        .required()
        .errors(&forms.errors),
    ];
    entry_fields.extend(value_fields(
        t,
        m.kind,
        lang,
        "value",
        &forms.values,
        &forms.errors,
    ));
    let dates: Vec<SelectOption> = history
        .iter()
        .map(|r| {
            SelectOption::new(
                r.reading.date.format("%Y-%m-%d").to_string(),
                format!(
                    "{} ({})",
                    crm_web::format::date(r.reading.date),
                    values_text(&r.reading.values, lang)
                ),
            )
        })
        .collect();
    let mut correct_fields = vec![
        Field::select(
            t,
            "correct_date",
            tx(lang, "Показание за дату", "Reading of"),
            dates,
        )
        .value(&forms.correct_date)
        .required()
        .errors(&forms.correct_errors),
    ];
    correct_fields.extend(value_fields(
        t,
        m.kind,
        lang,
        "correct",
        &forms.correct_values,
        &forms.correct_errors,
    ));
    correct_fields.push(
        Field::text(
            t,
            "comment",
            tx(lang, "Причина исправления", "Why it is corrected"),
        )
        .value(&forms.correct_comment)
        .errors(&forms.correct_errors),
    );
    let active = m.status == MeterStatus::Active;
    let chrome = tenant_chrome(chrome, context, services).await;
    let content = CardContent {
        facts,
        status_class: if active {
            "bg-green-lt"
        } else {
            "bg-secondary-lt"
        },
        status_text: status_text(m.status, lang),
        active,
        can_update: allows(context, Resource::Meters, Action::Update),
        can_delete: allows(context, Resource::Meters, Action::Delete),
        can_replace: allows(context, Resource::Meters, Action::Create),
        can_enter: allows(context, Resource::Readings, Action::Create),
        can_correct: allows(context, Resource::Readings, Action::Update),
        edit_href: format!("{}/edit", card_href(&m.id)),
        replace_href: format!("{}/replace", card_href(&m.id)),
        remove_action: format!("{}/remove", card_href(&m.id)),
        csrf: chrome.csrf_token.clone(),
        version: view.version,
        today: today.format("%Y-%m-%d").to_string(),
        chart,
        chart_empty: EmptyState::new(
            tx(lang, "Пока нечего показать", "Nothing to show yet"),
            tx(
                lang,
                "График появится после первых показаний.",
                "The chart appears once readings are entered.",
            ),
        ),
        readings: readings_table,
        entry_summary: ErrorSummary::new(t, &forms.errors),
        entry_action: format!("{}/readings", card_href(&m.id)),
        check_action: format!("{}/readings/check", card_href(&m.id)),
        entry_fields,
        correct_summary: ErrorSummary::new(t, &forms.correct_errors),
        correct_action: format!("{}/readings/correct", card_href(&m.id)),
        correct_fields,
        labels: CardLabels {
            edit: tx(lang, "Изменить", "Edit"),
            replace: tx(lang, "Заменить", "Replace"),
            remove: tx(lang, "Снять", "Remove"),
            remove_on: tx(lang, "Дата снятия", "Removal date"),
            remove_confirm: tx(
                lang,
                "Снять счётчик? Показания сохранятся, новые после этой даты приниматься не будут.",
                "Remove the meter? Its readings stay; none are accepted after the date.",
            ),
            chart: chart_title,
            readings: tx(lang, "Показания", "Readings"),
            entry: tx(lang, "Новое показание", "New reading"),
            save_reading: tx(lang, "Сохранить показание", "Save the reading"),
            correct: tx(lang, "Исправить показание", "Correct a reading"),
            save_correction: tx(lang, "Сохранить исправление", "Save the correction"),
            correct_hint: tx(
                lang,
                "Прежнее значение сохранится как предыдущая версия.",
                "The previous value is kept as an earlier version.",
            ),
        },
    };
    let title = format!("{} {}", tx(lang, "Счётчик", "Meter"), m.serial);
    let status = if forms.errors.is_empty() && forms.correct_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, Page::new(chrome, title, content)).into_response()
}

async fn card(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
) -> Response {
    let tenant = match tenant_of(&context) {
        Ok(t) => t,
        Err(p) => return format.respond(p),
    };
    match registry::view(&services.db.tenant(&tenant), &id).await {
        Ok(Some(view)) => {
            card_page(&services, &context, chrome, &view, &ReadingForms::default()).await
        }
        Ok(None) => format.respond(Problem::not_found()),
        Err(e) => format.respond(Problem::from(e)),
    }
}

// ---------------------------------------------------------------------------------------------
// Registration and editing.

#[derive(Template)]
#[template(path = "meters/form.html")]
struct FormContent {
    summary: ErrorSummary,
    action: String,
    csrf: String,
    version: Option<u64>,
    fields: Vec<Field>,
    submit: &'static str,
    cancel: &'static str,
    cancel_href: String,
}

/// The form's submitted fields.
fn pairs_get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn input_from(pairs: &[(String, String)], kind: Option<MeterKind>) -> MeterInput {
    let get = |name: &str| pairs_get(pairs, name).map(str::to_owned);
    let kind_code = get("kind");
    let zones = kind_code
        .as_deref()
        .and_then(MeterKind::from_code)
        .or(kind)
        .map_or(1, MeterKind::value_count);
    let initial: Vec<String> = (0..zones)
        .map(|n| get(&format!("initial_{n}")).unwrap_or_default())
        .map(|v| {
            if v.trim().is_empty() {
                "0".to_owned()
            } else {
                v
            }
        })
        .collect();
    MeterInput {
        subscriber_id: get("subscriber_id"),
        service_id: get("service_id"),
        serial: get("serial"),
        kind: kind_code,
        installed_on: get("installed_on"),
        initial: Some(initial),
        digits: get("digits"),
        multiplier: get("multiplier"),
        verification_due: get("verification_due"),
        seal: get("seal"),
    }
}

/// The serial field's message when another meter of the tenant has the serial.
fn serial_taken(lang: Lang) -> FieldErrors {
    let mut errors = FieldErrors::new();
    errors.add(
        "serial",
        tx(
            lang,
            "Счётчик с таким заводским номером уже есть",
            "A meter with this serial number exists",
        ),
    );
    errors
}

fn errors_of(lang: Lang, invalid: &crm_app::validation::Invalid) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for (field, message) in invalid.messages(lang == Lang::Ru) {
        errors.add(field, message);
    }
    errors
}

async fn service_options(
    services: &Services,
    tenant: &crm_domain::TenantId,
    subscriber_id: &str,
) -> Vec<SelectOption> {
    let db = services.db.tenant(tenant);
    let Ok(links) = catalog::links::of_subscriber_with_services(&db, subscriber_id).await else {
        return Vec::new();
    };
    let mut options: Vec<SelectOption> = links
        .into_iter()
        .filter_map(|(_, s)| s)
        .filter(|s| s.kind.is_metered())
        .map(|s| SelectOption::new(s.id, s.name))
        .collect();
    options.dedup_by(|a, b| a.value == b.value);
    options
}

#[expect(clippy::too_many_arguments, reason = "the parts of one page")]
async fn render_form(
    services: &Services,
    context: &RequestContext,
    chrome: Chrome,
    pairs: &[(String, String)],
    errors: &FieldErrors,
    editing: Option<&MeterView>,
    action: String,
    cancel_href: String,
) -> Response {
    let lang = chrome.lang;
    let ru = lang == Lang::Ru;
    let t = chrome.t;
    let Ok(tenant) = tenant_of(context) else {
        return Problem::not_found().into_response();
    };
    let get = |name: &str| pairs_get(pairs, name).unwrap_or("").to_owned();
    let subscriber_id =
        editing.map_or_else(|| get("subscriber_id"), |v| v.meter.subscriber_id.clone());
    let kind = MeterKind::from_code(&get("kind"))
        .or(editing.map(|v| v.meter.kind))
        .unwrap_or(MeterKind::ColdWater);
    let kinds = MeterKind::ALL
        .iter()
        .map(|k| SelectOption::new(k.code(), kind_name(*k, ru)))
        .collect();
    let field = |name: &str, label: &'static str| {
        Field::text(t, name, label).value(get(name)).errors(errors)
    };
    let mut fields = Vec::new();
    if editing.is_none() {
        fields.push(
            Field::input(t, "hidden", "subscriber_id", "")
                .value(&subscriber_id)
                .errors(errors),
        );
    }
    fields.push(
        Field::select(
            t,
            "service_id",
            tx(lang, "Услуга", "Service"),
            service_options(services, &tenant, &subscriber_id).await,
        )
        .value(get("service_id"))
        .required()
        .hint(tx(
            lang,
            "Услуга по счётчику, подключённая абоненту",
            "A metered service linked to the subscriber",
        ))
        .errors(errors),
    );
    fields.push(field("serial", tx(lang, "Заводской номер", "Serial number")).required());
    fields.push(
        Field::select(t, "kind", tx(lang, "Тип", "Kind"), kinds)
            .value(kind.code())
            .required()
            .errors(errors),
    );
    fields.push(
        Field::input(
            t,
            "date",
            "installed_on",
            tx(lang, "Дата установки", "Installed on"),
        )
        .value(get("installed_on"))
        .required()
        .errors(errors),
    );
    for n in 0..3 {
        let label = match n {
            0 => tx(
                lang,
                "Начальное показание (Т1 / единственное)",
                "Initial reading (T1 / single)",
            ),
            1 => tx(lang, "Начальное показание Т2", "Initial reading T2"),
            _ => tx(lang, "Начальное показание Т3", "Initial reading T3"),
        };
        let name = format!("initial_{n}");
        fields.push(
            Field::text(t, &name, label)
                .value(get(&name))
                .hint(tx(
                    lang,
                    "Пусто — ноль; лишние зоны не учитываются",
                    "Empty is zero; extra zones are ignored",
                ))
                .errors(errors),
        );
    }
    fields.push(
        Field::input(
            t,
            "number",
            "digits",
            tx(lang, "Разрядность табло", "Dial digits"),
        )
        .value(if get("digits").is_empty() {
            "5".to_owned()
        } else {
            get("digits")
        })
        .errors(errors),
    );
    fields.push(
        Field::text(t, "multiplier", tx(lang, "Коэффициент", "Multiplier"))
            .value(if get("multiplier").is_empty() {
                "1".to_owned()
            } else {
                get("multiplier")
            })
            .errors(errors),
    );
    fields.push(
        Field::input(
            t,
            "date",
            "verification_due",
            tx(lang, "Поверка до", "Verification due"),
        )
        .value(get("verification_due"))
        .errors(errors),
    );
    fields.push(field("seal", tx(lang, "Номер пломбы", "Seal number")));
    let chrome = tenant_chrome(chrome, context, services).await;
    let content = FormContent {
        summary: ErrorSummary::new(t, errors),
        action,
        csrf: chrome.csrf_token.clone(),
        version: editing.map(|v| v.version),
        fields,
        submit: tx(lang, "Сохранить", "Save"),
        cancel: tx(lang, "Отмена", "Cancel"),
        cancel_href,
    };
    let title = if editing.is_some() {
        tx(lang, "Изменение счётчика", "Edit the meter")
    } else {
        tx(lang, "Новый счётчик", "New meter")
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, Page::new(chrome, title, content)).into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewParams {
    subscriber_id: Option<String>,
}

async fn new_form(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    Query(params): Query<NewParams>,
) -> Response {
    let subscriber_id = params.subscriber_id.unwrap_or_default();
    let pairs = vec![("subscriber_id".to_owned(), subscriber_id.clone())];
    let cancel = if subscriber_id.is_empty() {
        LIST.to_owned()
    } else {
        crate::subscribers::pages::card_href(&subscriber_id)
    };
    render_form(
        &services,
        &context,
        chrome,
        &pairs,
        &FieldErrors::new(),
        None,
        LIST.to_owned(),
        cancel,
    )
    .await
}

async fn create(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let lang = chrome.lang;
    let tenant = match tenant_of(&context) {
        Ok(t) => t,
        Err(p) => return format.respond(p),
    };
    let input = input_from(&pairs, None);
    let errors = match registry::create(&services, &tenant, &context.audit(), &input).await {
        Ok(meter) => {
            let flash = Flash::success(format!(
                "{} {}",
                tx(lang, "Счётчик зарегистрирован:", "Meter registered:"),
                meter.serial
            ));
            return FlashKeys::from_services(&services).redirect(
                &card_href(&meter.id),
                &flash,
                &headers,
            );
        }
        Err(MeterError::Invalid(invalid)) => errors_of(lang, &invalid),
        Err(MeterError::SerialTaken) => serial_taken(lang),
        Err(e) => return format.respond(super::problem(lang, e)),
    };
    let subscriber_id = pairs_get(&pairs, "subscriber_id").unwrap_or("").to_owned();
    render_form(
        &services,
        &context,
        chrome,
        &pairs,
        &errors,
        None,
        LIST.to_owned(),
        crate::subscribers::pages::card_href(&subscriber_id),
    )
    .await
}

fn pairs_of(meter: &MeterRecord) -> Vec<(String, String)> {
    let mut pairs = vec![
        ("service_id".to_owned(), meter.service_id.clone()),
        ("serial".to_owned(), meter.serial.clone()),
        ("kind".to_owned(), meter.kind.code().to_owned()),
        ("installed_on".to_owned(), meter.installed_on.to_string()),
        ("digits".to_owned(), meter.digits.to_string()),
        (
            "multiplier".to_owned(),
            meter.multiplier.normalize().to_string(),
        ),
        (
            "verification_due".to_owned(),
            meter
                .verification_due
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        ("seal".to_owned(), meter.seal.clone().unwrap_or_default()),
    ];
    for (n, v) in meter.initial.iter().enumerate() {
        pairs.push((format!("initial_{n}"), v.normalize().to_string()));
    }
    pairs
}

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

async fn edit_form(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
) -> Response {
    let view = match load(&services, &context, &id).await {
        Ok(v) => v,
        Err(p) => return format.respond(p),
    };
    render_form(
        &services,
        &context,
        chrome,
        &pairs_of(&view.meter),
        &FieldErrors::new(),
        Some(&view),
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
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let lang = chrome.lang;
    let view = match load(&services, &context, &id).await {
        Ok(v) => v,
        Err(p) => return format.respond(p),
    };
    let Ok(tenant) = tenant_of(&context) else {
        return format.respond(Problem::not_found());
    };
    let mut input = input_from(&pairs, Some(view.meter.kind));
    input.subscriber_id = None;
    let version = pairs_get(&pairs, "version").and_then(|v| v.trim().parse().ok());
    let errors = match registry::update(&services, &tenant, &context.audit(), &id, version, &input)
        .await
    {
        Ok(_) => {
            let flash = Flash::success(tx(lang, "Счётчик сохранён", "Meter saved"));
            return FlashKeys::from_services(&services).redirect(&card_href(&id), &flash, &headers);
        }
        Err(MeterError::Invalid(invalid)) => errors_of(lang, &invalid),
        Err(MeterError::SerialTaken) => serial_taken(lang),
        Err(e) => return format.respond(super::problem(lang, e)),
    };
    render_form(
        &services,
        &context,
        chrome,
        &pairs,
        &errors,
        Some(&view),
        card_href(&id),
        card_href(&id),
    )
    .await
}

async fn remove(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let lang = chrome.lang;
    let Ok(tenant) = tenant_of(&context) else {
        return format.respond(Problem::not_found());
    };
    let on = pairs_get(&pairs, "on")
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| parse_date(s).ok());
    let version = pairs_get(&pairs, "version").and_then(|v| v.trim().parse().ok());
    let keys = FlashKeys::from_services(&services);
    match registry::remove(&services, &tenant, &context.audit(), &id, version, on).await {
        Ok(_) => keys.redirect(
            &card_href(&id),
            &Flash::success(tx(lang, "Счётчик снят", "Meter removed")),
            &headers,
        ),
        Err(MeterError::Invalid(invalid)) => {
            let text = invalid
                .messages(lang == Lang::Ru)
                .into_iter()
                .map(|(_, m)| m)
                .collect::<Vec<_>>()
                .join("; ");
            keys.redirect(&card_href(&id), &Flash::error(text), &headers)
        }
        Err(e @ (MeterError::VersionMismatch | MeterError::Removed)) => {
            let p = super::problem(lang, e);
            keys.redirect(
                &card_href(&id),
                &Flash::error(p.detail.unwrap_or(p.title)),
                &headers,
            )
        }
        Err(e) => format.respond(super::problem(lang, e)),
    }
}

// ---------------------------------------------------------------------------------------------
// Replacement.

#[derive(Template)]
#[template(path = "meters/replace.html")]
struct ReplaceContent {
    summary: ErrorSummary,
    action: String,
    csrf: String,
    version: u64,
    old_fields: Vec<Field>,
    new_fields: Vec<Field>,
    old_heading: &'static str,
    new_heading: &'static str,
    note: &'static str,
    submit: &'static str,
    cancel: &'static str,
    cancel_href: String,
}

async fn render_replace(
    services: &Services,
    context: &RequestContext,
    chrome: Chrome,
    view: &MeterView,
    pairs: &[(String, String)],
    errors: &FieldErrors,
) -> Response {
    let lang = chrome.lang;
    let ru = lang == Lang::Ru;
    let t = chrome.t;
    let m = &view.meter;
    let get = |name: &str| pairs_get(pairs, name).unwrap_or("").to_owned();
    let mut old_fields = vec![
        Field::input(t, "date", "on", tx(lang, "Дата замены", "Replacement date"))
            .value(get("on"))
            .required()
            .errors(errors),
    ];
    for (n, name) in zone_names(m.kind, ru).into_iter().enumerate() {
        let field = format!("final_{n}");
        old_fields.push(
            Field::text(
                t,
                &field,
                format!(
                    "{} — {name}",
                    tx(lang, "Конечное показание", "Final reading")
                ),
            )
            .value(get(&field))
            .required()
            .errors(errors),
        );
    }
    let kinds = MeterKind::ALL
        .iter()
        .filter(|k| k.value_count() == m.kind.value_count())
        .map(|k| SelectOption::new(k.code(), kind_name(*k, ru)))
        .collect();
    let mut new_fields = vec![
        Field::text(
            t,
            "serial",
            tx(lang, "Заводской номер нового", "New serial number"),
        )
        .value(get("serial"))
        .required()
        .errors(errors),
        Field::select(t, "kind", tx(lang, "Тип", "Kind"), kinds)
            .value(if get("kind").is_empty() {
                m.kind.code().to_owned()
            } else {
                get("kind")
            })
            .errors(errors),
    ];
    for (n, name) in zone_names(m.kind, ru).into_iter().enumerate() {
        let field = format!("initial_{n}");
        new_fields.push(
            Field::text(
                t,
                &field,
                format!(
                    "{} — {name}",
                    tx(lang, "Начальное показание", "Initial reading")
                ),
            )
            .value(get(&field))
            .hint(tx(lang, "Пусто — ноль", "Empty is zero"))
            .errors(errors),
        );
    }
    new_fields.push(
        Field::input(
            t,
            "number",
            "digits",
            tx(lang, "Разрядность табло", "Dial digits"),
        )
        .value(if get("digits").is_empty() {
            m.digits.to_string()
        } else {
            get("digits")
        })
        .errors(errors),
    );
    new_fields.push(
        Field::text(t, "multiplier", tx(lang, "Коэффициент", "Multiplier"))
            .value(if get("multiplier").is_empty() {
                m.multiplier.normalize().to_string()
            } else {
                get("multiplier")
            })
            .errors(errors),
    );
    new_fields.push(
        Field::input(
            t,
            "date",
            "verification_due",
            tx(lang, "Поверка до", "Verification due"),
        )
        .value(get("verification_due"))
        .errors(errors),
    );
    new_fields.push(
        Field::text(t, "seal", tx(lang, "Номер пломбы", "Seal number"))
            .value(get("seal"))
            .errors(errors),
    );
    let chrome = tenant_chrome(chrome, context, services).await;
    let content = ReplaceContent {
        summary: ErrorSummary::new(t, errors),
        action: format!("{}/replace", card_href(&m.id)),
        csrf: chrome.csrf_token.clone(),
        version: view.version,
        old_fields,
        new_fields,
        old_heading: tx(lang, "Снимаемый счётчик", "The meter taken off"),
        new_heading: tx(lang, "Новый счётчик", "The new meter"),
        note: tx(
            lang,
            "Расход старого счётчика считается до конечного показания, нового — от начального в день замены.",
            "The old meter's consumption runs to its final reading, the new one's from its initial reading on the same day.",
        ),
        submit: tx(lang, "Заменить счётчик", "Replace the meter"),
        cancel: tx(lang, "Отмена", "Cancel"),
        cancel_href: card_href(&m.id),
    };
    let title = format!(
        "{} {}",
        tx(lang, "Замена счётчика", "Replacing meter"),
        m.serial
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, Page::new(chrome, title, content)).into_response()
}

async fn replace_form(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
) -> Response {
    let view = match load(&services, &context, &id).await {
        Ok(v) => v,
        Err(p) => return format.respond(p),
    };
    let Ok(tenant) = tenant_of(&context) else {
        return format.respond(Problem::not_found());
    };
    let today: NaiveDate = subscribers::today(&services, &tenant).await;
    let pairs = vec![("on".to_owned(), today.to_string())];
    render_replace(
        &services,
        &context,
        chrome,
        &view,
        &pairs,
        &FieldErrors::new(),
    )
    .await
}

async fn replace_save(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let lang = chrome.lang;
    let view = match load(&services, &context, &id).await {
        Ok(v) => v,
        Err(p) => return format.respond(p),
    };
    let Ok(tenant) = tenant_of(&context) else {
        return format.respond(Problem::not_found());
    };
    let get = |name: &str| pairs_get(&pairs, name).unwrap_or("").to_owned();
    let zones = view.meter.kind.value_count();
    let mut new_meter = input_from(&pairs, Some(view.meter.kind));
    new_meter.subscriber_id = None;
    new_meter.service_id = None;
    new_meter.installed_on = None;
    if new_meter
        .verification_due
        .as_deref()
        .is_some_and(|v| v.trim().is_empty())
    {
        new_meter.verification_due = None;
    }
    let replacement = Replacement {
        on: get("on"),
        final_values: (0..zones).map(|n| get(&format!("final_{n}"))).collect(),
        new_meter,
    };
    let version = pairs_get(&pairs, "version").and_then(|v| v.trim().parse().ok());
    let errors = match replace(
        &services,
        &tenant,
        &context.audit(),
        &id,
        version,
        &replacement,
    )
    .await
    {
        Ok((_, new)) => {
            let flash = Flash::success(format!(
                "{} {}",
                tx(
                    lang,
                    "Счётчик заменён; новый:",
                    "Meter replaced; the new one:"
                ),
                new.serial
            ));
            return FlashKeys::from_services(&services).redirect(
                &card_href(&new.id),
                &flash,
                &headers,
            );
        }
        Err(MeterError::Invalid(invalid)) => errors_of(lang, &invalid),
        Err(MeterError::SerialTaken) => serial_taken(lang),
        Err(e) => return format.respond(super::problem(lang, e)),
    };
    render_replace(&services, &context, chrome, &view, &pairs, &errors).await
}

// ---------------------------------------------------------------------------------------------
// The subscriber card's meters.

/// One meter on the subscriber card, with its last reading.
pub(crate) struct MeterLine {
    pub serial: String,
    pub href: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub active: bool,
    pub last: String,
}

/// The subscriber's meters (active first) with their last readings: one query of its
/// partition.
pub(crate) async fn subscriber_meter_lines(
    db: &crm_app::store::ScopedDb,
    subscriber_id: &str,
    lang: Lang,
) -> Result<Vec<MeterLine>, crm_app::store::StoreError> {
    let found = crm_app::meters::records::subscriber_meters(db, subscriber_id).await?;
    let mut lines: Vec<MeterLine> = found
        .meters
        .iter()
        .map(|(m, _)| {
            let last = found
                .readings_of(&m.id)
                .last()
                .map(|r| {
                    format!(
                        "{}: {}",
                        crm_web::format::date(r.date),
                        values_text(&r.values, lang)
                    )
                })
                .unwrap_or_else(|| tx(lang, "показаний нет", "no readings").to_owned());
            MeterLine {
                serial: m.serial.clone(),
                href: card_href(&m.id),
                kind: kind_name(m.kind, lang == Lang::Ru),
                status: status_text(m.status, lang),
                active: m.status == MeterStatus::Active,
                last,
            }
        })
        .collect();
    lines.sort_by(|a, b| {
        b.active
            .cmp(&a.active)
            .then_with(|| a.serial.cmp(&b.serial))
    });
    Ok(lines)
}

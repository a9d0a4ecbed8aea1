//! `/central/tenants` (the list) and `/central/tenants/{id}` (a tenant's card).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use crm_app::Services;
use crm_app::domains::{self, verification_name, verification_value};
use crm_app::settings;
use crm_app::store::Cursor;
use crm_app::tenancy::{DomainKind, TenantStatus};
use crm_app::tenants::{self, ExportStatus, TenantRecord};
use crm_domain::access::CentralPermission;
use crm_domain::tenant_profile::TimeZoneName;
use crm_web::access::RequestContext;
use crm_web::error_page::ErrorFormat;
use crm_web::extract::Query;
use crm_web::format;
use crm_web::i18n::Texts;
use crm_web::problem::Problem;
use crm_web::ui::{
    Cell, Chrome, Column, DataTable, EmptyState, Field, FieldErrors, Link, Page, Pager, Sort,
    SortDir,
};

use super::api::{parse_status, tenant_query};
use super::api_types::ListParams;
use super::texts::TenantTexts;
use super::web::{LIST_PATH, card_path, chrome as central_chrome, texts};

// ---- the list -------------------------------------------------------------------------------

pub struct StatusOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "central/tenants_list.html")]
pub struct TenantList {
    pub tt: &'static TenantTexts,
    pub can_manage: bool,
    pub q: String,
    pub sort: String,
    pub dir: String,
    pub statuses: Vec<StatusOption>,
    pub filtered: bool,
    pub table: DataTable,
}

fn moscow_date(at: DateTime<Utc>) -> String {
    format::date_in(at, TimeZoneName::moscow().tz())
}

pub async fn list(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Query(params): Query<ListParams>,
) -> Response {
    let (t, lang) = (chrome.t, chrome.lang);
    let tt = texts(lang);
    let query = match tenant_query(&params) {
        Ok(query) => query,
        Err(unknown) => return format.respond(unknown.into()),
    };
    let columns = [
        Column::new("name", tt.col_name).sortable(),
        Column::new("id", tt.col_id),
        Column::new("inn", tt.col_inn),
        Column::new("status", tt.col_status),
        Column::new("created", tt.col_created).sortable(),
    ];
    let sort = Sort::from_query(
        params.sort.as_deref(),
        params.dir.as_deref(),
        &columns,
        "name",
    );
    let q = params.q.clone().unwrap_or_default();
    let status = params.status.clone().unwrap_or_default();
    let base = Link::new(LIST_PATH)
        .with("q", q.trim())
        .with("status", &status)
        .with("sort", &sort.column)
        .with("dir", sort.dir.as_str());
    let cursor = params
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(Cursor::from_client);
    let page = match tenants::list(&services.db, &query, cursor.as_ref()).await {
        Ok(page) => page,
        Err(e) => return format.respond(Problem::from(e)),
    };
    let rows = page
        .tenants
        .iter()
        .map(|s| {
            vec![
                Cell::link(&s.name, card_path(&s.id)),
                Cell::text(s.id.as_str()),
                Cell::text(&s.inn),
                Cell::text((tt.statuses)(s.status)),
                Cell::text(moscow_date(s.created_at)),
            ]
        })
        .collect();
    let filtered = !q.trim().is_empty() || !status.is_empty();
    let empty = if filtered {
        EmptyState::new(tt.no_match_title, tt.no_match_text)
    } else {
        EmptyState::new(tt.empty_title, tt.empty_text)
            .action(tt.add_tenant, format!("{LIST_PATH}/new"))
    };
    let mut pager = Pager::new(t);
    if cursor.is_some() {
        // Store cursors only go forward: "back" returns to the first page.
        pager = pager.prev(&base, None);
    }
    if let Some(next) = &page.next {
        pager = pager.next(&base, next.as_str());
    }
    let table = DataTable::new(t, tt.list_caption, &base, &columns, Some(&sort))
        .rows(rows)
        .empty(empty)
        .pager(pager);
    let statuses = [
        TenantStatus::Active,
        TenantStatus::Suspended,
        TenantStatus::Closing,
        TenantStatus::Closed,
    ]
    .into_iter()
    .map(|s| StatusOption {
        value: tenants::status_name(s),
        label: (tt.statuses)(s),
        selected: parse_status(&status) == Some(s),
    })
    .collect();
    let can_manage = ctx
        .principal
        .as_ref()
        .is_some_and(|p| p.allows_central(CentralPermission::ManageTenants));
    let content = TenantList {
        tt,
        can_manage,
        q,
        sort: sort.column.clone(),
        dir: match sort.dir {
            SortDir::Asc => "asc",
            SortDir::Desc => "desc",
        }
        .to_owned(),
        statuses,
        filtered,
        table,
    };
    Page::new(central_chrome(chrome, &ctx), tt.list_title, content).into_response()
}

// ---- the card -------------------------------------------------------------------------------

/// A label and a value, for definition lists.
pub struct Row {
    pub label: &'static str,
    pub value: String,
}

fn row(label: &'static str, value: impl Into<String>) -> Row {
    Row {
        label,
        value: value.into(),
    }
}

pub struct Panel {
    pub key: &'static str,
    pub heading: &'static str,
    pub rows: Vec<Row>,
}

pub struct DomainRow {
    pub host: String,
    pub kind: &'static str,
    pub verified: bool,
    pub custom: bool,
    pub record_name: String,
    pub record_value: String,
    pub verify_action: String,
    pub remove_action: String,
}

#[derive(Template)]
#[template(path = "central/tenant_card.html")]
pub struct TenantCard {
    pub tt: &'static TenantTexts,
    pub id: String,
    pub tab: &'static str,
    pub csrf: String,
    pub can_manage: bool,
    pub can_manage_domains: bool,
    pub status: &'static str,
    pub status_class: &'static str,
    pub status_notes: Vec<String>,
    pub can_suspend: bool,
    pub can_reactivate: bool,
    pub can_close: bool,
    pub can_purge: bool,
    pub can_export: bool,
    pub panels: Vec<Panel>,
    pub export_note: String,
    pub export_ready: bool,
    /// Whether an export was ever asked for (the button says "again").
    pub exported_before: bool,
    pub domains: Vec<DomainRow>,
    pub action_fields: ActionFields,
}

/// The fields of the status action forms, with errors from a refused submission.
pub struct ActionFields {
    pub suspend_reason: Field,
    pub close_reason: Field,
    pub grace_days: Field,
    pub close_confirm: Field,
    pub purge_confirm: Field,
    pub host: Field,
}

impl ActionFields {
    pub fn new(t: &'static Texts, tt: &'static TenantTexts, errors: &FieldErrors) -> Self {
        Self {
            suspend_reason: Field::textarea(t, "reason", tt.f_reason)
                .required()
                .errors(errors),
            close_reason: Field::textarea(t, "close_reason", tt.f_reason)
                .required()
                .errors(errors),
            grace_days: Field::input(t, "number", "grace_days", tt.f_grace_days)
                .value(tenants::DEFAULT_GRACE_DAYS.to_string())
                .hint(tt.f_grace_hint)
                .errors(errors),
            close_confirm: Field::checkbox(t, "confirm", tt.confirm_close, false)
                .required()
                .errors(errors),
            purge_confirm: Field::checkbox(t, "purge_confirm", tt.confirm_purge, false)
                .required()
                .errors(errors),
            host: Field::text(t, "host", tt.d_f_host)
                .hint(tt.d_f_host_hint)
                .required()
                .errors(errors),
        }
    }
}

#[derive(serde::Deserialize, Default)]
pub struct CardParams {
    pub tab: Option<String>,
}

pub async fn card(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
    Query(params): Query<CardParams>,
) -> Response {
    let tab = if params.tab.as_deref() == Some("domains") {
        "domains"
    } else {
        "profile"
    };
    match card_page(&services, &ctx, chrome, &id, tab, &FieldErrors::new()).await {
        Ok(page) => page.into_response(),
        Err(problem) => format.respond(problem),
    }
}

/// The card page; `errors` are those of a refused action form, shown beside its fields.
pub async fn card_page(
    services: &Services,
    ctx: &RequestContext,
    chrome: Chrome,
    raw_id: &str,
    tab: &'static str,
    errors: &FieldErrors,
) -> Result<Page<TenantCard>, Problem> {
    let id = super::web::path_id(raw_id)?;
    let record = tenants::get(&services.db, &id)
        .await?
        .ok_or_else(Problem::not_found)?;
    let (t, lang) = (chrome.t, chrome.lang);
    let tt = texts(lang);
    let allows = |p| {
        ctx.principal
            .as_ref()
            .is_some_and(|pr| pr.allows_central(p))
    };
    let now = services.clock.now();
    let domain_rows = domains::list(&services.db, &id)
        .await?
        .into_iter()
        .map(|d| DomainRow {
            kind: match d.kind {
                DomainKind::Subdomain => tt.d_subdomain,
                DomainKind::Custom => tt.d_custom,
            },
            custom: d.kind == DomainKind::Custom,
            verified: d.verified,
            record_name: verification_name(&d.host),
            record_value: verification_value(d.verification_token.as_deref().unwrap_or("")),
            verify_action: format!("{}/domains/{}/verify", card_path(&id), d.host),
            remove_action: format!("{}/domains/{}/remove", card_path(&id), d.host),
            host: d.host,
        })
        .collect();
    let (settings, _) = settings::load(&services.db, &id).await?;
    let chrome = central_chrome(chrome, ctx);
    let content = TenantCard {
        tt,
        id: id.to_string(),
        tab,
        csrf: chrome.csrf_token.clone(),
        can_manage: allows(CentralPermission::ManageTenants),
        can_manage_domains: allows(CentralPermission::ManageDomains),
        status: (tt.statuses)(record.status),
        status_class: match record.status {
            TenantStatus::Active => "bg-green-lt",
            TenantStatus::Suspended => "bg-yellow-lt",
            TenantStatus::Closing => "bg-orange-lt",
            TenantStatus::Closed => "bg-secondary-lt",
        },
        status_notes: status_notes(&record, tt, now),
        can_suspend: record.status == TenantStatus::Active,
        can_reactivate: record.status == TenantStatus::Suspended
            || (record.status == TenantStatus::Closing
                && record
                    .closing
                    .as_ref()
                    .is_some_and(|c| now < c.grace_ends_at)),
        can_close: matches!(
            record.status,
            TenantStatus::Active | TenantStatus::Suspended
        ),
        can_purge: record.status == TenantStatus::Closing
            && record
                .closing
                .as_ref()
                .is_some_and(|c| now >= c.grace_ends_at && c.purge_requested_at.is_none())
            && record
                .export
                .as_ref()
                .is_some_and(|e| e.status == ExportStatus::Ready),
        can_export: record.status != TenantStatus::Closed,
        panels: vec![
            Panel {
                key: "requisites",
                heading: tt.h_requisites,
                rows: requisites_rows(&record, tt),
            },
            Panel {
                key: "contacts",
                heading: tt.h_contacts,
                rows: vec![
                    row(tt.f_email, record.contacts.email.to_string()),
                    row(
                        tt.f_phone,
                        record
                            .contacts
                            .phone
                            .as_ref()
                            .map_or(tt.none.to_owned(), ToString::to_string),
                    ),
                ],
            },
            Panel {
                key: "profile",
                heading: tt.h_profile,
                rows: vec![
                    row(tt.f_tax_regime, (tt.regimes)(record.tax_regime)),
                    row(tt.f_time_zone, record.time_zone.to_string()),
                    row(tt.f_currency, record.currency.to_string()),
                    row(tt.f_locale, (tt.locales)(record.locale)),
                    row(
                        tt.f_max_subscribers,
                        record.limits.max_subscribers.to_string(),
                    ),
                    row(tt.f_max_users, record.limits.max_users.to_string()),
                    row(
                        tt.col_created,
                        format::date_time(record.created_at, record.time_zone.tz()),
                    ),
                ],
            },
            Panel {
                key: "settings",
                heading: tt.h_settings,
                rows: settings_rows(&settings, tt, now),
            },
        ],
        export_note: export_note(&record, tt),
        export_ready: record
            .export
            .as_ref()
            .is_some_and(|e| e.status == ExportStatus::Ready),
        exported_before: record.export.is_some(),
        domains: domain_rows,
        action_fields: ActionFields::new(t, tt, errors),
    };
    Ok(Page::new(chrome, record.name.clone(), content))
}

fn requisites_rows(record: &TenantRecord, tt: &TenantTexts) -> Vec<Row> {
    let r = &record.requisites;
    let opt = |v: Option<String>| v.unwrap_or_else(|| tt.none.to_owned());
    let bank = r.bank.as_ref();
    vec![
        row(tt.f_inn, r.inn.to_string()),
        row(tt.f_kpp, opt(r.kpp.as_ref().map(ToString::to_string))),
        row(tt.f_registration_number, r.registration_number.to_string()),
        row(tt.f_legal_address, r.legal_address.clone()),
        row(tt.f_bik, opt(bank.map(|b| b.bik().to_string()))),
        row(
            tt.f_correspondent_account,
            opt(bank.map(|b| b.correspondent_account().to_string())),
        ),
        row(
            tt.f_settlement_account,
            opt(bank.map(|b| b.settlement_account().to_string())),
        ),
    ]
}

fn status_notes(record: &TenantRecord, tt: &TenantTexts, now: DateTime<Utc>) -> Vec<String> {
    let tz = record.time_zone.tz();
    let mut notes = Vec::new();
    if let (TenantStatus::Suspended, Some(reason)) = (record.status, &record.status_reason) {
        notes.push((tt.suspended_because)(reason));
    }
    if let Some(closing) = record
        .closing
        .as_ref()
        .filter(|_| record.status == TenantStatus::Closing)
    {
        notes.push((tt.closing_since)(
            &format::date_time(closing.requested_at, tz),
            &format::date_time(closing.grace_ends_at, tz),
            &closing.reason,
        ));
        if now >= closing.grace_ends_at {
            notes.push(tt.grace_over.to_owned());
        }
        if let Some(at) = closing.purge_requested_at {
            notes.push((tt.purge_requested)(&format::date_time(at, tz)));
        }
    }
    if let Some(at) = record.purged_at {
        notes.push((tt.purged_at)(&format::date_time(at, tz)));
    }
    notes
}

fn export_note(record: &TenantRecord, tt: &TenantTexts) -> String {
    match &record.export {
        None => tt.export_none.to_owned(),
        Some(export) => match (export.status, export.finished_at) {
            (ExportStatus::Ready, Some(at)) => (tt.export_ready)(
                export.items.unwrap_or(0),
                &format::date_time(at, record.time_zone.tz()),
            ),
            _ => tt.export_pending.to_owned(),
        },
    }
}

fn settings_rows(
    settings: &settings::TenantSettings,
    tt: &TenantTexts,
    now: DateTime<Utc>,
) -> Vec<Row> {
    use chrono::Datelike;
    let b = &settings.branding;
    let n = &settings.notifications;
    vec![
        row(
            tt.s_display_name,
            b.display_name.clone().unwrap_or_else(|| tt.none.to_owned()),
        ),
        row(
            tt.s_accent,
            b.accent_colour
                .as_ref()
                .map_or(tt.none.to_owned(), ToString::to_string),
        ),
        row(tt.s_logo, if b.logo.is_some() { tt.yes } else { tt.no }),
        row(
            tt.s_numbering,
            settings.invoice_numbering.preview(now.year()),
        ),
        row(
            tt.s_payments,
            (tt.s_due_day)(settings.payments.due_day.day()),
        ),
        row(
            tt.s_readings,
            (tt.s_reading_window)(
                settings.meter_readings.from_day(),
                settings.meter_readings.to_day(),
            ),
        ),
        row(
            tt.s_email_from,
            n.email_from_name
                .clone()
                .unwrap_or_else(|| tt.none.to_owned()),
        ),
        row(
            tt.s_sms_sender,
            n.sms_sender
                .as_ref()
                .map_or(tt.none.to_owned(), ToString::to_string),
        ),
    ]
}

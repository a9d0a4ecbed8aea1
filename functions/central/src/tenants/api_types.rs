//! Request and response bodies of the tenants API, as documented in OpenAPI.

use chrono::{DateTime, Utc};
use crm_app::domains::{verification_name, verification_value};
use crm_app::tenancy::{DomainKind, DomainRecord};
use crm_app::tenants::{ExportStatus, TenantInput, TenantRecord, TenantSummary, status_name};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A tenant's fields. On create every required field must be given; on patch only the fields
/// to change (with `version`). Empty text clears an optional field (`kpp`, `phone`, bank).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantBody {
    /// Create only: the slug, which becomes `<id>.<platform domain>`.
    #[schema(example = "rassvet")]
    pub id: Option<String>,
    #[schema(example = "ТСЖ «Рассвет»")]
    pub name: Option<String>,
    #[schema(example = "7707083893")]
    pub inn: Option<String>,
    #[schema(example = "773601001")]
    pub kpp: Option<String>,
    /// ОГРН (13 digits) or ОГРНИП (15 digits), matching the kind of ИНН.
    #[schema(example = "1027700132195")]
    pub registration_number: Option<String>,
    pub legal_address: Option<String>,
    #[schema(example = "044525225")]
    pub bik: Option<String>,
    #[schema(example = "30101810400000000225")]
    pub correspondent_account: Option<String>,
    #[schema(example = "40702810938000012345")]
    pub settlement_account: Option<String>,
    pub email: Option<String>,
    /// Russian or international; stored as E.164.
    pub phone: Option<String>,
    /// IANA name; default `Europe/Moscow`.
    pub time_zone: Option<String>,
    /// ISO 4217; default `RUB`.
    pub currency: Option<String>,
    /// `ru` (default) or `en`.
    pub locale: Option<String>,
    /// `general_vat`, `simplified6`, `simplified15`, `simplified_vat5`, `simplified_vat7`,
    /// `vat_exempt_utility_reseller`.
    pub tax_regime: Option<String>,
    pub max_subscribers: Option<u32>,
    pub max_users: Option<u32>,
    /// Patch only: the version read; a newer one answers 409.
    pub version: Option<u64>,
}

impl TenantBody {
    /// The given fields over `base` (empty for create, the current record for patch).
    pub fn over(&self, mut base: TenantInput) -> TenantInput {
        let fields: [(&Option<String>, &mut String); 14] = [
            (&self.name, &mut base.name),
            (&self.inn, &mut base.inn),
            (&self.kpp, &mut base.kpp),
            (&self.registration_number, &mut base.registration_number),
            (&self.legal_address, &mut base.legal_address),
            (&self.bik, &mut base.bik),
            (&self.correspondent_account, &mut base.correspondent_account),
            (&self.settlement_account, &mut base.settlement_account),
            (&self.email, &mut base.email),
            (&self.phone, &mut base.phone),
            (&self.time_zone, &mut base.time_zone),
            (&self.currency, &mut base.currency),
            (&self.locale, &mut base.locale),
            (&self.tax_regime, &mut base.tax_regime),
        ];
        for (given, field) in fields {
            if let Some(value) = given {
                value.clone_into(field);
            }
        }
        if let Some(n) = self.max_subscribers {
            base.max_subscribers = n.to_string();
        }
        if let Some(n) = self.max_users {
            base.max_users = n.to_string();
        }
        base
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendBody {
    /// Why; shown on the tenant's card and kept in the audit log.
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    pub reason: String,
    /// Days the data is kept before it may be purged; default 30, at most 365.
    pub grace_days: Option<u32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddDomainBody {
    #[schema(example = "lk.vodokanal.ru")]
    pub host: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `active`, `suspended`, `closing` or `closed`; all when absent.
    pub status: Option<String>,
    /// `name` (default) or `created`. A search always sorts by name.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    pub dir: Option<String>,
    /// Names starting with this (case-insensitive).
    pub q: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1..=200, default 25.
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantListView {
    pub items: Vec<TenantSummaryView>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantSummaryView {
    pub id: String,
    pub name: String,
    pub status: String,
    pub inn: String,
    pub created_at: DateTime<Utc>,
}

impl From<TenantSummary> for TenantSummaryView {
    fn from(s: TenantSummary) -> Self {
        Self {
            id: s.id.to_string(),
            name: s.name,
            status: status_name(s.status).to_owned(),
            inn: s.inn,
            created_at: s.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantView {
    pub id: String,
    pub name: String,
    /// `active`, `suspended`, `closing`, `closed`.
    pub status: String,
    pub status_reason: Option<String>,
    pub requisites: RequisitesView,
    pub contacts: ContactsView,
    pub time_zone: String,
    pub currency: String,
    pub locale: String,
    pub tax_regime: String,
    pub limits: LimitsView,
    pub closing: Option<ClosingView>,
    pub export: Option<ExportView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub purged_at: Option<DateTime<Utc>>,
    /// Send back with a patch.
    pub version: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequisitesView {
    pub inn: String,
    pub kpp: Option<String>,
    pub registration_number: String,
    pub legal_address: String,
    pub bik: Option<String>,
    pub correspondent_account: Option<String>,
    pub settlement_account: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactsView {
    pub email: String,
    pub phone: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LimitsView {
    pub max_subscribers: u32,
    pub max_users: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClosingView {
    pub requested_at: DateTime<Utc>,
    pub grace_ends_at: DateTime<Utc>,
    pub reason: String,
    pub purge_requested_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportView {
    pub id: String,
    /// `pending` or `ready`.
    pub status: String,
    pub requested_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub items: Option<u64>,
}

impl From<&TenantRecord> for TenantView {
    fn from(r: &TenantRecord) -> Self {
        let q = &r.requisites;
        let bank = q.bank.as_ref();
        Self {
            id: r.id.to_string(),
            name: r.name.clone(),
            status: status_name(r.status).to_owned(),
            status_reason: r.status_reason.clone(),
            requisites: RequisitesView {
                inn: q.inn.to_string(),
                kpp: q.kpp.as_ref().map(ToString::to_string),
                registration_number: q.registration_number.to_string(),
                legal_address: q.legal_address.clone(),
                bik: bank.map(|b| b.bik().to_string()),
                correspondent_account: bank.map(|b| b.correspondent_account().to_string()),
                settlement_account: bank.map(|b| b.settlement_account().to_string()),
            },
            contacts: ContactsView {
                email: r.contacts.email.to_string(),
                phone: r.contacts.phone.as_ref().map(ToString::to_string),
            },
            time_zone: r.time_zone.to_string(),
            currency: r.currency.to_string(),
            locale: r.locale.as_str().to_owned(),
            tax_regime: r.tax_regime.as_str().to_owned(),
            limits: LimitsView {
                max_subscribers: r.limits.max_subscribers,
                max_users: r.limits.max_users,
            },
            closing: r.closing.as_ref().map(|c| ClosingView {
                requested_at: c.requested_at,
                grace_ends_at: c.grace_ends_at,
                reason: c.reason.clone(),
                purge_requested_at: c.purge_requested_at,
            }),
            export: r.export.as_ref().map(|e| ExportView {
                id: e.id.clone(),
                status: match e.status {
                    ExportStatus::Pending => "pending",
                    ExportStatus::Ready => "ready",
                }
                .to_owned(),
                requested_at: e.requested_at,
                finished_at: e.finished_at,
                items: e.items,
            }),
            created_at: r.created_at,
            updated_at: r.updated_at,
            purged_at: r.purged_at,
            version: r.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DomainView {
    pub host: String,
    /// `subdomain` or `custom`.
    pub kind: String,
    pub verified: bool,
    /// The TXT record that verifies a custom domain, while it is unverified.
    pub verification: Option<VerificationView>,
    pub created_at: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationView {
    #[schema(example = "TXT")]
    pub record_type: String,
    #[schema(example = "_crm-verify.lk.vodokanal.ru")]
    pub name: String,
    #[schema(example = "crm-verify=Zx8...")]
    pub value: String,
}

impl From<&DomainRecord> for DomainView {
    fn from(d: &DomainRecord) -> Self {
        Self {
            host: d.host.clone(),
            kind: match d.kind {
                DomainKind::Subdomain => "subdomain",
                DomainKind::Custom => "custom",
            }
            .to_owned(),
            verified: d.verified,
            verification: match (&d.verification_token, d.verified) {
                (Some(token), false) => Some(VerificationView {
                    record_type: "TXT".to_owned(),
                    name: verification_name(&d.host),
                    value: verification_value(token),
                }),
                _ => None,
            },
            created_at: d.created_at,
            verified_at: d.verified_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DomainListView {
    pub items: Vec<DomainView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportLinkView {
    /// Valid for `expires_in_seconds`.
    pub url: String,
    pub expires_in_seconds: u64,
}

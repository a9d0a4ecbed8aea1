//! The JSON shapes of the subscriber API and their conversions.

use chrono::{DateTime, Utc};
use crm_app::audit::AuditRecord;
use crm_app::subscribers::Subscriber;
use crm_app::subscribers::search::{SearchRequest, SortOrder};
use crm_domain::subscriber::search::SearchField;
use crm_domain::subscriber::{Address, BillingMode, Party, SubscriberInput, SubscriberStatus};
use crm_web::problem::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AddressBody {
    pub postcode: Option<String>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub street: Option<String>,
    pub house: Option<String>,
    pub building: Option<String>,
    pub flat: Option<String>,
}

/// A subscriber to create, or the fields to change (absent fields stay as they are; an empty
/// string clears an optional field).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SubscriberBody {
    /// Creation only; blank or absent: generated from the tenant's pattern.
    #[schema(example = "ЛС-000123")]
    pub account_number: Option<String>,
    /// `person` (default) or `organisation`.
    pub kind: Option<String>,
    pub surname: Option<String>,
    /// A person's first name.
    pub name: Option<String>,
    pub patronymic: Option<String>,
    pub organisation_name: Option<String>,
    pub inn: Option<String>,
    pub kpp: Option<String>,
    /// Any Russian notation (`8 912 345-67-89`); stored as E.164.
    pub phones: Option<Vec<String>>,
    pub emails: Option<Vec<String>>,
    pub address: Option<AddressBody>,
    /// m², a number or a string (`54.3`, `"54,3"`).
    #[schema(value_type = Option<String>, example = "54.3")]
    pub area: Option<Value>,
    #[schema(value_type = Option<u32>, example = 3)]
    pub residents: Option<Value>,
    /// `postpaid` (default) or `prepaid`.
    pub billing_mode: Option<String>,
    pub tags: Option<Vec<String>>,
    pub notes: Option<String>,
    /// `YYYY-MM-DD`; default today.
    pub opened_on: Option<String>,
    pub building_id: Option<String>,
    /// Changes only: the version read; a different current version answers 409.
    pub version: Option<u64>,
}

fn text(value: Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        // Anything else is not a number: the validation says so.
        other => format!("?{other}"),
    }
}

impl SubscriberBody {
    /// `base` with the fields of this body put over it.
    pub fn overlay(self, mut base: SubscriberInput) -> SubscriberInput {
        let set = |target: &mut String, value: Option<String>| {
            if let Some(value) = value {
                *target = value;
            }
        };
        set(&mut base.kind, self.kind);
        set(&mut base.surname, self.surname);
        set(&mut base.name, self.name);
        set(&mut base.patronymic, self.patronymic);
        set(&mut base.organisation_name, self.organisation_name);
        set(&mut base.inn, self.inn);
        set(&mut base.kpp, self.kpp);
        if let Some(phones) = self.phones {
            base.phones = phones;
        }
        if let Some(emails) = self.emails {
            base.emails = emails;
        }
        if let Some(a) = self.address {
            set(&mut base.postcode, a.postcode);
            set(&mut base.region, a.region);
            set(&mut base.city, a.city);
            set(&mut base.street, a.street);
            set(&mut base.house, a.house);
            set(&mut base.building, a.building);
            set(&mut base.flat, a.flat);
        }
        set(&mut base.area, self.area.map(text));
        set(&mut base.residents, self.residents.map(text));
        set(&mut base.billing_mode, self.billing_mode);
        if let Some(tags) = self.tags {
            base.tags = tags;
        }
        set(&mut base.notes, self.notes);
        set(&mut base.opened_on, self.opened_on);
        set(&mut base.building_id, self.building_id);
        base
    }
}

/// Where a field of [`SubscriberInput`] is in the JSON body.
pub fn api_path(field: &str) -> String {
    match field {
        "postcode" | "region" | "city" | "street" | "house" | "building" | "flat" => {
            format!("address.{field}")
        }
        other => other.to_owned(),
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AddressDto {
    pub postcode: Option<String>,
    pub region: Option<String>,
    pub city: String,
    pub street: String,
    pub house: String,
    pub building: Option<String>,
    pub flat: Option<String>,
}

impl From<&Address> for AddressDto {
    fn from(a: &Address) -> Self {
        Self {
            postcode: a.postcode.clone(),
            region: a.region.clone(),
            city: a.city.clone(),
            street: a.street.clone(),
            house: a.house.clone(),
            building: a.building.clone(),
            flat: a.flat.clone(),
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SubscriberDto {
    pub id: String,
    pub account_number: String,
    /// The profile's version, for `PATCH` (absent in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// `person` or `organisation`.
    pub kind: String,
    /// "Иванов Иван Иванович" or the organisation's name.
    pub display_name: String,
    pub surname: Option<String>,
    pub name: Option<String>,
    pub patronymic: Option<String>,
    pub organisation_name: Option<String>,
    pub inn: Option<String>,
    pub kpp: Option<String>,
    /// E.164: `+79123456789`.
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub address: AddressDto,
    pub address_line: String,
    /// m², as a decimal string.
    pub area: Option<String>,
    pub residents: u32,
    /// `active`, `suspended` or `closed`.
    pub status: String,
    /// The day the current status took effect (`YYYY-MM-DD`).
    pub status_since: String,
    pub status_reason: Option<String>,
    /// `postpaid` or `prepaid`.
    pub billing_mode: String,
    pub tags: Vec<String>,
    pub notes: Option<String>,
    pub opened_on: String,
    pub building_id: Option<String>,
    /// Ids of the linked services.
    pub services: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl SubscriberDto {
    pub fn new(s: &Subscriber, version: Option<u64>) -> Self {
        let f = &s.facts;
        let (kind, person, organisation) = match &f.party {
            Party::Person(p) => ("person", Some(p), None),
            Party::Organisation { name, inn, kpp } => {
                ("organisation", None, Some((name, inn, kpp)))
            }
        };
        Self {
            id: s.id.clone(),
            account_number: s.account_number.to_string(),
            version,
            kind: kind.to_owned(),
            display_name: s.display_name(),
            surname: person.map(|p| p.surname.clone()),
            name: person.map(|p| p.name.clone()),
            patronymic: person.and_then(|p| p.patronymic.clone()),
            organisation_name: organisation.map(|(n, _, _)| n.clone()),
            inn: organisation.map(|(_, inn, _)| inn.to_string()),
            kpp: organisation.and_then(|(_, _, kpp)| kpp.as_ref().map(ToString::to_string)),
            phones: f.phones.iter().map(ToString::to_string).collect(),
            emails: f.emails.iter().map(ToString::to_string).collect(),
            address: AddressDto::from(&f.address),
            address_line: f.address.line(),
            area: f.area.map(|a| a.value().normalize().to_string()),
            residents: f.residents.value(),
            status: s.status.status.as_str().to_owned(),
            status_since: s.status.since.format("%Y-%m-%d").to_string(),
            status_reason: s.status.reason.clone(),
            billing_mode: f.billing_mode.as_str().to_owned(),
            tags: f.tags.iter().map(ToString::to_string).collect(),
            notes: f.notes.clone(),
            opened_on: f.opened_on.format("%Y-%m-%d").to_string(),
            building_id: f.building_id.clone(),
            services: s.services.clone(),
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// The search and filter parameters, shared by the list, the export and the UI.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Text: the start of any word of the account number, name, address, phone or e-mail.
    pub q: Option<String>,
    /// Look only in `account`, `name`, `address`, `phone` or `email`.
    pub field: Option<String>,
    /// `active`, `suspended` or `closed`.
    pub status: Option<String>,
    /// `postpaid` or `prepaid`.
    pub billing_mode: Option<String>,
    pub building_id: Option<String>,
    pub tag: Option<String>,
    /// A linked service's id (works once the service catalogue links services).
    pub service_id: Option<String>,
    /// Order of lists without `q`: `account` (default) or `name`.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    pub dir: Option<String>,
    /// Page size, 1-200 (default 25).
    pub limit: Option<u32>,
    /// `next` or `prev` of an earlier page of the same search.
    pub cursor: Option<String>,
}

fn blank(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl SearchParams {
    /// The request these parameters describe, or the fields with unknown values.
    pub fn request(&self, invalid: &str) -> Result<SearchRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut bad = |field: &str| {
            errors.push(FieldError {
                field: field.to_owned(),
                message: invalid.to_owned(),
            })
        };
        let field = blank(&self.field).filter(|f| *f != "any").and_then(|f| {
            SearchField::parse(f).or_else(|| {
                bad("field");
                None
            })
        });
        let status = blank(&self.status).and_then(|s| {
            SubscriberStatus::parse(s).or_else(|| {
                bad("status");
                None
            })
        });
        let billing_mode = blank(&self.billing_mode).and_then(|m| {
            BillingMode::parse(m).or_else(|| {
                bad("billing_mode");
                None
            })
        });
        let order = blank(&self.sort).map_or(Some(SortOrder::Account), SortOrder::parse);
        if order.is_none() {
            bad("sort");
        }
        let descending = match blank(&self.dir) {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(_) => {
                bad("dir");
                false
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(SearchRequest {
            text: self.q.clone().unwrap_or_default(),
            field,
            status,
            billing_mode,
            building_id: blank(&self.building_id).map(str::to_owned),
            tag: blank(&self.tag).map(str::to_owned),
            service_id: blank(&self.service_id).map(str::to_owned),
            order: order.unwrap_or_default(),
            descending,
            page_size: self
                .limit
                .unwrap_or(crm_app::subscribers::search::DEFAULT_PAGE_SIZE),
        })
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SubscriberList {
    pub items: Vec<SubscriberDto>,
    /// Cursor of the next page; absent on the last.
    pub next: Option<String>,
    /// Cursor of the previous page; absent on the first.
    pub prev: Option<String>,
    /// The page was cut short by the work limit of one request: follow `next` for more.
    pub partial: bool,
}

/// Closing, reopening or suspending.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct StatusBody {
    /// `YYYY-MM-DD` or `DD.MM.YYYY`; default today.
    pub date: Option<String>,
    pub reason: Option<String>,
    /// The version read; a different current version answers 409.
    pub version: Option<u64>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FieldChangeDto {
    /// Dotted path: `address.city`, `status.status`.
    pub field: String,
    #[schema(value_type = Option<Object>)]
    pub old: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub new: Option<Value>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    /// Who: a user's name, an API key's name, or the system.
    pub actor: String,
    /// `subscriber.create`, `subscriber.update`, `subscriber.close`, ...
    pub action: String,
    pub changes: Vec<FieldChangeDto>,
    pub request_id: Option<String>,
}

impl From<&AuditRecord> for HistoryEntry {
    fn from(record: &AuditRecord) -> Self {
        Self {
            at: record.at,
            actor: record.actor.label(),
            action: record.action.clone(),
            changes: record
                .changes
                .iter()
                .map(|c| FieldChangeDto {
                    field: c.field.clone(),
                    old: c.old.clone(),
                    new: c.new.clone(),
                })
                .collect(),
            request_id: record.request_id.clone(),
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HistoryPage {
    pub items: Vec<HistoryEntry>,
    pub next: Option<String>,
}

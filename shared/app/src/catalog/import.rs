//! The service-link import: one row per link (account number, service code, from, optionally
//! the last day, an individual rate or quantity), attached through [`links::attach`] with its
//! overlap checks and audit record on the subscriber's timeline. A row whose link exists
//! already with the same days and terms is `unchanged`, so the same file twice changes nothing.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::NaiveDate;
use crm_domain::TenantId;
use crm_domain::billing::catalog::ServiceCode;
use crm_domain::subscriber::AccountNumber;
use rust_decimal::Decimal;
use serde_json::Value;

use super::links::{self, LinkDraft};
use super::services::Context;
use super::{CatalogError, Fault, input};
use crate::Services;
use crate::audit::Audit;
use crate::imports::errors::codes;
use crate::imports::{
    Applied, Entry, FieldSpec, HandlerError, MappedRow, RowError, RowHandler, Schema,
};
use crate::keys;
use crate::store::TenantDb;

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "account_number",
        label_ru: "Лицевой счёт",
        label_en: "Account number",
        required: true,
        aliases: &["ЛС", "л/с", "номер лицевого счета", "account"],
    },
    FieldSpec {
        key: "service_code",
        label_ru: "Код услуги",
        label_en: "Service code",
        required: true,
        aliases: &["услуга", "service"],
    },
    FieldSpec {
        key: "valid_from",
        label_ru: "С даты",
        label_en: "From",
        required: true,
        aliases: &["дата начала", "начало", "from date"],
    },
    FieldSpec {
        key: "valid_to",
        label_ru: "По дату",
        label_en: "To",
        required: false,
        aliases: &["дата окончания", "окончание", "to date"],
    },
    FieldSpec {
        key: "individual_rate",
        label_ru: "Индивидуальный тариф",
        label_en: "Individual rate",
        required: false,
        aliases: &["тариф", "rate"],
    },
    FieldSpec {
        key: "individual_quantity",
        label_ru: "Индивидуальное количество",
        label_en: "Individual quantity",
        required: false,
        aliases: &["количество", "quantity"],
    },
];

pub const SCHEMA: Schema = Schema {
    kind: "service-links",
    fields: FIELDS,
};

#[derive(Debug)]
pub struct LinkRow {
    account_number: AccountNumber,
    service_code: ServiceCode,
    valid_from: NaiveDate,
    /// The last day included, as people write it; links store the day after.
    valid_to: Option<NaiveDate>,
    rate: Option<Decimal>,
    quantity: Option<Decimal>,
    subscriber_id: Option<String>,
    service_id: Option<String>,
}

pub struct LinkImport {
    db: TenantDb,
    services: Services,
    audit: Audit,
    seen: HashSet<(String, String, NaiveDate)>,
    service_ids: HashMap<String, Option<String>>,
}

impl LinkImport {
    pub fn new(services: &Services, tenant: &TenantId, audit: &Audit) -> Self {
        Self {
            db: services.db.tenant(tenant),
            services: services.clone(),
            audit: audit.clone(),
            seen: HashSet::new(),
            service_ids: HashMap::new(),
        }
    }

    async fn service_id(&mut self, code: &ServiceCode) -> Result<Option<String>, HandlerError> {
        let normalised = code.normalised();
        if let Some(found) = self.service_ids.get(&normalised) {
            return Ok(found.clone());
        }
        let sentinel = keys::service_code(self.db.namespace(), &normalised);
        let found = self.db.get(&sentinel).await?.and_then(|item| {
            item.body
                .get("service_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        self.service_ids.insert(normalised, found.clone());
        Ok(found)
    }
}

/// The messages of the faults a link row can have.
fn fault_message(fault: &Fault) -> (String, String) {
    match fault {
        Fault::Required => (
            "Обязательное поле не заполнено".into(),
            "A required field is empty".into(),
        ),
        Fault::Date => (
            "Не дата: ожидается ДД.ММ.ГГГГ".into(),
            "Not a date: dd.mm.yyyy expected".into(),
        ),
        Fault::Decimal => ("Не число".into(), "Not a number".into()),
        Fault::Negative => (
            "Не может быть отрицательным".into(),
            "Cannot be negative".into(),
        ),
        Fault::TooPrecise => (
            "Не больше 6 знаков после запятой".into(),
            "At most 6 decimal places".into(),
        ),
        Fault::TooLarge => (
            "Слишком большое число".into(),
            "The number is too large".into(),
        ),
        Fault::EndsBeforeStart => (
            "Дата окончания раньше даты начала".into(),
            "Ends before it starts".into(),
        ),
        Fault::AlreadyLinked { with } => (
            format!(
                "Услуга уже подключена на эти дни (с {})",
                with.format("%d.%m.%Y")
            ),
            format!("The service is already linked for these days (from {with})"),
        ),
        Fault::NotForZones => (
            "Для многозонной услуги индивидуальный тариф или количество не задаются".into(),
            "A multi-zone service takes no individual rate or quantity".into(),
        ),
        Fault::ServiceArchived => ("Услуга в архиве".into(), "The service is archived".into()),
        Fault::NoSuchRecord => ("Не найдено".into(), "Not found".into()),
        _ => ("Проверьте это значение".into(), "Check this value".into()),
    }
}

fn fault_error(row: &MappedRow<'_>, key: &str, fault: &Fault) -> RowError {
    let (ru, en) = fault_message(fault);
    row.error(key, fault.code(), &ru, &en)
}

fn column_of(field: &str) -> &'static str {
    let key = match field {
        "valid_from" => "valid_from",
        "valid_until" => "valid_to",
        "individual_rate" => "individual_rate",
        "individual_quantity" => "individual_quantity",
        "service_id" => "service_code",
        _ => "account_number",
    };
    SCHEMA.field(key).map_or("", |i| SCHEMA.fields[i].label_ru)
}

#[async_trait]
impl RowHandler for LinkImport {
    type Record = LinkRow;

    fn start_pass(&mut self) {
        self.seen.clear();
    }

    fn parse(&mut self, row: &MappedRow<'_>) -> Result<LinkRow, Vec<RowError>> {
        let mut errors = Vec::new();
        let account = match row.required("account_number") {
            Ok(raw) => AccountNumber::parse(raw)
                .map_err(|e| {
                    let (ru, en) = crate::subscribers::messages::message(e.code());
                    errors.push(row.error("account_number", e.code(), ru, en));
                })
                .ok(),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let code = match row.required("service_code") {
            Ok(raw) => ServiceCode::parse(raw)
                .map_err(|_| errors.push(fault_error(row, "service_code", &Fault::CodeCharacters)))
                .ok(),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let from = match row.required("valid_from") {
            Ok(raw) => input::date(raw)
                .map_err(|f| errors.push(fault_error(row, "valid_from", &f)))
                .ok(),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let to = input::optional_date(row.get("valid_to"))
            .map_err(|f| errors.push(fault_error(row, "valid_to", &f)))
            .ok()
            .flatten();
        let mut decimal = |key: &str| {
            row.get(key).and_then(|raw| {
                input::non_negative(raw)
                    .map_err(|f| errors.push(fault_error(row, key, &f)))
                    .ok()
            })
        };
        let rate = decimal("individual_rate");
        let quantity = decimal("individual_quantity");
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            errors.push(fault_error(row, "valid_to", &Fault::EndsBeforeStart));
        }
        if let (Some(account), Some(code), Some(from)) = (&account, &code, from)
            && !self
                .seen
                .insert((account.as_str().to_lowercase(), code.normalised(), from))
        {
            errors.push(row.error(
                "account_number",
                codes::DUPLICATE_IN_FILE,
                "Эта услуга с этой даты для этого лицевого счёта уже есть выше в файле",
                "This account, service and start date appear twice in the file",
            ));
        }
        match (account, code, from) {
            (Some(account_number), Some(service_code), Some(valid_from)) if errors.is_empty() => {
                Ok(LinkRow {
                    account_number,
                    service_code,
                    valid_from,
                    valid_to: to,
                    rate,
                    quantity,
                    subscriber_id: None,
                    service_id: None,
                })
            }
            _ => Err(errors),
        }
    }

    /// Unknown accounts and services are refused in dry runs too.
    async fn check(&mut self, batch: &mut [Entry<LinkRow>]) -> Result<(), HandlerError> {
        for entry in batch.iter_mut() {
            let found =
                crate::subscribers::find_by_account_number(&self.db, &entry.record.account_number)
                    .await?;
            match found {
                Some((subscriber, _)) => entry.record.subscriber_id = Some(subscriber.id),
                None => {
                    let error = RowError::new(
                        entry.row,
                        "subscriber_not_found",
                        "Нет абонента с таким лицевым счётом",
                        "No subscriber has this account number",
                    )
                    .in_column(column_of("account_number"))
                    .with_value(entry.record.account_number.as_str());
                    entry.reject(error);
                }
            }
            let code = entry.record.service_code.clone();
            match self.service_id(&code).await? {
                Some(id) => entry.record.service_id = Some(id),
                None => {
                    let error = RowError::new(
                        entry.row,
                        "service_not_found",
                        "Нет услуги с таким кодом",
                        "No service has this code",
                    )
                    .in_column(column_of("service_id"))
                    .with_value(code.as_str());
                    entry.reject(error);
                }
            }
        }
        Ok(())
    }

    async fn apply(&mut self, batch: &mut [Entry<LinkRow>]) -> Result<(), HandlerError> {
        for entry in batch.iter_mut() {
            let (Some(subscriber_id), Some(service_id)) = (
                entry.record.subscriber_id.clone(),
                entry.record.service_id.clone(),
            ) else {
                continue;
            };
            let until = entry.record.valid_to.and_then(|d| d.succ_opt());
            let pair = links::pair(&self.db, &subscriber_id, &service_id).await?;
            let same = pair.links.iter().any(|link| {
                link.period.valid_from == entry.record.valid_from
                    && link.period.valid_until == until
                    && link.terms.individual_rate == entry.record.rate
                    && link.terms.individual_quantity == entry.record.quantity
            });
            if same {
                entry.applied = Some(Applied::Unchanged);
                continue;
            }
            let draft = LinkDraft {
                valid_from: Some(entry.record.valid_from.to_string()),
                valid_until: Some(until.map(|d| d.to_string())),
                individual_rate: Some(entry.record.rate.map(|d| d.to_string())),
                individual_quantity: Some(entry.record.quantity.map(|d| d.to_string())),
            };
            let cx = Context {
                audit: &self.audit,
                ids: self.services.ids.as_ref(),
                now: self.services.clock.now(),
            };
            match links::attach(&self.db, &cx, &subscriber_id, &service_id, &draft).await {
                Ok(_) => entry.applied = Some(Applied::Created),
                Err(CatalogError::Store(e)) => return Err(e.into()),
                Err(CatalogError::NotFound) => {
                    let error = RowError::new(
                        entry.row,
                        "subscriber_not_found",
                        "Нет абонента с таким лицевым счётом",
                        "No subscriber has this account number",
                    )
                    .in_column(column_of("account_number"));
                    entry.reject(error);
                }
                Err(CatalogError::Invalid(issues)) => {
                    for issue in issues {
                        let (ru, en) = fault_message(&issue.fault);
                        let error = RowError::new(entry.row, issue.fault.code(), ru, en)
                            .in_column(column_of(&issue.field));
                        entry.reject(error);
                    }
                }
            }
        }
        Ok(())
    }
}

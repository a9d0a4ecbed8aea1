//! The subscriber import: one row per account, created or updated by account number through
//! [`upsert_by_account_number`] (the same checks, index entries, building counts and audit
//! records as the card's form). Rows are checked with the form's own validation
//! (`SubscriberInput::validate`) and its messages (`messages.rs`), naming the column. The
//! building is found by the premises' address and created when there is none yet.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::NaiveDate;
use crm_domain::TenantId;
use crm_domain::subscriber::{
    AccountNumber, BuildingInput, Invalid, SubscriberInput, building_address_key,
};
use futures::StreamExt;

use super::{
    Subscriber, SubscriberError, UpsertOutcome, messages, today, upsert_by_account_number,
};
use crate::Services;
use crate::audit::Audit;
use crate::buildings::{self, BuildingError};
use crate::imports::errors::codes;
use crate::imports::{
    Applied, Entry, FieldSpec, HandlerError, MappedRow, RowError, RowHandler, Schema,
};

const FIELDS: &[FieldSpec] = &[
    field(
        "account_number",
        "Лицевой счёт",
        "Account number",
        true,
        &[
            "ЛС",
            "л/с",
            "номер лицевого счета",
            "account",
            "лицевой счет №",
        ],
    ),
    field("surname", "Фамилия", "Surname", false, &["last name"]),
    field("name", "Имя", "First name", false, &["first name"]),
    field(
        "patronymic",
        "Отчество",
        "Patronymic",
        false,
        &["middle name"],
    ),
    field(
        "organisation_name",
        "Организация",
        "Organisation",
        false,
        &["наименование", "наименование организации", "organization"],
    ),
    field("inn", "ИНН", "INN", false, &[]),
    field("kpp", "КПП", "KPP", false, &[]),
    field(
        "phones",
        "Телефон",
        "Phone",
        false,
        &["телефоны", "phones", "тел"],
    ),
    field(
        "emails",
        "Эл. почта",
        "Email",
        false,
        &["email", "e-mail", "почта", "emails", "электронная почта"],
    ),
    field(
        "postcode",
        "Индекс",
        "Postcode",
        false,
        &["почтовый индекс", "zip"],
    ),
    field("region", "Регион", "Region", false, &["область"]),
    field("city", "Город", "City", false, &["населенный пункт"]),
    field("street", "Улица", "Street", false, &[]),
    field("house", "Дом", "House", false, &["№ дома", "номер дома"]),
    field(
        "building",
        "Корпус",
        "Building",
        false,
        &["строение", "корп"],
    ),
    field(
        "flat",
        "Квартира",
        "Flat",
        false,
        &["кв", "помещение", "apartment"],
    ),
    field(
        "area",
        "Площадь",
        "Area",
        false,
        &["площадь м2", "площадь, м2", "площадь, м²"],
    ),
    field(
        "residents",
        "Проживающих",
        "Residents",
        false,
        &["жильцов", "зарегистрировано", "количество проживающих"],
    ),
    field(
        "billing_mode",
        "Расчёт",
        "Billing mode",
        false,
        &["вид расчета", "оплата"],
    ),
    field("tags", "Метки", "Tags", false, &["теги"]),
    field("notes", "Примечание", "Notes", false, &["комментарий"]),
    field(
        "opened_on",
        "Дата открытия",
        "Opened on",
        false,
        &["открыт", "дата открытия лс"],
    ),
];

const fn field(
    key: &'static str,
    label_ru: &'static str,
    label_en: &'static str,
    required: bool,
    aliases: &'static [&'static str],
) -> FieldSpec {
    FieldSpec {
        key,
        label_ru,
        label_en,
        required,
        aliases,
    }
}

pub const SCHEMA: Schema = Schema {
    kind: "subscribers",
    fields: FIELDS,
};

/// A checked row: the account number and the form's input.
#[derive(Debug)]
pub struct SubscriberRow {
    pub account_number: String,
    pub input: SubscriberInput,
    /// The building's address key, when the address names a house.
    building_key: Option<String>,
}

pub struct SubscriberImport {
    services: Services,
    tenant: TenantId,
    audit: Audit,
    today: NaiveDate,
    seen: HashSet<String>,
    /// Buildings found or created so far, by address key.
    buildings: HashMap<String, String>,
}

impl SubscriberImport {
    pub async fn new(services: &Services, tenant: &TenantId, audit: &Audit) -> Self {
        Self {
            services: services.clone(),
            tenant: tenant.clone(),
            audit: audit.clone(),
            today: today(services, tenant).await,
            seen: HashSet::new(),
            buildings: HashMap::new(),
        }
    }
}

/// Splits a cell of several values (`+7 900 …, +7 901 …`).
fn list(cell: Option<&str>) -> Vec<String> {
    cell.map(|text| {
        text.split([',', ';', '\n'])
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

/// Billing modes as people write them.
fn billing_mode(cell: Option<&str>) -> String {
    let Some(text) = cell else {
        return String::new();
    };
    match crate::imports::mapping::normalise_header(text).as_str() {
        "постоплата" | "по факту" | "кредит" | "postpaid" => {
            "postpaid".into()
        }
        "предоплата" | "аванс" | "prepaid" => "prepaid".into(),
        _ => text.to_owned(),
    }
}

/// The column of a validation field (`phones[1]` is in the phones column).
fn field_key(field: &str) -> &str {
    let base = field.split('[').next().unwrap_or(field);
    match base {
        "kind" => "organisation_name",
        "building_id" => "house",
        other => other,
    }
}

fn row_error(row: &MappedRow<'_>, invalid: &Invalid) -> RowError {
    let (ru, en) = messages::message(invalid.code);
    let key = field_key(&invalid.field);
    if SCHEMA.field(key).is_some() {
        row.error(key, invalid.code, ru, en)
    } else {
        RowError::new(row.number(), invalid.code, ru, en)
    }
}

fn entry_error(entry: &Entry<SubscriberRow>, column: &str, code: &'static str) -> RowError {
    let (ru, en) = messages::message(code);
    RowError::new(entry.row, code, ru, en).in_column(column)
}

#[async_trait]
impl RowHandler for SubscriberImport {
    type Record = SubscriberRow;

    fn start_pass(&mut self) {
        self.seen.clear();
    }

    fn parse(&mut self, row: &MappedRow<'_>) -> Result<SubscriberRow, Vec<RowError>> {
        let mut errors = Vec::new();
        let text = |key: &str| row.get(key).unwrap_or("").to_owned();
        let account = match row.required("account_number") {
            Ok(raw) => match AccountNumber::parse(raw) {
                Ok(number) => Some(number.to_string()),
                Err(e) => {
                    errors.push(row_error(row, &Invalid::new("account_number", e.code())));
                    None
                }
            },
            Err(e) => {
                errors.push(e);
                None
            }
        };
        if let Some(account) = &account
            && !self.seen.insert(account.to_lowercase())
        {
            errors.push(row.error(
                "account_number",
                codes::DUPLICATE_IN_FILE,
                "Лицевой счёт повторяется в файле",
                "The account number appears twice in the file",
            ));
        }
        let organisation = row.get("organisation_name").is_some() || row.get("inn").is_some();
        let input = SubscriberInput {
            kind: if organisation {
                "organisation"
            } else {
                "person"
            }
            .into(),
            surname: text("surname"),
            name: text("name"),
            patronymic: text("patronymic"),
            organisation_name: text("organisation_name"),
            inn: text("inn"),
            kpp: text("kpp"),
            phones: list(row.get("phones")),
            emails: list(row.get("emails")),
            postcode: text("postcode"),
            region: text("region"),
            city: text("city"),
            street: text("street"),
            house: text("house"),
            building: text("building"),
            flat: text("flat"),
            area: text("area"),
            residents: text("residents"),
            billing_mode: billing_mode(row.get("billing_mode")),
            tags: list(row.get("tags")),
            notes: text("notes"),
            opened_on: text("opened_on"),
            building_id: String::new(),
        };
        let facts = match input.validate(self.today) {
            Ok(facts) => Some(facts),
            Err(invalid) => {
                errors.extend(invalid.iter().map(|i| row_error(row, i)));
                None
            }
        };
        match (account, facts) {
            (Some(account_number), Some(facts)) if errors.is_empty() => {
                let building_key = (!facts.address.house.trim().is_empty())
                    .then(|| building_address_key(&facts.address));
                Ok(SubscriberRow {
                    account_number,
                    input,
                    building_key,
                })
            }
            _ => Err(errors),
        }
    }

    async fn apply(&mut self, batch: &mut [Entry<SubscriberRow>]) -> Result<(), HandlerError> {
        for entry in batch.iter_mut() {
            if let Some(key) = entry.record.building_key.clone() {
                match self.building(&key, &entry.record.input).await? {
                    Ok(id) => entry.record.input.building_id = id,
                    Err(code) => {
                        let error = entry_error(entry, "Дом", code);
                        entry.reject(error);
                    }
                }
            }
        }
        // Rows of a batch have distinct account numbers (duplicates are refused when parsed),
        // so their upserts touch different subscribers and may run side by side; each is its
        // own transaction as on the card.
        let (services, tenant, audit) = (&self.services, &self.tenant, &self.audit);
        let work: Vec<(usize, String, SubscriberInput)> = batch
            .iter()
            .enumerate()
            .filter(|(_, entry)| entry.is_valid())
            .map(|(i, entry)| {
                (
                    i,
                    entry.record.account_number.clone(),
                    entry.record.input.clone(),
                )
            })
            .collect();
        let results: Vec<(usize, Result<(Subscriber, UpsertOutcome), SubscriberError>)> =
            futures::stream::iter(work)
                .map(|(i, account_number, input)| async move {
                    let result =
                        upsert_by_account_number(services, tenant, audit, &account_number, &input)
                            .await;
                    (i, result)
                })
                .buffer_unordered(APPLY_CONCURRENCY)
                .collect()
                .await;
        for (i, result) in results {
            let entry = &mut batch[i];
            match result {
                Ok((_, outcome)) => {
                    entry.applied = Some(match outcome {
                        UpsertOutcome::Created => Applied::Created,
                        UpsertOutcome::Updated => Applied::Updated,
                        UpsertOutcome::Unchanged => Applied::Unchanged,
                    })
                }
                Err(SubscriberError::Store(e)) => return Err(e.into()),
                Err(SubscriberError::Invalid(invalid)) => {
                    for i in invalid {
                        let (ru, en) = messages::message(i.code);
                        let error = RowError::new(entry.row, i.code, ru, en)
                            .in_column(column_label(field_key(&i.field)));
                        entry.reject(error);
                    }
                }
                Err(other) => {
                    let code = match other {
                        SubscriberError::DuplicateAccountNumber => "account_number_taken",
                        SubscriberError::VersionMismatch => "version_mismatch",
                        _ => "subscriber_not_saved",
                    };
                    let error = entry_error(entry, column_label("account_number"), code);
                    entry.reject(error);
                }
            }
        }
        Ok(())
    }
}

/// Upserts in flight at once within a batch.
const APPLY_CONCURRENCY: usize = 4;

fn column_label(key: &str) -> &'static str {
    SCHEMA.field(key).map_or("", |i| SCHEMA.fields[i].label_ru)
}

impl SubscriberImport {
    /// The building at `key`'s address, created from the row's address when missing.
    async fn building(
        &mut self,
        key: &str,
        input: &SubscriberInput,
    ) -> Result<Result<String, &'static str>, HandlerError> {
        if let Some(id) = self.buildings.get(key) {
            return Ok(Ok(id.clone()));
        }
        let db = self.services.db.tenant(&self.tenant);
        let id = match buildings::find_by_address(&db, key).await? {
            Some((building, _)) => building.id,
            None => {
                let new = BuildingInput {
                    postcode: input.postcode.clone(),
                    region: input.region.clone(),
                    city: input.city.clone(),
                    street: input.street.clone(),
                    house: input.house.clone(),
                    building: input.building.clone(),
                    ..BuildingInput::default()
                };
                match buildings::create(&self.services, &self.tenant, &self.audit, &new).await {
                    Ok(building) => building.id,
                    Err(BuildingError::DuplicateAddress { existing_id }) => existing_id,
                    Err(BuildingError::Store(e)) => return Err(e.into()),
                    Err(_) => return Ok(Err("building_not_found")),
                }
            }
        };
        self.buildings.insert(key.to_owned(), id.clone());
        Ok(Ok(id))
    }
}

//! The meter-readings import: one row per reading (the meter by serial, or by account number
//! when the subscriber has exactly one active meter; the date; one value, or a value per zone),
//! parsed here and handed to the batch [`Intake`] a batch at a time. The intake validates with
//! the domain rules against the stored history and writes idempotently (meter + date), so the
//! same file twice changes nothing. A dry run (and the validating pass of all-or-nothing) goes
//! through [`Intake::check`]: the same checks, nothing written.
//!
//! Flagged readings (above the plausibility cap or far above the average, outside the reading
//! window, verification expired) are stored, counted as created and once more as `flagged`, and
//! each flag is a warning of its row in the report (the reading keeps its flags too).

use async_trait::async_trait;
use chrono::NaiveDate;
use crm_domain::TenantId;
use crm_domain::meter::{Flag, ReadingSource, Rejection};
use rust_decimal::Decimal;

use super::input::parse_value;
use super::intake::{Intake, IntakeRow, MeterRef, Refusal, RowOutcome};
use crate::Services;
use crate::audit::Audit;
use crate::imports::errors::codes;
use crate::imports::values::parse_date;
use crate::imports::{
    Applied, Entry, FieldSpec, HandlerError, MappedRow, RowError, RowHandler, Schema,
};

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "serial",
        label_ru: "Заводской номер",
        label_en: "Serial number",
        required: false,
        aliases: &[
            "Серийный номер",
            "Счётчик",
            "номер счётчика",
            "зав номер",
            "serial",
            "meter",
        ],
    },
    FieldSpec {
        key: "account_number",
        label_ru: "Лицевой счёт",
        label_en: "Account number",
        required: false,
        aliases: &["ЛС", "л/с", "номер лицевого счета", "account"],
    },
    FieldSpec {
        key: "date",
        label_ru: "Дата",
        label_en: "Date",
        required: true,
        aliases: &["дата показания", "дата снятия", "reading date"],
    },
    FieldSpec {
        key: "value",
        label_ru: "Показание",
        label_en: "Reading",
        required: false,
        aliases: &["значение", "показания", "value"],
    },
    FieldSpec {
        key: "t1",
        label_ru: "Т1",
        label_en: "T1",
        required: false,
        aliases: &["День", "Т1 день", "Пик", "Т1 пик", "day", "peak"],
    },
    FieldSpec {
        key: "t2",
        label_ru: "Т2",
        label_en: "T2",
        required: false,
        aliases: &["Ночь", "Т2 ночь", "night"],
    },
    FieldSpec {
        key: "t3",
        label_ru: "Т3",
        label_en: "T3",
        required: false,
        aliases: &["Полупик", "Т3 полупик", "half-peak", "half peak"],
    },
];

/// Rows per batch handed to the intake: twenty of its pipeline's slices, so the last slice's
/// write, which nothing overlaps, is a small share of a batch. A batch holds its rows, their
/// outcomes and (in a dry run) their meters' tails: a few megabytes.
pub const BATCH_ROWS: usize = 20_000;

pub const SCHEMA: Schema = Schema {
    kind: "readings",
    fields: FIELDS,
};

/// The zone columns, in the meter's zone order (Т1, Т2, Т3).
const ZONES: [&str; 3] = ["t1", "t2", "t3"];

#[derive(Debug)]
pub struct ReadingRow {
    meter: MeterRef,
    date: NaiveDate,
    values: Vec<Decimal>,
    /// Whether the values came from the zone columns (for naming the column of a refusal).
    zoned: bool,
}

pub struct ReadingImport {
    intake: Intake,
    /// The file's header of each field, taken from the first parsed row of a pass: refusals
    /// come back from the intake after parsing, and name the column as the file spells it.
    columns: Vec<(&'static str, String)>,
}

impl ReadingImport {
    /// `batch_id` (the job's id) names the readings' `entered_by` and the audit records.
    pub async fn new(
        services: &Services,
        tenant: &TenantId,
        audit: &Audit,
        batch_id: &str,
    ) -> Result<Self, HandlerError> {
        let intake = Intake::new(services, tenant, audit, ReadingSource::Import, batch_id).await?;
        Ok(Self {
            intake,
            columns: Vec::new(),
        })
    }

    fn column(&self, key: &str) -> String {
        self.columns
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, c)| c.clone())
            .or_else(|| {
                SCHEMA
                    .field(key)
                    .map(|i| SCHEMA.fields[i].label_ru.to_owned())
            })
            .unwrap_or_default()
    }

    /// The field a refusal is about: the meter's column, the date, or the value of its zone.
    fn refusal_field(record: &ReadingRow, refusal: &Refusal) -> &'static str {
        let value_of = |zone: usize| {
            if record.zoned {
                ZONES.get(zone).copied().unwrap_or("t1")
            } else {
                "value"
            }
        };
        match refusal {
            Refusal::UnknownSerial => "serial",
            Refusal::UnknownAccount | Refusal::NoActiveMeter | Refusal::AmbiguousAccount { .. } => {
                "account_number"
            }
            Refusal::Rejected(rejection) => match rejection {
                Rejection::WrongZoneCount { .. } | Rejection::DuplicateDifferent { .. } => {
                    value_of(0)
                }
                Rejection::Negative { zone }
                | Rejection::TooManyDigits { zone, .. }
                | Rejection::Decreasing { zone, .. }
                | Rejection::ConflictsWithLater { zone, .. } => value_of(*zone),
                Rejection::BeforeInstallation { .. }
                | Rejection::InFuture
                | Rejection::MeterRemoved { .. } => "date",
            },
        }
    }

    fn refusal_error(&self, entry: &Entry<ReadingRow>, refusal: &Refusal) -> RowError {
        let reason = refusal.reason();
        let field = Self::refusal_field(&entry.record, refusal);
        let error = RowError::new(entry.row, reason.code, reason.ru, reason.en)
            .in_column(self.column(field));
        let zone = match refusal {
            Refusal::Rejected(
                Rejection::Negative { zone }
                | Rejection::TooManyDigits { zone, .. }
                | Rejection::Decreasing { zone, .. }
                | Rejection::ConflictsWithLater { zone, .. },
            ) => Some(*zone),
            _ => None,
        };
        match (field, &entry.record.meter) {
            ("serial", MeterRef::Serial(s)) | ("account_number", MeterRef::Account(s)) => {
                error.with_value(s)
            }
            ("date", _) => error.with_value(&entry.record.date.format("%d.%m.%Y").to_string()),
            // The value of the zone the reason is about, or the row's values when it is about
            // all of them (their count, a different reading on the same date).
            _ => match zone {
                Some(zone) => match entry.record.values.get(zone) {
                    Some(value) => error.with_value(&number(*value)),
                    None => error,
                },
                None => error.with_value(
                    &entry
                        .record
                        .values
                        .iter()
                        .map(|v| number(*v))
                        .collect::<Vec<_>>()
                        .join(" / "),
                ),
            },
        }
    }

    /// The field a flag is about: the value of its zone, the date, or the meter.
    fn flag_field(record: &ReadingRow, flag: &Flag) -> (&'static str, Option<usize>) {
        match flag {
            Flag::AboveCap { zone, .. } | Flag::AboveAverage { zone, .. } => {
                if record.zoned {
                    (ZONES.get(*zone).copied().unwrap_or("t1"), Some(*zone))
                } else {
                    ("value", Some(*zone))
                }
            }
            Flag::OutsideWindow { .. } => ("date", None),
            Flag::VerificationExpired { .. } => match record.meter {
                MeterRef::Serial(_) => ("serial", None),
                MeterRef::Account(_) => ("account_number", None),
            },
        }
    }

    fn flag_warning(&self, entry: &Entry<ReadingRow>, flag: &Flag) -> RowError {
        let reason = super::reasons::flag(flag);
        let (field, zone) = Self::flag_field(&entry.record, flag);
        let warning = RowError::new(entry.row, reason.code, reason.ru, reason.en)
            .in_column(self.column(field));
        match (
            zone.and_then(|z| entry.record.values.get(z)),
            &entry.record.meter,
        ) {
            (Some(value), _) => warning.with_value(&number(*value)),
            (None, MeterRef::Serial(s) | MeterRef::Account(s)) => warning.with_value(s),
        }
    }

    /// What one outcome of the intake makes of its entry: an error, warnings, how it applied.
    /// An applying pass calls only `apply` (see `apply_checks`), so each entry is judged once.
    fn record(&self, entry: &mut Entry<ReadingRow>, outcome: RowOutcome, write: bool) {
        match outcome {
            RowOutcome::Refused(refusal) => {
                let error = self.refusal_error(entry, &refusal);
                entry.reject(error);
            }
            RowOutcome::Stored { flags, .. } => {
                for flag in &flags {
                    let warning = self.flag_warning(entry, flag);
                    entry.warn(warning);
                }
                if write {
                    entry.applied = Some(Applied::Created);
                }
            }
            RowOutcome::Unchanged { .. } if write => entry.applied = Some(Applied::Unchanged),
            RowOutcome::Unchanged { .. } => {}
        }
    }

    /// Runs the intake over a batch (checking only, or writing) and maps each outcome.
    async fn intake(
        &mut self,
        batch: &mut [Entry<ReadingRow>],
        write: bool,
    ) -> Result<(), HandlerError> {
        let rows: Vec<IntakeRow> = batch
            .iter()
            .map(|entry| IntakeRow {
                line: entry.row,
                meter: entry.record.meter.clone(),
                date: entry.record.date,
                values: entry.record.values.clone(),
            })
            .collect();
        let outcomes = if write {
            self.intake.run(&rows).await?
        } else {
            self.intake.check(&rows).await?
        };
        for (entry, outcome) in batch.iter_mut().zip(outcomes) {
            self.record(entry, outcome, write);
        }
        Ok(())
    }
}

/// A value as the report shows it: a decimal comma, as people wrote it.
fn number(value: Decimal) -> String {
    value.normalize().to_string().replace('.', ",")
}

fn reason_error(row: &MappedRow<'_>, key: &str, reason: &crate::validation::Reason) -> RowError {
    row.error(key, reason.code, &reason.ru, &reason.en)
}

#[async_trait]
impl RowHandler for ReadingImport {
    type Record = ReadingRow;

    fn start_pass(&mut self) {
        self.columns.clear();
    }

    fn parse(&mut self, row: &MappedRow<'_>) -> Result<ReadingRow, Vec<RowError>> {
        if self.columns.is_empty() {
            self.columns = FIELDS.iter().map(|f| (f.key, row.column(f.key))).collect();
        }
        let mut errors = Vec::new();
        let meter = match (row.get("serial"), row.get("account_number")) {
            (Some(serial), _) => Some(MeterRef::Serial(serial.to_owned())),
            (None, Some(account)) => Some(MeterRef::Account(account.to_owned())),
            (None, None) => {
                errors.push(row.error(
                    "serial",
                    codes::REQUIRED,
                    "Укажите заводской номер счётчика или лицевой счёт",
                    "Give the meter's serial number or the account number",
                ));
                None
            }
        };
        let date = match row.required("date") {
            Ok(raw) => parse_date(raw)
                .ok_or_else(|| {
                    errors.push(row.error(
                        "date",
                        codes::INVALID_DATE,
                        "Не дата: ожидается ДД.ММ.ГГГГ",
                        "Not a date: dd.mm.yyyy expected",
                    ))
                })
                .ok(),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let mut value = |key: &str| {
            row.get(key).and_then(|raw| {
                parse_value(raw)
                    .map_err(|reason| errors.push(reason_error(row, key, &reason)))
                    .ok()
            })
        };
        let single = value("value");
        let zoned: Vec<Option<Decimal>> = ZONES.iter().map(|key| value(key)).collect();
        let zone_given: Vec<bool> = ZONES.iter().map(|key| row.get(key).is_some()).collect();
        let last_zone = zone_given.iter().rposition(|given| *given);
        let values = match (row.get("value"), last_zone) {
            (Some(_), Some(_)) => {
                errors.push(row.error(
                    "value",
                    "reading_value_and_zones",
                    "Укажите либо одно показание, либо показания по зонам (Т1, Т2, Т3)",
                    "Give either one reading or a reading per zone (T1, T2, T3)",
                ));
                None
            }
            (Some(_), None) => single.map(|v| vec![v]),
            (None, Some(last)) => {
                // Zones are counted from Т1: a gap (Т1 and Т3 without Т2) is an empty cell.
                for (key, given) in ZONES.iter().zip(&zone_given).take(last + 1) {
                    if !given {
                        errors.push(row.error(
                            key,
                            codes::REQUIRED,
                            "Показание этой зоны не заполнено",
                            "This zone's reading is empty",
                        ));
                    }
                }
                zoned[..=last].iter().copied().collect::<Option<Vec<_>>>()
            }
            (None, None) => {
                errors.push(row.error(
                    "value",
                    codes::REQUIRED,
                    "Показание не заполнено",
                    "The reading is empty",
                ));
                None
            }
        };
        match (meter, date, values) {
            (Some(meter), Some(date), Some(values)) if errors.is_empty() => Ok(ReadingRow {
                meter,
                date,
                values,
                zoned: last_zone.is_some(),
            }),
            _ => Err(errors),
        }
    }

    /// Resolves meters and validates readings against the stored history, writing nothing:
    /// this is what a dry run reports.
    async fn check(&mut self, batch: &mut [Entry<ReadingRow>]) -> Result<(), HandlerError> {
        self.intake(batch, false).await
    }

    async fn apply(&mut self, batch: &mut [Entry<ReadingRow>]) -> Result<(), HandlerError> {
        self.intake(batch, true).await
    }

    /// `Intake::run` validates every row as `Intake::check` does before it writes.
    fn apply_checks(&self) -> bool {
        true
    }
}

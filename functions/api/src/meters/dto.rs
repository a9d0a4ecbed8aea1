//! The API's shapes of meters and readings.

use chrono::{DateTime, NaiveDate, Utc};
use crm_app::meters::readings::HistoryRow;
use crm_app::meters::{MeterInput, MeterRecord, reasons};
use crm_app::store::Cursor;
use crm_domain::meter::Flag;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

fn dec(v: &Decimal) -> String {
    v.normalize().to_string()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeterDto {
    pub id: String,
    pub subscriber_id: String,
    pub service_id: String,
    pub serial: String,
    /// `cold_water`, `hot_water`, `electricity`, `electricity_two_zone`,
    /// `electricity_three_zone`, `heat`, `gas`.
    pub kind: String,
    pub installed_on: NaiveDate,
    /// Dial values at installation, one per zone (decimal strings).
    pub initial: Vec<String>,
    pub digits: u32,
    pub multiplier: String,
    pub verification_due: Option<NaiveDate>,
    pub seal: Option<String>,
    /// `active` or `removed`.
    pub status: String,
    pub removed_on: Option<NaiveDate>,
    pub replaced_by: Option<String>,
    pub replaces: Option<String>,
    /// Send it back with changes (optimistic concurrency).
    pub version: Option<u64>,
}

impl MeterDto {
    pub fn new(m: &MeterRecord, version: Option<u64>) -> Self {
        Self {
            id: m.id.clone(),
            subscriber_id: m.subscriber_id.clone(),
            service_id: m.service_id.clone(),
            serial: m.serial.clone(),
            kind: m.kind.code().to_owned(),
            installed_on: m.installed_on,
            initial: m.initial.iter().map(dec).collect(),
            digits: m.digits,
            multiplier: dec(&m.multiplier),
            verification_due: m.verification_due,
            seal: m.seal.clone(),
            status: m.status.as_str().to_owned(),
            removed_on: m.removed_on,
            replaced_by: m.replaced_by.clone(),
            replaces: m.replaces.clone(),
            version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeterList {
    pub items: Vec<MeterDto>,
    /// Cursor of the next page.
    pub next: Option<String>,
}

impl MeterList {
    /// One page of a listing and the cursor of the next.
    pub fn page(meters: &[MeterRecord], next: Option<Cursor>) -> Self {
        Self {
            items: meters.iter().map(|m| MeterDto::new(m, None)).collect(),
            next: next.map(|c| c.as_str().to_owned()),
        }
    }
}

/// A text field that may also come as a JSON number.
fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

fn lenient_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    Ok(Option::<Vec<Value>>::deserialize(d)?.map(|values| {
        values
            .into_iter()
            .map(|v| match v {
                Value::String(s) => s,
                Value::Null => String::new(),
                other => other.to_string(),
            })
            .collect()
    }))
}

/// A meter to create, or the fields to change (absent ones keep their values).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct MeterBody {
    #[serde(default, deserialize_with = "lenient")]
    pub subscriber_id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub service_id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub serial: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub installed_on: Option<String>,
    #[serde(default, deserialize_with = "lenient_list")]
    #[schema(value_type = Option<Vec<String>>)]
    pub initial: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient")]
    pub digits: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub multiplier: Option<String>,
    /// Empty string clears it.
    #[serde(default, deserialize_with = "lenient")]
    pub verification_due: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub seal: Option<String>,
    pub version: Option<u64>,
}

impl MeterBody {
    pub fn input(&self) -> MeterInput {
        MeterInput {
            subscriber_id: self.subscriber_id.clone(),
            service_id: self.service_id.clone(),
            serial: self.serial.clone(),
            kind: self.kind.clone(),
            installed_on: self.installed_on.clone(),
            initial: self.initial.clone(),
            digits: self.digits.clone(),
            multiplier: self.multiplier.clone(),
            verification_due: self.verification_due.clone(),
            seal: self.seal.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RemoveBody {
    /// The removal day (default today).
    pub on: Option<String>,
    pub version: Option<u64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReplaceBody {
    /// The day the old meter is removed and the new one installed.
    #[serde(default)]
    pub on: String,
    /// The old meter's final values, one per zone.
    #[serde(default, deserialize_with = "lenient_list")]
    #[schema(value_type = Vec<String>)]
    pub final_values: Option<Vec<String>>,
    /// The new meter: serial, kind (default the old one's), initial values, digits,
    /// multiplier, verification due date, seal.
    #[serde(default)]
    pub new_meter: MeterBody,
    pub version: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplaceResult {
    pub old: MeterDto,
    pub new: MeterDto,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReadingBody {
    /// `YYYY-MM-DD` (or `dd.mm.yyyy`).
    #[serde(default)]
    pub date: String,
    /// One value per zone, as decimal strings or numbers.
    #[serde(default, deserialize_with = "lenient_list")]
    #[schema(value_type = Vec<String>)]
    pub values: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CorrectionBody {
    #[serde(default, deserialize_with = "lenient_list")]
    #[schema(value_type = Vec<String>)]
    pub values: Option<Vec<String>>,
    /// The version being corrected (refused with 409 if another correction came first).
    pub version_no: Option<u32>,
    /// Why it is corrected; kept with the replaced version.
    pub comment: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FlagDto {
    /// `reading_above_average`, `reading_above_cap`, `reading_outside_window`,
    /// `reading_verification_expired`.
    pub code: String,
    pub message: String,
}

pub fn flags(flags: &[Flag], ru: bool) -> Vec<FlagDto> {
    flags
        .iter()
        .map(|f| {
            let reason = reasons::flag(f);
            FlagDto {
                code: reason.code.to_owned(),
                message: if ru { reason.ru } else { reason.en },
            }
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadingDto {
    pub date: NaiveDate,
    pub values: Vec<String>,
    /// `operator`, `import`, `portal`, `estimated`.
    pub source: String,
    /// 1 for the first; each correction adds one (earlier versions are kept).
    pub version_no: u32,
    pub flags: Vec<FlagDto>,
    /// The period the consumption is over: from this day...
    pub since: Option<NaiveDate>,
    /// ...to `date`: consumption per zone after the multiplier.
    pub consumption: Vec<String>,
    pub entered_by: String,
    pub entered_at: DateTime<Utc>,
}

impl ReadingDto {
    pub fn new(row: &HistoryRow, ru: bool) -> Self {
        let mut dto = Self::record(&row.reading, ru);
        dto.since = Some(row.since);
        dto.consumption = row.consumption.iter().map(dec).collect();
        dto
    }

    pub fn record(r: &crm_app::meters::ReadingRecord, ru: bool) -> Self {
        Self {
            date: r.date,
            values: r.values.iter().map(dec).collect(),
            source: serde_json::to_value(r.source)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            version_no: r.version_no,
            flags: flags(&r.flags, ru),
            since: None,
            consumption: Vec::new(),
            entered_by: r.entered_by.clone(),
            entered_at: r.entered_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadingResult {
    /// `stored` or `unchanged` (the same reading was already there).
    pub outcome: String,
    pub reading: ReadingDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadingList {
    /// Newest first, each with the consumption since the previous one.
    pub items: Vec<ReadingDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthConsumption {
    /// `YYYY-MM`.
    pub month: String,
    /// Per zone, after the multiplier.
    pub consumption: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsumptionList {
    pub meter_id: String,
    pub months: Vec<MonthConsumption>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListParams {
    /// `active` (default) or `removed`.
    pub status: Option<String>,
    /// Only meters of this kind (`cold_water`, `hot_water`, `electricity`,
    /// `electricity_two_zone`, `electricity_three_zone`, `heat`, `gas`).
    pub kind: Option<String>,
    /// 1..=200, default 50.
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DueParams {
    /// Due within this many days from today (default 30).
    pub days: Option<u32>,
    /// Only those already expired.
    pub expired: Option<bool>,
    /// Only meters of this kind (as in the list of meters).
    pub kind: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MonthsParams {
    /// How many months back from the current one (1..=60, default 12).
    pub months: Option<u32>,
}

//! Meters and a year of readings for the demo tenant's first subscribers (`crm dev`), so the
//! estimation has something to do: cold and hot water for each, a day/night electricity meter
//! for every other one, readings on the 20th of the twelve months up to last month, a few dials
//! that wrap at their capacity, a few subscribers who sent nothing for the last two months,
//! and one hot-water meter whose verification ran out four months ago.
//!
//! Safe on every start: meters have fixed ids and are written on "must not exist" with their
//! readings and the audit record in one transaction, so a subscriber already seeded is skipped.

use chrono::{Datelike, Duration, NaiveDate};
use crm_domain::TenantId;
use crm_domain::meter::{Flag, MeterKind, ReadingSource, advance};
use crm_domain::period::BillingMonth;
use rust_decimal::Decimal;
use serde_json::json;

use super::records::{MeterRecord, MeterStatus, ReadingRecord, reading_body};
use crate::Services;
use crate::audit::{Audit, Change};
use crate::catalog::links::{self, LinkDraft};
use crate::catalog::services::Context;
use crate::catalog::{CatalogError, demo as catalog_demo};
use crate::keys;
use crate::store::{Body, Condition, Item, Put, StoreError, Write};
use crate::subscribers::{self, numbering};

/// Demo subscribers (by account number, from the first) that get meters.
pub const DEMO_METERED_SUBSCRIBERS: u64 = 12;
/// Months of readings, up to last month.
pub const DEMO_MONTHS: u32 = 12;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DemoMetersReport {
    pub meters_created: u64,
    pub readings_created: u64,
    pub subscribers_skipped: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoMetersError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("demo links: {0}")]
    Catalog(#[from] CatalogError),
}

/// One demo meter: what kind, which service code, its dial and its story.
struct Plan {
    suffix: &'static str,
    service_code: &'static str,
    kind: MeterKind,
    /// Monthly advance per zone, before the small monthly variation.
    monthly: &'static [u32],
}

const PLANS: [Plan; 3] = [
    Plan {
        suffix: "hvs",
        service_code: "ХВС",
        kind: MeterKind::ColdWater,
        monthly: &[6],
    },
    Plan {
        suffix: "gvs",
        service_code: "ГВС",
        kind: MeterKind::HotWater,
        monthly: &[4],
    },
    Plan {
        suffix: "el",
        service_code: "ЭЛ",
        kind: MeterKind::ElectricityTwoZone,
        monthly: &[150, 60],
    },
];

/// Digits of every demo dial: 5, so a dial started near 99 999 wraps within the year.
const DIGITS: u32 = 5;

pub async fn seed_demo_meters(
    services: &Services,
    tenant: &TenantId,
) -> Result<DemoMetersReport, DemoMetersError> {
    let db = services.db.tenant(tenant);
    let audit = Audit::system("demo");
    let now = services.clock.now();
    let last = BillingMonth::of(crate::catalog::today(now)).previous();
    let mut first = last;
    for _ in 1..DEMO_MONTHS {
        first = first.previous();
    }
    // Installed in the month before the first month of readings.
    let installed_on = first.first_day() + Duration::days(9);
    let mut report = DemoMetersReport::default();
    let cx = Context {
        audit: &audit,
        ids: services.ids.as_ref(),
        now,
    };
    let mut service_ids = Vec::new();
    for plan in &PLANS {
        match catalog_demo::existing(&db, plan.service_code).await? {
            Some(service) => service_ids.push(service.id),
            None => return Ok(report),
        }
    }
    let pattern = numbering::pattern(&db).await?;
    for n in 0..DEMO_METERED_SUBSCRIBERS {
        let Some(number) = pattern.format(n + 1) else {
            break;
        };
        let Some((subscriber, _)) = subscribers::find_by_account_number(&db, &number).await? else {
            continue;
        };
        let first_meter = keys::meter(db.namespace(), &subscriber.id, &meter_id(&number, "hvs"));
        if db.get(&first_meter).await?.is_some() {
            report.subscribers_skipped += 1;
            continue;
        }
        let linked = links::of_subscriber(&db, &subscriber.id).await?;
        let mut writes = Vec::new();
        let mut seeded = Vec::new();
        for (p, (plan, service_id)) in PLANS.iter().zip(&service_ids).enumerate() {
            // Electricity for every other subscriber only.
            if plan.kind == MeterKind::ElectricityTwoZone && n % 2 == 1 {
                continue;
            }
            if !linked.iter().any(|l| &l.service_id == service_id) {
                let draft = LinkDraft {
                    valid_from: Some(first.previous().first_day().to_string()),
                    ..LinkDraft::default()
                };
                links::attach(&db, &cx, &subscriber.id, service_id, &draft).await?;
            }
            let meter = demo_meter(
                &number,
                &subscriber.id,
                service_id,
                plan,
                n,
                p,
                installed_on,
                last,
            );
            let readings = demo_readings(&meter, plan, n, first, last, now);
            writes.push(Write::Put(Put {
                item: meter.to_item(db.namespace()),
                condition: Condition::MustNotExist,
            }));
            let mut sentinel = Body::new();
            sentinel.insert("meter_id".into(), json!(meter.id));
            sentinel.insert("subscriber_id".into(), json!(subscriber.id));
            writes.push(Write::Put(Put {
                item: Item::new(keys::meter_serial(db.namespace(), &meter.serial), sentinel),
                condition: Condition::MustNotExist,
            }));
            for reading in &readings {
                writes.push(Write::Put(Put {
                    item: Item::new(
                        keys::reading(db.namespace(), &subscriber.id, &meter.id, reading.date),
                        reading_body(reading),
                    ),
                    condition: Condition::MustNotExist,
                }));
            }
            report.meters_created += 1;
            report.readings_created += readings.len() as u64;
            seeded.push(
                json!({"meter_id": meter.id, "serial": meter.serial, "readings": readings.len()}),
            );
        }
        let after = json!({ "meters": seeded });
        let (_, record) = audit.record(
            db.namespace(),
            services.ids.new_id(),
            now,
            &Change {
                action: "meter.demo_seed",
                entity_type: subscribers::ENTITY,
                entity_id: &subscriber.id,
                before: None,
                after: Some(&after),
            },
        );
        writes.push(record);
        db.transact(writes).await?;
    }
    Ok(report)
}

/// Stable ids, so a second start finds what the first wrote.
fn meter_id(number: &crm_domain::subscriber::AccountNumber, suffix: &str) -> String {
    let digits: String = number
        .as_str()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    format!("demo-{digits}-{suffix}")
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site, each a plain value"
)]
fn demo_meter(
    number: &crm_domain::subscriber::AccountNumber,
    subscriber_id: &str,
    service_id: &str,
    plan: &Plan,
    n: u64,
    p: usize,
    installed_on: NaiveDate,
    last: BillingMonth,
) -> MeterRecord {
    let zones = plan.kind.value_count();
    // Every fifth subscriber's dials start near their end and wrap during the year.
    let start = if n % 5 == 2 {
        99_950
    } else {
        100 + 37 * n as u32 + 11 * p as u32
    };
    // Subscriber 4's hot water: verification ran out four months before the last month.
    let verification_due = if n == 3 && plan.suffix == "gvs" {
        let mut month = last;
        for _ in 0..4 {
            month = month.previous();
        }
        month.first_day() + Duration::days(14)
    } else {
        NaiveDate::from_ymd_opt(installed_on.year() + 6, installed_on.month(), 1)
            .unwrap_or(installed_on)
    };
    MeterRecord {
        id: meter_id(number, plan.suffix),
        subscriber_id: subscriber_id.to_owned(),
        service_id: service_id.to_owned(),
        serial: format!(
            "{}-{}",
            plan.suffix.to_uppercase(),
            410_000 + n * 10 + p as u64
        ),
        kind: plan.kind,
        installed_on,
        initial: vec![Decimal::from(start); zones],
        digits: DIGITS,
        multiplier: Decimal::ONE,
        verification_due: Some(verification_due),
        seal: Some(format!("П-{}", 77_000 + n * 10 + p as u64)),
        status: MeterStatus::Active,
        removed_on: None,
        replaced_by: None,
        replaces: None,
        created_at: installed_on
            .and_hms_opt(9, 0, 0)
            .unwrap_or_default()
            .and_utc(),
        updated_at: installed_on
            .and_hms_opt(9, 0, 0)
            .unwrap_or_default()
            .and_utc(),
    }
}

/// Readings on the 20th from `first` to `last`, except the last two months of every fourth
/// subscriber (they sent nothing: estimation's work).
fn demo_readings(
    meter: &MeterRecord,
    plan: &Plan,
    n: u64,
    first: BillingMonth,
    last: BillingMonth,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<ReadingRecord> {
    let spec = meter.spec();
    let capacity = spec.capacity();
    let silent_from = if n % 4 == 1 {
        Some(last.previous())
    } else {
        None
    };
    let mut values = meter.initial.clone();
    let mut previous = meter.initial.clone();
    let mut readings = Vec::new();
    let mut month = first;
    let mut i = 0u64;
    loop {
        // A small, fixed wobble around the plan's monthly use.
        for (zone, value) in values.iter_mut().enumerate() {
            let wobble = (n * 7 + i * 3 + zone as u64) % 5;
            let step = Decimal::from(plan.monthly[zone]) + Decimal::from(wobble) - Decimal::TWO;
            *value = (*value + step) % capacity;
        }
        if silent_from.is_none_or(|from| month < from) {
            let date = month.first_day() + Duration::days(19);
            let mut flags = Vec::new();
            if let Some(due) = meter.verification_due.filter(|due| date > *due) {
                flags.push(Flag::VerificationExpired { due });
            }
            readings.push(ReadingRecord {
                meter_id: meter.id.clone(),
                date,
                values: values.clone(),
                source: ReadingSource::Import,
                version_no: 1,
                advance: advance(&spec, &previous, &values).unwrap_or_default(),
                flags,
                entered_by: "demo".into(),
                entered_at: now,
            });
            previous.clone_from(&values);
        }
        if month == last {
            break;
        }
        month = month.next();
        i += 1;
    }
    readings
}

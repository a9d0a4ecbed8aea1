//! Demo meters for `crm dev`: a cold-water meter with a year of monthly readings for the first
//! demo subscribers, with a rollover, a few missing months and an expired verification, so the
//! meter pages have something to show. Safe on every start: a meter whose serial exists is
//! left as it is.

use chrono::{Datelike, Duration, NaiveDate};
use crm_domain::TenantId;
use crm_domain::billing::catalog::ServiceCode;
use crm_domain::meter::ReadingSource;
use rust_decimal::Decimal;
use serde_json::Value;

use super::MeterError;
use super::input::MeterInput;
use super::intake::{Intake, IntakeRow, MeterRef};
use super::registry;
use crate::Services;
use crate::audit::Audit;
use crate::catalog::links::{self, LinkDraft};
use crate::catalog::services::Context;
use crate::keys;
use crate::store::{Index, Query};
use crate::subscribers::Subscriber;

const DEMO_METERS: u32 = 20;

fn serial(n: u32) -> String {
    format!("ДЕМО-ХВ-{n:04}")
}

/// Day 20 of the month `back` months before `today`'s.
fn month_day(today: NaiveDate, back: u32) -> NaiveDate {
    let months = today.year() * 12 + today.month0() as i32 - back as i32;
    NaiveDate::from_ymd_opt(months.div_euclid(12), months.rem_euclid(12) as u32 + 1, 20)
        .unwrap_or(today)
}

/// Creates the demo meters that are missing; returns how many were created.
pub async fn seed_demo(services: &Services, tenant: &TenantId) -> Result<u32, MeterError> {
    let db = services.db.tenant(tenant);
    let audit = Audit::system("demo");
    let Ok(code) = ServiceCode::parse("ХВС") else {
        return Ok(0);
    };
    let Some(water) = db
        .get(&keys::service_code(db.namespace(), &code.normalised()))
        .await?
        .and_then(|item| {
            item.body
                .get("service_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
    else {
        return Ok(0);
    };
    let first = db
        .query(
            Query::new(
                Index::Gsi1,
                keys::subscribers_by_account_partition(db.namespace()),
            )
            .limit(DEMO_METERS),
            None,
        )
        .await?;
    let today = crate::subscribers::today(services, tenant).await;
    let installed = month_day(today, 13) - Duration::days(10);
    let mut rows = Vec::new();
    let mut created = 0;
    for (n, item) in (0u32..).zip(&first.items) {
        let subscriber = Subscriber::from_item(item)?;
        if registry::find_by_serial(&db, &serial(n)).await?.is_some() {
            continue;
        }
        let linked = links::of_subscriber(&db, &subscriber.id)
            .await
            .map_err(|e| MeterError::Store(crate::store::StoreError::Backend(e.to_string())))?
            .iter()
            .any(|l| l.service_id == water);
        if !linked {
            let cx = Context {
                audit: &audit,
                ids: services.ids.as_ref(),
                now: services.clock.now(),
            };
            let draft = LinkDraft {
                valid_from: Some(installed.to_string()),
                ..LinkDraft::default()
            };
            if links::attach(&db, &cx, &subscriber.id, &water, &draft)
                .await
                .is_err()
            {
                continue;
            }
        }
        // One meter rolls over its dial; one has an expired verification.
        let start: u64 = if n == 5 { 99_960 } else { u64::from(n) * 37 };
        let due = if n == 3 {
            today - Duration::days(40)
        } else {
            today + Duration::days(365 * 4)
        };
        let input = MeterInput {
            subscriber_id: Some(subscriber.id.clone()),
            service_id: Some(water.clone()),
            serial: Some(serial(n)),
            kind: Some("cold_water".into()),
            installed_on: Some(installed.to_string()),
            initial: Some(vec![start.to_string()]),
            digits: Some("5".into()),
            multiplier: Some("1".into()),
            verification_due: Some(due.to_string()),
            seal: Some(format!("П-{:05}", 1000 + n)),
        };
        registry::create(services, tenant, &audit, &input).await?;
        created += 1;
        let mut value = start;
        for back in (0..12).rev() {
            value += 3 + u64::from((n + back) % 5);
            // A few months are missing: nobody sent a reading.
            if (n + back) % 7 == 0 {
                continue;
            }
            let date = month_day(today, back);
            if date > today {
                continue;
            }
            rows.push(IntakeRow {
                line: u64::from(n),
                meter: MeterRef::Serial(serial(n)),
                date,
                values: vec![Decimal::from(value % 100_000)],
            });
        }
    }
    if !rows.is_empty() {
        let intake = Intake::new(services, tenant, &audit, ReadingSource::Import, "demo").await?;
        intake.run(&rows).await?;
    }
    Ok(created)
}

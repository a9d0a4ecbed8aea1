//! Estimating the consumption of a billing month for meters without a real reading in it
//! (Government Decree 354, p. 59-60; DOMAIN.md "Meter readings").
//!
//! Which meters: the tenant's metered services (kind listings, GSI1), who has each of them in
//! the month (the service's links, GSI1), and each such subscriber's meters of that service
//! with their readings (`records::subscriber_meters`). No scans.
//!
//! The rule per meter ([`assess`]): a trusted reading dated in the month (or later) covers it;
//! otherwise
//! the average monthly consumption of the last N months with real readings, while fewer than M
//! months have passed without one since the last real reading (or the installation); after
//! that the norm of the service's tariff times the registered residents (at least one: p. 56(2)
//! charges an empty flat by its owners). A meter past its verification due date counts as
//! absent: its later readings are not trusted. N and M are the tenant's
//! [`MeterEstimationSection`](crate::settings::MeterEstimationSection).
//!
//! Each subscriber's new estimates are written in one transaction with its audit record, each
//! on "must not exist": running a month again, or a redelivered job, changes nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use crm_domain::billing::service::ServiceKind;
use crm_domain::meter::{Estimate, EstimationPolicy, advance, estimate};
use crm_domain::period::BillingMonth;
use rust_decimal::Decimal;
use serde_json::json;

use super::estimates::{estimate_item, month_number, trusted};
use super::records::{
    EstimateMethod, EstimateRecord, MeterRecord, ReadingRecord, subscriber_meters,
};
use crate::Services;
use crate::audit::{Audit, Change};
use crate::catalog::services::Service;
use crate::catalog::{CatalogError, links, tariffs};
use crate::clock::Ids;
use crate::keys;
use crate::progress::{Control, JobRun, RunError};
use crate::store::{Condition, Index, Put, Query, ScopedDb, StoreError, Write};

/// The audit action of estimates written for a subscriber.
pub const AUDIT_ACTION: &str = "meter.estimate";

/// What estimation found for one meter in the month.
#[derive(Clone, Debug, PartialEq)]
pub enum MeterOutcome {
    /// A trusted reading is dated in the month or after it: nothing to estimate.
    Covered,
    /// Installed during or after the month, or removed before it: its first period starts
    /// with its first reading.
    NotInPlace,
    /// The month's estimate is stored already.
    AlreadyEstimated,
    Estimated(EstimateRecord),
    /// No real history to average and no norm in the tariff: someone must act.
    Unavailable,
}

impl MeterOutcome {
    /// The count it adds to in a job's summary.
    pub fn count_name(&self) -> &'static str {
        match self {
            MeterOutcome::Covered => "covered",
            MeterOutcome::NotInPlace => "not_in_place",
            MeterOutcome::AlreadyEstimated => "unchanged",
            MeterOutcome::Estimated(e) => match e.method {
                EstimateMethod::Average => "average",
                EstimateMethod::Norm => "norm",
            },
            MeterOutcome::Unavailable => "unavailable",
        }
    }
}

/// Real monthly consumption per zone (after the multiplier) of the months before `before`
/// that have a trusted reading, oldest first. A reading after a gap spreads its advance over
/// the months since the previous one.
pub fn monthly_history(
    meter: &MeterRecord,
    trusted: &[&ReadingRecord],
    before: BillingMonth,
) -> Vec<Vec<Decimal>> {
    let spec = meter.spec();
    let limit = month_number(before.first_day());
    let mut by_month: BTreeMap<i64, Vec<Decimal>> = BTreeMap::new();
    let (mut previous_date, mut previous) = (meter.installed_on, meter.initial.as_slice());
    for reading in trusted {
        let Some(step) = advance(&spec, previous, &reading.values) else {
            continue;
        };
        let month = month_number(reading.date);
        if month < limit {
            let span = Decimal::from((month - month_number(previous_date)).max(1));
            let sums = by_month
                .entry(month)
                .or_insert_with(|| vec![Decimal::ZERO; step.len()]);
            for (sum, part) in sums.iter_mut().zip(&step) {
                *sum += part * spec.multiplier / span;
            }
        }
        (previous_date, previous) = (reading.date, reading.values.as_slice());
    }
    by_month
        .into_values()
        .map(|m| m.into_iter().map(|v| v.round_dp(6)).collect())
        .collect()
}

/// Months without a trusted reading between the last one before `month` (or the
/// installation) and `month`: the periods already estimated in a row.
pub fn months_without_reading(
    meter: &MeterRecord,
    trusted: &[&ReadingRecord],
    month: BillingMonth,
) -> u32 {
    let start = month.first_day();
    let last = trusted
        .iter()
        .rfind(|r| r.date < start)
        .map_or(meter.installed_on, |r| r.date);
    u32::try_from((month_number(start) - month_number(last) - 1).max(0)).unwrap_or(u32::MAX)
}

/// The rule for one meter and month. `readings` and `estimates` are the meter's (others are
/// ignored); `norm` is the norm quantity for the month (norm x residents), if the tariff has
/// one.
pub fn assess(
    meter: &MeterRecord,
    readings: &[&ReadingRecord],
    estimates: &[&EstimateRecord],
    month: BillingMonth,
    norm: Option<Decimal>,
    policy: &EstimationPolicy,
    now: DateTime<Utc>,
) -> MeterOutcome {
    let range = month.range();
    if meter.installed_on >= range.start || meter.removed_on.is_some_and(|r| r < range.start) {
        return MeterOutcome::NotInPlace;
    }
    let trusted = trusted(meter, readings);
    // A reading in the month covers it; so does a later one: its advance spans the month, and
    // billing charges it with the later month (an estimate now would charge the month twice).
    if trusted.iter().any(|r| r.date >= range.start) {
        return MeterOutcome::Covered;
    }
    let label = month.to_string();
    if estimates
        .iter()
        .any(|e| e.meter_id == meter.id && e.month == label)
    {
        return MeterOutcome::AlreadyEstimated;
    }
    let history = monthly_history(meter, &trusted, month);
    let in_a_row = months_without_reading(meter, &trusted, month);
    let (method, consumption) = match estimate(&history, in_a_row, norm, policy) {
        Estimate::Average { monthly } => (EstimateMethod::Average, monthly),
        Estimate::Norm { quantity } => (EstimateMethod::Norm, vec![quantity]),
        Estimate::Unavailable => return MeterOutcome::Unavailable,
    };
    MeterOutcome::Estimated(EstimateRecord {
        meter_id: meter.id.clone(),
        month: label,
        method,
        consumption,
        created_at: now,
        superseded: None,
    })
}

/// The norm quantity of a month: the tariff's norm per resident times the residents, at least
/// one (Decree 354 p. 56(2): with nobody registered, the owner is counted).
pub fn norm_quantity(norm_per_resident: Option<Decimal>, residents: u32) -> Option<Decimal> {
    norm_per_resident.map(|norm| norm * Decimal::from(residents.max(1)))
}

/// What a run needs besides the store.
pub struct EstimationContext<'a> {
    pub audit: &'a Audit,
    pub ids: &'a dyn Ids,
    pub now: DateTime<Utc>,
    pub policy: &'a EstimationPolicy,
}

/// Estimates the month for one subscriber's meters of one service. Returns each meter's
/// outcome (none: the subscriber has no meter of the service, so billing uses the norm, p. 42).
pub async fn estimate_link(
    db: &ScopedDb,
    cx: &EstimationContext<'_>,
    subscriber_id: &str,
    service_id: &str,
    month: BillingMonth,
    norm_per_resident: Option<Decimal>,
) -> Result<Vec<(String, MeterOutcome)>, StoreError> {
    let mut attempt = 0;
    loop {
        let found = subscriber_meters(db, subscriber_id).await?;
        let meters: Vec<&MeterRecord> = found
            .meters
            .iter()
            .map(|(m, _)| m)
            .filter(|m| m.service_id == service_id)
            .collect();
        if meters.is_empty() {
            return Ok(Vec::new());
        }
        let residents = match norm_per_resident {
            Some(_) => crate::subscribers::get(db, subscriber_id)
                .await?
                .map_or(0, |(s, _)| s.facts.residents.value()),
            None => 0,
        };
        let norm = norm_quantity(norm_per_resident, residents);
        let estimates: Vec<&EstimateRecord> = found.estimates.iter().map(|(e, _)| e).collect();
        let outcomes: Vec<(String, MeterOutcome)> = meters
            .iter()
            .map(|meter| {
                let readings = found.readings_of(&meter.id);
                let outcome = assess(meter, &readings, &estimates, month, norm, cx.policy, cx.now);
                (meter.id.clone(), outcome)
            })
            .collect();
        let new: Vec<&EstimateRecord> = outcomes
            .iter()
            .filter_map(|(_, o)| match o {
                MeterOutcome::Estimated(e) => Some(e),
                _ => None,
            })
            .collect();
        if new.is_empty() {
            return Ok(outcomes);
        }
        let writes = estimate_writes(db, cx, subscriber_id, &new);
        match db.transact(writes).await {
            Ok(()) => return Ok(outcomes),
            // Another run (a redelivered job) wrote first: read again; its estimates now count
            // as already there.
            Err(StoreError::ConditionFailed { .. } | StoreError::TransactionConflict)
                if attempt < 3 =>
            {
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

fn estimate_writes(
    db: &ScopedDb,
    cx: &EstimationContext<'_>,
    subscriber_id: &str,
    new: &[&EstimateRecord],
) -> Vec<Write> {
    let ns = db.namespace();
    let mut writes: Vec<Write> = new
        .iter()
        .map(|e| {
            Write::Put(Put {
                item: estimate_item(ns, subscriber_id, e),
                condition: Condition::MustNotExist,
            })
        })
        .collect();
    let after = json!({
        "estimates": new.iter().map(|e| json!({
            "meter_id": e.meter_id,
            "month": e.month,
            "method": e.method,
            "consumption": e.consumption,
        })).collect::<Vec<_>>()
    });
    let (_, audit) = cx.audit.record(
        ns,
        cx.ids.new_id(),
        cx.now,
        &Change {
            action: AUDIT_ACTION,
            entity_type: crate::subscribers::ENTITY,
            entity_id: subscriber_id,
            before: None,
            after: Some(&after),
        },
    );
    writes.push(audit);
    writes
}

/// A metered service of the tenant and the norm its tariff sets for the month.
#[derive(Clone, Debug)]
pub struct MeteredService {
    pub service: Service,
    pub norm_per_resident: Option<Decimal>,
    /// Links ever made to it (the job's total).
    pub link_count: u64,
}

/// The tenant's metered services (active and archived: an archived service's links may still
/// run), from the kind listings.
pub async fn metered_services(
    db: &ScopedDb,
    month: BillingMonth,
) -> Result<Vec<MeteredService>, StoreError> {
    let mut found = Vec::new();
    for kind in ServiceKind::ALL.into_iter().filter(|k| k.is_metered()) {
        for archived in [false, true] {
            let partition = keys::services_of_kind_partition(db.namespace(), archived, kind.code());
            let mut cursor = None;
            loop {
                let query = Query::new(Index::Gsi1, partition.clone()).limit(500);
                let page = db.query(query, cursor.as_ref()).await?;
                for item in &page.items {
                    let service = Service::from_item(item)?;
                    let history = match tariffs::history(db, &service.id).await {
                        Ok(history) => history,
                        Err(CatalogError::Store(e)) => return Err(e),
                        Err(_) => continue,
                    };
                    let norm_per_resident = history
                        .current(month.first_day())
                        .and_then(|v| v.version.norm);
                    found.push(MeteredService {
                        service,
                        norm_per_resident,
                        link_count: history.link_count,
                    });
                }
                match page.next {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
        }
    }
    Ok(found)
}

/// Whether a link's period has days in `month`.
fn linked_in(link: &links::Link, month: BillingMonth) -> bool {
    !link.period.is_cancelled() && link.period.within(month.range()).is_some()
}

/// Counts of a month's run, by outcome name (`links`, `covered`, `average`, `norm`,
/// `unchanged`, `unavailable`, `no_meter`, `not_in_place`).
pub type Counts = BTreeMap<String, u64>;

/// How a month's run ended.
#[derive(Clone, Debug, PartialEq)]
pub struct MonthRun {
    pub counts: Counts,
    /// Stopped early at someone's request.
    pub cancelled: bool,
}

/// Estimates `month` for every subscriber of the tenant with a metered service in it.
/// Progress goes to `run` when given (at most every few hundred links or seconds).
pub async fn run_month(
    services: &Services,
    tenant: &TenantId,
    month: BillingMonth,
    audit: &Audit,
    mut run: Option<&mut JobRun>,
) -> Result<MonthRun, RunError> {
    let db = services.db.tenant(tenant);
    let clock = services.clock.as_ref();
    let (settings, _) = crate::settings::load(&services.db, tenant).await?;
    let policy = settings.meter_estimation.policy();
    let metered = metered_services(&db, month).await?;
    if let Some(run) = run.as_deref_mut() {
        let total = metered.iter().map(|s| s.link_count).sum();
        if run.start_phase(clock, "estimating", Some(total)).await? == Control::Cancel {
            return Ok(MonthRun {
                counts: Counts::new(),
                cancelled: true,
            });
        }
    }
    let mut counts = Counts::new();
    let mut processed = 0u64;
    for service in &metered {
        let mut cursor = None;
        let mut last_subscriber: Option<String> = None;
        loop {
            let (page, next) =
                match links::of_service(&db, &service.service.id, 200, cursor.as_ref()).await {
                    Ok(found) => found,
                    Err(CatalogError::Store(e)) => return Err(e.into()),
                    Err(_) => break,
                };
            for link in &page {
                processed += 1;
                // Links come by subscriber: one pass per subscriber and service.
                let seen = last_subscriber.as_deref() == Some(link.subscriber_id.as_str());
                if linked_in(link, month) && !seen {
                    last_subscriber = Some(link.subscriber_id.clone());
                    *counts.entry("links".into()).or_default() += 1;
                    let cx = EstimationContext {
                        audit,
                        ids: services.ids.as_ref(),
                        now: clock.now(),
                        policy: &policy,
                    };
                    let outcomes = estimate_link(
                        &db,
                        &cx,
                        &link.subscriber_id,
                        &service.service.id,
                        month,
                        service.norm_per_resident,
                    )
                    .await?;
                    if outcomes.is_empty() {
                        *counts.entry("no_meter".into()).or_default() += 1;
                    }
                    for (_, outcome) in &outcomes {
                        *counts.entry(outcome.count_name().into()).or_default() += 1;
                    }
                }
                if let Some(run) = run.as_deref_mut()
                    && run.progress(clock, processed, &counts, None).await? == Control::Cancel
                {
                    return Ok(MonthRun {
                        counts,
                        cancelled: true,
                    });
                }
            }
            match next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    Ok(MonthRun {
        counts,
        cancelled: false,
    })
}

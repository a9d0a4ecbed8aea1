//! Stored estimates of missing readings and their supersession by real readings (Government
//! Decree 354, p. 59-61).
//!
//! An estimate is one item per meter and billing month in the subscriber's partition
//! (`keys::estimate`), also listed per month (GSI1, `keys::estimates_of_month`). It is written
//! once ("must not exist"), so estimating a month twice changes nothing. When a real reading
//! arrives after estimated months, [`supersession_writes`] marks each estimate it covers as
//! superseded (on the estimate's version) with the difference between that month's real
//! consumption and the estimate. A month's real consumption is its share of the reading's
//! advance by days ([`real_shares`]); the reading's own month keeps the rest.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use crm_domain::meter::{ReadingSource, advance, shares_of_months, supersession_difference};
use crm_domain::period::{BillingMonth, DateRange};
use rust_decimal::Decimal;

use super::records::{EstimateRecord, MeterRecord, ReadingRecord, Supersession, estimate_body};
use crate::keys::{self, Namespace};
use crate::store::{Condition, Index, Item, Put, Query, ScopedDb, SortKey, StoreError, Write};

/// A month as a number (months since year 0), to count months between dates.
pub fn month_number(day: NaiveDate) -> i64 {
    i64::from(day.year()) * 12 + i64::from(day.month0())
}

/// The readings billing may trust: real ones dated on or before the verification due date. A
/// meter past its verification counts as absent (DOMAIN.md), so later readings prove nothing.
pub fn trusted<'a>(meter: &MeterRecord, readings: &[&'a ReadingRecord]) -> Vec<&'a ReadingRecord> {
    let spec = meter.spec();
    let mut trusted: Vec<&ReadingRecord> = readings
        .iter()
        .copied()
        .filter(|r| r.meter_id == meter.id)
        .filter(|r| r.source != ReadingSource::Estimated && spec.verified_on(r.date))
        .collect();
    trusted.sort_by_key(|r| r.date);
    trusted
}

/// The reading before `date` among `trusted` (date and values), or the installation values.
pub fn previous_values<'a>(
    meter: &'a MeterRecord,
    trusted: &[&'a ReadingRecord],
    date: NaiveDate,
) -> (NaiveDate, &'a [Decimal]) {
    trusted
        .iter()
        .rfind(|r| r.date < date)
        .map_or((meter.installed_on, meter.initial.as_slice()), |r| {
            (r.date, r.values.as_slice())
        })
}

/// The estimate's item with its month listing key.
pub fn estimate_item(namespace: &Namespace, subscriber_id: &str, record: &EstimateRecord) -> Item {
    Item::new(
        keys::estimate(namespace, subscriber_id, &record.meter_id, &record.month),
        estimate_body(record),
    )
    .with_index(
        Index::Gsi1,
        keys::estimates_of_month(namespace, &record.month, subscriber_id, &record.meter_id),
    )
}

/// A meter's estimates with their item versions, in month order (one query).
pub async fn of_meter(
    db: &ScopedDb,
    meter: &MeterRecord,
) -> Result<Vec<(EstimateRecord, u64)>, StoreError> {
    let partition = keys::subscriber_partition(db.namespace(), &meter.subscriber_id);
    let mut found = Vec::new();
    let mut cursor = None;
    loop {
        let query = Query::new(Index::Table, partition.clone())
            .sort(SortKey::BeginsWith(keys::estimates_prefix(&meter.id)))
            .limit(1000);
        let page = db.query(query, cursor.as_ref()).await?;
        for item in &page.items {
            found.push((EstimateRecord::from_item(item)?, item.version));
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(found)
}

/// The real consumption (per zone, after the multiplier) that `reading` shows for each of
/// `months` other than the reading's own: its advance since the previous trusted reading
/// spread over the days. The reading's own month, when listed, gets what the other months
/// leave. `None` when the reading cannot follow its predecessor (validation refuses those).
pub fn real_shares(
    meter: &MeterRecord,
    trusted: &[&ReadingRecord],
    reading: &ReadingRecord,
    months: &[BillingMonth],
) -> Option<Vec<Vec<Decimal>>> {
    let spec = meter.spec();
    let (from, previous) = previous_values(meter, trusted, reading.date);
    let total: Vec<Decimal> = advance(&spec, previous, &reading.values)?
        .into_iter()
        .map(|a| a * spec.multiplier)
        .collect();
    let own = BillingMonth::of(reading.date);
    let others: Vec<DateRange> = months
        .iter()
        .filter(|m| **m != own)
        .map(|m| m.range())
        .collect();
    let mut other_shares = shares_of_months(&total, from, reading.date, &others).into_iter();
    let mut taken = vec![Decimal::ZERO; total.len()];
    let mut shares: Vec<Option<Vec<Decimal>>> = months
        .iter()
        .map(|m| {
            (*m != own).then(|| {
                let share = other_shares.next().unwrap_or_default();
                for (sum, part) in taken.iter_mut().zip(&share) {
                    *sum += part;
                }
                share
            })
        })
        .collect();
    let rest: Vec<Decimal> = total.iter().zip(&taken).map(|(t, s)| t - s).collect();
    for share in shares.iter_mut().filter(|s| s.is_none()) {
        *share = Some(rest.clone());
    }
    Some(shares.into_iter().map(Option::unwrap_or_default).collect())
}

/// `real` in the estimate's shape: a norm estimate of a multi-zone meter has one value, so the
/// real consumption is summed over the zones to compare with it.
pub fn in_shape_of(estimate: &[Decimal], real: &[Decimal]) -> Vec<Decimal> {
    if estimate.len() == real.len() {
        real.to_vec()
    } else {
        vec![real.iter().sum()]
    }
}

/// The writes that mark the estimates `new` covers as superseded, each with the difference
/// between what was really used and what was estimated; the caller adds them to the
/// transaction that stores `new`. `history` is the meter's current readings including `new`.
///
/// Covered are the meter's estimates not yet superseded for the months after the previous
/// trusted reading's month up to and including `new`'s month. A reading the meter's
/// verification does not cover supersedes nothing (the meter counts as absent). Each write is
/// conditional on the estimate's version, so a concurrent change fails the transaction.
pub async fn supersession_writes(
    db: &ScopedDb,
    meter: &MeterRecord,
    history: &[ReadingRecord],
    new: &ReadingRecord,
    now: DateTime<Utc>,
) -> Result<Vec<Write>, StoreError> {
    if new.source == ReadingSource::Estimated || !meter.spec().verified_on(new.date) {
        return Ok(Vec::new());
    }
    let estimates = of_meter(db, meter).await?;
    Ok(supersession_writes_with(
        db.namespace(),
        meter,
        history,
        new,
        estimates,
        now,
    ))
}

/// [`supersession_writes`] with the meter's estimates already read (the batch intake reads
/// them by key, for the months a reading covers).
pub fn supersession_writes_with(
    ns: &keys::Namespace,
    meter: &MeterRecord,
    history: &[ReadingRecord],
    new: &ReadingRecord,
    estimates: Vec<(EstimateRecord, u64)>,
    now: DateTime<Utc>,
) -> Vec<Write> {
    if new.source == ReadingSource::Estimated || !meter.spec().verified_on(new.date) {
        return Vec::new();
    }
    let all: Vec<&ReadingRecord> = history
        .iter()
        .filter(|r| r.date != new.date)
        .chain(std::iter::once(new))
        .collect();
    let trusted = trusted(meter, &all);
    let (from, _) = previous_values(meter, &trusted, new.date);
    let (after, upto) = (month_number(from), month_number(new.date));
    let covered: Vec<(EstimateRecord, u64, BillingMonth)> = estimates
        .into_iter()
        .filter(|(e, _)| e.superseded.is_none())
        .filter_map(|(e, v)| {
            let month = BillingMonth::parse(&e.month).ok()?;
            let n = month_number(month.first_day());
            (n > after && n <= upto).then_some((e, v, month))
        })
        .collect();
    if covered.is_empty() {
        return Vec::new();
    }
    let months: Vec<BillingMonth> = covered.iter().map(|(_, _, m)| *m).collect();
    let Some(shares) = real_shares(meter, &trusted, new, &months) else {
        return Vec::new();
    };
    covered
        .into_iter()
        .zip(shares)
        .map(|((mut estimate, version, _), real)| {
            let real = in_shape_of(&estimate.consumption, &real);
            estimate.superseded = Some(Supersession {
                by_reading_on: new.date,
                at: now,
                difference: supersession_difference(
                    std::slice::from_ref(&estimate.consumption),
                    &real,
                ),
            });
            Write::Put(Put {
                item: estimate_item(ns, &meter.subscriber_id, &estimate),
                condition: Condition::VersionEquals(version),
            })
        })
        .collect()
}

/// One estimate of a month's listing, with what a person recognises it by.
#[derive(Clone, Debug, PartialEq)]
pub struct ListedEstimate {
    pub subscriber_id: String,
    /// Absent when the profile is gone.
    pub account_number: Option<String>,
    pub subscriber_name: Option<String>,
    pub serial: Option<String>,
    pub kind: Option<crm_domain::meter::MeterKind>,
    pub estimate: EstimateRecord,
}

/// One page of a month's estimates, by subscriber and meter (GSI1), with the subscribers'
/// account numbers and the meters' serials (batch reads of the page's keys).
pub async fn month_listing(
    db: &ScopedDb,
    month: BillingMonth,
    limit: u32,
    cursor: Option<&crate::store::Cursor>,
) -> Result<(Vec<ListedEstimate>, Option<crate::store::Cursor>), StoreError> {
    let ns = db.namespace();
    let query = Query::new(
        Index::Gsi1,
        keys::estimates_of_month_partition(ns, &month.to_string()),
    )
    .limit(limit.clamp(1, 200));
    let page = db.query(query, cursor).await?;
    let mut listed = Vec::with_capacity(page.items.len());
    for item in &page.items {
        let estimate: EstimateRecord = item
            .decode()
            .map_err(|e| StoreError::Backend(format!("unreadable {:?}: {e}", item.key)))?;
        let subscriber_id = item
            .index_keys
            .get(Index::Gsi1)
            .and_then(|k| k.sk.split_once('#'))
            .map(|(subscriber, _)| subscriber.to_owned())
            .unwrap_or_default();
        listed.push(ListedEstimate {
            subscriber_id,
            account_number: None,
            subscriber_name: None,
            serial: None,
            kind: None,
            estimate,
        });
    }
    let mut wanted = Vec::new();
    for l in &listed {
        wanted.push(keys::subscriber_profile(ns, &l.subscriber_id));
        wanted.push(keys::meter(ns, &l.subscriber_id, &l.estimate.meter_id));
    }
    wanted.sort_by(|a, b| (&a.pk, &a.sk).cmp(&(&b.pk, &b.sk)));
    wanted.dedup();
    let mut found = Vec::new();
    for chunk in wanted.chunks(crate::store::MAX_BATCH_GET) {
        found.extend(db.batch_get(chunk).await?);
    }
    for l in &mut listed {
        let profile = keys::subscriber_profile(ns, &l.subscriber_id);
        let meter = keys::meter(ns, &l.subscriber_id, &l.estimate.meter_id);
        for item in &found {
            if item.key == profile
                && let Ok(s) = crate::subscribers::Subscriber::from_item(item)
            {
                l.account_number = Some(s.account_number.to_string());
                l.subscriber_name = Some(s.display_name());
            } else if item.key == meter
                && let Ok(m) = MeterRecord::from_item(item)
            {
                l.serial = Some(m.serial);
                l.kind = Some(m.kind);
            }
        }
    }
    Ok((listed, page.next))
}

//! The reads of a slice of rows: which meter each row names (batch gets of the serial and
//! account-number sentinels) and the partitions of the subscribers they belong to (one range
//! query each). Spread over a few tasks: the reads are independent, the embedded store has
//! several reader connections, and on DynamoDB each call is a network round trip.

use std::collections::HashMap;
use std::future::Future;

use super::{IntakeRow, MeterRef, Refusal};
use crate::keys;
use crate::meters::records::{EstimateRecord, MeterRecord, ReadingRecord, subscriber_meters};
use crate::store::{Key, MAX_BATCH_GET, ScopedDb, StoreError};

/// Tasks reading at once.
const PARALLEL_READS: usize = 4;

/// Where a row's reading goes once its meter reference is resolved. An account number names the
/// subscriber only; the meter is then its only active one.
#[derive(Clone, Debug)]
pub(super) struct Target {
    pub subscriber_id: String,
    pub meter_id: Option<String>,
}

/// A subscriber partition as read: its meters (with versions) and their readings by date.
#[derive(Default)]
pub(super) struct Partition {
    pub meters: Vec<(MeterRecord, u64)>,
    pub readings: HashMap<String, Vec<ReadingRecord>>,
    /// By meter: what a new reading may supersede.
    pub estimates: HashMap<String, Vec<(EstimateRecord, u64)>>,
}

/// The target of each row, in order.
pub(super) async fn targets(
    db: &ScopedDb,
    rows: &[IntakeRow],
) -> Result<Vec<Result<Target, Refusal>>, StoreError> {
    let serials = sentinels(db, rows, Sentinel::Serial).await?;
    let accounts = sentinels(db, rows, Sentinel::Account).await?;
    Ok(rows
        .iter()
        .map(|row| match &row.meter {
            MeterRef::Serial(serial) => serials
                .get(serial.trim())
                .cloned()
                .ok_or(Refusal::UnknownSerial),
            MeterRef::Account(number) => accounts
                .get(number.trim())
                .cloned()
                .ok_or(Refusal::UnknownAccount),
        })
        .collect())
}

/// Reads the partitions of `subscribers` that `partitions` does not hold yet.
pub(super) async fn load_partitions(
    db: &ScopedDb,
    partitions: &mut HashMap<String, Partition>,
    subscribers: impl Iterator<Item = &str>,
) -> Result<(), StoreError> {
    let mut wanted: Vec<String> = subscribers
        .filter(|s| !partitions.contains_key(*s))
        .map(str::to_owned)
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let read = spread(db, wanted, |db, group: Vec<String>| async move {
        let mut read = Vec::with_capacity(group.len());
        for subscriber_id in group {
            let partition = partition(&db, &subscriber_id).await?;
            read.push((subscriber_id, partition));
        }
        Ok(read)
    })
    .await?;
    partitions.extend(read);
    Ok(())
}

/// What a serial-number or account-number sentinel says (other fields are not read).
#[derive(serde::Deserialize)]
struct SentinelBody {
    subscriber_id: String,
    #[serde(default)]
    meter_id: Option<String>,
}

#[derive(Clone, Copy)]
enum Sentinel {
    Serial,
    Account,
}

/// Resolves the rows' serials or account numbers (by `kind`) through their sentinels.
async fn sentinels(
    db: &ScopedDb,
    rows: &[IntakeRow],
    kind: Sentinel,
) -> Result<HashMap<String, Target>, StoreError> {
    let mut wanted: Vec<String> =
        rows.iter()
            .filter_map(|r| match (&r.meter, kind) {
                (MeterRef::Serial(s), Sentinel::Serial)
                | (MeterRef::Account(s), Sentinel::Account) => Some(s.trim()),
                _ => None,
            })
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let found = spread(db, wanted, move |db, group: Vec<String>| async move {
        let mut found = Vec::with_capacity(group.len());
        let ns = db.namespace().clone();
        for chunk in group.chunks(MAX_BATCH_GET) {
            let keys: Vec<Key> = chunk
                .iter()
                .map(|s| match kind {
                    Sentinel::Serial => keys::meter_serial(&ns, s),
                    Sentinel::Account => keys::account_number(&ns, s),
                })
                .collect();
            let by_key: HashMap<&Key, &String> = keys.iter().zip(chunk).collect();
            for item in db.batch_get_json(&keys).await? {
                let Some(name) = by_key.get(&item.key) else {
                    continue;
                };
                // A sentinel that does not name what it should is treated as absent.
                let Ok(body) = item.decode::<SentinelBody>() else {
                    continue;
                };
                let meter_id = match kind {
                    Sentinel::Serial => match body.meter_id {
                        Some(id) => Some(id),
                        None => continue,
                    },
                    Sentinel::Account => None,
                };
                let target = Target {
                    subscriber_id: body.subscriber_id,
                    meter_id,
                };
                found.push(((*name).clone(), target));
            }
        }
        Ok(found)
    })
    .await?;
    Ok(found.into_iter().collect())
}

/// Runs `work` over `items` split between [`PARALLEL_READS`] tasks; the results in no order.
async fn spread<T, R, F, Fut>(db: &ScopedDb, items: Vec<T>, work: F) -> Result<Vec<R>, StoreError>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(ScopedDb, Vec<T>) -> Fut,
    Fut: Future<Output = Result<Vec<R>, StoreError>> + Send + 'static,
{
    let per_task = items.len().div_ceil(PARALLEL_READS).max(1);
    let mut tasks = tokio::task::JoinSet::new();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let group: Vec<T> = items.by_ref().take(per_task).collect();
        tasks.spawn(work(db.clone(), group));
    }
    let mut results = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let part = done.map_err(|e| StoreError::Backend(format!("intake read: {e}")))??;
        results.extend(part);
    }
    Ok(results)
}

/// A subscriber's meters, current readings and estimates (one range query, see
/// `subscriber_meters`), grouped by meter.
async fn partition(db: &ScopedDb, subscriber_id: &str) -> Result<Partition, StoreError> {
    let found = subscriber_meters(db, subscriber_id).await?;
    let mut partition = Partition {
        meters: found.meters,
        ..Partition::default()
    };
    for reading in found.readings {
        partition
            .readings
            .entry(reading.meter_id.clone())
            .or_default()
            .push(reading);
    }
    for (estimate, version) in found.estimates {
        partition
            .estimates
            .entry(estimate.meter_id.clone())
            .or_default()
            .push((estimate, version));
    }
    Ok(partition)
}

//! The reads of a slice of rows: which meter each row names, with its spec (batch gets of the
//! serial sentinels, which carry it, and of the account-number sentinels; an account's meters
//! with one query), the meters' reading tails (one batch get), a meter's whole history only
//! when its tail cannot decide a row, and the estimates a reading may supersede. Spread over a
//! few tasks:
//! the reads are independent, the embedded store has several reader connections, and on
//! DynamoDB each call is a network round trip.

use foldhash::HashMap;
use std::future::Future;

use crm_domain::meter::MeterSpec;

use super::{IntakeRow, MeterRef, Refusal};
use crate::keys;
use crate::meters::records::{
    EstimateRecord, MeterRecord, MeterStatus, ReadingRecord, readings_between,
};
use crate::meters::registry;
use crate::meters::tail::{ReadingTail, record_of};
use crate::store::{JsonItem, Key, MAX_BATCH_GET, ScopedDb, StoreError};

/// Tasks reading at once.
const PARALLEL_READS: usize = 4;

/// The meter a row's reading goes to.
#[derive(Clone, Debug)]
pub(super) struct Target {
    pub subscriber_id: String,
    pub meter_id: String,
    /// The meter's spec as its serial sentinel or its record gave it (`None`: a sentinel
    /// written before it carried one; the record is read).
    pub spec: Option<MeterSpec>,
}

/// A meter as the intake works on it: what validation needs of its record, and its reading
/// tail with the rows accepted in this call added (never trimmed in memory, so what decided a
/// row keeps deciding).
pub(super) struct MeterState {
    pub id: String,
    pub subscriber_id: String,
    pub spec: MeterSpec,
    pub tail: ReadingTail,
    /// The stored tail's version, what its next write is conditioned on (`None`: none yet).
    pub tail_version: Option<u64>,
}

/// The target of each row, in order.
pub(super) async fn targets(
    db: &ScopedDb,
    rows: &[IntakeRow],
) -> Result<Vec<Result<Target, Refusal>>, StoreError> {
    let serials = sentinels(db, rows, Sentinel::Serial).await?;
    let accounts = sentinels(db, rows, Sentinel::Account).await?;
    let mut subscribers: Vec<String> = accounts.values().map(|s| s.subscriber_id.clone()).collect();
    subscribers.sort_unstable();
    subscribers.dedup();
    let active = spread(db, subscribers, |db, group: Vec<String>| async move {
        let mut found = Vec::with_capacity(group.len());
        for subscriber_id in group {
            let meters = registry::of_subscriber(&db, &subscriber_id).await?;
            let active: Vec<(String, MeterSpec)> = meters
                .into_iter()
                .filter(|m| m.status == MeterStatus::Active)
                .map(|m| (m.id.clone(), m.spec()))
                .collect();
            found.push((subscriber_id, active));
        }
        Ok(found)
    })
    .await?;
    let active: HashMap<String, Vec<(String, MeterSpec)>> = active.into_iter().collect();
    Ok(rows
        .iter()
        .map(|row| match &row.meter {
            MeterRef::Serial(serial) => match serials.get(serial.trim()) {
                Some(Found {
                    subscriber_id,
                    meter_id: Some(meter_id),
                    spec,
                }) => Ok(Target {
                    subscriber_id: subscriber_id.clone(),
                    meter_id: meter_id.clone(),
                    spec: spec.clone(),
                }),
                _ => Err(Refusal::UnknownSerial),
            },
            MeterRef::Account(number) => {
                let found = accounts.get(number.trim()).ok_or(Refusal::UnknownAccount)?;
                let meters = active
                    .get(&found.subscriber_id)
                    .map_or(&[][..], Vec::as_slice);
                match meters {
                    [] => Err(Refusal::NoActiveMeter),
                    [(meter_id, spec)] => Ok(Target {
                        subscriber_id: found.subscriber_id.clone(),
                        meter_id: meter_id.clone(),
                        spec: Some(spec.clone()),
                    }),
                    many => Err(Refusal::AmbiguousAccount { meters: many.len() }),
                }
            }
        })
        .collect())
}

/// Reads the meters of `targets` that `states` does not hold yet: their reading tails, and
/// the meter records of targets whose sentinel carried no spec. A meter whose record is gone
/// (its sentinel outlived it) stays absent.
pub(super) async fn load_meters<'a>(
    db: &ScopedDb,
    states: &mut HashMap<String, MeterState>,
    targets: impl Iterator<Item = &'a Target>,
) -> Result<(), StoreError> {
    let mut wanted: Vec<Target> = targets
        .filter(|t| !states.contains_key(&t.meter_id))
        .cloned()
        .collect();
    wanted.sort_unstable_by(|a, b| a.meter_id.cmp(&b.meter_id));
    wanted.dedup_by(|a, b| a.meter_id == b.meter_id);
    let read = spread(db, wanted, |db, group: Vec<Target>| async move {
        let ns = db.namespace().clone();
        let mut read = Vec::with_capacity(group.len());
        for chunk in group.chunks(MAX_BATCH_GET / 2) {
            // Each target's tail key, then its record's key when its sentinel gave no spec;
            // `at[n]` is where target `n`'s keys start.
            let mut keys: Vec<Key> = Vec::with_capacity(chunk.len() * 2);
            let mut at = Vec::with_capacity(chunk.len());
            for target in chunk {
                at.push(keys.len());
                keys.push(keys::meter_tail(&ns, &target.meter_id));
                if target.spec.is_none() {
                    keys.push(keys::meter(&ns, &target.subscriber_id, &target.meter_id));
                }
            }
            let mut items: HashMap<Key, JsonItem> = db
                .batch_get_json(&keys)
                .await?
                .into_iter()
                .map(|item| (item.key.clone(), item))
                .collect();
            for (target, at) in chunk.iter().zip(at) {
                let spec = match &target.spec {
                    Some(spec) => spec.clone(),
                    None => {
                        let key = &keys[at + 1];
                        let Some(meter) = items.remove(key) else {
                            continue;
                        };
                        meter
                            .decode::<MeterRecord>()
                            .map_err(|e| StoreError::Backend(format!("unreadable {key:?}: {e}")))?
                            .spec()
                    }
                };
                let (tail, tail_version) = match items.remove(&keys[at]) {
                    Some(item) => (ReadingTail::from_json(&item)?, Some(item.version)),
                    None => (ReadingTail::default(), None),
                };
                read.push((
                    target.meter_id.clone(),
                    MeterState {
                        id: target.meter_id.clone(),
                        subscriber_id: target.subscriber_id.clone(),
                        spec,
                        tail,
                        tail_version,
                    },
                ));
            }
        }
        Ok(read)
    })
    .await?;
    states.extend(read);
    Ok(())
}

/// Replaces the tail of `state` by the meter's whole history (with the rows accepted in this
/// call that its tail holds), so it decides any date.
pub(super) async fn load_history(db: &ScopedDb, state: &mut MeterState) -> Result<(), StoreError> {
    let (Some(first), Some(latest)) = (state.tail.first, state.tail.latest) else {
        return Ok(());
    };
    let mut history: Vec<ReadingRecord> =
        readings_between(db, &state.subscriber_id, Some(&state.id), first, latest).await?;
    history.retain(|r| r.meter_id == state.id);
    let mut whole = ReadingTail::whole(&history);
    for entry in &state.tail.recent {
        whole.insert(&record_of(entry, &state.id));
    }
    state.tail = whole;
    Ok(())
}

/// The estimates stored under `keys` (estimate keys), each with its version.
pub(super) async fn estimates(
    db: &ScopedDb,
    keys: Vec<Key>,
) -> Result<HashMap<Key, (EstimateRecord, u64)>, StoreError> {
    let found = spread(db, keys, |db, group: Vec<Key>| async move {
        let mut found = Vec::new();
        for chunk in group.chunks(MAX_BATCH_GET) {
            for item in db.batch_get_json(chunk).await? {
                let estimate: EstimateRecord = item
                    .decode()
                    .map_err(|e| StoreError::Backend(format!("unreadable {:?}: {e}", item.key)))?;
                found.push((item.key, (estimate, item.version)));
            }
        }
        Ok(found)
    })
    .await?;
    Ok(found.into_iter().collect())
}

/// What a serial-number or account-number sentinel says (other fields are not read).
#[derive(Clone, serde::Deserialize)]
struct Found {
    subscriber_id: String,
    #[serde(default)]
    meter_id: Option<String>,
    /// Serial sentinels: the meter's spec (`registry::serial_sentinel`).
    #[serde(default)]
    spec: Option<MeterSpec>,
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
) -> Result<HashMap<String, Found>, StoreError> {
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
                if let Ok(body) = item.decode::<Found>() {
                    found.push(((*name).clone(), body));
                }
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

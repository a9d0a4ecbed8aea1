//! Store conformance: every test is written once over a [`Fixture`] and runs against both
//! adapters: `sqlite_<name>` on a fresh SQLite file, `dynamo_<name>` on a fresh table of the
//! shared moto server. Tests go through the tenant-scoped handles use cases hold, so cursors and
//! tenant isolation are checked end to end.

use std::sync::Arc;

use anyhow::{Context, Result, bail, ensure};
use chrono::Utc;
use serde_json::{Value, json};

use crm_adapters::aws::sdk_config_for_emulator;
use crm_adapters::dynamo_store::{self, DynamoStore, IndexShape};
use crm_adapters::sqlite_store::SqliteStore;
use crm_app::clock::{Clock, FixedClock};
use crm_app::signing::Signer;
use crm_app::store::{
    Body, Change, Condition, Cursor, Db, Delete, Index, Item, Key, MAX_TRANSACTION_ITEMS, Put,
    Query, SortKey, Store, StoreError, TABLE, TenantDb, Update, Write,
};
use crm_domain::TenantId;

use crate::support::moto;

/// A fresh store behind a `Db`, with a clock the test can move.
struct Fixture {
    db: Db,
    clock: Arc<FixedClock>,
    _dir: Option<tempfile::TempDir>,
}

impl Fixture {
    fn new(
        store: Arc<dyn Store>,
        clock: Arc<FixedClock>,
        dir: Option<tempfile::TempDir>,
    ) -> Result<Self> {
        let signer = Signer::new(&[7; 32])?;
        Ok(Fixture {
            db: Db::new(store, &signer),
            clock,
            _dir: dir,
        })
    }

    fn tenant(&self, id: &str) -> Result<TenantDb> {
        Ok(self.db.tenant(&TenantId::parse(id)?))
    }

    fn now(&self) -> i64 {
        self.clock.now().timestamp()
    }

    fn advance(&self, seconds: i64) {
        self.clock.advance(chrono::Duration::seconds(seconds));
    }
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(Utc::now()))
}

async fn sqlite() -> Result<Fixture> {
    let dir = tempfile::tempdir()?;
    let clock = clock();
    let store = SqliteStore::open(&dir.path().join("data/store.db"))?.with_clock(clock.clone());
    Fixture::new(Arc::new(store), clock, Some(dir))
}

/// The emulator's endpoint; starting it may install it first, so keep that off the async
/// workers.
async fn moto_endpoint() -> Result<&'static str> {
    Ok(tokio::task::spawn_blocking(moto::endpoint).await?)
}

async fn dynamo() -> Result<Fixture> {
    let sdk = sdk_config_for_emulator(moto_endpoint().await?).await;
    let table = moto::unique_name("store");
    dynamo_store::create_table(&sdk, &table).await?;
    let clock = clock();
    let store = DynamoStore::new(&sdk, table).with_clock(clock.clone());
    Fixture::new(Arc::new(store), clock, None)
}

macro_rules! conformance {
    ($($test:ident: $sqlite:ident, $dynamo:ident;)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $sqlite() -> Result<()> {
                $test(sqlite().await?).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $dynamo() -> Result<()> {
                $test(dynamo().await?).await
            }
        )*
    };
}

conformance! {
    round_trip: sqlite_round_trip, dynamo_round_trip;
    failed_conditions_change_nothing: sqlite_failed_conditions_change_nothing, dynamo_failed_conditions_change_nothing;
    concurrent_writers_one_wins: sqlite_concurrent_writers_one_wins, dynamo_concurrent_writers_one_wins;
    failed_transaction_writes_nothing: sqlite_failed_transaction_writes_nothing, dynamo_failed_transaction_writes_nothing;
    transaction_limits: sqlite_transaction_limits, dynamo_transaction_limits;
    pagination_over_2500_items: sqlite_pagination_over_2500_items, dynamo_pagination_over_2500_items;
    index_queries: sqlite_index_queries, dynamo_index_queries;
    cursors_are_tamper_proof: sqlite_cursors_are_tamper_proof, dynamo_cursors_are_tamper_proof;
    tenants_are_isolated: sqlite_tenants_are_isolated, dynamo_tenants_are_isolated;
    batch_get: sqlite_batch_get, dynamo_batch_get;
    batch_write_puts_and_deletes: sqlite_batch_write_puts_and_deletes, dynamo_batch_write_puts_and_deletes;
    update_changes: sqlite_update_changes, dynamo_update_changes;
    update_upserts: sqlite_update_upserts, dynamo_update_upserts;
    expired_items_are_absent: sqlite_expired_items_are_absent, dynamo_expired_items_are_absent;
    json_reads_match_decoded_reads: sqlite_json_reads_match_decoded_reads, dynamo_json_reads_match_decoded_reads;
    tenant_items_are_listed_once_each: sqlite_tenant_items_are_listed_once_each, dynamo_tenant_items_are_listed_once_each;
}

// ---- helpers ----

fn body(value: Value) -> Body {
    match value {
        Value::Object(map) => map,
        _ => Body::new(),
    }
}

fn put(item: Item) -> Put {
    Put {
        item,
        condition: Condition::None,
    }
}

fn put_if(item: Item, condition: Condition) -> Put {
    Put { item, condition }
}

fn update(key: &Key, condition: Condition, changes: Vec<Change>) -> Update {
    Update {
        key: key.clone(),
        condition,
        changes,
    }
}

fn delete(key: &Key, condition: Condition) -> Delete {
    Delete {
        key: key.clone(),
        condition,
    }
}

fn set(field: &str, value: Value) -> Change {
    Change::Set(field.into(), value)
}

fn key(t: &TenantDb, pk: &[&str], sk: &str) -> Key {
    t.namespace().key(pk, sk)
}

fn pk(t: &TenantDb, parts: &[&str]) -> String {
    t.namespace().pk(parts)
}

async fn must_get(t: &TenantDb, key: &Key) -> Result<Item> {
    t.get(key)
        .await?
        .with_context(|| format!("{key:?} should exist"))
}

fn expect_condition_failed<T: std::fmt::Debug>(
    result: Result<T, StoreError>,
    key: &Key,
) -> Result<()> {
    match result {
        Err(StoreError::ConditionFailed { key: failed }) if &failed == key => Ok(()),
        other => bail!("expected ConditionFailed for {key:?}, got {other:?}"),
    }
}

fn is_foreign<T>(result: &Result<T, StoreError>) -> bool {
    matches!(result, Err(StoreError::ForeignKey { .. }))
}

fn keys(items: &[Item]) -> Vec<Key> {
    items.iter().map(|item| item.key.clone()).collect()
}

/// Reads every page of `query`, checking that each page but the last is full.
async fn read_all(t: &TenantDb, query: &Query) -> Result<Vec<Item>> {
    let mut items = Vec::new();
    let mut cursor: Option<Cursor> = None;
    for _ in 0..10_000 {
        let page = t.query(query.clone(), cursor.as_ref()).await?;
        let count = page.items.len();
        items.extend(page.items);
        match page.next {
            Some(next) => {
                ensure!(
                    count == query.limit as usize,
                    "a page with a next cursor holds {count} of {} items",
                    query.limit
                );
                cursor = Some(next);
            }
            None => return Ok(items),
        }
    }
    bail!("pagination did not end")
}

/// What `query` must return from `items`, computed the way DynamoDB defines it: matching
/// index key, ordered by (index sort key, table key) byte-wise.
fn expected(items: &[Item], query: &Query) -> Vec<Key> {
    let mut matching: Vec<(&Key, &Key)> = items
        .iter()
        .filter_map(|item| {
            item.key_in(query.index)
                .map(|index_key| (index_key, &item.key))
        })
        .filter(|(index_key, _)| index_key.pk == query.pk && query.sort.matches(&index_key.sk))
        .collect();
    matching.sort_by(|a, b| (&a.0.sk, a.1).cmp(&(&b.0.sk, b.1)));
    if !query.forward {
        matching.reverse();
    }
    matching.into_iter().map(|(_, key)| key.clone()).collect()
}

async fn check_query(t: &TenantDb, items: &[Item], query: Query) -> Result<()> {
    let got = read_all(t, &query).await?;
    let want = expected(items, &query);
    ensure!(
        keys(&got) == want,
        "query {query:?}\n got: {:?}\nwant: {want:?}",
        keys(&got)
    );
    Ok(())
}

// ---- the suite ----

async fn round_trip(f: Fixture) -> Result<()> {
    let t = f.tenant("a")?;
    let k = key(&t, &["SUB", "1"], "PROFILE");
    assert_eq!(t.get(&k).await?, None);

    let by_name = key(&t, &["BY_NAME"], "Ann");
    let item = Item::new(
        k.clone(),
        body(json!({"name": "Ann", "n": 1, "tags": ["x", "y"]})),
    )
    .with_index(Index::Gsi1, by_name.clone());
    assert_eq!(t.put(put(item)).await?, 1);
    let stored = must_get(&t, &k).await?;
    assert_eq!(stored.version, 1);
    assert_eq!(
        stored.body,
        body(json!({"name": "Ann", "n": 1, "tags": ["x", "y"]}))
    );
    assert_eq!(stored.key_in(Index::Gsi1), Some(&by_name));
    assert_eq!(stored.key_in(Index::Gsi2), None);
    assert_eq!(stored.expires_at, None);

    // The caller's version is ignored: the store counts.
    let mut replacement = stored.clone();
    replacement.version = 77;
    replacement.body.insert("name".into(), json!("Bob"));
    assert_eq!(t.put(put(replacement)).await?, 2);

    let updated = t
        .update(update(
            &k,
            Condition::VersionEquals(2),
            vec![set("city", json!("Казань"))],
        ))
        .await?;
    assert_eq!(updated.version, 3);
    assert_eq!(
        updated.body,
        body(json!({"name": "Bob", "n": 1, "tags": ["x", "y"], "city": "Казань"}))
    );
    assert_eq!(t.get(&k).await?, Some(updated));

    t.delete(delete(&k, Condition::VersionEquals(3))).await?;
    assert_eq!(t.get(&k).await?, None);
    // A deleted item is gone for good: writing it again starts over.
    assert_eq!(t.put(put(Item::new(k.clone(), Body::new()))).await?, 1);

    f.db.store().ping().await?;
    Ok(())
}

async fn failed_conditions_change_nothing(f: Fixture) -> Result<()> {
    let t = f.tenant("a")?;
    let a = key(&t, &["SUB", "1"], "PROFILE");
    let missing = key(&t, &["SUB", "2"], "PROFILE");
    t.put(put(Item::new(a.clone(), body(json!({"n": 1})))))
        .await?;
    let original = must_get(&t, &a).await?;
    let other_body = || Item::new(a.clone(), body(json!({"n": 99})));

    expect_condition_failed(
        t.put(put_if(other_body(), Condition::MustNotExist)).await,
        &a,
    )?;
    expect_condition_failed(
        t.put(put_if(other_body(), Condition::VersionEquals(5)))
            .await,
        &a,
    )?;
    expect_condition_failed(
        t.put(put_if(
            Item::new(missing.clone(), Body::new()),
            Condition::MustExist,
        ))
        .await,
        &missing,
    )?;
    expect_condition_failed(
        t.put(put_if(
            Item::new(missing.clone(), Body::new()),
            Condition::VersionEquals(1),
        ))
        .await,
        &missing,
    )?;
    let changes = || vec![set("n", json!(50)), Change::Increment("c".into(), 1)];
    expect_condition_failed(
        t.update(update(&a, Condition::VersionEquals(2), changes()))
            .await,
        &a,
    )?;
    expect_condition_failed(
        t.update(update(&a, Condition::MustNotExist, changes()))
            .await,
        &a,
    )?;
    expect_condition_failed(
        t.update(update(&missing, Condition::MustExist, changes()))
            .await,
        &missing,
    )?;
    expect_condition_failed(t.delete(delete(&a, Condition::VersionEquals(2))).await, &a)?;
    expect_condition_failed(t.delete(delete(&a, Condition::MustNotExist)).await, &a)?;
    expect_condition_failed(
        t.delete(delete(&missing, Condition::MustExist)).await,
        &missing,
    )?;

    assert_eq!(t.get(&a).await?, Some(original));
    assert_eq!(t.get(&missing).await?, None);

    // The conditions that hold do write.
    assert_eq!(
        t.put(put_if(other_body(), Condition::VersionEquals(1)))
            .await?,
        2
    );
    assert_eq!(t.put(put_if(other_body(), Condition::MustExist)).await?, 3);
    t.delete(delete(&missing, Condition::None)).await?;
    t.delete(delete(&missing, Condition::MustNotExist)).await?;
    t.delete(delete(&a, Condition::MustExist)).await?;
    assert_eq!(t.get(&a).await?, None);
    Ok(())
}

async fn concurrent_writers_one_wins(f: Fixture) -> Result<()> {
    let t = f.tenant("a")?;
    let k = key(&t, &["ACC", "1"], "BALANCE");
    t.put(put(Item::new(k.clone(), body(json!({"writer": -1})))))
        .await?;
    for round in 0..12 {
        let before = must_get(&t, &k).await?.version;
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let writers = (0..2).map(|writer| {
            let (t, k, barrier) = (t.clone(), k.clone(), barrier.clone());
            tokio::spawn(async move {
                let seen = t.get(&k).await?.map(|item| item.version).unwrap_or(0);
                barrier.wait().await;
                let condition = Condition::VersionEquals(seen);
                if round % 2 == 0 {
                    let item = Item::new(k.clone(), body(json!({"writer": writer})));
                    t.put(put_if(item, condition)).await.map(|_| ())
                } else {
                    let changes = vec![set("writer", json!(writer))];
                    t.update(update(&k, condition, changes)).await.map(|_| ())
                }
            })
        });
        let results = futures::future::join_all(writers).await;
        let mut wins = 0;
        for result in results {
            match result? {
                Ok(()) => wins += 1,
                Err(StoreError::ConditionFailed { .. }) => {}
                Err(other) => bail!("round {round}: unexpected {other:?}"),
            }
        }
        ensure!(wins == 1, "round {round}: {wins} writers won");
        assert_eq!(must_get(&t, &k).await?.version, before + 1);
    }
    Ok(())
}

async fn failed_transaction_writes_nothing(f: Fixture) -> Result<()> {
    let t = f.tenant("a")?;
    let existing = key(&t, &["SUB", "1"], "PROFILE");
    let doomed = key(&t, &["SUB", "2"], "PROFILE");
    let sentinel = key(&t, &["UNIQUE", "email"], "ann@example.com");
    let fresh = key(&t, &["SUB", "3"], "PROFILE");
    let missing = key(&t, &["SUB", "4"], "PROFILE");
    let counter = key(&t, &["COUNTER"], "INVOICE");
    for k in [&existing, &doomed, &sentinel] {
        t.put(put(Item::new(k.clone(), body(json!({"n": 1})))))
            .await?;
    }
    let snapshot = |t: TenantDb, ks: Vec<Key>| async move {
        let mut items = Vec::new();
        for k in &ks {
            items.push(t.get(k).await?);
        }
        Ok::<_, StoreError>(items)
    };
    let all = vec![
        existing.clone(),
        doomed.clone(),
        sentinel.clone(),
        fresh.clone(),
        missing.clone(),
        counter.clone(),
    ];
    let before = snapshot(t.clone(), all.clone()).await?;

    let writes = vec![
        Write::Put(put_if(
            Item::new(fresh.clone(), Body::new()),
            Condition::MustNotExist,
        )),
        Write::Update(update(
            &existing,
            Condition::VersionEquals(1),
            vec![Change::Increment("n".into(), 1)],
        )),
        Write::Update(update(
            &missing,
            Condition::MustExist,
            vec![set("x", json!(1))],
        )),
        Write::Delete(delete(&doomed, Condition::None)),
        Write::Check {
            key: sentinel.clone(),
            condition: Condition::MustNotExist,
        },
        Write::Update(update(
            &counter,
            Condition::None,
            vec![Change::Increment("next".into(), 1)],
        )),
    ];
    match t.transact(writes).await {
        Err(StoreError::TransactionCancelled { failed }) => assert_eq!(failed, vec![2, 4]),
        other => bail!("expected a cancelled transaction, got {other:?}"),
    }
    assert_eq!(snapshot(t.clone(), all.clone()).await?, before);

    // One failing position among passing ones is reported alone.
    let writes = vec![
        Write::Delete(delete(&doomed, Condition::VersionEquals(1))),
        Write::Put(put_if(
            Item::new(existing.clone(), Body::new()),
            Condition::VersionEquals(9),
        )),
    ];
    match t.transact(writes).await {
        Err(StoreError::TransactionCancelled { failed }) => assert_eq!(failed, vec![1]),
        other => bail!("expected a cancelled transaction, got {other:?}"),
    }
    assert_eq!(snapshot(t.clone(), all.clone()).await?, before);

    let writes = vec![
        Write::Put(put_if(
            Item::new(fresh.clone(), body(json!({"a": 1}))),
            Condition::MustNotExist,
        )),
        Write::Update(update(
            &existing,
            Condition::VersionEquals(1),
            vec![Change::Increment("n".into(), 1)],
        )),
        Write::Delete(delete(&doomed, Condition::MustExist)),
        Write::Check {
            key: sentinel.clone(),
            condition: Condition::VersionEquals(1),
        },
        Write::Check {
            key: missing.clone(),
            condition: Condition::None,
        },
        Write::Update(update(
            &counter,
            Condition::None,
            vec![Change::Increment("next".into(), 1)],
        )),
    ];
    t.transact(writes).await?;
    assert_eq!(must_get(&t, &fresh).await?.version, 1);
    let existing_now = must_get(&t, &existing).await?;
    assert_eq!(
        (existing_now.version, existing_now.body["n"].clone()),
        (2, json!(2))
    );
    assert_eq!(t.get(&doomed).await?, None);
    assert_eq!(must_get(&t, &sentinel).await?.version, 1);
    assert_eq!(t.get(&missing).await?, None);
    let counter_now = must_get(&t, &counter).await?;
    assert_eq!(
        (counter_now.version, counter_now.body["next"].clone()),
        (1, json!(1))
    );
    Ok(())
}

async fn transaction_limits(f: Fixture) -> Result<()> {
    let t = f.tenant("a")?;
    let writes = |prefix: &str, n: usize| -> Vec<Write> {
        (0..n)
            .map(|i| {
                let item = Item::new(
                    key(&t, &["TX", prefix], &format!("{i:05}")),
                    body(json!({"i": i})),
                );
                Write::Put(put_if(item, Condition::MustNotExist))
            })
            .collect()
    };
    // Every store takes DynamoDB's 100; a store may allow more (the embedded one does) and
    // then holds to its own limit exactly.
    let limit = t.transaction_limit();
    assert!(limit >= MAX_TRANSACTION_ITEMS, "limit {limit}");
    t.transact(writes("full", limit)).await?;
    let listing = Query::new(Index::Table, pk(&t, &["TX", "full"])).limit(1000);
    let stored = read_all(&t, &listing).await?;
    assert_eq!(stored.len(), limit);
    assert!(stored.iter().all(|item| item.version == 1));

    match t.transact(writes("over", limit + 1)).await {
        Err(StoreError::TooMany { limit: l, got, .. }) if l == limit && got == limit + 1 => {}
        other => bail!("expected TooMany, got {other:?}"),
    }
    let listing = Query::new(Index::Table, pk(&t, &["TX", "over"]));
    assert!(read_all(&t, &listing).await?.is_empty());

    let mut duplicated = writes("dup", 2);
    duplicated.push(Write::Delete(delete(
        &key(&t, &["TX", "dup"], "00000"),
        Condition::None,
    )));
    assert!(matches!(
        t.transact(duplicated).await,
        Err(StoreError::DuplicateKey { .. })
    ));
    assert!(matches!(
        t.transact(Vec::new()).await,
        Err(StoreError::Invalid(_))
    ));
    Ok(())
}

async fn pagination_over_2500_items(f: Fixture) -> Result<()> {
    let t = f.tenant("a")?;
    let listing = pk(&t, &["LIST"]);
    let groups = pk(&t, &["GROUPS"]);
    let items: Vec<Item> = (0..2500)
        .map(|i| {
            // Index sort keys repeat (7 groups), so the index order leans on the table key.
            Item::new(
                Key::new(listing.clone(), format!("I#{i:05}")),
                body(json!({"i": i})),
            )
            .with_index(
                Index::Gsi1,
                Key::new(groups.clone(), format!("G#{}", i % 7)),
            )
        })
        .collect();
    t.batch_write(items.clone(), Vec::new()).await?;

    for query in [
        Query::new(Index::Table, listing.clone()).limit(100),
        Query::new(Index::Table, listing.clone())
            .limit(100)
            .backward(),
        Query::new(Index::Gsi1, groups.clone()).limit(100),
        Query::new(Index::Gsi1, groups.clone())
            .limit(100)
            .backward(),
        Query::new(Index::Gsi1, groups.clone())
            .sort(SortKey::Between("G#2".into(), "G#4".into()))
            .limit(77)
            .backward(),
    ] {
        let got = read_all(&t, &query).await?;
        let want = expected(&items, &query);
        ensure!(
            got.len() == want.len(),
            "{query:?}: {} items, want {}",
            got.len(),
            want.len()
        );
        ensure!(keys(&got) == want, "{query:?}: wrong order or duplicates");
    }
    assert!(
        read_all(&t, &Query::new(Index::Table, listing).limit(100))
            .await?
            .iter()
            .all(|i| i.version == 1)
    );
    Ok(())
}

async fn index_queries(f: Fixture) -> Result<()> {
    let t = f.tenant("a")?;
    let by_status = pk(&t, &["BY_STATUS"]);
    let by_date = pk(&t, &["BY_DATE"]);
    // Names chosen so byte order differs from UTF-16 order (U+FB00 sorts before U+1F600 in
    // bytes, after it in UTF-16) and from case-insensitive order.
    let names = [
        "bob",
        "Bob",
        "ann",
        "z",
        "Жанна",
        "яна",
        "\u{FB00}",
        "\u{1F600}",
        "bob",
    ];
    let mut items = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let status = if i == 0 || i == 3 { "closed" } else { "active" };
        let mut item = Item::new(
            key(&t, &["SUB", &format!("{}", 9 - i)], "PROFILE"),
            body(json!({"i": i})),
        )
        .with_index(
            Index::Gsi1,
            Key::new(by_status.clone(), format!("S#{status}#{name}")),
        );
        if i != 4 {
            item = item.with_index(
                Index::Gsi2,
                Key::new(by_date.clone(), format!("2024-01-{:02}", 1 + i % 6)),
            );
        }
        items.push(item);
    }
    // Items outside the index partitions, or without index keys, must not show up.
    items.push(Item::new(key(&t, &["SUB", "x"], "PROFILE"), Body::new()));
    items.push(
        Item::new(key(&t, &["SUB", "y"], "PROFILE"), Body::new()).with_index(
            Index::Gsi1,
            Key::new(pk(&t, &["BY_STATUS_OLD"]), "S#active#old"),
        ),
    );
    for item in &items {
        t.put(put(item.clone())).await?;
    }

    let sorts = [
        (Index::Gsi1, by_status.clone(), SortKey::Any),
        (
            Index::Gsi1,
            by_status.clone(),
            SortKey::Equals("S#active#bob".into()),
        ),
        (
            Index::Gsi1,
            by_status.clone(),
            SortKey::Equals("S#active#nobody".into()),
        ),
        (
            Index::Gsi1,
            by_status.clone(),
            SortKey::BeginsWith("S#active#".into()),
        ),
        (
            Index::Gsi1,
            by_status.clone(),
            SortKey::BeginsWith("S#closed#".into()),
        ),
        (
            Index::Gsi1,
            by_status.clone(),
            SortKey::BeginsWith("S#active#\u{FB00}".into()),
        ),
        (
            Index::Gsi1,
            by_status.clone(),
            SortKey::Between("S#active#b".into(), "S#active#я".into()),
        ),
        (Index::Gsi2, by_date.clone(), SortKey::Any),
        (
            Index::Gsi2,
            by_date.clone(),
            SortKey::Equals("2024-01-02".into()),
        ),
        (
            Index::Gsi2,
            by_date.clone(),
            SortKey::BeginsWith("2024-01".into()),
        ),
        (
            Index::Gsi2,
            by_date.clone(),
            SortKey::Between("2024-01-02".into(), "2024-01-04".into()),
        ),
        (Index::Gsi3, by_date.clone(), SortKey::Any),
        // Empty bounds: DynamoDB keys are never empty, so these are all or nothing or "up to".
        (
            Index::Gsi2,
            by_date.clone(),
            SortKey::BeginsWith(String::new()),
        ),
        (Index::Gsi2, by_date.clone(), SortKey::Equals(String::new())),
        (
            Index::Gsi2,
            by_date.clone(),
            SortKey::Between(String::new(), "2024-01-03".into()),
        ),
        (
            Index::Table,
            pk(&t, &["SUB", "3"]),
            SortKey::BeginsWith("PRO".into()),
        ),
        (
            Index::Table,
            pk(&t, &["SUB", "3"]),
            SortKey::Between("A".into(), "Q".into()),
        ),
    ];
    for (index, partition, sort) in sorts {
        for page_size in [2, 100] {
            let query = Query::new(index, partition.clone())
                .sort(sort.clone())
                .limit(page_size);
            check_query(&t, &items, query.clone()).await?;
            check_query(&t, &items, query.backward()).await?;
        }
    }
    for bad in [
        Query::new(Index::Gsi2, by_date.clone()).limit(0),
        Query::new(Index::Gsi2, by_date.clone()).limit(1001),
        Query::new(Index::Gsi2, by_date.clone()).sort(SortKey::Between("b".into(), "a".into())),
    ] {
        let result = t.query(bad.clone(), None).await;
        ensure!(
            matches!(result, Err(StoreError::Invalid(_))),
            "{bad:?} gave {result:?}"
        );
    }
    // A sanity check on the model itself: the ordering is by bytes.
    let query =
        Query::new(Index::Gsi1, by_status.clone()).sort(SortKey::BeginsWith("S#active#".into()));
    let got = read_all(&t, &query).await?;
    let names: Vec<String> = got
        .iter()
        .filter_map(|item| item.key_in(Index::Gsi1))
        .map(|k| k.sk.trim_start_matches("S#active#").to_owned())
        .collect();
    assert_eq!(
        names,
        ["Bob", "ann", "bob", "Жанна", "яна", "\u{FB00}", "\u{1F600}"]
    );
    Ok(())
}

async fn cursors_are_tamper_proof(f: Fixture) -> Result<()> {
    let a = f.tenant("a")?;
    let b = f.tenant("b")?;
    let mut items = Vec::new();
    for (t, name) in [(&a, "a"), (&b, "b")] {
        for i in 0..30 {
            let item = Item::new(key(t, &["LIST"], &format!("{i:03}")), body(json!({"i": i})))
                .with_index(Index::Gsi1, key(t, &["LIST_BY"], &format!("{i:03}")));
            items.push((name, item));
        }
    }
    for (name, item) in &items {
        let t = if *name == "a" { &a } else { &b };
        t.put(put(item.clone())).await?;
    }
    let a_listing = Query::new(Index::Table, pk(&a, &["LIST"])).limit(10);
    let first = a.query(a_listing.clone(), None).await?;
    let cursor = first
        .next
        .context("a first page of 10 out of 30 has a next cursor")?;
    let second = a.query(a_listing.clone(), Some(&cursor)).await?;
    assert_eq!(second.items.first().map(|i| i.key.sk.as_str()), Some("010"));

    let rejected =
        |result: Result<_, StoreError>| matches!(result, Err(StoreError::InvalidCursor(_)));
    // A page of one range does not go on in another range of the same partition.
    let twenties = a_listing.clone().sort(SortKey::BeginsWith("02".into()));
    assert!(rejected(a.query(twenties.clone(), Some(&cursor)).await));
    let first_twenties = a.query(twenties.limit(5), None).await?;
    let more = first_twenties.next.context("5 of the 10 twenties")?;
    let rest = a
        .query(
            a_listing.clone().sort(SortKey::BeginsWith("02".into())),
            Some(&more),
        )
        .await?;
    assert_eq!(rest.items.first().map(|i| i.key.sk.as_str()), Some("025"));
    // Made up, altered, or signed with another key.
    assert!(rejected(
        a.query(a_listing.clone(), Some(&Cursor::from_client("garbage")))
            .await
    ));
    let raw = cursor.as_str();
    let (payload, signature) = raw.split_once('.').context("cursor shape")?;
    let flipped: String = payload
        .char_indices()
        .map(|(i, c)| {
            if i == payload.len() / 2 {
                if c == 'A' { 'B' } else { 'A' }
            } else {
                c
            }
        })
        .collect();
    assert!(rejected(
        a.query(
            a_listing.clone(),
            Some(&Cursor::from_client(format!("{flipped}.{signature}")))
        )
        .await
    ));
    assert!(rejected(
        a.query(
            a_listing.clone(),
            Some(&Cursor::from_client(format!(
                "{payload}.{}",
                "A".repeat(43)
            )))
        )
        .await
    ));
    let other_db = Db::new(f.db.store().clone(), &Signer::new(&[9; 32])?);
    let foreign = other_db
        .tenant(&TenantId::parse("a")?)
        .query(a_listing.clone(), None)
        .await?;
    let foreign = foreign.next.context("next")?;
    assert!(rejected(a.query(a_listing.clone(), Some(&foreign)).await));

    // Issued for another listing: another tenant's, another partition, another index.
    let b_listing = Query::new(Index::Table, pk(&b, &["LIST"])).limit(10);
    assert!(rejected(b.query(b_listing.clone(), Some(&cursor)).await));
    let b_cursor = b.query(b_listing, None).await?.next.context("next")?;
    assert!(rejected(a.query(a_listing.clone(), Some(&b_cursor)).await));
    let a_other = Query::new(Index::Table, pk(&a, &["OTHER"])).limit(10);
    assert!(rejected(a.query(a_other, Some(&cursor)).await));
    let a_index = Query::new(Index::Gsi1, pk(&a, &["LIST_BY"])).limit(10);
    assert!(rejected(a.query(a_index, Some(&cursor)).await));
    Ok(())
}

async fn tenants_are_isolated(f: Fixture) -> Result<()> {
    let a = f.tenant("a")?;
    let b = f.tenant("b")?;
    let ab = f.tenant("ab")?;
    let a_key = key(&a, &["SUB", "1"], "PROFILE");
    let b_key = key(&b, &["SUB", "1"], "PROFILE");
    let shared_index = |t: &TenantDb| key(t, &["BY_NAME"], "ann");
    a.put(put(Item::new(a_key.clone(), body(json!({"owner": "a"})))
        .with_index(Index::Gsi1, shared_index(&a))))
        .await?;
    b.put(put(Item::new(b_key.clone(), body(json!({"owner": "b"})))
        .with_index(Index::Gsi1, shared_index(&b))))
        .await?;
    let b_before = must_get(&b, &b_key).await?;

    assert!(is_foreign(&a.get(&b_key).await));
    assert!(is_foreign(&ab.get(&a_key).await));
    assert!(is_foreign(&f.db.central().get(&a_key).await));
    assert!(is_foreign(
        &a.batch_get(&[a_key.clone(), b_key.clone()]).await
    ));
    assert!(is_foreign(
        &a.put(put(Item::new(b_key.clone(), Body::new()))).await
    ));
    // Index keys are checked too: no writing into another tenant's index partitions.
    let sneaky = Item::new(a_key.clone(), Body::new()).with_index(Index::Gsi2, shared_index(&b));
    assert!(is_foreign(&a.put(put(sneaky.clone())).await));
    assert!(is_foreign(
        &a.update(update(
            &b_key,
            Condition::None,
            vec![set("owner", json!("a"))]
        ))
        .await
    ));
    let retarget = vec![Change::SetIndexKey(Index::Gsi1, Some(shared_index(&b)))];
    assert!(is_foreign(
        &a.update(update(&a_key, Condition::None, retarget)).await
    ));
    assert!(is_foreign(&a.delete(delete(&b_key, Condition::None)).await));
    let mixed = vec![
        Write::Put(put(Item::new(
            key(&a, &["SUB", "2"], "PROFILE"),
            Body::new(),
        ))),
        Write::Delete(delete(&b_key, Condition::None)),
    ];
    assert!(is_foreign(&a.transact(mixed).await));
    assert_eq!(a.get(&key(&a, &["SUB", "2"], "PROFILE")).await?, None);
    assert!(is_foreign(&a.batch_write(vec![sneaky], Vec::new()).await));
    assert!(is_foreign(
        &a.batch_write(Vec::new(), vec![b_key.clone()]).await
    ));
    assert!(is_foreign(
        &a.query(Query::new(Index::Table, b_key.pk.clone()), None)
            .await
    ));
    assert!(is_foreign(
        &a.query(Query::new(Index::Gsi1, shared_index(&b).pk), None)
            .await
    ));

    // A's own listings never include B's items, even under the same index sort key.
    let mine = a
        .query(Query::new(Index::Gsi1, shared_index(&a).pk), None)
        .await?;
    assert_eq!(keys(&mine.items), vec![a_key.clone()]);
    let mine = a
        .query(Query::new(Index::Table, a_key.pk.clone()), None)
        .await?;
    assert_eq!(keys(&mine.items), vec![a_key]);
    assert_eq!(b.get(&b_key).await?, Some(b_before));
    Ok(())
}

async fn batch_get(f: Fixture) -> Result<()> {
    let t = f.tenant("a")?;
    let present: Vec<Key> = (0..5)
        .map(|i| key(&t, &["SUB", &i.to_string()], "PROFILE"))
        .collect();
    for (i, k) in present.iter().enumerate() {
        t.put(put(Item::new(k.clone(), body(json!({"i": i})))))
            .await?;
    }
    let mut asked = present.clone();
    asked.extend((5..8).map(|i| key(&t, &["SUB", &i.to_string()], "PROFILE")));
    asked.push(present[0].clone());
    let mut got = t.batch_get(&asked).await?;
    got.sort_by(|x, y| x.key.cmp(&y.key));
    let mut want = present.clone();
    want.sort();
    assert_eq!(keys(&got), want);
    assert!(
        got.iter()
            .all(|item| item.version == 1 && item.body.contains_key("i"))
    );

    assert!(t.batch_get(&[]).await?.is_empty());
    let hundred: Vec<Key> = (0..100)
        .map(|i| key(&t, &["SUB", &i.to_string()], "PROFILE"))
        .collect();
    assert_eq!(t.batch_get(&hundred).await?.len(), 5);
    let over: Vec<Key> = (0..101)
        .map(|i| key(&t, &["SUB", &i.to_string()], "PROFILE"))
        .collect();
    assert!(matches!(
        t.batch_get(&over).await,
        Err(StoreError::TooMany { limit: 100, .. })
    ));
    Ok(())
}

async fn batch_write_puts_and_deletes(f: Fixture) -> Result<()> {
    let t = f.tenant("a")?;
    let listing = pk(&t, &["READINGS"]);
    let item = |i: usize| {
        Item::new(
            Key::new(listing.clone(), format!("R#{i:04}")),
            body(json!({"i": i})),
        )
    };
    t.batch_write((0..60).map(item).collect(), Vec::new())
        .await?;
    let deletes: Vec<Key> = (0..60)
        .filter(|i| i % 2 == 0)
        .map(|i| item(i).key)
        .collect();
    t.batch_write((60..80).map(item).collect(), deletes).await?;
    let query = Query::new(Index::Table, listing.clone()).limit(1000);
    let got = read_all(&t, &query).await?;
    let want: Vec<Key> = (0..80)
        .filter(|i| *i >= 60 || i % 2 == 1)
        .map(|i| item(i).key)
        .collect();
    assert_eq!(keys(&got), want);

    // A batch put replaces the whole item at version 1 (it is for items no one holds).
    let k = item(1).key;
    t.update(update(&k, Condition::None, vec![set("extra", json!(true))]))
        .await?;
    assert_eq!(must_get(&t, &k).await?.version, 2);
    t.batch_write(vec![item(1)], Vec::new()).await?;
    let replaced = must_get(&t, &k).await?;
    assert_eq!(
        (replaced.version, replaced.body),
        (1, body(json!({"i": 1})))
    );

    // Deleting what is not there is fine; naming a key twice is not.
    t.batch_write(Vec::new(), vec![item(5000).key]).await?;
    let twice = t.batch_write(vec![item(1)], vec![item(1).key]).await;
    assert!(matches!(twice, Err(StoreError::DuplicateKey { .. })));
    assert!(t.get(&k).await?.is_some());
    t.batch_write(Vec::new(), Vec::new()).await?;
    Ok(())
}

async fn update_changes(f: Fixture) -> Result<()> {
    let t = f.tenant("a")?;
    let k = key(&t, &["SUB", "1"], "PROFILE");
    let by_name = key(&t, &["BY_NAME"], "ann");
    t.put(put(Item::new(
        k.clone(),
        body(json!({"name": "Ann", "old": 1, "text": "x"})),
    )))
    .await?;

    let after = t
        .update(update(
            &k,
            Condition::MustExist,
            vec![
                Change::Increment("count".into(), 5),
                set(
                    "address",
                    json!({"city": "Тула", "flat": 12, "lines": ["a", null, true]}),
                ),
                set("big", json!(9_007_199_254_740_993_i64)),
                Change::Remove("old".into()),
                Change::SetIndexKey(Index::Gsi1, Some(by_name.clone())),
            ],
        ))
        .await?;
    assert_eq!(after.version, 2);
    assert_eq!(
        after.body,
        body(json!({"name": "Ann", "text": "x", "count": 5,
            "address": {"city": "Тула", "flat": 12, "lines": ["a", null, true]},
            "big": 9_007_199_254_740_993_i64}))
    );
    assert_eq!(t.get(&k).await?, Some(after));
    let listed = t
        .query(Query::new(Index::Gsi1, by_name.pk.clone()), None)
        .await?;
    assert_eq!(keys(&listed.items), vec![k.clone()]);

    let after = t
        .update(update(
            &k,
            Condition::VersionEquals(2),
            vec![
                Change::Increment("count".into(), -7),
                Change::Remove("never-there".into()),
                Change::SetIndexKey(Index::Gsi1, None),
                Change::SetExpiry(Some(f.now() + 3600)),
            ],
        ))
        .await?;
    assert_eq!((after.version, after.body["count"].clone()), (3, json!(-2)));
    assert_eq!(after.expires_at, Some(f.now() + 3600));
    assert!(
        t.query(Query::new(Index::Gsi1, by_name.pk.clone()), None)
            .await?
            .items
            .is_empty()
    );
    let after = t
        .update(update(&k, Condition::None, vec![Change::SetExpiry(None)]))
        .await?;
    assert_eq!((after.version, after.expires_at), (4, None));

    // Refused changes leave the item alone.
    let not_a_number = t
        .update(update(
            &k,
            Condition::None,
            vec![Change::Increment("text".into(), 1)],
        ))
        .await;
    assert!(
        matches!(not_a_number, Err(StoreError::Invalid(_))),
        "{not_a_number:?}"
    );
    let twice = t
        .update(update(
            &k,
            Condition::None,
            vec![set("a", json!(1)), Change::Remove("a".into())],
        ))
        .await;
    assert!(matches!(twice, Err(StoreError::Invalid(_))), "{twice:?}");
    assert_eq!(must_get(&t, &k).await?, after);
    Ok(())
}

async fn update_upserts(f: Fixture) -> Result<()> {
    let t = f.tenant("a")?;
    let counter = key(&t, &["COUNTER"], "INVOICE");
    let by_kind = key(&t, &["COUNTERS"], "INVOICE");
    let changes = || {
        vec![
            Change::Increment("next".into(), 1),
            set("kind", json!("invoice")),
            Change::SetIndexKey(Index::Gsi2, Some(by_kind.clone())),
        ]
    };
    expect_condition_failed(
        t.update(update(&counter, Condition::MustExist, changes()))
            .await,
        &counter,
    )?;
    expect_condition_failed(
        t.update(update(&counter, Condition::VersionEquals(0), changes()))
            .await,
        &counter,
    )?;
    assert_eq!(t.get(&counter).await?, None);

    let created = t
        .update(update(&counter, Condition::None, changes()))
        .await?;
    assert_eq!(created.version, 1);
    assert_eq!(created.body, body(json!({"next": 1, "kind": "invoice"})));
    assert_eq!(created.key_in(Index::Gsi2), Some(&by_kind));
    let again = t
        .update(update(&counter, Condition::None, changes()))
        .await?;
    assert_eq!((again.version, again.body["next"].clone()), (2, json!(2)));
    let listed = t
        .query(Query::new(Index::Gsi2, by_kind.pk.clone()), None)
        .await?;
    assert_eq!(listed.items, vec![again]);

    let other = key(&t, &["COUNTER"], "RECEIPT");
    let created = t
        .update(update(
            &other,
            Condition::MustNotExist,
            vec![set("n", json!(0))],
        ))
        .await?;
    assert_eq!((created.version, created.body), (1, body(json!({"n": 0}))));
    expect_condition_failed(
        t.update(update(
            &other,
            Condition::MustNotExist,
            vec![set("n", json!(1))],
        ))
        .await,
        &other,
    )?;
    Ok(())
}

async fn expired_items_are_absent(f: Fixture) -> Result<()> {
    let t = f.tenant("a")?;
    let sessions = pk(&t, &["SESSIONS"]);
    let by_user = pk(&t, &["SESSIONS_BY_USER"]);
    let session = |name: &str| {
        Item::new(
            Key::new(sessions.clone(), name),
            body(json!({"name": name})),
        )
        .with_index(Index::Gsi1, Key::new(by_user.clone(), name))
    };
    let now = f.now();
    // Already expired when written, expiring exactly now, and alive.
    t.put(put(session("past").expiring_at(now - 10))).await?;
    t.put(put(session("now").expiring_at(now))).await?;
    t.put(put(session("alive").expiring_at(now + 100))).await?;
    t.put(put(session("forever"))).await?;
    let live_names =
        |items: &[Item]| -> Vec<String> { items.iter().map(|i| i.key.sk.clone()).collect() };

    let past = Key::new(sessions.clone(), "past");
    let alive = Key::new(sessions.clone(), "alive");
    assert_eq!(t.get(&past).await?, None);
    assert_eq!(t.get(&Key::new(sessions.clone(), "now")).await?, None);
    assert_eq!(must_get(&t, &alive).await?.expires_at, Some(now + 100));
    let listed = read_all(&t, &Query::new(Index::Table, sessions.clone()).limit(1)).await?;
    assert_eq!(live_names(&listed), ["alive", "forever"]);
    let listed = read_all(
        &t,
        &Query::new(Index::Gsi1, by_user.clone()).limit(1).backward(),
    )
    .await?;
    assert_eq!(live_names(&listed), ["forever", "alive"]);
    let got = t.batch_get(&[past.clone(), alive.clone()]).await?;
    assert_eq!(keys(&got), vec![alive.clone()]);

    // Time passes: the live one expires too.
    t.put(put(session("alive").expiring_at(now + 100))).await?;
    assert_eq!(must_get(&t, &alive).await?.version, 2);
    f.advance(100);
    assert_eq!(t.get(&alive).await?, None);
    let listed = read_all(&t, &Query::new(Index::Table, sessions.clone())).await?;
    assert_eq!(live_names(&listed), ["forever"]);

    // Conditions see expired items as absent, and new writes start over at version 1.
    expect_condition_failed(
        t.put(put_if(session("alive"), Condition::MustExist)).await,
        &alive,
    )?;
    expect_condition_failed(
        t.put(put_if(session("alive"), Condition::VersionEquals(2)))
            .await,
        &alive,
    )?;
    expect_condition_failed(
        t.update(update(
            &alive,
            Condition::VersionEquals(2),
            vec![set("x", json!(1))],
        ))
        .await,
        &alive,
    )?;
    expect_condition_failed(t.delete(delete(&alive, Condition::MustExist)).await, &alive)?;
    assert_eq!(
        t.put(put_if(session("alive"), Condition::MustNotExist))
            .await?,
        1
    );
    assert_eq!(must_get(&t, &alive).await?.expires_at, None);

    // An upsert over an expired item starts from an empty item.
    let upserted = t
        .update(update(
            &past,
            Condition::None,
            vec![Change::Increment("hits".into(), 1)],
        ))
        .await?;
    assert_eq!(
        (upserted.version, upserted.body.clone(), upserted.expires_at),
        (1, body(json!({"hits": 1})), None)
    );
    assert_eq!(upserted.key_in(Index::Gsi1), None);
    let now_key = Key::new(sessions.clone(), "now");
    assert_eq!(t.put(put(session("now"))).await?, 1);

    // The same inside transactions.
    let expired_a = Key::new(sessions.clone(), "tx-a");
    let expired_b = Key::new(sessions.clone(), "tx-b");
    let expired_c = Key::new(sessions.clone(), "tx-c");
    for k in [&expired_a, &expired_b, &expired_c] {
        t.put(put(
            Item::new(k.clone(), body(json!({"stale": true}))).expiring_at(f.now() + 5)
        ))
        .await?;
        t.update(update(k, Condition::None, vec![set("bump", json!(1))]))
            .await?;
    }
    f.advance(5);
    let writes = vec![
        Write::Put(put_if(
            Item::new(expired_a.clone(), body(json!({"fresh": true}))),
            Condition::MustNotExist,
        )),
        Write::Update(update(
            &expired_b,
            Condition::None,
            vec![set("fresh", json!(true))],
        )),
        Write::Check {
            key: expired_c.clone(),
            condition: Condition::MustNotExist,
        },
        Write::Delete(delete(&now_key, Condition::MustExist)),
    ];
    t.transact(writes).await?;
    for k in [&expired_a, &expired_b] {
        let item = must_get(&t, k).await?;
        assert_eq!(
            (item.version, item.body),
            (1, body(json!({"fresh": true}))),
            "{k:?}"
        );
    }
    assert_eq!(t.get(&expired_c).await?, None);
    let writes = vec![Write::Check {
        key: expired_c.clone(),
        condition: Condition::MustExist,
    }];
    assert!(
        matches!(t.transact(writes).await, Err(StoreError::TransactionCancelled { failed }) if failed == [0])
    );
    t.delete(delete(&expired_c, Condition::MustNotExist))
        .await?;
    Ok(())
}

// ---- adapter-specific checks ----

#[tokio::test]
async fn sqlite_schema_matches_table() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("store.db");
    let store = SqliteStore::open(&path)?;
    let schema = store.schema()?;

    let mut columns: Vec<(String, String)> = TABLE
        .key_attributes()
        .into_iter()
        .map(|name| (name.to_owned(), "TEXT".to_owned()))
        .collect();
    columns.push((TABLE.version.into(), "INTEGER".into()));
    columns.push((TABLE.ttl.into(), "INTEGER".into()));
    columns.push((TABLE.body.into(), "TEXT".into()));
    assert_eq!(schema.columns, columns);
    assert_eq!(schema.primary_key, vec![TABLE.pk, TABLE.sk]);
    for index in &TABLE.indexes {
        let found = schema
            .indexes
            .iter()
            .find(|i| i.name == index.name)
            .with_context(|| format!("index {} missing", index.name))?;
        assert_eq!(found.columns, vec![index.pk, index.sk, TABLE.pk, TABLE.sk]);
        assert!(
            found.partial,
            "index {} should only hold items that have its keys",
            index.name
        );
    }
    let expiry = schema.indexes.iter().find(|i| i.columns == [TABLE.ttl]);
    assert!(
        expiry.is_some(),
        "an index on the expiry serves the sweeper"
    );
    assert_eq!(schema.indexes.len(), TABLE.indexes.len() + 1);

    // Reopening an existing file keeps the data and the schema.
    let k = Key::new("T#a#SUB#1", "PROFILE");
    store
        .put(put(Item::new(k.clone(), body(json!({"n": 1})))))
        .await?;
    drop(store);
    let store = SqliteStore::open(&path)?;
    assert_eq!(store.get(&k).await?.map(|item| item.version), Some(1));
    assert_eq!(store.schema()?, schema);
    Ok(())
}

#[tokio::test]
async fn dynamo_table_matches_table() -> Result<()> {
    let sdk = sdk_config_for_emulator(moto_endpoint().await?).await;
    let table = moto::unique_name("store");
    dynamo_store::create_table(&sdk, &table).await?;
    let shape = dynamo_store::describe_table(&sdk, &table).await?;
    assert_eq!(shape.key, (TABLE.pk.to_owned(), TABLE.sk.to_owned()));
    let mut want: Vec<IndexShape> = TABLE
        .indexes
        .iter()
        .map(|index| IndexShape {
            name: index.name.into(),
            key: (index.pk.into(), index.sk.into()),
            projects_all: true,
        })
        .collect();
    want.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(shape.indexes, want);
    assert_eq!(shape.ttl_attribute.as_deref(), Some(TABLE.ttl));
    assert!(shape.on_demand);
    // Creating it again is harmless.
    dynamo_store::create_table(&sdk, &table).await?;
    assert_eq!(dynamo_store::describe_table(&sdk, &table).await?, shape);
    Ok(())
}

/// `query_json` and `batch_get_json` give the items `query` and `batch_get` give, page for page
/// and cursor for cursor, with the body as JSON text that decodes to the same map.
async fn json_reads_match_decoded_reads(f: Fixture) -> Result<()> {
    let t = f.tenant("a")?;
    let partition = pk(&t, &["SUB", "1"]);
    let mut keys_written = Vec::new();
    for i in 0..7 {
        let k = Key::new(partition.clone(), format!("READING#{i:02}"));
        let mut item = Item::new(
            k.clone(),
            body(json!({"i": i, "name": "Показание «ХВС»", "values": ["12.5"], "nested": {"a": [1, null]}})),
        )
        .with_index(Index::Gsi1, Key::new(pk(&t, &["BY_I"]), format!("{:02}", 6 - i)));
        if i == 3 {
            item = item.expiring_at(f.now() - 1);
        }
        t.put(put(item)).await?;
        keys_written.push(k);
    }
    t.update(update(
        &keys_written[0],
        Condition::None,
        vec![set("i", json!(100))],
    ))
    .await?;
    for query in [
        Query::new(Index::Table, partition.clone()).limit(2),
        Query::new(Index::Table, partition.clone())
            .sort(SortKey::BeginsWith("READING#0".into()))
            .backward()
            .limit(3),
        Query::new(Index::Gsi1, pk(&t, &["BY_I"])).limit(4),
    ] {
        let (mut cursor, mut json_cursor) = (None::<Cursor>, None::<Cursor>);
        loop {
            let page = t.query(query.clone(), cursor.as_ref()).await?;
            let json_page = t.query_json(query.clone(), json_cursor.as_ref()).await?;
            ensure!(page.items.len() == json_page.items.len(), "{query:?}");
            for (item, json_item) in page.items.iter().zip(&json_page.items) {
                ensure!(item.key == json_item.key && item.version == json_item.version);
                ensure!(item.index_keys == json_item.index_keys);
                ensure!(item.expires_at == json_item.expires_at);
                ensure!(serde_json::from_str::<Body>(&json_item.json)? == item.body);
            }
            ensure!(page.next.is_some() == json_page.next.is_some(), "{query:?}");
            match (page.next, json_page.next) {
                (Some(next), Some(json_next)) => {
                    cursor = Some(next);
                    json_cursor = Some(json_next);
                }
                _ => break,
            }
        }
    }
    let asked = vec![
        keys_written[0].clone(),
        keys_written[3].clone(),
        keys_written[6].clone(),
    ];
    let mut got = t.batch_get(&asked).await?;
    let mut json_got = t.batch_get_json(&asked).await?;
    got.sort_by(|x, y| x.key.cmp(&y.key));
    json_got.sort_by(|x, y| x.key.cmp(&y.key));
    ensure!(got.len() == 2, "the expired item is absent: {got:?}");
    ensure!(
        got.iter()
            .map(|i| &i.key)
            .eq(json_got.iter().map(|i| &i.key))
    );
    for (item, json_item) in got.iter().zip(&json_got) {
        ensure!(item.version == json_item.version);
        ensure!(json_item.decode::<Body>()? == item.body);
    }
    ensure!(json_got[0].decode::<Value>()?["i"] == json!(100));
    // The tenant boundary holds for these reads too.
    let other = f.tenant("b")?;
    ensure!(is_foreign(&other.batch_get_json(&asked).await));
    ensure!(is_foreign(
        &other
            .query_json(Query::new(Index::Table, partition.clone()), None)
            .await
    ));
    Ok(())
}

/// Export and purge list a tenant's items with `TenantItems`, through the all-items index or the
/// key range, whichever the store keeps: every live item of the tenant once, nothing of a tenant
/// whose id starts the same, and deleting a page before reading the next loses nothing.
async fn tenant_items_are_listed_once_each(f: Fixture) -> Result<()> {
    let a = f.tenant("a")?;
    let neighbour = f.tenant("ab")?;
    let mut want = Vec::new();
    let mut items = Vec::new();
    for i in 0..230 {
        let k = key(
            &a,
            &["SUB", &format!("{:03}", i % 40)],
            &format!("ITEM#{i:03}"),
        );
        let mut item = Item::new(k.clone(), body(json!({"i": i})));
        if i % 7 == 0 {
            item = item.with_index(Index::Gsi1, Key::new(pk(&a, &["BY"]), format!("{i:03}")));
        }
        items.push(item);
        want.push(k);
    }
    a.batch_write(items, Vec::new()).await?;
    let expiring = key(&a, &["SESSION", "x"], "SESSION");
    a.put(put(
        Item::new(expiring.clone(), body(json!({}))).expiring_at(f.now() + 60)
    ))
    .await?;
    let updated = key(&a, &["SETTINGS"], "GENERAL");
    a.update(update(&updated, Condition::None, vec![set("x", json!(1))]))
        .await?;
    want.push(updated);
    for i in 0..5 {
        neighbour
            .put(put(Item::new(
                key(&neighbour, &["SUB", "000"], &format!("ITEM#{i}")),
                body(json!({})),
            )))
            .await?;
    }
    f.advance(120);

    let tenant = TenantId::parse("a")?;
    let mut listing = crm_app::tenants::items::TenantItems::new(&f.db, &tenant);
    let mut seen = Vec::new();
    while let Some(page) = listing.next_page().await? {
        for item in &page {
            // Purge deletes each page before it reads the next.
            a.delete(delete(&item.key, Condition::None)).await?;
        }
        seen.extend(page.into_iter().map(|item| item.key));
    }
    seen.sort();
    want.sort();
    ensure!(
        seen == want,
        "listed {} items, want {}",
        seen.len(),
        want.len()
    );
    ensure!(
        neighbour
            .query(
                Query::new(Index::Table, pk(&neighbour, &["SUB", "000"])),
                None
            )
            .await?
            .items
            .len()
            == 5,
        "the neighbour's items are untouched"
    );
    Ok(())
}

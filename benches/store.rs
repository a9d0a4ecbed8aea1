//! Store benchmark: single puts, batched puts, transactions, gets and queries on the SQLite
//! store, and the same on the DynamoDB adapter against the moto server for reference.
//!
//! Run: `cargo bench --bench store` (add `-- --quick` for a short run, `-- --no-moto` to skip the
//! emulator). Prints a Markdown table; docs/benchmarks.md keeps the figures.

#![expect(
    clippy::float_arithmetic,
    reason = "rates and percentiles of measured times"
)]
#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

#[path = "../tests/it/support/moto.rs"]
mod moto;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crm_adapters::dynamo_store::DynamoStore;
use crm_adapters::sqlite_store::SqliteStore;
use crm_app::signing::Signer;
use crm_app::store::{
    Body, Condition, Db, Index, Item, Key, Put, Query, SortKey, Store, TenantDb, Write,
};
use crm_domain::TenantId;
use serde_json::json;

struct Sizes {
    single_puts: usize,
    batch_items: usize,
    transactions: usize,
    reads: usize,
    partition_items: usize,
}

const FULL: Sizes = Sizes {
    single_puts: 20_000,
    batch_items: 200_000,
    transactions: 500,
    reads: 20_000,
    partition_items: 10_000,
};
const QUICK: Sizes = Sizes {
    single_puts: 2_000,
    batch_items: 20_000,
    transactions: 50,
    reads: 2_000,
    partition_items: 2_000,
};
const MOTO: Sizes = Sizes {
    single_puts: 300,
    batch_items: 2_000,
    transactions: 20,
    reads: 300,
    partition_items: 1_000,
};

fn body(i: usize) -> Body {
    let value = json!({
        "account": format!("{i:08}"),
        "name": "Иванов Иван Иванович",
        "address": "г. Москва, ул. Ленина, д. 1, кв. 42",
        "area": "54.30",
        "residents": 3,
    });
    value.as_object().cloned().unwrap_or_default()
}

fn item(db: &TenantDb, partition: &str, i: usize) -> Item {
    let ns = db.namespace();
    Item::new(ns.key(&["B", partition], format!("I#{i:08}")), body(i)).with_index(
        Index::Gsi1,
        ns.key(&["B", partition, "BYNAME"], format!("N#{i:08}")),
    )
}

struct Row {
    what: String,
    count: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Row {
    fn rate(&self) -> f64 {
        self.count as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> String {
        if self.latencies.is_empty() {
            return "-".into();
        }
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        format!("{:.1} µs", sorted[index].as_secs_f64() * 1e6)
    }
}

async fn timed<F, Fut>(what: &str, count: usize, mut op: F) -> Row
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut latencies = Vec::with_capacity(count);
    let started = Instant::now();
    for i in 0..count {
        let t = Instant::now();
        op(i).await;
        latencies.push(t.elapsed());
    }
    Row {
        what: what.into(),
        count,
        elapsed: started.elapsed(),
        latencies,
    }
}

async fn run_suite(label: &str, store: Arc<dyn Store>, sizes: &Sizes) -> Vec<Row> {
    let db = Db::new(store, &Signer::new(&[9; 32]).expect("key"))
        .tenant(&TenantId::parse("bench").expect("id"));
    let mut rows = Vec::new();

    rows.push(
        timed(
            &format!("{label}: put one item (must not exist)"),
            sizes.single_puts,
            |i| {
                let db = db.clone();
                async move {
                    let put = Put {
                        item: item(&db, "single", i),
                        condition: Condition::MustNotExist,
                    };
                    db.put(put).await.expect("put");
                }
            },
        )
        .await,
    );

    for batch in [25usize, 1000] {
        let batches = sizes.batch_items / batch;
        let mut row = timed(
            &format!("{label}: batch write, {batch} items per call"),
            batches,
            |b| {
                let db = db.clone();
                async move {
                    let items = (0..batch)
                        .map(|j| item(&db, &format!("batch{batch}"), b * batch + j))
                        .collect();
                    db.batch_write(items, Vec::new()).await.expect("batch");
                }
            },
        )
        .await;
        row.count = batches * batch;
        row.latencies.clear();
        rows.push(row);
    }

    let mut row = timed(
        &format!("{label}: transaction of 100 conditional puts"),
        sizes.transactions,
        |t| {
            let db = db.clone();
            async move {
                let writes = (0..100)
                    .map(|j| {
                        Write::Put(Put {
                            item: item(&db, "tx", t * 100 + j),
                            condition: Condition::MustNotExist,
                        })
                    })
                    .collect();
                db.transact(writes).await.expect("transaction");
            }
        },
    )
    .await;
    row.count = sizes.transactions * 100;
    row.what.push_str(" (items/s)");
    rows.push(row);

    let items: Vec<Item> = (0..sizes.partition_items)
        .map(|i| item(&db, "query", i))
        .collect();
    for chunk in items.chunks(1000) {
        db.batch_write(chunk.to_vec(), Vec::new())
            .await
            .expect("load");
    }
    let n = sizes.partition_items;
    rows.push(
        timed(&format!("{label}: get by key"), sizes.reads, |i| {
            let db = db.clone();
            async move {
                let key: Key = item(&db, "query", (i * 7919) % n).key;
                db.get(&key).await.expect("get").expect("present");
            }
        })
        .await,
    );
    rows.push(
        timed(
            &format!("{label}: query a range of 50 (table, between)"),
            sizes.reads,
            |i| {
                let db = db.clone();
                async move {
                    let from = (i * 7919) % (n - 50);
                    let query = Query::new(Index::Table, db.namespace().pk(&["B", "query"]))
                        .sort(SortKey::Between(
                            format!("I#{from:08}"),
                            format!("I#{:08}", from + 49),
                        ))
                        .limit(50);
                    let page = db.query(query, None).await.expect("query");
                    assert_eq!(page.items.len(), 50);
                }
            },
        )
        .await,
    );
    rows.push(
        timed(
            &format!("{label}: query first page of 50 (gsi1, backward)"),
            sizes.reads,
            |_| {
                let db = db.clone();
                async move {
                    let query =
                        Query::new(Index::Gsi1, db.namespace().pk(&["B", "query", "BYNAME"]))
                            .backward()
                            .limit(50);
                    let page = db.query(query, None).await.expect("query");
                    assert_eq!(page.items.len(), 50);
                }
            },
        )
        .await,
    );
    rows
}

fn print(rows: &[Row]) {
    println!("| operation | count | ops/s | p50 | p99 |");
    println!("|---|---:|---:|---:|---:|");
    for row in rows {
        println!(
            "| {} | {} | {:.0} | {} | {} |",
            row.what,
            row.count,
            row.rate(),
            row.percentile(0.5),
            row.percentile(0.99)
        );
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let with_moto = !args.iter().any(|a| a == "--no-moto");
    let sizes = if quick { &QUICK } else { &FULL };

    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&dir.path().join("bench.sqlite3")).expect("sqlite"));
    let mut rows = run_suite("sqlite", sqlite, sizes).await;

    if with_moto {
        let sdk = crm_adapters::aws::sdk_config_for_emulator(moto::endpoint()).await;
        let table = moto::unique_name("bench");
        crm_adapters::dynamo_store::create_table(&sdk, &table)
            .await
            .expect("create table");
        let dynamo: Arc<dyn Store> = Arc::new(DynamoStore::new(&sdk, table));
        rows.extend(run_suite("dynamodb on moto", dynamo, &MOTO).await);
    }
    print(&rows);
}

//! Readings intake benchmark: 1,000,000 readings validated and stored on the embedded SQLite
//! store through `crm_app::meters::intake` (what the import worker calls), as five monthly
//! files of 200,000 meters (100,000 subscribers with two meters each). Each file is fed in
//! chunks of the import's batch size, as the import hands them over. One row in a thousand is bad (a value
//! below the previous one) and must be refused without blocking the others. Then the first
//! month is fed again: every row must come back `Unchanged` (idempotency), which also times
//! resolution, partition reads and validation without writes.
//!
//! Last, a sixth month goes through the whole import as the worker runs it: a CSV file read,
//! mapped and parsed by `crm_app::imports::run_import`, handed to the readings handler in its
//! batches, so the figure includes parsing and the import's bookkeeping.
//!
//! Run: `cargo bench --bench readings` (add `-- --quick` for 100,000 rows). Prints a Markdown
//! table; docs/benchmarks.md keeps the figures. Budget: >= 100,000 rows/s.

#![expect(clippy::float_arithmetic, reason = "rates of measured times")]
#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use crm_app::audit::Audit;
use crm_app::clock::SystemClock;
use crm_app::config::Config;
use crm_app::imports::flow::ImportKind;
use crm_app::imports::stream::Spooled;
use crm_app::imports::{
    ApplyPolicy, Counts, ErrorReport, ImportInput, Mode, ReadOptions, ReportLang, Tracker,
    run_import,
};
use crm_app::keys::{self, Namespace};
use crm_app::meters::import::{ReadingImport, SCHEMA};
use crm_app::meters::intake::{Intake, IntakeRow, MeterRef, Summary};
use crm_app::meters::{MeterRecord, MeterStatus, registry};
use crm_app::store::{Body, Item};
use crm_domain::TenantId;
use crm_domain::meter::{MeterKind, ReadingSource};
use rust_decimal::Decimal;
use serde_json::Value;

const MONTHS: u32 = 5;
/// Rows per intake call: what the import hands over at a time.
const CHUNK: usize = crm_app::meters::import::BATCH_ROWS;

fn serial(i: usize) -> String {
    format!("SN-{i:08}")
}

/// The dial value of meter `i` after `month` monthly readings: a steady 1..=14 m³ a month; a
/// meter in fifty starts near the end of its 5-digit dial and rolls over.
fn value(i: usize, month: u32) -> Decimal {
    let start: u64 = if i.is_multiple_of(50) {
        99_980
    } else {
        (i as u64 * 37) % 5_000
    };
    let mut v = start;
    for m in 1..=month {
        v += (i as u64 * 7 + u64::from(m) * 3) % 14 + 1;
    }
    Decimal::from(v % 100_000)
}

fn date(month: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5 + month, 20).unwrap_or_default()
}

fn meter(i: usize) -> MeterRecord {
    let now = Utc::now();
    MeterRecord {
        id: format!("m{i:08}"),
        subscriber_id: format!("s{:08}", i / 2),
        service_id: "svc-water".into(),
        serial: serial(i),
        kind: MeterKind::ColdWater,
        installed_on: NaiveDate::from_ymd_opt(2026, 1, 10).unwrap_or_default(),
        initial: vec![value(i, 0)],
        digits: 5,
        multiplier: Decimal::ONE,
        verification_due: NaiveDate::from_ymd_opt(2031, 1, 10),
        seal: None,
        status: MeterStatus::Active,
        removed_on: None,
        replaced_by: None,
        replaces: None,
        created_at: now,
        updated_at: now,
    }
}

/// The meters, their serial sentinels and locators, loaded with batch writes.
fn meter_items(namespace: &Namespace, i: usize) -> [Item; 3] {
    let m = meter(i);
    let mut locator = Body::new();
    locator.insert("subscriber_id".into(), Value::from(m.subscriber_id.clone()));
    [
        m.to_item(namespace),
        registry::serial_sentinel(namespace, &m),
        Item::new(keys::meter_locator(namespace, &m.id), locator),
    ]
}

fn rows(meters: usize, month: u32) -> Vec<IntakeRow> {
    (0..meters)
        .map(|i| {
            let mut v = value(i, month);
            if i % 1000 == 999 && month > 1 {
                // Poison: below the previous reading and not a rollover.
                v = value(i, month - 1) - Decimal::from(500).min(value(i, month - 1));
            }
            IntakeRow {
                line: i as u64 + 2,
                meter: MeterRef::Serial(serial(i)),
                date: date(month),
                values: vec![v],
            }
        })
        .collect()
}

async fn feed(intake: &Intake, rows: &[IntakeRow]) -> anyhow::Result<(Summary, Duration)> {
    let started = Instant::now();
    let mut total = Summary::default();
    for chunk in rows.chunks(CHUNK) {
        let s = Summary::of(&intake.run(chunk).await?);
        total.stored += s.stored;
        total.flagged += s.flagged;
        total.unchanged += s.unchanged;
        total.refused += s.refused;
    }
    Ok((total, started.elapsed()))
}

/// Writes `rows` as a CSV file the way a provider's system exports them.
fn write_csv(path: &std::path::Path, rows: &[IntakeRow]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "Заводской номер;Дата;Показание")?;
    for row in rows {
        let MeterRef::Serial(serial) = &row.meter else {
            anyhow::bail!("rows name meters by serial");
        };
        let value = row.values.first().copied().unwrap_or_default();
        writeln!(out, "{serial};{};{value}", row.date.format("%d.%m.%Y"))?;
    }
    out.flush()?;
    Ok(())
}

/// The file through the import as the worker runs it (valid rows applied).
async fn import(
    services: &crm_app::Services,
    tenant: &TenantId,
    path: &std::path::Path,
) -> anyhow::Result<(Counts, Duration)> {
    let started = Instant::now();
    let file = Spooled::from_reader(std::fs::File::open(path)?, ReadOptions::default())?;
    let audit = Audit::system("bench");
    let mut handler = ReadingImport::new(services, tenant, &audit, "bench-import")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut input = ImportInput::new(&file, SCHEMA, Mode::Apply(ApplyPolicy::ValidRowsOnly));
    input.batch_rows = ImportKind::Readings.batch_rows();
    let mut report = ErrorReport::new(ReportLang::Ru)?;
    let tracker = Tracker {
        run: None,
        clock: &SystemClock,
    };
    let summary = run_import(input, &mut handler, &mut report, tracker)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((summary.counts, started.elapsed()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let meters = if quick { 20_000 } else { 200_000 };
    let dir = tempfile::tempdir()?;
    let data_dir = dir.path().to_string_lossy().into_owned();
    let config = Config::from_lookup(|name| match name {
        "CRM_DATA_DIR" => Some(data_dir.clone()),
        _ => None,
    })?;
    let services = crm_adapters::wiring::services_from_config(&config).await?;
    let tenant = TenantId::parse("bench").map_err(|e| anyhow::anyhow!("{e}"))?;
    let db = services.db.tenant(&tenant);
    let namespace = db.namespace().clone();
    let started = Instant::now();
    for chunk in (0..meters).collect::<Vec<_>>().chunks(1000) {
        let items: Vec<Item> = chunk
            .iter()
            .flat_map(|i| meter_items(&namespace, *i))
            .collect();
        db.batch_write(items, Vec::new()).await?;
    }
    println!(
        "Loaded {meters} meters of {} subscribers in {:.1} s.\n",
        meters / 2,
        started.elapsed().as_secs_f64()
    );
    let audit = Audit::system("bench");
    let intake = Intake::new(&services, &tenant, &audit, ReadingSource::Import, "bench").await?;
    println!("| file | rows | stored | flagged | unchanged | refused | seconds | rows/s |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut all_rows = 0usize;
    let mut all_time = Duration::ZERO;
    for month in 1..=MONTHS {
        let rows = rows(meters, month);
        let (s, took) = feed(&intake, &rows).await?;
        all_rows += rows.len();
        all_time += took;
        println!(
            "| month {month} | {} | {} | {} | {} | {} | {:.2} | {:.0} |",
            rows.len(),
            s.stored,
            s.flagged,
            s.unchanged,
            s.refused,
            took.as_secs_f64(),
            rows.len() as f64 / took.as_secs_f64()
        );
    }
    println!(
        "| **all {MONTHS} files** | {all_rows} | | | | | {:.2} | **{:.0}** |",
        all_time.as_secs_f64(),
        all_rows as f64 / all_time.as_secs_f64()
    );
    let rows = rows(meters, 1);
    let (s, took) = feed(&intake, &rows).await?;
    println!(
        "| month 1 again (idempotent: reads and validation only) | {} | {} | {} | {} | {} | {:.2} | {:.0} |",
        rows.len(),
        s.stored,
        s.flagged,
        s.unchanged,
        s.refused,
        took.as_secs_f64(),
        rows.len() as f64 / took.as_secs_f64()
    );
    anyhow::ensure!(
        s.stored == 0 && s.unchanged == rows.len(),
        "the replay changed something"
    );

    let file_rows = self::rows(meters, MONTHS + 1);
    let path = dir.path().join("month.csv");
    write_csv(&path, &file_rows)?;
    let (counts, took) = import(&services, &tenant, &path).await?;
    println!(
        "| month {} as a CSV file through the import | {} | {} | {} | {} | {} | {:.2} | {:.0} |",
        MONTHS + 1,
        counts.read,
        counts.created,
        counts.flagged,
        counts.unchanged,
        counts.invalid,
        took.as_secs_f64(),
        counts.read as f64 / took.as_secs_f64()
    );
    anyhow::ensure!(
        counts.read == file_rows.len() as u64 && counts.created + counts.invalid == counts.read,
        "the import lost rows: {counts:?}"
    );
    Ok(())
}

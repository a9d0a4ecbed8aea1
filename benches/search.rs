//! Subscriber search benchmark: 100,000 generated subscribers (`crm generate`'s code) in a
//! temporary SQLite store, then first pages of typical searches, timed through the use case
//! (`crm_app::subscribers::search`), as the API and the UI call it.
//!
//! Run: `cargo bench --bench search` (add `-- --quick` for 20,000 subscribers). Prints a
//! Markdown table; docs/benchmarks.md keeps the figures. Budget: first page <= 20 ms.

#![expect(
    clippy::float_arithmetic,
    reason = "percentiles and rates of measured times"
)]
#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::time::{Duration, Instant};

use crm_app::config::Config;
use crm_app::subscribers::search::{SearchRequest, SortOrder, search};
use crm_domain::TenantId;
use crm_domain::subscriber::search::SearchField;
use crm_domain::subscriber::{BillingMode, SubscriberStatus};

struct Case {
    what: &'static str,
    request: SearchRequest,
}

fn text(text: &str) -> SearchRequest {
    SearchRequest {
        text: text.to_owned(),
        ..SearchRequest::default()
    }
}

fn cases(building_id: &str) -> Vec<Case> {
    vec![
        Case {
            what: "account number prefix `ЛС-0123`",
            request: text("ЛС-0123"),
        },
        Case {
            what: "surname prefix with ё `Фёдор`",
            request: text("Фёдор"),
        },
        Case {
            what: "surname prefix `иван` (many matches)",
            request: text("иван"),
        },
        Case {
            what: "street prefix `Садов`",
            request: SearchRequest {
                field: Some(SearchField::Address),
                ..text("Садов")
            },
        },
        Case {
            what: "street and house `ленина 12`",
            request: text("ленина 12"),
        },
        Case {
            what: "phone typed with 8 `8 912 3`",
            request: text("8 912 3"),
        },
        Case {
            what: "phone typed with +7 `+7 (926) 1`",
            request: text("+7 (926) 1"),
        },
        Case {
            what: "name and filter: `ива` + closed",
            request: SearchRequest {
                status: Some(SubscriberStatus::Closed),
                ..text("ива")
            },
        },
        Case {
            what: "filter only: tag `льготник`",
            request: SearchRequest {
                tag: Some("льготник".into()),
                ..SearchRequest::default()
            },
        },
        Case {
            what: "filters only: prepaid + suspended",
            request: SearchRequest {
                billing_mode: Some(BillingMode::Prepaid),
                status: Some(SubscriberStatus::Suspended),
                ..SearchRequest::default()
            },
        },
        Case {
            what: "building, by name",
            request: SearchRequest {
                building_id: Some(building_id.to_owned()),
                order: SortOrder::Name,
                ..SearchRequest::default()
            },
        },
        Case {
            what: "everyone by name, descending",
            request: SearchRequest {
                order: SortOrder::Name,
                descending: true,
                ..SearchRequest::default()
            },
        },
    ]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let subscribers = if quick { 20_000 } else { 100_000 };
    let rounds = if quick { 50 } else { 200 };
    let dir = tempfile::tempdir()?;
    let data_dir = dir.path().to_string_lossy().into_owned();
    let config = Config::from_lookup(|name| match name {
        "CRM_DATA_DIR" => Some(data_dir.clone()),
        _ => None,
    })?;
    let services = crm_adapters::wiring::services_from_config(&config).await?;
    let tenant = TenantId::parse("bench").map_err(|e| anyhow::anyhow!("{e}"))?;
    let options = crm::generate::Options {
        tenant: tenant.clone(),
        subscribers,
        seed: 42,
    };
    let report = crm::generate::generate(&services, &options, |_| {}).await?;
    let size = std::fs::read_dir(dir.path())?
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum::<u64>();
    println!(
        "Generated {} subscribers in {} buildings: {} items in {:.1} s ({:.1} s in batch writes, {:.0} subscribers/s), store {} MiB.\n",
        report.subscribers,
        report.buildings,
        report.items,
        report.elapsed.as_secs_f64(),
        report.writing.as_secs_f64(),
        report.subscribers as f64 / report.elapsed.as_secs_f64(),
        size >> 20
    );

    let (buildings, _) = crm_app::buildings::list(&services.db.tenant(&tenant), None, 10).await?;
    let building_id = buildings.first().map(|b| b.id.clone()).unwrap_or_default();
    println!("| first page of 25 | matches on page | partial | p50 | p99 | max |");
    println!("|---|---:|---|---:|---:|---:|");
    for case in cases(&building_id) {
        let mut times = Vec::with_capacity(rounds);
        let mut shown = 0;
        let mut partial = false;
        for _ in 0..rounds {
            let started = Instant::now();
            let page = search(&services, &tenant, &case.request, None).await?;
            times.push(started.elapsed());
            shown = page.items.len();
            partial = page.partial;
        }
        times.sort();
        println!(
            "| {} | {shown} | {} | {} | {} | {} |",
            case.what,
            if partial { "yes" } else { "no" },
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            ms(*times.last().unwrap_or(&Duration::ZERO)),
        );
    }
    Ok(())
}

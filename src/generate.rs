//! `crm generate`: a large, realistic subscriber base for benchmarks and load tests, written
//! with batch writes (profiles, numbers, search terms, filter listings, buildings with their
//! counts) exactly as the use cases would index them. Deterministic for a seed.
//!
//! It fills an empty tenant: numbers start at `ЛС-000001` and are not checked one by one. The
//! generated subscribers have no per-subscriber history; one audit record notes the run.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{Days, NaiveDate};
use crm_app::Services;
use crm_app::audit::{Audit, Change};
use crm_app::buildings::{Building, BuildingCounts};
use crm_app::config::Config;
use crm_app::store::Write;
use crm_app::subscribers::fake::{FLATS_PER_BUILDING, FakeStatus, Faker};
use crm_app::subscribers::numbering::{advance_counter_to, next_number, pattern};
use crm_app::subscribers::{Subscriber, bulk, today};
use crm_domain::TenantId;
use crm_domain::subscriber::{StatusState, SubscriberStatus};

/// Subscribers written per batch.
const CHUNK: u64 = 2_000;

#[derive(Clone, Debug)]
pub struct Options {
    pub tenant: TenantId,
    pub subscribers: u64,
    pub seed: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub subscribers: u64,
    pub buildings: u64,
    /// Items written, index entries included.
    pub items: usize,
    pub elapsed: Duration,
    /// Of which spent in the store's batch writes.
    pub writing: Duration,
}

fn status_for(fake: &FakeStatus, opened_on: NaiveDate, today: NaiveDate, n: u64) -> StatusState {
    let status = match fake {
        FakeStatus::Active => return StatusState::active_since(opened_on),
        FakeStatus::Suspended => SubscriberStatus::Suspended,
        FakeStatus::Closed => SubscriberStatus::Closed,
    };
    let span = (today - opened_on).num_days().max(0) as u64;
    let since = opened_on + Days::new(if span == 0 { 0 } else { n % span });
    StatusState {
        status,
        since,
        reason: Some(match status {
            SubscriberStatus::Suspended => "Задолженность более трёх месяцев".into(),
            _ => "Договор расторгнут".into(),
        }),
    }
}

/// Writes `options.subscribers` made-up subscribers (and their buildings) into an empty tenant,
/// calling `progress` with the count written so far after each batch.
pub async fn generate(
    services: &Services,
    options: &Options,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<Report> {
    let started = Instant::now();
    let db = services.db.tenant(&options.tenant);
    let numbering = pattern(&db).await?;
    if next_number(&db, &numbering)
        .await?
        .is_some_and(|(number, _)| Some(number) != numbering.format(1))
    {
        bail!(
            "tenant {} already has subscribers; generate into an empty tenant",
            options.tenant
        );
    }
    let faker = Faker::new(options.seed);
    let today = today(services, &options.tenant).await;
    let now = services.clock.now();
    let building_count = options.subscribers.div_ceil(FLATS_PER_BUILDING).max(1);
    let mut buildings: Vec<(Building, BuildingCounts)> = (0..building_count)
        .map(|i| {
            let input = faker.building(i);
            let facts = input
                .validate()
                .map_err(|e| anyhow::anyhow!("made-up building {i} is invalid: {e:?}"))?;
            Ok((
                Building {
                    id: services.ids.new_id(),
                    facts,
                    created_at: now,
                    updated_at: now,
                },
                BuildingCounts::default(),
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut report = Report {
        buildings: building_count,
        ..Report::default()
    };
    let mut n = 0;
    while n < options.subscribers {
        let end = (n + CHUNK).min(options.subscribers);
        let mut chunk = Vec::with_capacity((end - n) as usize);
        for i in n..end {
            let house = (i / FLATS_PER_BUILDING) as usize;
            let (building, counts) = &mut buildings[house];
            let input = faker.building(house as u64);
            let fake = faker.subscriber(i, &building.id, &input, i % FLATS_PER_BUILDING + 1);
            let facts = fake
                .input
                .validate(today)
                .map_err(|e| anyhow::anyhow!("made-up subscriber {i} is invalid: {e:?}"))?;
            let status = status_for(&fake.status, facts.opened_on, today, i);
            match status.status {
                SubscriberStatus::Active => counts.active += 1,
                SubscriberStatus::Suspended => counts.suspended += 1,
                SubscriberStatus::Closed => counts.closed += 1,
            }
            let account_number = numbering
                .format(i + 1)
                .context("the numbering pattern has too few digits for this many subscribers")?;
            chunk.push(Subscriber {
                id: services.ids.new_id(),
                account_number,
                facts,
                status,
                services: Vec::new(),
                created_at: now,
                updated_at: now,
            });
        }
        let writing = Instant::now();
        report.items += bulk::insert_subscribers(&db, &chunk).await?;
        report.writing += writing.elapsed();
        n = end;
        progress(n);
    }
    bulk::insert_buildings(&db, &buildings).await?;
    report.items += buildings.len() * 3;
    advance_counter_to(&db, options.subscribers).await?;
    let summary = serde_json::json!({
        "subscribers": options.subscribers,
        "buildings": building_count,
        "seed": options.seed,
    });
    let (_, record): (_, Write) = Audit::system("generate").record(
        db.namespace(),
        services.ids.new_id(),
        services.clock.now(),
        &Change {
            action: "subscribers.generate",
            entity_type: "subscriber_generation",
            entity_id: &services.ids.new_id(),
            before: None,
            after: Some(&summary),
        },
    );
    db.transact(vec![record]).await?;
    report.subscribers = options.subscribers;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The command: opens the embedded store in `data_dir` and fills `tenant`.
#[expect(
    clippy::print_stdout,
    reason = "the command reports its progress to the person who ran it"
)]
pub async fn run(tenant: &str, subscribers: u64, data_dir: &Path, seed: u64) -> anyhow::Result<()> {
    let tenant = TenantId::parse(tenant).map_err(|e| anyhow::anyhow!("--tenant: {e}"))?;
    let data_dir = data_dir.to_string_lossy().into_owned();
    let config = Config::from_lookup(|name| match name {
        "CRM_BACKEND" => Some("embedded".to_owned()),
        "CRM_DATA_DIR" => Some(data_dir.clone()),
        other => std::env::var(other).ok(),
    })?;
    let services = crm_adapters::wiring::services_from_config(&config)
        .await
        .context("could not open the store")?;
    let options = Options {
        tenant: tenant.clone(),
        subscribers,
        seed,
    };
    let report = generate(&services, &options, |done| {
        if done % 20_000 == 0 || done == subscribers {
            println!("  {done} subscribers written");
        }
    })
    .await?;
    println!(
        "Generated {} subscribers in {} buildings for tenant {tenant} ({} items) in {:.1?}.",
        report.subscribers, report.buildings, report.items, report.elapsed
    );
    println!(
        "To browse it in `crm dev`, the tenant must be registered with its domain (tenants are made in the central part)."
    );
    Ok(())
}

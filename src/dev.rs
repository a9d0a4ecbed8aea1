//! `crm dev`: the whole platform in one process. Every function's router is mounted in one
//! server, every worker consumes its queue in a task, and the scheduler fires the same
//! schedules as EventBridge Scheduler does in production.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use crm_app::Services;
use crm_app::config::Config;
use crm_app::jobs::{ConsumerSettings, run_consumer};
use crm_app::scheduler::run_scheduler;
use crm_app::schedules::SCHEDULES;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub struct Options {
    pub port: u16,
    pub data_dir: PathBuf,
    pub backend: String,
}

fn config(options: &Options) -> anyhow::Result<Config> {
    let listen = SocketAddr::from(([127, 0, 0, 1], options.port)).to_string();
    let data_dir = options.data_dir.to_string_lossy().into_owned();
    let config = Config::from_lookup(|name| match name {
        "CRM_BACKEND" => Some(options.backend.clone()),
        "CRM_DATA_DIR" => Some(data_dir.clone()),
        "CRM_LISTEN" => Some(listen.clone()),
        other => std::env::var(other).ok(),
    })?;
    Ok(config)
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    let config = config(&options)?;
    let services = crm_adapters::wiring::services_from_config(&config)
        .await
        .context("could not start the platform")?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("could not listen on {}", config.listen))?;
    let logins = crm_app::demo::seed_dev(&services, options.port)
        .await
        .context("could not create the demo tenant and accounts")?;

    let shutdown = CancellationToken::new();
    let mut background = JoinSet::new();
    background.spawn(seed_demo_data(services.clone(), shutdown.clone()));
    for runner in crm::platform::worker_runners(&services) {
        background.spawn(run_consumer(
            runner,
            ConsumerSettings::default(),
            shutdown.clone(),
        ));
    }
    background.spawn(run_scheduler(services.clone(), SCHEDULES, shutdown.clone()));
    background.spawn(sweep_expired_items(services.clone(), shutdown.clone()));

    announce(&config, &services, &logins);
    let stop = shutdown.clone();
    axum::serve(listener, crm::platform::router(&services))
        .with_graceful_shutdown(async move {
            crm_adapters::runtime::shutdown_signal().await;
            tracing::info!("shutting down: finishing requests and jobs in flight");
            stop.cancel();
        })
        .await
        .context("server failed")?;
    shutdown.cancel();
    while background.join_next().await.is_some() {}
    tracing::info!("stopped");
    Ok(())
}

/// Fills the demo tenant while the platform already serves: on the embedded store this takes a
/// second or two, on the AWS emulator minutes (each subscriber is a transaction), and nobody
/// should wait for it to sign in. Every step is idempotent, so a seed cut short by Ctrl-C is
/// finished on the next start.
async fn seed_demo_data(services: Services, shutdown: CancellationToken) {
    tokio::select! {
        () = async {
            seed_demo_subscribers(&services).await;
            seed_demo_meters(&services).await;
        } => {}
        () = shutdown.cancelled() => {
            tracing::info!("demo seeding stopped; the next start finishes it");
        }
    }
}

/// Gives the `demo` tenant, once it is registered, its buildings and ~200 subscribers. Safe on
/// every start: a second run changes nothing.
async fn seed_demo_subscribers(services: &Services) {
    let Ok(demo) = crm_domain::TenantId::parse("demo") else {
        return;
    };
    match crm_app::tenancy::tenant_status(&services.db, &demo).await {
        Ok(Some(_)) => {}
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(error = %e, "could not look up the demo tenant");
            return;
        }
    }
    match crm_app::subscribers::demo::seed_demo(services, &demo).await {
        Ok(report) if report.subscribers_created > 0 => tracing::info!(
            buildings = report.buildings_created,
            subscribers = report.subscribers_created,
            "demo subscribers seeded"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "seeding the demo subscribers failed"),
    }
}

/// Gives the demo tenant's first subscribers, once they exist, meters with a year of readings
/// (after the catalogue's demo services, which the meters measure). Safe on every start.
async fn seed_demo_meters(services: &Services) {
    let Ok(demo) = crm_domain::TenantId::parse("demo") else {
        return;
    };
    match crm_app::meters::demo::seed_demo(services, &demo).await {
        Ok(0) => {}
        Ok(created) => tracing::info!(meters = created, "demo meters seeded"),
        Err(e) => tracing::warn!(error = %e, "seeding the demo meters failed"),
    }
}

/// Reclaims the space of expired items (sessions, tokens) now and then; DynamoDB's TTL does
/// this in AWS. Reads ignore expired items either way.
async fn sweep_expired_items(services: Services, shutdown: CancellationToken) {
    const EVERY: std::time::Duration = std::time::Duration::from_secs(600);
    loop {
        let now = services.clock.now().timestamp();
        match services.db.store().purge_expired(now).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "expired items purged"),
            Err(e) => tracing::warn!(error = %e, "purging expired items failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(EVERY) => {}
            () = shutdown.cancelled() => return,
        }
    }
}

#[expect(
    clippy::print_stdout,
    reason = "the dev server tells the person who started it where to go"
)]
fn announce(config: &Config, services: &Services, logins: &crm_app::demo::DevLogins) {
    let backend = match &config.backend {
        crm_app::config::Backend::Embedded { data_dir } => {
            format!("embedded, data in {}", data_dir.display())
        }
        crm_app::config::Backend::Aws(aws) => format!("aws, table {}", aws.table),
    };
    println!();
    println!("  CRM is running at {}", services.public_url);
    println!(
        "  API reference:    {}{}",
        services.public_url,
        api::DOCS_PATH
    );
    println!("  Backend:          {backend}");
    println!();
    println!("  Platform staff:   {}", logins.staff.url);
    println!(
        "                    {} / {}",
        logins.staff.email, logins.staff.password
    );
    println!("  Demo tenant:      {}", logins.tenant_admin.url);
    println!(
        "                    {} / {}",
        logins.tenant_admin.email, logins.tenant_admin.password
    );
    println!(
        "  Outgoing mail:    {}/central/outbox",
        logins.staff.url.trim_end_matches("/central/")
    );
    println!("  Stop with Ctrl-C.");
    println!();
}

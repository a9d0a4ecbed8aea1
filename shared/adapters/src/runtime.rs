//! Process plumbing shared by every binary: logs, shutdown signals, Lambda-or-local start-up.

use std::process::ExitCode;

use crm_app::Services;
use crm_app::jobs::{ConsumerSettings, JobRunner, run_consumer};
use tokio_util::sync::CancellationToken;
use tracing::{error, info};
use tracing_subscriber::EnvFilter;

/// Set by the Lambda runtime (and by `cargo lambda watch`); absent when run as a plain process.
pub const RUNTIME_API_VAR: &str = "AWS_LAMBDA_RUNTIME_API";

pub fn in_lambda() -> bool {
    std::env::var_os(RUNTIME_API_VAR).is_some()
}

/// Structured logs through `tracing`: JSON lines when the function's log format is JSON
/// (`AWS_LAMBDA_LOG_FORMAT=JSON`), readable text otherwise. Lambda stamps each line itself, so
/// the time is left out there. A second call (tests) keeps the first subscriber.
pub fn init_logging() {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .or_else(|| std::env::var("AWS_LAMBDA_LOG_LEVEL").ok())
        .and_then(|spec| EnvFilter::try_new(spec.to_ascii_lowercase()).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let installed = match (json, in_lambda()) {
        (true, true) => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .without_time()
            .try_init(),
        (true, false) => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        (false, true) => builder.without_time().try_init(),
        (false, false) => builder.try_init(),
    };
    drop(installed);
}

/// Resolves on Ctrl-C or SIGTERM (what process managers and containers send).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// The whole `main` of a worker binary: logging, services from the environment, then the
/// Lambda runtime when there is one, else the local consumer loop until Ctrl-C or SIGTERM
/// (the job in hand is finished; received jobs not yet started go back to the queue).
pub async fn worker_main(make_runner: fn(Services) -> JobRunner) -> ExitCode {
    init_logging();
    let services = match crate::wiring::from_env().await {
        Ok((_, services)) => services,
        Err(e) => {
            error!(error = %e, "worker cannot start");
            return ExitCode::FAILURE;
        }
    };
    let runner = make_runner(services);
    let queue = runner.queue_name();
    if in_lambda() {
        if let Err(e) = crate::lambda_sqs::run_worker(runner).await {
            error!(queue = queue.as_str(), error = %e, "lambda runtime stopped");
            return ExitCode::FAILURE;
        }
        return ExitCode::SUCCESS;
    }
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        info!("shutting down: finishing the job in hand");
        stop.cancel();
    });
    run_consumer(runner, ConsumerSettings::default(), shutdown).await;
    ExitCode::SUCCESS
}

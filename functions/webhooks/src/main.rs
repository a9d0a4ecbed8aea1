//! The `webhooks` Lambda (or a local HTTP server outside Lambda). Wiring only.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    crm_adapters::runtime::init_logging();
    let (config, services) = match crm_adapters::wiring::from_env().await {
        Ok(wired) => wired,
        Err(e) => {
            tracing::error!(error = %e, "start-up failed");
            return ExitCode::FAILURE;
        }
    };
    let router = crm_web::serve::finish(webhooks::router(services));
    match crm_web::serve::serve(
        router,
        config.listen,
        crm_adapters::runtime::shutdown_signal(),
    )
    .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "server failed");
            ExitCode::FAILURE
        }
    }
}

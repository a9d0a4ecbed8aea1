//! The whole platform in one process: every function's router in one, every worker's runner.

use axum::Router;
use crm_app::Services;
use crm_app::jobs::JobRunner;

/// Every function's routes in one router, with the shared layers. In AWS, API Gateway routes
/// the same paths to the separate functions.
pub fn router(services: &Services) -> Router {
    crm_web::serve::finish(
        api::router(services.clone())
            .merge(central::router(services.clone()))
            .merge(webhooks::router(services.clone())),
    )
}

/// One job runner per worker, each on its own queue.
pub fn worker_runners(services: &Services) -> Vec<JobRunner> {
    vec![
        meter_import::runner(services.clone()),
        billing::runner(services.clone()),
        penalties::runner(services.clone()),
        documents::runner(services.clone()),
        notify::runner(services.clone()),
    ]
}

//! `GET <prefix>/health`: whether this function can reach the store and the queue.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use crm_app::Services;
use crm_app::health::{self, Status};
use serde::Serialize;
use utoipa::ToSchema;

/// The health report.
#[derive(Serialize, ToSchema)]
pub struct HealthBody {
    /// `ok` when every dependency answers.
    #[schema(example = "ok")]
    pub status: &'static str,
    #[schema(example = "ok")]
    pub store: &'static str,
    #[schema(example = "ok")]
    pub queue: &'static str,
}

fn label(status: &Status) -> &'static str {
    match status {
        Status::Ok => "ok",
        Status::Unavailable => "unavailable",
    }
}

/// 200 when healthy, 503 otherwise, with the state of each dependency.
pub async fn handler(State(services): State<Services>) -> impl IntoResponse {
    let report = health::check(&services).await;
    let code = if report.status == Status::Ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = HealthBody {
        status: label(&report.status),
        store: label(&report.store),
        queue: label(&report.queue),
    };
    (code, Json(body))
}

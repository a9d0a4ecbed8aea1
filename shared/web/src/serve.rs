//! Running a function's router: under Lambda when `AWS_LAMBDA_RUNTIME_API` is set (real Lambda
//! or `cargo lambda watch`), else as a plain HTTP server.

use std::net::SocketAddr;

use axum::Router;
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;

use crate::problem::Problem;
use crate::request_id;

/// Adds what every served router needs, once, on the outside: problem+json 404 for unknown
/// paths, an opaque 500 for panics, request ids and the request log line.
pub fn finish(router: Router) -> Router {
    router
        .fallback(|| async {
            Problem::not_found()
                .detail("no such page or endpoint")
                .into_response()
        })
        .layer(CatchPanicLayer::custom(
            |_panic: Box<dyn std::any::Any + Send>| -> Response {
                tracing::error!("handler panicked");
                Problem::internal().into_response()
            },
        ))
        .layer(axum::middleware::from_fn(request_id::middleware))
}

/// Serves `router` (already [`finish`]ed) under Lambda, or on `listen` until `shutdown`
/// resolves (requests in flight are finished first).
pub async fn serve(
    router: Router,
    listen: SocketAddr,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        return lambda_http::run(router).await;
    }
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(address = %listener.local_addr()?, "listening");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

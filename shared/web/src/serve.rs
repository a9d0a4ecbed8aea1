//! Running a function's router: under Lambda when `AWS_LAMBDA_RUNTIME_API` is set (real Lambda
//! or `cargo lambda watch`), else as a plain HTTP server.

use std::net::SocketAddr;

use axum::Router;
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;

use crate::error_page::{self, ErrorFormat};
use crate::problem::Problem;
use crate::request_id;

/// Adds what every served router needs, once, on the outside: a 404 for unknown paths and an
/// opaque 500 for panics (problem+json for API clients, the HTML error page for browsers),
/// request ids and the request log line.
pub fn finish(router: Router) -> Router {
    router
        .fallback(|format: ErrorFormat| async move {
            format.respond(Problem::not_found().detail("no such page or endpoint"))
        })
        .layer(CatchPanicLayer::custom(
            |_panic: Box<dyn std::any::Any + Send>| -> Response {
                tracing::error!("handler panicked");
                Problem::internal().into_response()
            },
        ))
        .layer(axum::middleware::from_fn(error_page::middleware))
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

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    async fn boom() -> &'static str {
        panic!("secret detail")
    }

    async fn answer(path: &str, accept: &str) -> (StatusCode, String, String) {
        let router = finish(Router::new().route("/boom", get(boom)));
        let request = Request::get(path)
            .header(header::ACCEPT, accept)
            .header("x-request-id", "req-serve-1")
            .body(Body::empty())
            .unwrap();
        let response = router.oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (
            status,
            content_type,
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    #[tokio::test]
    async fn unknown_paths_answer_each_audience() {
        let (status, content_type, body) = answer("/no-such-page", "text/html").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(content_type.starts_with("text/html"));
        assert!(body.contains("<html lang=\"ru\">") && body.contains("Страница не найдена"));

        let (status, content_type, body) = answer("/api/v1/nothing", "text/html").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(content_type, crate::problem::CONTENT_TYPE);
        assert!(body.contains(r#""request_id":"req-serve-1""#));
    }

    #[tokio::test]
    async fn panics_are_opaque_to_both() {
        let (status, content_type, body) = answer("/boom", "text/html").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(content_type.starts_with("text/html"));
        assert!(body.contains("req-serve-1") && !body.contains("secret detail"));

        let (status, content_type, body) = answer("/boom", "application/json").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(content_type, crate::problem::CONTENT_TYPE);
        assert!(!body.contains("secret detail"));
    }
}

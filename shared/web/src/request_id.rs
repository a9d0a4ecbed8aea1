//! Request ids and the one log line per request.
//!
//! The id is API Gateway's request id under Lambda, else a sane incoming `x-request-id`, else a
//! new UUID. It is echoed in the `x-request-id` response header, attached to every log line of
//! the request through a span, and put into problem responses so users can quote it.

use std::time::Instant;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const HEADER: &str = "x-request-id";

tokio::task_local! {
    static CURRENT: String;
}

/// The id of the request being handled, if called inside one.
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

fn is_sane(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn request_id_of(request: &Request) -> String {
    use lambda_http::RequestExt;
    let from_lambda = request
        .request_context_ref()
        .and_then(|context| match context {
            lambda_http::request::RequestContext::ApiGatewayV2(ctx) => ctx.request_id.clone(),
            _ => None,
        });
    let from_header = || {
        request
            .headers()
            .get(HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|id| is_sane(id))
            .map(str::to_owned)
    };
    from_lambda
        .or_else(from_header)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

/// Middleware: assigns the id, runs the request inside its span, logs the outcome once.
pub async fn middleware(request: Request, next: Next) -> Response {
    let id = request_id_of(&request);
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let span = tracing::info_span!("request", request_id = %id, %method, %path);
    let started = Instant::now();
    let mut response = CURRENT
        .scope(id.clone(), next.run(request).instrument(span.clone()))
        .await;
    let status = response.status().as_u16();
    let elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(status, elapsed_us, "request failed");
        } else {
            tracing::info!(status, elapsed_us, "request handled");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sane_ids_are_reused() {
        assert!(is_sane("abc-123_X"));
        assert!(!is_sane(""));
        assert!(!is_sane("a b"));
        assert!(!is_sane("<script>"));
        assert!(!is_sane(&"a".repeat(65)));
    }
}

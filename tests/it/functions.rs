//! The HTTP functions on the embedded adapters: fed real API Gateway events from `events/`
//! through lambda_http's own parser (the Lambda path), and plain requests (the local path).

use axum::body::Body;
use http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;

use crate::support::embedded::Platform;

async fn body_json(response: axum::response::Response) -> Value {
    let bytes = axum::body::to_bytes(response.into_body(), 4 << 20)
        .await
        .expect("body");
    serde_json::from_slice(&bytes).expect("json body")
}

fn lambda_request(fixture: &str) -> lambda_http::Request {
    let path = format!("{}/events/{fixture}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{fixture}: {e}"))
}

#[tokio::test]
async fn every_function_answers_health_from_its_api_gateway_fixture() {
    let platform = Platform::start().await;
    let cases = [
        (
            "apigw-api-health.json",
            api::router(platform.services.clone()),
            "req-api-health",
        ),
        (
            "apigw-central-health.json",
            central::router(platform.services.clone()),
            "req-central-health",
        ),
        (
            "apigw-webhooks-health.json",
            webhooks::router(platform.services.clone()),
            "req-webhooks-health",
        ),
    ];
    for (fixture, router, request_id) in cases {
        let router = crm_web::serve::finish(router);
        let response = router
            .oneshot(lambda_request(fixture).map(Body::new))
            .await
            .expect("response");
        assert_eq!(response.status(), StatusCode::OK, "{fixture}");
        assert_eq!(
            response.headers()["x-request-id"],
            request_id,
            "{fixture}: API Gateway's request id is the request id"
        );
        let body = body_json(response).await;
        assert_eq!(
            body,
            serde_json::json!({"status": "ok", "store": "ok", "queue": "ok"}),
            "{fixture}"
        );
    }
}

#[tokio::test]
async fn unknown_paths_are_problem_json_with_the_request_id() {
    let platform = Platform::start().await;
    let router = crm_web::serve::finish(api::router(platform.services.clone()));
    let response = router
        .oneshot(lambda_request("apigw-api-unknown-path.json").map(Body::new))
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body = body_json(response).await;
    assert_eq!(body["code"], "not_found");
    assert_eq!(body["status"], 404);
    assert_eq!(body["request_id"], "req-api-unknown");
}

#[tokio::test]
async fn incoming_request_ids_are_reused_only_when_sane() {
    let platform = Platform::start().await;
    let router = platform.router();
    let send = |id: &'static str| {
        let router = router.clone();
        async move {
            let request = Request::get("/api/v1/health")
                .header("x-request-id", id)
                .body(Body::empty())
                .expect("request");
            router.oneshot(request).await.expect("response").headers()["x-request-id"].clone()
        }
    };
    assert_eq!(send("client-42").await, "client-42");
    let replaced = send("<script>alert(1)</script>").await;
    assert_ne!(replaced, "<script>alert(1)</script>");
    assert_eq!(replaced.len(), 36, "a fresh UUID replaces an unsafe id");
}

#[tokio::test]
async fn openapi_documents_are_3_1_and_list_their_routes() {
    let platform = Platform::start().await;
    let router = platform.router();
    for (path, documented) in [
        (api::OPENAPI_PATH, "/api/v1/health"),
        (central::OPENAPI_PATH, "/central/api/v1/health"),
        (webhooks::OPENAPI_PATH, "/webhooks/health"),
    ] {
        let response = router
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).expect("request"))
            .await
            .expect("response");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let doc = body_json(response).await;
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1")),
            "{path}: {}",
            doc["openapi"]
        );
        assert!(
            doc["paths"][documented]["get"].is_object(),
            "{path} lacks {documented}"
        );
    }
}

#[tokio::test]
async fn the_reference_page_loads_its_hashed_script_with_long_caching() {
    let platform = Platform::start().await;
    let router = platform.router();
    let response = router
        .clone()
        .oneshot(
            Request::get(api::DOCS_PATH)
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    let page = String::from_utf8(bytes.to_vec()).expect("utf-8");
    assert!(page.contains(&format!("spec-url=\"{}\"", api::OPENAPI_PATH)));
    let script = crm_web::assets::url("redoc.standalone.js");
    assert!(page.contains(&script), "page does not load {script}");

    let response = router
        .clone()
        .oneshot(Request::get(&script).body(Body::empty()).expect("request"))
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/javascript")
    );

    let stale = router
        .oneshot(
            Request::get("/static/redoc.standalone.000000000000.js")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    assert_eq!(stale.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn health_reports_an_unreachable_store_as_503() {
    let platform = Platform::start_with_unreachable_store().await;
    let response = platform
        .router()
        .oneshot(
            Request::get("/api/v1/health")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = body_json(response).await;
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["store"], "unavailable");
    assert_eq!(body["queue"], "ok");
}

//! The access guard end to end: host resolution, sessions, API keys, CSRF, roles.

use axum::body::Body;
use http::{Request, StatusCode};
use tower::ServiceExt;

use crate::support::embedded::Platform;
use crate::support::tenants;

#[tokio::test]
async fn the_route_tables_declare_every_documented_route() {
    for (function, table) in [
        ("api", api::route_table()),
        ("central", central::route_table()),
    ] {
        assert!(!table.is_empty(), "{function} has no routes");
        assert!(
            table.iter().any(|r| r.path.ends_with("/health")),
            "{function}: health missing from the access table"
        );
    }
}

#[tokio::test]
async fn unknown_hosts_and_degraded_context_answer_public_routes_only() {
    let platform = Platform::start().await;
    let router = platform.router();
    let tenant = tenants::create_tenant(&platform.services, "acme").await;
    for host in ["unknown.example.org", &tenants::host(&tenant), "localhost"] {
        let response = router
            .clone()
            .oneshot(
                Request::get("/api/v1/health")
                    .header("host", host)
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("response");
        assert_eq!(response.status(), StatusCode::OK, "{host}");
    }
}

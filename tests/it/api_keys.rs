//! API keys: shown once, stored hashed, scoped within the creator's permissions, revocable,
//! with the time of last use.

use http::{Method, StatusCode};
use serde_json::json;

use crate::support::http::Client;
use crate::support::identity::{browser, platform, tenant_with};
use crate::support::tenants;

#[tokio::test]
async fn a_key_is_shown_once_works_within_its_scopes_and_can_be_revoked() {
    let platform = platform().await;
    let services = &platform.services;
    let (tenant, admin) = tenant_with(services, "acme", "administrator").await;
    let (mut browser, csrf) = browser(&platform, &tenant, admin).await;

    let created = browser
        .post_form(
            "/api-keys",
            &[
                ("_csrf", &csrf),
                ("name", "Выгрузка в 1С"),
                ("scopes", "users:read"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.headers["cache-control"], "no-store");
    let start = created
        .body
        .find("value=\"crm_")
        .expect("the token on the page")
        + 7;
    let token = created.body[start..].split('"').next().unwrap().to_owned();
    assert!(token.starts_with("crm_acme_"), "{token}");
    assert!(created.body.contains("data-copy-target"), "a copy button");

    let list = browser.get("/api-keys").await;
    assert!(list.body.contains("Выгрузка в 1С"));
    assert!(!list.body.contains(&token), "never shown again");
    let listed = browser.get_json("/api/v1/api-keys").await.json();
    assert_eq!(listed[0]["last_used_at"], serde_json::Value::Null);

    let mut machine = Client::new(platform.router(), &tenants::host(&tenant)).with_bearer(&token);
    let me = machine.get_json("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["kind"], "api_key");
    assert_eq!(
        machine.get_json("/api/v1/users").await.status,
        StatusCode::OK
    );
    assert_eq!(
        machine.get_json("/api/v1/roles").await.status,
        StatusCode::FORBIDDEN,
        "outside its scopes"
    );
    let mut platform_host = Client::new(platform.router(), "localhost").with_bearer(&token);
    assert_eq!(
        platform_host.get_json("/api/v1/users").await.status,
        StatusCode::OK,
        "keys work on the platform host"
    );
    let listed = browser.get_json("/api/v1/api-keys").await.json();
    assert_ne!(
        listed[0]["last_used_at"],
        serde_json::Value::Null,
        "last use recorded"
    );

    let id = listed[0]["id"].as_str().unwrap().to_owned();
    let revoked = browser
        .post_form(&format!("/api-keys/{id}/revoke"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let refused = machine.get_json("/api/v1/me").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.json()["code"], "invalid_api_key");
}

#[tokio::test]
async fn scopes_stay_within_the_creator_and_are_validated() {
    let platform = platform().await;
    let services = &platform.services;
    let (tenant, admin) = tenant_with(services, "acme", "administrator").await;
    let (mut admin_browser, admin_csrf) = browser(&platform, &tenant, admin).await;
    let role = admin_browser
        .json(Method::POST, "/api/v1/roles", &json!({"name": "Интеграции", "permissions": ["api_keys:create", "api_keys:read", "subscribers:read"]}), Some(&admin_csrf))
        .await
        .json();
    let integrator = crate::support::identity::person(
        services,
        &tenant,
        "int@acme.example.ru",
        role["role"].as_str().unwrap(),
    )
    .await;
    let (mut browser, csrf) = browser(&platform, &tenant, integrator).await;
    let too_much = browser
        .json(
            Method::POST,
            "/api/v1/api-keys",
            &json!({"name": "k", "scopes": ["payments:create"]}),
            Some(&csrf),
        )
        .await;
    assert_eq!(too_much.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(too_much.json()["errors"][0]["field"], "scopes");
    let unknown = browser
        .json(
            Method::POST,
            "/api/v1/api-keys",
            &json!({"name": "k", "scopes": ["subscribers:fly"]}),
            Some(&csrf),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let nameless = browser
        .json(
            Method::POST,
            "/api/v1/api-keys",
            &json!({"name": " ", "scopes": []}),
            Some(&csrf),
        )
        .await;
    assert_eq!(nameless.json()["errors"].as_array().unwrap().len(), 2);
    let ok = browser
        .json(
            Method::POST,
            "/api/v1/api-keys",
            &json!({"name": "Сайт", "scopes": ["subscribers:read"]}),
            Some(&csrf),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED);
    let body = ok.json();
    assert!(body["token"].as_str().unwrap().starts_with("crm_acme_"));
    assert_eq!(body["key"]["scopes"], json!(["subscribers:read"]));
    assert!(!body["key"].to_string().contains("secret_hash"));
}

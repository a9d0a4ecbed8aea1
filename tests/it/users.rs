//! Administering a tenant's users: the list (search, sort, pages), role changes within what
//! the actor holds, disabling and enabling, the last administrator, the JSON API.

use crm_app::keys::Namespace;
use http::{Method, StatusCode};
use serde_json::json;

use crate::support::http::Client;
use crate::support::identity::{PASSWORD, audit_actions, browser, person, platform, tenant_with};
use crate::support::tenants;

#[tokio::test]
async fn the_list_searches_sorts_and_pages() {
    let platform = platform().await;
    let services = &platform.services;
    let (tenant, admin) = tenant_with(services, "acme", "administrator").await;
    for i in 0..30 {
        person(
            services,
            &tenant,
            &format!("user{i:02}@acme.example.ru"),
            "viewer",
        )
        .await;
    }
    let (mut browser, _) = browser(&platform, &tenant, admin).await;
    let first = browser.get("/users?sort=email&dir=desc").await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.body.contains("user29@acme.example.ru"));
    assert!(first.body.contains(r#"aria-sort="descending""#));
    assert!(first.body.contains("rel=\"next\""), "31 people, 25 a page");
    let second = browser.get("/users?sort=email&dir=desc&cursor=25").await;
    assert!(second.body.contains("rel=\"prev\""));
    assert!(second.body.contains("user00@acme.example.ru"));
    let found = browser.get("/users?q=USER07").await;
    assert_eq!(
        found.body.matches("<tr>").count(),
        2,
        "header and the one match"
    );
    let none = browser.get("/users?q=nobody-at-all").await;
    assert!(none.body.contains("Никого не нашлось"));
    assert_eq!(
        browser.get("/users?cursor=garbage").await.status,
        StatusCode::BAD_REQUEST
    );

    let api = browser.get_json("/api/v1/users?sort=email&limit=10").await;
    assert_eq!(api.status, StatusCode::OK);
    let body = api.json();
    assert_eq!(body["total"], 31);
    assert_eq!(body["items"].as_array().unwrap().len(), 10);
    assert_eq!(body["next_cursor"], "10");
}

#[tokio::test]
async fn roles_change_within_what_the_actor_holds_and_an_administrator_remains() {
    let platform = platform().await;
    let services = &platform.services;
    let (tenant, admin) = tenant_with(services, "acme", "administrator").await;
    let viewer = person(services, &tenant, "viewer@acme.example.ru", "viewer").await;
    let (mut browser, csrf) = browser(&platform, &tenant, admin.clone()).await;

    let demote_self = browser
        .json(
            Method::PUT,
            &format!("/api/v1/users/{}/role", admin.id),
            &json!({"role": "manager"}),
            Some(&csrf),
        )
        .await;
    assert_eq!(
        demote_self.status,
        StatusCode::CONFLICT,
        "{}",
        demote_self.body
    );
    assert_eq!(demote_self.json()["code"], "last_administrator");
    let disable_self = browser
        .json(
            Method::POST,
            &format!("/api/v1/users/{}/disable", admin.id),
            &json!({}),
            Some(&csrf),
        )
        .await;
    assert_eq!(disable_self.json()["code"], "own_account");

    let unknown = browser
        .json(
            Method::PUT,
            &format!("/api/v1/users/{}/role", viewer.id),
            &json!({"role": "emperor"}),
            Some(&csrf),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.json()["errors"][0]["field"], "role");

    let promoted = browser
        .post_form(
            &format!("/users/{}/role", viewer.id),
            &[("_csrf", &csrf), ("role", "administrator")],
        )
        .await;
    assert_eq!(promoted.status, StatusCode::SEE_OTHER, "{}", promoted.body);
    let demoted = browser
        .json(
            Method::PUT,
            &format!("/api/v1/users/{}/role", admin.id),
            &json!({"role": "manager"}),
            Some(&csrf),
        )
        .await;
    assert_eq!(
        demoted.status,
        StatusCode::OK,
        "another administrator exists now"
    );
    assert_eq!(demoted.json()["role"], "manager");

    let actions = audit_actions(services, &Namespace::tenant(&tenant), "account", &viewer.id).await;
    assert!(
        actions.contains(&"account.role_change".to_owned()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn nobody_hands_out_or_touches_more_than_they_hold() {
    let platform = platform().await;
    let services = &platform.services;
    let (tenant, admin) = tenant_with(services, "acme", "administrator").await;
    // A role that may manage users but holds little else.
    let (mut admin_browser, admin_csrf) = browser(&platform, &tenant, admin.clone()).await;
    let role = admin_browser
        .json(
            Method::POST,
            "/api/v1/roles",
            &json!({"name": "Кадры", "permissions": ["users:read", "users:update", "users:create", "subscribers:read"]}),
            Some(&admin_csrf),
        )
        .await;
    assert_eq!(role.status, StatusCode::CREATED, "{}", role.body);
    let role_value = role.json()["role"].as_str().unwrap().to_owned();
    let hr = person(services, &tenant, "hr@acme.example.ru", &role_value).await;
    let viewer = person(services, &tenant, "viewer@acme.example.ru", "viewer").await;
    let (mut hr_browser, hr_csrf) = browser(&platform, &tenant, hr).await;

    let escalate = hr_browser
        .json(
            Method::PUT,
            &format!("/api/v1/users/{}/role", viewer.id),
            &json!({"role": "administrator"}),
            Some(&hr_csrf),
        )
        .await;
    assert_eq!(
        escalate.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        escalate.body
    );
    assert_eq!(escalate.json()["errors"][0]["field"], "role");
    let disable_admin = hr_browser
        .json(
            Method::POST,
            &format!("/api/v1/users/{}/disable", admin.id),
            &json!({}),
            Some(&hr_csrf),
        )
        .await;
    assert_eq!(
        disable_admin.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "someone holding more"
    );
    let invite_admin = hr_browser
        .json(
            Method::POST,
            "/api/v1/invitations",
            &json!({"email": "boss@acme.example.ru", "role": "administrator"}),
            Some(&hr_csrf),
        )
        .await;
    assert_eq!(invite_admin.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = hr_browser.get("/users/invitations").await;
    assert!(
        !page.body.contains(r#"value="administrator""#),
        "only roles one may give are offered"
    );
    let viewer_role = hr_browser
        .json(
            Method::POST,
            "/api/v1/invitations",
            &json!({"email": "new@acme.example.ru", "role": "viewer"}),
            Some(&hr_csrf),
        )
        .await;
    assert_eq!(
        viewer_role.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a viewer reads more than HR does"
    );
    let readers = admin_browser
        .json(
            Method::POST,
            "/api/v1/roles",
            &json!({"name": "Абоненты", "permissions": ["subscribers:read"]}),
            Some(&admin_csrf),
        )
        .await
        .json();
    assert!(page_offers(&mut hr_browser, readers["role"].as_str().unwrap()).await);
    let invited = hr_browser
        .json(
            Method::POST,
            "/api/v1/invitations",
            &json!({"email": "new@acme.example.ru", "role": readers["role"]}),
            Some(&hr_csrf),
        )
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);
    assert_eq!(invited.json()["mail_sent"], true);
}

async fn page_offers(browser: &mut Client, role: &str) -> bool {
    browser
        .get("/users/invitations")
        .await
        .body
        .contains(&format!(r#"value="{role}""#))
}

#[tokio::test]
async fn disabling_ends_sessions_and_enabling_lets_them_back() {
    let platform = platform().await;
    let services = &platform.services;
    let (tenant, admin) = tenant_with(services, "acme", "administrator").await;
    let operator = person(services, &tenant, "op@acme.example.ru", "operator").await;
    let (mut admin_browser, csrf) = browser(&platform, &tenant, admin).await;
    let (mut operator_browser, _) = browser(&platform, &tenant, operator.clone()).await;
    assert_eq!(operator_browser.get("/").await.status, StatusCode::OK);

    let page = admin_browser.get(&format!("/users/{}", operator.id)).await;
    assert!(
        page.body
            .contains(&format!("/users/{}/disable", operator.id))
    );
    let disabled = admin_browser
        .post_form(
            &format!("/users/{}/disable", operator.id),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    assert_eq!(
        operator_browser.get("/").await.status,
        StatusCode::SEE_OTHER,
        "signed out"
    );
    let mut again = Client::new(platform.router(), &tenants::host(&tenant));
    assert_eq!(
        again
            .log_in("/login", &operator.email, PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let page = admin_browser.get(&format!("/users/{}", operator.id)).await;
    assert!(page.body.contains("Отключён"));

    let enabled = admin_browser
        .post_form(
            &format!("/users/{}/enable", operator.id),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(enabled.status, StatusCode::SEE_OTHER);
    assert_eq!(
        again
            .log_in("/login", &operator.email, PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let actions = audit_actions(
        services,
        &Namespace::tenant(&tenant),
        "account",
        &operator.id,
    )
    .await;
    assert!(
        actions.contains(&"account.disable".to_owned())
            && actions.contains(&"account.enable".to_owned())
    );
}

#[tokio::test]
async fn invitations_are_listed_and_revoked_through_the_api() {
    let platform = platform().await;
    let services = &platform.services;
    let (tenant, admin) = tenant_with(services, "acme", "administrator").await;
    let (mut browser, csrf) = browser(&platform, &tenant, admin).await;
    let created = browser
        .json(
            Method::POST,
            "/api/v1/invitations",
            &json!({"email": "ivan@acme.example.ru", "role": "accountant"}),
            Some(&csrf),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.json()["invitation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = browser.get_json("/api/v1/invitations").await.json();
    assert_eq!(list[0]["email"], "ivan@acme.example.ru");
    let bad = browser
        .json(
            Method::POST,
            "/api/v1/invitations",
            &json!({"email": "not an email", "role": ""}),
            Some(&csrf),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let problem = bad.json();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "role"], "both fields at once");
    let revoked = browser
        .json(
            Method::DELETE,
            &format!("/api/v1/invitations/{id}"),
            &json!({}),
            Some(&csrf),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(
        browser.get_json("/api/v1/invitations").await.json(),
        json!([])
    );
    let link = crate::support::identity::link_path(
        &crate::support::identity::outbox(services).await[0]
            .email
            .text,
        "/invite/",
    );
    let mut newcomer = Client::new(platform.router(), &tenants::host(&tenant));
    assert_eq!(
        newcomer.get(&link).await.status,
        StatusCode::NOT_FOUND,
        "a revoked link is dead"
    );
    let again = browser
        .json(
            Method::POST,
            "/api/v1/invitations",
            &json!({"email": "ivan@acme.example.ru", "role": "accountant"}),
            Some(&csrf),
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::CREATED,
        "revoking frees the email"
    );
}

#[tokio::test]
async fn invitations_stop_at_the_tenants_user_limit_and_resume_when_a_place_frees() {
    let platform = platform().await;
    let services = &platform.services;
    let (tenant, admin) = tenant_with(services, "acme", "administrator").await;
    set_user_limit(services, &tenant, 3).await;
    person(services, &tenant, "viewer@acme.example.ru", "viewer").await;
    let (mut browser, csrf) = browser(&platform, &tenant, admin).await;
    let invite = |email: &'static str| json!({"email": email, "role": "operator"});

    // Two people and one invitation fill three places.
    let first = browser
        .json(
            Method::POST,
            "/api/v1/invitations",
            &invite("first@acme.example.ru"),
            Some(&csrf),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let second = browser
        .json(
            Method::POST,
            "/api/v1/invitations",
            &invite("second@acme.example.ru"),
            Some(&csrf),
        )
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.body);
    assert_eq!(second.json()["code"], "user_limit_reached");
    assert_eq!(
        browser
            .get_json("/api/v1/invitations")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1,
        "the refused invitation left nothing behind"
    );
    assert!(
        crate::support::identity::outbox(services).await.len() == 1,
        "and sent no mail"
    );

    // The form says why, next to the address.
    let form = browser
        .fill(
            "/users/invitations",
            "/users/invitations",
            &[("email", "second@acme.example.ru"), ("role", "operator")],
        )
        .await;
    assert_eq!(
        form.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        form.body
    );
    assert!(
        form.body
            .contains("Достигнут предел пользователей организации (3)"),
        "{}",
        form.body
    );

    // Revoking the pending invitation frees its place.
    let id = first.json()["invitation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoked = browser
        .json(
            Method::DELETE,
            &format!("/api/v1/invitations/{id}"),
            &json!({}),
            Some(&csrf),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    let again = browser
        .json(
            Method::POST,
            "/api/v1/invitations",
            &invite("second@acme.example.ru"),
            Some(&csrf),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
}

/// Sets the limit on the tenant's record as the platform operator's form does.
async fn set_user_limit(services: &crm_app::Services, tenant: &crm_domain::TenantId, max: u32) {
    let central = services.db.central();
    let key = crm_app::keys::tenant(tenant);
    let mut item = central.get(&key).await.unwrap().expect("tenant record");
    item.body.insert(
        "limits".into(),
        json!({"max_subscribers": 10_000, "max_users": max}),
    );
    central
        .put(crm_app::store::Put {
            item,
            condition: crm_app::store::Condition::None,
        })
        .await
        .unwrap();
}

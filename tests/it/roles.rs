//! Custom roles: built from the same permissions within what the actor holds; what it does not
//! hold stays as it is; a role someone has cannot be deleted; built-in roles are read-only.

use crm_app::keys::Namespace;
use http::{Method, StatusCode};
use serde_json::json;

use crate::support::identity::{audit_actions, browser, person, platform, tenant_with};

#[tokio::test]
async fn custom_roles_cannot_escalate() {
    let platform = platform().await;
    let services = &platform.services;
    let (tenant, admin) = tenant_with(services, "acme", "administrator").await;
    let (mut admin_browser, admin_csrf) = browser(&platform, &tenant, admin).await;
    let role_admin = admin_browser
        .json(
            Method::POST,
            "/api/v1/roles",
            &json!({"name": "Роли", "permissions": ["roles:read", "roles:create", "roles:update", "roles:delete", "subscribers:read"]}),
            Some(&admin_csrf),
        )
        .await;
    assert_eq!(
        role_admin.status,
        StatusCode::CREATED,
        "{}",
        role_admin.body
    );
    let value = role_admin.json()["role"].as_str().unwrap().to_owned();
    let keeper = person(services, &tenant, "roles@acme.example.ru", &value).await;
    let (mut keeper_browser, csrf) = browser(&platform, &tenant, keeper).await;

    let escalation = keeper_browser
        .json(
            Method::POST,
            "/api/v1/roles",
            &json!({"name": "Бог", "permissions": ["invoices:delete"]}),
            Some(&csrf),
        )
        .await;
    assert_eq!(
        escalation.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        escalation.body
    );
    let problem = escalation.json();
    assert_eq!(problem["errors"][0]["field"], "permissions");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Счета: удаление")
    );

    let within = keeper_browser
        .json(
            Method::POST,
            "/api/v1/roles",
            &json!({"name": "Чтение абонентов", "permissions": ["subscribers:read"]}),
            Some(&csrf),
        )
        .await;
    assert_eq!(within.status, StatusCode::CREATED);

    // The administrator's role with billing rights: the keeper may rename it and change what
    // they hold, never withdraw what they lack.
    let billing = admin_browser
        .json(
            Method::POST,
            "/api/v1/roles",
            &json!({"name": "Биллинг", "permissions": ["invoices:delete", "subscribers:read"]}),
            Some(&admin_csrf),
        )
        .await;
    let billing_id = billing.json()["id"].as_str().unwrap().to_owned();
    let strip = keeper_browser
        .json(
            Method::PUT,
            &format!("/api/v1/roles/{billing_id}"),
            &json!({"name": "Биллинг", "permissions": ["subscribers:read"]}),
            Some(&csrf),
        )
        .await;
    assert_eq!(
        strip.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "withdrawing what one lacks"
    );
    let page = keeper_browser.get(&format!("/roles/{billing_id}")).await;
    assert!(page.body.contains(r#"value="invoices:delete""#));
    let form = keeper_browser
        .post_form(
            &format!("/roles/{billing_id}"),
            &[("_csrf", &csrf), ("name", "Биллинг и абоненты")],
        )
        .await;
    assert_eq!(form.status, StatusCode::SEE_OTHER, "{}", form.body);
    let saved = keeper_browser
        .get_json(&format!("/api/v1/roles/{billing_id}"))
        .await
        .json();
    assert_eq!(saved["name"], "Биллинг и абоненты");
    assert_eq!(
        saved["permissions"],
        json!(["invoices:delete"]),
        "the disabled box kept its state, the held one was cleared"
    );

    let built_in = keeper_browser
        .json(
            Method::PUT,
            "/api/v1/roles/manager",
            &json!({"name": "x", "permissions": ["subscribers:read"]}),
            Some(&csrf),
        )
        .await;
    assert_eq!(built_in.json()["code"], "builtin_role");
    let view = keeper_browser.get("/roles/manager").await;
    assert_eq!(view.status, StatusCode::OK);
    assert!(view.body.contains("disabled"), "read-only grid");
    let actions = audit_actions(services, &Namespace::tenant(&tenant), "role", &billing_id).await;
    assert_eq!(actions, ["role.create", "role.update"]);
}

#[tokio::test]
async fn a_role_in_use_is_not_deleted_and_names_are_unique() {
    let platform = platform().await;
    let services = &platform.services;
    let (tenant, admin) = tenant_with(services, "acme", "administrator").await;
    let (mut browser, csrf) = browser(&platform, &tenant, admin).await;
    let created = browser
        .post_form(
            "/roles",
            &[
                ("_csrf", &csrf),
                ("name", "Контролёры"),
                ("permissions", "meters:read"),
                ("permissions", "readings:create"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let id = created.location().trim_start_matches("/roles/").to_owned();
    let duplicate = browser
        .post_form(
            "/roles",
            &[
                ("_csrf", &csrf),
                ("name", "КОНТРОЛЁРЫ"),
                ("permissions", "meters:read"),
            ],
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(duplicate.body.contains("Роль с таким названием уже есть"));
    let empty = browser
        .post_form("/roles", &[("_csrf", &csrf), ("name", "")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty.body.contains("id=\"f-permissions\""),
        "the grid is marked"
    );

    person(
        services,
        &tenant,
        "petrov@acme.example.ru",
        &format!("custom:{id}"),
    )
    .await;
    let refused = browser
        .json(
            Method::DELETE,
            &format!("/api/v1/roles/{id}"),
            &json!({}),
            Some(&csrf),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let problem = refused.json();
    assert_eq!(problem["code"], "role_in_use");
    assert!(
        problem["detail"].as_str().unwrap().contains("Test custom:"),
        "says who: {problem}"
    );
    let ui = browser
        .post_form(&format!("/roles/{id}/delete"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(ui.location(), format!("/roles/{id}"));
    assert!(
        browser
            .get(&format!("/roles/{id}"))
            .await
            .body
            .contains("Роль назначена")
    );

    let unused = browser
        .json(
            Method::POST,
            "/api/v1/roles",
            &json!({"name": "Временная", "permissions": ["reports:read"]}),
            Some(&csrf),
        )
        .await
        .json();
    let gone = browser
        .json(
            Method::DELETE,
            &format!("/api/v1/roles/{}", unused["id"].as_str().unwrap()),
            &json!({}),
            Some(&csrf),
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let list = browser.get_json("/api/v1/roles").await.json();
    assert_eq!(
        list.as_array().unwrap().len(),
        6,
        "five built-in and one custom"
    );
}

//! Tenant settings end to end: the API and the page on the tenant's host, validation and
//! audit of each section, the logo, the branding in the page frame, and tenant isolation.

use axum::body::Body;
use chrono::Utc;
use crm_app::identity::api_keys::ApiKey;
use crm_app::keys;
use crm_app::store::{Condition, Index, Put, Query};
use crm_domain::access::PermissionSet;
use http::StatusCode;
use serde_json::{Value, json};

use crate::support::embedded::Platform;
use crate::support::tenants as support;
use crate::tenants::{Client, create_tenant, platform, staff, tenant_id, year};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR tiny";

/// A user of `tenant` with `role`, in a browser on the tenant's host.
async fn user(platform: &Platform, tenant: &str, role: &str) -> Client {
    let id = tenant_id(tenant);
    let account = support::create_account(
        &platform.services,
        Some(&id),
        &format!("{role}@{tenant}.ru"),
        role,
        "pw",
    )
    .await;
    let signed_in = support::sign_in(&platform.services, Some(&id), account).await;
    Client::new(
        platform.router(),
        &format!("{tenant}.localhost"),
        Some(signed_in),
    )
}

async fn tenants(platform: &Platform, ids: &[&str]) {
    let admin = staff(platform, "superadmin").await;
    for id in ids {
        create_tenant(&admin, id, &format!("Организация {id}")).await;
    }
}

/// Tenant audit records of one settings section, oldest first.
async fn settings_audit(platform: &Platform, tenant: &str, section: &str) -> Vec<Value> {
    let ns = keys::Namespace::tenant(&tenant_id(tenant));
    let key = keys::audit_by_entity(&ns, "settings", section, "");
    platform
        .services
        .db
        .tenant(&tenant_id(tenant))
        .query(Query::new(Index::Gsi1, key.pk), None)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|item| Value::Object(item.body))
        .collect()
}

#[tokio::test]
async fn sections_have_defaults_validate_and_are_audited() {
    let (platform, _) = platform().await;
    tenants(&platform, &["acme"]).await;
    let admin = user(&platform, "acme", "administrator").await;

    let defaults = admin.get("/api/v1/settings").await;
    assert_eq!(defaults.status, StatusCode::OK, "{}", defaults.body);
    let defaults = defaults.json();
    assert_eq!(defaults["payments"]["due_day"], 10);
    assert_eq!(
        defaults["meter_readings"],
        json!({"from_day": 15, "to_day": 25})
    );
    assert_eq!(
        defaults["invoice_numbering"]["preview"],
        format!("{}-000001", year())
    );
    assert!(defaults["branding"]["logo_url"].is_null());

    for (section, body, field) in [
        ("payments", json!({"due_day": 29}), "due_day"),
        ("payments", json!({"due_day": "soon"}), "due_day"),
        (
            "meter_readings",
            json!({"from_day": 25, "to_day": 15}),
            "to_day",
        ),
        (
            "meter_readings",
            json!({"from_day": 0, "to_day": 15}),
            "from_day",
        ),
        (
            "invoice_numbering",
            json!({"prefix": "ЖКХ#1", "include_year": true, "counter_width": 6, "start_value": 1}),
            "prefix",
        ),
        (
            "invoice_numbering",
            json!({"prefix": "A", "include_year": true, "counter_width": 11, "start_value": 1}),
            "counter_width",
        ),
        (
            "invoice_numbering",
            json!({"prefix": "A", "include_year": true, "counter_width": 6, "start_value": 0}),
            "start_value",
        ),
        (
            "branding",
            json!({"display_name": "x".repeat(101)}),
            "display_name",
        ),
        ("branding", json!({"accent_colour": "red"}), "accent_colour"),
        (
            "notifications",
            json!({"email_from_name": "a\r\nBcc: x"}),
            "email_from_name",
        ),
        (
            "notifications",
            json!({"sms_sender": "Водоканал"}),
            "sms_sender",
        ),
        (
            "notifications",
            json!({"sms_sender": "Vodokanal777"}),
            "sms_sender",
        ),
    ] {
        let answer = admin
            .json("PUT", &format!("/api/v1/settings/{section}"), &body)
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{section} {body}"
        );
        assert!(
            answer.field_error(field).is_some(),
            "{section}: {}",
            answer.body
        );
    }
    assert!(
        settings_audit(&platform, "acme", "payments")
            .await
            .is_empty()
    );

    let saved = admin
        .json(
            "PUT",
            "/api/v1/settings/invoice_numbering",
            &json!({"prefix": "ЖКХ", "include_year": true, "counter_width": 6, "start_value": 123}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(
        saved.json()["invoice_numbering"]["preview"],
        format!("ЖКХ-{}-000123", year())
    );
    let saved = admin
        .json("PUT", "/api/v1/settings/payments", &json!({"due_day": 5}))
        .await;
    assert_eq!(saved.json()["payments"]["due_day"], 5);
    assert_eq!(
        saved.json()["invoice_numbering"]["prefix"],
        "ЖКХ",
        "other sections kept"
    );
    let same = admin
        .json("PUT", "/api/v1/settings/payments", &json!({"due_day": 5}))
        .await;
    assert_eq!(same.status, StatusCode::OK);

    let audit = settings_audit(&platform, "acme", "payments").await;
    assert_eq!(audit.len(), 1, "an unchanged save is not a change");
    assert_eq!(audit[0]["action"], "settings.update");
    assert_eq!(
        audit[0]["changes"],
        json!([{"field": "due_day", "old": 10, "new": 5}])
    );
    assert_eq!(audit[0]["actor"]["kind"], "user");
    assert_eq!(
        admin
            .json("PUT", "/api/v1/settings/unknown", &json!({}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_settings_page_saves_each_section() {
    let (platform, _) = platform().await;
    tenants(&platform, &["acme"]).await;
    let admin = user(&platform, "acme", "administrator").await;
    let page = admin.get("/settings").await;
    assert_eq!(page.status, StatusCode::OK);
    for section in [
        "branding",
        "invoice_numbering",
        "payments",
        "meter_readings",
        "notifications",
        "logo",
    ] {
        assert!(
            page.body.contains(&format!(r#"data-section="{section}""#)),
            "{section}"
        );
    }
    assert!(page.body.contains(r#"type="color" id="f-accent_colour""#));
    assert!(
        page.body
            .contains(&format!("Так будет выглядеть номер: {}-000001", year()))
    );
    assert!(page.body.contains(r#"enctype="multipart/form-data""#));
    assert!(
        page.body.contains("Организация acme"),
        "the registered name in the frame"
    );

    let bad = admin
        .form(
            "/settings/invoice_numbering",
            &[
                ("prefix", "СЛИШКОМ-ДЛИННЫЙ"),
                ("counter_width", "6"),
                ("start_value", "1"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = bad.body.split(r#"id="f-prefix-error""#).nth(1).unwrap();
    assert!(error.contains("Префикс не длиннее 10 символов"), "{error}");
    assert!(
        bad.body.contains(r#"value="СЛИШКОМ-ДЛИННЫЙ""#),
        "the typed value is kept"
    );

    let ok = admin
        .form(
            "/settings/invoice_numbering",
            &[
                ("prefix", "ЖКХ"),
                ("include_year", "1"),
                ("counter_width", "6"),
                ("start_value", "1"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(ok.location(), "/settings#invoice_numbering");
    let branded = admin
        .form(
            "/settings/branding",
            &[
                ("display_name", "Водоканал «Тверь»"),
                ("accent_colour", "#FFCC00"),
            ],
        )
        .await;
    assert_eq!(branded.status, StatusCode::SEE_OTHER);
    let page = admin.get("/settings").await;
    assert!(page.body.contains(&format!("ЖКХ-{}-000001", year())));
    assert!(
        page.body
            .contains(r#"<span class="brand-name">Водоканал «Тверь»</span>"#)
    );
    assert!(page.body.contains("--tblr-primary:#ffcc00"));
    assert!(
        page.body.contains(r##"value="#ffcc00""##),
        "the picker shows the saved colour"
    );

    let branding = crm_app::settings::branding(&platform.services.db, &tenant_id("acme"))
        .await
        .unwrap();
    assert_eq!(branding.display_name, "Водоканал «Тверь»");
    assert_eq!(branding.accent_colour.as_deref(), Some("#ffcc00"));
    assert_eq!(branding.logo_url, None);
}

#[tokio::test]
async fn reading_and_saving_need_their_permissions() {
    let (platform, _) = platform().await;
    tenants(&platform, &["acme"]).await;
    let manager = user(&platform, "acme", "manager").await;
    let page = manager.get("/settings").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-read-only"));
    assert!(!page.body.contains(r#"action="/settings/logo"#));
    assert_eq!(manager.get("/api/v1/settings").await.status, StatusCode::OK);
    let put = manager
        .json("PUT", "/api/v1/settings/payments", &json!({"due_day": 3}))
        .await;
    assert_eq!(put.status, StatusCode::FORBIDDEN);
    let post = manager
        .form("/settings/payments", &[("due_day", "3")])
        .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    let viewer = user(&platform, "acme", "viewer").await;
    assert_eq!(viewer.get("/settings").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        viewer.get("/api/v1/settings").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_tenant_never_reaches_another_tenants_settings() {
    let (platform, _) = platform().await;
    tenants(&platform, &["alpha", "bravo"]).await;
    let alpha = user(&platform, "alpha", "administrator").await;
    let bravo = user(&platform, "bravo", "administrator").await;
    bravo
        .json("PUT", "/api/v1/settings/payments", &json!({"due_day": 20}))
        .await;

    // Alpha's session on Bravo's host is nobody there.
    let mut on_bravo = Client::new(
        platform.router(),
        "bravo.localhost",
        crate::tenants::copy(&alpha),
    );
    on_bravo.host = "bravo.localhost".into();
    assert_eq!(
        on_bravo.get("/api/v1/settings").await.status,
        StatusCode::UNAUTHORIZED
    );
    let put = on_bravo
        .json("PUT", "/api/v1/settings/payments", &json!({"due_day": 1}))
        .await;
    assert_eq!(put.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        on_bravo.get("/settings").await.status,
        StatusCode::SEE_OTHER
    );
    let form = on_bravo
        .form("/settings/payments", &[("due_day", "1")])
        .await;
    assert!(
        matches!(form.status, StatusCode::SEE_OTHER | StatusCode::FORBIDDEN),
        "{}",
        form.status
    );
    // ...nor anyone on the platform host's central routes.
    let mut on_platform = Client::new(platform.router(), "localhost", crate::tenants::copy(&alpha));
    on_platform.host = "localhost".into();
    assert_eq!(
        on_platform
            .get("/central/api/v1/tenants/bravo")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // Alpha's API key works for Alpha only, whatever host it names.
    let alpha_id = tenant_id("alpha");
    let (key, token) = ApiKey::issue(
        &alpha_id,
        "k1".into(),
        "integration".into(),
        PermissionSet::new([crate::settings::read(), crate::settings::update()]),
        "test".into(),
        Utc::now(),
    );
    platform
        .services
        .db
        .tenant(&alpha_id)
        .put(Put {
            item: key.to_item(&keys::Namespace::tenant(&alpha_id)),
            condition: Condition::MustNotExist,
        })
        .await
        .unwrap();
    let machine = |host: &str| {
        Client::new(platform.router(), host, None)
            .header("authorization", &format!("Bearer {token}"))
    };
    let own = machine("localhost").get("/api/v1/settings").await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert_eq!(
        own.json()["payments"]["due_day"],
        10,
        "Alpha's own settings"
    );
    let put = machine("bravo.localhost")
        .json("PUT", "/api/v1/settings/payments", &json!({"due_day": 1}))
        .await;
    assert_eq!(put.status, StatusCode::UNAUTHORIZED);

    let bravo_settings = bravo.get("/api/v1/settings").await.json();
    assert_eq!(bravo_settings["payments"]["due_day"], 20, "untouched");
    let alpha_settings = alpha.get("/api/v1/settings").await.json();
    assert_eq!(alpha_settings["payments"]["due_day"], 10);
}

#[tokio::test]
async fn logos_are_checked_stored_and_served_safely() {
    let (platform, _) = platform().await;
    tenants(&platform, &["acme"]).await;
    let admin = user(&platform, "acme", "administrator").await;
    let upload = |bytes: Vec<u8>| {
        let admin = &admin;
        async move {
            admin
                .send(
                    "PUT",
                    "/api/v1/settings/branding/logo",
                    Some("application/octet-stream"),
                    Body::from(bytes),
                )
                .await
        }
    };
    let mut big = PNG.to_vec();
    big.resize(512 * 1024 + 1, 0);
    let too_big = upload(big).await;
    assert_eq!(too_big.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_big.field_error("logo").unwrap().contains("512 КБ"));
    let gif = upload(b"GIF89a\x01\x00".to_vec()).await;
    assert!(
        gif.field_error("logo")
            .unwrap()
            .contains("PNG, JPEG или SVG")
    );
    let script = upload(
        br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec(),
    )
    .await;
    assert!(script.field_error("logo").unwrap().contains("скрипты"));
    assert!(
        platform
            .services
            .blobs
            .list("branding/acme/")
            .await
            .unwrap()
            .is_empty(),
        "nothing refused was stored"
    );

    let ok = upload(PNG.to_vec()).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let url = ok.json()["branding"]["logo_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(url.starts_with("/branding/logo?v="));
    let anonymous = Client::new(platform.router(), "acme.localhost", None);
    let served = anonymous.get(&url).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.headers["content-type"], "image/png");
    assert!(
        served.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    assert_eq!(served.headers["x-content-type-options"], "nosniff");
    let page = admin.get("/settings").await;
    assert!(
        page.body
            .contains(&format!(r#"<img src="{}""#, url.replace('&', "&#38;")))
    );

    // A new logo replaces the file; removing it deletes the file.
    let svg = br##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect fill="#206bc4" width="1" height="1"/></svg>"##;
    let replaced = upload(svg.to_vec()).await;
    assert_eq!(replaced.status, StatusCode::OK);
    let files = platform
        .services
        .blobs
        .list("branding/acme/")
        .await
        .unwrap();
    assert_eq!(files.len(), 1);
    assert!(files[0].key.ends_with(".svg"));
    let removed = admin
        .send(
            "DELETE",
            "/api/v1/settings/branding/logo",
            None,
            Body::empty(),
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert!(
        platform
            .services
            .blobs
            .list("branding/acme/")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        anonymous.get("/branding/logo").await.status,
        StatusCode::NOT_FOUND
    );
    let audit = settings_audit(&platform, "acme", "branding").await;
    assert_eq!(audit.len(), 3, "upload, replace, remove");

    // The page's multipart form: the CSRF token in the query, the file in the body.
    let csrf = admin.signed_in.as_ref().unwrap().csrf.clone();
    let boundary = "XyZ";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"x.svg\"\r\nContent-Type: image/svg+xml\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(br#"<svg onload="alert(1)"></svg>"#);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut browser = Client::new(
        platform.router(),
        "acme.localhost",
        crate::tenants::copy(&admin),
    );
    browser.signed_in.as_mut().unwrap().csrf = String::new();
    let refused = browser
        .send(
            "POST",
            &format!("/settings/logo?_csrf={csrf}"),
            Some(&format!("multipart/form-data; boundary={boundary}")),
            Body::from(body.clone()),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(refused.body.contains(r#"id="f-logo-error""#));
    let good = String::from_utf8_lossy(&body).replace(
        r#"<svg onload="alert(1)"></svg>"#,
        std::str::from_utf8(svg).unwrap(),
    );
    let accepted = browser
        .send(
            "POST",
            &format!("/settings/logo?_csrf={csrf}"),
            Some(&format!("multipart/form-data; boundary={boundary}")),
            Body::from(good),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    let page = admin.get("/settings").await;
    assert!(
        page.body.contains(r#"class="navbar-brand-image"#),
        "the logo is in the frame"
    );
}

pub fn read() -> crm_domain::access::Permission {
    crm_domain::access::Permission::new(
        crm_domain::access::Resource::Settings,
        crm_domain::access::Action::Read,
    )
}

pub fn update() -> crm_domain::access::Permission {
    crm_domain::access::Permission::new(
        crm_domain::access::Resource::Settings,
        crm_domain::access::Action::Update,
    )
}

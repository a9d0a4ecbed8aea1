//! Custom domains end to end: adding, DNS TXT verification against the static resolver, the
//! Host header resolving (or not) to the tenant, removal, and uniqueness across tenants.

use http::StatusCode;
use serde_json::json;

use crate::support::tenants as support;
use crate::tenants::{
    Client, central_audit, copy, create_tenant, platform, raw_keys, staff, tenant_id,
};

#[tokio::test]
async fn a_custom_domain_is_verified_by_its_txt_record() {
    let (platform, _) = platform().await;
    let admin = staff(&platform, "superadmin").await;
    create_tenant(&admin, "acme", "Acme").await;
    let acme = tenant_id("acme");
    let user = support::create_account(
        &platform.services,
        Some(&acme),
        "a@acme.ru",
        "administrator",
        "pw",
    )
    .await;
    let user = support::sign_in(&platform.services, Some(&acme), user).await;
    let custom = Client::new(platform.router(), "lk.acme.example", Some(user));

    let added = admin
        .json(
            "POST",
            "/central/api/v1/tenants/acme/domains",
            &json!({"host": "LK.Acme.Example."}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let domain = added.json();
    assert_eq!(domain["host"], "lk.acme.example");
    assert_eq!(domain["verified"], false);
    assert_eq!(domain["verification"]["record_type"], "TXT");
    assert_eq!(
        domain["verification"]["name"],
        "_crm-verify.lk.acme.example"
    );
    let value = domain["verification"]["value"].as_str().unwrap().to_owned();
    assert!(value.starts_with("crm-verify="));

    // Unverified: the host is unknown; the page says so.
    let unknown = custom.get("/settings").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body.contains("<html"), "an HTML page for a browser");

    let verify = "/central/api/v1/tenants/acme/domains/lk.acme.example/verify";
    let missing = admin.json("POST", verify, &json!({})).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing.json()["code"], "txt_record_missing");
    assert!(
        missing.json()["detail"]
            .as_str()
            .unwrap()
            .contains("_crm-verify.lk.acme.example")
    );
    platform.dns.set_txt(
        "_crm-verify.lk.acme.example",
        &["v=spf1 -all", "crm-verify=not-the-token"],
    );
    let wrong = admin.json("POST", verify, &json!({})).await;
    assert_eq!(wrong.json()["code"], "txt_record_mismatch");
    platform.dns.set_failing(true);
    let down = admin.json("POST", verify, &json!({})).await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    platform.dns.set_failing(false);
    platform.dns.set_txt(
        "_crm-verify.lk.acme.example",
        &["v=spf1 -all", &format!("\"{value}\"")],
    );
    let verified = admin.json("POST", verify, &json!({})).await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
    assert_eq!(verified.json()["verified"], true);
    assert!(verified.json()["verification"].is_null());

    // Verified: the host opens the tenant at once (the host cache forgot the old answer).
    assert_eq!(custom.get("/settings").await.status, StatusCode::OK);

    let subdomain = admin
        .json(
            "DELETE",
            "/central/api/v1/tenants/acme/domains/acme.localhost",
            &json!({}),
        )
        .await;
    assert_eq!(subdomain.json()["code"], "subdomain_not_removable");
    let removed = admin
        .json(
            "DELETE",
            "/central/api/v1/tenants/acme/domains/lk.acme.example",
            &json!({}),
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(custom.get("/settings").await.status, StatusCode::NOT_FOUND);
    let gone = admin
        .json(
            "DELETE",
            "/central/api/v1/tenants/acme/domains/lk.acme.example",
            &json!({}),
        )
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);

    let actions: Vec<String> = central_audit(&platform, "domain", "lk.acme.example")
        .await
        .iter()
        .filter_map(|r| r["action"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(actions, ["domain.add", "domain.verify", "domain.remove"]);
}

#[tokio::test]
async fn a_domain_belongs_to_one_tenant_and_never_to_the_platform() {
    let (platform, _) = platform().await;
    let admin = staff(&platform, "superadmin").await;
    create_tenant(&admin, "acme", "Acme").await;
    create_tenant(&admin, "beta", "Beta").await;
    let first = admin
        .json(
            "POST",
            "/central/api/v1/tenants/acme/domains",
            &json!({"host": "lk.shared.example"}),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let before = raw_keys(&platform, "C#");
    let second = admin
        .json(
            "POST",
            "/central/api/v1/tenants/beta/domains",
            &json!({"host": "lk.shared.example"}),
        )
        .await;
    assert_eq!(second.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        second
            .field_error("host")
            .unwrap()
            .contains("уже зарегистрирован")
    );
    assert_eq!(
        raw_keys(&platform, "C#"),
        before,
        "nothing written, no audit record"
    );
    let owner = crm_app::tenancy::lookup_domain(&platform.services.db, "lk.shared.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(owner.tenant_id, tenant_id("acme"));

    // Beta cannot verify or remove Acme's domain by naming it under its own id.
    for (method, uri) in [
        (
            "POST",
            "/central/api/v1/tenants/beta/domains/lk.shared.example/verify",
        ),
        (
            "DELETE",
            "/central/api/v1/tenants/beta/domains/lk.shared.example",
        ),
    ] {
        let answer = admin.json(method, uri, &json!({})).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{method} {uri}");
    }

    for host in [
        "x.localhost",
        "localhost",
        "beta.localhost",
        "lk_bad.example",
        "пример.рф",
    ] {
        let answer = admin
            .json(
                "POST",
                "/central/api/v1/tenants/acme/domains",
                &json!({"host": host}),
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{host}");
        assert!(
            answer.field_error("host").is_some(),
            "{host}: {}",
            answer.body
        );
    }
    let unknown_tenant = admin
        .json(
            "POST",
            "/central/api/v1/tenants/nobody/domains",
            &json!({"host": "a.example"}),
        )
        .await;
    assert_eq!(unknown_tenant.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unknown_hosts_get_the_unknown_host_page() {
    let (platform, _) = platform().await;
    let browser = Client::new(platform.router(), "nobody.example.org", None);
    let page = browser.get("/settings").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("<html"));
    let api = browser.get("/api/v1/settings").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.json()["code"], "unknown_host");
}

#[tokio::test]
async fn domains_are_managed_from_the_card() {
    let (platform, _) = platform().await;
    let admin = staff(&platform, "superadmin").await;
    create_tenant(&admin, "acme", "Acme").await;
    let tab = admin.get("/central/tenants/acme?tab=domains").await;
    assert!(tab.body.contains("acme.localhost") && tab.body.contains("Поддомен платформы"));

    let bad = admin
        .form("/central/tenants/acme/domains", &[("host", "x.localhost")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains(r#"id="f-host-error""#));
    let added = admin
        .form(
            "/central/tenants/acme/domains",
            &[("host", "lk.acme.example")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    assert_eq!(added.location(), "/central/tenants/acme?tab=domains");
    let tab = admin.get("/central/tenants/acme?tab=domains").await;
    assert!(
        tab.body
            .contains(r#"data-verify-instructions="lk.acme.example""#)
    );
    assert!(tab.body.contains("_crm-verify.lk.acme.example"));
    assert!(tab.body.contains("Ожидает подтверждения"));

    let failed = admin
        .form("/central/tenants/acme/domains/lk.acme.example/verify", &[])
        .await;
    assert_eq!(
        failed.status,
        StatusCode::SEE_OTHER,
        "a refusal comes back as a message"
    );
    let token = crm_app::domains::list(&platform.services.db, &tenant_id("acme"))
        .await
        .unwrap()
        .into_iter()
        .find_map(|d| d.verification_token)
        .unwrap();
    platform.dns.set_txt(
        "_crm-verify.lk.acme.example",
        &[&format!("crm-verify={token}")],
    );
    let ok = admin
        .form("/central/tenants/acme/domains/lk.acme.example/verify", &[])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let tab = admin.get("/central/tenants/acme?tab=domains").await;
    assert!(!tab.body.contains("data-verify-instructions"));
    let removed = admin
        .form("/central/tenants/acme/domains/lk.acme.example/remove", &[])
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let tab = Client::new(platform.router(), "localhost", copy(&admin))
        .get("/central/tenants/acme?tab=domains")
        .await;
    assert!(!tab.body.contains("lk.acme.example"));
}

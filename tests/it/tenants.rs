//! Tenants end to end: the central API and pages as platform staff, the lifecycle through
//! export and purge (the documents worker's handler included), and the store after each.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use chrono::{TimeDelta, Utc};
use crm_app::clock::{Clock, FixedClock};
use crm_app::identity::password::HashCost;
use crm_app::keys;
use crm_app::queue::QueueName;
use crm_app::store::{Index, Query};
use crm_app::tenancy::{self, TenantStatus};
use crm_app::tenants;
use crm_domain::TenantId;
use http::{HeaderMap, Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support::embedded::Platform;
use crate::support::tenants::{self as support, SignedIn};

// ---- helpers shared with domains.rs and settings.rs -------------------------------------------

/// One HTTP answer, read whole.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The message of the field `field` in a problem's `errors`.
    pub fn field_error(&self, field: &str) -> Option<String> {
        self.json()["errors"]
            .as_array()?
            .iter()
            .find(|e| e["field"] == field)
            .and_then(|e| e["message"].as_str().map(str::to_owned))
    }
}

/// A browser or API client on one host, optionally signed in.
pub struct Client {
    pub router: Router,
    pub host: String,
    pub signed_in: Option<SignedIn>,
    pub extra: Vec<(String, String)>,
}

impl Client {
    pub fn new(router: Router, host: &str, signed_in: Option<SignedIn>) -> Self {
        Self {
            router,
            host: host.to_owned(),
            signed_in,
            extra: Vec::new(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.extra.push((name.to_owned(), value.to_owned()));
        self
    }

    pub async fn send(
        &self,
        method: &str,
        uri: &str,
        content_type: Option<&str>,
        body: Body,
    ) -> Answer {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", &self.host);
        if let Some(signed_in) = &self.signed_in {
            request = request.header("cookie", &signed_in.cookie);
            if !signed_in.csrf.is_empty() {
                request = request.header("x-csrf-token", &signed_in.csrf);
            }
        }
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        for (name, value) in &self.extra {
            request = request.header(name, value);
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(body).expect("request"))
            .await
            .expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 8 << 20)
            .await
            .expect("body");
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, uri: &str) -> Answer {
        self.send("GET", uri, None, Body::empty()).await
    }

    pub async fn json(&self, method: &str, uri: &str, body: &Value) -> Answer {
        self.send(
            method,
            uri,
            Some("application/json"),
            Body::from(body.to_string()),
        )
        .await
    }

    pub async fn form(&self, uri: &str, fields: &[(&str, &str)]) -> Answer {
        let mut encoded = form_urlencoded::Serializer::new(String::new());
        for (name, value) in fields {
            encoded.append_pair(name, value);
        }
        self.send(
            "POST",
            uri,
            Some("application/x-www-form-urlencoded"),
            Body::from(encoded.finish()),
        )
        .await
    }
}

/// This year, as previews of invoice numbers show it.
pub fn year() -> i32 {
    use chrono::Datelike;
    Utc::now().year()
}

/// The same signed-in session again, for a second client.
pub fn copy(client: &Client) -> Option<SignedIn> {
    client.signed_in.as_ref().map(|s| SignedIn {
        cookie: s.cookie.clone(),
        csrf: s.csrf.clone(),
        account: s.account.clone(),
    })
}

/// The platform with cheap password hashing and a clock the test moves.
pub async fn platform() -> (Platform, Arc<FixedClock>) {
    let mut platform = Platform::start().await;
    platform.services.password_cost = HashCost::FOR_TESTS;
    // Near the real time: the SQLite store expires items (sessions) by the system clock.
    let clock = Arc::new(FixedClock::new(Utc::now()));
    platform.services.clock = clock.clone();
    (platform, clock)
}

/// A signed-in staff member with `role` (superadmin, support, read_only) on the platform host.
pub async fn staff(platform: &Platform, role: &str) -> Client {
    let services = &platform.services;
    let email = format!("{role}-{}@crm.test", services.ids.new_id());
    let account = support::create_account(services, None, &email, role, "pw").await;
    let signed_in = support::sign_in(services, None, account).await;
    Client::new(platform.router(), "localhost", Some(signed_in))
}

/// A valid tenant body with id `id`.
pub fn tenant_body(id: &str, name: &str) -> Value {
    json!({
        "id": id,
        "name": name,
        "inn": "7707083893",
        "kpp": "773601001",
        "registration_number": "1027700132195",
        "legal_address": "117997, Москва, ул. Вавилова, 19",
        "bik": "044525225",
        "correspondent_account": "30101810400000000225",
        "settlement_account": "40702810938000012345",
        "email": "info@rassvet.ru",
        "phone": "8 (912) 345-67-89",
        "tax_regime": "vat_exempt_utility_reseller",
    })
}

/// Creates a tenant through the central API.
pub async fn create_tenant(admin: &Client, id: &str, name: &str) -> Value {
    let answer = admin
        .json("POST", "/central/api/v1/tenants", &tenant_body(id, name))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    answer.json()
}

pub fn tenant_id(id: &str) -> TenantId {
    TenantId::parse(id).unwrap()
}

/// Every table key whose partition starts with `prefix`, read straight from the SQLite file
/// (no index involved, so it also sees what an index would miss).
pub fn raw_keys(platform: &Platform, prefix: &str) -> Vec<String> {
    let db = rusqlite::Connection::open(platform.data_dir().join("store.sqlite3")).unwrap();
    let mut statement = db
        .prepare("SELECT pk || ' ' || sk FROM items WHERE substr(pk, 1, length(?1)) = ?1 ORDER BY pk, sk")
        .unwrap();
    statement
        .query_map([prefix], |row| row.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Central audit records of one entity, oldest first.
pub async fn central_audit(platform: &Platform, entity_type: &str, entity_id: &str) -> Vec<Value> {
    let key = keys::audit_by_entity(&keys::Namespace::Central, entity_type, entity_id, "");
    let page = platform
        .services
        .db
        .central()
        .query(Query::new(Index::Gsi1, key.pk), None)
        .await
        .unwrap();
    page.items
        .into_iter()
        .map(|item| Value::Object(item.body))
        .collect()
}

/// Runs every job waiting on the documents queue through the worker's own runner.
pub async fn run_documents_jobs(platform: &Platform) -> usize {
    let runner = documents::runner(platform.services.clone());
    let queue = platform.services.queue.clone();
    let mut handled = 0;
    loop {
        let deliveries = queue
            .receive(QueueName::Documents, 10, Duration::from_secs(60))
            .await
            .unwrap();
        if deliveries.is_empty() {
            return handled;
        }
        for delivery in deliveries {
            let outcome = runner.process(&delivery).await;
            assert_eq!(outcome, crm_app::jobs::Outcome::Done, "{}", delivery.body);
            queue
                .ack(QueueName::Documents, &delivery.receipt)
                .await
                .unwrap();
            handled += 1;
        }
    }
}

// ---- the API ------------------------------------------------------------------------------------

#[tokio::test]
async fn create_read_edit_and_list_through_the_api() {
    let (platform, clock) = platform().await;
    let admin = staff(&platform, "superadmin").await;
    let created = create_tenant(&admin, "rassvet", "ТСЖ «Рассвет»").await;
    assert_eq!(created["status"], "active");
    assert_eq!(created["time_zone"], "Europe/Moscow");
    assert_eq!(created["currency"], "RUB");
    assert_eq!(created["contacts"]["phone"], "+79123456789");
    assert_eq!(created["version"], 1);

    // The subdomain came with it, verified, and the host now opens the tenant.
    let domains = admin
        .get("/central/api/v1/tenants/rassvet/domains")
        .await
        .json();
    assert_eq!(domains["items"][0]["host"], "rassvet.localhost");
    assert_eq!(domains["items"][0]["kind"], "subdomain");
    assert_eq!(domains["items"][0]["verified"], true);
    let host = tenancy::lookup_domain(&platform.services.db, "rassvet.localhost")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(host.tenant_id, tenant_id("rassvet"));

    let edited = admin
        .json(
            "PATCH",
            "/central/api/v1/tenants/rassvet",
            &json!({"name": "ТСЖ «Рассвет-2»", "max_users": 50, "version": 1}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(edited.json()["name"], "ТСЖ «Рассвет-2»");
    assert_eq!(edited.json()["limits"]["max_users"], 50);
    assert_eq!(
        edited.json()["requisites"]["inn"],
        "7707083893",
        "untouched"
    );
    let stale = admin
        .json(
            "PATCH",
            "/central/api/v1/tenants/rassvet",
            &json!({"name": "Lost update", "version": 1}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.json()["code"], "conflict");

    let audit = central_audit(&platform, "tenant", "rassvet").await;
    let actions: Vec<&str> = audit.iter().filter_map(|r| r["action"].as_str()).collect();
    assert_eq!(actions, ["tenant.create", "tenant.edit"]);
    let changed: Vec<&str> = audit[1]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["field"].as_str())
        .collect();
    assert!(
        changed.contains(&"name") && changed.contains(&"limits.max_users"),
        "{changed:?}"
    );
    assert_eq!(audit[1]["actor"]["kind"], "staff");

    clock.advance(TimeDelta::seconds(1));
    create_tenant(&admin, "vodokanal", "Водоканал Тверь").await;
    clock.advance(TimeDelta::seconds(1));
    create_tenant(&admin, "alfa", "Альфа-Сервис").await;
    let list = admin.get("/central/api/v1/tenants").await.json();
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["Альфа-Сервис", "Водоканал Тверь", "ТСЖ «Рассвет-2»"]
    );
    let found = admin
        .get("/central/api/v1/tenants?q=%D0%B2%D0%BE%D0%B4") // "вод"
        .await
        .json();
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(found["items"][0]["id"], "vodokanal");
    let newest = admin
        .get("/central/api/v1/tenants?sort=created&dir=desc&limit=2")
        .await
        .json();
    assert_eq!(newest["items"][0]["id"], "alfa");
    let cursor = newest["next_cursor"].as_str().expect("a next page");
    let rest = admin
        .get(&format!(
            "/central/api/v1/tenants?sort=created&dir=desc&limit=2&cursor={cursor}"
        ))
        .await
        .json();
    assert_eq!(rest["items"][0]["id"], "rassvet");
    assert!(rest["next_cursor"].is_null());
    let bad = admin.get("/central/api/v1/tenants?status=sleeping").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn every_requisite_error_reaches_its_field() {
    let (platform, _) = platform().await;
    let admin = staff(&platform, "superadmin").await;
    let body = json!({
        "id": "Bad Id",
        "name": "",
        "inn": "7707083894",
        "kpp": "77360100",
        "registration_number": "1027700132196",
        "legal_address": "",
        "bik": "04452522",
        "correspondent_account": "30101810400000000226",
        "settlement_account": "",
        "email": "info@",
        "phone": "+8 912 345 67 89",
        "time_zone": "Europe/Mordor",
        "currency": "рубль",
        "locale": "de",
        "tax_regime": "flat",
        "max_subscribers": 0,
    });
    let answer = admin.json("POST", "/central/api/v1/tenants", &body).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.json()["code"], "validation_failed");
    for (field, words) in [
        ("id", "строчные латинские"),
        ("name", "Заполните"),
        ("inn", "Контрольные цифры ИНН"),
        ("kpp", "В КПП 9 знаков"),
        ("registration_number", "ОГРН"),
        ("legal_address", "Заполните"),
        ("bik", "В БИК 9 цифр"),
        ("settlement_account", "полностью"),
        ("email", "домен"),
        ("phone", "+8"),
        ("time_zone", "часовой пояс"),
        ("currency", "ISO 4217"),
        ("locale", "из списка"),
        ("tax_regime", "из списка"),
        ("max_subscribers", "от 1"),
    ] {
        let message = answer
            .field_error(field)
            .unwrap_or_else(|| panic!("no error for {field}: {}", answer.body));
        assert!(message.contains(words), "{field}: {message}");
    }

    // Mismatched kinds, and an account that does not belong with the BIK.
    let mut mismatched = tenant_body("mismatch", "ИП Иванов");
    mismatched["inn"] = json!("500100732259");
    mismatched["settlement_account"] = json!("40702810938000012346");
    let answer = admin
        .json("POST", "/central/api/v1/tenants", &mismatched)
        .await;
    assert!(answer.field_error("kpp").unwrap().contains("нет КПП"));
    assert!(
        answer
            .field_error("registration_number")
            .unwrap()
            .contains("ОГРНИП")
    );
    assert!(
        answer
            .field_error("settlement_account")
            .unwrap()
            .contains("контрольному ключу")
    );

    // English on request.
    let english = staff(&platform, "superadmin")
        .await
        .header("accept-language", "en");
    let answer = english
        .json("POST", "/central/api/v1/tenants", &json!({"id": "x"}))
        .await;
    assert_eq!(
        answer.field_error("inn").as_deref(),
        Some("This field is required")
    );

    // The form shows each reason next to its field, in Russian.
    let form = admin
        .form(
            "/central/tenants",
            &[
                ("id", "ok-id"),
                ("name", "ТСЖ"),
                ("inn", "7707083894"),
                ("kpp", "773601001"),
                ("registration_number", "1027700132195"),
                ("legal_address", "Москва"),
                ("email", "info@rassvet.ru"),
                ("tax_regime", "general_vat"),
                ("bik", "044525225"),
            ],
        )
        .await;
    assert_eq!(form.status, StatusCode::UNPROCESSABLE_ENTITY);
    let inn = form
        .body
        .split(r#"id="f-inn-error""#)
        .nth(1)
        .expect("inn error");
    assert!(inn.contains("Контрольные цифры ИНН не сходятся"), "{inn}");
    assert!(form.body.contains(r#"id="f-correspondent_account-error""#));
    assert!(
        form.body.contains(r#"name="inn" value="7707083894""#),
        "kept"
    );
    assert!(form.body.contains("data-error-summary"));
    assert!(raw_keys(&platform, "C#TENANT#").is_empty(), "nothing saved");
}

#[tokio::test]
async fn a_taken_id_or_host_is_refused_and_nothing_is_partly_saved() {
    let (platform, _) = platform().await;
    let admin = staff(&platform, "superadmin").await;
    create_tenant(&admin, "acme", "Acme").await;
    let before = raw_keys(&platform, "C#");

    let again = admin
        .json(
            "POST",
            "/central/api/v1/tenants",
            &tenant_body("acme", "Another Acme"),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.field_error("id").unwrap().contains("уже занят"));
    assert_eq!(raw_keys(&platform, "C#"), before, "nothing written");
    let record = tenants::get(&platform.services.db, &tenant_id("acme"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.name, "Acme");

    // A host registered by someone else (here: directly) blocks a tenant whose subdomain it is.
    support::create_tenant(&platform.services, "squatter").await;
    let blocked = admin
        .json(
            "POST",
            "/central/api/v1/tenants",
            &tenant_body("beta", "Beta"),
        )
        .await;
    assert_eq!(blocked.status, StatusCode::CREATED, "{}", blocked.body);
    let squatted = crm_app::tenancy::DomainRecord {
        host: "gamma.localhost".into(),
        tenant_id: tenant_id("squatter"),
        kind: crm_app::tenancy::DomainKind::Custom,
        verified: true,
        verification_token: None,
        created_at: Utc::now(),
        verified_at: None,
    };
    platform
        .services
        .db
        .central()
        .put(crm_app::store::Put {
            item: crm_app::domains::record_item(&squatted),
            condition: crm_app::store::Condition::None,
        })
        .await
        .unwrap();
    let before = raw_keys(&platform, "C#");
    let refused = admin
        .json(
            "POST",
            "/central/api/v1/tenants",
            &tenant_body("gamma", "Gamma"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .field_error("id")
            .unwrap()
            .contains("gamma.localhost")
    );
    assert_eq!(
        raw_keys(&platform, "C#"),
        before,
        "no record, entry, domain or audit"
    );

    for reserved in ["admin", "www", "edge-"] {
        let answer = admin
            .json(
                "POST",
                "/central/api/v1/tenants",
                &tenant_body(reserved, "X"),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{reserved}"
        );
        assert!(answer.field_error("id").is_some(), "{reserved}");
    }
}

#[tokio::test]
async fn support_and_read_only_staff_read_but_cannot_change() {
    let (platform, _) = platform().await;
    let admin = staff(&platform, "superadmin").await;
    create_tenant(&admin, "acme", "Acme").await;
    for role in ["support", "read_only"] {
        let client = staff(&platform, role).await;
        assert_eq!(
            client.get("/central/api/v1/tenants").await.status,
            StatusCode::OK
        );
        assert_eq!(
            client.get("/central/api/v1/tenants/acme").await.status,
            StatusCode::OK
        );
        assert_eq!(client.get("/central/tenants").await.status, StatusCode::OK);
        assert_eq!(
            client.get("/central/tenants/acme").await.status,
            StatusCode::OK
        );
        let card = client.get("/central/tenants/acme").await.body;
        assert!(
            !card.contains("/central/tenants/acme/suspend"),
            "{role} sees no actions"
        );
        for (method, uri, body) in [
            ("POST", "/central/api/v1/tenants", tenant_body("new", "New")),
            (
                "PATCH",
                "/central/api/v1/tenants/acme",
                json!({"name": "X", "version": 1}),
            ),
            (
                "POST",
                "/central/api/v1/tenants/acme/suspend",
                json!({"reason": "x"}),
            ),
            ("POST", "/central/api/v1/tenants/acme/reactivate", json!({})),
            (
                "POST",
                "/central/api/v1/tenants/acme/close",
                json!({"reason": "x"}),
            ),
            ("POST", "/central/api/v1/tenants/acme/purge", json!({})),
            ("POST", "/central/api/v1/tenants/acme/export", json!({})),
            (
                "POST",
                "/central/api/v1/tenants/acme/domains",
                json!({"host": "a.example.org"}),
            ),
            (
                "POST",
                "/central/api/v1/tenants/acme/domains/a.example.org/verify",
                json!({}),
            ),
            (
                "DELETE",
                "/central/api/v1/tenants/acme/domains/a.example.org",
                json!({}),
            ),
        ] {
            let answer = client.json(method, uri, &body).await;
            assert_eq!(
                answer.status,
                StatusCode::FORBIDDEN,
                "{role} {method} {uri}"
            );
        }
        for uri in [
            "/central/tenants",
            "/central/tenants/acme/edit",
            "/central/tenants/acme/suspend",
            "/central/tenants/acme/close",
            "/central/tenants/acme/domains",
        ] {
            let answer = client.form(uri, &[("reason", "x"), ("name", "X")]).await;
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "{role} form {uri}");
        }
        assert_eq!(
            client.get("/central/tenants/new").await.status,
            StatusCode::FORBIDDEN
        );
    }
    let record = tenants::get(&platform.services.db, &tenant_id("acme"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (record.name.as_str(), record.status),
        ("Acme", TenantStatus::Active)
    );

    // Not signed in: the API says 401, the pages send to sign-in; a tenant host has no central.
    let anonymous = Client::new(platform.router(), "localhost", None);
    assert_eq!(
        anonymous.get("/central/api/v1/tenants").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        anonymous.get("/central/tenants").await.status,
        StatusCode::SEE_OTHER
    );
    let on_tenant_host = Client::new(platform.router(), "acme.localhost", admin.signed_in);
    assert_eq!(
        on_tenant_host.get("/central/api/v1/tenants").await.status,
        StatusCode::NOT_FOUND
    );
}

// ---- the lifecycle ------------------------------------------------------------------------------

#[tokio::test]
async fn suspend_reactivate_close_export_and_purge() {
    let (platform, clock) = platform().await;
    let admin = staff(&platform, "superadmin").await;
    create_tenant(&admin, "acme", "Acme").await;
    create_tenant(&admin, "other", "Other").await;
    let acme = tenant_id("acme");
    let services = &platform.services;

    // Data of both tenants: settings (and their audit records) and an item of another
    // feature that follows the all-items rule.
    for (tenant, day) in [("acme", "5"), ("other", "7")] {
        crm_app::settings::save_named(
            services,
            &crm_app::audit::Audit::system("test"),
            &tenant_id(tenant),
            crm_app::settings::SectionName::Payments,
            &crm_app::settings::Fields::new().with("due_day", day),
        )
        .await
        .unwrap();
        let ns = keys::Namespace::tenant(&tenant_id(tenant));
        let item = crm_app::store::Item::new(ns.key(&["SUB", "42"], "PROFILE"), Default::default());
        services
            .db
            .tenant(&tenant_id(tenant))
            .put(crm_app::store::Put {
                item,
                condition: crm_app::store::Condition::None,
            })
            .await
            .unwrap();
        // Identity items too: every tenant item is findable, whoever wrote it.
        crate::support::tenants::create_account(
            services,
            Some(&tenant_id(tenant)),
            &format!("clerk@{tenant}.example"),
            "operator",
            "correct horse battery",
        )
        .await;
    }
    let other_before = raw_keys(&platform, "T#other#");
    assert!(!raw_keys(&platform, "T#acme#").is_empty());

    let no_reason = admin
        .json(
            "POST",
            "/central/api/v1/tenants/acme/suspend",
            &json!({"reason": " "}),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.field_error("reason").is_some());
    let suspended = admin
        .json(
            "POST",
            "/central/api/v1/tenants/acme/suspend",
            &json!({"reason": "неоплата"}),
        )
        .await;
    assert_eq!(suspended.json()["status"], "suspended");
    assert_eq!(suspended.json()["status_reason"], "неоплата");
    assert_eq!(
        tenancy::tenant_status(&services.db, &acme).await.unwrap(),
        Some(TenantStatus::Suspended)
    );
    let twice = admin
        .json(
            "POST",
            "/central/api/v1/tenants/acme/suspend",
            &json!({"reason": "x"}),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(twice.json()["code"], "wrong_status");
    let back = admin
        .json(
            "POST",
            "/central/api/v1/tenants/acme/reactivate",
            &json!({}),
        )
        .await;
    assert_eq!(back.json()["status"], "active");

    let closed = admin
        .json(
            "POST",
            "/central/api/v1/tenants/acme/close",
            &json!({"reason": "договор расторгнут", "grace_days": 2}),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    assert_eq!(closed.json()["status"], "closing");
    assert_eq!(closed.json()["export"]["status"], "pending");

    // The documents worker writes the export and records it.
    assert_eq!(run_documents_jobs(&platform).await, 1);
    let record = tenants::get(&services.db, &acme).await.unwrap().unwrap();
    let export = record.export.clone().unwrap();
    assert_eq!(export.status, tenants::ExportStatus::Ready);
    let blob_key = export.blob_key.unwrap();
    assert!(blob_key.starts_with("exports/acme/"), "{blob_key}");
    let file = services.blobs.get(&blob_key).await.unwrap().unwrap();
    let lines: Vec<Value> = std::str::from_utf8(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["kind"], "tenant");
    assert_eq!(lines[0]["record"]["id"], "acme");
    assert!(
        lines
            .iter()
            .any(|l| l["kind"] == "domain" && l["record"]["host"] == "acme.localhost")
    );
    let items: Vec<&Value> = lines.iter().filter(|l| l["kind"] == "item").collect();
    assert_eq!(items.len() as u64, export.items.unwrap());
    assert!(
        items
            .iter()
            .any(|l| l["pk"] == "T#acme#SETTINGS" && l["body"]["payments"]["due_day"] == 5)
    );
    assert!(items.iter().any(|l| l["pk"] == "T#acme#SUB#42"));
    assert!(
        items
            .iter()
            .all(|l| l["pk"].as_str().unwrap().starts_with("T#acme#"))
    );
    let link = admin.get("/central/api/v1/tenants/acme/export").await;
    assert!(
        link.json()["url"]
            .as_str()
            .unwrap()
            .contains("/_blobs/exports/acme/")
    );

    let too_soon = admin
        .json("POST", "/central/api/v1/tenants/acme/purge", &json!({}))
        .await;
    assert_eq!(too_soon.status, StatusCode::CONFLICT);
    assert_eq!(too_soon.json()["code"], "grace_not_over");
    clock.advance(TimeDelta::days(3));
    // Sessions last hours, not days: sign in again three days later.
    let admin = staff(&platform, "superadmin").await;
    let late = admin
        .json(
            "POST",
            "/central/api/v1/tenants/acme/reactivate",
            &json!({}),
        )
        .await;
    assert_eq!(late.json()["code"], "grace_over");
    // A new export is asked for: the purge waits for it.
    let again = admin
        .json("POST", "/central/api/v1/tenants/acme/export", &json!({}))
        .await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    let early = admin
        .json("POST", "/central/api/v1/tenants/acme/purge", &json!({}))
        .await;
    assert_eq!(early.json()["code"], "export_not_ready");
    assert_eq!(run_documents_jobs(&platform).await, 1);
    let record = tenants::get(&services.db, &acme).await.unwrap().unwrap();
    let blob_key = record.export.unwrap().blob_key.unwrap();
    let purge = admin
        .json("POST", "/central/api/v1/tenants/acme/purge", &json!({}))
        .await;
    assert_eq!(purge.status, StatusCode::ACCEPTED, "{}", purge.body);
    assert_eq!(run_documents_jobs(&platform).await, 1);

    assert_eq!(
        raw_keys(&platform, "T#acme#"),
        Vec::<String>::new(),
        "every item gone"
    );
    assert_eq!(
        raw_keys(&platform, "T#other#"),
        other_before,
        "the other tenant untouched"
    );
    assert!(
        tenancy::lookup_domain(&services.db, "acme.localhost")
            .await
            .unwrap()
            .is_none(),
        "its host is free"
    );
    assert!(
        tenancy::lookup_domain(&services.db, "other.localhost")
            .await
            .unwrap()
            .is_some()
    );
    let record = tenants::get(&services.db, &acme).await.unwrap().unwrap();
    assert_eq!(record.status, TenantStatus::Closed);
    assert!(record.purged_at.is_some());
    assert!(
        services.blobs.get(&blob_key).await.unwrap().is_some(),
        "the export stays"
    );
    let actions: Vec<String> = central_audit(&platform, "tenant", "acme")
        .await
        .iter()
        .filter_map(|r| r["action"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        actions,
        [
            "tenant.create",
            "tenant.suspend",
            "tenant.reactivate",
            "tenant.close",
            "tenant.export_ready",
            "tenant.export",
            "tenant.export_ready",
            "tenant.purge_request",
            "tenant.purge"
        ]
    );

    // Running the purge again changes nothing.
    let envelope = crm_app::jobs::Envelope::new(
        Some(acme.clone()),
        "again",
        crm_app::jobs::DocumentsJob::PurgeTenant {},
    );
    crm_app::jobs::enqueue(&*services.queue, &envelope, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(run_documents_jobs(&platform).await, 1);
    assert_eq!(raw_keys(&platform, "T#other#"), other_before);
}

#[tokio::test]
async fn the_daily_sweep_purges_closing_tenants_once_their_grace_is_over() {
    let (platform, clock) = platform().await;
    let admin = staff(&platform, "superadmin").await;
    let services = &platform.services;
    for (id, name) in [("acme", "Acme"), ("slow", "Slow"), ("stays", "Stays")] {
        create_tenant(&admin, id, name).await;
    }
    for (id, grace) in [("acme", 2), ("slow", 10)] {
        let closed = admin
            .json(
                "POST",
                &format!("/central/api/v1/tenants/{id}/close"),
                &json!({"reason": "договор расторгнут", "grace_days": grace}),
            )
            .await;
        assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    }
    assert_eq!(
        run_documents_jobs(&platform).await,
        2,
        "both exports written"
    );

    // The schedule's own message, as EventBridge Scheduler (or crm dev) sends it.
    let sweep = || async {
        let schedule = crm_app::schedules::SCHEDULES
            .iter()
            .find(|s| s.name == "daily-tenant-purge")
            .expect("the schedule");
        assert_eq!(schedule.queue, QueueName::Documents);
        services
            .queue
            .send(
                QueueName::Documents,
                crm_app::queue::OutgoingMessage::now(schedule.message_for(clock.now())),
            )
            .await
            .unwrap();
        run_documents_jobs(&platform).await
    };

    // Within the grace period nothing happens.
    assert_eq!(sweep().await, 1, "only the sweep itself ran");
    for id in ["acme", "slow"] {
        let record = tenants::get(&services.db, &tenant_id(id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.status, TenantStatus::Closing, "{id}");
    }

    // After acme's two days: the sweep asks for its purge and the purge job runs.
    clock.advance(TimeDelta::days(3));
    assert_eq!(sweep().await, 2, "the sweep and acme's purge");
    let acme = tenants::get(&services.db, &tenant_id("acme"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acme.status, TenantStatus::Closed);
    let slow = tenants::get(&services.db, &tenant_id("slow"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        slow.status,
        TenantStatus::Closing,
        "its grace lasts ten days"
    );
    let stays = tenants::get(&services.db, &tenant_id("stays"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stays.status, TenantStatus::Active);
    let actions: Vec<(String, String)> = central_audit(&platform, "tenant", "acme")
        .await
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap_or_default().to_owned(),
                r["actor"].to_string(),
            )
        })
        .collect();
    let request = actions
        .iter()
        .find(|(action, _)| action == "tenant.purge_request")
        .expect("an audited purge request");
    assert!(request.1.contains("tenant-purge-sweep"), "{request:?}");

    // Running the sweep again changes nothing: acme is closed, slow still waits.
    assert_eq!(sweep().await, 1);
    assert_eq!(
        tenants::get(&services.db, &tenant_id("slow"))
            .await
            .unwrap()
            .unwrap()
            .status,
        TenantStatus::Closing
    );
}

#[tokio::test]
async fn a_suspended_tenants_users_are_locked_out() {
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
    let browser = Client::new(platform.router(), "acme.localhost", Some(user));
    assert_eq!(browser.get("/settings").await.status, StatusCode::OK);
    admin
        .json(
            "POST",
            "/central/api/v1/tenants/acme/suspend",
            &json!({"reason": "неоплата"}),
        )
        .await;
    assert_eq!(browser.get("/settings").await.status, StatusCode::SEE_OTHER);
    admin
        .json(
            "POST",
            "/central/api/v1/tenants/acme/reactivate",
            &json!({}),
        )
        .await;
    assert_eq!(browser.get("/settings").await.status, StatusCode::OK);
}

// ---- the pages ----------------------------------------------------------------------------------

#[tokio::test]
async fn the_pages_create_edit_and_act_on_a_tenant() {
    let (platform, _) = platform().await;
    let admin = staff(&platform, "superadmin").await;

    let empty = admin.get("/central/tenants").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("Организаций пока нет"));
    assert!(
        empty
            .body
            .contains(r#"href="/central/tenants" aria-current="page""#),
        "nav"
    );
    let form = admin.get("/central/tenants/new").await;
    assert!(form.body.contains(r#"name="_csrf""#));
    assert!(form.body.contains(r#"value="Europe/Moscow""#));

    let body = tenant_body("rassvet", "ТСЖ «Рассвет»");
    let mut fields: Vec<(&str, String)> = body
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str().unwrap().to_owned()))
        .collect();
    fields.push(("time_zone", "Asia/Yekaterinburg".into()));
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let created = admin.form("/central/tenants", &pairs).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(created.location(), "/central/tenants/rassvet");
    let flash = created.headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let mut with_flash = Client::new(platform.router(), "localhost", copy(&admin));
    with_flash
        .signed_in
        .as_mut()
        .unwrap()
        .cookie
        .push_str(&format!("; {flash}"));
    let card = with_flash.get("/central/tenants/rassvet").await;
    assert!(
        card.body.contains("Организация «ТСЖ «Рассвет»» создана"),
        "flash"
    );
    assert!(card.body.contains("Asia/Yekaterinburg"));
    assert!(card.body.contains("Работает"));
    assert!(
        card.body.contains(&format!("{}-000001", year())),
        "numbering preview in the settings summary"
    );

    let list = admin
        .get("/central/tenants?q=%D1%82%D1%81%D0%B6&status=active")
        .await; // "тсж"
    assert!(list.body.contains(r#"href="/central/tenants/rassvet""#));
    let none = admin.get("/central/tenants?status=closed").await;
    assert!(none.body.contains("Ничего не нашлось"));

    let edit = admin.get("/central/tenants/rassvet/edit").await;
    assert!(edit.body.contains(r#"name="version" value="1""#));
    let mut edited = pairs.clone();
    edited.retain(|(k, _)| *k != "id" && *k != "name");
    edited.push(("name", "ТСЖ «Заря»"));
    edited.push(("version", "1"));
    let saved = admin.form("/central/tenants/rassvet/edit", &edited).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stale = admin.form("/central/tenants/rassvet/edit", &edited).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.body.contains("изменил кто-то другой"));

    let no_reason = admin
        .form("/central/tenants/rassvet/suspend", &[("reason", "")])
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains(r#"id="f-reason-error""#));
    let suspended = admin
        .form("/central/tenants/rassvet/suspend", &[("reason", "долг")])
        .await;
    assert_eq!(suspended.status, StatusCode::SEE_OTHER);
    let card = admin.get("/central/tenants/rassvet").await;
    assert!(card.body.contains("Приостановлена. Причина: долг"));
    let reactivated = admin.form("/central/tenants/rassvet/reactivate", &[]).await;
    assert_eq!(reactivated.status, StatusCode::SEE_OTHER);

    let unconfirmed = admin
        .form(
            "/central/tenants/rassvet/close",
            &[("close_reason", "уход"), ("grace_days", "10")],
        )
        .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unconfirmed.body.contains(r#"id="f-confirm-error""#));
    let closing = admin
        .form(
            "/central/tenants/rassvet/close",
            &[
                ("close_reason", "уход"),
                ("grace_days", "10"),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(closing.status, StatusCode::SEE_OTHER);
    run_documents_jobs(&platform).await;
    let card = admin.get("/central/tenants/rassvet").await;
    assert!(card.body.contains("Закрывается с"));
    assert!(card.body.contains("data-export-download"));
    let download = admin.get("/central/tenants/rassvet/export/download").await;
    assert_eq!(download.status, StatusCode::SEE_OTHER);
    assert!(download.location().contains("/_blobs/exports/rassvet/"));
    let record = tenants::get(&platform.services.db, &tenant_id("rassvet"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.name, "ТСЖ «Заря»");
    assert_eq!(record.status, TenantStatus::Closing);

    // Without the session's CSRF token a form is refused.
    let mut forged = Client::new(platform.router(), "localhost", copy(&admin));
    forged.signed_in.as_mut().unwrap().csrf = "forged".into();
    let refused = forged
        .form("/central/tenants/rassvet/reactivate", &[])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

//! The audit log end to end on the embedded platform: records written by real mutations and at
//! chosen times, filters, pagination across day partitions, cursors, tenant isolation, roles,
//! the CSV export and the central view.

use axum::Router;
use axum::body::Body;
use chrono::{DateTime, Duration, TimeZone, Utc};
use crm_app::Services;
use crm_app::audit::{Actor, Audit, AuditRecord, Change};
use crm_app::audit_log::{AuditFilter, AuditLog};
use crm_app::identity::password::HashCost;
use crm_domain::TenantId;
use http::{HeaderMap, Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support::embedded::Platform;
use crate::support::tenants::{self, SignedIn};

pub const PASSWORD: &str = "correct horse battery staple";

/// A response read whole.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// GET `path` on `host` with the signed-in browser's cookie.
pub async fn get(router: &Router, host: &str, path: &str, who: Option<&SignedIn>) -> Answer {
    let mut request = Request::get(path).header("host", host);
    if let Some(who) = who {
        request = request.header("cookie", &who.cookie);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 64 << 20)
        .await
        .expect("body");
    Answer {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).expect("utf-8 body"),
    }
}

/// The embedded platform with cheap password hashing.
pub async fn platform() -> Platform {
    let mut platform = Platform::start().await;
    platform.services.password_cost = HashCost::FOR_TESTS;
    platform
}

/// A tenant with a signed-in user of `role`.
pub async fn member(services: &Services, tenant: &TenantId, role: &str) -> SignedIn {
    let email = format!("{role}@{tenant}.example.ru");
    let account = tenants::create_account(services, Some(tenant), &email, role, PASSWORD).await;
    tenants::sign_in(services, Some(tenant), account).await
}

/// A signed-in platform staff member with a central role.
pub async fn staff(services: &Services, role: &str) -> SignedIn {
    let email = format!("{role}@crm.example.ru");
    let account = tenants::create_account(services, None, &email, role, PASSWORD).await;
    tenants::sign_in(services, None, account).await
}

/// Writes a record at a chosen time, as a mutation's transaction would.
async fn write(
    services: &Services,
    tenant: &TenantId,
    at: DateTime<Utc>,
    actor: Actor,
    action: &str,
    entity: (&str, &str),
    after: Value,
) -> AuditRecord {
    let db = services.db.tenant(tenant);
    let audit = Audit {
        actor,
        request_id: Some("req-test".into()),
        client_ip: Some("203.0.113.7".into()),
    };
    let (record, put) = audit.record(
        db.namespace(),
        services.ids.new_id(),
        at,
        &Change {
            action,
            entity_type: entity.0,
            entity_id: entity.1,
            before: None,
            after: Some(&after),
        },
    );
    db.transact(vec![put]).await.expect("record written");
    record
}

fn user(id: &str) -> Actor {
    Actor::User {
        id: id.into(),
        name: format!("Пользователь {id}"),
    }
}

fn ids(items: &Value) -> Vec<String> {
    items["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect()
}

/// Every record of a listing, page by page through the API's cursors.
async fn all_pages(router: &Router, host: &str, who: &SignedIn, query: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let mut path = format!("/api/v1/audit?limit=3&{query}");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let answer = get(router, host, &path, Some(who)).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let page = answer.json();
        seen.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return seen,
        }
    }
    panic!("the listing never ended");
}

#[tokio::test]
async fn records_of_real_mutations_show_actor_and_difference() {
    let platform = platform().await;
    let services = &platform.services;
    let router = platform.router();
    let acme = tenants::create_tenant(services, "acme").await;
    let admin = member(services, &acme, "administrator").await;
    let host = tenants::host(&acme);

    let page = get(&router, &host, "/api/v1/audit", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let page = page.json();
    let created = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["entity_id"] == admin.account.id.as_str())
        .expect("the account's creation is in the log");
    assert_eq!(created["action"], "account.create");
    assert_eq!(created["action_label"], "User created");
    assert_eq!(created["actor"]["id"], "system:test");
    let changes = created["changes"].as_array().expect("changes");
    let field = |name: &str| {
        changes
            .iter()
            .find(|c| c["field"] == name)
            .unwrap_or_else(|| panic!("{name} not in {changes:?}"))
    };
    assert_eq!(field("email")["new"], "administrator@acme.example.ru");
    assert!(field("email").get("old").is_none_or(Value::is_null));
    assert_eq!(field("password_hash")["new"], "***", "secrets redacted");

    let html = get(&router, &host, "/audit", Some(&admin)).await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.body.contains("Журнал действий"));
    assert!(html.body.contains("Создан пользователь"));
    assert!(html.body.contains("administrator@acme.example.ru"));
    assert!(
        html.body.contains("data-audit-export"),
        "administrators may export"
    );
    assert!(html.body.contains("<details class=\"audit-changes\">"));
}

#[tokio::test]
async fn filters_by_dates_in_the_tenant_zone_actor_action_and_entity() {
    let platform = platform().await;
    let services = &platform.services;
    let router = platform.router();
    let acme = tenants::create_tenant(services, "filters").await;
    let admin = member(services, &acme, "administrator").await;
    let host = tenants::host(&acme);
    let day = |d: u32, h: u32, m: u32| Utc.with_ymd_and_hms(2026, 3, d, h, m, 0).unwrap();

    // 21:30 UTC on the 1st is 00:30 on the 2nd in Moscow.
    let late = write(
        services,
        &acme,
        day(1, 21, 30),
        user("u1"),
        "account.update",
        ("account", "a1"),
        json!({"name": "Анна"}),
    )
    .await;
    let early = write(
        services,
        &acme,
        day(1, 20, 30),
        user("u2"),
        "settings.update",
        ("settings", "branding"),
        json!({"accent": "#ffcc00"}),
    )
    .await;
    let third = write(
        services,
        &acme,
        day(3, 10, 0),
        user("u1"),
        "role.create",
        ("role", "r1"),
        json!({"name": "Кассир"}),
    )
    .await;
    let fourth = write(
        services,
        &acme,
        day(4, 10, 0),
        user("u2"),
        "account.disable",
        ("account", "a1"),
        json!({"status": "disabled"}),
    )
    .await;

    let list = |query: &'static str| {
        let path = format!("/api/v1/audit?{query}");
        let (router, host, admin) = (&router, &host, &admin);
        async move {
            let answer = get(router, host, &path, Some(admin)).await;
            assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
            ids(&answer.json())
        }
    };
    assert_eq!(
        list("from=2026-03-02&to=2026-03-03").await,
        [third.id.clone(), late.id.clone()]
    );
    assert_eq!(
        list("from=01.03.2026&to=01.03.2026").await,
        std::slice::from_ref(&early.id)
    );
    assert_eq!(
        list("from=2026-03-01&to=2026-03-31&actor=user:u1").await,
        [third.id.clone(), late.id.clone()]
    );
    assert_eq!(
        list("actor=user:u2").await,
        [fourth.id.clone(), early.id.clone()]
    );
    assert_eq!(
        list("from=2026-03-01&to=2026-03-31&action=account.").await,
        [fourth.id.clone(), late.id.clone()]
    );
    assert_eq!(
        list("entity_type=account&entity_id=a1").await,
        [fourth.id.clone(), late.id.clone()]
    );
    assert_eq!(
        list("entity_type=account&entity_id=a1&action=account.update").await,
        std::slice::from_ref(&late.id)
    );

    let bad = get(
        &router,
        &host,
        "/api/v1/audit?from=32.13.2026&entity_id=x",
        Some(&admin),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = bad.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(fields, ["from", "entity_type"]);

    let page = get(
        &router,
        &host,
        "/audit?from=2026-03-02&to=2026-03-03",
        Some(&admin),
    )
    .await;
    assert!(page.body.contains("02.03.2026 00:30"), "Moscow time shown");
    assert!(page.body.contains("Создана роль"));
    assert!(!page.body.contains("Изменены настройки"));
    let page = get(&router, &host, "/audit?from=bad", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("Дата должна быть вида 31.01.2026"));

    let history = get(&router, &host, "/audit/entity/account/a1", Some(&admin)).await;
    assert_eq!(history.status, StatusCode::OK);
    assert!(history.body.contains("data-history"));
    assert!(
        history.body.contains("Пользователь отключён")
            && history.body.contains("Изменён пользователь")
    );
    assert!(history.body.contains("<code>status</code>"));
}

#[tokio::test]
async fn pages_cross_day_boundaries_each_record_once_and_in_order() {
    let platform = platform().await;
    let services = &platform.services;
    let router = platform.router();
    let acme = tenants::create_tenant(services, "pages").await;
    let admin = member(services, &acme, "administrator").await;
    let host = tenants::host(&acme);

    let start = Utc::now() - Duration::days(20);
    let mut written = Vec::new();
    // Uneven days, some empty, some with several records around midnight UTC.
    for (n, offset_hours) in [
        0, 1, 23, 24, 25, 47, 72, 73, 74, 75, 170, 171, 300, 301, 302, 303, 304,
    ]
    .into_iter()
    .enumerate()
    {
        let action = if n % 3 == 0 {
            "role.update"
        } else {
            "account.update"
        };
        let record = write(
            services,
            &acme,
            start + Duration::hours(offset_hours),
            user(&format!("u{}", n % 2)),
            action,
            ("account", &format!("a{n}")),
            json!({"n": n}),
        )
        .await;
        written.push(record);
    }
    let newest_first = |keep: &dyn Fn(&AuditRecord) -> bool| -> Vec<String> {
        let mut records: Vec<&AuditRecord> = written.iter().filter(|r| keep(r)).collect();
        records.sort_by_key(|r| std::cmp::Reverse(r.at));
        records.into_iter().map(|r| r.id.clone()).collect()
    };
    let since = (start - Duration::days(1)).format("%Y-%m-%d");
    let range = format!("from={since}");

    let everything = all_pages(&router, &host, &admin, &range).await;
    // The admin's own creation is in range too (now); it is the newest.
    assert_eq!(everything[1..], newest_first(&|_| true)[..]);
    assert_eq!(everything.len(), written.len() + 1);

    let roles = all_pages(&router, &host, &admin, &format!("{range}&action=role.")).await;
    assert_eq!(roles, newest_first(&|r| r.action == "role.update"));
    let by_actor = all_pages(&router, &host, &admin, "actor=user:u1").await;
    assert_eq!(by_actor, newest_first(&|r| r.actor.id() == "user:u1"));
}

#[tokio::test]
async fn sparse_listings_stop_after_a_month_of_days_and_go_on_by_cursor() {
    let platform = platform().await;
    let services = &platform.services;
    let acme = tenants::create_tenant(services, "sparse").await;
    let now = Utc::now();
    let old = write(
        services,
        &acme,
        now - Duration::days(80),
        user("u1"),
        "account.update",
        ("account", "a"),
        json!({}),
    )
    .await;
    let older = write(
        services,
        &acme,
        now - Duration::days(81),
        user("u1"),
        "account.update",
        ("account", "b"),
        json!({}),
    )
    .await;

    let log = AuditLog::new(services.db.tenant(&acme), &services.signer, now);
    let filter = AuditFilter::default();
    let mut cursor = None;
    let mut found = Vec::new();
    let mut pages = 0;
    loop {
        let page = log.page(&filter, cursor.as_ref(), 50).await.expect("page");
        pages += 1;
        if page.records.is_empty() && page.next.is_some() {
            assert!(
                page.searched_back_to.is_some(),
                "an empty page says how far it searched"
            );
        }
        assert!(
            page.window_start.is_some(),
            "no `from`: the default window applies"
        );
        found.extend(page.records.iter().map(|r| r.id.clone()));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(found, [old.id, older.id]);
    // 367 days at 31 per page.
    assert!((12..=14).contains(&pages), "{pages} pages");
}

#[tokio::test]
async fn forged_and_foreign_cursors_are_refused() {
    let platform = platform().await;
    let services = &platform.services;
    let router = platform.router();
    let a = tenants::create_tenant(services, "cursor-a").await;
    let b = tenants::create_tenant(services, "cursor-b").await;
    let admin_a = member(services, &a, "administrator").await;
    let admin_b = member(services, &b, "administrator").await;
    for n in 0..3 {
        write(
            services,
            &a,
            Utc::now() - Duration::hours(n),
            user("u"),
            "account.update",
            ("account", "x"),
            json!({"n": n}),
        )
        .await;
    }
    let first = get(
        &router,
        &tenants::host(&a),
        "/api/v1/audit?limit=1",
        Some(&admin_a),
    )
    .await
    .json();
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();

    let mut forged = cursor.clone();
    forged.replace_range(2..3, if &cursor[2..3] == "A" { "B" } else { "A" });
    let other_listing = format!("{cursor}&action=account.");
    for (host, who, cursor) in [
        (tenants::host(&a), &admin_a, forged.as_str()),
        (tenants::host(&a), &admin_a, "garbage"),
        (tenants::host(&b), &admin_b, cursor.as_str()),
        (tenants::host(&a), &admin_a, other_listing.as_str()),
    ] {
        let answer = get(
            &router,
            &host,
            &format!("/api/v1/audit?limit=1&cursor={cursor}"),
            Some(who),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{cursor}: {}",
            answer.body
        );
        assert_eq!(answer.json()["code"], "invalid_cursor");
    }
    let page = get(
        &router,
        &tenants::host(&a),
        "/audit?cursor=garbage",
        Some(&admin_a),
    )
    .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("<html"));
}

#[tokio::test]
async fn tenants_see_only_their_own_log_and_roles_decide_reading_and_export() {
    let platform = platform().await;
    let services = &platform.services;
    let router = platform.router();
    let a = tenants::create_tenant(services, "iso-a").await;
    let b = tenants::create_tenant(services, "iso-b").await;
    let admin_a = member(services, &a, "administrator").await;
    let admin_b = member(services, &b, "administrator").await;
    let secret = write(
        services,
        &b,
        Utc::now(),
        user("ub"),
        "settings.update",
        ("settings", "b-secret"),
        json!({"name": "Тайна B"}),
    )
    .await;
    let (host_a, host_b) = (tenants::host(&a), tenants::host(&b));

    let own = get(&router, &host_a, "/api/v1/audit", Some(&admin_a)).await;
    let own_ids = ids(&own.json());
    assert!(!own_ids.contains(&secret.id));
    assert!(!own.body.contains("Тайна B"));
    for path in [
        "/api/v1/audit?entity_type=settings&entity_id=b-secret".to_owned(),
        format!(
            "/api/v1/audit?entity_type=account&entity_id={}",
            admin_b.account.id
        ),
        "/api/v1/audit?actor=user:ub".to_owned(),
    ] {
        let answer = get(&router, &host_a, &path, Some(&admin_a)).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(ids(&answer.json()), Vec::<String>::new(), "{path}");
    }
    let history = get(
        &router,
        &host_a,
        "/audit/entity/settings/b-secret",
        Some(&admin_a),
    )
    .await;
    assert!(!history.body.contains("Тайна B") && history.body.contains("data-empty-state"));
    let export = get(&router, &host_a, "/audit/export.csv", Some(&admin_a)).await;
    assert!(!export.body.contains("Тайна B"));

    // A's session on B's host is nobody there.
    let switched = get(&router, &host_b, "/api/v1/audit", Some(&admin_a)).await;
    assert_eq!(switched.status, StatusCode::UNAUTHORIZED);
    let switched = get(&router, &host_b, "/audit", Some(&admin_a)).await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);

    let viewer = member(services, &a, "viewer").await;
    assert_eq!(
        get(&router, &host_a, "/audit", Some(&viewer)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&router, &host_a, "/api/v1/audit", Some(&viewer))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let manager = member(services, &a, "manager").await;
    let page = get(&router, &host_a, "/audit", Some(&manager)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("data-audit-export"),
        "no export link without audit:export"
    );
    assert_eq!(
        get(&router, &host_a, "/audit/export.csv", Some(&manager))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&router, &host_a, "/api/v1/audit/export.csv", Some(&manager))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn csv_export_is_excel_ready_safe_streamed_and_audited() {
    let platform = platform().await;
    let services = &platform.services;
    let router = platform.router();
    let acme = tenants::create_tenant(services, "csv").await;
    let admin = member(services, &acme, "administrator").await;
    let host = tenants::host(&acme);
    write(
        services,
        &acme,
        Utc::now(),
        Actor::Impersonation {
            staff_id: "s1".into(),
            staff_email: "help@crm.example.ru".into(),
            reason: "заявка; \"срочно\"".into(),
        },
        "settings.update",
        ("settings", "a;b"),
        json!({"name": "ТСЖ «Рассвет»\nкорпус 2", "formula": "=HYPERLINK(\"http://x\")", "phone": "+79123456789"}),
    )
    .await;

    let answer = get(&router, &host, "/audit/export.csv", Some(&admin)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.headers["content-type"], "text/csv; charset=utf-8");
    let disposition = answer.headers["content-disposition"]
        .to_str()
        .expect("ascii");
    assert!(
        disposition.starts_with("attachment; filename=\"audit-csv-"),
        "{disposition}"
    );
    let body = &answer.body;
    assert!(body.starts_with('\u{feff}'), "BOM for Excel");
    let header = body
        .trim_start_matches('\u{feff}')
        .split("\r\n")
        .next()
        .expect("header");
    assert!(header.starts_with("Время;Время (UTC);Кто;"), "{header}");
    assert_eq!(header.matches(';').count(), 11);
    assert!(body.contains(";\"a;b\";"), "a cell with `;` is quoted");
    assert!(
        body.contains("\"заявка; \"\"срочно\"\"\""),
        "quotes doubled"
    );
    assert!(
        body.contains("name: — → ТСЖ «Рассвет»\nкорпус 2"),
        "newline kept inside a quoted cell"
    );
    assert!(
        body.contains("formula: — → =HYPERLINK"),
        "inside a cell text stays as is"
    );
    assert!(
        !body.contains(";=") && !body.contains(";\"="),
        "no cell starts a formula"
    );
    assert!(body.contains("help@crm.example.ru (вход сотрудника платформы)"));

    // A cell that would start with a formula character is neutralised.
    write(
        services,
        &acme,
        Utc::now(),
        user("u"),
        "account.update",
        ("=cmd", "@x"),
        json!({}),
    )
    .await;
    let body = get(&router, &host, "/api/v1/audit/export.csv", Some(&admin))
        .await
        .body;
    assert!(body.contains(";'=cmd;'@x;"), "{body}");

    // Both exports are in the log.
    let exports = get(
        &router,
        &host,
        "/api/v1/audit?action=audit.export",
        Some(&admin),
    )
    .await
    .json();
    let items = exports["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0]["actor"]["id"],
        format!("user:{}", admin.account.id)
    );
    assert_eq!(items[0]["entity_type"], "audit_log");

    // A period over a year is refused: the API says why, the page comes back with the reason.
    let long = get(
        &router,
        &host,
        "/api/v1/audit/export.csv?from=2024-01-01&to=2026-01-01",
        Some(&admin),
    )
    .await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    let long = get(
        &router,
        &host,
        "/audit/export.csv?from=2024-01-01&to=2026-01-01",
        Some(&admin),
    )
    .await;
    assert_eq!(long.status, StatusCode::SEE_OTHER);
    assert!(
        long.headers["location"]
            .to_str()
            .expect("ascii")
            .starts_with("/audit?from=2024-01-01")
    );
}

#[tokio::test]
async fn central_staff_read_any_log_and_only_superadmins_export() {
    let platform = platform().await;
    let services = &platform.services;
    let router = platform.router();
    let acme = tenants::create_tenant(services, "central-view").await;
    let tenant_admin = member(services, &acme, "administrator").await;
    let superadmin = staff(services, "superadmin").await;
    let read_only = staff(services, "read_only").await;

    let path = format!("/central/api/v1/audit?tenant={acme}");
    let answer = get(&router, "localhost", &path, Some(&read_only)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let listed = answer.json();
    assert!(
        listed["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|i| i["entity_id"] == tenant_admin.account.id.as_str()),
        "the tenant's records"
    );
    let central = get(
        &router,
        "localhost",
        "/central/api/v1/audit",
        Some(&read_only),
    )
    .await
    .json();
    assert!(
        central["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|i| i["entity_id"] == superadmin.account.id.as_str()),
        "the central log has the staff accounts"
    );
    let unknown = get(
        &router,
        "localhost",
        "/central/api/v1/audit?tenant=nobody",
        Some(&read_only),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);

    let page = get(
        &router,
        "localhost",
        &format!("/central/audit?tenant={acme}"),
        Some(&read_only),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("administrator@central-view.example.ru"));
    assert!(!page.body.contains("data-audit-export"));
    let page = get(
        &router,
        "localhost",
        "/central/audit?tenant=Bad%23Id",
        Some(&read_only),
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);

    for path in [
        format!("/central/audit/export.csv?tenant={acme}"),
        format!("/central/api/v1/audit/export.csv?tenant={acme}"),
    ] {
        assert_eq!(
            get(&router, "localhost", &path, Some(&read_only))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
    let export = get(
        &router,
        "localhost",
        &format!("/central/audit/export.csv?tenant={acme}"),
        Some(&superadmin),
    )
    .await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(
        export
            .body
            .contains("administrator@central-view.example.ru")
    );
    // Staff exports are central actions.
    let central = get(
        &router,
        "localhost",
        "/central/api/v1/audit?action=audit.export",
        Some(&superadmin),
    )
    .await
    .json();
    assert_eq!(central["items"][0]["entity_id"], acme.as_str());
    assert_eq!(central["items"][0]["actor"]["kind"], "staff");

    // Staff are nobody on a tenant's host, tenants nobody centrally.
    let tenant_host = tenants::host(&acme);
    assert_eq!(
        get(&router, &tenant_host, "/api/v1/audit", Some(&superadmin))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(
            &router,
            "localhost",
            "/central/api/v1/audit",
            Some(&tenant_admin)
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
}

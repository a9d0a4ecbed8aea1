//! Platform staff: signing in on the platform host, managing staff (superadmins only), and
//! impersonation: a reason, both audit logs, a one-time handoff, the banner, the way out.

use crm_app::audit::Actor;
use crm_app::keys::Namespace;
use http::{Method, StatusCode};
use serde_json::json;

use crate::support::http::Client;
use crate::support::identity::{
    PASSWORD, audit_of, link_path, outbox, person, platform, staff_browser, tenant_with,
};
use crate::support::tenants;

#[tokio::test]
async fn staff_sign_in_on_the_platform_host_only() {
    let platform = platform().await;
    let (_, _, superadmin) = staff_browser(&platform, "superadmin", "root@crm.example.ru").await;
    let mut browser = Client::new(platform.router(), "localhost");
    let page = browser.get("/central/login").await;
    assert!(page.body.contains("Вход для сотрудников платформы"));
    let done = browser
        .log_in("/central/login", &superadmin.email, PASSWORD)
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/central/");
    assert!(browser.cookies.contains_key("crm_staff_session"));
    let home = browser.get("/central/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains(r#"href="/central/staff""#),
        "central navigation"
    );
    assert!(home.body.contains(r#"action="/central/logout""#));

    let (tenant, _) = tenant_with(&platform.services, "acme", "administrator").await;
    let mut elsewhere = Client::new(platform.router(), &tenants::host(&tenant));
    assert_eq!(
        elsewhere.get("/central/login").await.status,
        StatusCode::NOT_FOUND
    );
    let tenant_user = elsewhere
        .log_in("/login", &superadmin.email, PASSWORD)
        .await;
    assert_eq!(
        tenant_user.status,
        StatusCode::UNAUTHORIZED,
        "staff are not tenant users"
    );
    let replayed = browser.on_host(&tenants::host(&tenant));
    let mut replayed = replayed;
    let home = replayed.get("/").await;
    assert_eq!(
        home.status,
        StatusCode::SEE_OTHER,
        "the staff cookie means nothing on a tenant host"
    );
}

#[tokio::test]
async fn superadmins_invite_and_disable_staff_others_only_look() {
    let platform = platform().await;
    let services = &platform.services;
    let (mut root, root_csrf, root_account) =
        staff_browser(&platform, "superadmin", "root@crm.example.ru").await;
    let (mut support, support_csrf, _) =
        staff_browser(&platform, "support", "help@crm.example.ru").await;

    let refused = support
        .json(
            Method::POST,
            "/central/api/v1/staff",
            &json!({"email": "x@crm.example.ru", "role": "support"}),
            Some(&support_csrf),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        support.get("/central/staff").await.status,
        StatusCode::OK,
        "support may look"
    );

    let invited = root
        .post_form(
            "/central/staff/invitations",
            &[
                ("_csrf", &root_csrf),
                ("email", "anna@crm.example.ru"),
                ("role", "read_only"),
            ],
        )
        .await;
    assert_eq!(invited.status, StatusCode::SEE_OTHER, "{}", invited.body);
    let mail = outbox(services).await.remove(0);
    assert!(
        mail.email
            .text
            .contains("http://127.0.0.1:3000/central/invite/"),
        "{}",
        mail.email.text
    );
    let link = link_path(&mail.email.text, "/central/invite/");
    let mut anna = Client::new(platform.router(), "localhost");
    let accepted = anna
        .fill(
            &link,
            &link,
            &[
                ("name", "Анна"),
                ("password", "a long passphrase"),
                ("password_confirm", "a long passphrase"),
            ],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    assert_eq!(accepted.location(), "/central/");
    assert_eq!(anna.get("/central/").await.status, StatusCode::OK);
    assert_eq!(
        anna.get("/central/impersonations").await.status,
        StatusCode::FORBIDDEN,
        "read-only"
    );

    let list = root.get_json("/central/api/v1/staff").await.json();
    let anna_id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["email"] == "anna@crm.example.ru")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let own = root
        .json(
            Method::POST,
            &format!("/central/api/v1/staff/{}/disable", root_account.id),
            &json!({}),
            Some(&root_csrf),
        )
        .await;
    assert_eq!(own.json()["code"], "own_account");
    let demote = root
        .json(
            Method::PUT,
            &format!("/central/api/v1/staff/{}/role", root_account.id),
            &json!({"role": "support"}),
            Some(&root_csrf),
        )
        .await;
    assert_eq!(demote.json()["code"], "last_administrator");
    let disabled = root
        .post_form(
            &format!("/central/staff/{anna_id}/disable"),
            &[("_csrf", &root_csrf)],
        )
        .await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    assert_eq!(
        anna.get("/central/").await.status,
        StatusCode::SEE_OTHER,
        "signed out"
    );
    let records = audit_of(services, &Namespace::Central, "account", &anna_id).await;
    let actions: Vec<&str> = records.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["account.create", "account.disable"]);
}

#[tokio::test]
async fn impersonation_needs_a_reason_is_audited_twice_and_shows_a_banner() {
    let platform = platform().await;
    let services = &platform.services;
    let (tenant, admin) = tenant_with(services, "acme", "administrator").await;
    let operator = person(services, &tenant, "op@acme.example.ru", "operator").await;
    let (mut support, csrf, staff) =
        staff_browser(&platform, "support", "help@crm.example.ru").await;

    let page = support.get("/central/impersonations?tenant=acme").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&admin.id) && page.body.contains(&operator.id),
        "its users offered"
    );
    let unknown = support.get("/central/impersonations?tenant=nope").await;
    assert!(unknown.body.contains("Нет активной организации"));
    let short = support
        .post_form(
            "/central/impersonations",
            &[
                ("_csrf", &csrf),
                ("tenant", "acme"),
                ("account", &operator.id),
                ("reason", "because"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains("Не короче 10 символов"));

    let reason = "обращение №4521: не видит счета";
    let started = support
        .post_form(
            "/central/impersonations",
            &[
                ("_csrf", &csrf),
                ("tenant", "acme"),
                ("account", &operator.id),
                ("reason", reason),
            ],
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let handoff = started.location().to_owned();
    assert!(
        handoff.starts_with("http://acme.localhost:3000/impersonate/"),
        "{handoff}"
    );
    let path = link_path(&handoff, "/impersonate/");

    let mut inside = Client::new(platform.router(), &tenants::host(&tenant));
    let entered = inside.get(&path).await;
    assert_eq!(entered.status, StatusCode::SEE_OTHER);
    assert_eq!(entered.location(), "/");
    let home = inside.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Вы действуете как"), "the banner");
    assert!(home.body.contains(reason) && home.body.contains("help@crm.example.ru"));
    assert!(home.body.contains(r#"action="/impersonation/end""#));
    let me = inside.get_json("/api/v1/me").await.json();
    assert_eq!(me["id"], operator.id.as_str());
    assert_eq!(me["impersonated_by"], "help@crm.example.ru");
    let forbidden = inside.get("/users").await;
    assert_eq!(
        forbidden.status,
        StatusCode::FORBIDDEN,
        "an operator's permissions"
    );
    assert!(
        forbidden.body.contains("Вы действуете как"),
        "the banner stays on error pages"
    );
    let password = inside.get("/account/totp").await;
    assert_eq!(
        password.status,
        StatusCode::FORBIDDEN,
        "the person's credentials are theirs"
    );

    let mut again = Client::new(platform.router(), &tenants::host(&tenant));
    assert_eq!(
        again.get(&path).await.status,
        StatusCode::NOT_FOUND,
        "the handoff works once"
    );

    let tenant_records = audit_of(
        services,
        &Namespace::tenant(&tenant),
        "account",
        &operator.id,
    )
    .await;
    let start = tenant_records
        .iter()
        .find(|r| r.action == "impersonation.start")
        .expect("tenant audit");
    assert_eq!(
        start.actor,
        Actor::Impersonation {
            staff_id: staff.id.clone(),
            staff_email: staff.email.clone(),
            reason: reason.to_owned()
        }
    );
    let listed = support.get_json("/central/api/v1/impersonations").await;
    assert_eq!(listed.status, StatusCode::OK);
    let listed = listed.json();
    assert_eq!(listed[0]["reason"], reason);
    let central_records = audit_of(
        services,
        &Namespace::Central,
        "impersonation",
        listed[0]["id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(central_records[0].action, "impersonation.start");

    let csrf_inside = crate::support::http::form_value(&home.body, "_csrf").unwrap();
    let ended = inside
        .post_form("/impersonation/end", &[("_csrf", &csrf_inside)])
        .await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    assert_eq!(ended.location(), "http://127.0.0.1:3000/central/");
    assert_eq!(
        inside.get("/").await.status,
        StatusCode::SEE_OTHER,
        "the session is over"
    );
    let tenant_actions: Vec<String> = audit_of(
        services,
        &Namespace::tenant(&tenant),
        "account",
        &operator.id,
    )
    .await
    .into_iter()
    .map(|r| r.action)
    .collect();
    for action in [
        "impersonation.start",
        "impersonation.enter",
        "impersonation.end",
    ] {
        assert!(
            tenant_actions.contains(&action.to_owned()),
            "{action}: {tenant_actions:?}"
        );
    }

    let api = support
        .json(
            Method::POST,
            "/central/api/v1/impersonations",
            &json!({"tenant_id": "acme", "account_id": admin.id, "reason": reason}),
            Some(&csrf),
        )
        .await;
    assert_eq!(api.status, StatusCode::CREATED, "{}", api.body);
    assert!(
        api.json()["url"]
            .as_str()
            .unwrap()
            .contains("/impersonate/")
    );
}

#[tokio::test]
async fn actions_while_impersonating_are_recorded_as_the_staff_member() {
    let platform = platform().await;
    let services = &platform.services;
    let (tenant, admin) = tenant_with(services, "acme", "administrator").await;
    let (mut support, csrf, staff) =
        staff_browser(&platform, "support", "help@crm.example.ru").await;
    let started = support
        .post_form(
            "/central/impersonations",
            &[
                ("_csrf", &csrf),
                ("tenant", "acme"),
                ("account", &admin.id),
                ("reason", "ticket 77: set up roles"),
            ],
        )
        .await;
    let path = link_path(started.location(), "/impersonate/");
    let mut inside = Client::new(platform.router(), &tenants::host(&tenant));
    inside.get(&path).await;
    let token =
        crate::support::http::form_value(&inside.get("/roles/new").await.body, "_csrf").unwrap();
    let created = inside
        .json(
            Method::POST,
            "/api/v1/roles",
            &json!({"name": "Поддержка", "permissions": ["subscribers:read"]}),
            Some(&token),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let records = audit_of(services, &Namespace::tenant(&tenant), "role", &id).await;
    assert!(
        matches!(&records[0].actor, Actor::Impersonation { staff_id, .. } if *staff_id == staff.id)
    );
}

#[tokio::test]
async fn seeding_creates_each_account_once() {
    use crm_app::identity::Realm;
    use crm_app::identity::seed::{SeedAccount, ensure_account};
    let platform = platform().await;
    let services = &platform.services;
    let seed = SeedAccount {
        email: "Admin@CRM.example.ru",
        name: "Администратор платформы",
        role: "superadmin",
        password: PASSWORD,
    };
    let central = Realm::central(services);
    let first = ensure_account(&central, &seed).await.expect("created");
    let second = ensure_account(
        &central,
        &SeedAccount {
            name: "Другое имя",
            ..seed.clone()
        },
    )
    .await
    .expect("found");
    assert_eq!(first.id, second.id, "idempotent");
    assert_eq!(
        second.name, "Администратор платформы",
        "an existing account is left as it is"
    );
    let mut browser = Client::new(platform.router(), "localhost");
    let done = browser
        .log_in("/central/login", "admin@crm.example.ru", PASSWORD)
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);

    let (tenant, _) = tenant_with(services, "demo", "viewer").await;
    let demo = Realm::tenant(services, &tenant);
    let admin = ensure_account(
        &demo,
        &SeedAccount {
            role: "administrator",
            ..seed
        },
    )
    .await
    .unwrap();
    assert_eq!(admin.role, "administrator");
    assert_ne!(
        admin.id, first.id,
        "the same email in another realm is another account"
    );
}

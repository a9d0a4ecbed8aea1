//! Tenant A's users, sessions and API keys never read or change tenant B's data: not with A's
//! cookie on B's host, not with A's key on B's host, not with B's ids on A's host, through any
//! route with a path parameter.

use crm_app::audit::Audit;
use crm_app::identity::accounts::AccountStatus;
use crm_app::identity::{Realm, api_keys, invitations, roles, sessions, users};
use crm_domain::TenantId;
use crm_domain::access::{BuiltinRole, PermissionSet};
use crm_web::access::{Access, RouteAccess};
use crm_web::error_page::is_api_path;
use http::{Method, StatusCode};
use serde_json::json;

use crate::support::embedded::Platform;
use crate::support::http::Client;
use crate::support::identity::{browser, person, platform};
use crate::support::tenants;

/// Tenant B's things whose ids A might guess.
struct Victim {
    tenant: TenantId,
    user_id: String,
    role_id: String,
    key_id: String,
    key_token: String,
    invitation_id: String,
    invitation_token: String,
    session_id: String,
    subscriber_id: String,
    building_id: String,
    meter_id: String,
    mail_id: String,
    estimation_job_id: String,
    upload_id: String,
    import_job_id: String,
}

async fn victim(platform: &Platform) -> Victim {
    let services = &platform.services;
    let tenant = tenants::create_tenant(services, "bravo").await;
    let admin = person(services, &tenant, "admin@bravo.example.ru", "administrator").await;
    let realm = Realm::tenant(services, &tenant);
    let audit = Audit::system("test");
    let all = PermissionSet::all();
    let role = roles::create(
        &realm,
        &all,
        &roles::RoleInput {
            name: "Bravo".into(),
            permissions: BuiltinRole::Viewer.permissions(),
        },
        &audit,
    )
    .await
    .expect("role");
    let (key, key_token) =
        api_keys::create(&realm, &all, "bravo key", PermissionSet::all(), &audit)
            .await
            .expect("key");
    let mut token = String::new();
    let invited = invitations::invite(
        &realm,
        &all,
        "new@bravo.example.ru",
        "viewer",
        &audit,
        |link| {
            token = link.rsplit('/').next().unwrap_or_default().to_owned();
            crm_app::identity::Letter {
                subject: "x".into(),
                text: link.to_owned(),
            }
        },
    )
    .await
    .expect("invitation");
    tenants::sign_in(services, Some(&tenant), admin.clone()).await;
    let session_id = sessions::list(&realm.db, &admin.id, realm.now())
        .await
        .unwrap()[0]
        .id
        .clone();
    let building = crm_app::buildings::create(
        services,
        &tenant,
        &audit,
        &crm_domain::subscriber::BuildingInput {
            city: "Тверь".into(),
            street: "Мира".into(),
            house: "1".into(),
            ..Default::default()
        },
    )
    .await
    .expect("building");
    let subscriber = crm_app::subscribers::create(
        services,
        &tenant,
        &audit,
        &crm_app::subscribers::NewSubscriber {
            account_number: None,
            input: crm_domain::subscriber::SubscriberInput {
                surname: "Бравов".into(),
                name: "Иван".into(),
                building_id: building.id.clone(),
                flat: "1".into(),
                ..Default::default()
            },
        },
    )
    .await
    .expect("subscriber");
    let meter_id = victim_meter(services, &tenant, &subscriber.id).await;
    let mail_id = services
        .mailer
        .outbox_in(&crm_app::mail::OutboxScope::Tenant(tenant.clone()), 1)
        .await
        .expect("outbox")
        .and_then(|sent| sent.into_iter().next())
        .expect("the invitation was mailed")
        .id;
    let (upload_id, import_job_id) =
        crate::subscriber_import::victim_import(services, &tenant).await;
    let mut job =
        crm_app::progress::NewJob::new("bravo-estimation", crm_app::meters::estimation_job::KIND);
    job.label = Some("2026-01".into());
    crm_app::progress::create(&services.db.tenant(&tenant), job, services.clock.now())
        .await
        .expect("estimation job");
    Victim {
        estimation_job_id: "bravo-estimation".into(),
        upload_id,
        import_job_id,
        subscriber_id: subscriber.id,
        building_id: building.id,
        meter_id,
        tenant,
        mail_id,
        user_id: admin.id,
        role_id: role.id,
        key_id: key.id,
        key_token,
        invitation_id: invited.invitation.id,
        invitation_token: token,
        session_id,
    }
}

/// A meter of B's subscriber with one reading, stored as the registry stores it.
async fn victim_meter(
    services: &crm_app::Services,
    tenant: &TenantId,
    subscriber_id: &str,
) -> String {
    use crm_app::meters::{MeterRecord, MeterStatus, ReadingRecord};
    use crm_app::store::{Body, Condition, Item, Put, Write};
    let db = services.db.tenant(tenant);
    let ns = db.namespace().clone();
    let now = services.clock.now();
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let meter = MeterRecord {
        id: services.ids.new_id(),
        subscriber_id: subscriber_id.to_owned(),
        service_id: "water".into(),
        serial: "BRAVO-1".into(),
        kind: crm_domain::meter::MeterKind::ColdWater,
        installed_on: day("2026-01-10"),
        initial: vec![rust_decimal::Decimal::ZERO],
        digits: 5,
        multiplier: rust_decimal::Decimal::ONE,
        verification_due: Some(day("2030-01-01")),
        seal: None,
        status: MeterStatus::Active,
        removed_on: None,
        replaced_by: None,
        replaces: None,
        created_at: now,
        updated_at: now,
    };
    let reading = ReadingRecord {
        meter_id: meter.id.clone(),
        date: day("2026-02-20"),
        values: vec![rust_decimal::Decimal::TEN],
        source: crm_domain::meter::ReadingSource::Operator,
        version_no: 1,
        advance: vec![rust_decimal::Decimal::TEN],
        flags: Vec::new(),
        entered_by: "test".into(),
        entered_at: now,
    };
    let mut locator = Body::new();
    locator.insert("subscriber_id".into(), json!(subscriber_id));
    let put = |item| {
        Write::Put(Put {
            item,
            condition: Condition::MustNotExist,
        })
    };
    db.transact(vec![
        put(meter.to_item(&ns)),
        put(Item::new(
            crm_app::keys::meter_locator(&ns, &meter.id),
            locator,
        )),
        put(Item::new(
            crm_app::keys::reading(&ns, subscriber_id, &meter.id, reading.date),
            crm_app::meters::records::reading_body(&reading),
        )),
        put(
            crm_app::meters::tail::ReadingTail::whole(std::slice::from_ref(&reading))
                .item(&ns, &meter.id),
        ),
    ])
    .await
    .expect("meter");
    meter.id
}

/// B's id for a route's parameter, by the resource the path names.
fn guessed_id<'a>(route: &RouteAccess, victim: &'a Victim) -> &'a str {
    let path = route.path.trim_start_matches("/api/v1");
    if path.starts_with("/users/invitations/") || path.starts_with("/invitations/") {
        &victim.invitation_id
    } else if path.starts_with("/users/") {
        &victim.user_id
    } else if path.starts_with("/roles/") {
        &victim.role_id
    } else if path.starts_with("/api-keys/") {
        &victim.key_id
    } else if path.starts_with("/account/sessions/") || path.starts_with("/sessions/") {
        &victim.session_id
    } else if path.starts_with("/subscribers/") {
        &victim.subscriber_id
    } else if path.starts_with("/buildings/") {
        &victim.building_id
    } else if path.starts_with("/meters/") {
        &victim.meter_id
    } else if path.starts_with("/imports/uploads/") {
        &victim.upload_id
    } else if path.starts_with("/imports/jobs/") {
        &victim.import_job_id
    } else if path.starts_with("/outbox/") {
        &victim.mail_id
    } else if path.starts_with("/meters/estimates/jobs/") {
        &victim.estimation_job_id
    } else {
        panic!(
            "{} {}: say which of B's ids to try here",
            route.method, route.path
        )
    }
}

fn fill(path: &str, id: &str) -> String {
    let start = path.find('{').expect("a parameter");
    let end = path[start..].find('}').expect("closed") + start + 1;
    format!("{}{id}{}", &path[..start], &path[end..])
}

/// A body the handler accepts, so the request gets as far as looking the id up.
fn plausible_body(route: &RouteAccess) -> (Option<&'static str>, Vec<u8>) {
    if route.method == Method::GET {
        return (None, Vec::new());
    }
    if is_api_path(&route.path) {
        let body = if route.path.ends_with("/role") {
            json!({"role": "viewer"})
        } else if route.path.ends_with("/uploads/{id}/jobs") {
            json!({"mode": "dry_run"})
        } else if route.path.starts_with("/api/v1/roles/") {
            json!({"name": "Taken over", "permissions": ["subscribers:read"]})
        } else {
            json!({})
        };
        return (Some("application/json"), serde_json::to_vec(&body).unwrap());
    }
    let body = if route.path.ends_with("/role") {
        "role=viewer"
    } else if route.path == "/roles/{id}" {
        "name=Taken+over&permissions=subscribers%3Aread"
    } else {
        ""
    };
    (
        Some("application/x-www-form-urlencoded"),
        body.as_bytes().to_vec(),
    )
}

#[tokio::test]
async fn ids_of_another_tenant_are_not_found_through_any_route() {
    let platform = platform().await;
    let services = &platform.services;
    let victim = victim(&platform).await;
    let alpha = tenants::create_tenant(services, "alpha").await;
    let attacker = person(services, &alpha, "admin@alpha.example.ru", "administrator").await;
    let mut tried = 0;
    for route in api::route_table() {
        if !route.path.contains('{')
            || !matches!(route.access, Access::Tenant(_) | Access::TenantMember)
        {
            continue;
        }
        if crate::catalog::access::is_catalogue_route(&route.path) {
            // Confined by `catalog::access::every_catalogue_route_is_confined_to_its_tenant`,
            // which knows each catalogue route's ids.
            continue;
        }
        if route.path.contains("{kind}") && !route.path.contains("{id}") {
            // The parameter is an import kind, the same words in every tenant. The blob key a
            // direct upload posts is confined by
            // `direct_upload::keys_that_are_not_this_tenants_uploads_record_nothing`.
            continue;
        }
        if route.path.starts_with("/api/v1/settings/") || route.path.starts_with("/settings/") {
            // The parameter names a section of the caller's own settings, not anyone's object.
            continue;
        }
        let (mut client, csrf) = browser(&platform, &alpha, attacker.clone()).await;
        if route.path.starts_with("/audit/entity/") {
            // A history page answers for any id, from the caller's own log: B's account has
            // no history in A's, so nothing of B's can show.
            let path = format!("/audit/entity/account/{}", victim.user_id);
            let reply = client
                .send(
                    route.method.clone(),
                    &path,
                    None,
                    Vec::new(),
                    &[("accept", "text/html")],
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{path}");
            assert!(
                !reply.body.contains("bravo"),
                "{path} shows B's data: {}",
                reply.body
            );
            tried += 1;
            continue;
        }
        let path = fill(&route.path, guessed_id(&route, &victim));
        let (content_type, body) = plausible_body(&route);
        let accept = if is_api_path(&route.path) {
            "application/json"
        } else {
            "text/html"
        };
        let reply = client
            .send(
                route.method.clone(),
                &path,
                content_type,
                body,
                &[("x-csrf-token", &csrf), ("accept", accept)],
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{} {path}: {}",
            route.method,
            reply.body
        );
        tried += 1;
    }
    assert!(tried >= 15, "only {tried} routes with parameters");

    // Nothing of B's changed.
    let realm = Realm::tenant(services, &victim.tenant);
    let user = users::get(&realm, &victim.user_id).await.unwrap();
    assert_eq!(
        (user.role.as_str(), user.status),
        ("administrator", AccountStatus::Active)
    );
    assert_eq!(
        roles::get(&realm, &victim.role_id).await.unwrap().name,
        "Bravo"
    );
    assert!(
        api_keys::get(&realm, &victim.key_id)
            .await
            .unwrap()
            .revoked_at
            .is_none()
    );
    assert_eq!(invitations::list(&realm).await.unwrap().len(), 1);
    assert_eq!(
        sessions::list(&realm.db, &victim.user_id, realm.now())
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_cookie_or_key_of_one_tenant_means_nothing_on_another_host() {
    let platform = platform().await;
    let services = &platform.services;
    let victim = victim(&platform).await;
    let alpha = tenants::create_tenant(services, "alpha").await;
    let admin = person(services, &alpha, "admin@alpha.example.ru", "administrator").await;
    let (alpha_browser, _) = browser(&platform, &alpha, admin.clone()).await;
    let mut on_bravo = alpha_browser.on_host(&tenants::host(&victim.tenant));
    for route in api::route_table() {
        if route.method != Method::GET
            || !matches!(route.access, Access::Tenant(_) | Access::TenantMember)
        {
            continue;
        }
        let path = route.path.replace("{id}", &victim.user_id);
        let reply = on_bravo.get(&path).await;
        if is_api_path(&route.path) {
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}");
        } else {
            assert_eq!(
                reply.status,
                StatusCode::SEE_OTHER,
                "{path}: not signed in there"
            );
            assert!(reply.location().starts_with("/login"));
        }
    }

    let realm = Realm::tenant(services, &alpha);
    let (_, alpha_key) = api_keys::create(
        &realm,
        &PermissionSet::all(),
        "alpha",
        PermissionSet::all(),
        &Audit::system("test"),
    )
    .await
    .unwrap();
    let mut key_on_bravo =
        Client::new(platform.router(), &tenants::host(&victim.tenant)).with_bearer(&alpha_key);
    for path in [
        "/api/v1/me",
        "/api/v1/users",
        &format!("/api/v1/users/{}", victim.user_id),
    ] {
        let reply = key_on_bravo.get_json(path).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(reply.json()["code"], "invalid_api_key");
    }
    // A key names its tenant; editing that part does not open another tenant.
    let forged = alpha_key.replacen("crm_alpha_", "crm_bravo_", 1);
    let mut forged_client =
        Client::new(platform.router(), &tenants::host(&victim.tenant)).with_bearer(&forged);
    assert_eq!(
        forged_client.get_json("/api/v1/users").await.status,
        StatusCode::UNAUTHORIZED
    );
    // B's own key works on B's host, not on A's.
    let mut bravo_key_on_alpha =
        Client::new(platform.router(), &tenants::host(&alpha)).with_bearer(&victim.key_token);
    assert_eq!(
        bravo_key_on_alpha.get_json("/api/v1/users").await.status,
        StatusCode::UNAUTHORIZED
    );

    // B's links do nothing on A's host.
    let mut stranger = Client::new(platform.router(), &tenants::host(&alpha));
    let invite = stranger
        .get(&format!("/invite/{}", victim.invitation_token))
        .await;
    assert_eq!(invite.status, StatusCode::NOT_FOUND);

    // Signed in on A, a JSON request with A's CSRF header still sees only A.
    let (mut alpha_api, csrf) = browser(&platform, &alpha, admin).await;
    let list = alpha_api.get_json("/api/v1/users").await.json();
    let emails: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["admin@alpha.example.ru"]);
    let revoke = alpha_api
        .json(
            Method::DELETE,
            &format!("/api/v1/api-keys/{}", victim.key_id),
            &json!({}),
            Some(&csrf),
        )
        .await;
    assert_eq!(revoke.status, StatusCode::NOT_FOUND);
}

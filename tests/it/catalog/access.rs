//! Who may use the catalogue's routes: roles and API key scopes, and tenant isolation for every
//! route (another tenant's ids answer 404; another tenant's host does not know the session).

use crm_domain::access::{Action, Permission, PermissionSet, Resource};
use crm_web::access::Access;
use http::{Method, StatusCode};
use serde_json::json;

use super::{Client, World};
use crate::support::tenants;

pub fn is_catalogue_route(path: &str) -> bool {
    [
        "/api/v1/services",
        "/api/v1/subscribers/{id}/services",
        "/api/v1/service-links",
        "/api/v1/jobs",
        "/services",
        "/subscribers/{id}/services",
        "/jobs",
    ]
    .iter()
    .any(|prefix| path.starts_with(prefix))
}

#[test]
fn every_catalogue_route_requires_a_tenant_permission() {
    let table: Vec<_> = api::route_table()
        .into_iter()
        .filter(|r| is_catalogue_route(&r.path))
        .collect();
    assert!(table.len() >= 35, "{} routes", table.len());
    for route in &table {
        match route.access {
            Access::Tenant(permission) => assert!(
                matches!(
                    permission.resource,
                    Resource::Services | Resource::Subscribers
                ),
                "{route:?}"
            ),
            // Job statuses check the permission the job names.
            Access::TenantMember => assert!(route.path.contains("jobs"), "{route:?}"),
            other => panic!("{route:?} is {other:?}"),
        }
        assert_eq!(
            route.documented,
            route.path.starts_with("/api/"),
            "{route:?}"
        );
    }
}

#[tokio::test]
async fn roles_decide_who_reads_and_who_changes() {
    let world = World::new().await;
    world.subscriber(&world.tenant, "sub1").await;
    let water = world.service("ХВС", "metered").await;
    let viewer = world.user(&world.tenant, "viewer").await;
    let operator = world.user(&world.tenant, "operator").await;
    let accountant = world.user(&world.tenant, "accountant").await;
    let manager = world.user(&world.tenant, "manager").await;

    for reader in [&viewer, &operator, &accountant] {
        assert_eq!(reader.get("/api/v1/services").await.status, StatusCode::OK);
        assert_eq!(
            reader
                .get(&format!("/api/v1/services/{water}/tariffs"))
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            reader.get(&format!("/services/{water}")).await.status,
            StatusCode::OK
        );
        assert_eq!(
            reader.get("/api/v1/subscribers/sub1/services").await.status,
            StatusCode::OK
        );
    }
    let create = json!({"name": "Газ", "code": "ГАЗ", "kind": "metered", "tax_category": "exempt"});
    assert_eq!(
        viewer
            .send(Method::POST, "/api/v1/services", create.clone())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        viewer.get("/services/new").await.status,
        StatusCode::FORBIDDEN
    );
    let viewer_card = viewer.get(&format!("/services/{water}")).await;
    assert!(
        !viewer_card.text.contains("/edit\""),
        "no edit button for viewers"
    );
    assert!(!viewer_card.text.contains("bulk-link"));
    assert_eq!(
        viewer
            .send(
                Method::POST,
                "/api/v1/subscribers/sub1/services",
                json!({"service_id": water, "valid_from": "2026-01-01"})
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Operators cannot edit the catalogue, but they link services to subscribers.
    let patch = json!({"name": "Вода"});
    assert_eq!(
        operator
            .send(
                Method::PATCH,
                &format!("/api/v1/services/{water}"),
                patch.clone()
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        operator
            .send(
                Method::POST,
                &format!("/api/v1/services/{water}/tariffs"),
                json!({"valid_from": "2026-01-01", "rate": "1"})
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        operator
            .form(&format!("/services/{water}/edit"), &[("name", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        operator
            .delete(&format!("/api/v1/services/{water}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let linked = operator
        .send(
            Method::POST,
            "/api/v1/subscribers/sub1/services",
            json!({"service_id": water, "valid_from": "2026-01-01"}),
        )
        .await;
    assert_eq!(linked.status, StatusCode::CREATED, "{}", linked.text);
    assert_eq!(
        accountant
            .send(Method::POST, "/api/v1/services", create.clone())
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Managers run the catalogue.
    assert_eq!(
        manager
            .send(Method::POST, "/api/v1/services", create)
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        manager
            .send(Method::PATCH, &format!("/api/v1/services/{water}"), patch)
            .await
            .status,
        StatusCode::OK
    );

    // Unsafe methods from a browser session need the CSRF token.
    let mut no_csrf: Client = manager.clone();
    no_csrf.csrf = None;
    let refused = no_csrf
        .send(
            Method::PATCH,
            &format!("/api/v1/services/{water}"),
            json!({"name": "x"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["code"], "csrf_failed");
}

#[tokio::test]
async fn api_keys_act_within_their_scopes() {
    let world = World::new().await;
    world.subscriber(&world.tenant, "sub1").await;
    let water = world.service("ХВС", "metered").await;
    let reader = world
        .api_key(
            &world.tenant,
            PermissionSet::new([Permission::new(Resource::Services, Action::Read)]),
        )
        .await;
    assert_eq!(reader.get("/api/v1/services").await.status, StatusCode::OK);
    let refused = reader
        .send(
            Method::POST,
            "/api/v1/services",
            json!({"name": "x", "code": "x", "kind": "fixed", "tax_category": "exempt"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reader.get("/api/v1/subscribers/sub1/services").await.status,
        StatusCode::FORBIDDEN
    );

    let linker = world
        .api_key(
            &world.tenant,
            PermissionSet::new([
                Permission::new(Resource::Subscribers, Action::Update),
                Permission::new(Resource::Subscribers, Action::Read),
            ]),
        )
        .await;
    let started = linker
        .send(
            Method::POST,
            "/api/v1/service-links/bulk",
            json!({"service_id": water, "subscriber_ids": ["sub1"], "valid_from": "2026-01-01"}),
        )
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text);
    let job = started.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        linker.get(&format!("/api/v1/jobs/{job}")).await.status,
        StatusCode::OK
    );
    // The job's status needs what the job names (subscribers:read): hidden from the reader.
    assert_eq!(
        reader.get(&format!("/api/v1/jobs/{job}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Written by a key, audited as the key.
    let record = world.history("service", &water).await.remove(0);
    assert_eq!(record.action, "service.bulk_link");
    assert_eq!(record.actor.label(), "Интеграция 1С");
}

/// Another tenant's data, made through its own API.
struct Theirs {
    service: String,
    version: String,
    subscriber: String,
    link: String,
    job: String,
}

async fn their_data(world: &World, theirs: &Client, tenant: &crm_domain::TenantId) -> Theirs {
    let service = theirs
        .send(
            Method::POST,
            "/api/v1/services",
            json!({"name": "Их вода", "code": "ХВС", "kind": "metered", "tax_category": "exempt"}),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let future = format!("{}-07-01", chrono::Datelike::year(&chrono::Utc::now()) + 1);
    theirs
        .send(
            Method::POST,
            &format!("/api/v1/services/{service}/tariffs"),
            json!({"valid_from": "2026-01-01", "rate": "10"}),
        )
        .await;
    let version = theirs
        .send(
            Method::POST,
            &format!("/api/v1/services/{service}/tariffs"),
            json!({"valid_from": future, "rate": "11"}),
        )
        .await
        .json()["version"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    world.subscriber(tenant, "their-sub").await;
    let link = theirs
        .send(
            Method::POST,
            "/api/v1/subscribers/their-sub/services",
            json!({"service_id": service, "valid_from": "2026-01-01"}),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let job = theirs
        .send(Method::POST, "/api/v1/service-links/bulk", json!({"service_id": service, "subscriber_ids": ["their-sub"], "valid_from": "2030-01-01"}))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Theirs {
        service,
        version,
        subscriber: "their-sub".into(),
        link,
        job,
    }
}

fn fill(path: &str, ids: &Theirs) -> String {
    let subscriber_route = path.contains("/subscribers/");
    let job_route = path.contains("/jobs/");
    let id = if subscriber_route {
        &ids.subscriber
    } else if job_route {
        &ids.job
    } else {
        &ids.service
    };
    path.replace("{id}", id)
        .replace("{version}", &ids.version)
        .replace("{link}", &ids.link)
}

/// A body each route accepts, so what is checked is the id, not the body.
fn body_for(template: &str, own_service: &str) -> serde_json::Value {
    match template {
        "/api/v1/services/{id}" => json!({"name": "x"}),
        "/api/v1/services/{id}/tariffs" => json!({"valid_from": "2026-01-01", "rate": "1"}),
        "/api/v1/services/{id}/tariffs/{version}" => json!({"rate": "1"}),
        "/api/v1/subscribers/{id}/services" => {
            json!({"service_id": own_service, "valid_from": "2026-01-01"})
        }
        "/api/v1/subscribers/{id}/services/{link}" => json!({"valid_until": null}),
        "/api/v1/service-links/bulk" => {
            json!({"service_id": own_service, "subscriber_ids": ["x"], "valid_from": "2026-01-01"})
        }
        _ => json!({}),
    }
}

async fn call(
    client: &Client,
    method: &Method,
    template: &str,
    path: &str,
    own_service: &str,
) -> super::Answer {
    match (method.clone(), path.starts_with("/api/")) {
        (Method::GET, _) => client.get(path).await,
        (method, true) => {
            client
                .send(method, path, body_for(template, own_service))
                .await
        }
        (_, false) => {
            client
                .form(
                    path,
                    &[
                        ("service_id", own_service),
                        ("valid_from", "2026-01-01"),
                        ("rate", "1"),
                        ("name", "x"),
                        ("subscriber_ids", "x"),
                    ],
                )
                .await
        }
    }
}

#[tokio::test]
async fn every_catalogue_route_is_confined_to_its_tenant() {
    let world = World::new().await;
    let own_service = world.service("СВОЯ", "metered").await;
    let globex = tenants::create_tenant(world.services(), "globex").await;
    let theirs = world.user(&globex, "administrator").await;
    let ids = their_data(&world, &theirs, &globex).await;
    let before = theirs
        .get(&format!("/api/v1/services/{}/tariffs", ids.service))
        .await
        .json();

    let routes: Vec<_> = api::route_table()
        .into_iter()
        .filter(|r| is_catalogue_route(&r.path))
        .collect();
    for route in &routes {
        let path = fill(&route.path, &ids);
        // Our principal with their ids: as if they did not exist.
        if route.path.contains('{') {
            let answer = call(
                &world.admin,
                &route.method,
                &route.path,
                &path,
                &own_service,
            )
            .await;
            assert_eq!(
                answer.status,
                StatusCode::NOT_FOUND,
                "{} {path}: {}",
                route.method,
                answer.text
            );
        }
        // Our session on their host: not signed in there.
        let answer = call(
            &world.admin.on(&tenants::host(&globex)),
            &route.method,
            &route.path,
            &path,
            &own_service,
        )
        .await;
        if route.path.starts_with("/api/") {
            assert_eq!(
                answer.status,
                StatusCode::UNAUTHORIZED,
                "{} {path}",
                route.method
            );
        } else {
            assert_eq!(
                answer.status,
                StatusCode::SEE_OTHER,
                "{} {path}",
                route.method
            );
            assert!(
                answer.location().starts_with("/login"),
                "{} {path}",
                route.method
            );
        }
    }
    // Their service's id in our bulk request is not a service of ours.
    let bulk = world
        .admin
        .send(
            Method::POST,
            "/api/v1/service-links/bulk",
            json!({"service_id": ids.service, "subscriber_ids": ["x"], "valid_from": "2026-01-01"}),
        )
        .await;
    assert_eq!(bulk.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bulk.field_message("service_id").as_deref(),
        Some("Такой записи нет")
    );
    // Our API key on their host is refused outright.
    let key = world
        .api_key(
            &world.tenant,
            PermissionSet::new([Permission::new(Resource::Services, Action::Read)]),
        )
        .await;
    assert_eq!(
        key.on(&tenants::host(&globex))
            .get("/api/v1/services")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // Nothing of theirs changed.
    let after = theirs
        .get(&format!("/api/v1/services/{}/tariffs", ids.service))
        .await
        .json();
    assert_eq!(before, after);
    let their_service = theirs
        .get(&format!("/api/v1/services/{}", ids.service))
        .await
        .json();
    assert_eq!(their_service["name"], "Их вода");
    assert_eq!(their_service["archived"], false);
    let links = theirs
        .get("/api/v1/subscribers/their-sub/services")
        .await
        .json();
    assert_eq!(links["items"].as_array().unwrap().len(), 1);
    assert!(links["items"][0]["valid_until"].is_null());
    // And our own list does not show theirs.
    let ours = world.admin.get("/api/v1/services").await.json();
    assert_eq!(ours["items"].as_array().unwrap().len(), 1);
}

//! Who may use the subscriber, building and export routes, and that no tenant reaches another's.

use crm_domain::access::BuiltinRole;
use crm_web::access::{Access, RouteAccess};
use http::{Method, StatusCode};
use serde_json::json;

use crate::subscribers_support::{Env, ROLES, person};

fn ours(route: &RouteAccess) -> bool {
    // A subscriber's meters are the meters' (guarded by `meters:read`, tested in `meters`).
    if route.path.ends_with("/meters") {
        return false;
    }
    [
        "/api/v1/subscribers",
        "/api/v1/buildings",
        "/subscribers",
        "/buildings",
    ]
    .iter()
    .any(|prefix| route.path == *prefix || route.path.starts_with(&format!("{prefix}/")))
}

/// The route's path with real ids in it.
fn concrete(path: &str, subscriber: &str, building: &str) -> String {
    let id = if path.contains("/buildings") {
        building
    } else if path.contains("/exports/") {
        "t000000000000000000000000000000"
    } else {
        subscriber
    };
    path.replace("{id}", id)
}

#[tokio::test]
async fn every_route_answers_each_role_by_its_permission() {
    let env = Env::new("acme").await;
    let subscriber = env.create(person("Доступов", "Иван")).await;
    let subscriber = subscriber["id"].as_str().unwrap();
    let building = env
        .send(
            Some(env.admin()),
            Method::POST,
            "/api/v1/buildings",
            Some(json!({"address": {"city": "Тверь", "street": "Мира", "house": "1"}})),
        )
        .await
        .json();
    let building = building["id"].as_str().unwrap();
    let routes: Vec<RouteAccess> = api::route_table().into_iter().filter(ours).collect();
    assert!(routes.len() >= 25, "{routes:?}");
    for route in &routes {
        let Access::Tenant(permission) = route.access else {
            panic!(
                "{} {} is not guarded by a permission",
                route.method, route.path
            );
        };
        assert_eq!(
            permission.resource.as_str(),
            "subscribers",
            "{}",
            route.path
        );
        let uri = concrete(&route.path, subscriber, building);
        for role in ROLES {
            let allowed = BuiltinRole::parse(role)
                .unwrap()
                .permissions()
                .allows(permission);
            let body = (route.method != Method::GET).then(|| json!({}));
            let answer = env
                .send(Some(env.user(role)), route.method.clone(), &uri, body)
                .await;
            if allowed {
                assert!(
                    answer.status != StatusCode::FORBIDDEN
                        && answer.status != StatusCode::UNAUTHORIZED,
                    "{role} {} {uri}: {} {}",
                    route.method,
                    answer.status,
                    answer.text()
                );
            } else {
                assert_eq!(
                    answer.status,
                    StatusCode::FORBIDDEN,
                    "{role} {} {uri}",
                    route.method
                );
            }
        }
        let anonymous = env.send(None, route.method.clone(), &uri, None).await;
        assert!(
            anonymous.status == StatusCode::UNAUTHORIZED || anonymous.status.is_redirection(),
            "anonymous {} {uri}: {}",
            route.method,
            anonymous.status
        );
    }
}

#[tokio::test]
async fn viewers_read_operators_change_accountants_export() {
    let env = Env::new("acme").await;
    let post = |role: &'static str| {
        let env = &env;
        async move {
            env.send(
                Some(env.user(role)),
                Method::POST,
                "/api/v1/subscribers",
                Some(person("Ролев", role)),
            )
            .await
            .status
        }
    };
    assert_eq!(post("viewer").await, StatusCode::FORBIDDEN);
    assert_eq!(post("accountant").await, StatusCode::FORBIDDEN);
    assert_eq!(post("operator").await, StatusCode::CREATED);
    let created = env.create(person("Ролев", "Иван")).await;
    let id = created["id"].as_str().unwrap();
    let export = |role: &'static str| {
        let env = &env;
        async move {
            env.send(
                Some(env.user(role)),
                Method::GET,
                "/api/v1/subscribers/export?format=csv",
                None,
            )
            .await
            .status
        }
    };
    assert_eq!(export("viewer").await, StatusCode::FORBIDDEN);
    assert_eq!(export("operator").await, StatusCode::FORBIDDEN);
    assert_eq!(export("accountant").await, StatusCode::OK);
    let viewer_patch = env
        .send(
            Some(env.user("viewer")),
            Method::PATCH,
            &format!("/api/v1/subscribers/{id}"),
            Some(json!({"notes": "x"})),
        )
        .await;
    assert_eq!(viewer_patch.status, StatusCode::FORBIDDEN);
    let list = env.page(env.user("viewer"), "/subscribers").await.text();
    assert!(!list.contains("data-add-subscriber") && !list.contains("data-export"));
    let list = env.page(env.user("manager"), "/subscribers").await.text();
    assert!(list.contains("data-add-subscriber") && list.contains("data-export=\"xlsx\""));
}

#[tokio::test]
async fn no_tenant_reaches_another_tenants_subscribers() {
    let env = Env::new("alpha").await;
    let other = env.other_tenant("beta").await;
    let theirs = env.create(person("Альфин", "Иван")).await;
    let subscriber = theirs["id"].as_str().unwrap();
    let building = env
        .send(
            Some(env.admin()),
            Method::POST,
            "/api/v1/buildings",
            Some(json!({"address": {"city": "Тверь", "street": "Мира", "house": "1"}})),
        )
        .await
        .json();
    let building = building["id"].as_str().unwrap();

    for route in api::route_table().into_iter().filter(ours) {
        if !route.path.contains("{id}") {
            continue;
        }
        let uri = concrete(&route.path, subscriber, building);
        let answer = if route.method == Method::POST && !uri.starts_with("/api/") {
            let form = [("action", "close"), ("surname", "Бетин"), ("name", "Иван")];
            env.post_form_on(&other.host, &other.admin, &uri, &form)
                .await
        } else {
            let body = (route.method != Method::GET).then(|| json!({}));
            env.send_on(
                &other.host,
                Some(&other.admin),
                route.method.clone(),
                &uri,
                body,
            )
            .await
        };
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "beta's admin, {} {uri}: {}",
            route.method,
            answer.text()
        );
    }
    let beta_list = env
        .send_on(
            &other.host,
            Some(&other.admin),
            Method::GET,
            "/api/v1/subscribers?q=%D0%B0%D0%BB%D1%8C%D1%84",
            None,
        )
        .await;
    assert_eq!(beta_list.json()["items"], json!([]));
    let beta_buildings = env
        .send_on(
            &other.host,
            Some(&other.admin),
            Method::GET,
            "/api/v1/buildings",
            None,
        )
        .await;
    assert_eq!(beta_buildings.json()["items"], json!([]));

    // Alpha's session means nothing on beta's host.
    let api = env
        .send_on(
            &other.host,
            Some(env.admin()),
            Method::GET,
            "/api/v1/subscribers",
            None,
        )
        .await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    let card = env
        .send_on(
            &other.host,
            Some(env.admin()),
            Method::GET,
            &format!("/subscribers/{subscriber}"),
            None,
        )
        .await;
    assert_eq!(
        card.status,
        StatusCode::SEE_OTHER,
        "a browser is sent to sign in"
    );
    assert!(
        card.headers["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=")
    );

    // A cursor of alpha's list does not open beta's.
    for i in 0..3 {
        env.create(person("Альфин", &format!("Пётр{}", "а".repeat(i + 1))))
            .await;
    }
    let page = env
        .send(
            Some(env.admin()),
            Method::GET,
            "/api/v1/subscribers?limit=1",
            None,
        )
        .await
        .json();
    let cursor = page["next"].as_str().unwrap();
    let replayed = env
        .send_on(
            &other.host,
            Some(&other.admin),
            Method::GET,
            &format!("/api/v1/subscribers?limit=1&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(replayed.status, StatusCode::BAD_REQUEST);
    assert_eq!(replayed.json()["code"], "invalid_cursor");
}

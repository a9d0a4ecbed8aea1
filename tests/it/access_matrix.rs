//! Every role against every route, generated from the route tables: a route that needs a
//! permission answers 403 exactly to the roles (and API keys) without it, and anything but
//! 401/403 to the others. A new route is covered by being added: `AccessRouter` only takes
//! routes with an access, so none can be left out.

use std::collections::BTreeSet;

use crm_app::audit::Audit;
use crm_app::identity::Realm;
use crm_app::identity::api_keys;
use crm_domain::TenantId;
use crm_domain::access::{BuiltinRole, CentralRole, Permission, PermissionSet};
use crm_web::access::{Access, RouteAccess};
use crm_web::error_page::is_api_path;
use http::{Method, StatusCode};

use crate::support::embedded::Platform;
use crate::support::http::{Client, Reply};
use crate::support::identity::{PASSWORD, person, platform};
use crate::support::tenants;

/// A path with every `{param}` filled with an id that exists nowhere.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map_or(rest.len(), |e| start + e + 1);
        out.push_str("0dummy0id0");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Sends the route's method to its path as its clients would: JSON to the API, a form to
/// pages, with the CSRF header for cookie sessions.
async fn call(client: &mut Client, route: &RouteAccess, csrf: Option<&str>) -> Reply {
    let path = concrete(&route.path);
    let api = is_api_path(&route.path);
    let mut headers = vec![("accept", if api { "application/json" } else { "text/html" })];
    if let Some(token) = csrf {
        headers.push(("x-csrf-token", token));
    }
    let (content_type, body) = if route.method == Method::GET {
        (None, Vec::new())
    } else if api {
        (Some("application/json"), b"{}".to_vec())
    } else {
        (Some("application/x-www-form-urlencoded"), Vec::new())
    };
    client
        .send(route.method.clone(), &path, content_type, body, &headers)
        .await
}

fn label(route: &RouteAccess) -> String {
    format!("{} {}", route.method, route.path)
}

/// A fresh browser session of `account` (a new session per request, so routes that end
/// sessions cannot disturb the next request).
async fn session(
    platform: &Platform,
    tenant: Option<&TenantId>,
    account: &crm_app::identity::accounts::Account,
) -> (Client, String) {
    let signed = tenants::sign_in(&platform.services, tenant, account.clone()).await;
    let host = tenant.map_or_else(|| "localhost".to_owned(), tenants::host);
    (
        Client::new(platform.router(), &host).with_cookie(&signed.cookie),
        signed.csrf,
    )
}

#[tokio::test]
async fn every_builtin_role_against_every_tenant_route() {
    let platform = platform().await;
    let services = &platform.services;
    let tenant = tenants::create_tenant(services, "matrix").await;
    let mut checked = 0;
    for role in BuiltinRole::ALL {
        let account = person(
            services,
            &tenant,
            &format!("{}@matrix.example.ru", role.as_str()),
            role.as_str(),
        )
        .await;
        let permissions = role.permissions();
        for route in api::route_table() {
            let Access::Tenant(needed) = route.access else {
                continue;
            };
            let (mut client, csrf) = session(&platform, Some(&tenant), &account).await;
            let reply = call(&mut client, &route, Some(&csrf)).await;
            if permissions.allows(needed) {
                assert!(
                    !matches!(
                        reply.status,
                        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
                    ),
                    "{role:?} holds {needed} for {}: got {} {}",
                    label(&route),
                    reply.status,
                    reply.body
                );
            } else {
                assert_eq!(
                    reply.status,
                    StatusCode::FORBIDDEN,
                    "{role:?} lacks {needed}: {}",
                    label(&route)
                );
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 5 * 20,
        "only {checked} checks: is the table empty?"
    );
}

#[tokio::test]
async fn every_single_scope_api_key_against_every_tenant_route() {
    let platform = platform().await;
    let services = &platform.services;
    let tenant = tenants::create_tenant(services, "keys").await;
    let realm = Realm::tenant(services, &tenant);
    let table = api::route_table();
    let needed: BTreeSet<Permission> = table
        .iter()
        .filter_map(|r| match r.access {
            Access::Tenant(p) => Some(p),
            _ => None,
        })
        .collect();
    for scope in &needed {
        let (_, token) = api_keys::create(
            &realm,
            &PermissionSet::all(),
            "matrix",
            PermissionSet::new([*scope]),
            &Audit::system("test"),
        )
        .await
        .expect("key");
        let mut client =
            Client::new(platform.router(), &tenants::host(&tenant)).with_bearer(&token);
        for route in &table {
            let Access::Tenant(p) = route.access else {
                continue;
            };
            let reply = call(&mut client, route, None).await;
            if p == *scope {
                assert!(
                    !matches!(
                        reply.status,
                        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
                    ),
                    "a key scoped {scope} on {}: {} {}",
                    label(route),
                    reply.status,
                    reply.body
                );
            } else {
                assert_eq!(
                    reply.status,
                    StatusCode::FORBIDDEN,
                    "a key scoped {scope} on {}",
                    label(route)
                );
            }
        }
    }
}

#[tokio::test]
async fn every_central_role_against_every_central_route() {
    let platform = platform().await;
    let services = &platform.services;
    let mut checked = 0;
    for role in CentralRole::ALL {
        let account = tenants::create_account(
            services,
            None,
            &format!("{}@crm.example.ru", role.as_str()),
            role.as_str(),
            PASSWORD,
        )
        .await;
        for route in central::route_table() {
            let Access::Central(needed) = route.access else {
                continue;
            };
            let (mut client, csrf) = session(&platform, None, &account).await;
            let reply = call(&mut client, &route, Some(&csrf)).await;
            if role.allows(needed) {
                assert!(
                    !matches!(
                        reply.status,
                        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
                    ),
                    "{role:?} may {needed:?} on {}: {} {}",
                    label(&route),
                    reply.status,
                    reply.body
                );
            } else {
                assert_eq!(
                    reply.status,
                    StatusCode::FORBIDDEN,
                    "{role:?} may not {needed:?}: {}",
                    label(&route)
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 3 * 10, "only {checked} checks");
}

#[tokio::test]
async fn members_reach_member_routes_whatever_their_role() {
    let platform = platform().await;
    let services = &platform.services;
    let tenant = tenants::create_tenant(services, "members").await;
    let viewer = person(services, &tenant, "viewer@members.example.ru", "viewer").await;
    for route in api::route_table() {
        if route.access != Access::TenantMember {
            continue;
        }
        let (mut client, csrf) = session(&platform, Some(&tenant), &viewer).await;
        let reply = call(&mut client, &route, Some(&csrf)).await;
        assert!(
            !matches!(
                reply.status,
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
            ),
            "{}: {} {}",
            label(&route),
            reply.status,
            reply.body
        );
    }
    let staff =
        tenants::create_account(services, None, "ro@crm.example.ru", "read_only", PASSWORD).await;
    for route in central::route_table() {
        if route.access != Access::Staff {
            continue;
        }
        let (mut client, csrf) = session(&platform, None, &staff).await;
        let reply = call(&mut client, &route, Some(&csrf)).await;
        assert!(
            !matches!(
                reply.status,
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
            ),
            "{}",
            label(&route)
        );
    }
}

#[tokio::test]
async fn without_a_principal_programs_get_401_and_browsers_the_sign_in_page() {
    let platform = platform().await;
    let tenant = tenants::create_tenant(&platform.services, "anon").await;
    let tables = [
        (api::route_table(), tenants::host(&tenant), "/login"),
        (
            central::route_table(),
            "localhost".to_owned(),
            "/central/login",
        ),
    ];
    for (table, host, login) in tables {
        for route in table {
            if matches!(
                route.access,
                Access::Public | Access::PublicForm | Access::Webhook
            ) {
                continue;
            }
            let mut client = Client::new(platform.router(), &host);
            let reply = call(&mut client, &route, None).await;
            if is_api_path(&route.path) {
                assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", label(&route));
                assert_eq!(reply.json()["code"], "unauthenticated");
            } else {
                assert_eq!(
                    reply.status,
                    StatusCode::SEE_OTHER,
                    "{}: {}",
                    label(&route),
                    reply.body
                );
                assert!(
                    reply.location().starts_with(&format!("{login}?next=")),
                    "{}: {}",
                    label(&route),
                    reply.location()
                );
            }
        }
    }
}

/// Routes anyone may call are few and known; a new one has to be added here on purpose.
#[test]
fn public_routes_are_only_the_known_ones() {
    let allowed = [
        "/api/v1/health",
        "/central/api/v1/health",
        "/login",
        "/login/second-factor",
        "/password/forgot",
        "/password/reset/{token}",
        "/invite/{token}",
        "/impersonate/{token}",
        // The tenant's logo appears on its sign-in page, before anyone signs in.
        "/branding/logo",
    ];
    for route in api::route_table().into_iter().chain(central::route_table()) {
        if matches!(route.access, Access::Public | Access::PublicForm) {
            let path = route
                .path
                .strip_prefix("/central")
                .filter(|p| p.starts_with('/') && !p.starts_with("/api"))
                .unwrap_or(&route.path);
            assert!(
                allowed.contains(&path),
                "{} {} is public: intended?",
                route.method,
                route.path
            );
        }
    }
}

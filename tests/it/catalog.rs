//! The service catalogue end to end on the embedded platform: services, tariffs, links, bulk
//! links, pages, permissions and tenant isolation.

pub mod access;
mod api;
mod bulk;
mod demo;
mod links;
mod pages;
mod tariffs;

use axum::Router;
use axum::body::Body;
use crm_app::Services;
use crm_app::identity::api_keys::ApiKey;
use crm_app::keys::{self, Namespace};
use crm_app::store::{Body as ItemBody, Condition, Item, Put};
use crm_domain::TenantId;
use crm_domain::access::PermissionSet;
use http::{HeaderMap, Method, Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support::embedded::Platform;
use crate::support::tenants;

/// Requests to one tenant's host as one principal.
#[derive(Clone)]
pub struct Client {
    router: Router,
    host: String,
    cookie: Option<String>,
    csrf: Option<String>,
    bearer: Option<String>,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// The message of `field` in a 422 problem.
    pub fn field_message(&self, field: &str) -> Option<String> {
        self.json()["errors"]
            .as_array()?
            .iter()
            .find(|e| e["field"] == field)
            .and_then(|e| e["message"].as_str().map(str::to_owned))
    }

    pub fn location(&self) -> String {
        self.headers["location"]
            .to_str()
            .unwrap_or_default()
            .to_owned()
    }
}

impl Client {
    /// The same principal asking for English (the language cookie).
    pub fn english(&self) -> Client {
        self.with_cookie("lang=en")
    }

    /// The same principal with one more cookie (`name=value`).
    pub fn with_cookie(&self, pair: &str) -> Client {
        let cookie = match &self.cookie {
            Some(cookie) => format!("{cookie}; {pair}"),
            None => pair.to_owned(),
        };
        Client {
            cookie: Some(cookie),
            ..self.clone()
        }
    }

    pub fn on(&self, host: &str) -> Client {
        Client {
            host: host.to_owned(),
            ..self.clone()
        }
    }

    pub async fn request(
        &self,
        method: Method,
        uri: &str,
        content_type: Option<&str>,
        body: Body,
    ) -> Answer {
        let mut request = Request::builder()
            .method(method.clone())
            .uri(uri)
            .header("host", &self.host);
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        if let (Some(csrf), false) = (&self.csrf, method == Method::GET) {
            request = request.header("x-csrf-token", csrf);
        }
        if let Some(token) = &self.bearer {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(body).expect("request"))
            .await
            .expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 22)
            .await
            .expect("body");
        Answer {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, uri: &str) -> Answer {
        self.request(Method::GET, uri, None, Body::empty()).await
    }

    pub async fn send(&self, method: Method, uri: &str, body: Value) -> Answer {
        self.request(
            method,
            uri,
            Some("application/json"),
            Body::from(body.to_string()),
        )
        .await
    }

    pub async fn raw(&self, method: Method, uri: &str, body: &'static str) -> Answer {
        self.request(method, uri, Some("application/json"), Body::from(body))
            .await
    }

    pub async fn delete(&self, uri: &str) -> Answer {
        self.request(Method::DELETE, uri, None, Body::empty()).await
    }

    /// A form post as a browser sends it (the CSRF token in the form).
    pub async fn form(&self, uri: &str, fields: &[(&str, &str)]) -> Answer {
        let mut pairs: Vec<(&str, &str)> = fields.to_vec();
        if let Some(csrf) = &self.csrf {
            pairs.push(("_csrf", csrf));
        }
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.request(
            Method::POST,
            uri,
            Some("application/x-www-form-urlencoded"),
            Body::from(body),
        )
        .await
    }
}

/// A platform with tenant `acme` and its administrator signed in.
pub struct World {
    pub platform: Platform,
    pub tenant: TenantId,
    pub admin: Client,
}

impl World {
    pub async fn new() -> World {
        Self::with_tenant("acme").await
    }

    pub async fn with_tenant(id: &str) -> World {
        let mut platform = Platform::start().await;
        platform.services.password_cost = crm_app::identity::password::HashCost::FOR_TESTS;
        let tenant = tenants::create_tenant(&platform.services, id).await;
        let mut world = World {
            admin: Client {
                router: platform.router(),
                host: tenants::host(&tenant),
                cookie: None,
                csrf: None,
                bearer: None,
            },
            platform,
            tenant: tenant.clone(),
        };
        world.admin = world.user(&tenant, "administrator").await;
        world
    }

    pub fn services(&self) -> &Services {
        &self.platform.services
    }

    /// A signed-in user of `tenant` with a built-in `role`.
    pub async fn user(&self, tenant: &TenantId, role: &str) -> Client {
        let email = format!("{role}-{}@example.ru", self.services().ids.new_id());
        let account =
            tenants::create_account(self.services(), Some(tenant), &email, role, "пароль-123")
                .await;
        let signed = tenants::sign_in(self.services(), Some(tenant), account).await;
        Client {
            router: self.platform.router(),
            host: tenants::host(tenant),
            cookie: Some(signed.cookie),
            csrf: Some(signed.csrf),
            bearer: None,
        }
    }

    /// An API key of `tenant` with `scopes`, used on its host.
    pub async fn api_key(&self, tenant: &TenantId, scopes: PermissionSet) -> Client {
        let services = self.services();
        let (key, token) = ApiKey::issue(
            tenant,
            services.ids.new_id(),
            "Интеграция 1С".into(),
            scopes,
            "test".into(),
            services.clock.now(),
        );
        services
            .db
            .tenant(tenant)
            .put(Put {
                item: key.to_item(&Namespace::tenant(tenant)),
                condition: Condition::MustNotExist,
            })
            .await
            .expect("api key stored");
        Client {
            router: self.platform.router(),
            host: tenants::host(tenant),
            cookie: None,
            csrf: None,
            bearer: Some(token),
        }
    }

    /// A minimal subscriber profile at the subscriber contract's key (until subscribers land).
    pub async fn subscriber(&self, tenant: &TenantId, id: &str) {
        let mut body = ItemBody::new();
        body.insert("id".into(), json!(id));
        self.services()
            .db
            .tenant(tenant)
            .put(Put {
                item: Item::new(
                    keys::subscriber_profile(&Namespace::tenant(tenant), id),
                    body,
                ),
                condition: Condition::None,
            })
            .await
            .expect("subscriber profile");
    }

    /// Creates a service through the API and returns its id.
    pub async fn service(&self, code: &str, kind: &str) -> String {
        let answer = self
            .admin
            .send(
                Method::POST,
                "/api/v1/services",
                json!({"name": format!("Услуга {code}"), "code": code, "kind": kind, "tax_category": "exempt"}),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        answer.json()["id"].as_str().expect("id").to_owned()
    }

    /// Adds a flat tariff version through the API.
    pub async fn flat_version(&self, service: &str, from: &str, rate: &str) -> Answer {
        self.admin
            .send(
                Method::POST,
                &format!("/api/v1/services/{service}/tariffs"),
                json!({"valid_from": from, "rate": rate}),
            )
            .await
    }

    /// Audit records of an entity, newest first.
    pub async fn history(&self, entity_type: &str, id: &str) -> Vec<crm_app::audit::AuditRecord> {
        crm_app::catalog::history::of_entity(
            &self.services().db.tenant(&self.tenant),
            entity_type,
            id,
            200,
            None,
        )
        .await
        .expect("history")
        .0
    }
}

//! A tenant with signed-in users of every role, and requests against the platform's router,
//! for the subscriber, search and export tests.

use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use crm_app::identity::password::HashCost;
use crm_domain::TenantId;
use http::{HeaderMap, Method, Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support::embedded::Platform;
use crate::support::tenants::{self, SignedIn};

pub const ROLES: [&str; 5] = [
    "administrator",
    "manager",
    "operator",
    "accountant",
    "viewer",
];

pub struct Env {
    pub platform: Platform,
    pub router: Router,
    pub tenant: TenantId,
    pub host: String,
    pub users: HashMap<&'static str, SignedIn>,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Env {
    /// A platform with tenant `id` and one signed-in user per built-in role.
    pub async fn new(id: &str) -> Env {
        let mut platform = Platform::start().await;
        platform.services.password_cost = HashCost::FOR_TESTS;
        Self::with_platform(platform, id).await
    }

    pub async fn with_platform(platform: Platform, id: &str) -> Env {
        let tenant = tenants::create_tenant(&platform.services, id).await;
        let mut users = HashMap::new();
        for role in ROLES {
            let account = tenants::create_account(
                &platform.services,
                Some(&tenant),
                &format!("{role}@{id}.example.ru"),
                role,
                "a long test password",
            )
            .await;
            users.insert(
                role,
                tenants::sign_in(&platform.services, Some(&tenant), account).await,
            );
        }
        let router = platform.router();
        Env {
            host: tenants::host(&tenant),
            platform,
            router,
            tenant,
            users,
        }
    }

    pub fn admin(&self) -> &SignedIn {
        &self.users["administrator"]
    }

    pub fn user(&self, role: &str) -> &SignedIn {
        &self.users[role]
    }

    /// A request on this tenant's host as `who` (cookie and CSRF header).
    pub async fn send(
        &self,
        who: Option<&SignedIn>,
        method: Method,
        uri: &str,
        body: Option<Value>,
    ) -> Answer {
        self.send_on(&self.host, who, method, uri, body).await
    }

    pub async fn send_on(
        &self,
        host: &str,
        who: Option<&SignedIn>,
        method: Method,
        uri: &str,
        body: Option<Value>,
    ) -> Answer {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", host);
        if let Some(who) = who {
            request = request
                .header("cookie", &who.cookie)
                .header("x-csrf-token", &who.csrf);
        }
        let request = match body {
            Some(body) => request
                .header("content-type", "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        }
        .expect("request");
        self.answer(request).await
    }

    /// A form post as a browser sends it.
    pub async fn post_form(&self, who: &SignedIn, uri: &str, pairs: &[(&str, &str)]) -> Answer {
        self.post_form_on(&self.host, who, uri, pairs).await
    }

    pub async fn post_form_on(
        &self,
        host: &str,
        who: &SignedIn,
        uri: &str,
        pairs: &[(&str, &str)],
    ) -> Answer {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .append_pair("_csrf", &who.csrf)
            .finish();
        let request = Request::post(uri)
            .header("host", host)
            .header("cookie", &who.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html")
            .body(Body::from(body))
            .expect("request");
        self.answer(request).await
    }

    /// A page as a browser asks for it.
    pub async fn page(&self, who: &SignedIn, uri: &str) -> Answer {
        let request = Request::get(uri)
            .header("host", &self.host)
            .header("cookie", &who.cookie)
            .header("accept", "text/html")
            .body(Body::empty())
            .expect("request");
        self.answer(request).await
    }

    async fn answer(&self, request: Request<Body>) -> Answer {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), 64 << 20)
            .await
            .expect("body");
        Answer {
            status,
            headers,
            body,
        }
    }

    /// Creates a subscriber through the API as the administrator; panics unless 201.
    pub async fn create(&self, body: Value) -> Value {
        let answer = self
            .send(
                Some(self.admin()),
                Method::POST,
                "/api/v1/subscribers",
                Some(body),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
        answer.json()
    }

    /// Every page of a list, following `next`.
    pub async fn all_pages(&self, uri: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page_uri = match &cursor {
                Some(c) => format!(
                    "{uri}{}cursor={c}",
                    if uri.contains('?') { "&" } else { "?" }
                ),
                None => uri.to_owned(),
            };
            let answer = self
                .send(Some(self.admin()), Method::GET, &page_uri, None)
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
            let page = answer.json();
            items.extend(page["items"].as_array().cloned().unwrap_or_default());
            match page["next"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return items,
            }
        }
    }
}

/// A person living at a Tver address: the smallest valid subscriber body.
pub fn person(surname: &str, name: &str) -> Value {
    json!({
        "surname": surname,
        "name": name,
        "address": {"city": "Тверь", "street": "ул. Советская", "house": "1", "flat": "1"},
    })
}

/// Percent-encodes a query value.
pub fn q(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Another tenant on the same platform, with its administrator signed in.
pub struct Other {
    pub host: String,
    pub admin: SignedIn,
}

impl Env {
    pub async fn other_tenant(&self, id: &str) -> Other {
        let services = &self.platform.services;
        let tenant = tenants::create_tenant(services, id).await;
        let account = tenants::create_account(
            services,
            Some(&tenant),
            &format!("admin@{id}.example.ru"),
            "administrator",
            "a long test password",
        )
        .await;
        Other {
            host: tenants::host(&tenant),
            admin: tenants::sign_in(services, Some(&tenant), account).await,
        }
    }
}

//! A small browser for router tests: a cookie jar, a host, form posts with CSRF tokens read
//! from the pages, and the answers as text.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Body;
use http::{Method, Request, StatusCode, header};
use tower::ServiceExt;

/// One answer: status, headers and body as text.
pub struct Reply {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Reply {
    /// Where a redirect points.
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The first `_csrf` value in the page's forms.
    pub fn csrf(&self) -> String {
        form_value(&self.body, "_csrf").unwrap_or_else(|| panic!("no CSRF field in {}", self.body))
    }
}

/// The value of the first hidden or text input named `name`.
pub fn form_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].replace("&#38;", "&").replace("&amp;", "&"))
}

/// A browser (or API client) on one host.
#[derive(Clone)]
pub struct Client {
    router: Router,
    pub host: String,
    pub cookies: BTreeMap<String, String>,
    pub bearer: Option<String>,
}

impl Client {
    pub fn new(router: Router, host: &str) -> Self {
        Self {
            router,
            host: host.to_owned(),
            cookies: BTreeMap::new(),
            bearer: None,
        }
    }

    /// The same cookies on another host (a stolen cookie replayed elsewhere).
    pub fn on_host(&self, host: &str) -> Self {
        Self {
            host: host.to_owned(),
            ..self.clone()
        }
    }

    /// Sets a cookie from a `name=value` pair.
    pub fn with_cookie(mut self, pair: &str) -> Self {
        if let Some((name, value)) = pair.split_once('=') {
            self.cookies.insert(name.to_owned(), value.to_owned());
        }
        self
    }

    pub fn with_bearer(mut self, token: &str) -> Self {
        self.bearer = Some(token.to_owned());
        self
    }

    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
        extra: &[(&str, &str)],
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, &self.host);
        if !self.cookies.is_empty() {
            let cookie = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(token) = &self.bearer {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(Body::from(body)).expect("request"))
            .await
            .expect("response");
        for value in response.headers().get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap_or("");
            let pair = text.split(';').next().unwrap_or("");
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || text.contains("Max-Age=0") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 8 << 20)
            .await
            .expect("body");
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.send(Method::GET, path, None, Vec::new(), &[]).await
    }

    /// A GET asking for JSON (API clients).
    pub async fn get_json(&mut self, path: &str) -> Reply {
        self.send(
            Method::GET,
            path,
            None,
            Vec::new(),
            &[("accept", "application/json")],
        )
        .await
    }

    /// Posts a form as a browser does.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.send(
            Method::POST,
            path,
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
            &[],
        )
        .await
    }

    /// Sends JSON (with the session's CSRF token in the header when one is given).
    pub async fn json(
        &mut self,
        method: Method,
        path: &str,
        body: &serde_json::Value,
        csrf: Option<&str>,
    ) -> Reply {
        let mut extra = vec![("accept", "application/json")];
        if let Some(token) = csrf {
            extra.push(("x-csrf-token", token));
        }
        self.send(
            method,
            path,
            Some("application/json"),
            serde_json::to_vec(body).expect("json"),
            &extra,
        )
        .await
    }

    /// Opens a public form page and submits it with its own CSRF token.
    pub async fn fill(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Reply {
        let form = self.get(page).await;
        assert_eq!(form.status, StatusCode::OK, "{page}: {}", form.body);
        let csrf = form.csrf();
        let mut all = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(action, &all).await
    }

    /// Signs in through the login form; returns the final answer of the form post.
    pub async fn log_in(&mut self, login_path: &str, email: &str, password: &str) -> Reply {
        self.fill(
            login_path,
            login_path,
            &[("email", email), ("password", password)],
        )
        .await
    }
}

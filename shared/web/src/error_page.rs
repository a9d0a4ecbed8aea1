//! One error type for both audiences: a [`Problem`] is answered as problem+json to API clients
//! and as an HTML page in the layout to browsers.
//!
//! API requests are those under `/api/`, `/central/api/` or `/webhooks/`, or that accept JSON;
//! everything else is a browser. Handlers either extract [`ErrorFormat`] and call
//! [`ErrorFormat::respond`], or just return `Problem`: [`middleware`] (installed by
//! `serve::finish`) turns problem+json answers to browsers into the HTML page.

use std::convert::Infallible;

use askama::Template;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::i18n::{Lang, Texts};
use crate::problem::{self, Problem};
use crate::ui::{Chrome, Page};

/// Problem bodies bigger than this are passed through untouched (ours are tiny).
const MAX_PROBLEM_BYTES: usize = 64 * 1024;

/// How this request wants its errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorFormat {
    ProblemJson,
    /// An HTML page in this language; `current` is where the language switch comes back to.
    Html {
        lang: Lang,
        current: String,
    },
}

/// Paths whose clients are programs.
pub fn is_api_path(path: &str) -> bool {
    ["/api", "/central/api", "/webhooks"]
        .iter()
        .any(|prefix| path == *prefix || path.starts_with(&format!("{prefix}/")))
}

fn accepts_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|media| media.split(';').next().unwrap_or("").trim())
        .any(|media| media == "application/json" || media == problem::CONTENT_TYPE)
}

impl ErrorFormat {
    pub fn from_parts(parts: &Parts) -> ErrorFormat {
        if is_api_path(parts.uri.path()) || accepts_json(&parts.headers) {
            ErrorFormat::ProblemJson
        } else {
            let chrome = Chrome::from_parts(parts);
            ErrorFormat::Html {
                lang: chrome.lang,
                current: chrome.current,
            }
        }
    }

    /// The problem as this request wants it.
    pub fn respond(&self, mut problem: Problem) -> Response {
        match self {
            ErrorFormat::ProblemJson => problem.into_response(),
            ErrorFormat::Html { lang, current } => {
                if problem.request_id.is_none() {
                    problem.request_id = crate::request_id::current();
                }
                let mut chrome = Chrome::new(*lang);
                chrome.current.clone_from(current);
                error_page(chrome, &problem)
            }
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ErrorFormat {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ErrorFormat::from_parts(parts))
    }
}

/// The body of an error page.
#[derive(Template)]
#[template(path = "pages/error.html")]
pub struct ErrorContent {
    pub t: &'static Texts,
    pub text: &'static str,
    pub request_id: Option<String>,
}

/// The HTML page for `problem`: its status, a title and text for the kind of failure (never
/// the problem's own detail, which is written for developers), and the request id.
pub fn error_page(chrome: Chrome, problem: &Problem) -> Response {
    let t = chrome.t;
    let (title, text) = match (problem.status, problem.code.as_str()) {
        (404, "unknown_host") => (t.unknown_host_title, t.unknown_host_text),
        (403, _) => (t.error_403_title, t.error_403_text),
        (404, _) => (t.error_404_title, t.error_404_text),
        (500.., _) => (t.error_500_title, t.error_500_text),
        _ => (t.error_other_title, t.error_other_text),
    };
    // Only 5xx pages need the id: that is what support asks for.
    let request_id = (problem.status >= 500)
        .then(|| problem.request_id.clone())
        .flatten();
    let page = Page::new(
        chrome,
        title,
        ErrorContent {
            t,
            text,
            request_id,
        },
    );
    (problem.status_code(), page).into_response()
}

#[derive(Deserialize)]
struct ProblemFields {
    status: u16,
    code: String,
    request_id: Option<String>,
}

/// Turns problem+json answers to browser requests into the HTML error page.
pub async fn middleware(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let format = ErrorFormat::from_parts(&parts);
    let response = next.run(Request::from_parts(parts, body)).await;
    if format == ErrorFormat::ProblemJson
        || response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_none_or(|v| v.as_bytes() != problem::CONTENT_TYPE.as_bytes())
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PROBLEM_BYTES).await else {
        tracing::warn!("problem body unreadable or too large for an HTML error page");
        return (StatusCode::INTERNAL_SERVER_ERROR, Body::empty()).into_response();
    };
    let Ok(fields) = serde_json::from_slice::<ProblemFields>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let mut problem = Problem::new(parts.status, &fields.code, "");
    problem.status = fields.status;
    problem.request_id = fields.request_id;
    let html = format.respond(problem);
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    let (html_parts, html_body) = html.into_parts();
    parts.headers.extend(html_parts.headers);
    Response::from_parts(parts, html_body)
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::http::Request;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    async fn get_page(
        app: Router,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, String, String) {
        let mut request = Request::get(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = app
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let content_type = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (
            status,
            content_type,
            String::from_utf8(bytes.to_vec()).unwrap(),
        )
    }

    fn app() -> Router {
        Router::new()
            .route("/forbidden", get(|| async { Problem::forbidden() }))
            .route("/api/v1/forbidden", get(|| async { Problem::forbidden() }))
            .route("/host", get(|| async { Problem::unknown_host() }))
            .route(
                "/boom",
                get(|| async { Problem::internal().detail("secret stack") }),
            )
            .fallback(|format: ErrorFormat| async move { format.respond(Problem::not_found()) })
            .layer(axum::middleware::from_fn(middleware))
    }

    #[test]
    fn api_paths() {
        assert!(is_api_path("/api/v1/health"));
        assert!(is_api_path("/central/api/v1/tenants"));
        assert!(is_api_path("/webhooks/yookassa"));
        assert!(!is_api_path("/apiary"));
        assert!(!is_api_path("/ui/components"));
        assert!(!is_api_path("/"));
    }

    #[tokio::test]
    async fn browsers_get_html_in_their_language() {
        let (status, content_type, body) =
            get_page(app(), "/nowhere", &[("accept", "text/html")]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert!(body.contains(r#"<html lang="ru">"#));
        assert!(body.contains("Страница не найдена"));
        assert!(
            !body.contains("navbar-menu"),
            "no navigation without a user"
        );

        let (_, _, body) = get_page(app(), "/nowhere", &[("accept-language", "en-GB")]).await;
        assert!(body.contains(r#"<html lang="en">"#) && body.contains("Page not found"));

        let (status, _, body) = get_page(app(), "/forbidden", &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(body.contains("Доступ запрещён"));

        let (status, _, body) = get_page(app(), "/host", &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(body.contains("Неизвестный адрес"));
    }

    #[tokio::test]
    async fn internal_errors_show_the_request_id_and_nothing_else() {
        let app = app().layer(axum::middleware::from_fn(crate::request_id::middleware));
        let (status, _, body) = get_page(app, "/boom", &[("x-request-id", "req-browser-1")]).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body.contains("Внутренняя ошибка"));
        assert!(body.contains("req-browser-1"), "the id to quote");
        assert!(!body.contains("secret stack"));
    }

    #[tokio::test]
    async fn api_clients_get_problem_json() {
        let (status, content_type, body) = get_page(app(), "/api/v1/forbidden", &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(content_type, problem::CONTENT_TYPE);
        assert!(body.contains(r#""code":"forbidden""#));

        let (status, content_type, _) =
            get_page(app(), "/nowhere", &[("accept", "application/json")]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(content_type, problem::CONTENT_TYPE);

        let (_, content_type, _) = get_page(
            app(),
            "/forbidden",
            &[("accept", "application/problem+json")],
        )
        .await;
        assert_eq!(content_type, problem::CONTENT_TYPE);
    }
}

//! Serving a function's OpenAPI document and its rendered reference page.

use axum::Router;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use utoipa::openapi::OpenApi;

use crate::assets;

/// `GET <json_path>` answers the document; `GET <page_path>` renders it with the vendored Redoc.
#[expect(
    clippy::needless_pass_by_value,
    reason = "callers hand over the document they built; a reference would only add a `&` at each"
)]
pub fn routes<S: Clone + Send + Sync + 'static>(
    doc: OpenApi,
    json_path: &'static str,
    page_path: &'static str,
) -> Router<S> {
    let json = doc.to_pretty_json().unwrap_or_else(|_| "{}".to_owned());
    let title = html_escape(&doc.info.title);
    let page = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
</head>
<body>
<redoc spec-url="{json_path}" hide-download-button="false"></redoc>
<script src="{script}"></script>
</body>
</html>
"#,
        script = assets::url("redoc.standalone.js"),
    );
    Router::new()
        .route(
            json_path,
            get(move || {
                let json = json.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        json,
                    )
                        .into_response()
                }
            }),
        )
        .route(
            page_path,
            get(move || {
                let page = page.clone();
                async move { Html(page) }
            }),
        )
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

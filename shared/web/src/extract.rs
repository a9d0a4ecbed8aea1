//! Extractors whose rejections are problem+json like every other API error, instead of axum's
//! plain-text defaults.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};

use crate::problem::Problem;

/// `axum::Json` with problem+json rejections (`invalid_json`, `unsupported_media_type`).
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(Problem))]
pub struct Json<T>(pub T);

/// `axum::extract::Query` with problem+json rejections (`invalid_query`).
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Problem))]
pub struct Query<T>(pub T);

impl From<JsonRejection> for Problem {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => Problem::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported media type",
            )
            .detail("send the body as JSON with `Content-Type: application/json`"),
            // serde's message names the field and position (`missing field `name` at line 1`);
            // a well-formed body with wrong fields is 422, broken JSON 400, as axum decides.
            other => {
                let status = other.status();
                Problem::new(status, "invalid_json", "Invalid JSON body").detail(other.body_text())
            }
        }
    }
}

impl From<QueryRejection> for Problem {
    fn from(rejection: QueryRejection) -> Self {
        Problem::bad_request("invalid_query", rejection.body_text())
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::post;
    use serde::Deserialize;
    use tower::ServiceExt;

    use super::Json;

    #[derive(Deserialize)]
    struct Payment {
        #[expect(dead_code, reason = "only its parsing is under test")]
        amount: String,
    }

    async fn post_body(
        content_type: Option<&str>,
        body: &'static str,
    ) -> (StatusCode, serde_json::Value) {
        let router = Router::new().route("/pay", post(|Json(_): Json<Payment>| async { "ok" }));
        let mut request = Request::post("/pay");
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = router
            .oneshot(request.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = response.status();
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn a_missing_field_is_named() {
        let (status, problem) = post_body(Some("application/json"), r#"{"amnt":"1"}"#).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["code"], "invalid_json");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("missing field `amount`"),
            "{problem}"
        );
    }

    #[tokio::test]
    async fn broken_json_and_wrong_content_type() {
        let (status, problem) = post_body(Some("application/json"), "{not json").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(problem["code"], "invalid_json");
        let (status, problem) = post_body(None, "{}").await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(problem["code"], "unsupported_media_type");
    }
}

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
            // serde's message names the field and position (`missing field `name` at line 1`).
            other => Problem::bad_request("invalid_json", other.body_text()),
        }
    }
}

impl From<QueryRejection> for Problem {
    fn from(rejection: QueryRejection) -> Self {
        Problem::bad_request("invalid_query", rejection.body_text())
    }
}

//! RFC 9457 problem details (`application/problem+json`), the one error shape of every API.
//!
//! Each problem has a stable machine-readable `code`; clients branch on it, never on `title` or
//! `detail`. Unexpected errors become an opaque 500 that carries only the request id; the cause
//! is logged once, server-side.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub const CONTENT_TYPE: &str = "application/problem+json";

/// One invalid input field and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// Path of the field in the request (`address.city`, `rows[3].amount`).
    pub field: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem kind (`urn:crm:problem:<code>`).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable code for programs (`not_found`, `validation_failed`, `invalid_cursor`).
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, title: &str) -> Self {
        Self {
            kind: format!("urn:crm:problem:{code}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: None,
            code: code.to_owned(),
            request_id: None,
            errors: Vec::new(),
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn field_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Not found")
    }

    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden")
    }

    /// The Host header names no tenant, or a domain not verified yet.
    pub fn unknown_host() -> Self {
        Self::new(StatusCode::NOT_FOUND, "unknown_host", "Unknown host")
    }

    pub fn bad_request(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, "Bad request").detail(detail)
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "Some fields are invalid",
        )
        .field_errors(errors)
    }

    pub fn conflict(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, "Conflict").detail(detail)
    }

    /// The opaque answer to an unexpected failure. Log the cause before returning this.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Internal error",
        )
        .detail("Something went wrong on our side. Quote the request id when reporting it.")
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
        )
        .detail(detail)
    }

    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(mut self) -> Response {
        if self.request_id.is_none() {
            self.request_id = crate::request_id::current();
        }
        let status = self.status_code();
        let mut response = (status, Json(self)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        response
    }
}

/// How port errors reach clients. Business rules map their own errors to specific codes; these
/// are the generic outcomes.
impl From<crm_app::store::StoreError> for Problem {
    fn from(error: crm_app::store::StoreError) -> Self {
        use crm_app::store::StoreError as E;
        match error {
            E::InvalidCursor(reason) => Problem::bad_request(
                "invalid_cursor",
                format!("the cursor is not valid: {reason}"),
            ),
            E::ConditionFailed { .. } | E::TransactionCancelled { .. } | E::TransactionConflict => {
                Problem::conflict(
                    "conflict",
                    "the record was changed by someone else; reload and try again",
                )
            }
            // Another tenant's key is answered like a missing record: nothing about it leaks.
            E::ForeignKey { .. } => Problem::not_found(),
            E::Unavailable(reason) => {
                tracing::warn!(%reason, "store unavailable");
                Problem::unavailable("storage is unavailable, try again shortly")
            }
            other => {
                tracing::error!(error = %other, "store failure");
                Problem::internal()
            }
        }
    }
}

#[cfg(test)]
mod store_error_tests {
    use axum::http::StatusCode;
    use crm_app::store::{Key, StoreError};

    use super::Problem;

    #[test]
    fn store_errors_map_to_stable_codes_without_leaking() {
        let cases = [
            (
                StoreError::InvalidCursor("signature does not match"),
                StatusCode::BAD_REQUEST,
                "invalid_cursor",
            ),
            (
                StoreError::ConditionFailed {
                    key: Key::new("T#a#X", "Y"),
                },
                StatusCode::CONFLICT,
                "conflict",
            ),
            (
                StoreError::ForeignKey {
                    key: "T#b#SUB".into(),
                },
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                StoreError::Unavailable("throttled".into()),
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
            ),
            (
                StoreError::Backend("disk I/O error at /var/x".into()),
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
            ),
        ];
        for (error, status, code) in cases {
            let problem = Problem::from(error);
            assert_eq!(problem.status_code(), status);
            assert_eq!(problem.code, code);
            let text = serde_json::to_string(&problem).unwrap();
            assert!(!text.contains("T#b") && !text.contains("/var/x"), "{text}");
        }
    }
}

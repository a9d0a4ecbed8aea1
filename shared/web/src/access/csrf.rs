//! CSRF protection for cookie-authenticated requests that change something.
//!
//! Signed-in requests must carry their session's token: the `X-CSRF-Token` header (htmx sends
//! it from `<meta name="csrf-token">`), the `_csrf` form field, or `_csrf` in the query (for
//! multipart uploads, whose bodies are not buffered). Forms submitted before signing in (sign-in,
//! invitations, resets) use a double-submit token: a random cookie echoed in the form.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, header};

use crate::cookies;
use crm_app::identity::secrets::{constant_time_eq, new_token};

pub const HEADER: &str = "x-csrf-token";
pub const FORM_FIELD: &str = "_csrf";
pub const PRE_SESSION_COOKIE: &str = "crm_csrf";
/// Form bodies are read to find the token; larger ones must send it in the header or query.
const MAX_FORM_BYTES: usize = 1 << 20;

pub fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The token for a form shown before sign-in, and the cookie to set when the browser has none.
pub fn pre_session_token(headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    if let Some(existing) = cookies::get(headers, PRE_SESSION_COOKIE).filter(|t| t.len() == 43) {
        return (existing.to_owned(), None);
    }
    let token = new_token();
    let cookie = cookies::set_cookie(
        PRE_SESSION_COOKIE,
        &token,
        12 * 3600,
        true,
        cookies::is_https(headers),
    );
    (token, HeaderValue::from_str(&cookie).ok())
}

/// The token the request submitted, and the request itself (its body re-assembled when the
/// token was read from a form).
pub async fn submitted(request: Request) -> (Request, Option<String>) {
    if let Some(token) = request.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        let token = token.to_owned();
        return (request, Some(token));
    }
    if let Some(token) = request.uri().query().and_then(|q| field(q.as_bytes())) {
        return (request, Some(token));
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return (request, None);
    }
    let (parts, body) = request.into_parts();
    match to_bytes(body, MAX_FORM_BYTES).await {
        Ok(bytes) => {
            let token = field(&bytes);
            (Request::from_parts(parts, Body::from(bytes)), token)
        }
        Err(_) => (Request::from_parts(parts, Body::empty()), None),
    }
}

fn field(urlencoded: &[u8]) -> Option<String> {
    form_urlencoded::parse(urlencoded)
        .find(|(key, _)| key == FORM_FIELD)
        .map(|(_, value)| value.into_owned())
}

/// Whether `submitted` matches the expected token.
pub fn matches(expected: &str, submitted: Option<&str>) -> bool {
    submitted.is_some_and(|token| !expected.is_empty() && constant_time_eq(expected, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_field_among_others() {
        assert_eq!(
            field(b"name=%D0%90+%D0%91&_csrf=abc%2Bd&x=1").as_deref(),
            Some("abc+d")
        );
        assert_eq!(field(b"name=x").as_deref(), None);
    }

    #[test]
    fn tokens_match_exactly() {
        assert!(matches("t0k3n", Some("t0k3n")));
        assert!(!matches("t0k3n", Some("t0k3N")));
        assert!(!matches("t0k3n", None));
        assert!(!matches("", Some("")));
    }
}

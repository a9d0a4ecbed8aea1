//! Flash messages: a handler that redirects after a change says what happened, and the next
//! page shows it once.
//!
//! The message travels in a short-lived `flash` cookie (HttpOnly, SameSite=Lax) holding
//! base64url JSON and its HMAC (`Signer::for_purpose("flash")`), so a client cannot forge a
//! message in our name. [`middleware`] reads it into the request for [`crate::ui::Chrome`] and
//! clears it once a page has been answered.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use crm_app::Services;
use crm_app::clock::Clock;
use crm_app::signing::Signer;
use serde::{Deserialize, Serialize};

use crate::cookies;
use crate::i18n::Texts;

pub const COOKIE: &str = "flash";
/// Long enough for the redirect to be followed, short enough not to surprise later.
pub const TTL_SECONDS: i64 = 60;
/// Longer messages are cut, so the cookie stays far below browsers' 4 KiB limit.
const MAX_MESSAGE_BYTES: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlashKind {
    Success,
    Info,
    Warning,
    Error,
}

impl FlashKind {
    /// Tabler's alert class.
    pub fn alert_class(self) -> &'static str {
        match self {
            FlashKind::Success => "alert-success",
            FlashKind::Info => "alert-info",
            FlashKind::Warning => "alert-warning",
            FlashKind::Error => "alert-danger",
        }
    }

    /// What a screen reader says before the message.
    pub fn label(self, t: &Texts) -> &'static str {
        match self {
            FlashKind::Success => t.flash_success,
            FlashKind::Info => t.flash_info,
            FlashKind::Warning => t.flash_warning,
            FlashKind::Error => t.flash_error,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flash {
    pub kind: FlashKind,
    pub message: String,
}

impl Flash {
    pub fn new(kind: FlashKind, message: impl Into<String>) -> Self {
        let mut message = message.into();
        if message.len() > MAX_MESSAGE_BYTES {
            let mut end = MAX_MESSAGE_BYTES;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
        }
        Self { kind, message }
    }

    pub fn success(message: impl Into<String>) -> Self {
        Self::new(FlashKind::Success, message)
    }

    pub fn info(message: impl Into<String>) -> Self {
        Self::new(FlashKind::Info, message)
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Self::new(FlashKind::Warning, message)
    }

    pub fn error(message: impl Into<String>) -> Self {
        Self::new(FlashKind::Error, message)
    }
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    #[serde(rename = "k")]
    kind: FlashKind,
    #[serde(rename = "m")]
    message: String,
    /// Unix seconds after which the message is void.
    #[serde(rename = "x")]
    expires_at: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlashRejected {
    Malformed,
    BadSignature,
    Expired,
}

/// Seals and opens flash cookies; one per router, from the platform's signer and clock.
#[derive(Clone)]
pub struct FlashKeys {
    signer: Signer,
    clock: Arc<dyn Clock>,
}

impl FlashKeys {
    pub fn new(signer: &Signer, clock: Arc<dyn Clock>) -> Self {
        Self {
            signer: signer.for_purpose("flash"),
            clock,
        }
    }

    pub fn from_services(services: &Services) -> Self {
        Self::new(&services.signer, services.clock.clone())
    }

    /// The cookie value: `base64url(json).signature`.
    pub fn seal(&self, flash: &Flash) -> String {
        let sealed = Sealed {
            kind: flash.kind,
            message: flash.message.clone(),
            expires_at: self.clock.now().timestamp() + TTL_SECONDS,
        };
        // Serialising a struct of strings and integers cannot fail.
        let json = serde_json::to_vec(&sealed).unwrap_or_default();
        let payload = URL_SAFE_NO_PAD.encode(json);
        let signature = self.signer.sign(payload.as_bytes());
        format!("{payload}.{signature}")
    }

    pub fn open(&self, value: &str) -> Result<Flash, FlashRejected> {
        let (payload, signature) = value.split_once('.').ok_or(FlashRejected::Malformed)?;
        if !self.signer.verify(payload.as_bytes(), signature) {
            return Err(FlashRejected::BadSignature);
        }
        let json = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| FlashRejected::Malformed)?;
        let sealed: Sealed = serde_json::from_slice(&json).map_err(|_| FlashRejected::Malformed)?;
        if self.clock.now().timestamp() > sealed.expires_at {
            return Err(FlashRejected::Expired);
        }
        Ok(Flash::new(sealed.kind, sealed.message))
    }

    /// `Set-Cookie` for `flash`; `request` tells whether to mark it `Secure`.
    pub fn set_cookie(&self, flash: &Flash, request: &HeaderMap) -> HeaderValue {
        let cookie = cookies::set_cookie(
            COOKIE,
            &self.seal(flash),
            u32::try_from(TTL_SECONDS).unwrap_or(60),
            true,
            cookies::is_https(request),
        );
        // base64url, '.', and fixed attributes: always a valid header value.
        HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    /// 303 to `to` (a local path) carrying `flash` for the page there: the end of a
    /// POST-redirect-GET.
    pub fn redirect(&self, to: &str, flash: &Flash, request: &HeaderMap) -> Response {
        let mut response = Redirect::to(to).into_response();
        response
            .headers_mut()
            .append(header::SET_COOKIE, self.set_cookie(flash, request));
        response
    }
}

/// The flash that came with the request, if any and valid; read by `Chrome`.
#[derive(Clone, Debug, Default)]
pub struct IncomingFlash(pub Option<Flash>);

/// Reads the flash cookie into [`IncomingFlash`], and clears the cookie once a page (anything
/// but a redirect) was answered, unless that answer sets a new one.
pub async fn middleware(
    State(keys): State<FlashKeys>,
    mut request: Request,
    next: Next,
) -> Response {
    let cookie = cookies::get(request.headers(), COOKIE).map(str::to_owned);
    let https = cookies::is_https(request.headers());
    let incoming = cookie.as_deref().and_then(|value| match keys.open(value) {
        Ok(flash) => Some(flash),
        Err(rejected) => {
            tracing::debug!(?rejected, "flash cookie ignored");
            None
        }
    });
    request.extensions_mut().insert(IncomingFlash(incoming));
    let mut response = next.run(request).await;
    let sets_flash = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(format!("{COOKIE}=").as_bytes()));
    if cookie.is_some()
        && !sets_flash
        && !response.status().is_redirection()
        && let Ok(value) = HeaderValue::from_str(&cookies::clear_cookie(COOKIE, true, https))
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use chrono::{TimeZone, Utc};
    use crm_app::clock::FixedClock;
    use tower::ServiceExt;

    use super::*;

    fn keys() -> (FlashKeys, Arc<FixedClock>) {
        let clock = Arc::new(FixedClock::new(
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        ));
        let signer = Signer::new(&[9; 32]).unwrap();
        (FlashKeys::new(&signer, clock.clone()), clock)
    }

    #[test]
    fn seal_and_open() {
        let (keys, _) = keys();
        let flash = Flash::success("Абонент <b>сохранён</b>");
        let sealed = keys.seal(&flash);
        assert!(
            sealed
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        );
        assert_eq!(keys.open(&sealed), Ok(flash));
    }

    #[test]
    fn tampering_and_other_keys_are_refused() {
        let (keys, clock) = keys();
        let sealed = keys.seal(&Flash::info("hello"));
        let (payload, signature) = sealed.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"k":"error","m":"pay here","x":9999999999}"#);
        assert_eq!(
            keys.open(&format!("{forged}.{signature}")),
            Err(FlashRejected::BadSignature)
        );
        assert_eq!(keys.open(payload), Err(FlashRejected::Malformed));
        assert_eq!(keys.open("x.y"), Err(FlashRejected::BadSignature));
        let other = FlashKeys::new(&Signer::new(&[1; 32]).unwrap(), clock);
        assert_eq!(other.open(&sealed), Err(FlashRejected::BadSignature));
        // a signature for another purpose of the same key does not pass either
        let cursor_signer = Signer::new(&[9; 32]).unwrap().for_purpose("cursor");
        let cross = format!("{payload}.{}", cursor_signer.sign(payload.as_bytes()));
        assert_eq!(keys.open(&cross), Err(FlashRejected::BadSignature));
    }

    #[test]
    fn flashes_expire() {
        let (keys, clock) = keys();
        let sealed = keys.seal(&Flash::warning("soon gone"));
        clock.advance(chrono::Duration::seconds(TTL_SECONDS));
        assert!(keys.open(&sealed).is_ok());
        clock.advance(chrono::Duration::seconds(1));
        assert_eq!(keys.open(&sealed), Err(FlashRejected::Expired));
    }

    #[test]
    fn long_messages_are_cut_on_a_char_boundary() {
        let flash = Flash::error("я".repeat(800));
        assert!(flash.message.len() <= MAX_MESSAGE_BYTES);
        assert_eq!(flash.message.chars().count(), 500);
    }

    #[tokio::test]
    async fn the_middleware_shows_once_and_clears() {
        let (keys, _) = keys();
        let app = Router::new()
            .route(
                "/page",
                get(|axum::Extension(IncomingFlash(flash)): axum::Extension<IncomingFlash>| async move {
                    flash.map(|f| f.message).unwrap_or_default()
                }),
            )
            .route("/again", get(|| async { Redirect::to("/page") }))
            .layer(axum::middleware::from_fn_with_state(keys.clone(), middleware));
        let cookie = format!("flash={}", keys.seal(&Flash::success("Saved")));

        let response = app
            .clone()
            .oneshot(
                Request::get("/page")
                    .header("cookie", &cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let clear = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_owned();
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(&body[..], b"Saved");
        assert!(clear.starts_with("flash=; Path=/; Max-Age=0"), "{clear}");

        let response = app
            .clone()
            .oneshot(
                Request::get("/again")
                    .header("cookie", &cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert!(
            response.headers().get("set-cookie").is_none(),
            "kept across a redirect"
        );

        let response = app
            .oneshot(
                Request::get("/page")
                    .header("cookie", "flash=forged.value")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert!(
            response.headers().get("set-cookie").is_some(),
            "a bad cookie is cleared too"
        );
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        assert!(body.is_empty());
    }
}

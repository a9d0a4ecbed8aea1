//! The few cookie operations the UI needs (reading one value, setting and clearing one), so
//! that every cookie the platform sets has the same attributes.

use axum::http::{HeaderMap, header};

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
}

/// A `Set-Cookie` value: whole site, `SameSite=Lax`, `Secure` when served over HTTPS.
/// `value` must be cookie-safe already (our values are codes and base64url).
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_seconds: u32,
    http_only: bool,
    secure: bool,
) -> String {
    let mut cookie = format!("{name}={value}; Path=/; Max-Age={max_age_seconds}; SameSite=Lax");
    if http_only {
        cookie.push_str("; HttpOnly");
    }
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
}

/// A `Set-Cookie` value that removes cookie `name`.
pub fn clear_cookie(name: &str, http_only: bool, secure: bool) -> String {
    set_cookie(name, "", 0, http_only, secure)
}

/// Whether the browser reached us over HTTPS: API Gateway and proxies say so in
/// `X-Forwarded-Proto`; `crm dev` serves plain HTTP on loopback.
pub fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn reads_one_cookie_among_many() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; lang=en"));
        headers.append(header::COOKIE, HeaderValue::from_static("flash=x.y"));
        assert_eq!(get(&headers, "lang"), Some("en"));
        assert_eq!(get(&headers, "flash"), Some("x.y"));
        assert_eq!(get(&headers, "lan"), None);
    }

    #[test]
    fn attributes() {
        assert_eq!(
            set_cookie("flash", "v", 60, true, true),
            "flash=v; Path=/; Max-Age=60; SameSite=Lax; HttpOnly; Secure"
        );
        assert_eq!(
            clear_cookie("lang", false, false),
            "lang=; Path=/; Max-Age=0; SameSite=Lax"
        );
    }
}

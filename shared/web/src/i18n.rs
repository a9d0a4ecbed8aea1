//! The UI language and its texts.
//!
//! The language comes from the `lang` cookie (set by the switch link), else `Accept-Language`,
//! else Russian. Texts are fields of a struct with one static per language, so a missing
//! translation does not compile. Feature modules keep their own texts struct the same way and
//! choose with [`Lang::pick`].

use std::convert::Infallible;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::cookies;

pub const COOKIE: &str = "lang";
/// The route that sets the language cookie and goes back: `/ui/lang/{code}?back=/path`.
pub const SWITCH_ROUTE: &str = "/ui/lang";
const COOKIE_MAX_AGE_SECONDS: u32 = 365 * 24 * 3600;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    Ru,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Ru, Lang::En];

    /// The BCP 47 tag, as in `<html lang>` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        Lang::ALL
            .into_iter()
            .find(|lang| lang.code().eq_ignore_ascii_case(code))
    }

    /// The language's name in itself, for the switch link.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Ru => "Русский",
            Lang::En => "English",
        }
    }

    /// The language the switch link offers.
    pub fn other(self) -> Lang {
        match self {
            Lang::Ru => Lang::En,
            Lang::En => Lang::Ru,
        }
    }

    pub fn texts(self) -> &'static Texts {
        self.pick(&RU, &EN)
    }

    /// One of a pair of per-language values: `lang.pick(&SUBSCRIBERS_RU, &SUBSCRIBERS_EN)`.
    pub fn pick<T: ?Sized>(self, ru: &'static T, en: &'static T) -> &'static T {
        match self {
            Lang::Ru => ru,
            Lang::En => en,
        }
    }

    /// Cookie first, then `Accept-Language`, then Russian.
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        cookies::get(headers, COOKIE)
            .and_then(Lang::parse)
            .or_else(|| {
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(from_accept_language)
            })
            .unwrap_or_default()
    }

    /// The URL that switches to `self` and comes back to `back` (a path with its query).
    pub fn switch_url(self, back: &str) -> String {
        format!(
            "{SWITCH_ROUTE}/{}?back={}",
            self.code(),
            crate::ui::url::encode(back)
        )
    }
}

/// The best supported language of an `Accept-Language` header, by quality then order.
fn from_accept_language(value: &str) -> Option<Lang> {
    let mut best: Option<(u16, Lang)> = None;
    for entry in value.split(',') {
        let mut parts = entry.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let primary = tag.split('-').next().unwrap_or("");
        let Some(lang) = Lang::parse(primary) else {
            continue;
        };
        let quality = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .map_or(Some(1000), parse_quality);
        let Some(quality) = quality.filter(|q| *q > 0) else {
            continue;
        };
        if best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// `q` values in thousandths (`0.8` -> 800), without floating point.
fn parse_quality(raw: &str) -> Option<u16> {
    let (whole, fraction) = raw.trim().split_once('.').unwrap_or((raw.trim(), ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u16 = whole.parse().ok()?;
    let fraction: u16 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<3}").parse().ok()?
    };
    let quality = whole.checked_mul(1000)?.checked_add(fraction)?;
    (quality <= 1000).then_some(quality)
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::from_headers(&parts.headers))
    }
}

/// `GET /ui/lang/{code}?back=/path`: remembers the language and goes back.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route(&format!("{SWITCH_ROUTE}/{{code}}"), get(switch))
}

#[derive(Deserialize)]
struct SwitchQuery {
    back: Option<String>,
}

async fn switch(
    Path(code): Path<String>,
    query: Result<Query<SwitchQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let back = query
        .ok()
        .and_then(|Query(q)| q.back)
        .filter(|back| crate::ui::url::is_local_path(back))
        .unwrap_or_else(|| "/".to_owned());
    let Some(lang) = Lang::parse(&code) else {
        return Redirect::to(&back).into_response();
    };
    let cookie = cookies::set_cookie(
        COOKIE,
        lang.code(),
        COOKIE_MAX_AGE_SECONDS,
        false,
        cookies::is_https(&headers),
    );
    let mut response = Redirect::to(&back).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// Every text of the shell (layout, components, error pages, home). One field per text; a
/// `fn` field for texts with values in them, so word order can differ between languages.
#[derive(Debug)]
pub struct Texts {
    pub product_name: &'static str,
    pub skip_to_content: &'static str,
    pub main_navigation: &'static str,
    pub toggle_navigation: &'static str,
    pub language: &'static str,
    pub signed_in_as: &'static str,
    pub log_out: &'static str,
    pub impersonation: fn(user: &str, tenant: &str) -> String,
    pub impersonation_label: &'static str,
    pub impersonation_reason: &'static str,
    pub impersonation_end: &'static str,
    pub messages: &'static str,
    pub flash_success: &'static str,
    pub flash_info: &'static str,
    pub flash_warning: &'static str,
    pub flash_error: &'static str,
    pub footer_tagline: &'static str,
    pub api_reference: &'static str,
    pub health: &'static str,
    // components
    pub sort_ascending: &'static str,
    pub sort_descending: &'static str,
    pub sort_by: fn(column: &str) -> String,
    pub pagination: &'static str,
    pub previous_page: &'static str,
    pub next_page: &'static str,
    pub search: &'static str,
    pub apply_filter: &'static str,
    pub reset_filter: &'static str,
    pub required: &'static str,
    pub select_placeholder: &'static str,
    pub error_summary_title: &'static str,
    pub error_prefix: &'static str,
    // error pages
    pub error_403_title: &'static str,
    pub error_403_text: &'static str,
    pub error_404_title: &'static str,
    pub error_404_text: &'static str,
    pub error_500_title: &'static str,
    pub error_500_text: &'static str,
    pub error_other_title: &'static str,
    pub error_other_text: &'static str,
    pub unknown_host_title: &'static str,
    pub unknown_host_text: &'static str,
    pub request_id: &'static str,
    pub go_home: &'static str,
    // home
    pub nav_home: &'static str,
    pub home_title: &'static str,
    pub home_lead: &'static str,
    pub home_api_text: &'static str,
    pub home_health_text: &'static str,
    pub home_central_api: &'static str,
    pub home_central_api_text: &'static str,
}

pub static RU: Texts = Texts {
    product_name: "CRM для поставщиков коммунальных услуг",
    skip_to_content: "Перейти к содержимому",
    main_navigation: "Основная навигация",
    toggle_navigation: "Показать или скрыть меню",
    language: "Язык",
    signed_in_as: "Вы вошли как",
    log_out: "Выйти",
    impersonation: |user, tenant| format!("Вы действуете как {user} в организации «{tenant}»"),
    impersonation_label: "Вход от имени пользователя",
    impersonation_reason: "Причина",
    impersonation_end: "Завершить",
    messages: "Сообщения",
    flash_success: "Готово",
    flash_info: "Информация",
    flash_warning: "Внимание",
    flash_error: "Ошибка",
    footer_tagline: "CRM и биллинг для поставщиков коммунальных услуг",
    api_reference: "Справочник API",
    health: "Состояние системы",
    sort_ascending: "по возрастанию",
    sort_descending: "по убыванию",
    sort_by: |column| format!("Сортировать по столбцу «{column}»"),
    pagination: "Страницы",
    previous_page: "Назад",
    next_page: "Далее",
    search: "Поиск",
    apply_filter: "Найти",
    reset_filter: "Сбросить",
    required: "обязательное поле",
    select_placeholder: "— выберите —",
    error_summary_title: "Исправьте ошибки в форме",
    error_prefix: "Ошибка:",
    error_403_title: "Доступ запрещён",
    error_403_text: "У вас нет прав на эту страницу. Если они нужны, обратитесь к администратору.",
    error_404_title: "Страница не найдена",
    error_404_text: "Такой страницы нет. Проверьте адрес или начните с главной.",
    error_500_title: "Внутренняя ошибка",
    error_500_text: "Что-то пошло не так на нашей стороне. Попробуйте ещё раз; если ошибка повторится, сообщите в поддержку код запроса.",
    error_other_title: "Запрос не выполнен",
    error_other_text: "Сервер не смог выполнить запрос.",
    unknown_host_title: "Неизвестный адрес",
    unknown_host_text: "Этот адрес не принадлежит ни одной организации или ещё не подтверждён. Проверьте адрес в строке браузера.",
    request_id: "Код запроса",
    go_home: "На главную",
    nav_home: "Главная",
    home_title: "Добро пожаловать",
    home_lead: "Здесь будет рабочий стол операторов и бухгалтеров: абоненты, услуги и тарифы, счётчики, начисления и платежи.",
    home_api_text: "описание JSON API для интеграций.",
    home_health_text: "доступность хранилища и очередей.",
    home_central_api: "API центральной части",
    home_central_api_text: "управление организациями и их доменами.",
};

pub static EN: Texts = Texts {
    product_name: "CRM for utility providers",
    skip_to_content: "Skip to content",
    main_navigation: "Main navigation",
    toggle_navigation: "Show or hide the menu",
    language: "Language",
    signed_in_as: "Signed in as",
    log_out: "Log out",
    impersonation: |user, tenant| format!("You are acting as {user} in “{tenant}”"),
    impersonation_label: "Acting as another user",
    impersonation_reason: "Reason",
    impersonation_end: "End",
    messages: "Messages",
    flash_success: "Done",
    flash_info: "Information",
    flash_warning: "Warning",
    flash_error: "Error",
    footer_tagline: "CRM and billing for utility providers",
    api_reference: "API reference",
    health: "System health",
    sort_ascending: "ascending",
    sort_descending: "descending",
    sort_by: |column| format!("Sort by “{column}”"),
    pagination: "Pages",
    previous_page: "Previous",
    next_page: "Next",
    search: "Search",
    apply_filter: "Search",
    reset_filter: "Reset",
    required: "required",
    select_placeholder: "— choose —",
    error_summary_title: "Please correct the errors in the form",
    error_prefix: "Error:",
    error_403_title: "Access denied",
    error_403_text: "You do not have permission to open this page. Ask an administrator if you need it.",
    error_404_title: "Page not found",
    error_404_text: "There is no such page. Check the address or start from the home page.",
    error_500_title: "Internal error",
    error_500_text: "Something went wrong on our side. Try again; if it happens again, quote the request id to support.",
    error_other_title: "Request failed",
    error_other_text: "The server could not complete the request.",
    unknown_host_title: "Unknown address",
    unknown_host_text: "This address does not belong to any organisation or is not verified yet. Check the address in the browser bar.",
    request_id: "Request id",
    go_home: "Home page",
    nav_home: "Home",
    home_title: "Welcome",
    home_lead: "This will be the desk of operators and accountants: subscribers, services and tariffs, meters, charges and payments.",
    home_api_text: "the JSON API for integrations.",
    home_health_text: "whether storage and queues are reachable.",
    home_central_api: "Central API",
    home_central_api_text: "managing organisations and their domains.",
};

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn russian_without_any_hint() {
        assert_eq!(Lang::from_headers(&HeaderMap::new()), Lang::Ru);
        assert_eq!(
            Lang::from_headers(&headers(&[("accept-language", "de-DE,fr;q=0.8")])),
            Lang::Ru
        );
    }

    #[test]
    fn accept_language_by_quality_then_order() {
        let pick =
            |value: &'static str| Lang::from_headers(&headers(&[("accept-language", value)]));
        assert_eq!(pick("en-US,en;q=0.9"), Lang::En);
        assert_eq!(pick("ru-RU,ru;q=0.9,en-US;q=0.8"), Lang::Ru);
        assert_eq!(pick("de;q=1, ru;q=0.5, en;q=0.7"), Lang::En);
        assert_eq!(pick("en;q=0, ru;q=0.1"), Lang::Ru);
        assert_eq!(pick("en;q=banana"), Lang::Ru, "a broken q drops the entry");
        assert_eq!(pick("EN"), Lang::En);
    }

    #[test]
    fn the_cookie_wins() {
        let map = headers(&[("accept-language", "en"), ("cookie", "theme=dark; lang=ru")]);
        assert_eq!(Lang::from_headers(&map), Lang::Ru);
        let map = headers(&[("accept-language", "ru"), ("cookie", "lang=en")]);
        assert_eq!(Lang::from_headers(&map), Lang::En);
        let map = headers(&[("accept-language", "en"), ("cookie", "lang=xx")]);
        assert_eq!(
            Lang::from_headers(&map),
            Lang::En,
            "an unknown cookie is ignored"
        );
    }

    #[test]
    fn qualities_parse_without_floats() {
        assert_eq!(parse_quality("1"), Some(1000));
        assert_eq!(parse_quality("0.8"), Some(800));
        assert_eq!(parse_quality("0.125"), Some(125));
        assert_eq!(parse_quality("0.1234"), None);
        assert_eq!(parse_quality("2"), None);
        assert_eq!(parse_quality("-1"), None);
    }

    #[test]
    fn no_text_is_left_empty() {
        for texts in [&RU, &EN] {
            let dump = format!("{texts:?}");
            assert!(!dump.contains(": \"\""), "an empty text in {dump}");
        }
    }

    #[test]
    fn texts_with_values() {
        assert_eq!(
            (Lang::Ru.texts().impersonation)("Анна", "Водоканал"),
            "Вы действуете как Анна в организации «Водоканал»"
        );
        assert_eq!(Lang::En.texts().log_out, "Log out");
    }

    #[tokio::test]
    async fn the_switch_sets_the_cookie_and_goes_back() {
        use tower::ServiceExt;
        let app: Router = router();
        let request = axum::http::Request::get("/ui/lang/en?back=%2Fui%2Fcomponents%3Fsort%3Dname")
            .body(axum::body::Body::empty())
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/ui/components?sort=name");
        let cookie = response.headers()["set-cookie"].to_str().unwrap();
        assert!(cookie.starts_with("lang=en;"), "{cookie}");
        assert!(
            cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
            "{cookie}"
        );

        for back in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
        ] {
            let uri = format!("/ui/lang/ru?back={}", crate::ui::url::encode(back));
            let request = axum::http::Request::get(uri)
                .body(axum::body::Body::empty())
                .unwrap();
            let response = app.clone().oneshot(request).await.unwrap();
            assert_eq!(
                response.headers()["location"],
                "/",
                "{back} is not followed"
            );
        }
    }
}

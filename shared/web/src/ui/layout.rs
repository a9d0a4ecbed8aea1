//! The frame of every page: [`Chrome`] (what surrounds the content) and [`Page`] (chrome plus
//! a title plus the content template), rendered by `templates/layout.html`.

use std::convert::Infallible;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::flash::{Flash, IncomingFlash};
use crate::i18n::{Lang, Texts};
use crate::ui::url::is_local_path;

/// What every page shows around its content. Extract it in a handler (language, flash and the
/// current path come from the request), then add what the page knows: navigation filtered by
/// the user's permissions, the user menu, the tenant's branding.
#[derive(Clone, Debug)]
pub struct Chrome {
    pub lang: Lang,
    pub t: &'static Texts,
    pub branding: Branding,
    pub nav: Vec<NavItem>,
    pub user: Option<UserMenu>,
    pub impersonation: Option<Impersonation>,
    pub flashes: Vec<Flash>,
    /// The session's CSRF token: in `<meta name="csrf-token">` for htmx and in every form.
    pub csrf_token: String,
    /// Path and query of this page, where the language switch comes back to.
    pub current: String,
}

impl Chrome {
    pub fn new(lang: Lang) -> Self {
        Self {
            lang,
            t: lang.texts(),
            branding: Branding::default(),
            nav: Vec::new(),
            user: None,
            impersonation: None,
            flashes: Vec::new(),
            csrf_token: String::new(),
            current: "/".to_owned(),
        }
    }

    pub fn from_parts(parts: &Parts) -> Self {
        let mut chrome = Chrome::new(Lang::from_headers(&parts.headers));
        if let Some(IncomingFlash(Some(flash))) = parts.extensions.get::<IncomingFlash>() {
            chrome.flashes.push(flash.clone());
        }
        let current = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
        if is_local_path(current) {
            current.clone_into(&mut chrome.current);
        }
        chrome
    }

    /// Sets the navigation and marks the item whose `href` is this page, or the section it is
    /// in (`/subscribers` for `/subscribers/42`).
    pub fn with_nav(mut self, nav: Vec<NavItem>) -> Self {
        let path = self.path().to_owned();
        let best = nav
            .iter()
            .enumerate()
            .filter(|(_, item)| {
                path == item.href
                    || (item.href != "/"
                        && path.starts_with(item.href.as_str())
                        && path[item.href.len()..].starts_with('/'))
            })
            .max_by_key(|(_, item)| item.href.len())
            .map(|(i, _)| i);
        self.nav = nav
            .into_iter()
            .enumerate()
            .map(|(i, item)| NavItem {
                active: item.active || Some(i) == best,
                ..item
            })
            .collect();
        self
    }

    pub fn with_user(mut self, user: UserMenu, csrf_token: impl Into<String>) -> Self {
        self.user = Some(user);
        self.csrf_token = csrf_token.into();
        self
    }

    pub fn with_branding(mut self, branding: Branding) -> Self {
        self.branding = branding;
        self
    }

    pub fn with_impersonation(mut self, impersonation: Impersonation) -> Self {
        self.impersonation = Some(impersonation);
        self
    }

    pub fn with_flash(mut self, flash: Flash) -> Self {
        self.flashes.push(flash);
        self
    }

    /// The path of this page without its query.
    pub fn path(&self) -> &str {
        self.current.split('?').next().unwrap_or("/")
    }

    /// The link to this same page in the other language.
    pub fn switch_url(&self) -> String {
        self.lang.other().switch_url(&self.current)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Chrome {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Chrome::from_parts(parts))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NavItem {
    pub label: String,
    pub href: String,
    pub active: bool,
}

impl NavItem {
    pub fn new(label: impl Into<String>, href: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            href: href.into(),
            active: false,
        }
    }
}

/// The signed-in user, shown at the top right with a logout button.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserMenu {
    pub display_name: String,
    /// Where the logout form posts.
    pub logout_action: String,
    /// The user's own page (profile, password, sessions), linked from the name.
    pub account_href: Option<String>,
}

impl UserMenu {
    pub fn new(display_name: impl Into<String>) -> Self {
        Self {
            display_name: display_name.into(),
            logout_action: "/logout".to_owned(),
            account_href: None,
        }
    }

    pub fn logout_action(mut self, action: impl Into<String>) -> Self {
        self.logout_action = action.into();
        self
    }

    pub fn account_href(mut self, href: impl Into<String>) -> Self {
        self.account_href = Some(href.into());
        self
    }
}

/// A platform administrator acting inside a tenant: always visible, with a way out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Impersonation {
    pub acting_as: String,
    pub tenant: String,
    pub reason: String,
    /// Where the "End" form posts.
    pub end_action: String,
}

impl Impersonation {
    pub fn banner_text(&self, t: &Texts) -> String {
        (t.impersonation)(&self.acting_as, &self.tenant)
    }
}

/// A tenant's look: its name, an optional logo and an accent colour. Bad values fall back to
/// the defaults, so a tenant's settings can never break or hijack the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Branding {
    pub display_name: String,
    pub logo_url: Option<String>,
    pub accent: Accent,
}

impl Default for Branding {
    fn default() -> Self {
        Self {
            display_name: "CRM".to_owned(),
            logo_url: None,
            accent: Accent::default(),
        }
    }
}

impl Branding {
    pub fn new(display_name: impl Into<String>) -> Self {
        let display_name = display_name.into();
        let display_name = display_name.trim();
        Self {
            display_name: if display_name.is_empty() {
                Branding::default().display_name
            } else {
                display_name.to_owned()
            },
            ..Branding::default()
        }
    }

    /// Keeps the logo only when it is an `https://` URL or a path on this site.
    pub fn with_logo(mut self, url: &str) -> Self {
        let ok = (url.starts_with("https://") || is_local_path(url))
            && !url.chars().any(|c| c.is_whitespace() || c.is_control());
        self.logo_url = ok.then(|| url.to_owned());
        self
    }

    /// Keeps the colour only when it is `#rrggbb`.
    pub fn with_accent(mut self, hex: &str) -> Self {
        if let Some(accent) = Accent::parse(hex) {
            self.accent = accent;
        }
        self
    }
}

/// An accent colour, `#rrggbb`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accent {
    rgb: [u8; 3],
}

impl Default for Accent {
    /// Tabler's classic blue: 5.2:1 against white text.
    fn default() -> Self {
        Self {
            rgb: [0x20, 0x6b, 0xc4],
        }
    }
}

impl Accent {
    pub fn parse(hex: &str) -> Option<Accent> {
        let digits = hex.strip_prefix('#')?;
        if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |i: usize| u8::from_str_radix(&digits[i..i + 2], 16).ok();
        Some(Accent {
            rgb: [channel(0)?, channel(2)?, channel(4)?],
        })
    }

    pub fn hex(self) -> String {
        let [r, g, b] = self.rgb;
        format!("#{r:02x}{g:02x}{b:02x}")
    }

    /// Dark text on light accents, white on dark ones (YIQ brightness, integers only).
    pub fn text_hex(self) -> &'static str {
        let [r, g, b] = self.rgb.map(u32::from);
        if (r * 299 + g * 587 + b * 114) / 1000 >= 150 {
            "#182433"
        } else {
            "#ffffff"
        }
    }

    /// CSS custom properties that recolour Tabler's primary colour.
    pub fn css_vars(self) -> String {
        let [r, g, b] = self.rgb;
        format!(
            "--tblr-primary:{hex};--tblr-primary-rgb:{r},{g},{b};--tblr-primary-fg:{fg};--crm-accent:{hex};--crm-accent-fg:{fg}",
            hex = self.hex(),
            fg = self.text_hex(),
        )
    }
}

/// A whole HTML page: the chrome, the `<title>` and `<h1>`, and the content, which is any askama
/// template (its own struct, in its own crate). Returned from a handler as is.
#[derive(Template, WebTemplate)]
#[template(path = "layout.html")]
pub struct Page<C: Template> {
    pub chrome: Chrome,
    pub title: String,
    pub content: C,
}

impl<C: Template> Page<C> {
    pub fn new(chrome: Chrome, title: impl Into<String>, content: C) -> Self {
        Self {
            chrome,
            title: title.into(),
            content,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flash::Flash;

    #[derive(Template)]
    #[template(source = "<p>{{ text }}</p>", ext = "html")]
    struct Body {
        text: String,
    }

    fn render(chrome: Chrome, title: &str) -> String {
        Page::new(
            chrome,
            title,
            Body {
                text: "<b>body</b>".into(),
            },
        )
        .render()
        .unwrap()
    }

    fn signed_in(lang: Lang) -> Chrome {
        let mut chrome = Chrome::new(lang);
        chrome.current = "/subscribers/42?tab=meters".into();
        chrome
            .with_nav(vec![
                NavItem::new("Главная", "/"),
                NavItem::new("Абоненты", "/subscribers"),
                NavItem::new("Счета <script>", "/invoices"),
            ])
            .with_user(UserMenu::new("Анна <img src=x>"), "tok\"en")
            .with_branding(
                Branding::new("Водоканал & Co")
                    .with_logo("https://cdn.example.ru/logo.png")
                    .with_accent("#ffcc00"),
            )
    }

    #[test]
    fn language_and_landmarks() {
        let html = render(Chrome::new(Lang::Ru), "Абоненты");
        assert!(html.starts_with("<!doctype html>\n<html lang=\"ru\">"));
        assert!(
            html.contains(r##"<a class="skip-link" href="#content">Перейти к содержимому</a>"##)
        );
        assert!(html.contains(r#"<main id="content""#));
        assert!(html.contains("<header") && html.contains("<footer"));
        assert!(html.contains("<title>Абоненты · CRM</title>"));
        assert!(html.contains(r#"<meta name="viewport""#));
        assert!(
            !html.contains("navbar-menu"),
            "no navigation given, none shown"
        );
        assert!(!html.contains("csrf"), "nothing to protect without a user");
        assert!(html.contains(r#"href="/ui/lang/en?back=%2F" lang="en""#));
        assert!(html.contains("/static/tabler.min.") && html.contains("/static/app."));

        let html = render(Chrome::new(Lang::En), "Subscribers");
        assert!(html.contains("<html lang=\"en\">") && html.contains("Skip to content"));
        assert!(html.contains(">Русский</a>"));
    }

    #[test]
    fn user_text_is_escaped_everywhere() {
        let html = render(signed_in(Lang::Ru), "Счёт <i>№1</i>");
        assert!(
            !html.contains("<script>") && !html.contains("<img src=x>") && !html.contains("<i>")
        );
        assert!(
            !html.contains("<b>body</b>"),
            "content templates escape too"
        );
        assert!(html.contains("&#60;b&#62;body&#60;/b&#62;"));
        assert!(html.contains("Водоканал &#38; Co"));
        assert!(html.contains("Анна &#60;img src=x&#62;"));
    }

    #[test]
    fn active_nav_item_is_the_current_section() {
        let html = render(signed_in(Lang::Ru), "x");
        assert_eq!(html.matches("aria-current=\"page\"").count(), 1);
        assert!(html.contains(r#"<a class="nav-link" href="/subscribers" aria-current="page">"#));
        let chrome = signed_in(Lang::Ru);
        assert!(!chrome.nav[0].active, "`/` is active only on `/` itself");
    }

    #[test]
    fn logout_form_posts_with_the_csrf_token() {
        let html = render(signed_in(Lang::Ru), "x");
        let form = html
            .split(r#"<form method="post" action="/logout""#)
            .nth(1)
            .unwrap();
        let form = form.split("</form>").next().unwrap();
        assert!(
            form.contains(r#"<input type="hidden" name="_csrf" value="tok&#34;en">"#),
            "{form}"
        );
        assert!(form.contains(">Выйти</button>"));
        assert!(html.contains(r#"<meta name="csrf-token" content="tok&#34;en">"#));
    }

    #[test]
    fn branding_is_applied_and_sanitised() {
        let html = render(signed_in(Lang::Ru), "x");
        assert!(html.contains(r#"<img src="https://cdn.example.ru/logo.png""#));
        assert!(html.contains(
            "--tblr-primary:#ffcc00;--tblr-primary-rgb:255,204,0;--tblr-primary-fg:#182433"
        ));

        let branding = Branding::new("  ")
            .with_logo("javascript:alert(1)")
            .with_accent("red;}body{display:none");
        assert_eq!(branding, Branding::default());
        assert_eq!(
            Branding::default()
                .with_logo("//evil.example/x.png")
                .logo_url,
            None
        );
        assert_eq!(
            Branding::default()
                .with_logo("/logo.png")
                .logo_url
                .as_deref(),
            Some("/logo.png")
        );
        assert_eq!(Accent::default().text_hex(), "#ffffff");
    }

    #[test]
    fn impersonation_banner_and_flashes() {
        let chrome = signed_in(Lang::Ru)
            .with_impersonation(Impersonation {
                acting_as: "Ольга".into(),
                tenant: "Теплосеть".into(),
                reason: "тикет <42>".into(),
                end_action: "/central/impersonation/end".into(),
            })
            .with_flash(Flash::warning("Осторожно <b>"));
        let html = render(chrome, "x");
        assert!(html.contains("Вы действуете как Ольга в организации «Теплосеть»"));
        assert!(html.contains("Причина: тикет &#60;42&#62;"));
        let end = html
            .split(r#"action="/central/impersonation/end""#)
            .nth(1)
            .unwrap();
        assert!(
            end.split("</form>")
                .next()
                .unwrap()
                .contains(r#"name="_csrf""#)
        );
        assert!(html.contains(r#"<div class="alert alert-warning flash""#));
        assert!(html.contains("Внимание: </span>Осторожно &#60;b&#62;"));
    }

    #[test]
    fn chrome_from_a_request() {
        let (mut parts, ()) = axum::http::Request::get("/ui/components?sort=city")
            .header("accept-language", "en")
            .body(())
            .unwrap()
            .into_parts();
        parts
            .extensions
            .insert(IncomingFlash(Some(Flash::success("Saved"))));
        let chrome = Chrome::from_parts(&parts);
        assert_eq!(chrome.lang, Lang::En);
        assert_eq!(chrome.current, "/ui/components?sort=city");
        assert_eq!(chrome.path(), "/ui/components");
        assert_eq!(
            chrome.switch_url(),
            "/ui/lang/ru?back=%2Fui%2Fcomponents%3Fsort%3Dcity"
        );
        assert_eq!(chrome.flashes, vec![Flash::success("Saved")]);
    }
}

//! Pages of the shell itself. Feature pages live with their features and reuse
//! [`crate::ui::Page`] the same way.

use askama::Template;

use crate::i18n::Texts;
use crate::ui::{Chrome, Page};

/// The start page until the dashboard replaces it: where the API reference and health are.
#[derive(Template)]
#[template(path = "pages/home.html")]
pub struct Home {
    pub t: &'static Texts,
}

pub fn home(chrome: Chrome) -> Page<Home> {
    let t = chrome.t;
    Page::new(chrome, t.home_title, Home { t })
}

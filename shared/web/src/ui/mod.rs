//! The UI shell: the page frame and the components pages are built from.
//!
//! A page is a handler that extracts [`Chrome`], adds navigation and the user, and returns
//! [`Page::new(chrome, title, content)`](Page::new) where `content` is the page's own askama
//! template holding components ([`DataTable`], [`Field`], [`ErrorSummary`], ...), which render
//! themselves with `{{ component }}`.
//!
//! ```
//! use askama::Template;
//! use crm_web::i18n::Texts;
//! use crm_web::ui::{Chrome, Column, DataTable, Link, NavItem, Page, UserMenu};
//!
//! #[derive(Template)]
//! #[template(source = "<p>{{ t.search }}</p>{{ table }}", ext = "html")]
//! struct Subscribers { t: &'static Texts, table: DataTable }
//!
//! async fn subscribers(chrome: Chrome) -> Page<Subscribers> {
//!     let t = chrome.t;
//!     let chrome = chrome
//!         .with_nav(vec![NavItem::new(t.nav_home, "/"), NavItem::new("Абоненты", "/subscribers")])
//!         .with_user(UserMenu::new("Анна Петрова"), "the session's csrf token");
//!     let columns = [Column::new("name", "ФИО").sortable()];
//!     let table = DataTable::new(t, "Абоненты", &Link::new("/subscribers"), &columns, None);
//!     Page::new(chrome, "Абоненты", Subscribers { t, table })
//! }
//! ```

pub mod form;
pub mod history;
pub mod layout;
pub mod table;
pub mod url;

pub use form::{ErrorSummary, Field, FieldErrors, SelectOption};
pub use layout::{Accent, Branding, Chrome, Impersonation, NavItem, Page, UserMenu};
pub use table::{Cell, Column, DataTable, EmptyState, FilterForm, Pager, Sort, SortDir};
pub use url::Link;

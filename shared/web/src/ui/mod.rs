//! The UI shell: the page frame and the components pages are built from.
//!
//! A page is a handler that extracts [`Chrome`], adds navigation and the user, and returns
//! [`Page::new(chrome, title, content)`](Page::new) where `content` is the page's own askama
//! template holding components ([`DataTable`], [`Field`], [`ErrorSummary`], ...), which render
//! themselves with `{{ component }}`.

pub mod form;
pub mod layout;
pub mod table;
pub mod url;

pub use form::{ErrorSummary, Field, FieldErrors, SelectOption};
pub use layout::{Accent, Branding, Chrome, Impersonation, NavItem, Page, UserMenu};
pub use table::{Cell, Column, DataTable, EmptyState, FilterForm, Pager, Sort, SortDir};
pub use url::Link;

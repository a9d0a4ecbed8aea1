//! Lists: a data table with sortable headers, a search form above it, cursor pagination below
//! it, and an empty state in its place when there is nothing to show.
//!
//! Everything is plain links and GET forms over the page's query parameters (`q`, `sort`,
//! `dir`, `cursor`), so lists work without JavaScript and every state has a URL.

use askama::Template;
use serde::Deserialize;

use crate::i18n::Texts;
use crate::ui::url::Link;

/// Query parameter names shared by every list.
pub const SORT: &str = "sort";
pub const DIR: &str = "dir";
pub const CURSOR: &str = "cursor";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortDir {
    #[default]
    Asc,
    Desc,
}

impl SortDir {
    pub fn as_str(self) -> &'static str {
        match self {
            SortDir::Asc => "asc",
            SortDir::Desc => "desc",
        }
    }

    pub fn parse(raw: &str) -> Option<SortDir> {
        match raw {
            "asc" => Some(SortDir::Asc),
            "desc" => Some(SortDir::Desc),
            _ => None,
        }
    }

    pub fn flipped(self) -> SortDir {
        match self {
            SortDir::Asc => SortDir::Desc,
            SortDir::Desc => SortDir::Asc,
        }
    }
}

/// The column a list is sorted by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sort {
    pub column: String,
    pub dir: SortDir,
}

impl Sort {
    /// From the raw `sort` and `dir` parameters: an unknown column falls back to `default`.
    pub fn from_query(
        sort: Option<&str>,
        dir: Option<&str>,
        columns: &[Column],
        default: &str,
    ) -> Sort {
        let column = sort
            .filter(|key| columns.iter().any(|c| c.sortable && c.key == *key))
            .unwrap_or(default);
        Sort {
            column: column.to_owned(),
            dir: dir.and_then(SortDir::parse).unwrap_or_default(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// The value of `sort` for this column.
    pub key: &'static str,
    pub label: String,
    pub sortable: bool,
    /// Right-aligned, tabular figures (amounts, counts).
    pub numeric: bool,
}

impl Column {
    pub fn new(key: &'static str, label: impl Into<String>) -> Self {
        Self {
            key,
            label: label.into(),
            sortable: false,
            numeric: false,
        }
    }

    pub fn sortable(mut self) -> Self {
        self.sortable = true;
        self
    }

    pub fn numeric(mut self) -> Self {
        self.numeric = true;
        self
    }
}

/// One table cell: escaped text, optionally a link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    pub numeric: bool,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            href: None,
            numeric: false,
        }
    }

    pub fn link(text: impl Into<String>, href: impl Into<String>) -> Self {
        Self {
            href: Some(href.into()),
            ..Cell::text(text)
        }
    }

    pub fn number(text: impl Into<String>) -> Self {
        Self {
            numeric: true,
            ..Cell::text(text)
        }
    }
}

/// A header as rendered: its sort link and `aria-sort`.
#[derive(Clone, Debug)]
pub struct HeaderCell {
    pub label: String,
    pub numeric: bool,
    pub href: Option<String>,
    /// `ascending` / `descending` on the sorted column only.
    pub aria_sort: Option<&'static str>,
    /// Link title: what clicking does.
    pub title: String,
}

/// What stands in for the table when there are no rows: says what will appear here.
#[derive(Template, Clone, Debug, Default)]
#[template(path = "components/empty_state.html")]
pub struct EmptyState {
    pub title: String,
    pub text: String,
    pub action: Option<(String, String)>,
}

impl EmptyState {
    pub fn new(title: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            text: text.into(),
            action: None,
        }
    }

    /// A link to where the first item is made.
    pub fn action(mut self, label: impl Into<String>, href: impl Into<String>) -> Self {
        self.action = Some((label.into(), href.into()));
        self
    }
}

/// Previous / next links carrying opaque cursors.
#[derive(Template, Clone, Debug)]
#[template(path = "components/pager.html")]
pub struct Pager {
    pub t: &'static Texts,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    pub fn new(t: &'static Texts) -> Self {
        Self {
            t,
            prev: None,
            next: None,
        }
    }

    /// The page before: `base` with `cursor` set, or without it when the first page is meant.
    pub fn prev(mut self, base: &Link, cursor: Option<&str>) -> Self {
        self.prev = Some(base.clone().with(CURSOR, cursor.unwrap_or("")).href());
        self
    }

    pub fn next(mut self, base: &Link, cursor: &str) -> Self {
        self.next = Some(base.clone().with(CURSOR, cursor).href());
        self
    }

    pub fn is_needed(&self) -> bool {
        self.prev.is_some() || self.next.is_some()
    }
}

/// A data table with its pager, or its empty state.
#[derive(Template, Clone, Debug)]
#[template(path = "components/table.html")]
pub struct DataTable {
    pub t: &'static Texts,
    /// Names the table for screen readers (shown visually hidden).
    pub caption: String,
    pub headers: Vec<HeaderCell>,
    pub rows: Vec<Vec<Cell>>,
    pub empty: EmptyState,
    pub pager: Pager,
}

impl DataTable {
    /// `base` is the list's current link (filters, sort, no cursor); sort links toggle `dir`
    /// on the sorted column and start other columns ascending, always from the first page.
    pub fn new(
        t: &'static Texts,
        caption: impl Into<String>,
        base: &Link,
        columns: &[Column],
        sort: Option<&Sort>,
    ) -> Self {
        let headers = columns
            .iter()
            .map(|column| {
                let current = sort.filter(|s| s.column == column.key).map(|s| s.dir);
                let next_dir = current.map_or(SortDir::Asc, SortDir::flipped);
                HeaderCell {
                    label: column.label.clone(),
                    numeric: column.numeric,
                    href: column.sortable.then(|| {
                        base.clone()
                            .without(CURSOR)
                            .with(SORT, column.key)
                            .with(DIR, next_dir.as_str())
                            .href()
                    }),
                    aria_sort: current.map(|dir| match dir {
                        SortDir::Asc => "ascending",
                        SortDir::Desc => "descending",
                    }),
                    title: format!(
                        "{}, {}",
                        (t.sort_by)(&column.label),
                        match next_dir {
                            SortDir::Asc => t.sort_ascending,
                            SortDir::Desc => t.sort_descending,
                        }
                    ),
                }
            })
            .collect();
        Self {
            t,
            caption: caption.into(),
            headers,
            rows: Vec::new(),
            empty: EmptyState::default(),
            pager: Pager::new(t),
        }
    }

    pub fn rows(mut self, rows: Vec<Vec<Cell>>) -> Self {
        self.rows = rows;
        self
    }

    pub fn empty(mut self, empty: EmptyState) -> Self {
        self.empty = empty;
        self
    }

    pub fn pager(mut self, pager: Pager) -> Self {
        self.pager = pager;
        self
    }
}

/// A GET search form above a list; keeps the sort and starts from the first page.
#[derive(Template, Clone, Debug)]
#[template(path = "components/filter.html")]
pub struct FilterForm {
    pub t: &'static Texts,
    pub action: String,
    pub label: String,
    pub param: &'static str,
    pub value: String,
    /// Other parameters to keep (sort, dir), as hidden fields.
    pub keep: Vec<(String, String)>,
    pub reset_href: String,
}

impl FilterForm {
    /// `base` is the list's current link; `param` its search parameter.
    pub fn new(
        t: &'static Texts,
        base: &Link,
        param: &'static str,
        label: impl Into<String>,
    ) -> Self {
        let keep = base
            .clone()
            .without(param)
            .without(CURSOR)
            .params()
            .to_vec();
        Self {
            t,
            action: base.path().to_owned(),
            label: label.into(),
            param,
            value: base.get(param).unwrap_or("").to_owned(),
            reset_href: base.clone().without(param).without(CURSOR).href(),
            keep,
        }
    }
}

impl askama::filters::HtmlSafe for EmptyState {}
impl askama::filters::HtmlSafe for Pager {}
impl askama::filters::HtmlSafe for DataTable {}
impl askama::filters::HtmlSafe for FilterForm {}

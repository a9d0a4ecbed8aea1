//! `/ui/components`: the component gallery, for developers and the browser tests. It shows
//! every shell component at work over a fixed in-memory list: a sortable, filterable, paginated
//! table, an empty state, and a form validated on POST (inline errors and a summary, then a
//! flash after POST-redirect-GET). `?chrome=demo` adds a user menu and an impersonation banner.
//!
//! Nothing here touches storage; real pages follow the same shape over use cases.

use std::cmp::Ordering;
use std::sync::LazyLock;

use askama::Template;
use axum::Router;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::error_page::ErrorFormat;
use crate::flash::{Flash, FlashKeys};
use crate::format;
use crate::i18n::{Lang, Texts};
use crate::problem::Problem;
use crate::ui::{
    Cell, Chrome, Column, DataTable, EmptyState, ErrorSummary, Field, FieldErrors, FilterForm,
    Impersonation, Link, NavItem, Page, Pager, SelectOption, Sort, UserMenu,
};

pub const PATH: &str = "/ui/components";
const PAGE_SIZE: usize = 10;
const COMMENT_MAX_CHARS: usize = 500;

pub fn router<S: Clone + Send + Sync + 'static>(keys: FlashKeys) -> Router<S> {
    Router::new()
        .route(PATH, get(show).post(submit))
        .with_state(keys)
}

/// The navigation of the shell's own pages, until the real one exists.
pub fn demo_nav(t: &Texts, g: &GalleryTexts) -> Vec<NavItem> {
    vec![NavItem::new(t.nav_home, "/"), NavItem::new(g.title, PATH)]
}

// ---- sample data ----------------------------------------------------------------------------

/// One row of the sample list.
#[derive(Clone, Debug)]
pub struct Sample {
    pub name: String,
    pub account: String,
    pub city: &'static str,
    pub balance: Decimal,
    pub since: NaiveDate,
}

const SURNAMES: [&str; 10] = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Соколов",
    "Лебедев",
    "Козлов",
    "Новиков",
    "Морозов",
    "Волков",
];
const MEN: [&str; 6] = [
    "Александр",
    "Дмитрий",
    "Сергей",
    "Андрей",
    "Михаил",
    "Павел",
];
const WOMEN: [&str; 6] = ["Анна", "Мария", "Елена", "Ольга", "Татьяна", "Наталья"];
/// Fathers' names as patronymic stems: + "ич" for men, + "на" for women.
const PATRONYMICS: [&str; 6] = [
    "Петрович",
    "Иванович",
    "Сергеевич",
    "Андреевич",
    "Николаевич",
    "Юрьевич",
];
const CITIES: [&str; 8] = [
    "Москва",
    "Казань",
    "Тверь",
    "Самара",
    "Пермь",
    "Томск",
    "Омск",
    "Вологда",
];

/// Sixty fixed subscribers; the same on every start, so tests can name them.
pub static SAMPLES: LazyLock<Vec<Sample>> = LazyLock::new(|| {
    (0..60_usize)
        .map(|i| {
            let woman = i % 2 == 1;
            let surname = SURNAMES[i % SURNAMES.len()];
            let first = if woman {
                WOMEN[(i * 7) % 6]
            } else {
                MEN[(i * 7) % 6]
            };
            let patronymic = PATRONYMICS[(i * 5 + i / 6) % 6];
            let (surname, patronymic) = if woman {
                (
                    format!("{surname}а"),
                    format!("{}на", patronymic.trim_end_matches("ич")),
                )
            } else {
                (surname.to_owned(), patronymic.to_owned())
            };
            let cents = (i64::try_from(i * 7919 % 400_000).unwrap_or(0)) - 150_000;
            Sample {
                name: format!("{surname} {first} {patronymic}"),
                account: format!("77{:06}", 100 + i * 1733 % 900_000),
                city: CITIES[(i * 3) % CITIES.len()],
                balance: Decimal::new(cents, 2),
                since: NaiveDate::from_ymd_opt(2019, 1, 1).unwrap_or_default()
                    + chrono::Days::new(u64::try_from(i * 53 % 2200).unwrap_or(0)),
            }
        })
        .collect()
});

// ---- texts ----------------------------------------------------------------------------------

pub struct GalleryTexts {
    pub title: &'static str,
    pub note: &'static str,
    pub table_heading: &'static str,
    pub table_caption: &'static str,
    pub search_label: &'static str,
    pub col_name: &'static str,
    pub col_account: &'static str,
    pub col_city: &'static str,
    pub col_balance: &'static str,
    pub col_since: &'static str,
    pub no_match_title: &'static str,
    pub no_match_text: &'static str,
    pub empty_heading: &'static str,
    pub empty_title: &'static str,
    pub empty_text: &'static str,
    pub empty_action: &'static str,
    pub form_heading: &'static str,
    pub form_name: &'static str,
    pub form_email: &'static str,
    pub form_email_hint: &'static str,
    pub form_plan: &'static str,
    pub form_comment: &'static str,
    pub form_agree: &'static str,
    pub form_submit: &'static str,
    pub plans: [(&'static str, &'static str); 3],
    pub name_required: &'static str,
    pub email_required: &'static str,
    pub email_invalid: &'static str,
    pub plan_required: &'static str,
    pub comment_too_long: &'static str,
    pub saved: fn(name: &str) -> String,
    pub demo_user: &'static str,
    pub demo_tenant: &'static str,
    pub demo_reason: &'static str,
    pub bad_cursor: &'static str,
}

pub static RU: GalleryTexts = GalleryTexts {
    title: "Галерея компонентов",
    note: "Страница для разработчиков и браузерных тестов: все компоненты интерфейса на учебных данных. Данные вымышлены и нигде не сохраняются.",
    table_heading: "Таблица: сортировка, поиск, страницы",
    table_caption: "Абоненты (учебные данные)",
    search_label: "Имя или город",
    col_name: "ФИО",
    col_account: "Лицевой счёт",
    col_city: "Город",
    col_balance: "Баланс",
    col_since: "Подключён",
    no_match_title: "Никого не нашлось",
    no_match_text: "Здесь появятся абоненты, чьё имя или город содержит искомый текст. Измените запрос или сбросьте поиск.",
    empty_heading: "Пустое состояние",
    empty_title: "Пока нет ни одного счётчика",
    empty_text: "Здесь появятся счётчики абонента, когда их добавят или загрузят из файла показаний.",
    empty_action: "Добавить счётчик",
    form_heading: "Форма: проверка на сервере",
    form_name: "Имя",
    form_email: "Электронная почта",
    form_email_hint: "На этот адрес придёт подтверждение.",
    form_plan: "Тариф",
    form_comment: "Комментарий",
    form_agree: "Получать новости по почте",
    form_submit: "Отправить заявку",
    plans: [
        ("basic", "Базовый"),
        ("standard", "Стандартный"),
        ("premium", "Расширенный"),
    ],
    name_required: "Укажите имя",
    email_required: "Укажите адрес электронной почты",
    email_invalid: "Адрес электронной почты должен быть вида name@example.ru",
    plan_required: "Выберите тариф",
    comment_too_long: "Комментарий длиннее 500 символов",
    saved: |name| format!("Заявка от «{name}» принята"),
    demo_user: "Анна Петрова (демо)",
    demo_tenant: "Водоканал Тверь",
    demo_reason: "проверка обращения в поддержку №42",
    bad_cursor: "Ссылка на страницу списка повреждена.",
};

pub static EN: GalleryTexts = GalleryTexts {
    title: "Component gallery",
    note: "A page for developers and browser tests: every UI component on sample data. The data is made up and never stored.",
    table_heading: "Table: sorting, search, pages",
    table_caption: "Subscribers (sample data)",
    search_label: "Name or city",
    col_name: "Full name",
    col_account: "Account",
    col_city: "City",
    col_balance: "Balance",
    col_since: "Connected",
    no_match_title: "Nobody found",
    no_match_text: "Subscribers whose name or city contains the text will appear here. Change the query or reset the search.",
    empty_heading: "Empty state",
    empty_title: "No meters yet",
    empty_text: "The subscriber's meters will appear here once they are added or imported from a readings file.",
    empty_action: "Add a meter",
    form_heading: "Form: validated on the server",
    form_name: "Name",
    form_email: "Email",
    form_email_hint: "We will send a confirmation to this address.",
    form_plan: "Plan",
    form_comment: "Comment",
    form_agree: "Send me news by email",
    form_submit: "Send request",
    plans: [
        ("basic", "Basic"),
        ("standard", "Standard"),
        ("premium", "Premium"),
    ],
    name_required: "Enter a name",
    email_required: "Enter an email address",
    email_invalid: "The email address must look like name@example.com",
    plan_required: "Choose a plan",
    comment_too_long: "The comment is longer than 500 characters",
    saved: |name| format!("Request from “{name}” received"),
    demo_user: "Anna Petrova (demo)",
    demo_tenant: "Tver Water",
    demo_reason: "checking support ticket #42",
    bad_cursor: "The link to this page of the list is damaged.",
};

fn texts(lang: Lang) -> &'static GalleryTexts {
    lang.pick(&RU, &EN)
}

// ---- the list -------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct ListQuery {
    q: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    cursor: Option<String>,
    chrome: Option<String>,
}

fn columns(g: &GalleryTexts) -> [Column; 5] {
    [
        Column::new("name", g.col_name).sortable(),
        Column::new("account", g.col_account).sortable(),
        Column::new("city", g.col_city).sortable(),
        Column::new("balance", g.col_balance).sortable().numeric(),
        Column::new("since", g.col_since).sortable(),
    ]
}

/// An opaque cursor: the offset of the page's first row. Real lists carry the store's signed
/// cursors; the gallery only needs something opaque that round-trips.
fn encode_cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("o:{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    let raw = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    std::str::from_utf8(&raw)
        .ok()?
        .strip_prefix("o:")?
        .parse()
        .ok()
}

fn compare(a: &Sample, b: &Sample, column: &str) -> Ordering {
    let primary = match column {
        "account" => a.account.cmp(&b.account),
        "city" => a.city.cmp(b.city),
        "balance" => a.balance.cmp(&b.balance),
        "since" => a.since.cmp(&b.since),
        _ => a.name.cmp(&b.name),
    };
    primary.then_with(|| a.account.cmp(&b.account))
}

/// A `cursor` parameter that no page of ours made.
#[derive(Debug)]
struct BadCursor;

impl BadCursor {
    fn problem(self, lang: Lang) -> Problem {
        Problem::bad_request("invalid_cursor", texts(lang).bad_cursor)
    }
}

/// The table section for a query, or the problem with its cursor.
fn list(
    t: &'static Texts,
    g: &'static GalleryTexts,
    lang: Lang,
    query: &ListQuery,
) -> Result<(FilterForm, DataTable), BadCursor> {
    let columns = columns(g);
    let sort = Sort::from_query(
        query.sort.as_deref(),
        query.dir.as_deref(),
        &columns,
        "name",
    );
    let needle = query.q.as_deref().unwrap_or("").trim().to_lowercase();
    let mut base = Link::new(PATH)
        .with("q", query.q.as_deref().unwrap_or("").trim())
        .with("sort", &sort.column)
        .with("dir", sort.dir.as_str());
    if let Some(chrome) = &query.chrome {
        base = base.with("chrome", chrome);
    }

    let mut rows: Vec<&Sample> = SAMPLES
        .iter()
        .filter(|s| {
            needle.is_empty()
                || s.name.to_lowercase().contains(&needle)
                || s.city.to_lowercase().contains(&needle)
        })
        .collect();
    rows.sort_by(|a, b| {
        let order = compare(a, b, &sort.column);
        if sort.dir == crate::ui::SortDir::Desc {
            order.reverse()
        } else {
            order
        }
    });

    let offset = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => 0,
        Some(cursor) => decode_cursor(cursor)
            .filter(|offset| *offset < rows.len().max(1))
            .ok_or(BadCursor)?,
    };
    let page: Vec<Vec<Cell>> = rows
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|s| {
            vec![
                Cell::text(&s.name),
                Cell::text(&s.account),
                Cell::text(s.city),
                Cell::number(format::money(s.balance, lang)),
                Cell::text(format::date(s.since)),
            ]
        })
        .collect();

    let mut pager = Pager::new(t);
    if offset > 0 {
        let prev = offset.saturating_sub(PAGE_SIZE);
        let cursor = (prev > 0).then(|| encode_cursor(prev));
        pager = pager.prev(&base, cursor.as_deref());
    }
    if offset + PAGE_SIZE < rows.len() {
        pager = pager.next(&base, &encode_cursor(offset + PAGE_SIZE));
    }
    let table = DataTable::new(t, g.table_caption, &base, &columns, Some(&sort))
        .rows(page)
        .empty(EmptyState::new(g.no_match_title, g.no_match_text))
        .pager(pager);
    let filter = FilterForm::new(t, &base, "q", g.search_label);
    Ok((filter, table))
}

// ---- the form -------------------------------------------------------------------------------

/// What the form posts. Every field is text as typed; parsing happens in `validate`.
#[derive(Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct Application {
    pub name: String,
    pub email: String,
    pub plan: String,
    pub comment: String,
    pub agree: Option<String>,
}

fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(char::is_whitespace)
}

fn validate(form: &Application, g: &GalleryTexts) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if form.name.trim().is_empty() {
        errors.add("name", g.name_required);
    }
    if form.email.trim().is_empty() {
        errors.add("email", g.email_required);
    } else if !is_email(form.email.trim()) {
        errors.add("email", g.email_invalid);
    }
    if !g.plans.iter().any(|(value, _)| *value == form.plan) {
        errors.add("plan", g.plan_required);
    }
    if form.comment.chars().count() > COMMENT_MAX_CHARS {
        errors.add("comment", g.comment_too_long);
    }
    errors
}

// ---- the page -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "pages/gallery.html")]
pub struct Gallery {
    pub t: &'static Texts,
    pub g: &'static GalleryTexts,
    pub action: &'static str,
    pub filter: FilterForm,
    pub table: DataTable,
    pub empty: EmptyState,
    pub summary: ErrorSummary,
    pub fields: Vec<Field>,
}

fn page(
    chrome: Chrome,
    list_query: &ListQuery,
    form: &Application,
    errors: &FieldErrors,
) -> Result<Page<Gallery>, BadCursor> {
    let (t, lang) = (chrome.t, chrome.lang);
    let g = texts(lang);
    let mut chrome = chrome.with_nav(demo_nav(t, g));
    if list_query.chrome.as_deref() == Some("demo") {
        chrome = chrome
            .with_user(UserMenu::new(g.demo_user), "demo-csrf-token")
            .with_impersonation(Impersonation {
                acting_as: g.demo_user.to_owned(),
                tenant: g.demo_tenant.to_owned(),
                reason: g.demo_reason.to_owned(),
                end_action: "/ui/impersonation/end".to_owned(),
            });
    }
    let (filter, table) = list(t, g, lang, list_query)?;
    let plans = g
        .plans
        .iter()
        .map(|(value, label)| SelectOption::new(*value, *label))
        .collect();
    let fields = vec![
        Field::text(t, "name", g.form_name)
            .value(&form.name)
            .required()
            .autocomplete("name")
            .errors(errors),
        Field::email(t, "email", g.form_email)
            .value(&form.email)
            .required()
            .hint(g.form_email_hint)
            .errors(errors),
        Field::select(t, "plan", g.form_plan, plans)
            .value(&form.plan)
            .required()
            .errors(errors),
        Field::textarea(t, "comment", g.form_comment)
            .value(&form.comment)
            .errors(errors),
        Field::checkbox(t, "agree", g.form_agree, form.agree.is_some()).errors(errors),
    ];
    let content = Gallery {
        t,
        g,
        action: PATH,
        filter,
        table,
        empty: EmptyState::new(g.empty_title, g.empty_text).action(g.empty_action, "#form"),
        summary: ErrorSummary::new(t, errors),
        fields,
    };
    Ok(Page::new(chrome, g.title, content))
}

async fn show(
    chrome: Chrome,
    format: ErrorFormat,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return format.respond(Problem::bad_request(
            "invalid_query",
            "the list parameters could not be read",
        ));
    };
    let lang = chrome.lang;
    match page(chrome, &query, &Application::default(), &FieldErrors::new()) {
        Ok(page) => page.into_response(),
        Err(bad) => format.respond(bad.problem(lang)),
    }
}

async fn submit(
    State(keys): State<FlashKeys>,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    form: Result<Form<Application>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return format.respond(Problem::bad_request(
            "invalid_form",
            "the form could not be read",
        ));
    };
    let g = texts(chrome.lang);
    let errors = validate(&form, g);
    if errors.is_empty() {
        let flash = Flash::success((g.saved)(form.name.trim()));
        return keys.redirect(PATH, &flash, &headers);
    }
    let lang = chrome.lang;
    match page(chrome, &ListQuery::default(), &form, &errors) {
        Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
        Err(bad) => format.respond(bad.problem(lang)),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::Request;
    use chrono::{TimeZone, Utc};
    use crm_app::clock::FixedClock;
    use crm_app::signing::Signer;
    use tower::ServiceExt;

    use super::*;

    fn app() -> Router {
        let clock = Arc::new(FixedClock::new(
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        ));
        let keys = FlashKeys::new(&Signer::new(&[3; 32]).unwrap(), clock);
        router(keys.clone()).layer(axum::middleware::from_fn_with_state(
            keys,
            crate::flash::middleware,
        ))
    }

    async fn send(request: Request<Body>) -> (StatusCode, HeaderMap, String) {
        let response = app().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
    }

    async fn get_page(uri: &str) -> (StatusCode, String) {
        let (status, _, body) = send(Request::get(uri).body(Body::empty()).unwrap()).await;
        (status, body)
    }

    fn post_form(body: &'static str) -> Request<Body> {
        Request::post(PATH)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    }

    fn first_row_name(body: &str) -> String {
        let row = body.split("<tbody>").nth(1).unwrap();
        let cell = row.split("<td>").nth(1).unwrap();
        cell.split("</td>").next().unwrap().trim().to_owned()
    }

    #[test]
    fn samples_are_sixty_distinct_accounts() {
        assert_eq!(SAMPLES.len(), 60);
        let mut accounts: Vec<_> = SAMPLES.iter().map(|s| s.account.clone()).collect();
        accounts.sort();
        accounts.dedup();
        assert_eq!(accounts.len(), 60);
        assert!(SAMPLES.iter().any(|s| s.balance < Decimal::ZERO));
    }

    #[tokio::test]
    async fn sorting_toggles_and_marks_the_column() {
        let (status, body) = get_page(PATH).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            body.contains(r#"<th scope="col" aria-sort="ascending">"#),
            "sorted by name"
        );
        assert!(
            body.contains(r#"href="/ui/components?sort=name&#38;dir=desc""#),
            "toggle link"
        );
        assert!(body.contains(r#"href="/ui/components?sort=city&#38;dir=asc""#));
        let ascending = first_row_name(&body);

        let (_, body) = get_page("/ui/components?sort=name&dir=desc").await;
        assert!(body.contains(r#"aria-sort="descending""#));
        assert_ne!(first_row_name(&body), ascending);
        let mut names: Vec<_> = SAMPLES.iter().map(|s| s.name.clone()).collect();
        names.sort();
        assert_eq!(first_row_name(&body), *names.last().unwrap());
        assert_eq!(ascending, names[0]);
    }

    #[tokio::test]
    async fn filtering_and_pages() {
        let (_, body) = get_page("/ui/components?q=%D0%A2%D0%BE%D0%BC%D1%81%D0%BA").await; // Томск
        let rows = body.matches("<tr>").count() - 1;
        let expected = SAMPLES.iter().filter(|s| s.city == "Томск").count();
        assert_eq!(rows, expected.min(PAGE_SIZE));
        assert!(
            body.contains(r#"value="Томск""#),
            "the search keeps its text"
        );

        let (_, body) = get_page(PATH).await;
        assert!(body.contains(r#"rel="next""#));
        assert!(body.contains(r#"<span class="page-link" aria-disabled="true">‹ Назад</span>"#));
        let next = body.split(r#"rel="next""#).next().unwrap();
        let href = next
            .rsplit("href=\"")
            .next()
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let href = href.replace("&#38;", "&");
        let (status, page2) = get_page(&href).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page2.contains(r#"rel="prev""#));
        assert_ne!(first_row_name(&page2), first_row_name(&body));

        let (_, body) = get_page("/ui/components?q=zzzz").await;
        assert!(body.contains("data-empty-state") && body.contains("Никого не нашлось"));

        let (status, body) = get_page("/ui/components?cursor=garbage").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("<html"), "a browser gets the HTML page");
    }

    #[tokio::test]
    async fn bad_input_is_shown_inline_and_kept() {
        let (status, _, body) = send(post_form(
            "name=&email=not-an-email&plan=&comment=%3Cb%3Ehi%3C%2Fb%3E",
        ))
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("data-error-summary"));
        assert!(body.contains(r##"<a href="#f-name" class="alert-link">Укажите имя</a>"##));
        assert!(
            body.contains(r#"id="f-email" name="email" value="not-an-email""#),
            "value kept"
        );
        assert!(
            body.contains(r#"aria-invalid="true" aria-describedby="f-email-error f-email-hint""#)
        );
        assert!(body.contains(r#"id="f-email-error""#));
        assert!(
            body.contains("&#60;b&#62;hi&#60;/b&#62;</textarea>"),
            "escaped"
        );
        assert!(!body.contains("<b>hi</b>"));
    }

    #[tokio::test]
    async fn good_input_redirects_with_a_flash_shown_once() {
        let (status, headers, _) = send(post_form(
            "name=%3Cscript%3E%D0%98%D0%B2%D0%B0%D0%BD&email=ivan%40example.ru&plan=basic",
        ))
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(headers["location"], PATH);
        let cookie = headers["set-cookie"].to_str().unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
        let pair = cookie.split(';').next().unwrap().to_owned();

        let (_, headers, body) = send(
            Request::get(PATH)
                .header("cookie", &pair)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert!(
            body.contains("Заявка от «&#60;script&#62;Иван» принята"),
            "shown, escaped"
        );
        assert!(
            headers["set-cookie"]
                .to_str()
                .unwrap()
                .starts_with("flash=;"),
            "and cleared"
        );
        let (_, body) = get_page(PATH).await;
        assert!(!body.contains("принята"));
    }

    #[tokio::test]
    async fn demo_chrome_has_a_user_menu_with_csrf_and_a_banner() {
        let (_, body) = get_page("/ui/components?chrome=demo").await;
        assert!(body.contains(r#"<input type="hidden" name="_csrf" value="demo-csrf-token">"#));
        assert!(body.contains(r#"<meta name="csrf-token" content="demo-csrf-token">"#));
        assert!(
            body.contains("Вы действуете как Анна Петрова (демо) в организации «Водоканал Тверь»")
        );
        assert!(body.contains(r#"href="/ui/components" aria-current="page""#));
        assert!(
            body.contains("sort=city&#38;dir=asc&#38;chrome=demo") || body.contains("chrome=demo")
        );
    }

    #[test]
    fn emails() {
        assert!(is_email("a@b.ru"));
        assert!(!is_email("a@b"));
        assert!(!is_email("@b.ru"));
        assert!(!is_email("a b@c.ru"));
        assert!(!is_email("a@b@c.ru"));
    }
}

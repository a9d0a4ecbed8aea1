//! The outbox pages: the mail the platform sent, where the mailer keeps it (the local outbox),
//! for platform staff (everything) and for a tenant (its own mail only). Each mail opens with
//! its links clickable, and the newest mail's link is offered first: locally, invitation and
//! password-reset links are how people get in. With SES nothing is kept and the page says so.

pub mod links;
pub mod texts;

use askama::Template;
use axum::response::{IntoResponse, Response};
use chrono_tz::Tz;
use crm_app::Services;
use crm_app::mail::{OutboxScope, SentEmail};

pub use texts::{OutboxTexts, texts};

use crate::error_page::ErrorFormat;
use crate::format;
use crate::i18n::Texts;
use crate::problem::Problem;
use crate::ui::{Chrome, EmptyState, Page};
use links::Segment;

/// How many of the newest mails the list shows.
pub const LIST_LIMIT: usize = 100;

/// Where the pages live: `/outbox` for a tenant, `/central/outbox` for staff.
#[derive(Clone, Debug)]
pub struct OutboxSite {
    pub scope: OutboxScope,
    pub base: &'static str,
    pub zone: Tz,
}

impl OutboxSite {
    fn message_href(&self, id: &str) -> String {
        format!("{}/{}", self.base, crate::ui::url::encode(id))
    }
}

pub struct MailRow {
    pub href: String,
    pub time: String,
    pub time_utc: String,
    pub to: String,
    pub subject: String,
    pub category: String,
    pub tenant: String,
}

/// The newest mail, with its first link.
pub struct Newest {
    pub href: String,
    pub subject: String,
    pub to: String,
    pub time: String,
    pub link: Option<String>,
}

#[derive(Template)]
#[template(path = "outbox/list.html")]
pub struct OutboxList {
    pub t: &'static Texts,
    pub o: &'static OutboxTexts,
    /// `None` when the mailer keeps no outbox.
    pub rows: Option<Vec<MailRow>>,
    pub newest: Option<Newest>,
    pub show_tenant: bool,
    pub empty: EmptyState,
    pub limit_note: Option<String>,
}

#[derive(Template)]
#[template(path = "outbox/message.html")]
pub struct OutboxMessage {
    pub o: &'static OutboxTexts,
    pub back: String,
    pub to: String,
    pub time: String,
    pub time_utc: String,
    pub category: String,
    pub tenant: String,
    pub segments: Vec<Segment>,
}

fn tenant_label(o: &OutboxTexts, sent: &SentEmail) -> String {
    sent.email
        .tenant_id
        .as_ref()
        .map_or_else(|| o.platform_mail.to_owned(), ToString::to_string)
}

fn mail_unavailable(e: &crm_app::mail::MailError) -> Problem {
    tracing::warn!(error = %e, "the outbox could not be read");
    Problem::unavailable("the outbox cannot be read right now, try again shortly")
}

pub async fn list(
    services: &Services,
    chrome: Chrome,
    format: &ErrorFormat,
    site: &OutboxSite,
) -> Response {
    let o = texts(chrome.lang);
    let sent = match services.mailer.outbox_in(&site.scope, LIST_LIMIT).await {
        Ok(sent) => sent,
        Err(e) => return format.respond(mail_unavailable(&e)),
    };
    let newest = sent.as_ref().and_then(|s| s.first()).map(|mail| Newest {
        href: site.message_href(&mail.id),
        subject: mail.email.subject.clone(),
        to: mail.email.to.clone(),
        time: format::date_time(mail.sent_at, site.zone),
        link: links::first_link(&mail.email.text),
    });
    let limit_note = sent
        .as_ref()
        .filter(|s| s.len() == LIST_LIMIT)
        .map(|_| (o.shown_newest)(LIST_LIMIT));
    let rows = sent.map(|sent| {
        sent.iter()
            .map(|mail| MailRow {
                href: site.message_href(&mail.id),
                time: format::date_time(mail.sent_at, site.zone),
                time_utc: mail.sent_at.to_rfc3339(),
                to: mail.email.to.clone(),
                subject: mail.email.subject.clone(),
                category: mail.email.category.clone(),
                tenant: tenant_label(o, mail),
            })
            .collect()
    });
    let content = OutboxList {
        t: chrome.t,
        o,
        rows,
        newest,
        show_tenant: site.scope == OutboxScope::All,
        empty: EmptyState::new(o.empty_title, o.empty_text),
        limit_note,
    };
    Page::new(chrome, o.title, content).into_response()
}

pub async fn message(
    services: &Services,
    chrome: Chrome,
    format: &ErrorFormat,
    site: &OutboxSite,
    id: &str,
) -> Response {
    let o = texts(chrome.lang);
    let mail = match services.mailer.outbox_message(&site.scope, id).await {
        Ok(Some(mail)) => mail,
        Ok(None) => return format.respond(Problem::not_found()),
        Err(e) => return format.respond(mail_unavailable(&e)),
    };
    let content = OutboxMessage {
        o,
        back: site.base.to_owned(),
        to: mail.email.to.clone(),
        time: format::date_time(mail.sent_at, site.zone),
        time_utc: mail.sent_at.to_rfc3339(),
        category: mail.email.category.clone(),
        tenant: tenant_label(o, &mail),
        segments: links::segments(&mail.email.text),
    };
    Page::new(chrome, mail.email.subject, content).into_response()
}

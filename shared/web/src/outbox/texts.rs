//! Words of the outbox pages.

use crate::i18n::Lang;

#[derive(Debug)]
pub struct OutboxTexts {
    pub title: &'static str,
    pub lead: &'static str,
    pub not_kept: &'static str,
    pub newest: &'static str,
    pub newest_link: &'static str,
    pub newest_no_link: &'static str,
    pub col_time: &'static str,
    pub col_to: &'static str,
    pub col_subject: &'static str,
    pub col_kind: &'static str,
    pub col_tenant: &'static str,
    pub platform_mail: &'static str,
    pub empty_title: &'static str,
    pub empty_text: &'static str,
    pub back: &'static str,
    pub sent_at: &'static str,
    pub to: &'static str,
    pub kind: &'static str,
    pub tenant: &'static str,
    pub text: &'static str,
    pub shown_newest: fn(count: usize) -> String,
}

pub static RU: OutboxTexts = OutboxTexts {
    title: "Исходящие письма",
    lead: "Письма, которые платформа отправила бы по почте: приглашения, сброс пароля, уведомления. Локально они не уходят дальше этой страницы — ссылки из них открываются отсюда.",
    not_kept: "Письма отправляются через Amazon SES, и платформа не хранит их копии, поэтому здесь их не видно. Проверьте почтовый ящик получателя.",
    newest: "Последнее письмо",
    newest_link: "Открыть ссылку из письма",
    newest_no_link: "В письме нет ссылок.",
    col_time: "Отправлено",
    col_to: "Кому",
    col_subject: "Тема",
    col_kind: "Вид",
    col_tenant: "Организация",
    platform_mail: "платформа",
    empty_title: "Писем пока нет",
    empty_text: "Здесь появятся приглашения, письма для сброса пароля и уведомления, как только платформа их отправит.",
    back: "Все письма",
    sent_at: "Отправлено",
    to: "Кому",
    kind: "Вид",
    tenant: "Организация",
    text: "Текст письма",
    shown_newest: |count| format!("Показаны последние {count} писем."),
};

pub static EN: OutboxTexts = OutboxTexts {
    title: "Outgoing mail",
    lead: "Mail the platform would send: invitations, password resets, notifications. Locally it goes no further than this page; open the links in it from here.",
    not_kept: "Mail goes out through Amazon SES and the platform keeps no copy, so none is listed here. Check the recipient's mailbox.",
    newest: "Newest mail",
    newest_link: "Open the link in the mail",
    newest_no_link: "The mail has no links.",
    col_time: "Sent",
    col_to: "To",
    col_subject: "Subject",
    col_kind: "Kind",
    col_tenant: "Tenant",
    platform_mail: "platform",
    empty_title: "No mail yet",
    empty_text: "Invitations, password resets and notifications will appear here as soon as the platform sends them.",
    back: "All mail",
    sent_at: "Sent",
    to: "To",
    kind: "Kind",
    tenant: "Tenant",
    text: "Text",
    shown_newest: |count| format!("Showing the newest {count} messages."),
};

pub fn texts(lang: Lang) -> &'static OutboxTexts {
    lang.pick(&RU, &EN)
}

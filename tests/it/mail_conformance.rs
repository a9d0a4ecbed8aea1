//! The `Mailer` contract, one test body against the local outbox (a temporary folder) and
//! against SES (API v2) on the moto server. What was sent is read back through the outbox, or
//! through moto's record of sent messages (`/moto-api/data.json`, service `ses`, model
//! `Message`), since SES itself keeps nothing to list.

use std::sync::Arc;

use crm_adapters::outbox_mailer::OutboxMailer;
use crm_adapters::ses_mailer::{SesMailer, create_sender_identity};
use crm_app::clock::{RandomIds, SystemClock};
use crm_app::mail::{Email, MailError, Mailer, OutboxScope};
use crm_domain::TenantId;
use serde_json::Value;

use crate::support::moto;

/// What a mail looked like on arrival.
#[derive(Debug, PartialEq, Eq)]
struct Delivered {
    to: String,
    subject: String,
    text: String,
}

fn email(tenant: Option<&str>, to: &str, subject: &str, text: &str) -> Email {
    Email {
        tenant_id: tenant.map(|t| TenantId::parse(t).expect("tenant id")),
        to: to.to_owned(),
        subject: subject.to_owned(),
        text: text.to_owned(),
        html: None,
        category: "test".to_owned(),
    }
}

const BAD_ADDRESSES: &[&str] = &[
    "",
    "no-at-sign",
    "a@nodot",
    "@example.ru",
    "two@example.ru, three@example.ru",
    "Иван <ivan@example.ru>",
    "ivan@example.ru\r\nBcc: spy@example.ru",
    "i van@example.ru",
];

/// The contract. `delivered` reads back the mail with a message id as the recipient got it.
async fn contract<F, Fut>(mailer: &dyn Mailer, delivered: F)
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Option<Delivered>>,
{
    // Cyrillic subject and body arrive intact.
    let subject = "Приглашение в «Водоканал Тверь» — ёжик №1";
    let text =
        "Здравствуйте!\nПерейдите по ссылке: http://demo.localhost:3000/invite/abc?x=1&y=2\n";
    let id = mailer
        .send(&email(Some("tver"), "olga@example.ru", subject, text))
        .await
        .expect("a good mail is sent");
    assert!(!id.is_empty(), "a message id is returned");
    assert_eq!(
        delivered(id).await,
        Some(Delivered {
            to: "olga@example.ru".into(),
            subject: subject.into(),
            text: text.into(),
        })
    );

    // Addresses that are not one plain address are refused before anything is sent.
    for bad in BAD_ADDRESSES {
        let refused = mailer.send(&email(None, bad, "x", "y")).await;
        assert_eq!(
            refused,
            Err(MailError::BadAddress((*bad).to_owned())),
            "{bad:?}"
        );
    }

    // Where there is an outbox, it lists newest first and by tenant.
    let Some(_) = mailer.outbox(1).await.expect("outbox readable") else {
        return;
    };
    let first = mailer
        .send(&email(None, "staff@example.ru", "Первое", "1"))
        .await
        .expect("sent");
    let second = mailer
        .send(&email(Some("kazan"), "anna@example.ru", "Второе", "2"))
        .await
        .expect("sent");
    let newest: Vec<String> = mailer
        .outbox(2)
        .await
        .expect("outbox")
        .expect("kept")
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(newest, [second.clone(), first.clone()]);

    let kazan = OutboxScope::Tenant(TenantId::parse("kazan").expect("id"));
    let seen: Vec<String> = mailer
        .outbox_in(&kazan, 10)
        .await
        .expect("outbox")
        .expect("kept")
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(
        seen,
        std::slice::from_ref(&second),
        "only that tenant's mail"
    );
    assert!(
        mailer
            .outbox_message(&kazan, &first)
            .await
            .expect("read")
            .is_none(),
        "another's mail is not found through a tenant's scope"
    );
    let one = mailer
        .outbox_message(&OutboxScope::All, &first)
        .await
        .expect("read")
        .expect("found");
    assert_eq!(one.email.subject, "Первое");
    assert!(
        mailer
            .outbox_message(&OutboxScope::All, "../../etc/passwd")
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn outbox_mailer_keeps_the_contract() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mailer = OutboxMailer::new(
        dir.path().join("outbox"),
        Arc::new(SystemClock),
        Arc::new(RandomIds),
    );
    let reader = &mailer;
    contract(&mailer, |id| async move {
        let sent = reader
            .outbox_message(&OutboxScope::All, &id)
            .await
            .expect("outbox readable")?;
        Some(Delivered {
            to: sent.email.to,
            subject: sent.email.subject,
            text: sent.email.text,
        })
    })
    .await;
}

/// Moto's record of a message SES accepted.
async fn moto_sent_message(endpoint: &str, id: &str) -> Option<(String, Delivered)> {
    let data: Value = reqwest::get(format!("{endpoint}/moto-api/data.json"))
        .await
        .expect("moto answers")
        .json()
        .await
        .expect("moto data is JSON");
    let messages = data["ses"]["Message"].as_array()?;
    let message = messages.iter().find(|m| m["id"] == id)?;
    let text = |field: &str| message[field].as_str().unwrap_or_default().to_owned();
    Some((
        text("source"),
        Delivered {
            to: message["destinations"]["ToAddresses"][0]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            subject: text("subject"),
            text: text("body"),
        },
    ))
}

#[tokio::test]
async fn ses_mailer_keeps_the_contract_on_the_emulator() {
    let endpoint = moto::endpoint();
    let sdk = crm_adapters::aws::sdk_config_for_emulator(endpoint).await;
    let sender = format!("{}@crm.example.ru", moto::unique_name("no-reply"));

    // SES refuses a sender that is not a verified identity: a setup problem, not a bad address.
    let unverified = SesMailer::new(&sdk, sender.clone());
    let refused = unverified
        .send(&email(None, "olga@example.ru", "x", "y"))
        .await;
    assert!(
        matches!(refused, Err(MailError::Unavailable(ref why)) if why.contains("MessageRejected")),
        "{refused:?}"
    );

    create_sender_identity(&sdk, &sender)
        .await
        .expect("identity created");
    create_sender_identity(&sdk, &sender)
        .await
        .expect("creating it again is fine");
    let mailer = SesMailer::new(&sdk, sender.clone());
    assert_eq!(mailer.outbox(10).await, Ok(None), "SES keeps no outbox");
    let from = &sender;
    contract(&mailer, |id| async move {
        let (source, delivered) = moto_sent_message(endpoint, &id).await?;
        assert_eq!(source, *from, "sent from the configured sender");
        Some(delivered)
    })
    .await;
}

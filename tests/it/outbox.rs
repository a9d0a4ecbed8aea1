//! The outbox pages: staff see every mail, a tenant's administrators (`users:create`) only their
//! tenant's; each mail opens with clickable links, and the newest mail's link is offered first.

use crm_app::mail::Email;
use crm_domain::TenantId;
use http::StatusCode;

use crate::audit_log::{get, member, platform, staff};
use crate::support::tenants;

fn mail(tenant: Option<&TenantId>, to: &str, subject: &str, link: &str) -> Email {
    Email {
        tenant_id: tenant.cloned(),
        to: to.to_owned(),
        subject: subject.to_owned(),
        text: format!("Здравствуйте!\nЧтобы войти, откройте {link}.\n<script>alert(1)</script>"),
        html: None,
        category: "invitation".to_owned(),
    }
}

#[tokio::test]
async fn each_sees_the_right_mail_and_the_newest_link_first() {
    let platform = platform().await;
    let services = &platform.services;
    let router = platform.router();
    let a = tenants::create_tenant(services, "mail-a").await;
    let b = tenants::create_tenant(services, "mail-b").await;
    let admin_a = member(services, &a, "administrator").await;
    let mailer = &services.mailer;
    let b_id = mailer
        .send(&mail(
            Some(&b),
            "olga@b.example.ru",
            "Приглашение в B",
            "http://mail-b.localhost:3000/invite/bbb",
        ))
        .await
        .expect("sent");
    mailer
        .send(&mail(
            Some(&a),
            "anna@a.example.ru",
            "Старое приглашение в A",
            "http://mail-a.localhost:3000/invite/old",
        ))
        .await
        .expect("sent");
    let a_id = mailer
        .send(&mail(
            Some(&a),
            "ivan@a.example.ru",
            "Приглашение в A",
            "http://mail-a.localhost:3000/invite/aaa?x=1&y=2",
        ))
        .await
        .expect("sent");
    mailer
        .send(&mail(
            None,
            "staff@crm.example.ru",
            "Сброс пароля сотрудника",
            "http://localhost:3000/central/reset/sss",
        ))
        .await
        .expect("sent");
    let host_a = tenants::host(&a);

    let list = get(&router, &host_a, "/outbox", Some(&admin_a)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(
        list.body.matches("data-outbox-mail").count(),
        2,
        "only A's mail"
    );
    assert!(!list.body.contains("Приглашение в B") && !list.body.contains("Сброс пароля"));
    let newest = list
        .body
        .split("data-outbox-newest")
        .nth(1)
        .expect("newest mail shown");
    assert!(newest.contains("Приглашение в A"));
    assert!(
        newest.contains(
            r#"href="http://mail-a.localhost:3000/invite/aaa?x=1&#38;y=2" data-newest-link"#
        ),
        "{newest}"
    );
    assert!(
        list.body.contains(&format!(
            r#"<meta name="csrf-token" content="{}">"#,
            admin_a.csrf
        )),
        "signed-in frame with the session's token"
    );

    let one = get(&router, &host_a, &format!("/outbox/{a_id}"), Some(&admin_a)).await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(one.body.contains("<title>Приглашение в A"));
    assert!(
        one.body
            .contains(r#"<a href="http://mail-a.localhost:3000/invite/aaa?x=1&#38;y=2">"#)
    );
    assert!(one.body.contains("&#60;script&#62;") && !one.body.contains("<script>alert"));
    assert_eq!(
        get(&router, &host_a, &format!("/outbox/{b_id}"), Some(&admin_a))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "another tenant's mail is not found"
    );
    assert_eq!(
        get(
            &router,
            &host_a,
            "/outbox/..%2F..%2Fsigning.key",
            Some(&admin_a)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    let viewer = member(services, &a, "viewer").await;
    assert_eq!(
        get(&router, &host_a, "/outbox", Some(&viewer)).await.status,
        StatusCode::FORBIDDEN
    );
    // Reading users is not enough: an invitation link in the outbox claims an account.
    let manager = member(services, &a, "manager").await;
    assert_eq!(
        get(&router, &host_a, "/outbox", Some(&manager))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    let support = staff(services, "support").await;
    let all = get(&router, "localhost", "/central/outbox", Some(&support)).await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.body.matches("data-outbox-mail").count(), 4);
    assert!(all.body.contains("Сброс пароля сотрудника") && all.body.contains("mail-b"));
    let central_one = get(
        &router,
        "localhost",
        &format!("/central/outbox/{b_id}"),
        Some(&support),
    )
    .await;
    assert_eq!(central_one.status, StatusCode::OK);
    assert!(central_one.body.contains("olga@b.example.ru"));

    let read_only = staff(services, "read_only").await;
    assert_eq!(
        get(&router, "localhost", "/central/outbox", Some(&read_only))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&router, "localhost", "/central/outbox", None)
            .await
            .status,
        StatusCode::SEE_OTHER,
        "browsers are sent to sign in"
    );
    assert_eq!(
        get(&router, &host_a, "/central/outbox", Some(&admin_a))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_empty_outbox_says_what_will_appear_and_ses_says_it_keeps_nothing() {
    let mut platform = platform().await;
    let a = tenants::create_tenant(&platform.services, "mail-empty").await;
    let admin = member(&platform.services, &a, "administrator").await;
    let host = tenants::host(&a);
    let empty = get(&platform.router(), &host, "/outbox", Some(&admin)).await;
    assert!(empty.body.contains("data-empty-state") && empty.body.contains("Писем пока нет"));
    assert!(!empty.body.contains("data-outbox-newest"));

    let sdk = crm_adapters::aws::sdk_config_for_emulator("http://127.0.0.1:9").await;
    platform.services.mailer = std::sync::Arc::new(crm_adapters::ses_mailer::SesMailer::new(
        &sdk,
        "no-reply@crm.example.ru",
    ));
    let ses = get(&platform.router(), &host, "/outbox", Some(&admin)).await;
    assert_eq!(ses.status, StatusCode::OK);
    assert!(ses.body.contains("data-outbox-not-kept") && ses.body.contains("Amazon SES"));
}

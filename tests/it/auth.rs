//! Signing in and out through the pages: cookies, `next`, CSRF before and after signing in,
//! lockout with backoff, session expiry, password resets, invitations and the TOTP second
//! factor.

use chrono::Duration;
use crm_app::identity::accounts;
use crm_app::keys::Namespace;
use crm_domain::auth::totp::TotpSecret;
use http::{Method, StatusCode};

use crate::support::http::{Client, form_value};
use crate::support::identity::{
    PASSWORD, audit_actions, browser, link_path, outbox, platform, tenant_with, timed_platform,
};
use crate::support::tenants;

#[tokio::test]
async fn sign_in_sets_a_safe_cookie_and_sign_out_ends_the_session() {
    let platform = platform().await;
    let services = &platform.services;
    let (tenant, admin) = tenant_with(services, "acme", "administrator").await;
    let mut browser = Client::new(platform.router(), &tenants::host(&tenant));

    let page = browser.get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1 class=\"page-title\">Вход</h1>"));
    assert!(
        browser.cookies.contains_key("crm_csrf"),
        "a pre-session token"
    );

    let done = browser.log_in("/login", &admin.email, PASSWORD).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/");
    let cookie = done.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("crm_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP locally");

    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains(&admin.name), "the user menu names them");
    assert!(
        home.body.contains(r#"href="/users""#),
        "an administrator sees Users"
    );
    assert!(home.body.contains("data-dashboard"));

    let csrf = form_value(&home.body, "_csrf").expect("the logout form carries the token");
    let refused = browser.post_form("/logout", &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "no CSRF token");
    let out = browser.post_form("/logout", &[("_csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), "/login");
    assert!(
        !browser.cookies.contains_key("crm_session"),
        "cookie cleared"
    );
    let again = browser.get("/users").await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(again.location(), "/login?next=%2Fusers");

    let actions = audit_actions(services, &Namespace::tenant(&tenant), "account", &admin.id).await;
    assert!(actions.contains(&"auth.login".to_owned()), "{actions:?}");
    assert!(actions.contains(&"auth.logout".to_owned()), "{actions:?}");
}

#[tokio::test]
async fn cookies_are_secure_behind_https_and_next_stays_local() {
    let platform = platform().await;
    let (tenant, admin) = tenant_with(&platform.services, "acme", "administrator").await;
    let mut browser = Client::new(platform.router(), &tenants::host(&tenant));
    let csrf = browser.get("/login").await.csrf();
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("_csrf", csrf.as_str()),
            ("email", admin.email.as_str()),
            ("password", PASSWORD),
            ("next", "https://evil.example/steal"),
        ])
        .finish();
    let done = browser
        .send(
            Method::POST,
            "/login",
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
            &[("x-forwarded-proto", "https")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), "/", "a foreign next is ignored");
    assert!(
        done.headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("; Secure")
    );

    let mut other = Client::new(platform.router(), &tenants::host(&tenant));
    let csrf = other.get("/login?next=/users").await.csrf();
    let done = other
        .post_form(
            "/login",
            &[
                ("_csrf", &csrf),
                ("email", &admin.email),
                ("password", PASSWORD),
                ("next", "/users?q=a"),
            ],
        )
        .await;
    assert_eq!(done.location(), "/users?q=a");
}

#[tokio::test]
async fn pre_session_forms_need_their_cookie_token() {
    let platform = platform().await;
    let (tenant, admin) = tenant_with(&platform.services, "acme", "administrator").await;
    let mut browser = Client::new(platform.router(), &tenants::host(&tenant));
    let fields = [("email", admin.email.as_str()), ("password", PASSWORD)];
    let missing = browser.post_form("/login", &fields).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN, "no cookie, no field");
    let csrf = browser.get("/login").await.csrf();
    let stale = browser
        .post_form(
            "/login",
            &[("_csrf", "not-the-token"), fields[0], fields[1]],
        )
        .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
    assert!(stale.body.contains("<html"), "browsers get the error page");
    let mut no_cookie = Client::new(platform.router(), &tenants::host(&tenant));
    let forged = no_cookie
        .post_form("/login", &[("_csrf", &csrf), fields[0], fields[1]])
        .await;
    assert_eq!(
        forged.status,
        StatusCode::FORBIDDEN,
        "the field alone is not enough"
    );
    let ok = browser
        .post_form("/login", &[("_csrf", &csrf), fields[0], fields[1]])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn signed_in_changes_need_the_session_token() {
    let platform = platform().await;
    let (tenant, admin) = tenant_with(&platform.services, "acme", "administrator").await;
    let (mut browser, csrf) = browser(&platform, &tenant, admin).await;
    let fields = [
        ("current_password", PASSWORD),
        ("password", "a new long passphrase"),
        ("password_confirm", "a new long passphrase"),
    ];
    let missing = browser.post_form("/account/password", &fields).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let mut stale = vec![("_csrf", "stale-token")];
    stale.extend_from_slice(&fields);
    assert_eq!(
        browser.post_form("/account/password", &stale).await.status,
        StatusCode::FORBIDDEN
    );
    let json = browser
        .json(
            Method::POST,
            "/api/v1/invitations",
            &serde_json::json!({}),
            None,
        )
        .await;
    assert_eq!(
        json.status,
        StatusCode::FORBIDDEN,
        "the API with a cookie needs the header"
    );
    assert_eq!(json.json()["code"], "csrf_failed");
    let mut good = vec![("_csrf", csrf.as_str())];
    good.extend_from_slice(&fields);
    let done = browser.post_form("/account/password", &good).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/account");
}

#[tokio::test]
async fn wrong_passwords_lock_with_backoff_and_success_resets() {
    let timed = timed_platform().await;
    let platform = &timed.platform;
    let services = &platform.services;
    let (tenant, admin) = tenant_with(services, "acme", "administrator").await;
    let mut browser = Client::new(platform.router(), &tenants::host(&tenant));
    let attempt = |browser: &mut Client, password: &'static str| {
        let mut browser = browser.clone();
        let email = admin.email.clone();
        async move {
            let reply = browser.log_in("/login", &email, password).await;
            (reply.status, reply.body)
        }
    };
    for _ in 0..4 {
        let (status, body) = attempt(&mut browser, "wrong password!").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(body.contains("Неверный адрес электронной почты или пароль."));
    }
    let (status, body) = attempt(&mut browser, "wrong password!").await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the fifth failure locks"
    );
    assert!(body.contains("Повторите через 1 мин."), "{body}");
    let (status, _) = attempt(&mut browser, PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );

    timed.clock.advance(Duration::seconds(61));
    let (status, body) = attempt(&mut browser, "wrong password!").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        body.contains("Повторите через 2 мин."),
        "the lock doubles: {body}"
    );
    timed.clock.advance(Duration::seconds(121));
    let (status, body) = attempt(&mut browser, "wrong password!").await;
    assert!(body.contains("Повторите через 4 мин."), "{status} {body}");

    timed.clock.advance(Duration::minutes(5));
    let (status, _) = attempt(&mut browser, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "signed in after the lock");
    let db = services.db.tenant(&tenant);
    let (stored, _) = accounts::find_by_email(&db, &admin.email)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.failed_logins, 0, "success resets the count");
    assert_eq!(stored.locked_until, None);
    for _ in 0..4 {
        assert_eq!(
            attempt(&mut browser, "wrong password!").await.0,
            StatusCode::UNAUTHORIZED
        );
    }

    let actions = audit_actions(services, &Namespace::tenant(&tenant), "account", &admin.id).await;
    assert!(
        actions.iter().filter(|a| *a == "auth.login_failed").count() >= 8,
        "{actions:?}"
    );
    assert!(actions.contains(&"auth.locked".to_owned()));
    assert!(actions.contains(&"auth.login".to_owned()));
}

#[tokio::test]
async fn unknown_emails_and_disabled_accounts_read_like_wrong_passwords() {
    let platform = platform().await;
    let (tenant, admin) = tenant_with(&platform.services, "acme", "administrator").await;
    let mut browser = Client::new(platform.router(), &tenants::host(&tenant));
    let unknown = browser
        .log_in("/login", "nobody@acme.example.ru", PASSWORD)
        .await;
    let wrong = browser
        .log_in("/login", &admin.email, "not the password")
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let message = "Неверный адрес электронной почты или пароль.";
    assert!(unknown.body.contains(message) && wrong.body.contains(message));
    let empty = browser.log_in("/login", "", "").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("data-error-summary"));
}

#[tokio::test]
async fn sessions_end_after_idle_time_and_absolute_lifetime() {
    let timed = timed_platform().await;
    let platform = &timed.platform;
    let (tenant, admin) = tenant_with(&platform.services, "acme", "administrator").await;
    let mut idle = Client::new(platform.router(), &tenants::host(&tenant));
    assert_eq!(
        idle.log_in("/login", &admin.email, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    timed.clock.advance(Duration::hours(11));
    assert_eq!(
        idle.get("/").await.status,
        StatusCode::OK,
        "11 h idle is fine"
    );
    timed.clock.advance(Duration::hours(11));
    assert_eq!(
        idle.get("/").await.status,
        StatusCode::OK,
        "activity moved the idle limit"
    );
    timed
        .clock
        .advance(Duration::hours(12) + Duration::minutes(1));
    let gone = idle.get("/").await;
    assert_eq!(
        gone.status,
        StatusCode::SEE_OTHER,
        "12 h without a request ends it"
    );
    assert!(gone.location().starts_with("/login"));

    let mut busy = Client::new(platform.router(), &tenants::host(&tenant));
    assert_eq!(
        busy.log_in("/login", &admin.email, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let step = Duration::hours(11) + Duration::minutes(30);
    let mut elapsed = Duration::zero();
    while elapsed + step < Duration::days(7) {
        timed.clock.advance(step);
        elapsed += step;
        assert_eq!(
            busy.get("/").await.status,
            StatusCode::OK,
            "after {elapsed}"
        );
    }
    timed.clock.advance(step);
    assert_eq!(
        busy.get("/").await.status,
        StatusCode::SEE_OTHER,
        "seven days is the most, however active"
    );
}

#[tokio::test]
async fn password_reset_links_expire_work_once_and_end_sessions() {
    let timed = timed_platform().await;
    let platform = &timed.platform;
    let services = &platform.services;
    let (tenant, admin) = tenant_with(services, "acme", "administrator").await;
    let (mut signed_in, _) = browser(platform, &tenant, admin.clone()).await;
    let mut browser = Client::new(platform.router(), &tenants::host(&tenant));

    let unknown = browser
        .fill(
            "/password/forgot",
            "/password/forgot",
            &[("email", "nobody@acme.example.ru")],
        )
        .await;
    let known = browser
        .fill(
            "/password/forgot",
            "/password/forgot",
            &[("email", &admin.email)],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(known.status, StatusCode::OK);
    let sent = "Если такой адрес зарегистрирован";
    assert!(
        unknown.body.contains(sent) && known.body.contains(sent),
        "the same answer"
    );
    let mails = outbox(services).await;
    assert_eq!(mails.len(), 1, "mail only for the real account");
    assert_eq!(mails[0].email.to, admin.email);
    assert_eq!(mails[0].email.category, "password_reset");
    let first = link_path(&mails[0].email.text, "/password/reset/");
    assert!(
        mails[0]
            .email
            .text
            .contains("http://acme.localhost:3000/password/reset/")
    );
    assert_eq!(browser.get(&first).await.status, StatusCode::OK);

    timed.clock.advance(Duration::minutes(61));
    let expired = browser.get(&first).await;
    assert_eq!(
        expired.status,
        StatusCode::NOT_FOUND,
        "an hour is the limit"
    );
    assert!(expired.body.contains("Ссылка недействительна"));

    browser
        .fill(
            "/password/forgot",
            "/password/forgot",
            &[("email", &admin.email)],
        )
        .await;
    let second = link_path(&outbox(services).await[0].email.text, "/password/reset/");
    assert_ne!(first, second);
    let weak = browser
        .fill(
            &second,
            &second,
            &[("password", "short"), ("password_confirm", "short")],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.body.contains("не короче 10 символов"), "{}", weak.body);
    let new_password = "a brand new passphrase";
    let done = browser
        .fill(
            &second,
            &second,
            &[
                ("password", new_password),
                ("password_confirm", new_password),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), "/login");
    let reused = browser.get(&second).await;
    assert_eq!(reused.status, StatusCode::NOT_FOUND, "a link works once");

    let kicked = signed_in.get("/").await;
    assert_eq!(
        kicked.status,
        StatusCode::SEE_OTHER,
        "sessions end with a reset"
    );
    assert_eq!(
        browser
            .log_in("/login", &admin.email, PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        browser
            .log_in("/login", &admin.email, new_password)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let actions = audit_actions(services, &Namespace::tenant(&tenant), "account", &admin.id).await;
    assert!(
        actions.contains(&"auth.password_reset".to_owned()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn invitations_create_an_account_once() {
    let platform = platform().await;
    let services = &platform.services;
    let (tenant, admin) = tenant_with(services, "acme", "administrator").await;
    let (mut admin_browser, csrf) = browser(&platform, &tenant, admin.clone()).await;

    let invited = admin_browser
        .post_form(
            "/users/invitations",
            &[
                ("_csrf", &csrf),
                ("email", "Olga@Acme.example.ru"),
                ("role", "operator"),
            ],
        )
        .await;
    assert_eq!(invited.status, StatusCode::SEE_OTHER, "{}", invited.body);
    let list = admin_browser.get("/users/invitations").await;
    assert!(
        list.body.contains("olga@acme.example.ru"),
        "listed, lower-cased"
    );
    assert!(list.body.contains("Приглашение отправлено"), "the flash");
    let mail = outbox(services).await.remove(0);
    assert_eq!(mail.email.to, "olga@acme.example.ru");
    assert_eq!(mail.email.category, "invitation");
    let link = link_path(&mail.email.text, "/invite/");

    let again = admin_browser
        .post_form(
            "/users/invitations",
            &[
                ("_csrf", &csrf),
                ("email", "olga@acme.example.ru"),
                ("role", "operator"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again.body.contains("уже приглашён"),
        "one pending invitation per email"
    );
    let existing = admin_browser
        .post_form(
            "/users/invitations",
            &[
                ("_csrf", &csrf),
                ("email", &admin.email),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(existing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        existing
            .body
            .contains("Пользователь с таким адресом уже есть")
    );

    let mut newcomer = Client::new(platform.router(), &tenants::host(&tenant));
    let page = newcomer.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("olga@acme.example.ru"));
    let mismatch = newcomer
        .fill(
            &link,
            &link,
            &[
                ("name", "Ольга"),
                ("password", "a long passphrase"),
                ("password_confirm", "another one!!"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.body.contains("Пароли не совпадают"));
    let fields = [
        ("name", "Ольга Смирнова"),
        ("password", "a long passphrase"),
        ("password_confirm", "a long passphrase"),
    ];
    let accepted = newcomer.fill(&link, &link, &fields).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    assert_eq!(accepted.location(), "/");
    let home = newcomer.get("/").await;
    assert!(
        home.body.contains("Ольга Смирнова"),
        "signed in as the new user"
    );
    assert!(
        !home.body.contains(r#"href="/users""#),
        "an operator does not see Users"
    );

    let mut twice = Client::new(platform.router(), &tenants::host(&tenant));
    assert_eq!(
        twice.get(&link).await.status,
        StatusCode::NOT_FOUND,
        "used up"
    );
    let csrf_page = twice.get("/login").await.csrf();
    let replay = twice
        .post_form(
            &link,
            &[("_csrf", &csrf_page), fields[0], fields[1], fields[2]],
        )
        .await;
    assert_eq!(replay.status, StatusCode::NOT_FOUND);
    let db = services.db.tenant(&tenant);
    let (account, _) = accounts::find_by_email(&db, "olga@acme.example.ru")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.role, "operator");
}

#[tokio::test]
async fn totp_is_confirmed_with_a_code_then_asked_at_sign_in() {
    let timed = timed_platform().await;
    let platform = &timed.platform;
    let services = &platform.services;
    let (tenant, admin) = tenant_with(services, "acme", "administrator").await;
    let mut browser = Client::new(platform.router(), &tenants::host(&tenant));
    browser.log_in("/login", &admin.email, PASSWORD).await;

    let setup = browser.get("/account/totp").await;
    assert_eq!(setup.status, StatusCode::OK);
    assert!(setup.body.contains("<svg role=\"img\""), "a QR code inline");
    let secret = form_value(&setup.body, "secret").expect("the offered secret");
    let signature = form_value(&setup.body, "signature").expect("its signature");
    let csrf = setup.csrf();
    let totp = TotpSecret::from_base32(&secret).unwrap();
    let now = || services.clock.now().timestamp();

    let wrong = browser
        .post_form(
            "/account/totp/enable",
            &[
                ("_csrf", &csrf),
                ("secret", &secret),
                ("signature", &signature),
                ("code", "000000"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.body.contains(&secret),
        "the same secret is offered again"
    );
    let forged = browser
        .post_form(
            "/account/totp/enable",
            &[
                ("_csrf", &csrf),
                ("secret", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
                ("signature", &signature),
                (
                    "code",
                    &TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
                        .unwrap()
                        .code_at(now()),
                ),
            ],
        )
        .await;
    assert_eq!(
        forged.location(),
        "/account/totp",
        "a secret this page did not offer"
    );
    let code = totp.code_at(now());
    let enabled = browser
        .post_form(
            "/account/totp/enable",
            &[
                ("_csrf", &csrf),
                ("secret", &secret),
                ("signature", &signature),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(enabled.status, StatusCode::SEE_OTHER, "{}", enabled.body);
    assert!(browser.get("/account").await.body.contains("Включена"));

    let mut next = Client::new(platform.router(), &tenants::host(&tenant));
    let first = next.log_in("/login", &admin.email, PASSWORD).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(first.location(), "/login/second-factor?next=%2F");
    let pending = next.cookies["crm_session"].clone();
    assert_eq!(
        next.get("/").await.status,
        StatusCode::SEE_OTHER,
        "not signed in yet"
    );
    let page = next.get("/login/second-factor").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.csrf();
    let replayed = next
        .post_form("/login/second-factor", &[("_csrf", &csrf), ("code", &code)])
        .await;
    assert_eq!(
        replayed.status,
        StatusCode::UNAUTHORIZED,
        "a code works once"
    );
    timed.clock.advance(Duration::seconds(30));
    let done = next
        .post_form(
            "/login/second-factor",
            &[("_csrf", &csrf), ("code", &totp.code_at(now()))],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/");
    assert_ne!(
        next.cookies["crm_session"], pending,
        "the session was rotated"
    );
    assert_eq!(next.get("/").await.status, StatusCode::OK);
    let stale = Client::new(platform.router(), &tenants::host(&tenant))
        .with_cookie(&format!("crm_session={pending}"))
        .get("/")
        .await;
    assert_eq!(
        stale.status,
        StatusCode::SEE_OTHER,
        "the pending token is worthless now"
    );

    let csrf = next.get("/account/totp").await.csrf();
    let no = next
        .post_form(
            "/account/totp/disable",
            &[("_csrf", &csrf), ("password", "wrong one")],
        )
        .await;
    assert_eq!(no.status, StatusCode::UNPROCESSABLE_ENTITY);
    let off = next
        .post_form(
            "/account/totp/disable",
            &[("_csrf", &csrf), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    let actions = audit_actions(services, &Namespace::tenant(&tenant), "account", &admin.id).await;
    for action in ["auth.totp_enable", "auth.totp_disable", "auth.login"] {
        assert!(
            actions.contains(&action.to_owned()),
            "{action}: {actions:?}"
        );
    }
}

#[tokio::test]
async fn own_sessions_are_listed_and_can_be_ended() {
    let platform = platform().await;
    let (tenant, admin) = tenant_with(&platform.services, "acme", "administrator").await;
    let mut laptop = Client::new(platform.router(), &tenants::host(&tenant));
    laptop.log_in("/login", &admin.email, PASSWORD).await;
    let mut phone = Client::new(platform.router(), &tenants::host(&tenant));
    phone.log_in("/login", &admin.email, PASSWORD).await;
    let (other_tenant_user, _) = tenant_with(&platform.services, "other", "administrator").await;
    let _ = other_tenant_user;

    let page = laptop.get("/account/sessions").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body.matches("<tr").count(),
        3,
        "header and two sessions"
    );
    assert!(page.body.contains("Этот сеанс"));
    let csrf = page.csrf();
    let api = laptop.get_json("/api/v1/sessions").await.json();
    let phone_id = api
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let foreign = laptop
        .post_form("/account/sessions/0000/revoke", &[("_csrf", &csrf)])
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let ended = laptop
        .post_form(
            &format!("/account/sessions/{phone_id}/revoke"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    assert_eq!(
        phone.get("/").await.status,
        StatusCode::SEE_OTHER,
        "the phone is signed out"
    );
    assert_eq!(laptop.get("/").await.status, StatusCode::OK);

    phone.log_in("/login", &admin.email, PASSWORD).await;
    let everywhere = laptop
        .post_form("/account/sessions/revoke-others", &[("_csrf", &csrf)])
        .await;
    assert_eq!(everywhere.status, StatusCode::SEE_OTHER);
    assert_eq!(phone.get("/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        laptop.get("/").await.status,
        StatusCode::OK,
        "this one stays"
    );
}

#[tokio::test]
async fn the_platform_root_leads_to_the_central_part() {
    let platform = platform().await;
    let mut browser = Client::new(platform.router(), "localhost");
    let root = browser.get("/").await;
    assert_eq!(root.status, StatusCode::SEE_OTHER);
    assert_eq!(root.location(), "/central/");
    let central = browser.get("/central/").await;
    assert_eq!(central.location(), "/central/login?next=%2Fcentral%2F");
    assert_eq!(
        browser.get("/login").await.status,
        StatusCode::NOT_FOUND,
        "tenant pages are not here"
    );
}

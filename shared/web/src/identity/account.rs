//! One's own account, in both areas: profile, changing the password, the TOTP second factor,
//! and the list of one's sessions with a way to end them.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono_tz::Europe::Moscow;
use crm_app::Services;
use crm_app::identity::accounts::Account;
use crm_app::identity::sessions::{self, Session};
use crm_app::identity::{IdentityError, Realm, Refusal, credentials, login, roles, totp};

use super::auth::texts;
use super::errors::{self, FormError};
use super::forms::FormData;
use super::views::{AccountView, FormView, SessionRow, SessionsView, TotpSetupView};
use super::{Area, AreaOf, labels, qr};
use crate::access::{AccessRouter, RequestContext};
use crate::flash::{Flash, FlashKeys};
use crate::format;
use crate::problem::Problem;
use crate::ui::{Chrome, Field, FieldErrors, Page};

pub fn routes<A: AreaOf>(router: AccessRouter<Services>) -> AccessRouter<Services> {
    let area = A::AREA;
    let p = |rest: &str| area.path(rest);
    let member = area.member();
    router
        .page(Method::GET, &p("/account"), member, get(account_page::<A>))
        .page(
            Method::POST,
            &p("/account/password"),
            member,
            post(change_password::<A>),
        )
        .page(
            Method::GET,
            &p("/account/totp"),
            member,
            get(totp_page::<A>),
        )
        .page(
            Method::POST,
            &p("/account/totp/enable"),
            member,
            post(enable_totp::<A>),
        )
        .page(
            Method::POST,
            &p("/account/totp/disable"),
            member,
            post(disable_totp::<A>),
        )
        .page(
            Method::GET,
            &p("/account/sessions"),
            member,
            get(sessions_page::<A>),
        )
        .page(
            Method::POST,
            &p("/account/sessions/{id}/revoke"),
            member,
            post(revoke_session::<A>),
        )
        .page(
            Method::POST,
            &p("/account/sessions/revoke-others"),
            member,
            post(revoke_others::<A>),
        )
}

/// The signed-in account of this area and its session; API keys have neither.
#[expect(
    clippy::result_large_err,
    reason = "a handler helper whose error is answered at once"
)]
fn me(area: Area, ctx: &RequestContext) -> Result<(&Account, &Session), Problem> {
    let found = match area {
        Area::Tenant => ctx.user().map(|u| (&u.account, &u.session)),
        Area::Central => ctx.staff().map(|s| (&s.account, &s.session)),
    };
    found.ok_or_else(|| {
        Problem::new(StatusCode::FORBIDDEN, "users_only", "Users only")
            .detail("this page belongs to people signed in with a password, not to API keys")
    })
}

/// Like [`me`], but refuses while staff act as the person: credentials stay the person's own.
#[expect(
    clippy::result_large_err,
    reason = "a handler helper whose error is answered at once"
)]
fn me_in_person(area: Area, ctx: &RequestContext) -> Result<(&Account, &Session), Problem> {
    let (account, session) = me(area, ctx)?;
    if session.impersonation.is_some() {
        return Err(
            Problem::forbidden().detail("credentials cannot be changed while impersonating")
        );
    }
    Ok((account, session))
}

async fn role_label(realm: &Realm, role: &str, chrome: &Chrome) -> String {
    let custom: Vec<(String, String)> = match realm.tenant {
        Some(_) => roles::list(realm)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect(),
        None => Vec::new(),
    };
    labels::role(role, &custom, chrome.lang)
}

fn password_form(area: Area, chrome: &Chrome, errors: &FieldErrors) -> FormView {
    let (t, a) = (chrome.t, texts(chrome.lang));
    FormView::new(
        t,
        area.path("/account/password"),
        &chrome.csrf_token,
        a.change_password,
    )
    .field(
        Field::input(t, "password", "current_password", a.current_password)
            .required()
            .autocomplete("current-password"),
    )
    .field(
        Field::input(t, "password", "password", a.new_password)
            .required()
            .autocomplete("new-password")
            .hint(a.password_hint),
    )
    .field(
        Field::input(t, "password", "password_confirm", a.password_confirm)
            .required()
            .autocomplete("new-password"),
    )
    .errors(t, errors)
}

async fn account_view(
    area: Area,
    realm: &Realm,
    account: &Account,
    chrome: &Chrome,
    errors: &FieldErrors,
) -> AccountView {
    let a = texts(chrome.lang);
    let totp_on = account.totp_secret.is_some();
    AccountView {
        profile_heading: a.profile.to_owned(),
        rows: vec![
            (a.name.to_owned(), account.name.clone()),
            (a.email.to_owned(), account.email.clone()),
            (
                a.role.to_owned(),
                role_label(realm, &account.role, chrome).await,
            ),
        ],
        totp_heading: a.totp_section.to_owned(),
        totp_text: if totp_on { a.totp_on } else { a.totp_off }.to_owned(),
        totp_link: (
            if totp_on {
                a.totp_manage_link
            } else {
                a.totp_setup_link
            }
            .to_owned(),
            area.path("/account/totp"),
        ),
        sessions_link: (a.sessions_link.to_owned(), area.path("/account/sessions")),
        password_heading: a.change_password.to_owned(),
        password_form: password_form(area, chrome, errors),
    }
}

pub async fn account_page<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let (account, _) = me(area, &ctx)?;
    let chrome = area.chrome(chrome, &ctx, &services).await;
    let view = account_view(area, &realm, account, &chrome, &FieldErrors::new()).await;
    let title = texts(chrome.lang).account_title;
    Ok(Page::new(chrome, title, view).into_response())
}

pub async fn change_password<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
    form: FormData,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let (account, session) = me_in_person(area, &ctx)?;
    let lang = chrome.lang;
    let result = credentials::change_password(
        &realm,
        &account.id,
        &session.id,
        form.get("current_password"),
        form.get("password"),
        form.get("password_confirm"),
        &ctx.audit(),
    )
    .await;
    let a = texts(lang);
    let errors = match result {
        Ok(()) => {
            let flash = Flash::success(a.password_changed);
            return Ok(FlashKeys::from_services(&services).redirect(
                &area.path("/account"),
                &flash,
                &headers,
            ));
        }
        Err(e) => match errors::for_form(e, lang) {
            FormError::Fields(errors) => errors,
            FormError::Message(message) => {
                let flash = Flash::error(message);
                return Ok(FlashKeys::from_services(&services).redirect(
                    &area.path("/account"),
                    &flash,
                    &headers,
                ));
            }
            FormError::Problem(problem) => return Err(problem),
        },
    };
    let chrome = area.chrome(chrome, &ctx, &services).await;
    let view = account_view(area, &realm, account, &chrome, &errors).await;
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        Page::new(chrome, a.account_title, view),
    )
        .into_response())
}

fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn setup_view(
    area: Area,
    chrome: &Chrome,
    offer: &totp::Offer,
    errors: &FieldErrors,
) -> TotpSetupView {
    let (t, a) = (chrome.t, texts(chrome.lang));
    let form = FormView::new(
        t,
        area.path("/account/totp/enable"),
        &chrome.csrf_token,
        a.totp_enable_submit,
    )
    .hidden("secret", &offer.secret)
    .hidden("signature", &offer.signature)
    .field(
        Field::input(t, "text", "code", a.code)
            .required()
            .autocomplete("one-time-code")
            .hint(a.code_hint),
    )
    .errors(t, errors);
    TotpSetupView {
        intro: a.totp_setup_intro.to_owned(),
        qr_svg: qr::svg(&offer.uri, a.totp_qr_label),
        secret_label: a.totp_secret.to_owned(),
        secret_grouped: grouped(&offer.secret),
        form,
    }
}

fn disable_view(area: Area, chrome: &Chrome, errors: &FieldErrors) -> FormView {
    let (t, a) = (chrome.t, texts(chrome.lang));
    FormView::new(
        t,
        area.path("/account/totp/disable"),
        &chrome.csrf_token,
        a.totp_disable_submit,
    )
    .intro(format!("{} {}", a.totp_is_on, a.totp_disable_intro))
    .field(
        Field::input(t, "password", "password", a.password)
            .required()
            .autocomplete("current-password"),
    )
    .errors(t, errors)
    .link(a.account_title, area.path("/account"))
}

pub async fn totp_page<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let (account, _) = me_in_person(area, &ctx)?;
    // The account as stored now: the principal was read before any change this page shows.
    let account = crm_app::identity::users::get(&realm, &account.id)
        .await
        .map_err(|e| errors::problem(e, chrome.lang))?;
    let chrome = area.chrome(chrome, &ctx, &services).await;
    let a = texts(chrome.lang);
    if account.totp_secret.is_some() {
        let view = disable_view(area, &chrome, &FieldErrors::new());
        return Ok(Page::new(chrome, a.totp_title, view).into_response());
    }
    let offer = totp::offer(&realm, &account, &area.organisation(&realm, chrome.lang));
    let view = setup_view(area, &chrome, &offer, &FieldErrors::new());
    Ok(Page::new(chrome, a.totp_title, view).into_response())
}

pub async fn enable_totp<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
    form: FormData,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let (account, _) = me_in_person(area, &ctx)?;
    let lang = chrome.lang;
    let a = texts(lang);
    let flashes = FlashKeys::from_services(&services);
    let (secret, signature) = (form.get("secret"), form.get("signature"));
    let result = totp::enable(
        &realm,
        &account.id,
        secret,
        signature,
        form.get("code"),
        &ctx.audit(),
    )
    .await;
    let errors = match result {
        Ok(()) => {
            let flash = Flash::success(a.totp_enabled);
            return Ok(flashes.redirect(&area.path("/account"), &flash, &headers));
        }
        Err(IdentityError::Refused(Refusal::LinkInvalid)) => {
            let flash = Flash::warning(a.totp_setup_expired);
            return Ok(flashes.redirect(&area.path("/account/totp"), &flash, &headers));
        }
        Err(e) => match errors::for_form(e, lang) {
            FormError::Fields(errors) => errors,
            FormError::Message(message) => {
                return Ok(flashes.redirect(
                    &area.path("/account"),
                    &Flash::info(message),
                    &headers,
                ));
            }
            FormError::Problem(problem) => return Err(problem),
        },
    };
    let chrome = area.chrome(chrome, &ctx, &services).await;
    let offer = totp::offer_for(&realm, account, &area.organisation(&realm, lang), secret);
    let view = setup_view(area, &chrome, &offer, &errors);
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        Page::new(chrome, a.totp_title, view),
    )
        .into_response())
}

pub async fn disable_totp<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
    form: FormData,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let (account, _) = me_in_person(area, &ctx)?;
    let lang = chrome.lang;
    let a = texts(lang);
    let flashes = FlashKeys::from_services(&services);
    let errors = match totp::disable(&realm, &account.id, form.get("password"), &ctx.audit()).await
    {
        Ok(()) => {
            let flash = Flash::success(a.totp_disabled);
            return Ok(flashes.redirect(&area.path("/account"), &flash, &headers));
        }
        Err(e) => match errors::for_form(e, lang) {
            FormError::Fields(errors) => errors,
            FormError::Message(message) => {
                return Ok(flashes.redirect(
                    &area.path("/account"),
                    &Flash::info(message),
                    &headers,
                ));
            }
            FormError::Problem(problem) => return Err(problem),
        },
    };
    let chrome = area.chrome(chrome, &ctx, &services).await;
    let view = disable_view(area, &chrome, &errors);
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        Page::new(chrome, a.totp_title, view),
    )
        .into_response())
}

pub async fn sessions_page<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let (account, current) = me(area, &ctx)?;
    let list = sessions::list(&realm.db, &account.id, realm.now()).await?;
    let chrome = area.chrome(chrome, &ctx, &services).await;
    let a = texts(chrome.lang);
    let rows = list
        .into_iter()
        .map(|s| SessionRow {
            current: s.id == current.id,
            started: format::date_time(s.created_at, Moscow),
            last_seen: format::date_time(s.last_seen_at, Moscow),
            ip: s.client_ip.clone().unwrap_or_else(|| a.unknown.to_owned()),
            agent: s.user_agent.clone().unwrap_or_else(|| a.unknown.to_owned()),
            note: s
                .impersonation
                .as_ref()
                .map(|_| a.impersonated_session.to_owned()),
            id: s.id,
        })
        .collect();
    let view = SessionsView {
        caption: a.sessions_caption.to_owned(),
        columns: [
            a.col_started,
            a.col_last_seen,
            a.col_ip,
            a.col_agent,
            a.col_actions,
        ]
        .map(str::to_owned),
        rows,
        this_session: a.this_session.to_owned(),
        revoke: a.revoke.to_owned(),
        revoke_others: a.revoke_others.to_owned(),
        revoke_others_confirm: a.revoke_others_confirm.to_owned(),
        base: area.path("/account/sessions"),
        csrf: chrome.csrf_token.clone(),
        back: (a.account_title.to_owned(), area.path("/account")),
    };
    Ok(Page::new(chrome, a.sessions_title, view).into_response())
}

pub async fn revoke_session<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let (account, _) = me(area, &ctx)?;
    if !login::end_own_session(&realm, &account.id, &id, &ctx.audit()).await? {
        return Err(Problem::not_found());
    }
    let flash = Flash::success(texts(chrome.lang).session_revoked);
    Ok(FlashKeys::from_services(&services).redirect(
        &area.path("/account/sessions"),
        &flash,
        &headers,
    ))
}

pub async fn revoke_others<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let (account, current) = me(area, &ctx)?;
    let ended = login::end_other_sessions(&realm, &account.id, &current.id, &ctx.audit()).await?;
    let flash = Flash::success((texts(chrome.lang).others_revoked)(ended));
    Ok(FlashKeys::from_services(&services).redirect(
        &area.path("/account/sessions"),
        &flash,
        &headers,
    ))
}

//! Signing in and out, the second factor, password resets and accepting invitations: the
//! public pages of both areas (`/login` on a tenant's host, `/central/login` on the platform's).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use crm_app::Services;
use crm_app::identity::login::{self, SignIn, SignInError};
use crm_app::identity::sessions::{self, ClientInfo, Session};
use crm_app::identity::{
    IdentityError, Letter, Realm, Refusal, impersonation, invitations, resets,
};
use serde::Deserialize;

use super::auth_texts::{self, AuthTexts};
use super::errors::{self, FormError};
use super::forms::FormData;
use super::views::{FormView, MessageView};
use super::{
    Area, AreaOf, clear_session_cookie, safe_next, see_other, session_cookie, with_cookies,
};
use crate::access::{Access, AccessRouter, RequestContext, TenantOrCentral, csrf};
use crate::extract::Query;
use crate::flash::{Flash, FlashKeys};
use crate::i18n::Lang;
use crate::problem::Problem;
use crate::ui::{Chrome, Field, FieldErrors, Page};

/// Every public identity page of area `A`, and logging out.
pub fn routes<A: AreaOf>(router: AccessRouter<Services>) -> AccessRouter<Services> {
    let area = A::AREA;
    let p = |rest: &str| area.path(rest);
    router
        .page(
            Method::GET,
            &p("/login"),
            Access::PublicForm,
            get(login_page::<A>),
        )
        .page(
            Method::POST,
            &p("/login"),
            Access::PublicForm,
            post(login::<A>),
        )
        .page(
            Method::GET,
            &p("/login/second-factor"),
            Access::PublicForm,
            get(second_factor_page::<A>),
        )
        .page(
            Method::POST,
            &p("/login/second-factor"),
            Access::PublicForm,
            post(second_factor::<A>),
        )
        .page(
            Method::POST,
            &p("/logout"),
            area.member(),
            post(logout::<A>),
        )
        .page(
            Method::GET,
            &p("/password/forgot"),
            Access::PublicForm,
            get(forgot_page::<A>),
        )
        .page(
            Method::POST,
            &p("/password/forgot"),
            Access::PublicForm,
            post(forgot::<A>),
        )
        .page(
            Method::GET,
            &p("/password/reset/{token}"),
            Access::PublicForm,
            get(reset_page::<A>),
        )
        .page(
            Method::POST,
            &p("/password/reset/{token}"),
            Access::PublicForm,
            post(reset::<A>),
        )
        .page(
            Method::GET,
            &p("/invite/{token}"),
            Access::PublicForm,
            get(invitation_page::<A>),
        )
        .page(
            Method::POST,
            &p("/invite/{token}"),
            Access::PublicForm,
            post(accept_invitation::<A>),
        )
}

pub fn texts(lang: Lang) -> &'static AuthTexts {
    lang.pick(&auth_texts::RU, &auth_texts::EN)
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

pub fn client(ctx: &RequestContext) -> ClientInfo {
    ClientInfo {
        ip: ctx.client_ip.clone(),
        user_agent: ctx.user_agent.clone(),
    }
}

/// The pre-session CSRF token of a public form, and the cookie to set with its page.
struct PreSession {
    token: String,
    cookie: Option<axum::http::HeaderValue>,
}

impl PreSession {
    fn of(headers: &HeaderMap) -> Self {
        let (token, cookie) = csrf::pre_session_token(headers);
        Self { token, cookie }
    }

    fn respond<C: askama::Template>(self, status: StatusCode, page: Page<C>) -> Response {
        with_cookies((status, page).into_response(), [self.cookie])
    }
}

fn signed_in_here(area: Area, ctx: &RequestContext) -> bool {
    match area {
        Area::Tenant => ctx.user().is_some(),
        Area::Central => ctx.staff().is_some(),
    }
}

fn login_form(
    area: Area,
    chrome: &Chrome,
    csrf: &str,
    email: &str,
    next: &str,
    errors: &FieldErrors,
    message: Option<String>,
) -> FormView {
    let (t, a) = (chrome.t, texts(chrome.lang));
    FormView::new(t, area.path("/login"), csrf, a.login_submit)
        .message(message)
        .hidden("next", next)
        .field(
            Field::email(t, "email", a.email)
                .value(email)
                .required()
                .autocomplete("username"),
        )
        .field(
            Field::input(t, "password", "password", a.password)
                .required()
                .autocomplete("current-password"),
        )
        .errors(t, errors)
        .link(a.forgot_link, area.path("/password/forgot"))
}

fn login_title(area: Area, a: &AuthTexts) -> &'static str {
    match area {
        Area::Tenant => a.login_title,
        Area::Central => a.central_login_title,
    }
}

pub async fn login_page<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
    Query(query): Query<NextQuery>,
) -> Result<Response, Problem> {
    let area = A::AREA;
    area.realm(&services, &ctx).await?;
    let next = safe_next(area, query.next.as_deref());
    if signed_in_here(area, &ctx) {
        return Ok(see_other(&next));
    }
    let chrome = area.chrome(chrome, &ctx, &services).await;
    let pre = PreSession::of(&headers);
    let form = login_form(
        area,
        &chrome,
        &pre.token,
        "",
        &next,
        &FieldErrors::new(),
        None,
    );
    let title = login_title(area, texts(chrome.lang));
    Ok(pre.respond(StatusCode::OK, Page::new(chrome, title, form)))
}

pub async fn login<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
    form: FormData,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let a = texts(chrome.lang);
    let next = safe_next(area, Some(form.get("next")));
    let (email, password) = (form.get("email").trim(), form.get("password"));
    let mut errors = FieldErrors::new();
    if email.is_empty() {
        errors.add(
            "email",
            errors::invalid(&crm_app::identity::Invalid::Required, chrome.lang),
        );
    }
    if password.is_empty() {
        errors.add(
            "password",
            errors::invalid(&crm_app::identity::Invalid::Required, chrome.lang),
        );
    }
    let (status, message) = if errors.is_empty() {
        match login::with_password(&realm, email, password, &client(&ctx), &ctx.audit()).await {
            Ok(SignIn::Done { token, .. }) => {
                return Ok(with_cookies(
                    see_other(&next),
                    [session_cookie(area, &token, &headers)],
                ));
            }
            Ok(SignIn::SecondFactorDue { token, .. }) => {
                let to = crate::ui::Link::new(area.path("/login/second-factor"))
                    .with("next", &next)
                    .href();
                return Ok(with_cookies(
                    see_other(&to),
                    [session_cookie(area, &token, &headers)],
                ));
            }
            Err(e) => sign_in_refusal(e, a, &realm)?,
        }
    } else {
        (StatusCode::UNPROCESSABLE_ENTITY, None)
    };
    let chrome = area.chrome(chrome, &ctx, &services).await;
    let pre = PreSession::of(&headers);
    let view = login_form(area, &chrome, &pre.token, email, &next, &errors, message);
    let title = login_title(area, a);
    Ok(pre.respond(status, Page::new(chrome, title, view)))
}

/// The status and message for a refused sign-in.
#[expect(
    clippy::result_large_err,
    reason = "a handler helper whose error is answered at once"
)]
fn sign_in_refusal(
    error: SignInError,
    a: &AuthTexts,
    realm: &Realm,
) -> Result<(StatusCode, Option<String>), Problem> {
    match error {
        SignInError::InvalidCredentials => Ok((
            StatusCode::UNAUTHORIZED,
            Some(a.invalid_credentials.to_owned()),
        )),
        SignInError::WrongCode => Ok((StatusCode::UNAUTHORIZED, None)),
        SignInError::Locked(until) => {
            let seconds = (until - realm.now()).num_seconds().max(1);
            let minutes = (seconds + 59) / 60;
            Ok((StatusCode::TOO_MANY_REQUESTS, Some((a.locked)(minutes))))
        }
        SignInError::Store(e) => Err(Problem::from(e)),
    }
}

/// The pending session of this area, if the request has one.
fn pending(area: Area, ctx: &RequestContext) -> Option<&Session> {
    match (&ctx.pending_second_factor, area) {
        (Some((TenantOrCentral::Tenant(_), session)), Area::Tenant)
        | (Some((TenantOrCentral::Central, session)), Area::Central) => Some(session),
        _ => None,
    }
}

fn second_factor_form(
    area: Area,
    chrome: &Chrome,
    csrf: &str,
    next: &str,
    errors: &FieldErrors,
    message: Option<String>,
) -> FormView {
    let (t, a) = (chrome.t, texts(chrome.lang));
    FormView::new(t, area.path("/login/second-factor"), csrf, a.verify_submit)
        .intro(a.second_factor_intro)
        .message(message)
        .hidden("next", next)
        .field(
            Field::input(t, "text", "code", a.code)
                .required()
                .autocomplete("one-time-code")
                .hint(a.code_hint),
        )
        .errors(t, errors)
        .secondary("cancel", a.cancel)
}

pub async fn second_factor_page<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
    Query(query): Query<NextQuery>,
) -> Result<Response, Problem> {
    let area = A::AREA;
    area.realm(&services, &ctx).await?;
    let a = texts(chrome.lang);
    if pending(area, &ctx).is_none() {
        let flash = Flash::warning(a.second_factor_expired);
        return Ok(FlashKeys::from_services(&services).redirect(
            &area.path("/login"),
            &flash,
            &headers,
        ));
    }
    let next = safe_next(area, query.next.as_deref());
    let chrome = area.chrome(chrome, &ctx, &services).await;
    let pre = PreSession::of(&headers);
    let view = second_factor_form(area, &chrome, &pre.token, &next, &FieldErrors::new(), None);
    Ok(pre.respond(
        StatusCode::OK,
        Page::new(chrome, a.second_factor_title, view),
    ))
}

pub async fn second_factor<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
    form: FormData,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let a = texts(chrome.lang);
    let flashes = FlashKeys::from_services(&services);
    let Some(session) = pending(area, &ctx).cloned() else {
        let flash = Flash::warning(a.second_factor_expired);
        return Ok(flashes.redirect(&area.path("/login"), &flash, &headers));
    };
    if form.has("cancel") {
        sessions::revoke(&realm.db, &session.id).await?;
        return Ok(with_cookies(
            see_other(&area.path("/login")),
            [clear_session_cookie(area, &headers)],
        ));
    }
    let next = safe_next(area, Some(form.get("next")));
    let mut errors = FieldErrors::new();
    let (status, message) =
        match login::with_code(&realm, &session, form.get("code"), &ctx.audit()).await {
            Ok(SignIn::Done { token, .. }) => {
                return Ok(with_cookies(
                    see_other(&next),
                    [session_cookie(area, &token, &headers)],
                ));
            }
            Ok(SignIn::SecondFactorDue { .. }) | Err(SignInError::InvalidCredentials) => {
                let flash = Flash::warning(a.second_factor_expired);
                return Ok(flashes.redirect(&area.path("/login"), &flash, &headers));
            }
            Err(SignInError::WrongCode) => {
                errors.add(
                    "code",
                    errors::invalid(&crm_app::identity::Invalid::WrongCode, chrome.lang),
                );
                (StatusCode::UNAUTHORIZED, None)
            }
            Err(e) => sign_in_refusal(e, a, &realm)?,
        };
    let chrome = area.chrome(chrome, &ctx, &services).await;
    let pre = PreSession::of(&headers);
    let view = second_factor_form(area, &chrome, &pre.token, &next, &errors, message);
    Ok(pre.respond(status, Page::new(chrome, a.second_factor_title, view)))
}

pub async fn logout<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let a = texts(chrome.lang);
    let session = match area {
        Area::Tenant => ctx.user().map(|u| &u.session),
        Area::Central => ctx.staff().map(|s| &s.session),
    };
    let Some(session) = session else {
        // An API key has no session to end.
        return Err(Problem::forbidden().detail("only a signed-in session can sign out"));
    };
    if session.impersonation.is_some() {
        impersonation::end(&realm, session, &ctx.audit()).await?;
        return Ok(with_cookies(
            see_other(&central_url(&services)),
            [clear_session_cookie(area, &headers)],
        ));
    }
    login::sign_out(&realm, session, &ctx.audit()).await?;
    let flash = Flash::success(a.signed_out);
    let response =
        FlashKeys::from_services(&services).redirect(&area.path("/login"), &flash, &headers);
    Ok(with_cookies(
        response,
        [clear_session_cookie(area, &headers)],
    ))
}

/// The central part's start page, where staff return from an impersonation.
pub fn central_url(services: &Services) -> String {
    format!("{}/central/", services.public_url.trim_end_matches('/'))
}

fn link_invalid_page(chrome: Chrome, area: Area) -> Response {
    let a = texts(chrome.lang);
    let view = MessageView {
        text: a.link_invalid_text.to_owned(),
        links: vec![
            (a.forgot_title.to_owned(), area.path("/password/forgot")),
            (a.back_to_login.to_owned(), area.path("/login")),
        ],
    };
    (
        StatusCode::NOT_FOUND,
        Page::new(chrome, a.link_invalid_title, view),
    )
        .into_response()
}

fn forgot_form(
    area: Area,
    chrome: &Chrome,
    csrf: &str,
    email: &str,
    errors: &FieldErrors,
) -> FormView {
    let (t, a) = (chrome.t, texts(chrome.lang));
    FormView::new(t, area.path("/password/forgot"), csrf, a.forgot_submit)
        .intro(a.forgot_intro)
        .field(Field::email(t, "email", a.email).value(email).required())
        .errors(t, errors)
        .link(a.back_to_login, area.path("/login"))
}

pub async fn forgot_page<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let area = A::AREA;
    area.realm(&services, &ctx).await?;
    let chrome = area.chrome(chrome, &ctx, &services).await;
    let a = texts(chrome.lang);
    let pre = PreSession::of(&headers);
    let view = forgot_form(area, &chrome, &pre.token, "", &FieldErrors::new());
    Ok(pre.respond(StatusCode::OK, Page::new(chrome, a.forgot_title, view)))
}

fn reset_letter(lang: Lang) -> impl FnOnce(&str) -> Letter {
    move |link| {
        let a = texts(lang);
        Letter {
            subject: a.reset_subject.to_owned(),
            text: (a.reset_text)(link),
        }
    }
}

pub async fn forgot<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
    form: FormData,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let lang = chrome.lang;
    let a = texts(lang);
    let email = form.get("email").trim();
    if let Err(issue) = crm_app::identity::accounts::parse_email("email", email) {
        let mut errors = FieldErrors::new();
        errors.add(issue.field, errors::invalid(&issue.problem, lang));
        let chrome = area.chrome(chrome, &ctx, &services).await;
        let pre = PreSession::of(&headers);
        let view = forgot_form(area, &chrome, &pre.token, email, &errors);
        return Ok(pre.respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            Page::new(chrome, a.forgot_title, view),
        ));
    }
    resets::request(&realm, email, &ctx.audit(), reset_letter(lang)).await?;
    let chrome = area.chrome(chrome, &ctx, &services).await;
    let view = MessageView {
        text: a.forgot_sent.to_owned(),
        links: vec![(a.back_to_login.to_owned(), area.path("/login"))],
    };
    Ok(Page::new(chrome, a.forgot_title, view).into_response())
}

fn new_password_form(
    chrome: &Chrome,
    action: String,
    csrf: &str,
    submit: &str,
    errors: &FieldErrors,
) -> FormView {
    let (t, a) = (chrome.t, texts(chrome.lang));
    FormView::new(t, action, csrf, submit)
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

pub async fn reset_page<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let chrome = area.chrome(chrome, &ctx, &services).await;
    let a = texts(chrome.lang);
    let account = match resets::check(&realm, &token).await {
        Ok(account) => account,
        Err(IdentityError::Refused(_)) => return Ok(link_invalid_page(chrome, area)),
        Err(e) => return Err(errors::problem(e, chrome.lang)),
    };
    let pre = PreSession::of(&headers);
    let action = area.path(&format!("/password/reset/{token}"));
    let view = new_password_form(
        &chrome,
        action,
        &pre.token,
        a.reset_submit,
        &FieldErrors::new(),
    )
    .intro((a.reset_intro)(&account.email));
    Ok(pre.respond(StatusCode::OK, Page::new(chrome, a.reset_title, view)))
}

pub async fn reset<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
    Path(token): Path<String>,
    form: FormData,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let lang = chrome.lang;
    let a = texts(lang);
    let result = resets::complete(
        &realm,
        &token,
        form.get("password"),
        form.get("password_confirm"),
        &ctx.audit(),
    )
    .await;
    let chrome = area.chrome(chrome, &ctx, &services).await;
    match result {
        Ok(_) => {
            let flash = Flash::success(a.reset_done);
            Ok(
                FlashKeys::from_services(&services).redirect(
                    &area.path("/login"),
                    &flash,
                    &headers,
                ),
            )
        }
        Err(e) => match errors::for_form(e, lang) {
            FormError::Fields(errors) => {
                let pre = PreSession::of(&headers);
                let action = area.path(&format!("/password/reset/{token}"));
                let view = new_password_form(&chrome, action, &pre.token, a.reset_submit, &errors);
                Ok(pre.respond(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Page::new(chrome, a.reset_title, view),
                ))
            }
            FormError::Message(_) => Ok(link_invalid_page(chrome, area)),
            FormError::Problem(problem) => Err(problem),
        },
    }
}

fn invitation_form(
    action: String,
    chrome: &Chrome,
    csrf: &str,
    intro: String,
    name: &str,
    errors: &FieldErrors,
    message: Option<String>,
) -> FormView {
    let (t, a) = (chrome.t, texts(chrome.lang));
    let form = FormView::new(t, action.clone(), csrf, a.invite_submit)
        .intro(intro)
        .message(message)
        .field(
            Field::text(t, "name", a.name)
                .value(name)
                .required()
                .autocomplete("name"),
        );
    let passwords = new_password_form(chrome, action, csrf, "", errors);
    let mut form = form;
    form.fields.extend(passwords.fields);
    form.errors(t, errors)
}

pub async fn invitation_page<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let chrome = area.chrome(chrome, &ctx, &services).await;
    let lang = chrome.lang;
    let a = texts(lang);
    let invitation = match invitations::find(&realm, &token).await {
        Ok((invitation, _)) => invitation,
        Err(IdentityError::Refused(_)) => return Ok(link_invalid_page(chrome, area)),
        Err(e) => return Err(errors::problem(e, lang)),
    };
    let intro = (a.invite_intro)(&invitation.email, &area.organisation(&realm, lang));
    let pre = PreSession::of(&headers);
    let action = area.path(&format!("/invite/{token}"));
    let view = invitation_form(
        action,
        &chrome,
        &pre.token,
        intro,
        "",
        &FieldErrors::new(),
        None,
    );
    Ok(pre.respond(StatusCode::OK, Page::new(chrome, a.invite_title, view)))
}

pub async fn accept_invitation<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
    Path(token): Path<String>,
    form: FormData,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let lang = chrome.lang;
    let a = texts(lang);
    let name = form.get("name");
    let accepted = invitations::accept(
        &realm,
        &token,
        name,
        form.get("password"),
        form.get("password_confirm"),
        &ctx.audit(),
    )
    .await;
    let chrome = area.chrome(chrome, &ctx, &services).await;
    let (errors, message) = match accepted {
        Ok(account) => {
            let (_, session_token) = sessions::create(
                &realm.db,
                &account.id,
                &client(&ctx),
                false,
                None,
                realm.now(),
            )
            .await?;
            let flash = Flash::success(a.invite_done);
            let response =
                FlashKeys::from_services(&services).redirect(area.home(), &flash, &headers);
            return Ok(with_cookies(
                response,
                [session_cookie(area, &session_token, &headers)],
            ));
        }
        Err(IdentityError::Refused(Refusal::LinkInvalid)) => {
            return Ok(link_invalid_page(chrome, area));
        }
        Err(e) => match errors::for_form(e, lang) {
            FormError::Fields(errors) => (errors, None),
            FormError::Message(message) => (FieldErrors::new(), Some(message)),
            FormError::Problem(problem) => return Err(problem),
        },
    };
    let (invitation, _) = match invitations::find(&realm, &token).await {
        Ok(found) => found,
        Err(_) => return Ok(link_invalid_page(chrome, area)),
    };
    let intro = (a.invite_intro)(&invitation.email, &area.organisation(&realm, lang));
    let pre = PreSession::of(&headers);
    let action = area.path(&format!("/invite/{token}"));
    let view = invitation_form(action, &chrome, &pre.token, intro, name, &errors, message);
    Ok(pre.respond(
        StatusCode::UNPROCESSABLE_ENTITY,
        Page::new(chrome, a.invite_title, view),
    ))
}

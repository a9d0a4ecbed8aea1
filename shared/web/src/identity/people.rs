//! Administering people in both areas: a tenant's users under `/users`, the platform's staff
//! under `/central/staff`. Listing with search, sorting and pages; inviting and the pending
//! invitations; one person's page with their role, and disabling or enabling them.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono_tz::Europe::Moscow;
use crm_app::Services;
use crm_app::identity::accounts::{Account, AccountStatus};
use crm_app::identity::users::{self, ListQuery, SortBy};
use crm_app::identity::{IdentityError, Letter, Realm, invitations, roles};
use crm_domain::access::grants;
use crm_domain::access::{
    Action, BuiltinRole, CentralPermission, CentralRole, Permission, PermissionSet, Resource,
};
use serde::Deserialize;

use super::admin_texts::{self, AdminTexts};
use super::auth::texts as auth_texts;
use super::errors::{self, FormError};
use super::forms::FormData;
use super::views::{FormView, InvitationRow, InvitationsView, PeopleView, PersonView, Tab};
use super::{Area, AreaOf, labels};
use crate::access::{Access, AccessRouter, Principal, RequestContext};
use crate::extract::Query;
use crate::flash::{Flash, FlashKeys};
use crate::format;
use crate::i18n::Lang;
use crate::problem::Problem;
use crate::ui::{
    Cell, Chrome, Column, DataTable, EmptyState, Field, FieldErrors, FilterForm, Link, Page, Pager,
    SelectOption, Sort, SortDir,
};

const PAGE_SIZE: usize = 25;

/// The access each kind of route needs (tenants: `users:*`; staff: central permissions).
#[derive(Clone, Copy, Debug)]
pub struct PeopleAccess {
    pub read: Access,
    pub invite: Access,
    pub revoke_invitation: Access,
    pub update: Access,
}

impl PeopleAccess {
    pub const TENANT: PeopleAccess = PeopleAccess {
        read: Access::Tenant(Permission::new(Resource::Users, Action::Read)),
        invite: Access::Tenant(Permission::new(Resource::Users, Action::Create)),
        revoke_invitation: Access::Tenant(Permission::new(Resource::Users, Action::Delete)),
        update: Access::Tenant(Permission::new(Resource::Users, Action::Update)),
    };
    pub const STAFF: PeopleAccess = PeopleAccess {
        read: Access::Central(CentralPermission::ReadStaff),
        invite: Access::Central(CentralPermission::ManageStaff),
        revoke_invitation: Access::Central(CentralPermission::ManageStaff),
        update: Access::Central(CentralPermission::ManageStaff),
    };
}

/// Where the area's people pages live.
pub fn base(area: Area) -> &'static str {
    match area {
        Area::Tenant => "/users",
        Area::Central => "/central/staff",
    }
}

pub fn routes<A: AreaOf>(
    router: AccessRouter<Services>,
    access: PeopleAccess,
) -> AccessRouter<Services> {
    let b = base(A::AREA);
    router
        .page(Method::GET, b, access.read, get(list_page::<A>))
        .page(
            Method::GET,
            &format!("{b}/invitations"),
            access.read,
            get(invitations_page::<A>),
        )
        .page(
            Method::POST,
            &format!("{b}/invitations"),
            access.invite,
            post(invite::<A>),
        )
        .page(
            Method::POST,
            &format!("{b}/invitations/{{id}}/revoke"),
            access.revoke_invitation,
            post(revoke_invitation::<A>),
        )
        .page(
            Method::GET,
            &format!("{b}/{{id}}"),
            access.read,
            get(person_page::<A>),
        )
        .page(
            Method::POST,
            &format!("{b}/{{id}}/role"),
            access.update,
            post(change_role::<A>),
        )
        .page(
            Method::POST,
            &format!("{b}/{{id}}/disable"),
            access.update,
            post(disable::<A>),
        )
        .page(
            Method::POST,
            &format!("{b}/{{id}}/enable"),
            access.update,
            post(enable::<A>),
        )
}

pub fn texts(lang: Lang) -> &'static AdminTexts {
    lang.pick(&admin_texts::RU, &admin_texts::EN)
}

/// Whether the request's principal has `access` (to show only the actions it may take).
pub fn permits(ctx: &RequestContext, access: Access) -> bool {
    let principal = ctx.principal.as_ref();
    match access {
        Access::Tenant(p) => principal.is_some_and(|pr| pr.allows(p)),
        Access::Central(p) => principal.is_some_and(|pr| pr.allows_central(p)),
        Access::TenantMember | Access::Staff => principal.is_some(),
        Access::Public | Access::PublicForm | Access::Webhook => true,
    }
}

/// What the actor may hand out (its tenant permissions; staff roles are checked by route).
pub fn actor_permissions(ctx: &RequestContext) -> PermissionSet {
    ctx.principal
        .as_ref()
        .map(Principal::permissions)
        .unwrap_or_default()
}

fn actor_id(area: Area, ctx: &RequestContext) -> Option<&str> {
    match area {
        Area::Tenant => ctx.user().map(|u| u.account.id.as_str()),
        Area::Central => ctx.staff().map(|s| s.account.id.as_str()),
    }
}

/// The tabs over the people, roles and keys pages the principal may open.
pub fn tabs(area: Area, ctx: &RequestContext, lang: Lang, path: &str) -> Vec<Tab> {
    let x = texts(lang);
    let read = |resource| Access::Tenant(Permission::new(resource, Action::Read));
    let all: Vec<(&str, String, Access)> = match area {
        Area::Tenant => vec![
            (x.tab_people, "/users".into(), read(Resource::Users)),
            (
                x.tab_invitations,
                "/users/invitations".into(),
                read(Resource::Users),
            ),
            (x.tab_roles, "/roles".into(), read(Resource::Roles)),
            (x.tab_keys, "/api-keys".into(), read(Resource::ApiKeys)),
        ],
        Area::Central => vec![
            (
                x.tab_people,
                "/central/staff".into(),
                PeopleAccess::STAFF.read,
            ),
            (
                x.tab_invitations,
                "/central/staff/invitations".into(),
                PeopleAccess::STAFF.read,
            ),
        ],
    };
    let active = all
        .iter()
        .filter(|(_, href, _)| {
            path == href || (path.starts_with(href.as_str()) && path[href.len()..].starts_with('/'))
        })
        .max_by_key(|(_, href, _)| href.len())
        .map(|(_, href, _)| href.clone());
    all.into_iter()
        .filter(|(_, _, access)| permits(ctx, *access))
        .map(|(label, href, _)| Tab {
            label: label.to_owned(),
            active: Some(&href) == active.as_ref(),
            href,
        })
        .collect()
}

/// The custom roles as (id, name), for labels.
pub async fn custom_roles(realm: &Realm) -> Result<Vec<(String, String)>, Problem> {
    if realm.tenant.is_none() {
        return Ok(Vec::new());
    }
    Ok(roles::list(realm)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect())
}

/// The roles the actor may give, as select options.
pub async fn role_options(
    realm: &Realm,
    actor: &PermissionSet,
    lang: Lang,
) -> Result<Vec<SelectOption>, Problem> {
    if realm.tenant.is_none() {
        return Ok(CentralRole::ALL
            .into_iter()
            .map(|r| SelectOption::new(r.as_str(), labels::central_role(r, lang)))
            .collect());
    }
    let none = PermissionSet::default();
    let mut options: Vec<SelectOption> = BuiltinRole::ALL
        .into_iter()
        .filter(|r| grants::check_assignment(actor, &none, &r.permissions()).is_ok())
        .map(|r| SelectOption::new(r.as_str(), labels::builtin_role(r, lang)))
        .collect();
    for role in roles::list(realm).await? {
        if grants::check_assignment(actor, &none, &role.permissions).is_ok() {
            options.push(SelectOption::new(role.role_value(), role.name));
        }
    }
    Ok(options)
}

fn status_label(status: AccountStatus, x: &AdminTexts) -> &'static str {
    match status {
        AccountStatus::Active => x.status_active,
        AccountStatus::Disabled => x.status_disabled,
    }
}

fn title(area: Area, x: &AdminTexts) -> &'static str {
    match area {
        Area::Tenant => x.users_title,
        Area::Central => x.staff_title,
    }
}

#[derive(Deserialize, Default)]
pub struct PeopleQuery {
    q: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    cursor: Option<String>,
}

pub async fn list_page<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    Query(query): Query<PeopleQuery>,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let chrome = area.chrome(chrome, &ctx, &services).await;
    let (t, lang) = (chrome.t, chrome.lang);
    let x = texts(lang);
    let columns = [
        Column::new("name", x.col_name).sortable(),
        Column::new("email", x.col_email).sortable(),
        Column::new("role", x.col_role).sortable(),
        Column::new("status", x.col_status).sortable(),
        Column::new("created", x.col_created).sortable(),
    ];
    let sort = Sort::from_query(
        query.sort.as_deref(),
        query.dir.as_deref(),
        &columns,
        "name",
    );
    let search = query.q.as_deref().unwrap_or("").trim().to_owned();
    let offset = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => 0,
        Some(raw) => raw
            .parse::<usize>()
            .map_err(|_| Problem::bad_request("invalid_cursor", "the page link is damaged"))?,
    };
    let page = users::list(
        &realm,
        &ListQuery {
            search: search.clone(),
            sort: SortBy::parse(&sort.column).unwrap_or_default(),
            descending: sort.dir == SortDir::Desc,
            offset,
            limit: PAGE_SIZE,
        },
    )
    .await
    .map_err(|e| errors::problem(e, lang))?;
    let custom = custom_roles(&realm).await?;
    let b = base(area);
    let link = Link::new(b)
        .with("q", &search)
        .with("sort", &sort.column)
        .with("dir", sort.dir.as_str());
    let rows = page
        .accounts
        .iter()
        .map(|a| {
            vec![
                Cell::link(&a.name, format!("{b}/{}", a.id)),
                Cell::text(&a.email),
                Cell::text(labels::role(&a.role, &custom, lang)),
                Cell::text(status_label(a.status, x)),
                Cell::text(format::date_in(a.created_at, Moscow)),
            ]
        })
        .collect();
    let mut pager = Pager::new(t);
    if offset > 0 {
        let prev = offset.saturating_sub(PAGE_SIZE);
        let cursor = (prev > 0).then(|| prev.to_string());
        pager = pager.prev(&link, cursor.as_deref());
    }
    if let Some(next) = page.next_offset {
        pager = pager.next(&link, &next.to_string());
    }
    let table = DataTable::new(t, x.people_caption, &link, &columns, Some(&sort))
        .rows(rows)
        .empty(EmptyState::new(x.no_match_title, x.no_match_text))
        .pager(pager);
    let invite = permits(
        &ctx,
        match area {
            Area::Tenant => PeopleAccess::TENANT.invite,
            Area::Central => PeopleAccess::STAFF.invite,
        },
    )
    .then(|| (x.invite_action.to_owned(), format!("{b}/invitations")));
    let view = PeopleView {
        tabs: tabs(area, &ctx, lang, chrome.path()),
        tabs_label: x.sections.to_owned(),
        filter: FilterForm::new(t, &link, "q", x.search),
        table,
        invite,
    };
    Ok(Page::new(chrome, title(area, x), view).into_response())
}

fn access_of(area: Area) -> PeopleAccess {
    match area {
        Area::Tenant => PeopleAccess::TENANT,
        Area::Central => PeopleAccess::STAFF,
    }
}

async fn person_view(
    area: Area,
    realm: &Realm,
    ctx: &RequestContext,
    chrome: &Chrome,
    person: &Account,
    errors: &FieldErrors,
) -> Result<PersonView, Problem> {
    let (t, lang) = (chrome.t, chrome.lang);
    let (x, a) = (texts(lang), auth_texts(lang));
    let custom = custom_roles(realm).await?;
    let b = base(area);
    let rows = vec![
        (a.name.to_owned(), person.name.clone()),
        (a.email.to_owned(), person.email.clone()),
        (
            x.col_role.to_owned(),
            labels::role(&person.role, &custom, lang),
        ),
        (
            x.col_status.to_owned(),
            status_label(person.status, x).to_owned(),
        ),
        (
            x.second_factor.to_owned(),
            if person.totp_secret.is_some() {
                x.yes
            } else {
                x.no
            }
            .to_owned(),
        ),
        (
            x.created.to_owned(),
            format::date_time(person.created_at, Moscow),
        ),
    ];
    let may_update = permits(ctx, access_of(area).update);
    let role_form = if may_update {
        let mut options = role_options(realm, &actor_permissions(ctx), lang).await?;
        if !options.iter().any(|o| o.value == person.role) {
            options.insert(
                0,
                SelectOption::new(&person.role, labels::role(&person.role, &custom, lang)),
            );
        }
        Some(
            FormView::new(
                t,
                format!("{b}/{}/role", person.id),
                &chrome.csrf_token,
                x.save_role,
            )
            .field(
                Field::select(t, "role", x.person_role, options)
                    .value(&person.role)
                    .required(),
            )
            .errors(t, errors),
        )
    } else {
        None
    };
    let status_form = (may_update && actor_id(area, ctx) != Some(person.id.as_str())).then(|| {
        match person.status {
            AccountStatus::Active => FormView::new(
                t,
                format!("{b}/{}/disable", person.id),
                &chrome.csrf_token,
                x.disable,
            )
            .danger(x.disable_confirm),
            AccountStatus::Disabled => FormView::new(
                t,
                format!("{b}/{}/enable", person.id),
                &chrome.csrf_token,
                x.enable,
            ),
        }
    });
    Ok(PersonView {
        rows,
        role_form,
        status_form,
        back: (x.back_to_list.to_owned(), b.to_owned()),
    })
}

pub async fn person_page<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let chrome = area.chrome(chrome, &ctx, &services).await;
    let person = users::get(&realm, &id)
        .await
        .map_err(|e| errors::problem(e, chrome.lang))?;
    let view = person_view(area, &realm, &ctx, &chrome, &person, &FieldErrors::new()).await?;
    let title = person.name.clone();
    Ok(Page::new(chrome, title, view).into_response())
}

pub async fn change_role<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let lang = chrome.lang;
    let x = texts(lang);
    let to = format!("{}/{id}", base(area));
    let flashes = FlashKeys::from_services(&services);
    let actor = actor_permissions(&ctx);
    let errors = match users::change_role(&realm, &actor, &id, form.get("role"), &ctx.audit()).await
    {
        Ok(_) => return Ok(flashes.redirect(&to, &Flash::success(x.role_changed), &headers)),
        Err(IdentityError::NotFound) => return Err(Problem::not_found()),
        Err(e) => match errors::for_form(e, lang) {
            FormError::Fields(errors) => errors,
            FormError::Message(message) => {
                return Ok(flashes.redirect(&to, &Flash::error(message), &headers));
            }
            FormError::Problem(problem) => return Err(problem),
        },
    };
    let chrome = area.chrome(chrome, &ctx, &services).await;
    let person = users::get(&realm, &id)
        .await
        .map_err(|e| errors::problem(e, lang))?;
    let view = person_view(area, &realm, &ctx, &chrome, &person, &errors).await?;
    let title = person.name.clone();
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        Page::new(chrome, title, view),
    )
        .into_response())
}

async fn set_status(
    area: Area,
    services: &Services,
    ctx: &RequestContext,
    lang: Lang,
    headers: &HeaderMap,
    id: &str,
    status: AccountStatus,
) -> Result<Response, Problem> {
    let realm = area.realm(services, ctx).await?;
    let x = texts(lang);
    let to = format!("{}/{id}", base(area));
    let flashes = FlashKeys::from_services(services);
    let actor = actor_permissions(ctx);
    let flash = match users::set_status(
        &realm,
        &actor,
        actor_id(area, ctx),
        id,
        status,
        &ctx.audit(),
    )
    .await
    {
        Ok(_) => Flash::success(match status {
            AccountStatus::Active => x.enabled_done,
            AccountStatus::Disabled => x.disabled_done,
        }),
        Err(IdentityError::NotFound) => return Err(Problem::not_found()),
        Err(e) => match errors::for_form(e, lang) {
            FormError::Fields(errors) => {
                Flash::error(errors.iter().map(|(_, m)| m).collect::<Vec<_>>().join("; "))
            }
            FormError::Message(message) => Flash::error(message),
            FormError::Problem(problem) => return Err(problem),
        },
    };
    Ok(flashes.redirect(&to, &flash, headers))
}

pub async fn disable<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    set_status(
        A::AREA,
        &services,
        &ctx,
        chrome.lang,
        &headers,
        &id,
        AccountStatus::Disabled,
    )
    .await
}

pub async fn enable<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    set_status(
        A::AREA,
        &services,
        &ctx,
        chrome.lang,
        &headers,
        &id,
        AccountStatus::Active,
    )
    .await
}

async fn invitations_view(
    area: Area,
    realm: &Realm,
    ctx: &RequestContext,
    chrome: &Chrome,
    email: &str,
    role: &str,
    errors: &FieldErrors,
) -> Result<InvitationsView, Problem> {
    let (t, lang) = (chrome.t, chrome.lang);
    let (x, a) = (texts(lang), auth_texts(lang));
    let access = access_of(area);
    let custom = custom_roles(realm).await?;
    let form = if permits(ctx, access.invite) {
        let options = role_options(realm, &actor_permissions(ctx), lang).await?;
        Some(
            FormView::new(
                t,
                format!("{}/invitations", base(area)),
                &chrome.csrf_token,
                x.invite_submit,
            )
            .intro(x.invite_intro)
            .field(Field::email(t, "email", a.email).value(email).required())
            .field(
                Field::select(t, "role", x.col_role, options)
                    .value(role)
                    .required(),
            )
            .errors(t, errors),
        )
    } else {
        None
    };
    let rows = invitations::list(realm)
        .await?
        .into_iter()
        .map(|i| InvitationRow {
            role: labels::role(&i.role, &custom, lang),
            expires: format::date_time(i.expires_at, Moscow),
            id: i.id,
            email: i.email,
            invited_by: i.invited_by,
        })
        .collect();
    Ok(InvitationsView {
        tabs: tabs(area, ctx, lang, chrome.path()),
        tabs_label: x.sections.to_owned(),
        invite_heading: x.invite_title.to_owned(),
        form,
        caption: x.invitations_caption.to_owned(),
        columns: [
            x.col_email,
            x.col_role,
            x.col_invited_by,
            x.col_expires,
            x.col_actions,
        ]
        .map(str::to_owned),
        rows,
        can_revoke: permits(ctx, access.revoke_invitation),
        revoke: x.revoke.to_owned(),
        revoke_confirm: x.revoke_invitation_confirm.to_owned(),
        base: format!("{}/invitations", base(area)),
        csrf: chrome.csrf_token.clone(),
        empty: EmptyState::new(x.empty_invitations_title, x.empty_invitations_text),
    })
}

pub async fn invitations_page<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let chrome = area.chrome(chrome, &ctx, &services).await;
    let view = invitations_view(area, &realm, &ctx, &chrome, "", "", &FieldErrors::new()).await?;
    let title = texts(chrome.lang).invitations_title;
    Ok(Page::new(chrome, title, view).into_response())
}

/// The invitation mail in `lang`.
pub fn invitation_letter(organisation: String, lang: Lang) -> impl FnOnce(&str) -> Letter {
    move |link| {
        let a = auth_texts(lang);
        Letter {
            subject: (a.invitation_subject)(&organisation),
            text: (a.invitation_text)(&organisation, link),
        }
    }
}

pub async fn invite<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
    form: FormData,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let lang = chrome.lang;
    let x = texts(lang);
    let (email, role) = (form.get("email"), form.get("role"));
    let letter = invitation_letter(area.organisation(&realm, lang), lang);
    let to = format!("{}/invitations", base(area));
    let flashes = FlashKeys::from_services(&services);
    let actor = actor_permissions(&ctx);
    let errors = match invitations::invite(&realm, &actor, email, role, &ctx.audit(), letter).await
    {
        Ok(invited) => {
            let flash = match invited.mail {
                Ok(()) => Flash::success((x.invited)(&invited.invitation.email)),
                Err(_) => Flash::warning((x.invited_mail_failed)(&invited.invitation.email)),
            };
            return Ok(flashes.redirect(&to, &flash, &headers));
        }
        Err(e) => match errors::for_form(e, lang) {
            FormError::Fields(errors) => errors,
            FormError::Message(message) => {
                return Ok(flashes.redirect(&to, &Flash::error(message), &headers));
            }
            FormError::Problem(problem) => return Err(problem),
        },
    };
    let chrome = area.chrome(chrome, &ctx, &services).await;
    let view = invitations_view(area, &realm, &ctx, &chrome, email, role, &errors).await?;
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        Page::new(chrome, x.invitations_title, view),
    )
        .into_response())
}

pub async fn revoke_invitation<A: AreaOf>(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let area = A::AREA;
    let realm = area.realm(&services, &ctx).await?;
    let lang = chrome.lang;
    invitations::revoke(&realm, &id, &ctx.audit())
        .await
        .map_err(|e| errors::problem(e, lang))?;
    let to = format!("{}/invitations", base(area));
    let flash = Flash::success(texts(lang).invitation_revoked);
    Ok(FlashKeys::from_services(&services).redirect(&to, &flash, &headers))
}

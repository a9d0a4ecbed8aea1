//! Roles: the built-in ones (read-only) and the tenant's own, built from the same permissions
//! within what the actor holds. Pages with a permission grid, and the JSON API.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use crm_app::Services;
use crm_app::identity::roles::{self, CustomRole, RoleInput};
use crm_app::identity::{IdentityError, Realm};
use crm_domain::access::grants;
use crm_domain::access::{Action, BuiltinRole, Permission, PermissionSet, Resource};
use crm_web::access::{Access, AccessRouter, RequestContext};
use crm_web::chrome::TenantUi;
use crm_web::extract::Json;
use crm_web::flash::{Flash, FlashKeys};
use crm_web::i18n::Lang;
use crm_web::identity::errors::{self, FormError};
use crm_web::identity::forms::FormData;
use crm_web::identity::views::{FormView, PermissionMatrix, RoleFormView, RoleRow, RolesView};
use crm_web::identity::{Area, labels, people};
use crm_web::problem::Problem;
use crm_web::ui::{EmptyState, ErrorSummary, Field, FieldErrors, Page};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::acting;

const fn roles_may(action: Action) -> Access {
    Access::Tenant(Permission::new(Resource::Roles, action))
}

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router
        .page(
            Method::GET,
            "/roles",
            roles_may(Action::Read),
            get(list_page),
        )
        .page(
            Method::GET,
            "/roles/new",
            roles_may(Action::Create),
            get(new_page),
        )
        .page(
            Method::POST,
            "/roles",
            roles_may(Action::Create),
            post(create),
        )
        .page(
            Method::GET,
            "/roles/{id}",
            roles_may(Action::Read),
            get(role_page),
        )
        .page(
            Method::POST,
            "/roles/{id}",
            roles_may(Action::Update),
            post(update),
        )
        .page(
            Method::POST,
            "/roles/{id}/delete",
            roles_may(Action::Delete),
            post(delete),
        )
        .api(roles_may(Action::Read), routes!(api_list))
        .api(roles_may(Action::Create), routes!(api_create))
        .api(roles_may(Action::Read), routes!(api_get))
        .api(roles_may(Action::Update), routes!(api_update))
        .api(roles_may(Action::Delete), routes!(api_delete))
}

async fn list_page(State(services): State<Services>, ui: TenantUi) -> Result<Response, Problem> {
    let realm = ui.realm(&services)?;
    let lang = ui.chrome.lang;
    let x = people::texts(lang);
    let builtin = BuiltinRole::ALL
        .into_iter()
        .map(|r| RoleRow {
            name: labels::builtin_role(r, lang).to_owned(),
            href: format!("/roles/{}", r.as_str()),
            count: r.permissions().len(),
        })
        .collect();
    let custom = roles::list(&realm)
        .await?
        .into_iter()
        .map(|r| RoleRow {
            href: format!("/roles/{}", r.id),
            count: r.permissions.len(),
            name: r.name,
        })
        .collect();
    let view = RolesView {
        tabs: people::tabs(Area::Tenant, &ui.ctx, lang, ui.chrome.path()),
        tabs_label: x.sections.to_owned(),
        builtin_heading: x.builtin_roles.to_owned(),
        builtin_note: x.builtin_note.to_owned(),
        builtin,
        custom_heading: x.custom_roles.to_owned(),
        custom,
        columns: [x.role_name.to_owned(), x.col_permission_count.to_owned()],
        caption: x.roles_caption.to_owned(),
        new_role: ui
            .allows(Permission::new(Resource::Roles, Action::Create))
            .then(|| (x.new_role.to_owned(), "/roles/new".to_owned())),
        empty: EmptyState::new(x.empty_roles_title, x.empty_roles_text),
    };
    Ok(Page::new(ui.chrome, x.roles_title, view).into_response())
}

/// The form of a custom role (new when `role` is none).
fn role_form(
    ui: &TenantUi,
    role: Option<&CustomRole>,
    name: &str,
    checked: &PermissionSet,
    errors: &FieldErrors,
    can_delete: bool,
) -> RoleFormView {
    let (t, lang) = (ui.chrome.t, ui.chrome.lang);
    let x = people::texts(lang);
    let actor = ui.permissions();
    let matrix = PermissionMatrix::new(lang, x.permissions, "permissions", checked, &actor)
        .hint(x.not_held_hint)
        .errors(errors);
    let (action, submit) = match role {
        Some(role) => (format!("/roles/{}", role.id), x.save),
        None => ("/roles".to_owned(), x.create_role),
    };
    let delete = role.filter(|_| can_delete).map(|role| {
        FormView::new(
            t,
            format!("/roles/{}/delete", role.id),
            &ui.chrome.csrf_token,
            x.delete_role,
        )
        .danger(x.delete_role_confirm)
    });
    RoleFormView {
        summary: ErrorSummary::new(t, errors),
        action: Some(action),
        csrf: ui.chrome.csrf_token.clone(),
        name: Some(
            Field::text(t, "name", x.role_name)
                .value(name)
                .required()
                .errors(errors),
        ),
        matrix,
        submit: submit.to_owned(),
        delete,
        back: (x.roles_title.to_owned(), "/roles".to_owned()),
    }
}

async fn new_page(ui: TenantUi) -> Response {
    let x = people::texts(ui.chrome.lang);
    let view = role_form(
        &ui,
        None,
        "",
        &PermissionSet::default(),
        &FieldErrors::new(),
        false,
    );
    Page::new(ui.chrome, x.new_role, view).into_response()
}

async fn role_page(
    State(services): State<Services>,
    ui: TenantUi,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let lang = ui.chrome.lang;
    let x = people::texts(lang);
    if let Some(builtin) = BuiltinRole::parse(&id) {
        let matrix = PermissionMatrix::new(
            lang,
            x.permissions,
            "permissions",
            &builtin.permissions(),
            &PermissionSet::default(),
        )
        .read_only()
        .hint(x.builtin_note);
        let view = RoleFormView {
            summary: ErrorSummary::new(ui.chrome.t, &FieldErrors::new()),
            action: None,
            csrf: String::new(),
            name: None,
            matrix,
            submit: String::new(),
            delete: None,
            back: (x.roles_title.to_owned(), "/roles".to_owned()),
        };
        let title = labels::builtin_role(builtin, lang);
        return Ok(Page::new(ui.chrome, title, view).into_response());
    }
    let realm = ui.realm(&services)?;
    let role = roles::get(&realm, &id)
        .await
        .map_err(|e| errors::problem(e, lang))?;
    let can_update = ui.allows(Permission::new(Resource::Roles, Action::Update));
    let can_delete = ui.allows(Permission::new(Resource::Roles, Action::Delete));
    let mut view = role_form(
        &ui,
        Some(&role),
        &role.name,
        &role.permissions,
        &FieldErrors::new(),
        can_delete,
    );
    if !can_update {
        view.action = None;
        view.name = None;
        view.matrix = view.matrix.read_only();
    }
    let title = role.name;
    Ok(Page::new(ui.chrome, title, view).into_response())
}

#[expect(
    clippy::result_large_err,
    reason = "a handler helper whose error is answered at once"
)]
fn submitted(form: &FormData) -> Result<PermissionSet, Problem> {
    form.permissions("permissions").map_err(|raw| {
        Problem::bad_request("unknown_permission", format!("unknown permission `{raw}`"))
    })
}

async fn create(
    State(services): State<Services>,
    ui: TenantUi,
    headers: HeaderMap,
    form: FormData,
) -> Result<Response, Problem> {
    let realm = ui.realm(&services)?;
    let lang = ui.chrome.lang;
    let x = people::texts(lang);
    let input = RoleInput {
        name: form.get("name").to_owned(),
        permissions: submitted(&form)?,
    };
    let errors = match roles::create(&realm, &ui.permissions(), &input, &ui.ctx.audit()).await {
        Ok(role) => {
            let flash = Flash::success(x.role_created);
            return Ok(FlashKeys::from_services(&services).redirect(
                &format!("/roles/{}", role.id),
                &flash,
                &headers,
            ));
        }
        Err(e) => form_errors(e, lang)?,
    };
    let view = role_form(&ui, None, &input.name, &input.permissions, &errors, false);
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        Page::new(ui.chrome, x.new_role, view),
    )
        .into_response())
}

#[expect(
    clippy::result_large_err,
    reason = "a handler helper whose error is answered at once"
)]
fn form_errors(error: IdentityError, lang: Lang) -> Result<FieldErrors, Problem> {
    match errors::for_form(error, lang) {
        FormError::Fields(errors) => Ok(errors),
        FormError::Message(message) => Err(Problem::conflict("refused", message)),
        FormError::Problem(problem) => Err(problem),
    }
}

async fn update(
    State(services): State<Services>,
    ui: TenantUi,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, Problem> {
    let realm = ui.realm(&services)?;
    let lang = ui.chrome.lang;
    let x = people::texts(lang);
    let current = roles::get(&realm, &id)
        .await
        .map_err(|e| errors::problem(e, lang))?;
    let actor = ui.permissions();
    // The grid shows what the actor cannot change as disabled boxes, which browsers do not
    // submit: those keep their current state.
    let requested = grants::from_form(&actor, &current.permissions, &submitted(&form)?);
    let input = RoleInput {
        name: form.get("name").to_owned(),
        permissions: requested,
    };
    let errors = match roles::update(&realm, &actor, &id, &input, &ui.ctx.audit()).await {
        Ok(_) => {
            let flash = Flash::success(x.role_saved);
            return Ok(FlashKeys::from_services(&services).redirect(
                &format!("/roles/{id}"),
                &flash,
                &headers,
            ));
        }
        Err(e) => form_errors(e, lang)?,
    };
    let can_delete = ui.allows(Permission::new(Resource::Roles, Action::Delete));
    let view = role_form(
        &ui,
        Some(&current),
        &input.name,
        &input.permissions,
        &errors,
        can_delete,
    );
    let title = current.name.clone();
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        Page::new(ui.chrome, title, view),
    )
        .into_response())
}

async fn delete(
    State(services): State<Services>,
    ui: TenantUi,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let realm = ui.realm(&services)?;
    let lang = ui.chrome.lang;
    let x = people::texts(lang);
    let flashes = FlashKeys::from_services(&services);
    match roles::delete(&realm, &ui.permissions(), &id, &ui.ctx.audit()).await {
        Ok(()) => Ok(flashes.redirect("/roles", &Flash::success(x.role_deleted), &headers)),
        Err(IdentityError::NotFound) => Err(Problem::not_found()),
        Err(e) => {
            let message = match errors::for_form(e, lang) {
                FormError::Fields(errors) => {
                    errors.iter().map(|(_, m)| m).collect::<Vec<_>>().join("; ")
                }
                FormError::Message(message) => message,
                FormError::Problem(problem) => return Err(problem),
            };
            Ok(flashes.redirect(&format!("/roles/{id}"), &Flash::error(message), &headers))
        }
    }
}

// ---- JSON API -------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct RoleBody {
    /// A built-in role's name, or a custom role's id.
    pub id: String,
    pub name: String,
    pub builtin: bool,
    /// What users carry in `role`: the built-in name or `custom:<id>`.
    pub role: String,
    /// `resource:action` pairs.
    pub permissions: Vec<String>,
}

fn texts(set: &PermissionSet) -> Vec<String> {
    set.iter().map(|p| p.to_string()).collect()
}

impl From<BuiltinRole> for RoleBody {
    fn from(r: BuiltinRole) -> Self {
        Self {
            id: r.as_str().to_owned(),
            name: r.as_str().to_owned(),
            builtin: true,
            role: r.as_str().to_owned(),
            permissions: texts(&r.permissions()),
        }
    }
}

impl From<CustomRole> for RoleBody {
    fn from(r: CustomRole) -> Self {
        Self {
            role: r.role_value(),
            permissions: texts(&r.permissions),
            id: r.id,
            name: r.name,
            builtin: false,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct RoleInputBody {
    pub name: String,
    /// `resource:action` pairs, all held by the caller (added or removed ones).
    pub permissions: Vec<String>,
}

fn builtin_refused() -> Problem {
    Problem::conflict(
        "builtin_role",
        "built-in roles cannot be changed or deleted",
    )
}

#[utoipa::path(
    get,
    path = "/api/v1/roles",
    tag = "identity",
    responses((status = 200, description = "Built-in roles, then the tenant's own", body = Vec<RoleBody>))
)]
async fn api_list(
    State(services): State<Services>,
    ctx: RequestContext,
) -> Result<axum::Json<Vec<RoleBody>>, Problem> {
    let realm = acting::realm(&services, &ctx)?;
    let mut all: Vec<RoleBody> = BuiltinRole::ALL.into_iter().map(RoleBody::from).collect();
    all.extend(roles::list(&realm).await?.into_iter().map(RoleBody::from));
    Ok(axum::Json(all))
}

#[expect(
    clippy::result_large_err,
    reason = "a handler helper whose error is answered at once"
)]
fn input(body: RoleInputBody) -> Result<RoleInput, Problem> {
    Ok(RoleInput {
        name: body.name,
        permissions: acting::permissions("permissions", &body.permissions)?,
    })
}

#[utoipa::path(
    post,
    path = "/api/v1/roles",
    tag = "identity",
    request_body = RoleInputBody,
    responses(
        (status = 201, description = "Created", body = RoleBody),
        (status = 409, description = "`role_name_taken`", body = Problem),
        (status = 422, description = "Bad name, unknown permissions, or permissions the caller lacks", body = Problem),
    )
)]
async fn api_create(
    State(services): State<Services>,
    ctx: RequestContext,
    lang: Lang,
    Json(body): Json<RoleInputBody>,
) -> Result<Response, Problem> {
    let realm = acting::realm(&services, &ctx)?;
    let input = input(body)?;
    let role = roles::create(
        &realm,
        &people::actor_permissions(&ctx),
        &input,
        &ctx.audit(),
    )
    .await
    .map_err(|e| errors::problem(e, lang))?;
    Ok((StatusCode::CREATED, axum::Json(RoleBody::from(role))).into_response())
}

async fn custom(realm: &Realm, id: &str, lang: Lang) -> Result<CustomRole, Problem> {
    roles::get(realm, id)
        .await
        .map_err(|e| errors::problem(e, lang))
}

#[utoipa::path(
    get,
    path = "/api/v1/roles/{id}",
    tag = "identity",
    params(("id" = String, Path, description = "A built-in role's name or a custom role's id")),
    responses(
        (status = 200, description = "The role", body = RoleBody),
        (status = 404, description = "No such role", body = Problem),
    )
)]
async fn api_get(
    State(services): State<Services>,
    ctx: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<axum::Json<RoleBody>, Problem> {
    if let Some(builtin) = BuiltinRole::parse(&id) {
        return Ok(axum::Json(builtin.into()));
    }
    let realm = acting::realm(&services, &ctx)?;
    Ok(axum::Json(custom(&realm, &id, lang).await?.into()))
}

#[utoipa::path(
    put,
    path = "/api/v1/roles/{id}",
    tag = "identity",
    params(("id" = String, Path, description = "A custom role's id")),
    request_body = RoleInputBody,
    responses(
        (status = 200, description = "Saved", body = RoleBody),
        (status = 404, description = "No such role", body = Problem),
        (status = 409, description = "`builtin_role`, `role_name_taken` or `conflict`", body = Problem),
        (status = 422, description = "Bad name, unknown permissions, or changes to permissions the caller lacks", body = Problem),
    )
)]
async fn api_update(
    State(services): State<Services>,
    ctx: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
    Json(body): Json<RoleInputBody>,
) -> Result<axum::Json<RoleBody>, Problem> {
    if BuiltinRole::parse(&id).is_some() {
        return Err(builtin_refused());
    }
    let realm = acting::realm(&services, &ctx)?;
    let input = input(body)?;
    let role = roles::update(
        &realm,
        &people::actor_permissions(&ctx),
        &id,
        &input,
        &ctx.audit(),
    )
    .await
    .map_err(|e| errors::problem(e, lang))?;
    Ok(axum::Json(role.into()))
}

#[utoipa::path(
    delete,
    path = "/api/v1/roles/{id}",
    tag = "identity",
    params(("id" = String, Path, description = "A custom role's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such role", body = Problem),
        (status = 409, description = "`builtin_role`, or `role_in_use` naming who has it", body = Problem),
    )
)]
async fn api_delete(
    State(services): State<Services>,
    ctx: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    if BuiltinRole::parse(&id).is_some() {
        return Err(builtin_refused());
    }
    let realm = acting::realm(&services, &ctx)?;
    roles::delete(&realm, &people::actor_permissions(&ctx), &id, &ctx.audit())
        .await
        .map_err(|e| errors::problem(e, lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

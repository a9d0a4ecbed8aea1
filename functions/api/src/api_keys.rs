//! API keys: created with scopes within the creator's permissions and shown once, listed with
//! their last use, revoked. Pages and the JSON API.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Moscow;
use crm_app::Services;
use crm_app::identity::api_keys::{self, ApiKey};
use crm_domain::access::{Action, Permission, PermissionSet, Resource};
use crm_web::access::{Access, AccessRouter, RequestContext};
use crm_web::chrome::TenantUi;
use crm_web::extract::Json;
use crm_web::flash::{Flash, FlashKeys};
use crm_web::format;
use crm_web::i18n::Lang;
use crm_web::identity::errors::{self, FormError};
use crm_web::identity::forms::FormData;
use crm_web::identity::views::{
    ApiKeyCreatedView, ApiKeysView, FormView, KeyRow, PermissionMatrix,
};
use crm_web::identity::{Area, labels, people};
use crm_web::problem::Problem;
use crm_web::ui::{EmptyState, Field, FieldErrors, Page};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::acting;

const fn keys_may(action: Action) -> Access {
    Access::Tenant(Permission::new(Resource::ApiKeys, action))
}

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router
        .page(
            Method::GET,
            "/api-keys",
            keys_may(Action::Read),
            get(list_page),
        )
        .page(
            Method::POST,
            "/api-keys",
            keys_may(Action::Create),
            post(create),
        )
        .page(
            Method::POST,
            "/api-keys/{id}/revoke",
            keys_may(Action::Delete),
            post(revoke),
        )
        .api(keys_may(Action::Read), routes!(api_list))
        .api(keys_may(Action::Create), routes!(api_create))
        .api(keys_may(Action::Delete), routes!(api_revoke))
}

fn scopes_text(key: &ApiKey, lang: Lang) -> String {
    key.scopes
        .iter()
        .map(|p| labels::permission(p, lang))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn list_view(
    services: &Services,
    ui: &TenantUi,
    name: &str,
    scopes: &PermissionSet,
    errors: &FieldErrors,
) -> Result<ApiKeysView, Problem> {
    let realm = ui.realm(services)?;
    let (t, lang) = (ui.chrome.t, ui.chrome.lang);
    let x = people::texts(lang);
    let rows = api_keys::list(&realm)
        .await?
        .into_iter()
        .map(|key| KeyRow {
            scopes: scopes_text(&key, lang),
            created: format::date_time(key.created_at, Moscow),
            last_used: key
                .last_used_at
                .map_or_else(|| x.never.to_owned(), |at| format::date_time(at, Moscow)),
            status: if key.revoked_at.is_some() {
                x.key_revoked
            } else {
                x.key_active
            }
            .to_owned(),
            active: key.revoked_at.is_none(),
            id: key.id,
            name: key.name,
            hint: key.hint,
        })
        .collect();
    let create = ui
        .allows(Permission::new(Resource::ApiKeys, Action::Create))
        .then(|| {
            let form = FormView::new(t, "/api-keys", &ui.chrome.csrf_token, x.create_key)
                .field(
                    Field::text(t, "name", x.key_name)
                        .value(name)
                        .required()
                        .hint(x.key_name_hint),
                )
                .errors(t, errors);
            let matrix = PermissionMatrix::new(lang, x.scopes, "scopes", scopes, &ui.permissions())
                .hint(x.not_held_hint)
                .errors(errors);
            (form, matrix)
        });
    Ok(ApiKeysView {
        tabs: people::tabs(Area::Tenant, &ui.ctx, lang, ui.chrome.path()),
        tabs_label: x.sections.to_owned(),
        intro: x.keys_intro.to_owned(),
        caption: x.keys_caption.to_owned(),
        columns: [
            x.key_name,
            x.col_hint,
            x.col_scopes,
            x.col_created,
            x.col_last_used,
            x.col_status,
            x.col_actions,
        ]
        .map(str::to_owned),
        rows,
        can_revoke: ui.allows(Permission::new(Resource::ApiKeys, Action::Delete)),
        revoke: x.revoke.to_owned(),
        revoke_confirm: x.revoke_key_confirm.to_owned(),
        csrf: ui.chrome.csrf_token.clone(),
        empty: EmptyState::new(x.empty_keys_title, x.empty_keys_text),
        create_heading: x.create_key.to_owned(),
        create,
    })
}

async fn list_page(State(services): State<Services>, ui: TenantUi) -> Result<Response, Problem> {
    let view = list_view(
        &services,
        &ui,
        "",
        &PermissionSet::default(),
        &FieldErrors::new(),
    )
    .await?;
    let title = people::texts(ui.chrome.lang).keys_title;
    Ok(Page::new(ui.chrome, title, view).into_response())
}

/// Answers with the token on the page itself (no redirect): it is shown this once.
async fn create(
    State(services): State<Services>,
    ui: TenantUi,
    form: FormData,
) -> Result<Response, Problem> {
    let realm = ui.realm(&services)?;
    let lang = ui.chrome.lang;
    let x = people::texts(lang);
    let scopes = form.permissions("scopes").map_err(|raw| {
        Problem::bad_request("unknown_permission", format!("unknown permission `{raw}`"))
    })?;
    let name = form.get("name");
    let errors = match api_keys::create(
        &realm,
        &ui.permissions(),
        name,
        scopes.clone(),
        &ui.ctx.audit(),
    )
    .await
    {
        Ok((_, token)) => {
            let view = ApiKeyCreatedView {
                warning: x.key_created_warning.to_owned(),
                token_label: x.token_label.to_owned(),
                token,
                copy: x.copy.to_owned(),
                done: (x.done.to_owned(), "/api-keys".to_owned()),
            };
            let mut response = (
                StatusCode::CREATED,
                Page::new(ui.chrome, x.key_created_title, view),
            )
                .into_response();
            response.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            return Ok(response);
        }
        Err(e) => match errors::for_form(e, lang) {
            FormError::Fields(errors) => errors,
            FormError::Message(message) => return Err(Problem::conflict("refused", message)),
            FormError::Problem(problem) => return Err(problem),
        },
    };
    let view = list_view(&services, &ui, name, &scopes, &errors).await?;
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        Page::new(ui.chrome, x.keys_title, view),
    )
        .into_response())
}

async fn revoke(
    State(services): State<Services>,
    ui: TenantUi,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let realm = ui.realm(&services)?;
    let lang = ui.chrome.lang;
    api_keys::revoke(&realm, &id, &ui.ctx.audit())
        .await
        .map_err(|e| errors::problem(e, lang))?;
    let flash = Flash::success(people::texts(lang).key_revoked_done);
    Ok(FlashKeys::from_services(&services).redirect("/api-keys", &flash, &headers))
}

// ---- JSON API -------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct ApiKeyBody {
    pub id: String,
    pub name: String,
    /// The key's first characters, to tell keys apart; never the whole key.
    pub hint: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKey> for ApiKeyBody {
    fn from(k: ApiKey) -> Self {
        Self {
            scopes: k.scopes.iter().map(|p| p.to_string()).collect(),
            id: k.id,
            name: k.name,
            hint: k.hint,
            created_at: k.created_at,
            created_by: k.created_by,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewApiKey {
    pub name: String,
    /// `resource:action` pairs, all held by the caller.
    pub scopes: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyCreated {
    pub key: ApiKeyBody,
    /// The bearer token. Shown here once; only its hash is stored.
    pub token: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/api-keys",
    tag = "identity",
    responses((status = 200, description = "The tenant's keys, newest first, revoked ones included", body = Vec<ApiKeyBody>))
)]
async fn api_list(
    State(services): State<Services>,
    ctx: RequestContext,
) -> Result<axum::Json<Vec<ApiKeyBody>>, Problem> {
    let realm = acting::realm(&services, &ctx)?;
    let list = api_keys::list(&realm).await?;
    Ok(axum::Json(list.into_iter().map(ApiKeyBody::from).collect()))
}

#[utoipa::path(
    post,
    path = "/api/v1/api-keys",
    tag = "identity",
    request_body = NewApiKey,
    responses(
        (status = 201, description = "Created; the token is in this answer only", body = ApiKeyCreated),
        (status = 422, description = "Bad name, unknown scopes, or scopes the caller lacks", body = Problem),
    )
)]
async fn api_create(
    State(services): State<Services>,
    ctx: RequestContext,
    lang: Lang,
    Json(body): Json<NewApiKey>,
) -> Result<Response, Problem> {
    let realm = acting::realm(&services, &ctx)?;
    let scopes = acting::permissions("scopes", &body.scopes)?;
    let (key, token) = api_keys::create(
        &realm,
        &people::actor_permissions(&ctx),
        &body.name,
        scopes,
        &ctx.audit(),
    )
    .await
    .map_err(|e| errors::problem(e, lang))?;
    let body = ApiKeyCreated {
        key: key.into(),
        token,
    };
    let mut response = (StatusCode::CREATED, axum::Json(body)).into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

#[utoipa::path(
    delete,
    path = "/api/v1/api-keys/{id}",
    tag = "identity",
    params(("id" = String, Path, description = "Key id")),
    responses(
        (status = 200, description = "Revoked (or already was)", body = ApiKeyBody),
        (status = 404, description = "No such key", body = Problem),
    )
)]
async fn api_revoke(
    State(services): State<Services>,
    ctx: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<axum::Json<ApiKeyBody>, Problem> {
    let realm = acting::realm(&services, &ctx)?;
    let key = api_keys::revoke(&realm, &id, &ctx.audit())
        .await
        .map_err(|e| errors::problem(e, lang))?;
    Ok(axum::Json(key.into()))
}

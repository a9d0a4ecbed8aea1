//! `/api/v1/buildings`: list, create, read, change.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use crm_app::Services;
use crm_app::buildings::{self, Building, BuildingCounts};
use crm_app::store::Cursor;
use crm_domain::subscriber::BuildingInput;
use crm_web::access::{AccessRouter, RequestContext};
use crm_web::extract::{Json, Query};
use crm_web::i18n::Lang;
use crm_web::problem::Problem;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use super::{api_path, problem};
use crate::subscribers::dto::AddressDto;
use crate::subscribers::{CREATE, READ, UPDATE, tenant_of};

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router
        .api(READ, routes!(list))
        .api(CREATE, routes!(create))
        .api(READ, routes!(get_one))
        .api(UPDATE, routes!(patch))
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CountsDto {
    pub active: u64,
    pub suspended: u64,
    pub closed: u64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BuildingDto {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    pub name: Option<String>,
    pub address: AddressDto,
    pub address_line: String,
    pub notes: Option<String>,
    /// Subscribers of the building by status.
    pub counts: CountsDto,
}

impl BuildingDto {
    fn new(building: &Building, counts: BuildingCounts, version: Option<u64>) -> Self {
        Self {
            id: building.id.clone(),
            version,
            name: building.facts.name.clone(),
            address: AddressDto::from(&building.facts.address),
            address_line: building.facts.address.line(),
            notes: building.facts.notes.clone(),
            counts: CountsDto {
                active: counts.active,
                suspended: counts.suspended,
                closed: counts.closed,
            },
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BuildingAddressBody {
    pub postcode: Option<String>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub street: Option<String>,
    pub house: Option<String>,
    pub building: Option<String>,
}

/// A building to create, or the fields to change.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BuildingBody {
    pub name: Option<String>,
    pub address: Option<BuildingAddressBody>,
    pub notes: Option<String>,
    /// Changes only: the version read.
    pub version: Option<u64>,
}

impl BuildingBody {
    fn overlay(self, mut base: BuildingInput) -> BuildingInput {
        let set = |target: &mut String, value: Option<String>| {
            if let Some(value) = value {
                *target = value;
            }
        };
        set(&mut base.name, self.name);
        set(&mut base.notes, self.notes);
        if let Some(a) = self.address {
            set(&mut base.postcode, a.postcode);
            set(&mut base.region, a.region);
            set(&mut base.city, a.city);
            set(&mut base.street, a.street);
            set(&mut base.house, a.house);
            set(&mut base.building, a.building);
        }
        base
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BuildingList {
    pub items: Vec<BuildingDto>,
    pub next: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
struct ListParams {
    cursor: Option<String>,
    /// Page size, 1-100 (default 50).
    limit: Option<u32>,
}

/// The tenant's buildings by address, with their subscriber counts.
#[utoipa::path(
    get,
    path = "/api/v1/buildings",
    tag = "buildings",
    params(ListParams),
    responses(
        (status = 200, description = "One page of buildings", body = BuildingList),
        (status = 400, description = "A damaged cursor", body = Problem),
    )
)]
async fn list(
    State(services): State<Services>,
    context: RequestContext,
    Query(params): Query<ListParams>,
) -> Result<axum::Json<BuildingList>, Problem> {
    let tenant = tenant_of(&context)?;
    let db = services.db.tenant(&tenant);
    let cursor = params
        .cursor
        .filter(|c| !c.is_empty())
        .map(Cursor::from_client);
    let (page, next) = buildings::list(
        &db,
        cursor.as_ref(),
        params.limit.unwrap_or(50).clamp(1, 100),
    )
    .await?;
    let mut items = Vec::with_capacity(page.len());
    for building in &page {
        let counts = buildings::counts(&db, &building.id).await?;
        items.push(BuildingDto::new(building, counts, None));
    }
    Ok(axum::Json(BuildingList {
        items,
        next: next.map(|c| c.as_str().to_owned()),
    }))
}

async fn current(
    services: &Services,
    context: &RequestContext,
    id: &str,
) -> Result<BuildingDto, Problem> {
    let tenant = tenant_of(context)?;
    let db = services.db.tenant(&tenant);
    let (building, version) = buildings::get(&db, id)
        .await?
        .ok_or_else(Problem::not_found)?;
    let counts = buildings::counts(&db, id).await?;
    Ok(BuildingDto::new(&building, counts, Some(version)))
}

/// Adds a building; its address must be new in the tenant.
#[utoipa::path(
    post,
    path = "/api/v1/buildings",
    tag = "buildings",
    request_body = BuildingBody,
    responses(
        (status = 201, description = "Created", body = BuildingDto),
        (status = 409, description = "A building with this address exists", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    )
)]
async fn create(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Json(body): Json<BuildingBody>,
) -> Result<Response, Problem> {
    let tenant = tenant_of(&context)?;
    let input = body.overlay(BuildingInput::default());
    let building = buildings::create(&services, &tenant, &context.audit(), &input)
        .await
        .map_err(|e| problem(lang, e, api_path))?;
    let dto = current(&services, &context, &building.id).await?;
    Ok((StatusCode::CREATED, axum::Json(dto)).into_response())
}

/// One building with its counts.
#[utoipa::path(
    get,
    path = "/api/v1/buildings/{id}",
    tag = "buildings",
    params(("id" = String, Path, description = "Building id")),
    responses(
        (status = 200, description = "The building", body = BuildingDto),
        (status = 404, description = "No such building in this tenant", body = Problem),
    )
)]
async fn get_one(
    State(services): State<Services>,
    context: RequestContext,
    Path(id): Path<String>,
) -> Result<axum::Json<BuildingDto>, Problem> {
    Ok(axum::Json(current(&services, &context, &id).await?))
}

/// Changes a building. Its address stays once subscribers live in it.
#[utoipa::path(
    patch,
    path = "/api/v1/buildings/{id}",
    tag = "buildings",
    params(("id" = String, Path, description = "Building id")),
    request_body = BuildingBody,
    responses(
        (status = 200, description = "Saved", body = BuildingDto),
        (status = 404, description = "No such building", body = Problem),
        (status = 409, description = "Changed meanwhile, address taken, or subscribers present", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    )
)]
async fn patch(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
    Json(body): Json<BuildingBody>,
) -> Result<axum::Json<BuildingDto>, Problem> {
    let tenant = tenant_of(&context)?;
    let (building, _) = buildings::get(&services.db.tenant(&tenant), &id)
        .await?
        .ok_or_else(Problem::not_found)?;
    let version = body.version;
    let input = body.overlay(building.facts.to_input());
    buildings::update(&services, &tenant, &context.audit(), &id, version, &input)
        .await
        .map_err(|e| problem(lang, e, api_path))?;
    Ok(axum::Json(current(&services, &context, &id).await?))
}

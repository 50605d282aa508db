//! The organisation tree.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use zs_identity::policy::{OrgCreate, OrgRead};
use zs_identity::CreateOrg;
use zs_types::model::Org;
use zs_types::OrgId;

/// All organisations, ordered by their place in the tree.
#[utoipa::path(get, path = "/api/v1/orgs", operation_id = "org.read#list", tag = "orgs",
    responses((status = 200, body = Vec<Org>), (status = 401, body = ErrorBody)))]
pub(crate) async fn list(State(s): State<AppState>, Auth(pass): Auth<OrgRead>) -> ApiResult<Json<Vec<Org>>> {
    Ok(Json(s.identity.list_orgs(&pass).await?))
}

/// One organisation.
#[utoipa::path(get, path = "/api/v1/orgs/{id}", operation_id = "org.read#get", tag = "orgs",
    params(("id" = i64, Path, description = "Organisation id")),
    responses((status = 200, body = Org), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    State(s): State<AppState>,
    Auth(pass): Auth<OrgRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Org>> {
    Ok(Json(s.identity.get_org(&pass, OrgId(id)).await?))
}

/// Add a district (GB/T 2260 code inside the city) or a department (unified social credit code).
#[utoipa::path(post, path = "/api/v1/orgs", operation_id = "org.create", tag = "orgs",
    request_body = CreateOrg,
    responses((status = 201, body = Org), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create(
    State(s): State<AppState>,
    Auth(pass): Auth<OrgCreate>,
    ApiJson(input): ApiJson<CreateOrg>,
) -> ApiResult<(StatusCode, Json<Org>)> {
    Ok((StatusCode::CREATED, Json(s.identity.create_org(&pass, input).await?)))
}

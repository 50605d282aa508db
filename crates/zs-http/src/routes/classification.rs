//! Classification and grading (数据分类分级): a resource's items with level and category, level
//! changes, value scans with suggestions to accept or dismiss, and the city-wide overview.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use zs_catalog::SecurityLevel;
use zs_identity::policy::{ClassificationChange, ClassificationRead};
use zs_standards::{GradingOverview, ResourceGrading, ScanReport};

fn code((class, seq): (String, String)) -> String {
    format!("{class}/{seq}")
}

/// A resource's items with security level and GB/T 43697 category, the resource's level (the
/// highest of its items, 就高从严) and the detectors' suggestions.
#[utoipa::path(get, path = "/api/v1/classification/resources/{class}/{seq}", operation_id = "classification.read#resource", tag = "classification",
    params(("class" = String, Path), ("seq" = String, Path)),
    responses((status = 200, body = ResourceGrading), (status = 404, body = ErrorBody)))]
pub(crate) async fn resource(
    State(s): State<AppState>,
    Auth(pass): Auth<ClassificationRead>,
    ApiPath(path): ApiPath<(String, String)>,
) -> ApiResult<Json<ResourceGrading>> {
    Ok(Json(s.standards.resource_grading(&pass, &code(path)).await?))
}

/// A level change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LevelChange {
    /// The item's machine name.
    item: String,
    /// The new level.
    level: SecurityLevel,
}

/// Change an item's security level (the providing department's stewards, security
/// administrators in scope). Audited as `classification.change` with the old and new level.
#[utoipa::path(put, path = "/api/v1/classification/resources/{class}/{seq}/levels", operation_id = "classification.change#level", tag = "classification",
    params(("class" = String, Path), ("seq" = String, Path)), request_body = LevelChange,
    responses((status = 200, body = ResourceGrading), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn set_level(
    State(s): State<AppState>,
    Auth(pass): Auth<ClassificationChange>,
    ApiPath(path): ApiPath<(String, String)>,
    ApiJson(c): ApiJson<LevelChange>,
) -> ApiResult<Json<ResourceGrading>> {
    Ok(Json(s.standards.change_level(&pass, &code(path), &c.item, c.level).await?))
}

/// Scan the latest table version (up to 10,000 rows) with the value detectors; columns whose
/// level is below what their values suggest get open suggestions (replacing earlier open ones).
/// Audited as `classification.scan` (counts only, never values).
#[utoipa::path(post, path = "/api/v1/classification/resources/{class}/{seq}/scan", operation_id = "classification.change#scan", tag = "classification",
    params(("class" = String, Path), ("seq" = String, Path)),
    responses((status = 200, body = ScanReport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn scan(
    State(s): State<AppState>,
    Auth(pass): Auth<ClassificationChange>,
    ApiPath(path): ApiPath<(String, String)>,
) -> ApiResult<Json<ScanReport>> {
    Ok(Json(s.standards.scan(&pass, &code(path)).await?))
}

/// Accept a suggestion: the item takes the proposed level.
#[utoipa::path(post, path = "/api/v1/classification/resources/{class}/{seq}/suggestions/{id}/accept", operation_id = "classification.change#accept", tag = "classification",
    params(("class" = String, Path), ("seq" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = ResourceGrading), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn accept(
    State(s): State<AppState>,
    Auth(pass): Auth<ClassificationChange>,
    ApiPath((class, seq, id)): ApiPath<(String, String, i64)>,
) -> ApiResult<Json<ResourceGrading>> {
    Ok(Json(s.standards.decide(&pass, &code((class, seq)), id, true).await?))
}

/// Dismiss a suggestion (the level stays).
#[utoipa::path(post, path = "/api/v1/classification/resources/{class}/{seq}/suggestions/{id}/dismiss", operation_id = "classification.change#dismiss", tag = "classification",
    params(("class" = String, Path), ("seq" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = ResourceGrading), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn dismiss(
    State(s): State<AppState>,
    Auth(pass): Auth<ClassificationChange>,
    ApiPath((class, seq, id)): ApiPath<(String, String, i64)>,
) -> ApiResult<Json<ResourceGrading>> {
    Ok(Json(s.standards.decide(&pass, &code((class, seq)), id, false).await?))
}

/// Published resources and their items counted by level and category, per department in scope.
#[utoipa::path(get, path = "/api/v1/classification/overview", operation_id = "classification.read#overview", tag = "classification",
    responses((status = 200, body = GradingOverview)))]
pub(crate) async fn overview(
    State(s): State<AppState>,
    Auth(pass): Auth<ClassificationRead>,
) -> ApiResult<Json<GradingOverview>> {
    Ok(Json(s.standards.overview(&pass).await?))
}

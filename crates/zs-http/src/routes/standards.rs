//! Data standards: the registry of standard data elements (数据元) and the conformance report
//! of catalogue items against it.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::routes::catalog_exchange::XLSX;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use zs_identity::policy::{ConformanceRead, ElementManage, ElementRead};
use zs_standards::{ConformanceReport, ConformanceSummary, DataElement, ElementInput, ElementStatus};
use zs_types::Error;

/// Every standard data element, by id.
#[utoipa::path(get, path = "/api/v1/standards/elements", operation_id = "element.read#list", tag = "standards",
    responses((status = 200, body = [DataElement])))]
pub(crate) async fn list(
    State(s): State<AppState>,
    Auth(pass): Auth<ElementRead>,
) -> ApiResult<Json<Vec<DataElement>>> {
    Ok(Json(s.standards.elements(&pass).await?))
}

/// Add a standard data element (city-level platform operators).
#[utoipa::path(post, path = "/api/v1/standards/elements", operation_id = "element.manage#create", tag = "standards",
    request_body = ElementInput,
    responses((status = 201, body = DataElement), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create(
    State(s): State<AppState>,
    Auth(pass): Auth<ElementManage>,
    ApiJson(input): ApiJson<ElementInput>,
) -> ApiResult<(StatusCode, Json<DataElement>)> {
    Ok((StatusCode::CREATED, Json(s.standards.create_element(&pass, input).await?)))
}

/// One standard data element.
#[utoipa::path(get, path = "/api/v1/standards/elements/{id}", operation_id = "element.read#get", tag = "standards",
    params(("id" = String, Path, description = "Element identifier, e.g. DE01001")),
    responses((status = 200, body = DataElement), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    State(s): State<AppState>,
    Auth(pass): Auth<ElementRead>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<DataElement>> {
    Ok(Json(s.standards.element(&pass, &id).await?))
}

/// The version an edit starts from.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct VersionParam {
    /// The version read; a change made meanwhile is a 409 conflict. Without it the change
    /// applies to the current version.
    version: Option<i64>,
}

/// Change a standard data element (its id and status stay; the version goes up).
#[utoipa::path(put, path = "/api/v1/standards/elements/{id}", operation_id = "element.manage#edit", tag = "standards",
    params(("id" = String, Path), VersionParam), request_body = ElementInput,
    responses((status = 200, body = DataElement), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn edit(
    State(s): State<AppState>,
    Auth(pass): Auth<ElementManage>,
    ApiPath(id): ApiPath<String>,
    Query(v): Query<VersionParam>,
    ApiJson(input): ApiJson<ElementInput>,
) -> ApiResult<Json<DataElement>> {
    Ok(Json(s.standards.edit_element(&pass, &id, input, v.version).await?))
}

/// Deprecate (废止) a standard data element; items referring to it show in the conformance report.
#[utoipa::path(post, path = "/api/v1/standards/elements/{id}/deprecate", operation_id = "element.manage#deprecate", tag = "standards",
    params(("id" = String, Path), VersionParam),
    responses((status = 200, body = DataElement), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn deprecate(
    State(s): State<AppState>,
    Auth(pass): Auth<ElementManage>,
    ApiPath(id): ApiPath<String>,
    Query(v): Query<VersionParam>,
) -> ApiResult<Json<DataElement>> {
    Ok(Json(s.standards.set_element_status(&pass, &id, ElementStatus::Deprecated, v.version).await?))
}

/// Bring a deprecated standard data element back into use.
#[utoipa::path(post, path = "/api/v1/standards/elements/{id}/activate", operation_id = "element.manage#activate", tag = "standards",
    params(("id" = String, Path), VersionParam),
    responses((status = 200, body = DataElement), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn activate(
    State(s): State<AppState>,
    Auth(pass): Auth<ElementManage>,
    ApiPath(id): ApiPath<String>,
    Query(v): Query<VersionParam>,
) -> ApiResult<Json<DataElement>> {
    Ok(Json(s.standards.set_element_status(&pass, &id, ElementStatus::Active, v.version).await?))
}

/// Which department, in which form.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConformanceParams {
    /// The department; the caller's own by default.
    org_id: Option<i64>,
    /// `json` (default) or `xlsx` (sheets 汇总 and 问题清单).
    format: Option<String>,
}

/// The conformance report of a department: items that should refer to a data element and do
/// not, and items whose reference is unknown or deprecated or whose type or length differ.
#[utoipa::path(get, path = "/api/v1/standards/conformance", operation_id = "conformance.read#report", tag = "standards",
    params(ConformanceParams),
    responses((status = 200, description = "The report (JSON, or the workbook with format=xlsx)", body = ConformanceReport),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn conformance(
    State(s): State<AppState>,
    Auth(pass): Auth<ConformanceRead>,
    Query(p): Query<ConformanceParams>,
) -> ApiResult<Response> {
    let xlsx = match p.format.as_deref().unwrap_or("json") {
        "json" => false,
        "xlsx" => true,
        other => return Err(Error::invalid("format", format!("unknown format '{other}': use json or xlsx")).into()),
    };
    let report = s.standards.conformance(&pass, p.org_id).await?;
    if !xlsx {
        return Ok(Json(report).into_response());
    }
    let name = format!("conformance-{}.xlsx", report.org_id);
    let bytes = tokio::task::spawn_blocking(move || report.to_xlsx())
        .await
        .map_err(|_| Error::internal("writing the report workbook"))??;
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok((headers, bytes).into_response())
}

/// Conformance figures of every department in the caller's scope.
#[utoipa::path(get, path = "/api/v1/standards/conformance/summary", operation_id = "conformance.read#summary", tag = "standards",
    responses((status = 200, body = [ConformanceSummary])))]
pub(crate) async fn summary(
    State(s): State<AppState>,
    Auth(pass): Auth<ConformanceRead>,
) -> ApiResult<Json<Vec<ConformanceSummary>>> {
    Ok(Json(s.standards.conformance_summary(&pass).await?))
}

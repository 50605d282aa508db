//! Catalogue history, diffs, change obligations and the working-day calendar.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zs_catalog::deadlines::{DeadlineSummary, Obligation, RaiseObligation};
use zs_catalog::history::{FieldChange, History};
use zs_catalog::EntryBody;
use zs_identity::policy::{CalendarManage, CatalogObligation, CatalogRead};

/// Versions and events of an entry.
#[utoipa::path(get, path = "/api/v1/catalog/entries/{id}/history", operation_id = "catalog.read#history", tag = "catalog",
    params(("id" = i64, Path, description = "Entry id")),
    responses((status = 200, body = History), (status = 404, body = ErrorBody)))]
pub(crate) async fn history(
    State(s): State<AppState>,
    Auth(pass): Auth<CatalogRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<History>> {
    Ok(Json(s.catalog.history(&pass, id).await?))
}

/// The body of one version.
#[utoipa::path(get, path = "/api/v1/catalog/entries/{id}/versions/{version}", operation_id = "catalog.read#version", tag = "catalog",
    params(("id" = i64, Path, description = "Entry id"), ("version" = i64, Path, description = "Version")),
    responses((status = 200, body = EntryBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn version(
    State(s): State<AppState>,
    Auth(pass): Auth<CatalogRead>,
    ApiPath((id, v)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<EntryBody>> {
    Ok(Json(s.catalog.version_body(&pass, id, v).await?))
}

/// Versions to compare.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct DiffParams {
    /// Older version.
    from: i64,
    /// Newer version.
    to: i64,
}

/// Field-by-field differences between two versions.
#[utoipa::path(get, path = "/api/v1/catalog/entries/{id}/diff", operation_id = "catalog.read#diff", tag = "catalog",
    params(("id" = i64, Path, description = "Entry id"), DiffParams),
    responses((status = 200, body = Vec<FieldChange>), (status = 404, body = ErrorBody)))]
pub(crate) async fn diff(
    State(s): State<AppState>,
    Auth(pass): Auth<CatalogRead>,
    ApiPath(id): ApiPath<i64>,
    Query(p): Query<DiffParams>,
) -> ApiResult<Json<Vec<FieldChange>>> {
    Ok(Json(s.catalog.diff(&pass, id, p.from, p.to).await?))
}

/// Raise a change obligation: the entry must be resubmitted within 20 working days.
#[utoipa::path(post, path = "/api/v1/catalog/entries/{id}/obligations", operation_id = "catalog.obligation", tag = "catalog",
    params(("id" = i64, Path, description = "Entry id")), request_body = RaiseObligation,
    responses((status = 201, body = Obligation), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn raise_obligation(
    State(s): State<AppState>,
    Auth(pass): Auth<CatalogObligation>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<RaiseObligation>,
) -> ApiResult<(StatusCode, Json<Obligation>)> {
    Ok((StatusCode::CREATED, Json(s.catalog.raise_obligation(&pass, id, input).await?)))
}

/// Filter of the deadline board.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeadlineParams {
    /// Include met obligations.
    #[serde(default)]
    all: bool,
}

/// The deadline board.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DeadlineBoard {
    obligations: Vec<Obligation>,
    by_department: Vec<DeadlineSummary>,
}

/// Change obligations in the caller's scope with due and overdue counts per department.
#[utoipa::path(get, path = "/api/v1/catalog/deadlines", operation_id = "catalog.read#deadlines", tag = "catalog", params(DeadlineParams),
    responses((status = 200, body = DeadlineBoard)))]
pub(crate) async fn deadlines(
    State(s): State<AppState>,
    Auth(pass): Auth<CatalogRead>,
    Query(p): Query<DeadlineParams>,
) -> ApiResult<Json<DeadlineBoard>> {
    let (obligations, by_department) = s.catalog.deadlines(&pass, p.all).await?;
    Ok(Json(DeadlineBoard { obligations, by_department }))
}

/// A listed calendar day.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CalendarDay {
    /// `YYYY-MM-DD`.
    day: String,
    /// `holiday` (rest day) or `workday` (调休 working day).
    kind: String,
    /// E.g. 春节, 国庆节调休.
    name: String,
}

/// Which year.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct YearParams {
    /// Year (default: this year).
    year: Option<i32>,
}

/// Holidays and make-up working days of a year.
#[utoipa::path(get, path = "/api/v1/catalog/calendar", operation_id = "catalog.read#calendar", tag = "catalog", params(YearParams),
    responses((status = 200, body = Vec<CalendarDay>)))]
pub(crate) async fn calendar(
    State(s): State<AppState>,
    Auth(_pass): Auth<CatalogRead>,
    Query(p): Query<YearParams>,
) -> ApiResult<Json<Vec<CalendarDay>>> {
    let year = p.year.unwrap_or_else(|| s.catalog.now().year());
    let cal = s.catalog.calendar().await?;
    Ok(Json(
        cal.listed(year)
            .into_iter()
            .map(|(d, k, n)| CalendarDay { day: d.to_string(), kind: k.as_str().to_owned(), name: n })
            .collect(),
    ))
}

/// Add or replace a calendar day (holiday or 调休 working day).
#[utoipa::path(post, path = "/api/v1/catalog/calendar", operation_id = "calendar.manage", tag = "catalog", request_body = CalendarDay,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn set_calendar_day(
    State(s): State<AppState>,
    Auth(pass): Auth<CalendarManage>,
    ApiJson(d): ApiJson<CalendarDay>,
) -> ApiResult<StatusCode> {
    s.catalog.set_calendar_day(&pass, &d.day, &d.kind, &d.name).await?;
    Ok(StatusCode::NO_CONTENT)
}

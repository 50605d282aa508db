//! Scheduled pulls and logical access (逻辑接入) of resources: pull schedules (create, list,
//! enable, disable, delete, run now) and live sources (register, delete, read, status).
//! Connection passwords, header values and URL query values are never returned.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::routes::resources::JobView;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use zs_identity::policy::{ResourceManage, ResourceRead};
use zs_ingest::{LiveStatus, LiveView, ScheduleView};
use zs_types::Error;

fn code((class, seq): (String, String)) -> String {
    format!("{class}/{seq}")
}

/// A new pull schedule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewSchedule {
    /// `pull.database`, `pull.http`, or `materialise` (a theme library rebuilt from its sources).
    kind: String,
    /// `pull.database`: `{url, table | query, mode: full|incremental, watermark_column}`;
    /// `pull.http`: `{url, records_path, headers, mode}`; `materialise`: `{}`.
    #[schema(value_type = Object)]
    spec: serde_json::Value,
    /// Five-field cron expression in Beijing time, e.g. `30 2 * * *`.
    cron: String,
}

/// Pull schedules of a resource (credentials redacted).
#[utoipa::path(get, path = "/api/v1/resources/{class}/{seq}/schedules", operation_id = "resource.read#schedules", tag = "resources",
    params(("class" = String, Path), ("seq" = String, Path)),
    responses((status = 200, body = [Object]), (status = 404, body = ErrorBody)))]
pub(crate) async fn list(
    State(s): State<AppState>,
    Auth(pass): Auth<ResourceRead>,
    ApiPath(path): ApiPath<(String, String)>,
) -> ApiResult<Json<Vec<ScheduleView>>> {
    Ok(Json(s.ingest.schedule_views(&pass, &code(path)).await?))
}

/// Schedule a pull into a resource of the caller's department.
#[utoipa::path(post, path = "/api/v1/resources/{class}/{seq}/schedules", operation_id = "resource.manage#create_schedule", tag = "resources",
    params(("class" = String, Path), ("seq" = String, Path)), request_body = NewSchedule,
    responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create(
    State(s): State<AppState>,
    Auth(pass): Auth<ResourceManage>,
    ApiPath(path): ApiPath<(String, String)>,
    ApiJson(n): ApiJson<NewSchedule>,
) -> ApiResult<(StatusCode, Json<ScheduleView>)> {
    let v = s.ingest.create_schedule(&pass, &code(path), &n.kind, &n.spec, &n.cron).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// One schedule with its last result.
#[utoipa::path(get, path = "/api/v1/schedules/{id}", operation_id = "resource.read#schedule", tag = "resources",
    params(("id" = i64, Path, description = "Schedule id")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    State(s): State<AppState>,
    Auth(pass): Auth<ResourceRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ScheduleView>> {
    Ok(Json(s.ingest.schedule_view(&pass, id).await?))
}

/// Enable a schedule (its next run is the next fire time from now).
#[utoipa::path(post, path = "/api/v1/schedules/{id}/enable", operation_id = "resource.manage#enable_schedule", tag = "resources",
    params(("id" = i64, Path, description = "Schedule id")),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn enable(
    State(s): State<AppState>,
    Auth(pass): Auth<ResourceManage>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ScheduleView>> {
    Ok(Json(s.ingest.set_schedule_enabled(&pass, id, true).await?))
}

/// Disable a schedule.
#[utoipa::path(post, path = "/api/v1/schedules/{id}/disable", operation_id = "resource.manage#disable_schedule", tag = "resources",
    params(("id" = i64, Path, description = "Schedule id")),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn disable(
    State(s): State<AppState>,
    Auth(pass): Auth<ResourceManage>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ScheduleView>> {
    Ok(Json(s.ingest.set_schedule_enabled(&pass, id, false).await?))
}

/// Delete a schedule.
#[utoipa::path(post, path = "/api/v1/schedules/{id}/delete", operation_id = "resource.manage#delete_schedule", tag = "resources",
    params(("id" = i64, Path, description = "Schedule id")),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete(
    State(s): State<AppState>,
    Auth(pass): Auth<ResourceManage>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    s.ingest.delete_schedule(&pass, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Queue a run of a schedule now; poll the returned job.
#[utoipa::path(post, path = "/api/v1/schedules/{id}/run", operation_id = "resource.manage#run_schedule", tag = "resources",
    params(("id" = i64, Path, description = "Schedule id")),
    responses((status = 202, body = JobView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn run(
    State(s): State<AppState>,
    Auth(pass): Auth<ResourceManage>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<(StatusCode, Json<JobView>)> {
    let job = s.ingest.run_schedule_now(&pass, id).await?;
    Ok((StatusCode::ACCEPTED, Json(job.into())))
}

/// A live source to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewLive {
    /// `{kind: "database", url, table | query}` or `{kind: "http", url, records_path, headers}`.
    #[schema(value_type = Object)]
    spec: serde_json::Value,
    /// Read timeout in ms (50 to 60000).
    timeout_ms: i64,
}

/// Register (or replace) the live source of a resource of the caller's department; the source is
/// read once to check it.
#[utoipa::path(put, path = "/api/v1/resources/{class}/{seq}/live", operation_id = "resource.manage#register_live", tag = "resources",
    params(("class" = String, Path), ("seq" = String, Path)), request_body = NewLive,
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn register_live(
    State(s): State<AppState>,
    Auth(pass): Auth<ResourceManage>,
    ApiPath(path): ApiPath<(String, String)>,
    ApiJson(n): ApiJson<NewLive>,
) -> ApiResult<Json<LiveView>> {
    Ok(Json(s.ingest.register_live(&pass, &code(path), &n.spec, n.timeout_ms).await?))
}

/// Remove the live source of a resource.
#[utoipa::path(post, path = "/api/v1/resources/{class}/{seq}/live/delete", operation_id = "resource.manage#delete_live", tag = "resources",
    params(("class" = String, Path), ("seq" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete_live(
    State(s): State<AppState>,
    Auth(pass): Auth<ResourceManage>,
    ApiPath(path): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    s.ingest.delete_live(&pass, &code(path)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many rows a live read returns.
#[derive(Debug, Deserialize, IntoParams)]
pub(crate) struct LiveParams {
    /// At most this many rows (1 to 1000, default 100). Every other query parameter is an
    /// equality filter `item=value` on an item of the resource.
    #[allow(dead_code)]
    limit: Option<i64>,
}

/// Read a live resource from its source, with filters `item=value` (compared as text) and
/// `limit`. For now a data read by stewards of the providing department; each read is audited.
#[utoipa::path(get, path = "/api/v1/resources/{class}/{seq}/live", operation_id = "resource.preview#live", tag = "resources",
    params(("class" = String, Path), ("seq" = String, Path), LiveParams),
    responses((status = 200, body = [Object]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, description = "The source failed or timed out", body = ErrorBody)))]
pub(crate) async fn read_live(
    State(s): State<AppState>,
    Auth(pass): Auth<zs_identity::policy::ResourcePreview>,
    ApiPath(path): ApiPath<(String, String)>,
    Query(q): Query<Vec<(String, String)>>,
) -> ApiResult<Json<Vec<serde_json::Map<String, serde_json::Value>>>> {
    let mut limit = 100;
    let mut filter = Vec::new();
    for (k, v) in q {
        if k == "limit" {
            limit = v.parse().map_err(|_| Error::invalid("limit", format!("'{v}' is not a number")))?;
        } else {
            filter.push((k, v));
        }
    }
    Ok(Json(s.ingest.read_live_as(&pass, &code(path), &filter, limit).await?))
}

/// The window of a status.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusParams {
    /// Start of the window (Unix ms); the last 24 hours by default.
    since: Option<i64>,
}

/// Availability and latency of a resource's live source.
#[utoipa::path(get, path = "/api/v1/resources/{class}/{seq}/live/status", operation_id = "resource.read#live_status", tag = "resources",
    params(("class" = String, Path), ("seq" = String, Path), StatusParams),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub(crate) async fn live_status(
    State(s): State<AppState>,
    Auth(pass): Auth<ResourceRead>,
    ApiPath(path): ApiPath<(String, String)>,
    Query(p): Query<StatusParams>,
) -> ApiResult<Json<LiveStatus>> {
    let since = match p.since {
        Some(t) => t,
        None => zs_types::clock::to_ms(s.catalog.now()) - 24 * 3600 * 1000,
    };
    Ok(Json(s.ingest.live_status_as(&pass, &code(path), since).await?))
}

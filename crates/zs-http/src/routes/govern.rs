//! Governance (数据治理): quality scores and trends per resource, the rules in force, re-checks,
//! the quality dashboard and department reports, problem tickets and corrections (纠错).

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zs_govern::service::{
    AuthorityRequest, AuthorityView, CorrectionRequest, QualityDashboard, QualityView, TicketAction, TicketDetail,
    TicketView,
};
use zs_govern::Rule;
use zs_identity::policy::{AuthorityManage, GovernManage, GovernRead, TicketHandle, TicketRead, TicketReport};

fn code((class, seq): (String, String)) -> String {
    format!("{class}/{seq}")
}

/// The quality of a resource: latest scores per dimension, failures by rule (sample values
/// masked), the trend over versions, the rules in force and open tickets.
#[utoipa::path(get, path = "/api/v1/resources/{class}/{seq}/quality", operation_id = "govern.read", tag = "governance",
    params(("class" = String, Path), ("seq" = String, Path)),
    responses((status = 200, body = QualityView), (status = 404, body = ErrorBody)))]
pub(crate) async fn quality(
    State(s): State<AppState>,
    Auth(pass): Auth<GovernRead>,
    ApiPath(path): ApiPath<(String, String)>,
) -> ApiResult<Json<QualityView>> {
    Ok(Json(s.govern.quality(&pass, &code(path)).await?))
}

/// A resource's quality rules (JSON array of rules: `id`, `target` {`item`|`element`}, `kind`
/// and its parameters, `severity` error|warning).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub(crate) struct RulesBody {
    #[schema(value_type = Vec<Object>)]
    rules: Vec<Rule>,
}

/// Replace a resource's quality rules (its department's stewards, operators); the next check
/// uses them.
#[utoipa::path(put, path = "/api/v1/resources/{class}/{seq}/quality/rules", operation_id = "govern.manage", tag = "governance",
    params(("class" = String, Path), ("seq" = String, Path)), request_body = RulesBody,
    responses((status = 200, body = RulesBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn set_rules(
    State(s): State<AppState>,
    Auth(pass): Auth<GovernManage>,
    ApiPath(path): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<RulesBody>,
) -> ApiResult<Json<RulesBody>> {
    let rules = s.govern.set_rules(&pass, &code(path), &body.rules).await?;
    Ok(Json(RulesBody { rules }))
}

/// Check the current version again now; tickets follow the result (a passing rule closes its
/// ticket).
#[utoipa::path(post, path = "/api/v1/resources/{class}/{seq}/quality/check", operation_id = "govern.manage#check", tag = "governance",
    params(("class" = String, Path), ("seq" = String, Path)),
    responses((status = 200, description = "Scores, per-rule results, files scanned and cached", body = Object),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn check(
    State(s): State<AppState>,
    Auth(pass): Auth<GovernManage>,
    ApiPath(path): ApiPath<(String, String)>,
) -> ApiResult<Json<zs_govern::service::CheckOutcome>> {
    Ok(Json(s.govern.recheck(&pass, &code(path)).await?))
}

/// Report an error in a record (纠错): a correction ticket for the providing department.
#[utoipa::path(post, path = "/api/v1/resources/{class}/{seq}/corrections", operation_id = "ticket.report", tag = "governance",
    params(("class" = String, Path), ("seq" = String, Path)), request_body = CorrectionRequest,
    responses((status = 201, body = TicketView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn report_error(
    State(s): State<AppState>,
    Auth(pass): Auth<TicketReport>,
    ApiPath(path): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<CorrectionRequest>,
) -> ApiResult<(axum::http::StatusCode, Json<TicketView>)> {
    let t = s.govern.report_error(&pass, &code(path), &body).await?;
    Ok((axum::http::StatusCode::CREATED, Json(t)))
}

/// The quality dashboard: city-wide and per-department scores (row-weighted), resources by
/// score, open and overdue tickets.
#[utoipa::path(get, path = "/api/v1/quality/dashboard", operation_id = "govern.read#dashboard", tag = "governance",
    responses((status = 200, body = QualityDashboard)))]
pub(crate) async fn dashboard(
    State(s): State<AppState>,
    Auth(pass): Auth<GovernRead>,
) -> ApiResult<Json<QualityDashboard>> {
    Ok(Json(s.govern.dashboard(&pass).await?))
}

/// The Excel quality report (数据质量报告) of a department: scores, rule results, tickets.
#[utoipa::path(get, path = "/api/v1/quality/departments/{id}/report.xlsx", operation_id = "govern.read#report", tag = "governance",
    params(("id" = i64, Path)),
    responses((status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn department_report(
    State(s): State<AppState>,
    Auth(pass): Auth<GovernRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let (name, bytes) = s.govern.department_report(&pass, id).await?;
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(crate::routes::catalog_exchange::XLSX));
    let ascii = format!("quality-report-{id}.xlsx");
    let encoded: String = name.bytes().map(|b| format!("%{b:02X}")).collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok((headers, bytes).into_response())
}

/// Which tickets.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct TicketParams {
    /// Only this resource (`class/seq`).
    code: Option<String>,
    /// Only tickets not closed.
    #[serde(default)]
    open: bool,
    /// At most this many (default 200).
    limit: Option<i64>,
}

/// Problem tickets the caller may see, newest first: a department's for its stewards, an area's
/// for operators, one's own reports for data users.
#[utoipa::path(get, path = "/api/v1/quality/tickets", operation_id = "ticket.read", tag = "governance",
    params(TicketParams), responses((status = 200, body = [TicketView])))]
pub(crate) async fn tickets(
    State(s): State<AppState>,
    Auth(pass): Auth<TicketRead>,
    Query(p): Query<TicketParams>,
) -> ApiResult<Json<Vec<TicketView>>> {
    Ok(Json(s.govern.tickets(&pass, p.code.as_deref(), p.open, p.limit.unwrap_or(200)).await?))
}

/// One ticket with its history and the actions the caller may take.
#[utoipa::path(get, path = "/api/v1/quality/tickets/{id}", operation_id = "ticket.read#one", tag = "governance",
    params(("id" = i64, Path)), responses((status = 200, body = TicketDetail), (status = 404, body = ErrorBody)))]
pub(crate) async fn ticket(
    State(s): State<AppState>,
    Auth(pass): Auth<TicketRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<TicketDetail>> {
    Ok(Json(s.govern.ticket(&pass, id).await?))
}

/// A step on a ticket.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ActionBody {
    action: TicketAction,
    /// Reason (required for a dispute) or note.
    #[serde(default)]
    note: Option<String>,
}

/// Act on a ticket: acknowledge, dispute (with a reason) or fix (the provider); uphold or
/// dismiss a dispute (operators); verify a correction (operators or its reporter).
#[utoipa::path(post, path = "/api/v1/quality/tickets/{id}/actions", operation_id = "ticket.handle", tag = "governance",
    params(("id" = i64, Path)), request_body = ActionBody,
    responses((status = 200, body = TicketDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn act(
    State(s): State<AppState>,
    Auth(pass): Auth<TicketHandle>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ActionBody>,
) -> ApiResult<Json<TicketDetail>> {
    Ok(Json(s.govern.ticket_action(&pass, id, body.action, body.note).await?))
}

/// One authoritative source as designated.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Designated {
    element: String,
    resource: String,
    key_element: String,
    note: String,
    designated_at: i64,
}

/// The authoritative sources (一数一源): per data element the resource whose values are
/// authoritative, and for each other resource carrying it the latest divergences (both values,
/// masked when sensitive).
#[utoipa::path(get, path = "/api/v1/govern/authorities", operation_id = "govern.read#authorities", tag = "governance",
    responses((status = 200, body = Vec<AuthorityView>)))]
pub(crate) async fn authorities(
    State(s): State<AppState>,
    Auth(pass): Auth<GovernRead>,
) -> ApiResult<Json<Vec<AuthorityView>>> {
    Ok(Json(s.govern.authorities(&pass).await?))
}

/// Designate (or re-designate) the authoritative source of a data element (platform operators).
/// The next check of every resource carrying the element compares it with the source.
#[utoipa::path(put, path = "/api/v1/govern/authorities", operation_id = "govern.authority", tag = "governance",
    request_body = AuthorityRequest,
    responses((status = 200, body = Designated), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn designate_authority(
    State(s): State<AppState>,
    Auth(pass): Auth<AuthorityManage>,
    ApiJson(body): ApiJson<AuthorityRequest>,
) -> ApiResult<Json<Designated>> {
    let r = s.govern.designate_authority(&pass, &body).await?;
    Ok(Json(Designated {
        element: r.element,
        resource: r.resource,
        key_element: r.key_element,
        note: r.note,
        designated_at: r.designated_at,
    }))
}

/// Remove the designation of a data element's authoritative source (platform operators).
#[utoipa::path(delete, path = "/api/v1/govern/authorities/{element}", operation_id = "govern.authority#remove", tag = "governance",
    params(("element" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn remove_authority(
    State(s): State<AppState>,
    Auth(pass): Auth<AuthorityManage>,
    ApiPath(element): ApiPath<String>,
) -> ApiResult<axum::http::StatusCode> {
    s.govern.remove_authority(&pass, &element).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

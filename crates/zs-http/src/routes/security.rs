//! Security alerts (异常告警) from anomaly detection and their handling: security administrators
//! of the area read and answer them, audit administrators read them.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use zs_anomaly::service::AlertFilter;
use zs_anomaly::{AlertList, AlertView, RespondInput};
use zs_identity::policy::{AlertHandle, AlertRead};

/// Which alerts.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct AlertParams {
    /// `active` (open and acknowledged, the default), `open`, `acknowledged`, `dismissed`,
    /// `suspended`, `reinstated` or `all`.
    state: Option<String>,
    /// Only this rule: `volume`, `off_hours`, `enumeration`, `denials`, `new_address`, `after_revocation`.
    rule: Option<String>,
    /// Alerts with ids below this (the previous page's `next_before`).
    before: Option<i64>,
    /// Page size (1-200, default 50).
    limit: Option<i64>,
}

/// Alerts of the caller's area, newest first, with the open counts per severity.
#[utoipa::path(get, path = "/api/v1/security/alerts", operation_id = "alert.read#list", tag = "security",
    params(AlertParams),
    responses((status = 200, body = AlertList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn list(
    State(s): State<AppState>,
    Auth(pass): Auth<AlertRead>,
    Query(p): Query<AlertParams>,
) -> ApiResult<Json<AlertList>> {
    let f = AlertFilter { state: p.state, rule: p.rule, before: p.before, limit: p.limit };
    Ok(Json(s.anomaly.list(&pass, &f).await?))
}

/// One alert with its evidence (the subject's audit records between its first and last).
#[utoipa::path(get, path = "/api/v1/security/alerts/{id}", operation_id = "alert.read#get", tag = "security",
    params(("id" = i64, Path, description = "Alert id")),
    responses((status = 200, body = AlertView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    State(s): State<AppState>,
    Auth(pass): Auth<AlertRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AlertView>> {
    Ok(Json(s.anomaly.get(&pass, id).await?))
}

/// Answer an alert: acknowledge, dismiss with a reason, suspend the credential or grant it
/// concerns (reversible: calls are refused with `credential_suspended` / `grant_suspended`), or
/// — on a suspended alert — reinstate it with a reason (`action: reinstate`). Recorded as
/// `alert.handle`; a suspension also as `credential.suspend` or `share.suspend`, a
/// reinstatement as `credential.reinstate` or `share.reinstate`.
#[utoipa::path(post, path = "/api/v1/security/alerts/{id}/respond", operation_id = "alert.handle", tag = "security",
    params(("id" = i64, Path, description = "Alert id")),
    request_body = RespondInput,
    responses((status = 200, body = AlertView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn respond(
    State(s): State<AppState>,
    Auth(pass): Auth<AlertHandle>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<RespondInput>,
) -> ApiResult<Json<AlertView>> {
    Ok(Json(s.anomaly.respond(&pass, id, &input).await?))
}

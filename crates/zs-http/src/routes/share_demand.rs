//! Supply–demand matching (供需对接): the demand board every department sees, posting a demand,
//! the operator's routing, the provider's answer, and the requester's closing or re-opening.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use zs_identity::policy::{DemandAnswer, DemandClose, DemandPost, DemandRead, DemandRoute};
use zs_share::{AnswerInput, BoardFilter, DemandDetail, DemandInput, DemandView, NoteInput, RouteInput};

/// Which demands the board shows.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct BoardParams {
    /// posted | routed | answered | closed | overdue (routed past the due date).
    state: Option<String>,
    /// Only those posted by or routed to the caller's department.
    mine: Option<bool>,
}

/// The demand board (需求看板): every department's demands, newest first, with due dates and the
/// overdue flag. Departments only, not the public.
#[utoipa::path(get, path = "/api/v1/share/demands", operation_id = "demand.read#board", tag = "share",
    params(BoardParams), responses((status = 200, body = [DemandView]), (status = 422, body = ErrorBody)))]
pub(crate) async fn board(
    State(s): State<AppState>,
    Auth(pass): Auth<DemandRead>,
    Query(q): Query<BoardParams>,
) -> ApiResult<Json<Vec<DemandView>>> {
    let f = BoardFilter { state: q.state, mine: q.mine.unwrap_or(false) };
    Ok(Json(s.share.demand_board(&pass, f).await?))
}

/// Post a demand for data that is not in the catalogue, on behalf of the caller's department.
#[utoipa::path(post, path = "/api/v1/share/demands", operation_id = "demand.post", tag = "share",
    request_body = DemandInput, responses((status = 201, body = DemandView), (status = 422, body = ErrorBody)))]
pub(crate) async fn post(
    State(s): State<AppState>,
    Auth(pass): Auth<DemandPost>,
    ApiJson(input): ApiJson<DemandInput>,
) -> ApiResult<(StatusCode, Json<DemandView>)> {
    Ok((StatusCode::CREATED, Json(s.share.post_demand(&pass, input).await?)))
}

/// One demand with its history.
#[utoipa::path(get, path = "/api/v1/share/demands/{id}", operation_id = "demand.read#demand", tag = "share",
    params(("id" = i64, Path)), responses((status = 200, body = DemandDetail), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    State(s): State<AppState>,
    Auth(pass): Auth<DemandRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<DemandDetail>> {
    Ok(Json(s.share.demand(&pass, id).await?))
}

/// Route (or re-route) a demand to a provider department within the operator's area; the
/// provider must answer within the working days given (the configured default otherwise).
#[utoipa::path(post, path = "/api/v1/share/demands/{id}/route", operation_id = "demand.route", tag = "share",
    params(("id" = i64, Path)), request_body = RouteInput,
    responses((status = 200, body = DemandView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn route(
    State(s): State<AppState>,
    Auth(pass): Auth<DemandRoute>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<RouteInput>,
) -> ApiResult<Json<DemandView>> {
    Ok(Json(s.share.route_demand(&pass, id, input).await?))
}

/// Answer a demand routed to the caller's department: `catalogued` (the new entry's code),
/// `pointed` (an existing published entry's code) or `declined` (reasons required).
#[utoipa::path(post, path = "/api/v1/share/demands/{id}/answer", operation_id = "demand.answer", tag = "share",
    params(("id" = i64, Path)), request_body = AnswerInput,
    responses((status = 200, body = DemandView), (status = 403, description = "not routed to the caller's department", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn answer(
    State(s): State<AppState>,
    Auth(pass): Auth<DemandAnswer>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<AnswerInput>,
) -> ApiResult<Json<DemandView>> {
    Ok(Json(s.share.answer_demand(&pass, id, input).await?))
}

/// Close an answered demand of the caller's department.
#[utoipa::path(post, path = "/api/v1/share/demands/{id}/close", operation_id = "demand.close", tag = "share",
    params(("id" = i64, Path)), request_body = NoteInput,
    responses((status = 200, body = DemandView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn close(
    State(s): State<AppState>,
    Auth(pass): Auth<DemandClose>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<NoteInput>,
) -> ApiResult<Json<DemandView>> {
    Ok(Json(s.share.close_demand(&pass, id, input).await?))
}

/// Re-open an answered or closed demand of the caller's department (reasons required): it goes
/// back to its provider with a fresh deadline.
#[utoipa::path(post, path = "/api/v1/share/demands/{id}/reopen", operation_id = "demand.close#reopen", tag = "share",
    params(("id" = i64, Path)), request_body = NoteInput,
    responses((status = 200, body = DemandView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn reopen(
    State(s): State<AppState>,
    Auth(pass): Auth<DemandClose>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<NoteInput>,
) -> ApiResult<Json<DemandView>> {
    Ok(Json(s.share.reopen_demand(&pass, id, input).await?))
}

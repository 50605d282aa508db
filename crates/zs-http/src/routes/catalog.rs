//! Catalogue entries and their review workflow.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use zs_catalog::{Entry, EntryBody};
use zs_identity::policy::{CatalogEdit, CatalogRead, CatalogReview};

/// An optional note with a workflow step.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Note {
    /// Note for the history (optional).
    #[serde(default)]
    note: Option<String>,
}

/// A mandatory reason (return, withdrawal).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Reason {
    /// Why.
    reason: String,
}

/// Register a new entry of the caller's department as a draft. The platform assigns the
/// resource code from the classification.
#[utoipa::path(post, path = "/api/v1/catalog/entries", operation_id = "catalog.edit#create", tag = "catalog",
    request_body = EntryBody,
    responses((status = 201, body = Entry), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create(
    State(s): State<AppState>,
    Auth(pass): Auth<CatalogEdit>,
    ApiJson(body): ApiJson<EntryBody>,
) -> ApiResult<(StatusCode, Json<Entry>)> {
    Ok((StatusCode::CREATED, Json(s.catalog.create(&pass, body).await?)))
}

/// One entry: the published version, or for entries never published the latest draft (visible
/// only within the provider's scope).
#[utoipa::path(get, path = "/api/v1/catalog/entries/{id}", operation_id = "catalog.read#get", tag = "catalog",
    params(("id" = i64, Path, description = "Entry id")),
    responses((status = 200, body = Entry), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    State(s): State<AppState>,
    Auth(pass): Auth<CatalogRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Entry>> {
    Ok(Json(s.catalog.get(&pass, id).await?))
}

/// Save a corrected draft, or start a change of a published entry (the published version stays
/// live until the change is approved).
#[utoipa::path(put, path = "/api/v1/catalog/entries/{id}", operation_id = "catalog.edit#edit", tag = "catalog",
    params(("id" = i64, Path, description = "Entry id")), request_body = EntryBody,
    responses((status = 200, body = Entry), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn edit(
    State(s): State<AppState>,
    Auth(pass): Auth<CatalogEdit>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<EntryBody>,
) -> ApiResult<Json<Entry>> {
    Ok(Json(s.catalog.edit(&pass, id, body).await?))
}

/// Submit the draft (or the corrected returned version) for review.
#[utoipa::path(post, path = "/api/v1/catalog/entries/{id}/submit", operation_id = "catalog.edit#submit", tag = "catalog",
    params(("id" = i64, Path, description = "Entry id")), request_body = Note,
    responses((status = 200, body = Entry), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn submit(
    State(s): State<AppState>,
    Auth(pass): Auth<CatalogEdit>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(n): ApiJson<Note>,
) -> ApiResult<Json<Entry>> {
    Ok(Json(s.catalog.submit(&pass, id, n.note).await?))
}

/// Ask for withdrawal (下架) of a published entry; it goes to review.
#[utoipa::path(post, path = "/api/v1/catalog/entries/{id}/withdraw", operation_id = "catalog.edit#withdraw", tag = "catalog",
    params(("id" = i64, Path, description = "Entry id")), request_body = Reason,
    responses((status = 200, body = Entry), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn withdraw(
    State(s): State<AppState>,
    Auth(pass): Auth<CatalogEdit>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<Reason>,
) -> ApiResult<Json<Entry>> {
    Ok(Json(s.catalog.request_withdrawal(&pass, id, &r.reason).await?))
}

/// Approve the submission (publish, or take off the catalogue for a withdrawal request).
#[utoipa::path(post, path = "/api/v1/catalog/entries/{id}/approve", operation_id = "catalog.review#approve", tag = "catalog",
    params(("id" = i64, Path, description = "Entry id")), request_body = Note,
    responses((status = 200, body = Entry), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn approve(
    State(s): State<AppState>,
    Auth(pass): Auth<CatalogReview>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(n): ApiJson<Note>,
) -> ApiResult<Json<Entry>> {
    Ok(Json(s.catalog.approve(&pass, id, n.note).await?))
}

/// Return the submission for correction, with a written reason.
#[utoipa::path(post, path = "/api/v1/catalog/entries/{id}/return", operation_id = "catalog.review#return", tag = "catalog",
    params(("id" = i64, Path, description = "Entry id")), request_body = Reason,
    responses((status = 200, body = Entry), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn return_for_correction(
    State(s): State<AppState>,
    Auth(pass): Auth<CatalogReview>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<Reason>,
) -> ApiResult<Json<Entry>> {
    Ok(Json(s.catalog.return_for_correction(&pass, id, &r.reason).await?))
}

/// Submissions awaiting review in the caller's area, oldest first.
#[utoipa::path(get, path = "/api/v1/catalog/review-queue", operation_id = "catalog.review#queue", tag = "catalog",
    responses((status = 200, body = Vec<Entry>), (status = 403, body = ErrorBody)))]
pub(crate) async fn review_queue(
    State(s): State<AppState>,
    Auth(pass): Auth<CatalogReview>,
) -> ApiResult<Json<Vec<Entry>>> {
    Ok(Json(s.catalog.review_queue(&pass).await?))
}

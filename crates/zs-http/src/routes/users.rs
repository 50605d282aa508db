//! Accounts.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use zs_identity::policy::{UserCreate, UserDisable, UserRead, UserResetPassword};
use zs_identity::CreateUser;
use zs_types::model::User;
use zs_types::UserId;

/// A created account, with the generated password if none was given (shown once).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CreatedUser {
    user: User,
    generated_password: Option<String>,
}

/// A generated password (shown once; must be changed at next login).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct GeneratedPassword {
    generated_password: String,
}

/// Accounts in the caller's scope.
#[utoipa::path(get, path = "/api/v1/users", operation_id = "user.read", tag = "users",
    responses((status = 200, body = Vec<User>), (status = 403, body = ErrorBody)))]
pub(crate) async fn list(State(s): State<AppState>, Auth(pass): Auth<UserRead>) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(s.identity.list_users(&pass).await?))
}

/// Create an account in the caller's scope.
#[utoipa::path(post, path = "/api/v1/users", operation_id = "user.create", tag = "users",
    request_body = CreateUser,
    responses((status = 201, body = CreatedUser), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create(
    State(s): State<AppState>,
    Auth(pass): Auth<UserCreate>,
    ApiJson(input): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<CreatedUser>)> {
    let (user, generated_password) = s.identity.create_user(&pass, input).await?;
    Ok((StatusCode::CREATED, Json(CreatedUser { user, generated_password })))
}

/// Reset an account's password to a generated one; its sessions end.
#[utoipa::path(post, path = "/api/v1/users/{id}/reset-password", operation_id = "user.reset_password", tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = GeneratedPassword), (status = 404, body = ErrorBody)))]
pub(crate) async fn reset_password(
    State(s): State<AppState>,
    Auth(pass): Auth<UserResetPassword>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<GeneratedPassword>> {
    let generated_password = s.identity.reset_password(&pass, UserId(id)).await?;
    Ok(Json(GeneratedPassword { generated_password }))
}

/// Disable an account; its sessions end and its credentials stop working.
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", operation_id = "user.disable#disable", tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = User), (status = 404, body = ErrorBody)))]
pub(crate) async fn disable(
    State(s): State<AppState>,
    Auth(pass): Auth<UserDisable>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<User>> {
    Ok(Json(s.identity.set_disabled(&pass, UserId(id), true).await?))
}

/// Re-enable an account.
#[utoipa::path(post, path = "/api/v1/users/{id}/enable", operation_id = "user.disable#enable", tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = User), (status = 404, body = ErrorBody)))]
pub(crate) async fn enable(
    State(s): State<AppState>,
    Auth(pass): Auth<UserDisable>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<User>> {
    Ok(Json(s.identity.set_disabled(&pass, UserId(id), false).await?))
}

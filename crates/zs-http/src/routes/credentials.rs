//! API credentials.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use zs_identity::policy::{CredentialIssue, CredentialRead, CredentialRevoke};
use zs_identity::IssueCredential;
use zs_types::model::Credential;
use zs_types::CredentialId;

/// A new credential and its token (shown once, never again).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IssuedCredential {
    credential: Credential,
    token: String,
}

/// Credentials the caller may see (own; administrators: in scope).
#[utoipa::path(get, path = "/api/v1/credentials", operation_id = "credential.read", tag = "credentials",
    responses((status = 200, body = Vec<Credential>), (status = 401, body = ErrorBody)))]
pub(crate) async fn list(
    State(s): State<AppState>,
    Auth(pass): Auth<CredentialRead>,
) -> ApiResult<Json<Vec<Credential>>> {
    Ok(Json(s.identity.list_credentials(&pass).await?))
}

/// Issue a credential with scopes and expiry.
#[utoipa::path(post, path = "/api/v1/credentials", operation_id = "credential.issue", tag = "credentials",
    request_body = IssueCredential,
    responses((status = 201, body = IssuedCredential), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn issue(
    State(s): State<AppState>,
    Auth(pass): Auth<CredentialIssue>,
    ApiJson(input): ApiJson<IssueCredential>,
) -> ApiResult<(StatusCode, Json<IssuedCredential>)> {
    let (credential, token) = s.identity.issue_credential(&pass, input).await?;
    Ok((StatusCode::CREATED, Json(IssuedCredential { credential, token })))
}

/// Revoke a credential; effective on the next request.
#[utoipa::path(post, path = "/api/v1/credentials/{id}/revoke", operation_id = "credential.revoke", tag = "credentials",
    params(("id" = i64, Path, description = "Credential id")),
    responses((status = 200, body = Credential), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn revoke(
    State(s): State<AppState>,
    Auth(pass): Auth<CredentialRevoke>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Credential>> {
    Ok(Json(s.identity.revoke_credential(&pass, CredentialId(id)).await?))
}

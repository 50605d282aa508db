//! The caller's own account.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Auth};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zs_identity::policy::{MeChangePassword, MeRead};
use zs_types::model::{Org, User};

/// The caller: account, organisation, role labels and the operations the role allows.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MeView {
    user: User,
    org: Org,
    /// How the caller authenticated: `session` or `credential`.
    auth: &'static str,
    /// Operation names the role allows.
    allowed: Vec<&'static str>,
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/me", operation_id = "me.read", tag = "me",
    responses((status = 200, body = MeView), (status = 401, body = ErrorBody)))]
pub(crate) async fn me(Auth(pass): Auth<MeRead>) -> Json<MeView> {
    let p = pass.principal();
    let auth = match p.via {
        zs_identity::AuthVia::Credential { .. } => "credential",
        _ => "session",
    };
    let allowed = zs_identity::policy::ACTIONS.iter().filter(|(_, r)| r.contains(&p.role())).map(|(n, _)| *n).collect();
    Json(MeView { user: p.user.clone(), org: p.org.clone(), auth, allowed })
}

/// Password change input.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangePassword {
    current_password: String,
    new_password: String,
}

/// Change one's own password (required after a generated one).
#[utoipa::path(post, path = "/api/v1/me/password", operation_id = "me.change_password", tag = "me",
    request_body = ChangePassword,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn change_password(
    State(s): State<AppState>,
    Auth(pass): Auth<MeChangePassword>,
    ApiJson(input): ApiJson<ChangePassword>,
) -> ApiResult<StatusCode> {
    s.identity.change_password(&pass, &input.current_password, &input.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

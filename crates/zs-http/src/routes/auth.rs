//! Login and logout.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Auth};
use crate::session::session_cookie;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use zs_identity::policy::Logout;
use zs_identity::LoginResult;

/// Login input.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginInput {
    /// User name.
    username: String,
    /// Password.
    password: String,
}

/// Log in with user name and password; returns a bearer token and sets the portal session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", operation_id = "auth.login", tag = "auth", security(()),
    request_body = LoginInput,
    responses((status = 200, body = LoginResult), (status = 401, body = ErrorBody), (status = 423, body = ErrorBody)))]
pub(crate) async fn login(
    State(s): State<AppState>,
    ApiJson(input): ApiJson<LoginInput>,
) -> ApiResult<(HeaderMap, Json<LoginResult>)> {
    let rid = crate::request_id::current();
    let r = s.identity.login(&input.username, &input.password, rid.as_deref()).await?;
    let mut h = HeaderMap::new();
    let cookie = session_cookie(&r.token, s.config.session_ttl_minutes * 60, s.config.secure_cookies());
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        h.insert(header::SET_COOKIE, v);
    }
    Ok((h, Json(r)))
}

/// End the current session.
#[utoipa::path(post, path = "/api/v1/auth/logout", operation_id = "auth.logout", tag = "auth",
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub(crate) async fn logout(State(s): State<AppState>, Auth(pass): Auth<Logout>) -> ApiResult<StatusCode> {
    s.identity.logout(&pass).await?;
    Ok(StatusCode::NO_CONTENT)
}

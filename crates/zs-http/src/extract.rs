//! Extractors: the authenticated caller, the authorisation pass, and JSON/path extractors whose
//! rejections use the shared error table instead of axum's plain-text answers.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use zs_identity::{Action, Authorized, Principal};
use zs_types::{Error, ErrorCode};

/// The bearer token of a request, if any.
pub fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The authenticated caller (bearer token: session or API credential).
pub struct Caller(pub Arc<Principal>);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(p) = parts.extensions.get::<Arc<Principal>>() {
            return Ok(Caller(p.clone()));
        }
        let token = bearer(parts).ok_or_else(|| {
            ApiError::new(
                ErrorCode::Unauthenticated,
                "this operation needs a bearer token (log in or use an API credential)",
            )
        })?;
        let p = state.identity.authenticate(token).await?;
        parts.extensions.insert(p.clone());
        Ok(Caller(p))
    }
}

/// Proof that the caller may perform `A`: the role rule is checked (and the decision recorded)
/// before the handler runs, so a handler taking `Auth<A>` cannot skip it.
pub struct Auth<A: Action>(pub Authorized<A>);

impl<A: Action> FromRequestParts<AppState> for Auth<A> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Caller(p) = Caller::from_request_parts(parts, state).await?;
        let rid = crate::request_id::current();
        Ok(Auth(state.identity.authorize::<A>(&p, rid.as_deref()).await?))
    }
}

/// JSON body with errors from the shared table: malformed JSON → 400 `malformed_body`, wrong
/// types or unknown fields → 422 `invalid_input` naming the field, too large → 413.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(r) => Err(json_rejection(r)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    match r {
        JsonRejection::JsonDataError(e) => {
            // serde's message names the path, e.g. "kind: unknown variant `town`".
            let msg = std::error::Error::source(&e).map(|s| s.to_string()).unwrap_or_else(|| e.body_text());
            let field = msg.split(':').next().filter(|f| !f.contains(' ')).map(str::to_owned);
            ApiError(Error { code: ErrorCode::InvalidInput, message: format!("invalid request body: {msg}"), field })
        }
        JsonRejection::JsonSyntaxError(e) => {
            let msg = std::error::Error::source(&e).map(|s| s.to_string()).unwrap_or_else(|| e.body_text());
            ApiError::new(ErrorCode::MalformedBody, format!("request body is not valid JSON: {msg}"))
        }
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::new(ErrorCode::UnsupportedMediaType, "send the body as JSON with Content-Type: application/json")
        }
        JsonRejection::BytesRejection(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(ErrorCode::PayloadTooLarge, "request body exceeds the size limit")
        }
        other => {
            if other.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(ErrorCode::PayloadTooLarge, "request body exceeds the size limit")
            } else {
                ApiError::new(
                    ErrorCode::MalformedBody,
                    format!("request body could not be read: {}", other.body_text()),
                )
            }
        }
    }
}

/// Path parameters with errors from the shared table.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                Err(ApiError(Error::invalid("path", format!("invalid path parameter: {}", e.body_text()))))
            }
            Err(e) => Err(ApiError::new(ErrorCode::Internal, e.body_text())),
        }
    }
}

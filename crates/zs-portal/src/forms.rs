//! Form and query extractors whose rejections are portal error pages in the request's language
//! (not axum's plain-text answers).

use crate::i18n;
use crate::page::{Chrome, Reject};
use crate::views::errors;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use zs_http::AppState;
use zs_types::{Error, ErrorCode};

fn rejection(lang: i18n::Lang, demo: bool, path: &str, status: StatusCode, text: String) -> Reject {
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
        _ => ErrorCode::MalformedBody,
    };
    Reject::new(errors::page(Chrome::anonymous(lang, demo, path), &Error::new(code, text)))
}

/// A URL-encoded form body.
pub struct PortalForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for PortalForm<T> {
    type Rejection = Reject;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Reject> {
        let lang = i18n::choose(req.headers());
        let path = req.uri().path().to_owned();
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(PortalForm(v)),
            Err(r) => Err(rejection(lang, state.demo(), &path, r.status(), r.body_text())),
        }
    }
}

/// Query parameters.
pub struct PortalQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<AppState> for PortalQuery<T> {
    type Rejection = Reject;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Reject> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(PortalQuery(v)),
            Err(r) => {
                let lang = i18n::choose(&parts.headers);
                Err(rejection(lang, state.demo(), parts.uri.path(), StatusCode::BAD_REQUEST, r.body_text()))
            }
        }
    }
}

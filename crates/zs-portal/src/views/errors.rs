//! Error pages: service errors with the translated text for their code and the request id, the
//! 404 page for unknown paths and objects outside the caller's scope, and the 405 page.

use crate::i18n::{self, Lang};
use crate::page::{error_message, render, Chrome};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use zs_http::session::session_from_cookies;
use zs_http::AppState;
use zs_identity::AuthVia;
use zs_types::{Error, ErrorCode};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    status: u16,
    code: &'static str,
    title: &'static str,
    message: String,
    detail: String,
    request_id: String,
}

/// Title key for a status.
fn title_key(code: ErrorCode) -> &'static str {
    match code.http_status() {
        400 | 413 | 415 | 422 => "error.title_bad_request",
        401 => "error.title_sign_in",
        403 => "error.title_forbidden",
        404 => "error.title_not_found",
        405 => "error.title_method",
        409 | 423 => "error.title_conflict",
        503 => "error.title_unavailable",
        _ => "error.title_internal",
    }
}

/// The page for a service error. Server-side failures are logged; their details are not shown.
pub fn page(c: Chrome, e: &Error) -> Response {
    let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        tracing::error!(code = e.code.as_str(), message = %e.message, "portal request failed");
    }
    let detail = match e.code {
        ErrorCode::Conflict | ErrorCode::Forbidden | ErrorCode::InvalidInput | ErrorCode::MalformedBody => {
            e.message.clone()
        }
        _ => String::new(),
    };
    let p = ErrorPage {
        status: status.as_u16(),
        code: e.code.as_str(),
        title: title_key(e.code),
        message: error_message(c.lang, e),
        detail,
        request_id: zs_http::request_id::current().unwrap_or_default(),
        c,
    };
    render(status, &p)
}

/// Chrome for a page outside the signed-in handlers: with the user's header when the session
/// cookie is valid, anonymous otherwise.
async fn chrome_for(state: &AppState, headers: &HeaderMap, path: &str) -> Chrome {
    let lang = i18n::choose(headers);
    if let Some(token) = session_from_cookies(headers) {
        if let Ok(p) = state.identity.authenticate(&token).await {
            if let AuthVia::Session { token_hash } = &p.via {
                let ctx = crate::session::Ctx::for_fallback(lang, p.clone(), token_hash, path, state);
                return ctx.chrome("");
            }
        }
    }
    Chrome::anonymous(lang, state.demo(), path)
}

/// Fallback for unknown portal paths.
pub async fn not_found(State(s): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let c = chrome_for(&s, &headers, uri.path()).await;
    page(c, &Error::new(ErrorCode::NotFound, "no such page"))
}

/// Fallback for a known path with the wrong method (e.g. `GET /logout`).
pub async fn method_not_allowed(State(s): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let c = chrome_for(&s, &headers, uri.path()).await;
    page(c, &Error::new(ErrorCode::MethodNotAllowed, "this page does not accept that method"))
}

/// The 403 page for a login form whose CSRF cookie and field differ.
pub fn csrf_mismatch(lang: Lang, demo: bool) -> Response {
    page(
        Chrome::anonymous(lang, demo, "/login"),
        &Error::new(ErrorCode::CsrfMismatch, "the login form's CSRF token is missing or wrong"),
    )
}

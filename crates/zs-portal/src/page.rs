//! What every page shares: the chrome (header, navigation, language links), rendering with the
//! right headers, redirects, form errors, and small formatting helpers.

use crate::i18n::{self, Lang};
use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use time::OffsetDateTime;
use zs_types::{Error, ErrorCode};

/// The signed-in user as the header shows them.
#[derive(Debug, Clone)]
pub struct UserChrome {
    /// Display name (shown in `#current-user`).
    pub display_name: String,
    /// Department, district or city.
    pub org_name: String,
    /// Role label in the page language.
    pub role_label: &'static str,
    /// CSRF token for the logout form (and every other form on the page).
    pub csrf: String,
}

/// One navigation entry.
#[derive(Debug, Clone)]
pub struct NavItem {
    /// Stable id suffix (`nav-{id}`).
    pub id: &'static str,
    /// Target.
    pub href: &'static str,
    /// Text key.
    pub label: &'static str,
    /// Whether it is the current page.
    pub active: bool,
}

/// Layout data of every page.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// Page language.
    pub lang: Lang,
    /// Demo mode banner.
    pub demo: bool,
    /// The signed-in user, if any.
    pub user: Option<UserChrome>,
    /// Navigation (empty on anonymous pages and while a password change is due).
    pub nav: Vec<NavItem>,
    /// The current local path, URL-encoded, for the language links.
    pub next: String,
    /// Version of the static files (cache busting).
    pub static_v: &'static str,
}

impl Chrome {
    /// Chrome for a page without a signed-in user.
    pub fn anonymous(lang: Lang, demo: bool, path: &str) -> Self {
        Self { lang, demo, user: None, nav: Vec::new(), next: urlencode(path), static_v: crate::assets::version() }
    }

    /// The text of `key` in the page language.
    pub fn t(&self, key: &str) -> &'static str {
        i18n::t(self.lang, key)
    }

    /// `<html lang>`.
    pub fn html_lang(&self) -> &'static str {
        self.lang.html_lang()
    }

    /// Whether the page is in English.
    pub fn is_en(&self) -> bool {
        self.lang == Lang::En
    }

    /// The CSRF token of the signed-in user's forms.
    pub fn csrf(&self) -> &str {
        self.user.as_ref().map(|u| u.csrf.as_str()).unwrap_or("")
    }
}

/// A handler's early exit: a rendered error page or a redirect.
#[derive(Debug)]
pub struct Reject(Box<Response>);

impl Reject {
    /// Exit with this response.
    pub fn new(r: Response) -> Self {
        Self(Box::new(r))
    }
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        *self.0
    }
}

impl From<Response> for Reject {
    fn from(r: Response) -> Self {
        Self::new(r)
    }
}

/// Result of a page handler.
pub type PageResult = Result<Response, Reject>;

/// Render a template as an HTML page. Pages are personal, so they are never stored by shared caches.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => {
            let mut resp = (status, Html(html)).into_response();
            let h = resp.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
            h.insert(header::VARY, HeaderValue::from_static("Cookie, Accept-Language"));
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error: page could not be rendered").into_response()
        }
    }
}

/// Mark a response as never to be stored (pages that show a password or token once).
pub fn no_store(mut resp: Response) -> Response {
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

/// `303 See Other` to a local path.
pub fn redirect(to: &str) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    let loc = HeaderValue::from_str(to).unwrap_or_else(|_| HeaderValue::from_static("/"));
    resp.headers_mut().insert(header::LOCATION, loc);
    resp
}

/// Add a `Set-Cookie` header.
pub fn with_cookie(mut resp: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// A redirect target that is safe to follow: a local absolute path (`/…`), never a
/// protocol-relative `//host` or `/\host`, no control characters; anything else becomes `/`.
pub fn local_path(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace())
        && next.len() <= 2048;
    if ok {
        next
    } else {
        "/"
    }
}

/// Percent-encode everything but unreserved characters and `/` (for query values).
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A time as Beijing time (UTC+8), `YYYY-MM-DD HH:MM`.
pub fn fmt_time(t: OffsetDateTime) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    let beijing = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    t.to_offset(beijing).format(&fmt).unwrap_or_default()
}

/// An `<option>` of a select.
#[derive(Debug, Clone)]
pub struct Opt {
    /// Submitted value.
    pub value: String,
    /// Visible label.
    pub label: String,
    /// Preselected.
    pub selected: bool,
}

/// A service error shown next to a form.
#[derive(Debug, Clone)]
pub struct FormError {
    /// Stable code.
    pub code: &'static str,
    /// Translated message for the code.
    pub message: String,
    /// The service's precise message (English), for validation errors.
    pub detail: String,
    /// The offending field, if known.
    pub field: String,
    /// Request id.
    pub request_id: String,
}

impl FormError {
    /// From a service error.
    pub fn new(lang: Lang, e: &Error) -> Self {
        let detail = if shows_detail(e.code) { e.message.clone() } else { String::new() };
        Self {
            code: e.code.as_str(),
            message: error_message(lang, e),
            detail,
            field: e.field.clone().unwrap_or_default(),
            request_id: zs_http::request_id::current().unwrap_or_default(),
        }
    }

    /// Whether the error concerns `field`.
    pub fn is(&self, field: &str) -> bool {
        self.field == field
    }
}

/// Whether an error belongs next to the form that caused it (rather than on an error page).
pub fn is_form_error(e: &Error) -> bool {
    e.field.is_some()
        || matches!(
            e.code,
            ErrorCode::InvalidInput
                | ErrorCode::InvalidCreditCode
                | ErrorCode::InvalidDivisionCode
                | ErrorCode::WeakPassword
                | ErrorCode::AlreadyExists
                | ErrorCode::InvalidCredentials
        )
}

fn shows_detail(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::InvalidInput
            | ErrorCode::InvalidCreditCode
            | ErrorCode::InvalidDivisionCode
            | ErrorCode::WeakPassword
            | ErrorCode::AlreadyExists
            | ErrorCode::Conflict
            | ErrorCode::Forbidden
    )
}

/// The translated message for an error's code (with the wait for a locked account).
pub fn error_message(lang: Lang, e: &Error) -> String {
    if e.code == ErrorCode::AccountLocked {
        let secs: String =
            e.message.split_whitespace().find(|w| w.bytes().all(|b| b.is_ascii_digit())).unwrap_or("60").to_owned();
        return i18n::fill(lang, "login.locked_wait", &[("secs", &secs)]);
    }
    i18n::t(lang, &format!("err.{}", e.code.as_str())).to_owned()
}

/// A generic `csrf`-only form.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CsrfOnly {
    /// The CSRF token.
    pub csrf: String,
}

/// Query parameters of list pages: a whitelisted notice and a highlighted id.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct NoticeQuery {
    /// Notice name (see [`notice_key`]).
    pub notice: String,
    /// Id of an object just created.
    pub created: String,
}

/// The text key of a notice named in a query string, if it is one of ours.
pub fn notice_key(name: &str) -> Option<&'static str> {
    Some(match name {
        "password_changed" => "notice.password_changed",
        "org_created" => "notice.org_created",
        "user_disabled" => "notice.user_disabled",
        "user_enabled" => "notice.user_enabled",
        "credential_revoked" => "notice.credential_revoked",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_targets_are_local() {
        for ok in ["/", "/orgs", "/audit?action=auth.&before=10", "/users#u-3"] {
            assert_eq!(local_path(ok), ok);
        }
        for bad in [
            "",
            "orgs",
            "//evil.example",
            "//evil.example/path",
            "/\\evil.example",
            "/\\/evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/ok\r\nSet-Cookie: x=1",
            "/tab\there",
            " /leading-space",
        ] {
            assert_eq!(local_path(bad), "/", "{bad:?}");
        }
    }

    #[test]
    fn urlencode_keeps_paths_readable() {
        assert_eq!(urlencode("/orgs"), "/orgs");
        assert_eq!(urlencode("/audit?action=auth.&before=1"), "/audit%3Faction%3Dauth.%26before%3D1");
        assert_eq!(urlencode("组织"), "%E7%BB%84%E7%BB%87");
    }

    #[test]
    fn locked_message_names_the_wait() {
        let e = Error::new(ErrorCode::AccountLocked, "too many failed logins: try again in 120 s");
        assert!(error_message(Lang::En, &e).contains("120"));
        assert!(error_message(Lang::Zh, &e).contains("120"));
    }

    #[test]
    fn times_are_beijing() {
        let t = time::macros::datetime!(2026-01-31 20:05 UTC);
        assert_eq!(fmt_time(t), "2026-02-01 04:05");
    }
}

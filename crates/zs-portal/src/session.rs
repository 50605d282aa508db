//! The signed-in user of a page request, from the session cookie.
//!
//! [`Ctx`] is the extractor every signed-in page takes. It authenticates the cookie's session
//! token (API credentials are not accepted in the cookie), redirects to `/login` when there is no
//! valid session, and to `/password` while a generated password still has to be changed. It also
//! carries the page language and the session's CSRF token, and offers the one-line authorisation
//! helper [`Ctx::authorize`].

use crate::csrf;
use crate::i18n::{self, Lang};
use crate::page::{local_path, redirect, urlencode, with_cookie, Chrome, NavItem, Reject, UserChrome};
use crate::views::errors;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::Method;
use std::sync::Arc;
use zs_http::session::{clear_session_cookie, session_from_cookies};
use zs_http::AppState;
use zs_identity::policy::role_allows;
use zs_identity::{Action, AuthVia, Authorized, Principal};
use zs_types::{Error, ErrorCode, Role};

pub use zs_http::session::cookie;

/// Paths a user who must change their password may still reach.
const DURING_PASSWORD_CHANGE: &[&str] = &["/password", "/logout"];

/// A signed-in page request.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Page language.
    pub lang: Lang,
    /// The signed-in user.
    pub principal: Arc<Principal>,
    /// The session's CSRF token.
    pub csrf: String,
    /// Hash of the session token (key of the CSRF token).
    token_hash: String,
    /// Path and query of the request.
    pub path: String,
    /// Demo mode.
    pub demo: bool,
    /// Request id, if the request id middleware runs.
    pub request_id: Option<String>,
    secure_cookies: bool,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Reject;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Reject> {
        let lang = i18n::choose(&parts.headers);
        let path = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".to_owned());
        let secure = state.config.secure_cookies();
        let to_login = || {
            let target = if parts.method == Method::GET && local_path(&path) != "/" {
                format!("/login?next={}", urlencode(local_path(&path)))
            } else {
                "/login".to_owned()
            };
            Reject::new(with_cookie(redirect(&target), &clear_session_cookie(secure)))
        };
        let Some(token) = session_from_cookies(&parts.headers) else {
            return Err(to_login());
        };
        let principal = match state.identity.authenticate(&token).await {
            Ok(p) => p,
            Err(e) if is_session_error(e.code) => return Err(to_login()),
            Err(e) => return Err(Reject::new(errors::page(Chrome::anonymous(lang, state.demo(), &path), &e))),
        };
        let AuthVia::Session { token_hash } = &principal.via else {
            // An API credential pasted into the cookie is not a portal session.
            return Err(to_login());
        };
        let token_hash = token_hash.clone();
        if principal.user.must_change_password && !DURING_PASSWORD_CHANGE.contains(&parts.uri.path()) {
            return Err(Reject::new(redirect("/password")));
        }
        Ok(Ctx::for_fallback(lang, principal, &token_hash, &path, state))
    }
}

/// Codes that mean "sign in again".
fn is_session_error(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::Unauthenticated
            | ErrorCode::SessionExpired
            | ErrorCode::AccountDisabled
            | ErrorCode::CredentialExpired
            | ErrorCode::CredentialRevoked
    )
}

impl Ctx {
    /// A context for an already authenticated session (used by the fallback pages).
    pub(crate) fn for_fallback(
        lang: Lang,
        principal: Arc<Principal>,
        token_hash: &str,
        path: &str,
        state: &AppState,
    ) -> Ctx {
        Ctx {
            lang,
            csrf: csrf::session_token(token_hash),
            token_hash: token_hash.to_owned(),
            principal,
            path: path.to_owned(),
            demo: state.demo(),
            request_id: zs_http::request_id::current(),
            secure_cookies: state.config.secure_cookies(),
        }
    }

    /// The role.
    pub fn role(&self) -> Role {
        self.principal.role()
    }

    /// Whether the role may perform the named action (to decide what to show; handlers still
    /// obtain the pass with [`Ctx::authorize`]).
    pub fn allows(&self, action: &str) -> bool {
        role_allows(action, self.role())
    }

    /// The text of `key` in the page language.
    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    /// Whether cookies are marked Secure.
    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies
    }

    /// Authorise action `A` for the signed-in user (the decision is recorded in the audit trail).
    /// Refusals render the 403 page; a pending password change redirects to `/password`.
    pub async fn authorize<A: Action>(&self, state: &AppState) -> Result<Authorized<A>, Reject> {
        state.identity.authorize::<A>(&self.principal, self.request_id.as_deref()).await.map_err(|e| self.fail(e))
    }

    /// Check a submitted form's CSRF token against the session (403 `csrf_mismatch` page if wrong).
    pub fn check_csrf(&self, submitted: &str) -> Result<(), Reject> {
        if csrf::verify_session(&self.token_hash, submitted) {
            Ok(())
        } else {
            tracing::warn!(user = %self.principal.user.id, "portal form with a wrong CSRF token");
            Err(self.fail(Error::new(ErrorCode::CsrfMismatch, "the form's CSRF token is missing or wrong")))
        }
    }

    /// Turn a service error into the matching page: sign-in and password-change redirects, the
    /// 404 page for objects outside the caller's scope, else the error page for the code.
    pub fn fail(&self, e: Error) -> Reject {
        if is_session_error(e.code) {
            return Reject::new(with_cookie(redirect("/login"), &clear_session_cookie(self.secure_cookies)));
        }
        if e.code == ErrorCode::PasswordChangeRequired {
            return Reject::new(redirect("/password"));
        }
        Reject::new(errors::page(self.chrome(""), &e))
    }

    /// Chrome for a page; `active` is the id of the current navigation entry.
    pub fn chrome(&self, active: &str) -> Chrome {
        let p = &self.principal;
        let role_label = match self.lang {
            Lang::Zh => p.role().label_zh(),
            Lang::En => p.role().label_en(),
        };
        let nav = if p.user.must_change_password {
            Vec::new()
        } else {
            NAV.iter()
                .filter(|(_, _, _, action)| role_allows(action, p.role()))
                .map(|(id, href, label, _)| NavItem { id, href, label, active: *id == active })
                .collect()
        };
        Chrome {
            lang: self.lang,
            demo: self.demo,
            user: Some(UserChrome {
                display_name: p.user.display_name.clone(),
                org_name: p.org.name.clone(),
                role_label,
                csrf: self.csrf.clone(),
            }),
            nav,
            next: urlencode(local_path(&self.path)),
            static_v: crate::assets::version(),
        }
    }
}

/// Navigation: (id, path, text key, action that must be allowed).
const NAV: &[(&str, &str, &str, &str)] = &[
    ("dashboard", "/", "nav.dashboard", "stats.read"),
    ("catalog", "/catalog", "nav.catalog", "catalog.read"),
    ("review", "/catalog/review", "nav.review", "catalog.review"),
    ("deadlines", "/catalog/deadlines", "nav.deadlines", "catalog.read"),
    ("ingest", "/ingest", "nav.ingest", "data.ingest"),
    ("report", "/reports/aggregation", "nav.report", "report.aggregation"),
    ("quality", "/quality", "nav.quality", "govern.read"),
    ("tickets", "/tickets", "nav.tickets", "ticket.read"),
    ("share-apps", "/share/applications", "nav.share_apps", "share.apply"),
    ("share-reviews", "/share/reviews", "nav.share_reviews", "share.review"),
    ("share-grants", "/share/grants", "nav.share_grants", "share.read"),
    ("share-overdue", "/share/overdue", "nav.share_overdue", "share.overdue"),
    ("share-demands", "/share/demands", "nav.share_demands", "demand.read"),
    ("share-evaluation", "/share/evaluation", "nav.share_evaluation", "evaluation.read"),
    ("standards", "/standards/elements", "nav.standards", "element.read"),
    ("conformance", "/standards/conformance", "nav.conformance", "conformance.read"),
    ("classification", "/classification", "nav.classification", "classification.read"),
    ("orgs", "/orgs", "nav.orgs", "org.read"),
    ("users", "/users", "nav.users", "user.read"),
    ("credentials", "/credentials", "nav.credentials", "credential.read"),
    ("audit", "/audit", "nav.audit", "audit.read"),
    ("trace", "/trace", "nav.trace", "trace.read"),
    ("security-alerts", "/security/alerts", "nav.security_alerts", "alert.read"),
    ("security-destructions", "/security/destructions", "nav.security_destructions", "destruction.read"),
    ("security-keys", "/security/keys", "nav.security_keys", "keys.read"),
    ("security-backups", "/security/backups", "nav.security_backups", "backup.read"),
    ("password", "/password", "nav.password", "me.change_password"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_lookup() {
        let mut h = axum::http::HeaderMap::new();
        h.insert(axum::http::header::COOKIE, "a=1; zs_lang=en; zs_csrf=abc".parse().unwrap());
        assert_eq!(cookie(&h, "zs_lang").as_deref(), Some("en"));
        assert_eq!(cookie(&h, "zs_csrf").as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "zs"), None);
    }

    #[test]
    fn nav_actions_exist() {
        for (_, _, _, action) in NAV {
            assert!(zs_identity::policy::ACTIONS.iter().any(|(n, _)| n == action), "{action}");
        }
    }
}

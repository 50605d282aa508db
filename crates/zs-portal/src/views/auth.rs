//! Signing in and out, the password change, and the language switch.

use crate::csrf;
use crate::forms::{PortalForm, PortalQuery};
use crate::i18n::{self, Lang, LANG_COOKIE};
use crate::page::{local_path, no_store, redirect, render, with_cookie, Chrome, CsrfOnly, FormError, PageResult};
use crate::session::{cookie, Ctx};
use crate::views::errors;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use zs_http::session::{clear_session_cookie, session_cookie, session_from_cookies};
use zs_http::AppState;
use zs_identity::policy::{Logout, MeChangePassword};
use zs_identity::AuthVia;
use zs_types::{Error, ErrorCode};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    csrf: String,
    next: String,
    username: String,
    error: Option<FormError>,
}

/// `?next=` of the login page and the language switch.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    next: String,
}

/// The login form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    next: String,
}

fn login_page(
    s: &AppState,
    lang: Lang,
    next: &str,
    username: &str,
    error: Option<FormError>,
    status: StatusCode,
) -> Response {
    let token = csrf::new_login_token();
    let page = LoginPage {
        c: Chrome::anonymous(lang, s.demo(), "/login"),
        csrf: token.clone(),
        next: local_path(next).to_owned(),
        username: username.to_owned(),
        error,
    };
    no_store(with_cookie(render(status, &page), &csrf::login_cookie(&token, s.config.secure_cookies())))
}

/// `GET /login`: the form (or straight on when already signed in).
pub async fn login_form(
    State(s): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    PortalQuery(q): PortalQuery<NextQuery>,
) -> Response {
    if let Some(token) = session_from_cookies(&headers) {
        if let Ok(p) = s.identity.authenticate(&token).await {
            if matches!(p.via, AuthVia::Session { .. }) {
                return redirect(local_path(&q.next));
            }
        }
    }
    login_page(&s, lang, &q.next, "", None, StatusCode::OK)
}

/// `POST /login`: check the double-submit CSRF token, log in, set the session cookie.
pub async fn login(
    State(s): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    PortalForm(f): PortalForm<LoginForm>,
) -> Response {
    if !csrf::verify_login(cookie(&headers, csrf::LOGIN_COOKIE).as_deref(), &f.csrf) {
        tracing::warn!("login form with a wrong CSRF token");
        return errors::csrf_mismatch(lang, s.demo());
    }
    let rid = zs_http::request_id::current();
    match s.identity.login(f.username.trim(), &f.password, rid.as_deref()).await {
        Ok(r) => {
            let secure = s.config.secure_cookies();
            let to = if r.must_change_password { "/password" } else { local_path(&f.next) };
            let resp = with_cookie(redirect(to), &session_cookie(&r.token, s.config.session_ttl_minutes * 60, secure));
            no_store(with_cookie(resp, &csrf::clear_login_cookie(secure)))
        }
        Err(e) => {
            let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if status.is_server_error() {
                tracing::error!(code = e.code.as_str(), message = %e.message, "login failed");
            }
            login_page(&s, lang, &f.next, f.username.trim(), Some(FormError::new(lang, &e)), status)
        }
    }
}

/// `POST /logout`: end the session, clear the cookie, back to the login page.
pub async fn logout(State(s): State<AppState>, ctx: Ctx, PortalForm(f): PortalForm<CsrfOnly>) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<Logout>(&s).await?;
    s.identity.logout(&pass).await.map_err(|e| ctx.fail(e))?;
    Ok(with_cookie(redirect("/login"), &clear_session_cookie(ctx.secure_cookies())))
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Chrome,
    must_change: bool,
    username: String,
    min_len: usize,
    policy_len: String,
    error: Option<FormError>,
}

/// The password change form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
    repeat_password: String,
}

fn password_page(ctx: &Ctx, error: Option<FormError>, status: StatusCode) -> Response {
    let min = zs_identity::password::MIN_LEN;
    let page = PasswordPage {
        c: ctx.chrome("password"),
        must_change: ctx.principal.user.must_change_password,
        username: ctx.principal.user.username.clone(),
        min_len: min,
        policy_len: i18n::fill(ctx.lang, "password.policy_len", &[("min", &min.to_string())]),
        error,
    };
    no_store(render(status, &page))
}

/// `GET /password`.
pub async fn password_form(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    let _pass = ctx.authorize::<MeChangePassword>(&s).await?;
    Ok(password_page(&ctx, None, StatusCode::OK))
}

/// `POST /password`: change one's own password.
pub async fn change_password(
    State(s): State<AppState>,
    ctx: Ctx,
    PortalForm(f): PortalForm<PasswordForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<MeChangePassword>(&s).await?;
    if f.new_password != f.repeat_password {
        let e = Error::new(ErrorCode::InvalidInput, "the two new passwords differ").with_field("repeat_password");
        let mut fe = FormError::new(ctx.lang, &e);
        fe.message = ctx.t("password.mismatch").to_owned();
        fe.detail.clear();
        return Ok(password_page(&ctx, Some(fe), StatusCode::UNPROCESSABLE_ENTITY));
    }
    match s.identity.change_password(&pass, &f.current_password, &f.new_password).await {
        Ok(()) => Ok(redirect("/?notice=password_changed")),
        Err(e) if crate::page::is_form_error(&e) => {
            let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            Ok(password_page(&ctx, Some(FormError::new(ctx.lang, &e)), status))
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// `GET /lang/{zh|en}?next=/path`: remember the language and go back (local paths only).
pub async fn set_lang(
    State(s): State<AppState>,
    Path(code): Path<String>,
    PortalQuery(q): PortalQuery<NextQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(lang) = Lang::parse(&code) else {
        let c = Chrome::anonymous(i18n::choose(&headers), s.demo(), "/");
        return errors::page(c, &Error::new(ErrorCode::NotFound, "unknown language"));
    };
    let secure = if s.config.secure_cookies() { "; Secure" } else { "" };
    let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{secure}", lang.code());
    with_cookie(redirect(local_path(&q.next)), &cookie)
}

//! The authoritative sources page (一数一源): per standard data element the resource whose values
//! are authoritative, and for each other resource carrying it the latest divergences (both
//! values, masked when sensitive). Platform operators designate and remove sources here.

use crate::forms::{PortalForm, PortalQuery};
use crate::page::{redirect, render, Chrome, FormError, PageResult};
use crate::session::Ctx;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use zs_govern::service::{AuthorityRequest, AuthorityView};
use zs_http::AppState;
use zs_identity::policy::{AuthorityManage, GovernRead};
use zs_types::{Error, ErrorCode};

#[derive(Template)]
#[template(path = "quality_authorities.html")]
struct AuthoritiesPage {
    c: Chrome,
    list: Vec<AuthorityView>,
    can_manage: bool,
    form: AuthorityForm,
    error: Option<FormError>,
    notice: String,
}

/// Query of the page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoticeQuery {
    notice: String,
}

/// The designation form (also the removal form, with only `element`).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct AuthorityForm {
    csrf: String,
    element: String,
    resource: String,
    key_element: String,
    note: String,
}

async fn page(
    s: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    form: AuthorityForm,
    error: Option<Error>,
    notice: &str,
) -> PageResult {
    let pass = ctx.authorize::<GovernRead>(s).await?;
    let list = s.govern.authorities(&pass).await.map_err(|e| ctx.fail(e))?;
    let notice = match notice {
        "designated" => ctx.t("auth.designated"),
        "removed" => ctx.t("auth.removed"),
        _ => "",
    };
    let page = AuthoritiesPage {
        c: ctx.chrome("quality"),
        list,
        can_manage: ctx.allows("govern.authority"),
        form,
        error: error.map(|e| FormError::new(ctx.lang, &e)),
        notice: notice.to_owned(),
    };
    Ok(render(status, &page))
}

/// `GET /quality/authorities`.
pub async fn list(State(s): State<AppState>, ctx: Ctx, PortalQuery(q): PortalQuery<NoticeQuery>) -> PageResult {
    page(&s, &ctx, StatusCode::OK, AuthorityForm::default(), None, &q.notice).await
}

fn form_error(e: &Error) -> bool {
    matches!(e.code, ErrorCode::InvalidInput | ErrorCode::NotFound)
}

/// `POST /quality/authorities`: designate.
pub async fn designate(State(s): State<AppState>, ctx: Ctx, PortalForm(f): PortalForm<AuthorityForm>) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<AuthorityManage>(&s).await?;
    let req = AuthorityRequest {
        element: f.element.clone(),
        resource: f.resource.clone(),
        key_element: f.key_element.clone(),
        note: f.note.clone(),
    };
    match s.govern.designate_authority(&pass, &req).await {
        Ok(_) => Ok(redirect("/quality/authorities?notice=designated")),
        Err(e) if form_error(&e) => page(&s, &ctx, StatusCode::UNPROCESSABLE_ENTITY, f, Some(e), "").await,
        Err(e) => Err(ctx.fail(e)),
    }
}

/// `POST /quality/authorities/remove`: remove a designation.
pub async fn remove(State(s): State<AppState>, ctx: Ctx, PortalForm(f): PortalForm<AuthorityForm>) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<AuthorityManage>(&s).await?;
    match s.govern.remove_authority(&pass, &f.element).await {
        Ok(()) => Ok(redirect("/quality/authorities?notice=removed")),
        Err(e) if form_error(&e) => page(&s, &ctx, StatusCode::UNPROCESSABLE_ENTITY, f, Some(e), "").await,
        Err(e) => Err(ctx.fail(e)),
    }
}

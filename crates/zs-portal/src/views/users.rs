//! Accounts: the list with status, and for administrators creation, password reset and
//! disabling. Generated passwords are shown once on a page that is never stored.

use crate::forms::{PortalForm, PortalQuery};
use crate::i18n::{self, Lang};
use crate::page::{
    is_form_error, no_store, notice_key, redirect, render, Chrome, CsrfOnly, FormError, NoticeQuery, Opt, PageResult,
};
use crate::session::Ctx;
use crate::views::secret::{secret_page, Fact};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use std::collections::HashMap;
use zs_http::AppState;
use zs_identity::policy::{OrgRead, UserCreate, UserDisable, UserRead, UserResetPassword};
use zs_identity::{Authorized, CreateUser};
use zs_types::model::User;
use zs_types::{Error, OrgId, Role, UserId};

/// Roles the portal can create (administrator roles only through the CLI).
const CREATABLE: [Role; 3] = [Role::PlatformOperator, Role::Steward, Role::DataUser];

/// A status badge.
pub struct Badge {
    key: &'static str,
    class: &'static str,
}

/// One account in the table.
pub struct UserRow {
    id: UserId,
    username: String,
    display_name: String,
    org_name: String,
    role_label: &'static str,
    badges: Vec<Badge>,
    disabled: bool,
    can_reset: bool,
    can_toggle: bool,
    highlight: bool,
}

/// The new-account form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserForm {
    csrf: String,
    username: String,
    display_name: String,
    org_id: String,
    role: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    c: Chrome,
    scope: String,
    notice: String,
    rows: Vec<UserRow>,
    any_actions: bool,
    can_create: bool,
    orgs: Vec<Opt>,
    roles: Vec<Opt>,
    form: UserForm,
    error: Option<FormError>,
}

/// The label of a role in a language.
pub fn role_label(lang: Lang, role: Role) -> &'static str {
    match lang {
        Lang::Zh => role.label_zh(),
        Lang::En => role.label_en(),
    }
}

fn badges(u: &User, now: time::OffsetDateTime) -> Vec<Badge> {
    let mut b = Vec::new();
    if u.disabled {
        b.push(Badge { key: "status.disabled", class: "red" });
    } else if u.locked_until.is_some_and(|t| t > now) {
        b.push(Badge { key: "status.locked", class: "amber" });
    } else {
        b.push(Badge { key: "status.active", class: "green" });
    }
    if u.must_change_password {
        b.push(Badge { key: "status.must_change", class: "blue" });
    }
    b
}

async fn page(
    s: &AppState,
    ctx: &Ctx,
    pass: &Authorized<UserRead>,
    form: UserForm,
    error: Option<FormError>,
    q: &NoticeQuery,
    status: StatusCode,
) -> PageResult {
    let users = s.identity.list_users(pass).await.map_err(|e| ctx.fail(e))?;
    let read = ctx.authorize::<OrgRead>(s).await?;
    let orgs = s.identity.list_orgs(&read).await.map_err(|e| ctx.fail(e))?;
    let names: HashMap<OrgId, &str> = orgs.iter().map(|o| (o.id, o.name.as_str())).collect();
    let me = ctx.principal.user.id;
    let can_reset = ctx.allows("user.reset_password");
    let can_toggle = ctx.allows("user.disable");
    let highlight = q.created.parse::<i64>().ok().map(UserId);
    let now = s.identity.now();
    let rows = users
        .iter()
        .map(|u| UserRow {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            org_name: names.get(&u.org_id).map(|n| (*n).to_owned()).unwrap_or_else(|| format!("#{}", u.org_id)),
            role_label: role_label(ctx.lang, u.role),
            badges: badges(u, now),
            disabled: u.disabled,
            can_reset: can_reset && u.id != me && !u.role.is_administrator(),
            can_toggle: can_toggle && u.id != me && !u.role.is_administrator(),
            highlight: highlight == Some(u.id),
        })
        .collect();
    let p = &ctx.principal;
    // The scope is the area the role covers (分域分级), which may be above the user's own org.
    let scope_name = orgs.iter().find(|o| o.path == p.scope_path()).map(|o| o.name.as_str()).unwrap_or(&p.org.name);
    let org_opts = orgs
        .iter()
        .filter(|o| p.can_see(o))
        .map(|o| Opt { value: o.id.to_string(), label: o.name.clone(), selected: form.org_id == o.id.to_string() })
        .collect();
    let roles = CREATABLE
        .iter()
        .map(|r| Opt {
            value: r.as_str().to_owned(),
            label: role_label(ctx.lang, *r).to_owned(),
            selected: form.role == r.as_str(),
        })
        .collect();
    let page = UsersPage {
        c: ctx.chrome("users"),
        scope: i18n::fill(ctx.lang, "users.scope", &[("org", scope_name)]),
        notice: notice_key(&q.notice).map(|k| ctx.t(k).to_owned()).unwrap_or_default(),
        rows,
        any_actions: can_reset || can_toggle,
        can_create: ctx.allows("user.create"),
        orgs: org_opts,
        roles,
        form,
        error,
    };
    Ok(render(status, &page))
}

/// `GET /users`.
pub async fn show(State(s): State<AppState>, ctx: Ctx, PortalQuery(q): PortalQuery<NoticeQuery>) -> PageResult {
    let pass = ctx.authorize::<UserRead>(&s).await?;
    page(&s, &ctx, &pass, UserForm::default(), None, &q, StatusCode::OK).await
}

/// `POST /users`: create an account with a generated password, shown once.
pub async fn create(State(s): State<AppState>, ctx: Ctx, PortalForm(f): PortalForm<UserForm>) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<UserCreate>(&s).await?;
    let input = parse(&f);
    let result = match input {
        Ok(input) => s.identity.create_user(&pass, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((user, Some(password))) => {
            let subject = i18n::fill(ctx.lang, "secret.password_for", &[("name", &user.username)]);
            let facts = vec![
                Fact { key: "users.display_name", value: user.display_name.clone() },
                Fact { key: "users.role", value: role_label(ctx.lang, user.role).to_owned() },
            ];
            let back = format!("/users?created={}#user-{}", user.id, user.id);
            Ok(no_store(secret_page(
                ctx.chrome("users"),
                "secret.user_created",
                subject,
                "secret.password_warning",
                password,
                facts,
                back,
            )))
        }
        Ok((user, None)) => Ok(redirect(&format!("/users?created={}#user-{}", user.id, user.id))),
        Err(e) if is_form_error(&e) => {
            let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            let fe = FormError::new(ctx.lang, &e);
            let read = ctx.authorize::<UserRead>(&s).await?;
            page(&s, &ctx, &read, f, Some(fe), &NoticeQuery::default(), status).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

fn parse(f: &UserForm) -> Result<CreateUser, Error> {
    let org_id = f.org_id.trim().parse::<i64>().map_err(|_| Error::invalid("org_id", "choose an organisation"))?;
    let role = Role::parse(f.role.trim()).ok_or_else(|| Error::invalid("role", "choose a role"))?;
    Ok(CreateUser {
        username: f.username.trim().to_owned(),
        display_name: f.display_name.clone(),
        org_id: OrgId(org_id),
        role,
        password: None,
    })
}

/// An id from the path; anything else is a missing page.
fn path_id(ctx: &Ctx, raw: &str) -> Result<UserId, crate::page::Reject> {
    raw.parse::<i64>().map(UserId).map_err(|_| ctx.fail(Error::not_found("user")))
}

/// `POST /users/{id}/reset-password`: a new generated password, shown once.
pub async fn reset_password(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PortalForm(f): PortalForm<CsrfOnly>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let id = path_id(&ctx, &id)?;
    let pass = ctx.authorize::<UserResetPassword>(&s).await?;
    let password = s.identity.reset_password(&pass, id).await.map_err(|e| ctx.fail(e))?;
    // The name is only for the page; the reset has happened either way.
    let name = match ctx.authorize::<UserRead>(&s).await {
        Ok(read) => s
            .identity
            .list_users(&read)
            .await
            .ok()
            .and_then(|us| us.into_iter().find(|u| u.id == id))
            .map(|u| u.username),
        Err(_) => None,
    }
    .unwrap_or_else(|| format!("#{id}"));
    let subject = i18n::fill(ctx.lang, "secret.password_for", &[("name", &name)]);
    let back = format!("/users#user-{id}");
    Ok(no_store(secret_page(
        ctx.chrome("users"),
        "secret.password_reset",
        subject,
        "secret.password_warning",
        password,
        Vec::new(),
        back,
    )))
}

async fn set_disabled(s: AppState, ctx: Ctx, id: String, csrf: String, disabled: bool) -> PageResult {
    ctx.check_csrf(&csrf)?;
    let id = path_id(&ctx, &id)?;
    let pass = ctx.authorize::<UserDisable>(&s).await?;
    let u = s.identity.set_disabled(&pass, id, disabled).await.map_err(|e| ctx.fail(e))?;
    Ok(redirect(&format!("/users?notice={}#user-{}", if disabled { "user_disabled" } else { "user_enabled" }, u.id)))
}

/// `POST /users/{id}/disable`.
pub async fn disable(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PortalForm(f): PortalForm<CsrfOnly>,
) -> PageResult {
    set_disabled(s, ctx, id, f.csrf, true).await
}

/// `POST /users/{id}/enable`.
pub async fn enable(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PortalForm(f): PortalForm<CsrfOnly>,
) -> PageResult {
    set_disabled(s, ctx, id, f.csrf, false).await
}

//! Encryption keys and the backup register for security administrators: the data keys per
//! resource (cipher, master key, state, times — never key bytes) with rotation where the API
//! allows it (`keys.manage`: security administrators only), and the register of backups taken
//! outside the platform (read by the system, security and audit administrators; registered by
//! the system administrator who runs them), which destruction certificates list. The auditor
//! reads only (三员分立).

use crate::forms::{PortalForm, PortalQuery};
use crate::page::{fmt_time, redirect, render, FormError, PageResult};
use crate::session::Ctx;
use crate::views::destruction::{error_status, shown_on_form};
use askama::Template;
use axum::extract::State;
use serde::Deserialize;
use zs_http::AppState;
use zs_identity::policy::{BackupRead, BackupRecord, KeyManage, KeyRead};
use zs_types::Error;

fn ms(t: i64) -> String {
    fmt_time(zs_types::clock::from_ms(t))
}

/// The scope of the sealed metadata columns' key.
const META: &str = "meta";

/// One data key as a row.
pub struct KeyRow {
    id: String,
    algorithm: String,
    master_key_id: String,
    state: String,
    state_key: String,
    created_at: String,
    retired_at: String,
    destroyed_at: String,
}

/// The keys of one scope (a resource or `meta`).
pub struct ScopeKeys {
    /// What to rotate: the resource code or `meta`.
    target: String,
    /// A resource code (linked) or not.
    is_resource: bool,
    href: String,
    keys: Vec<KeyRow>,
    /// Has a current key (so it can be rotated).
    active: bool,
}

#[derive(Template)]
#[template(path = "security_keys.html")]
struct KeysPage {
    c: crate::page::Chrome,
    enabled: bool,
    master_key: String,
    scopes: Vec<ScopeKeys>,
    may_rotate: bool,
    notice: String,
    error: Option<FormError>,
    scope_value: String,
}

/// The keys page's query: the scope just rotated.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct KeysParams {
    rotated: String,
    key: String,
}

/// The resource code of a table's key scope (`101001000_000001` → `101001000/000001`).
fn code_of_scope(scope: &str) -> String {
    scope.replacen('_', "/", 1)
}

async fn keys_page(s: &AppState, ctx: &Ctx, notice: String, failed: Option<(Error, String)>) -> PageResult {
    let _pass = ctx.authorize::<KeyRead>(s).await?;
    let (enabled, master_key, list) = match s.ingest.keys() {
        Some(k) => (true, k.keyring().provider().current_id(), k.list().await.map_err(|e| ctx.fail(e))?),
        None => (false, String::new(), Vec::new()),
    };
    let mut scopes: Vec<ScopeKeys> = Vec::new();
    for k in list {
        let target = if k.scope == META { META.to_owned() } else { code_of_scope(&k.scope) };
        let row = KeyRow {
            id: k.id.clone(),
            algorithm: k.algorithm.clone(),
            master_key_id: k.master_key_id.clone(),
            state_key: format!("keys.state.{}", k.state),
            state: k.state.clone(),
            created_at: ms(k.created_at),
            retired_at: k.retired_at.map(ms).unwrap_or_default(),
            destroyed_at: k.destroyed_at.map(ms).unwrap_or_default(),
        };
        let active = k.state == "active";
        match scopes.iter_mut().find(|x| x.target == target) {
            Some(sk) => {
                sk.active |= active;
                sk.keys.push(row);
            }
            None => scopes.push(ScopeKeys {
                is_resource: target != META,
                href: crate::views::resource::resource_href(&target),
                target,
                keys: vec![row],
                active,
            }),
        }
    }
    // The metadata key first, then resources by code.
    scopes.sort_by(|a, b| (a.is_resource, &a.target).cmp(&(b.is_resource, &b.target)));
    let (error, scope_value) = match failed {
        Some((e, v)) => (Some(FormError::new(ctx.lang, &e)), v),
        None => (None, String::new()),
    };
    let page = KeysPage {
        c: ctx.chrome("security-keys"),
        enabled,
        master_key,
        scopes,
        may_rotate: ctx.allows("keys.manage"),
        notice,
        error,
        scope_value,
    };
    Ok(render(error_status(&page.error), &page))
}

/// `GET /security/keys`.
pub async fn keys(State(s): State<AppState>, ctx: Ctx, PortalQuery(p): PortalQuery<KeysParams>) -> PageResult {
    let notice = if p.rotated.is_empty() {
        String::new()
    } else {
        crate::i18n::fill(ctx.lang, "keys.rotated", &[("scope", p.rotated.as_str()), ("key", p.key.as_str())])
    };
    keys_page(&s, &ctx, notice, None).await
}

/// The rotation form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RotateForm {
    csrf: String,
    scope: String,
}

/// `POST /security/keys/rotate`: a new current key for a resource (by code) or `meta`.
pub async fn rotate(State(s): State<AppState>, ctx: Ctx, PortalForm(f): PortalForm<RotateForm>) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<KeyManage>(&s).await?;
    let scope = f.scope.trim();
    if scope.is_empty() {
        let e = Error::invalid("scope", "give a resource code, or meta for the metadata columns");
        return keys_page(&s, &ctx, String::new(), Some((e, f.scope.clone()))).await;
    }
    match s.ingest.rotate_key(&pass, scope).await {
        Ok((target, key, _)) => Ok(redirect(&format!(
            "/security/keys?rotated={}&key={}",
            crate::page::urlencode(&target),
            crate::page::urlencode(&key)
        ))),
        Err(e) if shown_on_form(&e) || e.code == zs_types::ErrorCode::NotFound => {
            let e = Error { field: Some("scope".into()), ..e };
            keys_page(&s, &ctx, String::new(), Some((e, f.scope.clone()))).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// One backup as a row.
pub struct BackupRow {
    id: i64,
    label: String,
    location: String,
    taken_at: String,
    recorded_at: String,
    recorded_by: String,
    highlight: bool,
}

#[derive(Template)]
#[template(path = "security_backups.html")]
struct BackupsPage {
    c: crate::page::Chrome,
    rows: Vec<BackupRow>,
    may_record: bool,
    notice: String,
    error: Option<FormError>,
    label: String,
    location: String,
    taken_at: String,
}

/// The backups page's query: the backup just registered.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BackupsParams {
    created: String,
}

/// The registration form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BackupForm {
    csrf: String,
    label: String,
    location: String,
    /// `YYYY-MM-DDTHH:MM` (a `datetime-local` field), Beijing time.
    taken_at: String,
}

async fn backups_page(
    s: &AppState,
    ctx: &Ctx,
    created: Option<i64>,
    failed: Option<(Error, BackupForm)>,
) -> PageResult {
    let pass = ctx.authorize::<BackupRead>(s).await?;
    let list = s.ingest.backups(&pass).await.map_err(|e| ctx.fail(e))?;
    let (error, kept) = match failed {
        Some((e, f)) => (Some(FormError::new(ctx.lang, &e)), f),
        None => (None, BackupForm::default()),
    };
    let page = BackupsPage {
        c: ctx.chrome("security-backups"),
        rows: list
            .into_iter()
            .map(|b| BackupRow {
                highlight: Some(b.id) == created,
                id: b.id,
                label: b.label,
                location: b.location,
                taken_at: ms(b.taken_at),
                recorded_at: ms(b.recorded_at),
                recorded_by: b.recorded_by.map(|u| format!("#{u}")).unwrap_or_default(),
            })
            .collect(),
        may_record: ctx.allows("backup.record"),
        notice: if created.is_some() { ctx.t("backups.recorded").to_owned() } else { String::new() },
        error,
        label: kept.label,
        location: kept.location,
        taken_at: kept.taken_at,
    };
    Ok(render(error_status(&page.error), &page))
}

/// `GET /security/backups`.
pub async fn backups(State(s): State<AppState>, ctx: Ctx, PortalQuery(p): PortalQuery<BackupsParams>) -> PageResult {
    backups_page(&s, &ctx, p.created.trim().parse().ok(), None).await
}

/// A `datetime-local` value in Beijing time as Unix ms.
fn parse_local(v: &str) -> Option<i64> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let t = time::PrimitiveDateTime::parse(v.trim(), &fmt).ok()?;
    let beijing = time::UtcOffset::from_hms(8, 0, 0).ok()?;
    Some(zs_types::clock::to_ms(t.assume_offset(beijing)))
}

/// `POST /security/backups`: register a backup (system administrators).
pub async fn record(State(s): State<AppState>, ctx: Ctx, PortalForm(f): PortalForm<BackupForm>) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<BackupRecord>(&s).await?;
    let Some(taken_at) = parse_local(&f.taken_at) else {
        let e = Error::invalid("taken_at", "give when the backup was taken (date and time)");
        return backups_page(&s, &ctx, None, Some((e, f))).await;
    };
    if f.label.chars().count() > 200 || f.location.chars().count() > 500 {
        let e = Error::invalid("label", "label or location too long");
        return backups_page(&s, &ctx, None, Some((e, f))).await;
    }
    match s.ingest.record_backup(&pass, &f.label, &f.location, taken_at).await {
        Ok(b) => Ok(redirect(&format!("/security/backups?created={}#backup-{}", b.id, b.id))),
        Err(e) if shown_on_form(&e) => backups_page(&s, &ctx, None, Some((e, f))).await,
        Err(e) => Err(ctx.fail(e)),
    }
}

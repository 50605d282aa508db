//! Secure destruction (数据安全销毁) pages: the providing department's steward asks for the
//! destruction of a resource or one of its versions (with a reason); security administrators
//! approve — which carries it out — or refuse; the certificate (销毁证明) is shown with the
//! backups taken before that may still hold the data. Operators and audit administrators read;
//! the system administrator has no access (三员分立). The services and rules are the API's
//! (`zs_ingest::destroy`), authorised with the same actions.

use crate::forms::{PortalForm, PortalQuery};
use crate::page::{fmt_time, redirect, render, FormError, PageResult};
use crate::session::Ctx;
use crate::views::resource::code_of;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use zs_http::AppState;
use zs_identity::policy::{BackupRead, DestroyApprove, DestroyRead, DestroyRequest};
use zs_ingest::destroy::{Certificate, DestroyInput};
use zs_meta::keys::Destruction;
use zs_types::{Error, ErrorCode};

fn ms(t: i64) -> String {
    fmt_time(zs_types::clock::from_ms(t))
}

/// The status of a page that shows a form error.
pub(crate) fn error_status(e: &Option<FormError>) -> StatusCode {
    match e {
        Some(fe) => ErrorCode::ALL
            .iter()
            .find(|c| c.as_str() == fe.code)
            .and_then(|c| StatusCode::from_u16(c.http_status()).ok())
            .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
        None => StatusCode::OK,
    }
}

/// Errors shown next to the form that caused them rather than as an error page: validation,
/// and conflicts with the object's state (decided meanwhile, the current version, …).
pub(crate) fn shown_on_form(e: &Error) -> bool {
    crate::page::is_form_error(e) || matches!(e.code, ErrorCode::Conflict | ErrorCode::DataDestroyed)
}

/// One destruction request as a row.
pub struct Row {
    id: i64,
    code: String,
    href: String,
    version: String,
    reason: String,
    state: String,
    state_key: String,
    requested_at: String,
    decided_at: String,
}

fn row(ctx: &Ctx, d: &Destruction) -> Row {
    Row {
        id: d.id,
        code: d.code.clone(),
        href: crate::views::resource::resource_href(&d.code),
        version: d.version.map(|v| v.to_string()).unwrap_or_else(|| ctx.t("destroy.whole").to_owned()),
        reason: d.reason.clone(),
        state: d.state.clone(),
        state_key: format!("destroy.state.{}", d.state),
        requested_at: ms(d.requested_at),
        decided_at: d.decided_at.map(ms).unwrap_or_default(),
    }
}

/// List filter.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListParams {
    code: String,
}

#[derive(Template)]
#[template(path = "security_destructions.html")]
struct ListPage {
    c: crate::page::Chrome,
    code: String,
    rows: Vec<Row>,
}

/// `GET /security/destructions?code=`.
pub async fn list(State(s): State<AppState>, ctx: Ctx, PortalQuery(p): PortalQuery<ListParams>) -> PageResult {
    let pass = ctx.authorize::<DestroyRead>(&s).await?;
    let code = p.code.trim().to_owned();
    let all =
        s.ingest.destructions(&pass, Some(code.as_str()).filter(|c| !c.is_empty())).await.map_err(|e| ctx.fail(e))?;
    let page =
        ListPage { c: ctx.chrome("security-destructions"), rows: all.iter().map(|d| row(&ctx, d)).collect(), code };
    Ok(render(StatusCode::OK, &page))
}

/// The certificate as shown.
pub struct CertView {
    destroyed_at: String,
    encrypted: bool,
    versions: String,
    rows: u64,
    files_deleted: usize,
    bytes_deleted: u64,
    files_shared: usize,
    keys_shredded: Vec<String>,
    keys_still_in_use: Vec<String>,
    copies: Vec<String>,
}

/// A registered backup as a line.
pub struct BackupLine {
    id: i64,
    label: String,
    location: String,
    taken_at: String,
}

#[derive(Template)]
#[template(path = "security_destruction.html")]
struct DetailPage {
    c: crate::page::Chrome,
    r: Row,
    requested_by: i64,
    decided_by: String,
    note: String,
    notice: &'static str,
    may_decide: bool,
    cert: Option<CertView>,
    cert_unreadable: bool,
    backups: Vec<BackupLine>,
    show_backups: bool,
    error: Option<FormError>,
    error_form: &'static str,
    refuse_note: String,
}

/// The detail page's query: which action was just taken.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DetailParams {
    done: String,
}

/// A failed form on the detail page.
struct Failed {
    form: &'static str,
    error: Error,
    note: String,
}

async fn detail(s: &AppState, ctx: &Ctx, id: i64, done: &str, failed: Option<Failed>) -> PageResult {
    let pass = ctx.authorize::<DestroyRead>(s).await?;
    let d = s.ingest.destruction(&pass, id).await.map_err(|e| ctx.fail(e))?;
    let cert: Option<Certificate> = d.certificate.as_deref().and_then(|c| serde_json::from_str(c).ok());
    let cert_unreadable = d.certificate.is_some() && cert.is_none();
    // While it waits, the backups that would be named on the certificate (for those who may
    // read the register).
    let show_backups = d.state == "requested" && ctx.allows("backup.read");
    let backups = if show_backups {
        let bp = ctx.authorize::<BackupRead>(s).await?;
        s.ingest
            .backups(&bp)
            .await
            .map_err(|e| ctx.fail(e))?
            .into_iter()
            .map(|b| BackupLine { id: b.id, label: b.label, location: b.location, taken_at: ms(b.taken_at) })
            .collect()
    } else {
        Vec::new()
    };
    let notice = match done {
        "requested" => "destroy.done.requested",
        "approved" => "destroy.done.approved",
        "refused" => "destroy.done.refused",
        _ => "",
    };
    let (error, error_form, refuse_note) = match failed {
        Some(f) => (Some(FormError::new(ctx.lang, &f.error)), f.form, f.note),
        None => (None, "", String::new()),
    };
    let page = DetailPage {
        c: ctx.chrome("security-destructions"),
        r: row(ctx, &d),
        requested_by: d.requested_by,
        decided_by: d.decided_by.map(|u| u.to_string()).unwrap_or_default(),
        note: d.note.clone().unwrap_or_default(),
        notice,
        may_decide: ctx.allows("data.destroy") && d.state == "requested",
        cert: cert.map(|c| CertView {
            destroyed_at: ms(c.destroyed_at),
            encrypted: c.encrypted,
            versions: c.versions.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
            rows: c.rows,
            files_deleted: c.files_deleted,
            bytes_deleted: c.bytes_deleted,
            files_shared: c.files_shared,
            keys_shredded: c.keys_shredded,
            keys_still_in_use: c.keys_still_in_use,
            copies: c.copies_may_remain,
        }),
        cert_unreadable,
        backups,
        show_backups,
        error,
        error_form,
        refuse_note,
    };
    Ok(render(error_status(&page.error), &page))
}

fn parse_id(ctx: &Ctx, id: &str) -> Result<i64, crate::page::Reject> {
    id.parse::<i64>().map_err(|_| ctx.fail(Error::not_found("destruction")))
}

/// `GET /security/destructions/{id}`.
pub async fn show(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PortalQuery(p): PortalQuery<DetailParams>,
) -> PageResult {
    let id = parse_id(&ctx, &id)?;
    detail(&s, &ctx, id, &p.done, None).await
}

/// The approve and refuse forms.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecideForm {
    csrf: String,
    note: String,
}

/// `POST /security/destructions/{id}/approve`: carry it out; back to the request with its
/// certificate.
pub async fn approve(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PortalForm(f): PortalForm<DecideForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<DestroyApprove>(&s).await?;
    let id = parse_id(&ctx, &id)?;
    match s.ingest.approve_destruction(&pass, id).await {
        Ok(_) => Ok(redirect(&format!("/security/destructions/{id}?done=approved"))),
        Err(e) if shown_on_form(&e) || e.code == ErrorCode::Forbidden => {
            detail(&s, &ctx, id, "", Some(Failed { form: "approve", error: e, note: String::new() })).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// `POST /security/destructions/{id}/refuse` (with the reason).
pub async fn refuse(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PortalForm(f): PortalForm<DecideForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<DestroyApprove>(&s).await?;
    let id = parse_id(&ctx, &id)?;
    match s.ingest.refuse_destruction(&pass, id, &f.note).await {
        Ok(_) => Ok(redirect(&format!("/security/destructions/{id}?done=refused"))),
        Err(e) if shown_on_form(&e) => {
            detail(&s, &ctx, id, "", Some(Failed { form: "refuse", error: e, note: f.note })).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

#[derive(Template)]
#[template(path = "destroy_request.html")]
struct RequestPage {
    c: crate::page::Chrome,
    code: String,
    href: String,
    version: String,
    reason: String,
    error: Option<FormError>,
    notice: String,
}

/// The request form's query (`?version=` from the resource page's versions).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RequestParams {
    version: String,
}

fn request_page(ctx: &Ctx, code: &str, version: String, reason: String, error: Option<Error>) -> PageResult {
    let page = RequestPage {
        c: ctx.chrome("ingest"),
        code: code.to_owned(),
        href: crate::views::resource::resource_href(code),
        version,
        reason,
        error: error.map(|e| FormError::new(ctx.lang, &e)),
        notice: String::new(),
    };
    Ok(render(error_status(&page.error), &page))
}

/// `GET /resources/{class}/{seq}/destroy[?version=]`: the steward's request form.
pub async fn request_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((class, seq)): Path<(String, String)>,
    PortalQuery(p): PortalQuery<RequestParams>,
) -> PageResult {
    let code = code_of(&ctx, &class, &seq)?;
    ctx.authorize::<DestroyRequest>(&s).await?;
    request_page(&ctx, &code, p.version.trim().to_owned(), String::new(), None)
}

/// The request form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RequestForm {
    csrf: String,
    version: String,
    reason: String,
}

/// `POST /resources/{class}/{seq}/destroy`: ask; on to the request's page.
pub async fn request(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((class, seq)): Path<(String, String)>,
    PortalForm(f): PortalForm<RequestForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let code = code_of(&ctx, &class, &seq)?;
    let pass = ctx.authorize::<DestroyRequest>(&s).await?;
    let version = match f.version.trim() {
        "" => None,
        v => match v.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                let e = Error::invalid("version", "a version is a positive number (or empty for the whole resource)");
                return request_page(&ctx, &code, f.version, f.reason, Some(e));
            }
        },
    };
    let input = DestroyInput { version, reason: f.reason.clone() };
    match s.ingest.request_destruction(&pass, &code, &input).await {
        Ok(d) => Ok(redirect(&format!("/security/destructions/{}?done=requested", d.id))),
        Err(e) if shown_on_form(&e) => request_page(&ctx, &code, f.version, f.reason, Some(e)),
        Err(e) => Err(ctx.fail(e)),
    }
}

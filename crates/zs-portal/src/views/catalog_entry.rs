//! The entry page: every element of the guideline, the items, a notice for a change in progress,
//! the workflow buttons the caller's role and the entry's state allow, and the history.
//!
//! Workflow forms post to `/catalog/entries/{id}/{submit,withdraw,obligation,approve,return}`;
//! a refused step (a missing reason, a conflict, reviewing one's own submission) shows the
//! service's error beside the form that caused it.

use crate::forms::{PortalForm, PortalQuery};
use crate::page::{is_form_error, redirect, render, urlencode, Chrome, FormError, Opt, PageResult};
use crate::session::Ctx;
use crate::views::catalog_common::{
    entry_id, event_key, fmt_rfc3339, notice_text, status_badge, tabs, version_state_key, Tab, Vocab,
};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use zs_catalog::deadlines::{ObligationReason, RaiseObligation};
use zs_catalog::history::History;
use zs_catalog::{classification, Entry, EntryStatus};
use zs_http::AppState;
use zs_identity::policy::{CatalogEdit, CatalogObligation, CatalogRead, CatalogReview};
use zs_types::{Error, ErrorCode};

/// One data item as shown.
pub struct ItemView {
    name: String,
    label: String,
    data_type: &'static str,
    length: String,
    key: bool,
    element: String,
    level: &'static str,
    sharing: &'static str,
    open: &'static str,
}

/// A related resource, linked by its code.
pub struct Related {
    code: String,
    href: String,
}

/// One version in the history.
pub struct VersionView {
    version: i64,
    state_key: &'static str,
    withdrawal: bool,
    name: String,
    created: String,
    review_note: String,
    diff_href: String,
}

/// One event in the history.
pub struct EventView {
    version: i64,
    action_key: &'static str,
    actor: String,
    at: String,
    reason: String,
}

/// A change or withdrawal of a published entry in progress.
pub struct Pending {
    /// Text key of the notice.
    key: &'static str,
    /// The pending version.
    version: i64,
    /// Text key of its state (empty when the caller may not see it).
    state: &'static str,
}

/// Which workflow forms the page offers.
#[derive(Default)]
pub struct Actions {
    edit: bool,
    submit: bool,
    withdraw: bool,
    obligation: bool,
    review: bool,
    /// A data user may apply for a published entry (共享申请).
    apply: bool,
}

impl Actions {
    fn any(&self) -> bool {
        self.edit || self.submit || self.withdraw || self.obligation || self.review || self.apply
    }
}

#[derive(Template)]
#[template(path = "catalog_entry.html")]
struct EntryPage {
    c: Chrome,
    tabs: Vec<Tab>,
    notice: String,
    e: Entry,
    status_label: &'static str,
    status_class: &'static str,
    class_label: String,
    class_code: String,
    format_kind: &'static str,
    sharing_kind: &'static str,
    sharing_method: &'static str,
    open_kind: &'static str,
    update_cycle: &'static str,
    security_level: &'static str,
    updated: String,
    related: Vec<Related>,
    items: Vec<ItemView>,
    /// A change or withdrawal of a published entry in progress.
    pending: Option<Pending>,
    pending_diff: String,
    return_reason: String,
    actions: Actions,
    reasons: Vec<Opt>,
    versions: Vec<VersionView>,
    events: Vec<EventView>,
    /// The form whose step failed (`submit`, `withdraw`, `obligation`, `approve`, `return`).
    error_form: &'static str,
    error: Option<FormError>,
    kept_reason: String,
    kept_note: String,
}

/// A workflow step posted from the entry page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StepForm {
    csrf: String,
    /// Optional note (submit, approve) or the change obligation's description.
    note: String,
    /// Mandatory reason (withdrawal, return) or the obligation's reason code.
    reason: String,
}

/// Query of the entry page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EntryQuery {
    notice: String,
}

fn items(lang: crate::i18n::Lang, e: &Entry) -> Vec<ItemView> {
    e.body
        .items
        .iter()
        .map(|i| ItemView {
            name: i.name.clone(),
            label: i.label.clone(),
            data_type: i.data_type.label(lang),
            length: i.length.map(|l| l.to_string()).unwrap_or_default(),
            key: i.key,
            element: i.element.clone().unwrap_or_default(),
            level: i.security_level.label(lang),
            sharing: i.sharing.label(lang),
            open: i.open.label(lang),
        })
        .collect()
}

/// The history as shown, with a diff link from each version to the one before it.
fn history_views(id: i64, h: &History) -> (Vec<VersionView>, Vec<EventView>) {
    let mut versions = Vec::with_capacity(h.versions.len());
    let mut prev: Option<i64> = None;
    for v in &h.versions {
        let diff_href = match prev {
            Some(p) if !v.withdrawal => format!("/catalog/entries/{id}/diff?from={p}&to={}", v.version),
            _ => String::new(),
        };
        if !v.withdrawal {
            prev = Some(v.version);
        }
        versions.push(VersionView {
            version: v.version,
            state_key: version_state_key(&v.state),
            withdrawal: v.withdrawal,
            name: v.name.clone(),
            created: fmt_rfc3339(&v.created_at),
            review_note: v.review_note.clone().unwrap_or_default(),
            diff_href,
        });
    }
    let events = h
        .events
        .iter()
        .map(|ev| EventView {
            version: ev.version,
            action_key: event_key(&ev.action),
            actor: ev.actor.clone().or_else(|| ev.actor_id.map(|a| format!("#{a}"))).unwrap_or_else(|| "—".into()),
            at: fmt_rfc3339(&ev.at),
            reason: ev.reason.clone().unwrap_or_default(),
        })
        .collect();
    (versions, events)
}

/// The options of a change obligation's reason.
pub fn reason_options(ctx: &Ctx, selected: &str) -> Vec<Opt> {
    [ObligationReason::Law, ObligationReason::Duty, ObligationReason::System]
        .into_iter()
        .map(|r| Opt {
            value: r.as_str().to_owned(),
            label: ctx.t(crate::views::catalog_common::reason_key(r.as_str())).to_owned(),
            selected: r.as_str() == selected,
        })
        .collect()
}

/// Render the entry page, with the error of a failed workflow step if any.
async fn page(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
    notice: String,
    failed: Option<(&'static str, Error, StepForm)>,
) -> PageResult {
    let read = ctx.authorize::<CatalogRead>(s).await?;
    let e = s.catalog.get(&read, id).await.map_err(|e| ctx.fail(e))?;
    let h = s.catalog.history(&read, id).await.map_err(|e| ctx.fail(e))?;
    let lang = ctx.lang;
    let p = &ctx.principal;
    let state_of = |v: i64| h.versions.iter().find(|x| x.version == v).map(|x| x.state.as_str()).unwrap_or("");
    let pending_state = e.pending_version.map(state_of).unwrap_or("");
    let in_scope = e.owner_path.starts_with(p.scope_path());
    let owner = ctx.allows("catalog.edit") && e.org_id == p.org.id.0;
    let actions = Actions {
        edit: owner && e.status != EntryStatus::Withdrawn && pending_state != "submitted" && !e.pending_withdrawal,
        submit: owner && matches!(pending_state, "draft" | "returned"),
        withdraw: owner && e.status == EntryStatus::Published && e.pending_version.is_none(),
        obligation: ctx.allows("catalog.obligation") && in_scope && e.status != EntryStatus::Withdrawn,
        review: ctx.allows("catalog.review") && in_scope && pending_state == "submitted",
        apply: ctx.allows("share.apply") && e.status == EntryStatus::Published,
    };
    let pending = match (e.published_version, e.pending_version) {
        (Some(_), Some(version)) => Some(Pending {
            key: if e.pending_withdrawal { "cat.entry.pending_withdrawal" } else { "cat.entry.pending_change" },
            version,
            // Outside the provider's scope the history does not show the pending version.
            state: if pending_state.is_empty() { "" } else { version_state_key(pending_state) },
        }),
        _ => None,
    };
    let pending_diff = match (e.published_version, e.pending_version) {
        (Some(a), Some(b)) if !e.pending_withdrawal && in_scope => {
            format!("/catalog/entries/{id}/diff?from={a}&to={b}")
        }
        _ => String::new(),
    };
    let return_reason = if pending_state == "returned" {
        h.events
            .iter()
            .rev()
            .find(|ev| ev.action == "return" && Some(ev.version) == e.pending_version)
            .and_then(|ev| ev.reason.clone())
            .unwrap_or_default()
    } else {
        String::new()
    };
    let (versions, events) = history_views(id, &h);
    let related = e
        .body
        .related
        .iter()
        .map(|code| Related { code: code.clone(), href: format!("/catalog/by-code?code={}", urlencode(code)) })
        .collect();
    let (status_label, status_class) = status_badge(lang, e.status);
    let (error_form, error, kept) = match failed {
        Some((form, err, kept)) => (form, Some(FormError::new(lang, &err)), kept),
        None => ("", None, StepForm::default()),
    };
    // An error of a form the page no longer offers (e.g. approving twice) is shown on top.
    let shown = match error_form {
        "submit" => actions.submit,
        "withdraw" => actions.withdraw,
        "obligation" => actions.obligation,
        "approve" | "return" => actions.review,
        _ => false,
    };
    let error_form = if shown { error_form } else { "" };
    let page = EntryPage {
        c: ctx.chrome("catalog"),
        tabs: tabs(ctx, ""),
        notice,
        status_label,
        status_class,
        class_label: classification::label(&e.body.classification),
        class_code: classification::prefix(&e.body.classification),
        format_kind: e.body.format.kind.label(lang),
        sharing_kind: e.body.sharing.kind.label(lang),
        sharing_method: e.body.sharing.method.label(lang),
        open_kind: e.body.open.kind.label(lang),
        update_cycle: e.body.update_cycle.label(lang),
        security_level: e.security_level.label(lang),
        updated: fmt_rfc3339(&e.updated_at),
        related,
        items: items(lang, &e),
        pending,
        pending_diff,
        return_reason,
        reasons: reason_options(ctx, if error_form == "obligation" { &kept.reason } else { "" }),
        actions,
        versions,
        events,
        error_form,
        error,
        kept_reason: kept.reason,
        kept_note: kept.note,
        e,
    };
    let status = match &page.error {
        Some(fe) => ErrorCode::ALL
            .iter()
            .find(|c| c.as_str() == fe.code)
            .and_then(|c| StatusCode::from_u16(c.http_status()).ok())
            .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
        None => StatusCode::OK,
    };
    Ok(render(status, &page))
}

/// `GET /catalog/entries/{id}`.
pub async fn show(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    PortalQuery(q): PortalQuery<EntryQuery>,
) -> PageResult {
    let id = entry_id(&ctx, &raw)?;
    page(&s, &ctx, id, notice_text(ctx.lang, &q.notice), None).await
}

/// `GET /catalog/by-code?code=…`: the entry with a resource code (links of 关联资源).
pub async fn by_code(
    State(s): State<AppState>,
    ctx: Ctx,
    PortalQuery(q): PortalQuery<std::collections::HashMap<String, String>>,
) -> PageResult {
    let read = ctx.authorize::<CatalogRead>(&s).await?;
    let code = q.get("code").map(|c| c.trim()).unwrap_or("");
    let e = s.catalog.get_by_code(&read, code).await.map_err(|e| ctx.fail(e))?;
    Ok(redirect(&format!("/catalog/entries/{}", e.id)))
}

/// The workflow steps of the entry page.
#[derive(Clone, Copy)]
enum Step {
    Submit,
    Withdraw,
    Obligation,
    Approve,
    Return,
}

impl Step {
    fn form(self) -> &'static str {
        match self {
            Step::Submit => "submit",
            Step::Withdraw => "withdraw",
            Step::Obligation => "obligation",
            Step::Approve => "approve",
            Step::Return => "return",
        }
    }
}

/// What a successful step leads to.
enum Done {
    /// Back to the entry page with this notice.
    Notice(&'static str),
    /// To the deadline board, highlighting the new obligation.
    Obligation(i64),
}

fn optional(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

async fn step(s: AppState, ctx: Ctx, raw: String, f: StepForm, step: Step) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let id = entry_id(&ctx, &raw)?;
    let done: Result<Done, Error> = match step {
        Step::Submit => {
            let pass = ctx.authorize::<CatalogEdit>(&s).await?;
            s.catalog.submit(&pass, id, optional(&f.note)).await.map(|_| Done::Notice("submitted"))
        }
        Step::Withdraw => {
            let pass = ctx.authorize::<CatalogEdit>(&s).await?;
            s.catalog.request_withdrawal(&pass, id, &f.reason).await.map(|_| Done::Notice("withdrawal_requested"))
        }
        Step::Approve => {
            let pass = ctx.authorize::<CatalogReview>(&s).await?;
            s.catalog.approve(&pass, id, optional(&f.note)).await.map(|_| Done::Notice("approved"))
        }
        Step::Return => {
            let pass = ctx.authorize::<CatalogReview>(&s).await?;
            s.catalog.return_for_correction(&pass, id, &f.reason).await.map(|_| Done::Notice("returned"))
        }
        Step::Obligation => {
            let pass = ctx.authorize::<CatalogObligation>(&s).await?;
            match ObligationReason::parse(f.reason.trim()) {
                Some(reason) => s
                    .catalog
                    .raise_obligation(&pass, id, RaiseObligation { reason, note: f.note.clone() })
                    .await
                    .map(|o| Done::Obligation(o.id)),
                None => Err(Error::invalid("reason", "choose the reason of the change obligation")),
            }
        }
    };
    match done {
        Ok(Done::Notice(notice)) => Ok(redirect(&format!("/catalog/entries/{id}?notice={notice}"))),
        Ok(Done::Obligation(oid)) => {
            Ok(redirect(&format!("/catalog/deadlines?notice=obligation_raised&created={oid}#obligation-{oid}")))
        }
        Err(e) if is_form_error(&e) || matches!(e.code, ErrorCode::Conflict | ErrorCode::Forbidden) => {
            page(&s, &ctx, id, String::new(), Some((step.form(), e, f))).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// `POST /catalog/entries/{id}/submit`.
pub async fn submit(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    PortalForm(f): PortalForm<StepForm>,
) -> PageResult {
    step(s, ctx, raw, f, Step::Submit).await
}

/// `POST /catalog/entries/{id}/withdraw`: ask for withdrawal (下架) with a reason.
pub async fn withdraw(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    PortalForm(f): PortalForm<StepForm>,
) -> PageResult {
    step(s, ctx, raw, f, Step::Withdraw).await
}

/// `POST /catalog/entries/{id}/obligation`: raise a change obligation (reason + note).
pub async fn obligation(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    PortalForm(f): PortalForm<StepForm>,
) -> PageResult {
    step(s, ctx, raw, f, Step::Obligation).await
}

/// `POST /catalog/entries/{id}/approve`.
pub async fn approve(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    PortalForm(f): PortalForm<StepForm>,
) -> PageResult {
    step(s, ctx, raw, f, Step::Approve).await
}

/// `POST /catalog/entries/{id}/return`: return for correction with a mandatory reason.
pub async fn return_for_correction(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    PortalForm(f): PortalForm<StepForm>,
) -> PageResult {
    step(s, ctx, raw, f, Step::Return).await
}

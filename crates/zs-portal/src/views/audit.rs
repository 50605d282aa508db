//! The audit trail, newest first, filtered by action prefix and paged backwards by sequence.

use crate::forms::PortalQuery;
use crate::page::{fmt_time, render, urlencode, Chrome, PageResult};
use crate::session::Ctx;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use zs_http::AppState;
use zs_identity::policy::AuditRead;
use zs_types::model::AuditRecord;
use zs_types::{Error, Outcome};

/// Records per page.
const PAGE: i64 = 50;

/// Query parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuditParams {
    action: String,
    before: String,
}

/// One record in the table.
pub struct AuditRow {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    target: String,
    outcome: &'static str,
    outcome_key: &'static str,
    outcome_class: &'static str,
    detail: String,
    request_id: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    action: String,
    prefixes: Vec<&'static str>,
    rows: Vec<AuditRow>,
    older_href: String,
    newest_href: String,
}

fn outcome_style(o: Outcome) -> (&'static str, &'static str) {
    match o {
        Outcome::Allowed => ("outcome.allowed", "blue"),
        Outcome::Denied => ("outcome.denied", "red"),
        Outcome::Succeeded => ("outcome.succeeded", "green"),
        Outcome::Failed => ("outcome.failed", "amber"),
    }
}

fn row(ctx: &Ctx, r: &AuditRecord) -> AuditRow {
    let e = &r.event;
    let (outcome_key, outcome_class) = outcome_style(e.outcome);
    let actor = match (e.actor_user, e.actor_org) {
        (Some(u), Some(o)) => format!("{} #{u} · {} #{o}", ctx.t("audit.user"), ctx.t("audit.org")),
        (Some(u), None) => format!("{} #{u}", ctx.t("audit.user")),
        (None, Some(o)) => format!("{} · {} #{o}", ctx.t("audit.operator"), ctx.t("audit.org")),
        (None, None) => "—".to_owned(),
    };
    let mut detail = match &e.detail {
        serde_json::Value::Object(m) if m.is_empty() => String::new(),
        serde_json::Value::Null => String::new(),
        v => v.to_string(),
    };
    if detail.chars().count() > 200 {
        detail = detail.chars().take(200).chain(std::iter::once('…')).collect();
    }
    AuditRow {
        seq: r.seq,
        at: fmt_time(e.at),
        actor,
        action: e.action.clone(),
        target: e.target.clone().unwrap_or_default(),
        outcome: e.outcome.as_str(),
        outcome_key,
        outcome_class,
        detail,
        request_id: e.request_id.clone().unwrap_or_default(),
    }
}

/// `GET /audit?action=PREFIX&before=SEQ`.
pub async fn show(State(s): State<AppState>, ctx: Ctx, PortalQuery(p): PortalQuery<AuditParams>) -> PageResult {
    let pass = ctx.authorize::<AuditRead>(&s).await?;
    let before = match p.before.trim() {
        "" => None,
        b => {
            Some(b.parse::<i64>().map_err(|_| ctx.fail(Error::invalid("before", "before must be a sequence number")))?)
        }
    };
    let action = p.action.trim().to_owned();
    let q = zs_meta::AuditQuery {
        before_seq: before,
        action_prefix: (!action.is_empty()).then(|| action.clone()),
        actor_user: None,
        limit: PAGE,
    };
    let records = s.identity.read_audit(&pass, &q).await.map_err(|e| ctx.fail(e))?;
    let rows: Vec<AuditRow> = records.iter().map(|r| row(&ctx, r)).collect();
    let filter = if action.is_empty() { String::new() } else { format!("action={}&", urlencode(&action)) };
    let older_href = match rows.last() {
        Some(last) if rows.len() as i64 == PAGE && last.seq > 1 => format!("/audit?{filter}before={}", last.seq),
        _ => String::new(),
    };
    let newest_href = if before.is_some() { format!("/audit?{}", filter.trim_end_matches('&')) } else { String::new() };
    let page = AuditPage {
        c: ctx.chrome("audit"),
        action,
        prefixes: vec!["auth.", "user.", "org.", "credential.", "audit.", "me.", "stats."],
        rows,
        older_href,
        newest_href,
    };
    Ok(render(StatusCode::OK, &page))
}

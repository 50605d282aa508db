//! Security alerts (异常告警): the list of the area's alerts with the open counts, one alert with
//! its facts and evidence, and — for security administrators — the responses (acknowledge,
//! dismiss with a reason, suspend the credential or grant, reinstate what a suspension stopped).
//! A refused response (no reason, answered meanwhile) re-renders the alert with the message
//! next to the form. Audit administrators read only; the system administrator has no access
//! (三员分立).

use crate::forms::{PortalForm, PortalQuery};
use crate::page::{fmt_time, redirect, render, Chrome, FormError, PageResult};
use crate::session::Ctx;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use zs_anomaly::service::AlertFilter;
use zs_anomaly::{AlertView, RespondInput};
use zs_http::AppState;
use zs_identity::policy::{AlertHandle, AlertRead};
use zs_types::Error;

/// List filters.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListParams {
    state: String,
    rule: String,
    before: String,
}

/// The detail page's query: which response was just taken.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DetailParams {
    done: String,
}

/// The response form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RespondForm {
    csrf: String,
    action: String,
    reason: String,
    revision: String,
}

/// An option of a select.
pub struct Opt {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

/// Open alerts of one severity.
pub struct OpenCount {
    severity: String,
    label: &'static str,
    count: i64,
}

/// One alert as a row.
pub struct Row {
    id: i64,
    at: String,
    severity: String,
    severity_label: &'static str,
    rule_key: String,
    state: String,
    state_key: String,
    subject: String,
    org: String,
    address: String,
    facts: String,
}

fn row(ctx: &Ctx, v: &AlertView) -> Row {
    let a = &v.alert;
    Row {
        id: a.id,
        at: fmt_time(zs_types::clock::from_ms(a.created_at)),
        severity: a.severity.clone(),
        severity_label: ctx.t(&format!("alerts.severity.{}", a.severity)),
        rule_key: format!("alerts.rule.{}", a.rule),
        state: a.state.clone(),
        state_key: format!("alerts.state.{}", a.state),
        subject: a.subject.clone(),
        org: v.org_name.clone().unwrap_or_else(|| ctx.t("alerts.no_org").to_owned()),
        address: a.address.clone().unwrap_or_default(),
        facts: facts(&a.facts),
    }
}

/// `key=value` pairs of the facts (counts, thresholds, baseline).
fn facts(v: &serde_json::Value) -> String {
    v.as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| format!("{k}={}", v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
                .collect::<Vec<_>>()
                .join(" · ")
        })
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "security_alerts.html")]
struct ListPage {
    c: Chrome,
    states: Vec<Opt>,
    rules: Vec<Opt>,
    open: Vec<OpenCount>,
    rows: Vec<Row>,
    next: String,
}

/// `GET /security/alerts?state=&rule=&before=`.
pub async fn list(State(s): State<AppState>, ctx: Ctx, PortalQuery(p): PortalQuery<ListParams>) -> PageResult {
    let pass = ctx.authorize::<AlertRead>(&s).await?;
    let state = if p.state.is_empty() { "active".to_owned() } else { p.state.clone() };
    let before = match p.before.trim() {
        "" => None,
        b => Some(b.parse::<i64>().map_err(|_| ctx.fail(Error::invalid("before", "before must be a number")))?),
    };
    let f = AlertFilter {
        state: Some(state.clone()),
        rule: Some(p.rule.clone()).filter(|r| !r.is_empty()),
        before,
        limit: Some(50),
    };
    let list = s.anomaly.list(&pass, &f).await.map_err(|e| ctx.fail(e))?;
    let next = list
        .next_before
        .map(|b| {
            format!(
                "/security/alerts?state={}&rule={}&before={b}",
                crate::page::urlencode(&state),
                crate::page::urlencode(&p.rule)
            )
        })
        .unwrap_or_default();
    let page = ListPage {
        c: ctx.chrome("security-alerts"),
        states: ["active", "open", "acknowledged", "dismissed", "suspended", "reinstated", "all"]
            .into_iter()
            .map(|v| Opt { value: v, label: ctx.t(&format!("alerts.filter.{v}")), selected: v == state })
            .collect(),
        rules: zs_anomaly::rules::Rule::ALL
            .iter()
            .map(|r| Opt {
                value: r.as_str(),
                label: ctx.t(&format!("alerts.rule.{}", r.as_str())),
                selected: r.as_str() == p.rule,
            })
            .collect(),
        open: list
            .open
            .into_iter()
            .map(|(sev, count)| OpenCount { label: ctx.t(&format!("alerts.severity.{sev}")), severity: sev, count })
            .collect(),
        rows: list.alerts.iter().map(|v| row(&ctx, v)).collect(),
        next,
    };
    Ok(render(StatusCode::OK, &page))
}

/// One evidence record.
pub struct Evidence {
    seq: i64,
    at: String,
    action: String,
    outcome: &'static str,
    facts: String,
}

#[derive(Template)]
#[template(path = "security_alert.html")]
struct DetailPage {
    c: Chrome,
    r: Row,
    username: String,
    revision: i64,
    response_key: String,
    reason: String,
    handled_at: String,
    window: String,
    notice: &'static str,
    may_handle: bool,
    active: bool,
    may_ack: bool,
    may_reinstate: bool,
    credential: String,
    grant: String,
    evidence: Vec<Evidence>,
    error: Option<FormError>,
    /// The reason typed into the failed form, kept.
    reason_value: String,
}

/// `GET /security/alerts/{id}`.
pub async fn show(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PortalQuery(p): PortalQuery<DetailParams>,
) -> PageResult {
    let id = id.parse::<i64>().map_err(|_| ctx.fail(Error::not_found("alert")))?;
    detail(&s, &ctx, id, &p.done, None).await
}

/// The alert page, with a refused response's error and typed reason when there is one.
async fn detail(s: &AppState, ctx: &Ctx, id: i64, done: &str, failed: Option<(Error, String)>) -> PageResult {
    let pass = ctx.authorize::<AlertRead>(s).await?;
    let v = s.anomaly.get(&pass, id).await.map_err(|e| ctx.fail(e))?;
    let a = &v.alert;
    let active = matches!(a.state.as_str(), "open" | "acknowledged");
    let notice = match done {
        "acknowledge" => "alerts.done.acknowledge",
        "dismiss" => "alerts.done.dismiss",
        "suspend_credential" | "suspend_grant" => "alerts.done.suspend",
        "reinstate" => "alerts.done.reinstate",
        _ => "",
    };
    let (error, reason_value) = match failed {
        Some((e, r)) => (Some(FormError::new(ctx.lang, &e)), r),
        None => (None, String::new()),
    };
    let page = DetailPage {
        c: ctx.chrome("security-alerts"),
        r: row(ctx, &v),
        username: v.username.clone().unwrap_or_default(),
        revision: a.revision,
        response_key: a.response.as_ref().map(|r| format!("alerts.response.{r}")).unwrap_or_default(),
        reason: a.reason.clone().unwrap_or_default(),
        handled_at: a.handled_at.map(|t| fmt_time(zs_types::clock::from_ms(t))).unwrap_or_default(),
        window: format!(
            "{} – {}",
            fmt_time(zs_types::clock::from_ms(a.window_from)),
            fmt_time(zs_types::clock::from_ms(a.window_to))
        ),
        notice,
        may_handle: ctx.allows("alert.handle"),
        active,
        may_ack: a.state == "open",
        may_reinstate: a.state == "suspended",
        credential: a.credential_id.map(|c| c.to_string()).unwrap_or_default(),
        grant: a.grant_id.map(|g| g.to_string()).unwrap_or_default(),
        evidence: v
            .evidence
            .iter()
            .map(|r| Evidence {
                seq: r.seq,
                at: fmt_time(r.event.at),
                action: r.event.action.clone(),
                outcome: r.event.outcome.as_str(),
                facts: facts(&r.event.detail),
            })
            .collect(),
        error,
        reason_value,
    };
    Ok(render(crate::views::destruction::error_status(&page.error), &page))
}

/// `POST /security/alerts/{id}/respond`: acknowledge, dismiss or suspend; back to the alert.
pub async fn respond(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PortalForm(f): PortalForm<RespondForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<AlertHandle>(&s).await?;
    let id = id.parse::<i64>().map_err(|_| ctx.fail(Error::not_found("alert")))?;
    let input = RespondInput {
        action: f.action.clone(),
        reason: Some(f.reason.clone()).filter(|r| !r.trim().is_empty()),
        revision: f.revision.trim().parse().ok(),
    };
    match s.anomaly.respond(&pass, id, &input).await {
        Ok(_) => Ok(redirect(&format!("/security/alerts/{id}?done={}", crate::page::urlencode(&f.action)))),
        // A missing reason, an unknown action, an alert answered meanwhile or naming nothing
        // to suspend: the alert again, with the message next to the form.
        Err(e) if crate::views::destruction::shown_on_form(&e) => detail(&s, &ctx, id, "", Some((e, f.reason))).await,
        Err(e) => Err(ctx.fail(e)),
    }
}

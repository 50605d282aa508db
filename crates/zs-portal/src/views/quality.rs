//! Governance pages (数据治理): the quality dashboard with charts drawn on the server as inline
//! SVG, a resource's quality (scores, trend over versions, failures by rule with masked sample
//! values, the rules in force, re-check, 纠错), the ticket list and a ticket with its state
//! actions, and the department's Excel quality report.

use crate::forms::{PortalForm, PortalQuery};
use crate::page::{redirect, render, Chrome, FormError, PageResult};
use crate::session::Ctx;
use crate::views::resource::{download, XLSX};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use zs_govern::service::{CorrectionRequest, QualityView, RunView, TicketAction, TicketDetail, TicketView};
use zs_govern::{Dimension, Scores};
use zs_http::AppState;
use zs_identity::policy::{GovernManage, GovernRead, TicketHandle, TicketRead, TicketReport};
use zs_types::{Error, ErrorCode};

/// Chart geometry (view box units).
const WIDTH: i64 = 760;
const BAR_X: i64 = 230;
const BAR_W: i64 = 440;
const ROW_H: i64 = 24;
const TREND_H: i64 = 180;

/// One bar of a score chart.
pub struct Bar {
    pub(crate) y: i64,
    pub(crate) text_y: i64,
    pub(crate) label: String,
    pub(crate) full_label: String,
    pub(crate) w: i64,
    pub(crate) class: &'static str,
    pub(crate) value: String,
    pub(crate) value_x: i64,
}

/// A horizontal bar chart of scores (0–100).
pub struct BarChart {
    pub(crate) id: &'static str,
    pub(crate) title: &'static str,
    pub(crate) height: i64,
    pub(crate) bars: Vec<Bar>,
}

/// A line chart of the overall score over versions.
pub struct Trend {
    points: String,
    dots: Vec<(i64, i64, String)>,
    labels: Vec<(i64, String)>,
}

/// One dimension's score card.
pub struct ScoreCard {
    id: &'static str,
    label: &'static str,
    value: String,
    alert: bool,
}

fn fmt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "—".into())
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

fn bar_class(v: f64) -> &'static str {
    if v >= 95.0 {
        "bar-good"
    } else if v >= 80.0 {
        "bar-warn"
    } else {
        "bar-bad"
    }
}

pub(crate) fn bar_chart(id: &'static str, title: &'static str, rows: Vec<(String, Option<f64>)>) -> BarChart {
    let bars = rows
        .into_iter()
        .enumerate()
        .map(|(i, (label, v))| {
            let y = i as i64 * ROW_H + 4;
            let w = (v.unwrap_or(0.0) / 100.0 * BAR_W as f64).round() as i64;
            Bar {
                y,
                text_y: y + 15,
                label: short(&label, 14),
                full_label: label,
                w,
                class: bar_class(v.unwrap_or(0.0)),
                value: fmt(v),
                value_x: BAR_X + w + 6,
            }
        })
        .collect::<Vec<_>>();
    BarChart { id, title, height: (bars.len() as i64).max(1) * ROW_H + 8, bars }
}

fn cards(c: &Ctx, s: &Scores) -> Vec<ScoreCard> {
    let mut out: Vec<ScoreCard> = Dimension::ALL
        .iter()
        .map(|d| ScoreCard {
            id: d.as_str(),
            label: c.t(&format!("q.dim.{}", d.as_str())),
            value: fmt(s.get(*d)),
            alert: s.get(*d).is_some_and(|v| v < 95.0),
        })
        .collect();
    out.push(ScoreCard {
        id: "overall",
        label: c.t("q.overall"),
        value: fmt(s.overall),
        alert: s.overall.is_some_and(|v| v < 95.0),
    });
    out
}

fn trend(runs: &[RunView]) -> Option<Trend> {
    if runs.is_empty() {
        return None;
    }
    let n = runs.len() as i64;
    let step = if n > 1 { BAR_W / (n - 1) } else { 0 };
    let y_of = |v: f64| TREND_H - 20 - ((v / 100.0) * (TREND_H - 40) as f64).round() as i64;
    let mut points = Vec::new();
    let mut dots = Vec::new();
    let mut labels = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        let x = 60 + i as i64 * step;
        let v = r.scores.overall.unwrap_or(0.0);
        let y = y_of(v);
        points.push(format!("{x},{y}"));
        dots.push((x, y, format!("v{}: {}", r.version, fmt(r.scores.overall))));
        if n <= 12 || i as i64 % ((n / 12) + 1) == 0 || i as i64 == n - 1 {
            labels.push((x, format!("v{}", r.version)));
        }
    }
    Some(Trend { points: points.join(" "), dots, labels })
}

/// A ticket as the lists show it (labels translated).
pub struct TRow {
    id: i64,
    title: String,
    provider: String,
    kind: &'static str,
    state: String,
    state_label: &'static str,
    severity: &'static str,
    failed: i64,
    deadline: String,
    overdue: bool,
}

fn trow(ctx: &Ctx, t: &TicketView) -> TRow {
    TRow {
        id: t.id,
        title: t.title.clone(),
        provider: t.provider.clone(),
        kind: ctx.t(&format!("q.kind.{}", t.kind)),
        state: t.state.clone(),
        state_label: ctx.t(&format!("q.state.{}", t.state)),
        severity: ctx.t(&format!("q.sev.{}", t.severity)),
        failed: t.failed,
        deadline: t.deadline.clone(),
        overdue: t.overdue,
    }
}

/// A rule's result as the resource page shows it.
pub struct RuleRow {
    key: String,
    field: String,
    kind: String,
    dimension: &'static str,
    severity: &'static str,
    checked: u64,
    failed: u64,
    samples: Vec<String>,
}

fn rule_rows(ctx: &Ctx, q: &QualityView) -> Vec<RuleRow> {
    q.rules
        .iter()
        .map(|r| RuleRow {
            key: r.key.clone(),
            field: r.field.clone(),
            kind: r.kind.clone(),
            dimension: ctx.t(&format!("q.dim.{}", r.dimension.as_str())),
            severity: ctx.t(&format!("q.sev.{}", r.severity.as_str())),
            checked: r.checked,
            failed: r.failed,
            samples: r
                .samples
                .iter()
                .map(|sm| {
                    let mut t = if sm.row > 0 { format!("{} {}", ctx.t("q.row"), sm.row) } else { String::new() };
                    if let Some(v) = &sm.value {
                        t.push_str(&format!(" 「{v}」"));
                    }
                    if let Some(o) = &sm.other {
                        t.push_str(&format!(" ↔ 「{o}」"));
                    }
                    t.push_str(&format!("：{}", sm.reason));
                    t
                })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "quality_dashboard.html")]
struct DashboardPage {
    c: Chrome,
    cards: Vec<ScoreCard>,
    charts: Vec<BarChart>,
    departments: Vec<DeptRow>,
    resources: Vec<ResRow>,
    open_tickets: usize,
    overdue_tickets: usize,
}

/// A department row.
pub struct DeptRow {
    id: i64,
    name: String,
    resources: usize,
    rows: i64,
    scores: Vec<String>,
    open: usize,
    overdue: usize,
}

/// A resource row.
pub struct ResRow {
    href: String,
    code: String,
    name: String,
    provider: String,
    version: i64,
    rows: i64,
    blocked: i64,
    scores: Vec<String>,
}

fn score_cells(s: &Scores) -> Vec<String> {
    Dimension::ALL.iter().map(|d| fmt(s.get(*d))).chain([fmt(s.overall)]).collect()
}

/// `GET /quality`: the dashboard.
pub async fn dashboard(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    let pass = ctx.authorize::<GovernRead>(&s).await?;
    let d = s.govern.dashboard(&pass).await.map_err(|e| ctx.fail(e))?;
    let dims: Vec<(String, Option<f64>)> =
        Dimension::ALL.iter().map(|x| (ctx.t(&format!("q.dim.{}", x.as_str())).to_owned(), d.city.get(*x))).collect();
    let depts: Vec<(String, Option<f64>)> = d.departments.iter().map(|x| (x.name.clone(), x.scores.overall)).collect();
    let page = DashboardPage {
        c: ctx.chrome("quality"),
        cards: cards(&ctx, &d.city),
        charts: vec![
            bar_chart("chart-dimensions", "q.chart_dimensions", dims),
            bar_chart("chart-departments", "q.chart_departments", depts),
        ],
        departments: d
            .departments
            .iter()
            .map(|x| DeptRow {
                id: x.org_id,
                name: x.name.clone(),
                resources: x.resources,
                rows: x.rows,
                scores: score_cells(&x.scores),
                open: x.open_tickets,
                overdue: x.overdue_tickets,
            })
            .collect(),
        resources: d
            .resources
            .iter()
            .map(|r| ResRow {
                href: format!("/resources/{}/quality", r.code),
                code: r.code.clone(),
                name: r.name.clone(),
                provider: r.provider.clone(),
                version: r.latest.version,
                rows: r.latest.rows,
                blocked: r.latest.blocked,
                scores: score_cells(&r.latest.scores),
            })
            .collect(),
        open_tickets: d.open_tickets,
        overdue_tickets: d.overdue_tickets,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "quality_resource.html")]
struct ResourcePage {
    c: Chrome,
    q: QualityView,
    rules: Vec<RuleRow>,
    open: Vec<TRow>,
    base: String,
    cards: Vec<ScoreCard>,
    trend: Option<Trend>,
    trend_h: i64,
    width: i64,
    rules_json: String,
    can_manage: bool,
    can_report: bool,
    error: Option<FormError>,
    notice: String,
}

fn code_of(ctx: &Ctx, class: &str, seq: &str) -> Result<String, crate::page::Reject> {
    let ok = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_alphanumeric());
    if ok(class) && ok(seq) {
        Ok(format!("{class}/{seq}"))
    } else {
        Err(ctx.fail(Error::not_found("resource")))
    }
}

/// Query of the resource page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoticeQuery {
    notice: String,
}

async fn resource_page(
    s: &AppState,
    ctx: &Ctx,
    code: &str,
    status: StatusCode,
    error: Option<Error>,
    notice: &str,
    rules_text: Option<String>,
) -> PageResult {
    let pass = ctx.authorize::<GovernRead>(s).await?;
    let q = s.govern.quality(&pass, code).await.map_err(|e| ctx.fail(e))?;
    let role = ctx.principal.user.role;
    let can_manage = zs_identity::policy::role_allows("govern.manage", role)
        && (role == zs_types::Role::PlatformOperator || ctx.principal.org.id.0 == q.org_id);
    let rules_json = rules_text.unwrap_or_else(|| serde_json::to_string_pretty(&q.rule_set).unwrap_or_default());
    let scores = q.latest.as_ref().map(|l| l.scores.clone()).unwrap_or_default();
    let notice = match notice {
        "checked" => ctx.t("q.notice.checked").to_owned(),
        "rules_saved" => ctx.t("q.notice.rules_saved").to_owned(),
        "reported" => ctx.t("q.notice.reported").to_owned(),
        _ => String::new(),
    };
    let page = ResourcePage {
        c: ctx.chrome("quality"),
        base: format!("/resources/{code}"),
        cards: cards(ctx, &scores),
        trend: trend(&q.trend),
        trend_h: TREND_H,
        width: WIDTH,
        rules_json,
        can_manage,
        can_report: zs_identity::policy::role_allows("ticket.report", role),
        error: error.map(|e| FormError::new(ctx.lang, &e)),
        notice,
        rules: rule_rows(ctx, &q),
        open: q.open_tickets.iter().map(|t| trow(ctx, t)).collect(),
        q,
    };
    Ok(render(status, &page))
}

/// `GET /resources/{class}/{seq}/quality`.
pub async fn resource(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((class, seq)): Path<(String, String)>,
    PortalQuery(n): PortalQuery<NoticeQuery>,
) -> PageResult {
    let code = code_of(&ctx, &class, &seq)?;
    resource_page(&s, &ctx, &code, StatusCode::OK, None, &n.notice, None).await
}

/// A form with only the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

fn form_error(e: &Error) -> bool {
    matches!(e.code, ErrorCode::InvalidInput | ErrorCode::Conflict | ErrorCode::Forbidden)
}

/// `POST /resources/{class}/{seq}/quality/check`: re-check now.
pub async fn check(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((class, seq)): Path<(String, String)>,
    PortalForm(f): PortalForm<CsrfForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let code = code_of(&ctx, &class, &seq)?;
    let pass = ctx.authorize::<GovernManage>(&s).await?;
    match s.govern.recheck(&pass, &code).await {
        Ok(_) => Ok(redirect(&format!("/resources/{code}/quality?notice=checked"))),
        Err(e) if form_error(&e) => {
            resource_page(&s, &ctx, &code, StatusCode::UNPROCESSABLE_ENTITY, Some(e), "", None).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// The rules form.
#[derive(Debug, Deserialize)]
pub struct RulesForm {
    csrf: String,
    rules: String,
}

/// `POST /resources/{class}/{seq}/quality/rules`: replace the rules (JSON).
pub async fn rules(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((class, seq)): Path<(String, String)>,
    PortalForm(f): PortalForm<RulesForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let code = code_of(&ctx, &class, &seq)?;
    let pass = ctx.authorize::<GovernManage>(&s).await?;
    let parsed: Result<Vec<zs_govern::Rule>, Error> = serde_json::from_str(&f.rules)
        .map_err(|e| Error::invalid("rules", format!("the rules are not valid JSON: {e}")));
    let result = match parsed {
        Ok(rules) => s.govern.set_rules(&pass, &code, &rules).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(redirect(&format!("/resources/{code}/quality?notice=rules_saved"))),
        Err(e) if form_error(&e) => {
            resource_page(&s, &ctx, &code, StatusCode::UNPROCESSABLE_ENTITY, Some(e), "", Some(f.rules)).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// The correction form (纠错).
#[derive(Debug, Deserialize)]
pub struct CorrectionForm {
    csrf: String,
    record_key: String,
    #[serde(default)]
    field: String,
    description: String,
}

/// `POST /resources/{class}/{seq}/corrections`.
pub async fn report_error(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((class, seq)): Path<(String, String)>,
    PortalForm(f): PortalForm<CorrectionForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let code = code_of(&ctx, &class, &seq)?;
    let pass = ctx.authorize::<TicketReport>(&s).await?;
    let req = CorrectionRequest {
        record_key: f.record_key,
        field: Some(f.field.trim().to_owned()).filter(|x| !x.is_empty()),
        description: f.description,
    };
    match s.govern.report_error(&pass, &code, &req).await {
        Ok(t) => Ok(redirect(&format!("/tickets/{}?notice=reported", t.id))),
        Err(e) if form_error(&e) => {
            resource_page(&s, &ctx, &code, StatusCode::UNPROCESSABLE_ENTITY, Some(e), "", None).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

#[derive(Template)]
#[template(path = "tickets.html")]
struct TicketsPage {
    c: Chrome,
    tickets: Vec<TRow>,
    open_only: bool,
}

/// Query of the ticket list.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TicketsQuery {
    all: String,
}

/// `GET /tickets[?all=1]`.
pub async fn tickets(State(s): State<AppState>, ctx: Ctx, PortalQuery(q): PortalQuery<TicketsQuery>) -> PageResult {
    let pass = ctx.authorize::<TicketRead>(&s).await?;
    let open_only = q.all.is_empty();
    let tickets = s.govern.tickets(&pass, None, open_only, 500).await.map_err(|e| ctx.fail(e))?;
    let tickets = tickets.iter().map(|t| trow(&ctx, t)).collect();
    Ok(render(StatusCode::OK, &TicketsPage { c: ctx.chrome("tickets"), tickets, open_only }))
}

#[derive(Template)]
#[template(path = "ticket.html")]
struct TicketPage {
    c: Chrome,
    d: TicketDetail,
    t: TRow,
    events: Vec<EventRow>,
    actions: Vec<(&'static str, &'static str)>,
    error: Option<FormError>,
    notice: String,
}

async fn ticket_page(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    error: Option<Error>,
    notice: &str,
) -> PageResult {
    let pass = ctx.authorize::<TicketRead>(s).await?;
    let d = s.govern.ticket(&pass, id).await.map_err(|e| ctx.fail(e))?;
    let actions = d.actions.iter().map(|a| (a.as_str(), ctx.t(&format!("q.action.{}", a.as_str())))).collect();
    let notice = match notice {
        "reported" => ctx.t("q.notice.reported").to_owned(),
        "done" => ctx.t("q.notice.done").to_owned(),
        _ => String::new(),
    };
    let events = d
        .events
        .iter()
        .map(|e| EventRow {
            when: zs_ingest::fmt_beijing_ms(e.at),
            actor: e.actor.clone(),
            action: e.action.clone(),
            state: ctx.t(&format!("q.state.{}", e.state)),
            note: e.note.clone(),
        })
        .collect();
    let page = TicketPage {
        c: ctx.chrome("tickets"),
        t: trow(ctx, &d.ticket),
        d,
        events,
        actions,
        error: error.map(|e| FormError::new(ctx.lang, &e)),
        notice,
    };
    Ok(render(status, &page))
}

/// One event of a ticket, formatted.
pub struct EventRow {
    when: String,
    actor: String,
    action: String,
    state: &'static str,
    note: Option<String>,
}

/// `GET /tickets/{id}`.
pub async fn ticket(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PortalQuery(n): PortalQuery<NoticeQuery>,
) -> PageResult {
    ticket_page(&s, &ctx, id, StatusCode::OK, None, &n.notice).await
}

/// A ticket action form.
#[derive(Debug, Deserialize)]
pub struct ActionForm {
    csrf: String,
    action: String,
    #[serde(default)]
    note: String,
}

/// `POST /tickets/{id}/action`.
pub async fn act(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PortalForm(f): PortalForm<ActionForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<TicketHandle>(&s).await?;
    let result = match TicketAction::parse(&f.action) {
        Some(a) => s.govern.ticket_action(&pass, id, a, Some(f.note)).await.map(|_| ()),
        None => Err(Error::invalid("action", format!("unknown action '{}'", f.action))),
    };
    match result {
        Ok(()) => Ok(redirect(&format!("/tickets/{id}?notice=done"))),
        Err(e) if form_error(&e) => ticket_page(&s, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(e), "").await,
        Err(e) => Err(ctx.fail(e)),
    }
}

/// `GET /quality/departments/{id}/report.xlsx`.
pub async fn department_report(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> PageResult {
    let pass = ctx.authorize::<GovernRead>(&s).await?;
    let (name, bytes) = s.govern.department_report(&pass, id).await.map_err(|e| ctx.fail(e))?;
    Ok(download(XLSX, &name, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_trend() {
        let ch =
            bar_chart("x", "q.chart_dimensions", vec![("完整性".into(), Some(100.0)), ("有效性".into(), Some(50.0))]);
        assert_eq!(ch.bars[0].w, BAR_W);
        assert_eq!(ch.bars[1].w, BAR_W / 2);
        assert_eq!(ch.bars[1].class, "bar-bad");
        assert_eq!(fmt(None), "—");
        let runs = vec![
            RunView {
                version: 1,
                trigger: "hand_in".into(),
                rows: 1,
                blocked: 0,
                files_scanned: 1,
                scores: Scores { overall: Some(90.0), ..Default::default() },
                ran_at: 0,
            },
            RunView {
                version: 2,
                trigger: "hand_in".into(),
                rows: 1,
                blocked: 0,
                files_scanned: 1,
                scores: Scores { overall: Some(100.0), ..Default::default() },
                ran_at: 0,
            },
        ];
        let t = trend(&runs).map(|t| t.points).unwrap_or_default();
        assert_eq!(t.split(' ').count(), 2);
    }
}

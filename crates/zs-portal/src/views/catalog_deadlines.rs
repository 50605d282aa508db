//! The deadline board: change obligations with their working-day deadlines, counted per
//! department, and for operators the working-day calendar (holidays and 调休 working days).

use crate::forms::{PortalForm, PortalQuery};
use crate::page::{is_form_error, redirect, render, Chrome, FormError, Opt, PageResult};
use crate::session::Ctx;
use crate::views::catalog_common::{fmt_rfc3339, notice_text, reason_key, tabs, Tab};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use zs_catalog::calendar::{beijing_date, DayKind};
use zs_catalog::deadlines::Obligation;
use zs_http::AppState;
use zs_identity::policy::{CalendarManage, CatalogRead};

/// Query of the board.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BoardQuery {
    /// `1`: include met obligations.
    all: String,
    notice: String,
    /// Id of an obligation just raised.
    created: String,
}

/// One department's counts.
pub struct SummaryRow {
    org_id: i64,
    provider: String,
    due: usize,
    overdue: usize,
}

/// One obligation.
pub struct ObligationRow {
    id: i64,
    entry_id: i64,
    code: String,
    name: String,
    provider: String,
    reason_key: &'static str,
    note: String,
    raised: String,
    due_date: String,
    days_left: i64,
    overdue: bool,
    fulfilled: bool,
    highlight: bool,
}

/// A listed day of the calendar.
pub struct DayRow {
    day: String,
    kind_key: &'static str,
    holiday: bool,
    name: String,
}

/// The add-a-day form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DayForm {
    csrf: String,
    day: String,
    kind: String,
    name: String,
}

#[derive(Template)]
#[template(path = "catalog_deadlines.html")]
struct BoardPage {
    c: Chrome,
    tabs: Vec<Tab>,
    notice: String,
    all: bool,
    today: String,
    total_due: usize,
    total_overdue: usize,
    summary: Vec<SummaryRow>,
    rows: Vec<ObligationRow>,
    can_calendar: bool,
    year: i32,
    days: Vec<DayRow>,
    kinds: Vec<Opt>,
    form: DayForm,
    error: Option<FormError>,
}

fn day_kind_key(k: DayKind) -> &'static str {
    match k {
        DayKind::Holiday => "cat.day.holiday",
        DayKind::Workday => "cat.day.workday",
    }
}

fn row(o: Obligation, highlight: Option<i64>) -> ObligationRow {
    ObligationRow {
        highlight: highlight == Some(o.id),
        id: o.id,
        entry_id: o.entry_id,
        code: o.code,
        name: o.name,
        provider: o.provider,
        reason_key: reason_key(&o.reason),
        note: o.note,
        raised: fmt_rfc3339(&o.raised_at),
        due_date: o.due_date,
        days_left: o.working_days_left,
        overdue: o.overdue,
        fulfilled: o.fulfilled,
    }
}

async fn page(
    s: &AppState,
    ctx: &Ctx,
    q: &BoardQuery,
    form: DayForm,
    error: Option<FormError>,
    status: StatusCode,
) -> PageResult {
    let read = ctx.authorize::<CatalogRead>(s).await?;
    let all = q.all == "1";
    let (list, summary) = s.catalog.deadlines(&read, all).await.map_err(|e| ctx.fail(e))?;
    let highlight = q.created.parse::<i64>().ok();
    let today = beijing_date(s.catalog.now());
    let can_calendar = ctx.allows("calendar.manage");
    let days = if can_calendar {
        let cal = s.catalog.calendar().await.map_err(|e| ctx.fail(e))?;
        cal.listed(today.year())
            .into_iter()
            .map(|(d, k, name)| DayRow {
                day: d.to_string(),
                kind_key: day_kind_key(k),
                holiday: k == DayKind::Holiday,
                name,
            })
            .collect()
    } else {
        Vec::new()
    };
    let kinds = [DayKind::Holiday, DayKind::Workday]
        .into_iter()
        .map(|k| Opt {
            value: k.as_str().into(),
            label: ctx.t(day_kind_key(k)).into(),
            selected: form.kind == k.as_str(),
        })
        .collect();
    let mut notice = notice_text(ctx.lang, &q.notice);
    if let Some(o) = highlight.and_then(|h| list.iter().find(|o| o.id == h)) {
        if !notice.is_empty() {
            notice = format!("{notice} {} ({})", o.due_date, o.name);
        }
    }
    let page = BoardPage {
        c: ctx.chrome("deadlines"),
        tabs: tabs(ctx, "deadlines"),
        notice,
        all,
        today: today.to_string(),
        total_due: summary.iter().map(|x| x.due).sum(),
        total_overdue: summary.iter().map(|x| x.overdue).sum(),
        summary: summary
            .into_iter()
            .map(|x| SummaryRow { org_id: x.org_id, provider: x.provider, due: x.due, overdue: x.overdue })
            .collect(),
        rows: list.into_iter().map(|o| row(o, highlight)).collect(),
        can_calendar,
        year: today.year(),
        days,
        kinds,
        form,
        error,
    };
    Ok(render(status, &page))
}

/// `GET /catalog/deadlines[?all=1]`.
pub async fn show(State(s): State<AppState>, ctx: Ctx, PortalQuery(q): PortalQuery<BoardQuery>) -> PageResult {
    page(&s, &ctx, &q, DayForm::default(), None, StatusCode::OK).await
}

/// `POST /catalog/deadlines/calendar`: add or replace a holiday or 调休 working day.
pub async fn set_day(State(s): State<AppState>, ctx: Ctx, PortalForm(f): PortalForm<DayForm>) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<CalendarManage>(&s).await?;
    match s.catalog.set_calendar_day(&pass, &f.day, &f.kind, &f.name).await {
        Ok(()) => Ok(redirect(&format!("/catalog/deadlines?notice=day_saved#day-{}", f.day.trim()))),
        Err(e) if is_form_error(&e) => {
            let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            let fe = FormError::new(ctx.lang, &e);
            page(&s, &ctx, &BoardQuery::default(), f, Some(fe), status).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

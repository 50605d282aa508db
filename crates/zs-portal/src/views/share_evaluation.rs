//! The sharing evaluation page (共享评估): the month's ranking with the scores and the main rates
//! drawn as inline SVG bar charts (the quality dashboard's charts), the figures per department as
//! provider and consumer, refusals with reasons where the reader may see them, and the Excel
//! export.

use crate::forms::PortalQuery;
use crate::page::{render, Chrome, PageResult};
use crate::session::Ctx;
use crate::views::quality::{bar_chart, BarChart};
use crate::views::resource::{download, XLSX};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use zs_http::AppState;
use zs_identity::policy::EvaluationRead;
use zs_share::evaluation::Refusal;
use zs_share::{DepartmentEvaluation, EvaluationReport};

/// `?month=YYYY-MM`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MonthQuery {
    month: String,
}

fn pct(v: Option<f64>) -> String {
    v.map(|r| format!("{:.1}%", r * 100.0)).unwrap_or_else(|| "—".into())
}

fn num(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "—".into())
}

/// One department's row, formatted.
pub struct EvalRow {
    d: DepartmentEvaluation,
    rank: String,
    score: String,
    in_time: String,
    median_hours: String,
    median_days: String,
    success: String,
    availability: String,
    demand_in_time: String,
    consumer_success: String,
}

/// A refusal with its provider.
pub struct RefusalRow {
    provider: String,
    r: Refusal,
}

#[derive(Template)]
#[template(path = "share_evaluation.html")]
struct EvaluationPage {
    c: Chrome,
    report: EvaluationReport,
    prev: String,
    next: String,
    charts: Vec<BarChart>,
    rows: Vec<EvalRow>,
    refusals: Vec<RefusalRow>,
}

fn shift(month: &str, by: i32) -> String {
    let Ok(first) = zs_share::evaluation::parse_month(month) else { return String::new() };
    let (y, m) = (first.year(), i32::from(u8::from(first.month())) - 1 + by);
    let (y, m) = (y + m.div_euclid(12), m.rem_euclid(12) + 1);
    format!("{y:04}-{m:02}")
}

/// `GET /share/evaluation?month=`.
pub async fn page(State(s): State<AppState>, ctx: Ctx, PortalQuery(q): PortalQuery<MonthQuery>) -> PageResult {
    let pass = ctx.authorize::<EvaluationRead>(&s).await?;
    let report = s.share.evaluation(&pass, Some(&q.month)).await.map_err(|e| ctx.fail(e))?;
    let ranked: Vec<&DepartmentEvaluation> = report.departments.iter().filter(|d| d.score.is_some()).collect();
    let charts = vec![
        bar_chart("chart-score", "eval.chart.score", ranked.iter().map(|d| (d.name.clone(), d.score)).collect()),
        bar_chart(
            "chart-in-time",
            "eval.chart.in_time",
            report
                .departments
                .iter()
                .filter(|d| d.provider.in_time_rate.is_some())
                .map(|d| (d.name.clone(), d.provider.in_time_rate.map(|r| r * 100.0)))
                .collect(),
        ),
        bar_chart(
            "chart-success",
            "eval.chart.success",
            report
                .departments
                .iter()
                .filter(|d| d.provider.success_rate.is_some())
                .map(|d| (d.name.clone(), d.provider.success_rate.map(|r| r * 100.0)))
                .collect(),
        ),
    ];
    let refusals = report
        .departments
        .iter()
        .flat_map(|d| d.provider.refusals.iter().map(|r| RefusalRow { provider: d.name.clone(), r: r.clone() }))
        .collect();
    let rows = report
        .departments
        .iter()
        .cloned()
        .map(|d| EvalRow {
            rank: d.rank.map(|r| r.to_string()).unwrap_or_else(|| "—".into()),
            score: num(d.score),
            in_time: pct(d.provider.in_time_rate),
            median_hours: num(d.provider.median_response_hours),
            median_days: num(d.provider.median_response_working_days),
            success: pct(d.provider.success_rate),
            availability: pct(d.provider.availability),
            demand_in_time: pct(d.provider.demand_in_time_rate),
            consumer_success: pct(d.consumer.success_rate),
            d,
        })
        .collect();
    let (prev, next) = (shift(&report.month, -1), shift(&report.month, 1));
    let page = EvaluationPage { c: ctx.chrome("share-evaluation"), report, prev, next, charts, rows, refusals };
    Ok(render(StatusCode::OK, &page))
}

/// `GET /share/evaluation.xlsx?month=`: the workbook (排名, 拒绝明细).
pub async fn xlsx(State(s): State<AppState>, ctx: Ctx, PortalQuery(q): PortalQuery<MonthQuery>) -> PageResult {
    let pass = ctx.authorize::<EvaluationRead>(&s).await?;
    let report = s.share.evaluation(&pass, Some(&q.month)).await.map_err(|e| ctx.fail(e))?;
    let name = format!("share-evaluation-{}.xlsx", report.month);
    let bytes = report.to_xlsx().map_err(|e| ctx.fail(e))?;
    Ok(download(XLSX, &name, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_shift_across_years() {
        assert_eq!(shift("2026-12", 1), "2027-01");
        assert_eq!(shift("2026-01", -1), "2025-12");
        assert_eq!(shift("2026-10", 1), "2026-11");
        assert_eq!(pct(Some(0.875)), "87.5%");
        assert_eq!(pct(None), "—");
    }
}

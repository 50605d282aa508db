//! The aggregation report page (归集通报): the city-wide 应归尽归 rate on top, charts drawn on the
//! server as inline SVG (rate per department and per district, on-time / late / never stacked
//! bars, channel mix), the tables behind them, a month selector and the Excel download.

use crate::forms::PortalQuery;
use crate::i18n::Lang;
use crate::page::{render, Chrome, PageResult, Reject};
use crate::session::Ctx;
use crate::views::resource::{channel_key, download, XLSX};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use zs_http::AppState;
use zs_identity::policy::ReportAggregation;
use zs_ingest::{AggregationReport, Figures, GroupFigures};

/// Width of a chart's view box.
const WIDTH: i64 = 760;
/// Where bars start (labels to the left).
const BAR_X: i64 = 230;
/// Longest bar.
const BAR_W: i64 = 440;
/// Height of one row.
const ROW_H: i64 = 24;

/// One coloured piece of a bar.
pub struct Seg {
    x: i64,
    w: i64,
    class: &'static str,
    title: String,
}

/// One row of a bar chart.
pub struct BarRow {
    y: i64,
    text_y: i64,
    label: String,
    full_label: String,
    segs: Vec<Seg>,
    value: String,
    value_x: i64,
}

/// One legend entry.
pub struct LegendItem {
    class: &'static str,
    label: String,
}

/// A horizontal bar chart, laid out for an SVG view box.
pub struct Chart {
    id: &'static str,
    title: &'static str,
    height: i64,
    width: i64,
    bar_x: i64,
    rows: Vec<BarRow>,
    legend: Vec<LegendItem>,
}

/// A group (department or district) in the tables.
pub struct GroupRow {
    name: String,
    area: String,
    published: i64,
    with_data: i64,
    rate: String,
    on_time: i64,
    late: i64,
    never: i64,
    rows: i64,
    hand_ins: i64,
    reject_rate: String,
}

/// One channel of the month.
pub struct ChannelRow {
    label: &'static str,
    hand_ins: i64,
    committed: i64,
    rows_read: i64,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    c: Chrome,
    month: String,
    as_of: String,
    rate: String,
    published: i64,
    with_data: i64,
    on_time: i64,
    late: i64,
    never: i64,
    rows: i64,
    hand_ins: i64,
    reject_rate: String,
    charts: Vec<Chart>,
    departments: Vec<GroupRow>,
    districts: Vec<GroupRow>,
    channels: Vec<ChannelRow>,
}

/// Query of the report page and download.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportQuery {
    /// `YYYY-MM`; the current month when empty.
    month: String,
}

/// A share as a percentage with one decimal, e.g. `33.3%`.
pub fn pct(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// A label cut to `max` characters (with an ellipsis).
fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

fn chart(id: &'static str, title: &'static str, rows: Vec<BarRow>, legend: Vec<LegendItem>) -> Chart {
    let height = (rows.len() as i64).max(1) * ROW_H + 8;
    Chart { id, title, height, width: WIDTH, bar_x: BAR_X, rows, legend }
}

fn row(i: usize, label: &str, segs: Vec<Seg>, value: String) -> BarRow {
    let y = i as i64 * ROW_H + 4;
    let end = segs.iter().map(|s| s.x + s.w).max().unwrap_or(BAR_X);
    BarRow { y, text_y: y + 15, label: short(label, 14), full_label: label.to_owned(), segs, value, value_x: end + 6 }
}

/// Bars of the 应归尽归 rate per group.
fn rate_chart(id: &'static str, title: &'static str, groups: &[GroupFigures]) -> Chart {
    let rows = groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let w = (g.figures.rate * BAR_W as f64).round() as i64;
            let title =
                format!("{}: {} ({}/{})", g.name, pct(g.figures.rate), g.figures.with_data, g.figures.published);
            row(i, &g.name, vec![Seg { x: BAR_X, w, class: "bar-rate", title }], pct(g.figures.rate))
        })
        .collect();
    chart(id, title, rows, Vec::new())
}

/// On-time / late / never bars per group, each scaled to the group's published entries.
fn timeliness_chart(lang: Lang, id: &'static str, title: &'static str, groups: &[GroupFigures]) -> Chart {
    let rows = groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let f = &g.figures;
            let total = f.published.max(1) as f64;
            let mut x = BAR_X;
            let mut segs = Vec::new();
            for (n, class, key) in [
                (f.on_time, "bar-ontime", "report.on_time"),
                (f.late, "bar-late", "report.late"),
                (f.never, "bar-never", "report.never"),
            ] {
                let w = (n as f64 / total * BAR_W as f64).round() as i64;
                if w > 0 {
                    segs.push(Seg { x, w, class, title: format!("{}: {} {}", g.name, lang.t(key), n) });
                    x += w;
                }
            }
            row(i, &g.name, segs, format!("{}/{}/{}", f.on_time, f.late, f.never))
        })
        .collect();
    let legend = [("bar-ontime", "report.on_time"), ("bar-late", "report.late"), ("bar-never", "report.never")]
        .into_iter()
        .map(|(class, key)| LegendItem { class, label: lang.t(key).to_owned() })
        .collect();
    chart(id, title, rows, legend)
}

/// Hand-ins of the month per channel.
fn channel_chart(lang: Lang, city: &Figures) -> Chart {
    let max = city.channels.iter().map(|c| c.hand_ins).max().unwrap_or(0).max(1) as f64;
    let rows = city
        .channels
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let label = lang.t(channel_key(&c.channel));
            let w = (c.hand_ins as f64 / max * BAR_W as f64).round() as i64;
            let class = ["bar-ch0", "bar-ch1", "bar-ch2", "bar-ch3", "bar-ch4", "bar-ch5"][i % 6];
            let title = format!("{label}: {}", c.hand_ins);
            row(i, label, vec![Seg { x: BAR_X, w, class, title }], c.hand_ins.to_string())
        })
        .collect();
    chart("chart-channels", "report.chart_channels", rows, Vec::new())
}

fn group_rows(groups: &[GroupFigures]) -> Vec<GroupRow> {
    groups
        .iter()
        .map(|g| {
            let f = &g.figures;
            GroupRow {
                name: g.name.clone(),
                area: g.area.clone(),
                published: f.published,
                with_data: f.with_data,
                rate: pct(f.rate),
                on_time: f.on_time,
                late: f.late,
                never: f.never,
                rows: f.rows,
                hand_ins: f.hand_ins,
                reject_rate: pct(f.reject_rate),
            }
        })
        .collect()
}

async fn report(s: &AppState, ctx: &Ctx, q: &ReportQuery) -> Result<AggregationReport, Reject> {
    let pass = ctx.authorize::<ReportAggregation>(s).await?;
    let month = match q.month.trim() {
        "" => s.ingest.current_month(),
        m => zs_ingest::parse_month(m).map_err(|e| ctx.fail(e))?,
    };
    s.ingest.aggregation_report(&pass, month).await.map_err(|e| ctx.fail(e))
}

/// `GET /reports/aggregation[?month=YYYY-MM]`.
pub async fn show(State(s): State<AppState>, ctx: Ctx, PortalQuery(q): PortalQuery<ReportQuery>) -> PageResult {
    let r = report(&s, &ctx, &q).await?;
    let lang = ctx.lang;
    let c = &r.city;
    let charts = vec![
        rate_chart("chart-dept-rate", "report.chart_dept_rate", &r.departments),
        rate_chart("chart-district-rate", "report.chart_district_rate", &r.districts),
        timeliness_chart(lang, "chart-dept-timeliness", "report.chart_dept_timeliness", &r.departments),
        channel_chart(lang, c),
    ];
    let page = ReportPage {
        c: ctx.chrome("report"),
        as_of: zs_ingest::fmt_beijing_ms(r.as_of - 1),
        rate: pct(c.rate),
        published: c.published,
        with_data: c.with_data,
        on_time: c.on_time,
        late: c.late,
        never: c.never,
        rows: c.rows,
        hand_ins: c.hand_ins,
        reject_rate: pct(c.reject_rate),
        charts,
        departments: group_rows(&r.departments),
        districts: group_rows(&r.districts),
        channels: c
            .channels
            .iter()
            .map(|x| ChannelRow {
                label: channel_key(&x.channel),
                hand_ins: x.hand_ins,
                committed: x.committed,
                rows_read: x.rows_read,
            })
            .collect(),
        month: r.month,
    };
    Ok(render(StatusCode::OK, &page))
}

/// `GET /reports/aggregation.xlsx[?month=YYYY-MM]`: the workbook (汇总 / 部门 / 区县 / 明细).
pub async fn xlsx(State(s): State<AppState>, ctx: Ctx, PortalQuery(q): PortalQuery<ReportQuery>) -> PageResult {
    let r = report(&s, &ctx, &q).await?;
    let name = format!("aggregation-report-{}.xlsx", r.month);
    let bytes = tokio::task::spawn_blocking(move || r.to_xlsx())
        .await
        .map_err(|e| ctx.fail(zs_types::Error::internal(format!("report task failed: {e}"))))?
        .map_err(|e| ctx.fail(e))?;
    Ok(download(XLSX, &name, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_percentages() {
        assert_eq!(pct(1.0 / 3.0), "33.3%");
        assert_eq!(pct(0.0), "0.0%");
        assert_eq!(short("西宁市公安局", 14), "西宁市公安局");
        assert_eq!(short("一二三四五六七八九十一二三四五六", 14).chars().count(), 14);
    }
}

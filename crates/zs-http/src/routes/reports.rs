//! Reports: the aggregation report (归集通报) of a month, as JSON or as an Excel workbook.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use zs_identity::policy::ReportAggregation;
use zs_types::Error;

/// Which month, in which form.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct AggregationParams {
    /// `YYYY-MM` (Beijing time); the current month by default.
    month: Option<String>,
    /// `json` (default) or `xlsx` (sheets 汇总, 部门, 区县, 明细).
    format: Option<String>,
}

/// The aggregation report (归集通报) of a month: per department and district the published
/// entries, those with data, timeliness of the last hand-in against the update cycle, rows,
/// the month's rejected-row rate and channel mix, and the city-wide 应归尽归 rate
/// (entries with a committed hand-in ÷ published entries).
#[utoipa::path(get, path = "/api/v1/reports/aggregation", operation_id = "report.aggregation", tag = "reports",
    params(AggregationParams),
    responses((status = 200, description = "The report (JSON, or the workbook with format=xlsx)", body = Object),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn aggregation(
    State(s): State<AppState>,
    Auth(pass): Auth<ReportAggregation>,
    Query(p): Query<AggregationParams>,
) -> ApiResult<Response> {
    let month = match p.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => zs_ingest::parse_month(m)?,
        None => s.ingest.current_month(),
    };
    let xlsx = match p.format.as_deref().unwrap_or("json") {
        "json" => false,
        "xlsx" => true,
        other => return Err(Error::invalid("format", format!("unknown format '{other}': use json or xlsx")).into()),
    };
    let report = s.ingest.aggregation_report(&pass, month).await?;
    if !xlsx {
        return Ok(Json(report).into_response());
    }
    let name = format!("aggregation-report-{}.xlsx", report.month);
    let bytes = tokio::task::spawn_blocking(move || report.to_xlsx())
        .await
        .map_err(|_| Error::internal("writing the report workbook"))??;
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(crate::routes::catalog_exchange::XLSX));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok((headers, bytes).into_response())
}

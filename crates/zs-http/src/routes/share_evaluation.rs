//! Sharing evaluation (共享评估): departments' monthly figures as provider and consumer, their
//! scores and ranking, as JSON or an Excel workbook.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::routes::catalog_exchange::XLSX;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use zs_identity::policy::EvaluationRead;
use zs_share::EvaluationReport;
use zs_types::Error;

/// Which month, in which form.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct EvaluationParams {
    /// `YYYY-MM` (the current month by default).
    month: Option<String>,
    /// `json` (default) or `xlsx` (sheets 排名 and 拒绝明细).
    format: Option<String>,
}

/// The month's sharing evaluation: per department as provider (applications received and
/// answered in time, median response, refusals with reasons, data-API availability, success rate,
/// calls and rows, demands answered in time) and as consumer; the score and the ranking.
#[utoipa::path(get, path = "/api/v1/share/evaluation", operation_id = "evaluation.read", tag = "share",
    params(EvaluationParams),
    responses((status = 200, description = "The evaluation (JSON, or the workbook with format=xlsx)", body = EvaluationReport),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn evaluation(
    State(s): State<AppState>,
    Auth(pass): Auth<EvaluationRead>,
    Query(p): Query<EvaluationParams>,
) -> ApiResult<Response> {
    let xlsx = match p.format.as_deref().unwrap_or("json") {
        "json" => false,
        "xlsx" => true,
        other => return Err(Error::invalid("format", format!("unknown format '{other}': use json or xlsx")).into()),
    };
    let report = s.share.evaluation(&pass, p.month.as_deref()).await?;
    if !xlsx {
        return Ok(Json(report).into_response());
    }
    let name = format!("share-evaluation-{}.xlsx", report.month);
    let bytes = tokio::task::spawn_blocking(move || report.to_xlsx())
        .await
        .map_err(|_| Error::internal("writing the evaluation workbook"))??;
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok((headers, bytes).into_response())
}

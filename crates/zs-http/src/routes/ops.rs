//! Operational endpoints, outside the versioned API.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use zs_types::ErrorCode;

/// Liveness: the process answers.
pub(crate) async fn healthz() -> &'static str {
    "ok\n"
}

/// Readiness: the metadata store answers.
pub(crate) async fn readyz(State(s): State<AppState>) -> ApiResult<&'static str> {
    s.identity.store().ping().await?;
    Ok("ready\n")
}

/// Prometheus metrics.
pub(crate) async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    let rss = crate::metrics::resident_bytes().unwrap_or(0) as f64;
    let (events, batches) = s.audit_stats.as_ref().map(|f| f()).unwrap_or((0, 0));
    let body = s.metrics.render(&[
        ("zs_process_resident_memory_bytes", "Resident memory.", rss),
        ("zs_audit_events_total", "Audit events committed.", events as f64),
        ("zs_audit_batches_total", "Audit transactions (group commits).", batches as f64),
    ]);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body)
}

/// The OpenAPI document.
pub(crate) async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], crate::openapi::document())
}

/// Unknown API path.
pub(crate) async fn api_not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such API endpoint; see /api/openapi.json")
}

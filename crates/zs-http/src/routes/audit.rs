//! The audit trail (audit administrators only).

use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use zs_identity::policy::AuditRead;
use zs_types::model::AuditRecord;

/// Filters, newest first.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditParams {
    /// Only records before this sequence number (paging).
    before: Option<i64>,
    /// Only actions starting with this, e.g. `auth.`.
    action: Option<String>,
    /// Page size (1-1000, default 100).
    limit: Option<i64>,
}

/// Read the audit trail.
#[utoipa::path(get, path = "/api/v1/audit", operation_id = "audit.read", tag = "audit", params(AuditParams),
    responses((status = 200, body = Vec<AuditRecord>), (status = 403, body = ErrorBody)))]
pub(crate) async fn list(
    State(s): State<AppState>,
    Auth(pass): Auth<AuditRead>,
    Query(p): Query<AuditParams>,
) -> ApiResult<Json<Vec<AuditRecord>>> {
    let q = zs_meta::AuditQuery {
        before_seq: p.before,
        action_prefix: p.action,
        actor_user: None,
        limit: p.limit.unwrap_or(100),
    };
    Ok(Json(s.identity.read_audit(&pass, &q).await?))
}

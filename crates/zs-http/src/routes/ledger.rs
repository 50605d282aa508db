//! The verifiable ledger (可验证账本): the signed checkpoint, inclusion and consistency proofs,
//! entries by index (`/api/v1/ledger/…`).

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiPath, Auth};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use zs_identity::policy::LedgerRead;
use zs_trace::ledger_api::{CheckpointView, ConsistencyView, EntryView, InclusionView};

/// The latest signed checkpoint (C2SP signed note) with the log's key and profile.
#[utoipa::path(get, path = "/api/v1/ledger/checkpoint", operation_id = "ledger.read#checkpoint", tag = "ledger",
    responses((status = 200, body = CheckpointView), (status = 503, body = ErrorBody)))]
pub(crate) async fn checkpoint(
    State(s): State<AppState>,
    Auth(pass): Auth<LedgerRead>,
) -> ApiResult<Json<CheckpointView>> {
    Ok(Json(s.trace.checkpoint(&pass).await?))
}

/// Which inclusion proof.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct InclusionParams {
    /// Entry index (from 0).
    index: u64,
    /// Tree size (default: the latest checkpoint's).
    size: Option<u64>,
}

/// Inclusion proof of an entry (RFC 9162 §2.1.3). Entries of other departments' events are
/// `not_found` except for security and audit administrators.
#[utoipa::path(get, path = "/api/v1/ledger/proof/inclusion", operation_id = "ledger.read#inclusion", tag = "ledger",
    params(InclusionParams),
    responses((status = 200, body = InclusionView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn inclusion(
    State(s): State<AppState>,
    Auth(pass): Auth<LedgerRead>,
    Query(p): Query<InclusionParams>,
) -> ApiResult<Json<InclusionView>> {
    Ok(Json(s.trace.inclusion(&pass, p.index, p.size).await?))
}

/// Which consistency proof.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConsistencyParams {
    /// Older tree size (≥ 1).
    from: u64,
    /// Newer tree size (≤ the log's).
    to: u64,
}

/// Consistency proof between two tree sizes (RFC 9162 §2.1.4).
#[utoipa::path(get, path = "/api/v1/ledger/proof/consistency", operation_id = "ledger.read#consistency", tag = "ledger",
    params(ConsistencyParams),
    responses((status = 200, body = ConsistencyView), (status = 422, body = ErrorBody)))]
pub(crate) async fn consistency(
    State(s): State<AppState>,
    Auth(pass): Auth<LedgerRead>,
    Query(p): Query<ConsistencyParams>,
) -> ApiResult<Json<ConsistencyView>> {
    Ok(Json(s.trace.consistency(&pass, p.from, p.to).await?))
}

/// One entry by index, with the audit record that holds it.
#[utoipa::path(get, path = "/api/v1/ledger/entries/{index}", operation_id = "ledger.read#entry", tag = "ledger",
    params(("index" = u64, Path)),
    responses((status = 200, body = EntryView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn entry(
    State(s): State<AppState>,
    Auth(pass): Auth<LedgerRead>,
    ApiPath(index): ApiPath<u64>,
) -> ApiResult<Json<EntryView>> {
    Ok(Json(s.trace.entry(&pass, index).await?))
}

//! Platform statistics for dashboards.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use zs_identity::policy::StatsRead;
use zs_identity::Stats;

/// Counts of organisations, accounts and credentials in the caller's scope.
#[utoipa::path(get, path = "/api/v1/stats", operation_id = "stats.read", tag = "stats",
    responses((status = 200, body = Stats), (status = 401, body = ErrorBody)))]
pub(crate) async fn get(State(s): State<AppState>, Auth(pass): Auth<StatsRead>) -> ApiResult<Json<Stats>> {
    Ok(Json(s.identity.stats(&pass).await?))
}

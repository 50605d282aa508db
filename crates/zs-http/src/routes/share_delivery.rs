//! Bulk delivery and subscriptions over a grant (库表/文件交换, 订阅):
//! `/api/v1/share/grants/{id}/deliveries` (file deliveries on demand, history, downloads),
//! `…/delivery-plans` (scheduled deliveries, also into the consumer's PostgreSQL database),
//! `…/subscriptions` (signed webhooks, dead letters, replay) and `…/feed` (the change feed).
//! Using a grant is for its consumer department (and credentials bound to the grant); the
//! history is also shown to the provider department and operators of the area.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use zs_identity::policy::{ShareData, ShareRead};
use zs_share::{
    DeliverInput, DeliveryView, FeedPage, NotificationView, PlanInput, PlanView, SubscribeInput, SubscriptionCreated,
    SubscriptionView,
};

/// Queue a file delivery: a full extract of the current version or the changes since the last
/// delivered one, as CSV, Parquet or Excel in the department's download area.
#[utoipa::path(post, path = "/api/v1/share/grants/{id}/deliveries", operation_id = "share.data#deliver", tag = "share",
    params(("id" = i64, Path)), request_body = DeliverInput,
    responses((status = 202, body = DeliveryView), (status = 404, description = "no_grant", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn deliver(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareData>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<DeliverInput>,
) -> ApiResult<(StatusCode, Json<DeliveryView>)> {
    Ok((StatusCode::ACCEPTED, Json(s.share.deliver(&pass, id, input).await?)))
}

/// A grant's deliveries, newest first, with version range, rows and digest (consumer and
/// provider departments, operators of the area).
#[utoipa::path(get, path = "/api/v1/share/grants/{id}/deliveries", operation_id = "share.read#deliveries", tag = "share",
    params(("id" = i64, Path)), responses((status = 200, body = [DeliveryView]), (status = 404, body = ErrorBody)))]
pub(crate) async fn deliveries(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<DeliveryView>>> {
    Ok(Json(s.share.deliveries(&pass, id).await?))
}

/// One delivery.
#[utoipa::path(get, path = "/api/v1/share/grants/{id}/deliveries/{delivery}", operation_id = "share.read#delivery", tag = "share",
    params(("id" = i64, Path), ("delivery" = i64, Path)),
    responses((status = 200, body = DeliveryView), (status = 404, body = ErrorBody)))]
pub(crate) async fn delivery(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareRead>,
    ApiPath((id, delivery)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<DeliveryView>> {
    Ok(Json(s.share.delivery(&pass, id, delivery).await?))
}

/// Download a delivered file (consumer department only, while the grant is usable), decrypted
/// (it is kept encrypted at rest). The `x-digest-sha256` header is the recorded digest of the
/// file as downloaded.
#[utoipa::path(get, path = "/api/v1/share/grants/{id}/deliveries/{delivery}/file", operation_id = "share.data#download", tag = "share",
    params(("id" = i64, Path), ("delivery" = i64, Path)),
    responses((status = 200, description = "the file (CSV, Parquet or xlsx)", content_type = "application/octet-stream"),
        (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn download(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareData>,
    ApiPath((id, delivery)): ApiPath<(i64, i64)>,
) -> ApiResult<Response> {
    let (d, file, format) = s.share.delivery_file(&pass, id, delivery).await?;
    let len = file.len();
    // The file is kept encrypted: a blocking reader decrypts it a segment at a time and hands
    // the plaintext on (a failed check ends the body with an error rather than wrong bytes).
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(4);
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut file = file;
        loop {
            let mut buf = vec![0u8; 64 * 1024];
            let item = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    buf.truncate(n);
                    Ok(buf)
                }
                Err(e) => Err(e),
            };
            let failed = item.is_err();
            if tx.blocking_send(item).is_err() || failed {
                break;
            }
        }
    });
    let stream = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let Some(v) =
        d.file_name.as_deref().and_then(|n| HeaderValue::from_str(&format!("attachment; filename=\"{n}\"")).ok())
    {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(v) = d.digest.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
        headers.insert("x-digest-sha256", v);
    }
    Ok((headers, Body::from_stream(stream)).into_response())
}

/// Make a delivery plan: a file format or `postgres` (the consumer's database URL, stored
/// sealed, and a table), kind `full` or `changes`, optionally every N minutes.
#[utoipa::path(post, path = "/api/v1/share/grants/{id}/delivery-plans", operation_id = "share.data#plan", tag = "share",
    params(("id" = i64, Path)), request_body = PlanInput,
    responses((status = 201, body = PlanView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_plan(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareData>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<PlanInput>,
) -> ApiResult<(StatusCode, Json<PlanView>)> {
    Ok((StatusCode::CREATED, Json(s.share.create_plan(&pass, id, input).await?)))
}

/// A grant's delivery plans (the database URL is never shown).
#[utoipa::path(get, path = "/api/v1/share/grants/{id}/delivery-plans", operation_id = "share.read#plans", tag = "share",
    params(("id" = i64, Path)), responses((status = 200, body = [PlanView]), (status = 404, body = ErrorBody)))]
pub(crate) async fn plans(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<PlanView>>> {
    Ok(Json(s.share.plans(&pass, id).await?))
}

/// Run a plan now ("deliver now").
#[utoipa::path(post, path = "/api/v1/share/grants/{id}/delivery-plans/{plan}/run", operation_id = "share.data#run_plan", tag = "share",
    params(("id" = i64, Path), ("plan" = i64, Path)),
    responses((status = 202, body = DeliveryView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn run_plan(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareData>,
    ApiPath((id, plan)): ApiPath<(i64, i64)>,
) -> ApiResult<(StatusCode, Json<DeliveryView>)> {
    Ok((StatusCode::ACCEPTED, Json(s.share.run_plan(&pass, id, plan).await?)))
}

/// Switch a plan off.
#[utoipa::path(post, path = "/api/v1/share/grants/{id}/delivery-plans/{plan}/disable", operation_id = "share.data#disable_plan", tag = "share",
    params(("id" = i64, Path), ("plan" = i64, Path)),
    responses((status = 200, body = PlanView), (status = 404, body = ErrorBody)))]
pub(crate) async fn disable_plan(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareData>,
    ApiPath((id, plan)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<PlanView>> {
    Ok(Json(s.share.disable_plan(&pass, id, plan).await?))
}

/// Subscribe a webhook to the resource's changes. The signing secret is in this answer only;
/// notifications carry `X-Zhengshu-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`.
#[utoipa::path(post, path = "/api/v1/share/grants/{id}/subscriptions", operation_id = "share.data#subscribe", tag = "share",
    params(("id" = i64, Path)), request_body = SubscribeInput,
    responses((status = 201, body = SubscriptionCreated), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn subscribe(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareData>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<SubscribeInput>,
) -> ApiResult<(StatusCode, Json<SubscriptionCreated>)> {
    Ok((StatusCode::CREATED, Json(s.share.subscribe(&pass, id, input).await?)))
}

/// The key webhook notifications are signed with (SM2), for receivers to verify
/// `X-Zhengshu-Signature-SM2` (see `docs/share-webhooks.md`).
#[utoipa::path(get, path = "/api/v1/share/webhook-key", operation_id = "share.read#webhook_key", tag = "share",
    responses((status = 200, description = "{key, algorithm, header}", body = Object), (status = 404, body = ErrorBody)))]
pub(crate) async fn webhook_key(
    State(s): State<AppState>,
    Auth(_pass): Auth<ShareRead>,
) -> ApiResult<Json<serde_json::Value>> {
    let key = s.share.webhook_key().ok_or_else(|| zs_types::Error::not_found("webhook signing key"))?;
    Ok(Json(serde_json::json!({ "key": key, "algorithm": "sm2", "header": zs_share::SM2_SIGNATURE_HEADER })))
}

/// The grant's subscriptions with pending and dead-letter counts (consumer department).
#[utoipa::path(get, path = "/api/v1/share/grants/{id}/subscriptions", operation_id = "share.read#subscriptions", tag = "share",
    params(("id" = i64, Path)), responses((status = 200, body = [SubscriptionView]), (status = 404, body = ErrorBody)))]
pub(crate) async fn subscriptions(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<SubscriptionView>>> {
    Ok(Json(s.share.subscriptions(&pass, id).await?))
}

/// Switch a subscription off.
#[utoipa::path(post, path = "/api/v1/share/grants/{id}/subscriptions/{subscription}/disable", operation_id = "share.data#unsubscribe", tag = "share",
    params(("id" = i64, Path), ("subscription" = i64, Path)),
    responses((status = 200, body = SubscriptionView), (status = 404, body = ErrorBody)))]
pub(crate) async fn unsubscribe(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareData>,
    ApiPath((id, sub)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<SubscriptionView>> {
    Ok(Json(s.share.unsubscribe(&pass, id, sub).await?))
}

/// Which notifications to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct NotificationParams {
    /// `pending`, `delivered` or `dead` (the dead-letter list); all when omitted.
    state: Option<String>,
}

/// A subscription's notifications, newest first; `state=dead` is the dead-letter list.
#[utoipa::path(get, path = "/api/v1/share/grants/{id}/subscriptions/{subscription}/notifications", operation_id = "share.read#notifications", tag = "share",
    params(("id" = i64, Path), ("subscription" = i64, Path), NotificationParams),
    responses((status = 200, body = [NotificationView]), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn notifications(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareRead>,
    ApiPath((id, sub)): ApiPath<(i64, i64)>,
    Query(q): Query<NotificationParams>,
) -> ApiResult<Json<Vec<NotificationView>>> {
    Ok(Json(s.share.notifications(&pass, id, sub, q.state.as_deref()).await?))
}

/// Send a dead notification again (its attempts start over).
#[utoipa::path(post, path = "/api/v1/share/grants/{id}/subscriptions/{subscription}/notifications/{notification}/replay",
    operation_id = "share.data#replay", tag = "share",
    params(("id" = i64, Path), ("subscription" = i64, Path), ("notification" = i64, Path)),
    responses((status = 200, body = NotificationView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn replay(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareData>,
    ApiPath((id, sub, n)): ApiPath<(i64, i64, i64)>,
) -> ApiResult<Json<NotificationView>> {
    Ok(Json(s.share.replay(&pass, id, sub, n).await?))
}

/// Where to read the feed from.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct FeedParams {
    /// The cursor of the last line read (0 or omitted: from the start).
    after: Option<i64>,
    /// Lines at most, 1-500 (default 100).
    limit: Option<i64>,
}

/// The change feed of the grant's resource: one line per committed version after the cursor.
#[utoipa::path(get, path = "/api/v1/share/grants/{id}/feed", operation_id = "share.data#feed", tag = "share",
    params(("id" = i64, Path), FeedParams),
    responses((status = 200, body = FeedPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn feed(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareData>,
    ApiPath(id): ApiPath<i64>,
    Query(q): Query<FeedParams>,
) -> ApiResult<Json<FeedPage>> {
    Ok(Json(s.share.feed(&pass, id, q.after.unwrap_or(0), q.limit).await?))
}

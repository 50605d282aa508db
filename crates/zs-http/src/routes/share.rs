//! Sharing (共享): applications and their review, grants, credentials bound to a grant, and the
//! data API over a grant (`/api/v1/share/grants/{id}/rows`, `…/rows/{key}`, `…/count`).

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::state::AppState;
use axum::extract::{Query, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zs_identity::policy::{ShareApply, ShareCredential, ShareData, ShareOverdue, ShareRead, ShareReview, ShareRevoke};
use zs_share::{ApplicationView, ApplyInput, DataPage, GrantView, ReviewInput, RowsRequest};
use zs_types::model::Credential;
use zs_types::Error;

/// File an application (共享申请). 无条件共享 comes back granted; 有条件共享 pending with its due date.
#[utoipa::path(post, path = "/api/v1/share/applications", operation_id = "share.apply", tag = "share",
    request_body = ApplyInput,
    responses((status = 201, body = ApplicationView), (status = 403, description = "not_shareable (不予共享, with the legal basis)", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn apply(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareApply>,
    ApiJson(input): ApiJson<ApplyInput>,
) -> ApiResult<(StatusCode, Json<ApplicationView>)> {
    Ok((StatusCode::CREATED, Json(s.share.apply(&pass, input).await?)))
}

/// The caller's department's applications (申请记录), newest first.
#[utoipa::path(get, path = "/api/v1/share/applications", operation_id = "share.read#applications", tag = "share",
    responses((status = 200, body = [ApplicationView])))]
pub(crate) async fn my_applications(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareRead>,
) -> ApiResult<Json<Vec<ApplicationView>>> {
    Ok(Json(s.share.my_applications(&pass).await?))
}

/// One application (applicant's or provider's department, operators of the area).
#[utoipa::path(get, path = "/api/v1/share/applications/{id}", operation_id = "share.read#application", tag = "share",
    params(("id" = i64, Path)), responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody)))]
pub(crate) async fn application(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(s.share.application(&pass, id).await?))
}

/// Which applications to review.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct QueueParams {
    /// Answered ones too.
    all: Option<bool>,
}

/// Applications addressed to the caller's department (待审核), with working days left.
#[utoipa::path(get, path = "/api/v1/share/reviews", operation_id = "share.review#queue", tag = "share",
    params(QueueParams), responses((status = 200, body = [ApplicationView])))]
pub(crate) async fn review_queue(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareReview>,
    Query(q): Query<QueueParams>,
) -> ApiResult<Json<Vec<ApplicationView>>> {
    Ok(Json(s.share.review_queue(&pass, q.all.unwrap_or(false)).await?))
}

/// Answer an application: grant (as asked or narrower) or refuse with reasons.
#[utoipa::path(post, path = "/api/v1/share/applications/{id}/review", operation_id = "share.review", tag = "share",
    params(("id" = i64, Path)), request_body = ReviewInput,
    responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn review(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareReview>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ReviewInput>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(s.share.review(&pass, id, input).await?))
}

/// Overdue applications escalated to the platform operator (providers within the operator's area).
#[utoipa::path(get, path = "/api/v1/share/overdue", operation_id = "share.overdue", tag = "share",
    responses((status = 200, body = [ApplicationView])))]
pub(crate) async fn overdue(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareOverdue>,
) -> ApiResult<Json<Vec<ApplicationView>>> {
    Ok(Json(s.share.overdue_queue(&pass).await?))
}

/// Grants the caller may see (held, given, or within an operator's area), with today's use.
#[utoipa::path(get, path = "/api/v1/share/grants", operation_id = "share.read#grants", tag = "share",
    responses((status = 200, body = [GrantView])))]
pub(crate) async fn grants(State(s): State<AppState>, Auth(pass): Auth<ShareRead>) -> ApiResult<Json<Vec<GrantView>>> {
    Ok(Json(s.share.grants(&pass).await?))
}

/// One grant.
#[utoipa::path(get, path = "/api/v1/share/grants/{id}", operation_id = "share.read#grant", tag = "share",
    params(("id" = i64, Path)), responses((status = 200, body = GrantView), (status = 404, body = ErrorBody)))]
pub(crate) async fn grant(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<GrantView>> {
    Ok(Json(s.share.grant(&pass, id).await?))
}

/// Why a grant is revoked.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RevokeInput {
    /// The reason (shown to the consumer).
    #[serde(default)]
    reason: String,
}

/// Revoke a grant; the next call through it is refused (`grant_revoked`).
#[utoipa::path(post, path = "/api/v1/share/grants/{id}/revoke", operation_id = "share.revoke", tag = "share",
    params(("id" = i64, Path)), request_body = RevokeInput,
    responses((status = 200, body = GrantView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn revoke(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareRevoke>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<RevokeInput>,
) -> ApiResult<Json<GrantView>> {
    Ok(Json(s.share.revoke(&pass, id, &input.reason).await?))
}

/// A credential for a grant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GrantCredentialInput {
    /// A label, e.g. "低保核验系统".
    #[serde(default)]
    name: String,
    /// Days until expiry (default 90; never past the grant's period).
    expires_in_days: Option<i64>,
}

/// A credential bound to a grant and its token (shown once).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IssuedGrantCredential {
    credential: Credential,
    token: String,
}

/// Issue an API credential bound to a grant held by the caller's department (scope
/// `share.grant:<id>`): programs call the data API with it as a bearer token.
#[utoipa::path(post, path = "/api/v1/share/grants/{id}/credentials", operation_id = "share.credential", tag = "share",
    params(("id" = i64, Path)), request_body = GrantCredentialInput,
    responses((status = 201, body = IssuedGrantCredential), (status = 404, description = "no_grant", body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn issue_credential(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareCredential>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<GrantCredentialInput>,
) -> ApiResult<(StatusCode, Json<IssuedGrantCredential>)> {
    let (credential, token) = s.share.issue_credential(&pass, id, &input.name, input.expires_in_days).await?;
    Ok((StatusCode::CREATED, Json(IssuedGrantCredential { credential, token })))
}

/// Data API parameters. Any other query parameter `item=value` is an equality filter on a
/// granted item.
#[derive(Debug, Deserialize, IntoParams)]
pub(crate) struct DataParams {
    /// Items to return, comma-separated (all granted by default); each must be granted.
    #[allow(dead_code)]
    fields: Option<String>,
    /// The `next_cursor` of the previous page.
    #[allow(dead_code)]
    cursor: Option<String>,
    /// Rows per page, 1-1000 (default 100).
    #[allow(dead_code)]
    limit: Option<usize>,
    /// `json` (default) or `csv` (also chosen by `Accept: text/csv`).
    #[allow(dead_code)]
    format: Option<String>,
}

struct Parsed {
    req: RowsRequest,
    csv: bool,
}

fn parse(raw: Option<String>, headers: &HeaderMap) -> Result<Parsed, Error> {
    let mut req = RowsRequest::default();
    let mut csv = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/csv"));
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "fields" => {
                req.fields = Some(v.split(',').map(|f| f.trim().to_owned()).filter(|f| !f.is_empty()).collect())
            }
            "cursor" => req.cursor = Some(v.into_owned()),
            "limit" => {
                req.limit =
                    Some(v.parse().map_err(|_| Error::invalid("limit", "limit must be a number from 1 to 1000"))?)
            }
            "format" => match v.as_ref() {
                "csv" => csv = true,
                "json" => csv = false,
                other => return Err(Error::invalid("format", format!("unknown format '{other}': use json or csv"))),
            },
            _ => req.filters.push((k.into_owned(), v.into_owned())),
        }
    }
    Ok(Parsed { req, csv })
}

fn csv_response(page: &DataPage) -> Result<Response, Error> {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Some(v) = page.version.and_then(|v| HeaderValue::from_str(&v.to_string()).ok()) {
        headers.insert("x-data-version", v);
    }
    if let Some(v) = page.next_cursor.as_deref().and_then(|c| HeaderValue::from_str(c).ok()) {
        headers.insert("x-next-cursor", v);
    }
    if let Ok(v) = HeaderValue::from_str(&page.digest) {
        headers.insert("x-digest-sha256", v);
    }
    Ok((headers, page.csv()?).into_response())
}

/// Rows through a grant: only granted items (masked), only rows the grant's restriction lets
/// through, a page at a time with a cursor pinned to one data version. Coded refusals:
/// no_grant, grant_expired, grant_revoked, grant_suspended, quota_exceeded, field_not_granted, resource_withdrawn.
#[utoipa::path(get, path = "/api/v1/share/grants/{id}/rows", operation_id = "share.data#rows", tag = "share",
    params(("id" = i64, Path), DataParams),
    responses((status = 200, description = "{grant, code, version, live, fields, rows, next_cursor, digest} or CSV", body = Object),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn rows(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareData>,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let p = parse(raw, &headers)?;
    let page = s.share.rows(&pass, id, p.req).await?;
    if p.csv {
        return Ok(csv_response(&page)?);
    }
    Ok(Json(serde_json::json!({
        "grant": page.grant, "code": page.code, "version": page.version, "live": page.live,
        "fields": page.fields, "rows": page.objects(), "next_cursor": page.next_cursor, "digest": page.digest,
    }))
    .into_response())
}

/// One row through a grant, by its key (key items joined by `,` for composite keys).
#[utoipa::path(get, path = "/api/v1/share/grants/{id}/rows/{key}", operation_id = "share.data#lookup", tag = "share",
    params(("id" = i64, Path), ("key" = String, Path, description = "The key value"), DataParams),
    responses((status = 200, description = "{grant, code, version, live, fields, row, digest} or CSV", body = Object),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn lookup(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareData>,
    ApiPath((id, key)): ApiPath<(i64, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let p = parse(raw, &headers)?;
    let page = s.share.lookup(&pass, id, &key, p.req.fields).await?;
    if p.csv {
        return Ok(csv_response(&page)?);
    }
    let row = page.objects().into_iter().next();
    Ok(Json(serde_json::json!({
        "grant": page.grant, "code": page.code, "version": page.version, "live": page.live,
        "fields": page.fields, "row": row, "digest": page.digest,
    }))
    .into_response())
}

/// How many rows the grant lets through that match the filters.
#[utoipa::path(get, path = "/api/v1/share/grants/{id}/count", operation_id = "share.data#count", tag = "share",
    params(("id" = i64, Path)),
    responses((status = 200, description = "{grant, code, version, live, count}", body = Object),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn count(
    State(s): State<AppState>,
    Auth(pass): Auth<ShareData>,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let p = parse(raw, &headers)?;
    let (page, n) = s.share.count(&pass, id, p.req.filters).await?;
    if p.csv {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
        return Ok((headers, format!("count\n{n}\n")).into_response());
    }
    Ok(Json(serde_json::json!({ "grant": page.grant, "code": page.code, "version": page.version, "live": page.live, "count": n }))
        .into_response())
}

//! Resource data (数据资源): hand-ins by upload and push, versions, jobs, rejected rows, settings.
//! Resources are addressed by their 信息资源代码 `class/seq`, e.g. `/api/v1/resources/101001000/000001`.

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use utoipa::{IntoParams, ToSchema};
use zs_identity::policy::{DataIngest, ResourceManage, ResourcePreview, ResourceRead, ResourceRejects};
use zs_ingest::{HandInRequest, Mode, RejectsFormat};
use zs_types::{Error, ErrorCode};

fn code((class, seq): (String, String)) -> String {
    format!("{class}/{seq}")
}

/// A job on the hand-in queue.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct JobView {
    id: i64,
    kind: String,
    /// queued | running | succeeded | failed.
    state: String,
    /// Per mille done.
    progress: i64,
    message: Option<String>,
    attempts: i64,
    created_at: i64,
    finished_at: Option<i64>,
}

impl From<zs_meta::jobs::JobRow> for JobView {
    fn from(j: zs_meta::jobs::JobRow) -> Self {
        Self {
            id: j.id,
            kind: j.kind,
            state: j.state,
            progress: j.progress,
            message: j.message,
            attempts: j.attempts,
            created_at: j.created_at,
            finished_at: j.finished_at,
        }
    }
}

/// A recorded hand-in (one attempt; committed ones name their version).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct HandInView {
    id: i64,
    code: String,
    channel: String,
    mode: String,
    actor: String,
    /// committed | batch_rejected | failed.
    outcome: String,
    version: Option<i64>,
    total_rows: Option<i64>,
    rows_read: i64,
    rows_written: i64,
    rows_rejected: i64,
    message: Option<String>,
    /// Whether a rejected-rows report can be downloaded.
    has_rejects: bool,
    job_id: Option<i64>,
    /// For materialised libraries: each source resource and the version read.
    #[schema(value_type = Option<Vec<Object>>)]
    lineage: Option<serde_json::Value>,
    started_at: i64,
    finished_at: i64,
}

impl From<zs_ingest::HandIn> for HandInView {
    fn from(h: zs_ingest::HandIn) -> Self {
        Self {
            id: h.id,
            code: h.code,
            channel: h.channel,
            mode: h.mode,
            actor: h.actor_name,
            outcome: h.outcome,
            version: h.version,
            total_rows: h.total_rows,
            rows_read: h.rows_read,
            rows_written: h.rows_written,
            rows_rejected: h.rows_rejected,
            message: h.message,
            has_rejects: h.rejects_file.is_some(),
            job_id: h.job_id,
            lineage: h.lineage.as_deref().and_then(|l| serde_json::from_str(l).ok()),
            started_at: h.started_at,
            finished_at: h.finished_at,
        }
    }
}

/// A resource: its versions and settings.
#[utoipa::path(get, path = "/api/v1/resources/{class}/{seq}", operation_id = "resource.read#get", tag = "resources",
    params(("class" = String, Path, description = "Classification part of the code"), ("seq" = String, Path, description = "Sequence part of the code")),
    responses((status = 200, description = "The resource", body = Object), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    State(s): State<AppState>,
    Auth(pass): Auth<ResourceRead>,
    ApiPath(path): ApiPath<(String, String)>,
) -> ApiResult<Json<zs_ingest::ResourceView>> {
    Ok(Json(s.ingest.resource(&pass, &code(path)).await?))
}

/// Hand-ins of a resource, newest first.
#[utoipa::path(get, path = "/api/v1/resources/{class}/{seq}/hand-ins", operation_id = "resource.read#hand_ins", tag = "resources",
    params(("class" = String, Path), ("seq" = String, Path)),
    responses((status = 200, body = [HandInView]), (status = 404, body = ErrorBody)))]
pub(crate) async fn hand_ins(
    State(s): State<AppState>,
    Auth(pass): Auth<ResourceRead>,
    ApiPath(path): ApiPath<(String, String)>,
) -> ApiResult<Json<Vec<HandInView>>> {
    Ok(Json(s.ingest.hand_ins(&pass, &code(path), 200).await?.into_iter().map(Into::into).collect()))
}

/// Hand-in jobs of a resource, newest first.
#[utoipa::path(get, path = "/api/v1/resources/{class}/{seq}/jobs", operation_id = "resource.read#jobs", tag = "resources",
    params(("class" = String, Path), ("seq" = String, Path)),
    responses((status = 200, body = [JobView]), (status = 404, body = ErrorBody)))]
pub(crate) async fn jobs(
    State(s): State<AppState>,
    Auth(pass): Auth<ResourceRead>,
    ApiPath(path): ApiPath<(String, String)>,
) -> ApiResult<Json<Vec<JobView>>> {
    Ok(Json(s.ingest.jobs(&pass, &code(path), 100).await?.into_iter().map(Into::into).collect()))
}

/// A job and, once it ended, the hand-in it made.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct JobResult {
    job: JobView,
    hand_in: Option<HandInView>,
}

/// One hand-in job (poll it for progress).
#[utoipa::path(get, path = "/api/v1/jobs/{id}", operation_id = "resource.read#job", tag = "resources",
    params(("id" = i64, Path, description = "Job id")),
    responses((status = 200, body = JobResult), (status = 404, body = ErrorBody)))]
pub(crate) async fn job(
    State(s): State<AppState>,
    Auth(pass): Auth<ResourceRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<JobResult>> {
    let job = s.ingest.job(&pass, id).await?;
    let hand_in = s.ingest.hand_in_of(&job).await?.map(Into::into);
    Ok(Json(JobResult { job: job.into(), hand_in }))
}

/// How an uploaded file is handed in.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct UploadParams {
    /// The file's name; its extension tells the format (`.csv`, `.xlsx`, `.xls`, `.json`, `.jsonl`, `.geojson`).
    file_name: String,
    /// append (default), replace, upsert or delete.
    mode: Option<String>,
    /// `utf-8` or `gb18030`; detected by default.
    encoding: Option<String>,
    /// Commit nothing when more than this share of rows is rejected (overrides the resource's policy).
    max_error_rate: Option<f64>,
}

/// Upload a file (the request body, streamed to disk up to `max_upload_bytes`) and queue its
/// hand-in. Poll the returned job for progress and result.
#[utoipa::path(post, path = "/api/v1/resources/{class}/{seq}/uploads", operation_id = "data.ingest#upload", tag = "resources",
    params(("class" = String, Path), ("seq" = String, Path), UploadParams),
    request_body(content = String, content_type = "application/octet-stream", description = "The file"),
    responses((status = 202, body = JobView), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn upload(
    State(s): State<AppState>,
    Auth(pass): Auth<DataIngest>,
    ApiPath(path): ApiPath<(String, String)>,
    Query(p): Query<UploadParams>,
    body: Body,
) -> ApiResult<(StatusCode, Json<JobView>)> {
    let code = code(path);
    let mode = p.mode.as_deref().map(Mode::parse).transpose()?.unwrap_or_default();
    s.ingest.check_hand_in(&pass, &code).await?;
    let file = save_body(&s, body, &p.file_name, &code).await?;
    let req = HandInRequest {
        code,
        mode,
        file,
        file_name: p.file_name,
        encoding: p.encoding,
        channel: "upload".into(),
        max_error_rate: p.max_error_rate,
        mapping: None,
        remove_file: true,
    };
    let (job, _) = s.ingest.submit(&pass, req, None).await?;
    Ok((StatusCode::ACCEPTED, Json(job.into())))
}

/// Stream a request body to a new file under `<data>/uploads/<resource>`, encrypted under the
/// resource's data key (in clear with encryption switched off), refusing more than the limit
/// (the partial file is removed).
pub async fn save_body(s: &AppState, body: Body, file_name: &str, code: &str) -> Result<std::path::PathBuf, ApiError> {
    use futures::StreamExt;
    use std::io::Write;
    if file_name.is_empty() || file_name.len() > 255 || file_name.contains(['/', '\\']) {
        return Err(Error::invalid("file_name", "give the file's name without folders, e.g. population.csv").into());
    }
    let key = s.ingest.file_key(code).await?;
    let dir = s.ingest.uploads_dir(code);
    let io = |e: std::io::Error| {
        tracing::error!(error = %e, "saving an upload");
        ApiError(Error::internal("the upload could not be saved"))
    };
    tokio::fs::create_dir_all(&dir).await.map_err(io)?;
    let path = dir.join(format!("{}.upload", uuid::Uuid::now_v7()));
    let mut f = tokio::fs::File::create(&path).await.map_err(io)?;
    let limit = s.config.max_upload_bytes;
    let mut written = 0u64;
    let mut stream = body.into_data_stream();
    // Chunks are encrypted in memory (a 64 KiB segment at a time) and the sealed bytes written.
    let mut sealed = key.writer(Vec::with_capacity(1 << 17));
    let result: Result<(), ApiError> = async {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|_| ApiError(Error::invalid("body", "the upload was interrupted")))?;
            written += chunk.len() as u64;
            if written > limit {
                return Err(ApiError(Error::new(
                    ErrorCode::PayloadTooLarge,
                    format!("the file is larger than the limit of {} MiB", limit / (1024 * 1024)),
                )));
            }
            sealed.write_all(&chunk).map_err(io)?;
            f.write_all(&sealed.take()).await.map_err(io)?;
        }
        if written == 0 {
            return Err(ApiError(Error::invalid("body", "the file is empty")));
        }
        f.write_all(&sealed.finish().map_err(io)?).await.map_err(io)?;
        f.sync_all().await.map_err(io)
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&path).await;
    }
    result.map(|()| path)
}

/// Largest pushed batch (JSON is held in memory while it is parsed).
const MAX_BATCH_BYTES: u64 = 256 * 1024 * 1024;

/// A pushed batch.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Batch {
    /// append (default), replace, upsert or delete.
    #[serde(default)]
    mode: Option<String>,
    /// Records keyed by item name or Chinese label; plain values only.
    #[schema(value_type = Vec<Object>)]
    records: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// Result of a push: the job and the hand-in it made.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PushResult {
    job: JobView,
    hand_in: Option<HandInView>,
    /// False when this is a retry of a batch already received under the same key.
    first_delivery: bool,
}

/// Push a JSON batch from a department system. The `Idempotency-Key` header makes retries safe:
/// a batch sent again with the same key is committed once, and the retry gets the first result.
#[utoipa::path(post, path = "/api/v1/resources/{class}/{seq}/batches", operation_id = "data.ingest#push", tag = "resources",
    params(("class" = String, Path), ("seq" = String, Path), ("Idempotency-Key" = String, Header, description = "Unique per batch")),
    request_body = Batch,
    responses((status = 201, body = PushResult), (status = 200, description = "A retry: the first result", body = PushResult),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn push(
    State(s): State<AppState>,
    Auth(pass): Auth<DataIngest>,
    ApiPath(path): ApiPath<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<PushResult>)> {
    // Batches may exceed the small default body limit: read up to the upload limit.
    let limit = usize::try_from(s.config.max_upload_bytes.min(MAX_BATCH_BYTES)).unwrap_or(usize::MAX);
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        Error::new(ErrorCode::PayloadTooLarge, format!("a batch is at most {} MiB; split it", limit / (1024 * 1024)))
    })?;
    let batch: Batch = serde_json::from_slice(&bytes).map_err(|e| {
        Error::invalid("body", format!("the batch is not valid JSON at line {} column {}: {e}", e.line(), e.column()))
    })?;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| Error::invalid("Idempotency-Key", "send an Idempotency-Key header, unique per batch"))?;
    let mode = batch.mode.as_deref().map(Mode::parse).transpose()?.unwrap_or_default();
    let (job, h, first) = s.ingest.push(&pass, &code(path), key, mode, &batch.records, Duration::from_secs(60)).await?;
    let status = if first { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(PushResult { job: job.into(), hand_in: h.map(Into::into), first_delivery: first })))
}

/// Report format.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct RejectsParams {
    /// `csv` (default) or `xlsx`.
    format: Option<String>,
}

/// The rejected rows of a hand-in (row, line, item, value masked if sensitive, reason) as CSV or
/// Excel: the providing department and operators only.
#[utoipa::path(get, path = "/api/v1/hand-ins/{id}/rejects", operation_id = "resource.rejects", tag = "resources",
    params(("id" = i64, Path, description = "Hand-in id"), RejectsParams),
    responses((status = 200, description = "The report", content_type = "application/octet-stream"), (status = 404, body = ErrorBody)))]
pub(crate) async fn rejects(
    State(s): State<AppState>,
    Auth(pass): Auth<ResourceRejects>,
    ApiPath(id): ApiPath<i64>,
    Query(p): Query<RejectsParams>,
) -> ApiResult<Response> {
    let (format, ctype, ext) = match p.format.as_deref().unwrap_or("csv") {
        "csv" => (RejectsFormat::Csv, "text/csv; charset=utf-8", "csv"),
        "xlsx" => (RejectsFormat::Xlsx, crate::routes::catalog_exchange::XLSX, "xlsx"),
        other => return Err(Error::invalid("format", format!("unknown format '{other}': use csv or xlsx")).into()),
    };
    let (h, bytes) = s.ingest.rejects(&pass, id, format).await?;
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    let name = format!("rejects-{}-{}.{ext}", h.code.replace('/', "-"), h.id);
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok((headers, bytes).into_response())
}

/// A resource's hand-in policy.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Policy {
    /// Reject the whole hand-in when more than this share of rows is rejected; null commits the
    /// valid rows whatever the rate.
    max_error_rate: Option<f64>,
    /// Versions kept by compaction; null keeps all.
    keep_versions: Option<i64>,
    /// File column → item name, remembered for later hand-ins (omit to keep the current one).
    #[serde(default)]
    mapping: Option<std::collections::BTreeMap<String, String>>,
}

/// Set the batch policy and retention of a resource of the caller's department.
#[utoipa::path(put, path = "/api/v1/resources/{class}/{seq}/settings", operation_id = "resource.manage#settings", tag = "resources",
    params(("class" = String, Path), ("seq" = String, Path)), request_body = Policy,
    responses((status = 200, description = "Saved", body = Object), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn settings(
    State(s): State<AppState>,
    Auth(pass): Auth<ResourceManage>,
    ApiPath(path): ApiPath<(String, String)>,
    ApiJson(p): ApiJson<Policy>,
) -> ApiResult<Json<serde_json::Value>> {
    let code = code(path);
    if let Some(m) = p.mapping {
        s.ingest.set_mapping(&pass, &code, m).await?;
    }
    let saved = s.ingest.set_policy(&pass, &code, p.max_error_rate, p.keep_versions).await?;
    let mapping: serde_json::Value = serde_json::from_str(&saved.mapping).unwrap_or_default();
    Ok(Json(
        serde_json::json!({ "max_error_rate": saved.max_error_rate, "keep_versions": saved.keep_versions, "mapping": mapping }),
    ))
}

/// Rebuild a theme or topic library (e.g. 企业全景, 一人一档) of the caller's department from the
/// current versions of its sources, as a job; the hand-in records the lineage.
#[utoipa::path(post, path = "/api/v1/resources/{class}/{seq}/materialise", operation_id = "data.ingest#materialise", tag = "resources",
    params(("class" = String, Path), ("seq" = String, Path)),
    responses((status = 202, body = JobView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn materialise(
    State(s): State<AppState>,
    Auth(pass): Auth<DataIngest>,
    ApiPath(path): ApiPath<(String, String)>,
) -> ApiResult<(StatusCode, Json<JobView>)> {
    let (job, _) = s.ingest.submit_materialise(&pass, &code(path), None).await?;
    Ok((StatusCode::ACCEPTED, Json(job.into())))
}

/// Which version to preview.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct PreviewParams {
    /// Version number; the current one by default.
    version: Option<u64>,
    /// Or the version current at this time (RFC 3339, e.g. `2026-11-01T00:00:00+08:00`).
    as_of: Option<String>,
    /// Rows, at most 200 (default 20).
    limit: Option<usize>,
}

/// The first rows of the caller's own department's resource, at the current version, version N
/// or as of a time; sensitive items (L3+) masked; the read is recorded.
#[utoipa::path(get, path = "/api/v1/resources/{class}/{seq}/rows", operation_id = "resource.preview", tag = "resources",
    params(("class" = String, Path), ("seq" = String, Path), PreviewParams),
    responses((status = 200, description = "Rows", body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn rows(
    State(s): State<AppState>,
    Auth(pass): Auth<ResourcePreview>,
    ApiPath(path): ApiPath<(String, String)>,
    Query(p): Query<PreviewParams>,
) -> ApiResult<Json<zs_ingest::Preview>> {
    let as_of = p
        .as_of
        .as_deref()
        .map(|t| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                .map(zs_types::clock::to_ms)
                .map_err(|_| Error::invalid("as_of", "give the time as RFC 3339, e.g. 2026-11-01T00:00:00+08:00"))
        })
        .transpose()?;
    Ok(Json(s.ingest.preview(&pass, &code(path), p.version, as_of, p.limit.unwrap_or(20)).await?))
}

//! Encryption at rest and secure destruction (数据安全销毁): destruction requests (steward) and
//! their approval or refusal (security administrator) with the certificate, the data keys
//! (ids and states only) and their rotation, the backup register.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zs_identity::policy::{BackupRead, BackupRecord, DestroyApprove, DestroyRead, DestroyRequest, KeyManage, KeyRead};
use zs_meta::keys::{Backup, Destruction};
use zs_types::{Error, ErrorCode};

/// A destruction request and, once carried out, its certificate.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DestructionView {
    id: i64,
    /// Resource code.
    code: String,
    /// The version; none: the whole resource.
    version: Option<i64>,
    /// The providing department.
    org_id: i64,
    reason: String,
    /// requested | done | refused.
    state: String,
    requested_by: i64,
    requested_at: i64,
    decided_by: Option<i64>,
    decided_at: Option<i64>,
    /// A refusal's reason.
    note: Option<String>,
    /// The destruction certificate (销毁证明): what was destroyed, keys shredded, where copies
    /// made before may remain.
    #[schema(value_type = Option<Object>)]
    certificate: Option<serde_json::Value>,
}

impl From<Destruction> for DestructionView {
    fn from(d: Destruction) -> Self {
        Self {
            id: d.id,
            code: d.code,
            version: d.version,
            org_id: d.org_id,
            reason: d.reason,
            state: d.state,
            requested_by: d.requested_by,
            requested_at: d.requested_at,
            decided_by: d.decided_by,
            decided_at: d.decided_at,
            note: d.note,
            certificate: d.certificate.and_then(|c| serde_json::from_str(&c).ok()),
        }
    }
}

/// What to destroy and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DestroyBody {
    /// One version (not the current one); leave out to destroy the whole resource.
    version: Option<i64>,
    /// Why (legal basis, end of the retention period, …), 4–500 characters.
    reason: String,
}

/// Which destructions to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListParams {
    /// Only this resource's.
    code: Option<String>,
}

/// A refusal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RefuseBody {
    /// Why the destruction is refused.
    note: String,
}

/// Ask for the destruction of a resource of the caller's department (or one of its versions).
/// Nothing is destroyed until a security administrator approves.
#[utoipa::path(post, path = "/api/v1/resources/{class}/{seq}/destructions", operation_id = "data.destroy_request", tag = "security",
    params(("class" = String, Path, description = "信息资源代码 before the slash"), ("seq" = String, Path, description = "信息资源代码 after the slash")),
    request_body = DestroyBody,
    responses((status = 201, body = DestructionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn request(
    State(s): State<AppState>,
    Auth(pass): Auth<DestroyRequest>,
    ApiPath((class, seq)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<DestroyBody>,
) -> ApiResult<(StatusCode, Json<DestructionView>)> {
    let input = zs_ingest::destroy::DestroyInput { version: body.version, reason: body.reason };
    let d = s.ingest.request_destruction(&pass, &format!("{class}/{seq}"), &input).await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

/// Destruction requests and certificates, newest first (a steward sees its department's).
#[utoipa::path(get, path = "/api/v1/destructions", operation_id = "destruction.read#list", tag = "security",
    params(ListParams), responses((status = 200, body = [DestructionView])))]
pub(crate) async fn list(
    State(s): State<AppState>,
    Auth(pass): Auth<DestroyRead>,
    Query(p): Query<ListParams>,
) -> ApiResult<Json<Vec<DestructionView>>> {
    let all = s.ingest.destructions(&pass, p.code.as_deref()).await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

/// One destruction request with its certificate.
#[utoipa::path(get, path = "/api/v1/destructions/{id}", operation_id = "destruction.read#one", tag = "security",
    params(("id" = i64, Path)), responses((status = 200, body = DestructionView), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    State(s): State<AppState>,
    Auth(pass): Auth<DestroyRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<DestructionView>> {
    Ok(Json(s.ingest.destruction(&pass, id).await?.into()))
}

/// Approve a destruction request, which carries it out: files deleted, data keys shredded, a
/// `data.destroy` record in the ledger, the certificate kept. Security administrators only.
#[utoipa::path(post, path = "/api/v1/destructions/{id}/approve", operation_id = "data.destroy#approve", tag = "security",
    params(("id" = i64, Path)),
    responses((status = 200, body = DestructionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub(crate) async fn approve(
    State(s): State<AppState>,
    Auth(pass): Auth<DestroyApprove>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<DestructionView>> {
    Ok(Json(s.ingest.approve_destruction(&pass, id).await?.into()))
}

/// Refuse a destruction request, with the reason.
#[utoipa::path(post, path = "/api/v1/destructions/{id}/refuse", operation_id = "data.destroy#refuse", tag = "security",
    params(("id" = i64, Path)), request_body = RefuseBody,
    responses((status = 200, body = DestructionView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn refuse(
    State(s): State<AppState>,
    Auth(pass): Auth<DestroyApprove>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RefuseBody>,
) -> ApiResult<Json<DestructionView>> {
    Ok(Json(s.ingest.refuse_destruction(&pass, id, &body.note).await?.into()))
}

/// A data key: ids, cipher, state and times; never key bytes.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct KeyInfo {
    id: String,
    /// A resource table's name, or `meta` (the sealed metadata columns).
    scope: String,
    /// sm4-gcm | aes-256-gcm.
    algorithm: String,
    /// The master key it is wrapped under (fingerprint).
    master_key_id: String,
    /// active | retired | destroyed.
    state: String,
    created_at: i64,
    retired_at: Option<i64>,
    destroyed_at: Option<i64>,
}

/// The data keys, oldest first. Empty when encryption is switched off.
#[utoipa::path(get, path = "/api/v1/security/keys", operation_id = "keys.read", tag = "security",
    responses((status = 200, body = [KeyInfo])))]
pub(crate) async fn keys(State(s): State<AppState>, Auth(_pass): Auth<KeyRead>) -> ApiResult<Json<Vec<KeyInfo>>> {
    let Some(keys) = s.ingest.keys() else { return Ok(Json(Vec::new())) };
    let list = keys.list().await?;
    Ok(Json(
        list.into_iter()
            .map(|k| KeyInfo {
                id: k.id,
                scope: k.scope,
                algorithm: k.algorithm,
                master_key_id: k.master_key_id,
                state: k.state,
                created_at: k.created_at,
                retired_at: k.retired_at,
                destroyed_at: k.destroyed_at,
            })
            .collect(),
    ))
}

/// Which key to rotate.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RotateBody {
    /// A resource code, or `meta` for the key of the sealed metadata columns.
    scope: String,
}

/// The new key.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Rotated {
    /// The scope rotated.
    scope: String,
    /// The new current key's id.
    key: String,
    /// Stored secrets sealed again under the new key (the `meta` scope).
    resealed: u64,
}

/// Rotate a data key: new files (or sealed values) use a new key at once; files written before
/// keep their key, retired but readable, until no version uses it. No downtime.
#[utoipa::path(post, path = "/api/v1/security/keys/rotate", operation_id = "keys.manage", tag = "security",
    request_body = RotateBody,
    responses((status = 200, body = Rotated), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 410, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn rotate(
    State(s): State<AppState>,
    Auth(pass): Auth<KeyManage>,
    ApiJson(body): ApiJson<RotateBody>,
) -> ApiResult<Json<Rotated>> {
    let (scope, key, resealed) = s.ingest.rotate_key(&pass, body.scope.trim()).await?;
    Ok(Json(Rotated { scope, key, resealed }))
}

/// A registered backup.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BackupView {
    id: i64,
    label: String,
    /// Where it is kept.
    location: String,
    /// When it was taken (Unix ms): it holds what existed then.
    taken_at: i64,
    recorded_by: Option<i64>,
    recorded_at: i64,
}

impl From<Backup> for BackupView {
    fn from(b: Backup) -> Self {
        Self {
            id: b.id,
            label: b.label,
            location: b.location,
            taken_at: b.taken_at,
            recorded_by: b.recorded_by,
            recorded_at: b.recorded_at,
        }
    }
}

/// A backup to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BackupBody {
    /// What it is, e.g. `nightly 2026-11-28`.
    label: String,
    /// Where it is kept.
    location: String,
    /// When it was taken (Unix ms).
    taken_at: i64,
}

/// The backup register, newest first (listed on destruction certificates as places where
/// destroyed data may remain).
#[utoipa::path(get, path = "/api/v1/security/backups", operation_id = "backup.read", tag = "security",
    responses((status = 200, body = [BackupView])))]
pub(crate) async fn backups(
    State(s): State<AppState>,
    Auth(pass): Auth<BackupRead>,
) -> ApiResult<Json<Vec<BackupView>>> {
    Ok(Json(s.ingest.backups(&pass).await?.into_iter().map(Into::into).collect()))
}

/// Register a backup taken outside the platform (system administrators, who run them).
#[utoipa::path(post, path = "/api/v1/security/backups", operation_id = "backup.record", tag = "security",
    request_body = BackupBody, responses((status = 201, body = BackupView), (status = 422, body = ErrorBody)))]
pub(crate) async fn record_backup(
    State(s): State<AppState>,
    Auth(pass): Auth<BackupRecord>,
    ApiJson(body): ApiJson<BackupBody>,
) -> ApiResult<(StatusCode, Json<BackupView>)> {
    if body.label.chars().count() > 200 || body.location.chars().count() > 500 {
        return Err(Error::new(ErrorCode::InvalidInput, "label or location too long").into());
    }
    let b = s.ingest.record_backup(&pass, &body.label, &body.location, body.taken_at).await?;
    Ok((StatusCode::CREATED, Json(b.into())))
}

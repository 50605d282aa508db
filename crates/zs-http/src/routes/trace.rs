//! Full-process tracing (全流程监管): a resource's, a department's and a grant's events with
//! ledger proofs, their evidence bundles, and one person's record by ID number.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use zs_identity::policy::{TracePerson, TraceRead};
use zs_trace::person::PersonTrace;
use zs_trace::trace::{Subject, TraceView};

/// Answer as JSON or as an evidence bundle.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct TraceParams {
    /// `bundle`: the evidence bundle (records + inclusion proofs + signed checkpoint) as a file
    /// for `zhengshu audit verify --bundle`.
    format: Option<String>,
}

async fn answer(
    s: &AppState,
    pass: zs_identity::Authorized<TraceRead>,
    subject: Subject,
    p: TraceParams,
) -> ApiResult<Response> {
    match p.format.as_deref() {
        None | Some("json") => Ok(Json(s.trace.trace(&pass, &subject).await?).into_response()),
        Some("bundle") => {
            let b = s.trace.bundle(&pass, &subject).await?;
            let body = serde_json::to_vec_pretty(&b).map_err(|_| zs_types::Error::internal("writing the bundle"))?;
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            let name = format!("evidence-{}.json", subject.label().replace(':', "-"));
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            Ok((h, body).into_response())
        }
        Some(other) => {
            Err(zs_types::Error::invalid("format", format!("unknown format '{other}': use json or bundle")).into())
        }
    }
}

/// Every event of a resource in order (hand-ins, catalogue transitions, applications, approvals,
/// grants, deliveries, revocations), each with its inclusion proof. Its providing department,
/// operators, security and audit administrators of its area.
#[utoipa::path(get, path = "/api/v1/trace/resources/{class}/{seq}", operation_id = "trace.read#resource", tag = "trace",
    params(("class" = String, Path, description = "信息资源代码 before the slash"), ("seq" = String, Path, description = "信息资源代码 after the slash"), TraceParams),
    responses((status = 200, description = "TraceView, or the evidence bundle with format=bundle", body = TraceView),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn resource(
    State(s): State<AppState>,
    Auth(pass): Auth<TraceRead>,
    ApiPath((class, seq)): ApiPath<(String, String)>,
    Query(p): Query<TraceParams>,
) -> ApiResult<Response> {
    answer(&s, pass, Subject::Resource(format!("{class}/{seq}")), p).await
}

/// Everything a consumer department applied for and received, with proofs.
#[utoipa::path(get, path = "/api/v1/trace/departments/{id}", operation_id = "trace.read#department", tag = "trace",
    params(("id" = i64, Path), TraceParams),
    responses((status = 200, description = "TraceView, or the evidence bundle with format=bundle", body = TraceView),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn department(
    State(s): State<AppState>,
    Auth(pass): Auth<TraceRead>,
    ApiPath(id): ApiPath<i64>,
    Query(p): Query<TraceParams>,
) -> ApiResult<Response> {
    answer(&s, pass, Subject::Department(id), p).await
}

/// A grant's events and each call through it (version, rows, digest), with proofs.
#[utoipa::path(get, path = "/api/v1/trace/grants/{id}", operation_id = "trace.read#grant", tag = "trace",
    params(("id" = i64, Path), TraceParams),
    responses((status = 200, description = "TraceView, or the evidence bundle with format=bundle", body = TraceView),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn grant(
    State(s): State<AppState>,
    Auth(pass): Auth<TraceRead>,
    ApiPath(id): ApiPath<i64>,
    Query(p): Query<TraceParams>,
) -> ApiResult<Response> {
    answer(&s, pass, Subject::Grant(id), p).await
}

/// The person to trace.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PersonInput {
    /// 公民身份号码 (GB 11643). Not stored: the query uses its keyed digest.
    id_number: String,
}

/// Which departments received the record of a person, and when (security and audit
/// administrators; the query is recorded with the digest, never the number). POST so the number
/// stays out of URLs and logs.
#[utoipa::path(post, path = "/api/v1/trace/person", operation_id = "trace.person", tag = "trace",
    request_body = PersonInput,
    responses((status = 200, body = PersonTrace), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn person(
    State(s): State<AppState>,
    Auth(pass): Auth<TracePerson>,
    ApiJson(input): ApiJson<PersonInput>,
) -> ApiResult<Json<PersonTrace>> {
    Ok(Json(s.trace.person(&pass, &input.id_number).await?))
}

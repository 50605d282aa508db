//! The catalogue as files: export (Excel "一本账", CSV, JSON) and all-or-nothing import.

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zs_catalog::Entry;
use zs_catalog_xlsx::CellProblem;
use zs_identity::policy::{CatalogExport, CatalogImport};
use zs_types::ErrorCode;

pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// What to export.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExportParams {
    /// `xlsx` (default), `csv` or `json`.
    format: Option<String>,
    /// For CSV: `entries` (default) or `items`.
    sheet: Option<String>,
    /// Only this provider's entries.
    org_id: Option<i64>,
    /// `template`: the empty import template (xlsx).
    kind: Option<String>,
}

fn file(content_type: &str, name: &str, bytes: Vec<u8>) -> Response {
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let disposition = format!("attachment; filename=\"{name}\"");
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    (h, bytes).into_response()
}

/// Export the catalogue the caller may see: the city's "一本账" as an Excel workbook (sheets
/// 信息资源, 信息项, 填写说明), as CSV (one sheet per request) or as JSON.
#[utoipa::path(get, path = "/api/v1/catalog/export", operation_id = "catalog.export", tag = "catalog", params(ExportParams),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), (status = 422, body = ErrorBody)))]
pub(crate) async fn export(
    State(s): State<AppState>,
    Auth(pass): Auth<CatalogExport>,
    Query(p): Query<ExportParams>,
) -> ApiResult<Response> {
    if p.kind.as_deref() == Some("template") {
        return Ok(file(
            XLSX,
            "catalogue-template.xlsx",
            zs_catalog_xlsx::template_xlsx().map_err(zs_types::Error::from)?,
        ));
    }
    let entries = s.catalog.export(&pass, p.org_id).await?;
    match p.format.as_deref().unwrap_or("xlsx") {
        "xlsx" => {
            Ok(file(XLSX, "catalogue.xlsx", zs_catalog_xlsx::export_xlsx(&entries).map_err(zs_types::Error::from)?))
        }
        "json" => Ok(file(
            "application/json",
            "catalogue.json",
            zs_catalog_xlsx::export_json(&entries).map_err(zs_types::Error::from)?,
        )),
        "csv" => {
            let (e, i) = zs_catalog_xlsx::export_csv(&entries).map_err(zs_types::Error::from)?;
            match p.sheet.as_deref().unwrap_or("entries") {
                "entries" => Ok(file("text/csv; charset=utf-8", "catalogue-entries.csv", e)),
                "items" => Ok(file("text/csv; charset=utf-8", "catalogue-items.csv", i)),
                other => Err(ApiError(zs_types::Error::invalid(
                    "sheet",
                    format!("unknown sheet '{other}': use entries or items"),
                ))),
            }
        }
        other => Err(ApiError(zs_types::Error::invalid(
            "format",
            format!("unknown format '{other}': use xlsx, csv or json"),
        ))),
    }
}

/// The result of an import.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ImportReport {
    /// How many entries were created as drafts.
    imported: usize,
    /// The created entries.
    entries: Vec<Entry>,
}

/// An import refused because of problems in the file; nothing was imported.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ImportProblems {
    code: &'static str,
    message: String,
    request_id: String,
    /// Every problem found (up to 1,000), with sheet, row and column.
    problems: Vec<CellProblem>,
    /// Problems beyond the listed ones.
    omitted: usize,
}

/// Import entries as drafts of the caller's department from the Excel template
/// (`Content-Type` of xlsx) or JSON. All or nothing: any problem in the file and nothing is
/// imported; the answer lists every problem by sheet, row and column.
#[utoipa::path(post, path = "/api/v1/catalog/import", operation_id = "catalog.import", tag = "catalog",
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", description = "The filled template (or JSON)"),
    responses((status = 201, body = ImportReport), (status = 422, body = ImportProblems), (status = 409, body = ErrorBody)))]
pub(crate) async fn import(
    State(s): State<AppState>,
    Auth(pass): Auth<CatalogImport>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let parsed = if ct.starts_with("application/json") {
        zs_catalog_xlsx::import_json(&body)
    } else if ct.starts_with(XLSX)
        || ct.starts_with("application/vnd.ms-excel")
        || ct.starts_with("application/octet-stream")
    {
        zs_catalog_xlsx::import_xlsx(&body)
    } else {
        return Err(ApiError::new(ErrorCode::UnsupportedMediaType, "send the Excel template (xlsx) or JSON"));
    };
    match parsed {
        Ok(list) => {
            let bodies = list.into_iter().map(|e| e.body).collect();
            let entries = s.catalog.import(&pass, bodies, "API upload").await?;
            Ok((StatusCode::CREATED, Json(ImportReport { imported: entries.len(), entries })).into_response())
        }
        Err(e) => {
            let body = ImportProblems {
                code: ErrorCode::InvalidInput.as_str(),
                message: format!("the file has {} problem(s); nothing was imported", e.total()),
                request_id: crate::request_id::current().unwrap_or_default(),
                omitted: e.omitted,
                problems: e.problems,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response())
        }
    }
}

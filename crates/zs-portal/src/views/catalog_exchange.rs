//! The catalogue as files: export links (the "一本账" as Excel, CSV or JSON, optionally one
//! department's entries), the empty import template, and the all-or-nothing import of a filled
//! template (stewards): either every entry becomes a draft, or the page lists every problem by
//! sheet, row and column and nothing is imported.

use crate::forms::PortalQuery;
use crate::i18n;
use crate::page::{render, Chrome, FormError, Opt, PageResult, Reject};
use crate::session::Ctx;
use crate::views::catalog_common::{element_label, tabs, Tab};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use zs_catalog::Entry;
use zs_catalog_xlsx::{CellProblem, ImportError};
use zs_http::AppState;
use zs_identity::policy::{CatalogExport, CatalogImport};
use zs_types::{Error, ErrorCode};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Query of the export links.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExportQuery {
    /// Only this department's entries.
    org_id: String,
    /// CSV: `entries` (default) or `items`.
    sheet: String,
}

/// A problem of a refused import, as shown.
pub struct ProblemRow {
    sheet: String,
    row: String,
    column: String,
    message: String,
}

/// An imported entry.
pub struct ImportedRow {
    id: i64,
    code: String,
    name: String,
}

/// What an import came to.
pub enum Outcome {
    /// Every entry became a draft.
    Imported(Vec<ImportedRow>),
    /// Nothing was imported because of these problems.
    Refused(Refusal),
}

/// The problems of a refused import.
pub struct Refusal {
    problems: Vec<ProblemRow>,
    /// Problems found but not listed.
    omitted: usize,
}

impl Refusal {
    /// Every problem found, listed or not.
    fn total(&self) -> usize {
        self.problems.len() + self.omitted
    }
}

#[derive(Template)]
#[template(path = "catalog_exchange.html")]
struct ExchangePage {
    c: Chrome,
    tabs: Vec<Tab>,
    departments: Vec<Opt>,
    can_import: bool,
    file_name: String,
    outcome: Option<Outcome>,
    error: Option<FormError>,
}

fn org_filter(ctx: &Ctx, raw: &str) -> Result<Option<i64>, Reject> {
    match raw.trim() {
        "" => Ok(None),
        v => v.parse::<i64>().map(Some).map_err(|_| ctx.fail(Error::invalid("org_id", "org_id must be a number"))),
    }
}

/// A file download that no cache keeps.
fn download(content_type: &'static str, name: &str, bytes: Vec<u8>) -> Response {
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    (StatusCode::OK, h, bytes).into_response()
}

/// Run a CPU-bound file writer off the async threads.
async fn blocking<T: Send + 'static>(
    ctx: &Ctx,
    f: impl FnOnce() -> Result<T, zs_catalog_xlsx::Error> + Send + 'static,
) -> Result<T, Reject> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ctx.fail(Error::internal(format!("export task failed: {e}"))))?
        .map_err(|e| ctx.fail(e.into()))
}

async fn entries(s: &AppState, ctx: &Ctx, q: &ExportQuery) -> Result<Vec<Entry>, Reject> {
    let pass = ctx.authorize::<CatalogExport>(s).await?;
    let org = org_filter(ctx, &q.org_id)?;
    s.catalog.export(&pass, org).await.map_err(|e| ctx.fail(e))
}

/// `GET /catalog/export.xlsx[?org_id=]`: the 一本账 workbook.
pub async fn export_xlsx(State(s): State<AppState>, ctx: Ctx, PortalQuery(q): PortalQuery<ExportQuery>) -> PageResult {
    let list = entries(&s, &ctx, &q).await?;
    let bytes = blocking(&ctx, move || zs_catalog_xlsx::export_xlsx(&list)).await?;
    Ok(download(XLSX, "catalogue.xlsx", bytes))
}

/// `GET /catalog/export.csv[?org_id=&sheet=items]`: one of the two CSV sheets (UTF-8 with BOM).
pub async fn export_csv(State(s): State<AppState>, ctx: Ctx, PortalQuery(q): PortalQuery<ExportQuery>) -> PageResult {
    let items = match q.sheet.trim() {
        "" | "entries" => false,
        "items" => true,
        _ => return Err(ctx.fail(Error::invalid("sheet", "sheet must be entries or items"))),
    };
    let list = entries(&s, &ctx, &q).await?;
    let (e, i) = blocking(&ctx, move || zs_catalog_xlsx::export_csv(&list)).await?;
    Ok(if items {
        download("text/csv; charset=utf-8", "catalogue-items.csv", i)
    } else {
        download("text/csv; charset=utf-8", "catalogue-entries.csv", e)
    })
}

/// `GET /catalog/export.json[?org_id=]`.
pub async fn export_json(State(s): State<AppState>, ctx: Ctx, PortalQuery(q): PortalQuery<ExportQuery>) -> PageResult {
    let list = entries(&s, &ctx, &q).await?;
    let bytes = blocking(&ctx, move || zs_catalog_xlsx::export_json(&list)).await?;
    Ok(download("application/json", "catalogue.json", bytes))
}

/// `GET /catalog/template.xlsx`: the empty import template with its 填写说明 sheet.
pub async fn template(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    ctx.authorize::<CatalogExport>(&s).await?;
    let bytes = blocking(&ctx, zs_catalog_xlsx::template_xlsx).await?;
    Ok(download(XLSX, "catalogue-template.xlsx", bytes))
}

async fn page(
    s: &AppState,
    ctx: &Ctx,
    file_name: String,
    outcome: Option<Outcome>,
    error: Option<FormError>,
    status: StatusCode,
) -> PageResult {
    ctx.authorize::<CatalogExport>(s).await?;
    // The departments whose entries the caller can see, for the export filter.
    let visible = s.catalog.visible_entries(&ctx.principal).await.map_err(|e| ctx.fail(e))?;
    let mut by_org: BTreeMap<i64, (String, usize)> = BTreeMap::new();
    for e in &visible {
        by_org.entry(e.org_id).or_insert_with(|| (e.provider.clone(), 0)).1 += 1;
    }
    let mut departments: Vec<Opt> = by_org
        .into_iter()
        .map(|(id, (name, n))| Opt { value: id.to_string(), label: format!("{name} ({n})"), selected: false })
        .collect();
    departments.sort_by(|a, b| a.label.cmp(&b.label));
    let page = ExchangePage {
        c: ctx.chrome("catalog"),
        tabs: tabs(ctx, "exchange"),
        departments,
        can_import: ctx.allows("catalog.import"),
        file_name,
        outcome,
        error,
    };
    Ok(render(status, &page))
}

/// `GET /catalog/exchange`.
pub async fn show(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    page(&s, &ctx, String::new(), None, None, StatusCode::OK).await
}

/// The problems of a file, as rows.
fn file_problems(e: ImportError) -> Outcome {
    let problems = e
        .problems
        .into_iter()
        .map(|CellProblem { sheet, row, column, message }| ProblemRow {
            sheet,
            row: if row == 0 { String::new() } else { row.to_string() },
            column,
            message,
        })
        .collect();
    Outcome::Refused(Refusal { problems, omitted: e.omitted })
}

/// A refusal by the service (a name already taken, …), as one problem row. The service names
/// the entry by its position in the file and the element by its path (`entries[2].name`).
fn service_problem(lang: i18n::Lang, e: &Error) -> Outcome {
    let column = e
        .field
        .as_deref()
        .map(|f| match f.split_once("].") {
            Some((_, element)) if f.starts_with("entries[") => element_label(lang, element),
            _ => element_label(lang, f),
        })
        .unwrap_or_default();
    let problems = vec![ProblemRow { sheet: String::new(), row: String::new(), column, message: e.message.clone() }];
    Outcome::Refused(Refusal { problems, omitted: 0 })
}

/// The uploaded form: CSRF token, file name and content.
struct Upload {
    csrf: String,
    name: String,
    bytes: Vec<u8>,
}

async fn read_upload(ctx: &Ctx, mut mp: Multipart) -> Result<Upload, Reject> {
    let mut up = Upload { csrf: String::new(), name: String::new(), bytes: Vec::new() };
    let broken = |e: axum::extract::multipart::MultipartError| {
        let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ErrorCode::PayloadTooLarge
        } else {
            ErrorCode::MalformedBody
        };
        ctx.fail(Error::new(code, e.body_text()))
    };
    while let Some(field) = mp.next_field().await.map_err(broken)? {
        match field.name() {
            Some("csrf") => up.csrf = field.text().await.map_err(broken)?,
            Some("file") => {
                up.name = field.file_name().unwrap_or("").to_owned();
                up.bytes = field.bytes().await.map_err(broken)?.to_vec();
            }
            _ => {}
        }
    }
    Ok(up)
}

/// `POST /catalog/exchange/import` (multipart: `csrf`, `file`).
pub async fn import(State(s): State<AppState>, ctx: Ctx, mp: Multipart) -> PageResult {
    let up = read_upload(&ctx, mp).await?;
    ctx.check_csrf(&up.csrf)?;
    let pass = ctx.authorize::<CatalogImport>(&s).await?;
    let name: String = up.name.chars().filter(|c| !c.is_control()).take(200).collect();
    if up.bytes.is_empty() {
        let fe = FormError::new(ctx.lang, &Error::invalid("file", "choose the filled-in template to upload"));
        return page(&s, &ctx, name, None, Some(fe), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let lower = name.to_lowercase();
    let bytes = up.bytes;
    let read = tokio::task::spawn_blocking(move || {
        if lower.ends_with(".json") {
            zs_catalog_xlsx::import_json(&bytes)
        } else {
            zs_catalog_xlsx::import_xlsx(&bytes)
        }
    })
    .await
    .map_err(|e| ctx.fail(Error::internal(format!("import task failed: {e}"))))?;
    let outcome = match read {
        Err(problems) => file_problems(problems),
        Ok(read) => {
            let bodies = read.into_iter().map(|r| r.body).collect();
            match s.catalog.import(&pass, bodies, &name).await {
                Ok(created) => Outcome::Imported(
                    created.into_iter().map(|e| ImportedRow { id: e.id, code: e.code, name: e.body.name }).collect(),
                ),
                Err(e) if crate::page::is_form_error(&e) || e.code == ErrorCode::Conflict => {
                    service_problem(ctx.lang, &e)
                }
                Err(e) => return Err(ctx.fail(e)),
            }
        }
    };
    let status = match outcome {
        Outcome::Imported(_) => StatusCode::OK,
        Outcome::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    page(&s, &ctx, name, Some(outcome), None, status).await
}

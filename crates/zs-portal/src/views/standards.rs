//! Data standards pages: the registry of standard data elements (数据元) with the operators'
//! create, edit and deprecate forms, and the per-department conformance report with its Excel
//! download.

use crate::forms::{PortalForm, PortalQuery};
use crate::page::{is_form_error, redirect, render, Chrome, FormError, Opt, PageResult};
use crate::session::Ctx;
use crate::views::resource::{download, XLSX};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use zs_catalog::DataType;
use zs_http::AppState;
use zs_identity::policy::{ConformanceRead, ElementManage, ElementRead};
use zs_standards::{CodeValue, ConformanceReport, ConformanceSummary, DataElement, ElementInput, ElementStatus};
use zs_types::Error;

#[derive(Template)]
#[template(path = "standards_elements.html")]
struct ElementsPage {
    c: Chrome,
    notice: String,
    elements: Vec<DataElement>,
    can_manage: bool,
}

/// Notice after a change.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ElementQuery {
    notice: String,
}

fn notice(ctx: &Ctx, q: &ElementQuery) -> String {
    match q.notice.as_str() {
        "created" => ctx.t("std.notice.created").to_owned(),
        "saved" => ctx.t("std.notice.saved").to_owned(),
        "deprecated" => ctx.t("std.notice.deprecated").to_owned(),
        "activated" => ctx.t("std.notice.activated").to_owned(),
        _ => String::new(),
    }
}

/// `GET /standards/elements`.
pub async fn list(State(s): State<AppState>, ctx: Ctx, PortalQuery(q): PortalQuery<ElementQuery>) -> PageResult {
    let pass = ctx.authorize::<ElementRead>(&s).await?;
    let elements = s.standards.elements(&pass).await.map_err(|e| ctx.fail(e))?;
    let page = ElementsPage {
        c: ctx.chrome("standards"),
        notice: notice(&ctx, &q),
        elements,
        can_manage: ctx.allows("element.manage"),
    };
    Ok(render(StatusCode::OK, &page))
}

/// The element form as submitted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ElementForm {
    csrf: String,
    id: String,
    name_zh: String,
    name_en: String,
    definition: String,
    data_type: String,
    format: String,
    length: String,
    value_domain: String,
    standard_ref: String,
    /// Other labels, separated by commas, 、 or new lines.
    aliases: String,
    /// One code per line: `code label`.
    code_list: String,
    /// The version the edit started from.
    version: String,
}

impl ElementForm {
    fn from_element(e: &DataElement) -> Self {
        Self {
            csrf: String::new(),
            id: e.id.clone(),
            name_zh: e.name_zh.clone(),
            name_en: e.name_en.clone(),
            definition: e.definition.clone(),
            data_type: e.data_type.as_str().to_owned(),
            format: e.format.clone(),
            length: e.length.map(|n| n.to_string()).unwrap_or_default(),
            value_domain: e.value_domain.clone(),
            standard_ref: e.standard_ref.clone(),
            aliases: e.aliases.join("、"),
            code_list: e.code_list.iter().map(|c| format!("{} {}", c.code, c.label)).collect::<Vec<_>>().join("\n"),
            version: e.version.to_string(),
        }
    }

    fn input(&self) -> Result<ElementInput, Error> {
        let data_type =
            DataType::parse(&self.data_type).ok_or_else(|| Error::invalid("data_type", "choose a data type"))?;
        let length = match self.length.trim() {
            "" => None,
            n => Some(n.parse::<u32>().map_err(|_| Error::invalid("length", "length must be a whole number"))?),
        };
        let aliases = self
            .aliases
            .split([',', '，', '、', '\n'])
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect();
        let mut code_list = Vec::new();
        for (i, line) in self.code_list.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
            let (code, label) = line
                .split_once(|c: char| c.is_whitespace() || c == '=')
                .ok_or_else(|| Error::invalid("code_list", format!("line {}: write 'code label'", i + 1)))?;
            code_list.push(CodeValue { code: code.trim().to_owned(), label: label.trim().to_owned() });
        }
        Ok(ElementInput {
            id: self.id.trim().to_owned(),
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            definition: self.definition.clone(),
            data_type,
            format: self.format.clone(),
            length,
            value_domain: self.value_domain.clone(),
            code_list,
            aliases,
            standard_ref: self.standard_ref.clone(),
        })
    }
}

#[derive(Template)]
#[template(path = "standards_element.html")]
struct ElementPage {
    c: Chrome,
    notice: String,
    /// None: the new-element form.
    element: Option<DataElement>,
    can_manage: bool,
    form: ElementForm,
    types: Vec<Opt>,
    error: Option<FormError>,
}

fn types(lang: crate::i18n::Lang, selected: &str) -> Vec<Opt> {
    DataType::ALL
        .iter()
        .map(|t| Opt {
            value: t.as_str().to_owned(),
            label: if lang == crate::i18n::Lang::En { t.label_en() } else { t.label_zh() }.to_owned(),
            selected: t.as_str() == selected,
        })
        .collect()
}

async fn element_page(
    s: &AppState,
    ctx: &Ctx,
    element: Option<DataElement>,
    form: Option<ElementForm>,
    error: Option<FormError>,
    notice: String,
    status: StatusCode,
) -> PageResult {
    let form = form.unwrap_or_else(|| element.as_ref().map(ElementForm::from_element).unwrap_or_default());
    let _ = s;
    let page = ElementPage {
        c: ctx.chrome("standards"),
        notice,
        types: types(ctx.lang, if form.data_type.is_empty() { "string" } else { &form.data_type }),
        can_manage: ctx.allows("element.manage"),
        element,
        form,
        error,
    };
    Ok(render(status, &page))
}

/// `GET /standards/elements/{id}`.
pub async fn show(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PortalQuery(q): PortalQuery<ElementQuery>,
) -> PageResult {
    let pass = ctx.authorize::<ElementRead>(&s).await?;
    let e = s.standards.element(&pass, &id).await.map_err(|e| ctx.fail(e))?;
    element_page(&s, &ctx, Some(e), None, None, notice(&ctx, &q), StatusCode::OK).await
}

/// `GET /standards/elements/new`.
pub async fn new_form(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    ctx.authorize::<ElementManage>(&s).await?;
    element_page(&s, &ctx, None, None, None, String::new(), StatusCode::OK).await
}

fn form_status(e: &Error) -> StatusCode {
    StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY)
}

/// `POST /standards/elements`: create; errors re-render the form with the input kept.
pub async fn create(State(s): State<AppState>, ctx: Ctx, PortalForm(f): PortalForm<ElementForm>) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<ElementManage>(&s).await?;
    let result = match f.input() {
        Ok(input) => s.standards.create_element(&pass, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(e) => Ok(redirect(&format!("/standards/elements/{}?notice=created", e.id))),
        Err(e) if is_form_error(&e) => {
            let fe = FormError::new(ctx.lang, &e);
            element_page(&s, &ctx, None, Some(f), Some(fe), String::new(), form_status(&e)).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// `POST /standards/elements/{id}`: save an edit.
pub async fn edit(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PortalForm(f): PortalForm<ElementForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<ElementManage>(&s).await?;
    let version = f.version.trim().parse::<i64>().ok();
    let result = match f.input() {
        Ok(mut input) => {
            input.id = id.clone();
            s.standards.edit_element(&pass, &id, input, version).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(e) => Ok(redirect(&format!("/standards/elements/{}?notice=saved", e.id))),
        Err(e) if is_form_error(&e) || e.code == zs_types::ErrorCode::Conflict => {
            let read = ctx.authorize::<ElementRead>(&s).await?;
            let current = s.standards.element(&read, &id).await.map_err(|e| ctx.fail(e))?;
            let fe = FormError::new(ctx.lang, &e);
            element_page(&s, &ctx, Some(current), Some(f), Some(fe), String::new(), form_status(&e)).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// The deprecate / activate form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusForm {
    csrf: String,
    /// `deprecated` or `active`.
    status: String,
    version: String,
}

/// `POST /standards/elements/{id}/status`.
pub async fn set_status(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PortalForm(f): PortalForm<StatusForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<ElementManage>(&s).await?;
    let (status, notice) = match f.status.as_str() {
        "deprecated" => (ElementStatus::Deprecated, "deprecated"),
        "active" => (ElementStatus::Active, "activated"),
        _ => return Err(ctx.fail(Error::invalid("status", "status must be deprecated or active"))),
    };
    let version = f.version.trim().parse::<i64>().ok();
    let e = s.standards.set_element_status(&pass, &id, status, version).await.map_err(|e| ctx.fail(e))?;
    Ok(redirect(&format!("/standards/elements/{}?notice={notice}", e.id)))
}

/// Which department's report.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConformanceQuery {
    org_id: String,
}

#[derive(Template)]
#[template(path = "standards_conformance.html")]
struct ConformancePage {
    c: Chrome,
    summary: Vec<ConformanceSummary>,
    report: ConformanceReport,
    rate: String,
}

async fn report(s: &AppState, ctx: &Ctx, q: &ConformanceQuery) -> Result<ConformanceReport, crate::page::Reject> {
    let pass = ctx.authorize::<ConformanceRead>(s).await?;
    let org_id = match q.org_id.trim() {
        "" => None,
        v => Some(v.parse::<i64>().map_err(|_| ctx.fail(Error::not_found("department")))?),
    };
    let org_id = match org_id {
        Some(id) => Some(id),
        None if ctx.principal.org.kind != zs_types::model::OrgKind::Department => {
            // An area's account: the first department in scope with entries.
            let summary = s.standards.conformance_summary(&pass).await.map_err(|e| ctx.fail(e))?;
            summary.first().map(|d| d.org_id)
        }
        None => None,
    };
    s.standards.conformance(&pass, org_id).await.map_err(|e| ctx.fail(e))
}

/// `GET /standards/conformance[?org_id=N]`.
pub async fn conformance(
    State(s): State<AppState>,
    ctx: Ctx,
    PortalQuery(q): PortalQuery<ConformanceQuery>,
) -> PageResult {
    let r = report(&s, &ctx, &q).await?;
    let pass = ctx.authorize::<ConformanceRead>(&s).await?;
    let summary = s.standards.conformance_summary(&pass).await.map_err(|e| ctx.fail(e))?;
    // Of the items that refer, or should refer, to an element: the share that conform.
    let missing = r.problems.iter().filter(|p| p.kind == zs_standards::ProblemKind::MissingReference).count() as u64;
    let rate = match r.referencing + missing {
        0 => "—".to_owned(),
        n => crate::views::report::pct(r.conforming as f64 / n as f64),
    };
    let page = ConformancePage { c: ctx.chrome("conformance"), summary, report: r, rate };
    Ok(render(StatusCode::OK, &page))
}

/// `GET /standards/conformance.xlsx[?org_id=N]`.
pub async fn conformance_xlsx(
    State(s): State<AppState>,
    ctx: Ctx,
    PortalQuery(q): PortalQuery<ConformanceQuery>,
) -> PageResult {
    let r = report(&s, &ctx, &q).await?;
    let name = format!("conformance-{}.xlsx", r.org_id);
    let bytes = tokio::task::spawn_blocking(move || r.to_xlsx())
        .await
        .map_err(|e| ctx.fail(Error::internal(format!("report task failed: {e}"))))?
        .map_err(|e| ctx.fail(e))?;
    Ok(download(XLSX, &name, bytes))
}

/// Text key of a problem kind.
pub fn problem_key(kind: &zs_standards::ProblemKind) -> &'static str {
    match kind {
        zs_standards::ProblemKind::MissingReference => "std.problem.missing_reference",
        zs_standards::ProblemKind::UnknownElement => "std.problem.unknown_element",
        zs_standards::ProblemKind::DeprecatedElement => "std.problem.deprecated_element",
        zs_standards::ProblemKind::TypeMismatch => "std.problem.type_mismatch",
        zs_standards::ProblemKind::LengthMismatch => "std.problem.length_mismatch",
    }
}

/// Text key of an element status.
pub fn status_key(s: &ElementStatus) -> &'static str {
    match s {
        ElementStatus::Active => "std.status.active",
        ElementStatus::Deprecated => "std.status.deprecated",
    }
}

/// A data type's label in the page language.
pub fn type_label(c: &Chrome, t: &DataType) -> &'static str {
    if c.is_en() {
        t.label_en()
    } else {
        t.label_zh()
    }
}

//! Classification and grading pages (数据分类分级): the city-wide overview (resources and items
//! per level and GB/T 43697 category, per department) and a resource's page (items with level
//! and category, the level-change form, the value scan and its suggestions to accept or
//! dismiss).

use crate::forms::{PortalForm, PortalQuery};
use crate::page::{redirect, render, Chrome, PageResult};
use crate::session::Ctx;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use zs_catalog::SecurityLevel;
use zs_http::AppState;
use zs_identity::policy::{ClassificationChange, ClassificationRead};
use zs_standards::{Category, GradingOverview, ResourceGrading};
use zs_types::Error;

/// Text key of a category.
pub fn category_key(c: &Category) -> &'static str {
    match c {
        Category::General => "cls.cat.general",
        Category::Important => "cls.cat.important",
        Category::Core => "cls.cat.core",
    }
}

/// CSS badge class of a category.
pub fn category_badge(c: &Category) -> &'static str {
    match c {
        Category::General => "badge-muted",
        Category::Important => "badge-amber",
        Category::Core => "badge-red",
    }
}

/// A level's label in the page language.
pub fn level_label(c: &Chrome, l: &SecurityLevel) -> &'static str {
    if c.is_en() {
        l.label_en()
    } else {
        l.label_zh()
    }
}

/// Text key of a detector.
pub fn detector_key(d: &str) -> &'static str {
    match d {
        "id_number" => "cls.det.id_number",
        "credit_code" => "cls.det.credit_code",
        "bank_card" => "cls.det.bank_card",
        "mobile" => "cls.det.mobile",
        "email" => "cls.det.email",
        "chinese_name" => "cls.det.chinese_name",
        "address" => "cls.det.address",
        _ => "cls.det.other",
    }
}

/// Text key of a suggestion state.
pub fn state_key(s: &str) -> &'static str {
    match s {
        "open" => "cls.state.open",
        "accepted" => "cls.state.accepted",
        _ => "cls.state.dismissed",
    }
}

#[derive(Template)]
#[template(path = "classification_overview.html")]
struct OverviewPage {
    c: Chrome,
    o: GradingOverview,
    levels: Vec<(SecurityLevel, Category)>,
}

/// `GET /classification`.
pub async fn overview(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    let pass = ctx.authorize::<ClassificationRead>(&s).await?;
    let o = s.standards.overview(&pass).await.map_err(|e| ctx.fail(e))?;
    let levels = s.standards.grading().table();
    Ok(render(StatusCode::OK, &OverviewPage { c: ctx.chrome("classification"), o, levels }))
}

#[derive(Template)]
#[template(path = "classification_resource.html")]
struct ResourcePage {
    c: Chrome,
    notice: String,
    g: ResourceGrading,
    levels: Vec<SecurityLevel>,
    class: String,
    seq: String,
}

/// Notice after an action.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Notice {
    notice: String,
    n: String,
}

/// `GET /classification/resources/{class}/{seq}`.
pub async fn resource(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((class, seq)): Path<(String, String)>,
    PortalQuery(q): PortalQuery<Notice>,
) -> PageResult {
    let pass = ctx.authorize::<ClassificationRead>(&s).await?;
    let g = s.standards.resource_grading(&pass, &format!("{class}/{seq}")).await.map_err(|e| ctx.fail(e))?;
    let notice = match q.notice.as_str() {
        "changed" => ctx.t("cls.notice.changed").to_owned(),
        "scanned" => crate::i18n::fill(ctx.lang, "cls.notice.scanned", &[("n", q.n.as_str())]),
        "accepted" => ctx.t("cls.notice.accepted").to_owned(),
        "dismissed" => ctx.t("cls.notice.dismissed").to_owned(),
        _ => String::new(),
    };
    let page =
        ResourcePage { c: ctx.chrome("classification"), notice, g, levels: SecurityLevel::ALL.to_vec(), class, seq };
    Ok(render(StatusCode::OK, &page))
}

/// The level-change form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LevelForm {
    csrf: String,
    item: String,
    level: String,
}

fn back(class: &str, seq: &str, notice: &str) -> String {
    format!("/classification/resources/{class}/{seq}?notice={notice}")
}

/// `POST /classification/resources/{class}/{seq}/levels`.
pub async fn set_level(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((class, seq)): Path<(String, String)>,
    PortalForm(f): PortalForm<LevelForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<ClassificationChange>(&s).await?;
    let level = SecurityLevel::parse(&f.level).ok_or_else(|| ctx.fail(Error::invalid("level", "choose a level")))?;
    s.standards.change_level(&pass, &format!("{class}/{seq}"), &f.item, level).await.map_err(|e| ctx.fail(e))?;
    Ok(redirect(&format!("{}#item-{}", back(&class, &seq, "changed"), f.item)))
}

/// `POST /classification/resources/{class}/{seq}/scan`.
pub async fn scan(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((class, seq)): Path<(String, String)>,
    PortalForm(f): PortalForm<crate::page::CsrfOnly>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<ClassificationChange>(&s).await?;
    let r = s.standards.scan(&pass, &format!("{class}/{seq}")).await.map_err(|e| ctx.fail(e))?;
    Ok(redirect(&format!("{}&n={}#suggestions", back(&class, &seq, "scanned"), r.suggestions)))
}

/// `POST /classification/resources/{class}/{seq}/suggestions/{id}/{decision}` (accept or dismiss).
pub async fn decide(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((class, seq, id, decision)): Path<(String, String, String, String)>,
    PortalForm(f): PortalForm<crate::page::CsrfOnly>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<ClassificationChange>(&s).await?;
    let id = id.parse::<i64>().map_err(|_| ctx.fail(Error::not_found("suggestion")))?;
    let accept = match decision.as_str() {
        "accept" => true,
        "dismiss" => false,
        _ => return Err(ctx.fail(Error::not_found("page"))),
    };
    s.standards.decide(&pass, &format!("{class}/{seq}"), id, accept).await.map_err(|e| ctx.fail(e))?;
    Ok(redirect(&format!("{}#suggestions", back(&class, &seq, if accept { "accepted" } else { "dismissed" }))))
}

/// A match ratio as a percentage.
pub fn ratio(r: &f64) -> String {
    crate::views::report::pct(*r)
}

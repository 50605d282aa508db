//! Sharing (共享) pages: apply from an entry (申请共享), the department's applications
//! (申请记录), the provider's review queue (待审核) with the grant-narrower-or-refuse form, grants
//! with revocation and "issue an API credential for this grant" (token shown once), and the
//! operator's queue of overdue applications.

use std::collections::HashMap;

use crate::forms::{PortalForm, PortalQuery};
use crate::page::{fmt_time, is_form_error, no_store, redirect, render, Chrome, CsrfOnly, FormError, PageResult};
use crate::session::Ctx;
use crate::views::secret::{secret_page, Fact};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use zs_catalog::{Entry, SharingKind};
use zs_http::AppState;
use zs_identity::policy::{
    CatalogRead, ShareApply, ShareCredential, ShareOverdue, ShareRead, ShareReview, ShareRevoke,
};
use zs_share::{ApplicationView, ApplyInput, GrantView, ReviewInput, RowCondition, APPLICANT_DIVISION};
use zs_types::Error;

/// An item offered on the application form.
pub struct ItemChoice {
    name: String,
    label: String,
    level: &'static str,
    sharing: &'static str,
    shareable: bool,
    checked: bool,
}

#[derive(Template)]
#[template(path = "share_apply.html")]
struct ApplyPage {
    c: Chrome,
    e: Entry,
    refused: String,
    sharing: &'static str,
    items: Vec<ItemChoice>,
    form: HashMap<String, String>,
    error: Option<FormError>,
}

impl ApplyPage {
    fn v(&self, k: &str) -> String {
        self.form.get(k).cloned().unwrap_or_default()
    }
}

/// `?code=` of the entry applied for.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CodeQuery {
    code: String,
}

async fn apply_page(
    s: &AppState,
    ctx: &Ctx,
    code: &str,
    form: HashMap<String, String>,
    error: Option<FormError>,
    status: StatusCode,
) -> PageResult {
    let read = ctx.authorize::<CatalogRead>(s).await?;
    let e = s.catalog.get_by_code(&read, code.trim()).await.map_err(|e| ctx.fail(e))?;
    let refused = match zs_share::applicable(&e) {
        Ok(()) => String::new(),
        Err(err) => err.message,
    };
    let fresh = form.is_empty();
    let items = e
        .body
        .items
        .iter()
        .map(|i| ItemChoice {
            name: i.name.clone(),
            label: i.label.clone(),
            level: i.security_level.label_zh(),
            sharing: if ctx.lang == crate::i18n::Lang::En { i.sharing.label_en() } else { i.sharing.label_zh() },
            shareable: i.sharing != SharingKind::None,
            checked: !fresh && form.contains_key(&format!("f_{}", i.name)),
        })
        .collect();
    let sharing =
        if ctx.lang == crate::i18n::Lang::En { e.body.sharing.kind.label_en() } else { e.body.sharing.kind.label_zh() };
    let mut form = form;
    if fresh {
        let until = zs_catalog::calendar::beijing_date(s.identity.now()) + time::Duration::days(365);
        form.insert("until".into(), until.to_string());
        form.insert("calls_per_day".into(), "1000".into());
        form.insert("rows_per_day".into(), "10000".into());
    }
    let page = ApplyPage { c: ctx.chrome("share-apps"), e, refused, sharing, items, form, error };
    Ok(render(status, &page))
}

/// `GET /share/apply?code=…`: the application form for an entry.
pub async fn apply_form(State(s): State<AppState>, ctx: Ctx, PortalQuery(q): PortalQuery<CodeQuery>) -> PageResult {
    ctx.authorize::<ShareApply>(&s).await?;
    apply_page(&s, &ctx, &q.code, HashMap::new(), None, StatusCode::OK).await
}

fn num(form: &HashMap<String, String>, k: &str) -> Result<i64, Error> {
    form.get(k)
        .map(|v| v.trim())
        .unwrap_or("")
        .parse()
        .map_err(|_| Error::invalid(k, format!("{k} must be a whole number")))
}

/// `POST /share/apply`: file the application.
pub async fn apply(
    State(s): State<AppState>,
    ctx: Ctx,
    PortalForm(f): PortalForm<HashMap<String, String>>,
) -> PageResult {
    ctx.check_csrf(f.get("csrf").map(String::as_str).unwrap_or(""))?;
    let pass = ctx.authorize::<ShareApply>(&s).await?;
    let code = f.get("code").cloned().unwrap_or_default();
    let input = (|| -> Result<ApplyInput, Error> {
        Ok(ApplyInput {
            code: code.clone(),
            fields: f.keys().filter_map(|k| k.strip_prefix("f_")).map(str::to_owned).collect(),
            purpose: f.get("purpose").cloned().unwrap_or_default(),
            scenario: f.get("scenario").cloned().unwrap_or_default(),
            legal_basis: f.get("legal_basis").cloned().unwrap_or_default(),
            until: f.get("until").cloned().unwrap_or_default(),
            calls_per_day: num(&f, "calls_per_day")?,
            rows_per_day: num(&f, "rows_per_day")?,
        })
    })();
    let r = match input {
        Ok(i) => s.share.apply(&pass, i).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(a) => Ok(redirect(&format!("/share/applications?created={}#application-{}", a.id, a.id))),
        Err(e) if is_form_error(&e) || e.code == zs_types::ErrorCode::NotShareable => {
            let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            let fe = FormError::new(ctx.lang, &e);
            apply_page(&s, &ctx, &code, f, Some(fe), status).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// An application as a table row.
pub struct AppRow {
    a: ApplicationView,
    state_key: &'static str,
    state_class: &'static str,
    kind_key: &'static str,
    highlight: bool,
}

fn app_row(a: ApplicationView, highlight: Option<i64>) -> AppRow {
    let (state_key, state_class) = match (a.state.as_str(), a.overdue) {
        ("granted", _) => ("share.state.granted", "green"),
        ("refused", _) => ("share.state.refused", "red"),
        (_, true) => ("share.state.overdue", "red"),
        _ => ("share.state.pending", "amber"),
    };
    let kind_key = if a.share_kind == "conditional" { "share.kind.conditional" } else { "share.kind.unconditional" };
    let highlight = highlight == Some(a.id);
    AppRow { a, state_key, state_class, kind_key, highlight }
}

#[derive(Template)]
#[template(path = "share_applications.html")]
struct ApplicationsPage {
    c: Chrome,
    title: &'static str,
    intro: &'static str,
    rows: Vec<AppRow>,
}

/// `?created=` after filing.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CreatedQuery {
    created: String,
    notice: String,
}

/// `GET /share/applications`: the department's applications (申请记录).
pub async fn applications(
    State(s): State<AppState>,
    ctx: Ctx,
    PortalQuery(q): PortalQuery<CreatedQuery>,
) -> PageResult {
    let pass = ctx.authorize::<ShareRead>(&s).await?;
    let list = s.share.my_applications(&pass).await.map_err(|e| ctx.fail(e))?;
    let hl = q.created.parse().ok();
    let rows = list.into_iter().map(|a| app_row(a, hl)).collect();
    let page =
        ApplicationsPage { c: ctx.chrome("share-apps"), title: "share.apps.title", intro: "share.apps.intro", rows };
    Ok(render(StatusCode::OK, &page))
}

/// `GET /share/overdue`: overdue applications escalated to the operator.
pub async fn overdue(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    let pass = ctx.authorize::<ShareOverdue>(&s).await?;
    let list = s.share.overdue_queue(&pass).await.map_err(|e| ctx.fail(e))?;
    let rows = list.into_iter().map(|a| app_row(a, None)).collect();
    let page = ApplicationsPage {
        c: ctx.chrome("share-overdue"),
        title: "share.overdue.title",
        intro: "share.overdue.intro",
        rows,
    };
    Ok(render(StatusCode::OK, &page))
}

/// An application awaiting review, with the items of its entry for the restriction.
pub struct ReviewRow {
    r: AppRow,
    items: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "share_reviews.html")]
struct ReviewsPage {
    c: Chrome,
    rows: Vec<ReviewRow>,
    error_for: i64,
    error: Option<FormError>,
    applicant_division: &'static str,
}

async fn reviews_page(
    s: &AppState,
    ctx: &Ctx,
    error_for: i64,
    error: Option<FormError>,
    status: StatusCode,
) -> PageResult {
    let pass = ctx.authorize::<ShareReview>(s).await?;
    let list = s.share.review_queue(&pass, false).await.map_err(|e| ctx.fail(e))?;
    let read = ctx.authorize::<CatalogRead>(s).await?;
    let mut rows = Vec::new();
    for a in list {
        let items = match s.catalog.get_by_code(&read, &a.code).await {
            Ok(e) => e.body.items.iter().map(|i| (i.name.clone(), i.label.clone())).collect(),
            Err(_) => Vec::new(),
        };
        rows.push(ReviewRow { r: app_row(a, None), items });
    }
    let page =
        ReviewsPage { c: ctx.chrome("share-reviews"), rows, error_for, error, applicant_division: APPLICANT_DIVISION };
    Ok(render(status, &page))
}

/// `GET /share/reviews`: applications addressed to the department (待审核).
pub async fn reviews(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    reviews_page(&s, &ctx, 0, None, StatusCode::OK).await
}

/// `POST /share/applications/{id}/review`: grant (possibly narrower) or refuse.
pub async fn review(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PortalForm(f): PortalForm<HashMap<String, String>>,
) -> PageResult {
    ctx.check_csrf(f.get("csrf").map(String::as_str).unwrap_or(""))?;
    let pass = ctx.authorize::<ShareReview>(&s).await?;
    let get = |k: &str| f.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let input = (|| -> Result<ReviewInput, Error> {
        let opt_num = |k: &str| {
            get(k)
                .map(|v| v.parse::<i64>().map_err(|_| Error::invalid(k, format!("{k} must be a whole number"))))
                .transpose()
        };
        let fields: Vec<String> = f.keys().filter_map(|k| k.strip_prefix("f_")).map(str::to_owned).collect();
        let mut row_filter = Vec::new();
        if let Some(item) = get("restrict_item") {
            let value = if get("restrict_applicant").is_some() {
                Some(APPLICANT_DIVISION.to_owned())
            } else {
                get("restrict_value")
            };
            let value = value.ok_or_else(|| {
                Error::invalid("row_filter", "give the value rows must have, or tick the applicant's division")
            })?;
            row_filter.push(RowCondition { item, value });
        }
        Ok(ReviewInput {
            decision: get("decision").unwrap_or_default(),
            note: get("note"),
            fields: (!fields.is_empty()).then_some(fields),
            row_filter,
            until: get("until"),
            calls_per_day: opt_num("calls_per_day")?,
            rows_per_day: opt_num("rows_per_day")?,
            masking: Default::default(),
        })
    })();
    let r = match input {
        Ok(i) => s.share.review(&pass, id, i).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(a) => Ok(redirect(&format!("/share/reviews?done={}", a.id))),
        Err(e) if is_form_error(&e) => {
            let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            let fe = FormError::new(ctx.lang, &e);
            reviews_page(&s, &ctx, id, Some(fe), status).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// A grant as a table row.
pub struct GrantRow {
    g: GrantView,
    state_key: &'static str,
    state_class: &'static str,
    until: String,
    filter: String,
    masking: String,
    can_revoke: bool,
    can_issue: bool,
}

#[derive(Template)]
#[template(path = "share_grants.html")]
struct GrantsPage {
    c: Chrome,
    notice: String,
    rows: Vec<GrantRow>,
}

/// `GET /share/grants`: grants held, given, or within an operator's area.
pub async fn grants(State(s): State<AppState>, ctx: Ctx, PortalQuery(q): PortalQuery<CreatedQuery>) -> PageResult {
    let pass = ctx.authorize::<ShareRead>(&s).await?;
    let list = s.share.grants(&pass).await.map_err(|e| ctx.fail(e))?;
    let me = &ctx.principal;
    let revokes = ctx.allows("share.revoke");
    let issues = ctx.allows("share.credential");
    let rows = list
        .into_iter()
        .map(|g| {
            let (state_key, state_class) = match g.state.as_str() {
                "active" => ("status.active", "green"),
                "revoked" => ("status.revoked", "red"),
                "suspended" => ("status.suspended", "red"),
                _ => ("status.expired", "amber"),
            };
            let active = g.state == "active";
            GrantRow {
                until: fmt_time(zs_types::clock::from_ms(g.valid_until)),
                filter: g.row_filter.iter().map(|c| format!("{} = {}", c.item, c.value)).collect::<Vec<_>>().join("; "),
                masking: g
                    .masking
                    .iter()
                    .map(|(k, t)| {
                        format!("{k}: {}", if ctx.lang == crate::i18n::Lang::En { t.label_en() } else { t.label_zh() })
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
                can_revoke: revokes
                    && active
                    && (g.provider == me.org.name || me.role() == zs_types::Role::PlatformOperator),
                can_issue: issues && active && g.consumer == me.org.name,
                state_key,
                state_class,
                g,
            }
        })
        .collect();
    let notice = if q.notice == "revoked" { ctx.t("share.grants.revoked").to_owned() } else { String::new() };
    Ok(render(StatusCode::OK, &GrantsPage { c: ctx.chrome("share-grants"), notice, rows }))
}

/// The revocation form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RevokeForm {
    csrf: String,
    reason: String,
}

/// `POST /share/grants/{id}/revoke`.
pub async fn revoke(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PortalForm(f): PortalForm<RevokeForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<ShareRevoke>(&s).await?;
    s.share.revoke(&pass, id, &f.reason).await.map_err(|e| ctx.fail(e))?;
    Ok(redirect(&format!("/share/grants?notice=revoked#grant-{id}")))
}

/// `POST /share/grants/{id}/credential`: issue a credential bound to the grant; the token is shown once.
pub async fn issue(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PortalForm(f): PortalForm<CsrfOnly>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<ShareCredential>(&s).await?;
    let (cred, token) = s.share.issue_credential(&pass, id, "", None).await.map_err(|e| ctx.fail(e))?;
    let facts = vec![
        Fact { key: "creds.name", value: cred.name.clone() },
        Fact { key: "creds.scopes", value: cred.scopes.join(", ") },
        Fact { key: "creds.expires", value: cred.expires_at.map(fmt_time).unwrap_or_default() },
        Fact { key: "share.grants.api", value: format!("{}/rows", zs_share::api_base(id)) },
    ];
    let subject = ctx.t("share.grants.token_intro").to_owned();
    Ok(no_store(secret_page(
        ctx.chrome("share-grants"),
        "secret.token_title",
        subject,
        "secret.token_warning",
        token,
        facts,
        format!("/share/grants#grant-{id}"),
    )))
}

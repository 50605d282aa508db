//! The entry form (stewards): `/catalog/new` and `/catalog/entries/{id}/edit`.
//!
//! Every element of the guideline has a field named by its element path (`sharing.legal_basis`,
//! `items[2].length`), the path the service uses in its errors, so each problem is shown next to
//! its field with the input kept. Items are rows of a table; "add row" re-renders the form with
//! one more empty row (no JavaScript needed), and blank rows are ignored.

use crate::forms::PortalForm;
use crate::page::{is_form_error, redirect, render, Chrome, FormError, Opt, PageResult};
use crate::session::Ctx;
use crate::views::catalog_common::{element_label, entry_id, options, tabs, Tab, Vocab};
use crate::views::catalog_form_model::{
    blank, field_id, parse_posted, EntryForm, FieldErrors, Intent, ItemRow, Posted,
};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use zs_catalog::{
    classification, validate, Classification, DataType, EntryBody, FormatKind, OpenKind, ResourceClass, SecurityLevel,
    SharingKind, SharingMethod, UpdateCycle,
};
use zs_http::AppState;
use zs_identity::policy::{CatalogEdit, CatalogRead};
use zs_types::{Error, ErrorCode};

/// A problem in the list above the form.
pub struct ProblemView {
    href: String,
    element: String,
    message: String,
}

/// A group of the classification select (one per 类).
pub struct ClassGroup {
    label: &'static str,
    opts: Vec<Opt>,
}

/// An item row with its choices.
pub struct RowView {
    i: usize,
    r: ItemRow,
    types: Vec<Opt>,
    levels: Vec<Opt>,
    sharings: Vec<Opt>,
    opens: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "catalog_form.html")]
struct FormPage {
    c: Chrome,
    tabs: Vec<Tab>,
    title: &'static str,
    action: String,
    /// Entry id and code when editing (the classification is then fixed).
    entry_id: i64,
    entry_code: String,
    class_label: String,
    form: EntryForm,
    classes: Vec<ClassGroup>,
    formats: Vec<Opt>,
    sharings: Vec<Opt>,
    methods: Vec<Opt>,
    opens: Vec<Opt>,
    cycles: Vec<Opt>,
    rows: Vec<RowView>,
    errs: FieldErrors,
    error: Option<FormError>,
    problems: Vec<ProblemView>,
}

/// Where the form posts and what it edits.
struct Target {
    id: i64,
    code: String,
}

fn form_page(
    ctx: &Ctx,
    target: Option<&Target>,
    form: EntryForm,
    errs: Vec<(String, String)>,
    error: Option<FormError>,
    status: StatusCode,
) -> PageResult {
    let lang = ctx.lang;
    let classes = ResourceClass::ALL
        .iter()
        .map(|class| ClassGroup {
            label: class.label(lang),
            opts: classification::items_of(*class)
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let value = format!("{}/{}", class.as_str(), i + 1);
                    Opt { label: format!("{:02} {name}", i + 1), selected: form.class_item == value, value }
                })
                .collect(),
        })
        .collect();
    let class_label = form
        .class_item
        .split_once('/')
        .and_then(|(c, i)| Some((ResourceClass::from_code(c)?, i.parse::<u8>().ok()?)))
        .map(|(class, item)| {
            let c = Classification { class, item, category: form.category.parse().unwrap_or(0), subcategory: 0 };
            format!("{} / {}", class.label(lang), classification::item_name(&c).unwrap_or("?"))
        })
        .unwrap_or_default();
    let rows = form
        .items
        .iter()
        .enumerate()
        .map(|(i, r)| RowView {
            i,
            types: options::<DataType>(lang, if r.data_type.is_empty() { "string" } else { &r.data_type }),
            levels: options::<SecurityLevel>(lang, if r.security_level.is_empty() { "L1" } else { &r.security_level }),
            sharings: options::<SharingKind>(lang, if r.sharing.is_empty() { &form.sharing_kind } else { &r.sharing }),
            opens: options::<OpenKind>(lang, if r.open.is_empty() { &form.open_kind } else { &r.open }),
            r: r.clone(),
        })
        .collect();
    let problems = errs
        .iter()
        .map(|(f, m)| ProblemView {
            href: format!("#{}", field_id(f)),
            element: element_label(lang, f),
            message: m.clone(),
        })
        .collect();
    let page = FormPage {
        c: ctx.chrome("catalog"),
        tabs: tabs(ctx, if target.is_none() { "new" } else { "" }),
        title: if target.is_none() { "cat.form.new_title" } else { "cat.form.edit_title" },
        action: match target {
            Some(t) => format!("/catalog/entries/{}/edit", t.id),
            None => "/catalog/new".into(),
        },
        entry_id: target.map(|t| t.id).unwrap_or(0),
        entry_code: target.map(|t| t.code.clone()).unwrap_or_default(),
        class_label,
        classes,
        formats: options::<FormatKind>(lang, &form.format_kind),
        sharings: options::<SharingKind>(lang, &form.sharing_kind),
        methods: options::<SharingMethod>(lang, &form.sharing_method),
        opens: options::<OpenKind>(lang, &form.open_kind),
        cycles: options::<UpdateCycle>(lang, &form.update_cycle),
        rows,
        errs: FieldErrors(errs),
        error,
        problems,
        form,
    };
    Ok(render(status, &page))
}

/// `GET /catalog/new`.
pub async fn new_form(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    ctx.authorize::<CatalogEdit>(&s).await?;
    form_page(&ctx, None, blank(), Vec::new(), None, StatusCode::OK)
}

/// The entry of the caller's own department being edited, with the body to start from (the
/// change in progress if there is one).
async fn editable(s: &AppState, ctx: &Ctx, id: i64) -> Result<(Target, EntryBody), crate::page::Reject> {
    let read = ctx.authorize::<CatalogRead>(s).await?;
    let e = s.catalog.get(&read, id).await.map_err(|e| ctx.fail(e))?;
    if e.org_id != ctx.principal.org.id.0 {
        return Err(ctx.fail(Error::not_found("catalogue entry")));
    }
    let body = match e.pending_version {
        Some(v) if !e.pending_withdrawal && e.published_version.is_some() => {
            s.catalog.version_body(&read, id, v).await.map_err(|e| ctx.fail(e))?
        }
        _ => e.body.clone(),
    };
    Ok((Target { id: e.id, code: e.code }, body))
}

/// `GET /catalog/entries/{id}/edit`.
pub async fn edit_form(State(s): State<AppState>, ctx: Ctx, Path(raw): Path<String>) -> PageResult {
    let id = entry_id(&ctx, &raw)?;
    ctx.authorize::<CatalogEdit>(&s).await?;
    let (target, body) = editable(&s, &ctx, id).await?;
    let mut form = EntryForm::from_body(&body);
    form.pad(1);
    form_page(&ctx, Some(&target), form, Vec::new(), None, StatusCode::OK)
}

/// Handle a posted form: add a row, or save through the service and go to the entry page.
async fn save(s: &AppState, ctx: &Ctx, target: Option<Target>, posted: Posted) -> PageResult {
    let mut form = posted.form;
    if posted.intent == Intent::AddRow {
        form.pad(1);
        return form_page(ctx, target.as_ref(), form, Vec::new(), None, StatusCode::OK);
    }
    form.compact();
    let pass = ctx.authorize::<CatalogEdit>(s).await?;
    let body = match form.to_body(ctx.lang) {
        Ok(b) => b,
        Err(bad) => {
            let e = Error::new(ErrorCode::InvalidInput, "some values could not be read");
            let fe = FormError::new(ctx.lang, &e);
            form.pad(1);
            return form_page(ctx, target.as_ref(), form, bad, Some(fe), StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let result = match &target {
        Some(t) => s.catalog.edit(&pass, t.id, body.clone()).await.map(|e| (e.id, "saved")),
        None => s.catalog.create(&pass, body.clone()).await.map(|e| (e.id, "created")),
    };
    match result {
        Ok((id, notice)) => Ok(redirect(&format!("/catalog/entries/{id}?notice={notice}"))),
        Err(e) if is_form_error(&e) || e.code == ErrorCode::Conflict => {
            let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            // Show every problem of the body at once, not only the first the service reports.
            let mut errs: Vec<(String, String)> = if e.code == ErrorCode::InvalidInput {
                validate::problems(&body).into_iter().map(|p| (p.field, p.message)).collect()
            } else {
                Vec::new()
            };
            if let Some(field) = &e.field {
                if !errs.iter().any(|(f, _)| f == field) {
                    errs.insert(0, (field.clone(), e.message.clone()));
                }
            }
            let mut fe = FormError::new(ctx.lang, &e);
            if !errs.is_empty() {
                // The list of problems says it all; no need to repeat the first one.
                fe.detail.clear();
            }
            form.pad(1);
            form_page(ctx, target.as_ref(), form, errs, Some(fe), status)
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// `POST /catalog/new`.
pub async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    PortalForm(pairs): PortalForm<Vec<(String, String)>>,
) -> PageResult {
    let posted = parse_posted(pairs);
    ctx.check_csrf(&posted.csrf)?;
    ctx.authorize::<CatalogEdit>(&s).await?;
    save(&s, &ctx, None, posted).await
}

/// `POST /catalog/entries/{id}/edit`.
pub async fn edit(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    PortalForm(pairs): PortalForm<Vec<(String, String)>>,
) -> PageResult {
    let posted = parse_posted(pairs);
    ctx.check_csrf(&posted.csrf)?;
    let id = entry_id(&ctx, &raw)?;
    ctx.authorize::<CatalogEdit>(&s).await?;
    let (target, _) = editable(&s, &ctx, id).await?;
    save(&s, &ctx, Some(target), posted).await
}

//! The entry form (stewards): `/catalog/new` and `/catalog/entries/{id}/edit`.
//!
//! Every element of the guideline has a field named by its element path (`sharing.legal_basis`,
//! `items[2].length`), the path the service uses in its errors, so each problem is shown next to
//! its field with the input kept. Items are rows of a table; "add row" re-renders the form with
//! one more empty row (no JavaScript needed), and blank rows are ignored.

use crate::forms::PortalForm;
use crate::i18n::{self, Lang};
use crate::page::{is_form_error, redirect, render, Chrome, FormError, Opt, PageResult};
use crate::session::Ctx;
use crate::views::catalog_common::{element_label, entry_id, options, tabs, Tab, Vocab};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use std::collections::BTreeMap;
use zs_catalog::{
    classification, validate, Classification, DataItem, DataType, EntryBody, Format, FormatKind, OpenKind, Openness,
    ResourceClass, SecurityLevel, Sharing, SharingKind, SharingMethod, UpdateCycle,
};
use zs_http::AppState;
use zs_identity::policy::{CatalogEdit, CatalogRead};
use zs_types::{Error, ErrorCode};

/// Highest item row index accepted from a form (more than the service allows, fewer than a
/// hostile form could ask for).
const MAX_ROW: usize = 1000;

/// Empty rows of a new form.
const NEW_ROWS: usize = 3;

/// One item row as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemRow {
    name: String,
    label: String,
    data_type: String,
    length: String,
    key: bool,
    element: String,
    security_level: String,
    sharing: String,
    open: String,
}

impl ItemRow {
    /// A row with nothing typed in (selects always carry a value and do not count).
    fn is_blank(&self) -> bool {
        [&self.name, &self.label, &self.length, &self.element].iter().all(|s| s.trim().is_empty()) && !self.key
    }

    fn set(&mut self, column: &str, value: String) {
        match column {
            "name" => self.name = value,
            "label" => self.label = value,
            "data_type" => self.data_type = value,
            "length" => self.length = value,
            "key" => self.key = !value.is_empty(),
            "element" => self.element = value,
            "security_level" => self.security_level = value,
            "sharing" => self.sharing = value,
            "open" => self.open = value,
            _ => {}
        }
    }
}

/// The entry form, every value kept as typed.
#[derive(Debug, Clone, Default)]
pub struct EntryForm {
    name: String,
    summary: String,
    /// `class/item`, e.g. `basic/1`.
    class_item: String,
    category: String,
    subcategory: String,
    format_kind: String,
    format_detail: String,
    sharing_kind: String,
    sharing_conditions: String,
    legal_basis: String,
    sharing_method: String,
    open_kind: String,
    open_conditions: String,
    update_cycle: String,
    /// One resource code per line.
    related: String,
    items: Vec<ItemRow>,
}

/// What the posted form asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intent {
    Save,
    AddRow,
}

/// A posted form: its CSRF token, intent and values.
struct Posted {
    csrf: String,
    intent: Intent,
    form: EntryForm,
}

fn parse_posted(pairs: Vec<(String, String)>) -> Posted {
    let mut f = EntryForm::default();
    let mut csrf = String::new();
    let mut intent = Intent::Save;
    let mut rows: BTreeMap<usize, ItemRow> = BTreeMap::new();
    for (k, v) in pairs {
        match k.as_str() {
            "csrf" => csrf = v,
            "action" => intent = if v == "add_row" { Intent::AddRow } else { Intent::Save },
            "name" => f.name = v,
            "summary" => f.summary = v,
            "classification" => f.class_item = v,
            "classification.category" => f.category = v,
            "classification.subcategory" => f.subcategory = v,
            "format.kind" => f.format_kind = v,
            "format.detail" => f.format_detail = v,
            "sharing.kind" => f.sharing_kind = v,
            "sharing.conditions" => f.sharing_conditions = v,
            "sharing.legal_basis" => f.legal_basis = v,
            "sharing.method" => f.sharing_method = v,
            "open.kind" => f.open_kind = v,
            "open.conditions" => f.open_conditions = v,
            "update_cycle" => f.update_cycle = v,
            "related" => f.related = v,
            other => {
                let Some((i, col)) = other.strip_prefix("items[").and_then(|r| r.split_once("].")) else { continue };
                match i.parse::<usize>() {
                    Ok(i) if i < MAX_ROW => rows.entry(i).or_default().set(col, v),
                    _ => {}
                }
            }
        }
    }
    f.items = rows.into_values().collect();
    Posted { csrf, intent, form: f }
}

fn opt_text(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

impl EntryForm {
    /// The form of an existing body.
    fn from_body(b: &EntryBody) -> Self {
        let c = &b.classification;
        EntryForm {
            name: b.name.clone(),
            summary: b.summary.clone(),
            class_item: format!("{}/{}", c.class.as_str(), c.item),
            category: c.category.to_string(),
            subcategory: if c.subcategory == 0 { String::new() } else { c.subcategory.to_string() },
            format_kind: b.format.kind.as_str().into(),
            format_detail: b.format.detail.clone(),
            sharing_kind: b.sharing.kind.as_str().into(),
            sharing_conditions: b.sharing.conditions.clone().unwrap_or_default(),
            legal_basis: b.sharing.legal_basis.clone().unwrap_or_default(),
            sharing_method: b.sharing.method.as_str().into(),
            open_kind: b.open.kind.as_str().into(),
            open_conditions: b.open.conditions.clone().unwrap_or_default(),
            update_cycle: b.update_cycle.as_str().into(),
            related: b.related.join("\n"),
            items: b
                .items
                .iter()
                .map(|i| ItemRow {
                    name: i.name.clone(),
                    label: i.label.clone(),
                    data_type: i.data_type.as_str().into(),
                    length: i.length.map(|l| l.to_string()).unwrap_or_default(),
                    key: i.key,
                    element: i.element.clone().unwrap_or_default(),
                    security_level: i.security_level.as_str().into(),
                    sharing: i.sharing.as_str().into(),
                    open: i.open.as_str().into(),
                })
                .collect(),
        }
    }

    /// Drop the blank rows, so that row `i` of the form is item `i` of the body.
    fn compact(&mut self) {
        self.items.retain(|r| !r.is_blank());
    }

    /// Add `n` empty rows.
    fn pad(&mut self, n: usize) {
        self.items.extend(std::iter::repeat_with(ItemRow::default).take(n));
    }

    /// The body, or every value that could not be read (unknown choices, non-numbers). Call
    /// [`EntryForm::compact`] first.
    fn to_body(&self, lang: Lang) -> Result<EntryBody, Vec<(String, String)>> {
        let mut bad: Vec<(String, String)> = Vec::new();
        let choose = i18n::t(lang, "cat.form.err_choose");
        let number = i18n::t(lang, "cat.form.err_number");
        fn pick<V: Vocab>(v: &str, field: &str, msg: &str, bad: &mut Vec<(String, String)>) -> Option<V> {
            let r = V::from_code(v);
            if r.is_none() {
                bad.push((field.to_owned(), msg.to_owned()));
            }
            r
        }
        fn num<T: std::str::FromStr>(v: &str, field: &str, msg: &str, bad: &mut Vec<(String, String)>) -> Option<T> {
            let r = v.trim().parse::<T>().ok();
            if r.is_none() {
                bad.push((field.to_owned(), msg.to_owned()));
            }
            r
        }
        let class_item = self
            .class_item
            .split_once('/')
            .and_then(|(c, i)| Some((ResourceClass::from_code(c)?, i.trim().parse::<u8>().ok()?)));
        if class_item.is_none() {
            bad.push(("classification".into(), choose.into()));
        }
        let category = num::<u16>(&self.category, "classification.category", number, &mut bad);
        let subcategory = if self.subcategory.trim().is_empty() {
            Some(0)
        } else {
            num::<u16>(&self.subcategory, "classification.subcategory", number, &mut bad)
        };
        let format_kind = pick::<FormatKind>(&self.format_kind, "format.kind", choose, &mut bad);
        let sharing_kind = pick::<SharingKind>(&self.sharing_kind, "sharing.kind", choose, &mut bad);
        let method = pick::<SharingMethod>(&self.sharing_method, "sharing.method", choose, &mut bad);
        let open_kind = pick::<OpenKind>(&self.open_kind, "open.kind", choose, &mut bad);
        let cycle = pick::<UpdateCycle>(&self.update_cycle, "update_cycle", choose, &mut bad);
        let mut items = Vec::with_capacity(self.items.len());
        for (i, r) in self.items.iter().enumerate() {
            let at = |c: &str| format!("items[{i}].{c}");
            let data_type = pick::<DataType>(&r.data_type, &at("data_type"), choose, &mut bad);
            let level = pick::<SecurityLevel>(&r.security_level, &at("security_level"), choose, &mut bad);
            let sharing = pick::<SharingKind>(&r.sharing, &at("sharing"), choose, &mut bad);
            let open = pick::<OpenKind>(&r.open, &at("open"), choose, &mut bad);
            let length = match r.length.trim() {
                "" => Some(None),
                l => num::<u32>(l, &at("length"), number, &mut bad).map(Some),
            };
            if let (Some(data_type), Some(security_level), Some(sharing), Some(open), Some(length)) =
                (data_type, level, sharing, open, length)
            {
                items.push(DataItem {
                    name: r.name.trim().to_owned(),
                    label: r.label.trim().to_owned(),
                    data_type,
                    length,
                    key: r.key,
                    element: opt_text(&r.element),
                    security_level,
                    sharing,
                    open,
                });
            }
        }
        let related: Vec<String> = self
            .related
            .split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == ';' || c == '；')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        match (class_item, category, subcategory, format_kind, sharing_kind, method, open_kind, cycle) {
            (
                Some((class, item)),
                Some(category),
                Some(subcategory),
                Some(fk),
                Some(sk),
                Some(m),
                Some(ok),
                Some(cy),
            ) if bad.is_empty() => Ok(EntryBody {
                name: self.name.trim().to_owned(),
                summary: self.summary.trim().to_owned(),
                classification: Classification { class, item, category, subcategory },
                format: Format { kind: fk, detail: self.format_detail.trim().to_owned() },
                items,
                sharing: Sharing {
                    kind: sk,
                    conditions: opt_text(&self.sharing_conditions),
                    legal_basis: opt_text(&self.legal_basis),
                    method: m,
                },
                open: Openness { kind: ok, conditions: opt_text(&self.open_conditions) },
                update_cycle: cy,
                related,
            }),
            _ => Err(bad),
        }
    }
}

/// Problems by element path, shown next to their fields.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<(String, String)>);

impl FieldErrors {
    /// The message for exactly this field, or empty.
    pub fn get(&self, field: &str) -> &str {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str()).unwrap_or("")
    }

    /// Messages of every field under a prefix (`related` covers `related[0]`…), joined.
    pub fn under(&self, prefix: &str) -> String {
        let v: Vec<&str> = self
            .0
            .iter()
            .filter(|(f, _)| f == prefix || f.strip_prefix(prefix).is_some_and(|r| r.starts_with('[')))
            .map(|(_, m)| m.as_str())
            .collect();
        v.join(" ")
    }

    /// The message for column `col` of item row `i`, or empty.
    pub fn item(&self, i: &usize, col: &str) -> &str {
        let field = format!("items[{i}].{col}");
        self.get(&field)
    }
}

/// The HTML id of the field of an element path (`items[2].length` → `f-items-2-length`).
pub fn field_id(path: &str) -> String {
    let base = match path {
        "classification.class" | "classification.item" => "classification",
        "items" => return "items-editor".into(),
        p if p.starts_with("related") => "related",
        p => p,
    };
    let mut id = String::from("f-");
    for ch in base.chars() {
        match ch {
            '.' | '[' => id.push('-'),
            ']' => {}
            c => id.push(c),
        }
    }
    id
}

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

/// A blank form with sensible first choices.
fn blank() -> EntryForm {
    let mut f = EntryForm {
        class_item: String::new(),
        format_kind: FormatKind::Table.as_str().into(),
        sharing_kind: SharingKind::Conditional.as_str().into(),
        sharing_method: SharingMethod::Api.as_str().into(),
        open_kind: OpenKind::None.as_str().into(),
        update_cycle: UpdateCycle::Daily.as_str().into(),
        ..EntryForm::default()
    };
    f.pad(NEW_ROWS);
    f
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn posted_rows_are_read_compacted_and_bounded() {
        let p = parse_posted(pairs(&[
            ("csrf", "t"),
            ("name", "测试"),
            ("items[3].name", "b"),
            ("items[0].name", "a"),
            ("items[0].key", "on"),
            ("items[1].name", " "),
            ("items[99999].name", "ignored"),
            ("items[x].name", "ignored"),
        ]));
        assert_eq!(p.csrf, "t");
        assert_eq!(p.intent, Intent::Save);
        let mut f = p.form;
        assert_eq!(f.items.len(), 3);
        f.compact();
        let names: Vec<&str> = f.items.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, vec!["a", "b"]);
        assert!(f.items[0].key);
        assert_eq!(parse_posted(pairs(&[("action", "add_row")])).intent, Intent::AddRow);
    }

    #[test]
    fn unreadable_values_name_their_fields() {
        let mut f = blank();
        f.class_item = "basic/1".into();
        f.category = "x".into();
        f.items[0].name = "a".into();
        f.items[0].length = "long".into();
        f.items[0].data_type = "string".into();
        f.items[0].security_level = "L9".into();
        f.items[0].sharing = "conditional".into();
        f.items[0].open = "none".into();
        f.compact();
        let bad = f.to_body(Lang::Zh).unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, vec!["classification.category", "items[0].security_level", "items[0].length"]);
    }

    #[test]
    fn body_round_trip() {
        let mut f = blank();
        f.class_item = "theme/3".into();
        f.category = "7".into();
        f.name = "名称".into();
        f.related = "101001000/000001\n101001000/000002，".into();
        f.items[0] = ItemRow {
            name: "a".into(),
            label: "甲".into(),
            data_type: "string".into(),
            length: "10".into(),
            key: true,
            element: String::new(),
            security_level: "L2".into(),
            sharing: "conditional".into(),
            open: "none".into(),
        };
        f.compact();
        let b = f.to_body(Lang::Zh).unwrap();
        assert_eq!(
            b.classification,
            Classification { class: ResourceClass::Theme, item: 3, category: 7, subcategory: 0 }
        );
        assert_eq!(b.related.len(), 2);
        assert_eq!(b.items[0].length, Some(10));
        let again = EntryForm::from_body(&b);
        assert_eq!(again.items, f.items);
        assert_eq!(again.class_item, "theme/3");
    }

    #[test]
    fn field_ids() {
        assert_eq!(field_id("items[2].length"), "f-items-2-length");
        assert_eq!(field_id("sharing.legal_basis"), "f-sharing-legal_basis");
        assert_eq!(field_id("classification.item"), "f-classification");
        assert_eq!(field_id("related[1]"), "f-related");
        assert_eq!(field_id("items"), "items-editor");
    }
}

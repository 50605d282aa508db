//! The entry form's model: every value kept as typed, read from the posted pairs (element
//! paths as field names), turned into an [`EntryBody`] or into the problems of the values that
//! cannot be read, and the problems by field for display.

use crate::i18n::{self, Lang};
use crate::views::catalog_common::Vocab;
use std::collections::BTreeMap;
use zs_catalog::{
    Classification, DataItem, DataType, EntryBody, Format, FormatKind, OpenKind, Openness, ResourceClass,
    SecurityLevel, Sharing, SharingKind, SharingMethod, UpdateCycle,
};

/// Highest item row index accepted from a form (more than the service allows, fewer than a
/// hostile form could ask for).
const MAX_ROW: usize = 1000;

/// Empty rows of a new form.
pub(crate) const NEW_ROWS: usize = 3;

/// One item row as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemRow {
    pub(crate) name: String,
    pub(crate) label: String,
    pub(crate) data_type: String,
    pub(crate) length: String,
    pub(crate) key: bool,
    pub(crate) element: String,
    pub(crate) security_level: String,
    pub(crate) sharing: String,
    pub(crate) open: String,
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
    pub(crate) name: String,
    pub(crate) summary: String,
    /// `class/item`, e.g. `basic/1`.
    pub(crate) class_item: String,
    pub(crate) category: String,
    pub(crate) subcategory: String,
    pub(crate) format_kind: String,
    pub(crate) format_detail: String,
    pub(crate) sharing_kind: String,
    pub(crate) sharing_conditions: String,
    pub(crate) legal_basis: String,
    pub(crate) sharing_method: String,
    pub(crate) open_kind: String,
    pub(crate) open_conditions: String,
    pub(crate) update_cycle: String,
    /// One resource code per line.
    pub(crate) related: String,
    pub(crate) items: Vec<ItemRow>,
}

/// What the posted form asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Intent {
    Save,
    AddRow,
}

/// A posted form: its CSRF token, intent and values.
pub(crate) struct Posted {
    pub(crate) csrf: String,
    pub(crate) intent: Intent,
    pub(crate) form: EntryForm,
}

pub(crate) fn parse_posted(pairs: Vec<(String, String)>) -> Posted {
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
    pub(crate) fn from_body(b: &EntryBody) -> Self {
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
    pub(crate) fn compact(&mut self) {
        self.items.retain(|r| !r.is_blank());
    }

    /// Add `n` empty rows.
    pub(crate) fn pad(&mut self, n: usize) {
        self.items.extend(std::iter::repeat_with(ItemRow::default).take(n));
    }

    /// The body, or every value that could not be read (unknown choices, non-numbers). Call
    /// [`EntryForm::compact`] first.
    pub(crate) fn to_body(&self, lang: Lang) -> Result<EntryBody, Vec<(String, String)>> {
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
pub struct FieldErrors(pub(crate) Vec<(String, String)>);

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

/// A blank form with sensible first choices.
pub(crate) fn blank() -> EntryForm {
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

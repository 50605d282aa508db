//! Strict validation of an entry body. Every problem names the element (with its guideline
//! name) and says why; the import reports all problems, the API the first.

use crate::classification;
use crate::model::{DataType, EntryBody, FormatKind, OpenKind, SharingKind};
use std::collections::HashSet;
use zs_types::{Error, ErrorCode};

/// One problem with an entry: the element path (e.g. `items[2].length`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Path of the element, e.g. `sharing.legal_basis`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl From<Problem> for Error {
    fn from(p: Problem) -> Self {
        Error { code: ErrorCode::InvalidInput, message: p.message, field: Some(p.field) }
    }
}

/// Limits.
pub const MAX_NAME: usize = 100;
/// Longest summary.
pub const MAX_SUMMARY: usize = 2000;
/// Longest condition or legal-basis text.
pub const MAX_CONDITION: usize = 1000;
/// Most items per entry.
pub const MAX_ITEMS: usize = 500;

fn text_ok(s: &str, max: usize) -> bool {
    let n = s.trim().chars().count();
    n > 0 && n <= max && !s.chars().any(|c| c.is_control() && c != '\n')
}

fn restrictiveness_share(k: SharingKind) -> u8 {
    match k {
        SharingKind::Unconditional => 0,
        SharingKind::Conditional => 1,
        SharingKind::None => 2,
    }
}

fn restrictiveness_open(k: OpenKind) -> u8 {
    match k {
        OpenKind::Unconditional => 0,
        OpenKind::Conditional => 1,
        OpenKind::None => 2,
    }
}

fn item_name_ok(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_lowercase()
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

/// Every problem with `body`, in element order.
pub fn problems(body: &EntryBody) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut p = |field: &str, message: String| out.push(Problem { field: field.to_owned(), message });
    if !text_ok(&body.name, MAX_NAME) {
        p("name", format!("信息资源名称 (name) must be 1-{MAX_NAME} characters"));
    }
    if !text_ok(&body.summary, MAX_SUMMARY) {
        p("summary", format!("信息资源摘要 (summary) must be 1-{MAX_SUMMARY} characters"));
    }
    if let Err(e) = classification::check(&body.classification) {
        p(e.field.as_deref().unwrap_or("classification"), format!("信息资源分类: {}", e.message));
    }
    if !text_ok(&body.format.detail, 50) {
        p(
            "format.detail",
            "信息资源格式 (format.detail) must name the concrete format, e.g. MySQL, XLSX, REST/JSON (1-50 characters)"
                .into(),
        );
    }
    let s = &body.sharing;
    let blank = |o: &Option<String>| o.as_deref().is_none_or(|t| t.trim().is_empty());
    match s.kind {
        SharingKind::Conditional if blank(&s.conditions) => {
            p("sharing.conditions", "共享条件 (sharing.conditions) is required for 有条件共享".into())
        }
        SharingKind::None if blank(&s.legal_basis) => p(
            "sharing.legal_basis",
            "不予共享 requires its legal or policy basis (sharing.legal_basis), e.g. the law and article".into(),
        ),
        _ => {}
    }
    let too_long = |o: &Option<String>| o.as_deref().is_some_and(|t| t.chars().count() > MAX_CONDITION);
    if too_long(&s.conditions) {
        p("sharing.conditions", format!("共享条件 (sharing.conditions) must be at most {MAX_CONDITION} characters"));
    }
    if too_long(&s.legal_basis) {
        p(
            "sharing.legal_basis",
            format!("不予共享依据 (sharing.legal_basis) must be at most {MAX_CONDITION} characters"),
        );
    }
    if too_long(&body.open.conditions) {
        p("open.conditions", format!("开放条件 (open.conditions) must be at most {MAX_CONDITION} characters"));
    }
    if body.open.kind == OpenKind::Conditional && blank(&body.open.conditions) {
        p("open.conditions", "开放条件 (open.conditions) is required for 有条件开放".into());
    }
    if s.kind == SharingKind::None && body.open.kind != OpenKind::None {
        p("open.kind", "a resource that is 不予共享 between departments cannot be opened to the public (open.kind must be 不予开放)".into());
    }
    if body.items.is_empty() && body.format.kind != FormatKind::File {
        p("items", format!("信息项 (items): a {} resource needs at least one item", body.format.kind.label_zh()));
    }
    if body.items.len() > MAX_ITEMS {
        p("items", format!("信息项 (items): at most {MAX_ITEMS}, got {}", body.items.len()));
    }
    if body.format.kind == FormatKind::Table && !body.items.is_empty() && !body.items.iter().any(|i| i.key) {
        p("items", "信息项 (items): a 库表 resource needs at least one key item (key = true)".into());
    }
    let (mut names, mut labels) = (HashSet::new(), HashSet::new());
    for (i, item) in body.items.iter().enumerate() {
        let at = |f: &str| format!("items[{i}].{f}");
        let which = format!("信息项 {} ({})", i + 1, item.name);
        if !item_name_ok(&item.name) {
            p(
                &at("name"),
                format!("{which}: name must be lower-case letters, digits and _ starting with a letter (≤ 63)"),
            );
        } else if !names.insert(item.name.as_str()) {
            p(&at("name"), format!("{which}: name '{}' is used twice", item.name));
        }
        if !text_ok(&item.label, 50) {
            p(&at("label"), format!("{which}: 中文名称 (label) must be 1-50 characters"));
        } else if !labels.insert(item.label.trim()) {
            p(&at("label"), format!("{which}: 中文名称 '{}' is used twice", item.label));
        }
        match (item.data_type, item.length) {
            (DataType::String, None) => p(&at("length"), format!("{which}: 长度 (length) is required for 字符型")),
            (DataType::String, Some(l)) if l == 0 || l > 4000 => {
                p(&at("length"), format!("{which}: 长度 (length) of a 字符型 item must be 1-4000, got {l}"))
            }
            (DataType::Decimal, Some(l)) if l == 0 || l > 38 => {
                p(&at("length"), format!("{which}: 长度 (length) of a 数值型 item must be 1-38 digits, got {l}"))
            }
            _ => {}
        }
        if item.element.as_deref().is_some_and(|e| !text_ok(e, 64)) {
            p(&at("element"), format!("{which}: 数据元 reference must be 1-64 characters"));
        }
        if restrictiveness_share(item.sharing) < restrictiveness_share(s.kind) {
            p(
                &at("sharing"),
                format!(
                    "{which}: item 共享类型 {} is more open than the entry's {}",
                    item.sharing.label_zh(),
                    s.kind.label_zh()
                ),
            );
        }
        if restrictiveness_open(item.open) < restrictiveness_open(body.open.kind) {
            p(
                &at("open"),
                format!(
                    "{which}: item 开放属性 {} is more open than the entry's {}",
                    item.open.label_zh(),
                    body.open.kind.label_zh()
                ),
            );
        }
    }
    let mut seen = HashSet::new();
    for (i, r) in body.related.iter().enumerate() {
        if !classification::is_resource_code(r) {
            p(&format!("related[{i}]"), format!("关联资源代码 '{r}' is not a resource code (e.g. 101001000/000001)"));
        } else if !seen.insert(r.as_str()) {
            p(&format!("related[{i}]"), format!("关联资源代码 '{r}' is listed twice"));
        }
    }
    out
}

/// The first problem as an error, or `Ok`.
pub fn validate(body: &EntryBody) -> Result<(), Error> {
    match problems(body).into_iter().next() {
        Some(p) => Err(p.into()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn body() -> EntryBody {
        EntryBody {
            name: "人口基础信息".into(),
            summary: "常住人口".into(),
            classification: Classification { class: ResourceClass::Basic, item: 1, category: 1, subcategory: 0 },
            format: Format { kind: FormatKind::Table, detail: "PostgreSQL".into() },
            items: vec![DataItem {
                name: "id_number".into(),
                label: "公民身份号码".into(),
                data_type: DataType::String,
                length: Some(18),
                key: true,
                element: None,
                security_level: SecurityLevel::L3,
                sharing: SharingKind::Conditional,
                open: OpenKind::None,
            }],
            sharing: Sharing {
                kind: SharingKind::Conditional,
                conditions: Some("依职责".into()),
                legal_basis: None,
                method: SharingMethod::Api,
            },
            open: Openness { kind: OpenKind::None, conditions: None },
            update_cycle: UpdateCycle::Daily,
            related: vec![],
        }
    }

    fn fields(b: &EntryBody) -> Vec<String> {
        problems(b).into_iter().map(|p| p.field).collect()
    }

    #[test]
    fn a_good_body_passes_and_each_rule_names_its_element() {
        assert!(problems(&body()).is_empty());
        let mut b = body();
        b.sharing = Sharing {
            kind: SharingKind::None,
            conditions: None,
            legal_basis: Some(" ".into()),
            method: SharingMethod::Api,
        };
        b.items[0].sharing = SharingKind::None;
        assert_eq!(fields(&b), ["sharing.legal_basis"]);
        let mut b = body();
        b.items[0].sharing = SharingKind::Unconditional;
        assert_eq!(fields(&b), ["items[0].sharing"], "an item cannot be more open than its entry");
        let mut b = body();
        b.open.kind = OpenKind::Conditional;
        b.items[0].open = OpenKind::Conditional;
        assert_eq!(fields(&b), ["open.conditions"]);
        let mut b = body();
        b.sharing.kind = SharingKind::None;
        b.sharing.legal_basis = Some("《保守国家秘密法》".into());
        b.items[0].sharing = SharingKind::None;
        b.open.kind = OpenKind::Unconditional;
        b.items[0].open = OpenKind::Unconditional;
        assert_eq!(fields(&b), ["open.kind"], "不予共享 cannot be opened");
        let mut b = body();
        b.items.push(b.items[0].clone());
        assert_eq!(fields(&b), ["items[1].name", "items[1].label"]);
        let mut b = body();
        b.items[0].key = false;
        assert_eq!(fields(&b), ["items"]);
        let mut b = body();
        b.related = vec!["101001000/000001".into(), "101001000/000001".into(), "x".into()];
        assert_eq!(fields(&b), ["related[1]", "related[2]"]);
        let mut b = body();
        b.sharing.conditions = Some("长".repeat(MAX_CONDITION + 1));
        assert_eq!(fields(&b), ["sharing.conditions"]);
        let mut b = body();
        b.name = "名".repeat(MAX_NAME + 1);
        b.items[0].name = "ID Number".into();
        assert_eq!(fields(&b), ["name", "items[0].name"]);
    }
}

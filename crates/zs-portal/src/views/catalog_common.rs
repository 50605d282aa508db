//! What the catalogue pages share: vocabulary labels in the page language, status badges, the
//! catalogue's sub-navigation, notices, element names and small parsers.

use crate::i18n::{self, Lang};
use crate::page::{fmt_time, Opt, Reject};
use crate::session::Ctx;
use zs_catalog::{
    DataType, EntryStatus, FormatKind, OpenKind, ResourceClass, SecurityLevel, SharingKind, SharingMethod, UpdateCycle,
};
use zs_types::Error;

/// A closed vocabulary of the catalogue model, with labels in both languages.
pub trait Vocab: Copy + PartialEq + 'static {
    /// Every value in display order.
    fn all() -> &'static [Self];
    /// Stable name (form values, query strings).
    fn code(self) -> &'static str;
    /// Chinese label.
    fn zh(self) -> &'static str;
    /// English label.
    fn en(self) -> &'static str;

    /// The label in a language.
    fn label(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.zh(),
            Lang::En => self.en(),
        }
    }

    /// The value with this stable name.
    fn from_code(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::all().iter().copied().find(|v| v.code() == s)
    }
}

macro_rules! vocab {
    ($($t:ty),+) => {$(
        impl Vocab for $t {
            fn all() -> &'static [Self] { <$t>::ALL }
            fn code(self) -> &'static str { self.as_str() }
            fn zh(self) -> &'static str { self.label_zh() }
            fn en(self) -> &'static str { self.label_en() }
        }
    )+};
}

vocab!(
    ResourceClass,
    FormatKind,
    SharingKind,
    SharingMethod,
    OpenKind,
    UpdateCycle,
    DataType,
    SecurityLevel,
    EntryStatus
);

/// The options of a select over a vocabulary, `selected` preselected.
pub fn options<V: Vocab>(lang: Lang, selected: &str) -> Vec<Opt> {
    V::all()
        .iter()
        .map(|v| Opt { value: v.code().to_owned(), label: v.label(lang).to_owned(), selected: v.code() == selected })
        .collect()
}

/// The label of a stable name of a vocabulary (the name itself when unknown).
pub fn label_of<V: Vocab>(lang: Lang, code: &str) -> String {
    V::from_code(code).map(|v| v.label(lang).to_owned()).unwrap_or_else(|| code.to_owned())
}

/// A lifecycle status badge: (label, CSS colour).
pub fn status_badge(lang: Lang, s: EntryStatus) -> (&'static str, &'static str) {
    let class = match s {
        EntryStatus::Draft => "muted",
        EntryStatus::Submitted => "blue",
        EntryStatus::Returned => "amber",
        EntryStatus::Published => "green",
        EntryStatus::Withdrawn => "red",
    };
    (s.label(lang), class)
}

/// The text key of a version's state (draft, submitted, …).
pub fn version_state_key(state: &str) -> &'static str {
    match state {
        "draft" => "cat.vstate.draft",
        "submitted" => "cat.vstate.submitted",
        "returned" => "cat.vstate.returned",
        "published" => "cat.vstate.published",
        "superseded" => "cat.vstate.superseded",
        "withdrawn" => "cat.vstate.withdrawn",
        "discarded" => "cat.vstate.discarded",
        _ => "cat.vstate.unknown",
    }
}

/// The text key of a history event's action.
pub fn event_key(action: &str) -> &'static str {
    match action {
        "create" => "cat.ev.create",
        "edit" => "cat.ev.edit",
        "submit" => "cat.ev.submit",
        "request_withdrawal" => "cat.ev.request_withdrawal",
        "approve" => "cat.ev.approve",
        "withdraw" => "cat.ev.withdraw",
        "return" => "cat.ev.return",
        "obligation" => "cat.ev.obligation",
        "classify" => "cat.ev.classify",
        _ => "cat.ev.other",
    }
}

/// The text key of a change obligation's reason.
pub fn reason_key(reason: &str) -> &'static str {
    match reason {
        "law" => "cat.reason.law",
        "duty" => "cat.reason.duty",
        "system" => "cat.reason.system",
        _ => "cat.reason.other",
    }
}

/// The catalogue's notices (from `?notice=`), whitelisted.
pub fn notice_key(name: &str) -> Option<&'static str> {
    Some(match name {
        "created" => "cat.notice.created",
        "saved" => "cat.notice.saved",
        "submitted" => "cat.notice.submitted",
        "withdrawal_requested" => "cat.notice.withdrawal_requested",
        "approved" => "cat.notice.approved",
        "returned" => "cat.notice.returned",
        "obligation_raised" => "cat.notice.obligation_raised",
        "day_saved" => "cat.notice.day_saved",
        _ => return None,
    })
}

/// The translated notice named in a query string, or empty.
pub fn notice_text(lang: Lang, name: &str) -> String {
    notice_key(name).map(|k| i18n::t(lang, k).to_owned()).unwrap_or_default()
}

/// An RFC 3339 time from the catalogue as Beijing time, `YYYY-MM-DD HH:MM`.
pub fn fmt_rfc3339(s: &str) -> String {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(fmt_time)
        .unwrap_or_else(|_| s.to_owned())
}

/// An entry id from the path; anything else is a missing page.
pub fn entry_id(ctx: &Ctx, raw: &str) -> Result<i64, Reject> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| ctx.fail(Error::not_found("catalogue entry")))
}

/// One tab of the catalogue's sub-navigation.
pub struct Tab {
    /// Stable id suffix (`cat-tab-{id}`).
    pub id: &'static str,
    /// Target.
    pub href: &'static str,
    /// Text key.
    pub label: &'static str,
    /// Whether it is the current page.
    pub active: bool,
}

/// The catalogue's sub-navigation for the signed-in role; `active` is the current tab's id.
pub fn tabs(ctx: &Ctx, active: &str) -> Vec<Tab> {
    const TABS: &[(&str, &str, &str, &str)] = &[
        ("search", "/catalog", "cat.tab.search", "catalog.read"),
        ("tree", "/catalog/tree", "cat.tab.tree", "catalog.read"),
        ("new", "/catalog/new", "cat.tab.new", "catalog.edit"),
        ("review", "/catalog/review", "cat.tab.review", "catalog.review"),
        ("deadlines", "/catalog/deadlines", "cat.tab.deadlines", "catalog.read"),
        ("exchange", "/catalog/exchange", "cat.tab.exchange", "catalog.export"),
    ];
    TABS.iter()
        .filter(|(_, _, _, action)| ctx.allows(action))
        .map(|(id, href, label, _)| Tab { id, href, label, active: *id == active })
        .collect()
}

/// Text key of an element of the guideline, by the path the service uses in errors and diffs.
pub fn element_key(path: &str) -> Option<&'static str> {
    Some(match path {
        "code" => "cat.el.code",
        "name" => "cat.el.name",
        "provider" => "cat.el.provider",
        "provider_code" => "cat.el.provider_code",
        "summary" => "cat.el.summary",
        "classification" => "cat.el.classification",
        "classification.class" => "cat.el.class",
        "classification.item" => "cat.el.class_item",
        "classification.category" => "cat.el.category",
        "classification.subcategory" => "cat.el.subcategory",
        "format" | "format.kind" => "cat.el.format",
        "format.detail" => "cat.el.format_detail",
        "sharing" | "sharing.kind" => "cat.el.sharing_kind",
        "sharing.conditions" => "cat.el.sharing_conditions",
        "sharing.legal_basis" => "cat.el.legal_basis",
        "sharing.method" => "cat.el.sharing_method",
        "open" | "open.kind" => "cat.el.open_kind",
        "open.conditions" => "cat.el.open_conditions",
        "update_cycle" => "cat.el.update_cycle",
        "publish_date" => "cat.el.publish_date",
        "related" => "cat.el.related",
        "security_level" => "cat.el.security_level",
        "status" => "cat.el.status",
        "items" => "cat.el.items",
        _ => return None,
    })
}

/// Text key of a column of the items table.
pub fn item_column_key(column: &str) -> Option<&'static str> {
    Some(match column {
        "name" => "cat.item.name",
        "label" => "cat.item.label",
        "data_type" => "cat.item.data_type",
        "length" => "cat.item.length",
        "key" => "cat.item.key",
        "element" => "cat.item.element",
        "security_level" => "cat.item.level",
        "sharing" => "cat.item.sharing",
        "open" => "cat.item.open",
        _ => return None,
    })
}

/// A readable name for an element path: `sharing.legal_basis` → 不予共享依据,
/// `items[2].length` → 信息项 3 · 长度, `items.id_number.length` → 信息项 id_number · 长度,
/// `related[0]` → 关联资源 1.
pub fn element_label(lang: Lang, path: &str) -> String {
    if let Some(k) = element_key(path) {
        return i18n::t(lang, k).to_owned();
    }
    let items = i18n::t(lang, "cat.el.items");
    if let Some(rest) = path.strip_prefix("items[") {
        if let Some((n, col)) = rest.split_once("].") {
            let n = n.parse::<usize>().map(|n| (n + 1).to_string()).unwrap_or_else(|_| n.to_owned());
            let col = item_column_key(col).map(|k| i18n::t(lang, k)).unwrap_or(col);
            return format!("{items} {n} · {col}");
        }
    }
    if let Some(rest) = path.strip_prefix("items.") {
        if let Some((name, col)) = rest.rsplit_once('.') {
            let col = item_column_key(col).map(|k| i18n::t(lang, k)).unwrap_or(col);
            return format!("{items} {name} · {col}");
        }
    }
    if let Some(rest) = path.strip_prefix("related[") {
        let n = rest.trim_end_matches(']').parse::<usize>().map(|n| n + 1).unwrap_or(0);
        return format!("{} {n}", i18n::t(lang, "cat.el.related"));
    }
    path.to_owned()
}

/// A stored value of an element shown with its label: vocabulary names become their labels,
/// booleans 是/否.
pub fn element_value(lang: Lang, path: &str, value: &str) -> String {
    let col = path.rsplit('.').next().unwrap_or(path);
    let item = path.starts_with("items.");
    match (item, col) {
        (false, _) if path == "classification.class" => label_of::<ResourceClass>(lang, value),
        (false, _) if path == "format.kind" => label_of::<FormatKind>(lang, value),
        (false, _) if path == "sharing.kind" => label_of::<SharingKind>(lang, value),
        (false, _) if path == "sharing.method" => label_of::<SharingMethod>(lang, value),
        (false, _) if path == "open.kind" => label_of::<OpenKind>(lang, value),
        (false, _) if path == "update_cycle" => label_of::<UpdateCycle>(lang, value),
        (true, "data_type") => label_of::<DataType>(lang, value),
        (true, "security_level") => label_of::<SecurityLevel>(lang, value),
        (true, "sharing") => label_of::<SharingKind>(lang, value),
        (true, "open") => label_of::<OpenKind>(lang, value),
        (true, "key") => yes_no(lang, value == "true").to_owned(),
        _ => value.to_owned(),
    }
}

/// 是 or 否.
pub fn yes_no(lang: Lang, b: bool) -> &'static str {
    i18n::t(lang, if b { "cat.yes" } else { "cat.no" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_labels() {
        assert_eq!(element_label(Lang::Zh, "sharing.legal_basis"), "不予共享依据");
        assert_eq!(element_label(Lang::Zh, "items[2].length"), "信息项 3 · 长度");
        assert_eq!(element_label(Lang::Zh, "items.id_number.data_type"), "信息项 id_number · 数据类型");
        assert_eq!(element_label(Lang::En, "related[0]"), "Related resources 1");
        assert_eq!(element_label(Lang::Zh, "odd"), "odd");
        assert_eq!(element_value(Lang::Zh, "sharing.kind", "none"), "不予共享");
        assert_eq!(element_value(Lang::Zh, "items.a.key", "true"), "是");
        assert_eq!(element_value(Lang::En, "items.a.sharing", "conditional"), "Conditional sharing");
        assert_eq!(element_value(Lang::Zh, "summary", "x"), "x");
    }

    #[test]
    fn vocab_options_and_labels() {
        let o = options::<SharingKind>(Lang::Zh, "none");
        assert_eq!(o.len(), 3);
        assert!(o.iter().any(|x| x.selected && x.label == "不予共享"));
        assert_eq!(label_of::<UpdateCycle>(Lang::En, "daily"), "Daily");
        assert_eq!(SecurityLevel::from_code("L3"), Some(SecurityLevel::L3));
        assert_eq!(SecurityLevel::from_code("三级"), None);
    }

    #[test]
    fn notices_are_whitelisted() {
        assert!(notice_key("approved").is_some());
        assert!(notice_key("<script>").is_none());
    }
}

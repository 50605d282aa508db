//! One view of the model's closed vocabularies, so columns can list and parse any of them.
//!
//! Parsing accepts what the model's `parse` accepts (stable name or Chinese label) and, because
//! people type into spreadsheets, a little more: ASCII brackets for full-width ones, spaces
//! around the text, the stable name in any letter case, and a label's short form before its
//! bracket (`一级` for `一级（公开）`), when that short form names exactly one value.

use zs_catalog::{
    DataType, EntryStatus, FormatKind, OpenKind, ResourceClass, SecurityLevel, SharingKind, SharingMethod, UpdateCycle,
};

/// A closed vocabulary of the model.
pub(crate) trait Vocab: Copy + 'static {
    /// The element's name as the guideline calls it, for messages.
    const WHAT: &'static str;
    /// Every value, in display order.
    fn all() -> &'static [Self];
    /// Stable name.
    fn name(self) -> &'static str;
    /// Chinese label (what exports write).
    fn label(self) -> &'static str;
    /// The model's own parser.
    fn parse_exact(s: &str) -> Option<Self>;

    /// Parse a cell, leniently (see the module docs).
    fn parse_cell(s: &str) -> Option<Self> {
        if let Some(v) = Self::parse_exact(s) {
            return Some(v);
        }
        let norm: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '(' => '（',
                ')' => '）',
                c => c,
            })
            .collect();
        let all = Self::all();
        if let Some(v) = all.iter().copied().find(|v| v.label() == norm || v.name().eq_ignore_ascii_case(&norm)) {
            return Some(v);
        }
        let mut short = all.iter().copied().filter(|v| v.label().split('（').next() == Some(norm.as_str()));
        match (short.next(), short.next()) {
            (Some(v), None) => Some(v),
            _ => None,
        }
    }

    /// The Chinese labels, for help text and drop-down lists.
    fn labels() -> Vec<&'static str> {
        Self::all().iter().map(|v| v.label()).collect()
    }
}

macro_rules! vocab {
    ($($t:ty => $what:literal),+ $(,)?) => {$(
        impl Vocab for $t {
            const WHAT: &'static str = $what;
            fn all() -> &'static [Self] { <$t>::ALL }
            fn name(self) -> &'static str { self.as_str() }
            fn label(self) -> &'static str { self.label_zh() }
            fn parse_exact(s: &str) -> Option<Self> { <$t>::parse(s) }
        }
    )+};
}

vocab!(
    ResourceClass => "资源分类-类",
    FormatKind => "信息资源格式类型",
    SharingKind => "共享类型",
    SharingMethod => "共享方式",
    OpenKind => "开放类型",
    UpdateCycle => "更新周期",
    DataType => "数据类型",
    SecurityLevel => "安全级别",
    EntryStatus => "状态",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_parsing() {
        assert_eq!(SecurityLevel::parse_cell("一级（公开）"), Some(SecurityLevel::L1));
        assert_eq!(SecurityLevel::parse_cell(" 二级(内部) "), Some(SecurityLevel::L2));
        assert_eq!(SecurityLevel::parse_cell("三级"), Some(SecurityLevel::L3));
        assert_eq!(SecurityLevel::parse_cell("l4"), Some(SecurityLevel::L4));
        assert_eq!(SharingKind::parse_cell("有条件共享"), Some(SharingKind::Conditional));
        assert_eq!(SharingKind::parse_cell("CONDITIONAL"), Some(SharingKind::Conditional));
        assert_eq!(SharingKind::parse_cell("部分共享"), None);
        assert_eq!(UpdateCycle::parse_cell("每 日"), Some(UpdateCycle::Daily));
    }
}

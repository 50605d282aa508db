//! 信息资源分类 and 信息资源代码. The code has a 前段码 from the classification — 类 (1 digit),
//! 项 (2), 目 (3), 细目 (3, `000` when none) — and a 后段码, a 6-digit sequence the platform
//! assigns per 前段码: `101001000/000042`.

use crate::model::{Classification, ResourceClass};
use zs_types::Error;

/// 项 of 基础信息资源 (the five base libraries).
pub const BASIC_ITEMS: [&str; 5] = ["人口", "法人单位", "自然资源和空间地理", "社会信用", "电子证照"];
/// 项 of 主题信息资源.
pub const THEME_ITEMS: [&str; 12] = [
    "公共服务",
    "健康保障",
    "社会保障",
    "食品药品安全",
    "安全生产",
    "价格监管",
    "能源安全",
    "信用体系",
    "城乡建设",
    "社区治理",
    "生态环保",
    "应急维稳",
];
/// 项 of 部门信息资源 for a city node.
pub const DEPARTMENT_ITEMS: [&str; 2] = ["市直部门", "区县部门"];

/// The 类 digit.
pub fn class_digit(c: ResourceClass) -> u8 {
    match c {
        ResourceClass::Basic => 1,
        ResourceClass::Theme => 2,
        ResourceClass::Department => 3,
    }
}

/// The names of the 项 of a 类.
pub fn items_of(c: ResourceClass) -> &'static [&'static str] {
    match c {
        ResourceClass::Basic => &BASIC_ITEMS,
        ResourceClass::Theme => &THEME_ITEMS,
        ResourceClass::Department => &DEPARTMENT_ITEMS,
    }
}

/// The name of a 项, if it exists.
pub fn item_name(c: &Classification) -> Option<&'static str> {
    items_of(c.class).get(usize::from(c.item).checked_sub(1)?).copied()
}

/// Check a classification against the taxonomy.
pub fn check(c: &Classification) -> Result<(), Error> {
    let n = items_of(c.class).len();
    if c.item == 0 || usize::from(c.item) > n {
        return Err(Error::invalid(
            "classification.item",
            format!("项 {} does not exist under {} (1-{n})", c.item, c.class.label_zh()),
        ));
    }
    if c.category == 0 || c.category > 999 {
        return Err(Error::invalid("classification.category", format!("目 must be 1-999, got {}", c.category)));
    }
    if c.subcategory > 999 {
        return Err(Error::invalid("classification.subcategory", format!("细目 must be 0-999, got {}", c.subcategory)));
    }
    Ok(())
}

/// 前段码 of a classification, e.g. `101001000`.
pub fn prefix(c: &Classification) -> String {
    format!("{}{:02}{:03}{:03}", class_digit(c.class), c.item, c.category, c.subcategory)
}

/// Full 信息资源代码 from a prefix and a sequence number.
pub fn resource_code(prefix: &str, seq: i64) -> String {
    format!("{prefix}/{seq:06}")
}

/// Whether text has the shape of a resource code (`9 digits/6 digits`).
pub fn is_resource_code(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 16
        && b[9] == b'/'
        && b[..9].iter().chain(&b[10..]).all(u8::is_ascii_digit)
        && (b'1'..=b'3').contains(&b[0])
}

/// A human label, e.g. `基础信息资源 / 人口 / 目001`.
pub fn label(c: &Classification) -> String {
    let mut s = format!("{} / {} / 目{:03}", c.class.label_zh(), item_name(c).unwrap_or("?"), c.category);
    if c.subcategory > 0 {
        s.push_str(&format!(" / 细目{:03}", c.subcategory));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        let c = Classification { class: ResourceClass::Basic, item: 1, category: 1, subcategory: 0 };
        assert!(check(&c).is_ok());
        assert_eq!(prefix(&c), "101001000");
        assert_eq!(resource_code(&prefix(&c), 42), "101001000/000042");
        assert!(is_resource_code("101001000/000042"));
        assert!(!is_resource_code("401001000/000042") && !is_resource_code("101001000-000042"));
        assert_eq!(item_name(&c), Some("人口"));
        let bad = Classification { item: 6, ..c };
        assert_eq!(check(&bad).err().and_then(|e| e.field), Some("classification.item".into()));
        let theme = Classification { class: ResourceClass::Theme, item: 12, category: 3, subcategory: 7 };
        assert_eq!(prefix(&theme), "212003007");
    }
}

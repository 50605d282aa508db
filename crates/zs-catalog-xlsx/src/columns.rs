//! The file layout: sheet names and, for each sheet, its columns with the guideline's element
//! names, whether they are required, the values they take and the help text that the
//! `填写说明` sheet shows. Export, template and import all read these tables, so they cannot
//! drift apart.

use crate::vocab::Vocab;
use zs_catalog::{
    DataType, EntryStatus, FormatKind, OpenKind, ResourceClass, SecurityLevel, SharingKind, SharingMethod, UpdateCycle,
};

/// Sheet (and CSV file) with one row per resource.
pub const ENTRIES_SHEET: &str = "信息资源";
/// Sheet (and CSV file) with one row per data item.
pub const ITEMS_SHEET: &str = "信息项";
/// Sheet explaining every column and its allowed values.
pub const GUIDE_SHEET: &str = "填写说明";
/// The `sheet` of problems found in a JSON import.
pub const JSON_SHEET: &str = "JSON";

/// Text written for `key = true` / `false`.
pub(crate) const YES: &str = "是";
/// See [`YES`].
pub(crate) const NO: &str = "否";
/// Separator of 关联资源代码 in one cell.
pub(crate) const RELATED_SEPARATOR: &str = ";";

/// How a column is used on import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// The column must exist and every row must fill it.
    Required,
    /// The column may be absent; an empty cell means "none" (or the documented default).
    Optional,
    /// Links an item to its resource: 信息资源代码 or 信息资源名称, at least one per row.
    Link,
    /// Written by exports for people; ignored on import (the platform assigns it).
    Info,
}

/// What a column holds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Values {
    /// Free text.
    Text,
    /// A whole number in a range.
    Whole { min: u32, max: u32 },
    /// One of a closed list (Chinese labels).
    List(fn() -> Vec<&'static str>),
    /// The 项 of the classification, which depends on the 类.
    ClassItem,
}

/// One column of a sheet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    /// Header text (the guideline's element name).
    pub header: &'static str,
    /// Other header texts accepted on import.
    pub aliases: &'static [&'static str],
    /// Width in Excel character units.
    pub width: f64,
    /// Use on import.
    pub usage: Use,
    /// Values.
    pub values: Values,
    /// Help shown in the `填写说明` sheet.
    pub help: &'static str,
}

/// The columns of the `信息资源` sheet, by position in [`ENTRY_COLUMNS`].
/// The informational columns are never read on import, but keep their place so that the
/// positions match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)]
pub(crate) enum E {
    Code,
    Name,
    Provider,
    ProviderCode,
    Summary,
    Class,
    Item,
    Category,
    Subcategory,
    FormatKind,
    FormatDetail,
    SharingKind,
    SharingConditions,
    LegalBasis,
    SharingMethod,
    OpenKind,
    OpenConditions,
    UpdateCycle,
    PublishDate,
    Related,
    SecurityLevel,
    Status,
}

/// The columns of the `信息项` sheet, by position in [`ITEM_COLUMNS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum I {
    Code,
    Name,
    Seq,
    ItemName,
    Label,
    DataType,
    Length,
    Key,
    Element,
    SecurityLevel,
    Sharing,
    Open,
}

impl E {
    /// Position of the column.
    pub fn index(self) -> usize {
        self as usize
    }
    /// The column.
    pub fn col(self) -> &'static Column {
        &ENTRY_COLUMNS[self as usize]
    }
    /// Header text.
    pub fn header(self) -> &'static str {
        self.col().header
    }
}

impl I {
    /// Position of the column.
    pub fn index(self) -> usize {
        self as usize
    }
    /// The column.
    pub fn col(self) -> &'static Column {
        &ITEM_COLUMNS[self as usize]
    }
    /// Header text.
    pub fn header(self) -> &'static str {
        self.col().header
    }
}

const fn col(
    header: &'static str,
    aliases: &'static [&'static str],
    width: f64,
    usage: Use,
    values: Values,
    help: &'static str,
) -> Column {
    Column { header, aliases, width, usage, values, help }
}

fn yes_no() -> Vec<&'static str> {
    vec![YES, NO]
}

/// Columns of `信息资源`, in the order of [`E`].
pub(crate) const ENTRY_COLUMNS: [Column; 22] = [
    col(
        "信息资源代码",
        &["资源代码"],
        18.0,
        Use::Optional,
        Values::Text,
        "平台赋予的代码：前段码（类1位+项2位+目3位+细目3位）/后段码（6位顺序号），如 101001000/000001。新增资源留空；重新导入导出文件时保留，用于对应已有资源。",
    ),
    col("信息资源名称", &["资源名称"], 28.0, Use::Required, Values::Text, "1-100 个字；同一文件内不得重复。"),
    col("信息资源提供方", &["提供方"], 20.0, Use::Info, Values::Text, "导出时填写；导入时忽略（提供方为导入的单位）。"),
    col(
        "信息资源提供方代码",
        &["提供方代码"],
        20.0,
        Use::Info,
        Values::Text,
        "提供方的统一社会信用代码。导出时填写；导入时忽略。",
    ),
    col("信息资源摘要", &["摘要"], 40.0, Use::Required, Values::Text, "1-2000 个字，说明资源的内容和用途。"),
    col(
        "资源分类-类",
        &["类"],
        14.0,
        Use::Required,
        Values::List(ResourceClass::labels),
        "信息资源分类的类。",
    ),
    col(
        "资源分类-项",
        &["项"],
        10.0,
        Use::Required,
        Values::ClassItem,
        "信息资源分类的项，填编号（见可选值）。",
    ),
    col("资源分类-目", &["目"], 10.0, Use::Required, Values::Whole { min: 1, max: 999 }, "信息资源分类的目，填编号。"),
    col(
        "资源分类-细目",
        &["细目"],
        10.0,
        Use::Optional,
        Values::Whole { min: 0, max: 999 },
        "信息资源分类的细目，填编号；没有细目时填 0 或留空。",
    ),
    col(
        "信息资源格式类型",
        &["格式类型"],
        14.0,
        Use::Required,
        Values::List(FormatKind::labels),
        "资源的存储形式。库表、接口类资源至少要有一个信息项；库表类至少一个信息项为主键。",
    ),
    col(
        "格式说明",
        &["信息资源格式说明", "信息资源格式"],
        14.0,
        Use::Required,
        Values::Text,
        "具体格式，如 MySQL、XLSX、REST/JSON（1-50 个字）。",
    ),
    col("共享类型", &[], 12.0, Use::Required, Values::List(SharingKind::labels), "资源的共享类型。"),
    col("共享条件", &[], 24.0, Use::Optional, Values::Text, "有条件共享时必填：使用条件和使用范围。"),
    col(
        "不予共享依据",
        &[],
        24.0,
        Use::Optional,
        Values::Text,
        "不予共享时必填：法律、行政法规或党中央、国务院政策依据，写明名称和条款。",
    ),
    col("共享方式", &[], 10.0, Use::Required, Values::List(SharingMethod::labels), "获取资源的方式。"),
    col(
        "开放类型",
        &["开放属性"],
        12.0,
        Use::Required,
        Values::List(OpenKind::labels),
        "资源向社会开放的类型；不予共享的资源只能不予开放。",
    ),
    col("开放条件", &[], 24.0, Use::Optional, Values::Text, "有条件开放时必填。"),
    col("更新周期", &[], 10.0, Use::Required, Values::List(UpdateCycle::labels), "资源的更新频度。"),
    col("发布日期", &[], 12.0, Use::Info, Values::Text, "首次发布的日期（YYYY-MM-DD）。导出时填写；导入时忽略。"),
    col(
        "关联资源代码",
        &[],
        24.0,
        Use::Optional,
        Values::Text,
        "相关资源的信息资源代码，多个用英文分号 ; 分隔，如 101001000/000001;201002000/000003。",
    ),
    col(
        "安全级别",
        &[],
        12.0,
        Use::Info,
        Values::List(SecurityLevel::labels),
        "资源的安全级别，取其信息项的最高级别。导出时填写；导入时忽略（由信息项计算）。",
    ),
    col("状态", &[], 10.0, Use::Info, Values::List(EntryStatus::labels), "目录条目的状态。导出时填写；导入时忽略。"),
];

/// Columns of `信息项`, in the order of [`I`].
pub(crate) const ITEM_COLUMNS: [Column; 12] = [
    col(
        "信息资源代码",
        &["资源代码"],
        18.0,
        Use::Link,
        Values::Text,
        "所属资源的信息资源代码。填写时按代码挂接到 信息资源 工作表中代码相同的资源；留空时按信息资源名称挂接。",
    ),
    col(
        "信息资源名称",
        &["资源名称"],
        28.0,
        Use::Link,
        Values::Text,
        "所属资源的名称，须与 信息资源 工作表中的名称一致。",
    ),
    col(
        "序号",
        &[],
        8.0,
        Use::Optional,
        Values::Whole { min: 1, max: 9999 },
        "信息项在资源中的顺序，同一资源内不得重复；留空时排在有序号的信息项之后，按行的先后。",
    ),
    col(
        "信息项名称",
        &["字段名", "英文名称"],
        20.0,
        Use::Required,
        Values::Text,
        "机器名：小写字母开头，只含小写字母、数字和下划线（不超过 63 个字符），如 id_number；同一资源内不得重复。",
    ),
    col("中文名称", &[], 20.0, Use::Required, Values::Text, "如 公民身份号码（1-50 个字）；同一资源内不得重复。"),
    col("数据类型", &[], 12.0, Use::Required, Values::List(DataType::labels), "信息项的数据类型。"),
    col(
        "长度",
        &[],
        8.0,
        Use::Optional,
        Values::Whole { min: 1, max: 4000 },
        "字符型必填（1-4000）；数值型为总位数（1-38）；其他类型可留空。",
    ),
    col(
        "是否主键",
        &["主键"],
        10.0,
        Use::Optional,
        Values::List(yes_no),
        "是否为主键的一部分；留空视为 否。库表类资源至少一个信息项为 是。",
    ),
    col("数据元", &[], 16.0, Use::Optional, Values::Text, "所遵循的标准数据元标识（1-64 个字）；没有时留空。"),
    col("安全级别", &[], 12.0, Use::Required, Values::List(SecurityLevel::labels), "信息项的安全级别（数据分级）。"),
    col(
        "共享类型",
        &[],
        12.0,
        Use::Required,
        Values::List(SharingKind::labels),
        "信息项的共享类型，不得比资源的共享类型更开放。",
    ),
    col(
        "开放类型",
        &["开放属性"],
        12.0,
        Use::Required,
        Values::List(OpenKind::labels),
        "信息项的开放类型，不得比资源的开放类型更开放。",
    ),
];

/// Normalise a header cell for matching: trim, and drop a trailing required-marker `*`.
pub(crate) fn normalise_header(s: &str) -> &str {
    s.trim().trim_end_matches(['*', '＊']).trim()
}

/// Whether `header` (already normalised) names `column`.
pub(crate) fn header_matches(column: &Column, header: &str) -> bool {
    column.header == header || column.aliases.contains(&header)
}

/// The allowed values of a column, as one line of text for the guide.
pub(crate) fn values_text(column: &Column) -> String {
    match column.values {
        Values::Text => String::new(),
        Values::Whole { min, max } => format!("整数 {min}-{max}"),
        Values::List(f) => f().join("、"),
        Values::ClassItem => ResourceClass::ALL
            .iter()
            .map(|c| {
                let items = zs_catalog::classification::items_of(*c)
                    .iter()
                    .enumerate()
                    .map(|(i, n)| format!("{} {n}", i + 1))
                    .collect::<Vec<_>>()
                    .join("，");
                format!("{}：{items}", c.label_zh())
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// What the guide says about whether a column must be filled.
pub(crate) fn usage_text(column: &Column) -> &'static str {
    match column.usage {
        Use::Required => "必填",
        Use::Optional => "选填",
        Use::Link => "二者至少填一项",
        Use::Info => "仅供查看，导入时忽略",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_match_the_tables() {
        let entries = [
            (E::Code, "信息资源代码"),
            (E::Name, "信息资源名称"),
            (E::Provider, "信息资源提供方"),
            (E::ProviderCode, "信息资源提供方代码"),
            (E::Summary, "信息资源摘要"),
            (E::Class, "资源分类-类"),
            (E::Item, "资源分类-项"),
            (E::Category, "资源分类-目"),
            (E::Subcategory, "资源分类-细目"),
            (E::FormatKind, "信息资源格式类型"),
            (E::FormatDetail, "格式说明"),
            (E::SharingKind, "共享类型"),
            (E::SharingConditions, "共享条件"),
            (E::LegalBasis, "不予共享依据"),
            (E::SharingMethod, "共享方式"),
            (E::OpenKind, "开放类型"),
            (E::OpenConditions, "开放条件"),
            (E::UpdateCycle, "更新周期"),
            (E::PublishDate, "发布日期"),
            (E::Related, "关联资源代码"),
            (E::SecurityLevel, "安全级别"),
            (E::Status, "状态"),
        ];
        assert_eq!(entries.len(), ENTRY_COLUMNS.len());
        for (i, (e, h)) in entries.iter().enumerate() {
            assert_eq!((e.index(), e.header()), (i, *h));
        }
        let items = [
            (I::Code, "信息资源代码"),
            (I::Name, "信息资源名称"),
            (I::Seq, "序号"),
            (I::ItemName, "信息项名称"),
            (I::Label, "中文名称"),
            (I::DataType, "数据类型"),
            (I::Length, "长度"),
            (I::Key, "是否主键"),
            (I::Element, "数据元"),
            (I::SecurityLevel, "安全级别"),
            (I::Sharing, "共享类型"),
            (I::Open, "开放类型"),
        ];
        assert_eq!(items.len(), ITEM_COLUMNS.len());
        for (i, (c, h)) in items.iter().enumerate() {
            assert_eq!((c.index(), c.header()), (i, *h));
        }
        // No header or alias is claimed by two columns of one sheet.
        for cols in [&ENTRY_COLUMNS[..], &ITEM_COLUMNS[..]] {
            let mut seen = std::collections::HashSet::new();
            for c in cols {
                for h in std::iter::once(&c.header).chain(c.aliases) {
                    assert!(seen.insert(*h), "{h} used twice");
                }
            }
        }
    }
}

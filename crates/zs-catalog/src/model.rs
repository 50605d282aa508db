//! The catalogue entry (政务信息资源目录条目) with every element of the national guideline
//! (《政务信息资源目录编制指南（试行）》, GB/T 21063). The JSON form is versioned: `schema`
//! names the version of this shape.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Version tag of the entry's JSON form.
pub const ENTRY_SCHEMA: &str = "zhengshu.catalog.entry/v1";

/// Declares a closed vocabulary with stable names and Chinese labels.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $( $(#[$vdoc:meta])* $variant:ident = ($code:literal, $zh:literal, $en:literal) ),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        pub enum $name {
            $( $(#[$vdoc])* #[serde(rename = $code)] $variant ),+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Stable name used in JSON, the store and exports.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Chinese label (used in Excel headers and the portal).
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }

            /// English label.
            pub fn label_en(self) -> &'static str {
                match self { $($name::$variant => $en),+ }
            }

            /// Parse a stable name or a Chinese label.
            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == s || v.label_zh() == s)
            }
        }
    };
}

vocabulary!(
    /// 资源属性分类, the 类 level of the classification.
    ResourceClass {
        /// 基础信息资源 (code 1).
        Basic = ("basic", "基础信息资源", "Basic resources"),
        /// 主题信息资源 (code 2).
        Theme = ("theme", "主题信息资源", "Theme resources"),
        /// 部门信息资源 (code 3).
        Department = ("department", "部门信息资源", "Department resources"),
    }
);

vocabulary!(
    /// 信息资源格式分类: how the resource is held.
    FormatKind {
        /// 库表 (database table).
        Table = ("table", "库表", "Database table"),
        /// 文件 (files: spreadsheets, documents, images…).
        File = ("file", "文件", "File"),
        /// 接口 (service interface).
        Api = ("api", "接口", "Interface"),
    }
);

vocabulary!(
    /// 共享类型.
    SharingKind {
        /// 无条件共享.
        Unconditional = ("unconditional", "无条件共享", "Unconditional sharing"),
        /// 有条件共享: conditions required.
        Conditional = ("conditional", "有条件共享", "Conditional sharing"),
        /// 不予共享: legal basis required.
        None = ("none", "不予共享", "Not shared"),
    }
);

vocabulary!(
    /// 共享方式.
    SharingMethod {
        /// 接口.
        Api = ("api", "接口", "Interface"),
        /// 库表.
        Table = ("table", "库表", "Database table"),
        /// 文件.
        File = ("file", "文件", "File"),
    }
);

vocabulary!(
    /// 开放属性.
    OpenKind {
        /// 无条件开放.
        Unconditional = ("unconditional", "无条件开放", "Open"),
        /// 有条件开放: conditions required.
        Conditional = ("conditional", "有条件开放", "Conditionally open"),
        /// 不予开放.
        None = ("none", "不予开放", "Not open"),
    }
);

vocabulary!(
    /// 更新周期.
    UpdateCycle {
        /// 实时.
        Realtime = ("realtime", "实时", "Real time"),
        /// 每日.
        Daily = ("daily", "每日", "Daily"),
        /// 每周.
        Weekly = ("weekly", "每周", "Weekly"),
        /// 每月.
        Monthly = ("monthly", "每月", "Monthly"),
        /// 每季度.
        Quarterly = ("quarterly", "每季度", "Quarterly"),
        /// 每年.
        Yearly = ("yearly", "每年", "Yearly"),
        /// 不定期.
        Irregular = ("irregular", "不定期", "Irregular"),
    }
);

vocabulary!(
    /// 数据类型 of an item.
    DataType {
        /// 字符型.
        String = ("string", "字符型", "String"),
        /// 整数型.
        Integer = ("integer", "整数型", "Integer"),
        /// 数值型 (decimal).
        Decimal = ("decimal", "数值型", "Decimal"),
        /// 日期型.
        Date = ("date", "日期型", "Date"),
        /// 日期时间型.
        DateTime = ("datetime", "日期时间型", "Date-time"),
        /// 布尔型.
        Boolean = ("boolean", "布尔型", "Boolean"),
        /// 二进制 (images, attachments).
        Binary = ("binary", "二进制", "Binary"),
        /// 空间几何 (GeoJSON geometry).
        Geometry = ("geometry", "空间几何", "Geometry"),
    }
);

vocabulary!(
    /// 安全级别 (数据分级), lowest first; an entry's level is the highest of its items.
    SecurityLevel {
        /// 一级 (公开).
        L1 = ("L1", "一级（公开）", "Level 1 (public)"),
        /// 二级 (内部).
        L2 = ("L2", "二级（内部）", "Level 2 (internal)"),
        /// 三级 (敏感).
        L3 = ("L3", "三级（敏感）", "Level 3 (sensitive)"),
        /// 四级 (重要).
        L4 = ("L4", "四级（重要）", "Level 4 (important)"),
    }
);

vocabulary!(
    /// Where an entry stands in its lifecycle.
    EntryStatus {
        /// 草稿: being written, never submitted.
        Draft = ("draft", "草稿", "Draft"),
        /// 待审核: submitted for review.
        Submitted = ("submitted", "待审核", "Submitted"),
        /// 已退回: returned with a reason, to be corrected.
        Returned = ("returned", "已退回", "Returned"),
        /// 已发布.
        Published = ("published", "已发布", "Published"),
        /// 已下架.
        Withdrawn = ("withdrawn", "已下架", "Withdrawn"),
    }
);

/// 信息资源分类: 类 / 项 / 目 / 细目.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Classification {
    /// 类.
    pub class: ResourceClass,
    /// 项 (1-99), e.g. 基础/01 人口.
    pub item: u8,
    /// 目 (1-999).
    pub category: u16,
    /// 细目 (0 = none, else 1-999).
    #[serde(default)]
    pub subcategory: u16,
}

/// 信息资源格式.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Format {
    /// 库表 / 文件 / 接口.
    pub kind: FormatKind,
    /// The concrete format, e.g. `MySQL`, `XLSX`, `REST/JSON`.
    pub detail: String,
}

/// 共享属性.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sharing {
    /// 共享类型.
    pub kind: SharingKind,
    /// 共享条件 (required for 有条件共享).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<String>,
    /// 不予共享依据: the law or policy (required for 不予共享).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    /// 共享方式.
    pub method: SharingMethod,
}

/// 开放属性.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Openness {
    /// 开放类型.
    pub kind: OpenKind,
    /// 开放条件 (required for 有条件开放).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<String>,
}

/// 信息项: one data item (column) of the resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataItem {
    /// Machine name, e.g. `id_number` (letters, digits, `_`; starts with a letter).
    pub name: String,
    /// 中文名称, e.g. 公民身份号码.
    pub label: String,
    /// 数据类型.
    pub data_type: DataType,
    /// 长度 (required for strings; total digits for decimals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    /// Part of the key.
    #[serde(default)]
    pub key: bool,
    /// Identifier of the standard data element (数据元) it follows, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element: Option<String>,
    /// 安全级别.
    pub security_level: SecurityLevel,
    /// Per-item 共享类型 (cannot be more open than the entry's).
    pub sharing: SharingKind,
    /// Per-item 开放属性 (cannot be more open than the entry's).
    pub open: OpenKind,
}

/// The editable content of an entry version. Code, provider, status, dates and the derived
/// security level live beside it in [`crate::Entry`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryBody {
    /// 信息资源名称 (≤ 100 characters, unique within the provider).
    pub name: String,
    /// 信息资源摘要.
    pub summary: String,
    /// 信息资源分类.
    pub classification: Classification,
    /// 信息资源格式.
    pub format: Format,
    /// 信息项.
    pub items: Vec<DataItem>,
    /// 共享属性.
    pub sharing: Sharing,
    /// 开放属性.
    pub open: Openness,
    /// 更新周期.
    pub update_cycle: UpdateCycle,
    /// 关联资源代码.
    #[serde(default)]
    pub related: Vec<String>,
}

impl EntryBody {
    /// The entry's security level: the highest of its items (L1 with no items).
    pub fn security_level(&self) -> SecurityLevel {
        self.items.iter().map(|i| i.security_level).max().unwrap_or(SecurityLevel::L1)
    }
}

/// An entry as shown to callers: identity, provider, lifecycle and the body of the version shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Entry {
    /// Version tag of this JSON shape ([`ENTRY_SCHEMA`]).
    pub schema: String,
    /// Identifier.
    pub id: i64,
    /// 信息资源代码, assigned by the platform.
    pub code: String,
    /// 信息资源提供方 (organisation id).
    pub org_id: i64,
    /// 信息资源提供方 name.
    pub provider: String,
    /// 信息资源提供方代码 (unified social credit code).
    pub provider_code: String,
    /// The area (city or district) the provider belongs to, e.g. 西宁市 or 城东区.
    pub area: String,
    /// Path of the provider in the organisation tree (for visibility checks).
    pub owner_path: String,
    /// Lifecycle status.
    pub status: EntryStatus,
    /// The version whose body is shown.
    pub version: i64,
    /// The live published version, if any.
    pub published_version: Option<i64>,
    /// A version in progress (draft, submitted or returned), if any.
    pub pending_version: Option<i64>,
    /// Whether the pending version asks for withdrawal (下架) rather than a change.
    pub pending_withdrawal: bool,
    /// 安全级别 of the entry: the highest of its items.
    pub security_level: SecurityLevel,
    /// 发布日期 (Beijing date of first publication), `YYYY-MM-DD`.
    pub publish_date: Option<String>,
    /// Last change, RFC 3339.
    pub updated_at: String,
    /// The content.
    pub body: EntryBody,
}

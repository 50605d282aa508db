//! What a search returns.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zs_catalog::{EntryStatus, FormatKind, OpenKind, ResourceClass, SecurityLevel, SharingKind, UpdateCycle};

/// The result of a search.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearchResults {
    /// Visible entries matching the text and filters (all pages).
    pub total: usize,
    /// The requested page.
    pub hits: Vec<Hit>,
    /// Counts per value over all `total` matches, not just the page.
    pub facets: Facets,
    /// No visible entry had every word of the text, so these are entries with some of them
    /// (the portal says so: 未找到完全匹配的结果).
    pub relaxed: bool,
}

/// One matching entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Hit {
    /// Entry id.
    pub id: i64,
    /// 信息资源代码.
    pub code: String,
    /// 信息资源名称.
    pub name: String,
    /// Provider name.
    pub provider: String,
    /// Lifecycle status.
    pub status: EntryStatus,
    /// Relevance (BM25, higher is better); 0 when the hits are not sorted by relevance.
    pub score: f32,
}

/// Counts per value of each dimension over the visible matching set. Only values that occur are
/// listed: departments and areas by count (most first), vocabularies in their display order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Facets {
    /// Providing departments.
    pub department: Vec<DepartmentCount>,
    /// Areas (city, districts).
    pub area: Vec<AreaCount>,
    /// 资源属性分类.
    pub class: Vec<Count<ResourceClass>>,
    /// 共享类型.
    pub sharing: Vec<Count<SharingKind>>,
    /// 开放属性.
    pub open: Vec<Count<OpenKind>>,
    /// 信息资源格式.
    pub format: Vec<Count<FormatKind>>,
    /// 更新周期.
    pub update_cycle: Vec<Count<UpdateCycle>>,
    /// 安全级别.
    pub security_level: Vec<Count<SecurityLevel>>,
    /// Lifecycle status.
    pub status: Vec<Count<EntryStatus>>,
}

/// Matches from one department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DepartmentCount {
    /// Organisation id (use as the `org_id` filter).
    pub org_id: i64,
    /// Provider name.
    pub provider: String,
    /// Number of matches.
    pub count: usize,
}

/// Matches in one area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AreaCount {
    /// Area name (use as the `area` filter).
    pub area: String,
    /// Number of matches.
    pub count: usize,
}

/// Matches with one value of a vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Count<T> {
    /// The value.
    pub value: T,
    /// Number of matches.
    pub count: usize,
}

impl Facets {
    /// The count for one department, 0 when absent.
    pub fn department_count(&self, org_id: i64) -> usize {
        self.department.iter().find(|d| d.org_id == org_id).map_or(0, |d| d.count)
    }

    /// The count for one area, 0 when absent.
    pub fn area_count(&self, area: &str) -> usize {
        self.area.iter().find(|a| a.area == area).map_or(0, |a| a.count)
    }
}

/// The count for `value` in a vocabulary facet, 0 when absent.
pub fn count_of<T: PartialEq>(facet: &[Count<T>], value: T) -> usize {
    facet.iter().find(|c| c.value == value).map_or(0, |c| c.count)
}

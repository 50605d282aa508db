//! The standards part of the store contract: the registry of standard data elements (数据元)
//! and the classification suggestions (分类分级建议) made by the value detectors.

use zs_types::Result;

/// One standard data element as stored. Lists (code list, aliases) are JSON text; the
/// standards service gives them their shape.
#[derive(Debug, Clone, PartialEq)]
pub struct ElementRow {
    /// Identifier, e.g. `DE01001`.
    pub id: String,
    /// 中文名称 (unique).
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// 定义.
    pub definition: String,
    /// 数据类型 (the catalogue's stable name, e.g. `string`).
    pub data_type: String,
    /// 表示格式, e.g. `n18` or `YYYY-MM-DD`.
    pub format: String,
    /// 长度 (maximum characters; total digits for decimals).
    pub length: Option<i64>,
    /// 值域 in words.
    pub value_domain: String,
    /// 代码表: JSON array of `{code, label}`.
    pub code_list: String,
    /// Other names an item carrying this element goes by, JSON array of strings.
    pub aliases: String,
    /// The national standard it follows, e.g. `GB 11643-1999`.
    pub standard_ref: String,
    /// `active` or `deprecated`.
    pub status: String,
    /// Version, starting at 1 and raised by every change.
    pub version: i64,
    /// Who changed it last (none for the seed).
    pub updated_by: Option<i64>,
    /// Created (Unix ms).
    pub created_at: i64,
    /// Last change (Unix ms).
    pub updated_at: i64,
}

/// A suggestion that a column's level be raised, from its values.
#[derive(Debug, Clone, PartialEq)]
pub struct SuggestionRow {
    /// Identifier (assigned by the store).
    pub id: i64,
    /// The catalogue entry.
    pub entry_id: i64,
    /// 信息资源代码.
    pub code: String,
    /// The item (column) name.
    pub item_name: String,
    /// The detector that matched, e.g. `id_number`.
    pub detector: String,
    /// Non-empty values sampled.
    pub sampled: i64,
    /// Values the detector recognised.
    pub matched: i64,
    /// `matched / sampled`.
    pub ratio: f64,
    /// The item's level when the suggestion was made (`L1`…`L4`).
    pub current_level: String,
    /// The level proposed.
    pub proposed_level: String,
    /// The table version sampled.
    pub table_version: i64,
    /// `open`, `accepted` or `dismissed`.
    pub state: String,
    /// Made (Unix ms).
    pub created_at: i64,
    /// Who accepted or dismissed it.
    pub decided_by: Option<i64>,
    /// When (Unix ms).
    pub decided_at: Option<i64>,
}

/// The standards store.
#[async_trait::async_trait]
pub trait StandardsStore: Send + Sync {
    /// Insert a new element; `already_exists` when the id or the Chinese name is taken.
    async fn create_element(&self, e: &ElementRow) -> Result<()>;
    /// Replace an element whose stored version is `expected_version`; the stored version
    /// becomes `e.version`. `conflict` when someone changed it meanwhile, `not_found` when absent.
    async fn update_element(&self, e: &ElementRow, expected_version: i64) -> Result<()>;
    /// One element.
    async fn get_element(&self, id: &str) -> Result<Option<ElementRow>>;
    /// Every element, by id.
    async fn list_elements(&self) -> Result<Vec<ElementRow>>;

    /// Replace the open suggestions of an entry by `new` (decided ones stay as history);
    /// returns the stored suggestions with their ids.
    async fn replace_suggestions(&self, entry_id: i64, new: &[SuggestionRow]) -> Result<Vec<SuggestionRow>>;
    /// Suggestions of an entry, newest first (open and decided).
    async fn list_suggestions(&self, entry_id: i64) -> Result<Vec<SuggestionRow>>;
    /// One suggestion.
    async fn get_suggestion(&self, id: i64) -> Result<Option<SuggestionRow>>;
    /// Decide an open suggestion (`accepted` or `dismissed`); false when it was not open.
    async fn decide_suggestion(&self, id: i64, state: &str, by: i64, at: i64) -> Result<bool>;
}

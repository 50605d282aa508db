//! The standard data element (数据元): what a datum means and how it is written, so that
//! every department's 身份证号 column means and looks the same.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zs_catalog::DataType;
use zs_meta::standards::ElementRow;
use zs_types::{Error, Result};

/// One entry of a code list (代码表), e.g. `1` 男性.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeValue {
    /// The code as stored, e.g. `1`.
    pub code: String,
    /// 含义, e.g. 男性.
    pub label: String,
}

/// Whether an element is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ElementStatus {
    /// 现行: items should refer to it.
    Active,
    /// 废止: kept for old references; new items should not use it.
    Deprecated,
}

impl ElementStatus {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Deprecated => "deprecated",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "active" => Ok(Self::Active),
            "deprecated" => Ok(Self::Deprecated),
            other => Err(Error::internal(format!("stored element status '{other}' unknown"))),
        }
    }
}

/// A standard data element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DataElement {
    /// 标识符, e.g. `DE01001`.
    pub id: String,
    /// 中文名称, e.g. 公民身份号码.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// 定义.
    pub definition: String,
    /// 数据类型.
    pub data_type: DataType,
    /// 表示格式, e.g. `an18`, `YYYY-MM-DD`.
    pub format: String,
    /// 长度: maximum characters (total digits for decimals); none for dates and the like.
    pub length: Option<u32>,
    /// 值域 in words.
    pub value_domain: String,
    /// 代码表 (empty when the element is not coded).
    pub code_list: Vec<CodeValue>,
    /// Other labels an item carrying this element goes by (身份证号, 身份证号码 …); the
    /// conformance report matches item labels against the name and these.
    pub aliases: Vec<String>,
    /// The standard it follows, e.g. `GB 11643-1999`.
    pub standard_ref: String,
    /// 状态.
    pub status: ElementStatus,
    /// 版本, raised by every change.
    pub version: i64,
    /// Last change, RFC 3339.
    pub updated_at: String,
}

/// What an operator writes when creating or editing an element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ElementInput {
    /// 标识符 (letters, digits, `-`, `_`; 2-32 characters); ignored on edit.
    pub id: String,
    /// 中文名称 (unique).
    pub name_zh: String,
    /// English name.
    #[serde(default)]
    pub name_en: String,
    /// 定义.
    pub definition: String,
    /// 数据类型.
    pub data_type: DataType,
    /// 表示格式.
    #[serde(default)]
    pub format: String,
    /// 长度 (required for strings).
    #[serde(default)]
    pub length: Option<u32>,
    /// 值域.
    #[serde(default)]
    pub value_domain: String,
    /// 代码表.
    #[serde(default)]
    pub code_list: Vec<CodeValue>,
    /// Other labels.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The standard it follows.
    #[serde(default)]
    pub standard_ref: String,
}

fn text(field: &str, v: &str, min: usize, max: usize) -> Result<()> {
    let n = v.trim().chars().count();
    if n < min || n > max {
        let what = if min == 0 { format!("at most {max}") } else { format!("{min}-{max}") };
        return Err(Error::invalid(field, format!("{field} must be {what} characters")));
    }
    Ok(())
}

impl ElementInput {
    /// Check every field; the error names the first bad one.
    pub fn validate(&self) -> Result<()> {
        let id = self.id.trim();
        if id.len() < 2
            || id.len() > 32
            || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            || !id.starts_with(|c: char| c.is_ascii_alphabetic())
        {
            return Err(Error::invalid("id", "id must be 2-32 letters, digits, '-' or '_', starting with a letter"));
        }
        text("name_zh", &self.name_zh, 1, 50)?;
        text("name_en", &self.name_en, 0, 100)?;
        text("definition", &self.definition, 4, 500)?;
        text("format", &self.format, 0, 50)?;
        text("value_domain", &self.value_domain, 0, 500)?;
        text("standard_ref", &self.standard_ref, 0, 100)?;
        match (self.data_type, self.length) {
            (DataType::String, None) => return Err(Error::invalid("length", "a string element needs a length")),
            (_, Some(0)) => return Err(Error::invalid("length", "length must be positive")),
            (_, Some(n)) if n > 10_000 => return Err(Error::invalid("length", "length must be at most 10000")),
            _ => {}
        }
        let mut codes = std::collections::HashSet::new();
        for (i, c) in self.code_list.iter().enumerate() {
            if c.code.trim().is_empty() || c.label.trim().is_empty() {
                return Err(Error::invalid("code_list", format!("code list entry {} needs a code and a label", i + 1)));
            }
            if !codes.insert(c.code.trim()) {
                return Err(Error::invalid("code_list", format!("code '{}' appears twice", c.code.trim())));
            }
            if let Some(n) = self.length.filter(|_| self.data_type == DataType::String) {
                if c.code.trim().chars().count() > n as usize {
                    return Err(Error::invalid(
                        "code_list",
                        format!("code '{}' is longer than the length {n}", c.code),
                    ));
                }
            }
        }
        if self.aliases.len() > 20 || self.aliases.iter().any(|a| a.trim().is_empty() || a.chars().count() > 50) {
            return Err(Error::invalid("aliases", "at most 20 aliases of 1-50 characters"));
        }
        Ok(())
    }

    /// The stored row of version `version`.
    pub(crate) fn to_row(
        &self,
        version: i64,
        status: ElementStatus,
        by: Option<i64>,
        created: i64,
        at: i64,
    ) -> Result<ElementRow> {
        Ok(ElementRow {
            id: self.id.trim().to_owned(),
            name_zh: self.name_zh.trim().to_owned(),
            name_en: self.name_en.trim().to_owned(),
            definition: self.definition.trim().to_owned(),
            data_type: self.data_type.as_str().to_owned(),
            format: self.format.trim().to_owned(),
            length: self.length.map(i64::from),
            value_domain: self.value_domain.trim().to_owned(),
            code_list: to_json(&self.code_list)?,
            aliases: to_json(&self.aliases.iter().map(|a| a.trim().to_owned()).collect::<Vec<_>>())?,
            standard_ref: self.standard_ref.trim().to_owned(),
            status: status.as_str().to_owned(),
            version,
            updated_by: by,
            created_at: created,
            updated_at: at,
        })
    }
}

/// JSON text of a list, for the store.
fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::internal(e.to_string()))
}

impl DataElement {
    /// From the stored row.
    pub fn from_row(r: &ElementRow) -> Result<Self> {
        let bad = |what: &str| Error::internal(format!("stored data element {} has an unreadable {what}", r.id));
        Ok(Self {
            id: r.id.clone(),
            name_zh: r.name_zh.clone(),
            name_en: r.name_en.clone(),
            definition: r.definition.clone(),
            data_type: DataType::parse(&r.data_type).ok_or_else(|| bad("data type"))?,
            format: r.format.clone(),
            length: r.length.map(|n| u32::try_from(n).map_err(|_| bad("length"))).transpose()?,
            value_domain: r.value_domain.clone(),
            code_list: serde_json::from_str(&r.code_list).map_err(|_| bad("code list"))?,
            aliases: serde_json::from_str(&r.aliases).map_err(|_| bad("alias list"))?,
            standard_ref: r.standard_ref.clone(),
            status: ElementStatus::parse(&r.status)?,
            version: r.version,
            updated_at: zs_types::clock::from_ms(r.updated_at)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        })
    }

    /// The input that would produce this element (for edit forms).
    pub fn to_input(&self) -> ElementInput {
        ElementInput {
            id: self.id.clone(),
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            definition: self.definition.clone(),
            data_type: self.data_type,
            format: self.format.clone(),
            length: self.length,
            value_domain: self.value_domain.clone(),
            code_list: self.code_list.clone(),
            aliases: self.aliases.clone(),
            standard_ref: self.standard_ref.clone(),
        }
    }

    /// Whether an item label names this element (its name or an alias), ignoring spaces.
    pub fn matches_label(&self, label: &str) -> bool {
        let l = normalise(label);
        !l.is_empty() && (normalise(&self.name_zh) == l || self.aliases.iter().any(|a| normalise(a) == l))
    }
}

/// A label without spaces (half- and full-width).
pub fn normalise(label: &str) -> String {
    label.chars().filter(|c| !c.is_whitespace()).collect()
}

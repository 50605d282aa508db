//! Example theme and topic libraries (主题库/专题库): SQL over base-library resources with the
//! target schema they are materialised into.
//!
//! Source tables are named by SQL name and built from the seeded catalogue entries' items (the
//! item names of the templates in `zs_catalog::seed`: e.g. `credit_code`, `org_name`; an entry's
//! extra items are `extra_1`, `extra_2`, … in order). Credit records follow the demo convention of
//! `zs_demodata::credit`: permits have record numbers starting `XK`, penalties `CF`.

use zs_catalog::{DataType, SecurityLevel};
use zs_tables::{Column, TableSchema};

/// A column of a theme library's target table (a `const`-friendly [`Column`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    /// Machine name.
    pub name: &'static str,
    /// 中文名称.
    pub label: &'static str,
    /// 数据类型.
    pub data_type: DataType,
    /// Declared length.
    pub length: Option<u32>,
    /// Part of the key.
    pub key: bool,
    /// 安全级别.
    pub security_level: SecurityLevel,
}

impl ColumnSpec {
    /// As a table column.
    pub fn column(&self) -> Column {
        Column {
            name: self.name.to_owned(),
            label: self.label.to_owned(),
            data_type: self.data_type,
            length: self.length,
            key: self.key,
            security_level: self.security_level,
        }
    }
}

/// A theme library: what it is built from, how, and into what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThemeLibrary {
    /// 资源名称.
    pub name: &'static str,
    /// The sources: SQL name used in [`ThemeLibrary::sql`] and the catalogue entry (资源名称)
    /// whose resource table it is.
    pub sources: &'static [(&'static str, &'static str)],
    /// The definition: one query whose columns are the target's.
    pub sql: &'static str,
    /// The target table's columns.
    pub columns: &'static [ColumnSpec],
}

impl ThemeLibrary {
    /// The target table's columns.
    pub fn columns(&self) -> Vec<Column> {
        self.columns.iter().map(ColumnSpec::column).collect()
    }

    /// The target table's schema.
    pub fn schema(&self) -> zs_tables::Result<TableSchema> {
        TableSchema::from_columns(self.columns())
    }
}

const fn col(
    name: &'static str,
    label: &'static str,
    data_type: DataType,
    length: Option<u32>,
    security_level: SecurityLevel,
) -> ColumnSpec {
    ColumnSpec { name, label, data_type, length, key: false, security_level }
}

const fn key(name: &'static str, label: &'static str, length: u32, security_level: SecurityLevel) -> ColumnSpec {
    ColumnSpec { name, label, data_type: DataType::String, length: Some(length), key: true, security_level }
}

use DataType as T;
use SecurityLevel as L;

/// 企业全景 (enterprise panorama): each enterprise with its e-licences and credit record.
pub const ENTERPRISE_PANORAMA: ThemeLibrary = ThemeLibrary {
    name: "企业全景",
    sources: &[
        ("enterprise", "法人单位基础信息"),
        ("licence", "企业营业执照电子证照"),
        ("credit", "行政许可和行政处罚信用信息"),
    ],
    sql: "WITH lic AS (
    SELECT holder_code, COUNT(*) AS licence_count, MAX(issued_on) AS latest_licence_on
    FROM licence GROUP BY holder_code
), cr AS (
    SELECT subject_code,
           SUM(CASE WHEN record_id LIKE 'XK%' THEN 1 ELSE 0 END) AS permit_count,
           SUM(CASE WHEN record_id LIKE 'CF%' THEN 1 ELSE 0 END) AS penalty_count,
           SUM(CASE WHEN record_id LIKE 'CF%' THEN amount END) AS penalty_amount,
           MAX(CASE WHEN record_id LIKE 'CF%' THEN occurred_on END) AS last_penalty_on
    FROM credit GROUP BY subject_code
)
SELECT e.credit_code, e.org_name, e.legal_rep, e.reg_address, e.reg_capital, e.established,
       e.extra_1 AS registration_authority,
       COALESCE(lic.licence_count, 0) AS licence_count, lic.latest_licence_on,
       COALESCE(cr.permit_count, 0) AS permit_count, COALESCE(cr.penalty_count, 0) AS penalty_count,
       COALESCE(cr.penalty_amount, 0) AS penalty_amount, cr.last_penalty_on
FROM enterprise e
LEFT JOIN lic ON lic.holder_code = e.credit_code
LEFT JOIN cr ON cr.subject_code = e.credit_code",
    columns: &[
        key("credit_code", "统一社会信用代码", 18, L::L1),
        col("org_name", "单位名称", T::String, Some(200), L::L1),
        col("legal_rep", "法定代表人", T::String, Some(50), L::L2),
        col("reg_address", "注册地址", T::String, Some(200), L::L1),
        col("reg_capital", "注册资本", T::Decimal, Some(18), L::L1),
        col("established", "成立日期", T::Date, None, L::L1),
        col("registration_authority", "登记机关", T::String, Some(100), L::L1),
        col("licence_count", "电子证照数", T::Integer, None, L::L1),
        col("latest_licence_on", "最近发证日期", T::Date, None, L::L1),
        col("permit_count", "行政许可数", T::Integer, None, L::L1),
        col("penalty_count", "行政处罚数", T::Integer, None, L::L2),
        col("penalty_amount", "处罚金额（元）", T::Decimal, Some(18), L::L2),
        col("last_penalty_on", "最近处罚日期", T::Date, None, L::L2),
    ],
};

/// 一人一档 (one file per person): each resident with their ID-card e-licences and penalties.
pub const PERSON_PROFILE: ThemeLibrary = ThemeLibrary {
    name: "一人一档",
    sources: &[("person", "人口基础信息"), ("licence", "居民身份证电子证照"), ("credit", "行政许可和行政处罚信用信息")],
    sql: "WITH lic AS (
    SELECT holder_code, COUNT(*) AS licence_count, MAX(issued_on) AS latest_licence_on
    FROM licence GROUP BY holder_code
), cr AS (
    SELECT subject_code, COUNT(*) AS penalty_count, SUM(amount) AS penalty_amount
    FROM credit WHERE record_id LIKE 'CF%' GROUP BY subject_code
)
SELECT p.id_number, p.name, p.sex, p.birth_date, p.ethnicity, p.address, p.phone,
       p.extra_1 AS registered_address, p.extra_2 AS household_no,
       COALESCE(lic.licence_count, 0) AS licence_count, lic.latest_licence_on,
       COALESCE(cr.penalty_count, 0) AS penalty_count, COALESCE(cr.penalty_amount, 0) AS penalty_amount
FROM person p
LEFT JOIN lic ON lic.holder_code = p.id_number
LEFT JOIN cr ON cr.subject_code = p.id_number",
    columns: &[
        key("id_number", "公民身份号码", 18, L::L3),
        col("name", "姓名", T::String, Some(50), L::L3),
        col("sex", "性别", T::String, Some(1), L::L2),
        col("birth_date", "出生日期", T::Date, None, L::L3),
        col("ethnicity", "民族", T::String, Some(20), L::L2),
        col("address", "住址", T::String, Some(200), L::L3),
        col("phone", "联系电话", T::String, Some(20), L::L3),
        col("registered_address", "户籍地址", T::String, Some(100), L::L3),
        col("household_no", "户号", T::String, Some(100), L::L3),
        col("licence_count", "电子证照数", T::Integer, None, L::L2),
        col("latest_licence_on", "最近发证日期", T::Date, None, L::L2),
        col("penalty_count", "行政处罚数", T::Integer, None, L::L3),
        col("penalty_amount", "处罚金额（元）", T::Decimal, Some(18), L::L3),
    ],
};

/// The example theme libraries.
pub const THEME_LIBRARIES: &[ThemeLibrary] = &[ENTERPRISE_PANORAMA, PERSON_PROFILE];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_schemas_build() {
        for t in THEME_LIBRARIES {
            let schema = t.schema().unwrap_or_else(|e| panic!("{}: {e}", t.name));
            assert_eq!(schema.key_indices(), vec![0], "{}", t.name);
        }
    }
}

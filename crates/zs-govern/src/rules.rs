//! The rule library (质量规则): what a rule is, what it targets, which quality dimension it
//! measures and how severe a failure is.
//!
//! A rule targets a data item (信息项) by name or a standard data element (数据元) by identifier;
//! an element rule applies to every item of the resource that refers to the element, so a rule
//! written once for 公民身份号码 follows the element into every resource that carries it.

use serde::{Deserialize, Serialize};
use time::Date;

/// The five quality dimensions scored per version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// 完整性: required values present.
    Completeness,
    /// 有效性 (规范性): values well-formed and within their domain.
    Validity,
    /// 唯一性: keys and unique columns without repeats.
    Uniqueness,
    /// 一致性: values agree with other resources.
    Consistency,
    /// 及时性: hand-ins on time and data fresh.
    Timeliness,
}

impl Dimension {
    /// Every dimension, in display order.
    pub const ALL: [Dimension; 5] = [
        Dimension::Completeness,
        Dimension::Validity,
        Dimension::Uniqueness,
        Dimension::Consistency,
        Dimension::Timeliness,
    ];

    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Completeness => "completeness",
            Dimension::Validity => "validity",
            Dimension::Uniqueness => "uniqueness",
            Dimension::Consistency => "consistency",
            Dimension::Timeliness => "timeliness",
        }
    }

    /// Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Dimension::Completeness => "完整性",
            Dimension::Validity => "有效性",
            Dimension::Uniqueness => "唯一性",
            Dimension::Consistency => "一致性",
            Dimension::Timeliness => "及时性",
        }
    }
}

/// How a failure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The row is blocked: counted as unusable and reported.
    #[default]
    Error,
    /// Reported only.
    Warning,
}

impl Severity {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// What a rule applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// A data item of the resource, by machine name.
    Item(String),
    /// Every item that refers to this standard data element (数据元 identifier, e.g. `DE0100`).
    Element(String),
}

/// The check a rule makes. Column names inside a check (`when`, `birth_date`, `key`, …) are items
/// of the same resource; `resource` names another resource by its code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Check {
    /// The value is present (not null).
    Required,
    /// The value is present and not only white space.
    NotBlank,
    /// The value is present whenever item `when` holds a value (B required when A is set).
    RequiredIf {
        /// The item that makes this one required.
        when: String,
    },
    /// Length in characters (text) within bounds.
    Length {
        /// Fewest characters.
        #[serde(default)]
        min: Option<u32>,
        /// Most characters.
        #[serde(default)]
        max: Option<u32>,
    },
    /// One of a code list (enumeration).
    OneOf {
        /// The allowed values.
        values: Vec<String>,
    },
    /// Matches a regular expression (anchored: the whole value must match).
    Pattern {
        /// The expression.
        regex: String,
    },
    /// A number within bounds (integer, decimal or numeric text).
    Range {
        /// Smallest allowed.
        #[serde(default)]
        min: Option<f64>,
        /// Largest allowed.
        #[serde(default)]
        max: Option<f64>,
    },
    /// A date within bounds (date items or `YYYY-MM-DD` text).
    DateRange {
        /// Earliest allowed.
        #[serde(default)]
        min: Option<Date>,
        /// Latest allowed.
        #[serde(default)]
        max: Option<Date>,
    },
    /// A plausible date: not before `earliest` (default 1900-01-01) and not after the day the
    /// data was handed in.
    PlausibleDate {
        /// Earliest plausible date.
        #[serde(default)]
        earliest: Option<Date>,
    },
    /// A GB 11643 citizen ID number: check digit, region code (historical codes allowed), birth
    /// date; optionally agreeing with separate birth-date and sex items.
    IdNumber {
        /// Item holding the birth date, compared with digits 7–14.
        #[serde(default)]
        birth_date: Option<String>,
        /// Item holding the sex (`1`/`男` male, `2`/`女` female), compared with digit 17's parity.
        #[serde(default)]
        sex: Option<String>,
    },
    /// A GB 32100 unified social credit code (check character, registration authority).
    CreditCode,
    /// A GB/T 2260 division code; with `historical` abolished codes pass too.
    Division {
        /// Accept codes no longer in use.
        #[serde(default)]
        historical: bool,
    },
    /// A mainland mobile number (11 digits, 1[3-9]…).
    Mobile,
    /// A landline number (area code 0xx(x), 7–8 digits, optional extension).
    Landline,
    /// A mobile or landline number.
    Phone,
    /// An e-mail address.
    Email,
    /// A six-digit postal code.
    PostalCode,
    /// No value repeats within the version (all hand-ins that make it up). `with` adds items to
    /// form a composite key.
    Unique {
        /// Further items of a composite key.
        #[serde(default)]
        with: Vec<String>,
    },
    /// The value exists in another resource's item (e.g. a licence holder's ID number in the
    /// population library).
    Exists {
        /// The other resource's code.
        resource: String,
        /// Its item holding the values.
        column: String,
    },
    /// For the same key, the value equals the other resource's value (e.g. a person's name in
    /// two departments' data); disagreements are conflicts listed with both values.
    SameAs {
        /// This resource's key item.
        key: String,
        /// The other resource's code.
        resource: String,
        /// The other resource's key item.
        remote_key: String,
        /// The other resource's value item.
        column: String,
    },
    /// The newest date in the item is at most `max_age_days` older than the version.
    Fresh {
        /// Days.
        max_age_days: u32,
    },
}

impl Check {
    /// The dimension the check measures.
    pub fn dimension(&self) -> Dimension {
        use Check::*;
        match self {
            Required | NotBlank | RequiredIf { .. } => Dimension::Completeness,
            Length { .. }
            | OneOf { .. }
            | Pattern { .. }
            | Range { .. }
            | DateRange { .. }
            | PlausibleDate { .. }
            | IdNumber { .. }
            | CreditCode
            | Division { .. }
            | Mobile
            | Landline
            | Phone
            | Email
            | PostalCode => Dimension::Validity,
            Unique { .. } => Dimension::Uniqueness,
            Exists { .. } | SameAs { .. } => Dimension::Consistency,
            Fresh { .. } => Dimension::Timeliness,
        }
    }

    /// Stable name of the kind.
    pub fn kind(&self) -> &'static str {
        use Check::*;
        match self {
            Required => "required",
            NotBlank => "not_blank",
            RequiredIf { .. } => "required_if",
            Length { .. } => "length",
            OneOf { .. } => "one_of",
            Pattern { .. } => "pattern",
            Range { .. } => "range",
            DateRange { .. } => "date_range",
            PlausibleDate { .. } => "plausible_date",
            IdNumber { .. } => "id_number",
            CreditCode => "credit_code",
            Division { .. } => "division",
            Mobile => "mobile",
            Landline => "landline",
            Phone => "phone",
            Email => "email",
            PostalCode => "postal_code",
            Unique { .. } => "unique",
            Exists { .. } => "exists",
            SameAs { .. } => "same_as",
            Fresh { .. } => "fresh",
        }
    }

    /// Chinese name of the kind (for reports and tickets).
    pub fn label_zh(&self) -> &'static str {
        use Check::*;
        match self {
            Required => "必填",
            NotBlank => "非空白",
            RequiredIf { .. } => "条件必填",
            Length { .. } => "长度",
            OneOf { .. } => "代码值域",
            Pattern { .. } => "格式",
            Range { .. } => "数值范围",
            DateRange { .. } => "日期范围",
            PlausibleDate { .. } => "日期合理性",
            IdNumber { .. } => "公民身份号码",
            CreditCode => "统一社会信用代码",
            Division { .. } => "行政区划代码",
            Mobile => "手机号码",
            Landline => "固定电话",
            Phone => "联系电话",
            Email => "电子邮箱",
            PostalCode => "邮政编码",
            Unique { .. } => "唯一性",
            Exists { .. } => "关联存在",
            SameAs { .. } => "跨源一致",
            Fresh { .. } => "数据新鲜度",
        }
    }

    /// Other resources the check reads (code, item).
    pub fn reference(&self) -> Option<(&str, &str)> {
        match self {
            Check::Exists { resource, column } => Some((resource, column)),
            Check::SameAs { resource, column, .. } => Some((resource, column)),
            _ => None,
        }
    }
}

/// One rule: an identifier unique within the resource's rule set, a target, a check, a severity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Identifier, unique within the rule set (letters, digits, `_`, `-`, `.`).
    pub id: String,
    /// What it applies to.
    pub target: Target,
    /// What it checks.
    #[serde(flatten)]
    pub check: Check,
    /// Error (blocks the row) or warning (reports only).
    #[serde(default)]
    pub severity: Severity,
    /// A note shown beside failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Rule {
    /// A rule on an item with severity error.
    pub fn item(id: &str, item: &str, check: Check) -> Self {
        Self { id: id.to_owned(), target: Target::Item(item.to_owned()), check, severity: Severity::Error, note: None }
    }

    /// The same rule as a warning.
    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// Check the rule's own form (identifier, parameters, regular expression); names the problem.
    pub fn validate(&self) -> Result<(), String> {
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 64
            && self.id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !id_ok {
            return Err(format!("rule id '{}' must be 1-64 letters, digits, '_', '-' or '.'", self.id));
        }
        match &self.check {
            Check::Pattern { regex } => {
                regex::Regex::new(regex).map_err(|e| format!("rule {}: the pattern does not compile: {e}", self.id))?;
            }
            Check::OneOf { values } if values.is_empty() => {
                return Err(format!("rule {}: the code list is empty", self.id));
            }
            Check::Length { min: Some(a), max: Some(b) } if a > b => {
                return Err(format!("rule {}: min length {a} is above max length {b}", self.id));
            }
            Check::Range { min: Some(a), max: Some(b) } if a > b => {
                return Err(format!("rule {}: min {a} is above max {b}", self.id));
            }
            Check::DateRange { min: Some(a), max: Some(b) } if a > b => {
                return Err(format!("rule {}: earliest date {a} is after latest {b}", self.id));
            }
            _ => {}
        }
        Ok(())
    }
}

/// Check a whole rule set: every rule valid, identifiers unique.
pub fn validate_rules(rules: &[Rule]) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for r in rules {
        r.validate()?;
        if !seen.insert(r.id.as_str()) {
            return Err(format!("rule id '{}' appears twice", r.id));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_form_round_trips() {
        let json = r#"[
            {"id":"id","target":{"item":"id_number"},"kind":"id_number","birth_date":"birth_date","sex":"sex"},
            {"id":"name","target":{"element":"DE0101"},"kind":"not_blank","severity":"warning"},
            {"id":"ref","target":{"item":"holder_code"},"kind":"exists","resource":"A/1","column":"id_number"}
        ]"#;
        let rules: Vec<Rule> = serde_json::from_str(json).unwrap_or_default();
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[1].severity, Severity::Warning);
        assert_eq!(rules[1].target, Target::Element("DE0101".into()));
        assert_eq!(rules[2].check.dimension(), Dimension::Consistency);
        let back: Vec<Rule> =
            serde_json::to_string(&rules).ok().and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default();
        assert_eq!(back, rules);
        assert!(validate_rules(&rules).is_ok());
    }

    #[test]
    fn bad_rules_are_named() {
        let bad = Rule::item("p", "x", Check::Pattern { regex: "(".into() });
        assert!(bad.validate().is_err_and(|e| e.contains("pattern")));
        let dup = vec![Rule::item("a", "x", Check::Required), Rule::item("a", "y", Check::Required)];
        assert!(validate_rules(&dup).is_err_and(|e| e.contains("twice")));
        assert!(Rule::item("a b", "x", Check::Required).validate().is_err());
    }
}

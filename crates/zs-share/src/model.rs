//! What callers send and get: application input, review decisions, and the views of
//! applications and grants shown on pages and in the API.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zs_types::{Error, Result};

use crate::masking::Technique;

/// The value placeholder in a row condition that stands for the applicant department's
/// administrative division code (e.g. only rows of the applicant's district).
pub const APPLICANT_DIVISION: &str = "@applicant_division";

/// One equality condition on an item: only rows whose item has this value leave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RowCondition {
    /// Item name.
    pub item: String,
    /// Value (compared as text); `@applicant_division` for the applicant's division code.
    pub value: String,
}

/// An application (共享申请).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyInput {
    /// 信息资源代码, e.g. `101001000/000001`.
    pub code: String,
    /// Items (fields) asked for.
    pub fields: Vec<String>,
    /// 用途: what the data is for.
    pub purpose: String,
    /// 应用场景: the business in which it is used.
    pub scenario: String,
    /// 依据: the law, policy or duty that makes the use legitimate.
    pub legal_basis: String,
    /// Last day of use (`YYYY-MM-DD`, at most three years ahead).
    pub until: String,
    /// Expected calls per day.
    pub calls_per_day: i64,
    /// Expected rows per day.
    pub rows_per_day: i64,
}

/// The provider's answer to an application.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    /// `grant` or `refuse`.
    pub decision: String,
    /// Reasons (required for a refusal; shown to the applicant).
    #[serde(default)]
    pub note: Option<String>,
    /// Items granted: a subset of those asked for (all asked for when omitted).
    #[serde(default)]
    pub fields: Option<Vec<String>>,
    /// Row restriction: every condition must hold for a row to leave.
    #[serde(default)]
    pub row_filter: Vec<RowCondition>,
    /// Last day of use, not later than asked for.
    #[serde(default)]
    pub until: Option<String>,
    /// Calls per day, not more than asked for.
    #[serde(default)]
    pub calls_per_day: Option<i64>,
    /// Rows per day, not more than asked for.
    #[serde(default)]
    pub rows_per_day: Option<i64>,
    /// Masking per item; items not named get the default for their security level.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub masking: BTreeMap<String, Technique>,
}

/// An application as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationView {
    /// Identifier.
    pub id: i64,
    /// 信息资源代码.
    pub code: String,
    /// 信息资源名称.
    pub name: String,
    /// Providing department.
    pub provider: String,
    /// Applying department.
    pub applicant_org: String,
    /// Who applied.
    pub applicant: String,
    /// Items asked for.
    pub fields: Vec<String>,
    /// 用途.
    pub purpose: String,
    /// 应用场景.
    pub scenario: String,
    /// 依据.
    pub legal_basis: String,
    /// Last day of use asked for.
    pub until: String,
    /// Calls per day asked for.
    pub calls_per_day: i64,
    /// Rows per day asked for.
    pub rows_per_day: i64,
    /// unconditional | conditional.
    pub share_kind: String,
    /// pending | granted | refused.
    pub state: String,
    /// Answer due (conditional ones).
    pub due_date: Option<String>,
    /// Working days left to answer (negative: overdue), while pending.
    pub working_days_left: Option<i64>,
    /// Pending past its due date.
    pub overdue: bool,
    /// Escalated to the platform operator (Unix ms).
    pub escalated_at: Option<i64>,
    /// Reasons for a refusal or a narrower grant.
    pub decision_note: Option<String>,
    /// When decided (Unix ms).
    pub decided_at: Option<i64>,
    /// The grant made.
    pub grant_id: Option<i64>,
    /// Filed (Unix ms).
    pub created_at: i64,
}

/// A grant as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrantView {
    /// Identifier.
    pub id: i64,
    /// The application it answers.
    pub application_id: Option<i64>,
    /// 信息资源代码.
    pub code: String,
    /// 信息资源名称.
    pub name: String,
    /// Providing department.
    pub provider: String,
    /// Consumer department.
    pub consumer: String,
    /// Items granted.
    pub fields: Vec<String>,
    /// Row restriction.
    pub row_filter: Vec<RowCondition>,
    /// Masking per item.
    #[schema(value_type = Object)]
    pub masking: BTreeMap<String, Technique>,
    /// Valid from (Unix ms).
    pub valid_from: i64,
    /// Valid until (Unix ms, exclusive).
    pub valid_until: i64,
    /// Calls per day.
    pub calls_per_day: i64,
    /// Rows per day.
    pub rows_per_day: i64,
    /// Calls made today.
    pub calls_today: i64,
    /// Rows returned today.
    pub rows_today: i64,
    /// active | expired | revoked | suspended (after a security alert, until reinstated).
    pub state: String,
    /// Revoked (Unix ms).
    pub revoked_at: Option<i64>,
    /// Why.
    pub revoke_reason: Option<String>,
    /// Suspended (Unix ms), while it is.
    pub suspended_at: Option<i64>,
    /// Why it is suspended (names the alert).
    pub suspend_reason: Option<String>,
    /// The data API's base URL for this grant.
    pub api: String,
    /// Made (Unix ms).
    pub created_at: i64,
}

/// Parse a `YYYY-MM-DD` date.
pub fn parse_date(field: &str, s: &str) -> Result<time::Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), &fmt).map_err(|_| Error::invalid(field, format!("'{s}' is not a date YYYY-MM-DD")))
}

/// Check a required text of 1-500 characters.
pub fn text(field: &str, what: &str, s: &str) -> Result<String> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > 500 {
        return Err(Error::invalid(field, format!("give the {what} (1-500 characters)")));
    }
    Ok(t.to_owned())
}

//! The rules and what they find.

use serde::Serialize;
use utoipa::ToSchema;

/// A detection rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Rows through a grant in the last hour far above the consumer's own average hour.
    Volume,
    /// Bulk rows through a grant outside working hours.
    OffHours,
    /// Sequential or guessing lookups by key, or an unfiltered listing walked page by page.
    Enumeration,
    /// A burst of refusals by one account or address.
    Denials,
    /// An API credential used from a network it was never used from.
    NewAddress,
    /// A revoked or suspended grant or credential still being used.
    AfterRevocation,
}

impl Rule {
    /// Every rule.
    pub const ALL: [Rule; 6] =
        [Rule::Volume, Rule::OffHours, Rule::Enumeration, Rule::Denials, Rule::NewAddress, Rule::AfterRevocation];

    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Volume => "volume",
            Rule::OffHours => "off_hours",
            Rule::Enumeration => "enumeration",
            Rule::Denials => "denials",
            Rule::NewAddress => "new_address",
            Rule::AfterRevocation => "after_revocation",
        }
    }

    /// Parse the stable name.
    pub fn parse(s: &str) -> Option<Self> {
        Rule::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// How long after firing the same rule stays quiet for the same subject (ms): one alert per
    /// episode, not one per record.
    pub(crate) fn quiet_ms(self) -> i64 {
        match self {
            Rule::Volume | Rule::OffHours => HOUR,
            Rule::Enumeration => 10 * MINUTE,
            Rule::Denials => 5 * MINUTE,
            // Once per network: it is known afterwards.
            Rule::NewAddress => MINUTE,
            Rule::AfterRevocation => 24 * HOUR,
        }
    }
}

/// Severity of an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a look.
    Medium,
    /// Look soon.
    High,
    /// Act now (automatic suspension applies when configured).
    Critical,
}

impl Severity {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// One minute in ms.
pub const MINUTE: i64 = 60_000;
/// One hour in ms.
pub const HOUR: i64 = 3_600_000;

/// A rule that fired.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Which rule.
    pub rule: Rule,
    /// How severe.
    pub severity: Severity,
    /// What about: `grant:<id>`, `credential:<id>`, `user:<id>` or `address:<network>`.
    pub subject: String,
    /// Unique per occurrence.
    pub dedup_key: String,
    /// Acting department.
    pub org: Option<i64>,
    /// Acting account.
    pub user: Option<i64>,
    /// Credential used.
    pub credential: Option<i64>,
    /// Grant used.
    pub grant: Option<i64>,
    /// Address network.
    pub address: Option<String>,
    /// Counts, thresholds, baseline.
    pub facts: serde_json::Value,
    /// Evidence: first record.
    pub first_seq: i64,
    /// Evidence: last record (the one that made it fire).
    pub last_seq: i64,
    /// Window start (ms).
    pub window_from: i64,
    /// Window end (ms).
    pub window_to: i64,
}

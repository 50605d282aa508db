//! Shapes of the persisted objects the foundation owns: organisations, users, credentials,
//! sessions and audit records. The store maps them to rows; services and surfaces share them.

use crate::{CredentialId, OrgId, Role, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// What kind of node an organisation is in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// The city (市), root of a node's tree; its code is a GB/T 2260 prefecture code.
    City,
    /// A district or county (区/县); its code is a GB/T 2260 county code inside the city.
    District,
    /// A department or agency (部门); its code is an 18-character unified social credit code.
    Department,
}

impl OrgKind {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::City => "city",
            OrgKind::District => "district",
            OrgKind::Department => "department",
        }
    }

    /// Parse the stable name.
    pub fn parse(s: &str) -> Option<Self> {
        [OrgKind::City, OrgKind::District, OrgKind::Department].into_iter().find(|k| k.as_str() == s)
    }
}

/// An organisation: the city, a district or county, or a department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Org {
    /// Identifier.
    #[schema(value_type = i64)]
    pub id: OrgId,
    /// Parent in the tree; `None` only for the city.
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<OrgId>,
    /// City, district or department.
    pub kind: OrgKind,
    /// Official Chinese name, e.g. 西宁市公安局.
    pub name: String,
    /// Official code: division code (city, district) or unified social credit code (department).
    pub code: String,
    /// The division code of the area the organisation belongs to.
    pub division_code: String,
    /// Materialised path of ids from the root, e.g. `/1/4/17/`; scope checks are prefix tests.
    pub path: String,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Org {
    /// Whether `other` is this organisation or lies below it.
    pub fn contains(&self, other: &Org) -> bool {
        other.path.starts_with(&self.path)
    }
}

/// Fields of a new organisation, after validation by the identity service.
#[derive(Debug, Clone)]
pub struct NewOrg {
    /// Parent (required except for the city).
    pub parent_id: Option<OrgId>,
    /// Kind.
    pub kind: OrgKind,
    /// Name.
    pub name: String,
    /// Validated official code.
    pub code: String,
    /// Division code of the area.
    pub division_code: String,
}

/// A user account. The password hash never leaves the store and identity crates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct User {
    /// Identifier.
    #[schema(value_type = i64)]
    pub id: UserId,
    /// Login name (unique, case-insensitive).
    pub username: String,
    /// Name shown in the portal.
    pub display_name: String,
    /// The department (or district, city) the user belongs to.
    #[schema(value_type = i64)]
    pub org_id: OrgId,
    /// The user's single role.
    #[schema(value_type = String)]
    pub role: Role,
    /// Argon2id PHC string.
    #[serde(skip)]
    pub password_hash: String,
    /// A generated password must be changed at next login.
    pub must_change_password: bool,
    /// Disabled accounts cannot log in and their sessions and credentials stop working.
    pub disabled: bool,
    /// Consecutive failed logins since the last success.
    pub failed_logins: i64,
    /// Login is refused until this time after repeated failures.
    #[serde(with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Fields of a new user, after validation and hashing.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Organisation.
    pub org_id: OrgId,
    /// Role.
    pub role: Role,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Whether the password was generated and must be changed.
    pub must_change_password: bool,
}

/// An API credential for programs. Only a hash of the token is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Credential {
    /// Identifier.
    #[schema(value_type = i64)]
    pub id: CredentialId,
    /// The account the credential acts for (its role and department apply).
    #[schema(value_type = i64)]
    pub user_id: UserId,
    /// A label given by whoever issued it.
    pub name: String,
    /// The first characters of the token, to recognise it in lists.
    pub token_prefix: String,
    /// SHA-256 of the token, hex.
    #[serde(skip)]
    pub token_hash: String,
    /// Operation names (or `prefix.*`) the credential may perform; empty means none.
    pub scopes: Vec<String>,
    /// After this time the credential is refused.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// Set when revoked; refused from then on (final).
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    /// Set while suspended in answer to a security alert: refused (`credential_suspended`)
    /// until a security administrator reinstates it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub suspended_at: Option<OffsetDateTime>,
    /// Why it is suspended.
    pub suspend_reason: Option<String>,
    /// When it was issued.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Fields of a new credential.
#[derive(Debug, Clone)]
pub struct NewCredential {
    /// Account it acts for.
    pub user_id: UserId,
    /// Label.
    pub name: String,
    /// Token prefix for display.
    pub token_prefix: String,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// Scopes.
    pub scopes: Vec<String>,
    /// Expiry.
    pub expires_at: Option<OffsetDateTime>,
}

/// A login session (portal cookie or bearer token). Only a hash of the token is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the session token, hex.
    pub token_hash: String,
    /// Account.
    pub user_id: UserId,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Refused after this time.
    pub expires_at: OffsetDateTime,
}

/// A stored audit record: an [`crate::AuditEvent`] with its sequence number.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AuditRecord {
    /// Position in the append-only trail, from 1.
    pub seq: i64,
    /// Index of its entry in the verifiable ledger (可验证账本), when it was recorded there.
    pub ledger_index: Option<i64>,
    /// The event.
    #[serde(flatten)]
    pub event: crate::AuditEvent,
}

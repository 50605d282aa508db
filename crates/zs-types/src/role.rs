//! Roles. Each user holds exactly one; the three administrator roles are separated (三员分立):
//! no account can be both system and security or audit administrator.

use serde::{Deserialize, Serialize};

/// A role, scoped by the organisation of the user who holds it (分域分级): a platform operator at a
/// district manages that district only; a steward acts for their own department only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 平台运营管理员: sets up the organisation tree, reviews, watches the whole flow.
    PlatformOperator,
    /// 部门数据管理员: catalogues and hands in the department's data, answers applications.
    Steward,
    /// 部门数据使用者: finds data, applies, calls the data API.
    DataUser,
    /// 系统管理员: accounts and configuration; cannot read the audit trail or data.
    SystemAdmin,
    /// 安全管理员: policies, security levels, suspension of credentials.
    SecurityAdmin,
    /// 审计管理员: reads the audit trail; changes nothing.
    AuditAdmin,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 6] = [
        Role::PlatformOperator,
        Role::Steward,
        Role::DataUser,
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::AuditAdmin,
    ];

    /// One of the three separated administrators (三员). Their accounts are managed only by the
    /// machine operator (`zhengshu admin`), so no online administrator can take over another.
    pub fn is_administrator(self) -> bool {
        matches!(self, Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin)
    }

    /// The stable name used in the API, the store and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformOperator => "platform_operator",
            Role::Steward => "steward",
            Role::DataUser => "data_user",
            Role::SystemAdmin => "system_admin",
            Role::SecurityAdmin => "security_admin",
            Role::AuditAdmin => "audit_admin",
        }
    }

    /// Parse the stable name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::PlatformOperator => "平台运营管理员",
            Role::Steward => "部门数据管理员",
            Role::DataUser => "部门数据使用者",
            Role::SystemAdmin => "系统管理员",
            Role::SecurityAdmin => "安全管理员",
            Role::AuditAdmin => "审计管理员",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Role::PlatformOperator => "Platform operator",
            Role::Steward => "Data steward",
            Role::DataUser => "Data user",
            Role::SystemAdmin => "System administrator",
            Role::SecurityAdmin => "Security administrator",
            Role::AuditAdmin => "Audit administrator",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

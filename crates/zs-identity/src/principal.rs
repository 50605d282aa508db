//! Who is calling: the authenticated account, its organisation and how it authenticated.

use serde::Serialize;
use zs_types::model::{Org, OrgKind, User};
use zs_types::{CredentialId, Role};

/// How the principal authenticated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuthVia {
    /// A login session (portal cookie or bearer token from `/auth/login`).
    Session {
        /// SHA-256 of the session token, used to end it and to derive the CSRF token.
        #[serde(skip)]
        token_hash: String,
    },
    /// An API credential with scopes.
    Credential {
        /// Which credential.
        id: CredentialId,
        /// Its scopes.
        scopes: Vec<String>,
    },
    /// The machine operator running `zhengshu admin` on the server itself.
    MachineOperator,
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The account.
    pub user: User,
    /// Its organisation.
    pub org: Org,
    /// How it authenticated.
    pub via: AuthVia,
    scope: String,
}

impl Principal {
    /// A principal; its scope follows from role and organisation (分域分级): stewards and data
    /// users act for their own department; operators and administrators for the whole area
    /// (city or district) their organisation belongs to, e.g. an operator in 市大数据管理局
    /// covers the city, one in 城东区民政局 covers 城东区.
    pub fn new(user: User, org: Org, via: AuthVia) -> Self {
        let scope = if matches!(via, AuthVia::MachineOperator) {
            "/".to_owned()
        } else if matches!(user.role, Role::Steward | Role::DataUser) || org.kind != OrgKind::Department {
            org.path.clone()
        } else {
            // Departments sit directly under their area: drop the last path segment.
            let trimmed = org.path.trim_end_matches('/');
            match trimmed.rfind('/') {
                Some(i) => trimmed[..=i].to_owned(),
                None => org.path.clone(),
            }
        };
        Self { user, org, via, scope }
    }

    /// The role.
    pub fn role(&self) -> Role {
        self.user.role
    }

    /// Whether an object of `org` is within this principal's scope (分域分级).
    pub fn can_see(&self, org: &Org) -> bool {
        org.path.starts_with(&self.scope)
    }

    /// The path prefix of everything this principal may administer.
    pub fn scope_path(&self) -> &str {
        &self.scope
    }
}

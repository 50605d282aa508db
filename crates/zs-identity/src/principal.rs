//! Who is calling: the authenticated account, its organisation and how it authenticated.

use serde::Serialize;
use zs_types::model::{Org, User};
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
    /// Its organisation; the scope of its role is this node and everything below it.
    pub org: Org,
    /// How it authenticated.
    pub via: AuthVia,
}

impl Principal {
    /// The role.
    pub fn role(&self) -> Role {
        self.user.role
    }

    /// Whether an object of `org` is within this principal's scope (分域分级).
    pub fn can_see(&self, org: &Org) -> bool {
        matches!(self.via, AuthVia::MachineOperator) || org.path.starts_with(&self.org.path)
    }

    /// The path prefix of everything this principal may administer.
    pub fn scope_path(&self) -> &str {
        if matches!(self.via, AuthVia::MachineOperator) {
            "/"
        } else {
            &self.org.path
        }
    }
}

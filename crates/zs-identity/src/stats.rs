//! Counts for dashboards, within the caller's scope.

use crate::policy::{Authorized, StatsRead};
use crate::IdentityService;
use serde::Serialize;
use utoipa::ToSchema;
use zs_types::model::OrgKind;
use zs_types::{Result, Role};

/// Platform counts within a scope.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Stats {
    /// Districts and counties.
    pub districts: usize,
    /// Departments.
    pub departments: usize,
    /// Accounts.
    pub users: usize,
    /// Accounts per role (stable role name, count).
    pub users_by_role: Vec<(String, usize)>,
    /// Credentials neither revoked nor expired.
    pub active_credentials: usize,
    /// Accounts currently locked after failed logins.
    pub locked_users: usize,
}

impl IdentityService {
    /// Counts within the caller's scope.
    pub async fn stats(&self, pass: &Authorized<StatsRead>) -> Result<Stats> {
        let scope = pass.principal().scope_path().to_owned();
        let orgs = self.store.list_orgs(&scope).await?;
        let users = self.store.list_users(&scope).await?;
        let creds = self.store.list_credentials(&scope).await?;
        let now = self.clock.now();
        Ok(Stats {
            districts: orgs.iter().filter(|o| o.kind == OrgKind::District).count(),
            departments: orgs.iter().filter(|o| o.kind == OrgKind::Department).count(),
            users: users.len(),
            users_by_role: Role::ALL
                .iter()
                .map(|r| (r.as_str().to_owned(), users.iter().filter(|u| u.role == *r).count()))
                .collect(),
            active_credentials: creds
                .iter()
                .filter(|c| c.revoked_at.is_none() && c.expires_at.is_none_or(|e| e > now))
                .count(),
            locked_users: users.iter().filter(|u| u.locked_until.is_some_and(|t| t > now)).count(),
        })
    }
}

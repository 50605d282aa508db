//! The metadata store: everything zhengshu knows about organisations, accounts, credentials,
//! sessions and the audit trail (and, in later stages, catalogue entries, grants and versions,
//! standard data elements and classification suggestions, security alerts).
//!
//! One [`MetaStore`] trait, two real implementations: [`SqliteStore`] (embedded default, WAL,
//! one file under the data directory) and [`PgStore`] (PostgreSQL for production). Each backend
//! has its own numbered migration tree under `migrations/`. Backend differences stay inside this
//! crate; callers see only the trait and [`zs_types::Error`]. This crate does no authorisation:
//! services in `zs-identity` and later stages decide who may call what.

pub mod alert;
mod alert_queries;
pub mod catalog;
mod catalog_queries;
pub mod delivery;
mod delivery_queries;
pub mod demand;
mod demand_queries;
mod error;
pub mod govern;
mod govern_queries;
pub mod jobs;
mod jobs_queries;
pub mod keys;
mod keys_queries;
mod postgres;
mod queries;
pub mod resources;
mod resources_queries;
pub mod sealing;
pub mod share;
mod share_queries;
mod sqlite;
pub mod standards;
mod standards_queries;
pub mod trace;
mod trace_queries;

pub use alert::AlertStore;
pub use catalog::CatalogStore;
pub use delivery::DeliveryStore;
pub use demand::DemandStore;
pub use govern::GovernStore;
pub use jobs::JobStore;
pub use keys::KeyStore;
pub use postgres::PgStore;
pub use resources::ResourceStore;
pub use share::ShareStore;
pub use sqlite::SqliteStore;
pub use standards::StandardsStore;
pub use trace::TraceStore;

use std::sync::Arc;
use zs_types::model::{AuditRecord, Credential, NewCredential, NewOrg, NewUser, Org, Session, User};
use zs_types::{AuditEvent, CredentialId, OrgId, Result, UserId};

/// Which records to list from the audit trail, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only records with `seq` below this (paging backwards).
    pub before_seq: Option<i64>,
    /// Only actions starting with this (e.g. `auth.` or `user.create`).
    pub action_prefix: Option<String>,
    /// Only this actor.
    pub actor_user: Option<UserId>,
    /// At most this many (capped at 1000).
    pub limit: i64,
}

/// The contract both backends fulfil; the conformance suite in `tests/` checks it on each.
#[async_trait::async_trait]
pub trait MetaStore:
    CatalogStore
    + JobStore
    + ResourceStore
    + StandardsStore
    + GovernStore
    + ShareStore
    + DeliveryStore
    + DemandStore
    + TraceStore
    + AlertStore
    + KeyStore
    + Send
    + Sync
    + 'static
{
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Check that the store answers.
    async fn ping(&self) -> Result<()>;
    /// Apply pending migrations; returns how many were applied.
    async fn migrate(&self) -> Result<usize>;
    /// Highest applied migration number.
    async fn schema_version(&self) -> Result<i64>;

    /// Insert an organisation; its path is computed from the parent's.
    async fn create_org(&self, org: NewOrg, now_ms: i64) -> Result<Org>;
    /// One organisation.
    async fn get_org(&self, id: OrgId) -> Result<Option<Org>>;
    /// Find by official code.
    async fn org_by_code(&self, code: &str) -> Result<Option<Org>>;
    /// Organisations under a path prefix (`/` for all), ordered by path.
    async fn list_orgs(&self, path_prefix: &str) -> Result<Vec<Org>>;

    /// Insert a user.
    async fn create_user(&self, user: NewUser, now_ms: i64) -> Result<User>;
    /// One user.
    async fn get_user(&self, id: UserId) -> Result<Option<User>>;
    /// Find by login name, case-insensitively.
    async fn user_by_username(&self, username: &str) -> Result<Option<User>>;
    /// Users whose organisation lies under a path prefix, ordered by id.
    async fn list_users(&self, path_prefix: &str) -> Result<Vec<User>>;
    /// Replace the password hash, reset failures and lockout.
    async fn set_password(&self, id: UserId, hash: &str, must_change: bool) -> Result<()>;
    /// Store the failure counter and lockout after a failed login.
    async fn set_login_failures(&self, id: UserId, failed: i64, locked_until_ms: Option<i64>) -> Result<()>;
    /// Enable or disable an account.
    async fn set_user_disabled(&self, id: UserId, disabled: bool) -> Result<()>;

    /// Insert a credential.
    async fn create_credential(&self, cred: NewCredential, now_ms: i64) -> Result<Credential>;
    /// One credential.
    async fn get_credential(&self, id: CredentialId) -> Result<Option<Credential>>;
    /// Find by token hash.
    async fn credential_by_hash(&self, token_hash: &str) -> Result<Option<Credential>>;
    /// Credentials of users under a path prefix, newest first.
    async fn list_credentials(&self, path_prefix: &str) -> Result<Vec<Credential>>;
    /// Mark revoked (idempotent: keeps the first revocation time). Returns false if unknown.
    async fn revoke_credential(&self, id: CredentialId, at_ms: i64) -> Result<bool>;
    /// Suspend a credential (reversibly). Returns false if unknown, revoked or already suspended.
    async fn suspend_credential(&self, id: CredentialId, at_ms: i64, reason: &str) -> Result<bool>;
    /// Lift a credential's suspension. Returns false if it was not suspended.
    async fn reinstate_credential(&self, id: CredentialId) -> Result<bool>;

    /// Insert a session.
    async fn create_session(&self, session: &Session) -> Result<()>;
    /// Find by token hash.
    async fn session_by_hash(&self, token_hash: &str) -> Result<Option<Session>>;
    /// End one session.
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    /// End every session of a user (password change, disable).
    async fn delete_user_sessions(&self, user: UserId) -> Result<()>;

    /// Append events to the audit trail in one transaction (group commit).
    async fn append_audit(&self, events: &[AuditEvent]) -> Result<()>;
    /// Read the audit trail, newest first.
    async fn list_audit(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>>;
}

/// A shared handle to whichever store is configured.
pub type DynStore = Arc<dyn MetaStore>;

/// Open the store named by a URL: `sqlite://PATH` (created if missing) or `postgres://…`.
/// Migrations are not applied here; call [`MetaStore::migrate`].
pub async fn open(url: &str) -> Result<DynStore> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(url, None).await?))
    } else if let Some(path) = url.strip_prefix("sqlite://") {
        Ok(Arc::new(SqliteStore::open(std::path::Path::new(path)).await?))
    } else {
        Err(zs_types::Error::invalid(
            "database_url",
            format!("unsupported database URL '{}': use sqlite://PATH or postgres://…", redact_url(url)),
        ))
    }
}

/// A URL with any password replaced, safe to log.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..s], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

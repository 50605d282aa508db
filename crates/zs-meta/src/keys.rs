//! The encryption part of the store contract: wrapped data keys, destruction requests and their
//! certificates, the backup register, and sealed columns.

use crate::sealing::Sealing;
use zs_types::Result;

/// A data key as stored: wrapped under a master key (the bytes are erased once destroyed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataKeyRow {
    /// Key id (hex).
    pub id: String,
    /// A resource table's name, or `meta`.
    pub scope: String,
    /// `sm4-gcm` or `aes-256-gcm`.
    pub algorithm: String,
    /// The master key it is wrapped under.
    pub master_key_id: String,
    /// Wrapped bytes, base64; empty once destroyed.
    pub wrapped: String,
    /// `active`, `retired` or `destroyed`.
    pub state: String,
    /// When it was made (Unix ms).
    pub created_at: i64,
    /// When a newer key replaced it.
    pub retired_at: Option<i64>,
    /// When it was shredded.
    pub destroyed_at: Option<i64>,
}

/// A request to destroy a resource's data (or one version) and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Destruction {
    /// Identifier.
    pub id: i64,
    /// Resource code.
    pub code: String,
    /// The version to destroy; `None`: the whole resource.
    pub version: Option<i64>,
    /// The providing department.
    pub org_id: i64,
    /// Why (the legal basis or retention rule).
    pub reason: String,
    /// `requested`, `done` or `refused`.
    pub state: String,
    /// Who asked.
    pub requested_by: i64,
    /// When (Unix ms).
    pub requested_at: i64,
    /// Who decided.
    pub decided_by: Option<i64>,
    /// When (Unix ms).
    pub decided_at: Option<i64>,
    /// The decision's note (a refusal's reason).
    pub note: Option<String>,
    /// The destruction certificate (JSON), once done.
    pub certificate: Option<String>,
}

/// A backup taken outside the platform (registered so destruction certificates can list it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    /// Identifier.
    pub id: i64,
    /// What it is, e.g. `nightly 2026-11-28`.
    pub label: String,
    /// Where it is kept, e.g. `tape vault B` or `s3://backup/zhengshu/2026-11-28`.
    pub location: String,
    /// When it was taken (Unix ms): it holds what existed then.
    pub taken_at: i64,
    /// Who registered it.
    pub recorded_by: Option<i64>,
    /// When it was registered.
    pub recorded_at: i64,
}

/// Keys, destructions, backups, sealed columns.
#[async_trait::async_trait]
pub trait KeyStore: Send + Sync {
    /// The store's sealer handle (install the sealer once keys are loaded).
    fn sealing(&self) -> &Sealing;
    /// Every data key, oldest first.
    async fn data_keys(&self) -> Result<Vec<DataKeyRow>>;
    /// The keys of one scope, oldest first.
    async fn data_keys_of(&self, scope: &str) -> Result<Vec<DataKeyRow>>;
    /// Store a new active key and retire the scope's active one, in one transaction. A
    /// concurrent writer that added an active key first makes this fail with `AlreadyExists`
    /// unless `retire_current` (rotation).
    async fn add_data_key(&self, key: &DataKeyRow, retire_current: bool) -> Result<()>;
    /// Replace a key's wrapped bytes (master-key rotation). False if the key is unknown or
    /// destroyed.
    async fn rewrap_data_key(&self, id: &str, master_key_id: &str, wrapped: &str) -> Result<bool>;
    /// Shred keys: erase their wrapped bytes and mark them destroyed. Returns how many changed.
    async fn destroy_data_keys(&self, ids: &[String], at: i64) -> Result<u64>;
    /// Record a destruction request.
    async fn create_destruction(&self, d: &Destruction) -> Result<Destruction>;
    /// One destruction.
    async fn get_destruction(&self, id: i64) -> Result<Option<Destruction>>;
    /// Destructions, newest first, of one resource or all.
    async fn list_destructions(&self, code: Option<&str>, limit: i64) -> Result<Vec<Destruction>>;
    /// Decide a pending request (`done` with its certificate, or `refused`); false if it was not
    /// pending any more.
    async fn decide_destruction(
        &self,
        id: i64,
        state: &str,
        by: i64,
        at: i64,
        note: Option<&str>,
        certificate: Option<&str>,
    ) -> Result<bool>;
    /// Register a backup.
    async fn add_backup(&self, b: &Backup) -> Result<Backup>;
    /// Registered backups, newest first.
    async fn list_backups(&self) -> Result<Vec<Backup>>;
    /// Seal the values of [`crate::sealing::SEALED_COLUMNS`] stored in clear (or, with `all`,
    /// every value again under the current key); returns how many were written.
    async fn reseal_secrets(&self, all: bool) -> Result<u64>;
}

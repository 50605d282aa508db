//! The crate's typed error and its mapping onto the shared error table.

use std::path::PathBuf;

/// What can go wrong while reading, writing or ingesting a table.
#[derive(Debug, thiserror::Error)]
pub enum TablesError {
    /// A file system operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The Parquet library failed to read or write a data file.
    #[error("parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// Arrow rejected a batch (e.g. a column of the wrong type).
    #[error("arrow: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    /// The catalogue items cannot form a table schema, or a batch does not match it.
    #[error("schema: {0}")]
    Schema(String),
    /// The version this commit was building was committed by another writer first (tables in an
    /// object store), or the commit ran longer than the store's debris grace allows. Nothing of
    /// this commit is visible; hand the data in again.
    #[error("{0}")]
    Conflict(String),
    /// An object store request failed.
    #[error("{location}: {message}")]
    Object {
        /// The object or table involved (`s3://…`).
        location: String,
        /// What the store said.
        message: String,
    },
    /// The table storage settings are unusable (e.g. no bucket).
    #[error("table storage: {0}")]
    Config(String),
    /// Another writer holds the table's lock file.
    #[error("table at {0} is locked by another writer")]
    Locked(PathBuf),
    /// The data (a version, or the whole table) was destroyed (数据安全销毁).
    #[error("{0}")]
    Destroyed(String),
    /// Encryption: a key is missing, or encrypted bytes failed their integrity check.
    #[error("encryption: {0}")]
    Encryption(String),
    /// The requested version does not exist (or was vacuumed).
    #[error("version {0} not found")]
    VersionNotFound(u64),
    /// A manifest could not be read or written.
    #[error("manifest {path}: {message}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The input is malformed (ragged row, broken quote, undecodable bytes, invalid JSON, a damaged
    /// workbook or a zip bomb); nothing changed. Shown as "line N: …", or the message alone when
    /// the problem has no line (0).
    #[error("{}", located(*.line, .message))]
    Malformed {
        /// 1-based line of the input where the problem was found.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The file's header cannot be mapped onto the resource's items.
    #[error("column mapping: {0}")]
    Mapping(String),
    /// An internal failure (e.g. the writer thread stopped).
    #[error("internal: {0}")]
    Internal(String),
    /// One commit holds the same key twice (upsert and delete need unique keys).
    #[error("row {row} of the commit repeats a key already given in the same commit")]
    DuplicateKey {
        /// 1-based row number within the commit.
        row: u64,
    },
}

fn located(line: u64, message: &str) -> String {
    if line == 0 {
        message.to_owned()
    } else {
        format!("line {line}: {message}")
    }
}

/// Result with [`TablesError`].
pub type Result<T, E = TablesError> = std::result::Result<T, E>;

impl TablesError {
    /// A file system error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}

impl From<TablesError> for zs_types::Error {
    fn from(e: TablesError) -> Self {
        use zs_types::ErrorCode;
        let message = e.to_string();
        match e {
            TablesError::Io { .. }
            | TablesError::Parquet(_)
            | TablesError::Arrow(_)
            | TablesError::Manifest { .. }
            | TablesError::Object { .. }
            | TablesError::Config(_)
            | TablesError::Encryption(_)
            | TablesError::Internal(_) => zs_types::Error::internal(message),
            TablesError::Destroyed(_) => zs_types::Error::new(ErrorCode::DataDestroyed, message),
            TablesError::Conflict(_) => zs_types::Error::new(ErrorCode::Conflict, message),
            TablesError::Schema(_) => zs_types::Error::invalid("items", message),
            TablesError::Locked(_) => zs_types::Error::new(ErrorCode::Conflict, message),
            TablesError::VersionNotFound(_) => zs_types::Error::new(ErrorCode::NotFound, message),
            TablesError::Malformed { .. } => zs_types::Error::new(ErrorCode::MalformedBody, message),
            TablesError::Mapping(_) => zs_types::Error::invalid("mapping", message),
            TablesError::DuplicateKey { .. } => zs_types::Error::invalid("key", message),
        }
    }
}

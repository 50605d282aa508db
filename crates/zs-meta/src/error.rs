//! Mapping of driver errors to the shared error table, in one place.

use zs_types::{Error, ErrorCode};

/// Convert a sqlx error: unique violations become `already_exists`, connection trouble
/// `store_unavailable`, anything else `internal`. The driver text is logged, not returned.
pub(crate) fn map(e: sqlx::Error) -> Error {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            Error::new(ErrorCode::AlreadyExists, "an object with the same unique name or code already exists")
        }
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            Error::new(ErrorCode::Conflict, "a referenced object does not exist or is still in use")
        }
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => {
            tracing::error!(error = %e, "metadata store unavailable");
            Error::new(ErrorCode::StoreUnavailable, "the metadata store is unavailable")
        }
        _ => {
            tracing::error!(error = %e, "metadata store error");
            Error::internal("metadata store error")
        }
    }
}

/// Convert a migration error.
pub(crate) fn migrate(e: sqlx::migrate::MigrateError) -> Error {
    tracing::error!(error = %e, "migration failed");
    Error::new(ErrorCode::StoreUnavailable, format!("migration failed: {e}"))
}

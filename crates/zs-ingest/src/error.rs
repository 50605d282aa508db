//! Mapping of table errors onto the shared error table, once.

use zs_tables::TablesError;
use zs_types::{Error, ErrorCode};

/// A table error as the caller should see it: bad input names the line, a locked table is a
/// conflict, anything else is internal (its detail is logged, not returned).
pub fn tables_error(e: TablesError) -> Error {
    match &e {
        TablesError::Malformed { .. } | TablesError::Mapping(_) | TablesError::DuplicateKey { .. } => {
            Error::new(ErrorCode::InvalidInput, e.to_string())
        }
        TablesError::Schema(m) => {
            Error::new(ErrorCode::InvalidInput, format!("the resource's items cannot hold data: {m}"))
        }
        TablesError::Locked(_) => {
            Error::new(ErrorCode::ResourceBusy, "another hand-in to this resource is running; try again when it ends")
        }
        TablesError::Conflict(_) => Error::new(
            ErrorCode::ResourceBusy,
            "another hand-in to this resource committed first; nothing of this one was kept, hand it in again",
        ),
        TablesError::Destroyed(m) => Error::new(ErrorCode::DataDestroyed, m.clone()),
        TablesError::VersionNotFound(v) => {
            Error::new(ErrorCode::NotFound, format!("version {v} does not exist or was compacted away"))
        }
        _ => {
            tracing::error!(error = %e, "table error");
            Error::internal("the resource's data could not be read or written")
        }
    }
}

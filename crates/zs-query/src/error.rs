//! The one error type of this crate.

use datafusion::error::DataFusionError;
use zs_tables::TablesError;

/// Result with [`QueryError`].
pub type Result<T> = std::result::Result<T, QueryError>;

/// What can go wrong with a query or a materialisation.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The SQL does not parse or plan: a syntax error, an unknown table, column or function, a
    /// type mismatch, or a statement other than a query. The message names the problem.
    #[error("bad SQL: {0}")]
    Sql(String),
    /// The query planned but failed while running (e.g. an overflow, a damaged data file).
    #[error("query failed: {0}")]
    Execution(String),
    /// A source name that is not a plain SQL identifier (`[a-z_][a-z0-9_]*`).
    #[error("'{0}' is not a valid table name: use lower-case letters, digits and '_', not starting with a digit")]
    BadName(String),
    /// A materialisation source has no committed version.
    #[error("source '{0}' has no committed version")]
    EmptySource(String),
    /// A data file of a version is not Parquet.
    #[error("data file '{0}' is not Parquet; only Parquet versions can be queried")]
    UnsupportedFile(String),
    /// A column of the target table is not in the query result.
    #[error("target column '{column}' is missing from the result (result columns: {available})")]
    MissingColumn {
        /// The target column.
        column: String,
        /// The result's columns, comma-separated.
        available: String,
    },
    /// A result column has no column in the target table.
    #[error("result column '{0}' is not a column of the target table")]
    ExtraColumn(String),
    /// A result column cannot be converted to its target column's type without an explicit CAST.
    #[error(
        "result column '{column}' is {found}, which cannot be stored in target column of type {expected}; add a CAST"
    )]
    IncompatibleType {
        /// The column.
        column: String,
        /// The result's type.
        found: String,
        /// The target's type.
        expected: String,
    },
    /// A value the target cannot hold: a null in a key column, or a number or text that does not
    /// convert.
    #[error("column '{column}': {message}")]
    BadValue {
        /// The column.
        column: String,
        /// What is wrong.
        message: String,
    },
    /// The table store failed.
    #[error(transparent)]
    Tables(#[from] TablesError),
}

impl From<DataFusionError> for QueryError {
    fn from(e: DataFusionError) -> Self {
        let root = e.find_root();
        let message = root.strip_backtrace();
        match root {
            DataFusionError::SQL(..)
            | DataFusionError::Plan(_)
            | DataFusionError::SchemaError(..)
            | DataFusionError::NotImplemented(_) => QueryError::Sql(message),
            _ => QueryError::Execution(message),
        }
    }
}

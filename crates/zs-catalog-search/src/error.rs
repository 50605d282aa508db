//! The crate's typed error and its mapping onto the shared [`zs_types::Error`].

use zs_types::Error;

/// What can go wrong while indexing or searching.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The search engine failed (I/O, corrupt segment, writer killed …).
    #[error("search index: {0}")]
    Engine(#[from] tantivy::TantivyError),
    /// The index directory could not be opened.
    #[error("search index directory: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
    /// A file system operation on the index directory failed.
    #[error("search index directory {path}: {source}")]
    Io {
        /// The path involved.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The query asks for something that cannot be answered (a malformed filter, a page out of
    /// range). Free text never causes this: any text is accepted.
    #[error("{field}: {message}")]
    InvalidQuery {
        /// The offending part of the query, e.g. `filters.classification`.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// An entry cannot be indexed as given (e.g. an `updated_at` that is not RFC 3339).
    #[error("entry {id}: {field}: {message}")]
    InvalidEntry {
        /// The entry id.
        id: i64,
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A thread panicked while holding the index writer; the writer can no longer be trusted.
    #[error("search index writer is poisoned by an earlier panic")]
    WriterPoisoned,
}

/// Result with [`SearchError`].
pub type Result<T, E = SearchError> = std::result::Result<T, E>;

impl From<SearchError> for Error {
    fn from(e: SearchError) -> Self {
        match &e {
            SearchError::InvalidQuery { field, .. } => Error::invalid(field, e.to_string()),
            // Entries come from the store, not from the caller: a bad one is our inconsistency.
            SearchError::InvalidEntry { .. }
            | SearchError::Engine(_)
            | SearchError::Directory(_)
            | SearchError::Io { .. }
            | SearchError::WriterPoisoned => Error::internal(e.to_string()),
        }
    }
}

//! Chinese full-text search over catalogue entries (目录检索), on tantivy with jieba word
//! segmentation: free text over names, summaries, data items, providers and classification
//! labels; exact resource codes; filters; facet counts; sorting and paging; and the catalogue's
//! visibility rule (published entries for everyone, other statuses only within the owner's
//! scope).
//!
//! This crate owns the search index only. It never reads the store: the caller feeds it entries
//! ([`CatalogIndex::rebuild`] at start, [`CatalogIndex::upsert`] / [`CatalogIndex::remove`] on
//! change) and decides who is asking ([`Visibility`]). The index is a cache that can always be
//! rebuilt from the store; an on-disk index of an older [`SCHEMA_VERSION`] is discarded.
//!
//! ```
//! # fn main() -> Result<(), zs_catalog_search::SearchError> {
//! use zs_catalog_search::{CatalogIndex, SearchQuery, Visibility};
//! let index = CatalogIndex::in_memory()?;
//! let results = index.search(&SearchQuery::text("人口"), &Visibility::public())?;
//! assert_eq!(results.total, 0);
//! # Ok(()) }
//! ```

mod collector;
mod error;
mod query;
mod results;
mod schema;
mod tokenizer;

use std::path::Path;
use std::sync::Mutex;

use tantivy::directory::MmapDirectory;
use tantivy::schema::Schema;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use tracing::{info, warn};
use zs_catalog::Entry;

pub use error::{Result, SearchError};
pub use query::{Filters, SearchQuery, Sort, Visibility, MAX_LIMIT, MAX_TEXT_CHARS, MAX_TEXT_WORDS, MAX_WINDOW};
pub use results::{count_of, AreaCount, Count, DepartmentCount, Facets, Hit, SearchResults};
pub use schema::SCHEMA_VERSION;

use collector::SearchCollector;
use schema::Fields;
use tokenizer::{JiebaTokenizer, TOKENIZER};

/// Memory for the indexing threads together (tantivy splits it between them).
const WRITER_MEMORY_BYTES: usize = 128 << 20;

/// The catalogue search index. Cheap to share (`Send + Sync`): searches run concurrently on a
/// shared reader; writes are serialised, committed, and visible to the next search.
pub struct CatalogIndex {
    index: Index,
    fields: Fields,
    reader: IndexReader,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    fresh: bool,
}

impl std::fmt::Debug for CatalogIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogIndex").field("docs", &self.len()).field("fresh", &self.fresh).finish()
    }
}

impl CatalogIndex {
    /// An empty index held in memory (tests, small deployments that rebuild at start).
    pub fn in_memory() -> Result<Self> {
        let (schema, fields) = schema::build();
        Self::from_index(Index::create_in_ram(schema), fields, true)
    }

    /// The index in `dir` (created if missing). The files live in `dir/v{SCHEMA_VERSION}/`;
    /// folders of other versions are deleted, and an index whose schema differs is recreated
    /// empty. [`CatalogIndex::needs_rebuild`] then says so. Only one process may open a
    /// directory at a time.
    pub fn open(dir: &Path) -> Result<Self> {
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |source| SearchError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let current = format!("v{SCHEMA_VERSION}");
        for item in std::fs::read_dir(dir).map_err(io(dir))? {
            let item = item.map_err(io(dir))?;
            let name = item.file_name().to_string_lossy().into_owned();
            let is_version =
                name.strip_prefix('v').is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            if is_version && name != current && item.path().is_dir() {
                info!(stale = %item.path().display(), "removing search index of another schema version");
                std::fs::remove_dir_all(item.path()).map_err(io(&item.path()))?;
            }
        }
        let path = dir.join(current);
        let (schema, fields) = schema::build();
        if path.join("meta.json").exists() {
            let index = Index::open_in_dir(&path)?;
            if index.schema() == schema {
                return Self::from_index(index, fields, false);
            }
            warn!(path = %path.display(), "search index schema differs from this build's; recreating it empty");
            std::fs::remove_dir_all(&path).map_err(io(&path))?;
        }
        std::fs::create_dir_all(&path).map_err(io(&path))?;
        let index = Index::create(MmapDirectory::open(&path)?, schema, Default::default())?;
        Self::from_index(index, fields, true)
    }

    fn from_index(index: Index, fields: Fields, fresh: bool) -> Result<Self> {
        index.tokenizers().register(TOKENIZER, TextAnalyzer::from(JiebaTokenizer::default()));
        let writer = index.writer(WRITER_MEMORY_BYTES)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self { index, fields, reader, writer: Mutex::new(writer), fresh })
    }

    /// Whether the index was created empty when opened (new, or of another schema version), so
    /// the caller should [`CatalogIndex::rebuild`] it from the store.
    pub fn needs_rebuild(&self) -> bool {
        self.fresh
    }

    /// Number of entries indexed.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether no entry is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The schema (for diagnostics).
    pub fn schema(&self) -> Schema {
        self.index.schema()
    }

    /// Replace the whole index with `entries`; returns how many were indexed. Nothing changes
    /// if an entry cannot be indexed.
    pub fn rebuild(&self, entries: &[Entry]) -> Result<usize> {
        let docs = entries.iter().map(|e| schema::document(&self.fields, e)).collect::<Result<Vec<_>>>()?;
        self.write(|w| {
            w.delete_all_documents()?;
            for d in docs {
                w.add_document(d)?;
            }
            Ok(())
        })?;
        info!(entries = entries.len(), "search index rebuilt");
        Ok(entries.len())
    }

    /// Add an entry, or replace the one with the same id.
    pub fn upsert(&self, entry: &Entry) -> Result<()> {
        let doc = schema::document(&self.fields, entry)?;
        let id = Term::from_field_i64(self.fields.id, entry.id);
        self.write(|w| {
            w.delete_term(id);
            w.add_document(doc)?;
            Ok(())
        })
    }

    /// Remove an entry (nothing happens if it is not indexed).
    pub fn remove(&self, id: i64) -> Result<()> {
        let id = Term::from_field_i64(self.fields.id, id);
        self.write(|w| {
            w.delete_term(id);
            Ok(())
        })
    }

    /// Apply `change`, commit it and reload the reader; on failure roll back.
    fn write(&self, change: impl FnOnce(&mut IndexWriter<TantivyDocument>) -> tantivy::Result<()>) -> Result<()> {
        let mut w = self.writer.lock().map_err(|_| SearchError::WriterPoisoned)?;
        let done = change(&mut w).and_then(|()| w.commit().map(|_| ()));
        if let Err(e) = done {
            if let Err(rollback) = w.rollback() {
                warn!(error = %rollback, "search index rollback failed");
            }
            return Err(e.into());
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Search the entries `vis` may see. Every word of the text must occur (a single-character
    /// word such as 的 is optional); when no entry has them all, entries with any of them are
    /// returned and [`SearchResults::relaxed`] is set. Free text never fails: only paging beyond
    /// the limits or a malformed classification prefix is `invalid_input`.
    pub fn search(&self, q: &SearchQuery, vis: &Visibility) -> Result<SearchResults> {
        let plan = query::plan(&self.fields, q)?;
        let searcher = self.reader.searcher();
        let collector = SearchCollector {
            sort: plan.sort,
            scored: plan.scored,
            offset: q.offset,
            limit: q.limit,
            scope: (!vis.scope_path.is_empty()).then(|| vis.scope_path.clone()),
        };
        let mut found = searcher.search(plan.strict.as_ref(), &collector)?;
        let mut relaxed = false;
        if found.total == 0 {
            if let Some(query) = &plan.relaxed {
                found = searcher.search(query.as_ref(), &collector)?;
                relaxed = found.total > 0;
            }
        }
        Ok(SearchResults { total: found.total, hits: found.hits, facets: found.facets, relaxed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_is_shareable() {
        fn shareable<T: Send + Sync>() {}
        shareable::<CatalogIndex>();
    }
}

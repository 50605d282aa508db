//! The query engine: resource-table versions registered as SQL tables, read-only SQL over them.

use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use datafusion::catalog::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::prelude::{DataFrame, SQLOptions, SessionConfig, SessionContext};
use futures::TryStreamExt;
use zs_tables::Table;

use crate::error::{QueryError, Result};

/// Options of one query.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryOptions {
    /// At most this many rows are returned (applied to the query as a whole, so the engine stops
    /// reading early where it can).
    pub limit: Option<usize>,
}

impl QueryOptions {
    /// Options returning at most `n` rows.
    pub fn limit(n: usize) -> Self {
        Self { limit: Some(n) }
    }
}

/// A table version registered under a SQL name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinned {
    /// The SQL name.
    pub name: String,
    /// The version read; `None` when the table had no version yet (it reads as empty).
    pub version: Option<u64>,
    /// Rows of that version.
    pub rows: u64,
}

/// SQL over resource tables, each registered at one version.
///
/// Registration reads the version's manifest once and points a DataFusion listing table at
/// exactly the Parquet files it names, so queries see that version however the table changes
/// afterwards (until `vacuum` removes the files of versions no longer kept). Scans stream: files
/// are read row group by row group with projection and predicate push-down; nothing is loaded
/// whole. Queries are read-only: DDL, DML (`INSERT`, `COPY … TO`) and `SET` statements are refused.
pub struct QueryEngine {
    ctx: SessionContext,
    pinned: Mutex<Vec<Pinned>>,
}

impl std::fmt::Debug for QueryEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryEngine").field("pinned", &self.pinned()).finish_non_exhaustive()
    }
}

impl Default for QueryEngine {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether `name` is a plain lower-case SQL identifier (so it needs no quoting).
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z' | '_'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && name.len() <= 64
}

impl QueryEngine {
    /// An engine with no tables. Strings are read as `Utf8` (not views), matching table schemas.
    pub fn new() -> Self {
        let mut config = SessionConfig::new().with_information_schema(false);
        config.options_mut().execution.parquet.schema_force_view_types = false;
        Self { ctx: SessionContext::new_with_config(config), pinned: Mutex::new(Vec::new()) }
    }

    /// Register `table` at `version` (the current one with `None`) under `name`, replacing any
    /// table registered under that name. Returns what was pinned.
    pub fn register(&self, name: &str, table: &Table, version: Option<u64>) -> Result<Pinned> {
        if !valid_name(name) {
            return Err(QueryError::BadName(name.to_owned()));
        }
        let manifest = table.manifest(version)?;
        let schema = table.schema().arrow().clone();
        let rels: Vec<String> = match &manifest {
            Some(m) => m
                .files
                .iter()
                .map(|f| match f.path.ends_with(".parquet") {
                    true => Ok(f.path.clone()),
                    false => Err(QueryError::UnsupportedFile(f.path.clone())),
                })
                .collect::<Result<_>>()?,
            None => Vec::new(),
        };
        // Local paths, the table's bucket, or a decrypting view of either (encrypted tables):
        // zs-tables knows which.
        let sql = table.sql_files(&rels)?;
        if let Some((url, store)) = sql.store {
            self.ctx.register_object_store(&url, store);
        }
        let files = sql.files;
        let provider: Arc<dyn datafusion::catalog::TableProvider> = if files.is_empty() {
            Arc::new(MemTable::try_new(schema, vec![vec![]])?)
        } else {
            let urls = files.iter().map(ListingTableUrl::parse).collect::<std::result::Result<Vec<_>, _>>()?;
            let options = ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
            let config =
                ListingTableConfig::new_with_multi_paths(urls).with_listing_options(options).with_schema(schema);
            Arc::new(ListingTable::try_new(config)?)
        };
        self.ctx.deregister_table(name)?;
        self.ctx.register_table(name, provider)?;
        let pinned = Pinned {
            name: name.to_owned(),
            version: manifest.as_ref().map(|m| m.version),
            rows: manifest.map_or(0, |m| m.rows),
        };
        let mut list = self.pinned.lock().unwrap_or_else(|e| e.into_inner());
        list.retain(|p| p.name != name);
        list.push(pinned.clone());
        Ok(pinned)
    }

    /// The registered tables and their versions, in registration order.
    pub fn pinned(&self) -> Vec<Pinned> {
        self.pinned.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Plan `sql` (a single read-only query) into a data frame.
    async fn plan(&self, sql: &str, opts: &QueryOptions) -> Result<DataFrame> {
        let read_only = SQLOptions::new().with_allow_ddl(false).with_allow_dml(false).with_allow_statements(false);
        let df = self.ctx.sql_with_options(sql, read_only).await?;
        Ok(match opts.limit {
            Some(n) => df.limit(0, Some(n))?,
            None => df,
        })
    }

    /// Run `sql` and stream its result batch by batch (memory bounded by the plan's operators:
    /// scans and filters stream, sorts, joins and aggregations hold their state).
    pub async fn query_stream(&self, sql: &str, opts: &QueryOptions) -> Result<SendableRecordBatchStream> {
        Ok(self.plan(sql, opts).await?.execute_stream().await?)
    }

    /// Run `sql` and collect its result (use a limit or [`QueryEngine::query_stream`] for large
    /// results).
    pub async fn query(&self, sql: &str, opts: &QueryOptions) -> Result<Vec<RecordBatch>> {
        let stream = self.query_stream(sql, opts).await?;
        Ok(stream.try_collect().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::valid_name;

    #[test]
    fn names_are_plain_identifiers() {
        for ok in ["enterprise", "credit_2024", "_x"] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in ["", "Enterprise", "2x", "a-b", "a b", "企业", "x;drop"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}

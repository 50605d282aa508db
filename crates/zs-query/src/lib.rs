//! SQL over resource tables (数据资源) with Apache DataFusion, and materialised theme and topic
//! libraries (主题库/专题库): "SQL over other resources, materialised on a schedule as versions of
//! their own, with their lineage recorded".
//!
//! * [`QueryEngine`] registers a `zs_tables::Table` at a version (or the current one) under a SQL
//!   name, reading exactly the Parquet files that version's manifest lists, and runs read-only
//!   queries with a row limit, as a stream or collected.
//! * [`materialise`] runs a definition over sources pinned to their current versions, aligns the
//!   result to the target's schema and commits it as a new `Replace` version of the target through
//!   the zs-tables write transaction, streaming; it returns the lineage (source, version), which
//!   the target's manifest also records in its channel (`sql:enterprise@3,licence@5,…`).
//! * [`themes`] holds the example definitions 企业全景 and 一人一档 with their target schemas.
//!
//! This crate owns query planning over table versions and the alignment rules of materialised
//! results. It must not write table files itself (only through `zs_tables::WriteTxn`), decide who
//! may query what (callers authorise and apply masking of sensitive items before results leave
//! the platform), schedule runs, serve HTTP or talk to the metadata store; recording a
//! materialisation's lineage and audit event in the store is the caller's job.

mod engine;
mod error;
mod materialise;
pub mod themes;

pub use engine::{Pinned, QueryEngine, QueryOptions};
pub use error::{QueryError, Result};
pub use materialise::{lineage_channel, materialise, Materialised};

/// DataFusion's Arrow record batch, re-exported for callers.
pub use arrow_array::RecordBatch;

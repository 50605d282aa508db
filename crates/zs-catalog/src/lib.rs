//! The data catalogue (数据目录), the city's "one ledger" (一本账) of government data: entries
//! with every element of the national guideline, strict validation, classification codes, the
//! review workflow with versions and diffs, change obligations with working-day deadlines.
//!
//! This crate is a stage: it depends on identity (for authorisation passes) and the store, never
//! on HTTP or templates. Search and Excel live in `zs-catalog-search` and `zs-catalog-xlsx`,
//! which depend on this crate's model; the search index is kept current through [`EntryIndex`].

pub mod calendar;
pub mod classification;
pub mod deadlines;
mod exchange;
mod grading;
pub mod history;
pub mod model;
pub mod seed;
mod service;
pub mod validate;
mod workflow;

pub use model::*;
pub use service::{CatalogService, EntryIndex};

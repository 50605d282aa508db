//! Data standards (数据标准), two parts of governance:
//!
//! - the registry of standard data elements (数据元: identifier, names, definition, type,
//!   format, length, value domain, code list, status, version), seeded with the common ones, and
//!   the per-department conformance report of catalogue items against it;
//! - classification and grading (数据分类分级): every item has a security level L1–L4 mapped to
//!   a GB/T 43697-2024 category (一般/重要/核心) by a configurable table; a resource takes its
//!   highest item level (就高从严); value detectors (ID numbers, credit codes, bank cards, phones,
//!   e-mail, names, addresses) suggest levels from the latest table version; stewards and
//!   security administrators change levels, each change audited.
//!
//! This crate is a stage: it depends on identity, the store, the catalogue and the tables, never
//! on HTTP or templates. Levels live in the catalogue entry (changed through
//! `CatalogService::set_item_level`); suggestions and elements in the store.

pub mod classify;
pub mod conformance;
pub mod detect;
pub mod element;
pub mod grading;
pub mod seed;
mod service;
mod xlsx;

pub use classify::{GradeCounts, GradingOverview, ItemGrade, ResourceGrading, ScanReport, Suggestion};
pub use conformance::{ConformanceReport, ConformanceSummary, Problem, ProblemKind};
pub use detect::{Detection, Detector};
pub use element::{CodeValue, DataElement, ElementInput, ElementStatus};
pub use grading::{Category, Grading};
pub use service::{StandardsService, TableOpener};

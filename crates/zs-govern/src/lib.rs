//! Governance (数据治理): quality rules, their vectorised evaluation over a resource's Arrow
//! batches, incremental per-version statistics, scores, and (with the `service` feature) the
//! governance service: rule sets per resource, the check run at every hand-in, problem tickets
//! (质量问题工单) back to the providing department, corrections (纠错) and the Excel report.
//!
//! * [`rules`]: the rule library (completeness, validity, uniqueness, consistency, timeliness),
//!   targeting a data item or a standard data element;
//! * [`validators`]: the value checks (GB 11643 ID numbers, GB 32100 credit codes, GB/T 2260
//!   division codes with history, phones, e-mail, postal codes, dates);
//! * [`engine`]: rules bound to a schema and evaluated batch by batch into per-file statistics;
//! * [`stats`]: merging file statistics into a version's result and scoring it.
//!
//! This crate reads resource tables (`zs-tables`) and hand-in records; it never writes resource
//! data, and it is reached from ingest only through `zs_ingest::VersionHook`, so hand-in does not
//! depend on governance. It does not speak HTTP or render pages.

pub mod column;
pub mod engine;
#[cfg(feature = "service")]
pub mod hook;
#[cfg(feature = "service")]
pub mod incremental;
pub mod rules;
#[cfg(feature = "service")]
pub mod service;
pub mod stats;
pub mod validators;

pub use engine::{Failure, FileStats, Plan, References, RowBlock, RuleCounts};
#[cfg(feature = "service")]
pub use hook::GovernHook;
pub use rules::{Check, Dimension, Rule, Severity, Target};
#[cfg(feature = "service")]
pub use service::GovernService;
pub use stats::{merge, RuleResult, Scores, VersionResult};

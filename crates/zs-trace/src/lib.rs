//! zs-trace: full-process tracing (全流程监管) over the audit trail and the verifiable ledger.
//!
//! - [`ledger_api`]: the signed checkpoint, inclusion and consistency proofs, entries by index.
//! - [`trace`]: a resource's events (application, approval, grant, delivery, revocation) in order,
//!   what a consumer department received, a grant's calls — each record with its inclusion proof.
//! - [`bundle`]: the same as an evidence bundle (证据包) that `zhengshu audit verify --bundle`
//!   checks offline.
//! - [`person`]: which departments received one person's record, found by the keyed digest of
//!   the ID number (the number itself is never stored); the query is audited.
//!
//! It authorises by the caller's role and department (scope answered as `not_found`) and never
//! returns personal data: ledger entries are identifiers and digests.

pub mod bundle;
pub mod ledger_api;
pub mod person;
mod scope;
mod service;
pub mod trace;

pub use service::TraceService;

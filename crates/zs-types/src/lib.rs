//! Shared vocabulary of zhengshu: identifiers, official codes (GB 32100, GB/T 2260, GB 11643),
//! roles, organisation and account shapes, the one error table, the clock and the audit event.
//!
//! This crate does no I/O and must never depend on a database, HTTP or template crate: every other
//! crate depends on it, so it stays small and fast to build.

pub mod audit;
pub mod clock;
pub mod codes;
pub mod error;
pub mod ids;
pub mod model;
pub mod role;
pub mod seal;

pub use audit::{AuditEvent, AuditSink, Outcome};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, ErrorCode, Result};
pub use ids::{CredentialId, OrgId, UserId};
pub use role::Role;

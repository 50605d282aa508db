//! zs-ledger: the verifiable ledger (可验证账本) behind the audit trail.
//!
//! - [`hash`]: SM3 (default) or SHA-256 profile, RFC 6962 leaf/node prefixes.
//! - [`tree`]: tree head, inclusion and consistency proofs and their verification (RFC 9162).
//! - [`note`]: C2SP signed notes, checkpoints and cosignatures; SM2 (default) or Ed25519 keys.
//! - [`store`]: the durable, group-committed log on disk.
//! - [`verify`]: offline re-verification of a whole log directory.
//! - [`entry`]: the audit entry zhengshu appends (identifiers and digests).
//! - [`bundle`]: evidence bundles (records + inclusion proofs + signed checkpoint) and their check.
//! - [`witness`]: the cosigning witness and the node's k-of-n publication.
//!
//! The formats are documented in `docs/ledger.md`.

pub mod bundle;
pub mod commit;
pub mod entry;
pub mod hash;
pub mod journal;
pub mod note;
pub mod store;
pub mod tree;
pub mod verify;
pub mod witness;

pub use hash::{Hash, HashProfile};
pub use store::{CheckpointJob, Ledger, LedgerError, LogInfo, SignedCheckpoint};

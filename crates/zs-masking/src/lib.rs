//! Masking (脱敏) of personal and sensitive values, applied on the server wherever data leaves
//! under a grant (and in the steward's preview and rejected-row reports).
//!
//! Techniques ([`Technique`], stored per field in a grant as stable JSON): keep first/last N
//! (`630102********1234`, `138****5678`), names keeping the surname (`张*`, `欧阳**`),
//! address generalisation to the district or street, dates to the year or month, keyed hashing
//! (HMAC-SHA256 under the platform secret — never a plain hash, which 18-digit ID numbers make
//! enumerable), nulling, none. Masked output keeps the declared type and is never longer than
//! the value (a keyed hash has exactly its declared length). [`suggest`] proposes a technique
//! for a catalogue data item. No I/O.

mod masker;
mod suggest;
mod technique;
pub mod text;

pub use masker::Masker;
pub use suggest::suggest;
pub use technique::{AddressLevel, DatePart, HashEncoding, Technique, MAX_HASH_LENGTH};

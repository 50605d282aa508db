//! Sealing of sensitive stored values (connection strings with passwords, signing secrets):
//! the interface the metadata store calls, implemented by the encryption layer.

use crate::Result;

/// Prefix of a sealed value (`zsenc1:` + base64url of key id, nonce, ciphertext and tag).
pub const SEALED_PREFIX: &str = "zsenc1:";

/// Seals and opens short values bound to their column (a value copied into another column
/// does not open). Implementations never log the values.
pub trait Sealer: Send + Sync {
    /// Seal `plain` for storage in `column` (e.g. `schedules.spec`).
    fn seal(&self, column: &str, plain: &str) -> Result<String>;
    /// Open a value sealed for `column`.
    fn open(&self, column: &str, sealed: &str) -> Result<String>;
}

/// Whether a stored value is sealed.
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED_PREFIX)
}

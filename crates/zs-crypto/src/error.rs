//! What can go wrong: typed, and never carrying key material.

/// An encryption error. Messages name keys by id only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// Authentication failed: the bytes, their associated data or the key are not the ones
    /// sealed together (tampering, truncation, reordering, or the wrong key).
    #[error("the encrypted data failed its integrity check (altered, truncated or the wrong key)")]
    Tampered,
    /// The data key was destroyed (数据安全销毁): what it encrypted can never be read again.
    #[error("the data was destroyed: its key {0} was shredded")]
    Destroyed(String),
    /// No data key with this id is known to this node.
    #[error("data key {0} is unknown to this node")]
    UnknownKey(String),
    /// No master key with this id is available (rotated out of the key file too early?).
    #[error("master key {0} is not available; keep it in the key file until every data key is re-wrapped")]
    UnknownMasterKey(String),
    /// The master key source is missing or malformed.
    #[error("master key: {0}")]
    MasterKey(String),
    /// Not in the expected format (bad header, bad encoding, unknown version).
    #[error("encrypted format: {0}")]
    Format(String),
    /// Reading or writing failed.
    #[error("{0}")]
    Io(String),
}

/// Result with [`CryptoError`].
pub type Result<T, E = CryptoError> = std::result::Result<T, E>;

impl From<std::io::Error> for CryptoError {
    fn from(e: std::io::Error) -> Self {
        CryptoError::Io(e.to_string())
    }
}

impl From<CryptoError> for std::io::Error {
    fn from(e: CryptoError) -> Self {
        std::io::Error::other(e)
    }
}

//! Random bearer tokens: 256 bits, shown once, stored as a SHA-256 hash (their entropy makes a
//! slow hash unnecessary and keeps the per-request lookup cheap).

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Prefix of session tokens.
pub const SESSION_PREFIX: &str = "zss_";
/// Prefix of API credential tokens.
pub const CREDENTIAL_PREFIX: &str = "zsk_";

/// A new token with the given prefix.
pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// SHA-256 of a token, hex: what the store keeps.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The first characters shown in credential lists to recognise a token.
pub fn display_prefix(token: &str) -> String {
    token.chars().take(10).collect()
}

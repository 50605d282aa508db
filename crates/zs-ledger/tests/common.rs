//! Shared helpers for the ledger's tests: where the public test vectors live.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

/// `tests/vectors/<name>` parsed as JSON (copies of the public vectors, kept in the repository so
/// a clean clone tests on its own); `ZS_TESTDATA` points at another testdata folder holding
/// `vectors/`.
pub fn vectors(name: &str) -> serde_json::Value {
    let path = match std::env::var_os("ZS_TESTDATA") {
        Some(d) => PathBuf::from(d).join("vectors").join(name),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors").join(name),
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

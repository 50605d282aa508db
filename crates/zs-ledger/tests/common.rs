//! Shared helpers for the ledger's tests: where the public test vectors live.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

/// `shared/testdata/vectors/<name>` parsed as JSON: found via `ZS_TESTDATA` or by walking up from
/// the crate to a folder holding `shared/testdata`.
pub fn vectors(name: &str) -> serde_json::Value {
    let dir = match std::env::var_os("ZS_TESTDATA") {
        Some(d) => PathBuf::from(d),
        None => {
            let mut here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
            loop {
                let cand = here.join("shared/testdata");
                if cand.is_dir() {
                    break cand;
                }
                assert!(here.pop(), "shared/testdata not found above the crate; set ZS_TESTDATA");
            }
        }
    };
    let path = dir.join("vectors").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

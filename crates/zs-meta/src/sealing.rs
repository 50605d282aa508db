//! Sealed columns: the store seals sensitive values on write and opens them on read, so no
//! caller sees (or forgets to handle) the stored form. Without a sealer (tests of the store
//! contract, encryption switched off) values are stored as given; a value stored before
//! sealing was switched on reads as it is and is sealed by [`crate::MetaStore::reseal_secrets`].

use std::sync::{Arc, RwLock};

use zs_types::seal::{is_sealed, Sealer};
use zs_types::{Error, Result};

/// The columns holding secrets, as (table, key column, secret column).
pub const SEALED_COLUMNS: &[(&str, &str, &str)] = &[
    ("schedules", "id", "spec"),
    ("live_sources", "code", "spec"),
    ("share_delivery_plans", "id", "secret"),
    ("share_subscriptions", "id", "secret"),
];

/// The sealer a store uses, installed once the keys are loaded (they live in the store).
#[derive(Clone, Default)]
pub struct Sealing(Arc<RwLock<Option<Arc<dyn Sealer>>>>);

impl std::fmt::Debug for Sealing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealing").field("installed", &self.get().is_some()).finish()
    }
}

impl Sealing {
    /// Install (or replace) the sealer.
    pub fn set(&self, sealer: Arc<dyn Sealer>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Some(sealer);
    }

    fn get(&self) -> Option<Arc<dyn Sealer>> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Whether a sealer is installed.
    pub fn active(&self) -> bool {
        self.get().is_some()
    }

    /// The stored form of `plain` in `column`.
    pub fn seal(&self, column: &str, plain: &str) -> Result<String> {
        match self.get() {
            Some(s) => s.seal(column, plain),
            None => Ok(plain.to_owned()),
        }
    }

    /// As [`Sealing::seal`] for a nullable column.
    pub fn seal_opt(&self, column: &str, plain: Option<&str>) -> Result<Option<String>> {
        plain.map(|p| self.seal(column, p)).transpose()
    }

    /// The value of a stored form.
    pub fn open(&self, column: &str, stored: String) -> Result<String> {
        if !is_sealed(&stored) {
            return Ok(stored);
        }
        match self.get() {
            Some(s) => s.open(column, &stored),
            None => Err(Error::internal(format!(
                "{column} is sealed and no encryption key is loaded (is encryption switched off?)"
            ))),
        }
    }

    /// As [`Sealing::open`] for a nullable column.
    pub fn open_opt(&self, column: &str, stored: Option<String>) -> Result<Option<String>> {
        stored.map(|s| self.open(column, s)).transpose()
    }
}

//! Row keys: a byte encoding of key values and an exact set of them without one allocation per key.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Decimal128Type, Int64Type, TimestampMillisecondType};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType as ArrowType;

use crate::error::{Result, TablesError};

/// An exact set of encoded keys, the bytes in one arena (no allocation per key).
/// Keys come from uploaded files, so the hasher is randomly seeded (no crafted collisions).
/// Each key is stored as a 4-byte length and its bytes; the table holds only the 8-byte offset
/// (about 40 bytes per key of 18 characters, table included).
pub(crate) struct KeySet {
    arena: Vec<u8>,
    table: hashbrown::HashTable<u64>,
    hasher: ahash::RandomState,
}

/// The key stored at `at` in the arena.
fn key_at(arena: &[u8], at: u64) -> &[u8] {
    let at = at as usize;
    let mut len = [0u8; 4];
    len.copy_from_slice(&arena[at..at + 4]);
    &arena[at + 4..at + 4 + u32::from_le_bytes(len) as usize]
}

impl KeySet {
    pub(crate) fn new() -> Self {
        Self { arena: Vec::new(), table: hashbrown::HashTable::new(), hasher: ahash::RandomState::new() }
    }

    /// Add a key; `false` if it was already there. Keys are at most 4 GiB each.
    pub(crate) fn insert(&mut self, key: &[u8]) -> bool {
        let hash = self.hasher.hash_one(key);
        let arena = &self.arena;
        if self.table.find(hash, |&at| key_at(arena, at) == key).is_some() {
            return false;
        }
        let at = self.arena.len() as u64;
        self.arena.extend_from_slice(&(key.len() as u32).to_le_bytes());
        self.arena.extend_from_slice(key);
        let (arena, hasher) = (&self.arena, &self.hasher);
        self.table.insert_unique(hash, at, |&at| hasher.hash_one(key_at(arena, at)));
        true
    }

    /// Whether the key is in the set.
    pub(crate) fn contains(&self, key: &[u8]) -> bool {
        let hash = self.hasher.hash_one(key);
        self.table.find(hash, |&at| key_at(&self.arena, at) == key).is_some()
    }

    /// Number of keys.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }
}

/// Append a length-prefixed byte value (so that ("ab", "c") and ("a", "bc") differ).
pub(crate) fn push_bytes(buf: &mut Vec<u8>, b: &[u8]) {
    buf.extend_from_slice(&(b.len() as u32).to_le_bytes());
    buf.extend_from_slice(b);
}

/// Encode the key of one row of `cols` into `buf` (cleared first). The encoding matches
/// [`crate::ingest`]'s encoding of checked values.
pub(crate) fn key_of(cols: &[&ArrayRef], row: usize, buf: &mut Vec<u8>) -> Result<()> {
    buf.clear();
    for col in cols {
        if col.is_null(row) {
            buf.push(0);
            continue;
        }
        buf.push(1);
        match col.data_type() {
            ArrowType::Utf8 => push_bytes(buf, col.as_string::<i32>().value(row).as_bytes()),
            ArrowType::Binary => push_bytes(buf, col.as_binary::<i32>().value(row)),
            ArrowType::Int64 => buf.extend_from_slice(&col.as_primitive::<Int64Type>().value(row).to_le_bytes()),
            ArrowType::Decimal128(_, _) => {
                buf.extend_from_slice(&col.as_primitive::<Decimal128Type>().value(row).to_le_bytes())
            }
            ArrowType::Date32 => buf.extend_from_slice(&col.as_primitive::<Date32Type>().value(row).to_le_bytes()),
            ArrowType::Timestamp(_, _) => {
                buf.extend_from_slice(&col.as_primitive::<TimestampMillisecondType>().value(row).to_le_bytes())
            }
            ArrowType::Boolean => buf.push(u8::from(col.as_boolean().value(row))),
            other => return Err(TablesError::Schema(format!("{other} cannot be part of a key"))),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_set_is_exact() {
        let mut s = KeySet::new();
        for i in 0..10_000u32 {
            assert!(s.insert(&i.to_le_bytes()));
        }
        assert!(!s.insert(&7u32.to_le_bytes()));
        assert!(s.contains(&9_999u32.to_le_bytes()));
        assert!(!s.contains(&10_000u32.to_le_bytes()));
        assert!(!s.contains(b""));
        assert!(s.insert(b""));
        assert_eq!(s.len(), 10_001);
    }
}

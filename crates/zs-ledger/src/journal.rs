//! The commit journal: how a batch becomes durable with one sync.
//!
//! Signing a checkpoint and syncing three data files for every batch cost five syncs and an SM2
//! signature per batch, which every audited request waited for. A journaled append instead
//! writes the batch once to the active journal file and syncs that file alone: that is the
//! commit point. The data files are written without syncing, and a checkpoint job (about once a
//! second, off the append lock) syncs them, signs the tree head and clears the journal it no
//! longer needs. Opening the log replays, in order, every whole journal record beyond the
//! signed size, so a crash between checkpoints loses nothing that was acknowledged.
//!
//! ```text
//! <dir>/journal.0, journal.1   record: "ZSJ1" ‖ first u64 ‖ count u32 ‖ len u32
//!                              ‖ len bytes (u32 length ‖ entry, as in entries.bin)
//!                              ‖ 32-byte leaf hash of everything before (torn-write check)
//! ```
//!
//! Two files alternate: the checkpoint job switches appends to the empty one, so the other holds
//! only entries its checkpoint covers and is emptied once that checkpoint is on disk.

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::path::Path;

use crate::hash::HashProfile;
use crate::store::LedgerError;

const MAGIC: &[u8; 4] = b"ZSJ1";
const HEADER: usize = 4 + 8 + 4 + 4;

/// The names of the two journal files.
pub const FILES: [&str; 2] = ["journal.0", "journal.1"];

/// One committed batch read back from a journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Index of the batch's first entry.
    pub first: u64,
    /// The entries.
    pub entries: Vec<Vec<u8>>,
}

/// A journal record for the batch starting at `first` whose entries are already encoded as in
/// `entries.bin` (`encoded`).
pub fn encode(profile: HashProfile, first: u64, count: u32, encoded: &[u8]) -> Result<Vec<u8>, LedgerError> {
    let len = u32::try_from(encoded.len()).map_err(|_| LedgerError::Invalid("batch too large".into()))?;
    let mut rec = Vec::with_capacity(HEADER + encoded.len() + 32);
    rec.extend_from_slice(MAGIC);
    rec.extend_from_slice(&first.to_be_bytes());
    rec.extend_from_slice(&count.to_be_bytes());
    rec.extend_from_slice(&len.to_be_bytes());
    rec.extend_from_slice(encoded);
    let check = profile.leaf_hash(&rec);
    rec.extend_from_slice(&check);
    Ok(rec)
}

/// Every whole record of the journal at `path`, in file order; reading stops at the first torn or
/// damaged one (a batch whose sync never finished). A missing file has none.
pub fn read(profile: HashProfile, path: &Path) -> Result<Vec<Record>, LedgerError> {
    let mut bytes = Vec::new();
    match File::open(path) {
        Ok(mut f) => {
            f.read_to_end(&mut bytes).map_err(|e| LedgerError::Io(format!("reading {}: {e}", path.display())))?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(LedgerError::Io(format!("reading {}: {e}", path.display()))),
    }
    let mut out = Vec::new();
    let mut at = 0usize;
    while let Some(rec) = parse_one(profile, &bytes[at..]) {
        at += rec.1;
        out.push(rec.0);
    }
    Ok(out)
}

fn parse_one(profile: HashProfile, b: &[u8]) -> Option<(Record, usize)> {
    if b.len() < HEADER || &b[..4] != MAGIC {
        return None;
    }
    let first = u64::from_be_bytes(b[4..12].try_into().ok()?);
    let count = u32::from_be_bytes(b[12..16].try_into().ok()?);
    let len = u32::from_be_bytes(b[16..20].try_into().ok()?) as usize;
    let end = HEADER.checked_add(len)?;
    let total = end.checked_add(32)?;
    if b.len() < total || profile.leaf_hash(&b[..end]) != b[end..total] {
        return None;
    }
    let mut entries = Vec::with_capacity(count as usize);
    let mut p = HEADER;
    while p < end {
        let n = u32::from_be_bytes(b.get(p..p + 4)?.try_into().ok()?) as usize;
        entries.push(b.get(p + 4..p + 4 + n)?.to_vec());
        p += 4 + n;
    }
    (entries.len() == count as usize && p == end).then_some((Record { first, entries }, total))
}

/// Append `record` to `file` and sync it: the batch is committed when this returns.
pub fn commit(file: &mut File, path: &Path, record: &[u8]) -> Result<(), LedgerError> {
    let err = |e: std::io::Error| LedgerError::Io(format!("writing {}: {e}", path.display()));
    file.write_all(record).map_err(err)?;
    file.sync_data().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(entries: &[&[u8]]) -> Vec<u8> {
        let mut b = Vec::new();
        for e in entries {
            b.extend_from_slice(&(e.len() as u32).to_be_bytes());
            b.extend_from_slice(e);
        }
        b
    }

    #[test]
    fn records_read_back_until_the_first_torn_one() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("journal.0");
        let p = HashProfile::Sm3;
        let mut bytes = Vec::new();
        for (first, es) in [(0u64, vec![&b"a"[..], b"bc"]), (2, vec![b"def"])] {
            bytes.extend(encode(p, first, es.len() as u32, &encoded(&es)).unwrap_or_default());
        }
        let third = encode(p, 3, 1, &encoded(&[b"ghij"])).unwrap_or_default();
        // Whole, then torn at every length, then with one byte flipped.
        std::fs::write(&path, [&bytes[..], &third[..]].concat()).unwrap_or_default();
        assert_eq!(read(p, &path).map(|r| r.len()).ok(), Some(3));
        for cut in 0..third.len() {
            std::fs::write(&path, [&bytes[..], &third[..cut]].concat()).unwrap_or_default();
            let r = read(p, &path).unwrap_or_default();
            assert_eq!(r.len(), 2, "cut at {cut}");
            assert_eq!(r[1], Record { first: 2, entries: vec![b"def".to_vec()] });
        }
        for i in 0..third.len() {
            let mut bad = third.clone();
            bad[i] ^= 0x40;
            std::fs::write(&path, [&bytes[..], &bad[..]].concat()).unwrap_or_default();
            assert_eq!(read(p, &path).map(|r| r.len()).ok(), Some(2), "flip at {i}");
        }
        assert!(read(p, &dir.path().join("missing")).is_ok_and(|r| r.is_empty()));
    }
}

//! Offline verification of a whole log directory (`zhengshu audit verify <dir>`): recompute every
//! leaf and node from the entries, compare with the stored tree, check every kept checkpoint's
//! signature and root, and name the first bad entry.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use crate::hash::Hash;
use crate::note::{Checkpoint, Note, Verifier};
use crate::store::LogInfo;
use crate::tree::Frontier;

/// The outcome of [`verify_dir`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// True when nothing is wrong.
    pub ok: bool,
    /// The log's origin.
    pub origin: String,
    /// Hash profile name.
    pub hash: String,
    /// Size of the latest signed checkpoint.
    pub size: u64,
    /// Its root hash (hex).
    pub root: String,
    /// Entries read and recomputed.
    pub entries_checked: u64,
    /// Signed checkpoints checked (latest, history, published).
    pub checkpoints_checked: u64,
    /// Witness cosignatures verified on `checkpoint.published` (with `witness_keys`).
    pub cosignatures: Vec<String>,
    /// Where the log key came from: `pinned` (given) or `log.json` (self-asserted).
    pub key_source: String,
    /// The first entry known to be altered, removed or out of order.
    pub first_bad_entry: Option<u64>,
    /// When only a range is known: the bad entry lies in `[from, to)`.
    pub bad_range: Option<(u64, u64)>,
    /// What is wrong, first problem first.
    pub problems: Vec<String>,
}

struct SeqReader<R: Read> {
    r: R,
    pos: u64,
}

impl<R: Read> SeqReader<R> {
    fn exact(&mut self, buf: &mut [u8]) -> std::io::Result<bool> {
        let mut got = 0;
        while got < buf.len() {
            let n = self.r.read(&mut buf[got..])?;
            if n == 0 {
                return if got == 0 { Ok(false) } else { Err(std::io::ErrorKind::UnexpectedEof.into()) };
            }
            got += n;
        }
        self.pos += buf.len() as u64;
        Ok(true)
    }
}

fn open_seq(dir: &Path, name: &str) -> Result<SeqReader<BufReader<File>>, String> {
    let p = dir.join(name);
    let f = File::open(&p).map_err(|e| format!("{}: {e}", p.display()))?;
    Ok(SeqReader { r: BufReader::with_capacity(1 << 20, f), pos: 0 })
}

/// Verify the log in `dir`. `log_key` pins the log's public key (otherwise the key in `log.json`
/// is used and the report says so); `witness_keys` with `quorum` check `checkpoint.published`.
pub fn verify_dir(
    dir: &Path,
    log_key: Option<&Verifier>,
    witness_keys: &[Verifier],
    quorum: usize,
) -> Result<Report, String> {
    let info = LogInfo::read(dir).map_err(|e| e.to_string())?;
    let (key, key_source) = match log_key {
        Some(k) => (k.clone(), "pinned"),
        None => (Verifier::from_key_string(&info.log_key).map_err(|e| e.to_string())?, "log.json"),
    };
    let p = info.hash;
    let mut rep = Report {
        ok: false,
        origin: info.origin.clone(),
        hash: p.name().into(),
        size: 0,
        root: String::new(),
        entries_checked: 0,
        checkpoints_checked: 0,
        cosignatures: Vec::new(),
        key_source: key_source.into(),
        first_bad_entry: None,
        bad_range: None,
        problems: Vec::new(),
    };
    if log_key.is_some() && key.to_key_string() != info.log_key {
        rep.problems.push("log.json names a different log key than the pinned one".into());
    }
    // The latest checkpoint and the kept history, all signature-checked.
    let latest_s = std::fs::read_to_string(dir.join("checkpoint")).map_err(|e| format!("checkpoint: {e}"))?;
    let (latest, _) = match Checkpoint::open(&latest_s, &key) {
        Ok(c) => c,
        Err(e) => {
            rep.problems.push(format!("the latest checkpoint does not verify: {e}"));
            return Ok(rep);
        }
    };
    rep.checkpoints_checked += 1;
    if latest.origin != info.origin {
        rep.problems.push("checkpoint origin differs from log.json".into());
    }
    rep.size = latest.size;
    rep.root = hex::encode(latest.root);
    let mut points: Vec<Checkpoint> = Vec::new();
    if let Ok(h) = std::fs::read_to_string(dir.join("checkpoints.jsonl")) {
        for (line_no, line) in h.lines().enumerate() {
            let note = serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .and_then(|v| v["note"].as_str().map(str::to_owned));
            match note.map(|n| Checkpoint::open(&n, &key)) {
                Some(Ok((c, _))) => {
                    rep.checkpoints_checked += 1;
                    if points.last().is_some_and(|prev| prev.size > c.size) || c.size > latest.size {
                        rep.problems.push(format!("checkpoints.jsonl line {}: history out of order", line_no + 1));
                    }
                    points.push(c);
                }
                _ => {
                    rep.problems.push(format!("checkpoints.jsonl line {}: not a valid signed checkpoint", line_no + 1))
                }
            }
        }
    }
    if let Ok(pubd) = std::fs::read_to_string(dir.join("checkpoint.published")) {
        match Note::parse(&pubd).map_err(|e| e.to_string()).and_then(|n| {
            n.verify(std::slice::from_ref(&key)).map_err(|e| e.to_string())?;
            Ok(n)
        }) {
            Ok(n) => {
                rep.checkpoints_checked += 1;
                if let Ok(c) = Checkpoint::parse(&n.text) {
                    if c.size > latest.size {
                        rep.problems.push("checkpoint.published is beyond the latest checkpoint".into());
                    } else {
                        points.push(c);
                    }
                }
                for s in &n.signatures {
                    if let Some(w) = witness_keys.iter().find(|w| w.name() == s.name && w.key_id() == s.id) {
                        match w.verify(&n.text, s) {
                            Ok(_) => rep.cosignatures.push(s.name.clone()),
                            Err(e) => rep.problems.push(format!("checkpoint.published: {e}")),
                        }
                    }
                }
                if !witness_keys.is_empty() && rep.cosignatures.len() < quorum {
                    rep.problems.push(format!(
                        "checkpoint.published has {} of the {quorum} required witness cosignatures",
                        rep.cosignatures.len()
                    ));
                }
            }
            Err(e) => rep.problems.push(format!("checkpoint.published does not verify: {e}")),
        }
    }
    points.push(latest.clone());
    points.sort_by_key(|c| c.size);
    let mut next_point = 0usize;
    let mut good_size = 0u64; // entries [0, good_size) are covered by a matching signed root

    let mut entries = open_seq(dir, "entries.bin")?;
    let mut idx = open_seq(dir, "entries.idx")?;
    let mut tree_f = open_seq(dir, "tree.bin")?;
    let mut frontier = Frontier::new(p);
    let mut nodes: Vec<Hash> = Vec::with_capacity(64);
    let mut buf = Vec::new();
    let mut stored = [0u8; 32];
    let mut check_points = |frontier: &Frontier, rep: &mut Report, good_size: &mut u64| -> bool {
        while next_point < points.len() && points[next_point].size == frontier.size() {
            let c = &points[next_point];
            if c.root != frontier.root() {
                rep.problems.push(format!(
                    "the entries up to {} do not give the root of the signed checkpoint of size {}",
                    c.size, c.size
                ));
                if rep.first_bad_entry.is_none() {
                    rep.bad_range = Some((*good_size, c.size));
                    if c.size == *good_size + 1 {
                        rep.first_bad_entry = Some(*good_size);
                    }
                }
                return false;
            }
            *good_size = c.size;
            next_point += 1;
        }
        true
    };
    if !check_points(&frontier, &mut rep, &mut good_size) {
        return Ok(rep);
    }
    let n = latest.size;
    let mut i = 0u64;
    while i < n {
        let fail = |rep: &mut Report, what: String| {
            rep.first_bad_entry = Some(i);
            rep.problems.push(format!("entry {i}: {what}"));
        };
        let mut off = [0u8; 8];
        match idx.exact(&mut off) {
            Ok(true) if u64::from_be_bytes(off) == entries.pos => {}
            Ok(true) => {
                fail(
                    &mut rep,
                    "its offset in entries.idx does not follow the previous entry (removed or inserted bytes)".into(),
                );
                return Ok(rep);
            }
            _ => {
                fail(&mut rep, "missing from entries.idx (removed)".into());
                return Ok(rep);
            }
        }
        let mut len = [0u8; 4];
        let l = match entries.exact(&mut len) {
            Ok(true) => u32::from_be_bytes(len) as usize,
            _ => {
                fail(&mut rep, "missing from entries.bin (removed)".into());
                return Ok(rep);
            }
        };
        if l > crate::store::MAX_ENTRY {
            fail(&mut rep, "its length field is corrupt".into());
            return Ok(rep);
        }
        buf.resize(l, 0);
        if !matches!(entries.exact(&mut buf), Ok(true)) && l > 0 {
            fail(&mut rep, "truncated in entries.bin".into());
            return Ok(rep);
        }
        nodes.clear();
        frontier.push_collect(p.leaf_hash(&buf), &mut nodes);
        for (k, node) in nodes.iter().enumerate() {
            match tree_f.exact(&mut stored) {
                Ok(true) if &stored == node => {}
                Ok(true) if k == 0 => {
                    fail(&mut rep, "its hash differs from the stored tree (altered, or entries reordered)".into());
                    return Ok(rep);
                }
                Ok(true) => {
                    rep.problems.push(format!("tree.bin: the node completed by entry {i} was altered"));
                    return Ok(rep);
                }
                _ => {
                    rep.problems.push(format!("tree.bin ends before entry {i}"));
                    return Ok(rep);
                }
            }
        }
        i += 1;
        rep.entries_checked = i;
        if !check_points(&frontier, &mut rep, &mut good_size) {
            return Ok(rep);
        }
    }
    let mut extra = [0u8; 1];
    if matches!(entries.exact(&mut extra), Ok(true)) {
        // Bytes after the committed entries: an uncommitted tail from a crash is normal (cut at the
        // next open), so only note it.
        rep.problems.push(format!("note: entries.bin holds bytes after the {n} committed entries (uncommitted tail)"));
    }
    rep.ok = rep.problems.iter().all(|p| p.starts_with("note:"));
    Ok(rep)
}

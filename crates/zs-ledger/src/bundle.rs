//! Evidence bundles (证据包): audit records with their ledger entries, an inclusion proof for each,
//! and the signed checkpoint the proofs lead to. A bundle is checked offline, on any machine,
//! with the log's public key (`zhengshu audit verify --bundle FILE --key K`).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::entry::{AuditEntry, RecordView};
use crate::hash::{Hash, HashProfile};
use crate::note::{Checkpoint, Verifier};
use crate::tree;

/// The format name in a bundle.
pub const BUNDLE_FORMAT: &str = "zhengshu-evidence/1";

/// One proven record.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BundleItem {
    /// The entry's index in the log.
    pub index: u64,
    /// The entry exactly as appended (JSON text of an [`AuditEntry`]).
    pub entry: String,
    /// Inclusion proof in the checkpoint's tree, base64 hashes.
    pub proof: Vec<String>,
    /// The audit trail's record the entry commits to (sequence number and fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<BundleRecord>,
}

/// An audit record in a bundle.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BundleRecord {
    /// Its sequence number in the audit trail.
    pub seq: i64,
    /// Its fields.
    #[serde(flatten)]
    pub view: RecordView,
}

/// An evidence bundle.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Bundle {
    /// Always [`BUNDLE_FORMAT`].
    pub format: String,
    /// The log's origin.
    pub origin: String,
    /// The log's hash profile.
    pub hash: HashProfile,
    /// The log's verifier key as the node states it (pin it from elsewhere to trust it).
    pub log_key: String,
    /// The signed checkpoint every proof leads to.
    pub checkpoint: String,
    /// What the bundle answers (e.g. `grant:3`, `resource:…`).
    pub subject: String,
    /// When it was exported (RFC 3339).
    pub exported_at: String,
    /// The records.
    pub items: Vec<BundleItem>,
}

/// The outcome of [`verify_bundle`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct BundleReport {
    /// True when every item is proven and every record matches its entry.
    pub ok: bool,
    /// The log's origin.
    pub origin: String,
    /// Hash profile name.
    pub hash: String,
    /// What the bundle answers.
    pub subject: String,
    /// Checkpoint size.
    pub size: u64,
    /// Checkpoint root (hex).
    pub root: String,
    /// `pinned` or `bundle` (the key the bundle itself names).
    pub key_source: String,
    /// Items whose proof verified.
    pub items_proven: usize,
    /// Items in the bundle.
    pub items: usize,
    /// What is wrong.
    pub problems: Vec<String>,
}

/// Verify a bundle's text. `log_key` pins the log's key; otherwise the bundle's copy is used and
/// the report says `key_source: bundle`.
pub fn verify_bundle(text: &str, log_key: Option<&Verifier>) -> Result<BundleReport, String> {
    let b: Bundle = serde_json::from_str(text).map_err(|e| format!("not an evidence bundle: {e}"))?;
    if b.format != BUNDLE_FORMAT {
        return Err(format!("unknown bundle format {}", b.format));
    }
    let (key, key_source) = match log_key {
        Some(k) => (k.clone(), "pinned"),
        None => (Verifier::from_key_string(&b.log_key).map_err(|e| format!("bundle log key: {e}"))?, "bundle"),
    };
    let mut r = BundleReport {
        ok: false,
        origin: b.origin.clone(),
        hash: b.hash.name().to_owned(),
        subject: b.subject.clone(),
        size: 0,
        root: String::new(),
        key_source: key_source.to_owned(),
        items_proven: 0,
        items: b.items.len(),
        problems: Vec::new(),
    };
    let cp = match Checkpoint::open(&b.checkpoint, &key) {
        Ok((cp, _)) => cp,
        Err(e) => {
            r.problems.push(format!("checkpoint: {e}"));
            return Ok(r);
        }
    };
    r.size = cp.size;
    r.root = hex::encode(cp.root);
    if cp.origin != b.origin {
        r.problems.push(format!("checkpoint origin {} differs from the bundle's {}", cp.origin, b.origin));
    }
    for item in &b.items {
        match check_item(b.hash, &cp, item) {
            Ok(()) => r.items_proven += 1,
            Err(p) => r.problems.push(format!("entry {}: {p}", item.index)),
        }
    }
    r.ok = r.problems.is_empty();
    Ok(r)
}

fn check_item(p: HashProfile, cp: &Checkpoint, item: &BundleItem) -> Result<(), String> {
    let proof = item
        .proof
        .iter()
        .map(|h| B64.decode(h).ok().and_then(|v| <Hash>::try_from(v.as_slice()).ok()))
        .collect::<Option<Vec<Hash>>>()
        .ok_or("malformed proof hash")?;
    let leaf = p.leaf_hash(item.entry.as_bytes());
    tree::verify_inclusion(p, item.index, cp.size, &leaf, &proof, &cp.root)
        .map_err(|e| format!("not in the signed log ({e})"))?;
    let entry = AuditEntry::parse(item.entry.as_bytes())?;
    if let Some(rec) = &item.record {
        let bad = entry.mismatches(p, &rec.view);
        if !bad.is_empty() {
            return Err(format!("record {} differs from its entry in {}", rec.seq, bad.join(", ")));
        }
    }
    Ok(())
}

/// Whether one record's entry and base64 proof lead to the (already verified) checkpoint `cp`.
pub fn item_proven(p: HashProfile, cp: &Checkpoint, index: u64, entry: &str, proof: &[String]) -> bool {
    let item = BundleItem { index, entry: entry.to_owned(), proof: proof.to_vec(), record: None };
    check_item(p, cp, &item).is_ok()
}

/// Encode proof hashes as base64 strings.
pub fn encode_proof(proof: &[Hash]) -> Vec<String> {
    proof.iter().map(|h| B64.encode(h)).collect()
}

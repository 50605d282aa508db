//! The ledger over the API: the latest signed checkpoint, inclusion and consistency proofs, and
//! entries by index (their records only to those who may see them).

use serde::Serialize;
use utoipa::ToSchema;
use zs_identity::policy::{Authorized, LedgerRead};
use zs_ledger::bundle::encode_proof;
use zs_ledger::entry::AuditEntry;
use zs_types::model::AuditRecord;
use zs_types::{Error, Result};

use crate::scope::may_see_record;
use crate::TraceService;

/// The latest signed checkpoint (C2SP signed note) and what a verifier needs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckpointView {
    /// The log's origin.
    pub origin: String,
    /// Hash profile (`sm3` or `sha256`).
    pub hash: String,
    /// The log's verifier key (pin it from a trusted source).
    pub log_key: String,
    /// Tree size.
    pub size: u64,
    /// Root hash, hex.
    pub root: String,
    /// The signed note, as stored.
    pub note: String,
}

/// An inclusion proof (RFC 9162 §2.1.3).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InclusionView {
    /// Entry index.
    pub index: u64,
    /// Tree size the proof is for.
    pub size: u64,
    /// The entry's leaf hash, hex.
    pub leaf_hash: String,
    /// Proof hashes, base64.
    pub proof: Vec<String>,
    /// Root of the tree of `size`, hex.
    pub root: String,
}

/// A consistency proof (RFC 9162 §2.1.4).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsistencyView {
    /// Older size.
    pub from: u64,
    /// Newer size.
    pub to: u64,
    /// Root at `from`, hex.
    pub from_root: String,
    /// Root at `to`, hex.
    pub to_root: String,
    /// Proof hashes, base64.
    pub proof: Vec<String>,
}

/// One ledger entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EntryView {
    /// Index.
    pub index: u64,
    /// The entry exactly as appended (JSON text).
    pub entry: String,
    /// Leaf hash, hex.
    pub leaf_hash: String,
    /// The audit record that holds it.
    pub record: Option<AuditRecord>,
}

fn hex32(h: &[u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

impl TraceService {
    /// The latest signed checkpoint.
    pub async fn checkpoint(&self, _pass: &Authorized<LedgerRead>) -> Result<CheckpointView> {
        let l = self.ledger()?;
        let (origin, hash, log_key) = (l.origin().to_owned(), l.profile().name().to_owned(), l.log_key().to_owned());
        let (size, root, note) = l
            .with(|g| {
                g.sign_if_behind()?;
                let (cp, note) = g.checkpoint();
                Ok((cp.size, cp.root, note.to_owned()))
            })
            .await?;
        Ok(CheckpointView { origin, hash, log_key, size, root: hex32(&root), note })
    }

    /// Refuse an entry the caller may not see (as `not_found`).
    async fn visible(&self, pass: &Authorized<LedgerRead>, index: u64) -> Result<Option<AuditRecord>> {
        let rec = self.store.audit_by_ledger_index(i64::try_from(index).unwrap_or(i64::MAX)).await?;
        let p = pass.principal();
        let ok = match &rec {
            Some(r) => may_see_record(&self.store, p, r).await?,
            None => crate::scope::overseer(p),
        };
        if !ok {
            return Err(Error::not_found("ledger entry"));
        }
        Ok(rec)
    }

    /// Inclusion proof of entry `index` in the tree of `size` (default: the latest checkpoint).
    pub async fn inclusion(
        &self,
        pass: &Authorized<LedgerRead>,
        index: u64,
        size: Option<u64>,
    ) -> Result<InclusionView> {
        let l = self.ledger()?;
        let current = l.with(|g| Ok(g.size())).await?;
        let size = size.unwrap_or(current);
        if size == 0 || size > current {
            return Err(Error::invalid("size", format!("size must be between 1 and the log's size {current}")));
        }
        if index >= size {
            return Err(Error::invalid("index", format!("index must be below the size {size}")));
        }
        self.visible(pass, index).await?;
        let (leaf, proof, root) = l
            .with(move |g| {
                let e = g.entry(index)?;
                let leaf = g.info().hash.leaf_hash(&e);
                Ok((leaf, g.inclusion_proof(index, size)?, g.root_at(size)?))
            })
            .await?;
        Ok(InclusionView { index, size, leaf_hash: hex32(&leaf), proof: encode_proof(&proof), root: hex32(&root) })
    }

    /// Consistency proof between the trees of `from` and `to` leaves.
    pub async fn consistency(&self, _pass: &Authorized<LedgerRead>, from: u64, to: u64) -> Result<ConsistencyView> {
        let l = self.ledger()?;
        let current = l.with(|g| Ok(g.size())).await?;
        if to > current {
            return Err(Error::invalid("to", format!("to must not exceed the log's size {current}")));
        }
        if from == 0 || from > to {
            return Err(Error::invalid("from", "from must be between 1 and to"));
        }
        let (proof, a, b) =
            l.with(move |g| Ok((g.consistency_proof(from, to)?, g.root_at(from)?, g.root_at(to)?))).await?;
        Ok(ConsistencyView { from, to, from_root: hex32(&a), to_root: hex32(&b), proof: encode_proof(&proof) })
    }

    /// Entry `index` with the record that holds it.
    pub async fn entry(&self, pass: &Authorized<LedgerRead>, index: u64) -> Result<EntryView> {
        let l = self.ledger()?;
        let current = l.with(|g| Ok(g.size())).await?;
        if index >= current {
            return Err(Error::invalid("index", format!("index must be below the log's size {current}")));
        }
        let record = self.visible(pass, index).await?;
        let (bytes, leaf) = l
            .with(move |g| {
                let e = g.entry(index)?;
                let leaf = g.info().hash.leaf_hash(&e);
                Ok((e, leaf))
            })
            .await?;
        let entry = String::from_utf8(bytes).map_err(|_| Error::internal("a ledger entry is not text"))?;
        AuditEntry::parse(entry.as_bytes()).map_err(Error::internal)?;
        Ok(EntryView { index, entry, leaf_hash: hex32(&leaf), record })
    }
}

//! The durable log on disk (one directory), appended in batches (group commit).
//!
//! ```text
//! <dir>/log.json           {"format":"zhengshu-ledger/1","origin":…,"hash":"sm3","log_key":…}
//! <dir>/entries.bin        entry i: u32 big-endian length || bytes           (append-only)
//! <dir>/entries.idx        u64 big-endian offset of entry i in entries.bin   (append-only)
//! <dir>/tree.bin           every full-subtree hash, 32 bytes, in post-order  (append-only)
//! <dir>/checkpoint         the latest signed checkpoint: the commit point
//! <dir>/checkpoints.jsonl  signed checkpoints kept for history ({"note": …} per line)
//! <dir>/checkpoint.published  the latest checkpoint with its witness cosignatures
//! <dir>/journal.0, journal.1   batches committed since the checkpoint (see `crate::journal`)
//! ```
//!
//! [`Ledger::append_batch`] commits a batch and signs a checkpoint over it before returning: it
//! writes the batch to the journal (synced), the three data files, syncs them, then replaces
//! `checkpoint` (temp file, sync, rename, sync directory). A server on the request path uses
//! [`Ledger::append_journaled`] instead: one sync, the checkpoint signed by a
//! [`CheckpointJob`] about once a second off the append lock. Opening the log cuts the data
//! files back to the signed size and replays the whole journal records beyond it; whatever
//! else lies beyond was never committed.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::hash::{Hash, HashProfile};
use crate::journal;
use crate::note::{Checkpoint, Note, NoteError, Signer, Verifier};
use crate::tree::{self, Frontier, NodeSource, ProofError};

/// The format name in `log.json`.
pub const FORMAT: &str = "zhengshu-ledger/1";
/// Largest entry accepted (entries are identifiers and digests, not documents).
pub const MAX_ENTRY: usize = 64 * 1024;

/// Errors of the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// Reading or writing files failed.
    #[error("ledger I/O: {0}")]
    Io(String),
    /// The files on disk disagree with the signed checkpoint.
    #[error("ledger corrupt: {0}")]
    Corrupt(String),
    /// A caller error (empty batch, entry too large, index out of range…).
    #[error("{0}")]
    Invalid(String),
    /// A note or key problem.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// A proof problem.
    #[error(transparent)]
    Proof(#[from] ProofError),
}

fn io(ctx: &'static str, p: &Path) -> impl FnOnce(std::io::Error) -> LedgerError {
    let p = p.display().to_string();
    move |e| LedgerError::Io(format!("{ctx} {p}: {e}"))
}

/// `log.json`: what a verifier needs to know about the log.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LogInfo {
    /// Always [`FORMAT`].
    pub format: String,
    /// The checkpoint origin line.
    pub origin: String,
    /// The hash profile.
    pub hash: HashProfile,
    /// The log's verifier key (a verifier should pin it from elsewhere, not trust this copy).
    pub log_key: String,
}

impl LogInfo {
    /// Read `<dir>/log.json`.
    pub fn read(dir: &Path) -> Result<Self, LedgerError> {
        let p = dir.join("log.json");
        let text = std::fs::read_to_string(&p).map_err(io("reading", &p))?;
        let info: Self = serde_json::from_str(&text).map_err(|e| LedgerError::Corrupt(format!("log.json: {e}")))?;
        if info.format != FORMAT {
            return Err(LedgerError::Corrupt(format!("log.json: unknown format {}", info.format)));
        }
        Ok(info)
    }
}

/// Read-only access to a log directory's tree file (also used by the offline verifier).
pub struct TreeFile {
    file: File,
    nodes: u64,
}

impl TreeFile {
    fn open(path: &Path) -> Result<Self, LedgerError> {
        let file = File::open(path).map_err(io("opening", path))?;
        let nodes = file.metadata().map_err(io("reading", path))?.len() / 32;
        Ok(Self { file, nodes })
    }
}

impl NodeSource for TreeFile {
    fn node(&self, level: u32, index: u64) -> Result<Hash, ProofError> {
        let pos = tree::postorder_position(level, index);
        if pos >= self.nodes {
            return Err(ProofError::OutOfRange(format!("node {level}/{index}")));
        }
        let mut h = [0u8; 32];
        read_exact_at(&self.file, &mut h, pos * 32).map_err(|e| ProofError::Source(e.to_string()))?;
        Ok(h)
    }
}

#[cfg(unix)]
fn read_exact_at(f: &File, buf: &mut [u8], off: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt as _;
    f.read_exact_at(buf, off)
}

fn sync_dir(dir: &Path) -> Result<(), LedgerError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io("syncing", dir))
}

/// Write `contents` to `dir/name` atomically (temp file, sync, rename, sync directory).
pub fn write_atomic(dir: &Path, name: &str, contents: &[u8]) -> Result<(), LedgerError> {
    let tmp = dir.join(format!(".{name}.tmp"));
    let dst = dir.join(name);
    let mut f = File::create(&tmp).map_err(io("creating", &tmp))?;
    f.write_all(contents).map_err(io("writing", &tmp))?;
    f.sync_all().map_err(io("syncing", &tmp))?;
    std::fs::rename(&tmp, &dst).map_err(io("renaming", &dst))?;
    sync_dir(dir)
}

/// Current time as Unix seconds.
pub fn now_unix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn time_extension(unix: u64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix as i64).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let s = t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    format!("time {s}")
}

/// How often a checkpoint is also kept in `checkpoints.jsonl` (the latest is always in `checkpoint`).
#[derive(Debug, Clone, Copy)]
pub struct HistoryPolicy {
    /// Keep one at least this many seconds after the previous kept one…
    pub min_seconds: u64,
    /// …or once this many entries were added since.
    pub min_entries: u64,
}

impl Default for HistoryPolicy {
    fn default() -> Self {
        Self { min_seconds: 1, min_entries: 4096 }
    }
}

/// An open, writable log.
pub struct Ledger {
    dir: PathBuf,
    info: LogInfo,
    signer: Arc<Signer>,
    verifier: Verifier,
    entries: File,
    idx: File,
    tree_w: File,
    tree_r: TreeFile,
    entries_len: u64,
    frontier: Frontier,
    checkpoint: Checkpoint,
    note: String,
    history: HistoryPolicy,
    last_history: (u64, u64),
    /// The two journal files, the one appends go to, and their lengths.
    journals: [File; 2],
    active: usize,
    journal_len: [u64; 2],
    /// Size of the log when appends last switched journals: every record of the inactive
    /// journal lies below it.
    switched_at: u64,
    /// Size of the checkpoint on disk; held while one is written, so writers never interleave
    /// and an older one never replaces a newer.
    written: Arc<Mutex<u64>>,
}

/// A batch encoded for the data files, not yet written.
struct Staged {
    first: u64,
    count: u32,
    ebuf: Vec<u8>,
    ibuf: Vec<u8>,
    tbuf: Vec<u8>,
    frontier: Frontier,
    entries_len: u64,
}

/// A checkpoint of the log as it was when [`Ledger::prepare_checkpoint`] was called, to be
/// signed and written by [`CheckpointJob::run`] without the ledger (appends go on meanwhile),
/// then handed back to [`Ledger::finish_checkpoint`].
pub struct CheckpointJob {
    dir: PathBuf,
    signer: Arc<Signer>,
    origin: String,
    size: u64,
    root: Hash,
    data: [File; 3],
    history: bool,
    written: Arc<Mutex<u64>>,
}

/// A checkpoint [`CheckpointJob::run`] wrote (none when a newer one was already on disk).
pub struct SignedCheckpoint(Option<(Checkpoint, String, bool)>);

impl CheckpointJob {
    /// Sync the data files, sign the tree head and replace `checkpoint` (kept in the history
    /// too when asked).
    pub fn run(self) -> Result<SignedCheckpoint, LedgerError> {
        let mut written = self.written.lock().map_err(|_| LedgerError::Io("checkpoint lock poisoned".into()))?;
        if *written > self.size {
            return Ok(SignedCheckpoint(None));
        }
        for (f, name) in self.data.iter().zip(["entries.bin", "entries.idx", "tree.bin"]) {
            f.sync_data().map_err(io("syncing", &self.dir.join(name)))?;
        }
        let now = now_unix();
        let cp = Checkpoint {
            origin: self.origin.clone(),
            size: self.size,
            root: self.root,
            extensions: vec![time_extension(now)],
        };
        let note = cp.sign(&self.signer, now).to_string();
        write_atomic(&self.dir, "checkpoint", note.as_bytes())?;
        *written = self.size;
        if self.history {
            let line = serde_json::json!({ "note": note }).to_string() + "\n";
            let hp = self.dir.join("checkpoints.jsonl");
            let mut h = open_append(&hp)?;
            h.write_all(line.as_bytes()).map_err(io("writing", &hp))?;
            h.sync_data().map_err(io("syncing", &hp))?;
        }
        Ok(SignedCheckpoint(Some((cp, note, self.history))))
    }
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ledger({}, {} entries)", self.dir.display(), self.frontier.size())
    }
}

fn open_append(p: &Path) -> Result<File, LedgerError> {
    OpenOptions::new().read(true).append(true).create(true).open(p).map_err(io("opening", p))
}

impl Ledger {
    /// Create a new, empty log in `dir` (created if missing; must hold no log yet).
    pub fn create(dir: &Path, origin: &str, profile: HashProfile, signer: Signer) -> Result<Self, LedgerError> {
        if origin.is_empty() || origin.contains('\n') {
            return Err(LedgerError::Invalid("the origin must be one non-empty line".into()));
        }
        std::fs::create_dir_all(dir).map_err(io("creating", dir))?;
        if dir.join("log.json").exists() {
            return Err(LedgerError::Invalid(format!("{} already holds a log", dir.display())));
        }
        let info = LogInfo {
            format: FORMAT.into(),
            origin: origin.into(),
            hash: profile,
            log_key: signer.verifier().to_key_string(),
        };
        for f in ["entries.bin", "entries.idx", "tree.bin"].into_iter().chain(journal::FILES) {
            File::create(dir.join(f)).map_err(io("creating", &dir.join(f)))?;
        }
        let cp = Checkpoint {
            origin: origin.into(),
            size: 0,
            root: profile.empty_root(),
            extensions: vec![time_extension(now_unix())],
        };
        let note = cp.sign(&signer, now_unix()).to_string();
        write_atomic(dir, "checkpoint", note.as_bytes())?;
        let json = serde_json::to_vec_pretty(&info).map_err(|e| LedgerError::Io(e.to_string()))?;
        write_atomic(dir, "log.json", &json)?;
        Self::open(dir, signer)
    }

    /// Open an existing log with its signing key, cutting off anything written after the last
    /// committed checkpoint.
    pub fn open(dir: &Path, signer: Signer) -> Result<Self, LedgerError> {
        let info = LogInfo::read(dir)?;
        let verifier = Verifier::from_key_string(&info.log_key)?;
        if signer.verifier().to_key_string() != info.log_key {
            return Err(LedgerError::Invalid("the signing key is not this log's key".into()));
        }
        let cp_path = dir.join("checkpoint");
        let note = std::fs::read_to_string(&cp_path).map_err(io("reading", &cp_path))?;
        let (checkpoint, _) = Checkpoint::open(&note, &verifier)?;
        if checkpoint.origin != info.origin {
            return Err(LedgerError::Corrupt("checkpoint origin differs from log.json".into()));
        }
        let n = checkpoint.size;
        let entries_p = dir.join("entries.bin");
        let idx_p = dir.join("entries.idx");
        let tree_p = dir.join("tree.bin");
        let entries = open_append(&entries_p)?;
        let idx = open_append(&idx_p)?;
        let tree_w = open_append(&tree_p)?;
        let len = |f: &File, p: &Path| f.metadata().map(|m| m.len()).map_err(io("reading", p));
        if len(&idx, &idx_p)? < 8 * n || len(&tree_w, &tree_p)? < 32 * tree::stored_nodes(n) {
            return Err(LedgerError::Corrupt(format!("files hold fewer than the {n} committed entries")));
        }
        let entries_len = if n == 0 {
            0
        } else {
            let mut b = [0u8; 8];
            read_exact_at(&idx, &mut b, 8 * (n - 1)).map_err(io("reading", &idx_p))?;
            let off = u64::from_be_bytes(b);
            let mut l = [0u8; 4];
            read_exact_at(&entries, &mut l, off).map_err(io("reading", &entries_p))?;
            off + 4 + u64::from(u32::from_be_bytes(l))
        };
        if len(&entries, &entries_p)? < entries_len {
            return Err(LedgerError::Corrupt("entries.bin is shorter than committed".into()));
        }
        // Cut uncommitted tails (a crash during a batch).
        entries.set_len(entries_len).map_err(io("truncating", &entries_p))?;
        idx.set_len(8 * n).map_err(io("truncating", &idx_p))?;
        tree_w.set_len(32 * tree::stored_nodes(n)).map_err(io("truncating", &tree_p))?;
        let tree_r = TreeFile::open(&tree_p)?;
        let mut stack = Vec::new();
        let mut start = 0u64;
        for level in (0..64u32).rev() {
            if n & (1u64 << level) != 0 {
                stack.push(tree_r.node(level, start >> level)?);
                start += 1u64 << level;
            }
        }
        let frontier =
            Frontier::from_parts(info.hash, n, stack).ok_or_else(|| LedgerError::Corrupt("tree frontier".into()))?;
        if frontier.root() != checkpoint.root {
            return Err(LedgerError::Corrupt("tree.bin does not match the signed checkpoint".into()));
        }
        let journals = [open_append(&dir.join(journal::FILES[0]))?, open_append(&dir.join(journal::FILES[1]))?];
        // A log made before journals existed gets them now: their names must be durable before
        // a commit relies on them.
        sync_dir(dir)?;
        let mut l = Self {
            dir: dir.to_owned(),
            info,
            signer: Arc::new(signer),
            verifier,
            entries,
            idx,
            tree_w,
            tree_r,
            entries_len,
            frontier,
            last_history: (0, n),
            checkpoint,
            note,
            history: HistoryPolicy::default(),
            journals,
            active: 0,
            journal_len: [0, 0],
            switched_at: n,
            written: Arc::new(Mutex::new(n)),
        };
        l.replay_journals()?;
        Ok(l)
    }

    /// Apply the journal records beyond the signed size (batches committed after the last
    /// checkpoint), sign a checkpoint over them and empty both journals.
    fn replay_journals(&mut self) -> Result<(), LedgerError> {
        let mut records = Vec::new();
        for name in journal::FILES {
            records.extend(journal::read(self.info.hash, &self.dir.join(name))?);
        }
        records.sort_by_key(|r| r.first);
        let before = self.size();
        for r in records {
            if r.first < self.size() {
                continue; // covered by the checkpoint
            }
            if r.first > self.size() {
                return Err(LedgerError::Corrupt(format!(
                    "the journal resumes at entry {} but the log ends at {}",
                    r.first,
                    self.size()
                )));
            }
            let staged = self.stage(&r.entries)?;
            self.write_data(&staged)?;
            self.apply(staged);
        }
        if self.size() > before {
            self.sign_checkpoint()?;
        }
        for (i, name) in journal::FILES.iter().enumerate() {
            self.journals[i].set_len(0).map_err(io("truncating", &self.dir.join(name)))?;
            self.journals[i].sync_all().map_err(io("syncing", &self.dir.join(name)))?;
            self.journal_len[i] = 0;
        }
        Ok(())
    }

    /// Change how often checkpoints are kept in the history file.
    pub fn set_history_policy(&mut self, p: HistoryPolicy) {
        self.history = p;
    }

    /// The log's description.
    pub fn info(&self) -> &LogInfo {
        &self.info
    }

    /// The log's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The log's public key.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// Committed size.
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// The latest checkpoint and its signed note.
    pub fn checkpoint(&self) -> (&Checkpoint, &str) {
        (&self.checkpoint, &self.note)
    }

    /// Append a batch, commit it and sign a checkpoint over it: returns the index of the batch's
    /// first entry. Durable and covered by the signed checkpoint when this returns.
    pub fn append_batch<E: AsRef<[u8]>>(&mut self, batch: &[E]) -> Result<u64, LedgerError> {
        let first = self.append_journaled(batch)?;
        self.checkpoint_now(self.history_due())?;
        Ok(first)
    }

    /// Append a batch and commit it with one sync of the journal: returns the index of the
    /// batch's first entry. Durable when this returns (a crash replays it at the next open);
    /// proofs can be made at once, but the signed checkpoint covers it only after the next
    /// [`CheckpointJob`] (see [`Ledger::behind`]).
    pub fn append_journaled<E: AsRef<[u8]>>(&mut self, batch: &[E]) -> Result<u64, LedgerError> {
        if batch.is_empty() {
            return Err(LedgerError::Invalid("empty batch".into()));
        }
        let staged = self.stage(batch)?;
        let record = journal::encode(self.info.hash, staged.first, staged.count, &staged.ebuf)?;
        let j = self.active;
        let jpath = self.dir.join(journal::FILES[j]);
        let before = self.journal_len[j];
        if let Err(e) = journal::commit(&mut self.journals[j], &jpath, &record) {
            let _ = self.journals[j].set_len(before);
            return Err(e);
        }
        self.journal_len[j] += record.len() as u64;
        if let Err(e) = self.write_data(&staged) {
            // Not applied: the batch is taken back from the journal too.
            let _ = self.journals[j].set_len(before);
            self.journal_len[j] = before;
            return Err(e);
        }
        let first = staged.first;
        self.apply(staged);
        Ok(first)
    }

    /// Encode a batch for the data files and extend a copy of the tree frontier.
    fn stage<E: AsRef<[u8]>>(&self, batch: &[E]) -> Result<Staged, LedgerError> {
        let p = self.info.hash;
        let mut frontier = self.frontier.clone();
        let mut ebuf = Vec::new();
        let mut ibuf = Vec::with_capacity(8 * batch.len());
        let mut nodes = Vec::with_capacity(2 * batch.len() + 8);
        let mut off = self.entries_len;
        for e in batch {
            let e = e.as_ref();
            if e.len() > MAX_ENTRY {
                return Err(LedgerError::Invalid(format!("entry of {} bytes exceeds {MAX_ENTRY}", e.len())));
            }
            ibuf.extend_from_slice(&off.to_be_bytes());
            ebuf.extend_from_slice(&(e.len() as u32).to_be_bytes());
            ebuf.extend_from_slice(e);
            off += 4 + e.len() as u64;
            frontier.push_collect(p.leaf_hash(e), &mut nodes);
        }
        let mut tbuf = Vec::with_capacity(32 * nodes.len());
        for n in &nodes {
            tbuf.extend_from_slice(n);
        }
        let count = u32::try_from(batch.len()).map_err(|_| LedgerError::Invalid("batch too large".into()))?;
        Ok(Staged { first: self.size(), count, ebuf, ibuf, tbuf, frontier, entries_len: off })
    }

    /// Write a staged batch to the data files (not synced); on failure cut them back.
    fn write_data(&mut self, s: &Staged) -> Result<(), LedgerError> {
        let d = &self.dir;
        let res = (|| {
            self.entries.write_all(&s.ebuf).map_err(io("writing", &d.join("entries.bin")))?;
            self.idx.write_all(&s.ibuf).map_err(io("writing", &d.join("entries.idx")))?;
            self.tree_w.write_all(&s.tbuf).map_err(io("writing", &d.join("tree.bin")))
        })();
        if res.is_err() {
            let _ = self.entries.set_len(self.entries_len);
            let _ = self.idx.set_len(8 * s.first);
            let _ = self.tree_w.set_len(32 * tree::stored_nodes(s.first));
        }
        res
    }

    fn apply(&mut self, s: Staged) {
        self.entries_len = s.entries_len;
        self.tree_r.nodes = tree::stored_nodes(s.frontier.size());
        self.frontier = s.frontier;
    }

    /// Whether entries were committed since the signed checkpoint.
    pub fn behind(&self) -> bool {
        self.checkpoint.size < self.size()
    }

    /// Whether the next checkpoint is due in the history file (see [`HistoryPolicy`]).
    pub fn history_due(&self) -> bool {
        let (t, s) = self.last_history;
        now_unix() >= t + self.history.min_seconds || self.size() >= s + self.history.min_entries
    }

    /// Snapshot the tree head for a checkpoint (kept in the history file when `history`) and
    /// switch appends to the other journal when it is empty.
    pub fn prepare_checkpoint(&mut self, history: bool) -> Result<CheckpointJob, LedgerError> {
        let other = 1 - self.active;
        if self.journal_len[other] == 0 {
            self.active = other;
            self.switched_at = self.size();
        }
        let clone = |f: &File, name: &str| f.try_clone().map_err(io("opening", &self.dir.join(name)));
        Ok(CheckpointJob {
            dir: self.dir.clone(),
            signer: Arc::clone(&self.signer),
            origin: self.info.origin.clone(),
            size: self.size(),
            root: self.frontier.root(),
            data: [
                clone(&self.entries, "entries.bin")?,
                clone(&self.idx, "entries.idx")?,
                clone(&self.tree_w, "tree.bin")?,
            ],
            history,
            written: Arc::clone(&self.written),
        })
    }

    /// Take in what a [`CheckpointJob`] signed, and empty the journal it made unnecessary.
    pub fn finish_checkpoint(&mut self, done: SignedCheckpoint) {
        let Some((cp, note, history)) = done.0 else { return };
        if history {
            self.last_history = (now_unix(), cp.size);
        }
        if cp.size >= self.switched_at {
            let other = 1 - self.active;
            // Its records all lie below the signed size; were the cut lost in a crash, the
            // next open would skip them.
            if self.journal_len[other] > 0 && self.journals[other].set_len(0).is_ok() {
                self.journal_len[other] = 0;
            }
        }
        if cp.size >= self.checkpoint.size {
            self.checkpoint = cp;
            self.note = note;
        }
    }

    /// Sign a checkpoint now if entries were committed since the last one (before serving a
    /// checkpoint or proofs against it).
    pub fn sign_if_behind(&mut self) -> Result<(), LedgerError> {
        if self.behind() {
            self.checkpoint_now(self.history_due())?;
        }
        Ok(())
    }

    /// Sign the current tree head again with the current time (periodically and at shutdown), so a
    /// quiet log still shows it is alive; the new checkpoint replaces `checkpoint` and is kept in
    /// `checkpoints.jsonl`.
    pub fn sign_checkpoint(&mut self) -> Result<(), LedgerError> {
        self.checkpoint_now(true)
    }

    /// Prepare, run and finish a checkpoint job without letting go of the ledger.
    fn checkpoint_now(&mut self, history: bool) -> Result<(), LedgerError> {
        let job = self.prepare_checkpoint(history)?;
        let done = job.run()?;
        self.finish_checkpoint(done);
        Ok(())
    }

    /// Entry `index` as stored.
    pub fn entry(&self, index: u64) -> Result<Vec<u8>, LedgerError> {
        if index >= self.size() {
            return Err(LedgerError::Invalid(format!("no entry {index} (size {})", self.size())));
        }
        let p = self.dir.join("entries.bin");
        let mut b = [0u8; 8];
        read_exact_at(&self.idx, &mut b, 8 * index).map_err(io("reading", &p))?;
        let off = u64::from_be_bytes(b);
        let mut l = [0u8; 4];
        read_exact_at(&self.entries, &mut l, off).map_err(io("reading", &p))?;
        let mut e = vec![0u8; u32::from_be_bytes(l) as usize];
        read_exact_at(&self.entries, &mut e, off + 4).map_err(io("reading", &p))?;
        Ok(e)
    }

    /// Root hash of the tree of `size` leaves (any committed size).
    pub fn root_at(&self, size: u64) -> Result<Hash, LedgerError> {
        Ok(tree::root_at(self.info.hash, &self.tree_r, size, self.size())?)
    }

    /// Inclusion proof of entry `index` in the tree of `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, LedgerError> {
        if size > self.size() {
            return Err(LedgerError::Invalid(format!("size {size} is beyond the log ({})", self.size())));
        }
        Ok(tree::inclusion_proof(self.info.hash, &self.tree_r, index, size)?)
    }

    /// Consistency proof between the trees of `old` and `new` leaves.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, LedgerError> {
        if new > self.size() {
            return Err(LedgerError::Invalid(format!("size {new} is beyond the log ({})", self.size())));
        }
        Ok(tree::consistency_proof(self.info.hash, &self.tree_r, old, new)?)
    }

    /// Record a checkpoint with witness cosignatures as published (`checkpoint.published`).
    pub fn write_published(&self, note: &Note) -> Result<(), LedgerError> {
        write_atomic(&self.dir, "checkpoint.published", note.to_string().as_bytes())
    }
}

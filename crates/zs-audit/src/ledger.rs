//! The node's verifiable ledger (可验证账本): one log under `<data>/ledger`, signed with the key in
//! `<data>/keys/ledger.key` (SM2, made on first start, mode 0600). Appends come in batches from
//! the audit sink and are committed with one journal sync each; a thread signs the checkpoint
//! over them every [`SIGN_EVERY`] without holding up appends. Reads (checkpoint, proofs,
//! entries) run off the async threads.

use std::path::Path;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use zs_ledger::note::{Algorithm, Role, Signer};
use zs_ledger::{HashProfile, Ledger, LedgerError};
use zs_types::{Error, ErrorCode, Result};

/// The node's open ledger. Cheap to clone.
#[derive(Clone)]
pub struct NodeLedger {
    inner: Arc<Mutex<Ledger>>,
    profile: HashProfile,
    log_key: String,
    origin: String,
}

impl std::fmt::Debug for NodeLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NodeLedger({})", self.origin)
    }
}

fn io_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::StoreUnavailable, format!("ledger: {what}: {e}"))
}

/// Map a ledger error: caller errors (index out of range…) are invalid input, the rest internal.
pub fn map_ledger(e: LedgerError) -> Error {
    match e {
        LedgerError::Invalid(m) => Error::invalid("index", m),
        LedgerError::Proof(p) => Error::invalid("size", p.to_string()),
        other => io_err("", other),
    }
}

impl NodeLedger {
    /// Open the node's ledger under `data_dir`, creating the key and the log on first start.
    /// `origin` names a new log (an existing log keeps its own).
    pub fn open_or_create(data_dir: &Path, origin: &str) -> Result<Self> {
        let keys = data_dir.join("keys");
        std::fs::create_dir_all(&keys).map_err(|e| io_err("creating the key folder", e))?;
        let key_path = keys.join("ledger.key");
        let dir = data_dir.join("ledger");
        let exists = dir.join("log.json").exists();
        if !key_path.exists() {
            if exists {
                return Err(io_err("opening", format!("{} is missing for the existing log", key_path.display())));
            }
            let signer = Signer::generate(origin, Algorithm::Sm2, Role::Note).map_err(|e| io_err("making a key", e))?;
            zs_ledger::note::write_secret_file(&key_path, &signer.to_key_string())
                .map_err(|e| io_err("writing the key", e))?;
        }
        let text = std::fs::read_to_string(&key_path).map_err(|e| io_err("reading the key", e))?;
        let signer = Signer::from_key_string(&text).map_err(|e| io_err("reading the key", e))?;
        let ledger = if exists {
            Ledger::open(&dir, signer).map_err(|e| io_err("opening", e))?
        } else {
            let name = signer.name().to_owned();
            Ledger::create(&dir, &name, HashProfile::Sm3, signer).map_err(|e| io_err("creating", e))?
        };
        Ok(Self::from_ledger(ledger))
    }

    /// Wrap an open ledger.
    pub fn from_ledger(ledger: Ledger) -> Self {
        let info = ledger.info().clone();
        let inner = Arc::new(Mutex::new(ledger));
        start_signer(Arc::downgrade(&inner));
        Self { inner, profile: info.hash, log_key: info.log_key, origin: info.origin }
    }

    /// The hash profile.
    pub fn profile(&self) -> HashProfile {
        self.profile
    }

    /// The log's verifier key (`name+id+base64`).
    pub fn log_key(&self) -> &str {
        &self.log_key
    }

    /// The log's origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Run `f` on the ledger on a blocking thread.
    pub async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Ledger) -> std::result::Result<T, LedgerError> + Send + 'static,
    ) -> Result<T> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut g = inner.lock().map_err(|_| io_err("lock", "poisoned"))?;
            f(&mut g).map_err(map_ledger)
        })
        .await
        .map_err(|e| io_err("task", e))?
    }

    /// Append a batch (durable with its signed checkpoint on return): the first entry's index.
    pub async fn append(&self, entries: Vec<Vec<u8>>) -> Result<u64> {
        self.with(move |l| l.append_journaled(&entries)).await
    }

    /// Sign the current tree head again (periodic checkpoint, shutdown).
    pub async fn sign_checkpoint(&self) -> Result<()> {
        self.with(|l| l.sign_checkpoint()).await
    }
}

/// How far the signed checkpoint may lag the committed entries.
pub const SIGN_EVERY: Duration = Duration::from_secs(1);

/// The thread that signs checkpoints over journaled appends: it holds the ledger only to take a
/// snapshot and to hand the result back, never while syncing or signing. It ends with the ledger.
fn start_signer(ledger: Weak<Mutex<Ledger>>) {
    let spawned = std::thread::Builder::new().name("zs-ledger-signer".into()).spawn(move || loop {
        std::thread::sleep(SIGN_EVERY);
        let Some(l) = ledger.upgrade() else { return };
        let job = match l.lock() {
            Ok(mut g) if g.behind() => {
                let history = g.history_due();
                g.prepare_checkpoint(history)
            }
            Ok(_) => continue,
            Err(_) => return,
        };
        match job.and_then(|j| j.run()) {
            Ok(done) => {
                if let Ok(mut g) = l.lock() {
                    g.finish_checkpoint(done);
                }
            }
            Err(e) => tracing::error!(error = %e, "signing the ledger checkpoint failed"),
        }
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "the ledger signer thread did not start; checkpoints are signed on demand");
    }
}

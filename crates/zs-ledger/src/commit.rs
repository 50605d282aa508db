//! Group commit: many callers hand entries to one writer thread, which appends whatever is
//! waiting as one batch (one set of syncs, one signed checkpoint) and answers each caller with
//! its entry's index once the batch is durable.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use crate::store::{Ledger, LedgerError};

/// Largest batch.
pub const MAX_BATCH: usize = 8192;

type Reply = Box<dyn FnOnce(Result<u64, String>) + Send>;

/// Called after each committed batch with the new signed checkpoint (e.g. to ask witnesses).
pub type CommitHook = Box<dyn Fn(&Ledger) + Send>;

/// Handle to the writer thread. Cloning shares the writer.
#[derive(Clone)]
pub struct GroupWriter {
    tx: mpsc::Sender<(Vec<u8>, Reply)>,
    ledger: Arc<Mutex<Ledger>>,
}

impl std::fmt::Debug for GroupWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GroupWriter")
    }
}

impl GroupWriter {
    /// Start the writer thread over `ledger`.
    pub fn start(ledger: Ledger, hook: Option<CommitHook>) -> Self {
        let ledger = Arc::new(Mutex::new(ledger));
        let (tx, rx) = mpsc::channel::<(Vec<u8>, Reply)>();
        let l = ledger.clone();
        std::thread::Builder::new()
            .name("zs-ledger-writer".into())
            .spawn(move || {
                let mut entries: Vec<Vec<u8>> = Vec::with_capacity(MAX_BATCH);
                let mut replies: Vec<Reply> = Vec::with_capacity(MAX_BATCH);
                while let Ok((e, r)) = rx.recv() {
                    entries.push(e);
                    replies.push(r);
                    while entries.len() < MAX_BATCH {
                        match rx.try_recv() {
                            Ok((e, r)) => {
                                entries.push(e);
                                replies.push(r);
                            }
                            Err(_) => break,
                        }
                    }
                    let result = match l.lock() {
                        Ok(mut g) => {
                            let r = g.append_batch(&entries).map_err(|e| e.to_string());
                            if r.is_ok() {
                                if let Some(h) = &hook {
                                    h(&g);
                                }
                            }
                            r
                        }
                        Err(_) => Err("the ledger lock is poisoned".to_owned()),
                    };
                    for (k, reply) in replies.drain(..).enumerate() {
                        reply(result.clone().map(|first| first + k as u64));
                    }
                    entries.clear();
                }
            })
            .map(|_| ())
            .unwrap_or_else(|e| tracing_fallback(&e));
        Self { tx, ledger }
    }

    /// Submit one entry; `done` is called with its index once durable (or the error).
    pub fn submit(&self, entry: Vec<u8>, done: impl FnOnce(Result<u64, String>) + Send + 'static) {
        if let Err(mpsc::SendError((_, reply))) = self.tx.send((entry, Box::new(done))) {
            reply(Err("the ledger writer has stopped".into()));
        }
    }

    /// Submit and wait (blocking).
    pub fn append(&self, entry: Vec<u8>) -> Result<u64, LedgerError> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.submit(entry, move |r| {
            let _ = tx.send(r);
        });
        rx.recv().map_err(|_| LedgerError::Io("the ledger writer has stopped".into()))?.map_err(LedgerError::Io)
    }

    /// The shared ledger, for reads (checkpoint, proofs, entries).
    pub fn ledger(&self) -> &Arc<Mutex<Ledger>> {
        &self.ledger
    }
}

fn tracing_fallback(e: &std::io::Error) {
    // Without a writer thread every submit fails with "stopped"; nothing else to do here.
    let _ = e;
}

//! Witnesses (见证方): an independent cosigner in the style of C2SP tlog-witness, and the node's
//! k-of-n publication of checkpoints.
//!
//! A witness keeps, per log origin, only the latest checkpoint it cosigned. It accepts a new one
//! (`POST /add-checkpoint`) only with a valid consistency proof from that one, so a log that
//! shows two histories (same size with another root, or a larger tree that does not extend the
//! old one) is refused: 409 Conflict (wrong old size, or same size and another root), 422 (proof
//! does not verify), 403 (not signed by the log's key), 404 (unknown log).
//!
//! Request body (text):
//! ```text
//! old <size the node believes the witness has>
//! <base64 consistency proof hash>…      (none when old is 0 or equals the new size)
//!
//! <signed checkpoint note>
//! ```
//! Response 200: the witness's cosignature line(s) `— <name> base64(…)`. On 409 because of the
//! old size, the body is the witness's current size and a newline (`text/x.tlog.size`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::hash::{Hash, HashProfile};
use crate::note::{Checkpoint, Note, Signature, Signer, Verifier};
use crate::store::{now_unix, write_atomic, Ledger};
use crate::tree;

/// Most proof lines accepted (tlog-witness: 63).
pub const MAX_PROOF_LINES: usize = 63;

/// A log the witness knows: its key and hash profile.
#[derive(Debug, Clone)]
pub struct KnownLog {
    /// The log's verifier key (its name is usually the origin).
    pub key: Verifier,
    /// The log's hash profile.
    pub profile: HashProfile,
}

/// A refusal, with the HTTP status it maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// Body.
    pub body: String,
}

fn refuse(status: u16, body: impl Into<String>) -> Refusal {
    Refusal { status, body: body.into() }
}

/// The witness: its key, the logs it knows, and its state directory.
pub struct Witness {
    signer: Signer,
    logs: HashMap<String, KnownLog>,
    dir: PathBuf,
    lock: Mutex<()>,
}

impl std::fmt::Debug for Witness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Witness({})", self.signer.name())
    }
}

fn state_file(origin: &str) -> String {
    format!("log-{}.checkpoint", hex::encode(HashProfile::Sha256.digest(&[origin.as_bytes()])))
}

impl Witness {
    /// A witness keeping its state (one checkpoint per origin) in `dir`. Logs are keyed by origin.
    pub fn new(signer: Signer, logs: Vec<(String, KnownLog)>, dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self { signer, logs: logs.into_iter().collect(), dir: dir.to_owned(), lock: Mutex::new(()) })
    }

    /// The witness's public (cosigner) key.
    pub fn verifier(&self) -> Verifier {
        self.signer.verifier()
    }

    /// The latest checkpoint cosigned for `origin`.
    pub fn latest(&self, origin: &str) -> Option<Checkpoint> {
        let text = std::fs::read_to_string(self.dir.join(state_file(origin))).ok()?;
        Checkpoint::parse(&Note::parse(&text).ok()?.text).ok()
    }

    /// Handle an `add-checkpoint` request body: the cosignature lines, or a refusal.
    pub fn add_checkpoint(&self, body: &str) -> Result<String, Refusal> {
        let (head, note_s) = body.split_once("\n\n").ok_or_else(|| refuse(400, "malformed request\n"))?;
        let mut lines = head.split('\n');
        let old: u64 = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| refuse(400, "missing old size\n"))?;
        let proof: Vec<Hash> = lines
            .map(|l| B64.decode(l).ok().and_then(|b| <Hash>::try_from(b.as_slice()).ok()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| refuse(400, "malformed proof line\n"))?;
        if proof.len() > MAX_PROOF_LINES {
            return Err(refuse(400, "too many proof lines\n"));
        }
        let note = Note::parse(note_s).map_err(|e| refuse(400, format!("{e}\n")))?;
        let cp = Checkpoint::parse(&note.text).map_err(|e| refuse(400, format!("{e}\n")))?;
        let log = self.logs.get(&cp.origin).ok_or_else(|| refuse(404, "unknown log\n"))?;
        note.verify(std::slice::from_ref(&log.key)).map_err(|_| refuse(403, "not signed by the log's key\n"))?;

        let _guard = self.lock.lock().map_err(|_| refuse(500, "witness state lock poisoned\n"))?;
        let latest = self.latest(&cp.origin);
        let (size, root) = latest.as_ref().map_or((0, None), |c| (c.size, Some(c.root)));
        if old != size {
            return Err(refuse(409, format!("{size}\n")));
        }
        if cp.size < size {
            return Err(refuse(400, "checkpoint is older than the latest cosigned one\n"));
        }
        match root {
            None => {
                if !proof.is_empty() {
                    return Err(refuse(422, "no proof expected from size 0\n"));
                }
            }
            Some(r) if cp.size == size => {
                if r != cp.root {
                    return Err(refuse(409, "fork: same size, different root\n"));
                }
            }
            Some(r) => {
                tree::verify_consistency(log.profile, size, cp.size, &r, &cp.root, &proof).map_err(|_| {
                    refuse(422, "consistency proof does not verify: not an extension of the cosigned tree\n")
                })?;
            }
        }
        // Persist before answering (atomic replace), then cosign.
        let mut keep = note.clone();
        let sig = self.signer.cosign(&note.text, now_unix());
        keep.add_signature(sig.clone());
        write_atomic(&self.dir, &state_file(&cp.origin), keep.to_string().as_bytes())
            .map_err(|e| refuse(500, format!("{e}\n")))?;
        Ok(sig.line())
    }
}

/// Serve a witness over HTTP on `listener` (`POST /add-checkpoint`, `GET /healthz`).
pub async fn serve(witness: Arc<Witness>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    use axum::routing::{get, post};
    let app = axum::Router::new()
        .route(
            "/add-checkpoint",
            post(|axum::extract::State(w): axum::extract::State<Arc<Witness>>, body: String| async move {
                let res = tokio::task::spawn_blocking(move || w.add_checkpoint(&body)).await;
                let (status, ctype, body) = match res {
                    Ok(Ok(lines)) => (200, "text/plain; charset=utf-8", lines),
                    Ok(Err(r)) if r.status == 409 && r.body.trim().parse::<u64>().is_ok() => {
                        (409, "text/x.tlog.size", r.body)
                    }
                    Ok(Err(r)) => (r.status, "text/plain; charset=utf-8", r.body),
                    Err(_) => (500, "text/plain; charset=utf-8", "internal error\n".to_owned()),
                };
                let status =
                    axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
                (status, [(axum::http::header::CONTENT_TYPE, ctype)], body)
            }),
        )
        .route("/healthz", get(|| async { "ok\n" }))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .with_state(witness);
    axum::serve(listener, app).await
}

/// A witness the node asks for cosignatures.
#[derive(Debug, Clone)]
pub struct WitnessPeer {
    /// Base URL, e.g. `http://127.0.0.1:7001`.
    pub url: String,
    /// The witness's cosigner key.
    pub key: Verifier,
}

/// The node's publication policy: a checkpoint counts as published once `quorum` of the
/// witnesses cosigned it.
#[derive(Debug)]
pub struct Publisher {
    witnesses: Vec<WitnessPeer>,
    quorum: usize,
    known: Mutex<HashMap<String, u64>>,
    http: reqwest::Client,
}

/// Why publication failed.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// Fewer cosignatures than the quorum; the refusals say why.
    #[error("{got} of {quorum} required witness cosignatures: {why}")]
    NoQuorum {
        /// Cosignatures obtained.
        got: usize,
        /// Required.
        quorum: usize,
        /// What each refusing witness said.
        why: String,
    },
    /// Reading the ledger failed.
    #[error(transparent)]
    Ledger(#[from] crate::store::LedgerError),
}

impl Publisher {
    /// A publisher asking `witnesses`, requiring `quorum` cosignatures.
    pub fn new(witnesses: Vec<WitnessPeer>, quorum: usize) -> Self {
        Self { witnesses, quorum, known: Mutex::new(HashMap::new()), http: reqwest::Client::new() }
    }

    fn request(ledger: &Ledger, old: u64, note: &str, size: u64) -> Result<String, crate::store::LedgerError> {
        let mut body = format!("old {old}\n");
        if old > 0 && old < size {
            for h in ledger.consistency_proof(old, size)? {
                body.push_str(&B64.encode(h));
                body.push('\n');
            }
        }
        body.push('\n');
        body.push_str(note);
        Ok(body)
    }

    async fn ask(
        &self,
        ledger: &Arc<Mutex<Ledger>>,
        w: &WitnessPeer,
        note: &str,
        size: u64,
    ) -> Result<Signature, String> {
        let url = format!("{}/add-checkpoint", w.url.trim_end_matches('/'));
        let mut old = self.known.lock().map_err(|e| e.to_string())?.get(&w.url).copied().unwrap_or(0);
        for _ in 0..2 {
            let body = {
                let l = ledger.lock().map_err(|e| e.to_string())?;
                Self::request(&l, old, note, size).map_err(|e| e.to_string())?
            };
            let resp = self.http.post(&url).body(body).send().await.map_err(|e| format!("{}: {e}", w.url))?;
            let status = resp.status().as_u16();
            let ctype = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let text = resp.text().await.map_err(|e| e.to_string())?;
            if status == 409 && ctype.starts_with("text/x.tlog.size") {
                old = text.trim().parse().map_err(|_| format!("{}: bad size reply", w.url))?;
                continue;
            }
            if status != 200 {
                return Err(format!("{} refused ({status}): {}", w.url, text.trim()));
            }
            let text_of_note = Note::parse(note).map_err(|e| e.to_string())?.text;
            for line in text.lines() {
                if let Ok(sig) = Signature::parse_line(line) {
                    if sig.name == w.key.name() && sig.id == w.key.key_id() && w.key.verify(&text_of_note, &sig).is_ok()
                    {
                        self.known.lock().map_err(|e| e.to_string())?.insert(w.url.clone(), size);
                        return Ok(sig);
                    }
                }
            }
            return Err(format!("{}: no valid cosignature in the reply", w.url));
        }
        Err(format!("{}: size kept changing", w.url))
    }

    /// Ask every witness to cosign the ledger's latest checkpoint; with a quorum, write
    /// `checkpoint.published` and return it.
    pub async fn publish(&self, ledger: &Arc<Mutex<Ledger>>) -> Result<Note, PublishError> {
        let (note_s, size) = {
            let l = ledger.lock().map_err(|_| crate::store::LedgerError::Io("lock poisoned".into()))?;
            let (cp, n) = l.checkpoint();
            (n.to_owned(), cp.size)
        };
        let asks = self.witnesses.iter().map(|w| self.ask(ledger, w, &note_s, size));
        let results = ask_in_turn(asks).await; // one witness after the other
        let mut note = Note::parse(&note_s).map_err(crate::store::LedgerError::from)?;
        let mut why = Vec::new();
        let mut got = 0;
        for r in results {
            match r {
                Ok(sig) => {
                    note.add_signature(sig);
                    got += 1;
                }
                Err(e) => why.push(e),
            }
        }
        if got < self.quorum {
            return Err(PublishError::NoQuorum { got, quorum: self.quorum, why: why.join("; ") });
        }
        ledger.lock().map_err(|_| crate::store::LedgerError::Io("lock poisoned".into()))?.write_published(&note)?;
        Ok(note)
    }
}

async fn ask_in_turn<F: std::future::Future>(fs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut out = Vec::new();
    for f in fs {
        out.push(f.await);
    }
    out
}

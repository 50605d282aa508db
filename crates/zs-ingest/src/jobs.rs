//! Hand-in jobs on the store's persisted queue: uploads and push batches are queued here and run
//! by [`Worker`]s, which report progress, retry transient failures with back-off and fail bad
//! input at once. After a restart [`IngestService::recover`] re-queues or fails running jobs.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use zs_identity::policy::{Authorized, DataIngest};
use zs_meta::jobs::{JobRow, NewJob};
use zs_meta::resources::HandIn;
use zs_types::{Error, ErrorCode, Result, UserId};

use crate::handin::{HandInRequest, Mode};
use crate::service::{subject, IngestService};

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Check and commit an uploaded file.
    File,
    /// Check and commit a pushed JSON batch.
    Push,
}

impl JobKind {
    /// Stable name on the queue.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::File => "ingest.file",
            Self::Push => "ingest.push",
        }
    }
}

/// Parameters of an ingest job.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    actor: i64,
    request: HandInRequest,
}

/// Claims allowed for a hand-in job (transient failures such as a busy table are retried).
const MAX_ATTEMPTS: i64 = 3;
/// Records in one pushed batch at most.
pub const MAX_PUSH_RECORDS: usize = 100_000;

impl IngestService {
    /// Check that the caller may hand in to `code` now, so a bad request fails before a job is
    /// queued.
    pub async fn check_hand_in(&self, pass: &Authorized<DataIngest>, code: &str) -> Result<()> {
        self.own_published_entry(&pass.principal_arc(), code).await.map(|_| ())
    }

    /// Queue an uploaded file (saved at `req.file`) for hand-in; the job's page shows progress.
    pub async fn submit(
        &self,
        pass: &Authorized<DataIngest>,
        req: HandInRequest,
        key: Option<String>,
    ) -> Result<(JobRow, bool)> {
        let kind = if req.channel == "push" { JobKind::Push } else { JobKind::File };
        let code = req.code.clone();
        let payload = serde_json::to_string(&Payload { actor: pass.principal().user.id.0, request: req })
            .map_err(|_| Error::internal("encoding the job"))?;
        self.enqueue_for(pass, kind.as_str(), &code, payload, key).await
    }

    /// Push a JSON batch (records keyed by item name or Chinese label) under the sender's
    /// idempotency key: the first call queues it and waits for the result; a retry with the same
    /// key returns the first call's job and hand-in without committing again.
    pub async fn push(
        &self,
        pass: &Authorized<DataIngest>,
        code: &str,
        key: &str,
        mode: Mode,
        records: &[serde_json::Map<String, serde_json::Value>],
        wait: Duration,
    ) -> Result<(JobRow, Option<HandIn>, bool)> {
        if key.is_empty() || key.len() > 200 {
            return Err(Error::invalid("Idempotency-Key", "send an idempotency key of 1 to 200 characters"));
        }
        if records.is_empty() {
            return Err(Error::invalid("records", "the batch holds no records"));
        }
        if records.len() > MAX_PUSH_RECORDS {
            return Err(Error::new(
                ErrorCode::PayloadTooLarge,
                format!("a batch holds at most {MAX_PUSH_RECORDS} records; split it"),
            ));
        }
        let entry = self.own_published_entry(&pass.principal_arc(), code).await?;
        let names: Vec<(String, String)> = entry.body.items.iter().map(|i| (i.name.clone(), i.label.clone())).collect();
        let queue_key = format!("push:{code}:{key}");
        let file = self.uploads_dir(&entry.code).join(format!("{}.csv", uuid::Uuid::now_v7()));
        let key = self.file_key(&entry.code).await?;
        let recs = records.to_vec();
        let path = file.clone();
        tokio::task::spawn_blocking(move || write_records_csv(&path, &recs, &names, &key))
            .await
            .map_err(|_| Error::internal("saving the batch"))??;
        let req = HandInRequest {
            code: code.to_owned(),
            mode,
            file: file.clone(),
            file_name: "batch.csv".into(),
            encoding: Some("utf-8".into()),
            channel: "push".into(),
            max_error_rate: None,
            mapping: None,
            remove_file: true,
        };
        let (job, created) = self.submit(pass, req, Some(queue_key)).await?;
        if !created {
            let _ = std::fs::remove_file(&file);
        }
        let (job, h) = self.wait_for(job.id, wait).await?;
        Ok((job, h, created))
    }

    /// Wait until a job ends (or `wait` passes); with its hand-in when it made one.
    pub async fn wait_for(&self, id: i64, wait: Duration) -> Result<(JobRow, Option<HandIn>)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let job = self.store.get_job(id).await?.ok_or_else(|| Error::not_found("job"))?;
            if matches!(job.state.as_str(), "succeeded" | "failed") || tokio::time::Instant::now() >= deadline {
                let h = self.hand_in_of(&job).await?;
                return Ok((job, h));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The hand-in a job made, if any.
    pub async fn hand_in_of(&self, job: &JobRow) -> Result<Option<HandIn>> {
        let code = job.subject.as_deref().and_then(|s| s.strip_prefix("resource:"));
        Ok(self.store.list_hand_ins(code, None, 200).await?.into_iter().find(|h| h.job_id == Some(job.id)))
    }

    /// After a restart: re-queue or fail the jobs that were running, and record table versions
    /// whose hand-in record a crash lost. Returns (re-queued, failed).
    pub async fn recover(&self) -> Result<(u64, u64)> {
        let r = self.store.recover_interrupted(self.now_ms()).await?;
        if r != (0, 0) {
            tracing::warn!(requeued = r.0, failed = r.1, "jobs interrupted by a restart");
        }
        self.reconcile().await?;
        Ok(r)
    }

    /// Queue the materialisation of a theme library (see `theme`).
    pub async fn submit_materialise(
        &self,
        pass: &Authorized<DataIngest>,
        code: &str,
        key: Option<String>,
    ) -> Result<(JobRow, bool)> {
        let entry = self.own_published_entry(&pass.principal_arc(), code).await?;
        if crate::theme::theme_library(&entry.body.name).is_none() {
            return Err(Error::invalid(
                "code",
                format!("{} ({}) is not a theme library defined over other resources", entry.code, entry.body.name),
            ));
        }
        let payload = serde_json::json!({ "actor": pass.principal().user.id.0, "code": entry.code }).to_string();
        self.enqueue_for(pass, "materialise.now", &entry.code, payload, key).await
    }

    /// Queue a job of `kind` on a resource for the caller and wake a worker.
    async fn enqueue_for(
        &self,
        pass: &Authorized<DataIngest>,
        kind: &str,
        code: &str,
        payload: String,
        key: Option<String>,
    ) -> Result<(JobRow, bool)> {
        let now = self.now_ms();
        let job = NewJob {
            kind: kind.into(),
            subject: Some(subject(code)),
            payload,
            max_attempts: MAX_ATTEMPTS,
            run_after: now,
            idempotency_key: key,
            created_by: Some(pass.principal().user.id.0),
        };
        let (job, created) = self.store.enqueue(job, now).await?;
        if created {
            self.wake.notify_one();
        }
        Ok((job, created))
    }

    /// Run one job to its end.
    async fn run_job(&self, job: &JobRow) -> Result<String> {
        let bad = |e: serde_json::Error| Error::invalid("payload", format!("job payload: {e}"));
        let actor = serde_json::from_str::<serde_json::Value>(&job.payload).map_err(bad)?["actor"]
            .as_i64()
            .ok_or_else(|| Error::invalid("payload", "the job payload names no actor"))?;
        let user = self.store.get_user(UserId(actor)).await?.ok_or_else(|| Error::not_found("the job's user"))?;
        if user.disabled {
            return Err(Error::forbidden(format!("{} is disabled", user.username)));
        }
        let who = self.identity.principal_of(user).await?;
        // Decide again at run time: the user may have lost the role since queueing.
        let pass = self.identity.authorize::<DataIngest>(&who, None).await?;
        if job.kind == "materialise.now" {
            let code = serde_json::from_str::<serde_json::Value>(&job.payload).map_err(bad)?["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let h = self.materialise(&pass, &code, Some(job.id)).await?;
            return Ok(format!("version {}: {}", h.version.unwrap_or(0), h.message.unwrap_or_default()));
        }
        let p: Payload = serde_json::from_str(&job.payload).map_err(bad)?;
        let progress = Arc::new(AtomicU64::new(0));
        let total = std::fs::metadata(&p.request.file).map(|m| m.len()).unwrap_or(0).max(1);
        let ticker = {
            let (store, progress, id, clock) = (self.store.clone(), progress.clone(), job.id, self.clock.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    let done = progress.load(Ordering::Relaxed);
                    let per_mille = (done.saturating_mul(1000) / total).min(999) as i64;
                    let note = format!("{} / {} bytes checked", done, total);
                    if store
                        .set_progress(id, per_mille, Some(&note), zs_types::clock::to_ms(clock.now()))
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
            })
        };
        let result = self.run_hand_in(&pass.principal_arc(), None, &p.request, Some(job.id), progress).await;
        ticker.abort();
        let h = result?;
        match h.outcome.as_str() {
            "committed" => Ok(format!("version {}: {}", h.version.unwrap_or(0), h.message.unwrap_or_default())),
            _ => Err(Error::invalid("file", h.message.unwrap_or_else(|| "the hand-in was rejected".into()))),
        }
    }
}

/// Write pushed records as a UTF-8 CSV whose header is the union of their keys, each key
/// (item name, any case, or Chinese label) normalised to the item name; encrypted under `key`.
fn write_records_csv(
    path: &std::path::Path,
    records: &[serde_json::Map<String, serde_json::Value>],
    items: &[(String, String)],
    key: &crate::files::FileKey,
) -> Result<()> {
    let item_of = |k: &str| -> String {
        items.iter().find(|(n, l)| n.eq_ignore_ascii_case(k) || l == k).map_or_else(|| k.to_owned(), |(n, _)| n.clone())
    };
    let io = |e: std::io::Error| {
        tracing::error!(error = %e, "saving a pushed batch");
        Error::internal("the batch could not be saved")
    };
    let mut keys: BTreeMap<String, usize> = BTreeMap::new();
    let mut normalised = Vec::with_capacity(records.len());
    for (n, r) in records.iter().enumerate() {
        let mut rec = BTreeMap::new();
        for (k, v) in r {
            let item = item_of(k);
            if rec.insert(item.clone(), v).is_some() {
                return Err(Error::invalid(
                    &format!("records[{n}].{k}"),
                    format!("the record gives item '{item}' twice"),
                ));
            }
            let next = keys.len();
            keys.entry(item).or_insert(next);
        }
        normalised.push(rec);
    }
    let mut order: Vec<(String, usize)> = keys.into_iter().collect();
    order.sort_by_key(|(_, i)| *i);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut w = csv::Writer::from_writer(key.create(path).map_err(io)?);
    let csv_err = |e: csv::Error| io(std::io::Error::other(e.to_string()));
    w.write_record(order.iter().map(|(k, _)| k.as_str())).map_err(csv_err)?;
    for (n, r) in normalised.iter().enumerate() {
        let mut row = Vec::with_capacity(order.len());
        for (k, _) in &order {
            row.push(match r.get(k.as_str()).copied() {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => v.to_string(),
                Some(_) => {
                    return Err(Error::invalid(
                        &format!("records[{n}].{k}"),
                        "nested objects and arrays are not accepted: send a plain value",
                    ))
                }
            });
        }
        w.write_record(&row).map_err(csv_err)?;
    }
    w.into_inner().map_err(|e| io(e.into_error()))?.finish_and_sync().map_err(io)
}

/// A job worker: claims hand-in jobs and runs them one at a time.
pub struct Worker {
    service: IngestService,
    name: String,
}

impl Worker {
    /// A worker named `name` (shown on claimed jobs).
    pub fn new(service: IngestService, name: &str) -> Self {
        Self { service, name: name.to_owned() }
    }

    /// Claim and run one ready job; false when none was ready.
    pub async fn run_once(&self) -> Result<bool> {
        let s = &self.service;
        let Some(job) = s.store.claim(&self.name, s.now_ms()).await? else { return Ok(false) };
        let now = || s.now_ms();
        match job.kind.as_str() {
            "ingest.file" | "ingest.push" | "materialise.now" => match s.run_job(&job).await {
                Ok(msg) => s.store.finish(job.id, true, &msg, now()).await?,
                // Only a busy table or a store/internal failure may get better by retrying; bad
                // input, a refused actor or a missing entry will not.
                Err(e) if !crate::schedule::retryable(&e) => s.store.finish(job.id, false, &e.message, now()).await?,
                Err(e) => {
                    let backoff = 2_000i64.saturating_mul(1 << job.attempts.clamp(0, 10));
                    let state = s.store.retry_later(job.id, now() + backoff, &e.message, now()).await?;
                    tracing::warn!(job = job.id, state, error = %e.message, "hand-in job failed; retrying later if attempts are left");
                }
            },
            // Scheduled work (pulls and scheduled materialisations) carries its schedule.
            "pull.database" | "pull.http" | "materialise" => s.run_pull_job(&job).await?,
            other => s.store.finish(job.id, false, &format!("unknown job kind '{other}'"), now()).await?,
        }
        Ok(true)
    }

    /// Run until the task is dropped: claim jobs as they come (woken by new jobs, or every second).
    pub async fn run(self) {
        loop {
            match self.run_once().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e.message, "job worker"),
            }
            tokio::select! {
                _ = self.service.wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    }
}

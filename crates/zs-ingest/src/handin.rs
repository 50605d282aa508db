//! One hand-in: check and commit a file as a new version of a resource's table, keep its
//! rejected rows, record the hand-in and its audit event. Every channel ends here.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use zs_identity::Principal;
use zs_meta::resources::HandIn;
use zs_tables::{ColumnMapping, CommitMode, Enc, IngestOptions, IngestOutcome, IngestReport, Table, TablesError};
use zs_types::{Error, Outcome, Result};

use crate::error::tables_error;
use crate::rejects::RejectsWriter;
use crate::service::IngestService;

/// How a hand-in combines with the current version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Add rows.
    #[default]
    Append,
    /// The rows are the whole new content (全量).
    Replace,
    /// Insert or replace by key (增量).
    Upsert,
    /// Delete the rows with these keys.
    Delete,
}

impl Mode {
    /// Parse `append`, `replace`, `upsert` or `delete`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "append" => Ok(Self::Append),
            "replace" => Ok(Self::Replace),
            "upsert" => Ok(Self::Upsert),
            "delete" => Ok(Self::Delete),
            other => {
                Err(Error::invalid("mode", format!("unknown mode '{other}': use append, replace, upsert or delete")))
            }
        }
    }

    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Append => "append",
            Self::Replace => "replace",
            Self::Upsert => "upsert",
            Self::Delete => "delete",
        }
    }

    fn commit_mode(self) -> CommitMode {
        match self {
            Self::Append => CommitMode::Append,
            Self::Replace => CommitMode::Replace,
            Self::Upsert => CommitMode::Upsert,
            Self::Delete => CommitMode::DeleteByKey,
        }
    }
}

/// A file to hand in (already saved where the worker can read it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HandInRequest {
    /// 信息资源代码 of a published entry of the actor's department.
    pub code: String,
    /// How the rows combine with the current version.
    #[serde(default)]
    pub mode: Mode,
    /// The saved file.
    pub file: PathBuf,
    /// The name it was given by the sender (its extension tells the format).
    pub file_name: String,
    /// `utf-8` or `gb18030`; detected when absent.
    #[serde(default)]
    pub encoding: Option<String>,
    /// upload | cli | push | pull.database | pull.http | materialise | seed.
    pub channel: String,
    /// Overrides the resource's batch policy for this hand-in.
    #[serde(default)]
    pub max_error_rate: Option<f64>,
    /// Header → item name; remembered for the resource when given.
    #[serde(default)]
    pub mapping: Option<BTreeMap<String, String>>,
    /// Delete the file when the hand-in ends.
    #[serde(default)]
    pub remove_file: bool,
}

/// Marks a version's manifest channel with the job that committed it: `upload#job=12`.
pub(crate) const JOB_TAG: &str = "#job=";

/// Counts bytes read, for progress.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: std::io::Seek> std::io::Seek for Counting<R> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

pub(crate) fn parse_encoding(e: Option<&str>) -> Result<Option<Enc>> {
    match e.map(str::to_ascii_lowercase).as_deref() {
        None | Some("" | "auto") => Ok(None),
        Some("utf-8" | "utf8") => Ok(Some(Enc::Utf8)),
        Some("gb18030" | "gbk" | "gb2312") => Ok(Some(Enc::Gb18030)),
        Some(other) => Err(Error::invalid("encoding", format!("unknown encoding '{other}': use utf-8 or gb18030"))),
    }
}

/// Run the format's checked ingest on an opened file (format from the name's extension and the
/// file's first bytes: CSV, Excel xlsx/xls, JSON array or lines, GeoJSON).
fn ingest_file(
    table: &Table,
    file: crate::files::FileReader,
    file_name: &str,
    opts: &IngestOptions,
    read: Arc<AtomicU64>,
    sink: &mut dyn FnMut(zs_tables::RejectedRow) -> zs_tables::Result<()>,
) -> zs_tables::Result<IngestReport> {
    let reader = Counting { inner: std::io::BufReader::with_capacity(1 << 20, file), read };
    zs_tables::ingest_reader_with_sink(table, reader, Some(file_name), None, opts, sink)
}

impl IngestService {
    /// Check and commit a file for `who` (a steward of the providing department). Returns the
    /// hand-in record; a malformed file is an error and changes nothing (a failed hand-in is
    /// still recorded). `progress` counts bytes read.
    pub async fn run_hand_in(
        &self,
        who: &Arc<Principal>,
        request_id: Option<&str>,
        req: &HandInRequest,
        job_id: Option<i64>,
        progress: Arc<AtomicU64>,
    ) -> Result<HandIn> {
        let started = self.now_ms();
        let entry = self.own_published_entry(who, &req.code).await?;
        // A job interrupted after its commit (a crash, or a shutdown that waited for the write)
        // runs again: find its version by the job tag in the manifest instead of committing twice.
        if let Some(id) = job_id {
            if let Some(h) = self.committed_by_job(&entry, id).await? {
                if req.remove_file {
                    let _ = std::fs::remove_file(&req.file);
                }
                return Ok(h);
            }
        }
        let mut settings = self.settings_of(&entry.code).await?;
        let mut remembered: BTreeMap<String, String> = serde_json::from_str(&settings.mapping).unwrap_or_default();
        if let Some(m) = &req.mapping {
            if m != &remembered {
                remembered = m.clone();
                settings.mapping = serde_json::to_string(&remembered).unwrap_or_else(|_| "{}".into());
                settings.updated_by = Some(who.user.id.0);
                settings.updated_at = started;
                self.store.put_resource_settings(&settings).await?;
            }
        }
        let channel = match job_id {
            Some(id) => format!("{}{JOB_TAG}{id}", req.channel),
            None => req.channel.clone(),
        };
        let mut opts = IngestOptions::new(req.mode.commit_mode(), &who.user.username, &channel);
        opts.encoding = parse_encoding(req.encoding.as_deref())?;
        opts.max_error_rate = req.max_error_rate.or(settings.max_error_rate);
        opts.mapping = remembered.iter().fold(ColumnMapping::default(), |m, (h, i)| m.map(h, i));
        let table = self.writable_table(&entry).await?;
        if let Some(hook) = self.hook.get() {
            opts.gate = hook.row_gate(&entry, &table).await;
        }
        let rejects_rel = format!("{}/{}.csv", IngestService::rejects_rel_dir(&entry.code), uuid::Uuid::now_v7());
        let rejects_path = self.data_dir.join(&rejects_rel);
        // The rejected rows are encrypted under the resource's key, as its data files are.
        let rejects_key = self.file_key(&entry.code).await?;
        let opened = self.file_opener().open(&req.file);
        let name = req.file_name.clone();
        let ran = tokio::task::spawn_blocking(move || {
            let mut w = RejectsWriter::new(rejects_path, rejects_key);
            let report = opened.and_then(|file| {
                ingest_file(&table, file, &name, &opts, progress, &mut |r| {
                    w.push(&r).map_err(|e| TablesError::Io { path: "<rejected rows>".into(), source: e })
                })
                .map_err(tables_error)
            });
            let file = w.finish();
            (report, file, table)
        })
        .await
        .map_err(|_| Error::internal("the hand-in stopped unexpectedly"))?;
        if req.remove_file {
            let _ = std::fs::remove_file(&req.file);
        }
        let (report, rejects_file, table) = ran;
        let rejects_file = rejects_file.map_err(|e| {
            tracing::error!(error = %e, "writing rejected rows");
            Error::internal("the rejected rows could not be stored")
        })?;
        let base = HandIn {
            rejects_file: rejects_file.as_ref().map(|_| rejects_rel.clone()),
            ..self.failed_hand_in(&entry, who, &req.channel, req.mode, job_id, started)
        };
        let report = match report {
            Ok(r) => r,
            Err(err) => {
                let h = HandIn { message: Some(err.message.clone()), ..base };
                self.finish_hand_in(who, request_id, &h).await?;
                return Err(err);
            }
        };
        let h = match &report.outcome {
            IngestOutcome::Committed { version } => HandIn {
                outcome: "committed".into(),
                version: Some(version.version as i64),
                total_rows: Some(version.rows as i64),
                message: Some(summary(&report)),
                ..base
            },
            IngestOutcome::BatchRejected { error_rate, max_error_rate } => HandIn {
                outcome: "batch_rejected".into(),
                message: Some(format!(
                    "{:.1}% of rows were rejected, above the limit of {:.1}%: nothing was committed",
                    error_rate * 100.0,
                    max_error_rate * 100.0
                )),
                ..base
            },
        };
        let h = HandIn {
            rows_read: report.rows_read as i64,
            rows_written: report.rows_written as i64,
            rows_rejected: report.rows_rejected as i64,
            ..h
        };
        let recorded = self.finish_hand_in(who, request_id, &h).await?;
        self.notify_committed(&entry, &table, &recorded).await;
        let keep = settings.keep_versions.map(|k| usize::try_from(k).unwrap_or(usize::MAX));
        if let Some(keep) = keep.or(self.default_keep_versions) {
            tokio::task::spawn_blocking(move || table.vacuum(keep)).await.ok();
        }
        Ok(recorded)
    }

    /// The hand-in of a version that job `id` already committed, recording it if a crash lost the
    /// record.
    async fn committed_by_job(&self, entry: &zs_catalog::Entry, id: i64) -> Result<Option<HandIn>> {
        let table = self.open_table(entry)?;
        let history = tokio::task::spawn_blocking(move || table.history())
            .await
            .map_err(|_| Error::internal("reading versions"))?
            .map_err(tables_error)?;
        let tag = format!("{JOB_TAG}{id}");
        let Some(v) = history.iter().rev().find(|v| v.channel.ends_with(&tag)) else { return Ok(None) };
        self.reconcile_entry(entry).await?;
        let recorded = self.store.list_hand_ins(Some(&entry.code), None, 1000).await?;
        Ok(recorded.into_iter().find(|h| h.version == Some(v.version as i64)))
    }

    /// A hand-in record that failed before counting anything; callers fill in what happened.
    pub(crate) fn failed_hand_in(
        &self,
        entry: &zs_catalog::Entry,
        who: &Principal,
        channel: &str,
        mode: Mode,
        job_id: Option<i64>,
        started: i64,
    ) -> HandIn {
        HandIn {
            id: 0,
            code: entry.code.clone(),
            entry_id: entry.id,
            org_id: entry.org_id,
            channel: channel.to_owned(),
            mode: mode.as_str().into(),
            actor_user: Some(who.user.id.0),
            actor_name: who.user.username.clone(),
            outcome: "failed".into(),
            version: None,
            total_rows: None,
            rows_read: 0,
            rows_written: 0,
            rows_rejected: 0,
            message: None,
            rejects_file: None,
            job_id,
            lineage: None,
            started_at: started,
            finished_at: self.now_ms(),
        }
    }

    /// Record the hand-in and its audit event.
    pub(crate) async fn finish_hand_in(&self, who: &Principal, request_id: Option<&str>, h: &HandIn) -> Result<HandIn> {
        let recorded = self.store.record_hand_in(h).await?;
        let outcome = if h.outcome == "committed" { Outcome::Succeeded } else { Outcome::Failed };
        self.record(who, request_id, "data.ingest", &h.code, outcome, serde_json::json!({
            "hand_in": recorded.id, "channel": h.channel, "mode": h.mode, "outcome": h.outcome, "version": h.version,
            "rows_read": h.rows_read, "rows_written": h.rows_written, "rows_rejected": h.rows_rejected,
        }))
        .await?;
        tracing::info!(resource = %h.code, hand_in = recorded.id, outcome = %h.outcome, version = ?h.version, rows = h.rows_written, rejected = h.rows_rejected, "hand-in recorded");
        Ok(recorded)
    }
}

fn summary(r: &IngestReport) -> String {
    let mut s = format!("{} rows read, {} written, {} rejected", r.rows_read, r.rows_written, r.rows_rejected);
    if !r.missing_items.is_empty() {
        s.push_str(&format!("; items not in the file: {}", r.missing_items.join(", ")));
    }
    let ignored: Vec<&str> = r.columns.iter().filter(|(_, i)| i.is_none()).map(|(h, _)| h.as_str()).collect();
    if !ignored.is_empty() {
        s.push_str(&format!("; columns ignored: {}", ignored.join(", ")));
    }
    s
}

//! `zhengshu ingest FILE --resource CODE`: hand in a CSV file (UTF-8 or GB18030) for a published
//! catalogue entry as a new version of its table, with row checks, a progress bar, rejected rows
//! written out, and the hand-in recorded in the audit trail.

use crate::{err, ConfigArgs};
use anyhow::{anyhow, Context};
use std::io::Read;
use std::path::PathBuf;
use zs_identity::policy::{CatalogRead, DataIngest};
use zs_tables::{CommitMode, Enc, IngestOptions, IngestOutcome, Table, TableSchema};
use zs_types::{AuditEvent, Outcome};

/// Options of `ingest`.
#[derive(Debug, clap::Args)]
pub(crate) struct IngestArgs {
    /// The CSV file.
    file: PathBuf,
    /// 信息资源代码 of the published entry, e.g. 101001000/000001.
    #[arg(long)]
    resource: String,
    /// Hand in as this steward (of the providing department).
    #[arg(long = "as", value_name = "USERNAME")]
    as_user: String,
    /// append, replace, upsert (by key) or delete (by key).
    #[arg(long, default_value = "append")]
    mode: String,
    /// Force the encoding (utf-8 or gb18030); detected by default.
    #[arg(long)]
    encoding: Option<String>,
    /// Commit nothing when more than this share of rows is rejected (0-1).
    #[arg(long)]
    max_error_rate: Option<f64>,
    /// Write the rejected rows to this CSV file.
    #[arg(long)]
    rejects: Option<PathBuf>,
}

/// Counts bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    bar: indicatif::ProgressBar,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

pub(crate) async fn run(config: ConfigArgs, a: IngestArgs) -> anyhow::Result<()> {
    let state = config.open_state().await?;
    let id = &state.identity;
    let who = id.principal_of(id.user_by_name(&a.as_user).await.map_err(err)?).await.map_err(err)?;
    if !zs_identity::policy::role_allows("data.ingest", who.role()) {
        return Err(anyhow!("'{}' is a {}; only data stewards hand in data", a.as_user, who.role().label_en()));
    }
    let pass = id.authorize::<DataIngest>(&who, Some("cli")).await.map_err(err)?;
    let read = id.authorize::<CatalogRead>(&who, Some("cli")).await.map_err(err)?;
    let entry = state.catalog.get_by_code(&read, &a.resource).await.map_err(err)?;
    if entry.org_id != who.org.id.0 {
        return Err(anyhow!("{} is provided by {}, not by {}", entry.code, entry.provider, who.org.name));
    }
    if entry.published_version.is_none() || entry.status != zs_catalog::EntryStatus::Published {
        return Err(anyhow!("{} is not published; only published entries hold data", entry.code));
    }
    let mode = match a.mode.as_str() {
        "append" => CommitMode::Append,
        "replace" => CommitMode::Replace,
        "upsert" => CommitMode::Upsert,
        "delete" => CommitMode::DeleteByKey,
        other => return Err(anyhow!("unknown mode '{other}': use append, replace, upsert or delete")),
    };
    let mut opts = IngestOptions::new(mode, &who.user.username, "cli");
    opts.max_error_rate = a.max_error_rate;
    opts.encoding = match a.encoding.as_deref() {
        None => None,
        Some("utf-8" | "utf8") => Some(Enc::Utf8),
        Some("gb18030" | "gbk") => Some(Enc::Gb18030),
        Some(other) => return Err(anyhow!("unknown encoding '{other}': use utf-8 or gb18030")),
    };
    let schema = TableSchema::from_items(&entry.body.items).map_err(|e| anyhow!("{e}"))?;
    let dir = state.config.data_dir.join("tables").join(entry.code.replace('/', "_"));
    let size = std::fs::metadata(&a.file).with_context(|| format!("reading {}", a.file.display()))?.len();
    let bar = indicatif::ProgressBar::new(size).with_style(
        indicatif::ProgressStyle::with_template("{spinner} {bar:30} {bytes}/{total_bytes} {bytes_per_sec} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(entry.body.name.clone());
    let file = std::fs::File::open(&a.file).with_context(|| format!("opening {}", a.file.display()))?;
    let reader = Counting { inner: std::io::BufReader::with_capacity(1 << 20, file), bar: bar.clone() };
    let report = tokio::task::spawn_blocking(move || {
        let table = Table::open(&dir, schema)?;
        zs_tables::ingest_csv(&table, reader, &opts)
    })
    .await
    .context("ingest task")?
    .map_err(|e| anyhow!("{e}"))?;
    bar.finish_and_clear();
    let (outcome, version) = match &report.outcome {
        IngestOutcome::Committed { version } => (Outcome::Succeeded, Some(version.version)),
        IngestOutcome::BatchRejected { .. } => (Outcome::Failed, None),
    };
    state
        .audit
        .record(AuditEvent {
            at: state.catalog.now(),
            request_id: pass.request_id().map(str::to_owned),
            actor_user: Some(who.user.id),
            actor_org: Some(who.org.id),
            action: "data.ingest".into(),
            target: Some(format!("entry:{}", entry.id)),
            outcome,
            detail: serde_json::json!({
                "code": entry.code, "channel": "cli", "version": version,
                "rows_read": report.rows_read, "rows_written": report.rows_written, "rows_rejected": report.rows_rejected,
            }),
        })
        .await
        .map_err(err)?;
    if let Some(path) = &a.rejects {
        let mut w = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        use std::io::Write;
        w.write_all("\u{feff}row,line,field,value,reason\n".as_bytes())?;
        for r in &report.rejected {
            let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            writeln!(w, "{},{},{},{},{}", r.row, r.line, q(&r.field), q(&r.value), q(&r.reason))?;
        }
    }
    match report.outcome {
        IngestOutcome::Committed { version } => println!(
            "{} version {}: {} rows read ({:?}), {} written, {} rejected",
            entry.code, version.version, report.rows_read, report.encoding, report.rows_written, report.rows_rejected
        ),
        IngestOutcome::BatchRejected { error_rate, max_error_rate } => {
            return Err(anyhow!(
                "{:.1}% of rows were rejected (limit {:.1}%): nothing was committed",
                error_rate * 100.0,
                max_error_rate * 100.0
            ))
        }
    }
    Ok(())
}

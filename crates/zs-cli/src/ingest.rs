//! `zhengshu ingest FILE --resource CODE`: hand in a file for a published catalogue entry through
//! the same service as uploads (row checks, rejected rows kept, hand-in and audit recorded), with
//! a progress bar.

use crate::{err, ConfigArgs};
use anyhow::{anyhow, Context};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use zs_identity::policy::{DataIngest, ResourceRejects};
use zs_ingest::{HandInRequest, Mode, RejectsFormat};

/// Options of `ingest`.
#[derive(Debug, clap::Args)]
pub(crate) struct IngestArgs {
    /// The file: CSV (UTF-8 or GB18030), Excel (xlsx, xls), JSON (array or lines) or GeoJSON.
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

pub(crate) async fn run(config: ConfigArgs, a: IngestArgs) -> anyhow::Result<()> {
    let state = config.open_state().await?;
    let id = &state.identity;
    let who = id.principal_of(id.user_by_name(&a.as_user).await.map_err(err)?).await.map_err(err)?;
    if !zs_identity::policy::role_allows("data.ingest", who.role()) {
        return Err(anyhow!("'{}' is a {}; only data stewards hand in data", a.as_user, who.role().label_en()));
    }
    let pass = id.authorize::<DataIngest>(&who, Some("cli")).await.map_err(err)?;
    state.ingest.check_hand_in(&pass, &a.resource).await.map_err(err)?;
    let size = std::fs::metadata(&a.file).with_context(|| format!("reading {}", a.file.display()))?.len();
    let bar = indicatif::ProgressBar::new(size).with_style(
        indicatif::ProgressStyle::with_template("{spinner} {bar:30} {bytes}/{total_bytes} {bytes_per_sec} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(a.resource.clone());
    let progress = Arc::new(AtomicU64::new(0));
    let ticker = {
        let (bar, progress) = (bar.clone(), progress.clone());
        tokio::spawn(async move {
            loop {
                bar.set_position(progress.load(Ordering::Relaxed));
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        })
    };
    let req = HandInRequest {
        code: a.resource.clone(),
        mode: Mode::parse(&a.mode).map_err(err)?,
        file: a.file.clone(),
        file_name: a.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        encoding: a.encoding.clone(),
        channel: "cli".into(),
        max_error_rate: a.max_error_rate,
        mapping: None,
        remove_file: false,
    };
    let result = state.ingest.run_hand_in(&pass.principal_arc(), Some("cli"), &req, None, progress).await;
    ticker.abort();
    bar.finish_and_clear();
    let h = result.map_err(err)?;
    if let (Some(path), Some(_)) = (&a.rejects, &h.rejects_file) {
        let see = id.authorize::<ResourceRejects>(&who, Some("cli")).await.map_err(err)?;
        let (_, bytes) = state.ingest.rejects(&see, h.id, RejectsFormat::Csv).await.map_err(err)?;
        std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    match h.outcome.as_str() {
        "committed" => {
            println!("{} version {}: {}", h.code, h.version.unwrap_or(0), h.message.unwrap_or_default());
            Ok(())
        }
        _ => Err(anyhow!("{}", h.message.unwrap_or_else(|| "the hand-in was rejected".into()))),
    }
}

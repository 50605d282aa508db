//! The catalogue search index: created empty, filled from the store before serving, and kept
//! current by the catalogue service through the [`zs_catalog::EntryIndex`] adapter.

use anyhow::Context;
use std::sync::Arc;
use zs_catalog_search::CatalogIndex;
use zs_http::AppState;

/// Lets the catalogue service update the index without depending on the search crate.
pub(crate) struct Adapter(pub(crate) Arc<CatalogIndex>);

impl zs_catalog::EntryIndex for Adapter {
    fn upsert(&self, entry: &zs_catalog::Entry) -> zs_types::Result<()> {
        self.0.upsert(entry).map_err(Into::into)
    }

    fn remove(&self, id: i64) -> zs_types::Result<()> {
        self.0.remove(id).map_err(Into::into)
    }
}

/// Load every entry from the store into the index, with timing in the log.
pub async fn rebuild(state: &AppState) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let entries = state.catalog.all_entries().await.map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let index = state.search.clone();
    let n = tokio::task::spawn_blocking(move || index.rebuild(&entries))
        .await
        .context("search rebuild task")?
        .map_err(|e| anyhow::anyhow!("rebuilding the search index failed: {e}"))?;
    tracing::info!(entries = n, ms = started.elapsed().as_millis() as u64, "search index ready");
    Ok(())
}

//! The hand-in hook: rows failing an error-severity rule are blocked before the commit, and every
//! committed version is checked at once (incrementally).

use zs_catalog::Entry;
use zs_ingest::VersionHook;
use zs_meta::resources::HandIn;
use zs_tables::Table;

use crate::service::GovernService;

/// Checks each version a hand-in commits; registered by the composition root with
/// `IngestService::set_version_hook`.
#[derive(Clone)]
pub struct GovernHook(pub GovernService);

#[async_trait::async_trait]
impl VersionHook for GovernHook {
    async fn row_gate(&self, entry: &Entry, table: &Table) -> Option<zs_tables::Gate> {
        match self.0.gate_for(entry, table).await {
            Ok(g) => g.map(|g| zs_tables::Gate(g as std::sync::Arc<dyn zs_tables::RowGate>)),
            Err(e) => {
                // Without a gate the rows are still checked after the commit and reported.
                tracing::error!(resource = %entry.code, error = %e.message, "quality gate not built");
                None
            }
        }
    }

    async fn version_committed(&self, entry: &Entry, table: &Table, hand_in: &HandIn) {
        let Some(version) = hand_in.version else { return };
        if let Err(e) = self.0.check_version(entry, table, version as u64, Some(hand_in), None, None).await {
            // The hand-in stays committed; the check can be run again on demand.
            tracing::error!(resource = %entry.code, version, error = %e.message, "quality check after hand-in failed");
        }
    }
}

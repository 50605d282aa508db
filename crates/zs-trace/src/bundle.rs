//! Evidence bundles (证据包) of a trace: its proven records, their inclusion proofs and the signed
//! checkpoint, in the format `zhengshu audit verify --bundle` checks (docs/ledger.md). Exporting
//! one is recorded (`trace.bundle`).

use zs_identity::policy::{Authorized, TraceRead};
use zs_ledger::bundle::{Bundle, BUNDLE_FORMAT};
use zs_types::Result;

use crate::trace::{Subject, TraceView};
use crate::TraceService;

/// A trace as a bundle.
pub fn to_bundle(view: &TraceView, hash: zs_ledger::HashProfile, exported_at: String) -> Bundle {
    Bundle {
        format: BUNDLE_FORMAT.into(),
        origin: view.origin.clone(),
        hash,
        log_key: view.log_key.clone(),
        checkpoint: view.checkpoint.clone(),
        subject: view.subject.clone(),
        exported_at,
        items: view.bundle_items(),
    }
}

impl TraceService {
    /// The evidence bundle of a trace.
    pub async fn bundle(&self, pass: &Authorized<TraceRead>, subject: &Subject) -> Result<Bundle> {
        let view = self.trace(pass, subject).await?;
        let now = self.clock.now();
        let at = now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        let b = to_bundle(&view, self.ledger()?.profile(), at);
        self.record(
            pass.principal(),
            pass.request_id(),
            "trace.bundle",
            Some(subject.label()),
            serde_json::json!({ "records": b.items.len(), "size": view.size }),
        )
        .await?;
        Ok(b)
    }
}

//! The tracing service: what it holds.

use std::sync::Arc;

use zs_audit::NodeLedger;
use zs_masking::Masker;
use zs_meta::DynStore;
use zs_types::{AuditEvent, AuditSink, Clock, Error, ErrorCode, Outcome, Result};

/// Tracing and ledger reads. Cheap to clone.
#[derive(Clone)]
pub struct TraceService {
    pub(crate) store: DynStore,
    pub(crate) ledger: Option<NodeLedger>,
    pub(crate) masker: Arc<Masker>,
    pub(crate) audit: Arc<dyn AuditSink>,
    pub(crate) clock: Arc<dyn Clock>,
}

impl TraceService {
    /// A service over the store and the node's ledger; `masking_secret` is the platform secret the
    /// data API keys its subject digests with.
    pub fn new(
        store: DynStore,
        ledger: Option<NodeLedger>,
        masking_secret: &[u8],
        audit: Arc<dyn AuditSink>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { store, ledger, masker: Arc::new(Masker::new(masking_secret)), audit, clock }
    }

    /// The node's ledger, if it keeps one.
    pub fn node_ledger(&self) -> Option<&NodeLedger> {
        self.ledger.as_ref()
    }

    /// The node's ledger, or `unavailable` when the server runs without one.
    pub(crate) fn ledger(&self) -> Result<&NodeLedger> {
        self.ledger.as_ref().ok_or_else(|| Error::new(ErrorCode::StoreUnavailable, "this node keeps no ledger"))
    }

    /// Record an event of a tracing query.
    pub(crate) async fn record(
        &self,
        p: &zs_identity::Principal,
        request_id: Option<&str>,
        action: &str,
        target: Option<String>,
        detail: serde_json::Value,
    ) -> Result<()> {
        self.audit
            .record(AuditEvent {
                at: self.clock.now(),
                request_id: request_id.map(str::to_owned),
                actor_user: (p.user.id.0 != 0).then_some(p.user.id),
                actor_org: Some(p.org.id),
                action: action.to_owned(),
                target,
                outcome: Outcome::Succeeded,
                detail,
            })
            .await
    }
}

//! Shared state of the HTTP surfaces (API and portal).

use crate::metrics::Metrics;
use std::sync::Arc;
use zs_config::Config;
use zs_identity::IdentityService;

/// What every handler can reach: one pointer to the [`Services`], because axum clones the
/// state for every request (cloning the services themselves, each a bundle of `Arc`s, cost
/// several per cent of a data-API call's CPU).
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    /// The state over these services.
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.0
    }
}

/// The services and settings behind [`AppState`].
pub struct Services {
    /// Accounts, organisations, credentials, authorisation.
    pub identity: IdentityService,
    /// The data catalogue.
    pub catalog: zs_catalog::CatalogService,
    /// Chinese full-text search over the catalogue, kept current by the catalogue service.
    pub search: Arc<zs_catalog_search::CatalogIndex>,
    /// Hand-in (归集): uploads, push batches, versions, rejected rows.
    pub ingest: zs_ingest::IngestService,
    /// Governance (数据治理): quality checks, scores, tickets.
    pub govern: zs_govern::GovernService,
    /// Sharing (共享): applications, grants, the data API.
    pub share: zs_share::ShareService,
    /// Data standards: data elements, conformance, classification and grading.
    pub standards: zs_standards::StandardsService,
    /// Full-process tracing and the ledger's proofs.
    pub trace: zs_trace::TraceService,
    /// Anomaly detection's security alerts and their handling.
    pub anomaly: zs_anomaly::AnomalyService,
    /// The audit sink every stage records through.
    pub audit: Arc<dyn zs_types::AuditSink>,
    /// The configuration in force.
    pub config: Arc<Config>,
    /// Request counters and latency histogram.
    pub metrics: Arc<Metrics>,
    /// Audit sink counters, for `/metrics`.
    pub audit_stats: Option<Arc<dyn Fn() -> (u64, u64) + Send + Sync>>,
}

impl Services {
    /// Whether the server runs in demo mode.
    pub fn demo(&self) -> bool {
        self.config.mode == zs_config::Mode::Demo
    }
}

//! The governance service: rule sets per resource, the check of a table version (at every
//! hand-in through [`crate::hook::GovernHook`], or on demand), scores and trends, problem
//! tickets and corrections, the dashboard and the Excel report. Shared by the API, the portal
//! and the hook.

mod authority;
mod check;
mod defaults;
mod gate;
mod report;
mod tickets;
mod views;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use zs_catalog::{CatalogService, Entry};
use zs_identity::policy::{Action, Authorized, CatalogRead};
use zs_identity::{IdentityService, Principal};
use zs_ingest::IngestService;
use zs_meta::DynStore;
use zs_types::{AuditEvent, AuditSink, Clock, Outcome, Result};

pub use authority::{AuthorityRequest, AuthorityView, Comparison, AUTHORITY_RULE_PREFIX};
pub use check::CheckOutcome;
pub use defaults::default_rules;
pub use gate::QualityGate;
pub use tickets::{CorrectionRequest, TicketAction, TicketDetail, TicketEventView, TicketView};
pub use views::{DeptScores, QualityDashboard, QualityView, ResourceScores, RunView};

/// Working days a provider has to answer a ticket (default).
pub const DEFAULT_TICKET_DAYS: u32 = 5;

/// Governance over the resources' tables.
#[derive(Clone)]
pub struct GovernService {
    pub(crate) store: DynStore,
    pub(crate) identity: IdentityService,
    pub(crate) catalog: CatalogService,
    pub(crate) ingest: IngestService,
    pub(crate) audit: Arc<dyn AuditSink>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) data_dir: PathBuf,
    pub(crate) ticket_days: u32,
    pub(crate) gates: gate::PendingGates,
}

impl GovernService {
    /// A service keeping its statistics cache under `<data_dir>/govern`.
    pub fn new(
        store: DynStore,
        identity: IdentityService,
        catalog: CatalogService,
        ingest: IngestService,
        audit: Arc<dyn AuditSink>,
        clock: Arc<dyn Clock>,
        data_dir: &Path,
    ) -> Self {
        Self {
            store,
            identity,
            catalog,
            ingest,
            audit,
            clock,
            data_dir: data_dir.to_path_buf(),
            ticket_days: DEFAULT_TICKET_DAYS,
            gates: gate::PendingGates::default(),
        }
    }

    /// Working days given for a ticket.
    pub fn with_ticket_days(mut self, days: u32) -> Self {
        self.ticket_days = days.max(1);
        self
    }

    pub(crate) fn now_ms(&self) -> i64 {
        zs_types::clock::to_ms(self.clock.now())
    }

    /// The entry a caller may see, by code (404 otherwise).
    pub(crate) async fn visible_entry<A: Action>(&self, pass: &Authorized<A>, code: &str) -> Result<Entry> {
        let read = self.identity.authorize::<CatalogRead>(&pass.principal_arc(), pass.request_id()).await?;
        self.catalog.get_by_code(&read, code).await
    }

    pub(crate) async fn record(
        &self,
        who: Option<&Principal>,
        request_id: Option<&str>,
        action: &str,
        target: String,
        outcome: Outcome,
        detail: serde_json::Value,
    ) -> Result<()> {
        self.audit
            .record(AuditEvent {
                at: self.clock.now(),
                request_id: request_id.map(str::to_owned),
                actor_user: who.map(|w| w.user.id),
                actor_org: who.map(|w| w.org.id),
                action: action.into(),
                target: Some(target),
                outcome,
                detail,
            })
            .await
    }
}

//! The share service: the shared plumbing (store, clock, calendar, audit) of applications,
//! grants and the data API.

use std::collections::HashMap;
use std::sync::Arc;

use zs_catalog::{CatalogService, Entry};
use zs_identity::policy::{Action, Authorized, CatalogRead};
use zs_identity::{IdentityService, Principal};
use zs_ingest::IngestService;
use zs_meta::DynStore;
use zs_types::model::Org;
use zs_types::{AuditEvent, AuditSink, Clock, Error, OrgId, Outcome, Result};

/// Tunables of the share service (from the configuration and the data directory).
#[derive(Clone)]
pub struct ShareSettings {
    /// Working days a provider has to answer a conditional application.
    pub review_days: u32,
    /// The platform secret keying the keyed-hash masking.
    pub masking_secret: Vec<u8>,
}

impl std::fmt::Debug for ShareSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShareSettings").field("review_days", &self.review_days).finish_non_exhaustive()
    }
}

/// Applications, reviews, grants and the data API.
#[derive(Clone)]
pub struct ShareService {
    pub(crate) store: DynStore,
    pub(crate) identity: IdentityService,
    pub(crate) catalog: CatalogService,
    pub(crate) ingest: IngestService,
    pub(crate) audit: Arc<dyn AuditSink>,
    pub(crate) clock: Arc<dyn Clock>,
    /// Working days a provider has to answer a conditional application.
    pub(crate) review_days: u32,
    /// The platform's own catalogue reader, for looking up a grant's entry whoever calls (the
    /// grant, not the caller's catalogue view, decides what leaves).
    reader: Arc<tokio::sync::OnceCell<Authorized<CatalogRead>>>,
    /// Applies the grants' masking (keyed hashes under the platform secret).
    pub(crate) masker: Arc<crate::masking::Masker>,
    /// Grants in use, read once and invalidated on revocation and catalogue changes.
    pub(crate) serving: Arc<crate::serving::GrantCache>,
    /// Daily quota counters, written to the store in batches.
    pub(crate) quotas: Arc<crate::quota::Quotas>,
    /// Key indexes of the resources' current versions, for lookups by key.
    pub(crate) indexes: Arc<zs_tables::KeyIndexCache>,
    /// Bulk delivery and subscriptions: settings, sealing key, runner wake-up.
    pub(crate) exchange: Arc<crate::exchange::Exchange>,
    /// Working days a provider has to answer a routed demand (供需对接).
    pub(crate) demand_days: u32,
    /// The previous lookup key per grant, to record whether a lookup steps through keys.
    pub(crate) key_steps: Arc<crate::key_steps::KeySteps>,
}

/// Process memory the key indexes of the data API may hold (about 17 bytes a row: some 15
/// million rows).
pub const KEY_INDEX_BUDGET: u64 = 256 << 20;

impl ShareService {
    /// Build the service.
    pub fn new(
        store: DynStore,
        identity: IdentityService,
        catalog: CatalogService,
        ingest: IngestService,
        audit: Arc<dyn AuditSink>,
        clock: Arc<dyn Clock>,
        settings: ShareSettings,
    ) -> Self {
        Self {
            store,
            identity,
            catalog,
            audit,
            clock,
            review_days: settings.review_days.max(1),
            reader: Arc::default(),
            masker: Arc::new(crate::masking::Masker::new(&settings.masking_secret)),
            serving: Arc::default(),
            quotas: Arc::default(),
            indexes: Arc::new(zs_tables::KeyIndexCache::new(KEY_INDEX_BUDGET)),
            // `<data>/tables/<code>` → `<data>`, until `with_delivery` names it.
            exchange: Arc::new(crate::exchange::Exchange::new(
                &settings.masking_secret,
                ingest.table_dir("_").parent().and_then(std::path::Path::parent).map(Into::into).unwrap_or_default(),
            )),
            demand_days: crate::demand::DEFAULT_DEMAND_DAYS,
            key_steps: Arc::default(),
            ingest,
        }
    }

    /// Set the working days a provider has to answer a routed demand (1-60; default 5).
    pub fn with_demand_days(mut self, days: u32) -> Self {
        self.demand_days = days.clamp(1, 60);
        self
    }

    /// Set where deliveries are written and how webhooks are sent (every clone sees it).
    pub fn with_delivery(self, settings: crate::exchange::DeliverySettings) -> Self {
        self.set_webhook_policy(settings.webhook);
        self.exchange.set_egress(settings.egress);
        if let Ok(mut d) = self.exchange.data_dir.write() {
            *d = settings.data_dir;
        }
        if let Ok(mut k) = self.exchange.webhook_key.write() {
            *k = settings.webhook_key;
        }
        self
    }

    /// The public key webhook notifications are signed with (SM2, in the ledger's verifier-key
    /// format), when the node has one.
    pub fn webhook_key(&self) -> Option<String> {
        self.exchange.webhook_key().map(|k| k.verifier().to_key_string())
    }

    /// Change how webhooks are sent and retried (every clone sees it).
    pub fn set_webhook_policy(&self, policy: crate::exchange::WebhookPolicy) {
        if let Ok(mut p) = self.exchange.webhook.write() {
            *p = policy;
        }
    }

    /// Change where webhooks and database deliveries may connect (every clone sees it).
    pub fn set_egress(&self, policy: crate::egress::EgressPolicy) {
        self.exchange.set_egress(policy);
    }

    /// Write the data API's quota counts held in memory to the store (done every second while
    /// calls come in; call it at shutdown so none are lost).
    pub async fn flush_usage(&self) -> Result<()> {
        self.quotas.flush(&self.store, &self.today().to_string()).await
    }

    /// The answer deadline in working days.
    pub fn review_days(&self) -> u32 {
        self.review_days
    }

    pub(crate) fn now_ms(&self) -> i64 {
        zs_types::clock::to_ms(self.clock.now())
    }

    /// Today in Beijing.
    pub(crate) fn today(&self) -> time::Date {
        zs_catalog::calendar::beijing_date(self.clock.now())
    }

    /// A published entry as the caller sees it in the catalogue.
    pub(crate) async fn entry<A: Action>(&self, pass: &Authorized<A>, code: &str) -> Result<Entry> {
        let read = self.identity.authorize::<CatalogRead>(&pass.principal_arc(), pass.request_id()).await?;
        self.catalog.get_by_code(&read, code).await
    }

    /// An entry as the platform knows it (withdrawn ones included), for serving a grant.
    pub(crate) async fn entry_of_grant(&self, code: &str) -> Result<Entry> {
        let pass = self
            .reader
            .get_or_try_init(|| async {
                let machine = self.identity.machine_operator().await?;
                self.identity.authorize::<CatalogRead>(&machine, Some("share-data")).await
            })
            .await?;
        self.catalog.get_by_code(pass, code).await
    }

    pub(crate) async fn org(&self, cache: &mut HashMap<i64, Option<Org>>, id: i64) -> Result<Option<Org>> {
        if let Some(o) = cache.get(&id) {
            return Ok(o.clone());
        }
        let o = self.store.get_org(OrgId(id)).await?;
        cache.insert(id, o.clone());
        Ok(o)
    }

    pub(crate) async fn org_name(&self, cache: &mut HashMap<i64, Option<Org>>, id: i64) -> Result<String> {
        Ok(self.org(cache, id).await?.map(|o| o.name).unwrap_or_default())
    }

    /// Record an event about a share object (`application:7`, `grant:3`).
    pub(crate) async fn record(
        &self,
        who: &Principal,
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
                actor_user: (who.user.id.0 != 0).then_some(who.user.id),
                actor_org: Some(who.org.id),
                action: action.to_owned(),
                target: Some(target),
                outcome,
                detail,
            })
            .await
    }
}

/// Parse a JSON list of names stored in a row.
pub(crate) fn names(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|_| Error::internal("encoding a share record"))
}

//! The detector's loop: every few seconds, read the audit records after the persisted cursor in
//! batches, evaluate them in order, raise alerts, move the cursor. One node at a time holds the
//! cursor's lease; another takes over when it stops renewing. A node that (re)gains the lease
//! first rebuilds its windows from the hour of records before the cursor, without alerting again.
//!
//! # Gaps
//! On PostgreSQL several nodes append to the trail, so a record may commit after one with a
//! higher `seq`. A gap in `seq` younger than [`GAP_GRACE_MS`] therefore stops the batch: it is
//! read again on the next tick. An older gap is a rolled-back append and is passed over.

use zs_meta::AuditQuery;
use zs_types::model::AuditRecord;
use zs_types::Result;

use crate::detector::Detector;
use crate::observed::Observed;
use crate::rules::{HOUR, MINUTE};
use crate::service::AnomalyService;

/// Name of the detector's cursor (and lease) in the store.
pub const CURSOR: &str = "detector";
/// Records read per batch.
pub const BATCH: i64 = 2000;
/// How long a node's lease lasts without renewal.
pub const LEASE_MS: i64 = 30_000;
/// How long a gap in `seq` is waited for.
pub const GAP_GRACE_MS: i64 = 10_000;
/// Most records replayed to rebuild the windows.
const MAX_WARM_UP: usize = 200_000;
/// How often the working-day calendar is read again.
const CALENDAR_EVERY_MS: i64 = 10 * MINUTE;

/// The detector's loop on one node.
pub struct Runner {
    svc: AnomalyService,
    owner: String,
    detector: Option<Detector>,
    calendar_read: i64,
}

impl Runner {
    /// A runner for this node (`owner` names it in the lease).
    pub fn new(svc: AnomalyService, owner: &str) -> Self {
        Self { svc, owner: owner.to_owned(), detector: None, calendar_read: 0 }
    }

    /// Run until the task is dropped.
    pub async fn run(mut self) {
        let mut tick = tokio::time::interval(self.svc.settings.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.tick().await {
                tracing::error!(error = %e, "anomaly detection pass failed; retrying at the next tick");
                // Rebuilt from the store next time: the windows may miss what failed.
                self.detector = None;
            }
        }
    }

    /// One pass: take or keep the lease, evaluate every new record. Returns how many were
    /// evaluated (0 when another node holds the lease).
    pub async fn tick(&mut self) -> Result<usize> {
        let store = self.svc.store.clone();
        let now = self.svc.now_ms();
        if !store.claim_anomaly_lease(CURSOR, &self.owner, now, LEASE_MS).await? {
            // Another node evaluates; our windows go stale and are rebuilt if we take over.
            self.detector = None;
            return Ok(0);
        }
        if self.detector.is_none() || now - self.calendar_read > CALENDAR_EVERY_MS {
            let hours = self.svc.working_hours().await?;
            self.calendar_read = now;
            if let Some(d) = self.detector.as_mut() {
                d.set_hours(hours);
            } else {
                let fresh = Detector::new(self.svc.settings.clone(), hours);
                self.detector = Some(self.warm_up(fresh).await?);
            }
        }
        let Some(detector) = self.detector.as_mut() else { return Ok(0) };
        let mut cursor = store.anomaly_cursor(CURSOR).await?;
        let mut evaluated = 0;
        loop {
            let batch = store.audit_after(cursor, BATCH).await?;
            let full = batch.len() as i64 == BATCH;
            let mut last = cursor;
            let mut stopped = false;
            for r in &batch {
                if r.seq > last + 1 && now - zs_types::clock::to_ms(r.event.at) < GAP_GRACE_MS {
                    stopped = true;
                    break;
                }
                let o = Observed::from_record(r);
                for f in detector.observe(&store, &o, true).await? {
                    self.svc.raise(f).await?;
                }
                last = r.seq;
                evaluated += 1;
            }
            detector.flush(&store, now).await?;
            if last > cursor {
                store.advance_anomaly_cursor(CURSOR, last, now).await?;
                cursor = last;
            }
            if stopped || !full {
                break;
            }
        }
        Ok(evaluated)
    }

    /// Rebuild the windows from the hour of records before the cursor. A cursor never moved
    /// starts at the end of the trail: history is not alerted on, it only fills the windows.
    async fn warm_up(&self, mut detector: Detector) -> Result<Detector> {
        let store = &self.svc.store;
        let now = self.svc.now_ms();
        let mut cursor = store.anomaly_cursor(CURSOR).await?;
        if cursor == 0 {
            cursor = store.audit_max_seq().await?;
            store.advance_anomaly_cursor(CURSOR, cursor, now).await?;
        }
        let mut recs: Vec<AuditRecord> = Vec::new();
        let mut before = cursor + 1;
        'read: loop {
            let q = AuditQuery { before_seq: Some(before), action_prefix: None, actor_user: None, limit: 1000 };
            let page = store.list_audit(&q).await?;
            let Some(oldest) = page.last().map(|r| r.seq) else { break };
            for r in page {
                if zs_types::clock::to_ms(r.event.at) < now - HOUR || recs.len() >= MAX_WARM_UP {
                    break 'read;
                }
                recs.push(r);
            }
            before = oldest;
        }
        for r in recs.iter().rev() {
            detector.observe(store, &Observed::from_record(r), false).await?;
        }
        tracing::info!(cursor, replayed = recs.len(), "anomaly detection started");
        Ok(detector)
    }
}

//! Blocking rows at hand-in (拦截): error-severity rules run on each batch before it is written,
//! through `zs_tables::RowGate`. Blocked rows go to the hand-in's rejected rows (row, field,
//! value masked when sensitive, rule and reason); the gate's counts are folded into the quality
//! result of the version the hand-in commits, so scores and tickets see what was blocked.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use time::Date;
use zs_catalog::Entry;
use zs_tables::{GateFailure, RowGate, Table};
use zs_types::Result;

use super::GovernService;
use crate::engine::{Plan, RuleCounts, MAX_SAMPLES};
use crate::stats::VersionResult;

/// The error-severity rules of one resource, applied to one hand-in's rows.
pub struct QualityGate {
    plan: Plan,
    as_of: Date,
    counts: Mutex<BTreeMap<String, RuleCounts>>,
    blocked: AtomicU64,
}

impl QualityGate {
    /// Rows blocked so far.
    pub fn blocked(&self) -> u64 {
        self.blocked.load(Ordering::Relaxed)
    }

    /// Fold what this gate blocked into a version's result: the blocked rows count as checked
    /// and failed for their rules, their samples (row numbers of the hand-in's file) come first.
    pub fn fold_into(&self, result: &mut VersionResult) {
        let counts = self.counts.lock().map(|c| c.clone()).unwrap_or_default();
        fold(result, &counts, self.blocked());
    }
}

/// Count what a gate blocked in a version's result: the blocked rows count as checked and
/// failed for their rules, their samples (row numbers of the hand-in's file) come first.
pub(crate) fn fold(result: &mut VersionResult, counts: &BTreeMap<String, RuleCounts>, blocked: u64) {
    for r in &mut result.rules {
        if let Some(c) = counts.get(&r.key) {
            r.checked += c.failed;
            r.failed += c.failed;
            let mut samples = c.samples.clone();
            samples.append(&mut r.samples);
            samples.truncate(MAX_SAMPLES);
            r.samples = samples;
        }
    }
    result.blocked += blocked;
    result.gate = counts.clone();
    result.gate_blocked = blocked;
}

impl RowGate for QualityGate {
    fn check(&self, batch: &RecordBatch, rows: &[u64]) -> Vec<GateFailure> {
        let (st, blocks) = self.plan.evaluate_rows(batch, self.as_of);
        if blocks.is_empty() {
            return Vec::new();
        }
        if let Ok(mut counts) = self.counts.lock() {
            for (key, c) in st.rules {
                if c.failed == 0 {
                    continue;
                }
                let into = counts.entry(key).or_default();
                into.failed += c.failed;
                for mut s in c.samples {
                    if into.samples.len() >= MAX_SAMPLES {
                        break;
                    }
                    s.row =
                        usize::try_from(s.row).ok().and_then(|r| rows.get(r.checked_sub(1)?)).copied().unwrap_or(s.row);
                    s.reason = format!("{} (已拦截 blocked at hand-in)", s.reason);
                    into.samples.push(s);
                }
            }
        }
        let mut rows_blocked: Vec<usize> = blocks.iter().map(|b| b.index).collect();
        rows_blocked.sort_unstable();
        rows_blocked.dedup();
        self.blocked.fetch_add(rows_blocked.len() as u64, Ordering::Relaxed);
        blocks
            .into_iter()
            .map(|b| GateFailure {
                index: b.index,
                field: b.field,
                value: b.value.unwrap_or_default(),
                reason: format!("质量规则 {} (quality rule): {}", b.rule, b.reason),
            })
            .collect()
    }
}

/// Gates handed to hand-ins, waiting for the version they commit (one per resource: the table's
/// writer lock allows one hand-in at a time).
#[derive(Clone, Default)]
pub(crate) struct PendingGates(Arc<Mutex<HashMap<String, Arc<QualityGate>>>>);

impl PendingGates {
    pub(crate) fn put(&self, code: &str, gate: Arc<QualityGate>) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(code.to_owned(), gate);
        }
    }

    pub(crate) fn take(&self, code: &str) -> Option<Arc<QualityGate>> {
        self.0.lock().ok().and_then(|mut m| m.remove(code))
    }
}

impl GovernService {
    /// The gate for a hand-in into `entry`'s table: its error-severity row rules, or none when it
    /// has none. Kept until [`GovernService::take_gate`] folds it into the version's check.
    pub async fn gate_for(&self, entry: &Entry, table: &Table) -> Result<Option<Arc<QualityGate>>> {
        let (plan, _) = self.plan_for(entry, table).await?;
        let plan = plan.0.blocking();
        if plan.rules.is_empty() {
            return Ok(None);
        }
        let as_of = zs_catalog::calendar::beijing_date(self.clock.now());
        let gate = Arc::new(QualityGate { plan, as_of, counts: Mutex::default(), blocked: AtomicU64::new(0) });
        self.gates.put(&entry.code, gate.clone());
        Ok(Some(gate))
    }

    /// The gate of the hand-in that just committed into `code`, if one was made.
    pub(crate) fn take_gate(&self, code: &str) -> Option<Arc<QualityGate>> {
        self.gates.take(code)
    }
}

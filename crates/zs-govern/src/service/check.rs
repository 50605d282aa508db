//! Checking one table version, incrementally: statistics are kept per immutable data file under
//! `<data>/govern/<resource>/<fingerprint>/`, where the fingerprint covers the rule set, the
//! versions of the resources the consistency rules read and the engine version. A version's
//! result is the merge of its files' statistics, so a hand-in scans only the files it wrote (an
//! append: the new rows; a replace: everything, as it should) and never rescans history. A
//! changed rule set or a new version of a referenced resource changes the fingerprint, and the
//! next check scans every file once.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash, Hasher};

use serde::Serialize;
use zs_catalog::calendar::beijing_date;
use zs_catalog::Entry;
use zs_identity::Principal;
use zs_meta::govern::{RuleSetRow, RunRow};
use zs_meta::resources::HandIn;
use zs_tables::{Manifest, Table};
use zs_types::{Error, Outcome, Result};

use super::GovernService;
use crate::column::{stable_hasher, Col};
use crate::engine::{Plan, RefMap, RefSet, References};
use crate::rules::{Check, Rule};
use crate::stats::{Scores, VersionResult};

/// Bumped when the engine's counting changes: old cached statistics are then ignored.
const ENGINE_VERSION: u32 = 1;

/// What a check did.
#[derive(Debug, Clone, Serialize)]
pub struct CheckOutcome {
    /// The stored run.
    #[serde(skip)]
    pub run: RunRow,
    /// Per-rule results.
    pub result: VersionResult,
    /// Scores.
    pub scores: Scores,
    /// Data files scanned now.
    pub files_scanned: usize,
    /// Data files whose statistics came from the cache.
    pub files_cached: usize,
    /// Rules left out, with why (e.g. a referenced resource holds no data yet).
    pub skipped: Vec<String>,
}

fn io(e: impl std::fmt::Display) -> Error {
    tracing::error!(error = %e, "governance statistics");
    Error::internal("the quality statistics could not be read or written")
}

impl GovernService {
    /// The rule set in force for `entry`: the steward's, or the default one (then `false`).
    /// The comparisons with authoritative sources (一数一源) come on top of either.
    pub async fn rules_of(&self, entry: &Entry) -> Result<(Vec<Rule>, bool)> {
        let all = self.catalog.all_entries().await?;
        let (mut rules, custom) = match self.store.rule_set(&entry.code).await? {
            Some(row) => (serde_json::from_str::<Vec<Rule>>(&row.rules).map_err(io)?, true),
            None => (super::default_rules(entry, &all), false),
        };
        rules.retain(|r| !r.id.starts_with(super::AUTHORITY_RULE_PREFIX));
        rules.extend(self.authority_rules(entry, &all).await?);
        Ok((rules, custom))
    }

    /// Store a resource's rule set (validated, including against its items) without a caller
    /// check: for the demo seed and tests. Callers with a pass use [`GovernService::set_rules`].
    /// Derived authority rules (`authority.*`) are not stored: the designations make them.
    pub async fn put_rules(&self, entry: &Entry, rules: &[Rule], by: Option<i64>) -> Result<()> {
        let rules: Vec<Rule> =
            rules.iter().filter(|r| !r.id.starts_with(super::AUTHORITY_RULE_PREFIX)).cloned().collect();
        let rules = rules.as_slice();
        crate::rules::validate_rules(rules).map_err(|m| Error::invalid("rules", m))?;
        for r in rules {
            let mut names: Vec<&str> = Vec::new();
            if let crate::rules::Target::Item(i) = &r.target {
                names.push(i);
            }
            match &r.check {
                Check::RequiredIf { when } => names.push(when),
                Check::IdNumber { birth_date, sex } => names.extend(birth_date.iter().chain(sex).map(String::as_str)),
                Check::Unique { with } => names.extend(with.iter().map(String::as_str)),
                Check::SameAs { key, .. } => names.push(key),
                _ => {}
            }
            if let Some(bad) = names.iter().find(|n| !entry.body.items.iter().any(|i| i.name == **n)) {
                return Err(Error::invalid("rules", format!("rule {}: {} has no item '{bad}'", r.id, entry.code)));
            }
        }
        let json = serde_json::to_string(rules).map_err(io)?;
        self.store
            .put_rule_set(&RuleSetRow {
                code: entry.code.clone(),
                rules: json,
                updated_by: by,
                updated_at: self.now_ms(),
            })
            .await
    }

    /// Check `version` of `entry`'s table: statistics (incremental), scores, the stored run, the
    /// tickets; audited as `govern.check`.
    pub async fn check_version(
        &self,
        entry: &Entry,
        table: &Table,
        version: u64,
        hand_in: Option<&HandIn>,
        who: Option<&Principal>,
        request_id: Option<&str>,
    ) -> Result<CheckOutcome> {
        let (plan, skipped) = self.plan_for(entry, table).await?;
        let (rules, refs) = (&plan.1, &plan.2);
        let plan = plan.0;
        let fingerprint = {
            let mut h = stable_hasher().build_hasher();
            ENGINE_VERSION.hash(&mut h);
            serde_json::to_string(rules).map_err(io)?.hash(&mut h);
            refs.versions.hash(&mut h);
            h.finish()
        };
        let cache = self.data_dir.join("govern").join(entry.code.replace('/', "_")).join(format!("{fingerprint:016x}"));
        let t = table.clone();
        let plan2 = plan.clone();
        let scanned = tokio::task::spawn_blocking(move || -> Result<(VersionResult, usize, usize, Manifest)> {
            let m = t
                .manifest(Some(version))
                .map_err(zs_ingest::tables_error)?
                .ok_or_else(|| Error::not_found("table version"))?;
            let day = beijing_date(zs_types::clock::from_ms(m.created_at_ms));
            let (result, scanned) = crate::incremental::version_result(&plan2, &t, &m, &cache, day)?;
            let cached = m.files.len() - scanned;
            Ok((result, scanned, cached, m))
        })
        .await
        .map_err(|_| Error::internal("the quality check stopped unexpectedly"))??;
        let (mut result, files_scanned, files_cached, manifest) = scanned;
        // What the hand-in's gate blocked counts in this version's result (the rows themselves
        // are in the hand-in's rejected rows).
        if let Some(gate) = hand_in.and_then(|_| self.take_gate(&entry.code)) {
            gate.fold_into(&mut result);
        } else if hand_in.is_none() {
            // A re-check keeps what the hand-in of this version blocked: those rows were never
            // fixed by the re-check.
            if let Some(prev) = self.store.run_of(&entry.code, version as i64).await? {
                if let Ok(p) = serde_json::from_str::<VersionResult>(&prev.result) {
                    if !p.gate.is_empty() {
                        super::gate::fold(&mut result, &p.gate, p.gate_blocked);
                    }
                }
            }
        }
        let handin_timeliness = self.handin_timeliness(entry, version as i64).await?;
        let scores = result.scores(handin_timeliness);
        let run = RunRow {
            id: 0,
            code: entry.code.clone(),
            entry_id: entry.id,
            org_id: entry.org_id,
            version: version as i64,
            hand_in_id: hand_in.map(|h| h.id),
            trigger: if hand_in.is_some() { "hand_in".into() } else { "recheck".into() },
            rows: result.rows as i64,
            blocked: result.blocked as i64,
            files_scanned: files_scanned as i64,
            completeness: scores.completeness,
            validity: scores.validity,
            uniqueness: scores.uniqueness,
            consistency: scores.consistency,
            timeliness: scores.timeliness,
            overall: scores.overall,
            result: serde_json::to_string(&result).map_err(io)?,
            ran_at: self.now_ms(),
        };
        let run = self.store.put_run(&run).await?;
        self.sync_tickets(entry, version as i64, &result, who).await?;
        self.record(
            who,
            request_id,
            "govern.check",
            format!("resource:{}", entry.code),
            Outcome::Succeeded,
            serde_json::json!({
                "version": version, "rows": result.rows, "blocked": result.blocked, "overall": scores.overall,
                "files_scanned": files_scanned, "files_cached": files_cached, "files": manifest.files.len(),
            }),
        )
        .await?;
        tracing::info!(resource = %entry.code, version, rows = result.rows, blocked = result.blocked, files_scanned, files_cached, overall = ?scores.overall, "quality checked");
        Ok(CheckOutcome { run, result, scores, files_scanned, files_cached, skipped })
    }

    /// The rules in force for `entry` bound to its table (rules whose referenced resource holds
    /// no data are left out and named), with the rules and references bound.
    pub(crate) async fn plan_for(
        &self,
        entry: &Entry,
        table: &Table,
    ) -> Result<((Plan, Vec<Rule>, References), Vec<String>)> {
        let (rules, _) = self.rules_of(entry).await?;
        let (refs, skipped) = self.references(&rules).await?;
        let rules: Vec<Rule> = rules
            .into_iter()
            .filter(|r| r.check.reference().is_none_or(|(code, _)| refs.versions.contains_key(code)))
            .collect();
        let elements: HashMap<String, String> =
            entry.body.items.iter().filter_map(|i| i.element.clone().map(|e| (i.name.clone(), e))).collect();
        let plan =
            Plan::bind(&rules, table.schema().arrow(), &elements, &refs).map_err(|m| Error::invalid("rules", m))?;
        Ok(((plan, rules, refs), skipped))
    }

    /// Hand-in timeliness of `version`: 100 when it came within the update cycle after the
    /// previous committed hand-in, less the later it came; none for the first or irregular ones.
    async fn handin_timeliness(&self, entry: &Entry, version: i64) -> Result<Option<f64>> {
        let Some(allow) = zs_ingest::cycle_allowance_ms(entry.body.update_cycle) else { return Ok(None) };
        let hs = self.store.list_hand_ins(Some(&entry.code), None, 200).await?;
        let committed: Vec<&HandIn> = hs.iter().filter(|h| h.outcome == "committed" && h.version.is_some()).collect();
        let this = committed.iter().find(|h| h.version == Some(version));
        let prev = committed.iter().filter(|h| h.version < Some(version)).max_by_key(|h| h.version);
        Ok(match (this, prev) {
            (Some(t), Some(p)) => {
                let gap = (t.finished_at - p.finished_at).max(1);
                Some(if gap <= allow { 100.0 } else { (100.0 * allow as f64 / gap as f64).max(0.0) })
            }
            _ => None,
        })
    }

    /// Read the values the consistency rules compare with (current versions of the other
    /// resources). Rules whose resource holds no data are left out and named.
    async fn references(&self, rules: &[Rule]) -> Result<(References, Vec<String>)> {
        let mut refs = References::default();
        let mut skipped = Vec::new();
        let wanted: Vec<&Rule> = rules.iter().filter(|r| r.check.reference().is_some()).collect();
        if wanted.is_empty() {
            return Ok((refs, skipped));
        }
        let all = self.catalog.all_entries().await?;
        for r in wanted {
            let (code, column) = r.check.reference().unwrap_or_default();
            let Some(e) = all.iter().find(|e| e.code == code && e.published_version.is_some()) else {
                skipped.push(format!("{}: resource {code} is not published", r.id));
                continue;
            };
            let table = self.ingest.open_table(e)?;
            let (key, col) = match &r.check {
                Check::SameAs { remote_key, column, .. } => (Some(remote_key.clone()), column.clone()),
                _ => (None, column.to_owned()),
            };
            let read = match tokio::task::spawn_blocking(move || read_reference(&table, key.as_deref(), &col))
                .await
                .map_err(|_| Error::internal("reading a referenced resource"))?
            {
                // A destroyed resource is no reference any more; other resources' checks go on.
                Err(e) if e.code == zs_types::ErrorCode::DataDestroyed => {
                    skipped.push(format!("{}: resource {code} was destroyed", r.id));
                    continue;
                }
                other => other?,
            };
            match (read, &r.check) {
                (None, _) => skipped.push(format!("{}: resource {code} holds no data yet", r.id)),
                (Some((v, Reference::Set(s))), Check::Exists { resource, column }) => {
                    refs.add_set(resource, column, v, s)
                }
                (Some((v, Reference::Map(m))), Check::SameAs { resource, remote_key, column, .. }) => {
                    refs.add_map(resource, remote_key, column, v, m)
                }
                _ => {}
            }
        }
        Ok((refs, skipped))
    }
}

enum Reference {
    Set(RefSet),
    Map(RefMap),
}

/// The current version of a table: its values of `column` (hashed), or keyed by `key`.
fn read_reference(t: &Table, key: Option<&str>, column: &str) -> Result<Option<(u64, Reference)>> {
    let Some(m) = t.current().map_err(zs_ingest::tables_error)? else { return Ok(None) };
    let arrow = t.schema().arrow().clone();
    let ci = arrow
        .index_of(column)
        .map_err(|_| Error::invalid("rules", format!("the referenced resource has no item '{column}'")))?;
    let ki = key
        .map(|k| {
            arrow.index_of(k).map_err(|_| Error::invalid("rules", format!("the referenced resource has no item '{k}'")))
        })
        .transpose()?;
    let h = stable_hasher();
    let mut buf = String::new();
    let mut set = RefSet::default();
    let mut map = RefMap::default();
    for b in t.scan(Some(m.version)).map_err(zs_ingest::tables_error)? {
        let b = b.map_err(zs_ingest::tables_error)?;
        let c = Col::of(b.column(ci));
        match ki {
            None => {
                for i in 0..b.num_rows() {
                    if !c.is_null(i) {
                        set.insert(c.hash(i, &h, &mut buf));
                    }
                }
            }
            Some(k) => {
                let kc = Col::of(b.column(k));
                for i in 0..b.num_rows() {
                    if !kc.is_null(i) && !c.is_null(i) {
                        let kh = kc.hash(i, &h, &mut buf);
                        map.insert(kh, c.text(i, &mut buf).trim().to_owned());
                    }
                }
            }
        }
    }
    Ok(Some((m.version, if ki.is_some() { Reference::Map(map) } else { Reference::Set(set) })))
}

/// Group per-rule results of a stored run (for views): rule key → result.
pub(crate) fn results_of(run: &RunRow) -> BTreeMap<String, crate::stats::RuleResult> {
    serde_json::from_str::<VersionResult>(&run.result)
        .map(|r| r.rules.into_iter().map(|x| (x.key.clone(), x)).collect())
        .unwrap_or_default()
}

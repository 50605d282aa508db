//! Merging per-file statistics into a version's result, and the scores.
//!
//! A version is the concatenation of its data files; files are immutable and shared between
//! versions (an append keeps the parent's files), so statistics are kept per file and a version's
//! result is their merge: counts add, samples are re-numbered by the file's row offset, the
//! uniqueness state (hash, row) is merged and counted, the newest dates take their maximum.
//! Merging the statistics of a version's files gives exactly what one scan of all its rows gives
//! (`tests/incremental.rs`).

use std::collections::BTreeMap;
use std::io::{Read, Write};

use serde::{Deserialize, Serialize};
use time::Date;

use crate::column::date_of_days;
use crate::engine::{Failure, FileStats, Plan, MAX_SAMPLES};
use crate::rules::{Check, Dimension, Severity};

/// The result of one rule over a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleResult {
    /// Bound rule key (rule id, or `id@item` for an element rule).
    pub key: String,
    /// The rule's id.
    pub rule: String,
    /// The item checked.
    pub field: String,
    /// Check kind.
    pub kind: String,
    /// Dimension.
    pub dimension: Dimension,
    /// Severity.
    pub severity: Severity,
    /// Values (rows) looked at.
    pub checked: u64,
    /// Failures.
    pub failed: u64,
    /// First failures (row numbers of the version).
    pub samples: Vec<Failure>,
}

impl RuleResult {
    /// Share passing, 0–100 (100 when nothing was checked).
    pub fn score(&self) -> f64 {
        if self.checked == 0 {
            100.0
        } else {
            100.0 * (self.checked - self.failed.min(self.checked)) as f64 / self.checked as f64
        }
    }
}

/// Scores 0–100 per dimension (none: no rule of that dimension) and overall.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// 完整性.
    pub completeness: Option<f64>,
    /// 有效性.
    pub validity: Option<f64>,
    /// 唯一性.
    pub uniqueness: Option<f64>,
    /// 一致性.
    pub consistency: Option<f64>,
    /// 及时性.
    pub timeliness: Option<f64>,
    /// The mean of the dimensions scored.
    pub overall: Option<f64>,
}

impl Scores {
    /// The score of one dimension.
    pub fn get(&self, d: Dimension) -> Option<f64> {
        match d {
            Dimension::Completeness => self.completeness,
            Dimension::Validity => self.validity,
            Dimension::Uniqueness => self.uniqueness,
            Dimension::Consistency => self.consistency,
            Dimension::Timeliness => self.timeliness,
        }
    }

    fn set(&mut self, d: Dimension, v: Option<f64>) {
        let slot = match d {
            Dimension::Completeness => &mut self.completeness,
            Dimension::Validity => &mut self.validity,
            Dimension::Uniqueness => &mut self.uniqueness,
            Dimension::Consistency => &mut self.consistency,
            Dimension::Timeliness => &mut self.timeliness,
        };
        *slot = v;
    }

    /// Recompute the overall score from the dimensions.
    pub fn with_overall(mut self) -> Self {
        let present: Vec<f64> = Dimension::ALL.iter().filter_map(|d| self.get(*d)).collect();
        self.overall = (!present.is_empty()).then(|| round1(present.iter().sum::<f64>() / present.len() as f64));
        self
    }

    /// Weighted mean of several scores (e.g. a department's resources weighted by rows).
    pub fn weighted(items: &[(Scores, f64)]) -> Scores {
        let mut out = Scores::default();
        for d in Dimension::ALL {
            let (mut sum, mut w) = (0.0, 0.0);
            for (s, weight) in items {
                if let Some(v) = s.get(d) {
                    sum += v * weight.max(1.0);
                    w += weight.max(1.0);
                }
            }
            out.set(d, (w > 0.0).then(|| round1(sum / w)));
        }
        out.with_overall()
    }
}

/// Round to one decimal.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The result of all rules over one version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionResult {
    /// Rows of the version.
    pub rows: u64,
    /// Rows with an error-severity failure.
    pub blocked: u64,
    /// Per rule, in rule order.
    pub rules: Vec<RuleResult>,
    /// What the hand-in's gate blocked before the commit, per rule (already counted in `rules`
    /// and `blocked`); kept so a re-check of the version counts it again.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub gate: BTreeMap<String, crate::engine::RuleCounts>,
    /// Rows the gate blocked (already counted in `blocked`).
    #[serde(default)]
    pub gate_blocked: u64,
}

impl VersionResult {
    /// Scores per dimension over the rules (each dimension: passing share of all its checks);
    /// `timeliness` adds the hand-in timeliness (0–100) as one more check of weight 1 rule.
    pub fn scores(&self, handin_timeliness: Option<f64>) -> Scores {
        let mut s = Scores::default();
        for d in Dimension::ALL {
            let rules: Vec<&RuleResult> = self.rules.iter().filter(|r| r.dimension == d).collect();
            let (checked, failed) =
                rules.iter().fold((0u64, 0u64), |(c, f), r| (c + r.checked, f + r.failed.min(r.checked)));
            let mut v = (checked > 0).then(|| 100.0 * (checked - failed) as f64 / checked as f64);
            if d == Dimension::Timeliness {
                let fresh = rules.iter().map(|r| r.score()).collect::<Vec<_>>();
                let parts: Vec<f64> = fresh.into_iter().chain(handin_timeliness).collect();
                v = (!parts.is_empty()).then(|| parts.iter().sum::<f64>() / parts.len() as f64);
            }
            s.set(d, v.map(round1));
        }
        s.with_overall()
    }
}

/// Merge the statistics of a version's files (in the version's file order) into its result.
/// `version_day` is the version's commit day (for freshness).
pub fn merge(plan: &Plan, files: &[&FileStats], version_day: Date) -> VersionResult {
    let mut out = VersionResult::default();
    let mut offsets = Vec::with_capacity(files.len());
    for f in files {
        offsets.push(out.rows);
        out.rows += f.rows;
        out.blocked += f.blocked;
    }
    for br in &plan.rules {
        let mut r = RuleResult {
            key: br.key.clone(),
            rule: br.rule.id.clone(),
            field: br.field.clone(),
            kind: br.rule.check.kind().to_owned(),
            dimension: br.rule.check.dimension(),
            severity: br.rule.severity,
            checked: 0,
            failed: 0,
            samples: Vec::new(),
        };
        match &br.rule.check {
            Check::Unique { .. } => unique(&br.key, files, &offsets, &mut r),
            Check::Fresh { max_age_days } => {
                let newest = files.iter().filter_map(|f| f.newest.get(&br.key)).max().copied();
                if let Some(d) = newest.and_then(date_of_days) {
                    r.checked = 1;
                    let age = (version_day - d).whole_days();
                    if age > i64::from(*max_age_days) {
                        r.failed = 1;
                        r.samples.push(Failure {
                            row: 0,
                            value: Some(d.to_string()),
                            other: None,
                            reason: format!(
                                "最新日期距报送已{age}天，超过{max_age_days}天 (newest date is {age} days old, over {max_age_days})"
                            ),
                        });
                    }
                }
            }
            _ => {
                for (f, off) in files.iter().zip(&offsets) {
                    if let Some(c) = f.rules.get(&br.key) {
                        r.checked += c.checked;
                        r.failed += c.failed;
                        for s in &c.samples {
                            if r.samples.len() < MAX_SAMPLES {
                                r.samples.push(Failure { row: s.row + off, ..s.clone() });
                            }
                        }
                    }
                }
            }
        }
        out.rules.push(r);
    }
    out
}

fn unique(key: &str, files: &[&FileStats], offsets: &[u64], r: &mut RuleResult) {
    let total: usize = files.iter().map(|f| f.keys.get(key).map_or(0, Vec::len)).sum();
    let mut all: Vec<(u64, u64)> = Vec::with_capacity(total);
    for (f, off) in files.iter().zip(offsets) {
        if let Some(k) = f.keys.get(key) {
            all.extend(k.iter().map(|(h, row)| (*h, u64::from(*row) + off)));
        }
    }
    r.checked = all.len() as u64;
    all.sort_unstable();
    let mut dup_rows: Vec<(u64, usize)> = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let mut j = i + 1;
        while j < all.len() && all[j].0 == all[i].0 {
            j += 1;
        }
        if j - i > 1 {
            r.failed += (j - i) as u64;
            for x in &all[i..j] {
                if dup_rows.len() < 64 * MAX_SAMPLES {
                    dup_rows.push((x.1, j - i));
                }
            }
        }
        i = j;
    }
    dup_rows.sort_unstable();
    r.samples = dup_rows
        .into_iter()
        .take(MAX_SAMPLES)
        .map(|(row, n)| Failure {
            row: row + 1,
            value: None,
            other: None,
            reason: format!("值重复出现{n}次 (value occurs {n} times)"),
        })
        .collect();
}

/// Write a file's uniqueness state (little-endian: rule count, then per rule: key length, key,
/// pair count, pairs).
pub fn write_keys(st: &FileStats, mut w: impl Write) -> std::io::Result<()> {
    w.write_all(&(st.keys.len() as u64).to_le_bytes())?;
    for (k, pairs) in &st.keys {
        w.write_all(&(k.len() as u64).to_le_bytes())?;
        w.write_all(k.as_bytes())?;
        w.write_all(&(pairs.len() as u64).to_le_bytes())?;
        let mut buf = Vec::with_capacity(pairs.len() * 12);
        for (h, row) in pairs {
            buf.extend_from_slice(&h.to_le_bytes());
            buf.extend_from_slice(&row.to_le_bytes());
        }
        w.write_all(&buf)?;
    }
    Ok(())
}

/// Read what [`write_keys`] wrote.
pub fn read_keys(mut r: impl Read) -> std::io::Result<BTreeMap<String, Vec<(u64, u32)>>> {
    let u64_of = |r: &mut dyn Read| -> std::io::Result<u64> {
        let mut b = [0u8; 8];
        r.read_exact(&mut b)?;
        Ok(u64::from_le_bytes(b))
    };
    let n = u64_of(&mut r)?;
    let mut out = BTreeMap::new();
    for _ in 0..n {
        let len = u64_of(&mut r)? as usize;
        let mut k = vec![0u8; len.min(1 << 16)];
        r.read_exact(&mut k)?;
        let count = u64_of(&mut r)? as usize;
        let mut buf = vec![0u8; count.saturating_mul(12).min(1 << 34)];
        r.read_exact(&mut buf)?;
        let pairs = buf
            .chunks_exact(12)
            .map(|c| {
                let mut h = [0u8; 8];
                let mut row = [0u8; 4];
                h.copy_from_slice(&c[..8]);
                row.copy_from_slice(&c[8..]);
                (u64::from_le_bytes(h), u32::from_le_bytes(row))
            })
            .collect();
        out.insert(String::from_utf8_lossy(&k).into_owned(), pairs);
    }
    Ok(out)
}

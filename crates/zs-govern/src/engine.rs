//! The vectorised engine: rules bound to a table's Arrow schema ([`Plan`]) and evaluated column
//! by column over record batches into mergeable per-file statistics ([`FileStats`]).
//!
//! Each rule runs as one tight loop over its column of a batch (no per-row dispatch over rules,
//! no allocation per cell); a row's "blocked" mark (any error-severity failure) is a bitmap per
//! batch. Set-level checks keep algebraic state instead of failures: uniqueness keeps the
//! `(hash, row)` pairs of the file, freshness the newest date; [`crate::stats`] merges them.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::Schema;
use hashbrown::HashSet;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::column::{days_of_date, stable_hasher, Col};
use crate::rules::{Check, Rule, Severity, Target};
use crate::validators as v;

/// Samples of failures kept per rule (first in row order).
pub const MAX_SAMPLES: usize = 5;
/// Longest value shown in a sample.
const MAX_SHOWN: usize = 64;

/// A hasher for keys that already are 64-bit hashes: passes them through.
#[derive(Debug, Default, Clone, Copy)]
pub struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Build hasher of [`PassThrough`].
pub type PassThroughState = std::hash::BuildHasherDefault<PassThrough>;
/// The values of another resource's item, hashed (for `exists`).
pub type RefSet = HashSet<u64, PassThroughState>;
/// Another resource's item by its key's hash (for `same_as`).
pub type RefMap = hashbrown::HashMap<u64, String, PassThroughState>;

/// Other resources' values the consistency rules need, and the versions they were read at (part
/// of the cache fingerprint: a new reference version means a re-check).
#[derive(Debug, Default, Clone)]
pub struct References {
    sets: HashMap<(String, String), Arc<RefSet>>,
    maps: HashMap<(String, String, String), Arc<RefMap>>,
    /// Resource code → version read.
    pub versions: BTreeMap<String, u64>,
}

impl References {
    /// Add the hashed values of `resource.column`.
    pub fn add_set(&mut self, resource: &str, column: &str, version: u64, set: RefSet) {
        self.sets.insert((resource.to_owned(), column.to_owned()), Arc::new(set));
        self.versions.insert(resource.to_owned(), version);
    }

    /// Add `resource.column` keyed by the hash of `resource.key`.
    pub fn add_map(&mut self, resource: &str, key: &str, column: &str, version: u64, map: RefMap) {
        self.maps.insert((resource.to_owned(), key.to_owned(), column.to_owned()), Arc::new(map));
        self.versions.insert(resource.to_owned(), version);
    }

    /// Build a set from text values (tests, benchmark, demo).
    pub fn set_of<'a>(values: impl IntoIterator<Item = &'a str>) -> RefSet {
        let h = stable_hasher();
        values.into_iter().map(|s| h.hash_one(s.trim().as_bytes())).collect()
    }

    /// Build a map from (key, value) text pairs.
    pub fn map_of<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> RefMap {
        let h = stable_hasher();
        pairs.into_iter().map(|(k, v)| (h.hash_one(k.trim().as_bytes()), v.trim().to_owned())).collect()
    }
}

/// One failed cell (or set-level finding), as kept in samples.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// Row number, 1 = the first row (of the file in [`FileStats`], of the version after merging).
    pub row: u64,
    /// The value (masked for items of level L3 and above); none for a missing value.
    pub value: Option<String>,
    /// The other source's value, for a conflict (masked likewise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other: Option<String>,
    /// Why it failed.
    pub reason: String,
}

/// Counts and samples of one rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCounts {
    /// Values (or rows) the rule looked at.
    pub checked: u64,
    /// Those that failed.
    pub failed: u64,
    /// The first failures.
    pub samples: Vec<Failure>,
}

/// The statistics of one data file (or any run of batches): mergeable without the rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStats {
    /// Rows.
    pub rows: u64,
    /// Rows with at least one error-severity failure of a row-level rule.
    pub blocked: u64,
    /// Row-level rules by bound rule key.
    pub rules: BTreeMap<String, RuleCounts>,
    /// Uniqueness state: `(hash of the key, row)` pairs per bound rule key (not serialised as
    /// JSON; see [`crate::stats::write_keys`]).
    #[serde(skip)]
    pub keys: BTreeMap<String, Vec<(u64, u32)>>,
    /// Freshness state: the newest date (Date32 days) per bound rule key.
    pub newest: BTreeMap<String, i32>,
}

/// A rule bound to a column of a schema.
#[derive(Debug, Clone)]
pub struct BoundRule {
    /// The rule.
    pub rule: Arc<Rule>,
    /// Key of the bound rule: the rule id, or `id@item` for an element rule.
    pub key: String,
    /// The item checked.
    pub field: String,
    /// Its column index.
    pub col: usize,
    /// Further columns (when / birth date / sex / key / composite key), by index.
    pub extra: Vec<Option<usize>>,
    /// Values are masked in samples.
    pub sensitive: bool,
    compiled: Compiled,
}

#[derive(Debug, Clone)]
enum Compiled {
    None,
    Regex(regex::Regex),
    Codes(Arc<std::collections::HashSet<String>>),
    Set(Arc<RefSet>),
    Map(Arc<RefMap>),
}

/// Rules bound to one table schema, ready to evaluate.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The bound rules.
    pub rules: Vec<BoundRule>,
}

fn sensitive(schema: &Schema, col: usize) -> bool {
    schema.field(col).metadata().get("security_level").is_some_and(|l| l.as_str() >= "L3")
}

impl Plan {
    /// Bind rules to a schema. `element_of` maps item name → standard data element it follows;
    /// an element rule binds to every such item (none: skipped). An item rule naming an unknown
    /// item, or a consistency rule whose reference is missing, is an error naming the rule.
    pub fn bind(
        rules: &[Rule],
        schema: &Schema,
        element_of: &HashMap<String, String>,
        refs: &References,
    ) -> Result<Self, String> {
        crate::rules::validate_rules(rules)?;
        let index = |name: &str, rule: &str| -> Result<usize, String> {
            schema.index_of(name).map_err(|_| format!("rule {rule}: the resource has no item '{name}'"))
        };
        let mut out = Vec::new();
        for r in rules {
            let rule = Arc::new(r.clone());
            let targets: Vec<(String, String)> = match &r.target {
                Target::Item(item) => {
                    index(item, &r.id)?;
                    vec![(r.id.clone(), item.clone())]
                }
                Target::Element(el) => {
                    let mut items: Vec<&String> = element_of.iter().filter(|(_, e)| *e == el).map(|(i, _)| i).collect();
                    items.sort();
                    items.into_iter().map(|i| (format!("{}@{i}", r.id), i.clone())).collect()
                }
            };
            for (key, field) in targets {
                let col = index(&field, &r.id)?;
                let opt = |n: &Option<String>| -> Result<Option<usize>, String> {
                    n.as_deref().map(|n| index(n, &r.id)).transpose()
                };
                let (extra, compiled) = match &r.check {
                    Check::RequiredIf { when } => (vec![Some(index(when, &r.id)?)], Compiled::None),
                    Check::IdNumber { birth_date, sex } => (vec![opt(birth_date)?, opt(sex)?], Compiled::None),
                    Check::Unique { with } => {
                        (with.iter().map(|w| index(w, &r.id).map(Some)).collect::<Result<_, _>>()?, Compiled::None)
                    }
                    Check::Pattern { regex } => {
                        let re =
                            regex::Regex::new(&format!("^(?:{regex})$")).map_err(|e| format!("rule {}: {e}", r.id))?;
                        (vec![], Compiled::Regex(re))
                    }
                    Check::OneOf { values } => (vec![], Compiled::Codes(Arc::new(values.iter().cloned().collect()))),
                    Check::Exists { resource, column } => {
                        let set = refs.sets.get(&(resource.clone(), column.clone())).ok_or_else(|| {
                            format!("rule {}: resource {resource} (item {column}) holds no data to compare with", r.id)
                        })?;
                        (vec![], Compiled::Set(set.clone()))
                    }
                    Check::SameAs { key, resource, remote_key, column } => {
                        let map = refs.maps.get(&(resource.clone(), remote_key.clone(), column.clone())).ok_or_else(
                            || {
                                format!(
                                    "rule {}: resource {resource} (item {column}) holds no data to compare with",
                                    r.id
                                )
                            },
                        )?;
                        (vec![Some(index(key, &r.id)?)], Compiled::Map(map.clone()))
                    }
                    _ => (vec![], Compiled::None),
                };
                out.push(BoundRule {
                    rule: rule.clone(),
                    key,
                    field,
                    col,
                    extra,
                    sensitive: sensitive(schema, col),
                    compiled,
                });
            }
        }
        Ok(Self { rules: out })
    }

    /// Evaluate batches (one file, in order) into statistics. `as_of` is the day the data was
    /// handed in (the latest plausible date).
    pub fn evaluate<'a>(&self, batches: impl IntoIterator<Item = &'a RecordBatch>, as_of: Date) -> FileStats {
        let mut st = FileStats::default();
        let mut eval = Evaluator {
            plan: self,
            as_of,
            hasher: stable_hasher(),
            buf: String::new(),
            buf2: String::new(),
            blocks: None,
        };
        for b in batches {
            eval.batch(b, &mut st);
        }
        st
    }

    /// The rules that block a row on their own: error severity and row-level (uniqueness and
    /// freshness compare rows with each other, so they only report).
    pub fn blocking(&self) -> Plan {
        let rules = self
            .rules
            .iter()
            .filter(|r| {
                r.rule.severity == Severity::Error
                    && !matches!(r.rule.check, Check::Unique { .. } | Check::Fresh { .. })
            })
            .cloned()
            .collect();
        Plan { rules }
    }

    /// Evaluate one batch and name every error-severity failure by row (batch index), for
    /// blocking rows before they are committed. The statistics' samples are numbered from 1
    /// within the batch.
    pub fn evaluate_rows(&self, batch: &RecordBatch, as_of: Date) -> (FileStats, Vec<RowBlock>) {
        let mut st = FileStats::default();
        let mut eval = Evaluator {
            plan: self,
            as_of,
            hasher: stable_hasher(),
            buf: String::new(),
            buf2: String::new(),
            blocks: Some(Vec::new()),
        };
        eval.batch(batch, &mut st);
        (st, eval.blocks.unwrap_or_default())
    }
}

/// An error-severity failure of one row (see [`Plan::evaluate_rows`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowBlock {
    /// Row index in the batch.
    pub index: usize,
    /// Bound rule key.
    pub rule: String,
    /// The item.
    pub field: String,
    /// The value (masked for items of level L3 and above); none for a missing value.
    pub value: Option<String>,
    /// Why it failed.
    pub reason: String,
}

struct Evaluator<'p> {
    plan: &'p Plan,
    as_of: Date,
    hasher: ahash::RandomState,
    buf: String,
    buf2: String,
    /// With `Some`, every error-severity failure is also listed by row.
    blocks: Option<Vec<RowBlock>>,
}

fn shown(raw: &str, sensitive: bool) -> String {
    let chars: Vec<char> = raw.chars().take(MAX_SHOWN).collect();
    if !sensitive {
        return chars.into_iter().collect();
    }
    let n = chars.len();
    if n <= 4 {
        return "*".repeat(n);
    }
    chars.iter().enumerate().map(|(i, &c)| if i < 2 || i >= n - 2 { c } else { '*' }).collect()
}

impl Evaluator<'_> {
    fn batch(&mut self, batch: &RecordBatch, st: &mut FileStats) {
        let n = batch.num_rows();
        let base = st.rows;
        let mut blocked = vec![false; n];
        let cols: Vec<Col<'_>> = batch.columns().iter().map(Col::of).collect();
        for br in &self.plan.rules {
            let rule_error = br.rule.severity == Severity::Error;
            let c = &cols[br.col];
            match &br.rule.check {
                Check::Unique { .. } => {
                    let keys = st.keys.entry(br.key.clone()).or_default();
                    for i in 0..n {
                        if c.is_null(i) {
                            continue;
                        }
                        let mut h = c.hash(i, &self.hasher, &mut self.buf);
                        for e in br.extra.iter().flatten() {
                            let x = &cols[*e];
                            let hx = if x.is_null(i) { 0 } else { x.hash(i, &self.hasher, &mut self.buf) };
                            h = h.rotate_left(5) ^ hx.wrapping_mul(0x9e37_79b9_7f4a_7c15);
                        }
                        keys.push((h, (base as usize + i) as u32));
                    }
                    continue;
                }
                Check::Fresh { .. } => {
                    let mut newest: Option<i32> = st.newest.get(&br.key).copied();
                    for i in 0..n {
                        if !c.is_null(i) {
                            if let Some(d) = c.date(i) {
                                let d = days_of_date(d);
                                newest = Some(newest.map_or(d, |m| m.max(d)));
                            }
                        }
                    }
                    if let Some(d) = newest {
                        st.newest.insert(br.key.clone(), d);
                    }
                    continue;
                }
                _ => {}
            }
            let counts = st.rules.entry(br.key.clone()).or_default();
            let blocks = &mut self.blocks;
            let mut fail =
                |i: usize, value: Option<&str>, other: Option<&str>, reason: &str, counts: &mut RuleCounts| {
                    counts.failed += 1;
                    if rule_error {
                        blocked[i] = true;
                        if let Some(b) = blocks.as_mut() {
                            b.push(RowBlock {
                                index: i,
                                rule: br.key.clone(),
                                field: br.field.clone(),
                                value: value.map(|v| shown(v, br.sensitive)),
                                reason: reason.to_owned(),
                            });
                        }
                    }
                    if counts.samples.len() < MAX_SAMPLES {
                        counts.samples.push(Failure {
                            row: base + i as u64 + 1,
                            value: value.map(|v| shown(v, br.sensitive)),
                            other: other.map(|v| shown(v, br.sensitive)),
                            reason: reason.to_owned(),
                        });
                    }
                };
            match &br.rule.check {
                Check::Required => {
                    counts.checked += n as u64;
                    for i in 0..n {
                        if c.is_null(i) {
                            fail(i, None, None, "缺少必填值 (required value missing)", counts);
                        }
                    }
                }
                Check::NotBlank => {
                    counts.checked += n as u64;
                    for i in 0..n {
                        if c.is_blank(i) {
                            fail(i, None, None, "值为空 (value missing or blank)", counts);
                        }
                    }
                }
                Check::RequiredIf { when } => {
                    let Some(Some(w)) = br.extra.first() else { continue };
                    let w = &cols[*w];
                    for i in 0..n {
                        if !w.is_blank(i) {
                            counts.checked += 1;
                            if c.is_blank(i) {
                                let reason = format!("{when} 有值时必填 (required when {when} is set)");
                                fail(i, None, None, &reason, counts);
                            }
                        }
                    }
                }
                Check::Fresh { .. } | Check::Unique { .. } => {}
                check => {
                    // Value checks: only present values are checked (completeness rules see
                    // missing ones).
                    for i in 0..n {
                        if c.is_blank(i) {
                            continue;
                        }
                        counts.checked += 1;
                        let value = c.text(i, &mut self.buf).trim();
                        let res = value_check(
                            check,
                            &br.compiled,
                            br,
                            &cols,
                            c,
                            i,
                            value,
                            self.as_of,
                            &self.hasher,
                            &mut self.buf2,
                        );
                        if let Err((reason, other)) = res {
                            let value = value.to_owned();
                            fail(i, Some(&value), other.as_deref(), &reason, counts);
                        }
                    }
                }
            }
        }
        st.blocked += blocked.iter().filter(|b| **b).count() as u64;
        st.rows += n as u64;
    }
}

type Outcome = Result<(), (std::borrow::Cow<'static, str>, Option<String>)>;

fn bad(r: &'static str) -> Outcome {
    Err((std::borrow::Cow::Borrowed(r), None))
}

#[allow(clippy::too_many_arguments)]
#[inline]
fn value_check(
    check: &Check,
    compiled: &Compiled,
    br: &BoundRule,
    cols: &[Col<'_>],
    c: &Col<'_>,
    i: usize,
    value: &str,
    as_of: Date,
    hasher: &ahash::RandomState,
    buf: &mut String,
) -> Outcome {
    let lift = |r: Result<(), v::Reason>| r.or_else(bad);
    match check {
        Check::Length { min, max } => {
            let len = value.chars().count() as u32;
            if min.is_some_and(|m| len < m) {
                return Err((
                    format!("长度{len}小于{} (shorter than {})", min.unwrap_or(0), min.unwrap_or(0)).into(),
                    None,
                ));
            }
            if max.is_some_and(|m| len > m) {
                return Err((
                    format!("长度{len}超过{} (longer than {})", max.unwrap_or(0), max.unwrap_or(0)).into(),
                    None,
                ));
            }
            Ok(())
        }
        Check::OneOf { .. } => match compiled {
            Compiled::Codes(set) if set.contains(value) => Ok(()),
            _ => bad("不在代码值域内 (not in the code list)"),
        },
        Check::Pattern { .. } => match compiled {
            Compiled::Regex(re) if re.is_match(value) => Ok(()),
            _ => bad("格式不符 (does not match the pattern)"),
        },
        Check::Range { min, max } => match c.number(i) {
            None => bad("不是数值 (not a number)"),
            Some(x) if min.is_some_and(|m| x < m) => bad("小于下限 (below the minimum)"),
            Some(x) if max.is_some_and(|m| x > m) => bad("超过上限 (above the maximum)"),
            Some(_) => Ok(()),
        },
        Check::DateRange { min, max } => match c.date(i) {
            None => bad("不是日期 (not a date)"),
            Some(d) if min.is_some_and(|m| d < m) => bad("早于允许范围 (before the earliest allowed date)"),
            Some(d) if max.is_some_and(|m| d > m) => bad("晚于允许范围 (after the latest allowed date)"),
            Some(_) => Ok(()),
        },
        Check::PlausibleDate { earliest } => {
            let earliest = earliest.unwrap_or(time::macros::date!(1900 - 01 - 01));
            match c.date(i) {
                None => bad("不是日期 (not a date)"),
                Some(d) if d < earliest => bad("日期过早，不合理 (implausibly early)"),
                Some(d) if d > as_of => bad("日期晚于报送日，不合理 (after the hand-in day)"),
                Some(_) => Ok(()),
            }
        }
        Check::IdNumber { .. } => {
            let facts = v::id_number(value).or_else(|e| bad(e).map(|_| unreachable_facts()))?;
            if let Some(Some(b)) = br.extra.first() {
                let bc = &cols[*b];
                if !bc.is_null(i) {
                    if let Some(d) = bc.date(i) {
                        if d != facts.birth {
                            return Err((
                                "出生日期与身份号码不一致 (birth date differs from the ID number)".into(),
                                Some(d.to_string()),
                            ));
                        }
                    }
                }
            }
            if let Some(Some(s)) = br.extra.get(1) {
                let sc = &cols[*s];
                if !sc.is_blank(i) {
                    let sex = sc.text(i, buf);
                    if let Err(e) = v::sex_agrees(sex, facts.male) {
                        return Err((e.into(), Some(sex.to_owned())));
                    }
                }
            }
            Ok(())
        }
        Check::CreditCode => lift(v::credit_code(value)),
        Check::Division { historical } => lift(v::division_known(value, *historical)),
        Check::Mobile => lift(v::mobile(value)),
        Check::Landline => lift(v::landline(value)),
        Check::Phone => lift(v::phone(value)),
        Check::Email => lift(v::email(value)),
        Check::PostalCode => lift(v::postal_code(value)),
        Check::Exists { resource, .. } => match compiled {
            Compiled::Set(set) if set.contains(&hasher.hash_one(value.as_bytes())) => Ok(()),
            _ => Err((format!("在{resource}中不存在 (not found in {resource})").into(), None)),
        },
        Check::SameAs { resource, .. } => {
            let (Compiled::Map(map), Some(Some(k))) = (compiled, br.extra.first()) else { return Ok(()) };
            let kc = &cols[*k];
            if kc.is_null(i) {
                return Ok(());
            }
            let kh = kc.hash(i, hasher, buf);
            match map.get(&kh) {
                Some(other) if other != value => {
                    Err((format!("与{resource}不一致 (differs from {resource})").into(), Some(other.clone())))
                }
                _ => Ok(()),
            }
        }
        Check::Required | Check::NotBlank | Check::RequiredIf { .. } | Check::Unique { .. } | Check::Fresh { .. } => {
            Ok(())
        }
    }
}

/// Never called: `or_else(bad)` always returns `Err`; this only fixes the closure's type.
fn unreachable_facts() -> v::IdFacts {
    v::IdFacts { birth: Date::MIN, male: false }
}

//! Classification and grading of a resource (数据分类分级): items with level and category, the
//! detectors' suggestions, level changes (audited as `classification.change` with the old and
//! new level, never values), and the city-wide overview.

use crate::detect::{ColumnTally, Detection, Detector, SAMPLE_ROWS};
use crate::grading::{level_index, resource_level, Category};
use crate::service::StandardsService;
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use zs_catalog::{DataType, Entry, SecurityLevel};
use zs_identity::policy::{ClassificationChange, ClassificationRead};
use zs_identity::Authorized;
use zs_meta::standards::SuggestionRow;
use zs_types::{Error, ErrorCode, Outcome, Result};

/// One item with its grading.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemGrade {
    /// Machine name.
    pub name: String,
    /// 中文名称.
    pub label: String,
    /// 数据类型.
    pub data_type: DataType,
    /// 安全级别.
    pub level: SecurityLevel,
    /// GB/T 43697 category of that level.
    pub category: Category,
    /// The standard data element it refers to.
    pub element: Option<String>,
}

/// A detector's suggestion for one column.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Suggestion {
    /// Identifier.
    pub id: i64,
    /// The item (column).
    pub item_name: String,
    /// Its label.
    pub item_label: String,
    /// The detector that matched.
    pub detector: String,
    /// Non-empty values sampled.
    pub sampled: i64,
    /// Values matched.
    pub matched: i64,
    /// `matched / sampled`.
    pub ratio: f64,
    /// The item's level when suggested.
    pub current_level: String,
    /// The level proposed.
    pub proposed_level: String,
    /// The table version sampled.
    pub table_version: i64,
    /// `open`, `accepted` or `dismissed`.
    pub state: String,
    /// When made (Unix ms).
    pub created_at: i64,
    /// When decided (Unix ms).
    pub decided_at: Option<i64>,
}

impl Suggestion {
    fn from_row(r: SuggestionRow, label: &str) -> Self {
        Self {
            id: r.id,
            item_name: r.item_name,
            item_label: label.to_owned(),
            detector: r.detector,
            sampled: r.sampled,
            matched: r.matched,
            ratio: r.ratio,
            current_level: r.current_level,
            proposed_level: r.proposed_level,
            table_version: r.table_version,
            state: r.state,
            created_at: r.created_at,
            decided_at: r.decided_at,
        }
    }
}

/// A resource's classification and grading.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResourceGrading {
    /// 信息资源代码.
    pub code: String,
    /// The entry.
    pub entry_id: i64,
    /// 信息资源名称.
    pub name: String,
    /// The providing department.
    pub provider: String,
    /// The resource's level: the highest of its items (就高从严).
    pub level: SecurityLevel,
    /// Its category.
    pub category: Category,
    /// The items.
    pub items: Vec<ItemGrade>,
    /// Suggestions, newest first.
    pub suggestions: Vec<Suggestion>,
    /// Whether the caller may change levels and decide suggestions.
    pub can_change: bool,
}

/// What a scan found in one column.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Finding {
    /// The item.
    pub item_name: String,
    /// What it was recognised as, with counts.
    pub detection: Detection,
    /// The item's level.
    pub current_level: SecurityLevel,
    /// The detector's level.
    pub proposed_level: SecurityLevel,
    /// Whether a suggestion was made (the proposed level is higher than the current one).
    pub suggested: bool,
}

/// The result of scanning a resource's latest version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScanReport {
    /// 信息资源代码.
    pub code: String,
    /// The version read (none: no data yet, nothing scanned).
    pub version: Option<u64>,
    /// Rows read.
    pub rows_sampled: u64,
    /// Columns recognised.
    pub findings: Vec<Finding>,
    /// Open suggestions made.
    pub suggestions: usize,
}

/// Figures of one department (or the city) in the grading overview.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct GradeCounts {
    /// The department (0 for the city total).
    pub org_id: i64,
    /// Its name.
    pub name: String,
    /// Its area (city or district).
    pub area: String,
    /// Published resources.
    pub resources: u64,
    /// Resources per level L1..L4.
    pub resources_by_level: [u64; 4],
    /// Resources per category 一般/重要/核心.
    pub resources_by_category: [u64; 3],
    /// Items per level L1..L4.
    pub items_by_level: [u64; 4],
    /// Items per category.
    pub items_by_category: [u64; 3],
}

impl GradeCounts {
    fn add(&mut self, level: SecurityLevel, category: Category, items: &[(SecurityLevel, Category)]) {
        self.resources += 1;
        self.resources_by_level[level_index(level)] += 1;
        self.resources_by_category[category.index()] += 1;
        for (l, c) in items {
            self.items_by_level[level_index(*l)] += 1;
            self.items_by_category[c.index()] += 1;
        }
    }
}

/// The city-wide grading overview (分类分级总览).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GradingOverview {
    /// The mapping in force: category of L1..L4.
    pub mapping: Vec<Category>,
    /// All departments in scope together.
    pub total: GradeCounts,
    /// Per department, by area and name.
    pub departments: Vec<GradeCounts>,
}

impl StandardsService {
    fn view(&self, entry: &Entry, rows: Vec<SuggestionRow>, can_change: bool) -> ResourceGrading {
        let g = self.grading;
        let level = resource_level(entry.body.items.iter().map(|i| i.security_level));
        let label = |name: &str| entry.body.items.iter().find(|i| i.name == name).map_or("", |i| i.label.as_str());
        ResourceGrading {
            code: entry.code.clone(),
            entry_id: entry.id,
            name: entry.body.name.clone(),
            provider: entry.provider.clone(),
            level,
            category: g.category(level),
            items: entry
                .body
                .items
                .iter()
                .map(|i| ItemGrade {
                    name: i.name.clone(),
                    label: i.label.clone(),
                    data_type: i.data_type,
                    level: i.security_level,
                    category: g.category(i.security_level),
                    element: i.element.clone(),
                })
                .collect(),
            suggestions: rows
                .into_iter()
                .map(|r| {
                    let l = label(&r.item_name).to_owned();
                    Suggestion::from_row(r, &l)
                })
                .collect(),
            can_change,
        }
    }

    /// A resource's items with level and category, and its suggestions.
    pub async fn resource_grading(&self, pass: &Authorized<ClassificationRead>, code: &str) -> Result<ResourceGrading> {
        let entry = self.entry(pass, code).await?;
        let rows = self.store.list_suggestions(entry.id).await?;
        let can = self.may_change(pass.principal(), &entry).await?;
        Ok(self.view(&entry, rows, can))
    }

    /// The entry, if the caller may change its levels; a denied attempt is audited.
    async fn changeable(&self, pass: &Authorized<ClassificationChange>, code: &str, action: &str) -> Result<Entry> {
        let entry = self.entry(pass, code).await?;
        if !self.may_change(pass.principal(), &entry).await? {
            self.record(
                pass.principal(),
                pass.request_id(),
                action,
                format!("resource:{code}"),
                Outcome::Denied,
                json!({ "reason": "not the providing department's steward or a security administrator in scope" }),
            )
            .await?;
            return Err(Error::forbidden(
                "only the providing department's stewards and security administrators change security levels",
            ));
        }
        Ok(entry)
    }

    /// Set one item's level. Audited as `classification.change` with the old and new level
    /// and category.
    pub async fn change_level(
        &self,
        pass: &Authorized<ClassificationChange>,
        code: &str,
        item: &str,
        level: SecurityLevel,
    ) -> Result<ResourceGrading> {
        self.change_level_for(pass, code, item, level, None).await
    }

    async fn change_level_for(
        &self,
        pass: &Authorized<ClassificationChange>,
        code: &str,
        item: &str,
        level: SecurityLevel,
        suggestion: Option<i64>,
    ) -> Result<ResourceGrading> {
        let entry = self.changeable(pass, code, "classification.change").await?;
        let (after, old) = self.catalog.set_item_level(pass, entry.id, item, level).await?;
        if old != level {
            let g = self.grading;
            self.record(
                pass.principal(),
                pass.request_id(),
                "classification.change",
                format!("resource:{code}"),
                Outcome::Succeeded,
                json!({
                    "item": item,
                    "old_level": old.as_str(),
                    "new_level": level.as_str(),
                    "old_category": g.category(old).as_str(),
                    "new_category": g.category(level).as_str(),
                    "suggestion": suggestion,
                }),
            )
            .await?;
        }
        let rows = self.store.list_suggestions(after.id).await?;
        Ok(self.view(&after, rows, true))
    }

    /// Scan the latest table version (up to [`SAMPLE_ROWS`] rows) with every detector and
    /// replace the open suggestions by the new ones. Reading values is a data access: it is
    /// audited as `classification.scan` with the version and counts (never values).
    pub async fn scan(&self, pass: &Authorized<ClassificationChange>, code: &str) -> Result<ScanReport> {
        let entry = self.changeable(pass, code, "classification.scan").await?;
        let table = (self.tables)(&entry)?;
        let items = entry.body.items.clone();
        let (version, rows, tallies) = tokio::task::spawn_blocking(move || sample(&table))
            .await
            .map_err(|_| Error::internal("scanning the table"))??;
        let mut findings = Vec::new();
        let mut new = Vec::new();
        let at = self.now_ms();
        for (name, tally) in &tallies {
            let (Some(d), Some(item)) = (tally.detection(), items.iter().find(|i| &i.name == name)) else { continue };
            let proposed = d.detector.level();
            let suggested = proposed > item.security_level;
            if suggested {
                new.push(SuggestionRow {
                    id: 0,
                    entry_id: entry.id,
                    code: entry.code.clone(),
                    item_name: name.clone(),
                    detector: d.detector.as_str().to_owned(),
                    sampled: d.sampled as i64,
                    matched: d.matched as i64,
                    ratio: d.ratio,
                    current_level: item.security_level.as_str().to_owned(),
                    proposed_level: proposed.as_str().to_owned(),
                    table_version: version.unwrap_or(0) as i64,
                    state: "open".into(),
                    created_at: at,
                    decided_by: None,
                    decided_at: None,
                });
            }
            findings.push(Finding {
                item_name: name.clone(),
                detection: d,
                current_level: item.security_level,
                proposed_level: proposed,
                suggested,
            });
        }
        let made = if version.is_some() { self.store.replace_suggestions(entry.id, &new).await?.len() } else { 0 };
        self.record(
            pass.principal(),
            pass.request_id(),
            "classification.scan",
            format!("resource:{code}"),
            Outcome::Succeeded,
            json!({
                "version": version,
                "rows": rows,
                "columns": tallies.len(),
                "recognised": findings.iter().map(|f| json!({ "item": f.item_name, "detector": f.detection.detector.as_str() })).collect::<Vec<_>>(),
                "suggestions": made,
            }),
        )
        .await?;
        Ok(ScanReport { code: entry.code, version, rows_sampled: rows, findings, suggestions: made })
    }

    /// Accept (the item takes the proposed level) or dismiss an open suggestion.
    pub async fn decide(
        &self,
        pass: &Authorized<ClassificationChange>,
        code: &str,
        suggestion_id: i64,
        accept: bool,
    ) -> Result<ResourceGrading> {
        let entry = self.changeable(pass, code, "classification.decide").await?;
        let s = self
            .store
            .get_suggestion(suggestion_id)
            .await?
            .filter(|s| s.entry_id == entry.id)
            .ok_or_else(|| Error::not_found("suggestion"))?;
        if s.state != "open" {
            return Err(Error::new(ErrorCode::Conflict, format!("the suggestion was already {}", s.state)));
        }
        let level = SecurityLevel::parse(&s.proposed_level)
            .ok_or_else(|| Error::internal(format!("stored level '{}' unknown", s.proposed_level)))?;
        let p = pass.principal();
        if !self
            .store
            .decide_suggestion(s.id, if accept { "accepted" } else { "dismissed" }, p.user.id.0, self.now_ms())
            .await?
        {
            return Err(Error::new(ErrorCode::Conflict, "the suggestion was decided meanwhile"));
        }
        if accept {
            self.change_level_for(pass, code, &s.item_name, level, Some(s.id)).await
        } else {
            self.record(
                p,
                pass.request_id(),
                "classification.dismiss",
                format!("resource:{code}"),
                Outcome::Succeeded,
                json!({ "suggestion": s.id, "item": s.item_name, "detector": s.detector, "proposed_level": s.proposed_level }),
            )
            .await?;
            let rows = self.store.list_suggestions(entry.id).await?;
            Ok(self.view(&entry, rows, true))
        }
    }

    /// Counts of published resources and their items by level and category, per department in
    /// scope (a steward sees the own department).
    pub async fn overview(&self, pass: &Authorized<ClassificationRead>) -> Result<GradingOverview> {
        let p = pass.principal();
        let g = self.grading;
        let orgs = self.store.list_orgs("/").await?;
        let mut by_dept: BTreeMap<(String, String), GradeCounts> = BTreeMap::new();
        let mut total = GradeCounts { name: "合计".into(), ..Default::default() };
        for e in self.catalog.visible_entries(p).await? {
            let Some(owner) = orgs.iter().find(|o| o.id.0 == e.org_id) else { continue };
            let in_scope = p.can_see(owner) && (p.role() != zs_types::Role::Steward || owner.id == p.org.id);
            if !in_scope || !Self::published(&e) {
                continue;
            }
            let items: Vec<(SecurityLevel, Category)> =
                e.body.items.iter().map(|i| (i.security_level, g.category(i.security_level))).collect();
            let level = resource_level(items.iter().map(|x| x.0));
            let c = by_dept.entry((e.area.clone(), e.provider.clone())).or_insert_with(|| GradeCounts {
                org_id: e.org_id,
                name: e.provider.clone(),
                area: e.area.clone(),
                ..Default::default()
            });
            c.add(level, g.category(level), &items);
            total.add(level, g.category(level), &items);
        }
        Ok(GradingOverview {
            mapping: SecurityLevel::ALL.iter().map(|l| g.category(*l)).collect(),
            total,
            departments: by_dept.into_values().collect(),
        })
    }
}

/// What a sample found: the version read (none when the table is empty), rows read, and a
/// tally per column.
type Sample = (Option<u64>, u64, Vec<(String, ColumnTally)>);

/// Read up to [`SAMPLE_ROWS`] rows of the current version and tally every text-like column.
fn sample(table: &zs_tables::Table) -> Result<Sample> {
    let tables_err = |e: zs_tables::TablesError| Error::internal(format!("reading the table: {e}"));
    let Some(manifest) = table.manifest(None).map_err(tables_err)? else {
        return Ok((None, 0, Vec::new()));
    };
    let columns: Vec<(usize, String)> = table
        .schema()
        .columns()
        .iter()
        .enumerate()
        .filter(|(_, c)| !matches!(c.data_type, DataType::Binary | DataType::Geometry | DataType::Boolean))
        .map(|(i, c)| (i, c.name.clone()))
        .collect();
    let mut tallies: Vec<(String, ColumnTally)> =
        columns.iter().map(|(_, n)| (n.clone(), ColumnTally::default())).collect();
    let mut rows = 0u64;
    let opts = FormatOptions::default();
    'batches: for batch in table.scan(Some(manifest.version)).map_err(tables_err)? {
        let batch = batch.map_err(tables_err)?;
        let fmts: Vec<ArrayFormatter<'_>> = columns
            .iter()
            .map(|(i, _)| ArrayFormatter::try_new(batch.column(*i).as_ref(), &opts))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::internal(format!("formatting values: {e}")))?;
        for r in 0..batch.num_rows() {
            if rows as usize >= SAMPLE_ROWS {
                break 'batches;
            }
            rows += 1;
            for (k, (i, _)) in columns.iter().enumerate() {
                if !batch.column(*i).is_null(r) {
                    tallies[k].1.add(&fmts[k].value(r).to_string());
                }
            }
        }
    }
    Ok((Some(manifest.version), rows, tallies))
}

/// Every detector, for documentation and the portal's legend.
pub fn detectors() -> Vec<(Detector, SecurityLevel)> {
    Detector::ALL.iter().map(|d| (*d, d.level())).collect()
}

//! What the pages and the API show: a resource's quality (scores, trend, failures by rule, rules
//! in force), the dashboard (city-wide, per department, per resource, tickets and overdue ones),
//! and the caller-checked operations on rules and re-checks.

use std::collections::BTreeMap;

use serde::Serialize;
use zs_identity::policy::{Authorized, GovernManage, GovernRead, TicketRead};
use zs_meta::govern::{RunRow, TicketQuery};
use zs_types::{Error, Result, Role};

use super::check::results_of;
use super::tickets::Names;
use super::{CheckOutcome, GovernService, TicketView};
use crate::rules::Rule;
use crate::stats::{RuleResult, Scores};

/// One checked version (a point of the trend).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunView {
    /// Version.
    pub version: i64,
    /// `hand_in` or `recheck`.
    pub trigger: String,
    /// Rows.
    pub rows: i64,
    /// Rows with an error-severity failure.
    pub blocked: i64,
    /// Files scanned by the check (others came from the statistics cache).
    pub files_scanned: i64,
    /// Scores.
    #[schema(value_type = Object)]
    pub scores: Scores,
    /// When (Unix ms).
    pub ran_at: i64,
}

impl From<&RunRow> for RunView {
    fn from(r: &RunRow) -> Self {
        Self {
            version: r.version,
            trigger: r.trigger.clone(),
            rows: r.rows,
            blocked: r.blocked,
            files_scanned: r.files_scanned,
            scores: scores_of(r),
            ran_at: r.ran_at,
        }
    }
}

pub(crate) fn scores_of(r: &RunRow) -> Scores {
    Scores {
        completeness: r.completeness,
        validity: r.validity,
        uniqueness: r.uniqueness,
        consistency: r.consistency,
        timeliness: r.timeliness,
        overall: r.overall,
    }
}

/// The quality of one resource.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QualityView {
    /// Resource code.
    pub code: String,
    /// Resource name.
    pub name: String,
    /// Providing department.
    pub provider: String,
    /// Its id.
    pub org_id: i64,
    /// The latest check.
    pub latest: Option<RunView>,
    /// Per-rule results of the latest check (samples masked).
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<RuleResult>,
    /// Checks, oldest first (the trend).
    pub trend: Vec<RunView>,
    /// The rule set in force.
    #[schema(value_type = Vec<Object>)]
    pub rule_set: Vec<Rule>,
    /// Whether the steward wrote it (false: the default rules).
    pub custom_rules: bool,
    /// Tickets not closed.
    pub open_tickets: Vec<TicketView>,
}

/// Scores of one department.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeptScores {
    /// Department id.
    pub org_id: i64,
    /// Department.
    pub name: String,
    /// Resources checked.
    pub resources: usize,
    /// Rows in their latest versions.
    pub rows: i64,
    /// Row-weighted scores over its resources' latest checks.
    #[schema(value_type = Object)]
    pub scores: Scores,
    /// Tickets not closed.
    pub open_tickets: usize,
    /// Of those, past their deadline.
    pub overdue_tickets: usize,
}

/// One resource on the dashboard.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResourceScores {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Department.
    pub provider: String,
    /// Latest check.
    pub latest: RunView,
}

/// The quality dashboard (质量看板).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QualityDashboard {
    /// Row-weighted scores over every resource shown.
    #[schema(value_type = Object)]
    pub city: Scores,
    /// Per department, lowest overall first.
    pub departments: Vec<DeptScores>,
    /// Per resource, lowest overall first.
    pub resources: Vec<ResourceScores>,
    /// Tickets not closed.
    pub open_tickets: usize,
    /// Of those, past their deadline.
    pub overdue_tickets: usize,
    /// Tickets by state.
    pub tickets_by_state: BTreeMap<String, usize>,
}

impl GovernService {
    /// The quality of a resource the caller can see (404 otherwise).
    pub async fn quality(&self, pass: &Authorized<GovernRead>, code: &str) -> Result<QualityView> {
        let entry = self.visible_entry(pass, code).await?;
        let mut runs = self.store.list_runs(&entry.code, 200).await?;
        runs.reverse();
        let latest = runs.last();
        let rules: Vec<RuleResult> = latest.map(|r| results_of(r).into_values().collect()).unwrap_or_default();
        let mut rules = rules;
        rules.sort_by(|a, b| b.failed.cmp(&a.failed).then(a.key.cmp(&b.key)));
        let (rule_set, custom_rules) = self.rules_of(&entry).await?;
        let read = self.identity.authorize::<TicketRead>(&pass.principal_arc(), pass.request_id()).await;
        let open_tickets = match read {
            Ok(r) => self.tickets(&r, Some(&entry.code), true, 100).await?,
            Err(_) => Vec::new(),
        };
        Ok(QualityView {
            code: entry.code.clone(),
            name: entry.body.name.clone(),
            provider: entry.provider.clone(),
            org_id: entry.org_id,
            latest: latest.map(RunView::from),
            rules,
            trend: runs.iter().map(RunView::from).collect(),
            rule_set,
            custom_rules,
            open_tickets,
        })
    }

    /// The dashboard over the resources the caller can see.
    pub async fn dashboard(&self, pass: &Authorized<GovernRead>) -> Result<QualityDashboard> {
        let p = pass.principal();
        let visible: std::collections::HashMap<String, zs_catalog::Entry> =
            self.catalog.visible_entries(p).await?.into_iter().map(|e| (e.code.clone(), e)).collect();
        let names = Names::load(self).await?;
        let runs: Vec<RunRow> =
            self.store.latest_runs().await?.into_iter().filter(|r| visible.contains_key(&r.code)).collect();
        let tickets =
            self.store.list_tickets(&TicketQuery { open_only: true, limit: 1000, ..Default::default() }).await?;
        let today = zs_catalog::calendar::beijing_date(self.clock.now()).to_string();
        let tickets: Vec<_> = tickets.into_iter().filter(|t| visible.contains_key(&t.code)).collect();
        let mut by_dept: BTreeMap<i64, Vec<&RunRow>> = BTreeMap::new();
        for r in &runs {
            by_dept.entry(r.org_id).or_default().push(r);
        }
        let mut departments: Vec<DeptScores> = by_dept
            .iter()
            .map(|(org, rs)| {
                let items: Vec<(Scores, f64)> = rs.iter().map(|r| (scores_of(r), r.rows as f64)).collect();
                let open: Vec<_> = tickets.iter().filter(|t| t.org_id == *org).collect();
                DeptScores {
                    org_id: *org,
                    name: names.org(*org),
                    resources: rs.len(),
                    rows: rs.iter().map(|r| r.rows).sum(),
                    scores: Scores::weighted(&items),
                    open_tickets: open.len(),
                    overdue_tickets: open.iter().filter(|t| t.deadline < today).count(),
                }
            })
            .collect();
        departments
            .sort_by(|a, b| a.scores.overall.partial_cmp(&b.scores.overall).unwrap_or(std::cmp::Ordering::Equal));
        let city = Scores::weighted(&runs.iter().map(|r| (scores_of(r), r.rows as f64)).collect::<Vec<_>>());
        let mut resources: Vec<ResourceScores> = runs
            .iter()
            .map(|r| ResourceScores {
                code: r.code.clone(),
                name: names.resource(&r.code),
                provider: names.org(r.org_id),
                latest: RunView::from(r),
            })
            .collect();
        resources.sort_by(|a, b| {
            a.latest.scores.overall.partial_cmp(&b.latest.scores.overall).unwrap_or(std::cmp::Ordering::Equal)
        });
        let mut tickets_by_state = BTreeMap::new();
        for t in &tickets {
            *tickets_by_state.entry(t.state.clone()).or_insert(0) += 1;
        }
        Ok(QualityDashboard {
            city,
            departments,
            resources,
            open_tickets: tickets.len(),
            overdue_tickets: tickets.iter().filter(|t| t.deadline < today).count(),
            tickets_by_state,
        })
    }

    /// Replace a resource's rule set: a steward of the providing department, or an operator
    /// whose area holds it. Audited as `govern.rules`.
    pub async fn set_rules(&self, pass: &Authorized<GovernManage>, code: &str, rules: &[Rule]) -> Result<Vec<Rule>> {
        let entry = self.managed_entry(pass, code).await?;
        self.put_rules(&entry, rules, Some(pass.principal().user.id.0)).await?;
        self.record(
            Some(pass.principal()),
            pass.request_id(),
            "govern.rules",
            format!("resource:{}", entry.code),
            zs_types::Outcome::Succeeded,
            serde_json::json!({ "rules": rules.len() }),
        )
        .await?;
        Ok(self.rules_of(&entry).await?.0)
    }

    /// Check the current version again now (on demand); tickets follow the result.
    pub async fn recheck(&self, pass: &Authorized<GovernManage>, code: &str) -> Result<CheckOutcome> {
        let entry = self.managed_entry(pass, code).await?;
        let table = self.ingest.open_table(&entry)?;
        let t2 = table.clone();
        let current = tokio::task::spawn_blocking(move || t2.current())
            .await
            .map_err(|_| Error::internal("reading versions"))?
            .map_err(zs_ingest::tables_error)?
            .ok_or_else(|| Error::new(zs_types::ErrorCode::Conflict, format!("{} holds no data yet", entry.code)))?;
        self.check_version(&entry, &table, current.version, None, Some(pass.principal()), pass.request_id()).await
    }

    async fn managed_entry(&self, pass: &Authorized<GovernManage>, code: &str) -> Result<zs_catalog::Entry> {
        let entry = self.visible_entry(pass, code).await?;
        let p = pass.principal();
        let ok = match p.user.role {
            Role::Steward => p.org.id.0 == entry.org_id,
            Role::PlatformOperator => true,
            _ => false,
        };
        if !ok {
            return Err(Error::forbidden(format!(
                "the quality rules of {} are kept by {} or an operator",
                entry.code, entry.provider
            )));
        }
        if entry.published_version.is_none() {
            return Err(Error::new(zs_types::ErrorCode::Conflict, format!("{} is not published", entry.code)));
        }
        Ok(entry)
    }
}

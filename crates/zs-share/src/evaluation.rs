//! Sharing evaluation (共享评估): per department and month, as provider and as consumer, the
//! figures the city's informatisation assessment (信息化考核) uses, a score and the ranking.
//!
//! * **Applications**: conditional applications (有条件共享) addressed to the department and filed
//!   in the month are *received*; one is *answered in time* when decided on or before its due
//!   date (Beijing). Those still pending and not yet due are left out of the in-time rate; those
//!   pending past their due date count as late. The median response time is over the answered
//!   ones, in hours and in working days (the catalogue calendar). Refusals are listed with their
//!   reasons.
//! * **Data API**: the month's `share.data` records of the audit trail (each call is recorded as
//!   succeeded or failed with its error code and rows). *Success rate* = succeeded / calls;
//!   *availability* = calls not failed by the platform (an error answered with a 5xx status) /
//!   calls. Calls count for the provider of the grant when made by its consumer department, and
//!   for the calling department as consumer.
//! * **Demands (供需对接)**: each routing to the department in the month is a demand *received*;
//!   it is *answered in time* when the department's answer comes on or before the due date, before
//!   any re-routing. Not yet due and unanswered ones are left out of the rate.
//! * **Score** (0-100, provider duties): 50 % application in-time rate, 30 % API availability,
//!   20 % demand in-time rate, over the parts the department had (weights renormalised); a
//!   department with none has no score and is not ranked. Ranking: score descending, equal
//!   scores share a rank.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use utoipa::ToSchema;
use zs_catalog::calendar::beijing_date;
use zs_identity::policy::{Authorized, EvaluationRead};
use zs_meta::share::Grant;
use zs_types::{Error, ErrorCode, Result, Role};

use crate::service::ShareService;

/// Weight of the application in-time rate in the score.
pub const WEIGHT_APPLICATIONS: f64 = 0.5;
/// Weight of the data API's availability.
pub const WEIGHT_AVAILABILITY: f64 = 0.3;
/// Weight of the demand in-time rate.
pub const WEIGHT_DEMANDS: f64 = 0.2;

/// A refusal with its reasons.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Refusal {
    /// The application.
    pub application_id: i64,
    /// 信息资源代码.
    pub code: String,
    /// The applying department.
    pub consumer: String,
    /// The reasons given.
    pub reason: String,
}

/// A department's figures as provider (提供方).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ProviderFigures {
    /// Conditional applications received (filed in the month).
    pub applications_received: u64,
    /// Of those, answered (granted or refused).
    pub applications_answered: u64,
    /// Answered on or before the due date.
    pub answered_in_time: u64,
    /// Answered after the due date.
    pub answered_late: u64,
    /// Still unanswered past the due date.
    pub overdue_unanswered: u64,
    /// Still unanswered, not yet due (left out of the rate).
    pub pending: u64,
    /// answered_in_time / (received - pending).
    pub in_time_rate: Option<f64>,
    /// Median time from filing to answer, hours.
    pub median_response_hours: Option<f64>,
    /// Median time from filing to answer, working days.
    pub median_response_working_days: Option<f64>,
    /// Granted.
    pub granted: u64,
    /// Refused.
    pub refused: u64,
    /// The refusals with their reasons (shown to the department itself and operators).
    pub refusals: Vec<Refusal>,
    /// Data-API calls through its grants by their consumers.
    pub calls: u64,
    /// Of those, succeeded.
    pub calls_succeeded: u64,
    /// Failed by the platform (5xx).
    pub server_errors: u64,
    /// calls_succeeded / calls.
    pub success_rate: Option<f64>,
    /// (calls - server_errors) / calls.
    pub availability: Option<f64>,
    /// Rows served.
    pub rows: u64,
    /// Demands routed to it in the month.
    pub demands_received: u64,
    /// Of those, answered.
    pub demands_answered: u64,
    /// Answered on or before the due date.
    pub demands_answered_in_time: u64,
    /// Unanswered, not yet due.
    pub demands_pending: u64,
    /// demands_answered_in_time / (received - pending).
    pub demand_in_time_rate: Option<f64>,
}

/// A department's figures as consumer (使用方).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ConsumerFigures {
    /// Applications filed in the month (all share types).
    pub applications_filed: u64,
    /// Of those, granted.
    pub granted: u64,
    /// Refused.
    pub refused: u64,
    /// Pending.
    pub pending: u64,
    /// Data-API calls made.
    pub calls: u64,
    /// Of those, succeeded.
    pub calls_succeeded: u64,
    /// calls_succeeded / calls.
    pub success_rate: Option<f64>,
    /// Rows received.
    pub rows: u64,
    /// Demands posted in the month.
    pub demands_posted: u64,
    /// Of those, answered by now.
    pub demands_answered: u64,
}

/// One department's evaluation for the month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentEvaluation {
    /// Rank by score (1 = best; equal scores share a rank); none without a score.
    pub rank: Option<u32>,
    /// Organisation id.
    pub org_id: i64,
    /// Department.
    pub name: String,
    /// Score 0-100 (one decimal).
    pub score: Option<f64>,
    /// As provider.
    pub provider: ProviderFigures,
    /// As consumer.
    pub consumer: ConsumerFigures,
}

/// The month's evaluation: every department with any sharing activity, ranked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvaluationReport {
    /// `YYYY-MM`.
    pub month: String,
    /// First day (Beijing).
    pub from: String,
    /// Last day (Beijing).
    pub to: String,
    /// The day the figures were computed (pending and overdue are judged on it).
    pub as_of: String,
    /// The score's weights: applications, availability, demands.
    pub weights: Vec<f64>,
    /// Ranked departments first (best first), then unscored ones by name.
    pub departments: Vec<DepartmentEvaluation>,
}

/// Parse `YYYY-MM` into the month's first day.
pub fn parse_month(s: &str) -> Result<time::Date> {
    let bad = || Error::invalid("month", format!("'{s}' is not a month YYYY-MM"));
    let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 {
        return Err(bad());
    }
    let y: i32 = y.parse().map_err(|_| bad())?;
    let m: u8 = m.parse().map_err(|_| bad())?;
    let m = time::Month::try_from(m).map_err(|_| bad())?;
    if !(2000..=2100).contains(&y) {
        return Err(bad());
    }
    time::Date::from_calendar_date(y, m, 1).map_err(|_| bad())
}

fn beijing_ms(d: time::Date) -> i64 {
    let off = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    zs_types::clock::to_ms(d.midnight().assume_offset(off))
}

fn date_of(ms: i64) -> time::Date {
    beijing_date(zs_types::clock::from_ms(ms))
}

/// The median of some values (mean of the middle two for an even count).
pub fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n.is_multiple_of(2) { (v[n / 2 - 1] + v[n / 2]) / 2.0 } else { v[n / 2] })
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// The score from the rates a department has (weights renormalised), 0-100 to one decimal.
pub fn score(applications: Option<f64>, availability: Option<f64>, demands: Option<f64>) -> Option<f64> {
    let parts = [(applications, WEIGHT_APPLICATIONS), (availability, WEIGHT_AVAILABILITY), (demands, WEIGHT_DEMANDS)];
    let (sum, weight) =
        parts.iter().filter_map(|(r, w)| r.map(|r| (r * w, *w))).fold((0.0, 0.0), |(s, t), (x, w)| (s + x, t + w));
    (weight > 0.0).then(|| (sum / weight * 1000.0).round() / 10.0)
}

fn is_server_error(code: Option<&str>) -> bool {
    code.and_then(|c| ErrorCode::ALL.iter().find(|e| e.as_str() == c)).is_some_and(|e| e.http_status() >= 500)
}

#[derive(Default)]
struct Acc {
    provider: ProviderFigures,
    consumer: ConsumerFigures,
    hours: Vec<f64>,
    days: Vec<f64>,
}

impl ShareService {
    /// The sharing evaluation of a month (`YYYY-MM`; the current month by default).
    pub async fn evaluation(&self, pass: &Authorized<EvaluationRead>, month: Option<&str>) -> Result<EvaluationReport> {
        let today = self.today();
        let first = match month.map(str::trim).filter(|m| !m.is_empty()) {
            Some(m) => parse_month(m)?,
            None => today.replace_day(1).map_err(|_| Error::internal("first of the month"))?,
        };
        let next = first
            .replace_day(28)
            .ok()
            .and_then(|d| d.checked_add(time::Duration::days(4)))
            .and_then(|d| d.replace_day(1).ok())
            .ok_or_else(|| Error::invalid("month", "month out of range"))?;
        let (from_ms, to_ms) = (beijing_ms(first), beijing_ms(next));
        let cal = self.catalog.calendar().await?;
        let mut acc: BTreeMap<i64, Acc> = BTreeMap::new();
        let mut orgs = HashMap::new();

        // Applications filed in the month.
        for a in self.store.applications_filed(from_ms, to_ms).await? {
            let c = &mut acc.entry(a.applicant_org_id).or_default().consumer;
            c.applications_filed += 1;
            match a.state.as_str() {
                "granted" => c.granted += 1,
                "refused" => c.refused += 1,
                _ => c.pending += 1,
            }
            if a.share_kind != "conditional" {
                continue;
            }
            let consumer = self.org_name(&mut orgs, a.applicant_org_id).await?;
            let e = acc.entry(a.provider_org_id).or_default();
            let p = &mut e.provider;
            p.applications_received += 1;
            let due = a.due_date.as_deref().and_then(|d| crate::model::parse_date("due_date", d).ok());
            match a.decided_at {
                Some(at) => {
                    p.applications_answered += 1;
                    let decided = date_of(at);
                    if due.is_none_or(|due| decided <= due) {
                        p.answered_in_time += 1;
                    } else {
                        p.answered_late += 1;
                    }
                    e.hours.push((at - a.created_at) as f64 / 3_600_000.0);
                    e.days.push(cal.working_days_between(date_of(a.created_at), decided) as f64);
                    if a.state == "refused" {
                        p.refused += 1;
                        p.refusals.push(Refusal {
                            application_id: a.id,
                            code: a.code.clone(),
                            consumer,
                            reason: a.decision_note.clone().unwrap_or_default(),
                        });
                    } else {
                        p.granted += 1;
                    }
                }
                None if due.is_some_and(|due| due < today) => p.overdue_unanswered += 1,
                None => p.pending += 1,
            }
        }

        // Data-API calls from the audit trail.
        let mut grants: HashMap<i64, Option<Grant>> = HashMap::new();
        for c in self.store.share_calls(from_ms, to_ms).await? {
            if let std::collections::hash_map::Entry::Vacant(slot) = grants.entry(c.grant_id) {
                slot.insert(self.store.get_grant(c.grant_id).await?);
            }
            let calls = c.calls.max(0) as u64;
            let rows = c.rows.max(0) as u64;
            let server = !c.succeeded && is_server_error(c.error_code.as_deref());
            if let Some(actor) = c.actor_org {
                let k = &mut acc.entry(actor).or_default().consumer;
                k.calls += calls;
                if c.succeeded {
                    k.calls_succeeded += calls;
                    k.rows += rows;
                }
            }
            // The provider answers for calls made by the grant's own consumer only.
            if let Some(Some(g)) = grants.get(&c.grant_id) {
                if c.actor_org == Some(g.consumer_org_id) {
                    let p = &mut acc.entry(g.provider_org_id).or_default().provider;
                    p.calls += calls;
                    if c.succeeded {
                        p.calls_succeeded += calls;
                        p.rows += rows;
                    }
                    if server {
                        p.server_errors += calls;
                    }
                }
            }
        }

        // Demands routed in the month (provider) and posted in the month (consumer).
        let events = self.store.events_of_demands_routed(from_ms, to_ms).await?;
        for (i, e) in events.iter().enumerate() {
            if e.action != "route" || e.at < from_ms || e.at >= to_ms {
                continue;
            }
            let Some(provider) = e.provider_org_id else { continue };
            let p = &mut acc.entry(provider).or_default().provider;
            p.demands_received += 1;
            let due = e.due_date.as_deref().and_then(|d| crate::model::parse_date("due_date", d).ok());
            let next = events[i + 1..]
                .iter()
                .take_while(|n| n.demand_id == e.demand_id)
                .find(|n| matches!(n.action.as_str(), "answer" | "route" | "reopen"));
            match next {
                Some(n) if n.action == "answer" && n.provider_org_id == Some(provider) => {
                    p.demands_answered += 1;
                    if due.is_none_or(|due| date_of(n.at) <= due) {
                        p.demands_answered_in_time += 1;
                    }
                }
                // Re-routed before an answer: late only if already past due then.
                Some(n) if due.is_some_and(|due| date_of(n.at) > due) => {}
                Some(_) => p.demands_received -= 1,
                None if due.is_some_and(|due| due < today) => {}
                None => p.demands_pending += 1,
            }
        }
        let posted = self
            .store
            .list_demands(&zs_meta::demand::DemandQuery {
                created_from: Some(from_ms),
                created_to: Some(to_ms),
                limit: 1000,
                ..Default::default()
            })
            .await?;
        for d in posted {
            let k = &mut acc.entry(d.requester_org_id).or_default().consumer;
            k.demands_posted += 1;
            if d.answer_kind.is_some() {
                k.demands_answered += 1;
            }
        }

        // Rates, score, ranking.
        let me = pass.principal();
        let sees_all = matches!(me.role(), Role::PlatformOperator | Role::AuditAdmin);
        let mut out = Vec::with_capacity(acc.len());
        for (org_id, mut a) in acc {
            let Some(org) = self.org(&mut orgs, org_id).await? else { continue };
            let p = &mut a.provider;
            p.in_time_rate = ratio(p.answered_in_time, p.applications_received - p.pending);
            p.median_response_hours = median(a.hours).map(|h| (h * 10.0).round() / 10.0);
            p.median_response_working_days = median(a.days);
            p.success_rate = ratio(p.calls_succeeded, p.calls);
            p.availability = ratio(p.calls - p.server_errors, p.calls);
            p.demand_in_time_rate = ratio(p.demands_answered_in_time, p.demands_received - p.demands_pending);
            a.consumer.success_rate = ratio(a.consumer.calls_succeeded, a.consumer.calls);
            let may_see_reasons = org_id == me.org.id.0 || (sees_all && org.path.starts_with(me.scope_path()));
            if !may_see_reasons {
                p.refusals.clear();
            }
            out.push(DepartmentEvaluation {
                rank: None,
                org_id,
                name: org.name.clone(),
                score: score(p.in_time_rate, p.availability, p.demand_in_time_rate),
                provider: a.provider,
                consumer: a.consumer,
            });
        }
        out.sort_by(|a, b| match (a.score, b.score) {
            (Some(x), Some(y)) => y.total_cmp(&x).then_with(|| a.name.cmp(&b.name)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.name.cmp(&b.name),
        });
        let mut last: Option<(f64, u32)> = None;
        for (i, d) in out.iter_mut().enumerate() {
            if let Some(s) = d.score {
                let rank = match last {
                    Some((prev, r)) if prev == s => r,
                    _ => i as u32 + 1,
                };
                d.rank = Some(rank);
                last = Some((s, rank));
            }
        }
        Ok(EvaluationReport {
            month: format!("{:04}-{:02}", first.year(), u8::from(first.month())),
            from: first.to_string(),
            to: next.previous_day().unwrap_or(next).to_string(),
            as_of: today.to_string(),
            weights: vec![WEIGHT_APPLICATIONS, WEIGHT_AVAILABILITY, WEIGHT_DEMANDS],
            departments: out,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_scores_and_months() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(score(None, None, None), None);
        assert_eq!(score(Some(1.0), Some(1.0), Some(1.0)), Some(100.0));
        // 0.5 × 0.5 + 0.3 × 1.0 over 0.8 = 0.6875 → 68.8
        assert_eq!(score(Some(0.5), Some(1.0), None), Some(68.8));
        assert_eq!(parse_month("2026-10").unwrap(), time::macros::date!(2026 - 10 - 01));
        for bad in ["2026-13", "2026-1", "26-10", "2026/10", ""] {
            assert_eq!(parse_month(bad).unwrap_err().field.as_deref(), Some("month"), "{bad}");
        }
        assert!(
            is_server_error(Some("internal")) && !is_server_error(Some("quota_exceeded")) && !is_server_error(None)
        );
    }
}

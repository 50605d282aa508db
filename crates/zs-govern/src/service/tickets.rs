//! Problem tickets (质量问题工单) and corrections (纠错), addressed to the providing department.
//!
//! A failed rule opens one ticket per rule (not per row) at the version it first fails in; while
//! it stays open, later versions that still fail are noted on it. States:
//! `open → acknowledged → fixed → verified → closed`, or `disputed` (with a reason) for an
//! operator to uphold (back to open) or dismiss (closed). A rule ticket is fixed by a new
//! hand-in and verified by the re-check that follows: when the rule passes, the check moves the
//! ticket through fixed and verified to closed by itself. A correction, reported by a data user
//! on a record, is fixed by the provider and verified by an operator or its reporter.

use serde::{Deserialize, Serialize};
use time::Date;
use zs_catalog::calendar::beijing_date;
use zs_catalog::Entry;
use zs_identity::policy::{Authorized, TicketHandle, TicketRead, TicketReport};
use zs_identity::Principal;
use zs_meta::govern::{TicketEventRow, TicketQuery, TicketRow};
use zs_types::{Error, ErrorCode, Outcome, Result, Role};

use super::GovernService;
use crate::rules::Severity;
use crate::stats::VersionResult;

/// A step someone takes on a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketAction {
    /// The provider has seen it (open → acknowledged).
    Acknowledge,
    /// The provider disputes it, with a reason (open/acknowledged → disputed).
    Dispute,
    /// An operator rejects the dispute (disputed → open).
    Uphold,
    /// An operator accepts the dispute (disputed → closed).
    Dismiss,
    /// The provider corrected a reported record (correction: open/acknowledged → fixed).
    Fix,
    /// An operator or the reporter confirms the correction (fixed → closed).
    Verify,
}

impl TicketAction {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketAction::Acknowledge => "acknowledge",
            TicketAction::Dispute => "dispute",
            TicketAction::Uphold => "uphold",
            TicketAction::Dismiss => "dismiss",
            TicketAction::Fix => "fix",
            TicketAction::Verify => "verify",
        }
    }

    /// Parse a stable name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Acknowledge, Self::Dispute, Self::Uphold, Self::Dismiss, Self::Fix, Self::Verify]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// A ticket as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TicketView {
    /// Identifier.
    pub id: i64,
    /// Resource code.
    pub code: String,
    /// Resource name.
    pub resource: String,
    /// Providing department id.
    pub org_id: i64,
    /// Providing department.
    pub provider: String,
    /// `rule` or `correction`.
    pub kind: String,
    /// Bound rule key.
    pub rule: Option<String>,
    /// Item concerned.
    pub field: Option<String>,
    /// Version found in.
    pub version: Option<i64>,
    /// Latest version checked.
    pub latest_version: Option<i64>,
    /// open | acknowledged | fixed | verified | closed | disputed.
    pub state: String,
    /// error | warning.
    pub severity: String,
    /// Title.
    pub title: String,
    /// Detail (values masked).
    pub detail: String,
    /// Failures at the latest check.
    pub failed: i64,
    /// The reported record's key (corrections).
    pub record_key: Option<String>,
    /// Deadline, `YYYY-MM-DD`.
    pub deadline: String,
    /// Past its deadline and not closed.
    pub overdue: bool,
    /// Opened (Unix ms).
    pub opened_at: i64,
    /// Last change (Unix ms).
    pub updated_at: i64,
    /// Closed (Unix ms).
    pub closed_at: Option<i64>,
    /// The provider's dispute reason.
    pub dispute_reason: Option<String>,
    /// How it ended.
    pub resolution: Option<String>,
}

/// A ticket with its history and what the caller may do.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TicketDetail {
    /// The ticket.
    pub ticket: TicketView,
    /// Its events, oldest first.
    pub events: Vec<TicketEventView>,
    /// Actions the caller may take now.
    pub actions: Vec<TicketAction>,
}

/// One event of a ticket.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TicketEventView {
    /// When (Unix ms).
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// State after it.
    pub state: String,
    /// Note.
    pub note: Option<String>,
}

/// A data user's report of an error in a record (纠错).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CorrectionRequest {
    /// The record's key (e.g. its licence number); required.
    pub record_key: String,
    /// The item that is wrong, if known.
    #[serde(default)]
    pub field: Option<String>,
    /// What is wrong and what it should be.
    pub description: String,
}

const PLATFORM: &str = "平台质量检查";

impl GovernService {
    fn deadline(&self, cal: &zs_catalog::calendar::Calendar) -> Date {
        cal.add_working_days(beijing_date(self.clock.now()), self.ticket_days)
    }

    fn today(&self) -> String {
        beijing_date(self.clock.now()).to_string()
    }

    fn event(&self, who: Option<&Principal>, action: &str, state: &str, note: Option<String>) -> TicketEventRow {
        TicketEventRow {
            id: 0,
            ticket_id: 0,
            at: self.now_ms(),
            actor_user: who.map(|w| w.user.id.0),
            actor_name: who.map(|w| w.user.username.clone()).unwrap_or_else(|| PLATFORM.into()),
            action: action.into(),
            state: state.into(),
            note,
        }
    }

    /// Store a ticket change (state and fields already set on `t`) with its event.
    async fn step(
        &self,
        mut t: TicketRow,
        who: Option<&Principal>,
        action: &str,
        note: Option<String>,
    ) -> Result<TicketRow> {
        t.revision += 1;
        t.updated_at = self.now_ms();
        if t.state == "closed" {
            t.closed_at = Some(t.updated_at);
        }
        let ev = self.event(who, action, &t.state, note);
        if !self.store.update_ticket(&t, &ev).await? {
            return Err(Error::new(ErrorCode::Conflict, "the ticket was changed meanwhile; reload it and try again"));
        }
        Ok(t)
    }

    /// After a check of `version`: open tickets for rules that fail (one per rule), note still
    /// failing ones, and close (fixed → verified → closed) those whose rule now passes.
    pub(crate) async fn sync_tickets(
        &self,
        entry: &Entry,
        version: i64,
        result: &VersionResult,
        who: Option<&Principal>,
    ) -> Result<()> {
        let cal = self.catalog.calendar().await?;
        for r in &result.rules {
            if r.failed == 0 {
                continue;
            }
            let samples: Vec<String> = r
                .samples
                .iter()
                .map(|s| {
                    let v = s.value.as_deref().map(|v| format!(" 值 {v}")).unwrap_or_default();
                    let o = s.other.as_deref().map(|v| format!(" 对方 {v}")).unwrap_or_default();
                    format!("第{}行{v}{o}：{}", s.row, s.reason)
                })
                .collect();
            let detail = format!(
                "版本 {version}：{} 项检查中 {} 项未通过（规则 {}，{}）。示例：{}",
                r.checked,
                r.failed,
                r.key,
                r.kind,
                samples.join("；")
            );
            match self.store.open_ticket_for_rule(&entry.code, &r.key).await? {
                Some(mut t) => {
                    t.latest_version = Some(version);
                    t.failed = r.failed as i64;
                    t.detail = detail;
                    let note = Some(format!("re-check of version {version}: still {} failures", r.failed));
                    if matches!(t.state.as_str(), "fixed" | "verified") {
                        t.state = "open".into();
                    }
                    self.step(t, who, "recheck", note).await?;
                }
                None => {
                    let now = self.now_ms();
                    let t = TicketRow {
                        id: 0,
                        code: entry.code.clone(),
                        entry_id: entry.id,
                        org_id: entry.org_id,
                        kind: "rule".into(),
                        rule_key: Some(r.key.clone()),
                        field: Some(r.field.clone()),
                        version: Some(version),
                        latest_version: Some(version),
                        state: "open".into(),
                        severity: r.severity.as_str().into(),
                        title: format!(
                            "{}：{}（规则 {}）未通过 {} 项",
                            entry.body.name,
                            entry
                                .body
                                .items
                                .iter()
                                .find(|i| i.name == r.field)
                                .map_or(r.field.as_str(), |i| i.label.as_str()),
                            r.key,
                            r.failed
                        ),
                        detail,
                        failed: r.failed as i64,
                        record_key: None,
                        deadline: self.deadline(&cal).to_string(),
                        opened_by: None,
                        opened_at: now,
                        updated_at: now,
                        closed_at: None,
                        dispute_reason: None,
                        resolution: None,
                        revision: 1,
                    };
                    let ev = self.event(who, "open", "open", Some(format!("version {version}: {} failures", r.failed)));
                    let t = self.store.create_ticket(&t, &ev).await?;
                    self.record(
                        who,
                        None,
                        "ticket.open",
                        format!("ticket:{}", t.id),
                        Outcome::Succeeded,
                        serde_json::json!({ "code": entry.code, "rule": r.key, "version": version, "failed": r.failed }),
                    )
                    .await?;
                }
            }
        }
        // Rules that pass now (or are gone) close their tickets.
        let q = TicketQuery { code: Some(entry.code.clone()), open_only: true, limit: 1000, ..Default::default() };
        for t in self.store.list_tickets(&q).await? {
            if t.kind != "rule" || t.state == "disputed" {
                continue;
            }
            let passing =
                result.rules.iter().find(|r| Some(&r.key) == t.rule_key.as_ref()).is_none_or(|r| r.failed == 0);
            if !passing {
                continue;
            }
            let mut t = t;
            t.latest_version = Some(version);
            t.failed = 0;
            t.state = "fixed".into();
            let t = self.step(t, who, "fix", Some(format!("version {version} handed in"))).await?;
            let mut t = t;
            t.state = "verified".into();
            let t = self.step(t, who, "verify", Some(format!("re-check of version {version} passed"))).await?;
            let mut t = t;
            t.state = "closed".into();
            t.resolution = Some(format!("re-check of version {version} passed"));
            let t = self.step(t, who, "close", None).await?;
            self.record(
                who,
                None,
                "ticket.close",
                format!("ticket:{}", t.id),
                Outcome::Succeeded,
                serde_json::json!({ "code": entry.code, "version": version, "auto": true }),
            )
            .await?;
        }
        Ok(())
    }

    pub(crate) async fn view_ticket(&self, t: TicketRow, names: &Names) -> TicketView {
        let today = self.today();
        TicketView {
            overdue: t.state != "closed" && t.deadline < today,
            resource: names.resource(&t.code),
            provider: names.org(t.org_id),
            id: t.id,
            code: t.code,
            org_id: t.org_id,
            kind: t.kind,
            rule: t.rule_key,
            field: t.field,
            version: t.version,
            latest_version: t.latest_version,
            state: t.state,
            severity: t.severity,
            title: t.title,
            detail: t.detail,
            failed: t.failed,
            record_key: t.record_key,
            deadline: t.deadline,
            opened_at: t.opened_at,
            updated_at: t.updated_at,
            closed_at: t.closed_at,
            dispute_reason: t.dispute_reason,
            resolution: t.resolution,
        }
    }

    /// Whether `p` may see ticket `t`: its department's stewards, operators whose area holds the
    /// department, and the user who reported it.
    async fn may_see(&self, p: &Principal, t: &TicketRow) -> Result<bool> {
        if t.opened_by == Some(p.user.id.0) {
            return Ok(true);
        }
        let org = self.store.get_org(zs_types::OrgId(t.org_id)).await?;
        Ok(match p.user.role {
            Role::Steward => p.org.id.0 == t.org_id,
            Role::PlatformOperator => org.is_some_and(|o| p.can_see(&o)),
            _ => false,
        })
    }

    /// Tickets the caller may see, newest first; `open_only` leaves out closed ones.
    pub async fn tickets(
        &self,
        pass: &Authorized<TicketRead>,
        code: Option<&str>,
        open_only: bool,
        limit: i64,
    ) -> Result<Vec<TicketView>> {
        let p = pass.principal();
        let q = TicketQuery { code: code.map(str::to_owned), org_ids: None, open_only, limit: 1000 };
        let names = Names::load(self).await?;
        let mut out = Vec::new();
        for t in self.store.list_tickets(&q).await? {
            if self.may_see(p, &t).await? {
                out.push(self.view_ticket(t, &names).await);
                if out.len() as i64 >= limit.clamp(1, 1000) {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// One ticket with its events and the caller's possible actions (404 outside scope).
    pub async fn ticket(&self, pass: &Authorized<TicketRead>, id: i64) -> Result<TicketDetail> {
        let t = self.store.get_ticket(id).await?.ok_or_else(|| Error::not_found("ticket"))?;
        if !self.may_see(pass.principal(), &t).await? {
            return Err(Error::not_found("ticket"));
        }
        let actions = allowed(pass.principal(), &t);
        let events = self
            .store
            .ticket_events(id)
            .await?
            .into_iter()
            .map(|e| TicketEventView { at: e.at, actor: e.actor_name, action: e.action, state: e.state, note: e.note })
            .collect();
        let names = Names::load(self).await?;
        Ok(TicketDetail { ticket: self.view_ticket(t, &names).await, events, actions })
    }

    /// Take a step on a ticket; a dispute needs a reason. Audited as `ticket.<action>`.
    pub async fn ticket_action(
        &self,
        pass: &Authorized<TicketHandle>,
        id: i64,
        action: TicketAction,
        note: Option<String>,
    ) -> Result<TicketDetail> {
        let p = pass.principal();
        let mut t = self.store.get_ticket(id).await?.ok_or_else(|| Error::not_found("ticket"))?;
        if !self.may_see(p, &t).await? {
            return Err(Error::not_found("ticket"));
        }
        if !allowed(p, &t).contains(&action) {
            return Err(Error::new(
                ErrorCode::Conflict,
                format!("'{}' is not possible for you on a ticket in state {}", action.as_str(), t.state),
            ));
        }
        let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        match action {
            TicketAction::Acknowledge => t.state = "acknowledged".into(),
            TicketAction::Dispute => {
                let reason = note.clone().ok_or_else(|| Error::invalid("note", "a dispute needs a reason"))?;
                t.state = "disputed".into();
                t.dispute_reason = Some(reason);
            }
            TicketAction::Uphold => t.state = "open".into(),
            TicketAction::Dismiss => {
                t.state = "closed".into();
                t.resolution = Some(format!("dispute accepted: {}", t.dispute_reason.clone().unwrap_or_default()));
            }
            TicketAction::Fix => t.state = "fixed".into(),
            TicketAction::Verify => {
                t.state = "closed".into();
                t.resolution = Some("correction verified".into());
            }
        }
        let t = self.step(t, Some(p), action.as_str(), note).await?;
        self.record(
            Some(p),
            pass.request_id(),
            &format!("ticket.{}", action.as_str()),
            format!("ticket:{}", t.id),
            Outcome::Succeeded,
            serde_json::json!({ "code": t.code, "state": t.state }),
        )
        .await?;
        let read = self.identity.authorize::<TicketRead>(&pass.principal_arc(), pass.request_id()).await?;
        self.ticket(&read, id).await
    }

    /// A data user reports an error in a record of a resource they can see (纠错): a correction
    /// ticket for the providing department.
    pub async fn report_error(
        &self,
        pass: &Authorized<TicketReport>,
        code: &str,
        req: &CorrectionRequest,
    ) -> Result<TicketView> {
        let entry = self.visible_entry(pass, code).await?;
        let key = req.record_key.trim();
        let desc = req.description.trim();
        if key.is_empty() || key.chars().count() > 100 {
            return Err(Error::invalid("record_key", "give the record's key (at most 100 characters)"));
        }
        if desc.is_empty() || desc.chars().count() > 1000 {
            return Err(Error::invalid("description", "describe the error (at most 1000 characters)"));
        }
        if let Some(f) = &req.field {
            if !entry.body.items.iter().any(|i| &i.name == f) {
                return Err(Error::invalid("field", format!("{} has no item '{f}'", entry.code)));
            }
        }
        let p = pass.principal();
        let cal = self.catalog.calendar().await?;
        let now = self.now_ms();
        let t = TicketRow {
            id: 0,
            code: entry.code.clone(),
            entry_id: entry.id,
            org_id: entry.org_id,
            kind: "correction".into(),
            rule_key: None,
            field: req.field.clone(),
            version: None,
            latest_version: None,
            state: "open".into(),
            severity: Severity::Error.as_str().into(),
            title: format!("{}：数据纠错（记录 {key}）", entry.body.name),
            detail: desc.to_owned(),
            failed: 1,
            record_key: Some(key.to_owned()),
            deadline: self.deadline(&cal).to_string(),
            opened_by: Some(p.user.id.0),
            opened_at: now,
            updated_at: now,
            closed_at: None,
            dispute_reason: None,
            resolution: None,
            revision: 1,
        };
        let ev = self.event(Some(p), "report", "open", None);
        let t = self.store.create_ticket(&t, &ev).await?;
        // The record key may be personal data: the audit names the ticket, not the key.
        self.record(
            Some(p),
            pass.request_id(),
            "ticket.report",
            format!("ticket:{}", t.id),
            Outcome::Succeeded,
            serde_json::json!({ "code": entry.code, "field": req.field }),
        )
        .await?;
        let names = Names::load(self).await?;
        Ok(self.view_ticket(t, &names).await)
    }
}

/// What `p` may do with `t` now.
fn allowed(p: &Principal, t: &TicketRow) -> Vec<TicketAction> {
    use TicketAction::*;
    let provider = p.user.role == Role::Steward && p.org.id.0 == t.org_id;
    let operator = p.user.role == Role::PlatformOperator;
    let reporter = t.opened_by == Some(p.user.id.0);
    let correction = t.kind == "correction";
    let mut out = Vec::new();
    match t.state.as_str() {
        "open" if provider => out.extend([Acknowledge, Dispute]),
        "acknowledged" if provider => out.push(Dispute),
        "disputed" if operator => out.extend([Uphold, Dismiss]),
        "fixed" if correction && (operator || reporter) => out.push(Verify),
        _ => {}
    }
    if correction && provider && matches!(t.state.as_str(), "open" | "acknowledged") {
        out.push(Fix);
    }
    out
}

/// Resource and department names for views.
pub(crate) struct Names {
    resources: std::collections::HashMap<String, String>,
    orgs: std::collections::HashMap<i64, String>,
}

impl Names {
    pub(crate) async fn load(s: &GovernService) -> Result<Self> {
        let resources = s.catalog.all_entries().await?.into_iter().map(|e| (e.code, e.body.name)).collect();
        let orgs = s.store.list_orgs("/").await?.into_iter().map(|o| (o.id.0, o.name)).collect();
        Ok(Self { resources, orgs })
    }

    pub(crate) fn resource(&self, code: &str) -> String {
        self.resources.get(code).cloned().unwrap_or_else(|| code.to_owned())
    }

    pub(crate) fn org(&self, id: i64) -> String {
        self.orgs.get(&id).cloned().unwrap_or_default()
    }
}

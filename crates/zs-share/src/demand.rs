//! Supply–demand matching (供需对接): a department posts a demand for data that is not in the
//! catalogue; the platform operator routes it to a provider department with a deadline in
//! working days (the catalogue's calendar); the provider answers by cataloguing the data (linking
//! the new entry), by pointing to an existing entry, or by declining with reasons; the requester
//! closes it or re-opens it. Every department sees the board; every transition is authorised by
//! role and department, stored as an event and recorded through the audit sink.
//!
//! ```text
//! posted ─route─► routed ─answer─► answered{catalogued|pointed|declined} ─close─► closed
//!            ▲      │  ▲ re-route                     │ reopen (reasons)              │ reopen
//!            └──────┘  └──────────────────────────────┴────────────────────────────────┘
//! ```

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use zs_catalog::EntryStatus;
use zs_identity::policy::{Authorized, DemandAnswer, DemandClose, DemandPost, DemandRead, DemandRoute};
use zs_identity::Principal;
use zs_meta::demand::{Demand, DemandEvent, DemandQuery};
use zs_types::model::{Org, OrgKind};
use zs_types::{AuditEvent, Error, ErrorCode, OrgId, Outcome, Result};

use crate::model::{parse_date, text};
use crate::service::ShareService;

/// Working days a provider has to answer a routed demand unless configured otherwise.
pub const DEFAULT_DEMAND_DAYS: u32 = 5;

/// A demand to post.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemandInput {
    /// A short title (1-100 characters).
    pub title: String,
    /// What data is needed (1-2000 characters).
    pub description: String,
    /// 用途: what it is for (1-500 characters).
    pub purpose: String,
    /// The department believed to hold the data (organisation id), if known.
    #[serde(default)]
    pub guessed_provider_id: Option<i64>,
}

/// The operator's routing of a demand.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteInput {
    /// The provider department (organisation id).
    pub provider_org_id: i64,
    /// Working days to answer (1-60; the configured default when omitted).
    #[serde(default)]
    pub working_days: Option<u32>,
    /// A remark for the provider.
    #[serde(default)]
    pub note: Option<String>,
}

/// The provider's answer.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    /// `catalogued` (the data is now in the catalogue: `code` of the new entry of one's own
    /// department), `pointed` (an existing published entry answers it: its `code`) or `declined`
    /// (it cannot be provided: `note` gives the reasons).
    pub kind: String,
    /// 信息资源代码 of the entry answering it.
    #[serde(default)]
    pub code: Option<String>,
    /// Reasons (required when declined) or remarks.
    #[serde(default)]
    pub note: Option<String>,
}

/// The requester's closing or re-opening.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    /// Remarks (closing) or reasons (re-opening: required).
    #[serde(default)]
    pub note: Option<String>,
}

/// A demand as shown on the board.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DemandView {
    /// Identifier.
    pub id: i64,
    /// Title.
    pub title: String,
    /// What data is needed.
    pub description: String,
    /// 用途.
    pub purpose: String,
    /// The requesting department.
    pub requester_org_id: i64,
    /// Its name.
    pub requester: String,
    /// Who posted it.
    pub requester_user: String,
    /// The department the requester guessed, if any.
    pub guessed_provider: Option<String>,
    /// posted | routed | answered | closed.
    pub state: String,
    /// The provider it is routed to.
    pub provider_org_id: Option<i64>,
    /// Its name.
    pub provider: Option<String>,
    /// Answer due (`YYYY-MM-DD`), while routed.
    pub due_date: Option<String>,
    /// Working days left to answer (negative: overdue), while routed.
    pub working_days_left: Option<i64>,
    /// Routed and past its due date.
    pub overdue: bool,
    /// catalogued | pointed | declined.
    pub answer_kind: Option<String>,
    /// The entry answering it.
    pub answer_code: Option<String>,
    /// The provider's reasons or remarks.
    pub answer_note: Option<String>,
    /// Answered (Unix ms).
    pub answered_at: Option<i64>,
    /// Closed (Unix ms).
    pub closed_at: Option<i64>,
    /// Revision (bumped by every transition).
    pub revision: i64,
    /// Posted (Unix ms).
    pub created_at: i64,
    /// Last transition (Unix ms).
    pub updated_at: i64,
}

/// One transition as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DemandEventView {
    /// When (Unix ms).
    pub at: i64,
    /// post | route | answer | close | reopen | escalate.
    pub action: String,
    /// State after it.
    pub state_after: String,
    /// The acting department.
    pub actor_org: String,
    /// Provider (route, answer).
    pub provider: Option<String>,
    /// Due date set.
    pub due_date: Option<String>,
    /// Answer kind.
    pub answer_kind: Option<String>,
    /// Reasons or remarks.
    pub note: Option<String>,
}

/// A demand with its history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DemandDetail {
    /// The demand.
    pub demand: DemandView,
    /// Its transitions, oldest first.
    pub events: Vec<DemandEventView>,
}

/// Which demands the board shows.
#[derive(Debug, Clone, Default)]
pub struct BoardFilter {
    /// Only in this state (`overdue`: routed past the due date).
    pub state: Option<String>,
    /// Only those posted by or routed to the caller's department.
    pub mine: bool,
}

const STATES: [&str; 5] = ["posted", "routed", "answered", "closed", "overdue"];

fn optional_note(field: &str, note: Option<&str>, max: usize) -> Result<Option<String>> {
    let n = note.map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
    if n.as_ref().is_some_and(|n| n.chars().count() > max) {
        return Err(Error::invalid(field, format!("keep the {field} under {max} characters")));
    }
    Ok(n)
}

fn bounded(field: &str, what: &str, s: &str, max: usize) -> Result<String> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(Error::invalid(field, format!("give the {what} (1-{max} characters)")));
    }
    Ok(t.to_owned())
}

fn wrong_state(d: &Demand, what: &str) -> Error {
    Error::new(ErrorCode::Conflict, format!("demand {} is {}; it cannot be {what}", d.id, d.state))
}

impl ShareService {
    /// Working days a provider has to answer a routed demand.
    pub fn demand_days(&self) -> u32 {
        self.demand_days
    }

    /// Post a demand on behalf of the caller's department.
    pub async fn post_demand(&self, pass: &Authorized<DemandPost>, input: DemandInput) -> Result<DemandView> {
        let p = pass.principal();
        let title = bounded("title", "title", &input.title, 100)?;
        let description = bounded("description", "description of the data needed", &input.description, 2000)?;
        let purpose = text("purpose", "purpose (用途)", &input.purpose)?;
        if let Some(g) = input.guessed_provider_id {
            self.department(g, "guessed_provider_id").await?;
        }
        let now = self.now_ms();
        let d = Demand {
            id: 0,
            title,
            description,
            purpose,
            guessed_provider_id: input.guessed_provider_id,
            requester_user: p.user.id.0,
            requester_org_id: p.org.id.0,
            requester_path: p.org.path.clone(),
            state: "posted".into(),
            provider_org_id: None,
            provider_path: None,
            due_date: None,
            routed_at: None,
            answer_kind: None,
            answer_code: None,
            answer_note: None,
            answered_by: None,
            answered_at: None,
            closed_at: None,
            revision: 0,
            created_at: now,
            updated_at: now,
        };
        let saved = self.store.create_demand(&d, &self.event(p, "post", "posted")).await?;
        self.record(
            p,
            pass.request_id(),
            "demand.post",
            format!("demand:{}", saved.id),
            Outcome::Succeeded,
            json!({ "guessed_provider": saved.guessed_provider_id }),
        )
        .await?;
        self.present_demand(&mut HashMap::new(), &saved).await
    }

    /// The demand board: every department's demands, newest first.
    pub async fn demand_board(&self, pass: &Authorized<DemandRead>, f: BoardFilter) -> Result<Vec<DemandView>> {
        let p = pass.principal();
        if let Some(s) = f.state.as_deref() {
            if !STATES.contains(&s) {
                return Err(Error::invalid("state", format!("state must be one of {}", STATES.join(", "))));
            }
        }
        self.escalate_demands().await?;
        let state = f.state.clone().filter(|s| s != "overdue");
        let list = if f.mine {
            let mut posted = self
                .store
                .list_demands(&DemandQuery {
                    state: state.clone(),
                    requester_org: Some(p.org.id.0),
                    limit: 1000,
                    ..Default::default()
                })
                .await?;
            let routed = self
                .store
                .list_demands(&DemandQuery { state, provider_org: Some(p.org.id.0), limit: 1000, ..Default::default() })
                .await?;
            posted.extend(routed.into_iter().filter(|d| d.requester_org_id != p.org.id.0));
            posted.sort_by_key(|d| std::cmp::Reverse(d.id));
            posted
        } else {
            self.store.list_demands(&DemandQuery { state, limit: 1000, ..Default::default() }).await?
        };
        let mut cache = HashMap::new();
        let mut out = Vec::with_capacity(list.len());
        for d in &list {
            let v = self.present_demand(&mut cache, d).await?;
            if f.state.as_deref() != Some("overdue") || v.overdue {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// Escalate routed demands past their due date to the platform operator: one `escalate`
    /// event in the demand's history and one `demand.escalate` audit record per deadline
    /// (re-routing sets a new deadline, which can escalate again). Run by the exchange runner
    /// and before the board is read; returns how many were escalated now.
    pub async fn escalate_demands(&self) -> Result<usize> {
        let today = self.today().to_string();
        let routed = self
            .store
            .list_demands(&DemandQuery { state: Some("routed".into()), limit: 1000, ..Default::default() })
            .await?;
        let mut n = 0;
        for d in routed.iter().filter(|d| d.due_date.as_deref().is_some_and(|due| due < today.as_str())) {
            let events = self.store.demand_events(d.id).await?;
            // Escalated already for this deadline: an `escalate` after the last route/reopen.
            let since = events.iter().rposition(|e| e.action == "route" || e.action == "reopen").unwrap_or(0);
            if events[since..].iter().any(|e| e.action == "escalate") {
                continue;
            }
            let e = DemandEvent {
                id: 0,
                demand_id: 0,
                at: self.now_ms(),
                actor_user: None,
                actor_org: None,
                action: "escalate".into(),
                state_after: "routed".into(),
                provider_org_id: d.provider_org_id,
                due_date: d.due_date.clone(),
                answer_kind: None,
                note: None,
            };
            let next = Demand { updated_at: self.now_ms(), ..d.clone() };
            match self.store.transition_demand(&next, &e).await {
                Ok(_) => {}
                // Another node escalated it (or someone answered) in between.
                Err(err) if err.code == ErrorCode::Conflict => continue,
                Err(err) => return Err(err),
            }
            self.audit
                .record(AuditEvent {
                    at: self.clock.now(),
                    request_id: None,
                    actor_user: None,
                    actor_org: None,
                    action: "demand.escalate".into(),
                    target: Some(format!("demand:{}", d.id)),
                    outcome: Outcome::Succeeded,
                    detail: json!({ "provider": d.provider_org_id, "due": d.due_date }),
                })
                .await?;
            n += 1;
        }
        Ok(n)
    }

    /// One demand with its history.
    pub async fn demand(&self, pass: &Authorized<DemandRead>, id: i64) -> Result<DemandDetail> {
        let _ = pass;
        let d = self.store.get_demand(id).await?.ok_or_else(|| Error::not_found("demand"))?;
        let mut cache = HashMap::new();
        let demand = self.present_demand(&mut cache, &d).await?;
        let mut events = Vec::new();
        for e in self.store.demand_events(id).await? {
            events.push(DemandEventView {
                at: e.at,
                action: e.action,
                state_after: e.state_after,
                actor_org: match e.actor_org {
                    Some(o) => self.org_name(&mut cache, o).await?,
                    None => String::new(),
                },
                provider: match e.provider_org_id {
                    Some(o) => Some(self.org_name(&mut cache, o).await?),
                    None => None,
                },
                due_date: e.due_date,
                answer_kind: e.answer_kind,
                note: e.note,
            });
        }
        Ok(DemandDetail { demand, events })
    }

    /// Route a posted (or re-route a routed) demand from the operator's area to a provider
    /// department within it; the provider must answer within the working days given.
    pub async fn route_demand(&self, pass: &Authorized<DemandRoute>, id: i64, input: RouteInput) -> Result<DemandView> {
        let p = pass.principal();
        let d = self.store.get_demand(id).await?.ok_or_else(|| Error::not_found("demand"))?;
        if !d.requester_path.starts_with(p.scope_path()) {
            return Err(Error::not_found("demand"));
        }
        if !(d.state == "posted" || d.state == "routed") {
            return Err(wrong_state(&d, "routed"));
        }
        let provider = self.department(input.provider_org_id, "provider_org_id").await?;
        if !p.can_see(&provider) {
            return Err(Error::invalid("provider_org_id", "the provider must be a department within your area"));
        }
        if provider.id.0 == d.requester_org_id {
            return Err(Error::invalid(
                "provider_org_id",
                "a demand is not routed back to the department that posted it",
            ));
        }
        let days = input.working_days.unwrap_or(self.demand_days);
        if !(1..=60).contains(&days) {
            return Err(Error::invalid("working_days", "working_days must be between 1 and 60"));
        }
        let note = optional_note("note", input.note.as_deref(), 1000)?;
        let due = self.catalog.calendar().await?.add_working_days(self.today(), days).to_string();
        let now = self.now_ms();
        let next = Demand {
            state: "routed".into(),
            provider_org_id: Some(provider.id.0),
            provider_path: Some(provider.path.clone()),
            due_date: Some(due.clone()),
            routed_at: Some(now),
            answer_kind: None,
            answer_code: None,
            answer_note: None,
            answered_by: None,
            answered_at: None,
            closed_at: None,
            updated_at: now,
            ..d.clone()
        };
        let e = DemandEvent {
            provider_org_id: Some(provider.id.0),
            due_date: Some(due.clone()),
            note,
            ..self.event(p, "route", "routed")
        };
        let saved = self.store.transition_demand(&next, &e).await?;
        self.record(
            p,
            pass.request_id(),
            "demand.route",
            format!("demand:{id}"),
            Outcome::Succeeded,
            json!({ "provider": provider.id.0, "due": due, "working_days": days, "rerouted": d.state == "routed" }),
        )
        .await?;
        self.present_demand(&mut HashMap::new(), &saved).await
    }

    /// Answer a demand routed to the caller's department.
    pub async fn answer_demand(
        &self,
        pass: &Authorized<DemandAnswer>,
        id: i64,
        input: AnswerInput,
    ) -> Result<DemandView> {
        let p = pass.principal();
        let d = self.store.get_demand(id).await?.ok_or_else(|| Error::not_found("demand"))?;
        if d.provider_org_id != Some(p.org.id.0) {
            return Err(Error::forbidden(format!("demand {id} is not routed to {}", p.org.name)));
        }
        if d.state != "routed" {
            return Err(wrong_state(&d, "answered"));
        }
        let note = optional_note("note", input.note.as_deref(), 2000)?;
        let code = input.code.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let code = match input.kind.as_str() {
            "catalogued" => {
                let code = code.ok_or_else(|| Error::invalid("code", "give the code of the new catalogue entry"))?;
                let entry = self.entry(pass, code).await.map_err(|e| e.with_field("code"))?;
                if entry.org_id != p.org.id.0 {
                    return Err(Error::invalid("code", format!("{code} is not an entry of {}", p.org.name)));
                }
                if entry.status == EntryStatus::Withdrawn {
                    return Err(Error::invalid("code", format!("{code} was withdrawn (下架)")));
                }
                Some(entry.code)
            }
            "pointed" => {
                let code = code.ok_or_else(|| Error::invalid("code", "give the code of the entry that answers it"))?;
                let entry = self.entry(pass, code).await.map_err(|e| e.with_field("code"))?;
                if entry.status != EntryStatus::Published {
                    return Err(Error::invalid("code", format!("{code} is not published")));
                }
                Some(entry.code)
            }
            "declined" => {
                if note.is_none() {
                    return Err(Error::invalid("note", "declining needs the reasons"));
                }
                if code.is_some() {
                    return Err(Error::invalid("code", "a declined demand links no entry"));
                }
                None
            }
            other => {
                return Err(Error::invalid(
                    "kind",
                    format!("kind must be 'catalogued', 'pointed' or 'declined', not '{other}'"),
                ))
            }
        };
        let now = self.now_ms();
        let late = d.due_date.as_deref().is_some_and(|due| due < self.today().to_string().as_str());
        let next = Demand {
            state: "answered".into(),
            answer_kind: Some(input.kind.clone()),
            answer_code: code.clone(),
            answer_note: note.clone(),
            answered_by: Some(p.user.id.0),
            answered_at: Some(now),
            updated_at: now,
            ..d.clone()
        };
        let e = DemandEvent {
            provider_org_id: Some(p.org.id.0),
            answer_kind: Some(input.kind.clone()),
            note,
            ..self.event(p, "answer", "answered")
        };
        let saved = self.store.transition_demand(&next, &e).await?;
        self.record(
            p,
            pass.request_id(),
            "demand.answer",
            format!("demand:{id}"),
            Outcome::Succeeded,
            json!({ "kind": input.kind, "code": code, "late": late }),
        )
        .await?;
        self.present_demand(&mut HashMap::new(), &saved).await
    }

    /// Close an answered demand of the caller's department.
    pub async fn close_demand(&self, pass: &Authorized<DemandClose>, id: i64, input: NoteInput) -> Result<DemandView> {
        let p = pass.principal();
        let d = self.requesters_demand(p, id).await?;
        if d.state != "answered" {
            return Err(wrong_state(&d, "closed"));
        }
        let note = optional_note("note", input.note.as_deref(), 1000)?;
        let now = self.now_ms();
        let next = Demand { state: "closed".into(), closed_at: Some(now), updated_at: now, ..d.clone() };
        let e = DemandEvent { note, ..self.event(p, "close", "closed") };
        let saved = self.store.transition_demand(&next, &e).await?;
        self.record(p, pass.request_id(), "demand.close", format!("demand:{id}"), Outcome::Succeeded, json!({}))
            .await?;
        self.present_demand(&mut HashMap::new(), &saved).await
    }

    /// Re-open an answered or closed demand of the caller's department: it goes back to its
    /// provider with a fresh deadline (the operator may re-route it).
    pub async fn reopen_demand(&self, pass: &Authorized<DemandClose>, id: i64, input: NoteInput) -> Result<DemandView> {
        let p = pass.principal();
        let d = self.requesters_demand(p, id).await?;
        if !(d.state == "answered" || d.state == "closed") {
            return Err(wrong_state(&d, "re-opened"));
        }
        let note = optional_note("note", input.note.as_deref(), 1000)?
            .ok_or_else(|| Error::invalid("note", "re-opening needs the reasons"))?;
        let due = self.catalog.calendar().await?.add_working_days(self.today(), self.demand_days).to_string();
        let now = self.now_ms();
        let next = Demand {
            state: "routed".into(),
            due_date: Some(due.clone()),
            routed_at: Some(now),
            answer_kind: None,
            answer_code: None,
            answer_note: None,
            answered_by: None,
            answered_at: None,
            closed_at: None,
            updated_at: now,
            ..d.clone()
        };
        let e = DemandEvent {
            provider_org_id: d.provider_org_id,
            due_date: Some(due.clone()),
            note: Some(note),
            ..self.event(p, "reopen", "routed")
        };
        let saved = self.store.transition_demand(&next, &e).await?;
        self.record(
            p,
            pass.request_id(),
            "demand.reopen",
            format!("demand:{id}"),
            Outcome::Succeeded,
            json!({ "provider": d.provider_org_id, "due": due }),
        )
        .await?;
        self.present_demand(&mut HashMap::new(), &saved).await
    }

    /// A demand posted by the caller's department (others' cannot be closed or re-opened).
    async fn requesters_demand(&self, p: &Principal, id: i64) -> Result<Demand> {
        let d = self.store.get_demand(id).await?.ok_or_else(|| Error::not_found("demand"))?;
        if d.requester_org_id != p.org.id.0 {
            return Err(Error::forbidden(format!("demand {id} was not posted by {}", p.org.name)));
        }
        Ok(d)
    }

    /// A department (not a district or the city).
    async fn department(&self, id: i64, field: &str) -> Result<Org> {
        match self.store.get_org(OrgId(id)).await? {
            Some(o) if o.kind == OrgKind::Department => Ok(o),
            Some(_) => Err(Error::invalid(field, format!("organisation {id} is not a department"))),
            None => Err(Error::invalid(field, format!("there is no organisation {id}"))),
        }
    }

    fn event(&self, p: &Principal, action: &str, state_after: &str) -> DemandEvent {
        DemandEvent {
            id: 0,
            demand_id: 0,
            at: self.now_ms(),
            actor_user: (p.user.id.0 != 0).then_some(p.user.id.0),
            actor_org: Some(p.org.id.0),
            action: action.into(),
            state_after: state_after.into(),
            provider_org_id: None,
            due_date: None,
            answer_kind: None,
            note: None,
        }
    }

    async fn present_demand(&self, orgs: &mut HashMap<i64, Option<Org>>, d: &Demand) -> Result<DemandView> {
        let today = self.today();
        let routed = d.state == "routed";
        let due = d.due_date.as_deref().and_then(|s| parse_date("due_date", s).ok());
        let left = match (routed, due) {
            (true, Some(due)) => Some(self.catalog.calendar().await?.working_days_between(today, due)),
            _ => None,
        };
        let requester_user =
            self.store.get_user(zs_types::UserId(d.requester_user)).await?.map(|u| u.display_name).unwrap_or_default();
        Ok(DemandView {
            id: d.id,
            title: d.title.clone(),
            description: d.description.clone(),
            purpose: d.purpose.clone(),
            requester_org_id: d.requester_org_id,
            requester: self.org_name(orgs, d.requester_org_id).await?,
            requester_user,
            guessed_provider: match d.guessed_provider_id {
                Some(g) => Some(self.org_name(orgs, g).await?),
                None => None,
            },
            state: d.state.clone(),
            provider_org_id: d.provider_org_id,
            provider: match d.provider_org_id {
                Some(o) => Some(self.org_name(orgs, o).await?),
                None => None,
            },
            due_date: if routed { d.due_date.clone() } else { None },
            working_days_left: left,
            overdue: routed && due.is_some_and(|due| due < today),
            answer_kind: d.answer_kind.clone(),
            answer_code: d.answer_code.clone(),
            answer_note: d.answer_note.clone(),
            answered_at: d.answered_at,
            closed_at: d.closed_at,
            revision: d.revision,
            created_at: d.created_at,
            updated_at: d.updated_at,
        })
    }
}

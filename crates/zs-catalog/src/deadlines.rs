//! Change obligations (法律法规调整, 职责变化, 系统更新): the department must resubmit the entry
//! within 20 working days, counted on the working-day calendar; the board lists what is due and
//! overdue per department.

use crate::calendar::{beijing_date, Calendar, DayKind};
use crate::service::{now_ms, CatalogService};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use zs_identity::policy::{CalendarManage, CatalogObligation, CatalogRead};
use zs_identity::Authorized;
use zs_meta::catalog::{EventRow, ObligationRow};
use zs_types::{Error, Result};

/// Working days allowed to resubmit after a change obligation is raised.
pub const RESUBMIT_WORKING_DAYS: u32 = 20;

/// Why an entry must be resubmitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObligationReason {
    /// 法律法规调整.
    Law,
    /// 职责变化.
    Duty,
    /// 系统更新.
    System,
}

impl ObligationReason {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            ObligationReason::Law => "law",
            ObligationReason::Duty => "duty",
            ObligationReason::System => "system",
        }
    }

    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            ObligationReason::Law => "法律法规调整",
            ObligationReason::Duty => "职责变化",
            ObligationReason::System => "系统更新",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            ObligationReason::Law => "Change of law or regulation",
            ObligationReason::Duty => "Change of duties",
            ObligationReason::System => "System update",
        }
    }

    /// Parse the stable name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Law, Self::Duty, Self::System].into_iter().find(|r| r.as_str() == s)
    }
}

/// A change obligation with its deadline, as shown on the board.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Obligation {
    /// Identifier.
    pub id: i64,
    /// Entry.
    pub entry_id: i64,
    /// Entry code.
    pub code: String,
    /// Entry name.
    pub name: String,
    /// Provider organisation id.
    pub org_id: i64,
    /// Provider name.
    pub provider: String,
    /// law | duty | system.
    pub reason: String,
    /// What changed.
    pub note: String,
    /// Raised at, RFC 3339.
    pub raised_at: String,
    /// Deadline (Beijing date).
    pub due_date: String,
    /// Working days left (negative when overdue).
    pub working_days_left: i64,
    /// Past the deadline and not met.
    pub overdue: bool,
    /// Met by a published version.
    pub fulfilled: bool,
}

/// Per-department counts for dashboards.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeadlineSummary {
    /// Provider organisation id.
    pub org_id: i64,
    /// Provider name.
    pub provider: String,
    /// Open and within the deadline.
    pub due: usize,
    /// Open and past the deadline.
    pub overdue: usize,
}

/// Input for a change obligation.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RaiseObligation {
    /// law | duty | system.
    pub reason: ObligationReason,
    /// What changed (the law, the duty, the system).
    pub note: String,
}

impl CatalogService {
    /// The working-day calendar: built-in schedule plus the operator's days.
    pub async fn calendar(&self) -> Result<Calendar> {
        let mut c = Calendar::built_in();
        for (day, kind, name) in self.store.calendar_days().await? {
            let fmt = time::macros::format_description!("[year]-[month]-[day]");
            if let (Ok(d), Some(k)) = (time::Date::parse(&day, &fmt), DayKind::parse(&kind)) {
                c.set(d, k, &name);
            }
        }
        Ok(c)
    }

    /// Add or replace a day of the calendar (holiday or 调休 working day).
    pub async fn set_calendar_day(
        &self,
        pass: &Authorized<CalendarManage>,
        day: &str,
        kind: &str,
        name: &str,
    ) -> Result<()> {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        let d = time::Date::parse(day.trim(), &fmt)
            .map_err(|_| Error::invalid("day", format!("'{day}' is not a date YYYY-MM-DD")))?;
        let k = DayKind::parse(kind).ok_or_else(|| Error::invalid("kind", "kind must be 'holiday' or 'workday'"))?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 50 {
            return Err(Error::invalid("name", "name must be 1-50 characters, e.g. 春节"));
        }
        self.store.set_calendar_day(&d.to_string(), k.as_str(), name).await?;
        self.audit(pass, "calendar.set", format!("day:{d}"), json!({ "kind": k.as_str() })).await
    }

    /// Raise a change obligation on an entry of one's scope; the deadline is 20 working days.
    pub async fn raise_obligation(
        &self,
        pass: &Authorized<CatalogObligation>,
        id: i64,
        input: RaiseObligation,
    ) -> Result<Obligation> {
        let note = input.note.trim();
        if note.is_empty() || note.chars().count() > 500 {
            return Err(Error::invalid("note", "describe what changed (1-500 characters)"));
        }
        let p = pass.principal();
        let dir = self.directory().await?;
        let row = self.store.get_entry(id).await?.ok_or_else(|| Error::not_found("catalogue entry"))?;
        let owner = dir.org(row.org_id).ok_or_else(|| Error::not_found("catalogue entry"))?;
        if !p.can_see(owner) {
            return Err(Error::not_found("catalogue entry"));
        }
        let cal = self.calendar().await?;
        let today = beijing_date(self.clock.now());
        let due = cal.add_working_days(today, RESUBMIT_WORKING_DAYS);
        let at = now_ms(self.clock.as_ref());
        let o = ObligationRow {
            id: 0,
            entry_id: row.id,
            org_id: row.org_id,
            reason: input.reason.as_str().into(),
            note: note.into(),
            raised_by: p.user.id.0,
            raised_at: at,
            due_date: due.to_string(),
            fulfilled_at: None,
            fulfilled_version: None,
        };
        let event = EventRow {
            entry_id: row.id,
            version: row.latest_version,
            action: "obligation".into(),
            actor_id: Some(p.user.id.0),
            at,
            reason: Some(format!("{}: {note} (due {due})", input.reason.label_zh())),
        };
        let saved = self.store.create_obligation(o, event).await?;
        self.audit(
            pass,
            "catalog.obligation",
            format!("entry:{id}"),
            json!({ "due": due.to_string(), "reason": input.reason.as_str() }),
        )
        .await?;
        Ok(self.present(&cal, &dir, &row.code, &row.name, saved, today))
    }

    fn present(
        &self,
        cal: &Calendar,
        dir: &crate::service::OrgDirectory,
        code: &str,
        name: &str,
        o: ObligationRow,
        today: time::Date,
    ) -> Obligation {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        let due = time::Date::parse(&o.due_date, &fmt).unwrap_or(today);
        let left = cal.working_days_between(today, due);
        let fulfilled = o.fulfilled_at.is_some();
        Obligation {
            id: o.id,
            entry_id: o.entry_id,
            code: code.to_owned(),
            name: name.to_owned(),
            org_id: o.org_id,
            provider: dir.org(o.org_id).map(|g| g.name.clone()).unwrap_or_default(),
            reason: o.reason,
            note: o.note,
            raised_at: zs_types::clock::from_ms(o.raised_at)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            due_date: o.due_date,
            working_days_left: left,
            overdue: !fulfilled && due < today,
            fulfilled,
        }
    }

    /// Obligations in the caller's scope (open ones unless `all`), soonest deadline first, and
    /// the per-department counts of due and overdue.
    pub async fn deadlines(
        &self,
        pass: &Authorized<CatalogRead>,
        all: bool,
    ) -> Result<(Vec<Obligation>, Vec<DeadlineSummary>)> {
        let p = pass.principal();
        let dir = self.directory().await?;
        let cal = self.calendar().await?;
        let today = beijing_date(self.clock.now());
        let mut list = Vec::new();
        for o in self.store.list_obligations(p.scope_path(), all).await? {
            let Some(row) = self.store.get_entry(o.entry_id).await? else { continue };
            list.push(self.present(&cal, &dir, &row.code, &row.name, o, today));
        }
        let mut by_org: std::collections::BTreeMap<i64, DeadlineSummary> = Default::default();
        for o in list.iter().filter(|o| !o.fulfilled) {
            let s = by_org.entry(o.org_id).or_insert_with(|| DeadlineSummary {
                org_id: o.org_id,
                provider: o.provider.clone(),
                due: 0,
                overdue: 0,
            });
            if o.overdue {
                s.overdue += 1;
            } else {
                s.due += 1;
            }
        }
        let mut summary: Vec<DeadlineSummary> = by_org.into_values().collect();
        summary.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(b.due.cmp(&a.due)));
        Ok((list, summary))
    }
}

//! Applications (共享申请) and their review: 无条件共享 is granted at once, 有条件共享 goes to
//! the providing department with a deadline in working days, 不予共享 cannot be applied for.
//! Overdue applications escalate to the platform operator.

use std::collections::{BTreeMap, HashMap};

use serde_json::json;
use zs_catalog::{Entry, EntryStatus, SharingKind};
use zs_identity::policy::{Authorized, ShareApply, ShareOverdue, ShareRead, ShareReview};
use zs_meta::share::{Application, ApplicationQuery, Decision, Grant};
use zs_types::{Error, ErrorCode, Outcome, Result, Role};

use crate::masking::Technique;
use crate::model::{parse_date, text, ApplicationView, ApplyInput, ReviewInput, RowCondition, APPLICANT_DIVISION};
use crate::service::{names, to_json, ShareService};

/// Longest period of use, in days.
const MAX_PERIOD_DAYS: i64 = 3 * 366;

/// The refusal of a 不予共享 resource or item, with its legal basis.
fn not_shareable(entry: &Entry, item: Option<&str>) -> Error {
    let basis = entry.body.sharing.legal_basis.as_deref().unwrap_or("（未填写）");
    let what = match item {
        Some(i) => format!("item '{i}' of {}", entry.code),
        None => entry.code.clone(),
    };
    Error::new(ErrorCode::NotShareable, format!("{what} is not shared (不予共享); legal basis: {basis}"))
}

/// Whether a resource can be applied for at all, and if not why (for the entry page).
pub fn applicable(entry: &Entry) -> Result<()> {
    if entry.status != EntryStatus::Published {
        return Err(Error::new(ErrorCode::ResourceWithdrawn, format!("{} is not published", entry.code)));
    }
    if entry.body.sharing.kind == SharingKind::None {
        return Err(not_shareable(entry, None));
    }
    Ok(())
}

impl ShareService {
    /// File an application for a published resource. Unconditionally shared items are granted
    /// at once; otherwise the providing department must answer within the review deadline.
    pub async fn apply(&self, pass: &Authorized<ShareApply>, input: ApplyInput) -> Result<ApplicationView> {
        let p = pass.principal();
        let entry = self.entry(pass, input.code.trim()).await?;
        applicable(&entry)?;
        let mut fields: Vec<String> = Vec::new();
        let mut conditional = entry.body.sharing.kind == SharingKind::Conditional;
        for f in &input.fields {
            let item = entry
                .body
                .items
                .iter()
                .find(|i| i.name == f.trim())
                .ok_or_else(|| Error::invalid("fields", format!("'{f}' is not an item of {}", entry.code)))?;
            match item.sharing {
                SharingKind::None => return Err(not_shareable(&entry, Some(&item.name)).with_field("fields")),
                SharingKind::Conditional => conditional = true,
                SharingKind::Unconditional => {}
            }
            if !fields.contains(&item.name) {
                fields.push(item.name.clone());
            }
        }
        if fields.is_empty() {
            return Err(Error::invalid("fields", "choose at least one item"));
        }
        let purpose = text("purpose", "purpose (用途)", &input.purpose)?;
        let scenario = text("scenario", "scenario (应用场景)", &input.scenario)?;
        let legal_basis = text("legal_basis", "legal basis (依据)", &input.legal_basis)?;
        let today = self.today();
        let until = parse_date("until", &input.until)?;
        if until < today || (until - today).whole_days() > MAX_PERIOD_DAYS {
            return Err(Error::invalid("until", "the last day of use must be from today to three years ahead"));
        }
        check_quota("calls_per_day", input.calls_per_day, 1_000_000)?;
        check_quota("rows_per_day", input.rows_per_day, 100_000_000)?;
        let provider =
            self.store.get_org(zs_types::OrgId(entry.org_id)).await?.ok_or_else(|| Error::not_found("provider"))?;
        let due = if conditional {
            let cal = self.catalog.calendar().await?;
            Some(cal.add_working_days(today, self.review_days).to_string())
        } else {
            None
        };
        let a = Application {
            id: 0,
            code: entry.code.clone(),
            entry_id: entry.id,
            provider_org_id: entry.org_id,
            provider_path: provider.path.clone(),
            applicant_user: p.user.id.0,
            applicant_org_id: p.org.id.0,
            applicant_path: p.org.path.clone(),
            fields: to_json(&fields)?,
            purpose,
            scenario,
            legal_basis,
            until_date: until.to_string(),
            calls_per_day: input.calls_per_day,
            rows_per_day: input.rows_per_day,
            share_kind: if conditional { "conditional" } else { "unconditional" }.into(),
            state: "pending".into(),
            due_date: due.clone(),
            escalated_at: None,
            decided_by: None,
            decided_at: None,
            decision_note: None,
            grant_id: None,
            created_at: self.now_ms(),
        };
        let mut saved = self.store.create_application(&a).await?;
        self.record(
            p,
            pass.request_id(),
            "share.apply",
            format!("application:{}", saved.id),
            Outcome::Succeeded,
            json!({ "code": entry.code, "fields": fields, "share_kind": saved.share_kind, "due": due }),
        )
        .await?;
        if !conditional {
            // 无条件共享: granted at once, as asked, with the default masking.
            let grant = self.grant_for(
                &saved,
                &entry,
                &fields,
                Vec::new(),
                until,
                a.calls_per_day,
                a.rows_per_day,
                None,
                &BTreeMap::new(),
            )?;
            let d = Decision {
                state: "granted".into(),
                decided_by: None,
                decided_at: self.now_ms(),
                note: None,
                grant: Some(grant),
            };
            let (decided, g) = self.store.decide_application(saved.id, &d).await?;
            saved = decided;
            self.record(
                p,
                pass.request_id(),
                "share.grant",
                format!("grant:{}", g.as_ref().map_or(0, |g| g.id)),
                Outcome::Succeeded,
                json!({ "application": saved.id, "code": entry.code, "fields": fields, "by": "share_type" }),
            )
            .await?;
        }
        self.present(&mut HashMap::new(), &saved).await
    }

    /// Applications of the caller's department (as applicant), newest first.
    pub async fn my_applications(&self, pass: &Authorized<ShareRead>) -> Result<Vec<ApplicationView>> {
        let q = ApplicationQuery { applicant_org: Some(pass.principal().org.id.0), limit: 500, ..Default::default() };
        self.present_all(&self.store.list_applications(&q).await?).await
    }

    /// Applications addressed to the caller's department (stewards): pending ones unless `all`.
    pub async fn review_queue(&self, pass: &Authorized<ShareReview>, all: bool) -> Result<Vec<ApplicationView>> {
        self.escalate().await?;
        let q = ApplicationQuery {
            provider_org: Some(pass.principal().org.id.0),
            state: (!all).then(|| "pending".to_owned()),
            limit: 500,
            ..Default::default()
        };
        self.present_all(&self.store.list_applications(&q).await?).await
    }

    /// Overdue applications to providers within the operator's area (escalated to the platform
    /// operator), oldest deadline first.
    pub async fn overdue_queue(&self, pass: &Authorized<ShareOverdue>) -> Result<Vec<ApplicationView>> {
        let p = pass.principal();
        self.escalate().await?;
        let q = ApplicationQuery {
            provider_path: Some(p.scope_path().to_owned()),
            due_before: Some(self.today().to_string()),
            limit: 1000,
            ..Default::default()
        };
        let mut list = self.present_all(&self.store.list_applications(&q).await?).await?;
        list.sort_by(|a, b| a.due_date.cmp(&b.due_date).then(a.id.cmp(&b.id)));
        Ok(list)
    }

    /// One application: its applicant's department, its provider's, or an operator of the area.
    pub async fn application(&self, pass: &Authorized<ShareRead>, id: i64) -> Result<ApplicationView> {
        let a = self.store.get_application(id).await?.ok_or_else(|| Error::not_found("application"))?;
        let p = pass.principal();
        let mine = a.applicant_org_id == p.org.id.0 || a.provider_org_id == p.org.id.0;
        let operator = p.role() == Role::PlatformOperator && a.provider_path.starts_with(p.scope_path());
        if !(mine || operator) {
            return Err(Error::not_found("application"));
        }
        self.present(&mut HashMap::new(), &a).await
    }

    /// Mark pending applications past their deadline as escalated to the platform operator, and
    /// record each once. Returns how many were escalated now.
    pub async fn escalate(&self) -> Result<usize> {
        let today = self.today().to_string();
        let marked = self.store.escalate_overdue(&today, self.now_ms()).await?;
        for a in &marked {
            self.audit
                .record(zs_types::AuditEvent {
                    at: self.clock.now(),
                    request_id: None,
                    actor_user: None,
                    actor_org: None,
                    action: "share.escalate".into(),
                    target: Some(format!("application:{}", a.id)),
                    outcome: Outcome::Succeeded,
                    detail: json!({ "code": a.code, "provider_org": a.provider_org_id, "due": a.due_date }),
                })
                .await?;
        }
        Ok(marked.len())
    }

    /// Answer an application addressed to the caller's department: grant (as asked or narrower:
    /// fewer items, a row restriction, a shorter period, lower quotas) or refuse with reasons.
    pub async fn review(&self, pass: &Authorized<ShareReview>, id: i64, input: ReviewInput) -> Result<ApplicationView> {
        let p = pass.principal();
        let a = self.store.get_application(id).await?.ok_or_else(|| Error::not_found("application"))?;
        if a.provider_org_id != p.org.id.0 {
            return Err(Error::not_found("application"));
        }
        if a.state != "pending" {
            return Err(Error::new(
                ErrorCode::Conflict,
                format!("application {id} was already answered ({})", a.state),
            ));
        }
        let note = input.note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
        if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
            return Err(Error::invalid("note", "keep the note under 1000 characters"));
        }
        let (decision, grant) = match input.decision.as_str() {
            "refuse" => {
                if note.is_none() {
                    return Err(Error::invalid("note", "a refusal needs its reasons"));
                }
                ("refused", None)
            }
            "grant" => {
                let entry = self.entry(pass, &a.code).await?;
                applicable(&entry)?;
                let asked = names(&a.fields);
                let fields = match &input.fields {
                    None => asked.clone(),
                    Some(f) => {
                        let mut out = Vec::new();
                        for name in f {
                            if !asked.contains(name) {
                                return Err(Error::invalid(
                                    "fields",
                                    format!("'{name}' was not asked for; grant only items asked for"),
                                ));
                            }
                            if !out.contains(name) {
                                out.push(name.clone());
                            }
                        }
                        out
                    }
                };
                if fields.is_empty() {
                    return Err(Error::invalid("fields", "grant at least one item, or refuse"));
                }
                let asked_until = parse_date("until", &a.until_date)?;
                let until = match input.until.as_deref().filter(|u| !u.trim().is_empty()) {
                    None => asked_until,
                    Some(u) => parse_date("until", u)?,
                };
                if until > asked_until || until < self.today() {
                    return Err(Error::invalid(
                        "until",
                        format!("the last day of use must be from today to {asked_until}"),
                    ));
                }
                let calls = input.calls_per_day.unwrap_or(a.calls_per_day);
                let rows = input.rows_per_day.unwrap_or(a.rows_per_day);
                check_quota("calls_per_day", calls, a.calls_per_day)?;
                check_quota("rows_per_day", rows, a.rows_per_day)?;
                let applicant = self.store.get_org(zs_types::OrgId(a.applicant_org_id)).await?;
                let mut filter = Vec::new();
                for c in &input.row_filter {
                    let item = entry.body.items.iter().find(|i| i.name == c.item.trim()).ok_or_else(|| {
                        Error::invalid("row_filter", format!("'{}' is not an item of {}", c.item, entry.code))
                    })?;
                    let value = if c.value.trim() == APPLICANT_DIVISION {
                        applicant.as_ref().map(|o| o.division_code.clone()).unwrap_or_default()
                    } else {
                        c.value.trim().to_owned()
                    };
                    if value.is_empty() {
                        return Err(Error::invalid("row_filter", format!("give a value for '{}'", item.name)));
                    }
                    filter.push(RowCondition { item: item.name.clone(), value });
                }
                let g =
                    self.grant_for(&a, &entry, &fields, filter, until, calls, rows, Some(p.user.id.0), &input.masking)?;
                ("granted", Some(g))
            }
            other => {
                return Err(Error::invalid("decision", format!("decision must be 'grant' or 'refuse', not '{other}'")))
            }
        };
        let d = Decision {
            state: decision.into(),
            decided_by: Some(p.user.id.0),
            decided_at: self.now_ms(),
            note: note.clone(),
            grant,
        };
        let (decided, g) = self.store.decide_application(id, &d).await?;
        let late = decided.due_date.as_deref().is_some_and(|due| due < self.today().to_string().as_str());
        self.record(
            p,
            pass.request_id(),
            "share.review",
            format!("application:{id}"),
            Outcome::Succeeded,
            json!({ "decision": decision, "grant": g.as_ref().map(|g| g.id), "late": late,
                    "fields": g.as_ref().map(|g| names(&g.fields)), "row_filter_items": g.as_ref().map(|g| serde_json::from_str::<Vec<RowCondition>>(&g.row_filter).unwrap_or_default().into_iter().map(|c| c.item).collect::<Vec<_>>()) }),
        )
        .await?;
        self.present(&mut HashMap::new(), &decided).await
    }

    /// Build the grant answering an application.
    #[allow(clippy::too_many_arguments)]
    fn grant_for(
        &self,
        a: &Application,
        entry: &Entry,
        fields: &[String],
        filter: Vec<RowCondition>,
        until: time::Date,
        calls: i64,
        rows: i64,
        by: Option<i64>,
        masking: &BTreeMap<String, Technique>,
    ) -> Result<Grant> {
        let mut techniques = BTreeMap::new();
        for f in fields {
            let item = entry
                .body
                .items
                .iter()
                .find(|i| &i.name == f)
                .ok_or_else(|| Error::invalid("fields", format!("'{f}' is not an item")))?;
            let t = match masking.get(f) {
                Some(t) => {
                    t.check_for(item).map_err(|why| Error::invalid("masking", format!("{f}: {why}")))?;
                    *t
                }
                None => crate::masking::default_for(item),
            };
            techniques.insert(f.clone(), t);
        }
        for k in masking.keys() {
            if !fields.contains(k) {
                return Err(Error::invalid("masking", format!("'{k}' is not granted")));
            }
        }
        // Valid through the last day of use, Beijing time.
        let end = until
            .next_day()
            .map(|d| d.midnight().assume_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC)))
            .map(zs_types::clock::to_ms)
            .unwrap_or(i64::MAX);
        Ok(Grant {
            id: 0,
            application_id: Some(a.id),
            code: a.code.clone(),
            entry_id: a.entry_id,
            provider_org_id: a.provider_org_id,
            provider_path: a.provider_path.clone(),
            consumer_org_id: a.applicant_org_id,
            consumer_path: a.applicant_path.clone(),
            fields: to_json(&fields)?,
            row_filter: to_json(&filter)?,
            masking: to_json(&techniques)?,
            valid_from: self.now_ms(),
            valid_until: end,
            calls_per_day: calls,
            rows_per_day: rows,
            revoked_at: None,
            revoked_by: None,
            revoke_reason: None,
            suspended_at: None,
            suspended_by: None,
            suspend_reason: None,
            created_by: by,
            created_at: self.now_ms(),
        })
    }

    async fn present_all(&self, list: &[Application]) -> Result<Vec<ApplicationView>> {
        let mut cache = HashMap::new();
        let mut out = Vec::with_capacity(list.len());
        for a in list {
            out.push(self.present(&mut cache, a).await?);
        }
        Ok(out)
    }

    async fn present(
        &self,
        orgs: &mut HashMap<i64, Option<zs_types::model::Org>>,
        a: &Application,
    ) -> Result<ApplicationView> {
        let name = self.store.get_entry(a.entry_id).await?.map(|e| e.name).unwrap_or_default();
        let applicant =
            self.store.get_user(zs_types::UserId(a.applicant_user)).await?.map(|u| u.display_name).unwrap_or_default();
        let today = self.today();
        let due = a.due_date.as_deref().and_then(|d| parse_date("due_date", d).ok());
        let pending = a.state == "pending";
        let left = match (pending, due) {
            (true, Some(d)) => Some(self.catalog.calendar().await?.working_days_between(today, d)),
            _ => None,
        };
        Ok(ApplicationView {
            id: a.id,
            code: a.code.clone(),
            name,
            provider: self.org_name(orgs, a.provider_org_id).await?,
            applicant_org: self.org_name(orgs, a.applicant_org_id).await?,
            applicant,
            fields: names(&a.fields),
            purpose: a.purpose.clone(),
            scenario: a.scenario.clone(),
            legal_basis: a.legal_basis.clone(),
            until: a.until_date.clone(),
            calls_per_day: a.calls_per_day,
            rows_per_day: a.rows_per_day,
            share_kind: a.share_kind.clone(),
            state: a.state.clone(),
            due_date: a.due_date.clone(),
            working_days_left: left,
            overdue: pending && due.is_some_and(|d| d < today),
            escalated_at: a.escalated_at,
            decision_note: a.decision_note.clone(),
            decided_at: a.decided_at,
            grant_id: a.grant_id,
            created_at: a.created_at,
        })
    }
}

fn check_quota(field: &str, v: i64, max: i64) -> Result<()> {
    if !(1..=max).contains(&v) {
        return Err(Error::invalid(field, format!("{field} must be between 1 and {max}")));
    }
    Ok(())
}

//! Alerts and their handling: raised from the detector's findings (recorded as `alert.raise`),
//! listed and read by security and audit administrators of the area, answered by security
//! administrators (`alert.handle`: acknowledge, dismiss with a reason, suspend the credential or
//! grant, reinstate what was suspended), and — for critical ones, when configured — suspended
//! automatically. Suspension is reversible and distinct from revocation: a suspended credential
//! or grant refuses calls (`credential_suspended`, `grant_suspended`) until reinstated.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::json;
use zs_catalog::CatalogService;
use zs_identity::policy::{AlertHandle, AlertRead, Authorized};
use zs_identity::{IdentityService, Principal};
use zs_meta::alert::{Alert, AlertQuery, AlertResponse, NewAlert};
use zs_meta::{AuditQuery, DynStore};
use zs_share::ShareService;
use zs_types::model::AuditRecord;
use zs_types::{AuditEvent, AuditSink, Clock, CredentialId, Error, ErrorCode, Outcome, Result};

use crate::hours::WorkingHours;
use crate::rules::{Finding, Rule, Severity};
use crate::settings::AnomalySettings;
use crate::view::{AlertList, AlertView, RespondInput};

/// Alerts shown per page at most.
pub const MAX_PAGE: i64 = 200;

/// Records shown as an alert's evidence at most.
const MAX_EVIDENCE: i64 = 100;

/// Anomaly detection's alerts and responses.
#[derive(Clone)]
pub struct AnomalyService {
    pub(crate) store: DynStore,
    identity: IdentityService,
    share: ShareService,
    catalog: CatalogService,
    audit: Arc<dyn AuditSink>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) settings: AnomalySettings,
}

/// Which alerts to list.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// `active` (open and acknowledged; the default), `open`, `acknowledged`, `dismissed`,
    /// `suspended`, `reinstated` or `all`.
    pub state: Option<String>,
    /// Only this rule.
    pub rule: Option<String>,
    /// Ids below this.
    pub before: Option<i64>,
    /// Page size (1-200, default 50).
    pub limit: Option<i64>,
}

impl AnomalyService {
    /// Build the service.
    pub fn new(
        store: DynStore,
        identity: IdentityService,
        share: ShareService,
        catalog: CatalogService,
        audit: Arc<dyn AuditSink>,
        clock: Arc<dyn Clock>,
        settings: AnomalySettings,
    ) -> Self {
        Self { store, identity, share, catalog, audit, clock, settings }
    }

    /// The settings in force.
    pub fn settings(&self) -> &AnomalySettings {
        &self.settings
    }

    pub(crate) fn now_ms(&self) -> i64 {
        zs_types::clock::to_ms(self.clock.now())
    }

    /// Working hours on the catalogue's working-day calendar.
    pub async fn working_hours(&self) -> Result<WorkingHours> {
        Ok(WorkingHours { minutes: self.settings.working_minutes, calendar: self.catalog.calendar().await? })
    }

    /// Store a finding as an alert (once per occurrence), record it, and suspend automatically
    /// when it is critical and that is configured. `None` when it was raised before.
    pub async fn raise(&self, f: Finding) -> Result<Option<Alert>> {
        let org_path = match f.org {
            Some(o) => self.store.get_org(zs_types::OrgId(o)).await?.map(|o| o.path),
            None => None,
        };
        // An alert without a department (e.g. refusals from an unknown address) belongs to the
        // whole tree: administrators of the top level see it.
        let org_path = match org_path {
            Some(p) => p,
            None => self.root_path().await?,
        };
        let new = NewAlert {
            rule: f.rule.as_str().to_owned(),
            severity: f.severity.as_str().to_owned(),
            dedup_key: f.dedup_key.clone(),
            subject: f.subject.clone(),
            org_id: f.org,
            org_path,
            user_id: f.user,
            credential_id: f.credential,
            grant_id: f.grant,
            address: f.address.clone(),
            facts: f.facts.clone(),
            first_seq: f.first_seq,
            last_seq: f.last_seq,
            window_from: f.window_from,
            window_to: f.window_to,
            created_at: self.now_ms(),
        };
        let Some(alert) = self.store.insert_alert(&new).await? else { return Ok(None) };
        tracing::warn!(alert = alert.id, rule = %alert.rule, severity = %alert.severity, subject = %alert.subject,
            "security alert raised");
        self.record(
            None,
            None,
            "alert.raise",
            alert.id,
            Outcome::Succeeded,
            json!({
                "rule": alert.rule, "severity": alert.severity, "subject": alert.subject, "grant": alert.grant_id,
                "credential": alert.credential_id, "first_seq": alert.first_seq, "last_seq": alert.last_seq,
            }),
        )
        .await?;
        if self.settings.auto_suspend && f.severity == Severity::Critical {
            return Ok(Some(self.auto_suspend(alert).await?));
        }
        Ok(Some(alert))
    }

    async fn root_path(&self) -> Result<String> {
        let orgs = self.store.list_orgs("/").await?;
        Ok(orgs.into_iter().find(|o| o.parent_id.is_none()).map(|o| o.path).unwrap_or_else(|| "/".to_owned()))
    }

    /// Suspend what a critical alert concerns, as the platform (the machine operator), and mark
    /// the alert; a failure is recorded on the alert's log line and leaves it open for a person.
    async fn auto_suspend(&self, alert: Alert) -> Result<Alert> {
        let machine = self.identity.machine_operator().await?;
        let pass = self.identity.authorize::<AlertHandle>(&machine, None).await?;
        let (target, response) = match (alert.credential_id, alert.grant_id) {
            (Some(_), _) => ("credential", "auto_suspended_credential"),
            (None, Some(_)) => ("grant", "auto_suspended_grant"),
            (None, None) => return Ok(alert),
        };
        let reason = format!("automatic suspension: {} alert", alert.rule);
        if let Err(e) = self.suspend(&pass, &alert, target, &reason).await {
            tracing::error!(alert = alert.id, error = %e, "automatic suspension failed; the alert stays open");
            return Ok(alert);
        }
        let r = AlertResponse {
            from_states: vec!["open".into()],
            revision: None,
            state: "suspended".into(),
            response: response.into(),
            reason: Some(reason),
            by: None,
            at: self.now_ms(),
        };
        self.store.respond_alert(alert.id, &r).await?;
        self.record(
            Some(pass.principal()),
            None,
            "alert.handle",
            alert.id,
            Outcome::Succeeded,
            json!({
                "response": response, "automatic": true, "grant": alert.grant_id, "credential": alert.credential_id,
            }),
        )
        .await?;
        self.store.get_alert(alert.id).await?.ok_or_else(|| Error::not_found("alert"))
    }

    /// Alerts of the caller's area, newest first, with the open counts.
    pub async fn list(&self, pass: &Authorized<AlertRead>, f: &AlertFilter) -> Result<AlertList> {
        let states: Vec<String> = match f.state.as_deref().unwrap_or("active") {
            "active" => vec!["open".into(), "acknowledged".into()],
            "all" => vec![],
            s @ ("open" | "acknowledged" | "dismissed" | "suspended" | "reinstated") => vec![s.to_owned()],
            other => {
                let known = "active, open, acknowledged, dismissed, suspended, reinstated or all";
                return Err(Error::invalid("state", format!("unknown state '{other}': use {known}")));
            }
        };
        if let Some(r) = f.rule.as_deref().filter(|r| Rule::parse(r).is_none()) {
            let names: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
            return Err(Error::invalid("rule", format!("unknown rule '{r}': use one of {}", names.join(", "))));
        }
        let limit = f.limit.unwrap_or(50);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(Error::invalid("limit", format!("limit must be between 1 and {MAX_PAGE}")));
        }
        let scope = pass.principal().scope_path().to_owned();
        let q = AlertQuery { path_prefix: scope.clone(), states, rule: f.rule.clone(), before_id: f.before, limit };
        let alerts = self.store.list_alerts(&q).await?;
        let next_before = (alerts.len() as i64 == limit).then(|| alerts.last().map(|a| a.id)).flatten();
        let mut names = Names::default();
        let mut views = Vec::with_capacity(alerts.len());
        for a in alerts {
            views.push(self.view(&mut names, a, false).await?);
        }
        let open: BTreeMap<String, i64> = self.store.count_open_alerts(&scope).await?.into_iter().collect();
        Ok(AlertList { alerts: views, open, next_before })
    }

    /// One alert of the caller's area with its evidence.
    pub async fn get(&self, pass: &Authorized<AlertRead>, id: i64) -> Result<AlertView> {
        let a = self.in_scope(pass.principal(), id).await?;
        self.view(&mut Names::default(), a, true).await
    }

    async fn in_scope(&self, p: &Principal, id: i64) -> Result<Alert> {
        let a = self.store.get_alert(id).await?.ok_or_else(|| Error::not_found("alert"))?;
        if !a.org_path.starts_with(p.scope_path()) {
            return Err(Error::not_found("alert"));
        }
        Ok(a)
    }

    /// Answer an alert: acknowledge, dismiss with a reason, suspend its credential or grant, or
    /// reinstate (with a reason) what a suspension stopped.
    pub async fn respond(&self, pass: &Authorized<AlertHandle>, id: i64, input: &RespondInput) -> Result<AlertView> {
        let p = pass.principal();
        let a = self.in_scope(p, id).await?;
        let reason = input.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
        let need_reason = || -> Result<String> {
            match &reason {
                Some(r) if r.chars().count() <= 500 => Ok(r.clone()),
                Some(_) => Err(Error::invalid("reason", "the reason is at most 500 characters")),
                None => Err(Error::invalid("reason", "give the reason (1-500 characters)")),
            }
        };
        let (state, response, from, reason): (&str, &str, &[&str], Option<String>) = match input.action.as_str() {
            "acknowledge" => ("acknowledged", "acknowledged", &["open"], None),
            "dismiss" => ("dismissed", "dismissed", &["open", "acknowledged"], Some(need_reason()?)),
            "suspend_credential" => {
                ("suspended", "suspended_credential", &["open", "acknowledged"], Some(need_reason()?))
            }
            "suspend_grant" => ("suspended", "suspended_grant", &["open", "acknowledged"], Some(need_reason()?)),
            "reinstate" => {
                let response = if a.response.as_deref().is_some_and(|r| r.ends_with("_credential")) {
                    "reinstated_credential"
                } else {
                    "reinstated_grant"
                };
                ("reinstated", response, &["suspended"], Some(need_reason()?))
            }
            other => {
                return Err(Error::invalid(
                    "action",
                    format!(
                        "unknown action '{other}': use acknowledge, dismiss, suspend_credential, suspend_grant or reinstate"
                    ),
                ))
            }
        };
        if !from.contains(&a.state.as_str()) {
            return Err(Error::new(ErrorCode::Conflict, format!("the alert is {} already", a.state)));
        }
        if input.revision.is_some_and(|r| r != a.revision) {
            return Err(Error::new(ErrorCode::Conflict, "the alert was answered meanwhile; reload it"));
        }
        if let Some(target) = response.strip_prefix("suspended_") {
            self.suspend(pass, &a, target, reason.as_deref().unwrap_or_default()).await?;
        }
        if let Some(target) = response.strip_prefix("reinstated_") {
            self.reinstate(pass, &a, target).await?;
        }
        let r = AlertResponse {
            from_states: from.iter().map(|s| (*s).to_owned()).collect(),
            revision: Some(a.revision),
            state: state.into(),
            response: response.into(),
            reason,
            by: Some(p.user.id.0).filter(|u| *u != 0),
            at: self.now_ms(),
        };
        if !self.store.respond_alert(id, &r).await? {
            return Err(Error::new(ErrorCode::Conflict, "the alert was answered meanwhile; reload it"));
        }
        self.record(
            Some(p),
            pass.request_id(),
            "alert.handle",
            id,
            Outcome::Succeeded,
            json!({
                "response": response, "grant": a.grant_id, "credential": a.credential_id,
            }),
        )
        .await?;
        let a = self.store.get_alert(id).await?.ok_or_else(|| Error::not_found("alert"))?;
        self.view(&mut Names::default(), a, true).await
    }

    /// Suspend the alert's credential or grant. One already suspended or revoked counts as
    /// suspended.
    async fn suspend(&self, pass: &Authorized<AlertHandle>, a: &Alert, target: &str, reason: &str) -> Result<()> {
        let r = match target {
            "credential" => {
                let id = a.credential_id.ok_or_else(|| {
                    Error::new(ErrorCode::Conflict, "this alert concerns no API credential; suspend the grant")
                        .with_field("action")
                })?;
                self.identity.suspend_credential(pass, CredentialId(id), a.id, reason).await.map(|_| ())
            }
            _ => {
                let id = a.grant_id.ok_or_else(|| {
                    Error::new(ErrorCode::Conflict, "this alert concerns no grant; suspend the credential")
                        .with_field("action")
                })?;
                self.share.suspend_for_alert(pass, id, a.id, reason).await.map(|_| ())
            }
        };
        match r {
            Err(e) if e.code == ErrorCode::Conflict => Ok(()),
            other => other,
        }
    }

    /// Lift the suspension of the alert's credential or grant. One no longer suspended (another
    /// alert's reinstatement lifted it) counts as reinstated; one revoked meanwhile is refused
    /// (`conflict`: revocation is final) and the alert stays suspended.
    async fn reinstate(&self, pass: &Authorized<AlertHandle>, a: &Alert, target: &str) -> Result<()> {
        let r = match (target, a.credential_id, a.grant_id) {
            ("credential", Some(id), _) => {
                self.identity.reinstate_credential(pass, CredentialId(id), a.id).await.map(|_| ())
            }
            ("grant", _, Some(id)) => self.share.reinstate_for_alert(pass, id, a.id).await.map(|_| ()),
            _ => return Err(Error::new(ErrorCode::Conflict, "this alert suspended nothing that can be reinstated")),
        };
        match r {
            Err(e) if e.code == ErrorCode::Conflict && e.message.contains("not suspended") => Ok(()),
            other => other,
        }
    }

    async fn view(&self, names: &mut Names, a: Alert, evidence: bool) -> Result<AlertView> {
        let org_name = match a.org_id {
            Some(o) => names.org(&self.store, o).await?,
            None => None,
        };
        let username = match a.user_id {
            Some(u) => names.user(&self.store, u).await?,
            None => None,
        };
        let evidence = if !evidence {
            vec![]
        } else if let Some(user) = a.subject.strip_prefix("user:").and_then(|u| u.parse::<i64>().ok()) {
            // A burst of refusals is a user's: the refused records that user made in the episode
            // (they target whatever was asked for, not the user).
            let q = AuditQuery {
                before_seq: Some(a.last_seq + 1),
                action_prefix: None,
                actor_user: Some(zs_types::UserId(user)),
                limit: MAX_EVIDENCE,
            };
            let mut recs: Vec<AuditRecord> = self
                .store
                .list_audit(&q)
                .await?
                .into_iter()
                .filter(|r| r.seq >= a.first_seq && matches!(r.event.outcome, Outcome::Denied | Outcome::Failed))
                .collect();
            recs.reverse();
            recs
        } else {
            // The subject's records, and the grant's and credential's it names (a credential's
            // data calls are recorded against the grant).
            let mut targets = vec![a.subject.clone()];
            targets.extend(a.grant_id.map(|g| format!("grant:{g}")));
            targets.extend(a.credential_id.map(|c| format!("credential:{c}")));
            targets.sort();
            targets.dedup();
            let recs = self.store.audit_for_targets(&targets, a.first_seq - 1, MAX_EVIDENCE).await?;
            recs.into_iter().filter(|r| r.seq <= a.last_seq).collect()
        };
        Ok(AlertView { alert: a, org_name, username, evidence })
    }

    async fn record(
        &self,
        who: Option<&Principal>,
        request_id: Option<&str>,
        action: &str,
        alert: i64,
        outcome: Outcome,
        detail: serde_json::Value,
    ) -> Result<()> {
        self.audit
            .record(AuditEvent {
                at: self.clock.now(),
                request_id: request_id.map(str::to_owned),
                actor_user: who.map(|p| p.user.id).filter(|u| u.0 != 0),
                actor_org: who.map(|p| p.org.id),
                action: action.to_owned(),
                target: Some(format!("alert:{alert}")),
                outcome,
                detail,
            })
            .await
    }
}

/// Names looked up once per page.
#[derive(Default)]
struct Names {
    orgs: HashMap<i64, Option<String>>,
    users: HashMap<i64, Option<String>>,
}

impl Names {
    async fn org(&mut self, store: &DynStore, id: i64) -> Result<Option<String>> {
        if let Some(n) = self.orgs.get(&id) {
            return Ok(n.clone());
        }
        let n = store.get_org(zs_types::OrgId(id)).await?.map(|o| o.name);
        self.orgs.insert(id, n.clone());
        Ok(n)
    }

    async fn user(&mut self, store: &DynStore, id: i64) -> Result<Option<String>> {
        if let Some(n) = self.users.get(&id) {
            return Ok(n.clone());
        }
        let n = store.get_user(zs_types::UserId(id)).await?.map(|u| u.username);
        self.users.insert(id, n.clone());
        Ok(n)
    }
}

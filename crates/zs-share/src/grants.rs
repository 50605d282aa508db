//! Grants (授权): listing, revocation (effective on the next call) and API credentials bound to
//! a grant (scope `share.grant:<id>`).

use std::collections::HashMap;

use serde_json::json;
use zs_identity::policy::{
    grant_of_scope, AlertHandle, Authorized, CredentialIssue, ShareCredential, ShareRead, ShareRevoke,
    GRANT_SCOPE_PREFIX,
};
use zs_identity::IssueCredential;
use zs_meta::share::{Grant, GrantQuery};
use zs_types::model::Credential;
use zs_types::{Error, ErrorCode, Outcome, Result, Role};

use crate::model::GrantView;
use crate::service::{names, ShareService};

/// Where a grant's data API lives.
pub fn api_base(id: i64) -> String {
    format!("/api/v1/share/grants/{id}")
}

impl ShareService {
    /// Grants the caller may see: data users their department's (held), stewards their
    /// department's (held or given), operators those given or held within their area.
    pub async fn grants(&self, pass: &Authorized<ShareRead>) -> Result<Vec<GrantView>> {
        let p = pass.principal();
        let list = match p.role() {
            Role::PlatformOperator => {
                self.store
                    .list_grants(&GrantQuery {
                        path: Some(p.scope_path().to_owned()),
                        limit: 1000,
                        ..Default::default()
                    })
                    .await?
            }
            Role::Steward => {
                let mut given = self
                    .store
                    .list_grants(&GrantQuery { provider_org: Some(p.org.id.0), limit: 1000, ..Default::default() })
                    .await?;
                let held = self
                    .store
                    .list_grants(&GrantQuery { consumer_org: Some(p.org.id.0), limit: 1000, ..Default::default() })
                    .await?;
                given.extend(held.into_iter().filter(|g| g.provider_org_id != p.org.id.0));
                given.sort_by_key(|g| std::cmp::Reverse(g.id));
                given
            }
            _ => {
                self.store
                    .list_grants(&GrantQuery { consumer_org: Some(p.org.id.0), limit: 1000, ..Default::default() })
                    .await?
            }
        };
        let mut cache = HashMap::new();
        let mut out = Vec::with_capacity(list.len());
        for g in &list {
            out.push(self.present_grant(&mut cache, g).await?);
        }
        Ok(out)
    }

    /// One grant the caller may see.
    pub async fn grant(&self, pass: &Authorized<ShareRead>, id: i64) -> Result<GrantView> {
        let g = self.store.get_grant(id).await?.ok_or_else(|| Error::not_found("grant"))?;
        let p = pass.principal();
        let mine = g.consumer_org_id == p.org.id.0 || g.provider_org_id == p.org.id.0;
        let operator = p.role() == Role::PlatformOperator
            && (g.provider_path.starts_with(p.scope_path()) || g.consumer_path.starts_with(p.scope_path()));
        if !(mine || operator) {
            return Err(Error::not_found("grant"));
        }
        self.present_grant(&mut HashMap::new(), &g).await
    }

    /// Revoke a grant given by the caller's department (or, for operators, within their area).
    /// The very next call through it is refused with `grant_revoked`.
    pub async fn revoke(&self, pass: &Authorized<ShareRevoke>, id: i64, reason: &str) -> Result<GrantView> {
        let p = pass.principal();
        let g = self.store.get_grant(id).await?.ok_or_else(|| Error::not_found("grant"))?;
        let may = match p.role() {
            Role::PlatformOperator => g.provider_path.starts_with(p.scope_path()),
            _ => g.provider_org_id == p.org.id.0,
        };
        if !may {
            return Err(Error::not_found("grant"));
        }
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(Error::invalid("reason", "give the reason for revoking (1-500 characters)"));
        }
        let revoked = self.store.revoke_grant(id, self.now_ms(), p.user.id.0, reason).await;
        // Whatever the answer, the data API reads the grant again on its next call.
        self.serving.forget(id);
        if !revoked? {
            return Err(Error::new(ErrorCode::Conflict, "the grant is already revoked"));
        }
        self.record(
            p,
            pass.request_id(),
            "share.revoke",
            format!("grant:{id}"),
            Outcome::Succeeded,
            json!({ "code": g.code }),
        )
        .await?;
        let g = self.store.get_grant(id).await?.ok_or_else(|| Error::not_found("grant"))?;
        self.present_grant(&mut HashMap::new(), &g).await
    }

    /// Suspend a grant in answer to a security alert (异常处置, reversible): calls through it are
    /// refused with `grant_suspended` from the very next one until a security administrator
    /// reinstates it. By a security administrator whose area holds the consumer (or by the
    /// anomaly detector's automatic response, acting as the machine operator). Recorded as
    /// `share.suspend` with the alert's id. `conflict` if it is revoked or suspended already.
    pub async fn suspend_for_alert(
        &self,
        pass: &Authorized<AlertHandle>,
        id: i64,
        alert: i64,
        reason: &str,
    ) -> Result<GrantView> {
        let p = pass.principal();
        let g = self.grant_in_area(pass, id).await?;
        if g.revoked_at.is_some() {
            return Err(Error::new(ErrorCode::Conflict, "the grant is revoked"));
        }
        let reason = format!("security alert {alert}: {}", reason.trim());
        let suspended = self.store.suspend_grant(id, self.now_ms(), p.user.id.0, &reason).await;
        // Whatever the answer, the data API reads the grant again on its next call.
        self.serving.forget(id);
        if !suspended? {
            return Err(Error::new(ErrorCode::Conflict, "the grant is suspended already"));
        }
        self.answered_alert(pass, "share.suspend", &g, alert).await
    }

    /// Lift a grant's suspension (the security administrator, in answer to the alert that
    /// suspended it): calls work again from the next one. Recorded as `share.reinstate`.
    /// `conflict` if it is not suspended, or was revoked meanwhile (revocation is final).
    pub async fn reinstate_for_alert(&self, pass: &Authorized<AlertHandle>, id: i64, alert: i64) -> Result<GrantView> {
        let g = self.grant_in_area(pass, id).await?;
        if g.revoked_at.is_some() {
            return Err(Error::new(ErrorCode::Conflict, "the grant was revoked; revocation is final"));
        }
        let reinstated = self.store.reinstate_grant(id).await;
        self.serving.forget(id);
        if !reinstated? {
            return Err(Error::new(ErrorCode::Conflict, "the grant is not suspended"));
        }
        self.answered_alert(pass, "share.reinstate", &g, alert).await
    }

    /// Record a suspension or reinstatement done in answer to `alert`, and show the grant as
    /// it is now.
    async fn answered_alert(
        &self,
        pass: &Authorized<AlertHandle>,
        action: &str,
        g: &Grant,
        alert: i64,
    ) -> Result<GrantView> {
        let target = format!("grant:{}", g.id);
        let detail = json!({ "code": g.code, "alert": alert });
        self.record(pass.principal(), pass.request_id(), action, target, Outcome::Succeeded, detail).await?;
        let now = self.store.get_grant(g.id).await?.ok_or_else(|| Error::not_found("grant"))?;
        self.present_grant(&mut HashMap::new(), &now).await
    }

    /// A grant whose consumer lies in the security administrator's area (else `not_found`).
    async fn grant_in_area(&self, pass: &Authorized<AlertHandle>, id: i64) -> Result<Grant> {
        let g = self.store.get_grant(id).await?.ok_or_else(|| Error::not_found("grant"))?;
        if !g.consumer_path.starts_with(pass.principal().scope_path()) {
            return Err(Error::not_found("grant"));
        }
        Ok(g)
    }

    /// Issue an API credential bound to a grant held by the caller's department: scope
    /// `share.grant:<id>`, expiring no later than the grant. The token is returned once.
    pub async fn issue_credential(
        &self,
        pass: &Authorized<ShareCredential>,
        id: i64,
        name: &str,
        days: Option<i64>,
    ) -> Result<(Credential, String)> {
        let p = pass.principal();
        let g =
            self.store.get_grant(id).await?.ok_or_else(|| Error::new(ErrorCode::NoGrant, format!("no grant {id}")))?;
        if g.consumer_org_id != p.org.id.0 {
            return Err(Error::new(ErrorCode::NoGrant, format!("grant {id} is not held by {}", p.org.name)));
        }
        self.usable(&g)?;
        let left_days = ((g.valid_until - self.now_ms()) / 86_400_000).max(1);
        let days = days.unwrap_or(90).min(left_days).min(365);
        let name = if name.trim().is_empty() { format!("grant {id}") } else { name.trim().to_owned() };
        let issue = self.identity.authorize::<CredentialIssue>(&pass.principal_arc(), pass.request_id()).await?;
        let input = IssueCredential {
            name,
            scopes: vec![format!("{GRANT_SCOPE_PREFIX}{id}")],
            expires_in_days: Some(days),
            user_id: None,
        };
        let (cred, token) = self.identity.issue_credential(&issue, input).await?;
        self.record(
            p,
            pass.request_id(),
            "share.credential",
            format!("grant:{id}"),
            Outcome::Succeeded,
            json!({ "credential": cred.id }),
        )
        .await?;
        Ok((cred, token))
    }

    /// Credentials bound to a grant held by the caller's department.
    pub async fn grant_credentials(&self, pass: &Authorized<ShareRead>, id: i64) -> Result<Vec<Credential>> {
        let p = pass.principal();
        let g = self.store.get_grant(id).await?.ok_or_else(|| Error::not_found("grant"))?;
        if g.consumer_org_id != p.org.id.0 {
            return Err(Error::not_found("grant"));
        }
        let all = self.store.list_credentials(&p.org.path).await?;
        Ok(all.into_iter().filter(|c| c.scopes.iter().any(|s| grant_of_scope(s) == Some(id))).collect())
    }

    /// Whether a grant can be used now: not revoked, not suspended, within its period.
    pub(crate) fn usable(&self, g: &Grant) -> Result<()> {
        if g.revoked_at.is_some() {
            return Err(Error::new(ErrorCode::GrantRevoked, format!("grant {} was revoked", g.id)));
        }
        if g.suspended_at.is_some() {
            return Err(Error::new(
                ErrorCode::GrantSuspended,
                format!("grant {} is suspended after a security alert; ask the security administrator", g.id),
            ));
        }
        let now = self.now_ms();
        if now < g.valid_from || now >= g.valid_until {
            return Err(Error::new(ErrorCode::GrantExpired, format!("grant {} is outside its period of use", g.id)));
        }
        Ok(())
    }

    pub(crate) fn grant_state(&self, g: &Grant) -> &'static str {
        match self.usable(g) {
            Ok(()) => "active",
            Err(e) if e.code == ErrorCode::GrantRevoked => "revoked",
            Err(e) if e.code == ErrorCode::GrantSuspended => "suspended",
            Err(_) => "expired",
        }
    }

    async fn present_grant(
        &self,
        orgs: &mut HashMap<i64, Option<zs_types::model::Org>>,
        g: &Grant,
    ) -> Result<GrantView> {
        let name = self.store.get_entry(g.entry_id).await?.map(|e| e.name).unwrap_or_default();
        let day = self.today().to_string();
        // This node's counters hold counts not yet written to the store.
        let usage = match self.quotas.usage(g.id, &day) {
            Some(u) => u,
            None => self.store.usage(g.id, &day).await?,
        };
        Ok(GrantView {
            id: g.id,
            application_id: g.application_id,
            code: g.code.clone(),
            name,
            provider: self.org_name(orgs, g.provider_org_id).await?,
            consumer: self.org_name(orgs, g.consumer_org_id).await?,
            fields: names(&g.fields),
            row_filter: serde_json::from_str(&g.row_filter).unwrap_or_default(),
            masking: serde_json::from_str(&g.masking).unwrap_or_default(),
            valid_from: g.valid_from,
            valid_until: g.valid_until,
            calls_per_day: g.calls_per_day,
            rows_per_day: g.rows_per_day,
            calls_today: usage.calls,
            rows_today: usage.rows,
            state: self.grant_state(g).into(),
            revoked_at: g.revoked_at,
            revoke_reason: g.revoke_reason.clone(),
            suspended_at: g.suspended_at,
            suspend_reason: g.suspend_reason.clone(),
            api: api_base(g.id),
            created_at: g.created_at,
        })
    }
}

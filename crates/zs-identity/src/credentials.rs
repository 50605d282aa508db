//! API credentials for programs: random tokens shown once, stored hashed, with scopes, expiry
//! and revocation that take effect on the next request.

use crate::policy::{AlertHandle, Authorized, CredentialIssue, CredentialRead, CredentialRevoke, ACTIONS};
use crate::principal::AuthVia;
use crate::{token, IdentityService};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use zs_types::model::{AuditRecord, Credential, NewCredential};
use zs_types::{CredentialId, Error, ErrorCode, Outcome, Result, Role, UserId};

/// Input for a new credential.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueCredential {
    /// A label, e.g. "nightly sync from the 人社 system".
    pub name: String,
    /// Operation names (e.g. `org.read`) or prefixes (`org.*`) it may perform.
    pub scopes: Vec<String>,
    /// Days until expiry (1-365, default 90).
    pub expires_in_days: Option<i64>,
    /// Issue for another account in scope (system administrators only).
    #[schema(value_type = Option<i64>)]
    pub user_id: Option<UserId>,
}

fn check_scopes(scopes: &[String]) -> Result<()> {
    if scopes.is_empty() {
        return Err(Error::invalid("scopes", "give at least one scope, e.g. \"org.read\""));
    }
    for s in scopes {
        let known = if crate::policy::grant_of_scope(s).is_some() {
            // Bound to a grant: the share service checks the grant belongs to the holder.
            true
        } else if let Some(prefix) = s.strip_suffix(".*") {
            ACTIONS.iter().any(|(n, _)| n.strip_prefix(prefix).is_some_and(|r| r.starts_with('.')))
        } else {
            ACTIONS.iter().any(|(n, _)| n == s)
        };
        if !known {
            return Err(Error::invalid(
                "scopes",
                format!("unknown scope '{s}': use an operation name such as org.read, or a prefix such as org.*"),
            ));
        }
    }
    Ok(())
}

impl IdentityService {
    /// Credentials the caller may see: administrators see their scope, others their own.
    pub async fn list_credentials(&self, pass: &Authorized<CredentialRead>) -> Result<Vec<Credential>> {
        let p = pass.principal();
        let all = self.store.list_credentials(p.scope_path()).await?;
        let admin =
            matches!(p.role(), Role::SystemAdmin | Role::SecurityAdmin) || matches!(p.via, AuthVia::MachineOperator);
        Ok(if admin { all } else { all.into_iter().filter(|c| c.user_id == p.user.id).collect() })
    }

    /// Issue a credential; the token is returned once and never stored.
    pub async fn issue_credential(
        &self,
        pass: &Authorized<CredentialIssue>,
        input: IssueCredential,
    ) -> Result<(Credential, String)> {
        let p = pass.principal();
        let name = input.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::invalid("name", "name must be 1-100 characters"));
        }
        check_scopes(&input.scopes)?;
        let days = input.expires_in_days.unwrap_or(90);
        if !(1..=365).contains(&days) {
            return Err(Error::invalid("expires_in_days", "expiry must be between 1 and 365 days"));
        }
        let owner = match input.user_id {
            None => p.user.id,
            Some(id) if id == p.user.id => id,
            Some(id) => {
                if !(p.role() == Role::SystemAdmin || matches!(p.via, AuthVia::MachineOperator)) {
                    return Err(Error::forbidden("only system administrators issue credentials for other accounts")
                        .with_field("user_id"));
                }
                let user =
                    self.store.get_user(id).await?.ok_or_else(|| Error::invalid("user_id", "user does not exist"))?;
                let org = self
                    .store
                    .get_org(user.org_id)
                    .await?
                    .ok_or_else(|| Error::invalid("user_id", "user does not exist"))?;
                if !p.can_see(&org) {
                    return Err(Error::invalid("user_id", "user does not exist"));
                }
                id
            }
        };
        if owner.0 == 0 {
            return Err(Error::invalid("user_id", "the machine operator has no account; name a user"));
        }
        let tok = token::generate(token::CREDENTIAL_PREFIX);
        let cred = self
            .store
            .create_credential(
                NewCredential {
                    user_id: owner,
                    name,
                    token_prefix: token::display_prefix(&tok),
                    token_hash: token::hash(&tok),
                    scopes: input.scopes,
                    expires_at: Some(self.clock.now() + time::Duration::days(days)),
                },
                zs_types::clock::to_ms(self.clock.now()),
            )
            .await?;
        self.done(pass, format!("credential:{}", cred.id), json!({ "owner": owner, "scopes": cred.scopes })).await?;
        Ok((cred, tok))
    }

    /// Revoke a credential: one's own, or any in scope for security and system administrators.
    /// Effective on the very next request.
    pub async fn revoke_credential(&self, pass: &Authorized<CredentialRevoke>, id: CredentialId) -> Result<Credential> {
        let p = pass.principal();
        let cred = self.store.get_credential(id).await?.ok_or_else(|| Error::not_found("credential"))?;
        let owner = self.store.get_user(cred.user_id).await?.ok_or_else(|| Error::not_found("credential"))?;
        let org = self.store.get_org(owner.org_id).await?.ok_or_else(|| Error::not_found("credential"))?;
        let admin =
            matches!(p.role(), Role::SystemAdmin | Role::SecurityAdmin) || matches!(p.via, AuthVia::MachineOperator);
        let may = cred.user_id == p.user.id || (admin && p.can_see(&org));
        if !may {
            return Err(Error::not_found("credential"));
        }
        if cred.revoked_at.is_some() {
            return Err(Error::new(ErrorCode::Conflict, "the credential is already revoked"));
        }
        self.store.revoke_credential(id, zs_types::clock::to_ms(self.clock.now())).await?;
        self.forget_principals(cred.user_id);
        self.done(pass, format!("credential:{id}"), json!({})).await?;
        self.store.get_credential(id).await?.ok_or_else(|| Error::not_found("credential"))
    }

    /// Suspend a credential in answer to security alert `alert` (暂停, reversible): refused with
    /// `credential_suspended` from the very next request until [`IdentityService::reinstate_credential`].
    /// Security administrators, for credentials of accounts in their area (and the anomaly
    /// detector's automatic response). Recorded as `credential.suspend`. `conflict` if it is
    /// revoked or suspended already.
    pub async fn suspend_credential(
        &self,
        pass: &Authorized<AlertHandle>,
        id: CredentialId,
        alert: i64,
        reason: &str,
    ) -> Result<Credential> {
        let cred = self.credential_in_area(pass, id).await?;
        if cred.revoked_at.is_some() {
            return Err(Error::new(ErrorCode::Conflict, "the credential is revoked"));
        }
        let reason = format!("security alert {alert}: {}", reason.trim());
        let now = zs_types::clock::to_ms(self.clock.now());
        let changed = self.store.suspend_credential(id, now, &reason).await;
        self.forget_principals(cred.user_id);
        if !changed? {
            return Err(Error::new(ErrorCode::Conflict, "the credential is suspended already"));
        }
        let p = pass.principal();
        self.record(
            Some(p),
            pass.request_id(),
            "credential.suspend",
            Some(format!("credential:{id}")),
            Outcome::Succeeded,
            json!({ "alert": alert, "credential": id.0 }),
        )
        .await?;
        self.store.get_credential(id).await?.ok_or_else(|| Error::not_found("credential"))
    }

    /// Lift a credential's suspension (the security administrator, with the reason on the
    /// alert): it works again from the next request. Recorded as `credential.reinstate`.
    /// `conflict` if it is not suspended, or was revoked meanwhile (revocation is final).
    pub async fn reinstate_credential(
        &self,
        pass: &Authorized<AlertHandle>,
        id: CredentialId,
        alert: i64,
    ) -> Result<Credential> {
        let cred = self.credential_in_area(pass, id).await?;
        if cred.revoked_at.is_some() {
            return Err(Error::new(ErrorCode::Conflict, "the credential was revoked; revocation is final"));
        }
        let changed = self.store.reinstate_credential(id).await;
        self.forget_principals(cred.user_id);
        if !changed? {
            return Err(Error::new(ErrorCode::Conflict, "the credential is not suspended"));
        }
        self.record(
            Some(pass.principal()),
            pass.request_id(),
            "credential.reinstate",
            Some(format!("credential:{id}")),
            Outcome::Succeeded,
            json!({ "alert": alert, "credential": id.0 }),
        )
        .await?;
        self.store.get_credential(id).await?.ok_or_else(|| Error::not_found("credential"))
    }

    /// A credential whose account lies in the caller's area (else `not_found`).
    async fn credential_in_area(&self, pass: &Authorized<AlertHandle>, id: CredentialId) -> Result<Credential> {
        let cred = self.store.get_credential(id).await?.ok_or_else(|| Error::not_found("credential"))?;
        let owner = self.store.get_user(cred.user_id).await?.ok_or_else(|| Error::not_found("credential"))?;
        let org = self.store.get_org(owner.org_id).await?.ok_or_else(|| Error::not_found("credential"))?;
        if !pass.principal().can_see(&org) {
            return Err(Error::not_found("credential"));
        }
        Ok(cred)
    }

    /// Read the audit trail (audit administrators).
    pub async fn read_audit(
        &self,
        _pass: &Authorized<crate::policy::AuditRead>,
        q: &zs_meta::AuditQuery,
    ) -> Result<Vec<AuditRecord>> {
        self.store.list_audit(q).await
    }
}

//! The identity service: authentication of tokens and the one place authorisation is decided.

use crate::policy::{scope_covers, Action, Authorized};
use crate::principal::{AuthVia, Principal};
use crate::principal_cache::{PrincipalCache, PrincipalCacheStats};
use crate::token;
use serde_json::json;
use std::sync::Arc;
use zs_meta::DynStore;
use zs_types::model::User;
use zs_types::{AuditEvent, AuditSink, Clock, Error, ErrorCode, Outcome, Result};

/// Tunables of the identity service (from the configuration).
#[derive(Debug, Clone)]
pub struct IdentitySettings {
    /// How long a login session lasts.
    pub session_ttl: time::Duration,
    /// Failed logins before the account is locked.
    pub max_failed_logins: i64,
    /// First lockout period; it doubles with each further failure, up to one hour.
    pub lockout_base: time::Duration,
    /// Demo mode: generated passwords need not be changed at first login.
    pub demo_mode: bool,
}

impl Default for IdentitySettings {
    fn default() -> Self {
        Self {
            session_ttl: time::Duration::hours(8),
            max_failed_logins: 5,
            lockout_base: time::Duration::minutes(1),
            demo_mode: false,
        }
    }
}

/// Accounts, organisations, credentials and authorisation.
#[derive(Clone)]
pub struct IdentityService {
    pub(crate) store: DynStore,
    pub(crate) audit: Arc<dyn AuditSink>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) settings: IdentitySettings,
    pub(crate) principals: Arc<PrincipalCache>,
}

impl IdentityService {
    /// Build the service.
    pub fn new(store: DynStore, audit: Arc<dyn AuditSink>, clock: Arc<dyn Clock>, settings: IdentitySettings) -> Self {
        Self { store, audit, clock, settings, principals: Arc::default() }
    }

    /// The settings in force.
    pub fn settings(&self) -> &IdentitySettings {
        &self.settings
    }

    /// Now, by the injected clock (for display decisions such as "expired").
    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// The store (read-only views for dashboards).
    pub fn store(&self) -> &DynStore {
        &self.store
    }

    /// Hits and misses of the principal cache (see [`crate::principal_cache`]).
    pub fn principal_cache_stats(&self) -> PrincipalCacheStats {
        self.principals.stats()
    }

    /// Forget the cached principals of an account: call after any change to the account, its
    /// sessions or its credentials.
    pub(crate) fn forget_principals(&self, user: zs_types::UserId) {
        self.principals.forget_user(user);
    }

    /// Resolve a bearer token (session or API credential) to a principal. A principal read in
    /// the last few seconds is served from an in-process cache (token expiry still checked).
    pub async fn authenticate(&self, bearer: &str) -> Result<Arc<Principal>> {
        let now = self.clock.now();
        let hash = token::hash(bearer);
        if let Some(p) = self.principals.get(&hash, now) {
            return Ok(p);
        }
        let generation = self.principals.generation();
        let (principal, expires_at) = self.authenticate_from_store(&hash, bearer, now).await?;
        self.principals.insert(hash, Arc::clone(&principal), expires_at, now, generation);
        Ok(principal)
    }

    async fn authenticate_from_store(
        &self,
        hash: &str,
        bearer: &str,
        now: time::OffsetDateTime,
    ) -> Result<(Arc<Principal>, Option<time::OffsetDateTime>)> {
        let hash = hash.to_owned();
        let (user_id, via, expires_at) = if bearer.starts_with(token::CREDENTIAL_PREFIX) {
            let cred = self
                .store
                .credential_by_hash(&hash)
                .await?
                .ok_or_else(|| Error::new(ErrorCode::Unauthenticated, "unknown API credential"))?;
            if cred.revoked_at.is_some() {
                // A revoked credential still in use is a security signal (anomaly detection's
                // calls-after-revocation rule): the refusal is recorded, naming the credential.
                self.record_refused_credential(&cred, "credential_revoked").await?;
                return Err(Error::new(ErrorCode::CredentialRevoked, "this API credential was revoked"));
            }
            if cred.expires_at.is_some_and(|e| e <= now) {
                // Recorded too: every use of a credential, refused or not, is in the trail.
                self.record_refused_credential(&cred, "credential_expired").await?;
                return Err(Error::new(ErrorCode::CredentialExpired, "this API credential has expired"));
            }
            if cred.suspended_at.is_some() {
                // Suspended in answer to a security alert: refused (and recorded) until a
                // security administrator reinstates it.
                self.record_refused_credential(&cred, "credential_suspended").await?;
                return Err(Error::new(
                    ErrorCode::CredentialSuspended,
                    "this API credential is suspended after a security alert; ask the security administrator",
                ));
            }
            (cred.user_id, AuthVia::Credential { id: cred.id, scopes: cred.scopes }, cred.expires_at)
        } else {
            let s =
                self.store.session_by_hash(&hash).await?.ok_or_else(|| {
                    Error::new(ErrorCode::SessionExpired, "the session has ended; please log in again")
                })?;
            if s.expires_at <= now {
                self.store.delete_session(&hash).await?;
                return Err(Error::new(ErrorCode::SessionExpired, "the session has expired; please log in again"));
            }
            (s.user_id, AuthVia::Session { token_hash: hash }, Some(s.expires_at))
        };
        let user = self
            .store
            .get_user(user_id)
            .await?
            .ok_or_else(|| Error::new(ErrorCode::Unauthenticated, "the account no longer exists"))?;
        if user.disabled {
            return Err(Error::new(ErrorCode::AccountDisabled, "the account is disabled"));
        }
        let org =
            self.store.get_org(user.org_id).await?.ok_or_else(|| Error::internal("account without organisation"))?;
        Ok((Arc::new(Principal::new(user, org, via)), expires_at))
    }

    /// Decide whether `principal` may perform `A`, record the decision, and hand out the pass.
    /// Allowed decisions of actions whose service records each call itself
    /// ([`Action::ALLOW_RECORDED_BY_SERVICE`]) are not recorded twice.
    pub async fn authorize<A: Action>(
        &self,
        principal: &Arc<Principal>,
        request_id: Option<&str>,
    ) -> Result<Authorized<A>> {
        let verdict = self.decide::<A>(principal);
        if verdict.is_err() || !A::ALLOW_RECORDED_BY_SERVICE {
            let outcome = if verdict.is_ok() { Outcome::Allowed } else { Outcome::Denied };
            let mut detail = match &verdict {
                Ok(()) => json!({ "role": principal.role().as_str() }),
                Err(e) => json!({ "role": principal.role().as_str(), "code": e.code.as_str() }),
            };
            // Which credential acted, so its use can be followed (anomaly detection's baselines).
            if let (AuthVia::Credential { id, .. }, Some(m)) = (&principal.via, detail.as_object_mut()) {
                m.insert("credential".into(), json!(id.0));
            }
            self.record(Some(principal), request_id, A::NAME, None, outcome, detail).await?;
        }
        verdict.map(|()| Authorized::new(principal.clone(), request_id.map(str::to_owned)))
    }

    fn decide<A: Action>(&self, p: &Principal) -> Result<()> {
        if matches!(p.via, AuthVia::MachineOperator) {
            return Ok(());
        }
        if p.user.must_change_password && !A::DURING_PASSWORD_CHANGE {
            return Err(Error::new(
                ErrorCode::PasswordChangeRequired,
                "the password was generated and must be changed before anything else",
            ));
        }
        if !A::ROLES.contains(&p.role()) {
            return Err(Error::forbidden(format!("role '{}' may not perform '{}'", p.role().as_str(), A::NAME)));
        }
        if let AuthVia::Credential { scopes, .. } = &p.via {
            if !scope_covers(scopes, A::NAME) {
                return Err(Error::new(
                    ErrorCode::ScopeNotGranted,
                    format!("the API credential's scopes do not include '{}'", A::NAME),
                ));
            }
        }
        Ok(())
    }

    /// Record that a credential was refused at authentication (`auth.credential`, denied), with
    /// its owner as the actor; never the token.
    async fn record_refused_credential(&self, cred: &zs_types::model::Credential, code: &str) -> Result<()> {
        let org = match self.store.get_user(cred.user_id).await? {
            Some(u) => Some(u.org_id),
            None => None,
        };
        self.audit
            .record(AuditEvent {
                at: self.clock.now(),
                request_id: None,
                actor_user: Some(cred.user_id),
                actor_org: org,
                action: "auth.credential".to_owned(),
                target: Some(format!("credential:{}", cred.id)),
                outcome: Outcome::Denied,
                detail: json!({ "code": code, "credential": cred.id.0 }),
            })
            .await
    }

    /// The machine operator: whoever runs `zhengshu admin` on the server. Acts at the root of the
    /// tree with no role limits; every action is still recorded.
    pub async fn machine_operator(&self) -> Result<Arc<Principal>> {
        let root =
            self.store.list_orgs("/").await?.into_iter().find(|o| o.parent_id.is_none()).ok_or_else(|| {
                Error::new(ErrorCode::Conflict, "the organisation tree is empty: create the city first")
            })?;
        let now = self.clock.now();
        let user = User {
            id: zs_types::UserId(0),
            username: "machine-operator".into(),
            display_name: "Machine operator (CLI)".into(),
            org_id: root.id,
            role: zs_types::Role::SystemAdmin,
            password_hash: String::new(),
            must_change_password: false,
            disabled: false,
            failed_logins: 0,
            locked_until: None,
            created_at: now,
        };
        Ok(Arc::new(Principal::new(user, root, AuthVia::MachineOperator)))
    }

    /// Write one audit event through the sink.
    pub(crate) async fn record(
        &self,
        actor: Option<&Principal>,
        request_id: Option<&str>,
        action: &str,
        target: Option<String>,
        outcome: Outcome,
        detail: serde_json::Value,
    ) -> Result<()> {
        self.audit
            .record(AuditEvent {
                at: self.clock.now(),
                request_id: request_id.map(str::to_owned),
                actor_user: actor.map(|p| p.user.id).filter(|id| id.0 != 0),
                actor_org: actor.map(|p| p.org.id),
                action: action.to_owned(),
                target,
                outcome,
                detail,
            })
            .await
    }

    /// Record the successful completion of an authorised operation.
    pub(crate) async fn done<A: Action>(
        &self,
        pass: &Authorized<A>,
        target: String,
        detail: serde_json::Value,
    ) -> Result<()> {
        self.record(Some(pass.principal()), pass.request_id(), A::NAME, Some(target), Outcome::Succeeded, detail).await
    }
}

//! Accounts: login with lockout, sessions, password changes, and account administration.

use crate::policy::{Authorized, Logout, MeChangePassword, UserCreate, UserDisable, UserRead, UserResetPassword};
use crate::principal::{AuthVia, Principal};
use crate::{password, token, IdentityService};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use utoipa::ToSchema;
use zs_types::clock::to_ms;
use zs_types::model::{NewUser, Session, User};
use zs_types::{Error, ErrorCode, OrgId, Outcome, Result, Role, UserId};

/// A successful login.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LoginResult {
    /// Bearer token (also set as the portal session cookie). Shown once.
    pub token: String,
    /// When the session ends.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
    /// The account.
    pub user: User,
    /// Whether the password must be changed before anything else.
    pub must_change_password: bool,
}

/// Input for a new account.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// Login name: 3-64 characters of letters, digits, `.`, `_`, `-`.
    pub username: String,
    /// Name shown in the portal.
    pub display_name: String,
    /// The organisation the account belongs to.
    #[schema(value_type = i64)]
    pub org_id: OrgId,
    /// `platform_operator`, `steward` or `data_user` (administrator roles only through the CLI).
    #[schema(value_type = String)]
    pub role: Role,
    /// A chosen password; if absent one is generated and must be changed at first login.
    pub password: Option<String>,
}

fn check_username(u: &str) -> Result<()> {
    let ok = (3..=64).contains(&u.len()) && u.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "username",
            format!("user name '{u}' must be 3-64 characters of letters, digits, '.', '_' or '-'"),
        ))
    }
}

fn check_display_name(n: &str) -> Result<String> {
    let n = n.trim();
    if n.is_empty() || n.chars().count() > 64 || n.chars().any(char::is_control) {
        return Err(Error::invalid("display_name", "display name must be 1-64 characters without control characters"));
    }
    Ok(n.to_owned())
}

impl IdentityService {
    /// Log in with user name and password. Repeated failures lock the account with back-off:
    /// after `max_failed_logins` failures for `lockout_base`, doubling per further failure, at most
    /// one hour. While locked, the password is not even checked.
    pub async fn login(&self, username: &str, password_in: &str, request_id: Option<&str>) -> Result<LoginResult> {
        let now = self.clock.now();
        let target = Some(format!("username:{}", username.chars().take(64).collect::<String>()));
        let Some(user) = self.store.user_by_username(username).await? else {
            // Same work as a real check, so response time does not reveal which names exist.
            let _ = password::verify(password_in, password::dummy_hash());
            self.record(None, request_id, "auth.login", target, Outcome::Failed, json!({ "reason": "unknown_user" }))
                .await?;
            return Err(Error::new(ErrorCode::InvalidCredentials, "user name or password is wrong"));
        };
        // For the audit record only: who tried to log in, and their organisation id.
        let principal_for_audit = |u: &User| {
            let org = zs_types::model::Org {
                id: u.org_id,
                parent_id: None,
                kind: zs_types::model::OrgKind::Department,
                name: String::new(),
                code: String::new(),
                division_code: String::new(),
                path: String::new(),
                created_at: now,
            };
            Principal::new(u.clone(), org, AuthVia::Session { token_hash: String::new() })
        };
        let actor = principal_for_audit(&user);
        if let Some(until) = user.locked_until.filter(|t| *t > now) {
            self.record(Some(&actor), request_id, "auth.login", target, Outcome::Denied, json!({ "reason": "locked" }))
                .await?;
            let secs = (until - now).whole_seconds().max(1);
            return Err(Error::new(ErrorCode::AccountLocked, format!("too many failed logins: try again in {secs} s")));
        }
        if user.disabled {
            self.record(
                Some(&actor),
                request_id,
                "auth.login",
                target,
                Outcome::Denied,
                json!({ "reason": "disabled" }),
            )
            .await?;
            return Err(Error::new(ErrorCode::AccountDisabled, "the account is disabled"));
        }
        if !password::verify(password_in, &user.password_hash) {
            let failed = user.failed_logins + 1;
            let over = failed - self.settings.max_failed_logins;
            let locked_until = (over >= 0).then(|| {
                let factor = 1i64 << over.min(10);
                let period = (self.settings.lockout_base * factor as i32).min(time::Duration::hours(1));
                to_ms(now + period)
            });
            self.store.set_login_failures(user.id, failed, locked_until).await?;
            self.record(
                Some(&actor),
                request_id,
                "auth.login",
                target,
                Outcome::Failed,
                json!({ "reason": "bad_password", "failed": failed }),
            )
            .await?;
            return Err(Error::new(ErrorCode::InvalidCredentials, "user name or password is wrong"));
        }
        if user.failed_logins != 0 || user.locked_until.is_some() {
            self.store.set_login_failures(user.id, 0, None).await?;
        }
        let token = token::generate(token::SESSION_PREFIX);
        let expires_at = now + self.settings.session_ttl;
        self.store
            .create_session(&Session { token_hash: token::hash(&token), user_id: user.id, created_at: now, expires_at })
            .await?;
        self.record(Some(&actor), request_id, "auth.login", target, Outcome::Succeeded, json!({})).await?;
        let must_change_password = user.must_change_password;
        let user = User { failed_logins: 0, locked_until: None, ..user };
        Ok(LoginResult { token, expires_at, user, must_change_password })
    }

    /// End the caller's session.
    pub async fn logout(&self, pass: &Authorized<Logout>) -> Result<()> {
        if let AuthVia::Session { token_hash } = &pass.principal().via {
            self.store.delete_session(token_hash).await?;
        }
        self.forget_principals(pass.principal().user.id);
        self.done(pass, format!("user:{}", pass.principal().user.id), json!({})).await
    }

    /// Change one's own password: the current one must be given, the new one must meet the
    /// policy and differ. All other sessions of the account end.
    pub async fn change_password(&self, pass: &Authorized<MeChangePassword>, current: &str, new: &str) -> Result<()> {
        let me = &pass.principal().user;
        let stored = self.store.get_user(me.id).await?.ok_or_else(|| Error::not_found("user"))?;
        if !password::verify(current, &stored.password_hash) {
            return Err(Error::new(ErrorCode::InvalidCredentials, "the current password is wrong")
                .with_field("current_password"));
        }
        if current == new {
            return Err(Error::new(ErrorCode::WeakPassword, "the new password must differ from the current one")
                .with_field("new_password"));
        }
        password::check_policy(new, &me.username)?;
        self.store.set_password(me.id, &password::hash(new)?, false).await?;
        self.store.delete_user_sessions(me.id).await?;
        self.forget_principals(me.id);
        if let AuthVia::Session { token_hash } = &pass.principal().via {
            // Keep the session that made the change alive.
            self.store
                .create_session(&Session {
                    token_hash: token_hash.clone(),
                    user_id: me.id,
                    created_at: self.clock.now(),
                    expires_at: self.clock.now() + self.settings.session_ttl,
                })
                .await?;
        }
        self.done(pass, format!("user:{}", me.id), json!({})).await
    }

    /// Accounts within the caller's scope.
    pub async fn list_users(&self, pass: &Authorized<UserRead>) -> Result<Vec<User>> {
        self.store.list_users(pass.principal().scope_path()).await
    }

    /// Create an account in scope. Returns the generated password when none was given.
    /// Administrator roles (三员) are created only by the machine operator, so no online
    /// administrator can mint another.
    pub async fn create_user(
        &self,
        pass: &Authorized<UserCreate>,
        input: CreateUser,
    ) -> Result<(User, Option<String>)> {
        check_username(&input.username)?;
        let display_name = check_display_name(&input.display_name)?;
        if input.role.is_administrator() && !matches!(pass.principal().via, AuthVia::MachineOperator) {
            return Err(Error::forbidden(
                "administrator accounts (系统/安全/审计管理员) are created only with `zhengshu admin` on the server",
            )
            .with_field("role"));
        }
        let org = self
            .store
            .get_org(input.org_id)
            .await?
            .filter(|o| pass.principal().can_see(o))
            .ok_or_else(|| Error::invalid("org_id", format!("organisation {} does not exist", input.org_id)))?;
        let (password, generated) = match input.password {
            Some(p) => {
                password::check_policy(&p, &input.username)?;
                (p, None)
            }
            None => {
                let p = password::generate();
                (p.clone(), Some(p))
            }
        };
        if self.store.user_by_username(&input.username).await?.is_some() {
            return Err(Error::new(ErrorCode::AlreadyExists, format!("user name '{}' is taken", input.username))
                .with_field("username"));
        }
        let must_change = generated.is_some() && !self.settings.demo_mode;
        let user = self
            .store
            .create_user(
                NewUser {
                    username: input.username,
                    display_name,
                    org_id: org.id,
                    role: input.role,
                    password_hash: password::hash(&password)?,
                    must_change_password: must_change,
                },
                to_ms(self.clock.now()),
            )
            .await?;
        self.done(pass, format!("user:{}", user.id), json!({ "org": org.id, "role": user.role.as_str() })).await?;
        Ok((user, generated))
    }

    /// An account the principal may manage: in scope (else `not_found`), and not one of the
    /// three administrators unless the principal is the machine operator (三员分立).
    async fn user_in_scope(&self, principal: &Principal, id: UserId) -> Result<User> {
        let user = self.store.get_user(id).await?.ok_or_else(|| Error::not_found("user"))?;
        let org = self.store.get_org(user.org_id).await?.ok_or_else(|| Error::not_found("user"))?;
        if !principal.can_see(&org) {
            return Err(Error::not_found("user"));
        }
        if user.role.is_administrator() && !matches!(principal.via, AuthVia::MachineOperator) {
            return Err(Error::forbidden(
                "administrator accounts (系统/安全/审计管理员) are managed only with `zhengshu admin` on the server",
            ));
        }
        Ok(user)
    }

    /// Give an account a generated password that must be changed at next login; ends its sessions.
    pub async fn reset_password(&self, pass: &Authorized<UserResetPassword>, id: UserId) -> Result<String> {
        let user = self.user_in_scope(pass.principal(), id).await?;
        let generated = password::generate();
        self.store.set_password(user.id, &password::hash(&generated)?, !self.settings.demo_mode).await?;
        self.store.delete_user_sessions(user.id).await?;
        self.forget_principals(user.id);
        self.done(pass, format!("user:{}", user.id), json!({})).await?;
        Ok(generated)
    }

    /// Disable (ending sessions) or re-enable an account in scope. Nobody disables themselves.
    pub async fn set_disabled(&self, pass: &Authorized<UserDisable>, id: UserId, disabled: bool) -> Result<User> {
        let user = self.user_in_scope(pass.principal(), id).await?;
        if user.id == pass.principal().user.id {
            return Err(Error::new(ErrorCode::Conflict, "you cannot disable your own account"));
        }
        self.store.set_user_disabled(user.id, disabled).await?;
        if disabled {
            self.store.delete_user_sessions(user.id).await?;
        }
        self.forget_principals(user.id);
        self.done(pass, format!("user:{}", user.id), json!({ "disabled": disabled })).await?;
        Ok(User { disabled, ..user })
    }

    /// Resolve a principal for a known user (used by the CLI to act as the machine operator on
    /// behalf of an account, e.g. issuing a credential for it).
    pub async fn user_by_name(&self, username: &str) -> Result<User> {
        self.store.user_by_username(username).await?.ok_or_else(|| Error::not_found("user"))
    }

    /// Principal for an account (CLI use: credentials issued by the machine operator for a user).
    pub async fn principal_of(&self, user: User) -> Result<Arc<Principal>> {
        let org = self.store.get_org(user.org_id).await?.ok_or_else(|| Error::not_found("organisation"))?;
        Ok(Arc::new(Principal::new(user, org, AuthVia::MachineOperator)))
    }
}

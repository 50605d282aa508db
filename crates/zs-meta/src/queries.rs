//! The SQL both backends share. The statements use `$n` placeholders, which SQLite and
//! PostgreSQL both accept, and only portable types (BIGINT/INTEGER, TEXT, BOOLEAN); the macro
//! instantiates the same code for each backend's pool and row type, so there is one copy of the
//! logic and the conformance suite holds both to it.

use zs_types::clock::from_ms;
use zs_types::model::OrgKind;
use zs_types::{Error, Outcome, Role};

pub(crate) fn kind(s: &str) -> Result<OrgKind, Error> {
    OrgKind::parse(s).ok_or_else(|| Error::internal(format!("stored org kind '{s}' is unknown")))
}

pub(crate) fn role(s: &str) -> Result<Role, Error> {
    Role::parse(s).ok_or_else(|| Error::internal(format!("stored role '{s}' is unknown")))
}

pub(crate) fn outcome(s: &str) -> Result<Outcome, Error> {
    Outcome::parse(s).ok_or_else(|| Error::internal(format!("stored outcome '{s}' is unknown")))
}

pub(crate) fn opt_time(ms: Option<i64>) -> Option<time::OffsetDateTime> {
    ms.map(from_ms)
}

pub(crate) const ORG_COLS: &str = "id, parent_id, kind, name, code, division_code, path, created_at";
pub(crate) const USER_COLS: &str = "u.id, u.username, u.display_name, u.org_id, u.role, u.password_hash, \
     u.must_change_password, u.disabled, u.failed_logins, u.locked_until, u.created_at";
pub(crate) const CRED_COLS: &str =
    "c.id, c.user_id, c.name, c.token_prefix, c.token_hash, c.scopes, c.expires_at, c.revoked_at, c.suspended_at, \
     c.suspend_reason, c.created_at";

/// Implements [`crate::MetaStore`] for a store struct with a `pool` field of the given backend.
macro_rules! impl_meta_store {
    ($store:ty, $row:ty, $backend:literal, $has_migrations_sql:literal) => {
        use sqlx::Row as _;
        use zs_types::clock::from_ms;
        use zs_types::model::*;
        use zs_types::{AuditEvent, CredentialId, OrgId, Result, UserId};
        use $crate::error::map;
        use $crate::queries::*;
        use $crate::AuditQuery;

        fn org_row(r: &$row) -> Result<Org> {
            Ok(Org {
                id: OrgId(r.try_get("id").map_err(map)?),
                parent_id: r.try_get::<Option<i64>, _>("parent_id").map_err(map)?.map(OrgId),
                kind: kind(&r.try_get::<String, _>("kind").map_err(map)?)?,
                name: r.try_get("name").map_err(map)?,
                code: r.try_get("code").map_err(map)?,
                division_code: r.try_get("division_code").map_err(map)?,
                path: r.try_get("path").map_err(map)?,
                created_at: from_ms(r.try_get("created_at").map_err(map)?),
            })
        }

        fn user_row(r: &$row) -> Result<User> {
            Ok(User {
                id: UserId(r.try_get("id").map_err(map)?),
                username: r.try_get("username").map_err(map)?,
                display_name: r.try_get("display_name").map_err(map)?,
                org_id: OrgId(r.try_get("org_id").map_err(map)?),
                role: role(&r.try_get::<String, _>("role").map_err(map)?)?,
                password_hash: r.try_get("password_hash").map_err(map)?,
                must_change_password: r.try_get("must_change_password").map_err(map)?,
                disabled: r.try_get("disabled").map_err(map)?,
                failed_logins: r.try_get("failed_logins").map_err(map)?,
                locked_until: opt_time(r.try_get("locked_until").map_err(map)?),
                created_at: from_ms(r.try_get("created_at").map_err(map)?),
            })
        }

        fn cred_row(r: &$row) -> Result<Credential> {
            let scopes: String = r.try_get("scopes").map_err(map)?;
            Ok(Credential {
                id: CredentialId(r.try_get("id").map_err(map)?),
                user_id: UserId(r.try_get("user_id").map_err(map)?),
                name: r.try_get("name").map_err(map)?,
                token_prefix: r.try_get("token_prefix").map_err(map)?,
                token_hash: r.try_get("token_hash").map_err(map)?,
                scopes: serde_json::from_str(&scopes)
                    .map_err(|e| zs_types::Error::internal(format!("stored scopes unreadable: {e}")))?,
                expires_at: opt_time(r.try_get("expires_at").map_err(map)?),
                revoked_at: opt_time(r.try_get("revoked_at").map_err(map)?),
                suspended_at: opt_time(r.try_get("suspended_at").map_err(map)?),
                suspend_reason: r.try_get("suspend_reason").map_err(map)?,
                created_at: from_ms(r.try_get("created_at").map_err(map)?),
            })
        }

        fn session_row(r: &$row) -> Result<Session> {
            Ok(Session {
                token_hash: r.try_get("token_hash").map_err(map)?,
                user_id: UserId(r.try_get("user_id").map_err(map)?),
                created_at: from_ms(r.try_get("created_at").map_err(map)?),
                expires_at: from_ms(r.try_get("expires_at").map_err(map)?),
            })
        }

        fn audit_row(r: &$row) -> Result<AuditRecord> {
            let detail: String = r.try_get("detail").map_err(map)?;
            Ok(AuditRecord {
                seq: r.try_get("seq").map_err(map)?,
                ledger_index: r.try_get("ledger_index").map_err(map)?,
                event: AuditEvent {
                    at: from_ms(r.try_get("at").map_err(map)?),
                    request_id: r.try_get("request_id").map_err(map)?,
                    actor_user: r.try_get::<Option<i64>, _>("actor_user").map_err(map)?.map(UserId),
                    actor_org: r.try_get::<Option<i64>, _>("actor_org").map_err(map)?.map(OrgId),
                    action: r.try_get("action").map_err(map)?,
                    target: r.try_get("target").map_err(map)?,
                    outcome: outcome(&r.try_get::<String, _>("outcome").map_err(map)?)?,
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                },
            })
        }

        #[async_trait::async_trait]
        impl $crate::MetaStore for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await.map_err(map)?;
                Ok(())
            }

            async fn migrate(&self) -> Result<usize> {
                let before = self.schema_version().await?;
                Self::MIGRATOR.run(&self.pool).await.map_err($crate::error::migrate)?;
                let after = self.schema_version().await?;
                Ok(Self::MIGRATOR.iter().filter(|m| m.version > before && m.version <= after).count())
            }

            async fn schema_version(&self) -> Result<i64> {
                let exists: i64 = sqlx::query_scalar($has_migrations_sql).fetch_one(&self.pool).await.map_err(map)?;
                if exists == 0 {
                    return Ok(0);
                }
                let v: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(map)?;
                Ok(v.unwrap_or(0))
            }

            async fn create_org(&self, org: NewOrg, now_ms: i64) -> Result<Org> {
                let mut tx = self.begin_write().await.map_err(map)?;
                let parent_path: String = match org.parent_id {
                    Some(p) => sqlx::query_scalar("SELECT path FROM orgs WHERE id = $1")
                        .bind(p.0)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map)?
                        .ok_or_else(|| zs_types::Error::invalid("parent_id", format!("parent organisation {p} does not exist")))?,
                    None => "/".to_owned(),
                };
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO orgs (parent_id, kind, name, code, division_code, path, created_at) \
                     VALUES ($1, $2, $3, $4, $5, '', $6) RETURNING id",
                )
                .bind(org.parent_id.map(|p| p.0))
                .bind(org.kind.as_str())
                .bind(&org.name)
                .bind(&org.code)
                .bind(&org.division_code)
                .bind(now_ms)
                .fetch_one(&mut *tx)
                .await
                .map_err(map)?;
                let path = format!("{parent_path}{id}/");
                sqlx::query("UPDATE orgs SET path = $1 WHERE id = $2").bind(&path).bind(id).execute(&mut *tx).await.map_err(map)?;
                tx.commit().await.map_err(map)?;
                Ok(Org {
                    id: OrgId(id),
                    parent_id: org.parent_id,
                    kind: org.kind,
                    name: org.name,
                    code: org.code,
                    division_code: org.division_code,
                    path,
                    created_at: from_ms(now_ms),
                })
            }

            async fn get_org(&self, id: OrgId) -> Result<Option<Org>> {
                let sql = format!("SELECT {ORG_COLS} FROM orgs WHERE id = $1");
                let row = sqlx::query(&sql).bind(id.0).fetch_optional(&self.pool).await.map_err(map)?;
                row.as_ref().map(org_row).transpose()
            }

            async fn org_by_code(&self, code: &str) -> Result<Option<Org>> {
                let sql = format!("SELECT {ORG_COLS} FROM orgs WHERE code = $1");
                let row = sqlx::query(&sql).bind(code).fetch_optional(&self.pool).await.map_err(map)?;
                row.as_ref().map(org_row).transpose()
            }

            async fn list_orgs(&self, path_prefix: &str) -> Result<Vec<Org>> {
                let sql = format!("SELECT {ORG_COLS} FROM orgs WHERE path LIKE $1 ORDER BY path");
                let rows = sqlx::query(&sql).bind(like_prefix(path_prefix)).fetch_all(&self.pool).await.map_err(map)?;
                rows.iter().map(org_row).collect()
            }

            async fn create_user(&self, user: NewUser, now_ms: i64) -> Result<User> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO users (username, username_lower, display_name, org_id, role, password_hash, \
                     must_change_password, disabled, failed_logins, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, 0, $8) RETURNING id",
                )
                .bind(&user.username)
                .bind(user.username.to_lowercase())
                .bind(&user.display_name)
                .bind(user.org_id.0)
                .bind(user.role.as_str())
                .bind(&user.password_hash)
                .bind(user.must_change_password)
                .bind(now_ms)
                .fetch_one(&self.pool)
                .await
                .map_err(map)?;
                self.get_user(UserId(id)).await?.ok_or_else(|| zs_types::Error::internal("user vanished after insert"))
            }

            async fn get_user(&self, id: UserId) -> Result<Option<User>> {
                let sql = format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1");
                let row = sqlx::query(&sql).bind(id.0).fetch_optional(&self.pool).await.map_err(map)?;
                row.as_ref().map(user_row).transpose()
            }

            async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
                let sql = format!("SELECT {USER_COLS} FROM users u WHERE u.username_lower = $1");
                let row = sqlx::query(&sql).bind(username.to_lowercase()).fetch_optional(&self.pool).await.map_err(map)?;
                row.as_ref().map(user_row).transpose()
            }

            async fn list_users(&self, path_prefix: &str) -> Result<Vec<User>> {
                let sql = format!(
                    "SELECT {USER_COLS} FROM users u JOIN orgs o ON o.id = u.org_id WHERE o.path LIKE $1 ORDER BY u.id"
                );
                let rows = sqlx::query(&sql).bind(like_prefix(path_prefix)).fetch_all(&self.pool).await.map_err(map)?;
                rows.iter().map(user_row).collect()
            }

            async fn set_password(&self, id: UserId, hash: &str, must_change: bool) -> Result<()> {
                let r = sqlx::query(
                    "UPDATE users SET password_hash = $1, must_change_password = $2, failed_logins = 0, \
                     locked_until = NULL WHERE id = $3",
                )
                .bind(hash)
                .bind(must_change)
                .bind(id.0)
                .execute(&self.pool)
                .await
                .map_err(map)?;
                found(r.rows_affected(), "user")
            }

            async fn set_login_failures(&self, id: UserId, failed: i64, locked_until_ms: Option<i64>) -> Result<()> {
                let r = sqlx::query("UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3")
                    .bind(failed)
                    .bind(locked_until_ms)
                    .bind(id.0)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                found(r.rows_affected(), "user")
            }

            async fn set_user_disabled(&self, id: UserId, disabled: bool) -> Result<()> {
                let r = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                    .bind(disabled)
                    .bind(id.0)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                found(r.rows_affected(), "user")
            }

            async fn create_credential(&self, c: NewCredential, now_ms: i64) -> Result<Credential> {
                let scopes = serde_json::to_string(&c.scopes).map_err(|e| zs_types::Error::internal(e.to_string()))?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO credentials (user_id, name, token_prefix, token_hash, scopes, expires_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(c.user_id.0)
                .bind(&c.name)
                .bind(&c.token_prefix)
                .bind(&c.token_hash)
                .bind(&scopes)
                .bind(c.expires_at.map(zs_types::clock::to_ms))
                .bind(now_ms)
                .fetch_one(&self.pool)
                .await
                .map_err(map)?;
                self.get_credential(CredentialId(id))
                    .await?
                    .ok_or_else(|| zs_types::Error::internal("credential vanished after insert"))
            }

            async fn get_credential(&self, id: CredentialId) -> Result<Option<Credential>> {
                let sql = format!("SELECT {CRED_COLS} FROM credentials c WHERE c.id = $1");
                let row = sqlx::query(&sql).bind(id.0).fetch_optional(&self.pool).await.map_err(map)?;
                row.as_ref().map(cred_row).transpose()
            }

            async fn credential_by_hash(&self, token_hash: &str) -> Result<Option<Credential>> {
                let sql = format!("SELECT {CRED_COLS} FROM credentials c WHERE c.token_hash = $1");
                let row = sqlx::query(&sql).bind(token_hash).fetch_optional(&self.pool).await.map_err(map)?;
                row.as_ref().map(cred_row).transpose()
            }

            async fn list_credentials(&self, path_prefix: &str) -> Result<Vec<Credential>> {
                let sql = format!(
                    "SELECT {CRED_COLS} FROM credentials c JOIN users u ON u.id = c.user_id \
                     JOIN orgs o ON o.id = u.org_id WHERE o.path LIKE $1 ORDER BY c.id DESC"
                );
                let rows = sqlx::query(&sql).bind(like_prefix(path_prefix)).fetch_all(&self.pool).await.map_err(map)?;
                rows.iter().map(cred_row).collect()
            }

            async fn revoke_credential(&self, id: CredentialId, at_ms: i64) -> Result<bool> {
                let r = sqlx::query("UPDATE credentials SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
                    .bind(at_ms)
                    .bind(id.0)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                Ok(r.rows_affected() > 0)
            }

            async fn suspend_credential(&self, id: CredentialId, at_ms: i64, reason: &str) -> Result<bool> {
                let r = sqlx::query(
                    "UPDATE credentials SET suspended_at = $1, suspend_reason = $2 \
                     WHERE id = $3 AND suspended_at IS NULL AND revoked_at IS NULL",
                )
                .bind(at_ms)
                .bind(reason)
                .bind(id.0)
                .execute(&self.pool)
                .await
                .map_err(map)?;
                Ok(r.rows_affected() == 1)
            }

            async fn reinstate_credential(&self, id: CredentialId) -> Result<bool> {
                let r = sqlx::query(
                    "UPDATE credentials SET suspended_at = NULL, suspend_reason = NULL \
                     WHERE id = $1 AND suspended_at IS NOT NULL",
                )
                .bind(id.0)
                .execute(&self.pool)
                .await
                .map_err(map)?;
                Ok(r.rows_affected() == 1)
            }

            async fn create_session(&self, s: &Session) -> Result<()> {
                sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(&s.token_hash)
                    .bind(s.user_id.0)
                    .bind(zs_types::clock::to_ms(s.created_at))
                    .bind(zs_types::clock::to_ms(s.expires_at))
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                Ok(())
            }

            async fn session_by_hash(&self, token_hash: &str) -> Result<Option<Session>> {
                let row = sqlx::query("SELECT token_hash, user_id, created_at, expires_at FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map)?;
                row.as_ref().map(session_row).transpose()
            }

            async fn delete_session(&self, token_hash: &str) -> Result<()> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await.map_err(map)?;
                Ok(())
            }

            async fn delete_user_sessions(&self, user: UserId) -> Result<()> {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.0).execute(&self.pool).await.map_err(map)?;
                Ok(())
            }

            async fn append_audit(&self, events: &[AuditEvent]) -> Result<()> {
                // The same multi-row write as the ledgered path, without ledger indexes.
                let events: Vec<$crate::trace::LedgeredEvent> = events
                    .iter()
                    .map(|e| $crate::trace::LedgeredEvent { event: e.clone(), ledger_index: None, subjects: Vec::new() })
                    .collect();
                $crate::TraceStore::append_audit_ledgered(self, &events).await
            }

            async fn list_audit(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>> {
                let prefix = q.action_prefix.as_deref().map(|p| format!("{}%", escape_like(p)));
                let rows = sqlx::query(
                    "SELECT seq, ledger_index, at, request_id, actor_user, actor_org, action, target, outcome, detail FROM audit_log \
                     WHERE ($1 IS NULL OR seq < $1) AND ($2 IS NULL OR action LIKE $2 ESCAPE '\\') \
                     AND ($3 IS NULL OR actor_user = $3) ORDER BY seq DESC LIMIT $4",
                )
                .bind(q.before_seq)
                .bind(prefix)
                .bind(q.actor_user.map(|u| u.0))
                .bind(q.limit.clamp(1, 1000))
                .fetch_all(&self.pool)
                .await
                .map_err(map)?;
                rows.iter().map(audit_row).collect()
            }
        }
    };
}
pub(crate) use impl_meta_store;

/// `found` turns "no row updated" into `not_found`.
pub(crate) fn found(rows: u64, what: &str) -> Result<(), Error> {
    if rows == 0 {
        Err(Error::not_found(what))
    } else {
        Ok(())
    }
}

/// Escape LIKE wildcards so user text matches literally.
pub(crate) fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// A LIKE pattern matching a path prefix; paths hold only digits and `/`.
pub(crate) fn like_prefix(path: &str) -> String {
    format!("{}%", escape_like(path))
}

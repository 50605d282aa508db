//! The sharing SQL shared by both backends.

pub(crate) const APPLICATION_COLS: &str = "id, code, entry_id, provider_org_id, provider_path, applicant_user, \
     applicant_org_id, applicant_path, fields, purpose, scenario, legal_basis, until_date, calls_per_day, rows_per_day, \
     share_kind, state, due_date, escalated_at, decided_by, decided_at, decision_note, grant_id, created_at";
pub(crate) const GRANT_COLS: &str = "id, application_id, code, entry_id, provider_org_id, provider_path, \
     consumer_org_id, consumer_path, fields, row_filter, masking, valid_from, valid_until, calls_per_day, rows_per_day, \
     revoked_at, revoked_by, revoke_reason, suspended_at, suspended_by, suspend_reason, created_by, created_at";

/// Implements [`crate::ShareStore`] for a store with a `pool`.
macro_rules! impl_share_store {
    ($store:ty, $row:ty) => {
        mod share_impl {
            use super::*;
            use $crate::error::map;
            use $crate::share::*;
            use $crate::share_queries::{APPLICATION_COLS, GRANT_COLS};
            use zs_types::{Error, ErrorCode, Result};

            pub(super) fn application(r: &$row) -> Result<Application> {
                Ok(Application {
                    id: r.try_get("id").map_err(map)?,
                    code: r.try_get("code").map_err(map)?,
                    entry_id: r.try_get("entry_id").map_err(map)?,
                    provider_org_id: r.try_get("provider_org_id").map_err(map)?,
                    provider_path: r.try_get("provider_path").map_err(map)?,
                    applicant_user: r.try_get("applicant_user").map_err(map)?,
                    applicant_org_id: r.try_get("applicant_org_id").map_err(map)?,
                    applicant_path: r.try_get("applicant_path").map_err(map)?,
                    fields: r.try_get("fields").map_err(map)?,
                    purpose: r.try_get("purpose").map_err(map)?,
                    scenario: r.try_get("scenario").map_err(map)?,
                    legal_basis: r.try_get("legal_basis").map_err(map)?,
                    until_date: r.try_get("until_date").map_err(map)?,
                    calls_per_day: r.try_get("calls_per_day").map_err(map)?,
                    rows_per_day: r.try_get("rows_per_day").map_err(map)?,
                    share_kind: r.try_get("share_kind").map_err(map)?,
                    state: r.try_get("state").map_err(map)?,
                    due_date: r.try_get("due_date").map_err(map)?,
                    escalated_at: r.try_get("escalated_at").map_err(map)?,
                    decided_by: r.try_get("decided_by").map_err(map)?,
                    decided_at: r.try_get("decided_at").map_err(map)?,
                    decision_note: r.try_get("decision_note").map_err(map)?,
                    grant_id: r.try_get("grant_id").map_err(map)?,
                    created_at: r.try_get("created_at").map_err(map)?,
                })
            }

            fn grant(r: &$row) -> Result<Grant> {
                Ok(Grant {
                    id: r.try_get("id").map_err(map)?,
                    application_id: r.try_get("application_id").map_err(map)?,
                    code: r.try_get("code").map_err(map)?,
                    entry_id: r.try_get("entry_id").map_err(map)?,
                    provider_org_id: r.try_get("provider_org_id").map_err(map)?,
                    provider_path: r.try_get("provider_path").map_err(map)?,
                    consumer_org_id: r.try_get("consumer_org_id").map_err(map)?,
                    consumer_path: r.try_get("consumer_path").map_err(map)?,
                    fields: r.try_get("fields").map_err(map)?,
                    row_filter: r.try_get("row_filter").map_err(map)?,
                    masking: r.try_get("masking").map_err(map)?,
                    valid_from: r.try_get("valid_from").map_err(map)?,
                    valid_until: r.try_get("valid_until").map_err(map)?,
                    calls_per_day: r.try_get("calls_per_day").map_err(map)?,
                    rows_per_day: r.try_get("rows_per_day").map_err(map)?,
                    revoked_at: r.try_get("revoked_at").map_err(map)?,
                    revoked_by: r.try_get("revoked_by").map_err(map)?,
                    revoke_reason: r.try_get("revoke_reason").map_err(map)?,
                    suspended_at: r.try_get("suspended_at").map_err(map)?,
                    suspended_by: r.try_get("suspended_by").map_err(map)?,
                    suspend_reason: r.try_get("suspend_reason").map_err(map)?,
                    created_by: r.try_get("created_by").map_err(map)?,
                    created_at: r.try_get("created_at").map_err(map)?,
                })
            }

            #[async_trait::async_trait]
            impl $crate::ShareStore for $store {
                async fn create_application(&self, a: &NewApplication) -> Result<Application> {
                    let sql = format!(
                        "INSERT INTO share_applications (code, entry_id, provider_org_id, provider_path, applicant_user, \
                         applicant_org_id, applicant_path, fields, purpose, scenario, legal_basis, until_date, calls_per_day, \
                         rows_per_day, share_kind, state, due_date, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'pending', $16, $17) \
                         RETURNING {APPLICATION_COLS}"
                    );
                    let r = sqlx::query(&sql)
                        .bind(&a.code)
                        .bind(a.entry_id)
                        .bind(a.provider_org_id)
                        .bind(&a.provider_path)
                        .bind(a.applicant_user)
                        .bind(a.applicant_org_id)
                        .bind(&a.applicant_path)
                        .bind(&a.fields)
                        .bind(&a.purpose)
                        .bind(&a.scenario)
                        .bind(&a.legal_basis)
                        .bind(&a.until_date)
                        .bind(a.calls_per_day)
                        .bind(a.rows_per_day)
                        .bind(&a.share_kind)
                        .bind(&a.due_date)
                        .bind(a.created_at)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(map)?;
                    application(&r)
                }

                async fn get_application(&self, id: i64) -> Result<Option<Application>> {
                    let sql = format!("SELECT {APPLICATION_COLS} FROM share_applications WHERE id = $1");
                    let r = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(application).transpose()
                }

                async fn list_applications(&self, q: &ApplicationQuery) -> Result<Vec<Application>> {
                    let sql = format!(
                        "SELECT {APPLICATION_COLS} FROM share_applications \
                         WHERE ($1 IS NULL OR applicant_org_id = $1) AND ($2 IS NULL OR provider_org_id = $2) \
                         AND ($3 IS NULL OR provider_path LIKE $3 || '%') AND ($4 IS NULL OR state = $4) \
                         AND ($5 IS NULL OR (state = 'pending' AND due_date < $5)) \
                         ORDER BY id DESC LIMIT $6"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(q.applicant_org)
                        .bind(q.provider_org)
                        .bind(&q.provider_path)
                        .bind(&q.state)
                        .bind(&q.due_before)
                        .bind(q.limit.clamp(1, 1000))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map)?;
                    rows.iter().map(application).collect()
                }

                async fn decide_application(&self, id: i64, d: &Decision) -> Result<(Application, Option<Grant>)> {
                    let mut tx = self.begin_write().await.map_err(map)?;
                    let made = match &d.grant {
                        Some(g) => {
                            let sql = format!(
                                "INSERT INTO share_grants (application_id, code, entry_id, provider_org_id, provider_path, \
                                 consumer_org_id, consumer_path, fields, row_filter, masking, valid_from, valid_until, \
                                 calls_per_day, rows_per_day, created_by, created_at) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
                                 RETURNING {GRANT_COLS}"
                            );
                            let r = sqlx::query(&sql)
                                .bind(id)
                                .bind(&g.code)
                                .bind(g.entry_id)
                                .bind(g.provider_org_id)
                                .bind(&g.provider_path)
                                .bind(g.consumer_org_id)
                                .bind(&g.consumer_path)
                                .bind(&g.fields)
                                .bind(&g.row_filter)
                                .bind(&g.masking)
                                .bind(g.valid_from)
                                .bind(g.valid_until)
                                .bind(g.calls_per_day)
                                .bind(g.rows_per_day)
                                .bind(g.created_by)
                                .bind(g.created_at)
                                .fetch_one(&mut *tx)
                                .await
                                .map_err(map)?;
                            Some(grant(&r)?)
                        }
                        None => None,
                    };
                    let sql = format!(
                        "UPDATE share_applications SET state = $2, decided_by = $3, decided_at = $4, decision_note = $5, \
                         grant_id = $6 WHERE id = $1 AND state = 'pending' RETURNING {APPLICATION_COLS}"
                    );
                    let r = sqlx::query(&sql)
                        .bind(id)
                        .bind(&d.state)
                        .bind(d.decided_by)
                        .bind(d.decided_at)
                        .bind(&d.note)
                        .bind(made.as_ref().map(|g| g.id))
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map)?;
                    let Some(r) = r else {
                        return Err(Error::new(ErrorCode::Conflict, "the application is no longer pending"));
                    };
                    let a = application(&r)?;
                    tx.commit().await.map_err(map)?;
                    Ok((a, made))
                }

                async fn escalate_overdue(&self, today: &str, at_ms: i64) -> Result<Vec<Application>> {
                    let sql = format!(
                        "UPDATE share_applications SET escalated_at = $2 \
                         WHERE state = 'pending' AND due_date < $1 AND escalated_at IS NULL RETURNING {APPLICATION_COLS}"
                    );
                    let rows = sqlx::query(&sql).bind(today).bind(at_ms).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(application).collect()
                }

                async fn get_grant(&self, id: i64) -> Result<Option<Grant>> {
                    let sql = format!("SELECT {GRANT_COLS} FROM share_grants WHERE id = $1");
                    let r = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(grant).transpose()
                }

                async fn list_grants(&self, q: &GrantQuery) -> Result<Vec<Grant>> {
                    let sql = format!(
                        "SELECT {GRANT_COLS} FROM share_grants \
                         WHERE ($1 IS NULL OR consumer_org_id = $1) AND ($2 IS NULL OR provider_org_id = $2) \
                         AND ($3 IS NULL OR provider_path LIKE $3 || '%' OR consumer_path LIKE $3 || '%') \
                         AND ($4 IS NULL OR code = $4) ORDER BY id DESC LIMIT $5"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(q.consumer_org)
                        .bind(q.provider_org)
                        .bind(&q.path)
                        .bind(&q.code)
                        .bind(q.limit.clamp(1, 1000))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map)?;
                    rows.iter().map(grant).collect()
                }

                async fn revoke_grant(&self, id: i64, at_ms: i64, by: i64, reason: &str) -> Result<bool> {
                    let r = sqlx::query(
                        "UPDATE share_grants SET revoked_at = $2, revoked_by = $3, revoke_reason = $4 \
                         WHERE id = $1 AND revoked_at IS NULL",
                    )
                    .bind(id)
                    .bind(at_ms)
                    .bind(by)
                    .bind(reason)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(r.rows_affected() == 1)
                }

                async fn suspend_grant(&self, id: i64, at_ms: i64, by: i64, reason: &str) -> Result<bool> {
                    let r = sqlx::query(
                        "UPDATE share_grants SET suspended_at = $2, suspended_by = $3, suspend_reason = $4 \
                         WHERE id = $1 AND suspended_at IS NULL AND revoked_at IS NULL",
                    )
                    .bind(id)
                    .bind(at_ms)
                    .bind(by)
                    .bind(reason)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(r.rows_affected() == 1)
                }

                async fn reinstate_grant(&self, id: i64) -> Result<bool> {
                    let r = sqlx::query(
                        "UPDATE share_grants SET suspended_at = NULL, suspended_by = NULL, suspend_reason = NULL \
                         WHERE id = $1 AND suspended_at IS NOT NULL",
                    )
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(r.rows_affected() == 1)
                }

                async fn reserve_call(&self, grant_id: i64, day: &str, max_calls: i64) -> Result<Option<Usage>> {
                    if max_calls <= 0 {
                        return Ok(None);
                    }
                    let r = sqlx::query(
                        "INSERT INTO share_usage (grant_id, day, calls, rows) VALUES ($1, $2, 1, 0) \
                         ON CONFLICT (grant_id, day) DO UPDATE SET calls = share_usage.calls + 1 \
                         WHERE share_usage.calls < $3 RETURNING calls, rows",
                    )
                    .bind(grant_id)
                    .bind(day)
                    .bind(max_calls)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map)?;
                    r.map(|r| -> Result<Usage> {
                        Ok(Usage { calls: r.try_get("calls").map_err(map)?, rows: r.try_get("rows").map_err(map)? })
                    })
                    .transpose()
                }

                async fn add_rows(&self, grant_id: i64, day: &str, rows: i64) -> Result<()> {
                    sqlx::query("UPDATE share_usage SET rows = rows + $3 WHERE grant_id = $1 AND day = $2")
                        .bind(grant_id)
                        .bind(day)
                        .bind(rows)
                        .execute(&self.pool)
                        .await
                        .map_err(map)?;
                    Ok(())
                }

                async fn add_usage(&self, grant_id: i64, day: &str, calls: i64, rows: i64) -> Result<Usage> {
                    let r = sqlx::query(
                        "INSERT INTO share_usage (grant_id, day, calls, rows) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (grant_id, day) DO UPDATE SET calls = share_usage.calls + $3, \
                         rows = share_usage.rows + $4 RETURNING calls, rows",
                    )
                    .bind(grant_id)
                    .bind(day)
                    .bind(calls)
                    .bind(rows)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(Usage { calls: r.try_get("calls").map_err(map)?, rows: r.try_get("rows").map_err(map)? })
                }

                async fn usage(&self, grant_id: i64, day: &str) -> Result<Usage> {
                    let r = sqlx::query("SELECT calls, rows FROM share_usage WHERE grant_id = $1 AND day = $2")
                        .bind(grant_id)
                        .bind(day)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map)?;
                    Ok(match r {
                        Some(r) => Usage { calls: r.try_get("calls").map_err(map)?, rows: r.try_get("rows").map_err(map)? },
                        None => Usage::default(),
                    })
                }
            }
        }
    };
}
pub(crate) use impl_share_store;

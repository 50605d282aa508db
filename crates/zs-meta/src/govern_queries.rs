//! The governance SQL shared by both backends.

pub(crate) const RUN_COLS: &str = "id, code, entry_id, org_id, version, hand_in_id, trigger_kind, rows_total, \
     rows_blocked, files_scanned, completeness, validity, uniqueness, consistency, timeliness, overall, result, ran_at";
pub(crate) const TICKET_COLS: &str = "id, code, entry_id, org_id, kind, rule_key, field, version, latest_version, \
     state, severity, title, detail, failed, record_key, deadline, opened_by, opened_at, updated_at, closed_at, \
     dispute_reason, resolution, revision";

/// Implements [`crate::GovernStore`] for a store with a `pool`.
macro_rules! impl_govern_store {
    ($store:ty, $row:ty) => {
        mod govern_impl {
            use super::*;
            use $crate::error::map;
            use $crate::govern::*;
            use $crate::govern_queries::{RUN_COLS, TICKET_COLS};
            use zs_types::Result;

            fn run(r: &$row) -> Result<RunRow> {
                Ok(RunRow {
                    id: r.try_get("id").map_err(map)?,
                    code: r.try_get("code").map_err(map)?,
                    entry_id: r.try_get("entry_id").map_err(map)?,
                    org_id: r.try_get("org_id").map_err(map)?,
                    version: r.try_get("version").map_err(map)?,
                    hand_in_id: r.try_get("hand_in_id").map_err(map)?,
                    trigger: r.try_get("trigger_kind").map_err(map)?,
                    rows: r.try_get("rows_total").map_err(map)?,
                    blocked: r.try_get("rows_blocked").map_err(map)?,
                    files_scanned: r.try_get("files_scanned").map_err(map)?,
                    completeness: r.try_get("completeness").map_err(map)?,
                    validity: r.try_get("validity").map_err(map)?,
                    uniqueness: r.try_get("uniqueness").map_err(map)?,
                    consistency: r.try_get("consistency").map_err(map)?,
                    timeliness: r.try_get("timeliness").map_err(map)?,
                    overall: r.try_get("overall").map_err(map)?,
                    result: r.try_get("result").map_err(map)?,
                    ran_at: r.try_get("ran_at").map_err(map)?,
                })
            }

            fn ticket(r: &$row) -> Result<TicketRow> {
                Ok(TicketRow {
                    id: r.try_get("id").map_err(map)?,
                    code: r.try_get("code").map_err(map)?,
                    entry_id: r.try_get("entry_id").map_err(map)?,
                    org_id: r.try_get("org_id").map_err(map)?,
                    kind: r.try_get("kind").map_err(map)?,
                    rule_key: r.try_get("rule_key").map_err(map)?,
                    field: r.try_get("field").map_err(map)?,
                    version: r.try_get("version").map_err(map)?,
                    latest_version: r.try_get("latest_version").map_err(map)?,
                    state: r.try_get("state").map_err(map)?,
                    severity: r.try_get("severity").map_err(map)?,
                    title: r.try_get("title").map_err(map)?,
                    detail: r.try_get("detail").map_err(map)?,
                    failed: r.try_get("failed").map_err(map)?,
                    record_key: r.try_get("record_key").map_err(map)?,
                    deadline: r.try_get("deadline").map_err(map)?,
                    opened_by: r.try_get("opened_by").map_err(map)?,
                    opened_at: r.try_get("opened_at").map_err(map)?,
                    updated_at: r.try_get("updated_at").map_err(map)?,
                    closed_at: r.try_get("closed_at").map_err(map)?,
                    dispute_reason: r.try_get("dispute_reason").map_err(map)?,
                    resolution: r.try_get("resolution").map_err(map)?,
                    revision: r.try_get("revision").map_err(map)?,
                })
            }

            fn event(r: &$row) -> Result<TicketEventRow> {
                Ok(TicketEventRow {
                    id: r.try_get("id").map_err(map)?,
                    ticket_id: r.try_get("ticket_id").map_err(map)?,
                    at: r.try_get("at").map_err(map)?,
                    actor_user: r.try_get("actor_user").map_err(map)?,
                    actor_name: r.try_get("actor_name").map_err(map)?,
                    action: r.try_get("action").map_err(map)?,
                    state: r.try_get("state").map_err(map)?,
                    note: r.try_get("note").map_err(map)?,
                })
            }

            const EVENT_SQL: &str = "INSERT INTO govern_ticket_events (ticket_id, at, actor_user, actor_name, action, state, note) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)";

            #[async_trait::async_trait]
            impl $crate::GovernStore for $store {
                async fn put_rule_set(&self, r: &RuleSetRow) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO govern_rule_sets (code, rules, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (code) DO UPDATE SET rules = excluded.rules, updated_by = excluded.updated_by, \
                         updated_at = excluded.updated_at",
                    )
                    .bind(&r.code)
                    .bind(&r.rules)
                    .bind(r.updated_by)
                    .bind(r.updated_at)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(())
                }

                async fn put_authority(&self, a: &AuthorityRow) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO govern_authorities (element, resource, key_element, note, designated_by, designated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (element) DO UPDATE SET resource = excluded.resource, \
                         key_element = excluded.key_element, note = excluded.note, designated_by = excluded.designated_by, \
                         designated_at = excluded.designated_at",
                    )
                    .bind(&a.element)
                    .bind(&a.resource)
                    .bind(&a.key_element)
                    .bind(&a.note)
                    .bind(a.designated_by)
                    .bind(a.designated_at)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(())
                }

                async fn delete_authority(&self, element: &str) -> Result<bool> {
                    let r = sqlx::query("DELETE FROM govern_authorities WHERE element = $1")
                        .bind(element)
                        .execute(&self.pool)
                        .await
                        .map_err(map)?;
                    Ok(r.rows_affected() > 0)
                }

                async fn list_authorities(&self) -> Result<Vec<AuthorityRow>> {
                    let rows = sqlx::query(
                        "SELECT element, resource, key_element, note, designated_by, designated_at FROM govern_authorities \
                         ORDER BY element",
                    )
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map)?;
                    rows.iter()
                        .map(|r| {
                            Ok(AuthorityRow {
                                element: r.try_get("element").map_err(map)?,
                                resource: r.try_get("resource").map_err(map)?,
                                key_element: r.try_get("key_element").map_err(map)?,
                                note: r.try_get("note").map_err(map)?,
                                designated_by: r.try_get("designated_by").map_err(map)?,
                                designated_at: r.try_get("designated_at").map_err(map)?,
                            })
                        })
                        .collect()
                }

                async fn rule_set(&self, code: &str) -> Result<Option<RuleSetRow>> {
                    let r = sqlx::query("SELECT code, rules, updated_by, updated_at FROM govern_rule_sets WHERE code = $1")
                        .bind(code)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map)?;
                    r.map(|r| {
                        Ok(RuleSetRow {
                            code: r.try_get("code").map_err(map)?,
                            rules: r.try_get("rules").map_err(map)?,
                            updated_by: r.try_get("updated_by").map_err(map)?,
                            updated_at: r.try_get("updated_at").map_err(map)?,
                        })
                    })
                    .transpose()
                }

                async fn list_rule_sets(&self) -> Result<Vec<RuleSetRow>> {
                    let rows = sqlx::query("SELECT code, rules, updated_by, updated_at FROM govern_rule_sets ORDER BY code")
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map)?;
                    rows.iter()
                        .map(|r| {
                            Ok(RuleSetRow {
                                code: r.try_get("code").map_err(map)?,
                                rules: r.try_get("rules").map_err(map)?,
                                updated_by: r.try_get("updated_by").map_err(map)?,
                                updated_at: r.try_get("updated_at").map_err(map)?,
                            })
                        })
                        .collect()
                }

                async fn put_run(&self, r: &RunRow) -> Result<RunRow> {
                    let sql = format!(
                        "INSERT INTO govern_runs (code, entry_id, org_id, version, hand_in_id, trigger_kind, rows_total, \
                         rows_blocked, files_scanned, completeness, validity, uniqueness, consistency, timeliness, overall, \
                         result, ran_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
                         ON CONFLICT (code, version) DO UPDATE SET hand_in_id = COALESCE(excluded.hand_in_id, govern_runs.hand_in_id), \
                         trigger_kind = excluded.trigger_kind, rows_total = excluded.rows_total, rows_blocked = excluded.rows_blocked, \
                         files_scanned = excluded.files_scanned, completeness = excluded.completeness, validity = excluded.validity, \
                         uniqueness = excluded.uniqueness, consistency = excluded.consistency, timeliness = excluded.timeliness, \
                         overall = excluded.overall, result = excluded.result, ran_at = excluded.ran_at RETURNING {RUN_COLS}"
                    );
                    let row = sqlx::query(&sql)
                        .bind(&r.code)
                        .bind(r.entry_id)
                        .bind(r.org_id)
                        .bind(r.version)
                        .bind(r.hand_in_id)
                        .bind(&r.trigger)
                        .bind(r.rows)
                        .bind(r.blocked)
                        .bind(r.files_scanned)
                        .bind(r.completeness)
                        .bind(r.validity)
                        .bind(r.uniqueness)
                        .bind(r.consistency)
                        .bind(r.timeliness)
                        .bind(r.overall)
                        .bind(&r.result)
                        .bind(r.ran_at)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(map)?;
                    run(&row)
                }

                async fn run_of(&self, code: &str, version: i64) -> Result<Option<RunRow>> {
                    let sql = format!("SELECT {RUN_COLS} FROM govern_runs WHERE code = $1 AND version = $2");
                    let r = sqlx::query(&sql).bind(code).bind(version).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(run).transpose()
                }

                async fn list_runs(&self, code: &str, limit: i64) -> Result<Vec<RunRow>> {
                    let sql = format!("SELECT {RUN_COLS} FROM govern_runs WHERE code = $1 ORDER BY version DESC LIMIT $2");
                    let rows = sqlx::query(&sql)
                        .bind(code)
                        .bind(limit.clamp(1, 1000))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map)?;
                    rows.iter().map(run).collect()
                }

                async fn latest_runs(&self) -> Result<Vec<RunRow>> {
                    let sql = format!(
                        "SELECT {RUN_COLS} FROM govern_runs g WHERE version = \
                         (SELECT MAX(version) FROM govern_runs l WHERE l.code = g.code) ORDER BY code"
                    );
                    let rows = sqlx::query(&sql).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(run).collect()
                }

                async fn create_ticket(&self, t: &TicketRow, e: &TicketEventRow) -> Result<TicketRow> {
                    let mut tx = self.begin_write().await.map_err(map)?;
                    let sql = format!(
                        "INSERT INTO govern_tickets (code, entry_id, org_id, kind, rule_key, field, version, latest_version, \
                         state, severity, title, detail, failed, record_key, deadline, opened_by, opened_at, updated_at, \
                         closed_at, dispute_reason, resolution, revision) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
                         $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, 1) RETURNING {TICKET_COLS}"
                    );
                    let row = sqlx::query(&sql)
                        .bind(&t.code)
                        .bind(t.entry_id)
                        .bind(t.org_id)
                        .bind(&t.kind)
                        .bind(&t.rule_key)
                        .bind(&t.field)
                        .bind(t.version)
                        .bind(t.latest_version)
                        .bind(&t.state)
                        .bind(&t.severity)
                        .bind(&t.title)
                        .bind(&t.detail)
                        .bind(t.failed)
                        .bind(&t.record_key)
                        .bind(&t.deadline)
                        .bind(t.opened_by)
                        .bind(t.opened_at)
                        .bind(t.updated_at)
                        .bind(t.closed_at)
                        .bind(&t.dispute_reason)
                        .bind(&t.resolution)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(map)?;
                    let created = ticket(&row)?;
                    sqlx::query(EVENT_SQL)
                        .bind(created.id)
                        .bind(e.at)
                        .bind(e.actor_user)
                        .bind(&e.actor_name)
                        .bind(&e.action)
                        .bind(&e.state)
                        .bind(&e.note)
                        .execute(&mut *tx)
                        .await
                        .map_err(map)?;
                    tx.commit().await.map_err(map)?;
                    Ok(created)
                }

                async fn get_ticket(&self, id: i64) -> Result<Option<TicketRow>> {
                    let sql = format!("SELECT {TICKET_COLS} FROM govern_tickets WHERE id = $1");
                    let r = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(ticket).transpose()
                }

                async fn list_tickets(&self, q: &TicketQuery) -> Result<Vec<TicketRow>> {
                    let sql = format!(
                        "SELECT {TICKET_COLS} FROM govern_tickets WHERE ($1 IS NULL OR code = $1) \
                         AND ($2 = 0 OR state <> 'closed') ORDER BY id DESC"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(q.code.as_deref())
                        .bind(i64::from(q.open_only))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map)?;
                    let limit = usize::try_from(q.limit.clamp(1, 1000)).unwrap_or(1000);
                    let mut out = Vec::new();
                    for r in &rows {
                        let t = ticket(r)?;
                        if q.org_ids.as_ref().is_none_or(|o| o.contains(&t.org_id)) {
                            out.push(t);
                            if out.len() >= limit {
                                break;
                            }
                        }
                    }
                    Ok(out)
                }

                async fn open_ticket_for_rule(&self, code: &str, rule_key: &str) -> Result<Option<TicketRow>> {
                    let sql = format!(
                        "SELECT {TICKET_COLS} FROM govern_tickets WHERE code = $1 AND rule_key = $2 AND state <> 'closed' \
                         ORDER BY id DESC LIMIT 1"
                    );
                    let r = sqlx::query(&sql).bind(code).bind(rule_key).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(ticket).transpose()
                }

                async fn update_ticket(&self, t: &TicketRow, e: &TicketEventRow) -> Result<bool> {
                    let mut tx = self.begin_write().await.map_err(map)?;
                    let done = sqlx::query(
                        "UPDATE govern_tickets SET latest_version = $1, state = $2, detail = $3, failed = $4, \
                         deadline = $5, updated_at = $6, closed_at = $7, dispute_reason = $8, resolution = $9, \
                         revision = $10 WHERE id = $11 AND revision = $12",
                    )
                    .bind(t.latest_version)
                    .bind(&t.state)
                    .bind(&t.detail)
                    .bind(t.failed)
                    .bind(&t.deadline)
                    .bind(t.updated_at)
                    .bind(t.closed_at)
                    .bind(&t.dispute_reason)
                    .bind(&t.resolution)
                    .bind(t.revision)
                    .bind(t.id)
                    .bind(t.revision - 1)
                    .execute(&mut *tx)
                    .await
                    .map_err(map)?;
                    if done.rows_affected() != 1 {
                        return Ok(false);
                    }
                    sqlx::query(EVENT_SQL)
                        .bind(t.id)
                        .bind(e.at)
                        .bind(e.actor_user)
                        .bind(&e.actor_name)
                        .bind(&e.action)
                        .bind(&e.state)
                        .bind(&e.note)
                        .execute(&mut *tx)
                        .await
                        .map_err(map)?;
                    tx.commit().await.map_err(map)?;
                    Ok(true)
                }

                async fn ticket_events(&self, ticket_id: i64) -> Result<Vec<TicketEventRow>> {
                    let rows = sqlx::query(
                        "SELECT id, ticket_id, at, actor_user, actor_name, action, state, note FROM govern_ticket_events \
                         WHERE ticket_id = $1 ORDER BY id",
                    )
                    .bind(ticket_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map)?;
                    rows.iter().map(event).collect()
                }
            }
        }
    };
}

pub(crate) use impl_govern_store;

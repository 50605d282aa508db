//! The demand and evaluation SQL shared by both backends. Only reading the JSON detail of audit
//! records differs; each backend passes its expressions.

pub(crate) const DEMAND_COLS: &str = "id, title, description, purpose, guessed_provider_id, requester_user, \
     requester_org_id, requester_path, state, provider_org_id, provider_path, due_date, routed_at, answer_kind, \
     answer_code, answer_note, answered_by, answered_at, closed_at, revision, created_at, updated_at";
pub(crate) const EVENT_COLS: &str =
    "id, demand_id, at, actor_user, actor_org, action, state_after, provider_org_id, due_date, answer_kind, note";

/// Implements [`crate::DemandStore`] for a store with a `pool`. `$err` is the expression giving a
/// failed audit record's error code (`detail.code`), `$rows` the one giving `detail.rows` as an
/// integer (0 when absent).
macro_rules! impl_demand_store {
    ($store:ty, $row:ty, $err:literal, $rows:literal) => {
        mod demand_impl {
            use super::*;
            use $crate::demand::*;
            use $crate::demand_queries::{DEMAND_COLS, EVENT_COLS};
            use $crate::error::map;
            use $crate::share::Application;
            use $crate::share_queries::APPLICATION_COLS;
            use zs_types::{Error, ErrorCode, Result};

            fn demand(r: &$row) -> Result<Demand> {
                Ok(Demand {
                    id: r.try_get("id").map_err(map)?,
                    title: r.try_get("title").map_err(map)?,
                    description: r.try_get("description").map_err(map)?,
                    purpose: r.try_get("purpose").map_err(map)?,
                    guessed_provider_id: r.try_get("guessed_provider_id").map_err(map)?,
                    requester_user: r.try_get("requester_user").map_err(map)?,
                    requester_org_id: r.try_get("requester_org_id").map_err(map)?,
                    requester_path: r.try_get("requester_path").map_err(map)?,
                    state: r.try_get("state").map_err(map)?,
                    provider_org_id: r.try_get("provider_org_id").map_err(map)?,
                    provider_path: r.try_get("provider_path").map_err(map)?,
                    due_date: r.try_get("due_date").map_err(map)?,
                    routed_at: r.try_get("routed_at").map_err(map)?,
                    answer_kind: r.try_get("answer_kind").map_err(map)?,
                    answer_code: r.try_get("answer_code").map_err(map)?,
                    answer_note: r.try_get("answer_note").map_err(map)?,
                    answered_by: r.try_get("answered_by").map_err(map)?,
                    answered_at: r.try_get("answered_at").map_err(map)?,
                    closed_at: r.try_get("closed_at").map_err(map)?,
                    revision: r.try_get("revision").map_err(map)?,
                    created_at: r.try_get("created_at").map_err(map)?,
                    updated_at: r.try_get("updated_at").map_err(map)?,
                })
            }

            fn event(r: &$row) -> Result<DemandEvent> {
                Ok(DemandEvent {
                    id: r.try_get("id").map_err(map)?,
                    demand_id: r.try_get("demand_id").map_err(map)?,
                    at: r.try_get("at").map_err(map)?,
                    actor_user: r.try_get("actor_user").map_err(map)?,
                    actor_org: r.try_get("actor_org").map_err(map)?,
                    action: r.try_get("action").map_err(map)?,
                    state_after: r.try_get("state_after").map_err(map)?,
                    provider_org_id: r.try_get("provider_org_id").map_err(map)?,
                    due_date: r.try_get("due_date").map_err(map)?,
                    answer_kind: r.try_get("answer_kind").map_err(map)?,
                    note: r.try_get("note").map_err(map)?,
                })
            }

            async fn insert_event<'c, E>(ex: E, demand_id: i64, e: &DemandEvent) -> Result<()>
            where
                E: sqlx::Executor<'c, Database = <$row as sqlx::Row>::Database>,
            {
                sqlx::query(
                    "INSERT INTO share_demand_events (demand_id, at, actor_user, actor_org, action, state_after, \
                     provider_org_id, due_date, answer_kind, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(demand_id)
                .bind(e.at)
                .bind(e.actor_user)
                .bind(e.actor_org)
                .bind(&e.action)
                .bind(&e.state_after)
                .bind(e.provider_org_id)
                .bind(&e.due_date)
                .bind(&e.answer_kind)
                .bind(&e.note)
                .execute(ex)
                .await
                .map_err(map)?;
                Ok(())
            }

            #[async_trait::async_trait]
            impl $crate::DemandStore for $store {
                async fn create_demand(&self, d: &Demand, e: &DemandEvent) -> Result<Demand> {
                    let mut tx = self.begin_write().await.map_err(map)?;
                    let sql = format!(
                        "INSERT INTO share_demands (title, description, purpose, guessed_provider_id, requester_user, \
                         requester_org_id, requester_path, state, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING {DEMAND_COLS}"
                    );
                    let r = sqlx::query(&sql)
                        .bind(&d.title)
                        .bind(&d.description)
                        .bind(&d.purpose)
                        .bind(d.guessed_provider_id)
                        .bind(d.requester_user)
                        .bind(d.requester_org_id)
                        .bind(&d.requester_path)
                        .bind(&d.state)
                        .bind(d.created_at)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(map)?;
                    let saved = demand(&r)?;
                    insert_event(&mut *tx, saved.id, e).await?;
                    tx.commit().await.map_err(map)?;
                    Ok(saved)
                }

                async fn get_demand(&self, id: i64) -> Result<Option<Demand>> {
                    let sql = format!("SELECT {DEMAND_COLS} FROM share_demands WHERE id = $1");
                    let r = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(demand).transpose()
                }

                async fn list_demands(&self, q: &DemandQuery) -> Result<Vec<Demand>> {
                    let sql = format!(
                        "SELECT {DEMAND_COLS} FROM share_demands \
                         WHERE ($1 IS NULL OR state = $1) AND ($2 IS NULL OR requester_org_id = $2) \
                         AND ($3 IS NULL OR provider_org_id = $3) AND ($4 IS NULL OR created_at >= $4) \
                         AND ($5 IS NULL OR created_at < $5) ORDER BY id DESC LIMIT $6"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(&q.state)
                        .bind(q.requester_org)
                        .bind(q.provider_org)
                        .bind(q.created_from)
                        .bind(q.created_to)
                        .bind(q.limit.clamp(1, 1000))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map)?;
                    rows.iter().map(demand).collect()
                }

                async fn transition_demand(&self, d: &Demand, e: &DemandEvent) -> Result<Demand> {
                    let mut tx = self.begin_write().await.map_err(map)?;
                    let sql = format!(
                        "UPDATE share_demands SET state = $3, provider_org_id = $4, provider_path = $5, due_date = $6, \
                         routed_at = $7, answer_kind = $8, answer_code = $9, answer_note = $10, answered_by = $11, \
                         answered_at = $12, closed_at = $13, updated_at = $14, revision = revision + 1 \
                         WHERE id = $1 AND revision = $2 RETURNING {DEMAND_COLS}"
                    );
                    let r = sqlx::query(&sql)
                        .bind(d.id)
                        .bind(d.revision)
                        .bind(&d.state)
                        .bind(d.provider_org_id)
                        .bind(&d.provider_path)
                        .bind(&d.due_date)
                        .bind(d.routed_at)
                        .bind(&d.answer_kind)
                        .bind(&d.answer_code)
                        .bind(&d.answer_note)
                        .bind(d.answered_by)
                        .bind(d.answered_at)
                        .bind(d.closed_at)
                        .bind(d.updated_at)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map)?;
                    let Some(r) = r else {
                        return Err(Error::new(
                            ErrorCode::Conflict,
                            format!("demand {} was changed meanwhile; reload it", d.id),
                        ));
                    };
                    let saved = demand(&r)?;
                    insert_event(&mut *tx, saved.id, e).await?;
                    tx.commit().await.map_err(map)?;
                    Ok(saved)
                }

                async fn demand_events(&self, demand_id: i64) -> Result<Vec<DemandEvent>> {
                    let sql = format!("SELECT {EVENT_COLS} FROM share_demand_events WHERE demand_id = $1 ORDER BY id");
                    let rows = sqlx::query(&sql).bind(demand_id).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(event).collect()
                }

                async fn events_of_demands_routed(&self, from_ms: i64, to_ms: i64) -> Result<Vec<DemandEvent>> {
                    let sql = format!(
                        "SELECT {EVENT_COLS} FROM share_demand_events WHERE demand_id IN \
                         (SELECT demand_id FROM share_demand_events WHERE action = 'route' AND at >= $1 AND at < $2) \
                         ORDER BY demand_id, id"
                    );
                    let rows =
                        sqlx::query(&sql).bind(from_ms).bind(to_ms).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(event).collect()
                }

                async fn applications_filed(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Application>> {
                    let sql = format!(
                        "SELECT {APPLICATION_COLS} FROM share_applications WHERE created_at >= $1 AND created_at < $2 \
                         ORDER BY id"
                    );
                    let rows =
                        sqlx::query(&sql).bind(from_ms).bind(to_ms).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(super::share_impl::application).collect()
                }

                async fn share_calls(&self, from_ms: i64, to_ms: i64) -> Result<Vec<CallCount>> {
                    let sql = concat!(
                        "SELECT target, actor_org, outcome, ",
                        $err,
                        " AS err, COUNT(*) AS calls, CAST(SUM(",
                        $rows,
                        ") AS BIGINT) AS rows_out FROM audit_log \
                         WHERE action = 'share.data' AND at >= $1 AND at < $2 AND outcome IN ('succeeded', 'failed') \
                         AND target LIKE 'grant:%' GROUP BY target, actor_org, outcome, err ORDER BY target"
                    );
                    let rows = sqlx::query(sql).bind(from_ms).bind(to_ms).fetch_all(&self.pool).await.map_err(map)?;
                    let mut out = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let target: String = r.try_get("target").map_err(map)?;
                        let Some(grant_id) = target.strip_prefix("grant:").and_then(|g| g.parse().ok()) else {
                            continue;
                        };
                        let outcome: String = r.try_get("outcome").map_err(map)?;
                        out.push(CallCount {
                            grant_id,
                            actor_org: r.try_get("actor_org").map_err(map)?,
                            succeeded: outcome == "succeeded",
                            error_code: r.try_get("err").map_err(map)?,
                            calls: r.try_get("calls").map_err(map)?,
                            rows: r.try_get::<Option<i64>, _>("rows_out").map_err(map)?.unwrap_or(0),
                        });
                    }
                    Ok(out)
                }
            }
        }
    };
}
pub(crate) use impl_demand_store;

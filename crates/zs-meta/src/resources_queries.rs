//! The resource-data SQL shared by both backends.

pub(crate) const HAND_IN_COLS: &str = "id, code, entry_id, org_id, channel, mode, actor_user, actor_name, outcome, \
     version, total_rows, rows_read, rows_written, rows_rejected, message, rejects_file, job_id, lineage, \
     started_at, finished_at";
pub(crate) const SCHEDULE_COLS: &str = "id, code, kind, spec, cron, enabled, next_run_at, watermark, last_run_at, \
     last_status, last_message, failures, created_by, created_at";

/// Implements [`crate::ResourceStore`] for a store with a `pool`.
macro_rules! impl_resource_store {
    ($store:ty, $row:ty) => {
        mod resources_impl {
            use super::*;
            use $crate::error::map;
            use $crate::resources::*;
            use $crate::resources_queries::{HAND_IN_COLS, SCHEDULE_COLS};
            use zs_types::Result;

            fn hand_in(r: &$row) -> Result<HandIn> {
                Ok(HandIn {
                    id: r.try_get("id").map_err(map)?,
                    code: r.try_get("code").map_err(map)?,
                    entry_id: r.try_get("entry_id").map_err(map)?,
                    org_id: r.try_get("org_id").map_err(map)?,
                    channel: r.try_get("channel").map_err(map)?,
                    mode: r.try_get("mode").map_err(map)?,
                    actor_user: r.try_get("actor_user").map_err(map)?,
                    actor_name: r.try_get("actor_name").map_err(map)?,
                    outcome: r.try_get("outcome").map_err(map)?,
                    version: r.try_get("version").map_err(map)?,
                    total_rows: r.try_get("total_rows").map_err(map)?,
                    rows_read: r.try_get("rows_read").map_err(map)?,
                    rows_written: r.try_get("rows_written").map_err(map)?,
                    rows_rejected: r.try_get("rows_rejected").map_err(map)?,
                    message: r.try_get("message").map_err(map)?,
                    rejects_file: r.try_get("rejects_file").map_err(map)?,
                    job_id: r.try_get("job_id").map_err(map)?,
                    lineage: r.try_get("lineage").map_err(map)?,
                    started_at: r.try_get("started_at").map_err(map)?,
                    finished_at: r.try_get("finished_at").map_err(map)?,
                })
            }

            fn schedule(r: &$row, sealing: &$crate::sealing::Sealing) -> Result<Schedule> {
                Ok(Schedule {
                    id: r.try_get("id").map_err(map)?,
                    code: r.try_get("code").map_err(map)?,
                    kind: r.try_get("kind").map_err(map)?,
                    spec: sealing.open("schedules.spec", r.try_get("spec").map_err(map)?)?,
                    cron: r.try_get("cron").map_err(map)?,
                    enabled: r.try_get("enabled").map_err(map)?,
                    next_run_at: r.try_get("next_run_at").map_err(map)?,
                    watermark: r.try_get("watermark").map_err(map)?,
                    last_run_at: r.try_get("last_run_at").map_err(map)?,
                    last_status: r.try_get("last_status").map_err(map)?,
                    last_message: r.try_get("last_message").map_err(map)?,
                    failures: r.try_get("failures").map_err(map)?,
                    created_by: r.try_get("created_by").map_err(map)?,
                    created_at: r.try_get("created_at").map_err(map)?,
                })
            }

            fn live(r: &$row, sealing: &$crate::sealing::Sealing) -> Result<LiveSource> {
                Ok(LiveSource {
                    code: r.try_get("code").map_err(map)?,
                    kind: r.try_get("kind").map_err(map)?,
                    spec: sealing.open("live_sources.spec", r.try_get("spec").map_err(map)?)?,
                    timeout_ms: r.try_get("timeout_ms").map_err(map)?,
                    created_by: r.try_get("created_by").map_err(map)?,
                    created_at: r.try_get("created_at").map_err(map)?,
                })
            }

            #[async_trait::async_trait]
            impl $crate::ResourceStore for $store {
                async fn record_hand_in(&self, h: &NewHandIn) -> Result<HandIn> {
                    let sql = format!(
                        "INSERT INTO hand_ins (code, entry_id, org_id, channel, mode, actor_user, actor_name, outcome, \
                         version, total_rows, rows_read, rows_written, rows_rejected, message, rejects_file, job_id, \
                         lineage, started_at, finished_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
                         RETURNING {HAND_IN_COLS}"
                    );
                    let r = sqlx::query(&sql)
                        .bind(&h.code)
                        .bind(h.entry_id)
                        .bind(h.org_id)
                        .bind(&h.channel)
                        .bind(&h.mode)
                        .bind(h.actor_user)
                        .bind(&h.actor_name)
                        .bind(&h.outcome)
                        .bind(h.version)
                        .bind(h.total_rows)
                        .bind(h.rows_read)
                        .bind(h.rows_written)
                        .bind(h.rows_rejected)
                        .bind(&h.message)
                        .bind(&h.rejects_file)
                        .bind(h.job_id)
                        .bind(&h.lineage)
                        .bind(h.started_at)
                        .bind(h.finished_at)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(map)?;
                    hand_in(&r)
                }

                async fn get_hand_in(&self, id: i64) -> Result<Option<HandIn>> {
                    let sql = format!("SELECT {HAND_IN_COLS} FROM hand_ins WHERE id = $1");
                    let r = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(hand_in).transpose()
                }

                async fn list_hand_ins(&self, code: Option<&str>, before: Option<i64>, limit: i64) -> Result<Vec<HandIn>> {
                    let sql = format!(
                        "SELECT {HAND_IN_COLS} FROM hand_ins WHERE ($1 IS NULL OR code = $1) AND ($2 IS NULL OR id < $2) \
                         ORDER BY id DESC LIMIT $3"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(code)
                        .bind(before)
                        .bind(limit.clamp(1, 1000))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map)?;
                    rows.iter().map(hand_in).collect()
                }

                async fn hand_in_totals(&self, from: i64, to: i64) -> Result<Vec<HandInTotals>> {
                    let rows = sqlx::query(
                        "SELECT code, channel, COUNT(*) AS n, \
                         CAST(SUM(CASE WHEN outcome = 'committed' THEN 1 ELSE 0 END) AS BIGINT) AS committed, \
                         CAST(SUM(rows_read) AS BIGINT) AS rows_read, CAST(SUM(rows_rejected) AS BIGINT) AS rows_rejected, \
                         MAX(CASE WHEN outcome = 'committed' THEN finished_at END) AS last_committed \
                         FROM hand_ins WHERE finished_at >= $1 AND finished_at < $2 GROUP BY code, channel ORDER BY code, channel",
                    )
                    .bind(from)
                    .bind(to)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map)?;
                    rows.iter()
                        .map(|r| {
                            let num = |c: &str| -> Result<i64> { r.try_get::<i64, _>(c).map_err(map) };
                            Ok(HandInTotals {
                                code: r.try_get("code").map_err(map)?,
                                channel: r.try_get("channel").map_err(map)?,
                                hand_ins: num("n")?,
                                committed: num("committed")?,
                                rows_read: num("rows_read")?,
                                rows_rejected: num("rows_rejected")?,
                                last_committed_at: r.try_get("last_committed").map_err(map)?,
                            })
                        })
                        .collect()
                }

                async fn latest_versions(&self) -> Result<Vec<HandIn>> {
                    let sql = format!(
                        "SELECT {HAND_IN_COLS} FROM hand_ins h WHERE outcome = 'committed' AND id = \
                         (SELECT MAX(id) FROM hand_ins l WHERE l.code = h.code AND l.outcome = 'committed') ORDER BY code"
                    );
                    let rows = sqlx::query(&sql).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(hand_in).collect()
                }

                async fn resource_settings(&self, code: &str) -> Result<Option<ResourceSettings>> {
                    let r = sqlx::query(
                        "SELECT code, mapping, max_error_rate, keep_versions, updated_by, updated_at FROM resource_settings WHERE code = $1",
                    )
                    .bind(code)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map)?;
                    r.map(|r| {
                        Ok(ResourceSettings {
                            code: r.try_get("code").map_err(map)?,
                            mapping: r.try_get("mapping").map_err(map)?,
                            max_error_rate: r.try_get("max_error_rate").map_err(map)?,
                            keep_versions: r.try_get("keep_versions").map_err(map)?,
                            updated_by: r.try_get("updated_by").map_err(map)?,
                            updated_at: r.try_get("updated_at").map_err(map)?,
                        })
                    })
                    .transpose()
                }

                async fn put_resource_settings(&self, s: &ResourceSettings) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO resource_settings (code, mapping, max_error_rate, keep_versions, updated_by, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO UPDATE SET mapping = excluded.mapping, \
                         max_error_rate = excluded.max_error_rate, keep_versions = excluded.keep_versions, \
                         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                    )
                    .bind(&s.code)
                    .bind(&s.mapping)
                    .bind(s.max_error_rate)
                    .bind(s.keep_versions)
                    .bind(s.updated_by)
                    .bind(s.updated_at)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(())
                }

                async fn create_schedule(&self, s: &Schedule) -> Result<Schedule> {
                    let sql = format!(
                        "INSERT INTO schedules (code, kind, spec, cron, enabled, next_run_at, watermark, failures, created_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9) RETURNING {SCHEDULE_COLS}"
                    );
                    let r = sqlx::query(&sql)
                        .bind(&s.code)
                        .bind(&s.kind)
                        .bind(self.sealing.seal("schedules.spec", &s.spec)?)
                        .bind(&s.cron)
                        .bind(s.enabled)
                        .bind(s.next_run_at)
                        .bind(&s.watermark)
                        .bind(s.created_by)
                        .bind(s.created_at)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(map)?;
                    schedule(&r, &self.sealing)
                }

                async fn get_schedule(&self, id: i64) -> Result<Option<Schedule>> {
                    let sql = format!("SELECT {SCHEDULE_COLS} FROM schedules WHERE id = $1");
                    let r = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(|r| schedule(r, &self.sealing)).transpose()
                }

                async fn list_schedules(&self, code: Option<&str>) -> Result<Vec<Schedule>> {
                    let sql = format!("SELECT {SCHEDULE_COLS} FROM schedules WHERE ($1 IS NULL OR code = $1) ORDER BY id");
                    let rows = sqlx::query(&sql).bind(code).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(|r| schedule(r, &self.sealing)).collect()
                }

                async fn due_schedules(&self, now: i64) -> Result<Vec<Schedule>> {
                    let sql = format!(
                        "SELECT {SCHEDULE_COLS} FROM schedules WHERE enabled = $1 AND next_run_at <= $2 ORDER BY next_run_at, id"
                    );
                    let rows = sqlx::query(&sql).bind(true).bind(now).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(|r| schedule(r, &self.sealing)).collect()
                }

                async fn advance_schedule(&self, id: i64, expected_next: i64, next_run_at: i64) -> Result<bool> {
                    let r = sqlx::query("UPDATE schedules SET next_run_at = $1 WHERE id = $2 AND next_run_at = $3")
                        .bind(next_run_at)
                        .bind(id)
                        .bind(expected_next)
                        .execute(&self.pool)
                        .await
                        .map_err(map)?;
                    Ok(r.rows_affected() == 1)
                }

                async fn record_schedule_run(
                    &self,
                    id: i64,
                    at: i64,
                    status: &str,
                    message: &str,
                    failures: i64,
                    watermark: Option<&str>,
                ) -> Result<()> {
                    sqlx::query(
                        "UPDATE schedules SET last_run_at = $1, last_status = $2, last_message = $3, failures = $4, \
                         watermark = COALESCE($5, watermark) WHERE id = $6",
                    )
                    .bind(at)
                    .bind(status)
                    .bind(message)
                    .bind(failures)
                    .bind(watermark)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(())
                }

                async fn set_schedule_enabled(&self, id: i64, enabled: bool) -> Result<bool> {
                    let r = sqlx::query("UPDATE schedules SET enabled = $1 WHERE id = $2")
                        .bind(enabled)
                        .bind(id)
                        .execute(&self.pool)
                        .await
                        .map_err(map)?;
                    Ok(r.rows_affected() == 1)
                }

                async fn delete_schedule(&self, id: i64) -> Result<bool> {
                    let r = sqlx::query("DELETE FROM schedules WHERE id = $1").bind(id).execute(&self.pool).await.map_err(map)?;
                    Ok(r.rows_affected() == 1)
                }

                async fn put_live_source(&self, s: &LiveSource) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO live_sources (code, kind, spec, timeout_ms, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                         ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, spec = excluded.spec, \
                         timeout_ms = excluded.timeout_ms, created_by = excluded.created_by, created_at = excluded.created_at",
                    )
                    .bind(&s.code)
                    .bind(&s.kind)
                    .bind(self.sealing.seal("live_sources.spec", &s.spec)?)
                    .bind(s.timeout_ms)
                    .bind(s.created_by)
                    .bind(s.created_at)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(())
                }

                async fn live_source(&self, code: &str) -> Result<Option<LiveSource>> {
                    let r = sqlx::query("SELECT code, kind, spec, timeout_ms, created_by, created_at FROM live_sources WHERE code = $1")
                        .bind(code)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map)?;
                    r.as_ref().map(|r| live(r, &self.sealing)).transpose()
                }

                async fn list_live_sources(&self) -> Result<Vec<LiveSource>> {
                    let rows = sqlx::query("SELECT code, kind, spec, timeout_ms, created_by, created_at FROM live_sources ORDER BY code")
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map)?;
                    rows.iter().map(|r| live(r, &self.sealing)).collect()
                }

                async fn delete_live_source(&self, code: &str) -> Result<bool> {
                    let r = sqlx::query("DELETE FROM live_sources WHERE code = $1").bind(code).execute(&self.pool).await.map_err(map)?;
                    Ok(r.rows_affected() == 1)
                }

                async fn record_probe(
                    &self,
                    code: &str,
                    at: i64,
                    ok: bool,
                    latency_ms: i64,
                    rows: i64,
                    message: Option<&str>,
                ) -> Result<()> {
                    sqlx::query("INSERT INTO live_probes (code, at, ok, latency_ms, rows, message) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(code)
                        .bind(at)
                        .bind(ok)
                        .bind(latency_ms)
                        .bind(rows)
                        .bind(message)
                        .execute(&self.pool)
                        .await
                        .map_err(map)?;
                    Ok(())
                }

                async fn probe_stats(&self, code: &str, since: i64) -> Result<ProbeStats> {
                    let r = sqlx::query(
                        "SELECT COUNT(*) AS calls, CAST(COALESCE(SUM(CASE WHEN ok THEN 0 ELSE 1 END), 0) AS BIGINT) AS failures, \
                         CAST(AVG(latency_ms) AS DOUBLE PRECISION) AS mean, CAST(COALESCE(MAX(latency_ms), 0) AS BIGINT) AS max \
                         FROM live_probes WHERE code = $1 AND at >= $2",
                    )
                    .bind(code)
                    .bind(since)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(map)?;
                    let num = |c: &str| -> Result<i64> { r.try_get::<i64, _>(c).map_err(map) };
                    Ok(ProbeStats {
                        calls: num("calls")?,
                        failures: num("failures")?,
                        mean_latency_ms: r.try_get::<Option<f64>, _>("mean").map_err(map)?.unwrap_or(0.0),
                        max_latency_ms: num("max")?,
                    })
                }
            }
        }
    };
}
pub(crate) use impl_resource_store;

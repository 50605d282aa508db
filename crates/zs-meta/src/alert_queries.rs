//! The anomaly SQL shared by both backends. Only reading `detail.rows` of an audit record differs;
//! each backend passes its expression.

pub(crate) const ALERT_COLS: &str = "id, rule, severity, state, subject, org_id, org_path, user_id, credential_id, \
     grant_id, address, facts, first_seq, last_seq, window_from, window_to, created_at, handled_by, handled_at, \
     response, reason, revision";

/// Implements [`crate::AlertStore`] for a store with a `pool`; `$rows` gives `detail.rows` of an
/// audit record as an integer (0 when absent).
macro_rules! impl_alert_store {
    ($store:ty, $row:ty, $rows:literal) => {
        mod alert_impl {
            use super::*;
            use $crate::alert::*;
            use $crate::alert_queries::ALERT_COLS;
            use $crate::error::map;
            use $crate::queries::like_prefix;
            use $crate::trace_queries::AUDIT_COLS;
            use zs_types::model::AuditRecord;
            use zs_types::{Error, Result};

            fn alert(r: &$row) -> Result<Alert> {
                let facts: String = r.try_get("facts").map_err(map)?;
                Ok(Alert {
                    id: r.try_get("id").map_err(map)?,
                    rule: r.try_get("rule").map_err(map)?,
                    severity: r.try_get("severity").map_err(map)?,
                    state: r.try_get("state").map_err(map)?,
                    subject: r.try_get("subject").map_err(map)?,
                    org_id: r.try_get("org_id").map_err(map)?,
                    org_path: r.try_get("org_path").map_err(map)?,
                    user_id: r.try_get("user_id").map_err(map)?,
                    credential_id: r.try_get("credential_id").map_err(map)?,
                    grant_id: r.try_get("grant_id").map_err(map)?,
                    address: r.try_get("address").map_err(map)?,
                    facts: serde_json::from_str(&facts)
                        .map_err(|_| Error::internal("stored alert facts are unreadable"))?,
                    first_seq: r.try_get("first_seq").map_err(map)?,
                    last_seq: r.try_get("last_seq").map_err(map)?,
                    window_from: r.try_get("window_from").map_err(map)?,
                    window_to: r.try_get("window_to").map_err(map)?,
                    created_at: r.try_get("created_at").map_err(map)?,
                    handled_by: r.try_get("handled_by").map_err(map)?,
                    handled_at: r.try_get("handled_at").map_err(map)?,
                    response: r.try_get("response").map_err(map)?,
                    reason: r.try_get("reason").map_err(map)?,
                    revision: r.try_get("revision").map_err(map)?,
                })
            }

            #[async_trait::async_trait]
            impl $crate::AlertStore for $store {
                async fn insert_alert(&self, a: &NewAlert) -> Result<Option<Alert>> {
                    let id: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO security_alerts (rule, severity, state, dedup_key, subject, org_id, org_path, \
                         user_id, credential_id, grant_id, address, facts, first_seq, last_seq, window_from, \
                         window_to, created_at) \
                         VALUES ($1, $2, 'open', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
                         ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
                    )
                    .bind(&a.rule)
                    .bind(&a.severity)
                    .bind(&a.dedup_key)
                    .bind(&a.subject)
                    .bind(a.org_id)
                    .bind(&a.org_path)
                    .bind(a.user_id)
                    .bind(a.credential_id)
                    .bind(a.grant_id)
                    .bind(&a.address)
                    .bind(a.facts.to_string())
                    .bind(a.first_seq)
                    .bind(a.last_seq)
                    .bind(a.window_from)
                    .bind(a.window_to)
                    .bind(a.created_at)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map)?;
                    match id {
                        Some(id) => self.get_alert(id).await,
                        None => Ok(None),
                    }
                }

                async fn get_alert(&self, id: i64) -> Result<Option<Alert>> {
                    let sql = format!("SELECT {ALERT_COLS} FROM security_alerts WHERE id = $1");
                    let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await.map_err(map)?;
                    row.as_ref().map(alert).transpose()
                }

                async fn list_alerts(&self, q: &AlertQuery) -> Result<Vec<Alert>> {
                    let marks: Vec<String> = (0..q.states.len()).map(|i| format!("${}", i + 5)).collect();
                    let states = if marks.is_empty() { String::new() } else { format!(" AND state IN ({})", marks.join(", ")) };
                    let sql = format!(
                        "SELECT {ALERT_COLS} FROM security_alerts WHERE org_path LIKE $1 \
                         AND ($2 IS NULL OR id < $2) AND ($3 IS NULL OR rule = $3){states} ORDER BY id DESC LIMIT $4"
                    );
                    let mut query = sqlx::query(&sql)
                        .bind(like_prefix(&q.path_prefix))
                        .bind(q.before_id)
                        .bind(q.rule.as_deref())
                        .bind(q.limit.clamp(1, 500));
                    for s in &q.states {
                        query = query.bind(s);
                    }
                    let rows = query.fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(alert).collect()
                }

                async fn count_open_alerts(&self, path_prefix: &str) -> Result<Vec<(String, i64)>> {
                    let rows = sqlx::query(
                        "SELECT severity, COUNT(*) AS n FROM security_alerts WHERE org_path LIKE $1 \
                         AND state IN ('open', 'acknowledged') GROUP BY severity ORDER BY severity",
                    )
                    .bind(like_prefix(path_prefix))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map)?;
                    rows.iter()
                        .map(|r| Ok((r.try_get("severity").map_err(map)?, r.try_get("n").map_err(map)?)))
                        .collect()
                }

                async fn respond_alert(&self, id: i64, r: &AlertResponse) -> Result<bool> {
                    if r.from_states.is_empty() {
                        return Ok(false);
                    }
                    let marks: Vec<String> = (0..r.from_states.len()).map(|i| format!("${}", i + 9)).collect();
                    let sql = format!(
                        "UPDATE security_alerts SET state = $1, response = $2, reason = $3, handled_by = $4, \
                         handled_at = $5, revision = revision + 1 \
                         WHERE id = $6 AND ($7 IS NULL OR revision = $8) AND state IN ({})",
                        marks.join(", ")
                    );
                    let mut query = sqlx::query(&sql)
                        .bind(&r.state)
                        .bind(&r.response)
                        .bind(&r.reason)
                        .bind(r.by)
                        .bind(r.at)
                        .bind(id)
                        .bind(r.revision)
                        .bind(r.revision);
                    for s in &r.from_states {
                        query = query.bind(s);
                    }
                    let done = query.execute(&self.pool).await.map_err(map)?;
                    Ok(done.rows_affected() == 1)
                }

                async fn anomaly_cursor(&self, name: &str) -> Result<i64> {
                    let seq: Option<i64> = sqlx::query_scalar("SELECT seq FROM anomaly_cursor WHERE name = $1")
                        .bind(name)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map)?;
                    Ok(seq.unwrap_or(0))
                }

                async fn advance_anomaly_cursor(&self, name: &str, seq: i64, at_ms: i64) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO anomaly_cursor (name, seq, updated_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at, \
                         seq = CASE WHEN excluded.seq > anomaly_cursor.seq THEN excluded.seq ELSE anomaly_cursor.seq END",
                    )
                    .bind(name)
                    .bind(seq)
                    .bind(at_ms)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(())
                }

                async fn claim_anomaly_lease(&self, name: &str, owner: &str, now_ms: i64, ttl_ms: i64) -> Result<bool> {
                    sqlx::query(
                        "INSERT INTO anomaly_cursor (name, seq, updated_at) VALUES ($1, 0, $2) \
                         ON CONFLICT (name) DO NOTHING",
                    )
                    .bind(name)
                    .bind(now_ms)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    let done = sqlx::query(
                        "UPDATE anomaly_cursor SET owner = $1, lease_until = $2 WHERE name = $3 \
                         AND (owner IS NULL OR owner = $4 OR lease_until IS NULL OR lease_until < $5)",
                    )
                    .bind(owner)
                    .bind(now_ms + ttl_ms)
                    .bind(name)
                    .bind(owner)
                    .bind(now_ms)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(done.rows_affected() == 1)
                }

                async fn audit_after(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditRecord>> {
                    let sql = format!("SELECT {AUDIT_COLS} FROM audit_log a WHERE a.seq > $1 ORDER BY a.seq LIMIT $2");
                    let rows = sqlx::query(&sql)
                        .bind(after_seq)
                        .bind(limit.clamp(1, 10_000))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map)?;
                    rows.iter().map(audit_row).collect()
                }

                async fn audit_max_seq(&self) -> Result<i64> {
                    let seq: Option<i64> =
                        sqlx::query_scalar("SELECT MAX(seq) FROM audit_log").fetch_one(&self.pool).await.map_err(map)?;
                    Ok(seq.unwrap_or(0))
                }

                async fn data_volume_by_hour(&self, target: &str, from_ms: i64, to_ms: i64) -> Result<Vec<HourVolume>> {
                    let sql = concat!(
                        "SELECT (at / 3600000) * 3600000 AS hour, COUNT(*) AS calls, CAST(SUM(",
                        $rows,
                        ") AS BIGINT) AS rows_out FROM audit_log \
                         WHERE target = $1 AND action = 'share.data' AND outcome = 'succeeded' AND at >= $2 AND at < $3 \
                         GROUP BY (at / 3600000) * 3600000 ORDER BY hour"
                    );
                    let rows = sqlx::query(sql)
                        .bind(target)
                        .bind(from_ms)
                        .bind(to_ms)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map)?;
                    rows.iter()
                        .map(|r| {
                            Ok(HourVolume {
                                hour: r.try_get("hour").map_err(map)?,
                                calls: r.try_get("calls").map_err(map)?,
                                rows: r.try_get::<Option<i64>, _>("rows_out").map_err(map)?.unwrap_or(0),
                            })
                        })
                        .collect()
                }

                async fn known_networks(&self, credential_id: i64) -> Result<Vec<KnownNetwork>> {
                    let rows = sqlx::query(
                        "SELECT network, first_seen, last_seen, calls FROM anomaly_addresses \
                         WHERE credential_id = $1 ORDER BY network",
                    )
                    .bind(credential_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map)?;
                    rows.iter()
                        .map(|r| {
                            Ok(KnownNetwork {
                                network: r.try_get("network").map_err(map)?,
                                first_seen: r.try_get("first_seen").map_err(map)?,
                                last_seen: r.try_get("last_seen").map_err(map)?,
                                calls: r.try_get("calls").map_err(map)?,
                            })
                        })
                        .collect()
                }

                async fn touch_network(&self, credential_id: i64, network: &str, calls: i64, at_ms: i64) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO anomaly_addresses (credential_id, network, first_seen, last_seen, calls) \
                         VALUES ($1, $2, $3, $3, $4) ON CONFLICT (credential_id, network) DO UPDATE SET \
                         calls = anomaly_addresses.calls + excluded.calls, \
                         last_seen = CASE WHEN excluded.last_seen > anomaly_addresses.last_seen \
                         THEN excluded.last_seen ELSE anomaly_addresses.last_seen END",
                    )
                    .bind(credential_id)
                    .bind(network)
                    .bind(at_ms)
                    .bind(calls)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(())
                }
            }
        }
    };
}
pub(crate) use impl_alert_store;

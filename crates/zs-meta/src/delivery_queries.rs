//! The delivery and subscription SQL shared by both backends.

pub(crate) const PLAN_COLS: &str = "id, grant_id, consumer_org_id, kind, format, secret, target_hint, target_table, \
     every_minutes, next_run_at, enabled, created_by, created_at";
pub(crate) const DELIVERY_COLS: &str = "id, grant_id, plan_id, code, provider_org_id, consumer_org_id, kind, format, \
     state, from_version, to_version, rows_total, rows_added, rows_changed, rows_deleted, digest, file_name, bytes, \
     message, worker, requested_by, created_at, started_at, finished_at";
pub(crate) const CHANGE_COLS: &str = "id, code, version, parent, mode, committed_at";
pub(crate) const SUBSCRIPTION_COLS: &str =
    "id, grant_id, code, consumer_org_id, url, secret, enabled, created_by, created_at";
pub(crate) const NOTIFICATION_COLS: &str = "id, subscription_id, grant_id, change_id, event_id, payload, state, \
     attempts, next_attempt_at, last_status, last_error, delivered_at, created_at";

/// Implements [`crate::DeliveryStore`] for a store with a `pool`.
macro_rules! impl_delivery_store {
    ($store:ty, $row:ty) => {
        mod delivery_impl {
            use super::*;
            use $crate::delivery::*;
            use $crate::delivery_queries::{
                CHANGE_COLS, DELIVERY_COLS, NOTIFICATION_COLS, PLAN_COLS, SUBSCRIPTION_COLS,
            };
            use $crate::error::map;
            use zs_types::Result;

            fn plan(r: &$row, sealing: &$crate::sealing::Sealing) -> Result<DeliveryPlan> {
                Ok(DeliveryPlan {
                    id: r.try_get("id").map_err(map)?,
                    grant_id: r.try_get("grant_id").map_err(map)?,
                    consumer_org_id: r.try_get("consumer_org_id").map_err(map)?,
                    kind: r.try_get("kind").map_err(map)?,
                    format: r.try_get("format").map_err(map)?,
                    secret: sealing.open_opt("share_delivery_plans.secret", r.try_get("secret").map_err(map)?)?,
                    target_hint: r.try_get("target_hint").map_err(map)?,
                    target_table: r.try_get("target_table").map_err(map)?,
                    every_minutes: r.try_get("every_minutes").map_err(map)?,
                    next_run_at: r.try_get("next_run_at").map_err(map)?,
                    enabled: r.try_get("enabled").map_err(map)?,
                    created_by: r.try_get("created_by").map_err(map)?,
                    created_at: r.try_get("created_at").map_err(map)?,
                })
            }

            fn delivery(r: &$row) -> Result<Delivery> {
                Ok(Delivery {
                    id: r.try_get("id").map_err(map)?,
                    grant_id: r.try_get("grant_id").map_err(map)?,
                    plan_id: r.try_get("plan_id").map_err(map)?,
                    code: r.try_get("code").map_err(map)?,
                    provider_org_id: r.try_get("provider_org_id").map_err(map)?,
                    consumer_org_id: r.try_get("consumer_org_id").map_err(map)?,
                    kind: r.try_get("kind").map_err(map)?,
                    format: r.try_get("format").map_err(map)?,
                    state: r.try_get("state").map_err(map)?,
                    from_version: r.try_get("from_version").map_err(map)?,
                    to_version: r.try_get("to_version").map_err(map)?,
                    rows_total: r.try_get("rows_total").map_err(map)?,
                    rows_added: r.try_get("rows_added").map_err(map)?,
                    rows_changed: r.try_get("rows_changed").map_err(map)?,
                    rows_deleted: r.try_get("rows_deleted").map_err(map)?,
                    digest: r.try_get("digest").map_err(map)?,
                    file_name: r.try_get("file_name").map_err(map)?,
                    bytes: r.try_get("bytes").map_err(map)?,
                    message: r.try_get("message").map_err(map)?,
                    worker: r.try_get("worker").map_err(map)?,
                    requested_by: r.try_get("requested_by").map_err(map)?,
                    created_at: r.try_get("created_at").map_err(map)?,
                    started_at: r.try_get("started_at").map_err(map)?,
                    finished_at: r.try_get("finished_at").map_err(map)?,
                })
            }

            fn change(r: &$row) -> Result<Change> {
                Ok(Change {
                    id: r.try_get("id").map_err(map)?,
                    code: r.try_get("code").map_err(map)?,
                    version: r.try_get("version").map_err(map)?,
                    parent: r.try_get("parent").map_err(map)?,
                    mode: r.try_get("mode").map_err(map)?,
                    committed_at: r.try_get("committed_at").map_err(map)?,
                })
            }

            fn subscription(r: &$row, sealing: &$crate::sealing::Sealing) -> Result<Subscription> {
                Ok(Subscription {
                    id: r.try_get("id").map_err(map)?,
                    grant_id: r.try_get("grant_id").map_err(map)?,
                    code: r.try_get("code").map_err(map)?,
                    consumer_org_id: r.try_get("consumer_org_id").map_err(map)?,
                    url: r.try_get("url").map_err(map)?,
                    secret: sealing.open("share_subscriptions.secret", r.try_get("secret").map_err(map)?)?,
                    enabled: r.try_get("enabled").map_err(map)?,
                    created_by: r.try_get("created_by").map_err(map)?,
                    created_at: r.try_get("created_at").map_err(map)?,
                })
            }

            fn notification(r: &$row) -> Result<Notification> {
                Ok(Notification {
                    id: r.try_get("id").map_err(map)?,
                    subscription_id: r.try_get("subscription_id").map_err(map)?,
                    grant_id: r.try_get("grant_id").map_err(map)?,
                    change_id: r.try_get("change_id").map_err(map)?,
                    event_id: r.try_get("event_id").map_err(map)?,
                    payload: r.try_get("payload").map_err(map)?,
                    state: r.try_get("state").map_err(map)?,
                    attempts: r.try_get("attempts").map_err(map)?,
                    next_attempt_at: r.try_get("next_attempt_at").map_err(map)?,
                    last_status: r.try_get("last_status").map_err(map)?,
                    last_error: r.try_get("last_error").map_err(map)?,
                    delivered_at: r.try_get("delivered_at").map_err(map)?,
                    created_at: r.try_get("created_at").map_err(map)?,
                })
            }

            #[async_trait::async_trait]
            impl $crate::DeliveryStore for $store {
                async fn create_delivery_plan(&self, p: &NewDeliveryPlan) -> Result<DeliveryPlan> {
                    let sql = format!(
                        "INSERT INTO share_delivery_plans (grant_id, consumer_org_id, kind, format, secret, target_hint, \
                         target_table, every_minutes, next_run_at, enabled, created_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {PLAN_COLS}"
                    );
                    let r = sqlx::query(&sql)
                        .bind(p.grant_id)
                        .bind(p.consumer_org_id)
                        .bind(&p.kind)
                        .bind(&p.format)
                        .bind(self.sealing.seal_opt("share_delivery_plans.secret", p.secret.as_deref())?)
                        .bind(&p.target_hint)
                        .bind(&p.target_table)
                        .bind(p.every_minutes)
                        .bind(p.next_run_at)
                        .bind(p.enabled)
                        .bind(p.created_by)
                        .bind(p.created_at)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(map)?;
                    plan(&r, &self.sealing)
                }

                async fn get_delivery_plan(&self, id: i64) -> Result<Option<DeliveryPlan>> {
                    let sql = format!("SELECT {PLAN_COLS} FROM share_delivery_plans WHERE id = $1");
                    let r = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(|r| plan(r, &self.sealing)).transpose()
                }

                async fn list_delivery_plans(&self, grant_id: i64) -> Result<Vec<DeliveryPlan>> {
                    let sql =
                        format!("SELECT {PLAN_COLS} FROM share_delivery_plans WHERE grant_id = $1 ORDER BY id DESC");
                    let rows = sqlx::query(&sql).bind(grant_id).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(|r| plan(r, &self.sealing)).collect()
                }

                async fn set_delivery_plan_enabled(&self, id: i64, enabled: bool) -> Result<bool> {
                    let r = sqlx::query("UPDATE share_delivery_plans SET enabled = $2 WHERE id = $1")
                        .bind(id)
                        .bind(enabled)
                        .execute(&self.pool)
                        .await
                        .map_err(map)?;
                    Ok(r.rows_affected() == 1)
                }

                async fn due_delivery_plans(&self, now: i64) -> Result<Vec<DeliveryPlan>> {
                    let sql = format!(
                        "SELECT {PLAN_COLS} FROM share_delivery_plans WHERE enabled = $1 AND next_run_at IS NOT NULL \
                         AND next_run_at <= $2 ORDER BY next_run_at, id"
                    );
                    let rows = sqlx::query(&sql).bind(true).bind(now).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(|r| plan(r, &self.sealing)).collect()
                }

                async fn advance_delivery_plan(&self, id: i64, expected: i64, next: i64) -> Result<bool> {
                    let r = sqlx::query(
                        "UPDATE share_delivery_plans SET next_run_at = $3 WHERE id = $1 AND next_run_at = $2",
                    )
                    .bind(id)
                    .bind(expected)
                    .bind(next)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(r.rows_affected() == 1)
                }

                async fn enqueue_delivery(&self, d: &NewDelivery) -> Result<Delivery> {
                    let sql = format!(
                        "INSERT INTO share_deliveries (grant_id, plan_id, code, provider_org_id, consumer_org_id, kind, \
                         format, state, requested_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $9) RETURNING {DELIVERY_COLS}"
                    );
                    let r = sqlx::query(&sql)
                        .bind(d.grant_id)
                        .bind(d.plan_id)
                        .bind(&d.code)
                        .bind(d.provider_org_id)
                        .bind(d.consumer_org_id)
                        .bind(&d.kind)
                        .bind(&d.format)
                        .bind(d.requested_by)
                        .bind(d.created_at)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(map)?;
                    delivery(&r)
                }

                async fn claim_delivery(&self, worker: &str, now: i64) -> Result<Option<Delivery>> {
                    // The state is checked again by the UPDATE: of two workers picking the same row,
                    // only one changes it.
                    let sql = format!(
                        "UPDATE share_deliveries SET state = 'running', worker = $1, started_at = $2 \
                         WHERE id = (SELECT id FROM share_deliveries WHERE state = 'queued' ORDER BY id LIMIT 1) \
                         AND state = 'queued' RETURNING {DELIVERY_COLS}"
                    );
                    let r = sqlx::query(&sql).bind(worker).bind(now).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(delivery).transpose()
                }

                async fn finish_delivery(
                    &self,
                    id: i64,
                    succeeded: bool,
                    r: &DeliveryResult,
                    now: i64,
                ) -> Result<()> {
                    sqlx::query(
                        "UPDATE share_deliveries SET state = $2, from_version = $3, to_version = $4, rows_total = $5, \
                         rows_added = $6, rows_changed = $7, rows_deleted = $8, digest = $9, file_name = $10, \
                         bytes = $11, message = $12, finished_at = $13 WHERE id = $1 AND state = 'running'",
                    )
                    .bind(id)
                    .bind(if succeeded { "succeeded" } else { "failed" })
                    .bind(r.from_version)
                    .bind(r.to_version)
                    .bind(r.rows_total)
                    .bind(r.rows_added)
                    .bind(r.rows_changed)
                    .bind(r.rows_deleted)
                    .bind(&r.digest)
                    .bind(&r.file_name)
                    .bind(r.bytes)
                    .bind(&r.message)
                    .bind(now)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(())
                }

                async fn requeue_running_deliveries(&self) -> Result<u64> {
                    let r = sqlx::query(
                        "UPDATE share_deliveries SET state = 'queued', worker = NULL, started_at = NULL \
                         WHERE state = 'running'",
                    )
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(r.rows_affected())
                }

                async fn get_delivery(&self, id: i64) -> Result<Option<Delivery>> {
                    let sql = format!("SELECT {DELIVERY_COLS} FROM share_deliveries WHERE id = $1");
                    let r = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(delivery).transpose()
                }

                async fn list_deliveries(&self, grant_id: i64, limit: i64) -> Result<Vec<Delivery>> {
                    let sql = format!(
                        "SELECT {DELIVERY_COLS} FROM share_deliveries WHERE grant_id = $1 ORDER BY id DESC LIMIT $2"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(grant_id)
                        .bind(limit.clamp(1, 1000))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map)?;
                    rows.iter().map(delivery).collect()
                }

                async fn last_delivered_version(&self, grant_id: i64, plan_id: Option<i64>) -> Result<Option<i64>> {
                    let v: Option<Option<i64>> = sqlx::query_scalar(
                        "SELECT to_version FROM share_deliveries WHERE grant_id = $1 AND state = 'succeeded' \
                         AND ((plan_id IS NULL AND $2 IS NULL) OR plan_id = $2) AND to_version IS NOT NULL \
                         ORDER BY id DESC LIMIT 1",
                    )
                    .bind(grant_id)
                    .bind(plan_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(v.flatten())
                }

                async fn add_change(&self, c: &Change) -> Result<(Change, bool)> {
                    let sql = format!(
                        "INSERT INTO share_changes (code, version, parent, mode, committed_at) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code, version) DO NOTHING RETURNING {CHANGE_COLS}"
                    );
                    let r = sqlx::query(&sql)
                        .bind(&c.code)
                        .bind(c.version)
                        .bind(c.parent)
                        .bind(&c.mode)
                        .bind(c.committed_at)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map)?;
                    if let Some(r) = r {
                        return Ok((change(&r)?, true));
                    }
                    let sql = format!("SELECT {CHANGE_COLS} FROM share_changes WHERE code = $1 AND version = $2");
                    let r = sqlx::query(&sql).bind(&c.code).bind(c.version).fetch_one(&self.pool).await.map_err(map)?;
                    Ok((change(&r)?, false))
                }

                async fn list_changes(&self, code: &str, after: i64, limit: i64) -> Result<Vec<Change>> {
                    let sql = format!(
                        "SELECT {CHANGE_COLS} FROM share_changes WHERE code = $1 AND id > $2 ORDER BY id LIMIT $3"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(code)
                        .bind(after)
                        .bind(limit.clamp(1, 1000))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map)?;
                    rows.iter().map(change).collect()
                }

                async fn create_subscription(&self, s: &NewSubscription) -> Result<Subscription> {
                    let sql = format!(
                        "INSERT INTO share_subscriptions (grant_id, code, consumer_org_id, url, secret, enabled, \
                         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {SUBSCRIPTION_COLS}"
                    );
                    let r = sqlx::query(&sql)
                        .bind(s.grant_id)
                        .bind(&s.code)
                        .bind(s.consumer_org_id)
                        .bind(&s.url)
                        .bind(self.sealing.seal("share_subscriptions.secret", &s.secret)?)
                        .bind(s.enabled)
                        .bind(s.created_by)
                        .bind(s.created_at)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(map)?;
                    subscription(&r, &self.sealing)
                }

                async fn get_subscription(&self, id: i64) -> Result<Option<Subscription>> {
                    let sql = format!("SELECT {SUBSCRIPTION_COLS} FROM share_subscriptions WHERE id = $1");
                    let r = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(|r| subscription(r, &self.sealing)).transpose()
                }

                async fn list_subscriptions(&self, grant_id: i64) -> Result<Vec<Subscription>> {
                    let sql = format!(
                        "SELECT {SUBSCRIPTION_COLS} FROM share_subscriptions WHERE grant_id = $1 ORDER BY id DESC"
                    );
                    let rows = sqlx::query(&sql).bind(grant_id).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(|r| subscription(r, &self.sealing)).collect()
                }

                async fn subscriptions_of_code(&self, code: &str) -> Result<Vec<Subscription>> {
                    let sql = format!(
                        "SELECT {SUBSCRIPTION_COLS} FROM share_subscriptions WHERE code = $1 AND enabled = $2 ORDER BY id"
                    );
                    let rows = sqlx::query(&sql).bind(code).bind(true).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(|r| subscription(r, &self.sealing)).collect()
                }

                async fn set_subscription_enabled(&self, id: i64, enabled: bool) -> Result<bool> {
                    let r = sqlx::query("UPDATE share_subscriptions SET enabled = $2 WHERE id = $1")
                        .bind(id)
                        .bind(enabled)
                        .execute(&self.pool)
                        .await
                        .map_err(map)?;
                    Ok(r.rows_affected() == 1)
                }

                async fn enqueue_notification(&self, n: &Notification) -> Result<Option<Notification>> {
                    let sql = format!(
                        "INSERT INTO share_notifications (subscription_id, grant_id, change_id, event_id, payload, state, \
                         attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7) \
                         ON CONFLICT (subscription_id, change_id) DO NOTHING RETURNING {NOTIFICATION_COLS}"
                    );
                    let r = sqlx::query(&sql)
                        .bind(n.subscription_id)
                        .bind(n.grant_id)
                        .bind(n.change_id)
                        .bind(&n.event_id)
                        .bind(&n.payload)
                        .bind(n.next_attempt_at)
                        .bind(n.created_at)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map)?;
                    r.as_ref().map(notification).transpose()
                }

                async fn claim_notifications(&self, now: i64, lease_until: i64, limit: i64) -> Result<Vec<Notification>> {
                    // The outer condition is evaluated again against a row another node just leased.
                    let sql = format!(
                        "UPDATE share_notifications SET next_attempt_at = $2 \
                         WHERE id IN (SELECT id FROM share_notifications WHERE state = 'pending' \
                         AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $3) \
                         AND state = 'pending' AND next_attempt_at <= $1 RETURNING {NOTIFICATION_COLS}"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(now)
                        .bind(lease_until)
                        .bind(limit.clamp(1, 1000))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map)?;
                    let mut out = rows.iter().map(notification).collect::<Result<Vec<_>>>()?;
                    out.sort_by_key(|n| n.id);
                    Ok(out)
                }

                async fn record_attempt(&self, id: i64, a: &Attempt) -> Result<()> {
                    sqlx::query(
                        "UPDATE share_notifications SET state = $2, attempts = attempts + 1, last_status = $3, \
                         last_error = $4, next_attempt_at = $5, \
                         delivered_at = CASE WHEN $2 = 'delivered' THEN $6 ELSE delivered_at END WHERE id = $1",
                    )
                    .bind(id)
                    .bind(&a.state)
                    .bind(a.status)
                    .bind(&a.error)
                    .bind(a.next_attempt_at)
                    .bind(a.at)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(())
                }

                async fn get_notification(&self, id: i64) -> Result<Option<Notification>> {
                    let sql = format!("SELECT {NOTIFICATION_COLS} FROM share_notifications WHERE id = $1");
                    let r = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(notification).transpose()
                }

                async fn list_notifications(
                    &self,
                    subscription_id: i64,
                    state: Option<&str>,
                    limit: i64,
                ) -> Result<Vec<Notification>> {
                    let sql = format!(
                        "SELECT {NOTIFICATION_COLS} FROM share_notifications WHERE subscription_id = $1 \
                         AND ($2 IS NULL OR state = $2) ORDER BY id DESC LIMIT $3"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(subscription_id)
                        .bind(state)
                        .bind(limit.clamp(1, 1000))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map)?;
                    rows.iter().map(notification).collect()
                }

                async fn replay_notification(&self, id: i64, now: i64) -> Result<bool> {
                    let r = sqlx::query(
                        "UPDATE share_notifications SET state = 'pending', attempts = 0, next_attempt_at = $2, \
                         last_error = NULL WHERE id = $1 AND state = 'dead'",
                    )
                    .bind(id)
                    .bind(now)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(r.rows_affected() == 1)
                }
            }
        }
    };
}
pub(crate) use impl_delivery_store;

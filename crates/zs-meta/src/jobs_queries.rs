//! The job-queue SQL shared by both backends; only the claim differs (PostgreSQL skips rows
//! locked by a concurrent claim, SQLite serialises writers anyway).

pub(crate) const JOB_COLS: &str =
    "id, kind, subject, payload, state, progress, message, attempts, max_attempts, run_after, \
     idempotency_key, worker, created_by, created_at, updated_at, finished_at";

/// Implements [`crate::JobStore`] for a store with a `pool`, given the claim's inner SELECT.
macro_rules! impl_job_store {
    ($store:ty, $row:ty, $pick:literal) => {
        mod jobs_impl {
            use super::*;
            use $crate::error::map;
            use $crate::jobs::*;
            use $crate::jobs_queries::JOB_COLS;
            use zs_types::{Error, ErrorCode, Result};

            fn job_row(r: &$row) -> Result<JobRow> {
                Ok(JobRow {
                    id: r.try_get("id").map_err(map)?,
                    kind: r.try_get("kind").map_err(map)?,
                    subject: r.try_get("subject").map_err(map)?,
                    payload: r.try_get("payload").map_err(map)?,
                    state: r.try_get("state").map_err(map)?,
                    progress: r.try_get("progress").map_err(map)?,
                    message: r.try_get("message").map_err(map)?,
                    attempts: r.try_get("attempts").map_err(map)?,
                    max_attempts: r.try_get("max_attempts").map_err(map)?,
                    run_after: r.try_get("run_after").map_err(map)?,
                    idempotency_key: r.try_get("idempotency_key").map_err(map)?,
                    worker: r.try_get("worker").map_err(map)?,
                    created_by: r.try_get("created_by").map_err(map)?,
                    created_at: r.try_get("created_at").map_err(map)?,
                    updated_at: r.try_get("updated_at").map_err(map)?,
                    finished_at: r.try_get("finished_at").map_err(map)?,
                })
            }

            fn not_running(id: i64) -> Error {
                Error::new(ErrorCode::Conflict, format!("job {id} is not running"))
            }

            #[async_trait::async_trait]
            impl $crate::JobStore for $store {
                async fn enqueue(&self, job: NewJob, now: i64) -> Result<(JobRow, bool)> {
                    if let Some(key) = &job.idempotency_key {
                        let sql = format!("SELECT {JOB_COLS} FROM jobs WHERE idempotency_key = $1");
                        if let Some(r) = sqlx::query(&sql).bind(key).fetch_optional(&self.pool).await.map_err(map)? {
                            return Ok((job_row(&r)?, false));
                        }
                    }
                    let sql = format!(
                        "INSERT INTO jobs (kind, subject, payload, state, progress, attempts, max_attempts, run_after, \
                         idempotency_key, created_by, created_at, updated_at) \
                         VALUES ($1, $2, $3, 'queued', 0, 0, $4, $5, $6, $7, $8, $8) RETURNING {JOB_COLS}"
                    );
                    let r = sqlx::query(&sql)
                        .bind(&job.kind)
                        .bind(&job.subject)
                        .bind(&job.payload)
                        .bind(job.max_attempts.max(1))
                        .bind(job.run_after)
                        .bind(&job.idempotency_key)
                        .bind(job.created_by)
                        .bind(now)
                        .fetch_one(&self.pool)
                        .await;
                    match r {
                        Ok(r) => Ok((job_row(&r)?, true)),
                        // A concurrent enqueue with the same key won the race: return its job.
                        Err(e) => {
                            let err = map(e);
                            match (&job.idempotency_key, err.code) {
                                (Some(key), ErrorCode::AlreadyExists) => {
                                    let sql = format!("SELECT {JOB_COLS} FROM jobs WHERE idempotency_key = $1");
                                    let r = sqlx::query(&sql).bind(key).fetch_one(&self.pool).await.map_err(map)?;
                                    Ok((job_row(&r)?, false))
                                }
                                _ => Err(err),
                            }
                        }
                    }
                }

                async fn claim(&self, worker: &str, now: i64) -> Result<Option<JobRow>> {
                    let sql = format!(
                        "UPDATE jobs SET state = 'running', attempts = attempts + 1, worker = $1, updated_at = $2, progress = 0 \
                         WHERE id = ({}) AND state = 'queued' RETURNING {JOB_COLS}",
                        $pick
                    );
                    let r = sqlx::query(&sql).bind(worker).bind(now).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(job_row).transpose()
                }

                async fn set_progress(&self, id: i64, progress: i64, message: Option<&str>, now: i64) -> Result<()> {
                    let r = sqlx::query(
                        "UPDATE jobs SET progress = $1, message = COALESCE($2, message), updated_at = $3 WHERE id = $4 AND state = 'running'",
                    )
                    .bind(progress.clamp(0, 1000))
                    .bind(message)
                    .bind(now)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    if r.rows_affected() == 0 { Err(not_running(id)) } else { Ok(()) }
                }

                async fn finish(&self, id: i64, succeeded: bool, message: &str, now: i64) -> Result<()> {
                    let r = sqlx::query(
                        "UPDATE jobs SET state = $1, progress = CASE WHEN $1 = 'succeeded' THEN 1000 ELSE progress END, \
                         message = $2, updated_at = $3, finished_at = $3 WHERE id = $4 AND state = 'running'",
                    )
                    .bind(if succeeded { "succeeded" } else { "failed" })
                    .bind(message)
                    .bind(now)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    if r.rows_affected() == 0 { Err(not_running(id)) } else { Ok(()) }
                }

                async fn retry_later(&self, id: i64, run_after: i64, message: &str, now: i64) -> Result<String> {
                    let sql = format!(
                        "UPDATE jobs SET state = CASE WHEN attempts < max_attempts THEN 'queued' ELSE 'failed' END, \
                         run_after = $1, message = $2, updated_at = $3, \
                         finished_at = CASE WHEN attempts < max_attempts THEN NULL ELSE $3 END \
                         WHERE id = $4 AND state = 'running' RETURNING {JOB_COLS}"
                    );
                    let r = sqlx::query(&sql).bind(run_after).bind(message).bind(now).bind(id).fetch_optional(&self.pool).await.map_err(map)?;
                    match r {
                        Some(r) => Ok(job_row(&r)?.state),
                        None => Err(not_running(id)),
                    }
                }

                async fn recover_interrupted(&self, now: i64) -> Result<(u64, u64)> {
                    let mut tx = self.begin_write().await.map_err(map)?;
                    let failed = sqlx::query(
                        "UPDATE jobs SET state = 'failed', message = 'interrupted by a restart; no attempts left', \
                         updated_at = $1, finished_at = $1 WHERE state = 'running' AND attempts >= max_attempts",
                    )
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(map)?
                    .rows_affected();
                    let requeued = sqlx::query(
                        "UPDATE jobs SET state = 'queued', message = 'interrupted by a restart; queued again', \
                         updated_at = $1, run_after = $1 WHERE state = 'running'",
                    )
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(map)?
                    .rows_affected();
                    tx.commit().await.map_err(map)?;
                    Ok((requeued, failed))
                }

                async fn get_job(&self, id: i64) -> Result<Option<JobRow>> {
                    let sql = format!("SELECT {JOB_COLS} FROM jobs WHERE id = $1");
                    let r = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(job_row).transpose()
                }

                async fn list_jobs(&self, subject: Option<&str>, limit: i64) -> Result<Vec<JobRow>> {
                    let sql = format!("SELECT {JOB_COLS} FROM jobs WHERE ($1 IS NULL OR subject = $1) ORDER BY id DESC LIMIT $2");
                    let rows = sqlx::query(&sql).bind(subject).bind(limit.clamp(1, 1000)).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(job_row).collect()
                }
            }
        }
    };
}
pub(crate) use impl_job_store;

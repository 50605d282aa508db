//! The key, destruction and backup SQL shared by both backends.

pub(crate) const KEY_COLS: &str =
    "id, scope, algorithm, master_key_id, wrapped, state, created_at, retired_at, destroyed_at";
pub(crate) const DESTRUCTION_COLS: &str = "id, code, version, org_id, reason, state, requested_by, requested_at, \
     decided_by, decided_at, note, certificate";
pub(crate) const BACKUP_COLS: &str = "id, label, location, taken_at, recorded_by, recorded_at";

/// Implements [`crate::KeyStore`] for a store with a `pool` and a `sealing`.
macro_rules! impl_key_store {
    ($store:ty, $row:ty) => {
        mod key_impl {
            use super::*;
            use $crate::error::map;
            use $crate::keys::*;
            use $crate::keys_queries::{BACKUP_COLS, DESTRUCTION_COLS, KEY_COLS};
            use $crate::sealing::{Sealing, SEALED_COLUMNS};
            use zs_types::{Error, ErrorCode, Result};

            fn key(r: &$row) -> Result<DataKeyRow> {
                Ok(DataKeyRow {
                    id: r.try_get("id").map_err(map)?,
                    scope: r.try_get("scope").map_err(map)?,
                    algorithm: r.try_get("algorithm").map_err(map)?,
                    master_key_id: r.try_get("master_key_id").map_err(map)?,
                    wrapped: r.try_get("wrapped").map_err(map)?,
                    state: r.try_get("state").map_err(map)?,
                    created_at: r.try_get("created_at").map_err(map)?,
                    retired_at: r.try_get("retired_at").map_err(map)?,
                    destroyed_at: r.try_get("destroyed_at").map_err(map)?,
                })
            }

            fn destruction(r: &$row) -> Result<Destruction> {
                Ok(Destruction {
                    id: r.try_get("id").map_err(map)?,
                    code: r.try_get("code").map_err(map)?,
                    version: r.try_get("version").map_err(map)?,
                    org_id: r.try_get("org_id").map_err(map)?,
                    reason: r.try_get("reason").map_err(map)?,
                    state: r.try_get("state").map_err(map)?,
                    requested_by: r.try_get("requested_by").map_err(map)?,
                    requested_at: r.try_get("requested_at").map_err(map)?,
                    decided_by: r.try_get("decided_by").map_err(map)?,
                    decided_at: r.try_get("decided_at").map_err(map)?,
                    note: r.try_get("note").map_err(map)?,
                    certificate: r.try_get("certificate").map_err(map)?,
                })
            }

            fn backup(r: &$row) -> Result<Backup> {
                Ok(Backup {
                    id: r.try_get("id").map_err(map)?,
                    label: r.try_get("label").map_err(map)?,
                    location: r.try_get("location").map_err(map)?,
                    taken_at: r.try_get("taken_at").map_err(map)?,
                    recorded_by: r.try_get("recorded_by").map_err(map)?,
                    recorded_at: r.try_get("recorded_at").map_err(map)?,
                })
            }

            #[async_trait::async_trait]
            impl $crate::KeyStore for $store {
                fn sealing(&self) -> &Sealing {
                    &self.sealing
                }

                async fn data_keys(&self) -> Result<Vec<DataKeyRow>> {
                    let sql = format!("SELECT {KEY_COLS} FROM data_keys ORDER BY created_at, id");
                    let rows = sqlx::query(&sql).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(key).collect()
                }

                async fn data_keys_of(&self, scope: &str) -> Result<Vec<DataKeyRow>> {
                    let sql = format!("SELECT {KEY_COLS} FROM data_keys WHERE scope = $1 ORDER BY created_at, id");
                    let rows = sqlx::query(&sql).bind(scope).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(key).collect()
                }

                async fn add_data_key(&self, k: &DataKeyRow, retire_current: bool) -> Result<()> {
                    let mut tx = self.begin_write().await.map_err(map)?;
                    if retire_current {
                        sqlx::query(
                            "UPDATE data_keys SET state = 'retired', retired_at = $2 WHERE scope = $1 AND state = 'active'",
                        )
                        .bind(&k.scope)
                        .bind(k.created_at)
                        .execute(&mut *tx)
                        .await
                        .map_err(map)?;
                    }
                    let sql = "INSERT INTO data_keys (id, scope, algorithm, master_key_id, wrapped, state, created_at) \
                               VALUES ($1, $2, $3, $4, $5, 'active', $6)";
                    sqlx::query(sql)
                        .bind(&k.id)
                        .bind(&k.scope)
                        .bind(&k.algorithm)
                        .bind(&k.master_key_id)
                        .bind(&k.wrapped)
                        .bind(k.created_at)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| {
                            let e = map(e);
                            if e.code == ErrorCode::AlreadyExists || e.code == ErrorCode::Conflict {
                                Error::new(ErrorCode::AlreadyExists, format!("{} already has an active data key", k.scope))
                            } else {
                                e
                            }
                        })?;
                    tx.commit().await.map_err(map)?;
                    Ok(())
                }

                async fn rewrap_data_key(&self, id: &str, master_key_id: &str, wrapped: &str) -> Result<bool> {
                    let r = sqlx::query(
                        "UPDATE data_keys SET master_key_id = $2, wrapped = $3 WHERE id = $1 AND state <> 'destroyed'",
                    )
                    .bind(id)
                    .bind(master_key_id)
                    .bind(wrapped)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(r.rows_affected() == 1)
                }

                async fn destroy_data_keys(&self, ids: &[String], at: i64) -> Result<u64> {
                    let mut tx = self.begin_write().await.map_err(map)?;
                    let mut n = 0;
                    for id in ids {
                        let r = sqlx::query(
                            "UPDATE data_keys SET wrapped = '', state = 'destroyed', destroyed_at = $2 \
                             WHERE id = $1 AND state <> 'destroyed'",
                        )
                        .bind(id)
                        .bind(at)
                        .execute(&mut *tx)
                        .await
                        .map_err(map)?;
                        n += r.rows_affected();
                    }
                    tx.commit().await.map_err(map)?;
                    Ok(n)
                }

                async fn create_destruction(&self, d: &Destruction) -> Result<Destruction> {
                    let sql = format!(
                        "INSERT INTO destructions (code, version, org_id, reason, state, requested_by, requested_at) \
                         VALUES ($1, $2, $3, $4, 'requested', $5, $6) RETURNING {DESTRUCTION_COLS}"
                    );
                    let r = sqlx::query(&sql)
                        .bind(&d.code)
                        .bind(d.version)
                        .bind(d.org_id)
                        .bind(&d.reason)
                        .bind(d.requested_by)
                        .bind(d.requested_at)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(map)?;
                    destruction(&r)
                }

                async fn get_destruction(&self, id: i64) -> Result<Option<Destruction>> {
                    let sql = format!("SELECT {DESTRUCTION_COLS} FROM destructions WHERE id = $1");
                    let r = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(destruction).transpose()
                }

                async fn list_destructions(&self, code: Option<&str>, limit: i64) -> Result<Vec<Destruction>> {
                    let sql = format!(
                        "SELECT {DESTRUCTION_COLS} FROM destructions WHERE ($1 IS NULL OR code = $1) ORDER BY id DESC LIMIT $2"
                    );
                    let rows =
                        sqlx::query(&sql).bind(code).bind(limit.clamp(1, 1000)).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(destruction).collect()
                }

                async fn decide_destruction(
                    &self,
                    id: i64,
                    state: &str,
                    by: i64,
                    at: i64,
                    note: Option<&str>,
                    certificate: Option<&str>,
                ) -> Result<bool> {
                    let r = sqlx::query(
                        "UPDATE destructions SET state = $2, decided_by = $3, decided_at = $4, note = $5, certificate = $6 \
                         WHERE id = $1 AND state = 'requested'",
                    )
                    .bind(id)
                    .bind(state)
                    .bind(by)
                    .bind(at)
                    .bind(note)
                    .bind(certificate)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(r.rows_affected() == 1)
                }

                async fn add_backup(&self, b: &Backup) -> Result<Backup> {
                    let sql = format!(
                        "INSERT INTO backups (label, location, taken_at, recorded_by, recorded_at) \
                         VALUES ($1, $2, $3, $4, $5) RETURNING {BACKUP_COLS}"
                    );
                    let r = sqlx::query(&sql)
                        .bind(&b.label)
                        .bind(&b.location)
                        .bind(b.taken_at)
                        .bind(b.recorded_by)
                        .bind(b.recorded_at)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(map)?;
                    backup(&r)
                }

                async fn list_backups(&self) -> Result<Vec<Backup>> {
                    let sql = format!("SELECT {BACKUP_COLS} FROM backups ORDER BY taken_at DESC, id DESC");
                    let rows = sqlx::query(&sql).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(backup).collect()
                }

                async fn reseal_secrets(&self, all: bool) -> Result<u64> {
                    if !self.sealing.active() {
                        return Ok(0);
                    }
                    let mut n = 0;
                    for (table, key_col, col) in SEALED_COLUMNS {
                        let column = format!("{table}.{col}");
                        let sql = format!(
                            "SELECT CAST({key_col} AS TEXT) AS k, {col} AS v FROM {table} WHERE {col} IS NOT NULL"
                        );
                        let rows = sqlx::query(&sql).fetch_all(&self.pool).await.map_err(map)?;
                        for r in rows {
                            let k: String = r.try_get("k").map_err(map)?;
                            let stored: String = r.try_get("v").map_err(map)?;
                            if zs_types::seal::is_sealed(&stored) && !all {
                                continue;
                            }
                            let plain = self.sealing.open(&column, stored.clone())?;
                            let sealed = self.sealing.seal(&column, &plain)?;
                            // Only if unchanged since read: a concurrent write wins.
                            let update = format!(
                                "UPDATE {table} SET {col} = $1 WHERE CAST({key_col} AS TEXT) = $2 AND {col} = $3"
                            );
                            let done = sqlx::query(&update)
                                .bind(&sealed)
                                .bind(&k)
                                .bind(&stored)
                                .execute(&self.pool)
                                .await
                                .map_err(map)?;
                            n += done.rows_affected();
                        }
                    }
                    Ok(n)
                }
            }
        }
    };
}

pub(crate) use impl_key_store;

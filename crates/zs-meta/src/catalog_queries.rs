//! The catalogue SQL shared by both backends (see `queries.rs` for the conventions).

pub(crate) const ENTRY_COLS: &str =
    "e.id, e.code, e.org_id, e.status, e.name, e.published_version, e.pending_version, \
     e.pending_withdrawal, e.latest_version, e.publish_date, e.revision, e.created_at, e.updated_at";
pub(crate) const VERSION_COLS: &str =
    "entry_id, version, body, state, withdrawal, author_id, created_at, submitted_by, \
     submitted_at, reviewed_by, reviewed_at, review_note";
pub(crate) const OBLIGATION_COLS: &str =
    "b.id, b.entry_id, b.org_id, b.reason, b.note, b.raised_by, b.raised_at, b.due_date, b.fulfilled_at, b.fulfilled_version";

/// Implements [`crate::CatalogStore`] for a store struct with a `pool` field.
macro_rules! impl_catalog_store {
    ($store:ty, $row:ty) => {
        mod catalog_impl {
            use super::*;
            use $crate::catalog::*;
            use $crate::catalog_queries::*;
            use $crate::error::map;
            use zs_types::{Error, ErrorCode, Result};

            fn entry_row(r: &$row) -> Result<EntryRow> {
                Ok(EntryRow {
                    id: r.try_get("id").map_err(map)?,
                    code: r.try_get("code").map_err(map)?,
                    org_id: r.try_get("org_id").map_err(map)?,
                    status: r.try_get("status").map_err(map)?,
                    name: r.try_get("name").map_err(map)?,
                    published_version: r.try_get("published_version").map_err(map)?,
                    pending_version: r.try_get("pending_version").map_err(map)?,
                    pending_withdrawal: r.try_get("pending_withdrawal").map_err(map)?,
                    latest_version: r.try_get("latest_version").map_err(map)?,
                    publish_date: r.try_get("publish_date").map_err(map)?,
                    revision: r.try_get("revision").map_err(map)?,
                    created_at: r.try_get("created_at").map_err(map)?,
                    updated_at: r.try_get("updated_at").map_err(map)?,
                })
            }

            fn version_row(r: &$row) -> Result<VersionRow> {
                version_row_with(r, "created_at")
            }

            /// A version row whose creation time is in column `created_at_col` (joins alias it,
            /// since the entry has a `created_at` of its own).
            fn version_row_with(r: &$row, created_at_col: &str) -> Result<VersionRow> {
                Ok(VersionRow {
                    entry_id: r.try_get("entry_id").map_err(map)?,
                    version: r.try_get("version").map_err(map)?,
                    body: r.try_get("body").map_err(map)?,
                    state: r.try_get("state").map_err(map)?,
                    withdrawal: r.try_get("withdrawal").map_err(map)?,
                    author_id: r.try_get("author_id").map_err(map)?,
                    created_at: r.try_get(created_at_col).map_err(map)?,
                    submitted_by: r.try_get("submitted_by").map_err(map)?,
                    submitted_at: r.try_get("submitted_at").map_err(map)?,
                    reviewed_by: r.try_get("reviewed_by").map_err(map)?,
                    reviewed_at: r.try_get("reviewed_at").map_err(map)?,
                    review_note: r.try_get("review_note").map_err(map)?,
                })
            }

            fn event_row(r: &$row) -> Result<EventRow> {
                Ok(EventRow {
                    entry_id: r.try_get("entry_id").map_err(map)?,
                    version: r.try_get("version").map_err(map)?,
                    action: r.try_get("action").map_err(map)?,
                    actor_id: r.try_get("actor_id").map_err(map)?,
                    at: r.try_get("at").map_err(map)?,
                    reason: r.try_get("reason").map_err(map)?,
                })
            }

            fn obligation_row(r: &$row) -> Result<ObligationRow> {
                Ok(ObligationRow {
                    id: r.try_get("id").map_err(map)?,
                    entry_id: r.try_get("entry_id").map_err(map)?,
                    org_id: r.try_get("org_id").map_err(map)?,
                    reason: r.try_get("reason").map_err(map)?,
                    note: r.try_get("note").map_err(map)?,
                    raised_by: r.try_get("raised_by").map_err(map)?,
                    raised_at: r.try_get("raised_at").map_err(map)?,
                    due_date: r.try_get("due_date").map_err(map)?,
                    fulfilled_at: r.try_get("fulfilled_at").map_err(map)?,
                    fulfilled_version: r.try_get("fulfilled_version").map_err(map)?,
                })
            }

            async fn insert_event<'c, E>(ex: E, e: &EventRow) -> Result<()>
            where
                E: sqlx::Executor<'c, Database = <$row as sqlx::Row>::Database>,
            {
                sqlx::query("INSERT INTO catalog_events (entry_id, version, action, actor_id, at, reason) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(e.entry_id)
                    .bind(e.version)
                    .bind(&e.action)
                    .bind(e.actor_id)
                    .bind(e.at)
                    .bind(&e.reason)
                    .execute(ex)
                    .await
                    .map_err(map)?;
                Ok(())
            }

            async fn write_version<'c, E>(ex: E, v: &VersionRow, insert: bool) -> Result<u64>
            where
                E: sqlx::Executor<'c, Database = <$row as sqlx::Row>::Database>,
            {
                let sql = if insert {
                    "INSERT INTO catalog_versions (body, state, withdrawal, author_id, created_at, submitted_by, submitted_at, \
                     reviewed_by, reviewed_at, review_note, entry_id, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                } else {
                    "UPDATE catalog_versions SET body = $1, state = $2, withdrawal = $3, author_id = $4, created_at = $5, \
                     submitted_by = $6, submitted_at = $7, reviewed_by = $8, reviewed_at = $9, review_note = $10 \
                     WHERE entry_id = $11 AND version = $12"
                };
                let r = sqlx::query(sql)
                    .bind(&v.body)
                    .bind(&v.state)
                    .bind(v.withdrawal)
                    .bind(v.author_id)
                    .bind(v.created_at)
                    .bind(v.submitted_by)
                    .bind(v.submitted_at)
                    .bind(v.reviewed_by)
                    .bind(v.reviewed_at)
                    .bind(&v.review_note)
                    .bind(v.entry_id)
                    .bind(v.version)
                    .execute(ex)
                    .await
                    .map_err(map)?;
                Ok(r.rows_affected())
            }

            #[async_trait::async_trait]
            impl $crate::CatalogStore for $store {
                async fn create_entries(&self, entries: Vec<NewEntry>) -> Result<Vec<EntryRow>> {
                    let mut tx = self.begin_write().await.map_err(map)?;
                    let mut ids = Vec::with_capacity(entries.len());
                    for e in &entries {
                        // Upsert-and-return keeps the per-prefix sequence gap-free and atomic.
                        let seq: i64 = sqlx::query_scalar(
                            "INSERT INTO catalog_sequences (prefix, last) VALUES ($1, 1) \
                             ON CONFLICT (prefix) DO UPDATE SET last = catalog_sequences.last + 1 RETURNING last",
                        )
                        .bind(&e.prefix)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(map)?;
                        let code = format!("{}/{seq:06}", e.prefix);
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO catalog_entries (code, org_id, status, name, published_version, pending_version, \
                             pending_withdrawal, latest_version, publish_date, revision, created_at, updated_at) \
                             VALUES ($1, $2, 'draft', $3, NULL, 1, FALSE, 1, NULL, 0, $4, $4) RETURNING id",
                        )
                        .bind(&code)
                        .bind(e.org_id)
                        .bind(&e.name)
                        .bind(e.at)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(|err| {
                            let m = map(err);
                            if m.code == ErrorCode::AlreadyExists {
                                Error::new(ErrorCode::AlreadyExists, format!("the provider already has an entry named '{}'", e.name))
                                    .with_field("name")
                            } else {
                                m
                            }
                        })?;
                        let v = VersionRow {
                            entry_id: id,
                            version: 1,
                            body: e.body.clone(),
                            state: "draft".into(),
                            withdrawal: false,
                            author_id: e.actor_id,
                            created_at: e.at,
                            submitted_by: None,
                            submitted_at: None,
                            reviewed_by: None,
                            reviewed_at: None,
                            review_note: None,
                        };
                        write_version(&mut *tx, &v, true).await?;
                        let ev = EventRow { entry_id: id, version: 1, action: "create".into(), actor_id: Some(e.actor_id), at: e.at, reason: e.reason.clone() };
                        insert_event(&mut *tx, &ev).await?;
                        ids.push(id);
                    }
                    let mut rows = Vec::with_capacity(ids.len());
                    for id in ids {
                        let sql = format!("SELECT {ENTRY_COLS} FROM catalog_entries e WHERE e.id = $1");
                        let r = sqlx::query(&sql).bind(id).fetch_one(&mut *tx).await.map_err(map)?;
                        rows.push(entry_row(&r)?);
                    }
                    tx.commit().await.map_err(map)?;
                    Ok(rows)
                }

                async fn get_entry(&self, id: i64) -> Result<Option<EntryRow>> {
                    let sql = format!("SELECT {ENTRY_COLS} FROM catalog_entries e WHERE e.id = $1");
                    let r = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(entry_row).transpose()
                }

                async fn entry_by_code(&self, code: &str) -> Result<Option<EntryRow>> {
                    let sql = format!("SELECT {ENTRY_COLS} FROM catalog_entries e WHERE e.code = $1");
                    let r = sqlx::query(&sql).bind(code).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(entry_row).transpose()
                }

                async fn list_entries(&self, path_prefix: &str, after_id: i64, limit: i64) -> Result<Vec<EntryRow>> {
                    let sql = format!(
                        "SELECT {ENTRY_COLS} FROM catalog_entries e JOIN orgs o ON o.id = e.org_id \
                         WHERE o.path LIKE $1 AND e.id > $2 ORDER BY e.id LIMIT $3"
                    );
                    let rows = sqlx::query(&sql)
                        .bind($crate::queries::like_prefix(path_prefix))
                        .bind(after_id)
                        .bind(limit.clamp(1, 100_000))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map)?;
                    rows.iter().map(entry_row).collect()
                }

                async fn list_entries_shown(&self, after_id: i64, limit: i64) -> Result<Vec<(EntryRow, VersionRow)>> {
                    let sql = format!(
                        "SELECT {ENTRY_COLS}, v.entry_id, v.version, v.body, v.state, v.withdrawal, v.author_id, \
                         v.created_at AS v_created_at, v.submitted_by, v.submitted_at, v.reviewed_by, v.reviewed_at, v.review_note \
                         FROM catalog_entries e JOIN catalog_versions v ON v.entry_id = e.id \
                         AND v.version = COALESCE(e.published_version, e.latest_version) \
                         WHERE e.id > $1 ORDER BY e.id LIMIT $2"
                    );
                    let rows = sqlx::query(&sql).bind(after_id).bind(limit.clamp(1, 100_000)).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter()
                        .map(|r| {
                            let e = entry_row(r)?;
                            let v = version_row_with(r, "v_created_at")?;
                            Ok((e, v))
                        })
                        .collect()
                }

                async fn list_pending_review(&self, path_prefix: &str) -> Result<Vec<EntryRow>> {
                    let sql = format!(
                        "SELECT {ENTRY_COLS} FROM catalog_entries e JOIN orgs o ON o.id = e.org_id \
                         JOIN catalog_versions v ON v.entry_id = e.id AND v.version = e.pending_version \
                         WHERE o.path LIKE $1 AND v.state = 'submitted' ORDER BY v.submitted_at, e.id"
                    );
                    let rows =
                        sqlx::query(&sql).bind($crate::queries::like_prefix(path_prefix)).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(entry_row).collect()
                }

                async fn get_version(&self, entry_id: i64, version: i64) -> Result<Option<VersionRow>> {
                    let sql = format!("SELECT {VERSION_COLS} FROM catalog_versions WHERE entry_id = $1 AND version = $2");
                    let r = sqlx::query(&sql).bind(entry_id).bind(version).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(version_row).transpose()
                }

                async fn list_versions(&self, entry_id: i64) -> Result<Vec<VersionRow>> {
                    let sql = format!("SELECT {VERSION_COLS} FROM catalog_versions WHERE entry_id = $1 ORDER BY version");
                    let rows = sqlx::query(&sql).bind(entry_id).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(version_row).collect()
                }

                async fn list_events(&self, entry_id: i64) -> Result<Vec<EventRow>> {
                    let rows = sqlx::query(
                        "SELECT entry_id, version, action, actor_id, at, reason FROM catalog_events WHERE entry_id = $1 ORDER BY id",
                    )
                    .bind(entry_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map)?;
                    rows.iter().map(event_row).collect()
                }

                async fn apply_change(&self, c: EntryChange) -> Result<EntryRow> {
                    let mut tx = self.begin_write().await.map_err(map)?;
                    let e = &c.entry;
                    let r = sqlx::query(
                        "UPDATE catalog_entries SET status = $1, name = $2, published_version = $3, pending_version = $4, \
                         pending_withdrawal = $5, latest_version = $6, publish_date = $7, updated_at = $8, revision = revision + 1 \
                         WHERE id = $9 AND revision = $10",
                    )
                    .bind(&e.status)
                    .bind(&e.name)
                    .bind(e.published_version)
                    .bind(e.pending_version)
                    .bind(e.pending_withdrawal)
                    .bind(e.latest_version)
                    .bind(&e.publish_date)
                    .bind(e.updated_at)
                    .bind(e.id)
                    .bind(e.revision)
                    .execute(&mut *tx)
                    .await
                    .map_err(|err| {
                        let m = map(err);
                        if m.code == ErrorCode::AlreadyExists {
                            Error::new(ErrorCode::AlreadyExists, format!("the provider already has an entry named '{}'", e.name)).with_field("name")
                        } else {
                            m
                        }
                    })?;
                    if r.rows_affected() == 0 {
                        return Err(Error::new(ErrorCode::Conflict, "the entry was changed by someone else meanwhile; reload and try again"));
                    }
                    for v in &c.insert_versions {
                        write_version(&mut *tx, v, true).await?;
                    }
                    for v in &c.update_versions {
                        if write_version(&mut *tx, v, false).await? == 0 {
                            return Err(Error::internal(format!("version {} of entry {} does not exist", v.version, v.entry_id)));
                        }
                    }
                    insert_event(&mut *tx, &c.event).await?;
                    if let Some(version) = c.fulfil_obligations {
                        sqlx::query(
                            "UPDATE change_obligations SET fulfilled_at = $1, fulfilled_version = $2 WHERE entry_id = $3 AND fulfilled_at IS NULL",
                        )
                        .bind(c.event.at)
                        .bind(version)
                        .bind(e.id)
                        .execute(&mut *tx)
                        .await
                        .map_err(map)?;
                    }
                    let sql = format!("SELECT {ENTRY_COLS} FROM catalog_entries e WHERE e.id = $1");
                    let row = sqlx::query(&sql).bind(e.id).fetch_one(&mut *tx).await.map_err(map)?;
                    let out = entry_row(&row)?;
                    tx.commit().await.map_err(map)?;
                    Ok(out)
                }

                async fn create_obligation(&self, o: ObligationRow, event: EventRow) -> Result<ObligationRow> {
                    let mut tx = self.begin_write().await.map_err(map)?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO change_obligations (entry_id, org_id, reason, note, raised_by, raised_at, due_date) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    )
                    .bind(o.entry_id)
                    .bind(o.org_id)
                    .bind(&o.reason)
                    .bind(&o.note)
                    .bind(o.raised_by)
                    .bind(o.raised_at)
                    .bind(&o.due_date)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map)?;
                    insert_event(&mut *tx, &event).await?;
                    tx.commit().await.map_err(map)?;
                    Ok(ObligationRow { id, ..o })
                }

                async fn list_obligations(&self, path_prefix: &str, all: bool) -> Result<Vec<ObligationRow>> {
                    let sql = format!(
                        "SELECT {OBLIGATION_COLS} FROM change_obligations b JOIN orgs o ON o.id = b.org_id \
                         WHERE o.path LIKE $1 AND ($2 OR b.fulfilled_at IS NULL) ORDER BY b.due_date, b.id"
                    );
                    let rows = sqlx::query(&sql)
                        .bind($crate::queries::like_prefix(path_prefix))
                        .bind(all)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map)?;
                    rows.iter().map(obligation_row).collect()
                }

                async fn backdate_obligation(&self, id: i64, raised_at: i64, due_date: &str) -> Result<()> {
                    sqlx::query("UPDATE change_obligations SET raised_at = $1, due_date = $2 WHERE id = $3")
                        .bind(raised_at)
                        .bind(due_date)
                        .bind(id)
                        .execute(&self.pool)
                        .await
                        .map_err(map)?;
                    Ok(())
                }

                async fn calendar_days(&self) -> Result<Vec<(String, String, String)>> {
                    let rows = sqlx::query("SELECT day, kind, name FROM calendar_days ORDER BY day").fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter()
                        .map(|r| Ok((r.try_get("day").map_err(map)?, r.try_get("kind").map_err(map)?, r.try_get("name").map_err(map)?)))
                        .collect()
                }

                async fn set_calendar_day(&self, day: &str, kind: &str, name: &str) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO calendar_days (day, kind, name) VALUES ($1, $2, $3) \
                         ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name",
                    )
                    .bind(day)
                    .bind(kind)
                    .bind(name)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(())
                }
            }
        }
    };
}
pub(crate) use impl_catalog_store;

//! The standards SQL shared by both backends.

pub(crate) const ELEMENT_COLS: &str = "id, name_zh, name_en, definition, data_type, format, length, value_domain, \
     code_list, aliases, standard_ref, status, version, updated_by, created_at, updated_at";
pub(crate) const SUGGESTION_COLS: &str = "id, entry_id, code, item_name, detector, sampled, matched, ratio, \
     current_level, proposed_level, table_version, state, created_at, decided_by, decided_at";

/// Implements [`crate::StandardsStore`] for a store with a `pool`.
macro_rules! impl_standards_store {
    ($store:ty, $row:ty) => {
        mod standards_impl {
            use super::*;
            use $crate::error::map;
            use $crate::standards::*;
            use $crate::standards_queries::{ELEMENT_COLS, SUGGESTION_COLS};
            use zs_types::{Error, ErrorCode, Result};

            fn element(r: &$row) -> Result<ElementRow> {
                Ok(ElementRow {
                    id: r.try_get("id").map_err(map)?,
                    name_zh: r.try_get("name_zh").map_err(map)?,
                    name_en: r.try_get("name_en").map_err(map)?,
                    definition: r.try_get("definition").map_err(map)?,
                    data_type: r.try_get("data_type").map_err(map)?,
                    format: r.try_get("format").map_err(map)?,
                    length: r.try_get("length").map_err(map)?,
                    value_domain: r.try_get("value_domain").map_err(map)?,
                    code_list: r.try_get("code_list").map_err(map)?,
                    aliases: r.try_get("aliases").map_err(map)?,
                    standard_ref: r.try_get("standard_ref").map_err(map)?,
                    status: r.try_get("status").map_err(map)?,
                    version: r.try_get("version").map_err(map)?,
                    updated_by: r.try_get("updated_by").map_err(map)?,
                    created_at: r.try_get("created_at").map_err(map)?,
                    updated_at: r.try_get("updated_at").map_err(map)?,
                })
            }

            fn suggestion(r: &$row) -> Result<SuggestionRow> {
                Ok(SuggestionRow {
                    id: r.try_get("id").map_err(map)?,
                    entry_id: r.try_get("entry_id").map_err(map)?,
                    code: r.try_get("code").map_err(map)?,
                    item_name: r.try_get("item_name").map_err(map)?,
                    detector: r.try_get("detector").map_err(map)?,
                    sampled: r.try_get("sampled").map_err(map)?,
                    matched: r.try_get("matched").map_err(map)?,
                    ratio: r.try_get("ratio").map_err(map)?,
                    current_level: r.try_get("current_level").map_err(map)?,
                    proposed_level: r.try_get("proposed_level").map_err(map)?,
                    table_version: r.try_get("table_version").map_err(map)?,
                    state: r.try_get("state").map_err(map)?,
                    created_at: r.try_get("created_at").map_err(map)?,
                    decided_by: r.try_get("decided_by").map_err(map)?,
                    decided_at: r.try_get("decided_at").map_err(map)?,
                })
            }

            #[async_trait::async_trait]
            impl $crate::StandardsStore for $store {
                async fn create_element(&self, e: &ElementRow) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO data_elements (id, name_zh, name_en, definition, data_type, format, length, value_domain, \
                         code_list, aliases, standard_ref, status, version, updated_by, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                    )
                    .bind(&e.id)
                    .bind(&e.name_zh)
                    .bind(&e.name_en)
                    .bind(&e.definition)
                    .bind(&e.data_type)
                    .bind(&e.format)
                    .bind(e.length)
                    .bind(&e.value_domain)
                    .bind(&e.code_list)
                    .bind(&e.aliases)
                    .bind(&e.standard_ref)
                    .bind(&e.status)
                    .bind(e.version)
                    .bind(e.updated_by)
                    .bind(e.created_at)
                    .bind(e.updated_at)
                    .execute(&self.pool)
                    .await
                    .map_err(|err| {
                        let m = map(err);
                        if m.code == ErrorCode::AlreadyExists {
                            Error::new(
                                ErrorCode::AlreadyExists,
                                format!("a data element with id '{}' or name '{}' already exists", e.id, e.name_zh),
                            )
                            .with_field("id")
                        } else {
                            m
                        }
                    })?;
                    Ok(())
                }

                async fn update_element(&self, e: &ElementRow, expected_version: i64) -> Result<()> {
                    let r = sqlx::query(
                        "UPDATE data_elements SET name_zh = $1, name_en = $2, definition = $3, data_type = $4, format = $5, \
                         length = $6, value_domain = $7, code_list = $8, aliases = $9, standard_ref = $10, status = $11, \
                         version = $12, updated_by = $13, updated_at = $14 WHERE id = $15 AND version = $16",
                    )
                    .bind(&e.name_zh)
                    .bind(&e.name_en)
                    .bind(&e.definition)
                    .bind(&e.data_type)
                    .bind(&e.format)
                    .bind(e.length)
                    .bind(&e.value_domain)
                    .bind(&e.code_list)
                    .bind(&e.aliases)
                    .bind(&e.standard_ref)
                    .bind(&e.status)
                    .bind(e.version)
                    .bind(e.updated_by)
                    .bind(e.updated_at)
                    .bind(&e.id)
                    .bind(expected_version)
                    .execute(&self.pool)
                    .await
                    .map_err(|err| {
                        let m = map(err);
                        if m.code == ErrorCode::AlreadyExists {
                            Error::new(ErrorCode::AlreadyExists, format!("a data element named '{}' already exists", e.name_zh))
                                .with_field("name_zh")
                        } else {
                            m
                        }
                    })?;
                    if r.rows_affected() == 1 {
                        return Ok(());
                    }
                    let exists: Option<i64> = sqlx::query_scalar("SELECT version FROM data_elements WHERE id = $1")
                        .bind(&e.id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map)?;
                    match exists {
                        None => Err(Error::not_found("data element")),
                        Some(_) => Err(Error::new(
                            ErrorCode::Conflict,
                            "the data element was changed by someone else meanwhile; reload and try again",
                        )),
                    }
                }

                async fn get_element(&self, id: &str) -> Result<Option<ElementRow>> {
                    let sql = format!("SELECT {ELEMENT_COLS} FROM data_elements WHERE id = $1");
                    let r = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(element).transpose()
                }

                async fn list_elements(&self) -> Result<Vec<ElementRow>> {
                    let sql = format!("SELECT {ELEMENT_COLS} FROM data_elements ORDER BY id");
                    let rows = sqlx::query(&sql).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(element).collect()
                }

                async fn replace_suggestions(&self, entry_id: i64, new: &[SuggestionRow]) -> Result<Vec<SuggestionRow>> {
                    let mut tx = self.begin_write().await.map_err(map)?;
                    sqlx::query("DELETE FROM grading_suggestions WHERE entry_id = $1 AND state = 'open'")
                        .bind(entry_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(map)?;
                    let sql = format!(
                        "INSERT INTO grading_suggestions (entry_id, code, item_name, detector, sampled, matched, ratio, \
                         current_level, proposed_level, table_version, state, created_at, decided_by, decided_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11, NULL, NULL) RETURNING {SUGGESTION_COLS}"
                    );
                    let mut out = Vec::with_capacity(new.len());
                    for s in new {
                        let r = sqlx::query(&sql)
                            .bind(entry_id)
                            .bind(&s.code)
                            .bind(&s.item_name)
                            .bind(&s.detector)
                            .bind(s.sampled)
                            .bind(s.matched)
                            .bind(s.ratio)
                            .bind(&s.current_level)
                            .bind(&s.proposed_level)
                            .bind(s.table_version)
                            .bind(s.created_at)
                            .fetch_one(&mut *tx)
                            .await
                            .map_err(map)?;
                        out.push(suggestion(&r)?);
                    }
                    tx.commit().await.map_err(map)?;
                    Ok(out)
                }

                async fn list_suggestions(&self, entry_id: i64) -> Result<Vec<SuggestionRow>> {
                    let sql = format!("SELECT {SUGGESTION_COLS} FROM grading_suggestions WHERE entry_id = $1 ORDER BY id DESC");
                    let rows = sqlx::query(&sql).bind(entry_id).fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(suggestion).collect()
                }

                async fn get_suggestion(&self, id: i64) -> Result<Option<SuggestionRow>> {
                    let sql = format!("SELECT {SUGGESTION_COLS} FROM grading_suggestions WHERE id = $1");
                    let r = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await.map_err(map)?;
                    r.as_ref().map(suggestion).transpose()
                }

                async fn decide_suggestion(&self, id: i64, state: &str, by: i64, at: i64) -> Result<bool> {
                    let r = sqlx::query(
                        "UPDATE grading_suggestions SET state = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND state = 'open'",
                    )
                    .bind(state)
                    .bind(by)
                    .bind(at)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(r.rows_affected() == 1)
                }
            }
        }
    };
}
pub(crate) use impl_standards_store;

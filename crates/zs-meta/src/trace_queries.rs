//! The tracing SQL shared by both backends.

/// Rows one INSERT of the audit trail carries (9 parameters each: well under either backend's
/// limit on parameters).
pub(crate) const AUDIT_ROWS_PER_INSERT: usize = 100;

pub(crate) const AUDIT_COLS: &str =
    "a.seq, a.ledger_index, a.at, a.request_id, a.actor_user, a.actor_org, a.action, a.target, a.outcome, a.detail";

/// Implements [`crate::TraceStore`] for a store with a `pool`.
macro_rules! impl_trace_store {
    ($store:ty, $row:ty) => {
        mod trace_impl {
            use super::*;
            use $crate::error::map;
            use $crate::trace::*;
            use $crate::trace_queries::{AUDIT_COLS, AUDIT_ROWS_PER_INSERT};
            use zs_types::model::AuditRecord;
            use zs_types::{Error, Result};

            #[async_trait::async_trait]
            impl $crate::TraceStore for $store {
                async fn append_audit_ledgered(&self, events: &[LedgeredEvent]) -> Result<()> {
                    if events.is_empty() {
                        return Ok(());
                    }
                    let mut tx = self.begin_write().await.map_err(map)?;
                    // A few multi-row statements per batch rather than one or two per event: each
                    // statement is a round trip to the database (a thread hop for SQLite).
                    for chunk in events.chunks(AUDIT_ROWS_PER_INSERT) {
                        let mut sql = String::from(
                            "INSERT INTO audit_log (at, request_id, actor_user, actor_org, action, target, outcome, detail, ledger_index) VALUES ",
                        );
                        for i in 0..chunk.len() {
                            let b = 9 * i;
                            if i > 0 {
                                sql.push(',');
                            }
                            sql.push_str(&format!(
                                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                                b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9
                            ));
                        }
                        sql.push_str(" RETURNING seq");
                        let mut q = sqlx::query_scalar::<_, i64>(&sql);
                        for l in chunk {
                            let e = &l.event;
                            q = q
                                .bind(zs_types::clock::to_ms(e.at))
                                .bind(&e.request_id)
                                .bind(e.actor_user.map(|u| u.0))
                                .bind(e.actor_org.map(|o| o.0))
                                .bind(&e.action)
                                .bind(&e.target)
                                .bind(e.outcome.as_str())
                                .bind(e.detail.to_string())
                                .bind(l.ledger_index);
                        }
                        // Rows take increasing numbers in the order they are listed; RETURNING
                        // may list them in any order.
                        let mut seqs = q.fetch_all(&mut *tx).await.map_err(map)?;
                        seqs.sort_unstable();
                        if seqs.len() != chunk.len() {
                            return Err(Error::internal("the audit trail took fewer records than given"));
                        }
                        let mut subjects: Vec<(&String, i64)> = Vec::new();
                        for (l, &seq) in chunk.iter().zip(&seqs) {
                            let mut mine: Vec<&String> = l.subjects.iter().collect();
                            mine.sort();
                            mine.dedup();
                            subjects.extend(mine.into_iter().map(|s| (s, seq)));
                        }
                        for part in subjects.chunks(AUDIT_ROWS_PER_INSERT) {
                            let mut sql = String::from("INSERT INTO audit_subjects (digest, seq) VALUES ");
                            for i in 0..part.len() {
                                if i > 0 {
                                    sql.push(',');
                                }
                                sql.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
                            }
                            let mut q = sqlx::query(&sql);
                            for (digest, seq) in part {
                                q = q.bind(*digest).bind(*seq);
                            }
                            q.execute(&mut *tx).await.map_err(map)?;
                        }
                    }
                    tx.commit().await.map_err(map)?;
                    Ok(())
                }

                async fn audit_for_targets(
                    &self,
                    targets: &[String],
                    after_seq: i64,
                    limit: i64,
                ) -> Result<Vec<AuditRecord>> {
                    if targets.is_empty() {
                        return Ok(vec![]);
                    }
                    if targets.len() > MAX_TARGETS {
                        return Err(Error::invalid("targets", format!("at most {MAX_TARGETS} targets in one trace")));
                    }
                    let marks: Vec<String> = (0..targets.len()).map(|i| format!("${}", i + 3)).collect();
                    let sql = format!(
                        "SELECT {AUDIT_COLS} FROM audit_log a WHERE a.seq > $1 AND a.target IN ({}) \
                         ORDER BY a.seq LIMIT $2",
                        marks.join(", ")
                    );
                    let mut q = sqlx::query(&sql).bind(after_seq).bind(limit.clamp(1, 5000));
                    for t in targets {
                        q = q.bind(t);
                    }
                    let rows = q.fetch_all(&self.pool).await.map_err(map)?;
                    rows.iter().map(audit_row).collect()
                }

                async fn audit_for_subject(&self, digest: &str, limit: i64) -> Result<Vec<AuditRecord>> {
                    let sql = format!(
                        "SELECT {AUDIT_COLS} FROM audit_subjects s JOIN audit_log a ON a.seq = s.seq \
                         WHERE s.digest = $1 ORDER BY a.seq LIMIT $2"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(digest)
                        .bind(limit.clamp(1, 5000))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map)?;
                    rows.iter().map(audit_row).collect()
                }

                async fn audit_by_ledger_index(&self, index: i64) -> Result<Option<AuditRecord>> {
                    let sql = format!("SELECT {AUDIT_COLS} FROM audit_log a WHERE a.ledger_index = $1");
                    let row = sqlx::query(&sql).bind(index).fetch_optional(&self.pool).await.map_err(map)?;
                    row.as_ref().map(audit_row).transpose()
                }
            }
        }
    };
}
pub(crate) use impl_trace_store;

//! Materialisation: a SQL definition over pinned sources, committed as a new version of a target.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, SchemaRef};
use datafusion::arrow::compute::{cast_with_options, CastOptions};
use futures::StreamExt;
use zs_tables::{CommitMode, Table, VersionInfo, WriteTxn};

use crate::engine::{QueryEngine, QueryOptions};
use crate::error::{QueryError, Result};

/// The outcome of [`materialise`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Materialised {
    /// The target's new version.
    pub version: VersionInfo,
    /// Each source's SQL name and the version that was read.
    pub lineage: Vec<(String, u64)>,
    /// Rows written.
    pub rows: u64,
}

/// Channel recorded in the target's manifest: `sql:` and the lineage, e.g.
/// `sql:enterprise@3,licence@5,credit@2`, so the version itself says what it was built from.
pub fn lineage_channel(lineage: &[(String, u64)]) -> String {
    let parts: Vec<String> = lineage.iter().map(|(n, v)| format!("{n}@{v}")).collect();
    format!("sql:{}", parts.join(","))
}

/// Run `definition` (one SQL query) over `sources` (SQL name, table), each pinned to its current
/// version when the call starts, align the result to `target`'s schema and commit it as a new
/// [`CommitMode::Replace`] version of `target`, batch by batch (nothing is collected in memory).
///
/// Alignment is by column name: every target column must be in the result and every result
/// column in the target ([`QueryError::MissingColumn`], [`QueryError::ExtraColumn`]); each result
/// column is converted to its target type when that is lossless in kind — integers to integers or
/// decimals, decimals and floats to decimals (rescaled; an overflow is an error, not a null),
/// strings to strings, dates to dates, timestamps to timestamps, `NULL` to anything — and
/// otherwise refused ([`QueryError::IncompatibleType`]: the definition must `CAST` explicitly).
/// A null in a key column is an error. On any error nothing is committed.
///
/// The writer lock of `target` is held from the first result batch to the commit; Parquet
/// encoding runs on the calling task (inside `block_in_place` on a multi-threaded runtime).
pub async fn materialise(
    definition: &str,
    sources: &[(&str, &Table)],
    target: &Table,
    actor: &str,
) -> Result<Materialised> {
    let engine = QueryEngine::new();
    let mut lineage = Vec::with_capacity(sources.len());
    for (name, table) in sources {
        let pinned = engine.register(name, table, None)?;
        let version = pinned.version.ok_or_else(|| QueryError::EmptySource((*name).to_owned()))?;
        lineage.push(((*name).to_owned(), version));
    }
    let mut stream = engine.query_stream(definition, &QueryOptions::default()).await?;
    let target_schema = target.schema().arrow().clone();
    let plan = AlignPlan::new(&stream.schema(), &target_schema)?;
    let mut txn = target.begin(CommitMode::Replace, actor, &lineage_channel(&lineage))?;
    let mut rows = 0u64;
    while let Some(batch) = stream.next().await {
        let aligned = plan.align(&batch?)?;
        rows += aligned.num_rows() as u64;
        write_blocking(&mut txn, &aligned)?;
    }
    let version = commit_blocking(txn)?;
    tracing::info!(target = %target.location(), version = version.version, rows, lineage = %lineage_channel(&lineage), "materialised");
    Ok(Materialised { version, lineage, rows })
}

fn on_multi_thread_runtime() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
}

fn write_blocking(txn: &mut WriteTxn<'_>, batch: &RecordBatch) -> Result<()> {
    if on_multi_thread_runtime() {
        tokio::task::block_in_place(|| txn.write(batch))?;
    } else {
        txn.write(batch)?;
    }
    Ok(())
}

fn commit_blocking(txn: WriteTxn<'_>) -> Result<VersionInfo> {
    Ok(if on_multi_thread_runtime() { tokio::task::block_in_place(|| txn.commit())? } else { txn.commit()? })
}

/// For each target column: the result column it comes from and whether it needs a cast.
struct AlignPlan {
    target: SchemaRef,
    sources: Vec<(usize, bool)>,
}

impl AlignPlan {
    fn new(result: &SchemaRef, target: &SchemaRef) -> Result<Self> {
        for f in result.fields() {
            if target.field_with_name(f.name()).is_err() {
                return Err(QueryError::ExtraColumn(f.name().clone()));
            }
        }
        let mut sources = Vec::with_capacity(target.fields().len());
        for t in target.fields() {
            let Some((i, r)) = result.fields().iter().enumerate().find(|(_, r)| r.name() == t.name()) else {
                let available: Vec<&str> = result.fields().iter().map(|f| f.name().as_str()).collect();
                return Err(QueryError::MissingColumn { column: t.name().clone(), available: available.join(", ") });
            };
            if !compatible(r.data_type(), t.data_type()) {
                return Err(QueryError::IncompatibleType {
                    column: t.name().clone(),
                    found: r.data_type().to_string(),
                    expected: t.data_type().to_string(),
                });
            }
            sources.push((i, r.data_type() != t.data_type()));
        }
        Ok(Self { target: target.clone(), sources })
    }

    fn align(&self, batch: &RecordBatch) -> Result<RecordBatch> {
        let strict = CastOptions { safe: false, ..Default::default() };
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.sources.len());
        for (field, &(i, needs_cast)) in self.target.fields().iter().zip(&self.sources) {
            let col = batch.column(i);
            let col = if needs_cast {
                cast_with_options(col, field.data_type(), &strict)
                    .map_err(|e| QueryError::BadValue { column: field.name().clone(), message: e.to_string() })?
            } else {
                Arc::clone(col)
            };
            if !field.is_nullable() && col.null_count() > 0 {
                return Err(QueryError::BadValue {
                    column: field.name().clone(),
                    message: format!("{} null value(s) in a key column", col.null_count()),
                });
            }
            columns.push(col);
        }
        RecordBatch::try_new(self.target.clone(), columns)
            .map_err(|e| QueryError::BadValue { column: String::new(), message: e.to_string() })
    }
}

/// Whether a result of type `from` may be stored in a column of type `to` without an explicit CAST.
pub(crate) fn compatible(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    let int = |t: &DataType| matches!(t, Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64);
    if from == to || *from == Null {
        return true;
    }
    match to {
        Utf8 => matches!(from, Utf8 | LargeUtf8 | Utf8View),
        Int64 => int(from),
        Decimal128(..) => {
            int(from)
                || matches!(from, Decimal32(..) | Decimal64(..) | Decimal128(..) | Decimal256(..) | Float32 | Float64)
        }
        Date32 => matches!(from, Date32 | Date64),
        Timestamp(..) => matches!(from, Timestamp(..)),
        Boolean => false,
        Binary => matches!(from, Binary | LargeBinary | BinaryView),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::TimeUnit;

    #[test]
    fn compatibility_rules() {
        use DataType::*;
        let dec = Decimal128(22, 4);
        assert!(compatible(&Int32, &Int64));
        assert!(compatible(&Int64, &dec));
        assert!(compatible(&Decimal128(38, 4), &dec));
        assert!(compatible(&Float64, &dec));
        assert!(compatible(&Utf8View, &Utf8));
        assert!(compatible(&Null, &Date32));
        assert!(compatible(
            &Timestamp(TimeUnit::Nanosecond, None),
            &Timestamp(TimeUnit::Millisecond, Some("+08:00".into()))
        ));
        assert!(!compatible(&Utf8, &Int64));
        assert!(!compatible(&Int64, &Utf8));
        assert!(!compatible(&Utf8, &Date32));
        assert!(!compatible(&Float64, &Int64));
        assert!(!compatible(&Int64, &Boolean));
    }

    #[test]
    fn channel_names_the_lineage() {
        assert_eq!(lineage_channel(&[("a".into(), 3), ("b".into(), 1)]), "sql:a@3,b@1");
    }
}

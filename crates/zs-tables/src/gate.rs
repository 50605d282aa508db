//! The row gate (拦截): a check a caller runs on each batch of schema-valid rows before it is
//! written, so rows failing an error-severity quality rule are rejected like rows failing the
//! schema (recorded with row, field, value and reason) and never reach a version.
//!
//! The table format knows nothing of quality rules: governance implements [`RowGate`] and the
//! hand-in passes it in [`crate::IngestOptions::gate`].

use std::sync::Arc;

use arrow_array::{BooleanArray, RecordBatch};

use crate::error::Result;

/// One failure that blocks one row of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateFailure {
    /// Row index within the batch.
    pub index: usize,
    /// Item name of the field.
    pub field: String,
    /// The value shown in the rejected-row report (already masked when sensitive).
    pub value: String,
    /// Why the row is blocked (names the rule).
    pub reason: String,
}

/// A check over batches of rows that passed the schema. `rows` gives each batch row's data row
/// number in the input (1 = first row after the header), for the gate's own statistics.
pub trait RowGate: Send + Sync {
    /// The failures in `batch`; rows not named are written.
    fn check(&self, batch: &RecordBatch, rows: &[u64]) -> Vec<GateFailure>;
}

/// A gate in [`crate::IngestOptions`] (cloneable, printable).
#[derive(Clone)]
pub struct Gate(pub Arc<dyn RowGate>);

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Gate(..)")
    }
}

/// Apply `gate` to `batch`: the rows to keep, and the failures sorted by row index.
pub(crate) fn apply(gate: &dyn RowGate, batch: RecordBatch, rows: &[u64]) -> Result<(RecordBatch, Vec<GateFailure>)> {
    let mut failures = gate.check(&batch, rows);
    failures.retain(|f| f.index < batch.num_rows());
    if failures.is_empty() {
        return Ok((batch, failures));
    }
    failures.sort_by_key(|f| f.index);
    let mut keep = vec![true; batch.num_rows()];
    for f in &failures {
        keep[f.index] = false;
    }
    let kept = arrow_select::filter::filter_record_batch(&batch, &BooleanArray::from(keep))?;
    Ok((kept, failures))
}

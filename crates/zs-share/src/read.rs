//! Reading rows of a resource's versioned table for the data API: equality conditions, a
//! projection, a start row and a limit, values as text. Runs on a blocking thread.

use arrow_cast::display::{ArrayFormatter, FormatOptions};
use zs_tables::Table;
use zs_types::{Error, Result};

/// What to read.
#[derive(Debug, Clone)]
pub(crate) struct TableRead {
    /// The version (current when none).
    pub version: Option<u64>,
    /// Column index → required value (all must hold).
    pub conditions: Vec<(usize, String)>,
    /// Column indices to return, in order.
    pub projection: Vec<usize>,
    /// Skip rows (of the version's scan order) before this index.
    pub start: u64,
    /// Rows to return at most (0: count only).
    pub limit: usize,
}

/// What was read.
#[derive(Debug, Clone, Default)]
pub(crate) struct TableRows {
    /// The version read (none: no data yet).
    pub version: Option<u64>,
    /// Projected values.
    pub rows: Vec<Vec<Option<String>>>,
    /// Index after the last row returned, when the limit was reached.
    pub next: Option<u64>,
    /// Matching rows (counting reads only: all of them; otherwise those returned).
    pub matched: u64,
}

/// Read matching rows of a table version.
pub(crate) fn read(table: &Table, q: &TableRead) -> Result<TableRows> {
    let tables = |e| zs_ingest::tables_error(e);
    let manifest = table.manifest(q.version).map_err(tables)?;
    let Some(manifest) = manifest else {
        return Ok(TableRows::default());
    };
    let mut out = TableRows { version: Some(manifest.version), ..Default::default() };
    let count_only = q.limit == 0;
    let opts = FormatOptions::default();
    let mut index: u64 = 0;
    for batch in table.scan(Some(manifest.version)).map_err(tables)? {
        let batch = batch.map_err(tables)?;
        let n = batch.num_rows() as u64;
        if index + n <= q.start {
            index += n;
            continue;
        }
        let fmt = |i: usize| {
            ArrayFormatter::try_new(batch.column(i).as_ref(), &opts)
                .map_err(|e| Error::internal(format!("formatting rows: {e}")))
        };
        let conds: Vec<(usize, ArrayFormatter<'_>, &str)> =
            q.conditions.iter().map(|(i, v)| Ok((*i, fmt(*i)?, v.as_str()))).collect::<Result<_>>()?;
        let proj: Vec<(usize, ArrayFormatter<'_>)> = if count_only {
            Vec::new()
        } else {
            q.projection.iter().map(|&i| Ok((i, fmt(i)?))).collect::<Result<_>>()?
        };
        for r in 0..batch.num_rows() {
            let at = index + r as u64;
            if at < q.start {
                continue;
            }
            let hit = conds.iter().all(|(i, f, want)| !batch.column(*i).is_null(r) && f.value(r).to_string() == *want);
            if !hit {
                continue;
            }
            out.matched += 1;
            if count_only {
                continue;
            }
            out.rows.push(
                proj.iter().map(|(i, f)| (!batch.column(*i).is_null(r)).then(|| f.value(r).to_string())).collect(),
            );
            if out.rows.len() == q.limit {
                out.next = Some(at + 1);
                return Ok(out);
            }
        }
        index += n;
    }
    Ok(out)
}

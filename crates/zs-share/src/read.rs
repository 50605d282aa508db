//! Reading rows of a resource's versioned table for the data API: equality conditions, a
//! projection, a start row and a limit, values as text (a scan, on a blocking thread); and one
//! row by key through a version's [`KeyIndex`], with the same conditions and the same text.

use arrow_array::Array;
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use zs_tables::{KeyIndex, Table};
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

/// A lookup by key through an index.
#[derive(Debug, Clone)]
pub(crate) struct IndexedRead {
    /// The key values as text, one per key item in item order.
    pub key: Vec<String>,
    /// Column index → required value (all must hold), compared as [`read`] compares them: the
    /// key items and the grant's row restriction.
    pub conditions: Vec<(usize, String)>,
    /// Column indices to return, in order.
    pub projection: Vec<usize>,
}

/// The projected values of the row with the key, if there is one and it meets the conditions.
/// Gives what [`read`] gives for the same conditions with a limit of one.
pub(crate) fn indexed_row(ix: &KeyIndex, q: &IndexedRead) -> Result<Option<Vec<Option<String>>>> {
    let key: Vec<&str> = q.key.iter().map(String::as_str).collect();
    let Some(batch) = ix.get(&key).map_err(zs_ingest::tables_error)? else {
        return Ok(None);
    };
    if batch.num_rows() == 0 {
        return Ok(None);
    }
    let opts = FormatOptions::default();
    let text = |i: usize| -> Result<Option<String>> {
        let col = batch.column(i);
        if col.is_null(0) {
            return Ok(None);
        }
        let f = ArrayFormatter::try_new(col.as_ref(), &opts)
            .map_err(|e| Error::internal(format!("formatting rows: {e}")))?;
        Ok(Some(f.value(0).to_string()))
    };
    for (i, want) in &q.conditions {
        if text(*i)?.as_deref() != Some(want.as_str()) {
            return Ok(None);
        }
    }
    q.projection.iter().map(|&i| text(i)).collect::<Result<Vec<_>>>().map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, Date32Array, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    use zs_catalog::{DataItem, DataType, OpenKind, SecurityLevel, SharingKind};
    use zs_tables::{CommitMode, KeyIndex, TableSchema};

    fn item(name: &str, data_type: DataType, key: bool) -> DataItem {
        DataItem {
            name: name.into(),
            label: name.into(),
            data_type,
            length: None,
            key,
            element: None,
            security_level: SecurityLevel::L3,
            sharing: SharingKind::Conditional,
            open: OpenKind::None,
        }
    }

    fn id(i: u32) -> String {
        format!("630102{i:012}")
    }

    /// Rows `ids`: name `<prefix><i>`, district i % 3 (null for multiples of 5), birth day i.
    fn batch(t: &Table, ids: &[u32], prefix: &str) -> RecordBatch {
        let cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(ids.iter().map(|&i| id(i)).collect::<Vec<_>>())),
            Arc::new(StringArray::from(ids.iter().map(|i| format!("{prefix}{i}")).collect::<Vec<_>>())),
            Arc::new(Int64Array::from(
                ids.iter().map(|&i| (i % 5 != 0).then_some(i64::from(i % 3))).collect::<Vec<_>>(),
            )),
            Arc::new(Date32Array::from(ids.iter().map(|&i| i as i32).collect::<Vec<_>>())),
        ];
        RecordBatch::try_new(t.schema().arrow().clone(), cols).unwrap()
    }

    /// The index path gives what the scan path gives, for every version of a table, every key
    /// asked (present, deleted, never there, malformed) and with or without a row restriction.
    #[test]
    fn index_lookup_equals_scan_across_versions() {
        let dir = tempfile::tempdir().unwrap();
        let schema = TableSchema::from_items(&[
            item("id_number", DataType::String, true),
            item("name", DataType::String, false),
            item("district", DataType::Integer, false),
            item("birth_date", DataType::Date, false),
        ])
        .unwrap();
        let t = Table::open(dir.path(), schema).unwrap();
        let all: Vec<u32> = (0..300).collect();
        let versions = [
            t.commit(CommitMode::Append, "a", "upload", &[batch(&t, &all, "甲")]).unwrap().version,
            t.commit(CommitMode::Upsert, "a", "push", &[batch(&t, &[7, 8, 400], "乙")]).unwrap().version,
            t.commit(CommitMode::DeleteByKey, "a", "push", &[batch(&t, &[8, 9], "")]).unwrap().version,
            t.commit(CommitMode::Replace, "a", "upload", &[batch(&t, &[1, 2, 7], "丙")]).unwrap().version,
        ];
        let mut keys: Vec<String> = [0, 1, 2, 5, 7, 8, 9, 15, 299, 300, 400].iter().map(|&i| id(i)).collect();
        keys.extend(["".to_owned(), "630102".to_owned(), " 630102000000000007".to_owned()]);
        let restrictions: [Vec<(usize, String)>; 3] =
            [vec![], vec![(2, "1".to_owned())], vec![(2, "2".to_owned()), (3, "1970-01-03".to_owned())]];
        let mut hits = 0;
        for v in versions {
            let ix = KeyIndex::build(&t, Some(v)).unwrap();
            for key in &keys {
                for restriction in &restrictions {
                    let mut conditions = restriction.clone();
                    conditions.push((0, key.clone()));
                    let projection = vec![1, 2, 3, 0];
                    let scan = read(
                        &t,
                        &TableRead {
                            version: Some(v),
                            conditions: conditions.clone(),
                            projection: projection.clone(),
                            start: 0,
                            limit: 1,
                        },
                    )
                    .unwrap();
                    let q = IndexedRead { key: vec![key.clone()], conditions, projection };
                    let indexed = indexed_row(&ix, &q).unwrap();
                    assert_eq!(indexed.as_ref(), scan.rows.first(), "version {v}, key '{key}', {restriction:?}");
                    hits += usize::from(indexed.is_some());
                }
            }
        }
        assert!(hits > 20, "the comparison covers found rows too ({hits})");
    }
}

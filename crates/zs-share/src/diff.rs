//! What a delivery reads from a resource's versioned table: every row of a version (a full
//! extract), or the rows added, changed and deleted by key between two versions (the changes).
//!
//! Both apply the grant's shape: the row restriction (equality on the value as text, exactly as
//! the data API compares it) and the projection onto the granted items. Values are text.
//!
//! **The diff** reads only the data files that differ between the two manifests (files are
//! immutable, so a file both versions name holds the same rows in both). Rows of the old
//! version's own files and of the new version's own files are spilled to disk, partitioned by a
//! hash of their key, with a SHA-256 of their projected values; each partition is then compared
//! in memory (the old side keyed, the new side streamed). Memory is bounded by one partition
//! ([`PARTITION_ROWS`] rows), whatever the table's size. A key whose projected values are the
//! same on both sides (a row a rewrite copied) is unchanged; a row moving out of the row
//! restriction is a deletion for the consumer.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use arrow_array::RecordBatch;
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use sha2::{Digest, Sha256};
use zs_tables::Table;
use zs_types::{Error, ErrorCode, Result};

/// Rows of one partition of the diff held in memory at most (about).
pub(crate) const PARTITION_ROWS: u64 = 100_000;
/// Partitions at most (open spill files: twice this).
const MAX_PARTITIONS: u64 = 256;

/// The grant's view of a table.
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    /// Columns to deliver, in order.
    pub projection: Vec<usize>,
    /// Key columns (all in the projection for changes; may be empty for full extracts).
    pub key: Vec<usize>,
    /// Column → value (as text) that must hold.
    pub conditions: Vec<(usize, String)>,
}

/// What a delivered row means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Op {
    /// A new key (or any row of a full extract).
    Insert,
    /// A key whose delivered values changed.
    Update,
    /// A key that is gone (only the key items are filled).
    Delete,
}

impl Op {
    /// As written in the `_op` column.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Op::Insert => "insert",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
}

/// A projected row as text.
pub(crate) type Row = Vec<Option<String>>;

fn tables(e: zs_tables::TablesError) -> Error {
    zs_ingest::tables_error(e)
}

fn io(e: std::io::Error) -> Error {
    Error::internal(format!("delivery spill file: {e}"))
}

/// Call `f` with every row of `version` the shape lets through, in scan order.
pub(crate) fn full(
    table: &Table,
    version: u64,
    shape: &Shape,
    f: &mut dyn FnMut(Op, Row) -> Result<()>,
) -> Result<u64> {
    let mut n = 0;
    for batch in table.scan(Some(version)).map_err(tables)? {
        let batch = batch.map_err(tables)?;
        for_rows(&batch, shape, &mut |_, row| {
            n += 1;
            f(Op::Insert, row)
        })?;
    }
    Ok(n)
}

/// Call `f` with the changes from version `from` to version `to` (inserts and updates with the
/// whole projected row, deletes with the key items only), partition by partition. `spill` is a
/// folder for the temporary partition files (removed at the end).
pub(crate) fn changes(
    table: &Table,
    from: u64,
    to: u64,
    shape: &Shape,
    spill: &Path,
    f: &mut dyn FnMut(Op, Row) -> Result<()>,
) -> Result<()> {
    changes_in(table, from, to, shape, spill, PARTITION_ROWS, f)
}

fn changes_in(
    table: &Table,
    from: u64,
    to: u64,
    shape: &Shape,
    spill: &Path,
    partition_rows: u64,
    f: &mut dyn FnMut(Op, Row) -> Result<()>,
) -> Result<()> {
    if shape.key.is_empty() {
        return Err(Error::new(ErrorCode::Conflict, "changes are delivered by key, and this resource has none"));
    }
    let old = table.manifest(Some(from)).map_err(tables)?.ok_or_else(|| Error::not_found("version"))?;
    let new = table.manifest(Some(to)).map_err(tables)?.ok_or_else(|| Error::not_found("version"))?;
    let old_names: HashSet<&str> = old.files.iter().map(|f| f.path.as_str()).collect();
    let new_names: HashSet<&str> = new.files.iter().map(|f| f.path.as_str()).collect();
    let old_only: Vec<_> = old.files.iter().filter(|f| !new_names.contains(f.path.as_str())).collect();
    let new_only: Vec<_> = new.files.iter().filter(|f| !old_names.contains(f.path.as_str())).collect();
    let rows: u64 = old_only.iter().chain(&new_only).map(|f| f.rows).sum();
    let parts = rows.div_ceil(partition_rows.max(1)).clamp(1, MAX_PARTITIONS);
    std::fs::create_dir_all(spill).map_err(io)?;
    let dir = tempfile::tempdir_in(spill).map_err(io)?;
    let key_pos: Vec<usize> = shape
        .key
        .iter()
        .map(|k| shape.projection.iter().position(|p| p == k))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| Error::new(ErrorCode::Conflict, "changes need every key item granted"))?;

    // Spill both sides, partitioned by key.
    let open = |side: &str| -> Result<Vec<BufWriter<File>>> {
        (0..parts)
            .map(|p| File::create(dir.path().join(format!("{side}-{p}"))).map(BufWriter::new).map_err(io))
            .collect()
    };
    let mut old_w = open("old")?;
    let mut new_w = open("new")?;
    for (files, writers, keep_values) in [(&old_only, &mut old_w, false), (&new_only, &mut new_w, true)] {
        for file in files.iter() {
            for batch in table.scan_file(file) {
                let batch = batch.map_err(tables)?;
                for_rows(&batch, shape, &mut |_, row| {
                    let key: Row = key_pos.iter().map(|&i| row[i].clone()).collect();
                    let digest = hex::encode(Sha256::digest(serde_json::to_vec(&row).unwrap_or_default()));
                    let p = partition(&key, parts);
                    let line = if keep_values {
                        serde_json::to_vec(&(&key, &digest, &row))
                    } else {
                        serde_json::to_vec(&(&key, &digest))
                    }
                    .map_err(|_| Error::internal("encoding a spill line"))?;
                    let w = &mut writers[p];
                    w.write_all(&line).map_err(io)?;
                    w.write_all(b"\n").map_err(io)
                })?;
            }
        }
    }
    for w in old_w.iter_mut().chain(new_w.iter_mut()) {
        w.flush().map_err(io)?;
    }
    drop((old_w, new_w));

    // Compare partition by partition.
    let width = shape.projection.len();
    for p in 0..parts {
        let mut before: HashMap<Row, Vec<String>> = HashMap::new();
        for line in BufReader::new(File::open(dir.path().join(format!("old-{p}"))).map_err(io)?).lines() {
            let (key, digest): (Row, String) =
                serde_json::from_str(&line.map_err(io)?).map_err(|_| Error::internal("reading a spill line"))?;
            before.entry(key).or_default().push(digest);
        }
        let mut seen: HashSet<Row> = HashSet::new();
        for line in BufReader::new(File::open(dir.path().join(format!("new-{p}"))).map_err(io)?).lines() {
            let (key, digest, row): (Row, String, Row) =
                serde_json::from_str(&line.map_err(io)?).map_err(|_| Error::internal("reading a spill line"))?;
            let op = match before.get_mut(&key) {
                Some(old) if old.contains(&digest) => {
                    old.retain(|d| d != &digest);
                    None
                }
                Some(old) if !old.is_empty() => {
                    old.pop();
                    Some(Op::Update)
                }
                _ if seen.contains(&key) => Some(Op::Update),
                _ => Some(Op::Insert),
            };
            seen.insert(key);
            if let Some(op) = op {
                f(op, row)?;
            }
        }
        let mut gone: Vec<Row> =
            before.into_iter().filter(|(k, left)| !left.is_empty() && !seen.contains(k)).map(|(k, _)| k).collect();
        gone.sort();
        for key in gone {
            let mut row: Row = vec![None; width];
            for (v, &i) in key.into_iter().zip(&key_pos) {
                row[i] = v;
            }
            f(Op::Delete, row)?;
        }
    }
    Ok(())
}

fn partition(key: &Row, parts: u64) -> usize {
    let mut h = std::hash::DefaultHasher::new();
    key.hash(&mut h);
    usize::try_from(h.finish() % parts).unwrap_or(0)
}

/// Call `f` with each row of a batch the shape's conditions let through, projected, as text.
fn for_rows(batch: &RecordBatch, shape: &Shape, f: &mut dyn FnMut(usize, Row) -> Result<()>) -> Result<()> {
    let opts = FormatOptions::default();
    let fmt = |i: usize| {
        ArrayFormatter::try_new(batch.column(i).as_ref(), &opts)
            .map_err(|e| Error::internal(format!("formatting rows: {e}")))
    };
    let conds: Vec<(usize, ArrayFormatter<'_>, &str)> =
        shape.conditions.iter().map(|(i, v)| Ok((*i, fmt(*i)?, v.as_str()))).collect::<Result<_>>()?;
    let proj: Vec<(usize, ArrayFormatter<'_>)> =
        shape.projection.iter().map(|&i| Ok((i, fmt(i)?))).collect::<Result<_>>()?;
    for r in 0..batch.num_rows() {
        let hit = conds.iter().all(|(i, f, want)| !batch.column(*i).is_null(r) && f.value(r).to_string() == *want);
        if !hit {
            continue;
        }
        let row = proj.iter().map(|(i, f)| (!batch.column(*i).is_null(r)).then(|| f.value(r).to_string())).collect();
        f(r, row)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Int64Array, StringArray};
    use zs_catalog::{DataItem, DataType, OpenKind, SecurityLevel, SharingKind};
    use zs_tables::{CommitMode, TableSchema};

    fn item(name: &str, data_type: DataType, key: bool) -> DataItem {
        DataItem {
            name: name.into(),
            label: name.into(),
            data_type,
            length: None,
            key,
            element: None,
            security_level: SecurityLevel::L2,
            sharing: SharingKind::Unconditional,
            open: OpenKind::None,
        }
    }

    fn batch(schema: &TableSchema, rows: &[(i64, &str, &str)]) -> RecordBatch {
        let cols: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(rows.iter().map(|r| r.0).collect::<Vec<_>>())),
            Arc::new(StringArray::from(rows.iter().map(|r| r.1).collect::<Vec<_>>())),
            Arc::new(StringArray::from(rows.iter().map(|r| r.2).collect::<Vec<_>>())),
        ];
        RecordBatch::try_new(schema.arrow().clone(), cols).unwrap()
    }

    /// The diff computed the slow way: both versions read whole, compared by key.
    fn naive(table: &Table, from: u64, to: u64, shape: &Shape) -> BTreeMap<Row, (Op, Row)> {
        let read = |v| {
            let mut m = BTreeMap::new();
            full(table, v, shape, &mut |_, row| {
                m.insert(vec![row[0].clone()], row);
                Ok(())
            })
            .unwrap();
            m
        };
        let (old, new) = (read(from), read(to));
        let mut out = BTreeMap::new();
        for (k, row) in &new {
            match old.get(k) {
                None => {
                    out.insert(k.clone(), (Op::Insert, row.clone()));
                }
                Some(o) if o != row => {
                    out.insert(k.clone(), (Op::Update, row.clone()));
                }
                Some(_) => {}
            }
        }
        for k in old.keys().filter(|k| !new.contains_key(*k)) {
            let mut row = vec![None; shape.projection.len()];
            row[0] = k[0].clone();
            out.insert(k.clone(), (Op::Delete, row));
        }
        out
    }

    #[test]
    fn changes_equal_the_version_diff() {
        let dir = tempfile::tempdir().unwrap();
        let schema = TableSchema::from_items(&[
            item("id", DataType::Integer, true),
            item("name", DataType::String, false),
            item("district", DataType::String, false),
        ])
        .unwrap();
        let table = Table::open(dir.path().join("t"), schema.clone()).unwrap();
        let names: Vec<String> = (0..400).map(|i| format!("n{i}")).collect();
        let d = |i: i64| if i % 3 == 0 { "B" } else { "A" };
        // v1 replace 1..=300; v2 append 301..=350; v3 upsert: 10 changed, 1 unchanged, 3 new, one
        // moved out of district A; v4 delete 4 keys; v5 replace with a mix.
        let v1: Vec<(i64, &str, &str)> = (1..=300).map(|i| (i, names[i as usize].as_str(), d(i))).collect();
        table.commit(CommitMode::Replace, "t", "test", &[batch(&schema, &v1)]).unwrap();
        let v2: Vec<_> = (301..=350).map(|i| (i, names[i as usize].as_str(), d(i))).collect();
        table.commit(CommitMode::Append, "t", "test", &[batch(&schema, &v2)]).unwrap();
        let mut v3: Vec<_> = (10..20).map(|i| (i, "changed", d(i))).collect();
        v3.push((25, names[25].as_str(), d(25)));
        v3.extend((351..=353).map(|i| (i, names[i as usize].as_str(), "A")));
        v3.push((31, names[31].as_str(), "B"));
        table.commit(CommitMode::Upsert, "t", "test", &[batch(&schema, &v3)]).unwrap();
        let v4: Vec<_> = [2, 40, 302, 352].iter().map(|&i| (i, "", "A")).collect();
        table.commit(CommitMode::DeleteByKey, "t", "test", &[batch(&schema, &v4)]).unwrap();
        let v5: Vec<_> =
            (100..=380).map(|i| (i, if i % 7 == 0 { "again" } else { names[i as usize].as_str() }, d(i))).collect();
        table.commit(CommitMode::Replace, "t", "test", &[batch(&schema, &v5)]).unwrap();

        let all = Shape { projection: vec![0, 1, 2], key: vec![0], conditions: vec![] };
        let only_a = Shape { projection: vec![0, 1], key: vec![0], conditions: vec![(2, "A".into())] };
        for shape in [&all, &only_a] {
            for from in 1..=5u64 {
                for to in from..=5u64 {
                    let want = naive(&table, from, to, shape);
                    for parts in [7, PARTITION_ROWS] {
                        let mut got = BTreeMap::new();
                        changes_in(&table, from, to, shape, &dir.path().join("spill"), parts, &mut |op, row| {
                            assert!(got.insert(vec![row[0].clone()], (op, row)).is_none(), "one line per key");
                            Ok(())
                        })
                        .unwrap();
                        assert_eq!(
                            got,
                            want,
                            "v{from} → v{to}, {} conditions, {parts} rows a partition",
                            shape.conditions.len()
                        );
                    }
                }
            }
        }
        // Sanity of the scenario: the upsert changed 10, added 3 and (for district A) removed one.
        let want = naive(&table, 2, 3, &only_a);
        let count = |op| want.values().filter(|(o, _)| *o == op).count();
        assert_eq!((count(Op::Insert), count(Op::Update), count(Op::Delete)), (3, 7, 1), "{want:?}");
        assert_eq!(std::fs::read_dir(dir.path().join("spill")).unwrap().count(), 0, "spill files are removed");
    }
}

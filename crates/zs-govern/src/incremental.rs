//! Incremental statistics of a table version: per immutable data file, cached under a folder
//! named by the rule fingerprint, merged into the version's result (see [`crate::stats`]).

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use zs_tables::{Manifest, Table};
use zs_types::{Error, Result};

use crate::engine::{FileStats, Plan};
use crate::stats::{merge, read_keys, write_keys, VersionResult};

fn io(e: impl std::fmt::Display) -> Error {
    tracing::error!(error = %e, "governance statistics");
    Error::internal("the quality statistics could not be read or written")
}

/// The result of version `m` of `table`: each file's statistics from `cache` or, if
/// missing, scanned and cached; merged in file order. Returns the result and the files scanned.
pub fn version_result(
    plan: &Plan,
    table: &Table,
    m: &Manifest,
    cache: &Path,
    day: time::Date,
) -> Result<(VersionResult, usize)> {
    let (stats, scanned) = file_stats(plan, table, m, cache, day)?;
    let refs: Vec<&FileStats> = stats.iter().collect();
    Ok((merge(plan, &refs, day), scanned))
}

/// The statistics of every file of a version: from the cache, or scanned and cached. Returns
/// them in file order and how many were scanned.
pub(crate) fn file_stats(
    plan: &Plan,
    table: &Table,
    m: &Manifest,
    cache: &Path,
    day: time::Date,
) -> Result<(Vec<FileStats>, usize)> {
    std::fs::create_dir_all(cache).map_err(io)?;
    // Statistics under other fingerprints are stale: remove them.
    // Only sibling folders named like a fingerprint (16 hex digits) are removed.
    if let Some(parent) = cache.parent() {
        for e in std::fs::read_dir(parent).map_err(io)?.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let fingerprint = name.len() == 16 && name.bytes().all(|b| b.is_ascii_hexdigit());
            if fingerprint && e.path() != cache {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let mut out = Vec::with_capacity(m.files.len());
    let mut scanned = 0;
    for f in &m.files {
        let stem = Path::new(&f.path).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let (json, keys) = (cache.join(format!("{stem}.json")), cache.join(format!("{stem}.keys")));
        if let Some(st) = load(&json, &keys) {
            out.push(st);
            continue;
        }
        let batches: Vec<RecordBatch> =
            table.read_file(&f.path).map_err(io)?.collect::<std::result::Result<_, _>>().map_err(io)?;
        let st = plan.evaluate(batches.iter(), day);
        save(&st, &json, &keys)?;
        scanned += 1;
        out.push(st);
    }
    Ok((out, scanned))
}

fn load(json: &Path, keys: &Path) -> Option<FileStats> {
    let mut st: FileStats = serde_json::from_slice(&std::fs::read(json).ok()?).ok()?;
    st.keys = read_keys(std::io::BufReader::new(File::open(keys).ok()?)).ok()?;
    Some(st)
}

fn save(st: &FileStats, json: &Path, keys: &Path) -> Result<()> {
    let tmp = |p: &Path| -> PathBuf { p.with_extension(format!("tmp-{}", uuid::Uuid::now_v7())) };
    let (tk, tj) = (tmp(keys), tmp(json));
    {
        let mut w = std::io::BufWriter::new(File::create(&tk).map_err(io)?);
        write_keys(st, &mut w).map_err(io)?;
        std::io::Write::flush(&mut w).map_err(io)?;
    }
    std::fs::rename(&tk, keys).map_err(io)?;
    std::fs::write(&tj, serde_json::to_vec(st).map_err(io)?).map_err(io)?;
    // The JSON is written last: its presence means both are complete.
    std::fs::rename(&tj, json).map_err(io)?;
    Ok(())
}

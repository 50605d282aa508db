//! Key lookup benchmark: a 1,000,000-person population version (zs-demodata: valid GB 11643 ID
//! numbers, the nine population items), indexed by ID number. Prints the time to build the
//! index, its process memory and row-file size, RSS before and after, single-thread lookups/s
//! (hits in random order, misses), and the time of a filtered listing page.
//!
//! `cargo bench -p zs-tables --bench lookup` (rows: `ZS_BENCH_ROWS`, default 1,000,000).
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::sync::Arc;
use std::time::Instant;

use arrow_array::{ArrayRef, BooleanArray, Date32Array, RecordBatch, StringArray};
use zs_catalog::{DataItem, DataType, OpenKind, SecurityLevel, SharingKind};
use zs_tables::{CommitMode, KeyIndexCache, Table, TableSchema};

fn item(name: &str, label: &str, data_type: DataType, length: Option<u32>, level: SecurityLevel) -> DataItem {
    DataItem {
        name: name.into(),
        label: label.into(),
        data_type,
        length,
        key: name == "id_number",
        element: None,
        security_level: level,
        sharing: SharingKind::Conditional,
        open: OpenKind::None,
    }
}

fn schema() -> Result<TableSchema, Box<dyn Error>> {
    use DataType::*;
    use SecurityLevel::*;
    Ok(TableSchema::from_items(&[
        item("id_number", "公民身份号码", String, Some(18), L3),
        item("name", "姓名", String, Some(50), L3),
        item("sex", "性别", String, Some(1), L2),
        item("birth_date", "出生日期", Date, None, L3),
        item("ethnicity", "民族", String, Some(20), L2),
        item("address", "住址", String, Some(200), L3),
        item("phone", "联系电话", String, Some(20), L3),
        item("registered_address", "户籍地址", String, Some(200), L3),
        item("household_no", "户号", String, Some(9), L3),
    ])?)
}

fn batch(s: &TableSchema, people: &[zs_demodata::Person]) -> Result<RecordBatch, Box<dyn Error>> {
    let epoch = time::macros::date!(1970 - 01 - 01);
    let col = |f: &dyn Fn(&zs_demodata::Person) -> std::string::String| -> ArrayRef {
        Arc::new(StringArray::from(people.iter().map(f).collect::<Vec<_>>()))
    };
    let cols = vec![
        col(&|p| p.id_number.clone()),
        col(&|p| p.name.clone()),
        col(&|p| p.sex.to_string()),
        Arc::new(Date32Array::from(
            people.iter().map(|p| (p.birth_date - epoch).whole_days() as i32).collect::<Vec<_>>(),
        )) as ArrayRef,
        col(&|p| p.ethnicity.to_owned()),
        col(&|p| p.address.clone()),
        col(&|p| p.phone.clone()),
        col(&|p| p.registered_address.clone()),
        col(&|p| p.household_no.clone()),
    ];
    Ok(RecordBatch::try_new(s.arrow().clone(), cols)?)
}

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

/// CPU time of this process (user + system), seconds: the figure that holds on a busy machine.
fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn main() -> Result<(), Box<dyn Error>> {
    let rows: usize = std::env::var("ZS_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir()?;
    let s = schema()?;
    let table = Table::open(dir.path(), s.clone())?;

    let t = Instant::now();
    let mut ids = Vec::with_capacity(rows);
    let mut txn = table.begin(CommitMode::Replace, "bench", "upload")?;
    let mut people = Vec::with_capacity(65_536);
    for p in zs_demodata::population(2025, rows) {
        // Kept as fixed arrays: a million small heap strings would skew the allocator's figures.
        let mut a = [0u8; 18];
        a.copy_from_slice(&p.id_number.as_bytes()[..18]);
        ids.push(a);
        people.push(p);
        if people.len() == 65_536 {
            txn.write(&batch(&s, &people)?)?;
            people.clear();
        }
    }
    if !people.is_empty() {
        txn.write(&batch(&s, &people)?)?;
    }
    drop(people);
    let version = txn.commit()?.version;
    println!("table: {rows} people written in {:.1} s", t.elapsed().as_secs_f64());

    let rss_before = status_kib("VmRSS:");
    let cache = KeyIndexCache::new(64 << 20);
    let t = Instant::now();
    let index = cache.get(&table, version)?;
    let build = t.elapsed();
    let rss_after = status_kib("VmRSS:");
    let st = index.stats();
    println!(
        "index build: {:.2} s ({:.0} rows/s); process memory {:.1} MB ({:.1} B/row); row file {:.0} MB",
        build.as_secs_f64(),
        rows as f64 / build.as_secs_f64(),
        st.memory_bytes as f64 / 1e6,
        st.memory_bytes as f64 / rows.max(1) as f64,
        st.file_bytes as f64 / 1e6
    );
    println!(
        "RSS: {:.0} MB before build, {:.0} MB after (ids kept by the bench: {:.0} MB)",
        rss_before as f64 / 1024.0,
        rss_after as f64 / 1024.0,
        (ids.len() * 18) as f64 / 1e6
    );

    // Random-order hits, single thread.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let n = 200_000;
    let t = Instant::now();
    let cpu = cpu_s();
    let mut found = 0;
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let id = std::str::from_utf8(&ids[(x % ids.len() as u64) as usize])?;
        if cache.get(&table, version)?.get(&[id])?.is_some() {
            found += 1;
        }
    }
    let e = t.elapsed();
    let cpu = cpu_s() - cpu;
    assert_eq!(found, n, "every generated ID is found");
    println!(
        "lookups (hits, random, through the cache): {:.0}/s single thread wall clock, {:.1} µs each; \
         {:.1} µs CPU each ({:.0}/s per core)",
        n as f64 / e.as_secs_f64(),
        e.as_secs_f64() * 1e6 / n as f64,
        cpu * 1e6 / n as f64,
        n as f64 / cpu.max(1e-9)
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average while measuring: {}", load.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
    let t = Instant::now();
    for i in 0..n {
        let mut miss = *b"630102190001010000";
        miss[14..].copy_from_slice(format!("{:04}", i % 10_000).as_bytes());
        let _ = index.get(&[std::str::from_utf8(&miss)?])?;
    }
    let e = t.elapsed();
    println!("lookups (misses): {:.0}/s single thread", n as f64 / e.as_secs_f64());

    // A filtered page: residents of 城西区 (630104), 100 rows.
    let filter = |b: &RecordBatch| -> zs_tables::Result<BooleanArray> {
        let ids = b
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .map(|a| a.iter().map(|v| Some(v.is_some_and(|v| v.starts_with("630104")))).collect::<BooleanArray>());
        Ok(ids.unwrap_or_else(|| BooleanArray::from(vec![false; b.num_rows()])))
    };
    let t = Instant::now();
    let page = index.list(500_000.min(rows as u64 / 2), 100, Some(&filter))?;
    println!(
        "listing: 100 filtered rows from the middle in {:.2} ms ({} rows scanned, next cursor {:?})",
        t.elapsed().as_secs_f64() * 1e3,
        page.scanned,
        page.next
    );
    println!("peak RSS (VmHWM, includes writing the table): {:.0} MB", status_kib("VmHWM:") as f64 / 1024.0);
    Ok(())
}

//! Query benchmark: a 1,000,000-row credit-record table (string key, district, subject code,
//! decimal amount, date) committed as one version, then timed:
//! registration, a full scan with aggregation (GROUP BY district), a point filter on the key and
//! a materialisation of a per-district summary into a second table.
//!
//! `cargo bench -p zs-query --bench scan` (rows: `ZS_BENCH_ROWS`, default 1,000,000).
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::{ArrayRef, Date32Array, Decimal128Array, RecordBatch, StringArray};
use zs_catalog::{DataType, SecurityLevel};
use zs_query::{materialise, QueryEngine, QueryOptions};
use zs_tables::{Column, CommitMode, Table, TableSchema};

const DISTRICTS: [&str; 7] = ["630102", "630103", "630104", "630105", "630106", "630121", "630123"];

fn column(name: &str, data_type: DataType, length: Option<u32>, key: bool) -> Column {
    Column { name: name.into(), label: name.into(), data_type, length, key, security_level: SecurityLevel::L1 }
}

fn schema() -> Result<TableSchema, Box<dyn Error>> {
    Ok(TableSchema::from_columns(vec![
        column("record_id", DataType::String, Some(32), true),
        column("district", DataType::String, Some(6), false),
        column("subject_code", DataType::String, Some(18), false),
        column("amount", DataType::Decimal, Some(18), false),
        column("occurred_on", DataType::Date, None, false),
    ])?)
}

fn batch(schema: &TableSchema, from: usize, n: usize) -> Result<RecordBatch, Box<dyn Error>> {
    let ids: Vec<String> = (from..from + n).map(|i| format!("CF{i:010}")).collect();
    let districts: Vec<&str> = (from..from + n).map(|i| DISTRICTS[i % 7]).collect();
    let subjects: Vec<String> = (from..from + n).map(|i| format!("91630100{:010}", (i * 7919) % 20_000)).collect();
    let amounts: Vec<i128> = (from..from + n).map(|i| ((i * 37) % 100_000) as i128 * 10_000).collect();
    let dates: Vec<i32> = (from..from + n).map(|i| 16_000 + (i % 4000) as i32).collect();
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(ids)),
        Arc::new(StringArray::from(districts)),
        Arc::new(StringArray::from(subjects)),
        Arc::new(Decimal128Array::from(amounts).with_precision_and_scale(22, 4)?),
        Arc::new(Date32Array::from(dates)),
    ];
    Ok(RecordBatch::try_new(schema.arrow().clone(), cols)?)
}

async fn timed<F, Fut, T>(label: &str, runs: usize, mut f: F) -> Result<T, Box<dyn Error>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Box<dyn Error>>>,
{
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f().await?);
        times.push(t.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("{label:<44} min {:>8.1} ms   median {:>8.1} ms   ({runs} runs)", ms(times[0]), ms(times[runs / 2]));
    last.ok_or_else(|| "no run".into())
}

async fn run() -> Result<(), Box<dyn Error>> {
    let rows: usize = std::env::var("ZS_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir()?;
    let table = Table::open(dir.path().join("credit"), schema()?)?;
    let t = Instant::now();
    let mut txn = table.begin(CommitMode::Replace, "bench", "bench")?;
    let mut from = 0;
    while from < rows {
        let n = (rows - from).min(65_536);
        txn.write(&batch(table.schema(), from, n)?)?;
        from += n;
    }
    let v = txn.commit()?;
    let bytes: u64 = table.current()?.map(|m| m.files.iter().map(|f| f.bytes).sum()).unwrap_or(0);
    println!(
        "table: {} rows, {} file(s), {:.1} MiB Parquet, written in {:.2} s",
        v.rows,
        table.current()?.map_or(0, |m| m.files.len()),
        bytes as f64 / 1048576.0,
        t.elapsed().as_secs_f64()
    );

    let engine = QueryEngine::new();
    timed("register (manifest + listing table)", 5, || async {
        engine.register("credit", &table, None)?;
        Ok(())
    })
    .await?;
    let opts = QueryOptions::default();
    let agg =
        "SELECT district, COUNT(*) AS n, SUM(amount) AS total, MAX(occurred_on) AS last FROM credit GROUP BY district";
    let out =
        timed("full scan + GROUP BY district (7 groups)", 5, || async { Ok(engine.query(agg, &opts).await?) }).await?;
    println!("  -> {} groups", out.iter().map(RecordBatch::num_rows).sum::<usize>());
    let distinct = "SELECT COUNT(DISTINCT subject_code) FROM credit";
    timed("full scan + COUNT(DISTINCT subject_code)", 5, || async { Ok(engine.query(distinct, &opts).await?) }).await?;
    let key = format!("CF{:010}", rows * 3 / 4);
    let point = format!("SELECT * FROM credit WHERE record_id = '{key}'");
    let out =
        timed("point filter on the key (record_id = …)", 5, || async { Ok(engine.query(&point, &opts).await?) })
            .await?;
    println!("  -> {} row(s)", out.iter().map(RecordBatch::num_rows).sum::<usize>());
    let range = "SELECT COUNT(*) FROM credit WHERE amount > 99000";
    timed("filter on a decimal (amount > 99000)", 5, || async { Ok(engine.query(range, &opts).await?) }).await?;

    let summary = Table::open(
        dir.path().join("summary"),
        TableSchema::from_columns(vec![
            column("district", DataType::String, Some(6), true),
            column("n", DataType::Integer, None, false),
            column("total", DataType::Decimal, Some(18), false),
        ])?,
    )?;
    let def = "SELECT district, COUNT(*) AS n, SUM(amount) AS total FROM credit GROUP BY district";
    timed("materialise per-district summary (scan + commit)", 3, || async {
        Ok(materialise(def, &[("credit", &table)], &summary, "bench").await?)
    })
    .await?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(run())
}

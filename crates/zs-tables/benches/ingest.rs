//! Ingest benchmark: a 1,000,000-row GB18030 CSV of the population schema (valid GB 11643 ID
//! numbers, real Xining division codes), ingested with every check into a new table version.
//! Prints rows/s, peak RSS (VmHWM), the time to read the version back (current, as of a time, as
//! of a version number), and xlsx ingest rows/s on the first 100,000 rows; then, when `duckdb` is
//! importable by `python3`, DuckDB's plain CSV→Parquet conversion of the same file; last, the
//! same GB18030 ingest with the data files encrypted (SM4-GCM and AES-256-GCM envelopes, the
//! platform's default at rest), against the same DuckDB figure.
//!
//! `cargo bench -p zs-tables --bench ingest` (rows: `ZS_BENCH_ROWS`, default 1,000,000).
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use zs_catalog::{DataItem, DataType, OpenKind, SecurityLevel, SharingKind};
use zs_crypto::{Algorithm, Keyring, LocalMasterKeys};
use zs_tables::{ingest_csv, CommitMode, IngestOptions, IngestOutcome, Table, TableSchema};
use zs_types::codes::IdNumber;

const DIVISIONS: [(&str, &str); 7] = [
    ("630102", "城东区"),
    ("630103", "城中区"),
    ("630104", "城西区"),
    ("630105", "城北区"),
    ("630106", "湟中区"),
    ("630121", "大通回族土族自治县"),
    ("630123", "湟源县"),
];
const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "马", "赵", "韩", "祁", "鲁", "冶", "欧阳", "司马"];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞", "平",
    "刚",
];
const STREETS: &[&str] =
    &["五四大街", "胜利路", "西关大街", "七一路", "昆仑路", "柴达木路", "长江路", "黄河路", "南山路", "海湖大道"];

fn item(
    name: &str,
    label: &str,
    data_type: DataType,
    length: Option<u32>,
    key: bool,
    level: SecurityLevel,
) -> DataItem {
    DataItem {
        name: name.into(),
        label: label.into(),
        data_type,
        length,
        key,
        element: None,
        security_level: level,
        sharing: SharingKind::Conditional,
        open: OpenKind::None,
    }
}

fn population() -> Result<TableSchema, Box<dyn Error>> {
    use DataType::*;
    use SecurityLevel::*;
    Ok(TableSchema::from_items(&[
        item("id_number", "公民身份号码", String, Some(18), true, L4),
        item("name", "姓名", String, Some(30), false, L3),
        item("sex", "性别", String, Some(1), false, L2),
        item("birth_date", "出生日期", Date, None, false, L3),
        item("address", "住址", String, Some(100), false, L3),
        item("phone", "联系电话", String, Some(11), false, L3),
    ])?)
}

/// A small deterministic generator (SplitMix64).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

/// Write the CSV (GB18030) and return the rows with a deliberately bad phone (one in 1,000).
fn generate(path: &Path, rows: u64) -> Result<u64, Box<dyn Error>> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut text = String::from("公民身份号码,姓名,性别,出生日期,住址,联系电话\n");
    let mut rng = Rng(2026);
    let base = time::macros::date!(1940 - 01 - 01);
    let mut bad = 0;
    for i in 0..rows {
        // (day, division, serial) is a function of i that never repeats: ID numbers are unique.
        let day = i % 25_000;
        let rest = i / 25_000;
        let (code, district) = DIVISIONS[(rest % 7) as usize];
        let male = rng.next().is_multiple_of(2);
        let serial = (rest / 7) * 2 + u64::from(male);
        let birth = base + time::Duration::days(day as i64);
        let first17 = format!("{code}{:04}{:02}{:02}{serial:03}", birth.year(), birth.month() as u8, birth.day());
        let check = IdNumber::check_char(&first17).ok_or("bad id digits")?;
        let name = format!(
            "{}{}{}",
            rng.pick(SURNAMES),
            rng.pick(GIVEN),
            if rng.next().is_multiple_of(2) { rng.pick(GIVEN) } else { "" }
        );
        let phone = if i % 1000 == 999 {
            bad += 1;
            format!("1{:011}", rng.next() % 100_000_000_000)
        } else {
            format!("1{:010}", rng.next() % 10_000_000_000)
        };
        use std::fmt::Write as _;
        writeln!(
            text,
            "{first17}{check},{name},{},{birth},青海省西宁市{district}{}{}号,{phone}",
            if male { "男" } else { "女" },
            rng.pick(STREETS),
            rng.next() % 300 + 1
        )?;
        if text.len() > 1 << 20 {
            out.write_all(&encoding_rs::GB18030.encode(&text).0)?;
            text.clear();
        }
    }
    out.write_all(&encoding_rs::GB18030.encode(&text).0)?;
    out.flush()?;
    Ok(bad)
}

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Time DuckDB's `COPY (read_csv) TO parquet`; `Err` carries DuckDB's complaint.
fn duckdb(csv: &Path, parquet: &Path, encoding: &str) -> Result<f64, String> {
    let script = format!(
        r#"
import duckdb, time, sys
con = duckdb.connect()
try:
    con.execute("INSTALL encodings; LOAD encodings;")
except Exception as e:
    print("encodings extension unavailable:", e, file=sys.stderr)
t = time.time()
con.execute("COPY (SELECT * FROM read_csv('{csv}', encoding='{encoding}', header=true)) TO '{pq}' (FORMAT parquet, COMPRESSION snappy)")
print(time.time() - t)
"#,
        csv = csv.display(),
        pq = parquet.display()
    );
    let out = std::process::Command::new("python3").arg("-c").arg(script).output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err.lines().find(|l| l.contains("Error")).unwrap_or("failed").to_owned());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout.trim().lines().last().and_then(|l| l.parse().ok()).ok_or_else(|| "no timing printed".to_owned())
}

/// Ingest `csv` into a fresh table, its files encrypted under a fresh data key of `cipher` when
/// one is given; returns (seconds, rows read, rows rejected).
fn ingest(dir: &Path, csv: &Path, cipher: Option<Algorithm>) -> Result<(f64, u64, u64), Box<dyn Error>> {
    let mut table = Table::open(dir, population()?)?;
    if let Some(alg) = cipher {
        let ring = Keyring::new(Arc::new(LocalMasterKeys::from_text(&"5a".repeat(32))?), alg);
        let (key, _wrapped) = ring.generate("resource:bench")?;
        ring.install(key, true);
        table = table.with_encryption(Arc::new(ring), "resource:bench");
    }
    let t = Instant::now();
    let report = ingest_csv(
        &table,
        BufReader::with_capacity(1 << 16, File::open(csv)?),
        &IngestOptions::new(CommitMode::Replace, "bench", "upload"),
    )?;
    Ok((t.elapsed().as_secs_f64(), report.rows_read, report.rows_rejected))
}

/// Write the first `n` rows of the CSV as an xlsx workbook (birth dates as Excel dates) and time
/// its ingest.
fn xlsx_bench(dir: &Path, csv: &Path, n: u64) -> Result<(), Box<dyn Error>> {
    let text = encoding_rs::GB18030.decode(&std::fs::read(csv)?).0.into_owned();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet();
    for (r, line) in text.lines().take(n as usize + 1).enumerate() {
        for (c, field) in line.split(',').enumerate() {
            if r > 0 && c == 3 {
                let d = time::Date::parse(field, time::macros::format_description!("[year]-[month]-[day]"))?;
                let x = rust_xlsxwriter::ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day())?;
                ws.write_datetime_with_format(r as u32, c as u16, x, &date)?;
            } else {
                ws.write_string(r as u32, c as u16, field)?;
            }
        }
    }
    let path = dir.join("population.xlsx");
    wb.save(&path)?;
    let table = Table::open(dir.join("table-xlsx"), population()?)?;
    let t = Instant::now();
    let report =
        zs_tables::ingest_file(&table, &path, None, &IngestOptions::new(CommitMode::Replace, "bench", "upload"))?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "zs-tables xlsx ingest: {} rows ({:.1} MB xlsx) read, {} rejected, in {secs:.2}s, {:.0} rows/s",
        report.rows_read,
        std::fs::metadata(&path)?.len() as f64 / 1e6,
        report.rows_rejected,
        report.rows_read as f64 / secs
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let rows: u64 = std::env::var("ZS_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let work = tempfile::tempdir()?;
    let csv = work.path().join("population.csv");
    let t0 = Instant::now();
    let bad = generate(&csv, rows)?;
    let size = std::fs::metadata(&csv)?.len();
    println!(
        "generated {rows} rows, {:.1} MB GB18030 in {:.1}s ({bad} rows with a bad phone)",
        size as f64 / 1e6,
        t0.elapsed().as_secs_f64()
    );
    let hwm_before = vm_hwm_kib().unwrap_or(0);

    let table = Table::open(work.path().join("table"), population()?)?;
    let t1 = Instant::now();
    let report = ingest_csv(
        &table,
        BufReader::with_capacity(1 << 16, File::open(&csv)?),
        &IngestOptions::new(CommitMode::Replace, "bench", "upload"),
    )?;
    let secs = t1.elapsed().as_secs_f64();
    let IngestOutcome::Committed { version } = &report.outcome else { return Err("batch rejected".into()) };
    assert_eq!(report.rows_rejected, bad, "every bad phone and only those are rejected");
    println!(
        "zs-tables ingest: {} rows read, {} written, {} rejected, encoding {:?}, version {}",
        report.rows_read, report.rows_written, report.rows_rejected, report.encoding, version.version
    );
    println!(
        "zs-tables ingest: {secs:.2}s, {:.0} rows/s, {:.1} MB/s; peak RSS (VmHWM) {:.0} MiB (before ingest {:.0} MiB)",
        report.rows_read as f64 / secs,
        size as f64 / 1e6 / secs,
        vm_hwm_kib().unwrap_or(0) as f64 / 1024.0,
        hwm_before as f64 / 1024.0
    );
    let parquet_bytes: u64 = table.current()?.map(|m| m.files.iter().map(|f| f.bytes).sum()).unwrap_or(0);
    println!("zs-tables parquet size: {:.1} MB", parquet_bytes as f64 / 1e6);

    let t2 = Instant::now();
    let mut read = 0usize;
    for b in table.scan(None)? {
        read += b?.num_rows();
    }
    println!("read version back: {read} rows in {:.2}s", t2.elapsed().as_secs_f64());
    let t3 = Instant::now();
    let v = table.as_of_time(time::OffsetDateTime::now_utc())?;
    let read: usize = table.scan(v)?.map(|b| b.map(|b| b.num_rows())).sum::<Result<usize, _>>()?;
    println!("as-of-time read: version {v:?}, {read} rows in {:.2}s", t3.elapsed().as_secs_f64());
    let t4 = Instant::now();
    let read: usize = table.scan(Some(version.version))?.map(|b| b.map(|b| b.num_rows())).sum::<Result<usize, _>>()?;
    println!("as-of-version read: version {}, {read} rows in {:.2}s", version.version, t4.elapsed().as_secs_f64());

    xlsx_bench(work.path(), &csv, rows.min(100_000))?;

    let duck = match duckdb(&csv, &work.path().join("duckdb.parquet"), "gb18030") {
        Ok(d) => {
            println!(
                "duckdb GB18030 CSV->Parquet (types inferred, no checks): {d:.2}s, {:.0} rows/s; zs-tables is {:.0}% of its speed",
                rows as f64 / d,
                100.0 * d / secs
            );
            Some(d)
        }
        Err(e) => {
            // DuckDB reads GB18030 only through its `encodings` extension (downloaded at run time).
            println!("duckdb cannot read GB18030 here ({e}); comparing on a UTF-8 copy of the same rows");
            let utf8 = work.path().join("population-utf8.csv");
            let text = encoding_rs::GB18030.decode(&std::fs::read(&csv)?).0.into_owned();
            std::fs::write(&utf8, text)?;
            let (zs, n, _) = ingest(&work.path().join("table-utf8"), &utf8, None)?;
            println!("zs-tables ingest of the UTF-8 copy: {zs:.2}s, {:.0} rows/s", n as f64 / zs);
            match duckdb(&utf8, &work.path().join("duckdb.parquet"), "utf-8") {
                Ok(d) => {
                    println!(
                        "duckdb UTF-8 CSV->Parquet (types inferred, no checks): {d:.2}s, {:.0} rows/s; zs-tables is {:.0}% of its speed on UTF-8, {:.0}% counting its GB18030 run",
                        rows as f64 / d,
                        100.0 * d / zs,
                        100.0 * d / secs
                    );
                    Some(d)
                }
                Err(e) => {
                    println!("duckdb: not run ({e})");
                    None
                }
            }
        }
    };

    // Encryption at rest is the platform's default: the same GB18030 hand-in, files sealed.
    for alg in [Algorithm::Sm4Gcm, Algorithm::Aes256Gcm] {
        let (zs, n, rejected) = ingest(&work.path().join(format!("table-{}", alg.name())), &csv, Some(alg))?;
        assert_eq!(rejected, bad, "the encrypted run rejects the same rows");
        let against = duck.map(|d| format!("; {:.0}% of duckdb's speed", 100.0 * d / zs)).unwrap_or_default();
        println!(
            "zs-tables ingest, files encrypted with {}: {zs:.2}s, {:.0} rows/s{against}",
            alg.name(),
            n as f64 / zs
        );
    }
    Ok(())
}

//! Quality-rule benchmark: 1,000,000 rows of the demo population (valid GB 11643 IDs, Xining
//! division codes) with an employer's credit code drawn from the demo legal persons, about 2% of
//! the rows made dirty on purpose; a rule set of 12 rules (ID number with birth-date and sex
//! agreement, ID uniqueness, name not blank and length, sex code list, plausible birth date,
//! current division code, mobile, e-mail, postal code, GB 32100 credit code, and the employer
//! existing in the legal-person library). Prints rows/s of
//! * the engine over Arrow batches already in memory,
//! * CSV parse → Arrow → engine (what a file hand-in costs), and
//! * `frictionless validate` (Python, `pip install frictionless`) on the same CSV with the
//!   equivalent Table Schema (patterns, enums, unique, required, date bounds, and the employer
//!   codes as an enum standing in for the reference check), run with no error limit,
//!
//! then the speed-up. `cargo bench -p zs-govern --no-default-features --bench rules`
//! (rows: `ZS_BENCH_ROWS`, default 1,000,000; Python: `ZS_BENCH_PYTHON`, default `python3`;
//! `ZS_BENCH_SKIP_FRICTIONLESS=1` skips it).
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used, clippy::needless_range_loop, missing_docs)]

use std::collections::HashMap;
use std::error::Error;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use arrow_array::builder::{Date32Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use zs_govern::column::days_of_date;
use zs_govern::validators::parse_date;
use zs_govern::{merge, Check, Plan, References, Rule};

const COLS: [&str; 9] =
    ["id_number", "name", "sex", "birth_date", "district", "phone", "email", "postcode", "employer_code"];
const BATCH: usize = 65_536;

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(
        COLS.iter()
            .map(|c| {
                let t = if *c == "birth_date" { DataType::Date32 } else { DataType::Utf8 };
                let level = if matches!(*c, "id_number" | "name" | "birth_date" | "phone") { "L3" } else { "L1" };
                Field::new(*c, t, true).with_metadata([("security_level".to_owned(), level.to_owned())].into())
            })
            .collect::<Vec<_>>(),
    ))
}

fn rules() -> Vec<Rule> {
    vec![
        Rule::item(
            "id",
            "id_number",
            Check::IdNumber { birth_date: Some("birth_date".into()), sex: Some("sex".into()) },
        ),
        Rule::item("id_unique", "id_number", Check::Unique { with: vec![] }),
        Rule::item("name", "name", Check::NotBlank),
        Rule::item("name_len", "name", Check::Length { min: None, max: Some(50) }),
        Rule::item("sex", "sex", Check::OneOf { values: vec!["1".into(), "2".into()] }),
        Rule::item("birth", "birth_date", Check::PlausibleDate { earliest: None }),
        Rule::item("district", "district", Check::Division { historical: false }),
        Rule::item("phone", "phone", Check::Mobile).warning(),
        Rule::item("email", "email", Check::Email).warning(),
        Rule::item("postcode", "postcode", Check::PostalCode),
        Rule::item("employer_cc", "employer_code", Check::CreditCode),
        Rule::item(
            "employer_exists",
            "employer_code",
            Check::Exists { resource: "LEGAL".into(), column: "credit_code".into() },
        ),
    ]
}

/// Write the CSV; returns the employers' credit codes.
fn write_csv(path: &Path, rows: usize) -> Result<Vec<String>, Box<dyn Error>> {
    let people_for_reps: Vec<_> = zs_demodata::population(7, 5_000).collect();
    let employers: Vec<String> =
        zs_demodata::enterprises(11, 2_000, &people_for_reps).into_iter().map(|e| e.credit_code).collect();
    let mut w = csv::Writer::from_writer(BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?));
    w.write_record(COLS)?;
    for (i, p) in zs_demodata::population(42, rows).enumerate() {
        let mut id = p.id_number.clone();
        let mut sex = p.sex.to_string();
        let mut district = p.district.to_owned();
        let mut phone = p.phone.clone();
        let mut employer = employers[i % employers.len()].clone();
        let mut name = p.name.clone();
        // About 2% dirty, deterministically.
        match i % 50 {
            7 => id.replace_range(17.., if id.ends_with('0') { "1" } else { "0" }),
            13 => sex = if p.sex == 1 { "2".into() } else { "1".into() },
            19 => district = "630122".into(),
            23 => phone = format!("2{}", &phone[1..]),
            29 => employer.replace_range(17.., if employer.ends_with('0') { "1" } else { "0" }),
            31 => employer = "91630102MA0000000X".into(),
            37 => name.clear(),
            _ => {}
        }
        let email = format!("u{i}@xining.gov.cn");
        let birth = p.birth_date.to_string();
        w.write_record([&id, &name, &sex, &birth, &district, &phone, &email, "810000", &employer])?;
    }
    w.flush()?;
    Ok(employers)
}

/// Parse the CSV into Arrow batches (birth date as Date32).
fn read_batches(path: &Path) -> Result<Vec<RecordBatch>, Box<dyn Error>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path)?));
    let schema = schema();
    let mut out = Vec::new();
    let mut rec = csv::ByteRecord::new();
    let new_builders = || -> (Vec<StringBuilder>, Date32Builder) {
        (
            (0..COLS.len()).map(|_| StringBuilder::with_capacity(BATCH, BATCH * 16)).collect(),
            Date32Builder::with_capacity(BATCH),
        )
    };
    let (mut strings, mut dates) = new_builders();
    let mut n = 0;
    let flush = |strings: &mut Vec<StringBuilder>, dates: &mut Date32Builder| -> Result<RecordBatch, Box<dyn Error>> {
        let cols: Vec<ArrayRef> = (0..COLS.len())
            .map(|c| -> ArrayRef {
                if c == 3 {
                    Arc::new(dates.finish())
                } else {
                    Arc::new(strings[c].finish())
                }
            })
            .collect();
        Ok(RecordBatch::try_new(schema.clone(), cols)?)
    };
    while r.read_byte_record(&mut rec)? {
        for c in 0..COLS.len() {
            let v = std::str::from_utf8(rec.get(c).unwrap_or_default())?;
            if c == 3 {
                dates.append_option(parse_date(v).map(days_of_date));
            } else if v.is_empty() {
                strings[c].append_null();
            } else {
                strings[c].append_value(v);
            }
        }
        n += 1;
        if n == BATCH {
            out.push(flush(&mut strings, &mut dates)?);
            n = 0;
        }
    }
    if n > 0 {
        out.push(flush(&mut strings, &mut dates)?);
    }
    Ok(out)
}

fn frictionless_schema(employers: &[String]) -> serde_json::Value {
    let districts: Vec<&str> = zs_demodata::DISTRICTS.iter().map(|d| d.0).collect();
    serde_json::json!({
        "fields": [
            {"name": "id_number", "type": "string", "constraints": {"required": true, "unique": true,
                "pattern": "[1-9][0-9]{5}(18|19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9X]"}},
            {"name": "name", "type": "string", "constraints": {"required": true, "maxLength": 50}},
            {"name": "sex", "type": "string", "constraints": {"enum": ["1", "2"]}},
            {"name": "birth_date", "type": "date", "constraints": {"minimum": "1900-01-01", "maximum": "2025-06-30"}},
            {"name": "district", "type": "string", "constraints": {"enum": districts}},
            {"name": "phone", "type": "string", "constraints": {"pattern": "1[3-9][0-9]{9}"}},
            {"name": "email", "type": "string", "format": "email"},
            {"name": "postcode", "type": "string", "constraints": {"pattern": "[0-8][0-9]{5}"}},
            {"name": "employer_code", "type": "string", "constraints": {
                "pattern": "[1-9ANY][0-9A-HJ-NPQRTUWXY][0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}", "enum": employers}}
        ]
    })
}

const PY: &str = r#"
import json, os, sys, time
from frictionless import Resource, Schema
path, schema_path = sys.argv[1], sys.argv[2]
schema = Schema.from_descriptor(json.load(open(schema_path)))
t = time.time()
resource = Resource(os.path.basename(path), basepath=os.path.dirname(path), schema=schema)
report = resource.validate(limit_errors=10**9)
dt = time.time() - t
task = report.tasks[0]
print(json.dumps({"seconds": dt, "rows": task.stats.get("rows"), "errors": task.stats.get("errors"), "valid": report.valid}))
"#;

fn main() -> Result<(), Box<dyn Error>> {
    let rows: usize = std::env::var("ZS_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir()?;
    let csv_path = dir.path().join("population.csv");
    let t = Instant::now();
    let employers = write_csv(&csv_path, rows)?;
    let size = std::fs::metadata(&csv_path)?.len();
    println!("data: {rows} rows, {:.1} MB CSV, written in {:.1} s", size as f64 / 1e6, t.elapsed().as_secs_f64());

    let mut refs = References::default();
    refs.add_set("LEGAL", "credit_code", 1, References::set_of(employers.iter().map(String::as_str)));
    let plan = Plan::bind(&rules(), &schema(), &HashMap::new(), &refs)?;
    let day = time::macros::date!(2025 - 06 - 30);

    // CSV → Arrow → rules.
    let t = Instant::now();
    let batches = read_batches(&csv_path)?;
    let parse_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let stats = plan.evaluate(batches.iter(), day);
    let result = merge(&plan, &[&stats], day);
    let rules_s = t.elapsed().as_secs_f64();
    let end_to_end = parse_s + rules_s;
    println!(
        "rules: {} rules ({} checks of values)",
        plan.rules.len(),
        result.rules.iter().map(|r| r.checked).sum::<u64>()
    );
    for r in &result.rules {
        println!("  {:<16} {:>9} checked {:>7} failed", r.key, r.checked, r.failed);
    }
    println!("blocked rows: {}  scores: {:?}", result.blocked, result.scores(None));
    println!("zs-govern engine over Arrow batches: {:.2} s, {:.0} rows/s", rules_s, rows as f64 / rules_s);
    println!(
        "zs-govern CSV parse + rules:         {:.2} s, {:.0} rows/s (parse {:.2} s)",
        end_to_end,
        rows as f64 / end_to_end,
        parse_s
    );

    if std::env::var("ZS_BENCH_SKIP_FRICTIONLESS").is_ok() {
        return Ok(());
    }
    let schema_path = dir.path().join("schema.json");
    std::fs::write(&schema_path, serde_json::to_vec(&frictionless_schema(&employers))?)?;
    let py_path = dir.path().join("fl.py");
    std::fs::File::create(&py_path)?.write_all(PY.as_bytes())?;
    let python = std::env::var("ZS_BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
    let t = Instant::now();
    let out = std::process::Command::new(&python).arg(&py_path).arg(&csv_path).arg(&schema_path).output();
    match out {
        Ok(o) if o.status.success() => {
            let wall = t.elapsed().as_secs_f64();
            let v: serde_json::Value = serde_json::from_slice(&o.stdout)?;
            let secs = v["seconds"].as_f64().unwrap_or(wall);
            println!(
                "frictionless validate:               {:.2} s, {:.0} rows/s (rows {}, errors {})",
                secs,
                rows as f64 / secs,
                v["rows"],
                v["errors"]
            );
            println!("speed-up: {:.0}x (CSV + rules), {:.0}x (rules over Arrow)", secs / end_to_end, secs / rules_s);
        }
        Ok(o) => println!("frictionless failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => println!("frictionless not run ({python}: {e}); pip install frictionless"),
    }
    Ok(())
}

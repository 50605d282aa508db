//! Integration tests of every input format on real files written to temp dirs: Excel (xlsx with
//! merged cells and dates), CSV detection, JSON arrays and lines, GeoJSON, rows fed by callers,
//! and every kind of malformed input (which must change nothing).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::type_complexity, missing_docs)]

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int64Type, TimestampMillisecondType};
use arrow_array::Array;
use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Workbook};
use serde_json::json;
use zs_catalog::{DataItem, DataType, OpenKind, SecurityLevel, SharingKind};
use zs_tables::{
    detect_format, ingest_file, ingest_rows, CommitMode, Enc, Format, IngestOptions, IngestOutcome, IngestReport,
    MapRows, Table, TableSchema, TablesError, VecRows,
};

fn item(name: &str, label: &str, data_type: DataType, length: Option<u32>, key: bool) -> DataItem {
    DataItem {
        name: name.into(),
        label: label.into(),
        data_type,
        length,
        key,
        element: None,
        security_level: if name == "name" { SecurityLevel::L3 } else { SecurityLevel::L1 },
        sharing: SharingKind::Unconditional,
        open: OpenKind::None,
    }
}

/// A licence register: code (key), holder name (L3), count, issue day, checked-at time, district.
fn licences() -> TableSchema {
    use DataType::*;
    TableSchema::from_items(&[
        item("code", "许可证编号", String, Some(10), true),
        item("name", "持证人", String, Some(6), false),
        item("count", "数量", Integer, Some(6), false),
        item("day", "发证日期", Date, None, false),
        item("at", "核查时间", DateTime, None, false),
        item("district", "所属区县", String, Some(20), false),
    ])
    .unwrap()
}

fn places() -> TableSchema {
    use DataType::*;
    TableSchema::from_items(&[
        item("code", "编号", String, Some(10), true),
        item("title", "名称", String, Some(20), false),
        item("shape", "位置", Geometry, None, false),
    ])
    .unwrap()
}

fn opts() -> IngestOptions {
    IngestOptions::new(CommitMode::Append, "tester", "upload")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Every column of the current version as text (nulls as ""), rows sorted.
fn dump(t: &Table) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for b in t.scan(None).unwrap() {
        let b = b.unwrap();
        for r in 0..b.num_rows() {
            let mut row = Vec::new();
            for c in 0..b.num_columns() {
                let col = b.column(c);
                if col.is_null(r) {
                    row.push(String::new());
                    continue;
                }
                let s = match col.data_type() {
                    arrow_schema::DataType::Utf8 => col.as_string::<i32>().value(r).to_owned(),
                    arrow_schema::DataType::Int64 => col.as_primitive::<Int64Type>().value(r).to_string(),
                    arrow_schema::DataType::Date32 => {
                        let d = col.as_primitive::<Date32Type>().value(r);
                        time::Date::from_julian_day(d + 2_440_588).unwrap().to_string()
                    }
                    arrow_schema::DataType::Timestamp(..) => {
                        let ms = col.as_primitive::<TimestampMillisecondType>().value(r);
                        let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
                            .unwrap()
                            .to_offset(time::macros::offset!(+8));
                        format!("{} {}", t.date(), t.time())
                    }
                    other => panic!("{other}"),
                };
                row.push(s);
            }
            out.push(row);
        }
    }
    out.sort();
    out
}

fn strs(rows: &[&[&str]]) -> Vec<Vec<String>> {
    let mut v: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(|s| (*s).to_owned()).collect()).collect();
    v.sort();
    v
}

/// A workbook: a title-less blank first row, the header (labels) on row 2, four data rows with
/// Excel dates and date-times, whole numbers stored as floats, and the district merged over the
/// first three data rows.
fn licence_workbook(sheet_name: &str) -> Vec<u8> {
    let mut wb = Workbook::new();
    let date = XFormat::new().set_num_format("yyyy-mm-dd");
    let stamp = XFormat::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name).unwrap();
    for (c, h) in ["许可证编号", "持证人", "数量", "发证日期", "核查时间", "所属区县"].iter().enumerate()
    {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    let rows: [(&str, &str, f64, (u16, u8, u8), (u16, u8, u8, u16, u8, u8)); 4] = [
        ("XK-001", "张三", 3.0, (2024, 1, 15), (2024, 3, 1, 9, 30, 0)),
        ("XK-002", "李四", 12.0, (2023, 12, 31), (2024, 3, 2, 14, 5, 9)),
        ("XK-003", "王五", 7.0, (2022, 2, 28), (2024, 3, 3, 0, 0, 0)),
        ("XK-004", "赵六", 2.5, (2021, 6, 1), (2024, 3, 4, 8, 0, 0)),
    ];
    for (i, (code, name, count, d, t)) in rows.iter().enumerate() {
        let r = 2 + i as u32;
        ws.write_string(r, 0, *code).unwrap();
        ws.write_string(r, 1, *name).unwrap();
        ws.write_number(r, 2, *count).unwrap();
        ws.write_datetime_with_format(r, 3, ExcelDateTime::from_ymd(d.0, d.1, d.2).unwrap(), &date).unwrap();
        let dt = ExcelDateTime::from_ymd(t.0, t.1, t.2).unwrap().and_hms(t.3, t.4, t.5).unwrap();
        ws.write_datetime_with_format(r, 4, dt, &stamp).unwrap();
    }
    ws.merge_range(2, 5, 4, 5, "城东区", &XFormat::new()).unwrap();
    ws.write_string(5, 5, "城西区").unwrap();
    // A second sheet, to pick by name.
    let other = wb.add_worksheet();
    other.set_name("说明").unwrap();
    other.write_string(0, 0, "许可证编号").unwrap();
    other.write_string(1, 0, "XK-900").unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn xlsx_with_merged_cells_and_dates() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "许可证.xlsx", &licence_workbook("登记"));
    let t = Table::open(dir.path().join("t"), licences()).unwrap();
    let r = ingest_file(&t, &path, None, &opts()).unwrap();
    assert_eq!(r.format, Some(Format::Xlsx));
    assert_eq!((r.rows_read, r.rows_written, r.rows_rejected), (4, 3, 1), "{:?}", r.rejected);
    // 2.5 is not an integer; the row is its sheet row (row 6), the first data row is row 1.
    let bad = &r.rejected[0];
    assert_eq!((bad.row, bad.line, bad.field.as_str(), bad.value.as_str()), (4, 6, "count", "2.5"));
    assert_eq!(
        dump(&t),
        strs(&[
            &["XK-001", "张三", "3", "2024-01-15", "2024-03-01 9:30:00.0", "城东区"],
            &["XK-002", "李四", "12", "2023-12-31", "2024-03-02 14:05:09.0", "城东区"],
            &["XK-003", "王五", "7", "2022-02-28", "2024-03-03 0:00:00.0", "城东区"],
        ])
    );
    // A named sheet.
    let t2 = Table::open(dir.path().join("t2"), licences()).unwrap();
    let mut o = opts();
    o.sheet = Some("说明".into());
    let r = ingest_file(&t2, &path, None, &o).unwrap();
    assert_eq!((r.rows_read, r.rows_written), (1, 1));
    o.sheet = Some("没有".into());
    let e = ingest_file(&t2, &path, None, &o).unwrap_err();
    assert!(e.to_string().contains("no sheet named '没有'"), "{e}");
}

/// The committed legacy workbook (BIFF8, written once by `fixtures/make_licences_xls.py` with
/// xlwt): the same register as the xlsx test, so the xls reader must give the same rows.
#[test]
fn legacy_xls_with_merged_cells_and_dates() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/licences.xls");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(detect_format(Some("licences.xls"), &bytes).unwrap(), Format::Xls);
    let dir = tempfile::tempdir().unwrap();
    let t = Table::open(dir.path().join("t"), licences()).unwrap();
    let r = ingest_file(&t, &path, None, &opts()).unwrap();
    assert_eq!(r.format, Some(Format::Xls));
    assert_eq!((r.rows_read, r.rows_written, r.rows_rejected), (4, 3, 1), "{:?}", r.rejected);
    let bad = &r.rejected[0];
    assert_eq!((bad.row, bad.line, bad.field.as_str(), bad.value.as_str()), (4, 6, "count", "2.5"));
    // Dates and date-times from Excel serial numbers, floats as integers, Chinese text, and the
    // merged district filled into every row it covers.
    assert_eq!(
        dump(&t),
        strs(&[
            &["XK-001", "张三", "3", "2024-01-15", "2024-03-01 9:30:00.0", "城东区"],
            &["XK-002", "李四", "12", "2023-12-31", "2024-03-02 14:05:09.0", "城东区"],
            &["XK-003", "王五", "7", "2022-02-28", "2024-03-03 0:00:00.0", "城东区"],
        ])
    );
    // The second sheet by name.
    let t2 = Table::open(dir.path().join("t2"), licences()).unwrap();
    let mut o = opts();
    o.sheet = Some("说明".into());
    let r = ingest_file(&t2, &path, None, &o).unwrap();
    assert_eq!((r.rows_read, r.rows_written), (1, 1));
    // Cut in half, the workbook is refused and nothing is committed.
    let half = write(dir.path(), "half.xls", &bytes[..bytes.len() / 2]);
    let t3 = Table::open(dir.path().join("t3"), licences()).unwrap();
    assert_refused(ingest_file(&t3, &half, None, &opts()).unwrap_err(), "xls", &t3);
}

/// Assert `e` is a malformed-input error containing `needle`, and that `t` has no version and no
/// data files.
fn assert_refused(e: TablesError, needle: &str, t: &Table) {
    match &e {
        TablesError::Malformed { message, .. } => assert!(message.contains(needle), "{needle:?} not in: {message}"),
        other => panic!("expected Malformed with {needle:?}, got {other:?}"),
    }
    assert!(t.current().unwrap().is_none(), "{needle}: a version was committed");
    let data = t.local_dir().unwrap().join("data");
    let files = std::fs::read_dir(&data).map(|d| d.count()).unwrap_or(0);
    assert_eq!(files, 0, "{needle}: data files left behind");
}

#[test]
fn truncated_xlsx_and_fake_xlsx_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let book = licence_workbook("登记");
    let half = write(dir.path(), "half.xlsx", &book[..book.len() / 2]);
    let t = Table::open(dir.path().join("t"), licences()).unwrap();
    assert_refused(ingest_file(&t, &half, None, &opts()).unwrap_err(), "damaged or cut short", &t);
    let fake = write(dir.path(), "fake.xlsx", "许可证编号,持证人\nXK-1,甲\n".as_bytes());
    assert_refused(ingest_file(&t, &fake, None, &opts()).unwrap_err(), "is not an Excel workbook", &t);
    let fake_xls = write(dir.path(), "fake.xls", b"<html><table></table></html>");
    assert_refused(ingest_file(&t, &fake_xls, None, &opts()).unwrap_err(), "not an Excel 97-2003 workbook", &t);
    // Forced to xlsx, a CSV is not a zip either.
    let csv = write(dir.path(), "data.csv", "许可证编号\nXK-1\n".as_bytes());
    assert_refused(ingest_file(&t, &csv, Some(Format::Xlsx), &opts()).unwrap_err(), "damaged or cut short", &t);
}

/// Copy `book` and add an entry of `zeros` zero bytes (deflated about 1000:1).
fn with_padding(book: &[u8], zeros: usize) -> Vec<u8> {
    let mut src = zip::ZipArchive::new(Cursor::new(book)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..src.len() {
        out.raw_copy_file(src.by_index_raw(i).unwrap()).unwrap();
    }
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(zeros > u32::MAX as usize);
    out.start_file("xl/media/padding.bin", o).unwrap();
    let chunk = vec![0u8; 1 << 20];
    let mut left = zeros;
    while left > 0 {
        let n = left.min(chunk.len());
        out.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn zip_bombs_are_refused_before_decompression() {
    let dir = tempfile::tempdir().unwrap();
    let book = licence_workbook("登记");
    let t = Table::open(dir.path().join("t"), licences()).unwrap();
    // An entry of 16 MiB of zeros compresses about 1000:1: refused at the default limit.
    let bomb = write(dir.path(), "bomb.xlsx", &with_padding(&book, 16 << 20));
    assert!(std::fs::metadata(&bomb).unwrap().len() < 100_000);
    assert_refused(ingest_file(&t, &bomb, None, &opts()).unwrap_err(), "possible zip bomb", &t);
    // A plain workbook over a (configured) limit on the total expanded size.
    let plain = write(dir.path(), "plain.xlsx", &book);
    let mut o = opts();
    o.max_uncompressed_bytes = 4096;
    assert_refused(ingest_file(&t, &plain, None, &o).unwrap_err(), "expands to more than 4096 bytes", &t);
    // Under the default limit the same workbook is fine.
    assert!(matches!(ingest_file(&t, &plain, None, &opts()).unwrap().outcome, IngestOutcome::Committed { .. }));
}

#[test]
fn csv_files_detect_gb18030_and_bom() {
    let dir = tempfile::tempdir().unwrap();
    let text = "许可证编号,持证人,所属区县\nXK-1,张三,城东区\nXK-2,李四,城西区\n";
    let gb = encoding_rs::GB18030.encode(text).0.into_owned();
    let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    for (name, bytes, enc) in [("gb.csv", gb, Enc::Gb18030), ("bom.csv", bom, Enc::Utf8)] {
        let t = Table::open(dir.path().join(format!("t-{name}")), licences()).unwrap();
        let p = write(dir.path(), name, &bytes);
        let r = ingest_file(&t, &p, None, &opts()).unwrap();
        assert_eq!((r.format, r.encoding, r.rows_written), (Some(Format::Csv), enc, 2), "{name}");
        assert_eq!(r.columns[0], ("许可证编号".to_owned(), Some("code".to_owned())), "{name}: BOM stripped");
        assert_eq!(dump(&t)[1], ["XK-2", "李四", "", "", "", "城西区"], "{name}");
    }
}

fn json_report(t: &Table, dir: &Path, name: &str, text: &str) -> IngestReport {
    ingest_file(t, write(dir, name, text.as_bytes()), None, &opts()).unwrap()
}

#[test]
fn json_arrays_and_lines_with_labels_nested_values_and_unknown_keys() {
    let dir = tempfile::tempdir().unwrap();
    let records = [
        json!({"code": "J-1", "持证人": "张三", "数量": 3, "发证日期": "2024-01-15", "note": "ignored"}),
        json!({"CODE": "J-2", "name": "李四", "count": 4.0, "at": "2024-03-01 09:30:00"}),
        json!({"code": "J-3", "name": {"first": "王"}, "count": 5}),
        json!({"code": "J-4", "name": "赵六", "district": ["城东区"]}),
        json!({"code": "J-5", "name": "钱七", "count": null, "district": true}),
    ];
    let array = serde_json::to_string_pretty(&records).unwrap();
    let lines: String = records.iter().map(|r| format!("{r}\n\n")).collect();
    for (name, text, format) in [("a.json", array, Format::Json), ("a.jsonl", lines, Format::JsonLines)] {
        let t = Table::open(dir.path().join(format!("t-{name}")), licences()).unwrap();
        let r = json_report(&t, dir.path(), name, &text);
        assert_eq!(r.format, Some(format));
        assert_eq!((r.rows_read, r.rows_written, r.rows_rejected), (5, 3, 2), "{name}: {:?}", r.rejected);
        let nested = &r.rejected[0];
        assert_eq!((nested.row, nested.field.as_str()), (3, "name"), "{name}");
        assert!(nested.reason.contains("nested value (an object) under key 'name'"), "{}", nested.reason);
        assert!(r.rejected[1].reason.contains("nested value (an array)"), "{}", r.rejected[1].reason);
        // JSON Lines: the line of the record (blank lines in between); arrays: the line it starts on.
        let expected_line = if format == Format::JsonLines { 5 } else { 15 };
        assert_eq!(nested.line, expected_line, "{name}");
        assert!(r.columns.contains(&("note".to_owned(), None)), "{name}: {:?}", r.columns);
        assert_eq!(
            dump(&t),
            strs(&[
                &["J-1", "张三", "3", "2024-01-15", "", ""],
                &["J-2", "李四", "4", "", "2024-03-01 9:30:00.0", ""],
                &["J-5", "钱七", "", "", "", "true"],
            ]),
            "{name}"
        );
    }
}

#[test]
fn invalid_json_names_the_record_line_and_byte() {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::open(dir.path().join("t"), licences()).unwrap();
    let cases: [(&str, &str, u64, &str); 7] = [
        (
            "bad.json",
            "[\n{\"code\": \"A\"},\n{\"code\": \"B\",, \"name\": \"x\"}\n]",
            3,
            "invalid JSON in record 2 (line 3, byte",
        ),
        ("cut.json", "[\n{\"code\": \"A\"},\n{\"code\": \"B\"", 3, "invalid JSON in record 2"),
        ("open.json", "[\n{\"code\": \"A\"}\n", 3, "the input ends inside the array (after 1 records)"),
        ("scalar.json", "[{\"code\": \"A\"}, 42]", 1, "record 2 (line 1) is a number, not an object"),
        ("tail.json", "[{\"code\": \"A\"}] x", 1, "'x' after the end of the document"),
        ("bad.jsonl", "{\"code\": \"A\"}\n{\"code\": \"B\"\n{\"code\": \"C\"}\n", 2, "invalid JSON on line 2 (byte"),
        ("list.jsonl", "{\"code\": \"A\"}\n[1]\n", 2, "line 2 is an array, not an object"),
    ];
    for (name, text, line, needle) in cases {
        let e = ingest_file(&t, write(dir.path(), name, text.as_bytes()), None, &opts()).unwrap_err();
        match &e {
            TablesError::Malformed { line: l, message } => {
                assert_eq!(*l, line, "{name}: {message}");
                assert!(message.contains(needle), "{name}: {message}");
            }
            other => panic!("{name}: {other:?}"),
        }
        assert_refused(e, "", &t);
    }
    // The byte offset points at the second comma.
    let text = "[\n{\"code\": \"A\"},\n{\"code\": \"B\",, \"name\": \"x\"}\n]";
    let e = ingest_file(&t, write(dir.path(), "b.json", text.as_bytes()), None, &opts()).unwrap_err();
    let at = text.find(",,").unwrap() + 2;
    assert!(e.to_string().contains(&format!("byte {at})")), "{e} (expected byte {at})");
}

#[test]
fn geojson_features_feed_properties_and_geometry() {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::open(dir.path().join("t"), places()).unwrap();
    let fc = json!({
        "features": [
            {"type": "Feature", "properties": {"编号": "P-1", "名称": "人民公园"},
             "geometry": {"type": "Point", "coordinates": [101.78, 36.62]}},
            {"type": "Feature", "properties": {"code": "P-2", "title": "中心广场", "extra": 1},
             "geometry": {"type": "Polygon", "coordinates": [[[101.7, 36.6], [101.8, 36.6], [101.8, 36.7], [101.7, 36.6]]]}},
            {"type": "Feature", "properties": {"code": "P-3", "title": "无位置"}, "geometry": null},
            {"type": "Feature", "properties": {"code": "P-4"}, "geometry": {"type": "Circle"}}
        ],
        "type": "FeatureCollection",
        "name": "places"
    });
    let r = json_report(&t, dir.path(), "places.geojson", &serde_json::to_string_pretty(&fc).unwrap());
    assert_eq!(r.format, Some(Format::GeoJson));
    assert_eq!((r.rows_read, r.rows_written, r.rows_rejected), (4, 3, 1), "{:?}", r.rejected);
    assert_eq!(r.rejected[0].field, "shape");
    let rows = dump(&t);
    assert_eq!(rows[0][..2], ["P-1".to_owned(), "人民公园".to_owned()]);
    let g: serde_json::Value = serde_json::from_str(&rows[0][2]).unwrap();
    assert_eq!(g, json!({"type": "Point", "coordinates": [101.78, 36.62]}));
    assert!(rows[1][2].contains("Polygon"));
    assert_eq!(rows[2], ["P-3", "无位置", ""]);
    assert!(r.columns.contains(&("extra".to_owned(), None)));
    // Detected from the bytes too, whatever the name.
    assert_eq!(
        detect_format(Some("x.json"), br#"{"type":"FeatureCollection","features":[]}"#).unwrap(),
        Format::GeoJson
    );
}

#[test]
fn geojson_without_features_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::open(dir.path().join("t"), places()).unwrap();
    let cases = [
        ("none.geojson", r#"{"type": "FeatureCollection", "name": "x"}"#, "has no 'features' array"),
        ("point.geojson", r#"{"type": "Point", "coordinates": [1, 2]}"#, "has no 'features' array"),
        (
            "feat.geojson",
            r#"{"type": "FeatureCollection", "features": [{"type": "Point"}]}"#,
            "is not a GeoJSON Feature",
        ),
        ("kind.geojson", r#"{"features": [], "type": "Topology"}"#, "is a Topology, not a FeatureCollection"),
    ];
    for (name, text, needle) in cases {
        let e = ingest_file(&t, write(dir.path(), name, text.as_bytes()), None, &opts()).unwrap_err();
        assert_refused(e, needle, &t);
    }
}

#[test]
fn callers_feed_rows_and_json_objects() {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::open(dir.path().join("t"), licences()).unwrap();
    let header = vec!["许可证编号".to_owned(), "数量".to_owned()];
    let rows = vec![
        vec![Some("V-1".to_owned()), Some("1".to_owned())],
        vec![Some("V-2".to_owned()), None],
        vec![Some("V-1".to_owned()), Some("3".to_owned())],
        vec![None, Some("4".to_owned())],
    ];
    let mut src = VecRows::new(header.clone(), rows);
    let mut rejected = Vec::new();
    let r = ingest_rows(&t, &mut src, &opts(), &mut |x| {
        rejected.push(x);
        Ok(())
    })
    .unwrap();
    assert_eq!((r.rows_read, r.rows_written, r.rows_rejected, r.format), (4, 2, 2, None));
    assert_eq!(rejected[0].reason, "key repeats an earlier row of this file");
    assert_eq!((rejected[1].row, rejected[1].reason.as_str()), (4, "key item is empty"));
    // A short row is malformed: nothing more is committed.
    let mut short = VecRows::new(header, vec![vec![Some("V-9".to_owned()), None], vec![Some("V-8".to_owned())]]);
    let e = ingest_rows(&t, &mut short, &opts(), &mut |_| Ok(())).unwrap_err();
    assert!(matches!(e, TablesError::Malformed { line: 2, .. }), "{e:?}");
    assert_eq!(t.current().unwrap().unwrap().version, 1);
    // JSON objects from a push API, through `dyn RowSource`.
    let objs: Vec<serde_json::Map<String, serde_json::Value>> = vec![
        json!({"许可证编号": "M-1", "持证人": "甲"}).as_object().unwrap().clone(),
        json!({"code": "M-2", "name": "乙乙乙乙乙乙乙"}).as_object().unwrap().clone(),
    ];
    let mut m = MapRows::new(t.schema(), &Default::default(), objs);
    let dynsrc: &mut dyn zs_tables::RowSource = &mut m;
    let mut rejected = Vec::new();
    let r = ingest_rows(&t, dynsrc, &opts(), &mut |x| {
        rejected.push(x);
        Ok(())
    })
    .unwrap();
    assert_eq!((r.rows_written, r.rows_rejected), (1, 1));
    assert_eq!(rejected[0].value, "乙乙***乙乙", "L3 values are masked");
}

#[test]
fn detection_by_name_and_bytes() {
    assert_eq!(detect_format(Some("a.csv"), b"x,y\n").unwrap(), Format::Csv);
    assert_eq!(detect_format(Some("a.CSV"), b"PK\x03\x04....").unwrap(), Format::Xlsx);
    assert_eq!(detect_format(Some("a.xlsx"), &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]).unwrap(), Format::Xls);
    assert_eq!(detect_format(None, b"  [{}]").unwrap(), Format::Json);
    assert_eq!(detect_format(None, b"{\"a\":1}\n{\"a\":2}\n").unwrap(), Format::JsonLines);
    assert_eq!(detect_format(Some("a.ndjson"), b"{}").unwrap(), Format::JsonLines);
    assert_eq!(detect_format(Some("data"), "编号,名称\n".as_bytes()).unwrap(), Format::Csv);
    assert!(detect_format(Some("a.json"), b"hello").is_err());
}

/// Blocks rows whose district is not one of Xining's (a stand-in for a quality rule), naming the
/// data rows it saw.
struct DistrictGate(std::sync::Mutex<Vec<u64>>);

impl zs_tables::RowGate for DistrictGate {
    fn check(&self, batch: &arrow_array::RecordBatch, rows: &[u64]) -> Vec<zs_tables::GateFailure> {
        self.0.lock().unwrap().extend_from_slice(rows);
        let d = batch.column_by_name("district").unwrap().as_string::<i32>();
        (0..batch.num_rows())
            .filter(|&i| !d.is_null(i) && !d.value(i).starts_with("城"))
            .map(|i| zs_tables::GateFailure {
                index: i,
                field: "district".into(),
                value: d.value(i).into(),
                reason: "not a district of the city".into(),
            })
            .collect()
    }
}

#[test]
fn gate_blocks_rows_before_commit_across_batches() {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::open(dir.path().join("t"), licences()).unwrap();
    // Row 2 fails the schema (name too long), rows 3 and 5 fail the gate; batches of two rows.
    let csv = "许可证编号,持证人,所属区县\nXK-1,张三,城东区\nXK-2,名字实在是太长了,城西区\nXK-3,李四,外省\nXK-4,王五,城中区\nXK-5,赵六,某县\n";
    let gate = std::sync::Arc::new(DistrictGate(Default::default()));
    let mut o = opts();
    o.batch_rows = 2;
    o.gate = Some(zs_tables::Gate(gate.clone()));
    let mut rejected = Vec::new();
    let r = zs_tables::ingest_csv_with_sink(&t, csv.as_bytes(), &o, &mut |row| {
        rejected.push(row);
        Ok(())
    })
    .unwrap();
    assert_eq!((r.rows_read, r.rows_written, r.rows_rejected), (5, 2, 3));
    assert_eq!(*gate.0.lock().unwrap(), [1, 3, 4, 5], "the gate sees only schema-valid rows, by data row number");
    let by_gate: Vec<(u64, u64, &str, &str)> = rejected
        .iter()
        .filter(|x| x.reason.contains("district"))
        .map(|x| (x.row, x.line, x.field.as_str(), x.value.as_str()))
        .collect();
    assert_eq!(by_gate, [(3, 4, "district", "外省"), (5, 6, "district", "某县")]);
    let codes: Vec<String> = dump(&t).into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(codes, ["XK-1", "XK-4"], "blocked rows never reach the version");

    // With a limit, gate rejections count towards the error rate: nothing is committed.
    let mut o = o.clone();
    o.mode = CommitMode::Replace;
    o.max_error_rate = Some(0.3);
    let r = zs_tables::ingest_csv_with_sink(&t, csv.as_bytes(), &o, &mut |_| Ok(())).unwrap();
    assert!(matches!(r.outcome, IngestOutcome::BatchRejected { .. }), "{:?}", r.outcome);
    assert_eq!(dump(&t).len(), 2, "the previous version stays");
}

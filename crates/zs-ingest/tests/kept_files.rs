//! Every input format reads the same from an encrypted kept file as from the clear one: format
//! detection (UTF-8 with and without BOM — GB18030 is covered through the API —, xlsx and xls by their zip/OLE bytes, JSON)
//! and the zip reader's seeks go through the decrypting stream.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use zs_catalog::{DataItem, DataType, OpenKind, SecurityLevel, SharingKind};
use zs_crypto::{Algorithm, Keyring, LocalMasterKeys};
use zs_ingest::{FileKey, FileOpener};
use zs_tables::{CommitMode, IngestOptions, Table, TableSchema};

fn item(name: &str, label: &str, data_type: DataType, key: bool) -> DataItem {
    DataItem {
        name: name.into(),
        label: label.into(),
        data_type,
        length: None,
        key,
        element: None,
        security_level: SecurityLevel::L1,
        sharing: SharingKind::Unconditional,
        open: OpenKind::None,
    }
}

/// The licence register of `zs-tables`' xls fixture.
fn licences() -> TableSchema {
    use DataType::*;
    TableSchema::from_items(&[
        item("code", "许可证编号", String, true),
        item("name", "持证人", String, false),
        item("count", "数量", Integer, false),
        item("day", "发证日期", Date, false),
        item("at", "核查时间", DateTime, false),
        item("district", "所属区县", String, false),
    ])
    .unwrap()
}

fn xlsx() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let rows = [
        ["许可证编号", "持证人", "数量", "发证日期", "核查时间", "所属区县"],
        ["XK-001", "张三", "3", "2024-01-15", "2024-03-01 09:30:00", "城东区"],
        ["XK-002", "李四", "x", "2023-12-31", "2024-03-02 14:05:09", "城西区"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// Ingest `file` (named `name`) into a new table; the report and every row as debug text.
fn ingest(dir: &Path, table: &str, opener: &FileOpener, file: &Path, name: &str) -> (String, Vec<String>, u64) {
    let t = Table::open(dir.join(table), licences()).unwrap();
    let reader = std::io::BufReader::new(opener.open(file).unwrap());
    let opts = IngestOptions::new(CommitMode::Append, "tester", "upload");
    let mut rejected = Vec::new();
    let r = zs_tables::ingest_reader_with_sink(&t, reader, Some(name), None, &opts, &mut |row| {
        rejected.push(format!("{} {} {} {}", row.row, row.line, row.field, row.reason));
        Ok(())
    })
    .unwrap();
    let mut rows: Vec<String> =
        t.scan(None).unwrap().map(|b| format!("{:?}", b.unwrap().columns())).collect::<Vec<_>>();
    rows.extend(rejected);
    (format!("{:?} {} {}", r.format, r.rows_read, r.rows_rejected), rows, r.rows_written)
}

#[test]
fn every_format_reads_the_same_encrypted() {
    let ring = Keyring::new(Arc::new(LocalMasterKeys::from_text(&"3c".repeat(32)).unwrap()), Algorithm::Sm4Gcm);
    let (k, _) = ring.generate("licences").unwrap();
    ring.install(k, true);
    let ring = Arc::new(ring);
    let key = FileKey::of(ring.current("licences").unwrap());
    let opener = FileOpener::new(Some(Arc::clone(&ring)));
    let dir = tempfile::tempdir().unwrap();
    let csv = "许可证编号,持证人,数量,发证日期,核查时间,所属区县\nXK-001,张三,3,2024-01-15,2024-03-01 09:30:00,城东区\nXK-002,李四,x,2023-12-31,2024-03-02 14:05:09,城西区\n";
    let xls =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../zs-tables/tests/fixtures/licences.xls")).unwrap();
    let json = r#"[{"code":"XK-001","name":"张三","count":3,"day":"2024-01-15","at":"2024-03-01 09:30:00","district":"城东区"}]"#;
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("utf8.csv", csv.as_bytes().to_vec()),
        ("bom.csv", [&b"\xef\xbb\xbf"[..], csv.as_bytes()].concat()),
        ("l.xlsx", xlsx()),
        ("l.xls", xls),
        ("l.json", json.as_bytes().to_vec()),
    ];
    for (n, (name, bytes)) in files.iter().enumerate() {
        let clear = dir.path().join(format!("clear-{name}"));
        std::fs::write(&clear, bytes).unwrap();
        let sealed = dir.path().join(format!("sealed-{name}"));
        let mut w = key.create(&sealed).unwrap();
        w.write_all(bytes).unwrap();
        w.finish_and_sync().unwrap();
        let stored = std::fs::read(&sealed).unwrap();
        assert!(stored.starts_with(b"ZSEF") && !stored.windows(6).any(|w| w == b"XK-001"), "{name}");
        let a = ingest(dir.path(), &format!("a{n}"), &opener, &clear, name);
        let b = ingest(dir.path(), &format!("b{n}"), &opener, &sealed, name);
        assert_eq!(a, b, "{name}");
        assert!(a.2 > 0, "{name}: no rows written: {a:?}");
    }
}

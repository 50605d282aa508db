//! Export → import round trips for Excel, CSV and JSON, and the import's problem reports.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use zs_catalog::{
    Classification, DataItem, DataType, Entry, EntryBody, EntryStatus, Format, FormatKind, OpenKind, Openness,
    ResourceClass, SecurityLevel, Sharing, SharingKind, SharingMethod, UpdateCycle, ENTRY_SCHEMA,
};
use zs_catalog_xlsx::{
    export_csv, export_json, export_xlsx, import_csv, import_json, import_xlsx, template_xlsx, CellProblem,
    ImportError, ImportedEntry, ENTRIES_SHEET, GUIDE_SHEET, ITEMS_SHEET, MAX_PROBLEMS,
};

// ---------------------------------------------------------------------------------------------
// Fixture

fn item(name: &str, label: &str, data_type: DataType, i: usize, sharing: SharingKind, open: OpenKind) -> DataItem {
    DataItem {
        name: name.into(),
        label: label.into(),
        data_type,
        length: match data_type {
            DataType::String => Some(18 + i as u32),
            DataType::Decimal => Some(12),
            DataType::Integer if i.is_multiple_of(2) => Some(10),
            _ => None,
        },
        key: i == 0,
        element: (i % 3 == 1).then(|| format!("DE{:05}", 100 + i)),
        security_level: SecurityLevel::ALL[i % SecurityLevel::ALL.len()],
        sharing,
        open,
    }
}

/// Seven entries, one per update cycle, that together use every value of every vocabulary,
/// optional elements both empty and filled, several items and related codes. All valid.
fn fixture() -> Vec<Entry> {
    (0..UpdateCycle::ALL.len())
        .map(|i| {
            let class = ResourceClass::ALL[i % 3];
            let sharing_kind = SharingKind::ALL[i % 3];
            let open_kind = if sharing_kind == SharingKind::None { OpenKind::None } else { OpenKind::ALL[i % 3] };
            let format_kind = if i == 5 { FormatKind::File } else { FormatKind::ALL[i % 2 * 2 % 3] };
            let items: Vec<DataItem> = match i {
                // Every data type and security level; item sharing and openness cycle through
                // all values (none more open than the entry's).
                0 => DataType::ALL
                    .iter()
                    .enumerate()
                    .map(|(n, dt)| {
                        item(
                            &format!("field_{n}"),
                            &format!("字段{n}"),
                            *dt,
                            n,
                            SharingKind::ALL[n % 3],
                            OpenKind::ALL[(n + 1) % 3],
                        )
                    })
                    .collect(),
                5 => Vec::new(),
                _ => (0..1 + i % 3)
                    .map(|n| {
                        item(
                            &format!("col_{i}_{n}"),
                            &format!("信息项{i}-{n}"),
                            DataType::ALL[(i + n) % DataType::ALL.len()],
                            n,
                            sharing_kind,
                            open_kind,
                        )
                    })
                    .collect(),
            };
            let class_digit = i % 3 + 1;
            let item_no = 1 + i % 2;
            let category = i + 1;
            let subcategory = if i % 2 == 0 { 0 } else { i * 10 };
            let code = format!("{class_digit}{item_no:02}{category:03}{subcategory:03}/{:06}", i + 1);
            let body = EntryBody {
                name: format!("西宁市测试资源{i}"),
                summary: if i == 0 {
                    "含逗号,和\"引号\"的摘要\n以及第二行".into()
                } else {
                    format!("第{i}个资源的摘要")
                },
                classification: Classification {
                    class,
                    item: item_no as u8,
                    category: category as u16,
                    subcategory: subcategory as u16,
                },
                format: Format {
                    kind: format_kind,
                    detail: ["MySQL", "XLSX", "REST/JSON", "PostgreSQL", "CSV", "PDF", "SOAP/XML"][i].into(),
                },
                items,
                sharing: Sharing {
                    kind: sharing_kind,
                    conditions: match sharing_kind {
                        SharingKind::Conditional => Some(format!("仅限第{i}类业务使用")),
                        SharingKind::Unconditional if i == 3 => Some("可选的说明".into()),
                        _ => None,
                    },
                    legal_basis: (sharing_kind == SharingKind::None)
                        .then(|| "《中华人民共和国个人信息保护法》第十三条".to_string()),
                    method: SharingMethod::ALL[(i + 1) % 3],
                },
                open: Openness {
                    kind: open_kind,
                    conditions: (open_kind == OpenKind::Conditional).then(|| "注册并签署协议".to_string()),
                },
                update_cycle: UpdateCycle::ALL[i],
                related: match i {
                    1 => vec!["101001000/000001".into()],
                    3 => vec!["101001000/000001".into(), "202002010/000002".into()],
                    _ => Vec::new(),
                },
            };
            Entry {
                schema: ENTRY_SCHEMA.into(),
                id: i as i64 + 1,
                code,
                org_id: 7,
                provider: "西宁市数据局".into(),
                provider_code: "11630100MB1234567X".into(),
                area: "西宁市".into(),
                owner_path: "/1/7/".into(),
                status: EntryStatus::ALL[i % EntryStatus::ALL.len()],
                version: 1,
                published_version: None,
                pending_version: None,
                pending_withdrawal: false,
                security_level: body.security_level(),
                publish_date: (i % 2 == 0).then(|| format!("2025-0{}-15", i + 1)),
                updated_at: "2025-06-01T08:00:00+08:00".into(),
                body,
            }
        })
        .collect()
}

fn expected(entries: &[Entry]) -> Vec<ImportedEntry> {
    entries.iter().map(|e| ImportedEntry { code: Some(e.code.clone()), body: e.body.clone() }).collect()
}

#[test]
fn fixture_is_valid_and_uses_every_value() {
    let fx = fixture();
    for e in &fx {
        assert_eq!(zs_catalog::validate::problems(&e.body), vec![], "{}", e.body.name);
    }
    let bodies: Vec<&EntryBody> = fx.iter().map(|e| &e.body).collect();
    let items: Vec<&DataItem> = bodies.iter().flat_map(|b| &b.items).collect();
    assert!(ResourceClass::ALL.iter().all(|v| bodies.iter().any(|b| b.classification.class == *v)));
    assert!(FormatKind::ALL.iter().all(|v| bodies.iter().any(|b| b.format.kind == *v)));
    assert!(SharingKind::ALL.iter().all(|v| bodies.iter().any(|b| b.sharing.kind == *v)));
    assert!(SharingMethod::ALL.iter().all(|v| bodies.iter().any(|b| b.sharing.method == *v)));
    assert!(OpenKind::ALL.iter().all(|v| bodies.iter().any(|b| b.open.kind == *v)));
    assert!(UpdateCycle::ALL.iter().all(|v| bodies.iter().any(|b| b.update_cycle == *v)));
    assert!(DataType::ALL.iter().all(|v| items.iter().any(|i| i.data_type == *v)));
    assert!(SecurityLevel::ALL.iter().all(|v| items.iter().any(|i| i.security_level == *v)));
    assert!(SharingKind::ALL.iter().all(|v| items.iter().any(|i| i.sharing == *v)));
    assert!(OpenKind::ALL.iter().all(|v| items.iter().any(|i| i.open == *v)));
    assert!(EntryStatus::ALL.iter().all(|v| fx.iter().any(|e| e.status == *v)));
}

// ---------------------------------------------------------------------------------------------
// Round trips

#[test]
fn xlsx_round_trip_is_lossless() {
    let fx = fixture();
    let bytes = export_xlsx(&fx).unwrap();
    assert_eq!(import_xlsx(&bytes).unwrap(), expected(&fx));
}

#[test]
fn csv_round_trip_is_lossless() {
    let fx = fixture();
    let (entries, items) = export_csv(&fx).unwrap();
    assert!(entries.starts_with(b"\xEF\xBB\xBF") && items.starts_with(b"\xEF\xBB\xBF"));
    assert_eq!(import_csv(&entries, &items).unwrap(), expected(&fx));
}

#[test]
fn json_round_trip_is_lossless_for_entries_and_bodies() {
    let fx = fixture();
    let bytes = export_json(&fx).unwrap();
    let back: Vec<Entry> = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(back, fx);
    assert_eq!(import_json(&bytes).unwrap(), expected(&fx));
    let bodies: Vec<&EntryBody> = fx.iter().map(|e| &e.body).collect();
    let imported = import_json(&serde_json::to_vec(&bodies).unwrap()).unwrap();
    assert_eq!(imported, fx.iter().map(|e| ImportedEntry { code: None, body: e.body.clone() }).collect::<Vec<_>>());
}

#[test]
fn xlsx_has_the_guideline_headers_labels_and_guide() {
    use calamine::{open_workbook_auto_from_rs, Data, Reader};
    let fx = fixture();
    let mut wb = open_workbook_auto_from_rs(std::io::Cursor::new(export_xlsx(&fx).unwrap())).unwrap();
    assert_eq!(wb.sheet_names(), vec![ENTRIES_SHEET, ITEMS_SHEET, GUIDE_SHEET]);
    let entries = wb.worksheet_range(ENTRIES_SHEET).unwrap();
    let headers: Vec<String> = entries.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(
        headers,
        [
            "信息资源代码",
            "信息资源名称",
            "信息资源提供方",
            "信息资源提供方代码",
            "信息资源摘要",
            "资源分类-类",
            "资源分类-项",
            "资源分类-目",
            "资源分类-细目",
            "信息资源格式类型",
            "格式说明",
            "共享类型",
            "共享条件",
            "不予共享依据",
            "共享方式",
            "开放类型",
            "开放条件",
            "更新周期",
            "发布日期",
            "关联资源代码",
            "安全级别",
            "状态"
        ]
    );
    assert_eq!(entries.height(), fx.len() + 1);
    let row3: Vec<&Data> = entries.rows().nth(2).unwrap().iter().collect();
    assert_eq!(row3[5], &Data::String("主题信息资源".into()));
    assert_eq!(row3[11], &Data::String("有条件共享".into()));
    assert_eq!(row3[19], &Data::String("101001000/000001".into()));
    assert_eq!(row3[6], &Data::Float(2.0));
    let items = wb.worksheet_range(ITEMS_SHEET).unwrap();
    let headers: Vec<String> = items.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(
        headers,
        [
            "信息资源代码",
            "信息资源名称",
            "序号",
            "信息项名称",
            "中文名称",
            "数据类型",
            "长度",
            "是否主键",
            "数据元",
            "安全级别",
            "共享类型",
            "开放类型"
        ]
    );
    assert_eq!(items.height(), 1 + fx.iter().map(|e| e.body.items.len()).sum::<usize>());
    let first_item: Vec<String> = items.rows().nth(1).unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(first_item[7], "是");
    assert_eq!(first_item[9], "一级（公开）");
    let guide = wb.worksheet_range(GUIDE_SHEET).unwrap();
    let text: Vec<String> = guide.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
    for needle in ["不予共享依据", "无条件共享、有条件共享、不予共享", "一级（公开）", "基础信息资源：1 人口"]
    {
        assert!(text.iter().any(|t| t.contains(needle)), "guide lacks {needle}");
    }
}

#[test]
fn template_has_headers_only() {
    use calamine::{open_workbook_auto_from_rs, Reader};
    let bytes = template_xlsx().unwrap();
    let mut wb = open_workbook_auto_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
    assert_eq!(wb.worksheet_range(ENTRIES_SHEET).unwrap().height(), 1);
    assert_eq!(wb.worksheet_range(ITEMS_SHEET).unwrap().height(), 1);
    let err = import_xlsx(&bytes).unwrap_err();
    assert_eq!(where_(&err), vec![(ENTRIES_SHEET.to_string(), 2, String::new())]);
}

// ---------------------------------------------------------------------------------------------
// Editing exported sheets as text, then writing them back as a workbook or CSV

type Sheet = Vec<Vec<String>>;

fn sheets(entries: &[Entry]) -> (Sheet, Sheet) {
    let (e, i) = export_csv(entries).unwrap();
    (read_csv(&e), read_csv(&i))
}

fn read_csv(bytes: &[u8]) -> Sheet {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// Set the cell under `header` in 1-based Excel row `row`.
fn set(sheet: &mut Sheet, row: usize, header: &str, value: &str) {
    let c = sheet[0].iter().position(|h| h == header).unwrap();
    sheet[row - 1][c] = value.into();
}

fn to_csv(sheet: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in sheet {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

fn to_xlsx(sheet_names: [&str; 2], entries: &Sheet, items: &Sheet) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, sheet) in sheet_names.iter().zip([entries, items]) {
        let ws = wb.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, row) in sheet.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32, c as u16, v).unwrap();
                }
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

fn where_(e: &ImportError) -> Vec<(String, usize, String)> {
    e.problems.iter().map(|p| (p.sheet.clone(), p.row, p.column.clone())).collect()
}

/// Import the edited sheets both as a workbook and as CSV; both must fail with the same
/// problems, which are returned.
fn import_both(entries: &Sheet, items: &Sheet) -> ImportError {
    let x = import_xlsx(&to_xlsx([ENTRIES_SHEET, ITEMS_SHEET], entries, items)).unwrap_err();
    let c = import_csv(&to_csv(entries), &to_csv(items)).unwrap_err();
    assert_eq!(x, c, "xlsx and csv disagree");
    x
}

fn p(sheet: &str, row: usize, column: &str) -> (String, usize, String) {
    (sheet.into(), row, column.into())
}

#[test]
fn unedited_text_sheets_import_cleanly() {
    let fx = fixture();
    let (e, i) = sheets(&fx);
    assert_eq!(import_xlsx(&to_xlsx([ENTRIES_SHEET, ITEMS_SHEET], &e, &i)).unwrap(), expected(&fx));
}

#[test]
fn bad_related_code_is_located() {
    let (mut e, i) = sheets(&fixture());
    // Entry 1 is on row 3.
    set(&mut e, 3, "关联资源代码", "101001000/000001;10100100-000002");
    let err = import_both(&e, &i);
    assert_eq!(where_(&err), vec![p(ENTRIES_SHEET, 3, "关联资源代码")]);
    assert!(err.problems[0].message.contains("10100100-000002"), "{err}");
}

#[test]
fn empty_mandatory_cell_is_located() {
    let (mut e, i) = sheets(&fixture());
    set(&mut e, 4, "信息资源名称", "");
    set(&mut e, 6, "格式说明", " ");
    let err = import_both(&e, &i);
    assert_eq!(where_(&err), vec![p(ENTRIES_SHEET, 4, "信息资源名称"), p(ENTRIES_SHEET, 6, "格式说明")]);
    assert!(err.problems[0].message.contains("required"));
}

#[test]
fn not_shared_without_legal_basis_is_located() {
    let (mut e, i) = sheets(&fixture());
    // Entry 2 (row 4) is 不予共享.
    assert_eq!(e[3][11], "不予共享");
    set(&mut e, 4, "不予共享依据", "");
    let err = import_both(&e, &i);
    assert_eq!(where_(&err), vec![p(ENTRIES_SHEET, 4, "不予共享依据")]);
    assert_eq!(
        err.to_string(),
        "信息资源 row 4, 不予共享依据: 不予共享 requires its legal or policy basis (sharing.legal_basis), e.g. the law and article"
    );
}

#[test]
fn duplicate_entry_name_is_located() {
    let (mut e, i) = sheets(&fixture());
    let first = e[1][1].clone();
    set(&mut e, 5, "信息资源名称", &first);
    // Its items link by code; their 信息资源名称 must follow the rename.
    for r in 2..=i.len() {
        if i[r - 1][1] == "西宁市测试资源3" {
            let mut i2 = i.clone();
            set(&mut i2, r, "信息资源名称", &first);
            let err = import_both(&e, &i2);
            assert_eq!(where_(&err), vec![p(ENTRIES_SHEET, 5, "信息资源名称")]);
            assert!(err.problems[0].message.contains("row 2"), "{err}");
            return;
        }
    }
    panic!("fixture has no items for entry 3");
}

#[test]
fn item_name_must_match_the_coded_entry() {
    let (e, mut i) = sheets(&fixture());
    set(&mut i, 2, "信息资源名称", "别的资源");
    let err = import_both(&e, &i);
    assert_eq!(where_(&err), vec![p(ITEMS_SHEET, 2, "信息资源名称")]);
}

#[test]
fn wrong_or_missing_sheet_is_one_clear_problem() {
    let (e, i) = sheets(&fixture());
    let err = import_xlsx(&to_xlsx(["Sheet1", ITEMS_SHEET], &e, &i)).unwrap_err();
    assert_eq!(err.problems.len(), 1);
    assert_eq!(
        err.problems[0],
        CellProblem {
            sheet: ENTRIES_SHEET.into(),
            row: 0,
            column: String::new(),
            message: "sheet 信息资源 not found; sheets present: Sheet1, 信息项".into(),
        }
    );
    assert_eq!(err.to_string(), "信息资源: sheet 信息资源 not found; sheets present: Sheet1, 信息项");
    let err = import_xlsx(b"not a workbook").unwrap_err();
    assert_eq!(where_(&err), vec![p("", 0, "")]);
    assert!(err.to_string().starts_with("the file is not an Excel workbook"), "{err}");
}

#[test]
fn unknown_enum_values_are_located() {
    let (mut e, mut i) = sheets(&fixture());
    set(&mut e, 2, "更新周期", "每两周");
    set(&mut i, 3, "安全级别", "五级");
    set(&mut i, 4, "是否主键", "也许");
    let err = import_both(&e, &i);
    assert_eq!(
        where_(&err),
        vec![p(ENTRIES_SHEET, 2, "更新周期"), p(ITEMS_SHEET, 3, "安全级别"), p(ITEMS_SHEET, 4, "是否主键")]
    );
    assert!(err.problems[0].message.contains("'每两周' is not a 更新周期; use one of: 实时、每日"), "{err}");
}

#[test]
fn item_for_unknown_entry_is_located() {
    let (e, mut i) = sheets(&fixture());
    set(&mut i, 2, "信息资源代码", "303009000/000001");
    set(&mut i, 3, "信息资源代码", "");
    set(&mut i, 3, "信息资源名称", "不存在的资源");
    set(&mut i, 4, "信息资源代码", "");
    set(&mut i, 4, "信息资源名称", "");
    let err = import_both(&e, &i);
    assert_eq!(
        where_(&err),
        vec![p(ITEMS_SHEET, 2, "信息资源代码"), p(ITEMS_SHEET, 3, "信息资源名称"), p(ITEMS_SHEET, 4, "信息资源名称")]
    );
}

#[test]
fn non_numeric_length_is_located() {
    let (mut e, mut i) = sheets(&fixture());
    set(&mut i, 2, "长度", "十八");
    set(&mut e, 3, "资源分类-目", "1.5");
    let err = import_both(&e, &i);
    assert_eq!(where_(&err), vec![p(ENTRIES_SHEET, 3, "资源分类-目"), p(ITEMS_SHEET, 2, "长度")]);
    assert!(err.problems[1].message.contains("'十八' is not a whole number"));
}

#[test]
fn item_validation_maps_to_the_item_row() {
    let (e, mut i) = sheets(&fixture());
    // Row 2 is field_0 (字符型, the only key); row 3 is field_1. Remove the string's length and
    // the key, break a name.
    set(&mut i, 2, "长度", "");
    set(&mut i, 3, "信息项名称", "Field-1");
    set(&mut i, 2, "是否主键", "否");
    let err = import_both(&e, &i);
    assert_eq!(
        where_(&err),
        vec![p(ITEMS_SHEET, 2, "是否主键"), p(ITEMS_SHEET, 2, "长度"), p(ITEMS_SHEET, 3, "信息项名称")],
        "{err}"
    );
}

#[test]
fn missing_column_and_reordered_columns() {
    let fx = fixture();
    let (mut e, i) = sheets(&fx);
    // Columns in another order plus an extra one still import.
    for row in e.iter_mut() {
        row.rotate_left(5);
        row.push("备注".into());
    }
    let ok = import_xlsx(&to_xlsx([ENTRIES_SHEET, ITEMS_SHEET], &e, &i)).unwrap();
    assert_eq!(ok, expected(&fx));
    // A missing required column is one problem at the header row.
    let c = e[0].iter().position(|h| h == "共享类型").unwrap();
    for row in e.iter_mut() {
        row.remove(c);
    }
    let err = import_both(&e, &i);
    assert_eq!(where_(&err), vec![p(ENTRIES_SHEET, 1, "共享类型")]);
}

#[test]
fn items_follow_their_sequence_numbers() {
    let fx = fixture();
    let (e, mut i) = sheets(&fx);
    // Swap the order of the first two item rows (序号 1 and 2) in the file.
    i.swap(1, 2);
    assert_eq!(import_csv(&to_csv(&e), &to_csv(&i)).unwrap(), expected(&fx));
    set(&mut i, 3, "序号", "2");
    let err = import_csv(&to_csv(&e), &to_csv(&i)).unwrap_err();
    assert_eq!(where_(&err), vec![p(ITEMS_SHEET, 3, "序号")]);
}

#[test]
fn problems_are_capped() {
    let fx = fixture();
    let (e, i) = sheets(&fx);
    let mut big = vec![e[0].clone()];
    for n in 0..1100 {
        let mut r = e[6].clone();
        r[0] = String::new();
        r[1] = format!("资源{n}");
        r[17] = "每两周".into();
        big.push(r);
    }
    let err = import_csv(&to_csv(&big), &to_csv(&i[..1])).unwrap_err();
    assert_eq!(err.problems.len(), MAX_PROBLEMS);
    assert_eq!(err.total(), 1100);
    assert!(err.to_string().ends_with("… and 100 more problems"));
    let api: zs_types::Error = err.into();
    assert_eq!(api.code, zs_types::ErrorCode::InvalidInput);
    assert!(api.message.starts_with("the file was not imported: 1100 problems found; 信息资源 row 2, 更新周期:"));
}

// ---------------------------------------------------------------------------------------------
// Encodings

#[test]
fn csv_in_gb18030_and_utf8_with_and_without_bom() {
    let fx = fixture();
    let (e, i) = export_csv(&fx).unwrap();
    let strip = |b: &[u8]| b.strip_prefix(b"\xEF\xBB\xBF").unwrap().to_vec();
    let gb = |b: &[u8]| {
        let text = std::str::from_utf8(b).unwrap();
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
        assert!(!unmappable);
        bytes.into_owned()
    };
    let (e8, i8) = (strip(&e), strip(&i));
    let (egb, igb) = (gb(&e8), gb(&i8));
    assert!(std::str::from_utf8(&egb).is_err(), "the GB18030 form must not be valid UTF-8");
    for (name, entries, items) in [
        ("utf-8 with BOM", e.clone(), i.clone()),
        ("utf-8 without BOM", e8.clone(), i8.clone()),
        ("gb18030", egb.clone(), igb.clone()),
        ("gb18030 with its BOM", [&b"\x84\x31\x95\x33"[..], &egb].concat(), igb.clone()),
        ("mixed", egb.clone(), i.clone()),
    ] {
        assert_eq!(import_csv(&entries, &items).unwrap(), expected(&fx), "{name}");
    }
    // Bytes that are neither UTF-8 nor GB18030.
    let mut broken = egb.clone();
    let second_line = broken.iter().position(|b| *b == b'\n').unwrap() + 1;
    broken.insert(second_line + 3, 0xFF);
    let err = import_csv(&broken, &igb).unwrap_err();
    assert_eq!(where_(&err), vec![p(ENTRIES_SHEET, 2, "")]);
}

#[test]
fn empty_items_csv_means_no_items() {
    let fx: Vec<Entry> = fixture().into_iter().filter(|e| e.body.items.is_empty()).collect();
    let (e, _) = export_csv(&fx).unwrap();
    assert_eq!(import_csv(&e, b"").unwrap(), expected(&fx));
}

// ---------------------------------------------------------------------------------------------
// JSON problems

#[test]
fn json_problems_are_located_by_position_and_path() {
    let fx = fixture();
    let mut bodies: Vec<EntryBody> = fx.iter().map(|e| e.body.clone()).collect();
    bodies[2].sharing.legal_basis = None;
    bodies[4].name = bodies[0].name.clone();
    let mut value = serde_json::to_value(&bodies).unwrap();
    value[5]["colour"] = serde_json::json!("blue");
    let err = import_json(&serde_json::to_vec(&value).unwrap()).unwrap_err();
    assert_eq!(
        where_(&err),
        vec![p("JSON", 3, "sharing.legal_basis"), p("JSON", 5, "name"), p("JSON", 6, "")],
        "{err}"
    );
    assert!(err.to_string().starts_with("JSON entry 3, sharing.legal_basis: "));
    assert!(import_json(b"{}").is_err());
}

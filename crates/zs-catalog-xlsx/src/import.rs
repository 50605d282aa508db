//! The import core shared by Excel and CSV: two tables of text cells in, validated bodies or
//! every problem out. Cells are found by header text, rows are parsed into the model (reporting
//! unknown values, non-numbers and empty mandatory cells), items are attached to their resource
//! by code or name, and each assembled body goes through `zs_catalog::validate::problems`,
//! whose element paths are mapped back to the sheet, row and column they came from.

use crate::columns::{E, ENTRIES_SHEET, ENTRY_COLUMNS, I, ITEMS_SHEET, ITEM_COLUMNS};
use crate::table::{locate_columns, Positions, Problems, Row, RowReader, Table};
use crate::{ImportError, ImportedEntry};
use std::collections::HashMap;
use zs_catalog::classification::is_resource_code;
use zs_catalog::validate::{problems, MAX_ITEMS};
use zs_catalog::{Classification, DataItem, EntryBody, Format, Openness, Sharing};

/// One `信息资源` row as parsed.
struct ParsedEntry {
    row: usize,
    code: Option<String>,
    name: Option<String>,
    /// The body without items, when every cell parsed.
    body: Option<EntryBody>,
    /// Whether the entry may be validated: its row and all its item rows parsed, and it is not
    /// a duplicate.
    ok: bool,
    items: Vec<ParsedItem>,
}

/// One `信息项` row as parsed.
struct ParsedItem {
    row: usize,
    seq: Option<u32>,
    item: Option<DataItem>,
}

fn parse_entry(t: &Table, row: &Row, pos: &Positions, p: &mut Problems) -> ParsedEntry {
    let mut r = RowReader { sheet: t.sheet, row, pos, defs: &ENTRY_COLUMNS, p, ok: true };
    let code = r.optional(E::Code.index());
    if let Some(c) = &code {
        if !is_resource_code(c) {
            r.fail(
                E::Code.index(),
                format!("'{c}' is not a resource code (e.g. 101001000/000001); leave it empty for a new resource"),
            );
        }
    }
    let name = r.required(E::Name.index());
    let summary = r.required(E::Summary.index());
    let class = r.vocab(E::Class.index());
    let item = r.whole::<u8>(E::Item.index());
    let category = r.whole::<u16>(E::Category.index());
    let subcategory = r.optional_whole::<u16>(E::Subcategory.index());
    let format_kind = r.vocab(E::FormatKind.index());
    let format_detail = r.required(E::FormatDetail.index());
    let sharing_kind = r.vocab(E::SharingKind.index());
    let conditions = r.optional(E::SharingConditions.index());
    let legal_basis = r.optional(E::LegalBasis.index());
    let method = r.vocab(E::SharingMethod.index());
    let open_kind = r.vocab(E::OpenKind.index());
    let open_conditions = r.optional(E::OpenConditions.index());
    let update_cycle = r.vocab(E::UpdateCycle.index());
    let related: Vec<String> = r
        .optional(E::Related.index())
        .map(|s| s.split([';', '；', '\n']).map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default();
    let body = match (
        name.clone(),
        summary,
        class,
        item,
        category,
        subcategory,
        format_kind,
        format_detail,
        sharing_kind,
        method,
        open_kind,
        update_cycle,
    ) {
        (
            Some(name),
            Some(summary),
            Some(class),
            Some(item),
            Some(category),
            Some(subcategory),
            Some(kind),
            Some(detail),
            Some(sharing_kind),
            Some(method),
            Some(open_kind),
            Some(update_cycle),
        ) => Some(EntryBody {
            name,
            summary,
            classification: Classification { class, item, category, subcategory: subcategory.unwrap_or(0) },
            format: Format { kind, detail },
            items: Vec::new(),
            sharing: Sharing { kind: sharing_kind, conditions, legal_basis, method },
            open: Openness { kind: open_kind, conditions: open_conditions },
            update_cycle,
            related,
        }),
        _ => None,
    };
    let ok = r.ok && body.is_some();
    ParsedEntry { row: row.number, code, name, body, ok, items: Vec::new() }
}

/// An item row with its link to a resource.
struct LinkedItem {
    code: Option<String>,
    name: Option<String>,
    parsed: ParsedItem,
}

fn parse_item(t: &Table, row: &Row, pos: &Positions, p: &mut Problems) -> LinkedItem {
    let mut r = RowReader { sheet: t.sheet, row, pos, defs: &ITEM_COLUMNS, p, ok: true };
    let code = r.optional(I::Code.index());
    let name = r.optional(I::Name.index());
    if code.is_none() && name.is_none() && (pos.0[I::Code.index()].is_some() || pos.0[I::Name.index()].is_some()) {
        r.fail(
            I::Name.index(),
            "each item needs the 信息资源代码 or the 信息资源名称 of its resource; both cells are empty",
        );
    }
    let seq = r.optional_whole::<u32>(I::Seq.index());
    let item_name = r.required(I::ItemName.index());
    let label = r.required(I::Label.index());
    let data_type = r.vocab(I::DataType.index());
    let length = r.optional_whole::<u32>(I::Length.index());
    let key = r.yes_no(I::Key.index());
    let element = r.optional(I::Element.index());
    let security_level = r.vocab(I::SecurityLevel.index());
    let sharing = r.vocab(I::Sharing.index());
    let open = r.vocab(I::Open.index());
    let item = match (item_name, label, data_type, length, security_level, sharing, open) {
        (Some(name), Some(label), Some(data_type), Some(length), Some(security_level), Some(sharing), Some(open))
            if r.ok =>
        {
            Some(DataItem { name, label, data_type, length, key, element, security_level, sharing, open })
        }
        _ => None,
    };
    LinkedItem { code, name, parsed: ParsedItem { row: row.number, seq: seq.flatten(), item } }
}

/// Import two tables. `items` is `None` when the file has no item rows at all (an empty items
/// CSV); a missing items sheet in a workbook is reported before this is called.
pub(crate) fn import_tables(entries: &Table, items: Option<&Table>) -> Result<Vec<ImportedEntry>, ImportError> {
    let mut p = Problems::default();
    let entry_pos = locate_columns(entries, &ENTRY_COLUMNS, &mut p);
    let item_pos = items.map(|t| {
        let pos = locate_columns(t, &ITEM_COLUMNS, &mut p);
        if pos.0[I::Code.index()].is_none() && pos.0[I::Name.index()].is_none() && !t.rows.is_empty() {
            p.add(
                t.sheet,
                t.header_row,
                I::Name.header(),
                "the header row needs a 信息资源代码 or 信息资源名称 column to attach items to their resource",
            );
        }
        pos
    });
    if entries.rows.is_empty() {
        p.add(
            entries.sheet,
            entries.header_row + 1,
            "",
            "there are no resources: fill one row per resource below the header row",
        );
    }

    let mut parsed: Vec<ParsedEntry> =
        entries.rows.iter().map(|r| parse_entry(entries, r, &entry_pos, &mut p)).collect();

    // Unique names and codes within the file; later duplicates are reported and not validated.
    let (mut by_name, mut by_code) = (HashMap::<String, usize>::new(), HashMap::<String, usize>::new());
    for i in 0..parsed.len() {
        let row = parsed[i].row;
        if let Some(name) = parsed[i].name.clone() {
            if let Some(&first) = by_name.get(&name) {
                let first_row = parsed[first].row;
                parsed[i].ok = false;
                p.add(
                    entries.sheet,
                    row,
                    E::Name.header(),
                    format!(
                        "信息资源名称 '{name}' is already used in row {first_row}; names must be unique in the file"
                    ),
                );
            } else {
                by_name.insert(name, i);
            }
        }
        if let Some(code) = parsed[i].code.clone() {
            if let Some(&first) = by_code.get(&code) {
                let first_row = parsed[first].row;
                parsed[i].ok = false;
                p.add(
                    entries.sheet,
                    row,
                    E::Code.header(),
                    format!(
                        "信息资源代码 '{code}' is already used in row {first_row}; codes must be unique in the file"
                    ),
                );
            } else {
                by_code.insert(code, i);
            }
        }
    }

    if let (Some(t), Some(pos)) = (items, &item_pos) {
        for row in &t.rows {
            let linked = parse_item(t, row, pos, &mut p);
            let target = if let Some(code) = &linked.code {
                match by_code.get(code) {
                    Some(&e) => {
                        if let (Some(n), Some(en)) = (&linked.name, &parsed[e].name) {
                            if n != en {
                                p.add(
                                    t.sheet,
                                    row.number,
                                    I::Name.header(),
                                    format!(
                                        "'{n}' is not the name of resource {code} ('{en}', {ENTRIES_SHEET} row {})",
                                        parsed[e].row
                                    ),
                                );
                                parsed[e].ok = false;
                            }
                        }
                        Some(e)
                    }
                    None => {
                        p.add(
                            t.sheet,
                            row.number,
                            I::Code.header(),
                            format!("no resource in sheet {ENTRIES_SHEET} has the 信息资源代码 '{code}'"),
                        );
                        // The resource it was meant for, if its name says so, is incomplete
                        // now: validating it would only report the missing item's effects.
                        if let Some(&e) = linked.name.as_ref().and_then(|n| by_name.get(n)) {
                            parsed[e].ok = false;
                        }
                        None
                    }
                }
            } else if let Some(name) = &linked.name {
                let e = by_name.get(name).copied();
                if e.is_none() {
                    p.add(
                        t.sheet,
                        row.number,
                        I::Name.header(),
                        format!("no resource in sheet {ENTRIES_SHEET} is named '{name}'"),
                    );
                }
                e
            } else {
                None
            };
            if let Some(e) = target {
                if linked.parsed.item.is_none() {
                    parsed[e].ok = false;
                }
                parsed[e].items.push(linked.parsed);
            }
        }
    }

    let mut out = Vec::with_capacity(parsed.len());
    for mut e in parsed {
        // Order by 序号 (rows without one after those with one), then by row.
        e.items.sort_by_key(|i| (i.seq.is_none(), i.seq, i.row));
        let mut seen = HashMap::new();
        for i in &e.items {
            if let Some(s) = i.seq {
                if let Some(first) = seen.insert(s, i.row) {
                    e.ok = false;
                    p.add(
                        ITEMS_SHEET,
                        i.row,
                        I::Seq.header(),
                        format!("序号 {s} is already used in row {first} for the same resource"),
                    );
                }
            }
        }
        if !e.ok {
            continue;
        }
        let Some(mut body) = e.body else { continue };
        let rows: Vec<usize> = e.items.iter().map(|i| i.row).collect();
        body.items = e.items.into_iter().filter_map(|i| i.item).collect();
        for problem in problems(&body) {
            let (sheet, row, column) = locate_field(&problem.field, &problem.message, e.row, &rows, &body);
            p.add(sheet, row, &column, problem.message);
        }
        out.push(ImportedEntry { code: e.code, body });
    }
    p.finish(out)
}

/// The sheet, row and column that a `validate` element path refers to.
fn locate_field(
    field: &str,
    message: &str,
    entry_row: usize,
    item_rows: &[usize],
    body: &EntryBody,
) -> (&'static str, usize, String) {
    if let Some(rest) = field.strip_prefix("items[") {
        let (index, sub) = rest.split_once(']').unwrap_or((rest, ""));
        let sub = sub.trim_start_matches('.');
        let row = index.parse::<usize>().ok().and_then(|i| item_rows.get(i).copied()).unwrap_or(entry_row);
        let column = match sub {
            "name" => I::ItemName,
            "label" => I::Label,
            "data_type" => I::DataType,
            "length" => I::Length,
            "key" => I::Key,
            "element" => I::Element,
            "security_level" => I::SecurityLevel,
            "sharing" => I::Sharing,
            "open" => I::Open,
            _ => return (ITEMS_SHEET, row, sub.to_owned()),
        };
        return (ITEMS_SHEET, row, column.header().to_owned());
    }
    if field == "items" {
        if body.items.is_empty() {
            return (ENTRIES_SHEET, entry_row, E::FormatKind.header().to_owned());
        }
        if message.contains("key") {
            return (ITEMS_SHEET, item_rows.first().copied().unwrap_or(entry_row), I::Key.header().to_owned());
        }
        let row = item_rows.get(MAX_ITEMS).or(item_rows.first()).copied().unwrap_or(entry_row);
        return (ITEMS_SHEET, row, I::Seq.header().to_owned());
    }
    let base = field.split('[').next().unwrap_or(field);
    let column = match base {
        "name" => E::Name,
        "summary" => E::Summary,
        "classification" | "classification.class" => E::Class,
        "classification.item" => E::Item,
        "classification.category" => E::Category,
        "classification.subcategory" => E::Subcategory,
        "format" | "format.kind" => E::FormatKind,
        "format.detail" => E::FormatDetail,
        "sharing" | "sharing.kind" => E::SharingKind,
        "sharing.conditions" => E::SharingConditions,
        "sharing.legal_basis" => E::LegalBasis,
        "sharing.method" => E::SharingMethod,
        "open" | "open.kind" => E::OpenKind,
        "open.conditions" => E::OpenConditions,
        "update_cycle" => E::UpdateCycle,
        "related" => E::Related,
        _ => return (ENTRIES_SHEET, entry_row, field.to_owned()),
    };
    (ENTRIES_SHEET, entry_row, column.header().to_owned())
}

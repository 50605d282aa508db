//! Writing the catalogue: Excel (with the `填写说明` sheet, so an export is also an import
//! template), CSV (UTF-8 with BOM, as Excel expects) and JSON.

use crate::columns::{
    usage_text, values_text, Column, Use, Values, ENTRIES_SHEET, ENTRY_COLUMNS, GUIDE_SHEET, ITEMS_SHEET, ITEM_COLUMNS,
    NO, RELATED_SEPARATOR, YES,
};
use crate::Error;
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DataValidationRule, Format, FormatAlign, FormatBorder, Workbook,
    Worksheet,
};
use zs_catalog::Entry;

/// One cell of an export.
#[derive(Debug, Clone, PartialEq)]
enum Out {
    Text(String),
    Number(f64),
    Empty,
}

fn text(s: &str) -> Out {
    if s.is_empty() {
        Out::Empty
    } else {
        Out::Text(s.to_owned())
    }
}

fn opt(s: &Option<String>) -> Out {
    s.as_deref().map_or(Out::Empty, text)
}

/// The `信息资源` rows, cells in the order of [`ENTRY_COLUMNS`].
fn entry_rows(entries: &[Entry]) -> Vec<Vec<Out>> {
    entries
        .iter()
        .map(|e| {
            let b = &e.body;
            vec![
                text(&e.code),
                text(&b.name),
                text(&e.provider),
                text(&e.provider_code),
                text(&b.summary),
                text(b.classification.class.label_zh()),
                Out::Number(f64::from(b.classification.item)),
                Out::Number(f64::from(b.classification.category)),
                Out::Number(f64::from(b.classification.subcategory)),
                text(b.format.kind.label_zh()),
                text(&b.format.detail),
                text(b.sharing.kind.label_zh()),
                opt(&b.sharing.conditions),
                opt(&b.sharing.legal_basis),
                text(b.sharing.method.label_zh()),
                text(b.open.kind.label_zh()),
                opt(&b.open.conditions),
                text(b.update_cycle.label_zh()),
                opt(&e.publish_date),
                text(&b.related.join(RELATED_SEPARATOR)),
                text(e.security_level.label_zh()),
                text(e.status.label_zh()),
            ]
        })
        .collect()
}

/// The `信息项` rows, cells in the order of [`ITEM_COLUMNS`].
fn item_rows(entries: &[Entry]) -> Vec<Vec<Out>> {
    let mut rows = Vec::new();
    for e in entries {
        for (n, i) in e.body.items.iter().enumerate() {
            rows.push(vec![
                text(&e.code),
                text(&e.body.name),
                Out::Number((n + 1) as f64),
                text(&i.name),
                text(&i.label),
                text(i.data_type.label_zh()),
                i.length.map_or(Out::Empty, |l| Out::Number(f64::from(l))),
                text(if i.key { YES } else { NO }),
                opt(&i.element),
                text(i.security_level.label_zh()),
                text(i.sharing.label_zh()),
                text(i.open.label_zh()),
            ]);
        }
    }
    rows
}

/// The whole catalogue as an Excel workbook: sheets `信息资源` (one row per entry), `信息项`
/// (one row per data item, linked by 信息资源代码 and 信息资源名称) and `填写说明`. Values of
/// closed vocabularies are written as their Chinese labels. The file can be edited and imported
/// again with [`crate::import_xlsx`].
pub fn export_xlsx(entries: &[Entry]) -> Result<Vec<u8>, Error> {
    workbook(&entry_rows(entries), &item_rows(entries))
}

/// The import template: [`export_xlsx`] with no data rows.
pub fn template_xlsx() -> Result<Vec<u8>, Error> {
    workbook(&[], &[])
}

/// The entries CSV and the items CSV, with the same headers as the Excel sheets, UTF-8 with a
/// byte-order mark so that Excel opens them as UTF-8.
pub fn export_csv(entries: &[Entry]) -> Result<(Vec<u8>, Vec<u8>), Error> {
    Ok((csv_file(&ENTRY_COLUMNS, &entry_rows(entries))?, csv_file(&ITEM_COLUMNS, &item_rows(entries))?))
}

/// The entries as a pretty-printed JSON array of [`Entry`].
pub fn export_json(entries: &[Entry]) -> Result<Vec<u8>, Error> {
    Ok(serde_json::to_vec_pretty(entries)?)
}

fn csv_file(columns: &[Column], rows: &[Vec<Out>]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::from(*b"\xEF\xBB\xBF");
    {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        w.write_record(columns.iter().map(|c| c.header))?;
        for row in rows {
            w.write_record(row.iter().map(|c| match c {
                Out::Text(s) => s.clone(),
                Out::Number(n) => n.to_string(),
                Out::Empty => String::new(),
            }))?;
        }
        w.flush().map_err(csv::Error::from)?;
    }
    Ok(out)
}

/// Header formats: required columns, optional ones, and informational ones (ignored on import).
struct Formats {
    required: Format,
    optional: Format,
    info: Format,
    wrap: Format,
    title: Format,
}

impl Formats {
    fn new() -> Self {
        let header = Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_border(FormatBorder::Thin);
        Self {
            required: header.clone().set_background_color(Color::RGB(0xFFE699)),
            optional: header.clone().set_background_color(Color::RGB(0xDDEBF7)),
            info: header.set_background_color(Color::RGB(0xD9D9D9)).set_italic(),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            title: Format::new().set_bold().set_font_size(14),
        }
    }

    fn header(&self, c: &Column) -> &Format {
        match c.usage {
            Use::Required | Use::Link => &self.required,
            Use::Optional => &self.optional,
            Use::Info => &self.info,
        }
    }
}

/// Last row (0-based) that drop-down lists cover.
const LAST_ROW: u32 = 1_048_575;

fn data_sheet(ws: &mut Worksheet, name: &str, columns: &[Column], rows: &[Vec<Out>], f: &Formats) -> Result<(), Error> {
    ws.set_name(name)?;
    for (c, column) in (0u16..).zip(columns) {
        ws.write_string_with_format(0, c, column.header, f.header(column))?;
        ws.set_column_width(c, column.width)?;
        if let Some(v) = validation(column)? {
            ws.add_data_validation(1, c, LAST_ROW, c, &v)?;
        }
    }
    ws.set_row_height(0, 30)?;
    ws.set_freeze_panes(1, 0)?;
    for (r, row) in (1u32..).zip(rows) {
        for (c, cell) in (0u16..).zip(row) {
            match cell {
                Out::Text(s) => ws.write_string(r, c, s)?,
                Out::Number(n) => ws.write_number(r, c, *n)?,
                Out::Empty => ws,
            };
        }
    }
    if let Some(last) = u16::try_from(columns.len()).ok().and_then(|n| n.checked_sub(1)) {
        ws.autofilter(0, 0, u32::try_from(rows.len()).unwrap_or(LAST_ROW).max(1), last)?;
    }
    Ok(())
}

/// A drop-down list or a number check for the column. Warnings rather than refusals: the
/// import accepts more spellings than the list shows (stable names, short labels) and
/// reports precisely what is wrong.
fn validation(column: &Column) -> Result<Option<DataValidation>, Error> {
    let v = match column.values {
        Values::Text => return Ok(None),
        Values::List(f) => DataValidation::new().allow_list_strings(&f())?,
        Values::Whole { min, max } => {
            let (Ok(min), Ok(max)) = (i32::try_from(min), i32::try_from(max)) else { return Ok(None) };
            DataValidation::new().allow_whole_number(DataValidationRule::Between(min, max))
        }
        Values::ClassItem => DataValidation::new().allow_whole_number(DataValidationRule::Between(1, 99)),
    };
    if column.usage == Use::Info {
        return Ok(None);
    }
    let mut message = format!("{}：{}", column.header, values_text(column));
    if message.chars().count() > 200 || message.contains('\n') {
        message = format!("{}：请按“{GUIDE_SHEET}”工作表填写", column.header);
    }
    Ok(Some(v.ignore_blank(true).set_error_style(DataValidationErrorStyle::Warning).set_error_message(message)?))
}

fn guide_sheet(ws: &mut Worksheet, f: &Formats) -> Result<(), Error> {
    ws.set_name(GUIDE_SHEET)?;
    let notes = [
        "政务信息资源目录（一本账）导入模板 · 填写说明",
        "1. 工作表“信息资源”每行一个信息资源；工作表“信息项”每行一个信息项，用信息资源代码（有代码时）或信息资源名称挂接到所属资源。",
        "2. 列按表头文字识别，顺序可以调整，多余的列被忽略；请不要改动表头文字和工作表名称。",
        "3. 表头为黄色的列必填，蓝色的列选填，灰色的列仅在导出时填写、导入时忽略（由平台确定）。",
        "4. 取值列请从下拉列表中选择；导入时也接受代码值（如 unconditional、L1）。",
        "5. 整个文件一起导入：只要有一处问题，就一条也不导入，并列出每个问题所在的工作表、行和列。",
        "6. 也可以另存为两个 CSV 文件（UTF-8 或 GB18030 编码），表头与本模板相同。",
    ];
    let mut r = 0u32;
    for (i, n) in notes.iter().enumerate() {
        if i == 0 {
            ws.write_string_with_format(r, 0, *n, &f.title)?;
        } else {
            ws.write_string(r, 0, *n)?;
        }
        r += 1;
    }
    r += 1;
    let head = ["工作表", "列名", "是否必填", "说明", "可选值"];
    for (c, h) in (0u16..).zip(head) {
        ws.write_string_with_format(r, c, h, &f.optional)?;
    }
    r += 1;
    for (sheet, columns) in [(ENTRIES_SHEET, &ENTRY_COLUMNS[..]), (ITEMS_SHEET, &ITEM_COLUMNS[..])] {
        for column in columns {
            ws.write_string_with_format(r, 0, sheet, &f.wrap)?;
            ws.write_string_with_format(r, 1, column.header, &f.wrap)?;
            ws.write_string_with_format(r, 2, usage_text(column), &f.wrap)?;
            ws.write_string_with_format(r, 3, column.help, &f.wrap)?;
            ws.write_string_with_format(r, 4, values_text(column), &f.wrap)?;
            r += 1;
        }
    }
    for (c, w) in (0u16..).zip([12.0, 20.0, 14.0, 60.0, 50.0]) {
        ws.set_column_width(c, w)?;
    }
    Ok(())
}

fn workbook(entries: &[Vec<Out>], items: &[Vec<Out>]) -> Result<Vec<u8>, Error> {
    let f = Formats::new();
    let mut wb = Workbook::new();
    data_sheet(wb.add_worksheet(), ENTRIES_SHEET, &ENTRY_COLUMNS, entries, &f)?;
    data_sheet(wb.add_worksheet(), ITEMS_SHEET, &ITEM_COLUMNS, items, &f)?;
    guide_sheet(wb.add_worksheet(), &f)?;
    Ok(wb.save_to_buffer()?)
}

//! The conformance report as an Excel workbook: 汇总 (the figures) and 问题清单 (one row per
//! problem).

use crate::conformance::ConformanceReport;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use zs_types::{Error, Result};

impl ConformanceReport {
    /// The workbook's bytes.
    pub fn to_xlsx(&self) -> Result<Vec<u8>> {
        let xl = |e: XlsxError| {
            tracing::error!(error = %e, "writing the conformance report workbook");
            Error::internal("the report workbook could not be written")
        };
        let bold = Format::new().set_bold();
        let mut book = Workbook::new();
        let s = book.add_worksheet();
        s.set_name("汇总").map_err(xl)?;
        s.write_string_with_format(0, 0, format!("数据元贯标情况 · {}", self.department), &bold).map_err(xl)?;
        let facts: [(&str, u64); 6] = [
            ("信息资源数", self.entries),
            ("信息项数", self.items),
            ("应引用数据元的信息项", self.expected),
            ("已引用数据元的信息项", self.referencing),
            ("符合数据元的信息项", self.conforming),
            ("问题数", self.problems.len() as u64),
        ];
        for (i, (label, n)) in facts.iter().enumerate() {
            s.write_string(1 + i as u32, 0, *label).map_err(xl)?;
            s.write_number(1 + i as u32, 1, *n as f64).map_err(xl)?;
        }
        s.set_column_width(0, 24).map_err(xl)?;

        let d = book.add_worksheet();
        d.set_name("问题清单").map_err(xl)?;
        let head = [
            "信息资源代码",
            "信息资源名称",
            "信息项",
            "信息项名称",
            "问题",
            "数据元标识符",
            "数据元名称",
            "应为",
            "实为",
        ];
        for (c, h) in head.iter().enumerate() {
            d.write_string_with_format(0, c as u16, *h, &bold).map_err(xl)?;
        }
        for (i, p) in self.problems.iter().enumerate() {
            let r = 1 + i as u32;
            let cells = [
                p.code.as_str(),
                p.entry_name.as_str(),
                p.item_name.as_str(),
                p.item_label.as_str(),
                p.kind.label_zh(),
                p.element_id.as_str(),
                p.element_name.as_str(),
                p.expected.as_deref().unwrap_or(""),
                p.actual.as_deref().unwrap_or(""),
            ];
            for (c, v) in cells.iter().enumerate() {
                d.write_string(r, c as u16, *v).map_err(xl)?;
            }
        }
        for (c, w) in [18, 28, 16, 18, 22, 14, 18, 12, 12].iter().enumerate() {
            d.set_column_width(c as u16, *w).map_err(xl)?;
        }
        book.save_to_buffer().map_err(xl)
    }
}
